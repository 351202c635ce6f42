"""Evaluation of a checkpoint on one split: predictions, metrics with bootstrap intervals, calibration,
ROC / PR curves, a reliability diagram and a Markdown summary (``mirage evaluate``, and ``mirage
train`` on its test split). The model runs directly on the cached model inputs (the one
preprocessing path).
"""

from __future__ import annotations

import csv
import logging
import time
import uuid
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from mirage_model.averaging import average_copies, noisy_copies
from mirage_model.calibration import ece, ece_against_chance, reliability
from mirage_model.models import reads_image
from mirage_model.outputs import probabilities
from mirage_model.paths import atomic_output, atomic_write_text
from mirage_model.review.report.model_info import macro_auroc_text, undefined_auroc
from training_cli.engine import metrics as M
from training_cli.engine import runlog
from training_cli.engine.checkpoints import load_model
from training_cli.engine.data import CachedSplit, DataOptions, batch_to_device, encode_clinical, make_loader, open_data
from training_cli.engine.distributed import Dist
from training_cli.engine.errors import ConfigError, DataError
from training_cli.engine.measured import split_features
from training_cli.engine.ptbxl import fitted_split_warning
from training_cli.engine.runtime import resolve_device

logger = logging.getLogger(__name__)


def predict(model, loader, device, amp=(False, None, False), progress: bool = False, desc: str = "predict",
            average=None, preprocess_cfg=None):
    """Run ``model`` over a loader -> (indices (N,), probabilities (N, K)).

    ``average``: an ``averaging.NoiseAverage`` that is on (the loader's batches then carry "mv"),
    with the checkpoint's ``preprocess_cfg``: each record's probability is the mean over its noisy
    copies, as ``Predictor`` scores it.
    """
    enabled, dtype, _ = amp
    model.eval()
    idx, probs = [], []
    task = model.config.task
    copies = average.copies if average is not None else 1
    with torch.inference_mode():
        for batch in tqdm(loader, desc=desc, disable=not progress, leave=False, mininterval=5.0):
            signal, image, clinical, mask, _ = batch_to_device(batch, device)
            if copies > 1:
                signal = torch.from_numpy(noisy_copies(batch["signal"].numpy(), batch["mv"].numpy(), average,
                                                       preprocess_cfg)).to(device)
                image = image.repeat_interleave(copies, 0) if image is not None else None
                clinical, mask = clinical.repeat_interleave(copies, 0), mask.repeat_interleave(copies, 0)
            with torch.autocast(device.type, dtype=dtype, enabled=enabled):
                logits = model(signal, image, clinical, mask).logits.float()
            p = probabilities(logits, task).cpu().numpy()
            idx.append(batch["index"].numpy())
            probs.append(average_copies(p, copies))
    if not idx:
        return np.zeros(0, np.int64), np.zeros((0, model.config.num_classes), np.float32)
    idx = np.concatenate(idx)
    probs = np.concatenate(probs)
    order = np.argsort(idx)
    return idx[order], probs[order]


# what evaluate_checkpoint writes beside its metrics.json
BESIDE_METRICS = ("predictions.csv", "reliability.png", "roc.png", "pr.png", "metrics.md")


def output_files(out) -> list[Path]:
    """The files ``evaluate_checkpoint`` writes for ``out`` (a metrics.json path or a folder): the
    metrics.json, then ``BESIDE_METRICS`` in its folder. Nothing is created."""
    out = Path(out).expanduser()
    json_path = out if out.suffix.lower() == ".json" else out / "metrics.json"
    return [json_path] + [json_path.parent / name for name in BESIDE_METRICS]


def _out_paths(out) -> tuple[Path, Path]:
    json_path = output_files(out)[0]
    json_path.parent.mkdir(parents=True, exist_ok=True)
    return json_path, json_path.parent


