"""Wave boundaries on the median beat: QRS (velocity walk-out + knee), T end (trapezium area,
Vazquez-Seisdedos et al. 2011), P wave, pacing spikes, and the frontal axis of a wave."""

from __future__ import annotations

import math

import numpy as np

from mirage_model.measure.filters import knee, smooth, trapezium_end, walk_out
from mirage_model.measure.formulas import frontal_axis_deg
from mirage_model.measure.results import MeasureConfig

# lead indices in STANDARD_LEADS order
LEAD_I, LEAD_AVF = 0, 5

def qrs_bounds(sv: np.ndarray, c: int, fs: float, cfg: MeasureConfig,
                lo: int, hi: int, floor: bool = False) -> tuple[int | None, int | None]:
    """QRS onset/offset on a velocity curve sv (K,) whose anchor sample is c; search in [lo, hi).

    Walk out from the steep part of the QRS to where the velocity stays below ``qrs_cross_frac``
    of its maximum, then take the knee of the log velocity between that crossing and the quietest
    sample beyond it (``knee``): a threshold alone lands late on real ECGs, a knee alone is pulled
    around by whatever lies far outside the QRS.
    """
    a, b = max(lo, c - int(round(0.12 * fs))), min(hi, c + int(round(0.12 * fs)))
    seg = sv[a:b]
    vmax = float(seg.max()) if seg.size else 0.0
    if vmax <= 0:
        return None, None
    steep = np.flatnonzero(seg >= 0.3 * vmax)
    first, last = a + int(steep[0]), a + int(steep[-1])
    n_hold = max(1, int(round(cfg.hold_s * fs)))
    thr = cfg.qrs_cross_frac * vmax
    x_on = walk_out(sv, max(lo, c - int(round(cfg.qrs_search_s * fs))), hi, first, thr, n_hold, True)
    floored = x_on is None and floor and lo <= first
    if floored:
        x_on = lo                                # right after a pacing spike: the QRS starts there
    x_off = walk_out(sv, lo, min(hi, c + int(round(cfg.qrs_search_s * fs))), last, thr, n_hold, False)
    if x_on is None or x_off is None:
        return None, None
    a_on = max(lo, x_on - int(round(cfg.qrs_knee_on_s * fs)))
    valley_on = a_on + int(np.argmin(sv[a_on:x_on + 1]))
    b_off = min(hi - 1, x_off + int(round(cfg.qrs_knee_off_s * fs)))
    valley_off = x_off + int(np.argmin(sv[x_off:b_off + 1]))
    on = knee(sv, valley_on, x_on) if x_on - valley_on >= 3 and not floored else x_on
    off = knee(sv, x_off, valley_off) if valley_off - x_off >= 3 else x_off
    return on, off


def refine_bounds(med: np.ndarray, fs: float, cfg: MeasureConfig, on: int, off: int,
            c: int) -> tuple[int, int]:
    """Move wave boundaries inwards where a less smoothed velocity is still quiet.

    The smoothing that steadies the knee search also spreads a wave's edges by a few ms; the
    sharper velocity (``refine_hz``) undoes that where the signal is clean, and changes nothing
    where it is noisy (its noise is above the quiet threshold).
    """
    sv = np.sqrt(np.sum(smooth(med, fs, cfg.refine_hz, order=1) ** 2, axis=0))
    thr = cfg.refine_frac * float(sv[on:off + 1].max())
    lim = int(round(cfg.refine_s * fs))
    k = on
    while k + 1 < min(on + lim, c) and sv[k + 1] < thr:
        k += 1
    j = off
    while j - 1 > max(off - lim, c) and sv[j - 1] < thr:
        j -= 1
    return k, j


def t_end(y: np.ndarray, start: int, stop: int, fs: float, cfg: MeasureConfig,
           hard_stop: int | None = None) -> int | None:
    """T offset on a baseline-corrected, positive-going curve y (K,): T peak in [start, stop),
    trapezium reference at most ``hard_stop`` (before the next beat)."""
    if stop - start < int(0.1 * fs):
        return None
    seg = y[start:stop]
    tp = start + int(np.argmax(seg))
    if y[tp] < cfg.t_min_amplitude_mv:
        return None
    dy = np.gradient(y)
    lim = min(stop, tp + int(round(0.2 * fs)))
    if lim - tp < 3:
        return None
    tm = tp + int(np.argmin(dy[tp:lim]))           # steepest descent after the peak
    tr = min(len(y) - 1, tm + int(round(cfg.t_ref_s * fs)), hard_stop or len(y) - 1)
    if tr - tm < 3:
        return None
    return trapezium_end(y, tm, tr)


