"""A calibration pulse written into the samples (a cart's 1 mV, 200 ms square step in every lead at once, at the
record's start or end: ``consistency.calibration_pulse``): found once per record, named ("calibration_pulse",
info) and taken off the signal that the check and the model read."""

from __future__ import annotations

import numpy as np

from mirage_model.quality import consistency
from mirage_model.quality.beats import _zeroed
from mirage_model.quality.findings import Finding


# a record longer than this (s) is read for a calibration pulse at its first and last minute, each judged on its
# own (which leads are present): a Holter's hours are not read (the first minute, ``limits.HEAD_S``, is what
# the check and the measurements read of it)
PULSE_LONG_S = 60.0


def calibration_pulse_step(sig: np.ndarray, fs: float) -> tuple[float, float, np.ndarray] | None:
    """A calibration pulse written into the samples (``consistency.calibration_pulse``) of (12, T) mV ``sig``
    (float32 or float64; NaN: missing),
    at its start or its end -> (start s, end s, (12,) each lead's step in mV, 0 where not read),
    or None without one. A record longer than ``PULSE_LONG_S`` is read at its first minute's start and its last
    minute's end, the leads present judged in that minute."""
    T = sig.shape[1]
    n = int(PULSE_LONG_S * fs)
    if T <= n:
        sig = np.asarray(sig, dtype=np.float64)
        x, _, _, absent, _ = _zeroed(sig)
        return consistency.calibration_pulse(x, fs, ~absent & ~np.isnan(sig).any(axis=1))
    W = consistency.pulse_read_samples(fs)
    for part, ends, at in ((sig[:, :n], (True, False), 0), (sig[:, T - n:], (False, True), T - n)):
        part = np.asarray(part, dtype=np.float64)   # the minute read, not the whole record, as float64
        x, _, _, absent, _ = _zeroed(part)
        read = slice(0, W) if ends[0] else slice(n - W, n)
        found = consistency.calibration_pulse(x[:, read], fs, ~absent & ~np.isnan(part).any(axis=1), ends=ends)
        if found is not None:
            shift = (at + read.start) / fs
            return found[0] + shift, found[1] + shift, found[2]
    return None


def without_step(sig: np.ndarray, fs: float, found: tuple[float, float, np.ndarray]) -> np.ndarray:
    """(12, T) mV ``sig`` with a calibration pulse's step (``calibration_pulse_step``) taken off its samples:
    the ECG beneath it, or the level beside it, left (a copy)."""
    start, end, step = found
    out = np.array(sig, dtype=np.float64, copy=True)
    out[:, int(round(start * fs)):int(round(end * fs))] -= step[:, None]
    return out


def pulse_in(found: tuple[float, float, np.ndarray] | None, start_s: float,
             end_s: float) -> tuple[float, float, np.ndarray] | None:
    """The part of a record's calibration pulse ``found`` (``calibration_pulse_step``) within its stretch from
    ``start_s`` to ``end_s``, in seconds from that stretch's start; None where none of it falls there."""
    if found is None:
        return None
    a, b = max(found[0], start_s), min(found[1], end_s)
    return (a - start_s, b - start_s, found[2]) if b > a else None


def calibration_pulse_finding(found: tuple[float, float, np.ndarray]) -> Finding:
    """The "calibration_pulse" finding (info) of a pulse ``found`` (``calibration_pulse_step``)."""
    start, end, step = found
    size = float(np.median(step[step != 0]))
    return Finding(
        "calibration_pulse", f"calibration pulse at {start:.1f}-{end:.1f} s", "info", (),
        f"a {size:+.2f} mV, {(end - start) * 1000:.0f} ms square step in every lead at the same samples (a cart's "
        "calibration, not the heart's): taken off before the quality check and the model read the record",
        span_s=(start, end))


def _calibration_pulse(sig: np.ndarray, fs: float, found="search") -> tuple[np.ndarray, Finding | None]:
    """A calibration pulse written into the samples (``calibration_pulse_step``; ``found``: the one found
    already, or None for none, or "search"): (12, T) mV (NaN: missing) -> the signal without its step
    (``without_step``) and its "calibration_pulse" finding; the signal as it is and None without one. A 1 mV
    step in every lead at once is no heart's: left in, it breaks Einthoven's law in the limb leads' mean beat
    ("limb_inconsistent", critical, on LUDB 1 with a pulse at 0.2-0.4 s) and reads as beats. The model's inputs
    are made without it too (``inference.record_inputs``, which finds it once for both)."""
    if isinstance(found, str):
        found = calibration_pulse_step(sig, fs)
    if found is None:
        return sig, None
    return without_step(sig, fs, found), calibration_pulse_finding(found)