def evaluate_checkpoint(model_path, data: DataOptions, out, split: str = "test", device=None, n_boot: int = 1000,
                        progress: bool = True, prepared=None, batch_size: int = 64, seed: int = 0,
                        command: str = "", replaced: dict | None = None) -> dict:
    """Evaluate a checkpoint on one split and write the artefacts.

    Args:
        model_path: checkpoint folder.
        data: the data options (dataset, splits, cache).
        out: metrics.json path or folder.
        split: "train", "val" or "test".
        device: torch device (None: auto).
        n_boot: bootstrap resamples (0: none).
        prepared: (dataset, cache, skipped) already opened with the checkpoint's preprocessing.
        batch_size: records per forward pass. seed: the bootstrap's seed.
        command: the command line that asked for this scoring ("mirage evaluate ..."), kept in
            metrics.json for the model card that quotes these figures; "" for none.
        replaced: the metrics.json this scoring replaces (``--overwrite``), if any: where it scored
            this model (type, name, labels and thresholds) on the same split, its looks are kept
            ("earlier_looks"), so that the model card counts them.

    Returns:
        the metrics dict written to metrics.json.
    """
    if n_boot < 0:
        raise ConfigError(f"error: --bootstrap {n_boot}: give the number of bootstrap resamples (0: none)")
    t0 = time.time()
    device = device or resolve_device("auto")
    loaded = load_model(model_path, device=str(device))
    if prepared is None:
        prepared = open_data(data, loaded.preprocess, loaded.render, Dist(), progress, model_labels=loaded.labels,
                             models=[(str(model_path), loaded.provenance)], splits=(split,))
    ds, cache, skipped = prepared
    folds = "folds 1-8" if split == "train" else "fold 9"
    if ds.kind == "ptbxl" and (note := fitted_split_warning(loaded, split, f"the {split} split (PTB-XL {folds})")):
        logger.warning("%s", note)      # said before its scoring, as the --split it was given
    labels = list(loaded.labels)
    K = len(labels)
    task_type = loaded.task
    rows, probs, targets, dropped = split_predictions(loaded, prepared, split, device, batch_size or 64, progress,
                                                      workers=getattr(data, "workers", 1))
    thresholds = np.asarray(loaded.thresholds, dtype=np.float64) if loaded.thresholds else np.full(K, 0.5)
    subset = [c for c in ds.classes if c in labels]
    if task_type == "multilabel" and len(subset) == len(ds.classes) and len(subset) < K:
        # a model of a larger label set on a benchmark task of a subset (PTB-XL "all" on "rhythm"): score
        # the task's labels on the task's records, as the benchmark does
        cols = [labels.index(c) for c in subset]
        probs, targets, thresholds, labels = probs[:, cols], targets[:, cols], thresholds[cols], subset
        K = len(labels)
        logger.info("scoring the %d labels of task %s out of the model's %d", K, ds.task, len(loaded.labels))
    metrics = M.compute_metrics(targets, probs, labels, thresholds, task_type)
    metrics["calibration"] = calibration_report(M.as_multilabel(targets, K), probs, labels, loaded)
    if n_boot:
        metrics["bootstrap"] = M.bootstrap_ci(targets, probs, labels, thresholds, task_type, n_boot=n_boot,
                                                   seed=seed, progress=progress)
    metrics.update({
        "split": split, "model": str(model_path), "model_name": loaded.name, "model_type": loaded.model_type,
        "data": ds.spec, "task": ds.task, "labels": labels, "thresholds": thresholds.tolist(),
        "skipped": len(skipped), "clinical_values_dropped": dropped, "date": runlog.utc_now(),
        "code_version": runlog.code_version(), "duration_s": round(time.time() - t0, 1),
        "look_id": uuid.uuid4().hex,    # this scoring of the split: a model card counts its looks by it
        **({"command": command} if command else {}),
    })
    if earlier := _earlier_looks(replaced, metrics):
        metrics["earlier_looks"] = earlier
    json_path, folder = _out_paths(out)
    runlog.write_json(json_path, metrics)
    _write_predictions(folder / "predictions.csv", [ds.items[i].record_id for i in rows], labels, probs, targets,
                       task_type)
    y = M.as_multilabel(targets, K)
    not_drawn = draw_plots(folder, [
        ("reliability.png", "the reliability diagram",
         lambda: plot_reliability(folder / "reliability.png", y, probs, labels,
                                  f"{loaded.name or model_path}, {split} split")),
        ("roc.png", "the ROC curves", lambda: plot_curves(folder, y, probs, labels, metrics, kinds=("roc",))),
        ("pr.png", "the PR curves", lambda: plot_curves(folder, y, probs, labels, metrics, kinds=("pr",))),
    ])
    atomic_write_text(folder / "metrics.md", markdown_summary(metrics, not_drawn))
    logger.info("%s %s: %s on %d records; wrote %s", loaded.name or model_path, split, macro_auroc_text(metrics),
                metrics["n"], json_path)
    return metrics


