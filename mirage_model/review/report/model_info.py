"""What the report says about the model: name, version, training data and its card's metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from mirage_model.review.report.text import pdf_escape


def flatten_metrics(metrics, prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    if isinstance(metrics, Mapping):
        for k, v in metrics.items():
            flatten_metrics(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(metrics, (int, float, np.number)) and not isinstance(metrics, bool):
        out[prefix] = float(metrics)
    elif isinstance(metrics, str) and len(metrics) < 60:
        out[prefix] = metrics
    return out


def model_info_from(model) -> dict:
    """model_info for :func:`build_report` from a LoadedModel, or a Predictor that holds one.

    Returns:
        dict with name, version, training_data, date, metrics (flat name -> value), task, model_type and
        scoring (how the probabilities are made beyond one pass of the network: noise-averaged copies,
        a measured stage; "" when neither).
    """
    loaded = model
    for attr in ("loaded", "model_info", "checkpoint"):
        candidate = getattr(model, attr, None)
        if candidate is not None and hasattr(candidate, "metrics"):
            loaded = candidate
            break
    prov = dict(getattr(loaded, "provenance", None) or {})
    path = getattr(loaded, "path", None)
    name = getattr(loaded, "name", "") or (Path(path).name if path else "") or "unnamed model"
    return {
        "name": name,
        "version": prov.get("code_version") or prov.get("version") or "",
        "training_data": prov.get("data") or prov.get("training_data") or "",
        "date": prov.get("date") or "",
        "task": getattr(loaded, "task", ""),
        "model_type": getattr(loaded, "model_type", ""),
        "metrics": flatten_metrics(getattr(loaded, "metrics", None) or {}),
        "scoring": scoring_text(loaded),
    }


def scoring_text(loaded) -> str:
    """How a checkpoint's probabilities are made beyond one network pass, in words: its noise-averaged
    scoring (``averaging.NoiseAverage.describe``) and its measured stage's labels; "" when neither."""
    parts = []
    average = getattr(loaded, "noise_average", None)
    if average is not None and getattr(average, "on", False):
        parts.append(f"each window scored as the {average.describe()}")
    stage = getattr(loaded, "measured_stack", None)
    if stage is not None and getattr(stage, "labels", ()):
        which = ", ".join(stage.labels) if len(stage.labels) <= 6 else f"{len(stage.labels)} of its labels"
        parts.append(f"{which} re-estimated from the record's measurements (measured stage, {stage.kind})")
    return "; ".join(parts)


# what a checkpoint's "val_calibrated" figure is where it differs from "val" (calibration alone keeps every ranking)
SCORED_HOW = "noise averaging and measured stage as stored, the stage out of fold"


def metric_lines(flat: dict, labels) -> list[str]:
    """Macro and per-class AUROC of the model card's validation and test splits, one line each."""
    lines = []
    for split, title in (("val", "Validation (model selection)"), ("test", "Test (held out)")):
        macro = flat.get(f"{split}.macro.auroc")
        if not isinstance(macro, float):
            continue
        n = flat.get(f"{split}.n")
        per = [f"{pdf_escape(c)} {flat[k]:.3f}" for c in labels
               if isinstance(flat.get(k := f"{split}.per_class.{c}.auroc"), float)]
        line = f"<b>{title}</b>{f' (n={int(n)})' if isinstance(n, float) else ''}: macro AUROC {macro:.3f}"
        if per:
            line += "; per class " + ", ".join(per)
        lines.append(line)
        scored = flat.get("val_calibrated.macro.auroc")
        if split == "val" and isinstance(scored, float) and abs(scored - macro) >= 0.0005:
            lines.append(f"<b>Validation as the model scores it</b> ({SCORED_HOW}): macro AUROC {scored:.3f}")
    return lines
