"""A learned single-lead delineator: a small 1D U-Net that labels every sample of a beat window
as background, P, QRS or T (Ronneberger et al. 2015; for ECG, Moskalenko et al., "Deep Learning
for ECG Segmentation", 2020, and Jimenez-Perez et al., Sci Rep 2021, both on LUDB).

Trained by ``scripts/train_delineator.py`` on LUDB records 1-50 only (cardiologists' per-lead
wave annotations), applied to each lead's median beat; the weights ship as
``resources/models/delineator/unet.safetensors`` with ``unet.json`` (config + training record).
torch is imported only when this module is.

Shapes: B windows, W = window samples at ``fs`` (500 Hz), 4 classes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from mirage_model.paths import resources_dir
from mirage_model.records.stamp import file_stamp

CLASSES = ("none", "p", "qrs", "t")


@dataclass(frozen=True)
class DelineatorConfig:
    """The U-Net's shape (a file's JSON rebuilds it)."""
    fs: float = 500.0               # sampling rate the net was trained at (Hz)
    pre_s: float = 0.45             # window starts this long before the beat's anchor
    post_s: float = 0.75            # ... and ends this long after it
    width: int = 8                  # channels of the first level (doubled per level)
    depth: int = 3                  # levels (each halves the time axis)
    kernel: int = 9                 # convolution kernel (samples)


class ConvBlock(nn.Module):
    """Two (conv, batch norm, ReLU) layers."""

    def __init__(self, c_in: int, c_out: int, k: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(c_in, c_out, k, padding=k // 2), nn.BatchNorm1d(c_out), nn.ReLU(inplace=True),
            nn.Conv1d(c_out, c_out, k, padding=k // 2), nn.BatchNorm1d(c_out), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class UNet1d(nn.Module):
    """(B, 1, W) normalised lead -> (B, 4, W) class logits. W is padded to a multiple of 2**depth."""

    def __init__(self, config: DelineatorConfig):
        super().__init__()
        self.config = config
        w, k = config.width, config.kernel
        chans = [w * 2 ** i for i in range(config.depth + 1)]
        self.down = nn.ModuleList([ConvBlock(1 if i == 0 else chans[i - 1], chans[i], k)
                                   for i in range(config.depth)])
        self.bottom = ConvBlock(chans[config.depth - 1], chans[config.depth], k)
        self.up = nn.ModuleList([nn.ConvTranspose1d(chans[i + 1], chans[i], 2, stride=2)
                                 for i in reversed(range(config.depth))])
        self.dec = nn.ModuleList([ConvBlock(2 * chans[i], chans[i], k) for i in reversed(range(config.depth))])
        self.head = nn.Conv1d(chans[0], len(CLASSES), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, _, W = x.shape
        m = 2 ** self.config.depth
        pad = (-W) % m
        x = nn.functional.pad(x, (0, pad), mode="replicate")
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = nn.functional.max_pool1d(x, 2)
        x = self.bottom(x)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), skip], dim=1))
        return self.head(x)[:, :, :W]                                      # (B, 4, W)


def normalise(x: np.ndarray) -> np.ndarray:
    """Per window: minus its median, divided by its largest absolute value. x: (B, W)."""
    x = x - np.median(x, axis=1, keepdims=True)
    return x / (np.abs(x).max(axis=1, keepdims=True) + 1e-6)


def default_path() -> Path:
    """resources/models/delineator/unet.safetensors (``paths.resources_dir``)."""
    return resources_dir() / "models" / "delineator" / "unet.safetensors"


def load(path: str | None = None) -> UNet1d:
    """The trained U-Net (eval mode) from a safetensors file and the JSON next to it.

    Read once while the two files are as they were (cached by the path, resolved at each call, and both files'
    ``records.stamp.file_stamp``): weights retrained into the same file are read again, not the old ones kept until
    the process ends.

    Raises:
        FileNotFoundError: the weights or their JSON are missing (names the file).
    """
    p = Path(path) if path else default_path()
    meta = p.with_suffix(".json")
    if not p.is_file() or not meta.is_file():
        raise FileNotFoundError(f"{p}: learned delineator weights (or {meta.name}) not found")
    return _read(str(p), file_stamp(p), file_stamp(meta))


@lru_cache(maxsize=2)
def _read(path: str, *stamps) -> UNet1d:
    """``load``'s U-Net of the files at ``path`` as their ``stamps`` say they are."""
    p = Path(path)
    meta = p.with_suffix(".json")
    cfg = DelineatorConfig(**json.loads(meta.read_text(encoding="utf-8"))["config"])
    net = UNet1d(cfg)
    net.load_state_dict(load_file(str(p)))
    return net.eval()


def save(net: UNet1d, path: Path, info: dict) -> None:
    """Weights as safetensors and ``{"config": ..., **info}`` as JSON beside them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in net.state_dict().items()}, str(path))
    path.with_suffix(".json").write_text(json.dumps({"config": asdict(net.config), **info}, indent=1),
                                         encoding="utf-8")


@torch.inference_mode()
def segment(net: UNet1d, x: np.ndarray) -> np.ndarray:
    """Class per sample for windows x (B, W) at the net's fs: (B, W) int in 0..3 (CLASSES)."""
    t = torch.from_numpy(normalise(np.asarray(x, dtype=np.float32))).unsqueeze(1)   # (B, 1, W)
    return net(t).argmax(dim=1).numpy()


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end] (inclusive) of each run of True in a 1-D mask."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1))


def boundaries(labels: np.ndarray, c: int, fs: float) -> dict[str, float]:
    """Wave boundaries of the beat anchored at c in one lead's labels (W,): the QRS run nearest to
    c, the last P run ending before it, the first T run starting after it. NaN where absent.

    Returns:
        {"p_on", "p_off", "qrs_on", "qrs_off", "t_off"}: sample indices (float).
    """
    nan = float("nan")
    out = dict.fromkeys(("p_on", "p_off", "qrs_on", "qrs_off", "t_off"), nan)
    min_len = int(0.02 * fs)
    qrs = [r for r in _runs(labels == 2) if r[1] - r[0] >= min_len]
    if not qrs:
        return out
    q = min(qrs, key=lambda r: 0 if r[0] <= c <= r[1] else min(abs(r[0] - c), abs(r[1] - c)))
    if min(abs(q[0] - c), abs(q[1] - c)) > int(0.1 * fs) and not q[0] <= c <= q[1]:
        return out
    out["qrs_on"], out["qrs_off"] = float(q[0]), float(q[1] + 1)
    ps = [r for r in _runs(labels == 1) if r[1] < q[0] and q[0] - r[1] < int(0.3 * fs) and r[1] - r[0] >= min_len]
    if ps:
        out["p_on"], out["p_off"] = float(ps[-1][0]), float(ps[-1][1] + 1)
    ts = [r for r in _runs(labels == 3) if r[0] > q[1] and r[1] - r[0] >= 2 * min_len]
    if ts:
        out["t_off"] = float(ts[0][1] + 1)
    return out