def draw_plots(folder: Path, plots) -> list[str]:
    """Draw each of ``plots`` ((file name, what it shows, a function drawing it into ``folder``)); a
    plot that fails is told in a warning naming it, and its file is removed: an earlier run's
    (``--overwrite``) must not stay beside this run's metrics as if it were this run's.

    Returns:
        one "roc.png (the ROC curves): the error" per plot not drawn.
    """
    not_drawn = []
    for name, what, draw in plots:
        try:
            draw()
            continue
        except Exception as err:  # noqa: BLE001 - plots are extras; the metrics are written
            said = f"{name} ({what}): {err}"
        try:
            (folder / name).unlink(missing_ok=True)
            left = ""
        except OSError as err:
            left = f"; an earlier run's {name} could not be removed ({err.strerror or err}) and is not this run's"
        logger.warning("could not draw %s, so there is no %s in %s%s", said, name, folder, left)
        not_drawn.append(said + left)
    return not_drawn


def _earlier_looks(replaced: dict | None, metrics: dict) -> list[dict]:
    """The looks at the split that ``replaced`` (the metrics.json an --overwrite replaces) records,
    its own and those it kept, where it scored the model ``metrics`` scores on the same split."""
    if not isinstance(replaced, dict) or not replaced.get("look_id"):
        return []
    thresholds = replaced.get("thresholds")
    same = all(replaced.get(k) == metrics.get(k) for k in ("split", "model_type", "model_name", "labels")) \
        and isinstance(thresholds, list) and len(thresholds) == len(metrics["thresholds"])
    try:
        if not same or not np.allclose(np.asarray(thresholds, dtype=np.float64), metrics["thresholds"]):
            return []
    except (TypeError, ValueError):        # a hand-edited file's thresholds that are no numbers
        return []
    kept = [dict(look) for look in replaced.get("earlier_looks") or []]
    return kept + [look_record(replaced, "an earlier evaluation")]


def look_record(metrics: dict, by: str) -> dict:
    """One scoring of a split, as a checkpoint's metrics "test_looks" keep it (``looks`` counts
    them on the model card): who scored it, the split, its size, the metrics.json's date and look id."""
    return {"by": by, "split": metrics.get("split", "test"), "n": metrics.get("n"), "date": metrics.get("date"),
            **({"look_id": metrics["look_id"]} if metrics.get("look_id") else {})}


def usable_rows(ds, cache, split: str) -> np.ndarray:
    """Dataset indices of one split whose records loaded into the input cache."""
    rows = ds.split_indices(split)
    return rows[cache.ok[rows]]


def multilabel_targets(ds, rows, labels) -> np.ndarray:
    """(N, K) float32 multi-hot outcomes of the dataset items ``rows`` over ``labels`` (others ignored)."""
    index = {c: k for k, c in enumerate(labels)}
    targets = np.zeros((len(rows), len(labels)), dtype=np.float32)
    for j, i in enumerate(rows):
        for c in ds.items[i].labels:
            if c in index:
                targets[j, index[c]] = 1.0
    return targets


_told_not_given: set = set()     # (model, data, features) already warned about in this process


def warn_features_not_given(loaded, ds, mask: np.ndarray, split: str = "") -> list[str]:
    """Warn once (per model, data and features) when the data gives no value of some of the model's
    clinical features for any record of the split: each is then masked as missing for every record
    (a model trained with --labs evaluated without it). Returns those features.

    Args:
        mask: (N, C) the split's clinical mask (1 = present) over ``loaded.schema``'s features.
    """
    schema = getattr(loaded, "schema", None)
    config = getattr(getattr(loaded, "model", None), "config", None)
    if schema is None or not len(schema.names) or not getattr(config, "use_labs", True) or not len(mask):
        return []
    names = [n for n, given in zip(schema.names, np.asarray(mask).any(axis=0)) if not given]
    key = (id(loaded), ds.spec, split, tuple(names))
    if names and key not in _told_not_given:
        _told_not_given.add(key)
        labs = " (was it trained with --labs? give the same table)" if ds.kind == "folder" else ""
        logger.warning("the model reads %d clinical features; the data gives no value of %d of them for any "
                       "record of the %s split (%s): masked as missing for every record%s", len(schema.names),
                       len(names), split or "scored", ", ".join(names), labs)
    return names


