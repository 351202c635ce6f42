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

import numpy as np
import torch
import torch.nn.functional as F

from mirage_model.averaging import add_fresh_noise
from mirage_model.preprocess import (PreprocessConfig, design_filter, instance_normalise, model_lowpass, wavelet_denoise,
                                     zero_phase)
from mirage_model.render import RenderConfig, render_ecg


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


# --------------------------------------------------------------------------- recording faults (--noise)

@dataclass(frozen=True)
class NoiseConfig:
    """The recording faults ``mirage train --noise`` adds to a training record, each with its own chance.

    Amplitudes are in mV at the model's rate (100 Hz), added to the cached filtered window; the
    additive faults pass through the same high-pass and model low-pass as real signals do (the
    filters are linear, so filtering the fault alone and adding it equals filtering the sum). The
    wavelet shrinkage, when the preprocessing has it, is not linear: it is applied again to every
    faulty window, sum and gain included.
    """
    p_wander: float = 0.5          # baseline wander: 1-3 sinusoids of 0.05-0.6 Hz, up to wander_mv
    wander_mv: float = 0.8
    p_muscle: float = 0.4          # muscle-like noise: white, per lead, std up to muscle_mv
    muscle_mv: float = 0.1
    p_motion: float = 0.2          # electrode motion: a decaying step on 1-3 leads, up to motion_mv
    motion_mv: float = 1.0
    p_mains_residue: float = 0.1   # what escapes a mains filter: 40-50 Hz tone up to residue_mv
    residue_mv: float = 0.03
    p_gain: float = 0.5            # amplitude: record gain in [1/gain, gain], each lead x [1 - lead_gain, 1 + lead_gain]
    gain: float = 1.25
    lead_gain: float = 0.1
    p_flat: float = 0.15           # 1-2 leads missing (flat, 0 mV)


def batch_faults(mv: np.ndarray, fs: float, rng: np.random.Generator, cfg: NoiseConfig = NoiseConfig(),
                 preprocess_cfg=None, preserving: list | None = None) -> np.ndarray:
    """Windows with random recording faults, each record drawn independently: (B, L, T) mV -> (B, L, T) mV float64.

    ``preprocess_cfg`` (default ``PreprocessConfig()``) gives the high-pass corner and model
    low-pass the additive faults are filtered with, as the real path filters a recording.
    ``preserving``, when a list, receives a bool (B,) array: True for the records whose faults
    leave the reading unchanged (only additive ones: wander, muscle noise, motion, mains residue,
    or none), False for those with a gain change (voltage criteria read amplitude) or a lead
    missing (what the quality gate withholds).
    """
    pcfg = preprocess_cfg or PreprocessConfig()
    B, L, T = mv.shape
    t = np.arange(T) / fs
    out = np.asarray(mv, dtype=np.float64).copy()
    add = np.zeros((B, L, T))
    gain = np.ones((B, L, 1))
    kept = np.ones(B, dtype=bool)
    for b in range(B):
        if rng.random() < cfg.p_wander:
            for _ in range(int(rng.integers(1, 4))):
                f = rng.uniform(0.05, 0.6)
                amp = rng.uniform(0.0, cfg.wander_mv) * rng.uniform(0.3, 1.0, size=(L, 1))
                add[b] += amp * np.sin(2 * np.pi * f * t[None, :] + rng.uniform(0, 2 * np.pi, size=(L, 1)))
        if rng.random() < cfg.p_muscle:
            add[b] += rng.uniform(0.0, cfg.muscle_mv) * rng.uniform(0.3, 1.0, size=(L, 1)) * rng.standard_normal((L, T))
        if rng.random() < cfg.p_motion:
            for lead in rng.choice(L, size=int(rng.integers(1, 4)), replace=False):
                t0, tau = rng.uniform(0, T / fs), rng.uniform(0.1, 1.0)
                add[b, lead] += rng.uniform(-cfg.motion_mv, cfg.motion_mv) * np.where(t >= t0, np.exp(-(t - t0) / tau), 0.0)
        if rng.random() < cfg.p_mains_residue:
            f = rng.uniform(40.0, min(50.0, fs / 2))
            add[b] += rng.uniform(0.0, cfg.residue_mv) * np.sin(2 * np.pi * f * t[None, :] + rng.uniform(0, 2 * np.pi, (L, 1)))
        if rng.random() < cfg.p_gain:
            kept[b] = False
            gain[b] = np.exp(rng.uniform(-np.log(cfg.gain), np.log(cfg.gain))) * rng.uniform(
                1 - cfg.lead_gain, 1 + cfg.lead_gain, size=(L, 1))
        if rng.random() < cfg.p_flat:
            kept[b] = False
            gain[b, rng.choice(L, size=int(rng.integers(1, 3)), replace=False)] = 0.0
    hit = np.flatnonzero(np.abs(add).reshape(B, -1).max(axis=1) > 0)
    if len(hit):                                   # one filter pass over all faulty records' leads
        hp, _ = design_filter(float(fs), pcfg.low_hz, pcfg.high_hz, pcfg.order)
        flat = add[hit].reshape(-1, T)
        out[hit] += model_lowpass(zero_phase(hp, flat, fs, pcfg.pad_s), pcfg).reshape(len(hit), L, T)
    if preserving is not None:
        preserving.append(kept)
    out *= gain
    if pcfg.denoise_k > 0:                         # nonlinear: the real path shrinks the faulty recording itself
        for b in np.union1d(hit, np.flatnonzero(~kept)):   # additive faults, gain changes, missing leads
            out[b] = wavelet_denoise(out[b], pcfg)
    return out


