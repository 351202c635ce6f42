"""The single models by name, and building one from its config (a dataclass or its dict).

An ensemble's members are single models (ensemble.py builds them from here), and the package's
``build_model`` adds the ensemble to this table: the dependence runs one way, single models ->
ensemble -> ``mirage_model.models``.
"""

from __future__ import annotations

from dataclasses import fields

from torch import nn

from mirage_model.models.baselines import PatchTST, PatchTSTConfig, ResNet1dConfig, ResNet1dWang
from mirage_model.models.config import MirageConfig
from mirage_model.models.mirage import Mirage

# model_type -> (model class, config dataclass); every model is built as ``cls(config)``
SINGLE_MODELS: dict[str, tuple[type, type]] = {
    "mirage": (Mirage, MirageConfig),
    "resnet1d_wang": (ResNet1dWang, ResNet1dConfig),
    "patchtst": (PatchTST, PatchTSTConfig),
}


def build(model_type: str, config, table: dict[str, tuple[type, type]] = SINGLE_MODELS) -> nn.Module:
    """Build ``model_type`` of ``table`` from a config dataclass or its dict (unknown keys are an error)."""
    if model_type not in table:
        raise ValueError(f"unknown model type {model_type!r}; known: {', '.join(table)}")
    model_cls, cfg_cls = table[model_type]
    if not isinstance(config, cfg_cls):
        known = {f.name for f in fields(cfg_cls)}
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"{model_type} config has unknown fields: {sorted(unknown)}")
        config = cfg_cls(**config)
    return model_cls(config)


def reads_image(model_type: str, config) -> bool:
    """Whether a model of this type and config (dataclass or dict) reads the rendered image.

    An ensemble (its config lists ``{"model_type", "config"}`` members) reads it when any member does.
    """
    if model_type == "ensemble":
        members = config["members"] if isinstance(config, dict) else config.members
        return any(reads_image(m["model_type"], m["config"]) for m in members)
    use = config.get("use_image", True) if isinstance(config, dict) else getattr(config, "use_image", True)
    return model_type == "mirage" and bool(use)