def p_wave(med: np.ndarray, sv: np.ndarray, fs: float, qrs_on: int, lo: int,
            cfg: MeasureConfig) -> tuple[int | None, int | None, str]:
    """P onset/offset on the median beat. med: (l, K) baseline-free, sv: (K,) spatial velocity."""
    hi = qrs_on - int(round(0.01 * fs))
    if hi - lo < int(0.06 * fs):
        return None, None, "PR: no room for a P wave before the QRS"
    # amplitude relative to the PR-segment level
    base = med[:, hi:hi + 1]
    amp = np.abs(med[:, lo:hi] - base).max()
    if amp < cfg.p_min_amplitude_mv:
        return None, None, f"PR: no P wave (largest deflection {amp:.3f} mV)"
    # the P peak is the largest spatial deflection; its boundaries come from the velocity around it
    mag = np.sqrt(np.mean((med[:, lo:hi] - base) ** 2, axis=0))
    guard = int(round(0.02 * fs))                      # keep clear of the QRS upstroke
    pk = lo + int(np.argmax(mag[: max(1, hi - lo - guard)]))
    # the P wave's steep parts: up to 100 ms before its peak (bifid P) and 60 ms after it
    a, b = max(lo, pk - int(round(0.1 * fs))), min(hi - guard, pk + int(round(0.06 * fs)))
    if b - a < 3:
        return None, None, "PR: P wave boundaries not found"
    vmax = float(sv[a:b].max())
    steep = a + np.flatnonzero(sv[a:b] >= cfg.p_steep_frac * vmax)
    first, last = int(steep[0]), int(steep[-1])
    on = knee(sv, max(lo, first - int(round(cfg.p_knee_s * fs))), first)
    off = knee(sv, last, min(hi, last + int(round(cfg.p_knee_s * fs))))
    if on is None or off is None or off - on < int(0.04 * fs):
        return None, None, "PR: P wave boundaries not found"
    return on, off, ""


def pacing_spikes(med: np.ndarray, fs: float, c: int, cfg: MeasureConfig) -> list[tuple[int, int]]:
    """Pacemaker spikes on the median beat (l, K): spans [a, b] of samples to bridge.

    A spike is far steeper than any QRS slope (its raw spatial slope is ``spike_ratio`` times the
    largest 40 Hz-smoothed QRS slope) and narrow (under ``spike_max_s`` above a quarter of its
    peak). Searched from 300 ms before the anchor to 60 ms after it (atrial and ventricular spikes).

    Not the raw signal's stimulus detector (``quality.pacing.pacing_spikes``): this reads one median beat
    around its anchor, with no whole lead to weigh a sample against and no following beat to ask for, and
    returns the spans the delineation bridges on that beat.
    """
    d = np.sqrt(np.sum(np.diff(med, axis=1) ** 2, axis=0)) * fs            # (K-1,) mV/s, raw
    a0, b0 = max(1, c - int(0.3 * fs)), min(len(d) - 1, c + int(0.06 * fs))
    if b0 - a0 < 3:
        return []
    ref = float(np.sqrt(np.sum(smooth(med[:, a0:b0], fs, cfg.qrs_lowpass_hz, order=1) ** 2, axis=0)).max())
    out: list[tuple[int, int]] = []
    dd = d[a0:b0].copy()
    half = int(round(cfg.spike_max_s * fs))
    for _ in range(3):
        k = int(np.argmax(dd))
        peak = float(dd[k])
        if peak < cfg.spike_ratio * ref:
            break
        above = dd >= 0.25 * peak
        lo = k
        while lo > 0 and above[lo - 1]:
            lo -= 1
        hi = k
        while hi + 1 < len(dd) and above[hi + 1]:
            hi += 1
        if hi - lo + 1 > half:
            break
        pad = max(1, int(round(0.002 * fs)))
        a, b = a0 + lo - pad, a0 + hi + 1 + pad
        out.append((max(0, a), min(med.shape[1] - 1, b)))
        dd[max(0, lo - half):hi + half + 1] = 0
    return sorted(out)


