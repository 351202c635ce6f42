"""``mirage evaluate``: metrics of a checkpoint on one split of a dataset, with bootstrap intervals.

Macro and per-class AUROC and AUPRC, F1 and accuracy at the checkpoint's validation thresholds
(chosen on the validation split by ``mirage train``), each with a percentile bootstrap 95%
interval over records (1000 seeded resamples by default); ROC and PR curves as PNG; a Markdown
summary. The model runs directly on the cached model inputs (the one preprocessing path).

    mirage evaluate --model RUN/model --data ptbxl:ROOT --task superdiagnostic --split test --out metrics.json

Writes ``metrics.json`` (or ``OUT/metrics.json`` when --out is a folder) and beside it
``metrics.md``, ``roc.png``, ``pr.png`` and ``predictions.csv``.
"""

from __future__ import annotations

import argparse
import csv
import logging
import time
from pathlib import Path

import numpy as np

from training_cli import common

logger = logging.getLogger(__name__)


def add_eval_args(p: argparse.ArgumentParser) -> None:
    from training_cli.train import add_data_args

    p.add_argument("--config", default=None, help="JSON file of option defaults")
    p.add_argument("--model", required=False, default=None, help="checkpoint folder (from mirage train: OUT/model)")
    add_data_args(p)
    p.add_argument("--split", default="test", choices=("train", "val", "test"))
    p.add_argument("--out", default=None, help="metrics.json path or a folder")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: none)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed; also the seed of random splits")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--no-progress", action="store_true")


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="metrics of a checkpoint on a split (bootstrap CIs, curves)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_eval_args(p)
    common.remember_defaults(p)
    p.set_defaults(func=run, _parser=p)


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser("mirage evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_eval_args(p)
    common.remember_defaults(p)
    p.set_defaults(_parser=p)
    return p


def run(args) -> int:
    if getattr(args, "_parser", None) is not None:
        common.apply_config(args._parser, args)
    for opt in ("model", "data", "out"):
        if not getattr(args, opt):
            raise SystemExit(f"mirage evaluate: --{opt} is required")
    device = common.resolve_device(args.device)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    m = evaluate_checkpoint(args.model, args, args.out, split=args.split, device=device, n_boot=args.bootstrap,
                            progress=not args.no_progress)
    macro = m["macro"]
    ci = m.get("bootstrap", {}).get("macro", {}).get("auroc")
    print(f"{args.split}: macro AUROC {_fmt(macro['auroc'], ci)}, macro AUPRC {_fmt(macro['auprc'])}, "
          f"macro F1 {_fmt(macro['f1'])} on {m['n']} records")
    return 0


def _out_paths(out) -> tuple[Path, Path]:
    out = Path(out).expanduser()
    if out.suffix.lower() == ".json":
        out.parent.mkdir(parents=True, exist_ok=True)
        return out, out.parent
    out.mkdir(parents=True, exist_ok=True)
    return out / "metrics.json", out


def evaluate_checkpoint(model_path, args, out, split: str = "test", device=None, n_boot: int = 1000,
                        progress: bool = True, prepared=None) -> dict:
    """Evaluate a checkpoint on one split and write the artefacts.

    Args:
        model_path: checkpoint folder.
        args: namespace with the data options (data, task, labels, labs, label_map, split_file, seed,
            limit, cache_dir, workers; batch_size optional).
        out: metrics.json path or folder.
        split: "train", "val" or "test".
        device: torch device (None: auto).
        n_boot: bootstrap resamples (0: none).
        prepared: (dataset, cache, skipped) already opened with the checkpoint's preprocessing.

    Returns:
        the metrics dict written to metrics.json.
    """
    from mirage_model.checkpoint import CheckpointError, load_checkpoint

    from training_cli.train import Dist, open_data

    t0 = time.time()
    device = device or common.resolve_device("auto")
    try:
        loaded = load_checkpoint(common.model_path(model_path), device=str(device))
    except CheckpointError as err:
        raise SystemExit(f"error: {err}") from None
    if prepared is None:
        prepared = open_data(args, loaded.preprocess, loaded.render, Dist(), progress)
    ds, cache, skipped = prepared
    labels = list(loaded.labels)
    K = len(labels)
    task_type = loaded.task
    rows, probs, targets, dropped = split_predictions(loaded, prepared, split, device,
                                                      getattr(args, "batch_size", 64) or 64, progress)
    thresholds = np.asarray(loaded.thresholds, dtype=np.float64) if loaded.thresholds else np.full(K, 0.5)
    subset = [c for c in ds.classes if c in labels]
    if task_type == "multilabel" and len(subset) == len(ds.classes) and len(subset) < K:
        # a model of a larger label set on a benchmark task of a subset (PTB-XL "all" on "rhythm"): score
        # the task's labels on the task's records, as the benchmark does
        cols = [labels.index(c) for c in subset]
        probs, targets, thresholds, labels = probs[:, cols], targets[:, cols], thresholds[cols], subset
        K = len(labels)
        logger.info("scoring the %d labels of task %s out of the model's %d", K, ds.task, len(loaded.labels))
    metrics = common.compute_metrics(targets, probs, labels, thresholds, task_type)
    metrics["calibration"] = calibration_report(common.as_multilabel(targets, K), probs, labels, loaded)
    if n_boot:
        metrics["bootstrap"] = common.bootstrap_ci(targets, probs, labels, thresholds, task_type, n_boot=n_boot,
                                                   seed=getattr(args, "seed", 0), progress=progress)
    metrics.update({
        "split": split, "model": str(model_path), "model_name": loaded.name, "model_type": loaded.model_type,
        "data": ds.spec, "task": ds.task, "labels": labels, "thresholds": thresholds.tolist(),
        "skipped": len(skipped), "clinical_values_dropped": dropped, "date": common.utc_now(),
        "code_version": common.code_version(), "duration_s": round(time.time() - t0, 1),
    })
    json_path, folder = _out_paths(out)
    common.write_json(json_path, metrics)
    _write_predictions(folder / "predictions.csv", [ds.items[i].record_id for i in rows], labels, probs, targets,
                       task_type)
    try:
        plot_reliability(folder / "reliability.png", common.as_multilabel(targets, K), probs, labels,
                         f"{loaded.name or model_path}, {split} split")
    except Exception as err:  # noqa: BLE001 - plots are extras; the metrics are written
        logger.warning("could not draw the reliability diagram: %s", err)
    try:
        plot_curves(folder, common.as_multilabel(targets, K), probs, labels, metrics)
    except Exception as err:  # noqa: BLE001 - plots are extras; the metrics are written
        logger.warning("could not draw ROC/PR curves: %s", err)
    (folder / "metrics.md").write_text(markdown_summary(metrics))
    logger.info("%s %s: macro AUROC %s on %d records; wrote %s", loaded.name or model_path, split,
                _fmt(metrics["macro"]["auroc"]), metrics["n"], json_path)
    return metrics


def split_predictions(loaded, prepared, split: str, device, batch_size: int = 64, progress: bool = False,
                      calibrated: bool = True):
    """Run a loaded checkpoint over one split of opened data (its calibration applied unless ``calibrated`` is False).

    Returns (rows (N,) dataset indices, probabilities (N, K), targets ((N, K) multi-hot or (N,)
    class indices), clinical values dropped as impossible). Records whose labels the model does not
    predict keep their other labels (a warning names them); multi-class records of an unknown class
    are left out.
    """
    from mirage_model.models import reads_image
    from training_cli.train import CachedSplit, Dist, encode_clinical, make_loader, predict

    ds, cache, _ = prepared
    labels = list(loaded.labels)
    K = len(labels)
    index = {c: k for k, c in enumerate(labels)}
    unknown = sorted({c for it in ds.items for c in it.labels} - set(index))
    if unknown:
        logger.warning("labels the model does not predict are ignored: %s", ", ".join(unknown))
    rows = ds.split_indices(split)
    rows = rows[cache.ok[rows]]
    if len(rows) == 0:
        raise SystemExit(f"error: {ds.spec}: the {split} split has no records that loaded")
    if loaded.task == "multiclass":
        y = np.array([index.get(ds.items[i].labels[0], -1) for i in rows], dtype=np.int64)
        keep = y >= 0
        rows, targets = rows[keep], y[keep]
    else:
        targets = np.zeros((len(rows), K), dtype=np.float32)
        for j, i in enumerate(rows):
            for c in ds.items[i].labels:
                if c in index:
                    targets[j, index[c]] = 1.0
    clin, mask, dropped = encode_clinical(loaded.schema, [ds.items[i].clinical for i in rows])
    data = CachedSplit(cache, rows, clin, mask, targets, reads_image(loaded.model_type, loaded.model.config))
    loader = make_loader(data, batch_size, False, 0, Dist(), 0, device.type == "cuda")
    _, probs = predict(loaded.model, loader, device, progress=progress, desc=f"predict {split}")
    if getattr(loaded, "calibration", None) is not None and calibrated:
        probs = loaded.calibration.apply(probs)
    return rows, probs, targets, dropped


def calibration_report(y: np.ndarray, probs: np.ndarray, labels: list[str], loaded) -> dict:
    """Per-class expected calibration error (10 equal-width bins) of the probabilities as given."""
    from mirage_model.calibration import ece

    cal = getattr(loaded, "calibration", None)
    return {"ece": {c: ece(y[:, k], probs[:, k]) for k, c in enumerate(labels)},
            "bins": 10, "calibrated": cal is not None,
            "methods": list(cal.methods) if cal is not None else None}


def plot_reliability(path: Path, y: np.ndarray, p: np.ndarray, labels: list[str], title: str) -> None:
    """Reliability diagram: observed frequency against mean probability per bin, one line per class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mirage_model.calibration import ece, reliability

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
    fig.savefig(path)
    plt.close(fig)


def _write_predictions(path: Path, ids, labels, probs, targets, task_type) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id"] + [f"p_{c}" for c in labels] + (["label"] if task_type == "multiclass"
                                                                   else [f"y_{c}" for c in labels]))
        for i, rid in enumerate(ids):
            tail = [labels[targets[i]]] if task_type == "multiclass" else [int(v) for v in targets[i]]
            w.writerow([rid] + [f"{p:.6f}" for p in probs[i]] + tail)


def plot_curves(folder: Path, y: np.ndarray, p: np.ndarray, labels: list[str], metrics: dict) -> None:
    """roc.png and pr.png: one curve per class, AUROC/AUPRC in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for kind in ("roc", "pr"):
        fig, ax = plt.subplots(figsize=(5.5, 5))
        for k, c in enumerate(labels):
            if y[:, k].sum() == 0:
                continue
            if kind == "roc":
                xs, ys = common.roc_curve(y[:, k], p[:, k])
                val = metrics["per_class"][c]["auroc"]
            else:
                xs, ys = common.pr_curve(y[:, k], p[:, k])
                val = metrics["per_class"][c]["auprc"]
            ax.plot(xs, ys, lw=1.2, label=f"{c} ({val:.3f})" if val is not None else c)
        if kind == "roc":
            ax.plot([0, 1], [0, 1], "k:", lw=0.8)
            ax.set_xlabel("1 - specificity")
            ax.set_ylabel("sensitivity")
            ax.set_title(f"ROC, {metrics.get('split', '')} (macro AUROC {_fmt(metrics['macro']['auroc'])})")
        else:
            ax.set_xlabel("recall (sensitivity)")
            ax.set_ylabel("precision (PPV)")
            ax.set_title(f"PR, {metrics.get('split', '')} (macro AUPRC {_fmt(metrics['macro']['auprc'])})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.grid(alpha=0.3)
        if len(labels) <= 15:
            ax.legend(fontsize=7, loc="lower right" if kind == "roc" else "lower left")
        fig.tight_layout()
        fig.savefig(folder / f"{kind}.png", dpi=110)
        plt.close(fig)


def _fmt(v, ci=None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")


def markdown_summary(m: dict) -> str:
    """A short Markdown report of a metrics dict (as written by ``evaluate_checkpoint``)."""
    boot = m.get("bootstrap", {})
    bm = boot.get("macro", {})
    lines = [
        f"# Evaluation: {m.get('model_name') or m.get('model')}",
        "",
        f"- data: `{m.get('data')}`, task {m.get('task')}, split **{m.get('split')}**, {m['n']} records"
        f" ({m.get('skipped', 0)} skipped: failed to load)",
        f"- model: {m.get('model_type')} (`{m.get('model')}`), thresholds from the validation split",
        f"- date {m.get('date')}, code {m.get('code_version')}",
    ]
    if boot:
        lines.append(f"- 95% intervals: percentile bootstrap over records, {boot['n_boot']} resamples, seed {boot['seed']}")
    lines += [
        "",
        "| | AUROC | AUPRC | F1 | accuracy |",
        "|---|---|---|---|---|",
        f"| **macro** | {_fmt(m['macro']['auroc'], bm.get('auroc'))} | {_fmt(m['macro']['auprc'], bm.get('auprc'))} "
        f"| {_fmt(m['macro']['f1'], bm.get('f1'))} | {_fmt(m['macro']['accuracy'], bm.get('accuracy'))} |",
    ]
    for c, v in m["per_class"].items():
        b = boot.get("per_class", {}).get(c, {})
        lines.append(f"| {c} (n+={v['positives']}) | {_fmt(v['auroc'], b.get('auroc'))} | "
                     f"{_fmt(v['auprc'], b.get('auprc'))} | {_fmt(v['f1'], b.get('f1'))} | "
                     f"{_fmt(v['accuracy'], b.get('accuracy'))} |")
    cal = m.get("calibration")
    if cal:
        how = (f"calibrated ({', '.join(cal['methods'])})" if cal.get("calibrated") else "not calibrated")
        lines += ["", f"Expected calibration error ({cal['bins']} equal-width bins; probabilities {how}; "
                  "reliability.png): " + ", ".join(f"{c} {v:.3f}" for c, v in cal["ece"].items())]
    lines += ["", "Research use only, not a diagnosis.", ""]
    return "\n".join(lines)