def noisy_inputs(mv: np.ndarray, rng: np.random.Generator, preprocess_cfg=None, render_cfg=None,
                 cfg: NoiseConfig = NoiseConfig(), preserving: list | None = None,
                 smooth_mv: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Faults on a batch of cached windows, then the model's own normalisation and renderer.

    Args:
        mv: (B, L, T) mV at ``preprocess_cfg.target_fs`` (the cache's ``mv``).
        preserving: as in ``batch_faults``.
        smooth_mv: in-band noise (mV RMS, ``averaging.add_fresh_noise``) added to the signal only, after
            the image is rendered, as noise-averaged scoring adds it (0: none).

    Returns:
        (signal (B, L, T) float32 instance-normalised, image (B, S, S) uint8), as ``model_inputs``
        would give for a recording carrying those faults.
    """
    pcfg = preprocess_cfg or PreprocessConfig()
    rcfg = render_cfg or RenderConfig()
    fs = float(pcfg.target_fs)
    faulty = batch_faults(np.asarray(mv, dtype=np.float64), fs, rng, cfg, pcfg, preserving)
    signal = instance_normalise(faulty, pcfg.eps)
    image = np.stack([render_ecg(m.astype(np.float32), fs, rcfg).image for m in faulty])
    if smooth_mv > 0:
        signal = add_fresh_noise(signal, faulty, smooth_mv, rng, pcfg)
    return signal, image


def muscle_noise_inputs(mv: np.ndarray, rng: np.random.Generator, preprocess_cfg=None, render_cfg=None,
                        cfg: NoiseConfig = NoiseConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Every window with muscle-like noise only (white, per lead, std uniform up to ``cfg.muscle_mv``
    x 0.3-1 per lead, filtered as the recipe's), normalised and rendered: the copy the stability loss
    of ``--consistency-faults noise`` compares with the clean record. (B, L, T) mV -> as ``noisy_inputs``."""
    only = NoiseConfig(p_wander=0.0, p_muscle=1.0, muscle_mv=cfg.muscle_mv, p_motion=0.0, p_mains_residue=0.0,
                       p_gain=0.0, p_flat=0.0)
    return noisy_inputs(mv, rng, preprocess_cfg, render_cfg, only)


def consistency_loss(logits: torch.Tensor, target_logits: torch.Tensor, task_type: str = "multilabel",
                     mask: torch.Tensor | None = None) -> torch.Tensor:
    """Stability loss (Zheng et al. 2016, "Improving the robustness of deep neural networks via
    stability training"): the mean KL divergence from the prediction on the clean record
    (``target_logits``, no gradient) to the prediction on its faulty copy (``logits``).

    logits, target_logits (B, K), mask bool (B,) or None (all records) -> scalar >= 0: the mean
    over the records ``mask`` keeps (0 when it keeps none), zero when the predictions agree.
    Multilabel: the binary KL of each class's sigmoid, averaged over classes; multiclass: the KL of
    the softmax.
    """
    target_logits = target_logits.detach()
    if task_type == "multiclass":
        p = F.log_softmax(target_logits, dim=-1)
        per_record = F.kl_div(F.log_softmax(logits, dim=-1), p, log_target=True, reduction="none").sum(-1)
    else:
        p = torch.sigmoid(target_logits)
        entropy = F.binary_cross_entropy_with_logits(target_logits, p, reduction="none")
        per_record = (F.binary_cross_entropy_with_logits(logits, p, reduction="none") - entropy).mean(-1)
    if mask is None:
        return per_record.mean()
    w = mask.to(per_record.dtype)
    return (per_record * w).sum() / w.sum().clamp_min(1.0)
