"""``mirage train``: train MIRAGE or an in-harness baseline on PTB-XL, Challenge or folder data.

The paper's recipe by default (AdamW, lr 3.26e-5, 13% linear warm-up then cosine decay, batch 32,
50 epochs, lambda_con 0.445, tau 0.1, class-weighted loss); ``--preset base`` (the shipped
model) and ``--preset small`` are sized for a CPU.
Model selection (best validation macro AUROC) and per-class thresholds (max F1) use the
validation split only. Outputs in ``--out DIR``:

    config.json            the resolved run configuration (every option, after presets and --config)
    model/                 the selected checkpoint (library format: safetensors + JSON, provenance, metrics)
    last/                  resume state (model, optimizer, scheduler, epoch, RNG; safetensors + JSON)
    log.csv, log.jsonl     one row per epoch: losses, val AUROC per class, lr, time
    curves.png             learning curves
    skipped.csv            records that failed to load (file and reason), if any
    test/                  metrics of the selected model on the test split (``mirage evaluate``)

Multi-GPU / multi-node: launch with ``torchrun --nproc_per_node N -m training_cli.main train ...``
(DistributedDataParallel, DistributedSampler; gloo on CPU, nccl on GPU).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from training_cli import common

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


# --------------------------------------------------------------------------- arguments

def add_data_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data")
    g.add_argument("--data", help="ptbxl:ROOT, challenge:ROOT or folder:ROOT")
    g.add_argument("--task", default=None,
                   help="PTB-XL: superdiagnostic (default), subdiagnostic, diagnostic, form, rhythm, all, mi; "
                        "challenge/folder: multilabel (default) or multiclass")
    g.add_argument("--labels", default=None, help="folder datasets: labels CSV (record id, labels[, split])")
    g.add_argument("--labs", default=None, help="folder datasets: laboratory results CSV (record id, features)")
    g.add_argument("--label-map", default=None, help="challenge datasets: SNOMED-CT -> class CSV")
    g.add_argument("--split-file", default=None, help="CSV record_id,split (train/val/test)")
    g.add_argument("--cache-dir", default=None, help="input cache folder (default ~/.cache/mirage or $MIRAGE_CACHE)")
    g.add_argument("--limit", type=int, default=0, help="debug: first N records of each split")
    g.add_argument("--train-limit", type=int, default=0,
                   help="budget runs: a seeded random subset of N training records (val and test stay whole)")
    g.add_argument("--workers", type=int, default=0,
                   help="processes for preprocessing and data loading (0: all cores for preprocessing, "
                        "in-process loading)")


def add_train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="JSON file of option defaults (keys: long option names)")
    add_data_args(p)
    p.add_argument("--out", default=None, help="output folder")
    g = p.add_argument_group("model")
    g.add_argument("--model", default="mirage", choices=MODELS)
    g.add_argument("--preset", default="paper", choices=PRESETS, help="MIRAGE size and recipe")
    g.add_argument("--lead-encoder", default=None, choices=("linear", "conv", "resnet"),
                   help="MIRAGE: how each lead becomes a token (default: the preset's; paper: linear)")
    g.add_argument("--no-labs", action="store_true", help="ablation: without clinical/lab features")
    g.add_argument("--no-image", action="store_true", help="ablation: without the image branch")
    g.add_argument("--no-signal", action="store_true", help="ablation: without the signal branch")
    g.add_argument("--no-contrast", action="store_true", help="ablation: without the InfoNCE loss")
    g.add_argument("--no-fusion", action="store_true", help="ablation: concatenate the CLS embeddings")
    g.add_argument("--late-concat", action="store_true", help="ablation: labs at fusion instead of FiLM")
    g.add_argument("--shared-encoder", action="store_true", help="ablation: one encoder for both modalities")
    g.add_argument("--lambda-con", type=float, default=None, help="InfoNCE weight (paper 0.445)")
    g.add_argument("--tau", type=float, default=None, help="InfoNCE temperature (paper 0.1)")
    g.add_argument("--clinical", default=None,
                   help="comma-separated clinical features to use (default: those the dataset has)")
    g = p.add_argument_group("optimisation")
    g.add_argument("--epochs", type=int, default=None)
    g.add_argument("--lr", type=float, default=None)
    g.add_argument("--batch-size", type=int, default=None, help="per process")
    g.add_argument("--weight-decay", type=float, default=None)
    g.add_argument("--warmup", type=float, default=None, help="fraction of steps of linear warm-up (0.13)")
    g.add_argument("--no-class-weights", action="store_true", help="unweighted loss")
    g.add_argument("--amp", default="auto", choices=("auto", "bf16", "fp16", "off"),
                   help="mixed precision on GPU (auto: bf16 where supported, else fp16)")
    g.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm (0: off)")
    g.add_argument("--augment", action="store_true",
                   help="random time shifts and noise on the signal, small translations of the image (training only)")
    g.add_argument("--noise", action="store_true",
                   help="recording-fault recipe on training records: baseline wander, muscle noise, electrode "
                        "motion, mains residue, gain changes, missing leads (augment.NoiseConfig); the window is "
                        "normalised and rendered again, so both branches see the same faulty recording")
    g.add_argument("--consistency", type=float, default=0.0, metavar="WEIGHT",
                   help="with --noise: weight of a stability loss pulling the prediction on the faulty record "
                        "towards the (gradient-free) prediction on the clean one (augment.consistency_loss; 0: off)")
    g.add_argument("--init-from", default=None, metavar="CHECKPOINT[#MEMBER]",
                   help="start from a checkpoint's weights (same architecture); #i picks member i of an ensemble")
    g.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                   help="validate, select and save an exponential moving average of the weights (e.g. 0.999; 0: off)")
    g = p.add_argument_group("run")
    g.add_argument("--seed", type=int, default=0, help="seeds weights, data order and random splits")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    g.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    g.add_argument("--resume", action="store_true", help="continue from OUT/last")
    g.add_argument("--no-test", action="store_true", help="do not evaluate the selected model on the test split")
    g.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the test metrics")
    g.add_argument("--no-progress", action="store_true", help="no progress bars")
    g.add_argument("--stop-after", type=int, default=0, help=argparse.SUPPRESS)  # tests: stop after N epochs


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train MIRAGE or a baseline", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_train_args(p)
    common.remember_defaults(p)
    p.set_defaults(func=run, _parser=p)


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser("mirage train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_train_args(p)
    common.remember_defaults(p)
    p.set_defaults(_parser=p)
    return p


def resolve_args(args) -> argparse.Namespace:
    """Apply --config, then fill recipe defaults; check required options."""
    parser = getattr(args, "_parser", None)
    if parser is not None:
        common.apply_config(parser, args)
    if not args.data:
        raise SystemExit("mirage train: --data is required (e.g. --data ptbxl:~/data/ptbxl)")
    if not args.out:
        raise SystemExit("mirage train: --out DIR is required")
    recipe = RECIPES.get((args.model, args.preset if args.model == "mirage" else None))
    for key, value in recipe.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    if args.model == "mirage":
        args.lambda_con = 0.445 if args.lambda_con is None else args.lambda_con
        args.tau = 0.1 if args.tau is None else args.tau
    elif any(getattr(args, k) for k in ABLATIONS) or args.lead_encoder:
        raise SystemExit(f"mirage train: ablation switches and --lead-encoder apply to --model mirage, "
                         f"not {args.model}")
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        raise SystemExit("mirage train: --epochs, --batch-size and --lr must be positive")
    return args


def resolved_config(args) -> dict:
    return {k: v for k, v in vars(args).items() if not k.startswith("_") and k != "func"}


# --------------------------------------------------------------------------- distributed

@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    def barrier(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.barrier()


def init_distributed(device_name: str) -> Dist:
    """torchrun sets RANK/WORLD_SIZE/LOCAL_RANK: join the process group (gloo on CPU, nccl on GPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    import torch
    import torch.distributed as dist

    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device_name not in ("cpu",)
    if use_cuda:
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Dist(rank, world, local)


# --------------------------------------------------------------------------- data

class CachedSplit:
    """Batches of one split from the cache: __getitem__ takes a list of rows (a whole batch)."""

    def __init__(self, cache, rows: np.ndarray, clinical: np.ndarray, mask: np.ndarray, targets: np.ndarray,
                 with_image: bool, noise: bool = False, preprocess_cfg=None, render_cfg=None,
                 keep_clean: bool = False):
        self.cache, self.rows = cache, rows
        self.keep_clean = keep_clean           # with noise: the clean inputs too, as clean_signal / clean_image
        self.clinical, self.mask, self.targets = clinical, mask, targets
        self.with_image = with_image
        self.noise, self.preprocess_cfg, self.render_cfg = noise, preprocess_cfg, render_cfg

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, batch):
        import torch

        idx = np.asarray(batch, dtype=np.int64)
        rows = self.rows[idx]
        order = np.argsort(rows)               # memmaps read fastest in file order
        rows, idx = rows[order], idx[order]
        out = {
            "index": torch.from_numpy(idx),
            "signal": torch.from_numpy(np.ascontiguousarray(self.cache.signal[rows])),
            "clinical": torch.from_numpy(self.clinical[idx]),
            "mask": torch.from_numpy(self.mask[idx]),
            "target": torch.from_numpy(self.targets[idx]),
        }
        if self.with_image:
            out["image"] = torch.from_numpy(np.ascontiguousarray(self.cache.image[rows]))   # uint8 (B, S, S)
        if self.noise:
            from training_cli.augment import noisy_inputs

            # drawn from torch's generator, which ``mirage train`` seeds and its resume state restores
            rng = np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,)).item()))
            signal, image = noisy_inputs(self.cache.mv[rows], rng, self.preprocess_cfg, self.render_cfg)
            if self.keep_clean:
                out["clean_signal"] = out["signal"]
                if self.with_image:
                    out["clean_image"] = out["image"]
            out["signal"] = torch.from_numpy(signal)
            if self.with_image:
                out["image"] = torch.from_numpy(image)
        return out


