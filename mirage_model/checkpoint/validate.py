"""Checks of an untrusted checkpoint's config before anything is built: every value's type and
range, the labels, thresholds and the preprocessing and rendering the model can run with."""

from __future__ import annotations

import math
from dataclasses import MISSING, fields
from pathlib import Path

from mirage_model.checkpoint.format import CheckpointError
from mirage_model.limits import MAX_LABELS
from mirage_model.models import MODEL_TYPES, config_class
from mirage_model.models.ensemble import MEMBER_KEYS, member_layout


def _short(value, n: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + " ..."


# Bounds on model_config whole numbers: depths and head counts, everything else (widths, sizes).
_MAX_DEPTH, _MAX_HEADS, _MAX_SIZE = 64, 64, 16384


def _validate_config(cfg: dict, model_type: str, where: Path, depth: int = 0) -> None:
    """Every model_config value has the type of its dataclass field's default and a sane range.

    Checked before building anything: a width of 0 (ZeroDivisionError), a depth of 1e6 (minutes
    and gigabytes), a string where a number belongs all become a CheckpointError here.
    """
    if model_type not in MODEL_TYPES:
        raise CheckpointError(f"{where}: unknown model_type {_short(model_type)} (known: {', '.join(MODEL_TYPES)})")
    if depth > 2:
        raise CheckpointError(f"{where}: model_config nested too deeply")
    known = {f.name: f for f in fields(config_class(model_type))}
    unknown = sorted(set(cfg) - set(known))
    if unknown:
        raise CheckpointError(f"{where}: {model_type} model_config has unknown fields {_short(unknown)}")
    for name, value in cfg.items():
        f = known[name]
        default = f.default if f.default is not MISSING else (
            f.default_factory() if f.default_factory is not MISSING else None)
        bad = f"{where}: model_config {name} = {_short(value, 60)}"
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise CheckpointError(f"{bad} is not true/false")
        elif isinstance(default, int):
            if not isinstance(value, int) or isinstance(value, bool):
                raise CheckpointError(f"{bad} is not a whole number")
            cap = _MAX_DEPTH if "depth" in name else _MAX_HEADS if "heads" in name else _MAX_SIZE
            low = 0 if (default == 0 or name == "n_clinical") else 1
            if not low <= value <= cap:
                raise CheckpointError(f"{bad} is outside {low}..{cap}")
        elif isinstance(default, float):
            if not isinstance(value, (int, float)) or isinstance(value, bool) \
                    or not math.isfinite(value) or abs(value) > 1e6:
                raise CheckpointError(f"{bad} is not a finite number")
            if name == "dropout" and not 0 <= value < 1:
                raise CheckpointError(f"{bad} is outside [0, 1)")
        elif isinstance(default, str):
            if not isinstance(value, str) or len(value) > 64:
                raise CheckpointError(f"{bad} is not a short text")
        elif name == "members":
            if not isinstance(value, list) or not 1 <= len(value) <= 16:
                raise CheckpointError(f"{where}: model_config members must be a list of 1 to 16 models")
            for m in value:
                if not isinstance(m, dict) or not {"model_type", "config"} <= set(m) <= MEMBER_KEYS \
                        or not isinstance(m["config"], dict) or not isinstance(m["model_type"], str):
                    raise CheckpointError(f"{where}: each ensemble member must be "
                                          '{"model_type": ..., "config": {...}[, "classes": [...]]'
                                          '[, "clinical": [[a, b], ...]]}')
                if m["model_type"] == "ensemble":
                    raise CheckpointError(f"{where}: an ensemble member cannot be an ensemble")
                _validate_config(m["config"], m["model_type"], where, depth + 1)
    if model_type == "ensemble":           # each member's classes and clinical rescaling, as the model reads them
        ens = config_class("ensemble")(**cfg)
        for i, m in enumerate(ens.members):
            try:
                member_layout(i, m, ens)
            except ValueError as err:
                raise CheckpointError(f"{where}: ensemble {err}") from None


MAX_DESCRIPTION_CHARS = 200       # a label's words: a class name, never a paragraph


def label_descriptions(value, labels, where) -> dict[str, str]:
    """A checkpoint's ``label_descriptions`` (label -> the words its training data gave it, a Challenge label
    map's SNOMED-CT description) checked against its ``labels``: {} for None (a checkpoint older than the field).

    Raises:
        CheckpointError: not an object of the labels' texts, naming what is wrong.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CheckpointError(f"{where}: label_descriptions must be an object of label: words, got {_short(value)}")
    unknown = [k for k in value if k not in labels]
    if unknown:
        raise CheckpointError(f"{where}: label_descriptions names {_short(unknown)}, not labels of the model")
    bad = [k for k, v in value.items() if not isinstance(v, str) or len(v) > MAX_DESCRIPTION_CHARS]
    if bad:
        raise CheckpointError(f"{where}: label_descriptions of {_short(bad)} must be texts of at most "
                              f"{MAX_DESCRIPTION_CHARS} characters")
    return {str(k): " ".join(v.split()) for k, v in value.items()}


def _validate_doc(doc: dict, where: Path) -> None:
    """Types and ranges of the config document's fields (before anything is built)."""
    _validate_config(doc["model_config"], doc["model_type"], where)
    labels, thresholds = doc["labels"], doc["thresholds"]
    if not isinstance(labels, list) or not 1 <= len(labels) <= MAX_LABELS \
            or not all(isinstance(x, str) and 0 < len(x) <= 100 and x.strip() == x for x in labels):
        raise CheckpointError(f"{where}: labels must be a list of 1 to {MAX_LABELS} names (1-100 "
                              f"characters, no surrounding spaces), got {_short(labels)}")
    if len(set(labels)) != len(labels):
        dup = sorted({x for x in labels if labels.count(x) > 1})
        raise CheckpointError(f"{where}: labels must be unique; {_short(dup)} repeat")
    if not isinstance(thresholds, list) or not all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) and 0 < t < 1
            for t in thresholds):
        raise CheckpointError(f"{where}: thresholds must be numbers strictly between 0 and 1, got "
                              f"{_short(thresholds)}")
    if doc["task"] not in ("multilabel", "multiclass"):
        raise CheckpointError(f"{where}: task {_short(doc['task'])} is not multilabel or multiclass")
    for key in ("preprocess", "render", "clinical"):
        if not isinstance(doc[key], dict):
            raise CheckpointError(f"{where}: {key} must be a JSON object")
    for key in ("name",):
        if key in doc and doc[key] is not None and (not isinstance(doc[key], str) or len(doc[key]) > 200):
            raise CheckpointError(f"{where}: {key} must be a text of at most 200 characters")
    for key in ("provenance", "metrics", "extra"):
        if doc.get(key) is not None and not isinstance(doc[key], dict):
            raise CheckpointError(f"{where}: {key} must be a JSON object")


