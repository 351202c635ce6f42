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
    summary.json           best epoch, its validation macro AUROC, records, times, test macro AUROC
    skipped.csv            records that failed to load (file and reason), if any; past 10 % of the records
                           the run stops before training, naming the first three, unless --allow-skipped
    test/                  metrics of the selected model on the test split (``mirage evaluate``); its
                           figures are kept in model/config.json too (``metrics.test``, with the command)

Multi-GPU / multi-node: launch with ``torchrun --nproc_per_node N -m training_cli.main train ...``
(DistributedDataParallel, DistributedSampler; gloo on CPU, nccl on GPU).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from training_cli.config import apply_config, remember_defaults
from training_cli.engine.loop import train
from training_cli.engine.stop_signals import signal_words, stop_signals_interrupt
from training_cli.engine.recipes import CONSISTENCY_FAULTS, MODELS, PRESETS, TrainConfig, resolve
from mirage_model.clinical import KNOWN_FEATURES
from mirage_model.models.config import LEAD_ENCODERS
from training_cli.options import add_data_args, command_parser, count


def add_train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="JSON file of option defaults (keys: long option names)")
    add_data_args(p)
    p.add_argument("--out", default=None, help="output folder")
    g = p.add_argument_group("model")
    g.add_argument("--model", default="mirage", choices=MODELS, help="the architecture: MIRAGE (default) or a baseline")
    g.add_argument("--preset", default="paper", choices=PRESETS, help="MIRAGE size and recipe")
    g.add_argument("--lead-encoder", default=None, choices=LEAD_ENCODERS,
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
                   help="comma-separated clinical features to use (default: those the dataset has); known: "
                        f"{', '.join(KNOWN_FEATURES)}, which the columns of a --labs table are matched to "
                        "(by name, label or alias, e.g. 'hs-TnT [ng/L]' for troponin_t)")
    g = p.add_argument_group("optimisation")
    g.add_argument("--epochs", type=count(1), default=None, help="training epochs (default: the preset's)")
    g.add_argument("--lr", type=float, default=None, help="peak learning rate of AdamW (default: the preset's)")
    g.add_argument("--batch-size", type=count(1), default=None, help="per process")
    g.add_argument("--weight-decay", type=float, default=None, help="AdamW weight decay (default: the preset's)")
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
    g.add_argument("--consistency-faults", choices=CONSISTENCY_FAULTS, default="preserving",
                   help="what the stability loss compares with the clean record: 'preserving' (default): the faulty "
                        "copy when its faults leave the reading unchanged (noise, wander, motion, mains residue), not "
                        "with a gain change, which voltage criteria read, or a lead missing, which the quality gate "
                        "withholds; 'all': every faulty copy (sessions before 2026-12-02); 'noise': a copy of its "
                        "own with muscle-like noise only (one more forward pass per batch)")
    g.add_argument("--denoise", type=float, default=0.0, metavar="K",
                   help="preprocess with wavelet shrinkage at K noise SDs (preprocess.wavelet_denoise, e.g. 3.7; "
                        "0: off, the shipped models' setting); stored in the checkpoint, so every use of the model "
                        "applies it")
    g.add_argument("--denoise-floor", type=float, default=0.0, metavar="MV",
                   help="with --denoise: the least noise SD (mV at 100 Hz) the shrinkage assumes, e.g. 0.02")
    g.add_argument("--smooth-noise", type=float, default=0.0, metavar="MV",
                   help="add Gaussian noise of MV mV RMS, through the model low-pass, to every training window's "
                        "signal (not its image), as noise-averaged scoring does (mirage calibrate --noise-average "
                        "N --noise-average-sd MV; mirage_model.averaging), so the model learns to read under it (0: off)")
    g.add_argument("--init-from", default=None, metavar="CHECKPOINT[#MEMBER]",
                   help="start from a checkpoint's weights (same architecture and clinical features, in its order: "
                        "--clinical); #i picks member i of an ensemble")
    g.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                   help="validate, select and save an exponential moving average of the weights (e.g. 0.999; 0: off)")
    g = p.add_argument_group("run")
    g.add_argument("--seed", type=int, default=0, help="seeds weights, data order and random splits")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    g.add_argument("--threads", type=count(0), default=0, help="torch CPU threads (0: torch default)")
    g.add_argument("--resume", action="store_true", help="continue from OUT/last, with the options the stopped run was started with (one that "
                        "differs, --preset or --labs left out, is refused naming it and the run's command)")
    g.add_argument("--overwrite", action="store_true",
                   help="train anew in an OUT whose model/ holds an earlier run's checkpoint, replacing it and "
                        "that run's results once this run's first epoch has written its model (a run that ends "
                        "before puts them back as they were; without it such an OUT is refused unless --resume)")
    g.add_argument("--no-test", action="store_true", help="do not evaluate the selected model on the test split")
    g.add_argument("--allow-skipped", action="store_true",
                   help="train on the records that loaded though more than 10%% of them failed to load (without "
                        "it such a run stops before training, naming the first few and why)")
    g.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the test metrics")
    g.add_argument("--no-progress", action="store_true", help="no progress bars")
    g.add_argument("--stop-after", type=int, default=0, help=argparse.SUPPRESS)  # tests: stop after N epochs