def batch_to_device(batch: dict, device):
    """-> (signal (B, L, T), image (B, 1, S, S) float in [0, 1] or None, clinical, mask, target)."""
    nb = device.type == "cuda"
    signal = batch["signal"].to(device, non_blocking=nb)
    image = batch.get("image")
    if image is not None:
        image = image.to(device, non_blocking=nb).unsqueeze(1).float().div_(255.0)
    return (signal, image, batch["clinical"].to(device, non_blocking=nb), batch["mask"].to(device, non_blocking=nb),
            batch["target"].to(device, non_blocking=nb))


def make_loader(split: CachedSplit, batch_size: int, shuffle: bool, seed: int, dist: Dist, workers: int,
                pin: bool):
    import torch
    from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, SequentialSampler

    if shuffle:
        # DistributedSampler also serves one process: a seeded permutation per epoch (set_epoch)
        base = DistributedSampler(range(len(split)), num_replicas=dist.world, rank=dist.rank, shuffle=True,
                                  seed=seed, drop_last=False)
    else:
        base = SequentialSampler(range(len(split)))
    sampler = BatchSampler(base, batch_size, drop_last=False)
    loader = DataLoader(split, sampler=sampler, batch_size=None, num_workers=workers, pin_memory=pin,
                        persistent_workers=workers > 0,
                        generator=torch.Generator().manual_seed(seed))
    loader.base_sampler = base
    return loader


