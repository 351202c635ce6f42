"""The per-lead quality flags a reader sets on the signal it read: "flat" (peak-to-peak below
``FLAT_PTP_MV``) and "saturated" (clipped: ``clip_samples`` samples at one end of the file's
digital range, or stuck at the lead's own extreme for ``SATURATION_RUN_S``). Whether a record is
good enough to judge is ``mirage_model.quality``'s question, not this one."""

from __future__ import annotations

import warnings

import numpy as np

from mirage_model.records.record import _CHUNK, CLIP_MIN_SAMPLES, CLIP_RUN_S, FLAT_PTP_MV, SATURATION_RUN_S


def clip_samples(fs: float) -> int:
    """Samples at one end of the digital range that make a lead clipped at sampling rate ``fs``
    (``CLIP_RUN_S`` worth, at least ``CLIP_MIN_SAMPLES``)."""
    return max(CLIP_MIN_SAMPLES, int(round(CLIP_RUN_S * fs)))


def set_flags(signal: np.ndarray, fs: float, flags: dict, at_limit: np.ndarray) -> None:
    """Set the "flat" and "saturated" flags of ``signal`` (12, T) in place (one lead at a time:
    memory of a few (T,) arrays, whatever the record's length)."""
    L, T = signal.shape
    run = max(4, int(round(SATURATION_RUN_S * fs)))
    if T <= _CHUNK:   # a short record: all leads at once (fast); memory is a few (12, T) arrays
        _quality_short(signal, run, flags, at_limit)
        return
    for k in range(L):
        lead = signal[k]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN lead is flagged, not warned
            if flags["missing"][k]:
                vmax, vmin = np.nanmax(lead), np.nanmin(lead)
            else:
                vmax, vmin = lead.max(), lead.min()
        flat = not (vmax - vmin >= FLAT_PTP_MV)  # all-NaN leads count as flat too
        flags["flat"][k] = flat
        if flat:
            flags["saturated"][k] = False
            continue
        plateau = T >= run and (_longest_run(lead == vmax) >= run or _longest_run(lead == vmin) >= run)
        flags["saturated"][k] = bool(plateau or at_limit[k])


def _quality_short(signal: np.ndarray, run: int, flags: dict, at_limit: np.ndarray) -> None:
    """``set_flags`` vectorised over the leads of a short (12, T) record (same flags)."""
    L, T = signal.shape
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN lead is flagged, not warned
        if flags["missing"].any():
            vmax, vmin = np.nanmax(signal, axis=1), np.nanmin(signal, axis=1)
        else:
            vmax, vmin = signal.max(axis=1), signal.min(axis=1)
    flat = ~(vmax - vmin >= FLAT_PTP_MV)  # all-NaN leads count as flat too
    flags["flat"][:] = flat
    if T < run:
        flags["saturated"][:] = at_limit & ~flat
        return
    at_extreme = (signal == vmax[:, None]) | (signal == vmin[:, None])  # (12, T)
    # a run of `run` samples at the lead's extreme, via a sliding window sum
    csum = np.cumsum(at_extreme, axis=1, dtype=np.int32)
    window = csum[:, run - 1:] - np.concatenate([np.zeros((L, 1), np.int32), csum[:, :-run]], axis=1)
    plateau = (window >= run).any(axis=1)
    flags["saturated"][:] = (plateau | at_limit) & ~flat


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True in a (T,) bool array."""
    if not mask.any():
        return 0
    pad = np.zeros(1, np.int8)
    edges = np.diff(np.concatenate((pad, mask.view(np.int8), pad)))   # int8: 1 byte per sample
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())
