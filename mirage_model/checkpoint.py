"""One checkpoint format: a folder with model.safetensors + config.json (+ MODEL_CARD.md).

config.json holds: format_version, model_type ("mirage" | "resnet1d_wang" | "patchtst"),
model_config (asdict), task, labels, clinical schema (to_dict), preprocess (asdict
PreprocessConfig), render (asdict RenderConfig), thresholds (K,), provenance {data, command, date,
code_version, hardware, duration_s}, metrics {...}, name, extra. A single ``.safetensors`` file
whose metadata holds the same JSON (key ``mirage_config``; a model card under ``model_card``) is
accepted too. Loading never unpickles anything (safetensors + json only, never torch.load), and
every problem becomes a ``CheckpointError`` naming the file. Saving is atomic (temp + os.replace).

A checkpoint may come from anyone. Before anything is allocated the loader checks every config
value's type and range (``_validate_config``: whole numbers where the model's config has them,
finite floats, bounded sizes and depths, unique labels, thresholds strictly between 0 and 1,
preprocessing and rendering settings the model can run with), counts the model's parameters on
torch's "meta" device (no memory) against ``limits.MAX_PARAMETERS``, refuses JSON nested deeper
than ``limits.MAX_JSON_DEPTH`` and reads weights only from regular files (a FIFO would hang).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import stat
import sys
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mirage_model.limits import (MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_LABELS, MAX_PARAMETERS,
                                 MAX_WEIGHTS_BYTES, json_depth)
from mirage_model.paths import atomic_folder, atomic_output
from mirage_model.runtime import resolve_device

FORMAT_VERSION = 1
WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
CARD_NAME = "MODEL_CARD.md"
METADATA_KEY = "mirage_config"       # single-file form: the config JSON in the safetensors metadata
CARD_KEY = "model_card"
REQUIRED_KEYS = ("format_version", "model_type", "model_config", "task", "labels", "clinical",
                 "preprocess", "render", "thresholds")


class CheckpointError(Exception):
    """Corrupt, truncated, missing or mismatched checkpoint; message names the file and the problem."""


@dataclass
class LoadedModel:
    model: nn.Module                  # in eval mode, on the requested device
    model_type: str
    task: str
    labels: list[str]
    schema: object                    # ClinicalSchema
    preprocess: object                # PreprocessConfig
    render: object                    # RenderConfig
    thresholds: list[float]
    provenance: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    name: str = ""
    path: Path | None = None
    extra: dict = field(default_factory=dict)
    model_card: str | None = None     # MODEL_CARD.md text when the checkpoint has one
    model_config: dict = field(default_factory=dict)   # asdict of the model's config
    calibration: object = None        # calibration.Calibration applied to the probabilities, or None


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
    import mirage_model

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
                    calibration=None) -> Path:
    """Write atomically (temp folder + os.replace). half=True stores fp16 weights. Returns the folder.

    ``path`` ending in ``.safetensors`` writes the single-file form instead (returns that file).
    ``model_card``: Markdown text written as MODEL_CARD.md. ``calibration``: a
    ``calibration.Calibration`` (or its ``to_dict()``) stored under the key "calibration". An existing checkpoint at ``path`` is
    replaced; any other existing file or non-empty folder there is an error (never deleted).

    Raises:
        CheckpointError: inconsistent arguments (labels/thresholds/schema vs the model's config)
            or an unwritable destination.
    """
    from mirage_model.clinical import ClinicalSchema
    from mirage_model.models import MODEL_TYPES, config_dict

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
    doc = _jsonable({
        "format_version": FORMAT_VERSION, "model_type": model_type, "model_config": cfg, "task": task,
        "labels": labels, "clinical": schema.to_dict(), "preprocess": preprocess, "render": render,
        "thresholds": thresholds, "provenance": _default_provenance(provenance),
        "metrics": metrics or {}, "name": name, "extra": extra or {}, "half": bool(half),
        **({"calibration": calibration if isinstance(calibration, dict) else calibration.to_dict()}
           if calibration is not None else {}),
    })
    text = json.dumps(doc, indent=2, allow_nan=False)
    tensors = _weights(model, half, path)
    from safetensors.torch import save_file

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
        if path.exists() and not _replaceable(path):
            raise CheckpointError(f"{path}: exists and is not a MIRAGE checkpoint folder; not overwriting")
        with atomic_folder(path) as tmp:
            save_file(tensors, str(tmp / WEIGHTS_NAME), metadata=meta)
            _default_mode(tmp / WEIGHTS_NAME)
            (tmp / CONFIG_NAME).write_text(text + "\n", encoding="utf-8")
            if model_card:
                (tmp / CARD_NAME).write_text(model_card, encoding="utf-8")
        return path
    except OSError as err:
        raise CheckpointError(f"{path}: cannot write checkpoint ({err})") from None


def _replaceable(path: Path) -> bool:
    """An existing destination we may replace: an empty folder or a checkpoint folder."""
    if not path.is_dir():
        return False
    names = {p.name for p in path.iterdir()}
    return not names or (CONFIG_NAME in names and names <= {CONFIG_NAME, WEIGHTS_NAME, CARD_NAME})


def _resolve(path: Path) -> tuple[Path, Path | None, Path]:
    """-> (weights file, config.json or None for the single-file form, folder)."""
    if path.is_dir():
        return path / WEIGHTS_NAME, path / CONFIG_NAME, path
    if path.name == CONFIG_NAME:
        return path.parent / WEIGHTS_NAME, path, path.parent
    if path.suffix == ".safetensors":
        cfg = path.parent / CONFIG_NAME
        if path.name == WEIGHTS_NAME and cfg.is_file():
            return path, cfg, path.parent
        return path, None, path.parent
    raise CheckpointError(f"{path}: not a checkpoint (expected a folder, config.json or a .safetensors file)")


def _read_json(text: str, where: Path) -> dict:
    if len(text) > MAX_JSON_BYTES:
        raise CheckpointError(f"{where}: config larger than {MAX_JSON_BYTES >> 20} MB; not a checkpoint config")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise CheckpointError(f"{where}: config JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError) as err:
        raise CheckpointError(f"{where}: malformed JSON ({err})") from None
    if not isinstance(doc, dict):
        raise CheckpointError(f"{where}: malformed checkpoint config (expected a JSON object)")
    return doc


def read_checkpoint_config(path) -> dict:
    """The checkpoint's config JSON (no weights read beyond the safetensors header)."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    weights, cfg_file, _ = _resolve(path)
    if cfg_file is not None:
        if not cfg_file.is_file():
            raise CheckpointError(f"{cfg_file}: missing (a checkpoint folder needs {CONFIG_NAME})")
        try:
            _regular_file(cfg_file)
            with open(cfg_file, encoding="utf-8") as fh:
                text = fh.read(MAX_JSON_BYTES + 1)
            return _read_json(text, cfg_file)
        except (OSError, UnicodeDecodeError) as err:
            raise CheckpointError(f"{cfg_file}: cannot read ({err})") from None
    meta = _safetensors_metadata(weights)
    if METADATA_KEY not in meta:
        raise CheckpointError(f"{weights}: no {CONFIG_NAME} next to it and no '{METADATA_KEY}' in its metadata")
    return _read_json(meta[METADATA_KEY], weights)


def _regular_file(path: Path, limit: int | None = None) -> None:
    """Refuse anything but a regular file (a FIFO or device would block or never end) and, with
    ``limit``, a file larger than ``limit`` bytes."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except OSError as err:
        raise CheckpointError(f"{path}: cannot read ({err.strerror or err})") from None
    if not stat.S_ISREG(st.st_mode):
        raise CheckpointError(f"{path}: not a regular file")
    if limit is not None and st.st_size > limit:
        raise CheckpointError(f"{path}: {st.st_size / 2**30:.1f} GiB is larger than any model this "
                              f"version loads ({limit / 2**30:.0f} GiB)")


def _safetensors_metadata(weights: Path) -> dict:
    from safetensors import safe_open

    if not weights.exists():
        raise CheckpointError(f"{weights}: missing weights file")
    _regular_file(weights, MAX_WEIGHTS_BYTES)
    try:
        with safe_open(str(weights), framework="pt", device="cpu") as fh:
            return dict(fh.metadata() or {})
    except FileNotFoundError:
        raise CheckpointError(f"{weights}: missing weights file") from None
    except Exception as err:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{weights}: corrupt or truncated safetensors file ({err})") from None


def _read_tensors(weights: Path) -> dict[str, torch.Tensor]:
    from safetensors import safe_open

    if not weights.exists():
        raise CheckpointError(f"{weights}: missing weights file")
    _regular_file(weights, MAX_WEIGHTS_BYTES)
    try:
        with safe_open(str(weights), framework="pt", device="cpu") as fh:
            return {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as err:
        raise CheckpointError(f"{weights}: corrupt or truncated safetensors file ({err})") from None


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
    from dataclasses import MISSING, fields

    from mirage_model.models import MODEL_TYPES, config_class

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
                if not isinstance(m, dict) or set(m) != {"model_type", "config"} \
                        or not isinstance(m["config"], dict) or not isinstance(m["model_type"], str):
                    raise CheckpointError(f"{where}: each ensemble member must be "
                                          '{"model_type": ..., "config": {...}}')
                if m["model_type"] == "ensemble":
                    raise CheckpointError(f"{where}: an ensemble member cannot be an ensemble")
                _validate_config(m["config"], m["model_type"], where, depth + 1)


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


def load_checkpoint(path, device: str = "cpu") -> LoadedModel:
    """Load a folder (or its config.json / model.safetensors). fp16 weights are upcast to fp32.

    Also accepts a single ``.safetensors`` file with the config in its metadata. ``device``:
    "cpu", "cuda" or "auto" (``runtime.resolve_device``).

    Raises:
        CheckpointError: missing, corrupt, truncated or mismatched files, naming the file.
        runtime.DeviceError: a device this machine does not have.
    """
    from mirage_model.clinical import ClinicalSchema
    from mirage_model.models import MODEL_TYPES, build_model
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.render import RenderConfig

    path = Path(path)
    doc = read_checkpoint_config(path)
    weights, cfg_file, folder = _resolve(path)
    where = cfg_file or weights
    missing = [k for k in REQUIRED_KEYS if k not in doc]
    if missing:
        raise CheckpointError(f"{where}: missing fields {missing}")
    if doc["format_version"] != FORMAT_VERSION:
        raise CheckpointError(f"{where}: format_version {doc['format_version']!r} is not supported "
                              f"(this version reads {FORMAT_VERSION})")
    model_type = doc["model_type"]
    if model_type not in MODEL_TYPES:
        raise CheckpointError(f"{where}: unknown model_type {model_type!r} (known: {', '.join(MODEL_TYPES)})")
    if not isinstance(doc["model_config"], dict):
        raise CheckpointError(f"{where}: model_config must be a JSON object")
    _validate_doc(doc, where)
    try:
        with torch.device("meta"):   # sizes only: nothing allocated
            n_params = sum(p.numel() for p in build_model(model_type, doc["model_config"]).parameters())
    except (TypeError, ValueError, NotImplementedError, ArithmeticError, AssertionError,
            IndexError, KeyError, RuntimeError, RecursionError, MemoryError) as err:
        raise CheckpointError(f"{where}: cannot build {model_type} from model_config "
                              f"({type(err).__name__}: {err})") from None
    if n_params > MAX_PARAMETERS:
        raise CheckpointError(f"{where}: model_config describes {n_params:,} parameters; at most "
                              f"{MAX_PARAMETERS:,} are loaded")
    try:
        model = build_model(model_type, doc["model_config"])
    except (TypeError, ValueError, NotImplementedError, ArithmeticError, AssertionError,
            IndexError, KeyError, RuntimeError, MemoryError) as err:
        raise CheckpointError(f"{where}: cannot build {model_type} from model_config "
                              f"({type(err).__name__}: {err})") from None
    cfg = asdict(model.config)

    labels, thresholds, task = doc["labels"], doc["thresholds"], doc["task"]
    k = cfg.get("num_classes")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels) or len(labels) != k:
        raise CheckpointError(f"{where}: labels must be a list of {k} names, got {_short(labels)}")
    if (not isinstance(thresholds, list) or len(thresholds) != k
            or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in thresholds)):
        raise CheckpointError(f"{where}: thresholds must be {k} numbers, got {_short(thresholds)}")
    if cfg.get("task", task) != task:
        raise CheckpointError(f"{where}: task {task!r} differs from model_config task {cfg.get('task')!r}")
    try:
        schema = ClinicalSchema.from_dict(doc["clinical"])
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as err:
        raise CheckpointError(f"{where}: bad clinical schema ({type(err).__name__}: {err})") from None
    if cfg.get("n_clinical", len(schema.features)) != len(schema.features):
        raise CheckpointError(f"{where}: clinical schema has {len(schema.features)} features, "
                              f"model_config n_clinical={cfg['n_clinical']}")
    try:
        preprocess = PreprocessConfig.from_dict(doc["preprocess"])
        render = RenderConfig(**doc["render"])
    except TypeError as err:
        raise CheckpointError(f"{where}: bad preprocess/render settings ({err})") from None
    _check_inputs(cfg, model_type, preprocess, render, where)

    calibration = None
    if doc.get("calibration") is not None:
        from mirage_model.calibration import Calibration, CalibrationError

        try:
            calibration = Calibration.from_dict(doc["calibration"], len(labels))
        except CalibrationError as err:
            raise CheckpointError(f"{where}: bad calibration ({err})") from None

    tensors = _read_tensors(weights)
    expected = model.state_dict()
    missing_k = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing_k or unexpected:
        raise CheckpointError(
            f"{weights}: weights do not match model_config: {len(missing_k)} missing "
            f"{missing_k[:5]}{' ...' if len(missing_k) > 5 else ''}, {len(unexpected)} unexpected "
            f"{unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}")
    state = {}
    for key, ref in expected.items():
        t = tensors[key]
        if t.shape != ref.shape:
            raise CheckpointError(f"{weights}: {key} has shape {tuple(t.shape)}, "
                                  f"model_config expects {tuple(ref.shape)}")
        if ref.is_floating_point():
            if not t.is_floating_point():
                raise CheckpointError(f"{weights}: {key} has dtype {t.dtype}, expected floating point")
            t = t.to(ref.dtype)
            if not torch.isfinite(t).all():
                raise CheckpointError(f"{weights}: {key} contains NaN or infinite values")
        elif t.dtype != ref.dtype:
            raise CheckpointError(f"{weights}: {key} has dtype {t.dtype}, expected {ref.dtype}")
        state[key] = t
    model.load_state_dict(state, strict=True)
    model.to(resolve_device(device)).eval()

    card = None
    if cfg_file is not None and (folder / CARD_NAME).is_file():
        with open(folder / CARD_NAME, encoding="utf-8", errors="replace") as fh:
            card = fh.read(MAX_JSON_BYTES)
    elif cfg_file is None:
        card = _safetensors_metadata(weights).get(CARD_KEY)
    return LoadedModel(
        model=model, model_type=model_type, task=task, labels=list(labels), schema=schema,
        preprocess=preprocess, render=render, thresholds=[float(t) for t in thresholds],
        provenance=dict(doc.get("provenance") or {}), metrics=dict(doc.get("metrics") or {}),
        name=str(doc.get("name") or (folder.name if cfg_file else weights.stem)),
        path=folder if cfg_file is not None else weights, extra=dict(doc.get("extra") or {}),
        model_card=card, model_config=cfg, calibration=calibration)
