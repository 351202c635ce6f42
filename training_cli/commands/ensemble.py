"""``mirage ensemble``: combine trained checkpoints into one checkpoint that averages them.

    mirage ensemble --data ptbxl:ROOT --task superdiagnostic --out runs/ens/model RUN_A/model RUN_B/model

A model named may itself be an ensemble (a folder, or a shipped name such as ``default``): its
members join one by one, or only member N with ``NAME#N`` (``default#1``); the ensemble's own
calibration and thresholds are left behind (calibrate the new one: ``mirage calibrate``).
The members must predict the same labels for the same task from the same inputs: the same
clinical schema (features and the normalisation fitted on the training split), preprocessing and
rendering. The ensemble's probability is the mean of the members' (``models.ensemble``). As in
``mirage train``, its decision thresholds are the max-F1 points on the validation split, never the
test split; the validation metrics of the ensemble and of every member are stored in the
checkpoint, so the gain over each member is on record. Score the test split afterwards with
``mirage evaluate --split test``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import numpy as np

from mirage_model.checkpoint import CheckpointError, save_checkpoint
from mirage_model.models import build_model
from mirage_model.models.ensemble import EnsembleConfig
from mirage_model.runtime import set_threads
from training_cli.engine import metrics as M
from training_cli.engine import runlog
from training_cli.engine.checkpoints import load_members
from training_cli.engine.data import DataOptions, open_data
from training_cli.engine.distributed import Dist
from training_cli.engine.errors import ConfigError
from training_cli.engine.evaluation import split_predictions
from training_cli.engine.runtime import resolve_device
from training_cli.options import add_data_args, command_parser

logger = logging.getLogger(__name__)


def ensemble_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage ensemble`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "ensemble",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("members", nargs="+", metavar="MODEL",
                   help="checkpoint folders (from mirage train: OUT/model); an ensemble (a folder or a shipped "
                        "name: default) adds its members, NAME#N only member N")
    p.add_argument("--out", required=True, help="folder of the new checkpoint")
    add_data_args(p)
    p.add_argument("--name", default="", help="model name (default: ensemble-<kind>-<task>)")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--seed", type=int, default=0, help="seed of random splits (folder datasets)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
    return p


def check_compatible(members: list) -> None:
    """Raise ConfigError naming the first checkpoint whose labels, task or inputs differ from the first's."""
    ref = members[0]
    for m in members[1:]:
        for what, a, b in (("labels", ref.labels, m.labels), ("task", ref.task, m.task),
                           ("clinical schema", ref.schema.to_dict(), m.schema.to_dict()),
                           ("preprocessing", ref.preprocess, m.preprocess), ("rendering", ref.render, m.render)):
            if a != b:
                raise ConfigError(f"error: {m.path}: its {what} differ from {ref.path}'s; an ensemble's "
                                  f"members must share labels, task and inputs")
        if m.model_type == "ensemble":
            raise ConfigError(f"error: {m.path}: is itself an ensemble; name its members instead")
    if ref.model_type == "ensemble":
        raise ConfigError(f"error: {ref.path}: is itself an ensemble; name its members instead")


def build_ensemble(members: list):
    """Loaded member checkpoints -> an ``Ensemble`` holding their weights (eval mode, on CPU)."""
    cfg = EnsembleConfig(members=[{"model_type": m.model_type, "config": dict(m.model_config)} for m in members],
                         num_classes=len(members[0].labels), task=members[0].task,
                         n_clinical=len(members[0].schema.features))
    model = build_model("ensemble", cfg)
    for net, m in zip(model.members, members):
        net.load_state_dict({k: v.detach().cpu() for k, v in m.model.state_dict().items()}, strict=True)
    return model.eval()