def encode_clinical(schema, rows: list[dict]) -> tuple[np.ndarray, np.ndarray, int]:
    """Encode clinical dicts; an impossible value is masked (counted) rather than ending the run.

    Returns: x (N, C) float32, mask (N, C) float32, number of values dropped.
    """
    from mirage_model.clinical import ClinicalError

    xs, ms, dropped = [], [], 0
    for row in rows:
        row = {k: v for k, v in (row or {}).items() if k in schema.names}
        for _ in range(len(schema.names) + 1):
            try:
                x, m = schema.encode(row)
                break
            except ClinicalError as err:
                if err.feature not in row:
                    raise
                row.pop(err.feature)
                dropped += 1
        xs.append(x)
        ms.append(m)
    C = len(schema.names)
    if not xs:
        return np.zeros((0, C), np.float32), np.zeros((0, C), np.float32), dropped
    return np.stack(xs).astype(np.float32), np.stack(ms).astype(np.float32), dropped


def clean_rows(schema, rows: list[dict]) -> list[dict]:
    """Rows with impossible values removed (for fitting normalisation statistics)."""
    from mirage_model.clinical import ClinicalError

    out = []
    for row in rows:
        row = {k: v for k, v in (row or {}).items() if k in schema.names}
        for _ in range(len(schema.names) + 1):
            try:
                schema.canonical(row)
                break
            except ClinicalError as err:
                if err.feature not in row:
                    raise
                row.pop(err.feature)
        out.append(row)
    return out


def class_weights(y: np.ndarray, task_type: str, K: int) -> np.ndarray:
    """multilabel: pos_weight = neg / pos per class; multiclass: inverse frequency N / (K n_k). (K,)"""
    if task_type == "multiclass":
        counts = np.bincount(y, minlength=K).astype(np.float64)
        w = len(y) / (K * np.maximum(counts, 1))
    else:
        pos = y.sum(0).astype(np.float64)
        w = (len(y) - pos) / np.maximum(pos, 1)
        w[pos == 0] = 1.0
    return w.astype(np.float32)


def open_data(args, preprocess_cfg=None, render_cfg=None, dist: Dist = Dist(), progress: bool = True):
    """Open the dataset named by args, build or load its cache, drop records that failed.

    Returns (dataset, cache, skipped) with ``dataset`` restricted to the records that loaded.
    """
    from training_cli import cache as cache_mod
    from training_cli.datasets import DatasetError, open_dataset

    try:
        ds = open_dataset(args.data, args.task, labels=args.labels, labs=args.labs, label_map=args.label_map,
                          split_file=args.split_file, seed=args.seed)
    except DatasetError as err:
        raise SystemExit(f"error: {err}") from None
    ds = ds.limit(args.limit)
    kwargs = dict(cache_dir=args.cache_dir, workers=args.workers, progress=progress)
    if dist.main:
        cache = cache_mod.build_or_load(ds, preprocess_cfg, render_cfg, **kwargs)
    dist.barrier()
    if not dist.main:
        cache = cache_mod.build_or_load(ds, preprocess_cfg, render_cfg, **{**kwargs, "progress": False})
    skipped = dict(cache.errors)
    if skipped:
        logger.warning("%d of %d records failed to load and are skipped (see skipped.csv)", len(skipped),
                       len(ds.items))
    return ds, cache, skipped


