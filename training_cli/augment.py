"""Training-time augmentation of a batch of model inputs (``mirage train --augment``).

The cache holds one fixed window per record, so without augmentation the model sees the same
12 x 1000 samples and the same 224 px page every epoch, and the full-budget runs overfit after
about 10 epochs. Each record of a training batch now gets, independently:

- signal ``(B, L, T)`` (instance-normalised): a circular time shift by a random whole number of
  samples, the same for every lead (the leads stay simultaneous), plus white noise of standard
  deviation ``noise`` (in units of the lead's standard deviation);
- image ``(B, 1, S, S)`` (float in [0, 1], white paper = 1): a random translation of up to
  ``max_px`` pixels along each axis, the uncovered border filled with paper white.

The two views of one record are shifted independently; the InfoNCE loss still pairs them, as
two views of the same record. Validation, test and inference never see any of this. Draws come
from torch's global generator, which ``mirage train`` seeds and its resume state restores.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    max_shift: int = 0          # samples; 0: any shift in [0, T)
    noise: float = 0.05         # white-noise std on the normalised signal
    max_px: int = 6             # image translation, pixels per axis
    paper: float = 1.0          # fill value of the uncovered image border


def shift_signal(signal: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Circular shift of each record by its own number of samples.

    signal (B, L, T), shifts (B,) integers -> (B, L, T) with out[b, :, t] = signal[b, :, (t - shifts[b]) % T].
    """
    B, L, T = signal.shape
    t = torch.arange(T, device=signal.device)
    idx = (t[None, :] - shifts.to(signal.device)[:, None]) % T            # (B, T)
    return torch.gather(signal, 2, idx[:, None, :].expand(B, L, T))


def translate_images(image: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor, fill: float = 1.0) -> torch.Tensor:
    """Move each image by (dx[b], dy[b]) pixels (right, down), filling the uncovered border.

    image (B, C, S, S'), dx and dy (B,) integers with |d| <= S -> (B, C, S, S'):
    out[b, :, y, x] = image[b, :, y - dy[b], x - dx[b]] where that pixel exists, else ``fill``.
    """
    B, C, H, W = image.shape
    m = int(max(dx.abs().max().item(), dy.abs().max().item(), 0)) if B else 0
    if m == 0:
        return image.clone()
    padded = F.pad(image, (m, m, m, m), value=fill)
    out = torch.empty_like(image)
    for b in range(B):
        y0, x0 = m - int(dy[b]), m - int(dx[b])
        out[b] = padded[b, :, y0:y0 + H, x0:x0 + W]
    return out


def augment_batch(signal: torch.Tensor, image: torch.Tensor | None, cfg: AugmentConfig = AugmentConfig()):
    """Augment one training batch (see the module docstring) -> (signal, image)."""
    B, _, T = signal.shape
    span = T if cfg.max_shift <= 0 else min(2 * cfg.max_shift + 1, T)
    shifts = torch.randint(0, span, (B,)) - (0 if cfg.max_shift <= 0 else min(cfg.max_shift, T // 2))
    signal = shift_signal(signal, shifts)
    if cfg.noise > 0:
        signal = signal + cfg.noise * torch.randn(signal.shape).to(signal.device, signal.dtype)
    if image is not None and cfg.max_px > 0:
        d = torch.randint(-cfg.max_px, cfg.max_px + 1, (2, B))
        image = translate_images(image, d[0], d[1], cfg.paper)
    return signal, image