def train_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage train`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "train", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_train_args(p)
    remember_defaults(p)
    p.set_defaults(func=run, _parser=p)
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The resolved run configuration of a parsed command line: ``--config`` applied (the command line
    wins), then the recipe's values where the options leave them unset."""
    parser = getattr(args, "_parser", None)
    if parser is not None:
        apply_config(parser, args)
    return resolve(TrainConfig.of(args))


def stopped_note(out, since: float | None = None) -> str:
    """What a run stopped by Ctrl-C leaves in ``out`` to continue from: "runs/own/last keeps the run after
    epoch 1 of 4 (runs/own/model: the best model so far, epoch 1); continue it with: mirage train ... --resume",
    the command as the resume state recorded it; or that no epoch had ended. A stopped run had said
    "interrupted" alone, though its resume state waited for ``--resume``.

    ``since``: when this run started (``time.time()``; None for a --resume run, whose last/ is the run it
    continues): a resume state written before it is an earlier run's (one an --overwrite run put back, stopped
    before its first epoch ended), said as that run's, not as this one's."""
    last = Path(out) / "last"
    try:
        state = json.loads((last / "state.json").read_text(encoding="utf-8"))
        epoch = int(state["epoch"])
        earlier = since is not None and (last / "state.json").stat().st_mtime < since
    except (OSError, ValueError, KeyError, TypeError):
        return f"{out}: no epoch had ended, nothing kept to resume: run the command again"
    epochs = (state.get("args") or {}).get("epochs")
    if earlier:
        return (f"{out}: no epoch of this run had ended, nothing of it kept to resume: run the command again "
                f"({last} keeps an earlier run, after epoch {epoch}{f' of {epochs}' if epochs else ''}: "
                "--resume would continue that run, not this one)")
    best = (state.get("best") or {}).get("epoch")
    command = state.get("command") or ""
    if command and "--resume" not in shlex.split(command):
        command += " --resume"
    return (f"{last} keeps the run after epoch {epoch}{f' of {epochs}' if epochs else ''}"
            + (f" ({Path(out) / 'model'}: the best model so far, epoch {best})" if best else "")
            + (f"; continue it with: {command}" if command else "; continue it with --resume and its options"))


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    started = None if cfg.resume else time.time()
    # kill (SIGTERM) and a closed terminal (SIGHUP) stop the run as Ctrl-C does: they had ended it without a word
    with stop_signals_interrupt() as stopped_by:
        try:
            return train(cfg)
        except KeyboardInterrupt:
            print(stopped_note(cfg.out, started), file=sys.stderr)
            if not stopped_by:
                raise
    print(f"interrupted ({signal_words(stopped_by[0])})", file=sys.stderr)
    return 128 + int(stopped_by[0])
