"""``mirage calibrate``: fit a checkpoint's probability calibration on the validation split.

Runs the model over the validation split (PTB-XL: fold 9), fits per class Platt scaling or
isotonic regression, whichever has the lower cross-validated Brier score there
(``mirage_model.calibration``), chooses the decision thresholds again (max F1) on the calibrated
probabilities, and writes a copy of the checkpoint that carries both. The test split is never
read. Beside the checkpoint: ``calibration.json`` (methods, cross-validated ECE before/after) and
``reliability_val.png``.

    mirage calibrate --model RUN/model --data ptbxl:ROOT --task superdiagnostic --out RUN/calibrated
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from mirage_model import calibration
from mirage_model.checkpoint import CheckpointError, save_checkpoint
from mirage_model.runtime import set_threads
from training_cli.engine import metrics as M
from training_cli.engine import runlog
from training_cli.engine.checkpoints import load_model
from training_cli.engine.data import DataOptions, open_data
from training_cli.engine.distributed import Dist
from training_cli.engine.errors import ConfigError
from training_cli.engine.evaluation import plot_reliability, split_predictions
from training_cli.engine.runtime import resolve_device
from training_cli.options import add_data_args, command_parser

logger = logging.getLogger(__name__)


def calibrate_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage calibrate`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "calibrate",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="checkpoint folder or shipped model name")
    add_data_args(p)
    p.add_argument("--out", required=True, help="folder for the calibrated checkpoint")
    p.add_argument("--seed", type=int, default=0, help="cross-validation folds' seed; also random splits'")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    if args.threads:
        set_threads(args.threads)
    device = resolve_device(args.device)
    loaded = load_model(args.model, device=str(device))
    prepared = open_data(DataOptions.of(args), loaded.preprocess, loaded.render, Dist(), not args.no_progress)
    ds = prepared[0]
    labels, K = list(loaded.labels), len(loaded.labels)
    _, raw, targets, _ = split_predictions(loaded, prepared, "val", device, args.batch_size,
                                           not args.no_progress, calibrated=False)
    multiclass = loaded.task == "multiclass"
    where = f"{ds.spec.split(':')[0]} {ds.task} val split, {len(raw)} records"
    cal = calibration.fit(targets, raw, multiclass=multiclass, seed=args.seed, fitted_on=where)
    probs = cal.apply(raw)
    y = M.as_multilabel(targets, K)
    thresholds = M.best_f1_thresholds(y, probs) if not multiclass else np.full(K, 0.5)
    val = M.compute_metrics(y if not multiclass else targets, probs, labels, thresholds, loaded.task)
    metrics = {**loaded.metrics, "val_calibrated": val}
    out = Path(args.out).expanduser()
    try:
        save_checkpoint(out, loaded.model, model_type=loaded.model_type, task=loaded.task, labels=labels,
                        schema=loaded.schema, preprocess=loaded.preprocess, render=loaded.render,
                        thresholds=thresholds, provenance=loaded.provenance, metrics=metrics, name=loaded.name,
                        extra=loaded.extra, calibration=cal, model_card=loaded.model_card)
    except CheckpointError as err:
        raise ConfigError(f"error: {err}") from None
    runlog.write_json(out / "calibration.json", {"labels": labels, **cal.to_dict(), "thresholds": thresholds})
    plot_reliability(out / "reliability_val.png", y, probs, labels, f"{loaded.name}: validation, calibrated (in-sample)")
    before, after = cal.metrics.get("ece_before", []), cal.metrics.get("ece_after_cv") or cal.metrics.get(
        "ece_after_in_sample", [])
    for k, c in enumerate(labels):
        print(f"{c:>8}: {cal.methods[min(k, len(cal.methods) - 1)]:<11} ECE {before[k]:.3f} -> {after[k]:.3f} "
              f"(validation, {'cross-validated' if 'ece_after_cv' in cal.metrics else 'in-sample'}); "
              f"threshold {thresholds[k]:.3f}")
    print(f"wrote {out} (val macro AUROC {val['macro']['auroc']:.4f})")
    return 0
