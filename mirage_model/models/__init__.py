"""Model zoo: MIRAGE, the in-harness baselines and ensembles of them, built by name from a config.

Every model takes ``forward(signal, image, clinical, clinical_mask, need_weights=False)`` and
returns a ``MirageOutput`` so that training, evaluation and inference treat them alike.

Files: config.py (``MirageConfig``, ``PRESETS``), mirage.py (the model), graph_encoder.py, vit.py,
fusion.py, film.py, blocks.py (its parts), baselines.py, ensemble.py, zoo.py (single models by name).
"""

from __future__ import annotations

from dataclasses import asdict

from torch import nn

from mirage_model.models.ensemble import Ensemble, EnsembleConfig
from mirage_model.models.zoo import SINGLE_MODELS, build, reads_image

__all__ = ["MODELS", "MODEL_TYPES", "build_model", "config_class", "config_dict", "reads_image"]

# model_type -> (model class, config dataclass)
MODELS: dict[str, tuple[type, type]] = {**SINGLE_MODELS, "ensemble": (Ensemble, EnsembleConfig)}
MODEL_TYPES = tuple(MODELS)


def config_class(model_type: str) -> type:
    """The config dataclass of ``model_type``."""
    if model_type not in MODELS:
        raise ValueError(f"unknown model type {model_type!r}; known: {', '.join(MODELS)}")
    return MODELS[model_type][1]


def build_model(model_type: str, config: dict | object) -> nn.Module:
    """Build ``model_type`` from a config dataclass or its dict (unknown keys are an error)."""
    return build(model_type, config, MODELS)


def config_dict(model: nn.Module) -> dict:
    """The model's config as a dict (what a checkpoint stores)."""
    return asdict(model.config)
