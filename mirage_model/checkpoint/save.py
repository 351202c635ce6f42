"""Writing a checkpoint: the config JSON and the weights (fp32 or fp16), atomically (a temporary
file or folder, then ``os.replace``)."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

import mirage_model
from mirage_model.checkpoint.format import (CARD_KEY, CARD_NAME, CONFIG_NAME, FORMAT_VERSION, METADATA_KEY,
                                            WEIGHTS_NAME, CheckpointError)
from mirage_model.checkpoint.validate import label_descriptions as _label_descriptions
from mirage_model.clinical import ClinicalSchema
from mirage_model.models import MODEL_TYPES, config_dict
from mirage_model.noise_spread import NoiseSpread, NoiseSpreadError
from mirage_model.paths import atomic_folder, atomic_output
from mirage_model.stacking import TREE_KINDS


def _jsonable(obj):
    """Plain JSON values: dataclasses/numpy/tensors converted, non-finite floats -> None."""
    if is_dataclass(obj) and not isinstance(obj, type):
        obj = asdict(obj)
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, torch.Tensor):
        return _jsonable(obj.detach().cpu().tolist())
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _default_provenance(provenance: dict | None) -> dict:
    prov = dict(provenance or {})
    prov.setdefault("date", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    prov.setdefault("code_version", mirage_model.__version__)
    prov.setdefault("command", " ".join([Path(sys.argv[0]).name] + sys.argv[1:]) if sys.argv else "")
    prov.setdefault("torch", torch.__version__)
    prov.setdefault("python", platform.python_version())
    return prov


def _weights(model: nn.Module, half: bool, where: Path) -> dict[str, torch.Tensor]:
    out = {}
    for key, t in model.state_dict().items():
        t = t.detach().cpu().contiguous()
        if half and t.is_floating_point():
            h = t.to(torch.float16)
            if not torch.isfinite(h).all() and torch.isfinite(t).all():
                raise CheckpointError(f"{where}: {key} overflows float16; save with half=False")
            t = h
        out[key] = t.clone()      # own storage: no shared tensors in the file
    return out


def _default_mode(path: Path) -> None:
    """safetensors writes 0600 files; give weights the ordinary mode (0666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def save_checkpoint(path, model: nn.Module, *, model_type: str, task: str, labels, schema, preprocess,
                    render, thresholds=None, provenance=None, metrics=None, name: str = "",
                    half: bool = False, extra: dict | None = None, model_card: str | None = None,
                    calibration=None, measured_stack=None, noise_average=None,
                    noise_spread=None, label_descriptions=None) -> Path:
    """Write atomically (temp folder + os.replace). half=True stores fp16 weights. Returns the folder.

    ``path`` ending in ``.safetensors`` writes the single-file form instead (returns that file).
    ``model_card``: Markdown text written as MODEL_CARD.md. ``calibration``: a
    ``calibration.Calibration`` (or its ``to_dict()``) stored under the key "calibration";
    ``measured_stack``: a ``stacking.MeasuredStack`` (or its ``to_dict()``), under "measured_stack";
    ``noise_average``: an ``averaging.NoiseAverage`` that is on (or its ``to_dict()``), under "noise_average";
    ``noise_spread``: a ``noise_spread.NoiseSpread`` measured for these labels and this calibration (or its
    ``to_dict()``), under "noise_spread"; ``label_descriptions``: label -> the words its training data gave it
    (``validate.label_descriptions``), under "label_descriptions".
    An existing checkpoint at ``path`` is
    replaced; any other existing file or non-empty folder there is an error (never deleted).

    Raises:
        CheckpointError: inconsistent arguments (labels/thresholds/schema vs the model's config)
            or an unwritable destination.
    """
    path = Path(path)
    if model_type not in MODEL_TYPES:
        raise CheckpointError(f"{path}: unknown model type {model_type!r} (known: {', '.join(MODEL_TYPES)})")
    cfg = config_dict(model)
    labels = [str(x) for x in labels]
    k = cfg.get("num_classes", len(labels))
    if len(labels) != k:
        raise CheckpointError(f"{path}: {len(labels)} labels for a model with {k} classes")
    if cfg.get("task", task) != task:
        raise CheckpointError(f"{path}: task {task!r} differs from the model's {cfg['task']!r}")
    thresholds = [0.5] * k if thresholds is None else [float(t) for t in np.asarray(thresholds).ravel()]
    if len(thresholds) != k:
        raise CheckpointError(f"{path}: {len(thresholds)} thresholds for {k} classes")
    if not all(math.isfinite(t) for t in thresholds):
        raise CheckpointError(f"{path}: thresholds must be finite, got {thresholds}")
    # a loader accepts thresholds strictly inside (0, 1); a tuned 0 or 1 means "always"/"never"
    thresholds = [min(max(t, 1e-6), 1.0 - 1e-6) for t in thresholds]
    schema = schema if schema is not None else ClinicalSchema([])
    if cfg.get("n_clinical", len(schema.features)) != len(schema.features):
        raise CheckpointError(f"{path}: clinical schema has {len(schema.features)} features "
                              f"but the model expects n_clinical={cfg['n_clinical']}")
    if noise_spread is not None:
        try:
            noise_spread = NoiseSpread.from_dict(
                noise_spread if isinstance(noise_spread, dict) else noise_spread.to_dict(), labels)
        except NoiseSpreadError as err:
            raise CheckpointError(f"{path}: {err}") from None
    label_descriptions = _label_descriptions(label_descriptions, labels, path)
    doc = _jsonable({
        "format_version": FORMAT_VERSION, "model_type": model_type, "model_config": cfg, "task": task,
        "labels": labels, "clinical": schema.to_dict(), "preprocess": preprocess, "render": render,
        "thresholds": thresholds, "provenance": _default_provenance(provenance),
        "metrics": metrics or {}, "name": name, "extra": extra or {}, "half": bool(half),
        **({"calibration": calibration if isinstance(calibration, dict) else calibration.to_dict()}
           if calibration is not None else {}),
        **({"measured_stack": measured_stack if isinstance(measured_stack, dict) else measured_stack.to_dict()}
           if measured_stack is not None else {}),
        **({"noise_average": noise_average if isinstance(noise_average, dict) else noise_average.to_dict()}
           if noise_average is not None and (isinstance(noise_average, dict) or noise_average.on) else {}),
        **({"noise_spread": noise_spread.to_dict()} if noise_spread is not None else {}),
        **({"label_descriptions": label_descriptions} if label_descriptions else {}),
    })
    text = json.dumps(doc, indent=2, allow_nan=False)
    tensors = _weights(model, half, path)
    if measured_stack is not None:
        if isinstance(measured_stack, dict):
            if measured_stack.get("kind") in TREE_KINDS:
                raise CheckpointError(f"{path}: a trees stage must be given as a MeasuredStack, not its dict")
        else:                                    # a "trees" stage's nodes, beside the weights (never fp16)
            tensors.update({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in measured_stack.tensors().items()})

    meta = {"format": "pt", "format_version": str(FORMAT_VERSION), "model_type": model_type}
    try:
        if path.suffix == ".safetensors":
            if path.is_dir():
                raise CheckpointError(f"{path}: is a folder, not a .safetensors file")
            meta[METADATA_KEY] = text
            if model_card:
                meta[CARD_KEY] = model_card
            with atomic_output(path) as tmp:
                save_file(tensors, str(tmp), metadata=meta)
                _default_mode(tmp)
            return path
        check_destination(path)
        with atomic_folder(path) as tmp:
            save_file(tensors, str(tmp / WEIGHTS_NAME), metadata=meta)
            _default_mode(tmp / WEIGHTS_NAME)
            (tmp / CONFIG_NAME).write_text(text + "\n", encoding="utf-8")
            if model_card:
                (tmp / CARD_NAME).write_text(model_card, encoding="utf-8")
        return path
    except OSError as err:
        raise CheckpointError(f"{path}: cannot write checkpoint ({err})") from None


def check_destination(path) -> None:
    """Refuse a checkpoint folder ``save_checkpoint`` would not write: one that exists and is neither
    an empty folder nor a checkpoint folder (its files are never overwritten). Commands call it before
    hours of work, with the rule the save itself applies.

    Raises:
        CheckpointError: ``path`` exists and is not a MIRAGE checkpoint folder.
    """
    path = Path(path)
    if path.exists() and not _replaceable(path):
        raise CheckpointError(f"{path}: exists and is not a MIRAGE checkpoint folder; not overwriting")


def _replaceable(path: Path) -> bool:
    """An existing destination we may replace: an empty folder or a checkpoint folder."""
    if not path.is_dir():
        return False
    names = {p.name for p in path.iterdir()}
    return not names or (CONFIG_NAME in names and names <= {CONFIG_NAME, WEIGHTS_NAME, CARD_NAME})
