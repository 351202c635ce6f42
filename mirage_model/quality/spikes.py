"""Isolated spikes no heart gives: one sample, or a few, far off a lead's trace and back (a flipped byte in the
file's samples, a corrupt value in an export), below the 50 mV of ``noise._impossible_samples``. A real ECG never
moves 20 mV in 2 ms; its fastest deflection, the QRS, stays within the lead's own beat height and lasts tens of
milliseconds, and a pacing stimulus (``pacing``) comes before beats in several leads at once, again and again.

A sample is a spike where it stands out of its lead's running median over ``SPIKE_HALF_S`` on either side (a
spike of up to that many samples is ignored by the median: a QRS is wider) by ``SPIKE_MIN_MV`` and by
``SPIKE_RATIO`` times the lead's own range (the spread between its 0.5th and 99.5th percentiles: the beat's height,
which a few spiked samples do not move). Spikes at a pacing stimulus that ``pacing.pacing_spikes`` found are the
pacing's. Thresholds: see ``SPIKE_MIN_MV``."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from mirage_model.quality.findings import Finding, _names, leads_text
from mirage_model.records import STANDARD_LEADS

SPIKE_HALF_S = 0.01      # the running median's half width (s); a spike narrower than this stands out of it
# A spike stands out of that median by this much (mV) and by this many times its lead's range. On the real records
# measured (400 PTB-XL records of folds 1-8 drawn at random, seed 52, and the 231 other paced ones (PACE) of those
# folds; LUDB 1-100; the 98 Challenge 2020/2021 samples; their first 60 s) the largest sample off that median is
# 10.9 mV (CinC E00006, 4.9 times its lead's range; JS45544's V1, a 7 mV jump in 2 ms, 5.0 times), of PTB-XL 3.6 mV
# and of LUDB 0.8 mV; where 2 mV or more off, at most 6.9 times the range (CinC Q0010, 2.6 mV)
SPIKE_MIN_MV = 15.0
SPIKE_RATIO = 5.0


def spike_samples(x: np.ndarray, fs: float, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The samples of (L, T) mV ``x`` at ``fs`` Hz, in the ``usable`` (L,) leads, that stand out as spikes, and how
    far: ((L, T) bool, (L, T) mV off the lead's running median, signed)."""
    L, T = x.shape
    half = max(1, int(round(SPIKE_HALF_S * fs)))
    if T < 4 * half + 2:
        return np.zeros((L, T), bool), np.zeros((L, T))
    data = np.nan_to_num(np.asarray(x, dtype=np.float64))
    over, off = np.zeros((L, T), bool), np.zeros((L, T))
    # no sample lies farther than the lead's peak-to-peak from its running median: only such leads are read
    # (a real record's none: 15 ms of a 10 s, 500 Hz record's check spared)
    read = np.flatnonzero(np.asarray(usable, bool) & (np.ptp(data, axis=1) > SPIKE_MIN_MV))
    if read.size:
        part = data[read]
        off[read] = part - median_filter(part, size=(1, 2 * half + 1), mode="nearest")      # (l, T) mV
        lo, hi = np.percentile(part, (0.5, 99.5), axis=1)                                     # (l,) each
        limit = np.maximum(SPIKE_MIN_MV, SPIKE_RATIO * (hi - lo))
        over[read] = np.abs(off[read]) > limit[:, None]
    return over, off


def _events(over: np.ndarray, off: np.ndarray, half: int) -> list[tuple[int, int, float, np.ndarray]]:
    """The spikes of ``spike_samples``' (L, T) ``over`` and ``off``: [(lead, peak sample, mV, its samples)], its
    samples within ``half`` samples of each other one spike."""
    out = []
    for lead in np.flatnonzero(over.any(axis=1)):
        at = np.flatnonzero(over[lead])
        for g in np.split(at, np.flatnonzero(np.diff(at) > half) + 1):
            k = int(g[np.argmax(np.abs(off[lead, g]))])
            out.append((int(lead), k, float(off[lead, k]), g))
    return out