def write_skipped(path: Path, dataset, skipped: dict) -> None:
    if not skipped:
        return
    by_id = {it.record_id: it for it in dataset.items}
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "path", "reason"])
        for rid, reason in skipped.items():
            it = by_id.get(rid)
            w.writerow([rid, str(it.path) if it else "", reason])


# --------------------------------------------------------------------------- model

def build_model_for(args, K: int, task_type: str, C: int):
    """-> (model, model_type, model_config dict)."""
    from mirage_model.models import build_model

    if args.model == "mirage":
        from mirage_model.models.config import preset_config

        overrides = dict(num_classes=K, task=task_type, n_clinical=C, lambda_con=args.lambda_con, tau=args.tau)
        for flag, (field, value) in ABLATIONS.items():
            if getattr(args, flag):
                overrides[field] = value
        if args.lead_encoder:
            overrides["lead_encoder"] = args.lead_encoder
        cfg = preset_config(args.preset, **overrides)
        cfg_dict = asdict(cfg)
    else:
        cfg_dict = dict(num_classes=K, task=task_type, n_clinical=C)
    model = build_model(args.model, cfg_dict)
    return model, args.model, cfg_dict


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


def init_weights_from(model, spec: str) -> None:
    """Load ``CHECKPOINT[#MEMBER]``'s weights into ``model`` (same architecture).

    Every tensor must match by name and shape, except the classification head (``head.*``), which
    is left freshly initialised when the number of labels differs: a model for another label set
    (PTB-XL statements from the superclass model, say) starts from the same encoders.
    """
    from mirage_model.checkpoint import CheckpointError, load_checkpoint

    path, _, member = spec.partition("#")
    try:
        loaded = load_checkpoint(path)
    except CheckpointError as err:
        raise SystemExit(f"error: --init-from: {err}") from None
    source = loaded.model
    if member:
        members = getattr(source, "members", None)
        if members is None or not member.isdigit() or int(member) >= len(members):
            raise SystemExit(f"error: --init-from {spec}: {path} has no member {member!r}")
        source = members[int(member)]
    theirs, ours = source.state_dict(), model.state_dict()
    fresh = [k for k in ours if k.startswith("head.") and k in theirs and theirs[k].shape != ours[k].shape]
    wrong = sorted((set(ours) ^ set(theirs)) | {k for k in ours if k in theirs and theirs[k].shape != ours[k].shape
                                                 and k not in fresh})
    if wrong:
        raise SystemExit(f"error: --init-from {spec}: the architecture differs ({len(wrong)} tensors, e.g. {wrong[0]})")
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


def amp_settings(device, mode: str):
    """-> (enabled, dtype, use_grad_scaler)."""
    import torch

    if device.type != "cuda" or mode == "off":
        return False, torch.float32, False
    if mode == "bf16" or (mode == "auto" and torch.cuda.is_bf16_supported()):
        return True, torch.bfloat16, False
    return True, torch.float16, True


def predict(model, loader, device, amp=(False, None, False), progress: bool = False, desc: str = "predict"):
    """Run ``model`` over a loader -> (indices (N,), probabilities (N, K), mean loss or None)."""
    import torch
    from tqdm import tqdm

    enabled, dtype, _ = amp
    model.eval()
    idx, probs = [], []
    task = model.config.task
    with torch.inference_mode():
        for batch in tqdm(loader, desc=desc, disable=not progress, leave=False, mininterval=5.0):
            signal, image, clinical, mask, _ = batch_to_device(batch, device)
            with torch.autocast(device.type, dtype=dtype, enabled=enabled):
                logits = model(signal, image, clinical, mask).logits.float()
            p = torch.softmax(logits, -1) if task == "multiclass" else torch.sigmoid(logits)
            idx.append(batch["index"].numpy())
            probs.append(p.cpu().numpy())
    if not idx:
        return np.zeros(0, np.int64), np.zeros((0, model.config.num_classes), np.float32)
    idx = np.concatenate(idx)
    probs = np.concatenate(probs)
    order = np.argsort(idx)
    return idx[order], probs[order]


# --------------------------------------------------------------------------- resume state

def _opt_to_tensors(opt) -> tuple[dict, dict]:
    """Optimizer state_dict -> (tensors for safetensors, JSON-able rest)."""
    import torch

    sd = opt.state_dict()
    tensors, meta = {}, {"param_groups": sd["param_groups"], "state": {}}
    for pid, st in sd["state"].items():
        meta["state"][str(pid)] = {}
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{pid}.{k}"] = v.detach().cpu().contiguous()
                meta["state"][str(pid)][k] = "tensor"
            else:
                meta["state"][str(pid)][k] = v
    return tensors, meta


def _opt_from_tensors(tensors: dict, meta: dict) -> dict:
    state = {}
    for pid, st in meta["state"].items():
        state[int(pid)] = {k: (tensors[f"{pid}.{k}"] if v == "tensor" else v) for k, v in st.items()}
    return {"state": state, "param_groups": meta["param_groups"]}


