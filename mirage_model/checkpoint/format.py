"""The checkpoint format's names and version, its error and what loading returns (``LoadedModel``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:     # torch is imported where a model is built or loaded, not to read a config
    from torch import nn

from mirage_model.errors import MirageInputError

FORMAT_VERSION = 1
WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
CARD_NAME = "MODEL_CARD.md"
METADATA_KEY = "mirage_config"       # single-file form: the config JSON in the safetensors metadata
CARD_KEY = "model_card"
REQUIRED_KEYS = ("format_version", "model_type", "model_config", "task", "labels", "clinical",
                 "preprocess", "render", "thresholds")


class CheckpointError(MirageInputError):
    """Corrupt, truncated, missing or mismatched checkpoint; message names the file and the problem."""


def trained_on_ptbxl(provenance: dict | None) -> bool | None:
    """Whether a checkpoint's provenance is a PTB-XL run's: its ``data_kind`` (``mirage train`` records it), else,
    for a checkpoint older than that field, its PTB-XL fold splits or its data spec (``ptbxl:``; ``folder:`` or
    ``challenge:``: False). None where it names no kind of data (saved without a provenance, or by hand)."""
    prov = provenance or {}
    if prov.get("data_kind"):
        return prov["data_kind"] == "ptbxl"
    data = str(prov.get("data", ""))
    if str(prov.get("splits", "")).startswith("PTB-XL strat_fold") or data.startswith("ptbxl:"):
        return True
    return False if data.startswith(("folder:", "challenge:")) else None


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
    measured_stack: object = None     # stacking.MeasuredStack applied after calibration, or None
    noise_average: object = None      # averaging.NoiseAverage: scores averaged over noisy copies, or None
    noise_spread: object = None       # noise_spread.NoiseSpread: its logits' spread under noise, or None
    label_descriptions: dict = field(default_factory=dict)   # label -> its training data's words ({}: none recorded)
