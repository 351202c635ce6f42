"""What a training run is: its configuration (``TrainConfig``), the recipes of the models and presets,
the model it builds, the optimiser's parameter groups and the learning-rate schedule.

The paper's recipe by default (AdamW, lr 3.26e-5, 13% linear warm-up then cosine decay, batch 32,
50 epochs, lambda_con 0.445, tau 0.1, class-weighted loss); ``base`` (the shipped model) and
``small`` are sized for a CPU.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, fields, replace

from mirage_model.clinical import KNOWN_FEATURES
from mirage_model.models import build_model
from mirage_model.models.config import preset_config
from training_cli.engine.checkpoints import load_members
from training_cli.engine.data import DataOptions
from training_cli.engine.errors import ConfigError

logger = logging.getLogger(__name__)

MODELS = ("mirage", "resnet1d_wang", "patchtst")
PRESETS = ("paper", "base", "small", "tiny")

# Training recipe per model (and MIRAGE preset). Command-line values override these.
# mirage/paper is the paper's recipe; mirage/small was chosen on the PTB-XL validation fold
# (fold 9) on a CPU (see training_cli/README.md); the baselines follow their own papers' recipes
# adapted to this harness (10 s windows, warm-up + cosine).
RECIPES = {
    ("mirage", "paper"): dict(lr=3.26e-5, epochs=50, batch_size=32, weight_decay=0.05, warmup=0.13),
    ("mirage", "base"): dict(lr=1e-3, epochs=20, batch_size=64, weight_decay=0.05, warmup=0.13),
    ("mirage", "small"): dict(lr=1e-3, epochs=10, batch_size=64, weight_decay=0.05, warmup=0.13),
    ("mirage", "tiny"): dict(lr=1e-3, epochs=2, batch_size=16, weight_decay=0.0, warmup=0.13),
    # PTB-XL benchmark: resnet1d_wang trained with a one-cycle schedule; Adam(W) 1e-3 here
    ("resnet1d_wang", None): dict(lr=1e-3, epochs=50, batch_size=64, weight_decay=1e-2, warmup=0.13),
    # Nie et al. 2023 train PatchTST with Adam at 1e-4
    ("patchtst", None): dict(lr=1e-4, epochs=50, batch_size=64, weight_decay=1e-2, warmup=0.13),
}


ABLATIONS = {
    # flag dest -> MirageConfig override
    "no_labs": ("use_labs", False),
    "no_image": ("use_image", False),
    "no_signal": ("use_signal", False),
    "no_contrast": ("use_contrast", False),
    "no_fusion": ("use_fusion", False),
    "late_concat": ("late_concat", True),
    "shared_encoder": ("shared_encoder", True),
}


# what the stability loss (--consistency) compares with the clean record: "preserving", the recipe's
# faulty copy where its faults leave the reading unchanged (no gain change, no lead missing); "all",
# every faulty copy; "noise", a copy of its own with muscle-like noise only (one more forward pass)
CONSISTENCY_FAULTS = ("preserving", "all", "noise")


@dataclass(frozen=True)
class TrainConfig:
    """Every option of a training run (``mirage train --help`` tells each one). ``None``: from the recipe."""

    config: str | None = None            # the JSON file the defaults came from, if any
    # data (DataOptions)
    data: str | None = None
    task: str | None = None
    labels: str | None = None
    labs: str | None = None
    label_map: str | None = None
    split_file: str | None = None
    group_by: str | None = None
    split_method: str | None = None
    cache_dir: str | None = None
    limit: int = 0
    train_limit: int = 0
    workers: int = 0
    out: str | None = None               # output folder
    # model
    model: str = "mirage"                # one of MODELS
    preset: str = "paper"                # MIRAGE size and recipe (PRESETS)
    lead_encoder: str | None = None      # MIRAGE lead tokens: linear, conv, resnet (None: the preset's)
    no_labs: bool = False                # ablations (ABLATIONS)
    no_image: bool = False
    no_signal: bool = False
    no_contrast: bool = False
    no_fusion: bool = False
    late_concat: bool = False
    shared_encoder: bool = False
    lambda_con: float | None = None      # InfoNCE weight
    tau: float | None = None             # InfoNCE temperature
    clinical: str | None = None          # comma-separated clinical features (None: the dataset's)
    # optimisation
    epochs: int | None = None
    lr: float | None = None
    batch_size: int | None = None        # per process
    weight_decay: float | None = None
    warmup: float | None = None          # fraction of steps of linear warm-up
    no_class_weights: bool = False
    amp: str = "auto"                    # auto, bf16, fp16, off
    grad_clip: float = 1.0               # max gradient norm (0: off)
    augment: bool = False                # shifts and noise (engine.augment)
    noise: bool = False                  # the recording-fault recipe (augment.NoiseConfig)
    consistency: float = 0.0             # with noise: weight of the stability loss
    consistency_faults: str = "preserving"   # which faulty copy it compares: CONSISTENCY_FAULTS
    denoise: float = 0.0                 # wavelet shrinkage in the preprocessing, noise SDs (0: off)
    denoise_floor: float = 0.0           # its least noise SD (mV)
    smooth_noise: float = 0.0            # in-band Gaussian noise (mV RMS) on every training window's signal (0: off)
    init_from: str | None = None         # CHECKPOINT[#MEMBER] to start from
    ema: float = 0.0                     # decay of the weight average kept (0: off)
    # run
    seed: int = 0
    device: str = "auto"
    threads: int = 0                     # torch CPU threads (0: torch default)
    resume: bool = False                 # continue from OUT/last
    overwrite: bool = False              # train anew over the checkpoint an earlier run left in OUT/model
    no_test: bool = False                # do not evaluate the selected model on the test split
    allow_skipped: bool = False          # train on though more than 10 % of the records failed to load
    bootstrap: int = 1000                # bootstrap resamples of the test metrics
    no_progress: bool = False
    stop_after: int = 0                  # tests: stop after N epochs

    @classmethod
    def of(cls, options) -> "TrainConfig":
        """The training options of a parsed command line (attributes named as the fields)."""
        return cls(**{f.name: getattr(options, f.name, f.default) for f in fields(cls)})

    def data_options(self) -> DataOptions:
        return DataOptions.of(self)

    @property
    def scores_test(self) -> bool:
        """Whether the run evaluates its selected model on the test split, and so reads it: not with
        --no-test, nor with --stop-after (a test's short run, which never evaluates it)."""
        return not (self.no_test or self.stop_after)

    def to_dict(self) -> dict:
        """The resolved configuration as written to OUT/config.json and the resume state."""
        return asdict(self)


def resolve(cfg: TrainConfig) -> TrainConfig:
    """Fill the recipe's values where ``cfg`` leaves them unset and check the required options.

    Raises:
        ConfigError: --data or --out missing, ablation switches on a baseline, non-positive sizes.
    """
    if not cfg.data:
        raise ConfigError("mirage train: --data is required (e.g. --data ptbxl:~/data/ptbxl)")
    if not cfg.out:
        raise ConfigError("mirage train: --out DIR is required")
    cfg.data_options()                    # refuses a negative --limit / --train-limit before any work
    recipe = RECIPES.get((cfg.model, cfg.preset if cfg.model == "mirage" else None))
    cfg = replace(cfg, **{k: v for k, v in recipe.items() if getattr(cfg, k) is None})
    if cfg.model == "mirage":
        cfg = replace(cfg, lambda_con=0.445 if cfg.lambda_con is None else cfg.lambda_con,
                      tau=0.1 if cfg.tau is None else cfg.tau)
    elif any(getattr(cfg, k) for k in ABLATIONS) or cfg.lead_encoder:
        raise ConfigError(f"mirage train: ablation switches and --lead-encoder apply to --model mirage, "
                          f"not {cfg.model}")
    if cfg.bootstrap < 0:
        raise ConfigError(f"mirage train: --bootstrap {cfg.bootstrap}: give the number of bootstrap resamples "
                          "of the test metrics (0: none)")
    if cfg.epochs < 1 or cfg.batch_size < 1 or cfg.lr <= 0:
        raise ConfigError("mirage train: --epochs, --batch-size and --lr must be positive")
    if cfg.clinical:
        # a misspelt feature ("troponin") had been refused only after the input cache was built
        names = [n.strip() for n in cfg.clinical.split(",")]
        unknown = [n for n in names if n not in KNOWN_FEATURES]
        if unknown or len(set(names)) != len(names):
            raise ConfigError(f"mirage train: --clinical {cfg.clinical}: "
                              + (f"unknown feature {unknown[0]!r} (known: {', '.join(KNOWN_FEATURES)})" if unknown
                                 else "a feature named twice"))
    return cfg


def build_model_for(cfg: TrainConfig, K: int, task_type: str, C: int):
    """-> (model, model_type, model_config dict)."""
    if cfg.model == "mirage":
        overrides = dict(num_classes=K, task=task_type, n_clinical=C, lambda_con=cfg.lambda_con, tau=cfg.tau)
        for flag, (field, value) in ABLATIONS.items():
            if getattr(cfg, flag):
                overrides[field] = value
        if cfg.lead_encoder:
            overrides["lead_encoder"] = cfg.lead_encoder
        cfg_dict = asdict(preset_config(cfg.preset, **overrides))
    else:
        cfg_dict = dict(num_classes=K, task=task_type, n_clinical=C)
    model = build_model(cfg.model, cfg_dict)
    return model, cfg.model, cfg_dict


def param_groups(model, weight_decay: float) -> list[dict]:
    """AdamW groups: weight decay on weight matrices only (timm's ``no_weight_decay`` rule).

    Biases, norm scales, embeddings, CLS tokens and the learned lead-to-lead bias (which users see
    as an explanation) are not shrunk: every parameter with fewer than 2 dimensions, and those the
    model names in ``no_weight_decay()``.
    """
    named = getattr(model, "no_weight_decay", None)
    keep = set(named()) if callable(named) else set()
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        leaf = name.rsplit(".", 1)[-1]
        (no_decay if p.ndim < 2 or name in keep or leaf in keep else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def init_weights_from(model, spec: str, clinical: list[str] | None = None) -> None:
    """Load ``CHECKPOINT[#MEMBER]``'s weights into ``model`` (same architecture). CHECKPOINT is a
    folder or a shipped model's name ("default#0": the shipped default's first member).

    Every tensor must match by name and shape, except the classification head (``head.*``), which
    is left freshly initialised when the number of labels differs: a model for another label set
    (PTB-XL statements from the superclass model, say) starts from the same encoders. ``clinical``: the
    run's clinical features, in order, which must be the checkpoint's: a model of age, sex, crp and troponin_t
    had been refused as "the architecture differs (2 tensors ...)" beside data of age and sex, and taken, its
    troponin weights reading the height, beside data of age, sex, height and weight.
    """
    try:
        picked = load_members(spec)           # what "default#1" names, as `mirage ensemble` reads it
    except ConfigError as err:
        raise ConfigError(f"error: --init-from {str(err).removeprefix('error: ')}") from None
    if len(picked) != 1:
        raise ConfigError(f"error: --init-from {spec}: an ensemble of {len(picked)} models; name one "
                          f"member ({spec}#0 ... {spec}#{len(picked) - 1})")
    source = picked[0].model
    reads = list(getattr(getattr(picked[0], "schema", None), "names", None) or [])
    if clinical is not None and reads and reads != list(clinical):
        raise ConfigError(f"error: --init-from {spec}: it reads the clinical features {', '.join(reads)}, this run "
                          f"{', '.join(clinical) or 'none'}; give --clinical {','.join(reads)} for the same inputs "
                          "(a feature the data gives no value of is masked as missing), or train without --init-from")
    theirs, ours = source.state_dict(), model.state_dict()
    fresh = [k for k in ours if k.startswith("head.") and k in theirs and theirs[k].shape != ours[k].shape]
    wrong = sorted((set(ours) ^ set(theirs)) | {k for k in ours if k in theirs and theirs[k].shape != ours[k].shape
                                                 and k not in fresh})
    if wrong:
        raise ConfigError(f"error: --init-from {spec}: the architecture differs ({len(wrong)} tensors, e.g. {wrong[0]})")
    model.load_state_dict({k: (ours[k] if k in fresh else theirs[k]) for k in ours}, strict=True)
    logger.info("initialised from %s%s", spec, f" (new classification head: {', '.join(fresh)})" if fresh else "")


class LossConfig:
    """What ``losses.mirage_loss`` reads from a config (baselines have no contrastive part)."""

    def __init__(self, model_config: dict):
        self.task = model_config.get("task", "multilabel")
        self.lambda_con = model_config.get("lambda_con", 0.0)
        self.tau = model_config.get("tau", 0.1)
        self.use_contrast = model_config.get("use_contrast", False)


def warmup_cosine(total_steps: int, warmup_frac: float):
    """LR multiplier: linear warm-up over warmup_frac of the steps, then cosine to 0."""
    warm = max(1, int(round(total_steps * warmup_frac)))

    def f(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = (step - warm) / max(1, total_steps - warm)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return f
