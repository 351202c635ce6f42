"""The record's signal as the check reads it: each lead's missing samples 0 and its median taken off
(``_zeroed``); at 100 Hz, 0.5 Hz high-passed, with its R peaks and median beats (``_beats``); and the heart rate
read of those beats (``detected_rate_bpm``). Every rule of ``assess`` reads these, and ``measure`` compares its
rate with the check's."""

from __future__ import annotations

import numpy as np
from scipy.signal import sosfiltfilt

from mirage_model.quality.findings import QualityConfig
from mirage_model.quality.indices import _resample_to, _sos, detect_beats, median_beats
from mirage_model.records import FLAT_PTP_MV


def _zeroed(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(L, T) mV with NaN for missing samples -> the signal with those samples 0 and each lead's median
    removed (L, T), each lead's share of missing samples (L,), its robust peak-to-peak in mV (L,: 0.5th
    to 99.5th percentile), the leads missing or flat (L,) bool, and the medians removed (L, 1) mV."""
    L, T = sig.shape
    nan = np.isnan(sig)
    nan_share = nan.mean(axis=1) if T else np.ones(L)
    x = np.where(nan, 0.0, sig)
    centre = np.median(x, axis=1, keepdims=True)
    x = x - centre
    ptp = (np.percentile(x, 99.5, axis=1) - np.percentile(x, 0.5, axis=1)) if T else np.zeros(L)
    return x, nan_share, ptp, (nan_share > 0.5) | (ptp < FLAT_PTP_MV), centre


def _beats(x: np.ndarray, fs: float, usable: np.ndarray, cfg: QualityConfig):
    """(L, T) mV at fs -> raw 100 Hz signal (L, T100), the same 0.5 Hz high-passed, R peaks (N,) at 100 Hz,
    beats (N, L, S) and median beats (L, S) of the 0.5 Hz high-passed 100 Hz signal."""
    raw100 = _resample_to(x, fs, 100.0)
    x100 = sosfiltfilt(_sos("high", 0.5, 0.0, 100.0), raw100, axis=-1)
    beats = detect_beats(x100, usable)
    segs, med = median_beats(x100, beats, cfg.beat_window_s)
    return raw100, x100, beats, segs, med


def rhythm_rr_s(beats: np.ndarray, cfg: QualityConfig) -> np.ndarray:
    """The RR intervals (N - 1,) in seconds between R peaks ``beats`` (N,) at 100 Hz, or none (0,) where they
    are no rhythm: fewer beats than their median RR gives over the time they span
    (``cfg.rate_support_min``; clustered peaks of one wide complex, whose median is no heart rate)."""
    rr = np.diff(np.asarray(beats, dtype=np.float64)) / 100.0
    if rr.size and rr.size * np.median(rr) < cfg.rate_support_min * float(rr.sum()):
        return np.zeros(0)
    return rr


def median_rate_bpm(rr_s: np.ndarray) -> float | None:
    """Heart rate (bpm) from the median of RR intervals (n,) in seconds; None when there are none."""
    rr = np.asarray(rr_s, dtype=np.float64)
    return float(60.0 / np.median(rr)) if rr.size else None


def detected_rr_s(signal: np.ndarray, fs: float, config: QualityConfig | None = None) -> np.ndarray | None:
    """The RR intervals (N - 1,) in seconds between the R peaks of the quality check's own QRS detector
    (``indices.detect_beats``, peaks at least 250 ms apart) on the leads that are present, the ones
    ``detected_rate_bpm`` takes the median of (``rhythm_rr_s``: none where the peaks are no rhythm). signal:
    (12, T) mV (NaN: missing), fs in Hz. None as there."""
    cfg = config or QualityConfig()
    sig = np.asarray(signal, dtype=np.float64)
    x, _, _, absent, _ = _zeroed(sig)
    if sig.shape[1] < cfg.min_duration_s * fs or absent.all():
        return None
    rr = rhythm_rr_s(_beats(x, float(fs), ~absent, cfg)[2], cfg)
    return rr if rr.size else None


def detected_rate_bpm(signal: np.ndarray, fs: float, config: QualityConfig | None = None) -> float | None:
    """The heart rate (bpm) that ``assess`` reads for its "rate_too_fast" finding: the median RR of the
    quality check's own QRS detector (``indices.detect_beats``, peaks at least 250 ms apart, so up to
    240 bpm) on the leads that are present. ``measure`` compares its rate with it: its detector can miss
    every other beat of a tachycardia at 200 bpm and more. signal: (12, T) mV (NaN: missing), fs in Hz.
    None when no lead is usable, the record is shorter than ``config.min_duration_s`` or fewer than two
    beats are found."""
    rr = detected_rr_s(signal, fs, config)
    return None if rr is None else median_rate_bpm(rr)


def record_median_beat(record, config: QualityConfig | None = None) -> np.ndarray:
    """The median beat (12, S) at 100 Hz (S = 70: R - 0.25 s to R + 0.45 s) that the reversal
    detector reads; NaN when fewer than 3 beats are found."""
    cfg = config or QualityConfig()
    sig = np.asarray(record.signal, dtype=np.float64)
    x = np.where(np.isnan(sig), 0.0, sig)
    x = x - np.median(x, axis=1, keepdims=True)
    _, _, beats, segs, med = _beats(x, float(record.fs), np.ones(x.shape[0], bool), cfg)
    return med if len(segs) >= cfg.min_beats else np.full_like(med, np.nan)
