"""What the report says about the model: name, version, training data and its card's metrics."""

from __future__ import annotations

import re
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


# ``mirage train``'s record of its code (``runlog.code_version``): the version, from a checkout its commit, and
# ".dirty" where tracked files had been changed since
_CODE_VERSION = re.compile(r"(?P<version>[^+\s]+)\+g(?P<commit>[0-9a-f]{4,40})(?P<dirty>\.dirty)?")


def code_version_text(version: str) -> str:
    """The code a checkpoint was made with, in words, as the report prints it apart from the program's own
    version: "MIRAGE 0.1.0, commit 55fd887, with changes not committed" (``0.1.0+g55fd887.dirty``), "MIRAGE 0.1.0,
    commit 2e0de95"; another text as it is, after "MIRAGE"."""
    m = _CODE_VERSION.fullmatch(version.strip())
    if not m:
        return f"MIRAGE {version.strip()}"
    return (f"MIRAGE {m['version']}, commit {m['commit']}"
            + (", with changes not committed" if m["dirty"] else ""))


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


def _auroc_defined(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def undefined_auroc(split: Mapping) -> list[str]:
    """The classes of one split's metrics (``{"macro": {...}, "per_class": {class: {"auroc": ...}}}``,
    as ``mirage evaluate`` writes them) whose AUROC is undefined (None or NaN: the split has no
    positive or no negative record of them), in the order of ``per_class``."""
    return [c for c, m in (split.get("per_class") or {}).items()
            if not _auroc_defined((m or {}).get("auroc"))]


def classes_counted(split: Mapping) -> str:
    """" over k of K classes" when some classes of one split's metrics have no AUROC (the macro is a
    mean of fewer classes), else "": the words every macro AUROC of the project is qualified with."""
    per = split.get("per_class") or {}
    gone = undefined_auroc(split)
    return f" over {len(per) - len(gone)} of {len(per)} classes" if gone else ""


def macro_auroc_text(split: Mapping, ci=None) -> str:
    """One split's macro AUROC in words, the same in the model card, the PDF report and the training
    CLI's output: "macro AUROC 0.667", with ``ci`` (lower, upper) "macro AUROC 0.667 (0.600-0.730)",
    and over how many classes when some have none (a macro mean of fewer classes), or why it is
    undefined."""
    gone = undefined_auroc(split)
    value = (split.get("macro") or {}).get("auroc")
    if not _auroc_defined(value):
        return "macro AUROC undefined (no class has both positive and negative records in the split)"
    said = f"macro AUROC {value:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")
    if not gone:
        return said
    return (f"{said}{classes_counted(split)} ({', '.join(gone)}: "
            "undefined, the split has no positive or no negative record of them)")


def held_out_figure(metrics: Mapping | None, provenance: Mapping | None) -> str:
    """The held-out test split's macro AUROC with the split it was measured on, as the app shows it beside
    the model's name: "fold-10 macro AUROC 0.936" (PTB-XL's strat_fold 10, as the provenance's "splits"
    names it), "test-split macro AUROC 0.912" (a run on other data); "" when the checkpoint holds no
    defined test figure (a model exported without an evaluation)."""
    test = (metrics or {}).get("test")
    value = (test.get("macro") or {}).get("auroc") if isinstance(test, Mapping) else None
    if not _auroc_defined(value):
        return ""
    split = str(test.get("split") or "test")
    fold = re.search(rf"strat_fold\b.*?\b(\d+) {re.escape(split)}\b", str((provenance or {}).get("splits", "")))
    return f"{f'fold-{fold.group(1)}' if fold else f'{split}-split'} macro AUROC {value:.3f}{classes_counted(test)}"


def _split_metrics(flat: dict, split: str, labels) -> dict:
    """One split's metrics as ``macro_auroc_text`` reads them, from ``flatten_metrics`` output (which
    drops an undefined AUROC's None: a class is in the split where any of its metrics is)."""
    prefix = f"{split}.per_class."
    names = {k[len(prefix):].rsplit(".", 1)[0] for k in flat if k.startswith(prefix)}
    order = [c for c in labels if c in names] + sorted(names - set(labels))
    return {"macro": {"auroc": flat.get(f"{split}.macro.auroc")},
            "per_class": {c: {"auroc": flat.get(f"{prefix}{c}.auroc")} for c in order}}


def metric_lines(flat: dict, labels) -> list[str]:
    """Macro and per-class AUROC of the model card's validation and test splits, one line each; the
    macro AUROC says over how many classes it was taken where some had none (``macro_auroc_text``)."""
    lines = []
    for split, title, what in (("val", "Validation", "model selection"), ("test", "Test", "held out")):
        macro = flat.get(f"{split}.macro.auroc")
        if not isinstance(macro, float):
            continue
        n = flat.get(f"{split}.n")
        per = [f"{pdf_escape(c)} {flat[k]:.3f}" for c in labels
               if isinstance(flat.get(k := f"{split}.per_class.{c}.auroc"), float)]
        # one bracket, "Validation (model selection, n=25)", where the n had come in a second one
        line = (f"<b>{title} ({what}{f', n={int(n)}' if isinstance(n, float) else ''})</b>: "
                f"{pdf_escape(macro_auroc_text(_split_metrics(flat, split, labels)))}")
        if per:
            line += "; per class " + ", ".join(per)
        lines.append(line)
        scored = flat.get("val_calibrated.macro.auroc")
        if split == "val" and isinstance(scored, float) and abs(scored - macro) >= 0.0005:
            lines.append(f"<b>Validation as the model scores it</b> ({SCORED_HOW}): macro AUROC {scored:.3f}")
    return lines