def _check_inputs(cfg: dict, model_type: str, pre, render, where: Path) -> None:
    """Preprocessing and rendering settings that are numbers in range and fit the model's inputs."""
    def num(obj, name, lo, hi, integer=False):
        v = getattr(obj, name)
        ok = isinstance(v, int) and not isinstance(v, bool) if integer else \
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        if not ok or not lo <= v <= hi:
            raise CheckpointError(f"{where}: {type(obj).__name__} {name} = {_short(v, 60)} is not a "
                                  f"{'whole ' if integer else ''}number in [{lo:g}, {hi:g}]")

    num(pre, "target_fs", 50, 1000)
    num(pre, "window_s", 1, 60)
    num(pre, "stride_s", 0.1, 60)
    num(pre, "max_windows", 1, 64, integer=True)
    num(pre, "order", 1, 8, integer=True)
    num(pre, "low_hz", 1e-3, 10)
    num(pre, "high_hz", 1, 1e4)
    num(pre, "eps", 0, 1)
    num(pre, "pad_s", 0, 10)
    num(render, "width", 16, 4096, integer=True)
    num(render, "height", 16, 4096, integer=True)
    num(render, "supersample", 1, 8, integer=True)
    num(render, "mv_range", 0.1, 100)
    num(render, "line_width", 0.01, 100)
    members = cfg.get("members") or [{"model_type": model_type, "config": cfg}]
    for m in members:
        c = m["config"]
        if "n_samples" in c and c["n_samples"] != pre.n_samples:
            raise CheckpointError(f"{where}: model_config n_samples {c['n_samples']} does not match "
                                  f"the preprocessing's {pre.n_samples} samples per window")
        if m["model_type"] == "mirage" and c.get("use_image", True) and "img_size" in c \
                and (c["img_size"] != render.width or c["img_size"] != render.height):
            raise CheckpointError(f"{where}: model_config img_size {c['img_size']} does not match the "
                                  f"render size {render.width}x{render.height}")
