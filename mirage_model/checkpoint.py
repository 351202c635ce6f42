"""One checkpoint format: a folder with model.safetensors + config.json (+ MODEL_CARD.md).

config.json holds: format_version, model_type ("mirage" | "resnet1d_wang" | "patchtst"),
model_config (asdict), task, labels, clinical schema (to_dict), preprocess (asdict
PreprocessConfig), render (asdict RenderConfig), thresholds (K,), provenance {data, command, date,
code_version, hardware, duration_s}, metrics {...}, name, extra. A single ``.safetensors`` file
whose metadata holds the same JSON (key ``mirage_config``; a model card under ``model_card``) is
accepted too. Loading never unpickles anything (safetensors + json only, never torch.load), and
every problem becomes a ``CheckpointError`` naming the file. Saving is atomic (temp + os.replace).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import uuid
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

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
    path.parent.mkdir(parents=True, exist_ok=True)
    tag = f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = path.parent / tag
    try:
        if path.suffix == ".safetensors":
            if path.is_dir():
                raise CheckpointError(f"{path}: is a folder, not a .safetensors file")
            meta[METADATA_KEY] = text
            if model_card:
                meta[CARD_KEY] = model_card
            save_file(tensors, str(tmp), metadata=meta)
            _default_mode(tmp)
            _fsync(tmp)
            os.replace(tmp, path)
            return path
        if path.exists() and not _replaceable(path):
            raise CheckpointError(f"{path}: exists and is not a MIRAGE checkpoint folder; not overwriting")
        tmp.mkdir()
        save_file(tensors, str(tmp / WEIGHTS_NAME), metadata=meta)
        _default_mode(tmp / WEIGHTS_NAME)
        (tmp / CONFIG_NAME).write_text(text + "\n", encoding="utf-8")
        if model_card:
            (tmp / CARD_NAME).write_text(model_card, encoding="utf-8")
        for f in tmp.iterdir():
            _fsync(f)
        old = None
        if path.exists():
            old = path.parent / (tag + ".old")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return path
    except OSError as err:
        raise CheckpointError(f"{path}: cannot write checkpoint ({err})") from None
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def _fsync(p: Path) -> None:
    with open(p, "rb") as fh:
        os.fsync(fh.fileno())


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
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
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
            return _read_json(cfg_file.read_text(encoding="utf-8"), cfg_file)
        except (OSError, UnicodeDecodeError) as err:
            raise CheckpointError(f"{cfg_file}: cannot read ({err})") from None
    meta = _safetensors_metadata(weights)
    if METADATA_KEY not in meta:
        raise CheckpointError(f"{weights}: no {CONFIG_NAME} next to it and no '{METADATA_KEY}' in its metadata")
    return _read_json(meta[METADATA_KEY], weights)


def _safetensors_metadata(weights: Path) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(weights), framework="pt", device="cpu") as fh:
            return dict(fh.metadata() or {})
    except FileNotFoundError:
        raise CheckpointError(f"{weights}: missing weights file") from None
    except Exception as err:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{weights}: corrupt or truncated safetensors file ({err})") from None


def _read_tensors(weights: Path) -> dict[str, torch.Tensor]:
    from safetensors import safe_open

    if not weights.is_file():
        raise CheckpointError(f"{weights}: missing weights file")
    try:
        with safe_open(str(weights), framework="pt", device="cpu") as fh:
            return {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as err:
        raise CheckpointError(f"{weights}: corrupt or truncated safetensors file ({err})") from None


def _resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def load_checkpoint(path, device: str = "cpu") -> LoadedModel:
    """Load a folder (or its config.json / model.safetensors). fp16 weights are upcast to fp32.

    Also accepts a single ``.safetensors`` file with the config in its metadata. ``device``:
    "cpu", "cuda" or "auto".

    Raises:
        CheckpointError: missing, corrupt, truncated or mismatched files, naming the file.
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
    try:
        model = build_model(model_type, doc["model_config"])
    except (TypeError, ValueError, NotImplementedError) as err:
        raise CheckpointError(f"{where}: cannot build {model_type} from model_config ({err})") from None
    cfg = asdict(model.config)

    labels, thresholds, task = doc["labels"], doc["thresholds"], doc["task"]
    k = cfg.get("num_classes")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels) or len(labels) != k:
        raise CheckpointError(f"{where}: labels must be a list of {k} names, got {labels!r}")
    if (not isinstance(thresholds, list) or len(thresholds) != k
            or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in thresholds)):
        raise CheckpointError(f"{where}: thresholds must be {k} numbers, got {thresholds!r}")
    if cfg.get("task", task) != task:
        raise CheckpointError(f"{where}: task {task!r} differs from model_config task {cfg.get('task')!r}")
    try:
        schema = ClinicalSchema.from_dict(doc["clinical"])
    except ValueError as err:
        raise CheckpointError(f"{where}: bad clinical schema ({err})") from None
    if cfg.get("n_clinical", len(schema.features)) != len(schema.features):
        raise CheckpointError(f"{where}: clinical schema has {len(schema.features)} features, "
                              f"model_config n_clinical={cfg['n_clinical']}")
    try:
        preprocess = PreprocessConfig.from_dict(doc["preprocess"])
        render = RenderConfig(**doc["render"])
    except TypeError as err:
        raise CheckpointError(f"{where}: bad preprocess/render settings ({err})") from None

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
    model.to(_resolve_device(device)).eval()

    card = None
    if cfg_file is not None and (folder / CARD_NAME).is_file():
        card = (folder / CARD_NAME).read_text(encoding="utf-8", errors="replace")
    elif cfg_file is None:
        card = _safetensors_metadata(weights).get(CARD_KEY)
    return LoadedModel(
        model=model, model_type=model_type, task=task, labels=list(labels), schema=schema,
        preprocess=preprocess, render=render, thresholds=[float(t) for t in thresholds],
        provenance=dict(doc.get("provenance") or {}), metrics=dict(doc.get("metrics") or {}),
        name=str(doc.get("name") or (folder.name if cfg_file else weights.stem)),
        path=folder if cfg_file is not None else weights, extra=dict(doc.get("extra") or {}),
        model_card=card, model_config=cfg, calibration=calibration)
