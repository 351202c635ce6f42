"""Model zoo: MIRAGE and the in-harness baselines, built by name from a config dict.

Every model takes ``forward(signal, image, clinical, clinical_mask, need_weights=False)`` and
returns a ``MirageOutput`` so that training, evaluation and inference treat them alike.
"""

from __future__ import annotations

from dataclasses import asdict, fields

from torch import nn


def _registry():
    from mirage_model.models.mirage import Mirage, MirageConfig
    from mirage_model.models.baselines import PatchTST, PatchTSTConfig, ResNet1dWang, ResNet1dConfig
    from mirage_model.models.ensemble import Ensemble, EnsembleConfig

    return {
        "mirage": (Mirage, MirageConfig),
        "resnet1d_wang": (ResNet1dWang, ResNet1dConfig),
        "patchtst": (PatchTST, PatchTSTConfig),
        "ensemble": (Ensemble, EnsembleConfig),
    }


MODEL_TYPES = ("mirage", "resnet1d_wang", "patchtst", "ensemble")


def reads_image(model_type: str, config) -> bool:
    """Whether a model of this type and config (dataclass or dict) reads the rendered image."""
    if model_type == "ensemble":
        members = config["members"] if isinstance(config, dict) else config.members
        return any(reads_image(m["model_type"], m["config"]) for m in members)
    use = config.get("use_image", True) if isinstance(config, dict) else getattr(config, "use_image", True)
    return model_type == "mirage" and bool(use)


def config_class(model_type: str):
    reg = _registry()
    if model_type not in reg:
        raise ValueError(f"unknown model type {model_type!r}; known: {', '.join(reg)}")
    return reg[model_type][1]


def build_model(model_type: str, config: dict | object) -> nn.Module:
    """Build ``model_type`` from a config dataclass or its dict (unknown keys are an error)."""
    cfg_cls = config_class(model_type)
    model_cls = _registry()[model_type][0]
    if not isinstance(config, cfg_cls):
        known = {f.name for f in fields(cfg_cls)}
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"{model_type} config has unknown fields: {sorted(unknown)}")
        config = cfg_cls(**config)
    return model_cls(config)


def config_dict(model: nn.Module) -> dict:
    return asdict(model.config)