def p_consistency(beat_segs: np.ndarray) -> float:
    """Median correlation of each beat's P segment with the median P segment. beat_segs: (n, l, K)."""
    n = beat_segs.shape[0]
    seg = beat_segs - beat_segs.mean(axis=2, keepdims=True)
    seg = seg.reshape(n, -1)
    tmpl = np.median(seg, axis=0)
    den = np.linalg.norm(seg, axis=1) * np.linalg.norm(tmpl) + 1e-12
    return float(np.median(seg @ tmpl / den))


def net_area(med_lead: np.ndarray, a: int, b: int, fs: float) -> float:
    """Net area (mV ms) of one baseline-corrected median-beat lead over [a, b)."""
    return float(med_lead[a:b].sum() * 1000.0 / fs)


def wave_axis(med: np.ndarray, a: int | None, b: int | None, fs: float, cfg: MeasureConfig) -> float | None:
    """Frontal axis (degrees) of the wave in [a, b) of the baseline-corrected median beat (L, K)."""
    if a is None or b is None or b <= a:
        return None
    ai = net_area(med[LEAD_I], a, b, fs)
    af = net_area(med[LEAD_AVF], a, b, fs)
    if math.hypot(ai, 2.0 * af / math.sqrt(3.0)) < cfg.min_axis_area_mv_ms:
        return None
    return round(frontal_axis_deg(ai, af), 1)



def p_per_beat(xs: np.ndarray, fs: float, beats: np.ndarray, qrs_offset: int,
               cfg: MeasureConfig) -> tuple[float | None, float | None]:
    """A P wave before each QRS, beat by beat: (share of beats with one, interquartile range of their PR in ms).

    Every beat but the first (all of them, ectopic ones too) is searched from ``p_window_s`` before its QRS onset
    (its anchor plus ``qrs_offset``, the median beat's) to 20 ms before it, after the previous beat's T wave (its
    anchor plus the lesser of 450 ms and 0.6 RR). The beat's P wave is the largest spatial deflection there
    against the level at the window's end, when its largest lead reaches ``p_beat_min_mv`` and it is not at the
    window's edge (the slope of a T wave or of the QRS); its PR is the QRS onset less that peak. In sinus rhythm
    the P wave leads every conducted QRS at a near-constant PR, sinus arrhythmia included; fibrillatory waves give
    no such peak, or one at any distance from the QRS (Hindricks et al. 2021).

    Args:
        xs: (l, T) the independent usable leads, conditioned and smoothed to ``p_lowpass_hz``.
        fs: sampling rate of ``xs``; beats: (n,) anchor samples; qrs_offset: QRS onset less anchor (samples).

    Returns:
        (share, PR interquartile range): None where fewer than 3 beats could be searched, and the range None
        where fewer than 3 beats have a P wave.
    """
    T = xs.shape[1]
    edge, stop = int(round(0.01 * fs)), int(round(0.02 * fs))
    searched, prs = 0, []
    for prev, bt in zip(beats[:-1], beats[1:]):
        q = int(bt) + qrs_offset
        lo = int(max(q - cfg.p_window_s * fs, prev + min(0.45 * fs, 0.6 * (bt - prev))))
        hi = q - stop
        if lo < 0 or hi >= T or hi - lo < int(0.06 * fs):
            continue
        searched += 1
        seg = xs[:, lo:hi] - xs[:, hi:hi + 1]                                # (l, k) against the window's end
        k = int(np.argmax(np.sqrt(np.mean(seg ** 2, axis=0))))
        if edge <= k < seg.shape[1] - edge and np.abs(seg[:, k]).max() >= cfg.p_beat_min_mv:
            prs.append((q - (lo + k)) * 1000.0 / fs)
    if searched < 3:
        return None, None
    iqr = float(np.subtract(*np.percentile(prs, [75, 25]))) if len(prs) >= 3 else None
    return round(len(prs) / searched, 3), None if iqr is None else round(iqr, 1)