def save_resume_state(folder: Path, model, opt, sched, scaler, epoch: int, extra: dict, ema=None) -> None:
    """Write model + optimizer + scheduler + epoch + RNG state (+ the weight average) as safetensors + JSON
    (no pickle), atomically."""
    import torch
    from safetensors.torch import save_file

    tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, str(tmp / "model.safetensors"))
    opt_tensors, opt_meta = _opt_to_tensors(opt)
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            rng[f"cuda{i}"] = s
    ema_tensors = {} if ema is None else {f"ema.{k}": v.detach().cpu().contiguous()
                                          for k, v in ema.state_dict().items()}
    save_file({**{f"opt.{k}": v for k, v in opt_tensors.items()}, **{f"rng.{k}": v for k, v in rng.items()},
               **ema_tensors}, str(tmp / "state.safetensors"))
    np_state = np.random.get_state()
    py_state = random.getstate()
    state = {
        "epoch": epoch,
        "optimizer": opt_meta,
        "scheduler": {k: v for k, v in sched.state_dict().items() if k != "lr_lambdas"},
        "scaler": scaler.state_dict() if scaler is not None else None,
        "numpy_rng": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]), float(np_state[4])],
        "python_rng": [py_state[0], list(py_state[1]), py_state[2]],
        **extra,
    }
    (tmp / "state.json").write_text(json.dumps(state, default=common._json_default))
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


