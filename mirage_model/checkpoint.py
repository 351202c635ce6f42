"""One checkpoint format: a folder with model.safetensors + config.json (+ MODEL_CARD.md).

CONTRACT (owned by the model helper). config.json holds: format_version, model_type
("mirage" | "resnet1d_wang" | "patchtst"), model_config (asdict), task, labels, clinical schema
(to_dict), preprocess (asdict PreprocessConfig), render (asdict RenderConfig), thresholds (K,),
provenance {data, command, date, code_version, hardware, duration_s}, metrics {...}.
Loading never unpickles anything (safetensors + json only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from torch import nn


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


def save_checkpoint(path, model: nn.Module, *, model_type: str, task: str, labels, schema, preprocess,
                    render, thresholds=None, provenance=None, metrics=None, name: str = "",
                    half: bool = False, extra: dict | None = None) -> Path:
    """Write atomically (temp folder + os.replace). half=True stores fp16 weights. Returns the folder."""
    raise NotImplementedError


def load_checkpoint(path, device: str = "cpu") -> LoadedModel:
    """Load a folder (or its config.json / model.safetensors). fp16 weights are upcast to fp32."""
    raise NotImplementedError