def isolated_spikes(x: np.ndarray, fs: float, usable: np.ndarray,
                    stim_s: np.ndarray = np.zeros(0)) -> list[tuple[int, float, float]]:
    """The isolated spikes of (L, T) mV ``x`` at ``fs`` Hz in the ``usable`` (L,) leads (``spike_samples``), those
    at a pacing stimulus (``stim_s`` (n,) s) left out.

    Returns:
        [(lead index, time s, mV off the trace, signed)], in time order, one per spike.
    """
    over, off = spike_samples(x, fs, usable)
    half = max(1, int(round(SPIKE_HALF_S * fs)))
    stim = np.asarray(stim_s, dtype=np.float64)
    return sorted(((lead, k / fs, mv) for lead, k, mv, _ in _events(over, off, half)
                   if not (stim.size and np.min(np.abs(stim - k / fs)) <= SPIKE_HALF_S)), key=lambda s: s[1])


def without_lone_spikes(x: np.ndarray, fs: float, usable: np.ndarray) -> np.ndarray:
    """(L, T) mV ``x`` with the spikes that no other lead shows within ``SPIKE_HALF_S`` bridged (``_bridged``), for
    the pacing detector: a stimulus reaches the body surface in several leads at once, a flipped byte is one
    lead's, and three of them in LUDB 71's aVL, each before a beat, had read "paced rhythm". ``x`` itself when
    there is none."""
    over, off = spike_samples(x, fs, usable)
    half = max(1, int(round(SPIKE_HALF_S * fs)))
    events = _events(over, off, half)
    lone = np.zeros_like(over)
    for lead, k, _, samples in events:
        if not any(other != lead and abs(j - k) <= half for other, j, _, _ in events):
            lone[lead, samples] = True
    return _bridged(x, lone) if lone.any() else x


def without_spikes(x: np.ndarray, fs: float) -> tuple[np.ndarray, int]:
    """(L, T) mV ``x`` with its spike samples (``spike_samples``) bridged (``_bridged``), and how many leads were;
    ``x`` itself when there is none. The measurement reads it so: a spike of 37 mV in LUDB 1's V6 had been counted
    a beat (45 bpm measured 53)."""
    over, _ = spike_samples(x, fs, np.isfinite(x).any(axis=1))
    if not over.any():
        return x, 0
    return _bridged(x, over), int(over.any(axis=1).sum())


def _bridged(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A copy of (L, T) ``x`` with the samples of ``mask`` (L, T) and one on either side drawn linearly between the
    lead's finite samples around them."""
    y = np.array(x, dtype=np.float64, copy=True)
    bad = mask | np.roll(mask, 1, axis=1) | np.roll(mask, -1, axis=1)
    t = np.arange(x.shape[1])
    for lead in np.flatnonzero(bad.any(axis=1)):
        keep = ~bad[lead] & np.isfinite(y[lead])
        if keep.any():
            y[lead, bad[lead]] = np.interp(t[bad[lead]], t[keep], y[lead, keep])
    return y


def spikes_finding(spikes: list[tuple[int, float, float]]) -> Finding | None:
    """The "artefact" finding of ``isolated_spikes``' spikes, each named with its lead and time, critical with the
    time they span, as impossible sample values are: the prediction leaves the model's windows they fall in out, or
    is withheld without another (``inference.aggregate``). The model normalises each lead per window, and one spike
    of 20-50 mV in one lead changed the default model's calls on 2 of 30 PTB-XL records (a class probability by up
    to 0.45); the median beat and the measurements read past it. None without a spike."""
    if not spikes:
        return None
    leads = sorted({s[0] for s in spikes})
    where = ", ".join(f"{STANDARD_LEADS[i]} at {t:.2f} s" for i, t, _ in spikes[:6])
    more = f" and {len(spikes) - 6} more" if len(spikes) > 6 else ""
    names = _names(np.isin(np.arange(len(STANDARD_LEADS)), leads))
    times = [t for _, t, _ in spikes]
    n = f"{len(spikes)} spike{'s' if len(spikes) > 1 else ''}"
    return Finding("artefact", f"isolated spike{'s' if len(spikes) > 1 else ''} no heart gives ({where}{more}): "
                   "damaged file?", "critical", names,
                   f"{n} in {leads_text(names)}, up to {max(abs(s[2]) for s in spikes):.0f} mV off the trace within "
                   f"{SPIKE_HALF_S * 1000:.0f} ms and back, {SPIKE_RATIO:g} times the lead's own beat height or more; "
                   "the model would read them (each lead is scaled per window), the median beat and the measurements "
                   "do not", span_s=(max(0.0, min(times) - 0.05), max(times) + 0.05))