def split_predictions(loaded, prepared, split: str, device, batch_size: int = 64, progress: bool = False,
                      calibrated: bool = True, workers: int = 1, stacked: bool = True, average="checkpoint"):
    """Run a loaded checkpoint over one split of opened data: its calibration applied unless
    ``calibrated`` is False, then, unless ``stacked`` is False too, its measured-rhythm stage (each
    record's rhythm measured from its file: ``measured.split_features``, cached, ``workers`` processes).
    ``average``: the noise averaging to score with ("checkpoint": the checkpoint's own, or an
    ``averaging.NoiseAverage``, or None for none).

    Returns (rows (N,) dataset indices, probabilities (N, K), targets ((N, K) multi-hot or (N,)
    class indices), clinical values dropped as impossible). Records whose labels the model does not
    predict keep their other labels (a warning names them); multi-class records of an unknown class
    are left out.
    """
    ds, cache, _ = prepared
    labels = list(loaded.labels)
    K = len(labels)
    index = {c: k for k, c in enumerate(labels)}
    unknown = sorted({c for it in ds.items for c in it.labels} - set(index))
    if unknown:
        logger.warning("labels the model does not predict are ignored: %s", ", ".join(unknown))
    rows = usable_rows(ds, cache, split)
    if len(rows) == 0:
        raise DataError(f"error: {ds.spec}: the {split} split has no records that loaded")
    if loaded.task == "multiclass":
        y = np.array([index.get(ds.items[i].labels[0], -1) for i in rows], dtype=np.int64)
        keep = y >= 0
        rows, targets = rows[keep], y[keep]
    else:
        targets = multilabel_targets(ds, rows, labels)
    clin, mask, dropped = encode_clinical(loaded.schema, [ds.items[i].clinical for i in rows])
    warn_features_not_given(loaded, ds, mask, split)
    if isinstance(average, str):
        average = getattr(loaded, "noise_average", None)
    average = average if average is not None and average.on else None
    data = CachedSplit(cache, rows, clin, mask, targets, reads_image(loaded.model_type, loaded.model.config),
                       with_mv=average is not None)
    if average is not None:
        batch_size = max(1, batch_size // average.copies)
    loader = make_loader(data, batch_size, False, 0, Dist(), 0, device.type == "cuda")
    _, probs = predict(loaded.model, loader, device, progress=progress, desc=f"predict {split}",
                       average=average, preprocess_cfg=loaded.preprocess)
    if getattr(loaded, "calibration", None) is not None and calibrated:
        probs = loaded.calibration.apply(probs)
    if getattr(loaded, "measured_stack", None) is not None and calibrated and stacked:
        feats = split_features([ds.items[i].path for i in rows], Path(cache.path).parent, workers, progress,
                               kind=loaded.measured_stack.kind)
        logger.info("measured stage, kind %s (%d labels): %d of %d records measured", loaded.measured_stack.kind,
                    len(loaded.measured_stack.labels), int(loaded.measured_stack.usable(feats).sum()), len(rows))
        probs = loaded.measured_stack.apply(probs, labels, feats)
    return rows, probs, targets, dropped


CHANCE_DRAWS = 1000   # outcome sets drawn for the chance level of each class's ECE


def calibration_report(y: np.ndarray, probs: np.ndarray, labels: list[str], loaded) -> dict:
    """Per-class expected calibration error (10 equal-width bins) of the probabilities as given, and
    beside it the ECE a perfectly calibrated model shows on the same records by chance
    (``calibration.ece_against_chance``: mean, 95th percentile, p-value). y, probs: (N, K)."""
    cal = getattr(loaded, "calibration", None)
    chance = {c: ece_against_chance(y[:, k], probs[:, k], draws=CHANCE_DRAWS, seed=k) for k, c in enumerate(labels)}
    return {"ece": {c: v["ece"] for c, v in chance.items()},
            "chance": {c: {key: v[key] for key in ("chance_mean", "chance_p95", "p_value")} for c, v in chance.items()},
            "chance_draws": CHANCE_DRAWS, "bins": 10, "calibrated": cal is not None,
            "methods": list(cal.methods) if cal is not None else None}


ONE_PANEL_MAX = 8   # classes drawn on one reliability panel; more get a panel each (a legend of 71 hid the plot)


def plot_reliability(path: Path, y: np.ndarray, p: np.ndarray, labels: list[str], title: str) -> None:
    """Reliability diagram: observed frequency against mean probability per bin (bins of at least 5
    records). Up to ``ONE_PANEL_MAX`` classes share one panel, one line each; more classes get a
    small panel each (titled with the class and its ECE) in a grid, so every class stays readable.
    y, p: (N, C) targets and probabilities; labels: the C class names."""
    import matplotlib   # only for plots (seconds to import); Agg must be chosen before pyplot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(labels) <= ONE_PANEL_MAX:
        fig, ax = plt.subplots(figsize=(5.2, 5.0), dpi=110)
        ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
        for k, c in enumerate(labels):
            conf, freq, count = reliability(y[:, k], p[:, k])
            ok = count >= 5
            ax.plot(conf[ok], freq[ok], marker="o", ms=3, lw=1.2, label=f"{c} (ECE {ece(y[:, k], p[:, k]):.3f})")
        ax.set_xlabel("predicted probability (bin mean)")
        ax.set_ylabel("observed frequency")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
    else:
        cols = int(np.ceil(np.sqrt(len(labels))))
        rows = int(np.ceil(len(labels) / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows + 0.6), dpi=90,
                                 sharex=True, sharey=True, squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k >= len(labels):
                ax.axis("off")
                continue
            conf, freq, count = reliability(y[:, k], p[:, k])
            ok = count >= 5
            ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--")
            ax.plot(conf[ok], freq[ok], marker="o", ms=2.5, lw=1.0, color="C0")
            ax.set_title(f"{labels[k]} ({int(y[:, k].sum())} pos, ECE {ece(y[:, k], p[:, k]):.3f})", fontsize=6.5)
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.tick_params(labelsize=6)
        fig.suptitle(f"{title}\nobserved frequency (y) against predicted probability (x, bin mean); "
                     "dashed: perfect calibration; bins of >= 5 records", fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.6 / (1.6 * rows + 0.6)))
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def _write_predictions(path: Path, ids, labels, probs, targets, task_type) -> None:
    # whole or not at all: `mirage compare` reads it beside the metrics.json of the same look
    with atomic_output(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id"] + [f"p_{c}" for c in labels] + (["label"] if task_type == "multiclass"
                                                                   else [f"y_{c}" for c in labels]))
        for i, rid in enumerate(ids):
            tail = [labels[targets[i]]] if task_type == "multiclass" else [int(v) for v in targets[i]]
            w.writerow([rid] + [f"{p:.12g}" for p in probs[i]] + tail)   # 12 digits: ranks survive