def load_resume_state(folder: Path, model, opt, sched, scaler, ema=None) -> dict:
    import torch
    from safetensors.torch import load_file

    try:
        state = json.loads((folder / "state.json").read_text())
        model_sd = load_file(str(folder / "model.safetensors"))
        tensors = load_file(str(folder / "state.safetensors"))
    except (OSError, ValueError) as err:
        raise SystemExit(f"--resume: cannot read resume state in {folder} ({err})") from None
    model.load_state_dict(model_sd)
    if ema is not None:
        ema_sd = {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")}
        if not ema_sd:
            raise SystemExit(f"--resume: the run in {folder} kept no weight average; resume it without --ema")
        ema.load_state_dict(ema_sd)
    opt_tensors = {k[4:]: v for k, v in tensors.items() if k.startswith("opt.")}
    opt.load_state_dict(_opt_from_tensors(opt_tensors, state["optimizer"]))
    sd = sched.state_dict()
    sd.update(state["scheduler"])
    sched.load_state_dict(sd)
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(tensors["rng.torch"])
    if torch.cuda.is_available():
        cuda = [tensors[k] for k in sorted(t for t in tensors if t.startswith("rng.cuda"))]
        if len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
    ns = state["numpy_rng"]
    np.random.set_state((ns[0], np.array(ns[1], dtype=np.uint32), ns[2], ns[3], ns[4]))
    ps = state["python_rng"]
    random.setstate((ps[0], tuple(ps[1]), ps[2]))
    return state


# --------------------------------------------------------------------------- logging / plots

def write_epoch_log(out: Path, history: list[dict]) -> None:
    keys = []
    for row in history:
        for k in row:
            if k not in keys:
                keys.append(k)
    tmp = out / "log.csv.tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for row in history:
            w.writerow(row)
    os.replace(tmp, out / "log.csv")
    tmp = out / "log.jsonl.tmp"
    with open(tmp, "w") as f:
        for row in history:
            f.write(json.dumps(row, default=common._json_default) + "\n")
    os.replace(tmp, out / "log.jsonl")


def plot_curves(path: Path, history: list[dict], classes: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ep = [h["epoch"] for h in history]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    axes[0].plot(ep, [h["train_loss"] for h in history], "o-", label="train")
    axes[0].plot(ep, [h.get("val_loss") for h in history], "o-", label="val")
    axes[0].set_title("loss")
    axes[0].legend()
    axes[1].plot(ep, [h.get("val_macro_auroc") for h in history], "o-", color="k", label="macro")
    for c in classes:
        axes[1].plot(ep, [h.get(f"val_auroc_{c}") for h in history], "-", alpha=0.6, label=c)
    axes[1].set_title("validation AUROC")
    if len(classes) <= 12:
        axes[1].legend(fontsize=7)
    axes[2].plot(ep, [h["lr"] for h in history], "o-")
    axes[2].set_title("learning rate (end of epoch)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- main

def run(args) -> int:
    args = resolve_args(args)
    return main(args)


def main(args) -> int:
    """Train as configured by ``args`` (see ``get_args_parser``). Returns 0 on success."""
    import torch
    from mirage_model.checkpoint import save_checkpoint
    from mirage_model.clinical import default_schema
    from mirage_model.losses import mirage_loss
    from mirage_model.models import reads_image
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.render import RenderConfig
    from tqdm import tqdm

    from training_cli.augment import augment_batch, consistency_loss

    t_start = time.time()
    dist = init_distributed(args.device)
    device = common.resolve_device(args.device)
    if dist.enabled and device.type == "cuda":
        device = torch.device("cuda", dist.local_rank)
    if args.threads:
        torch.set_num_threads(args.threads)
    common.set_seed(args.seed)
    out = Path(args.out).expanduser()
    progress = dist.main and not args.no_progress
    if dist.main:
        out.mkdir(parents=True, exist_ok=True)
        common.write_json(out / "config.json", {**resolved_config(args), "command": " ".join(sys.argv),
                                                "world_size": dist.world})

    pcfg, rcfg = PreprocessConfig(), RenderConfig()
    ds, cache, skipped = open_data(args, pcfg, rcfg, dist, progress)
    if dist.main:
        write_skipped(out / "skipped.csv", ds, skipped)
    K, task_type = len(ds.classes), ds.task_type
    ok = cache.ok
    all_targets = ds.targets()

    # clinical schema: the dataset's features (or --clinical), normalisation fitted on train only
    names = [n.strip() for n in args.clinical.split(",")] if args.clinical else list(ds.clinical_names)
    schema = default_schema(names)
    rows_all = [it.clinical for it in ds.items]
    train_rows = ds.split_indices("train")
    train_rows = train_rows[ok[train_rows]]
    schema = schema.fit(clean_rows(schema, [rows_all[i] for i in train_rows]))
    clin, cmask, dropped = encode_clinical(schema, rows_all)
    if dropped and dist.main:
        logger.warning("%d impossible clinical values were treated as missing", dropped)

    splits = {}
    for s in ("train", "val", "test"):
        r = ds.split_indices(s)
        splits[s] = r[ok[r]]
    if getattr(args, "train_limit", 0) and args.train_limit < len(splits["train"]):
        pick = np.random.default_rng(args.seed).choice(len(splits["train"]), args.train_limit, replace=False)
        splits["train"] = np.sort(splits["train"][pick])
    if len(splits["train"]) == 0 or len(splits["val"]) == 0:
        raise SystemExit(f"error: {args.data}: the train and validation splits must not be empty "
                         f"(train {len(splits['train'])}, val {len(splits['val'])})")
    model, model_type, model_cfg = build_model_for(args, K, task_type, len(schema.names))
    if getattr(args, "init_from", None):
        init_weights_from(model, args.init_from)
    model.to(device)
    with_image = reads_image(model_type, model_cfg)
    augment = getattr(args, "augment", False)
    ema = None
    if getattr(args, "ema", 0.0):
        if not 0.0 < args.ema < 1.0:
            raise SystemExit(f"mirage train: --ema must lie between 0 and 1 (got {args.ema:g})")
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(args.ema), use_buffers=True)
    kept = ema.module if ema is not None else model     # the weights validated, selected and saved
    if dist.main:
        n_par = sum(p.numel() for p in model.parameters())
        logger.info("%s (%s): %.2fM parameters, %d classes, %d clinical features; device %s, world %d",
                    model_type, args.preset if model_type == "mirage" else "default", n_par / 1e6, K,
                    len(schema.names), device, dist.world)

    consistency = float(getattr(args, "consistency", 0.0) or 0.0)
    if consistency < 0 or (consistency and not getattr(args, "noise", False)):
        raise SystemExit(f"mirage train: --consistency needs --noise and a weight >= 0 (got {consistency:g})")

    def split_data(name, noise=False):
        rows = splits[name]
        return CachedSplit(cache, rows, clin[rows], cmask[rows], all_targets[rows], with_image, noise, pcfg, rcfg,
                           keep_clean=noise and consistency > 0)

    if getattr(args, "noise", False) and cache.mv is None:
        raise SystemExit(f"mirage train --noise: the input cache {cache.path} has no mV windows; rebuild it")
    pin = device.type == "cuda"
    train_loader = make_loader(split_data("train", getattr(args, "noise", False)), args.batch_size, True, args.seed,
                               dist, args.workers, pin)
    val_loader = make_loader(split_data("val"), args.batch_size * 2, False, args.seed, Dist(), args.workers, pin)
    weights = None
    if not args.no_class_weights:
        weights = torch.from_numpy(class_weights(all_targets[splits["train"]], task_type, K)).to(device)
    loss_cfg = model.config if model_type == "mirage" else LossConfig(model_cfg)

    net = model
    if dist.enabled:
        from torch.nn.parallel import DistributedDataParallel as DDP

        # an ablated MIRAGE may leave modules out of the graph; the full models use every parameter
        unused = model_type == "mirage" and any(getattr(args, f) for f in ABLATIONS)
        net = DDP(model, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=unused)
    opt = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr)
    steps_per_epoch = len(train_loader)
    total_steps = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(total_steps, args.warmup))
    amp = amp_settings(device, args.amp)
    scaler = torch.amp.GradScaler("cuda") if amp[2] else None

    history: list[dict] = []
    best = {"auroc": -math.inf, "epoch": 0}   # the score is -val_loss when AUROC is undefined
    start_epoch = 0
    if args.resume:
        last = out / "last"
        if not (last / "state.json").is_file():
            raise SystemExit(f"--resume: no resume state in {last}")
        state = load_resume_state(last, model, opt, sched, scaler, ema)
        start_epoch = state["epoch"]
        history = state.get("history", [])
        best = state.get("best", best)
        if state.get("total_steps") not in (None, total_steps):
            raise SystemExit(f"--resume: the stopped run had {state['total_steps']} steps in all, this one "
                             f"{total_steps}: keep --epochs, --batch-size and the data the same")
        if dist.main:
            logger.info("resuming after epoch %d (best val macro AUROC %.4f at epoch %d)", start_epoch,
                        best["auroc"], best["epoch"])
    run_meta = {"records": {s: int(len(r)) for s, r in splits.items()}, "skipped": len(skipped),
                "cache": str(cache.path), "cache_build_s": round(cache.build_s, 1), "cache_reused": cache.reused}
    if dist.main:
        logger.info("train %d / val %d / test %d records (%d skipped); %d steps per epoch; cache %s (%s)",
                    len(splits["train"]), len(splits["val"]), len(splits["test"]), len(skipped), steps_per_epoch,
                    cache.path, "reused" if cache.reused else f"built in {cache.build_s:.0f} s")

    val_y = common.as_multilabel(all_targets[splits["val"]], K)
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        net.train()
        train_loader.base_sampler.set_epoch(epoch)
        sums = {"total": 0.0, "cls": 0.0, "con": 0.0, "stab": 0.0}
        n_seen = 0
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1}/{args.epochs}", disable=not progress, leave=False,
                   mininterval=5.0)
        for batch in bar:
            signal, image, clinical, mask, target = batch_to_device(batch, device)
            clean_logits = None
            if consistency:
                clean_signal, clean_image, *_ = batch_to_device(
                    {**batch, "signal": batch["clean_signal"], "image": batch.get("clean_image")}, device)
                net.eval()                         # the clean prediction as the model would make it
                with torch.no_grad(), torch.autocast(device.type, dtype=amp[1], enabled=amp[0]):
                    clean_logits = net(clean_signal, clean_image, clinical, mask).logits.float()
                net.train()
            if augment:
                signal, image = augment_batch(signal, image)
            with torch.autocast(device.type, dtype=amp[1], enabled=amp[0]):
                output = net(signal, image, clinical, mask)
            output.logits = output.logits.float()
            if output.z_signal is not None:
                output.z_signal, output.z_image = output.z_signal.float(), output.z_image.float()
            loss, parts = mirage_loss(output, target, loss_cfg, weights)
            if clean_logits is not None:
                stab = consistency_loss(output.logits, clean_logits, task_type)
                loss = loss + consistency * stab
                parts = {**parts, "total": float(loss.detach()), "stab": float(stab.detach())}
            if not torch.isfinite(loss):
                raise SystemExit(f"error: the loss became {loss.item()} at epoch {epoch + 1}; lower --lr "
                                 f"(now {args.lr:g}) or check the data")
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
            else:
                loss.backward()
            if args.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
            if scaler is not None:
                scaler.step(opt)
                scaler.update()
            else:
                opt.step()
            sched.step()
            if ema is not None:
                ema.update_parameters(model)
            b = len(target)
            n_seen += b
            for k in sums:
                sums[k] += float(parts.get(k, 0.0)) * b
            bar.set_postfix(loss=f"{sums['total'] / n_seen:.4f}")
        bar.close()
        train_s = time.time() - t0
        row = {"epoch": epoch + 1, "train_loss": sums["total"] / max(n_seen, 1),
               "train_cls": sums["cls"] / max(n_seen, 1), "train_con": sums["con"] / max(n_seen, 1),
               **({"train_stab": sums["stab"] / max(n_seen, 1)} if consistency else {}),
               "lr": opt.param_groups[0]["lr"]}
        if dist.main:
            idx, probs = predict(kept, val_loader, device, amp, progress, desc="validate")
            vm = common.compute_metrics(val_y, probs, ds.classes, None, task_type)
            row["val_loss"] = _val_loss(probs, all_targets[splits["val"]], task_type, weights)
            row["val_macro_auroc"] = vm["macro"]["auroc"]
            row["val_macro_auprc"] = vm["macro"]["auprc"]
            for c in ds.classes:
                row[f"val_auroc_{c}"] = vm["per_class"][c]["auroc"]
            row["train_s"] = round(train_s, 1)
            row["epoch_s"] = round(time.time() - t0, 1)
            row["elapsed_s"] = round(time.time() - t_start, 1)
            history.append(row)
            score = row["val_macro_auroc"] if row["val_macro_auroc"] is not None else -row["val_loss"]
            improved = score > best["auroc"]
            logger.info("epoch %d/%d: train loss %.4f, val loss %.4f, val macro AUROC %s, lr %.2e, %.0f s%s",
                        epoch + 1, args.epochs, row["train_loss"], row["val_loss"],
                        "n/a" if row["val_macro_auroc"] is None else f"{row['val_macro_auroc']:.4f}",
                        row["lr"], row["epoch_s"], "  (best)" if improved else "")
            if improved:
                best = {"auroc": float(score), "epoch": epoch + 1}
                thresholds = (common.best_f1_thresholds(val_y, probs) if task_type == "multilabel"
                              else np.full(K, 0.5))
                vm_thr = common.compute_metrics(val_y, probs, ds.classes, thresholds, task_type)
                _save_model(out / "model", kept, model_type, task_type, ds, schema, pcfg, rcfg, thresholds,
                            args, t_start, {"val": vm_thr, "best_epoch": epoch + 1, **run_meta}, save_checkpoint)
            write_epoch_log(out, history)
            try:
                plot_curves(out / "curves.png", history, ds.classes)
            except Exception as err:  # noqa: BLE001 - a plot must never end a training run
                logger.warning("could not draw learning curves: %s", err)
            save_resume_state(out / "last", model, opt, sched, scaler, epoch + 1,
                              {"history": history, "best": best, "total_steps": total_steps,
                               "args": resolved_config(args)}, ema)
        dist.barrier()
        if args.stop_after and epoch + 1 >= args.stop_after:
            logger.info("stopping after epoch %d (--stop-after)", epoch + 1)
            break

    duration = time.time() - t_start
    if dist.main:
        summary = {"best_epoch": best["epoch"], "best_val_macro_auroc": best["auroc"], "duration_s": round(duration, 1),
                   "epochs_run": len(history), **run_meta}
        if history:
            summary["mean_epoch_s"] = round(float(np.mean([h["epoch_s"] for h in history])), 1)
        if not args.no_test and len(splits["test"]) and (out / "model" / "config.json").is_file() \
                and not args.stop_after:
            from training_cli import evaluate

            test = evaluate.evaluate_checkpoint(out / "model", args, out / "test", split="test", device=device,
                                                n_boot=args.bootstrap, progress=progress, prepared=(ds, cache, skipped))
            summary["test_macro_auroc"] = test["macro"]["auroc"]
        common.write_json(out / "summary.json", summary)
        logger.info("done in %.0f s: best val macro AUROC %.4f (epoch %d)%s; %d records skipped; outputs in %s",
                    duration, best["auroc"], best["epoch"],
                    f", test macro AUROC {_num(summary.get('test_macro_auroc'))}" if "test_macro_auroc" in summary
                    else "",
                    len(skipped), out)
    if dist.enabled:
        import torch.distributed as tdist

        dist.barrier()            # rank 0 may still be evaluating the test split
        tdist.destroy_process_group()
    return 0


