"""Signal helpers of the delineation: band-pass, Gaussian smoothing, threshold walks, knees.

Gaussian kernels are used for smoothing and derivatives because they do not ring, so a wave's
end is not followed by filter ripples.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal as sps
from scipy.ndimage import gaussian_filter1d


@lru_cache(maxsize=32)
def butter_bandpass(lo: float, hi: float, fs: float) -> np.ndarray:
    """Second-order Butterworth band-pass sections, (2, 6). Cached (a design costs ~1 ms): do not modify."""
    sos = sps.butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos")
    return sos


def bandpass(x: np.ndarray, fs: float, band: tuple[float, float]) -> np.ndarray:
    """Zero-phase Butterworth band-pass along the last axis. x: (L, T)."""
    hi = min(band[1], 0.4 * fs)
    sos = butter_bandpass(float(band[0]), float(hi), float(fs))
    padlen = min(x.shape[-1] - 1, int(3 * fs))
    return sps.sosfiltfilt(sos, x, axis=-1, padlen=padlen)


def smooth(x: np.ndarray, fs: float, hz: float, order: int = 0) -> np.ndarray:
    """Gaussian smoothing along the last axis with its -3 dB point at ``hz`` (order=1: its derivative, /s).

    A Gaussian kernel does not ring, so a wave's end is not followed by filter ripples.
    """
    sigma = 0.1325 / hz * fs                    # sigma * f_3dB = sqrt(ln 2) / (2 pi)... = 0.1325
    y = gaussian_filter1d(x, sigma, axis=-1, order=order, mode="nearest")
    return y * fs if order == 1 else y


def hold_below(mask_below: np.ndarray, n_hold: int) -> np.ndarray:
    """True where ``mask_below`` holds for n_hold consecutive samples starting at that index."""
    if n_hold <= 1:
        return mask_below
    c = np.convolve(mask_below.astype(np.int32), np.ones(n_hold, dtype=np.int32), mode="full")
    # c[k + n_hold - 1] counts mask[k .. k + n_hold - 1]
    out = np.zeros_like(mask_below)
    out[: len(mask_below) - n_hold + 1] = c[n_hold - 1: len(mask_below)] == n_hold
    return out


def walk_out(sv: np.ndarray, lo: int, hi: int, start: int, thr: float, n_hold: int,
              backwards: bool) -> int | None:
    """From ``start`` walk back (or forward) to the first sample where sv < thr holds.

    Backwards: returns the onset k (the last sample of the quiet run just before the wave).
    Forwards: returns the offset k (the first quiet sample after the wave). None if the search
    window [lo, hi) ends first.
    """
    below = hold_below(sv < thr, n_hold)
    if backwards:
        # quiet run of n_hold samples ending at k: below[k - n_hold + 1]
        for k in range(start, lo + n_hold - 2, -1):
            if below[k - n_hold + 1]:
                return k
        return None
    for k in range(start, hi - n_hold + 1):
        if below[k]:
            return k
    return None


def knee(sv: np.ndarray, a: int, b: int) -> int | None:
    """Knee of log(sv) on [a, b]: the sample farthest below the chord from a to b.

    Where a wave starts (ends), the log velocity turns from the isoelectric level to the steep
    rise (from the steep fall to the level after it); the chord's deepest point is that turn.
    """
    if b - a < 3:
        return None
    y = np.log10(np.maximum(sv[a:b + 1], 1e-9))
    y = np.convolve(np.pad(y, 1, mode="edge"), np.ones(3) / 3.0, mode="valid")
    chord = y[0] + (y[-1] - y[0]) * np.arange(len(y)) / (len(y) - 1)
    return a + int(np.argmax(chord - y))


def trapezium_end(y: np.ndarray, tm: int, tr: int) -> int:
    """Trapezium-area wave end: argmax over t in [tm, tr] of 0.5 (y[tm] - y[t]) (2 tr - t - tm)."""
    t = np.arange(tm, tr + 1)
    area = 0.5 * (y[tm] - y[tm: tr + 1]) * (2 * tr - t - tm)
    return int(tm + np.argmax(area))