def plot_curves(folder: Path, y: np.ndarray, p: np.ndarray, labels: list[str], metrics: dict,
                kinds=("roc", "pr")) -> None:
    """roc.png and pr.png (``kinds``): one curve per class, AUROC/AUPRC in the legend."""
    import matplotlib   # only for plots (seconds to import); Agg must be chosen before pyplot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for kind in kinds:
        fig, ax = plt.subplots(figsize=(5.5, 5))
        for k, c in enumerate(labels):
            if y[:, k].sum() == 0:
                continue
            if kind == "roc":
                xs, ys = M.roc_curve(y[:, k], p[:, k])
                val = metrics["per_class"][c]["auroc"]
            else:
                xs, ys = M.pr_curve(y[:, k], p[:, k])
                val = metrics["per_class"][c]["auprc"]
            ax.plot(xs, ys, lw=1.2, label=f"{c} ({val:.3f})" if val is not None else c)
        if kind == "roc":
            ax.plot([0, 1], [0, 1], "k:", lw=0.8)
            ax.set_xlabel("1 - specificity")
            ax.set_ylabel("sensitivity")
            ax.set_title(f"ROC, {metrics.get('split', '')} (macro AUROC {fmt(metrics['macro']['auroc'])})")
        else:
            ax.set_xlabel("recall (sensitivity)")
            ax.set_ylabel("precision (PPV)")
            ax.set_title(f"PR, {metrics.get('split', '')} (macro AUPRC {fmt(metrics['macro']['auprc'])})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.grid(alpha=0.3)
        if len(labels) <= 15:
            ax.legend(fontsize=7, loc="lower right" if kind == "roc" else "lower left")
        fig.tight_layout()
        with atomic_output(folder / f"{kind}.png") as tmp:
            fig.savefig(tmp, dpi=110, format="png")
        plt.close(fig)


def fmt(v, ci=None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")


def markdown_summary(m: dict, not_drawn=()) -> str:
    """A short Markdown report of a metrics dict (as written by ``evaluate_checkpoint``); ``not_drawn``:
    the plots that failed (``draw_plots``), named under it."""
    boot = m.get("bootstrap", {})
    bm = boot.get("macro", {})
    lines = [
        f"# Evaluation: {m.get('model_name') or m.get('model')}",
        "",
        f"- data: `{m.get('data')}`, task {m.get('task')}, split **{m.get('split')}**, {m['n']} records"
        f" ({m.get('skipped', 0)} skipped: failed to load)",
        f"- model: {m.get('model_type')} (`{m.get('model')}`), thresholds from the validation split"
        + (f"; a class called at or above its threshold and at least {m['min_called_p'] * 100:g} % "
           "(`outputs.is_called`)" if m.get("min_called_p") is not None else ""),
        f"- date {m.get('date')}, code {m.get('code_version')}",
    ]
    if boot:
        lines.append(f"- 95% intervals: percentile bootstrap over records, {M.resampling_words(boot)}")
        if boot.get("no_interval"):
            # the row of the other classes' macro is there only where some class has an interval
            lines.append(f"- {M.no_interval_why(boot['no_interval'], len(m['per_class']))}"
                         + ("; the row below it is the macro of the other classes" if boot.get("macro_enough")
                            else ""))
    lines += [
        "",
        "| | AUROC | AUPRC | F1 | accuracy |",
        "|---|---|---|---|---|",
        f"| **macro** | {fmt(m['macro']['auroc'], bm.get('auroc'))} | {fmt(m['macro']['auprc'], bm.get('auprc'))} "
        f"| {fmt(m['macro']['f1'], bm.get('f1'))} | {fmt(m['macro']['accuracy'], bm.get('accuracy'))} |",
    ]
    if enough := boot.get("macro_enough"):
        pt, ci = enough["point"], enough["ci"]
        lines.append(f"| {M.enough_words(len(enough['classes']), len(m['per_class']))} | "
                     + " | ".join(fmt(pt[k], ci[k]) for k in ("auroc", "auprc", "f1", "accuracy")) + " |")
    for c, v in m["per_class"].items():
        b = boot.get("per_class", {}).get(c, {})
        lines.append(f"| {c} (n+={v['positives']}) | {fmt(v['auroc'], b.get('auroc'))} | "
                     f"{fmt(v['auprc'], b.get('auprc'))} | {fmt(v['f1'], b.get('f1'))} | "
                     f"{fmt(v['accuracy'], b.get('accuracy'))} |")
    if undefined_auroc(m):     # the macro row is a mean of fewer classes: say so, in the model card's words
        lines += ["", f"The {m.get('split')} split's {macro_auroc_text(m)}."]
    cal = m.get("calibration")
    if cal:
        how = (f"calibrated ({', '.join(cal['methods'])})" if cal.get("calibrated") else "not calibrated")
        lines += ["", f"Expected calibration error ({cal['bins']} equal-width bins; probabilities {how}; "
                  "reliability.png): " + ", ".join(f"{c} {v:.3f}" for c, v in cal["ece"].items())]
        if cal.get("chance"):
            lines += ["", f"By chance alone, a perfectly calibrated model shows on these {m['n']} records "
                      f"(outcomes drawn from its own probabilities, {cal['chance_draws']} draws; mean, 95th "
                      "percentile; p: share of such draws at least the measured ECE):",
                      "", "| class | ECE | chance mean | chance 95th pct | p |", "|---|---|---|---|---|"]
            lines += [f"| {c} | {cal['ece'][c]:.3f} | {v['chance_mean']:.3f} | {v['chance_p95']:.3f} | "
                      f"{v['p_value']:.3f} |" for c, v in cal["chance"].items()]
    if not_drawn:
        lines += ["", "Not drawn: " + "; ".join(not_drawn) + "."]
    lines += ["", "Research use only, not a diagnosis.", ""]
    return "\n".join(lines)
