"""Loading a checkpoint: validated config, the model built on torch's meta device first (its size
checked against ``limits.MAX_PARAMETERS``), then the weights, upcast to fp32."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import torch

from mirage_model.averaging import AveragingError, NoiseAverage
from mirage_model.calibration import Calibration, CalibrationError
from mirage_model.checkpoint.files import _read_tensors, _resolve, _safetensors_metadata, read_checkpoint_config
from mirage_model.checkpoint.format import (CARD_KEY, CARD_NAME, FORMAT_VERSION, REQUIRED_KEYS, CheckpointError,
                                            LoadedModel)
from mirage_model.checkpoint.validate import _check_inputs, _short, _validate_doc, label_descriptions
from mirage_model.clinical import ClinicalSchema
from mirage_model.limits import MAX_JSON_BYTES, MAX_PARAMETERS
from mirage_model.models import MODEL_TYPES, build_model
from mirage_model.noise_spread import NoiseSpread, NoiseSpreadError
from mirage_model.preprocess import PreprocessConfig
from mirage_model.render import RenderConfig
from mirage_model.runtime import resolve_device
from mirage_model.stacking import TREES_PREFIX, MeasuredStack, StackError


def load_checkpoint(path, device: str = "cpu") -> LoadedModel:
    """Load a folder (or its config.json / model.safetensors). fp16 weights are upcast to fp32.

    Also accepts a single ``.safetensors`` file with the config in its metadata. ``device``:
    "cpu", "cuda" or "auto" (``runtime.resolve_device``).

    Raises:
        CheckpointError: missing, corrupt, truncated or mismatched files, naming the file.
        runtime.DeviceError: a device this machine does not have.
    """
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

    descriptions = label_descriptions(doc.get("label_descriptions"), labels, where)
    calibration = None
    if doc.get("calibration") is not None:
        try:
            calibration = Calibration.from_dict(doc["calibration"], len(labels))
        except CalibrationError as err:
            raise CheckpointError(f"{where}: bad calibration ({err})") from None

    noise_average = None
    if doc.get("noise_average") is not None:
        try:
            noise_average = NoiseAverage.from_dict(doc["noise_average"])
        except AveragingError as err:
            raise CheckpointError(f"{where}: bad noise_average ({err})") from None
        noise_average = noise_average if noise_average.on else None

    noise_spread = None
    if doc.get("noise_spread") is not None:
        try:
            noise_spread = NoiseSpread.from_dict(doc["noise_spread"], labels)
        except NoiseSpreadError as err:
            raise CheckpointError(f"{where}: bad noise_spread ({err})") from None

    tensors = _read_tensors(weights)
    stage_tensors = {k: tensors.pop(k) for k in [k for k in tensors if k.startswith(TREES_PREFIX)]}
    measured_stack = None
    if doc.get("measured_stack") is not None:
        try:
            measured_stack = MeasuredStack.from_dict(doc["measured_stack"], labels, stage_tensors)
        except StackError as err:
            raise CheckpointError(f"{where}: bad measured_stack ({err})") from None
    elif stage_tensors:
        raise CheckpointError(f"{weights}: holds measured-stage trees but config has no measured_stack")
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
        model_card=card, model_config=cfg, calibration=calibration,
        measured_stack=measured_stack, noise_average=noise_average, noise_spread=noise_spread,
        label_descriptions=descriptions)
