"""Tiny random checkpoints for tests (inference, app, batch scoring, reports).

Each checkpoint is a real one: written by ``mirage_model.checkpoint.save_checkpoint`` from a
"tiny" preset model with fixed random weights, so loading it exercises the one checkpoint format.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch

from mirage_model.checkpoint import save_checkpoint
from mirage_model.clinical import ClinicalSchema, default_schema
from mirage_model.records import EcgRecord
from mirage_model.models import build_model, config_class
from mirage_model.models.config import preset_config
from mirage_model.preprocess import PreprocessConfig
from mirage_model.render import RenderConfig

TINY_LABELS = ("NORM", "MI", "STTC", "CD", "HYP")
TINY_CLINICAL = ("age", "sex", "height", "weight")


def make_tiny_checkpoint(path, labels=TINY_LABELS, clinical=TINY_CLINICAL, *, task: str = "multilabel",
                         model_type: str = "mirage", seed: int = 0, thresholds=None,
                         preset: str = "tiny", name: str | None = None, preprocess: PreprocessConfig | None = None,
                         **config_overrides) -> Path:
    """Build a randomly initialised model and save it as a checkpoint folder.

    Args:
        path: folder to write (created; replaced if it exists).
        labels: class names (K = len(labels)).
        clinical: clinical feature names from ``default_schema`` (C = len(clinical); may be empty).
        task: "multilabel" (sigmoid) or "multiclass" (softmax).
        model_type: "mirage" (the ``preset`` config) or a baseline ("resnet1d_wang", "patchtst").
        seed: torch seed for the random weights (same seed -> identical checkpoint).
        thresholds: (K,) decision thresholds; default 0.5 each.
        preset: MIRAGE preset name ("tiny" by default).
        name: the model's name (default ``tiny-random-<model_type>-<task>``).
        preprocess: its preprocessing settings (default ``PreprocessConfig()``).
        **config_overrides: extra model-config fields (e.g. ``use_image=False``).

    Returns:
        The checkpoint folder.
    """
    labels = list(labels)
    clinical = list(clinical)
    fields = {"num_classes": len(labels), "task": task, "n_clinical": len(clinical), **config_overrides}
    if model_type == "mirage":
        config = preset_config(preset, **fields)
    else:
        known = {f.name for f in dataclasses.fields(config_class(model_type))}
        config = {k: v for k, v in fields.items() if k in known}
    torch.manual_seed(seed)
    model = build_model(model_type, config).eval()
    schema = default_schema(clinical) if clinical else ClinicalSchema([])
    return save_checkpoint(
        Path(path), model, model_type=model_type, task=task, labels=labels, schema=schema,
        preprocess=preprocess or PreprocessConfig(), render=RenderConfig(),
        thresholds=list(thresholds) if thresholds is not None else [0.5] * len(labels),
        provenance={"data": "none (random weights, tests only)", "command": "tests/helpers_models.py"},
        name=name or f"tiny-random-{model_type}-{task}",
    )


def synthetic_record(duration_s: float = 10.0, fs: float = 500.0, seed: int = 0, record_id: str = "synthetic"):
    """A plausible 12-lead EcgRecord (mV): a 72 bpm train of Gaussian P-QRS-T waves, lead-specific
    gains, slight baseline wander and noise. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration_s * fs))) / fs
    phase = t % (60.0 / 72.0)
    wave = (0.15 * np.exp(-((phase - 0.10) / 0.025) ** 2)          # P
            + 1.0 * np.exp(-((phase - 0.25) / 0.012) ** 2)         # R
            - 0.2 * np.exp(-((phase - 0.28) / 0.012) ** 2)         # S
            + 0.3 * np.exp(-((phase - 0.50) / 0.050) ** 2))        # T
    gains = rng.uniform(-1.2, 1.5, size=12)
    signal = (gains[:, None] * wave[None] + 0.05 * np.sin(2 * np.pi * 0.25 * t)[None]
              + 0.01 * rng.standard_normal((12, t.size)))
    return EcgRecord(signal=signal.astype(np.float32), fs=float(fs), record_id=record_id)
