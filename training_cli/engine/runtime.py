"""Run set-up shared by the commands: seeds, the compute device, mixed precision."""

from __future__ import annotations

import random

import numpy as np
import torch

from mirage_model import runtime
from training_cli.engine.errors import ConfigError


def set_seed(seed: int) -> None:
    """Seed python, numpy and torch (CPU and CUDA) in one place."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def resolve_device(name: str = "auto") -> torch.device:
    """``--device``: "auto" (a GPU when present, else the CPU), "cpu", "cuda", "cuda:N" or "mps",
    resolved by the library's one owner (``mirage_model.runtime.resolve_device``).

    Raises:
        ConfigError: an unknown device or one this machine does not have (the message says which).
    """
    try:
        return runtime.resolve_device(name)
    except runtime.DeviceError as err:
        raise ConfigError(f"error: --{err}") from None      # "--device 'gpu': unknown device; ..."


def amp_settings(device, mode: str):
    """-> (enabled, dtype, use_grad_scaler)."""
    if device.type != "cuda" or mode == "off":
        return False, torch.float32, False
    if mode == "bf16" or (mode == "auto" and torch.cuda.is_bf16_supported()):
        return True, torch.bfloat16, False
    return True, torch.float16, True