def _num(v) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _val_loss(probs: np.ndarray, y: np.ndarray, task_type: str, weights) -> float:
    """Weighted BCE / CE of validation probabilities (same weighting as training)."""
    eps = 1e-7
    p = np.clip(probs.astype(np.float64), eps, 1 - eps)
    w = None if weights is None else weights.detach().cpu().numpy().astype(np.float64)
    if task_type == "multiclass":
        ll = -np.log(p[np.arange(len(y)), y])
        if w is not None:
            return float((w[y] * ll).sum() / w[y].sum())
        return float(ll.mean())
    pw = np.ones(p.shape[1]) if w is None else w
    ll = -(pw[None, :] * y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(ll.mean())


def _save_model(folder, model, model_type, task_type, ds, schema, pcfg, rcfg, thresholds, args, t_start, metrics,
                save_checkpoint):
    provenance = {
        "data": ds.spec, "task": ds.task, "command": " ".join(sys.argv), "date": common.utc_now(),
        "code_version": common.code_version(), "hardware": common.hardware(),
        "duration_s": round(time.time() - t_start, 1), "seed": args.seed, "preset": args.preset,
        "recipe": {**{k: getattr(args, k) for k in ("epochs", "lr", "batch_size", "weight_decay", "warmup")},
                   "augment": bool(getattr(args, "augment", False)), "ema": float(getattr(args, "ema", 0.0)),
                   "noise": bool(getattr(args, "noise", False)),
                   "consistency": float(getattr(args, "consistency", 0.0) or 0.0), "init_from": getattr(args, "init_from", None)},
        "splits": "PTB-XL strat_fold 1-8 train, 9 val, 10 test" if ds.kind == "ptbxl" else
        (f"split file {args.split_file}" if args.split_file else f"seeded random split (seed {args.seed})"),
    }
    name = f"{model_type}-{ds.kind}-{ds.task}" + (f"-{args.preset}" if model_type == "mirage" else "")
    save_checkpoint(folder, model, model_type=model_type, task=task_type, labels=list(ds.classes), schema=schema,
                    preprocess=pcfg, render=rcfg, thresholds=[float(t) for t in thresholds], provenance=provenance,
                    metrics=metrics, name=name)
