"""Noise-averaged scoring: each window scored on copies carrying a fixed, known noise, and averaged.

A model's calls on a record near a decision threshold can turn on a few hundredths of a millivolt
of muscle noise: the clean recording and the same recording with noise are two different inputs,
and the model's answer is a sharp function of its input there. Averaging the model over a cloud
of noisy copies of each input (randomized smoothing, Cohen, Rosenfeld & Kolter, ICML 2019) makes
the averaged answer a smooth function of the input: noise that is small beside the cloud's moves
it little. The copies here:

* start from the window the model reads, the filtered, resampled trace in mV at ``target_fs``
  (``preprocess.ModelInputs.mv``);
* add to each lead Gaussian noise passed through the model's own low-pass
  (``preprocess.model_lowpass``), scaled to ``sd_mv`` RMS per lead and copy, so it lies in the band
  the model reads, as muscle noise of a real recording does after preprocessing;
* are normalised per lead as every model input is (``preprocess.instance_normalise``); samples
  that were missing or padding (0 in the normalised signal) get no noise and stay 0, and a flat
  lead stays flat;
* keep the window's image: the rendering moves the image branch's answer ten times less than the
  signal branch's (docs/models.md, *Recording faults*).

The noise is drawn once from ``seed`` and is the same for every record and window: a record
scores the same each time it is opened, and a clean and a noisy copy of one recording are compared
under the same cloud. The checkpoint stores the setting (``config.json`` key ``noise_average``);
its calibration and thresholds are fitted with the averaging on (``mirage calibrate
--noise-average``), and ``Predictor``, ``mirage evaluate`` and ``mirage calibrate`` apply it. The
explanation (attention, saliency) is computed on the window itself, not on the copies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mirage_model.preprocess import PreprocessConfig, instance_normalise, model_lowpass

MAX_COPIES = 64


class AveragingError(ValueError):
    """A noise-average setting that cannot be used; ``str(err)`` says what is wrong."""


@dataclass(frozen=True)
class NoiseAverage:
    """How a checkpoint averages its scores over noisy copies of each window.

    Attributes:
        copies: copies scored per window (0: off, the window is scored once).
        sd_mv: RMS of the added noise per lead and copy (mV), inside the model's band.
        seed: seed of the noise bank (the same noise for every record).
    """

    copies: int = 0
    sd_mv: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.copies, bool) or not isinstance(self.copies, int) or not 0 <= self.copies <= MAX_COPIES:
            raise AveragingError(f"noise average: copies must be a whole number from 0 to {MAX_COPIES}, "
                                 f"got {self.copies!r}")
        if (isinstance(self.sd_mv, bool) or not isinstance(self.sd_mv, (int, float))
                or not math.isfinite(self.sd_mv) or not 0 <= self.sd_mv <= 1.0):
            raise AveragingError(f"noise average: sd_mv must be a number from 0 to 1 mV, got {self.sd_mv!r}")
        if self.copies and self.sd_mv <= 0:
            raise AveragingError(f"noise average: {self.copies} copies need a noise sd_mv above 0")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2 ** 63:
            raise AveragingError(f"noise average: seed must be a non-negative whole number, got {self.seed!r}")

    @property
    def on(self) -> bool:
        return self.copies > 0

    def to_dict(self) -> dict:
        return {"copies": self.copies, "sd_mv": float(self.sd_mv), "seed": self.seed}

    @classmethod
    def from_dict(cls, doc) -> "NoiseAverage":
        """Rebuild from ``to_dict`` output.

        Raises:
            AveragingError: not an object, unknown keys or bad values.
        """
        if not isinstance(doc, dict):
            raise AveragingError(f"noise average must be a JSON object, got {type(doc).__name__}")
        unknown = set(doc) - {"copies", "sd_mv", "seed"}
        if unknown:
            raise AveragingError(f"noise average: unknown keys {sorted(unknown)}")
        return cls(**doc)

    def describe(self) -> str:
        """A few words for model cards and the app, e.g. "mean of 8 copies with 0.05 mV noise"."""
        return (f"mean of {self.copies} copies with {self.sd_mv:g} mV in-band noise (seed {self.seed})"
                if self.on else "off")


@lru_cache(maxsize=8)
def _bank(copies: int, sd_mv: float, seed: int, n_leads: int, n_samples: int, cfg: PreprocessConfig) -> np.ndarray:
    band = inband_noise((copies, n_leads, n_samples), sd_mv, np.random.default_rng(seed), cfg).astype(np.float32)
    band.flags.writeable = False
    return band


def noise_bank(avg: NoiseAverage, n_leads: int, n_samples: int, cfg: PreprocessConfig) -> np.ndarray:
    """The fixed noise of ``avg``: float32 (copies, n_leads, n_samples) mV, each row RMS ``sd_mv``,
    band-limited by ``cfg``'s model low-pass. The same arrays on every call (read-only, cached)."""
    if not avg.on:
        raise AveragingError("noise average is off: no noise bank")
    return _bank(avg.copies, float(avg.sd_mv), avg.seed, int(n_leads), int(n_samples), cfg)


