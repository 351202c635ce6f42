"""Run set-up shared by the commands: seeds, the compute device, mixed precision."""

from __future__ import annotations

import random

import numpy as np
import torch

from training_cli.engine.errors import ConfigError


def set_seed(seed: int) -> None:
    """Seed python, numpy and torch (CPU and CUDA) in one place."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def resolve_device(name: str = "auto"):
    """"auto" -> cuda when present else cpu; "cuda:1", "cpu", "mps" pass through (checked)."""
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: CUDA is not available on this machine")
    return dev


def amp_settings(device, mode: str):
    """-> (enabled, dtype, use_grad_scaler)."""
    if device.type != "cuda" or mode == "off":
        return False, torch.float32, False
    if mode == "bf16" or (mode == "auto" and torch.cuda.is_bf16_supported()):
        return True, torch.bfloat16, False
    return True, torch.float16, True