def run(args) -> int:
    t0 = time.time()
    if args.threads:
        set_threads(args.threads)
    if not args.data:
        raise ConfigError("mirage ensemble: --data is required (its validation split sets the thresholds)")
    device = resolve_device(args.device)
    members = [m for spec in args.members for m in load_members(spec, device="cpu")]
    if len(members) < 2:
        raise ConfigError("mirage ensemble: name at least two models (checkpoints or an ensemble's members)")
    check_compatible(members)
    ref = members[0]
    progress = not args.no_progress
    prepared = open_data(DataOptions.of(args), ref.preprocess, ref.render, Dist(), progress)
    ds = prepared[0]
    labels, task = list(ref.labels), ref.task

    # Each member runs once over the validation split; the ensemble's probability is their mean,
    # which is what the saved Ensemble returns (models.ensemble; the CLI test checks the two agree).
    # check_compatible made labels and task equal, so every member scores the same rows.
    member_probs, member_rows = [], []
    for m in members:
        m.model.to(device)
        # the saved Ensemble averages the members' own probabilities: a member's calibration and
        # measured-rhythm stage are not carried into it (calibrate the ensemble: `mirage calibrate`),
        # so the thresholds are chosen without them
        if m.calibration is not None or m.measured_stack is not None:
            logger.info("member %s: its calibration is not carried into the ensemble", m.name or m.path)
        rows, p_m, targets, _ = split_predictions(m, prepared, "val", device, args.batch_size, progress,
                                                  calibrated=False)
        m.model.cpu()
        member_probs.append(p_m)
        vm = M.compute_metrics(targets, p_m, labels, None, task)
        member_rows.append({"path": str(m.path), "name": m.name, "model_type": m.model_type,
                            "val_macro_auroc": vm["macro"]["auroc"],
                            "val_auroc": {c: vm["per_class"][c]["auroc"] for c in labels}})
        logger.info("member %s: val macro AUROC %.4f", m.name or m.path, vm["macro"]["auroc"])
    probs = np.mean(np.stack(member_probs), axis=0)                        # (N, K)
    y = M.as_multilabel(targets, len(labels))
    thresholds = M.best_f1_thresholds(y, probs) if task == "multilabel" else np.full(len(labels), 0.5)
    val = M.compute_metrics(targets, probs, labels, thresholds, task)
    logger.info("ensemble of %d: val macro AUROC %.4f on %d records", len(members), val["macro"]["auroc"], len(rows))
    model = build_ensemble(members)

    provs = [dict(m.provenance or {}) for m in members]
    provenance = {
        "data": ds.spec, "task": ds.task, "command": " ".join(["mirage"] + sys.argv[1:]), "date": runlog.utc_now(),
        "code_version": runlog.code_version(), "hardware": runlog.hardware(),
        "duration_s": round(sum(float(p.get("duration_s") or 0) for p in provs) + time.time() - t0, 1),
        "splits": provs[0].get("splits", ""), "seed": [p.get("seed") for p in provs],
        "preset": "+".join(str(p.get("preset", "")) for p in provs),
        "recipe": "mean of the members' probabilities; thresholds max F1 on the validation split",
        "members": [{k: p.get(k) for k in ("command", "preset", "recipe", "seed", "duration_s", "hardware", "date")}
                    for p in provs],
    }
    metrics = {"val": val, "members": member_rows, "records": {"val": int(len(rows))},
               "skipped": len(prepared[2])}
    name = args.name or f"ensemble-{ds.kind}-{ds.task}"
    try:
        save_checkpoint(args.out, model, model_type="ensemble", task=task, labels=labels, schema=ref.schema,
                        preprocess=ref.preprocess, render=ref.render, thresholds=thresholds,
                        provenance=provenance, metrics=metrics, name=name)
    except CheckpointError as err:
        raise ConfigError(f"error: {err}") from None
    best = max(r["val_macro_auroc"] for r in member_rows)
    print(f"ensemble of {len(members)}: val macro AUROC {val['macro']['auroc']:.4f} "
          f"(best member {best:.4f}) on {len(rows)} records; wrote {args.out}")
    return 0
