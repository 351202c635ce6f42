"""``mirage calibrate``: fit a checkpoint's probability calibration on the validation split.

Runs the model over the validation split (PTB-XL: fold 9), fits per class Platt scaling or
isotonic regression, whichever has the lower cross-validated Brier score there, or keeps the
model's own probabilities where neither lowers the cross-validated ECE
(``mirage_model.calibration``), chooses the decision thresholds again (max F1) on the calibrated
probabilities, and writes a copy of the checkpoint that carries both. The test split is never
read. Beside the checkpoint: ``calibration.json`` (methods, cross-validated ECE before/after) and
``reliability_val.png``.

``--measured-rhythm`` also fits the measured-rhythm stage (``mirage_model.stacking``) on the
calibrated validation probabilities: each validation record is read and measured (cached), and
each rhythm statement of the model (PTB-XL's rhythm statements and premature complexes) whose
cross-validated AUROC gains from the record's measured rhythm is stacked. Its thresholds are then
chosen on the stage's out-of-fold probabilities (never on records a fit saw), and the validation
metrics printed are those; they are kept in ``val_out_of_fold.npz`` beside the calibrated model's
own (``probabilities_model``).

``--measured-stage`` fits the measured stage of kind "trees" instead: every training and validation
record is measured (113 features: the rhythm strip, the intervals, the axes and the median beats'
amplitudes, ``mirage_model.measure.features``; cached), one gradient-boosted tree classifier per
label is trained on the **training** split's measurements (scikit-learn's
HistGradientBoostingClassifier, fixed settings below, early stopping on a seeded 15 % of the
training records), and each label whose cross-validated validation AUROC gains from its trees'
decision value beside the model's probability is stacked, as above. ``--tree-features shape`` (kind
"trees2") gives the trees 120 more: per lead, the median beat's ST levels at J, J+20, J+40 and J+80 ms,
the ST slope, the T wave's area, highest and lowest value, the QRS's notches and absolute area. The trees are stored as numbers
beside the weights (``mirage_model.treemodel``).

    mirage calibrate --model RUN/model --data ptbxl:ROOT --task superdiagnostic --out RUN/calibrated
    mirage calibrate --model RUN/model --data ptbxl:ROOT --task all --measured-rhythm --out RUN/calibrated
    mirage calibrate --model RUN/model --data ptbxl:ROOT --task all --measured-stage --out RUN/calibrated
    mirage calibrate --model RUN/model --data ptbxl:ROOT --task all --measured-stage --tree-features shape --out RUN/calibrated

``--noise-average N --noise-average-sd MV`` makes the calibrated checkpoint score each window as the
mean over N copies carrying a fixed in-band noise of MV mV (``mirage_model.averaging``); the
calibration and thresholds are fitted on those averaged probabilities. ``--noise-average 0`` turns
a checkpoint's averaging off; without the option the checkpoint's own setting is kept.

A noise spread the checkpoint carries (``mirage_model.noise_spread``: the calls noise may change, marked) is left
behind: it was measured for the old calibration's logits. The command says so, and so does the model card it
carries (its "Noise marks").

The calibrated checkpoint carries its source's model card with this calibration in place of the old one's
(``engine.model_card.recalibrated_card``): the maps, thresholds and validation figures printed here, the command and
its date; what the card says elsewhere of the old calibration is marked superseded.

    mirage calibrate --model default --data ptbxl:ROOT --task superdiagnostic --noise-average 8 --noise-average-sd 0.05 --out RUN/averaged
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from mirage_model import calibration, stacking
from mirage_model.averaging import AveragingError, NoiseAverage
from mirage_model.checkpoint import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME, CheckpointError, save_checkpoint
from mirage_model.review.interpret import STATEMENTS
from mirage_model.review.report.model_info import macro_auroc_text
from mirage_model.runtime import set_threads
from mirage_model.treemodel import from_sklearn
from training_cli.engine import metrics as M
from training_cli.engine import runlog
from training_cli.engine.checkpoints import load_model, refuse_earlier_checkpoint
from training_cli.engine.data import DataOptions, open_data
from training_cli.engine.distributed import Dist
from training_cli.engine.errors import ConfigError
from training_cli.engine.evaluation import multilabel_targets, plot_reliability, split_predictions, usable_rows
from training_cli.engine.measured import split_features
from training_cli.engine.model_card import drop_noise_marks, recalibrated_card
from training_cli.engine.runtime import resolve_device
from training_cli.options import add_data_args, add_overwrite_arg, command_parser, count

logger = logging.getLogger(__name__)


def calibrate_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage calibrate`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "calibrate",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="checkpoint folder or shipped model name")
    add_data_args(p)
    p.add_argument("--out", required=True, help="folder for the calibrated checkpoint")
    add_overwrite_arg(p)
    p.add_argument("--seed", type=int, default=0, help="cross-validation folds' seed; also random splits'")
    p.add_argument("--measured-rhythm", action="store_true",
                   help="also fit the measured-rhythm stage (rhythm statements from the model and the "
                        "record's measured rate and RR pattern; mirage_model.stacking)")
    p.add_argument("--measured-stage", action="store_true",
                   help="also fit the measured stage of kind 'trees' (every statement from the model and "
                        "gradient-boosted trees over the record's measurements, trained on the training split)")
    p.add_argument("--tree-features", choices=("basic", "shape"), default="basic",
                   help="with --measured-stage: the trees read the 113 measured features (basic, kind 'trees') or "
                        "those and the median beats' ST-T and QRS shape, 233 (shape, kind 'trees2'; "
                        "mirage_model.measure.features)")
    p.add_argument("--stage-context", default="AFIB", metavar="LABELS",
                   help="with --measured-stage: comma-separated labels whose network logits every stacked "
                        "label's stage also reads (default AFIB; labels the model lacks are left out)")
    p.add_argument("--tree-faults", action="store_true",
                   help="with --measured-stage: train the trees on each training record and on one faulty copy "
                        "of it (muscle noise, baseline wander or electrode motion; training_cli.engine.measured)")
    p.add_argument("--noise-average", type=int, default=None, metavar="N",
                   help="score each window as the mean over N noisy copies (0: off; default: the "
                        "checkpoint's own setting); see mirage_model.averaging")
    p.add_argument("--noise-average-sd", type=float, default=None, metavar="MV",
                   help="RMS of the copies' in-band noise per lead, in mV (needed with --noise-average N > 0)")
    p.add_argument("--noise-average-seed", type=int, default=0, help="seed of the fixed noise (default 0)")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    p.add_argument("--batch-size", type=count(1), default=64, help="records per forward pass (default 64)")
    p.add_argument("--threads", type=count(0), default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)
    return p


NOISE_SPREAD_LEFT = ("the noise spread of the checkpoint read was measured for its own calibration's logits and is "
                     "not carried; measure this one's (python scripts/noise_spread.py measure, fit)")
SIDE_FILES = ("calibration.json", "reliability_val.png", "val_out_of_fold.npz")   # written beside the checkpoint


def _clear_own_outputs(out: Path) -> None:
    """A folder an earlier ``mirage calibrate`` wrote (a checkpoint and this command's side files,
    nothing else) loses its side files, so that the checkpoint is replaced as any checkpoint folder
    is (``save_checkpoint``); a folder holding anything else is left for it to refuse."""
    if not out.is_dir():
        return
    names = {p.name for p in out.iterdir()}
    if CONFIG_NAME in names and names <= {CONFIG_NAME, WEIGHTS_NAME, CARD_NAME, *SIDE_FILES}:
        for name in names & set(SIDE_FILES):
            (out / name).unlink()


def _averaging(args, loaded) -> NoiseAverage | None:
    """The noise averaging the calibrated checkpoint will score with (None: off)."""
    if args.noise_average is None:
        if args.noise_average_sd is not None:
            raise ConfigError("error: --noise-average-sd needs --noise-average N")
        return getattr(loaded, "noise_average", None)
    sd = 0.0 if args.noise_average == 0 else args.noise_average_sd
    if sd is None:
        raise ConfigError(f"error: --noise-average {args.noise_average} needs --noise-average-sd MV")
    try:
        average = NoiseAverage(args.noise_average, sd, args.noise_average_seed)
    except AveragingError as err:
        raise ConfigError(f"error: {err}") from None
    return average if average.on else None


# The trees' settings (fixed before any PTB-XL figure; not tuned on the validation split).
TREE_SETTINGS = dict(max_iter=400, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0,
                     early_stopping=True, validation_fraction=0.15, n_iter_no_change=30)
MIN_TRAIN_POSITIVES = 5      # a label with fewer positive training records gets no trees


def train_trees(X: np.ndarray, Y: np.ndarray, labels, seed: int = 0, log_each: bool = True):
    """One HistGradientBoostingClassifier per label with at least MIN_TRAIN_POSITIVES positives (and
    a negative) in Y (N, K), on the features X (N, F). Returns (TreeEnsemble, its labels, info)."""
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
    except ImportError:
        raise ConfigError("error: --measured-stage trains its trees with scikit-learn: pip install scikit-learn") \
            from None
    models, names, iters = [], [], {}
    for k, lab in enumerate(labels):
        n_pos = int(Y[:, k].sum())
        if n_pos < MIN_TRAIN_POSITIVES or n_pos == len(Y):
            continue
        m = HistGradientBoostingClassifier(**TREE_SETTINGS, random_state=seed).fit(X, Y[:, k])
        models.append(m), names.append(lab)
        iters[lab] = int(m.n_iter_)
        if log_each:
            logger.info("trees for %s: %d positive training records, %d iterations", lab, n_pos, m.n_iter_)
    if not models:
        raise ConfigError("error: --measured-stage: no label has enough positive training records")
    info = {"settings": TREE_SETTINGS, "seed": seed, "iterations": iters, "min_train_positives": MIN_TRAIN_POSITIVES}
    return from_sklearn(models, X.shape[1]), names, info


def _report_stage(stage, name: str, none_said: str):
    """Print each candidate label's fold-9 choice; the stage, or None when it kept no label (nothing
    to apply: no record is then measured for it)."""
    for lab, m in stage.metrics["per_label"].items():
        gain = (f"stacked AUROC (cross-validated) {m['stacked_auroc_cv']:.3f}" if "stacked_auroc_cv" in m
                else m.get("why", ""))
        print(f"{lab:>8}: model AUROC {m['model_auroc']:.3f}, {gain} -> {name if m['stacked'] else 'model alone'}")
    if not stage.labels:
        print(f"{none_said}; no stage stored")
        return None
    return stage


def run(args) -> int:
    if not args.data:
        raise ConfigError("mirage calibrate: --data is required (its validation split fits the calibration)")
    # the options that go together, refused before the model is read and the validation split scored
    if args.tree_faults and not args.measured_stage:
        raise ConfigError("error: --tree-faults goes with --measured-stage")
    if args.measured_rhythm and args.measured_stage:
        raise ConfigError("error: choose one of --measured-rhythm and --measured-stage")
    if args.tree_features != "basic" and not args.measured_stage:
        raise ConfigError("error: --tree-features goes with --measured-stage")
    context = tuple(c.strip() for c in args.stage_context.split(",") if c.strip())
    if context != ("AFIB",) and not args.measured_stage:
        raise ConfigError("error: --stage-context goes with --measured-stage")
    refuse_earlier_checkpoint(args.out, args.overwrite, "mirage calibrate", reads=[("--model", args.model)])
    if args.threads:
        set_threads(args.threads)
    device = resolve_device(args.device)
    loaded = load_model(args.model, device=str(device))
    average = _averaging(args, loaded)
    # the validation split, and the training split whose records the measured stage's trees learn from
    prepared = open_data(DataOptions.of(args), loaded.preprocess, loaded.render, Dist(), not args.no_progress,
                         model_labels=loaded.labels, models=[(str(args.model), loaded.provenance)],
                         splits=("train", "val") if args.measured_stage else ("val",))
    ds = prepared[0]
    labels, K = list(loaded.labels), len(loaded.labels)
    rows, raw, targets, _ = split_predictions(loaded, prepared, "val", device, args.batch_size,
                                              not args.no_progress, calibrated=False, average=average)
    multiclass = loaded.task == "multiclass"
    where = f"{ds.spec.split(':')[0]} {ds.task} val split, {len(raw)} records"
    cal = calibration.fit(targets, raw, multiclass=multiclass, seed=args.seed, fitted_on=where)
    few = calibration.few_outcomes(cal)     # warned of here, said on their lines (none for a temperature)
    warn_few_outcomes(few, labels, where)
    probs = cal.apply(raw)
    y = M.as_multilabel(targets, K)
    stage = None
    kind = "trees2" if args.tree_features == "shape" else "trees"
    if args.measured_stage:
        if multiclass:
            raise ConfigError("error: --measured-stage needs a multi-label model")
        cache_dir = Path(prepared[1].path).parent
        train_rows = usable_rows(ds, prepared[1], "train")
        Y_train = multilabel_targets(ds, train_rows, labels).astype(np.int64)
        if len(train_rows) == 0:
            raise ConfigError(f"error: --measured-stage: {ds.spec} has no training split to train the trees on")
        X_train = split_features([ds.items[i].path for i in train_rows], cache_dir, args.workers,
                                 not args.no_progress, kind=kind)
        if args.tree_faults:      # the fault recipe for the trees: each record and one faulty copy of it
            X_faulty = split_features([ds.items[i].path for i in train_rows], cache_dir, args.workers,
                                      not args.no_progress, kind=kind, fault=args.seed)
            X_train, Y_train = np.concatenate([X_train, X_faulty]), np.concatenate([Y_train, Y_train])
        measured = stacking.measured_rows(X_train, kind)
        trees, tree_labels, info = train_trees(X_train[measured], Y_train[measured], labels, args.seed)
        info["trained_on"] = (f"{ds.spec.split(':')[0]} {ds.task} train split, {int(measured.sum())} measured "
                              + ("rows (each record and one faulty copy: muscle noise, baseline wander or electrode "
                                 "motion)" if args.tree_faults else "records"))
        feats = split_features([ds.items[i].path for i in rows], cache_dir, args.workers, not args.no_progress,
                               kind=kind)
        model_probs = probs
        stage, probs = stacking.fit_trees(
            y, probs, feats, labels, trees, tree_labels, trees_info=info, kind=kind, context=context,
            fitted_on=f"{where}, {int(stacking.measured_rows(feats, kind).sum())} measured")
        stage = _report_stage(stage, "measured stage", "no statement gained from the measurements")
    if args.measured_rhythm:
        if multiclass:
            raise ConfigError("error: --measured-rhythm needs a multi-label model of rhythm statements")
        candidates = [c for c in labels if c in STATEMENTS and STATEMENTS[c].group == "rhythm"]
        if not candidates:
            raise ConfigError(f"error: --measured-rhythm: {loaded.name} has no rhythm statements "
                              f"(e.g. {', '.join(list(STATEMENTS)[:4])})")
        feats = split_features([ds.items[i].path for i in rows], Path(prepared[1].path).parent,
                               args.workers, not args.no_progress)
        model_probs = probs
        stage, probs = stacking.fit(y, probs, feats, labels, candidates,
                                    fitted_on=f"{where}, {int(stacking.measured_rows(feats, 'rhythm').sum())} measured")
        stage = _report_stage(stage, "measured-rhythm stage", "no rhythm statement gained from the measured rhythm")
    if not multiclass:
        M.warn_no_positives(y, labels, where)
    thresholds = M.best_f1_thresholds(y, probs) if not multiclass else np.full(K, 0.5)
    val = M.compute_metrics(y if not multiclass else targets, probs, labels, thresholds, loaded.task)
    metrics = {**loaded.metrics, "val_calibrated": val}
    out = Path(args.out).expanduser()
    _clear_own_outputs(out)
    printed = [*method_lines(cal, y, labels, thresholds, multiclass, few), f"val {macro_auroc_text(val)}"]
    # the card names the command that fitted the calibration, and when, beside the training's
    provenance = {**(loaded.provenance or {}), "calibration_command": runlog.command_line(),
                  "calibration_date": runlog.utc_now()}
    card = loaded.model_card
    if loaded.noise_spread is not None:    # measured for the old calibration's logits: not this one's
        card = drop_noise_marks(card, NOISE_SPREAD_LEFT)
    # the card names no path of this machine (as `mirage export`'s does); config.json keeps the command as run
    card = recalibrated_card(card, replace(loaded, thresholds=[float(t) for t in thresholds], metrics=metrics,
                                           provenance=runlog.scrub_paths(provenance), calibration=cal,
                                           measured_stack=stage, noise_average=average), printed)
    try:
        save_checkpoint(out, loaded.model, model_type=loaded.model_type, task=loaded.task, labels=labels,
                        schema=loaded.schema, preprocess=loaded.preprocess, render=loaded.render,
                        thresholds=thresholds, metrics=metrics, name=loaded.name, provenance=provenance,
                        extra=loaded.extra, calibration=cal, model_card=card, measured_stack=stage,
                        noise_average=average, label_descriptions=loaded.label_descriptions)
    except CheckpointError as err:
        raise ConfigError(f"error: {err}") from None
    if args.measured_rhythm or args.measured_stage:   # the out-of-fold probabilities the thresholds were chosen on
        np.savez_compressed(out / "val_out_of_fold.npz", record_ids=np.array([ds.items[i].record_id for i in rows]),
                            labels=np.array(labels), probabilities=probs, probabilities_model=model_probs,
                            targets=y)
    runlog.write_json(out / "calibration.json", {"labels": labels, **cal.to_dict(), "thresholds": thresholds,
                                                 **({"measured_stack": stage.to_dict()} if stage else {})})
    plot_reliability(out / "reliability_val.png", y, probs, labels, f"{loaded.name}: validation, calibrated (in-sample)")
    for line in printed[:-1]:
        print(line)
    if loaded.noise_spread is not None:
        print(f"noise marks: none; {NOISE_SPREAD_LEFT}")
    print(f"wrote {out}: {printed[-1]}")
    return 0


def method_lines(cal, y: np.ndarray, labels: list[str], thresholds, multiclass: bool = False,
                 few: dict | None = None) -> list[str]:
    """One line per class: the map chosen and its ECE before -> after (cross-validated on the
    validation split), or why the class keeps the model's own probabilities (``identity``): no
    positive (or negative) validation record, or no map that lowered the cross-validated ECE
    (each map's ECE named); a map fitted on few records says so. ``y``: (N, K) 0/1 validation outcomes.
    ``few``: ``calibration.few_outcomes`` of ``cal`` where the caller has it (None: found here)."""
    before, after = cal.metrics.get("ece_before", []), cal.metrics.get("ece_after_cv") or cal.metrics.get(
        "ece_after_in_sample", [])
    by_method = cal.metrics.get("ece_cv_by_method") or [{}] * len(labels)
    lines = []
    width = max([8, *(len(c) for c in labels)])     # own classes' names ("Hypertrophy") past 8 had pushed the columns
    few = calibration.few_outcomes(cal) if few is None else few     # {} for a temperature: no counts
    for k, c in enumerate(labels):
        c = f"{c:>{width}}"
        if not multiclass and cal.methods[k] == "identity":
            if y[:, k].min() == y[:, k].max():
                none = "positive" if y[:, k].max() == 0 else "negative"
                lines.append(f"{c}: {'identity':<11} not calibrated (no {none} record in the validation "
                             f"split); threshold {thresholds[k]:.3f} ({M.fallback_words(none + 's')})")
            else:
                tried = ", ".join(f"{m} {e:.3f}" for m, e in by_method[k].items())
                lines.append(f"{c}: {'identity':<11} ECE {before[k]:.3f} kept: the model's own probabilities, "
                             f"as no map lowered the cross-validated ECE ({tried}); threshold {thresholds[k]:.3f}")
            continue
        pos, neg = few.get(k, (None, None))
        lines.append(f"{c}: {cal.methods[min(k, len(cal.methods) - 1)]:<11} ECE {before[k]:.3f} -> "
                     f"{after[k]:.3f} (validation, {'cross-validated' if 'ece_after_cv' in cal.metrics else 'in-sample'}); "
                     f"threshold {thresholds[k]:.3f}"
                     + (f"; fitted on {pos} positive and {neg} negative records, under {calibration.FEW_OUTCOMES} of "
                        "one: a rough map" if pos is not None else ""))
    if cal.metrics.get("isotonic_left_out"):
        lines.append(f"{'':>{width}}  ({cal.metrics['isotonic_left_out']})")
    return lines


def warn_few_outcomes(few: dict[int, tuple[int, int]], labels: list[str], where: str) -> None:
    """Warn, naming them, of the classes a map was fitted to on few validation records (``few``:
    ``calibration.few_outcomes``): a researcher's 19 validation records (2 positives for a class) had got maps with
    no word said."""
    if few:
        logger.warning("%s: %d of %d classes calibrated on fewer than %d positive or negative records: %s; "
                       "their maps are rough (a larger validation split gives better ones)", where, len(few),
                       len(labels), calibration.FEW_OUTCOMES,
                       ", ".join(f"{labels[k]} ({p} positive, {n} negative)" for k, (p, n) in few.items()))