def inband_noise(shape: tuple, sd_mv: float, rng: np.random.Generator, cfg: PreprocessConfig) -> np.ndarray:
    """Fresh Gaussian noise as the bank's, for training: (..., T) white, through ``cfg``'s model
    low-pass, each row scaled to RMS ``sd_mv``. float64 (shape)."""
    band = model_lowpass(rng.standard_normal(shape), cfg)          # filters along the last axis
    return band * (sd_mv / np.sqrt((band ** 2).mean(axis=-1, keepdims=True)))


def add_fresh_noise(signal: np.ndarray, mv: np.ndarray, sd_mv: float, rng: np.random.Generator,
                    cfg: PreprocessConfig) -> np.ndarray:
    """``add_noise`` with a fresh ``inband_noise`` draw of ``sd_mv`` (training under the averaging's
    noise, ``mirage train --smooth-noise``). (..., L, T) each -> float32 (..., L, T)."""
    return add_noise(signal, mv, inband_noise(np.shape(mv), sd_mv, rng, cfg), cfg)


def add_noise(signal: np.ndarray, mv: np.ndarray, noise: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    """``mv + noise`` normalised as the model's input, where ``signal`` (the same windows normalised)
    has a sample: missing and padded samples (0 there) stay 0, a flat lead stays flat.
    (..., L, T) each -> float32 (..., L, T)."""
    noisy = np.where(np.asarray(signal) != 0, np.asarray(mv, dtype=np.float64) + noise, np.nan)
    shape = noisy.shape
    return instance_normalise(noisy.reshape(-1, *shape[-2:]), cfg.eps).reshape(shape)


def noisy_copies(signal: np.ndarray, mv: np.ndarray, avg: NoiseAverage, cfg: PreprocessConfig) -> np.ndarray:
    """The normalised copies the model scores for each window.

    Args:
        signal: (B, L, T) the windows as normalised for the model (0 at missing or padded samples).
        mv: (B, L, T) the same windows in mV (``ModelInputs.mv``; float16 from a training cache is fine).
        avg: the setting (on).
        cfg: the checkpoint's preprocessing (its model low-pass and ``eps``).

    Returns:
        float32 (B * copies, L, T): window b's copies at rows b * copies ... b * copies + copies - 1.
    """
    signal, mv = np.asarray(signal), np.asarray(mv)
    if signal.shape != mv.shape or signal.ndim != 3:
        raise AveragingError(f"signal {signal.shape} and mv {mv.shape} must be the same (B, L, T)")
    B, L, T = signal.shape
    bank = noise_bank(avg, L, T, cfg)                                  # (N, L, T)
    copies = add_noise(signal[:, None], mv[:, None], bank[None], cfg)  # broadcast to (B, N, L, T)
    return copies.reshape(B * avg.copies, L, T)


def average_copies(probs: np.ndarray, copies: int) -> np.ndarray:
    """(B * copies, K) probabilities of the copies -> (B, K), the mean over each window's copies."""
    probs = np.asarray(probs)
    if copies <= 1:
        return probs
    return probs.reshape(-1, copies, probs.shape[-1]).mean(axis=1)
