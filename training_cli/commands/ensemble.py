"""``mirage ensemble``: combine trained checkpoints into one checkpoint that averages them.

    mirage ensemble --data ptbxl:ROOT --task superdiagnostic --out runs/ens/model RUN_A/model RUN_B/model

A model named may itself be an ensemble (a folder, or a shipped name such as ``default``): its
members join one by one, or only member N with ``NAME#N`` (``default#1``); the ensemble's own
calibration and thresholds are left behind (calibrate the new one: ``mirage calibrate``), and so is a noise
spread (``mirage_model.noise_spread``, measured for that model's own probabilities: said on stdout).
The members must predict for the same task from the same inputs: the same clinical features,
preprocessing and rendering (a member whose feature normalisation was fitted on other training
records gets its own back inside the ensemble, exactly). The
ensemble's labels are the first member's; a later multi-label member may predict a subset of them
(a network trained on PTB-XL's form task beside a 71-statement one), and each label's probability is
the mean over the members that predict it (``models.ensemble``); ``--member-labels N:A,B`` keeps
member N (0-based, in the order the members are listed, an ensemble's expanded) to those of its
labels. As in
``mirage train``, its decision thresholds are the max-F1 points on the validation split, never the
test split; the validation metrics of the ensemble and of every member are stored in the
checkpoint, so the gain over each member is on record. Score the test split afterwards with
``mirage evaluate --split test``.
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np

from mirage_model.checkpoint import CheckpointError, read_checkpoint_config, save_checkpoint
from mirage_model.models import build_model
from mirage_model.models.ensemble import EnsembleConfig
from mirage_model.records.fingerprint import merged_entry
from mirage_model.review.report.model_info import macro_auroc_text
from mirage_model.runtime import set_threads
from training_cli.engine import metrics as M
from training_cli.engine import runlog
from training_cli.engine.checkpoints import clinical_rescale, load_members, read_model_path, refuse_earlier_checkpoint
from training_cli.engine.data import DataOptions, open_data
from training_cli.engine.distributed import Dist
from training_cli.engine.errors import ConfigError
from training_cli.engine.evaluation import split_predictions
from training_cli.engine.runtime import resolve_device
from training_cli.engine.split_record import DATA_KEYS
from training_cli.options import add_data_args, add_overwrite_arg, command_parser, count

logger = logging.getLogger(__name__)


def ensemble_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage ensemble`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "ensemble",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("members", nargs="+", metavar="MODEL",
                   help="checkpoint folders (from mirage train: OUT/model); an ensemble (a folder or a shipped "
                        "name: default) adds its members, NAME#N only member N")
    p.add_argument("--out", required=True, help="folder of the new checkpoint")
    add_overwrite_arg(p)
    add_data_args(p)
    p.add_argument("--member-labels", action="append", default=[], metavar="N:LABEL[,LABEL...]",
                   help="member N (0-based, in the order listed) contributes only these of its labels "
                        "(repeatable); the others come from the other members")
    p.add_argument("--name", default="", help="model name (default: ensemble-<kind>-<task>)")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    p.add_argument("--batch-size", type=count(1), default=64, help="records per forward pass (default 64)")
    p.add_argument("--threads", type=count(0), default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--seed", type=int, default=0, help="seed of random splits (folder datasets)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)
    return p


def _member(m) -> str:
    """A member as the log names it: its name and the checkpoint it came from (two runs of one recipe
    share a name: "mirage-folder-multilabel-tiny" twice had told the members' figures apart by order alone)."""
    return f"{m.name} ({m.path})" if m.name else str(m.path)


def check_compatible(members: list) -> None:
    """Raise ConfigError naming the first checkpoint whose task or inputs differ from the first's, or
    whose labels are neither the first's nor (multi-label) a subset of them."""
    ref = members[0]
    for m in members[1:]:
        if list(m.labels) != list(ref.labels):
            extra = [c for c in m.labels if c not in ref.labels]
            if extra or ref.task != "multilabel" or m.task != "multilabel":
                why = (f"it predicts {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''}, which {ref.path} does "
                       f"not" if extra else "a multi-class ensemble's members must predict the same classes")
                raise ConfigError(f"error: {m.path}: its labels differ from {ref.path}'s ({why}); a member "
                                  f"predicts the first member's labels or, multi-label, a subset of them")
        for what, a, b in (("task", ref.task, m.task),
                           ("clinical features", _features(ref.schema, False), _features(m.schema, False)),
                           ("preprocessing", ref.preprocess, m.preprocess), ("rendering", ref.render, m.render)):
            if a != b:
                verb = "differ" if what == "clinical features" else "differs"
                raise ConfigError(f"error: {m.path}: its {what} {verb} from {ref.path}'s; an ensemble's "
                                  f"members must share task and inputs")
        ranges = _range_words(ref.schema, m.schema)
        if ranges:
            raise ConfigError(f"error: {m.path}: its clinical values were trained over other ranges than "
                              f"{ref.path}'s ({ranges}); an ensemble reads every member's values within one range "
                              "(a value beyond it at its edge), so its members are trained on the same records")
        if m.model_type == "ensemble":
            raise ConfigError(f"error: {m.path}: is itself an ensemble; name its members instead")
    if ref.model_type == "ensemble":
        raise ConfigError(f"error: {ref.path}: is itself an ensemble; name its members instead")


def _features(schema, trained: bool = True) -> list[dict]:
    """The clinical schema without its fitted normalisation (means and standard deviations): what
    members must share; the ensemble re-normalises a member fitted on other records exactly. Without
    ``trained``, also without the ranges the values were trained over (``_range_words`` says those)."""
    fitted = ("mean", "std") if trained else ("mean", "std", "trained")
    return [{k: v for k, v in f.items() if k not in fitted} for f in schema.to_dict()["features"]]


def _range_words(ref_schema, schema) -> str:
    """"age 25-86 against 2-90, height ..." for the clinical features whose trained range (``ClinicalFeature
    .trained``: the values one member was trained over, a value beyond read at its edge) differs from the first
    member's; "" where none does."""
    words = []
    for f_ref, f in zip(ref_schema.features, schema.features):
        if f.trained != f_ref.trained:
            def shown(r) -> str:
                return "not stated" if r is None else f"{r[0]:g}-{r[1]:g}"
            words.append(f"{f.name} {shown(f.trained)} against {shown(f_ref.trained)}")
    return ", ".join(words)


def parse_member_labels(specs: list[str], members: list) -> list[list[str]]:
    """``--member-labels`` -> the labels each member contributes (all its own where not named).

    Raises:
        ConfigError: a malformed spec, no such member, a label the member does not predict, or a
            label of the ensemble that no member then predicts.
    """
    used = [list(m.labels) for m in members]
    for spec in specs:
        n, sep, names = str(spec).partition(":")
        wanted = [x.strip() for x in names.split(",") if x.strip()]
        if not sep or not n.strip().isdigit() or not wanted:
            raise ConfigError(f"error: --member-labels {spec!r}: expected N:LABEL[,LABEL...]")
        i = int(n)
        if i >= len(members):
            raise ConfigError(f"error: --member-labels {spec!r}: there are {len(members)} members (0 to "
                              f"{len(members) - 1})")
        unknown = [c for c in wanted if c not in members[i].labels]
        if unknown:
            raise ConfigError(f"error: --member-labels {spec!r}: member {i} ({members[i].path}) does not predict "
                              f"{', '.join(unknown)}")
        used[i] = [c for c in members[i].labels if c in wanted]
    orphans = [c for c in members[0].labels if not any(c in u for u in used)]
    if orphans:
        raise ConfigError(f"error: --member-labels leaves {', '.join(orphans[:5])}{' ...' if len(orphans) > 5 else ''} "
                          "to no member")
    return used


def spread_left(specs) -> list[str]:
    """The models named (``CHECKPOINT[#MEMBER]``) whose checkpoint carries a noise spread, which the ensemble
    leaves behind (an ensemble's members are loaded without it, as without its calibration)."""
    return [spec for spec in specs
            if read_checkpoint_config(read_model_path(spec, "mirage ensemble", "")).get("noise_spread") is not None]


def build_ensemble(members: list, used: list[list[str]] | None = None):
    """Loaded member checkpoints -> an ``Ensemble`` holding their weights (eval mode, on CPU);
    ``used``: the labels each member contributes (``parse_member_labels``; None: all its own)."""
    labels = list(members[0].labels)
    used = used or [list(m.labels) for m in members]
    entries = []
    for m, u in zip(members, used):
        entry = {"model_type": m.model_type, "config": dict(m.model_config)}
        if list(m.labels) != labels or u != list(m.labels):   # where each output goes (None: left out)
            entry["classes"] = [labels.index(c) if c in u else None for c in m.labels]
        rescale = clinical_rescale(members[0].schema, m.schema)
        if rescale is not None:                # fitted on other records: its own normalisation, exactly
            entry["clinical"] = rescale
        entries.append(entry)
    cfg = EnsembleConfig(members=entries, num_classes=len(labels), task=members[0].task,
                         n_clinical=len(members[0].schema.features))
    model = build_model("ensemble", cfg)
    for net, m in zip(model.members, members):
        net.load_state_dict({k: v.detach().cpu() for k, v in m.model.state_dict().items()}, strict=True)
    return model.eval()


def run(args) -> int:
    t0 = time.time()
    if args.threads:
        set_threads(args.threads)
    refuse_earlier_checkpoint(args.out, args.overwrite, "mirage ensemble", reads=[("", m) for m in args.members])
    if not args.data:
        raise ConfigError("mirage ensemble: --data is required (its validation split sets the thresholds)")
    device = resolve_device(args.device)
    members = [m for spec in args.members for m in load_members(spec, device="cpu")]
    if len(members) < 2:
        raise ConfigError("mirage ensemble: name at least two models (checkpoints or an ensemble's members)")
    check_compatible(members)
    used = parse_member_labels(args.member_labels, members)
    for spec in spread_left(args.members):
        print(f"{spec}: its noise spread is not carried into the ensemble (measured for its own probabilities, "
              "not their mean); measure the ensemble's (python scripts/noise_spread.py measure, fit)")
    ref = members[0]
    progress = not args.no_progress
    prepared = open_data(DataOptions.of(args), ref.preprocess, ref.render, Dist(), progress, model_labels=ref.labels,
                         models=[(m.name or f"member {i}", m.provenance) for i, m in enumerate(members)],
                         splits=("val",))
    ds = prepared[0]
    labels, task = list(ref.labels), ref.task

    # Each member runs once over the validation split; the ensemble's probability is their mean,
    # which is what the saved Ensemble returns (models.ensemble; the CLI test checks the two agree).
    # check_compatible made the task equal, so every member scores the same rows; a member of a subset
    # of the labels fills its columns (NaN elsewhere) and each label's mean is over its members.
    member_probs, member_rows = [], []
    for m, own in zip(members, used):
        m.model.to(device)
        # the saved Ensemble averages the members' own probabilities: a member's calibration and
        # measured-rhythm stage are not carried into it (calibrate the ensemble: `mirage calibrate`),
        # so the thresholds are chosen without them
        if m.calibration is not None or m.measured_stack is not None:
            logger.info("member %s: its calibration is not carried into the ensemble", _member(m))
        rows, p_m, t_m, _ = split_predictions(m, prepared, "val", device, args.batch_size, progress,
                                              calibrated=False)
        m.model.cpu()
        full = np.full((len(rows), len(labels)), np.nan)
        cols = [list(m.labels).index(c) for c in own]
        full[:, [labels.index(c) for c in own]] = p_m[:, cols]
        member_probs.append(full)
        if list(m.labels) == labels:
            targets = t_m
        vm = M.compute_metrics(t_m[:, cols], p_m[:, cols], own, None, task) if task == "multilabel" else \
            M.compute_metrics(t_m, p_m, own, None, task)
        member_rows.append({"path": str(m.path), "name": m.name, "model_type": m.model_type,
                            "val_macro_auroc": vm["macro"]["auroc"], **({} if own == labels else {"labels": own}),
                            "val_auroc": {c: vm["per_class"][c]["auroc"] for c in own}})
        logger.info("member %s: val %s%s", _member(m), macro_auroc_text(vm),
                    "" if own == labels else f" over its {len(own)} of the {len(labels)} labels")
    probs = np.nanmean(np.stack(member_probs), axis=0)                     # (N, K): each label over its members
    y = M.as_multilabel(targets, len(labels))
    if task == "multilabel":
        M.warn_no_positives(y, labels, "validation split")
    thresholds = M.best_f1_thresholds(y, probs) if task == "multilabel" else np.full(len(labels), 0.5)
    val = M.compute_metrics(targets, probs, labels, thresholds, task)
    logger.info("ensemble of %d: val %s on %d records", len(members), macro_auroc_text(val), len(rows))
    model = build_ensemble(members, used)

    provs = [dict(m.provenance or {}) for m in members]
    provenance = {
        "data": ds.spec, "task": ds.task, "command": runlog.command_line(), "date": runlog.utc_now(),
        "code_version": runlog.code_version(), "hardware": runlog.hardware(),
        "duration_s": round(sum(float(p.get("duration_s") or 0) for p in provs) + time.time() - t0, 1),
        "splits": provs[0].get("splits", ""),
        **{k: provs[0][k] for k in DATA_KEYS if k in provs[0] and k not in ("data", "task", "splits")},
        "seed": [p.get("seed") for p in provs],
        "preset": "+".join(str(p.get("preset", "")) for p in provs),
        "recipe": "mean of the members' probabilities; thresholds max F1 on the validation split",
        "members": [{k: p.get(k) for k in ("command", "preset", "recipe", "seed", "duration_s", "hardware", "date")}
                    for p in provs],
        # the records every member was trained or selected on, and those its thresholds were chosen on: mirage score
        # and the app mark them for the ensemble
        **({"training_records": kept} if (kept := merged_entry(provs, [ds.items[i].path for i in rows])) is not None
           else {}),
    }
    metrics = {"val": val, "members": member_rows, "records": {"val": int(len(rows))},
               "skipped": len(prepared[2])}
    name = args.name or f"ensemble-{ds.kind}-{ds.task}"
    try:
        save_checkpoint(args.out, model, model_type="ensemble", task=task, labels=labels, schema=ref.schema,
                        preprocess=ref.preprocess, render=ref.render, thresholds=thresholds,
                        provenance=provenance, metrics=metrics, name=name,
                        label_descriptions={c: w for m in reversed(members)
                                            for c, w in (m.label_descriptions or {}).items() if c in labels})
    except CheckpointError as err:
        raise ConfigError(f"error: {err}") from None
    known = [r["val_macro_auroc"] for r in member_rows if "labels" not in r and r["val_macro_auroc"] is not None]
    best = max(known) if known else None
    print(f"ensemble of {len(members)}: val {macro_auroc_text(val)} on {len(rows)} records "
          f"(best member {'undefined' if best is None else f'{best:.3f}'}); wrote {args.out}")
    return 0
