"""A lead that carries ECG in part of the record only: how well each lead's QRS-band energy follows the others'
(``energy_agreement``, ``qrs_band_energy``), where a lead loses its ECG from some beat to the end or up to some
beat (``lost_ecg``), and whether such a part holds the lead's own QRS complexes at one lag, recorded at another
time (``shifted_part``). The "lead_lost" finding (``electrode_off``) is said from them."""

from __future__ import annotations

import numpy as np
from scipy.signal import sosfiltfilt

from mirage_model.quality.indices import _corr_rows, _sos


def energy_agreement(x100: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(L,) how well each usable lead's QRS-band energy follows the other leads': the correlation of its
    5-15 Hz energy (scaled to its own median, as ``detect_beats`` sums it, smoothed over 100 ms, log) with
    the median over the usable leads of the same. Leads of one heart peak together (0.6 and more); a lead
    whose energy is steps, a held level's edges or bursts of noise peaks alone. NaN where not usable.
    x100: (L, T) mV at 100 Hz."""
    L = x100.shape[0]
    out = np.full(L, np.nan)
    if x100.shape[1] < 200 or usable.sum() < 3:
        return out
    e = qrs_band_energy(x100[usable])
    out[usable] = _corr_rows(e, np.median(e, axis=0)[None])
    return out


def qrs_band_energy(x100: np.ndarray) -> np.ndarray:
    """(l, T) each lead's QRS-band energy as ``energy_agreement`` compares it: 5-15 Hz, scaled to its own median
    (as ``detect_beats`` sums it), squared, smoothed over 100 ms, log. x100: (l, T) mV at 100 Hz."""
    band = sosfiltfilt(_sos("band", 5.0, 15.0, 100.0), x100, axis=-1)
    e = (band / (np.median(np.abs(band), axis=1, keepdims=True) + 1e-6)) ** 2
    return np.log1p(np.apply_along_axis(lambda r: np.convolve(r, np.ones(10) / 10, mode="same"), 1, e))


def lost_ecg(x100: np.ndarray, beats: np.ndarray, present: np.ndarray, min_s: float = 2.0, share: float = 0.8,
             min_beats: int = 3, same: float = 0.8, unlike: float = 0.5, quiet: float = 0.2,
             min_ptp_mv: float = 0.1, others: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Where a lead that carries ECG in one part of the record carries none in the rest: from some beat to
    the end (an electrode come off, an amplifier saturated: a held level, steps, a drift) or from the start
    to some beat (an electrode connected late). A part in the middle is not looked for.

    Each beat's QRS (R - 80 ms to R + 120 ms at ``beats``, found from the other leads) is compared with the
    median of the lead's beats on the ECG side of a split: a beat shows the lead's ECG when it correlates
    with that median at ``same`` or more and its peak-to-peak is within half and twice the median's; it
    shows none, not of the median's shape (under ``same``: a gain changed keeps the shape, and is
    ``gain_change``'s), when its peak-to-peak is under ``quiet`` of the median's (a held level) or
    over three times it (a step), when it lies beside a held level (150 ms or more without a change over
    0.002 mV within R - 300 ms to R + 400 ms), or when, outside half to twice, it correlates under
    ``unlike`` (a drift, a step's edge). A lead
    loses its ECG at the split where ``share`` of the beats before show ECG and ``share`` of those after
    show none, ``min_beats`` or more on each side, the median beat at least ``min_ptp_mv`` tall, the part
    without ECG ``min_s`` or longer (from the end of the last beat before it), while ``others`` of the
    present leads or more show their ECG on both sides (a run of ectopic beats, a bundle branch block coming
    and going, change every lead at once: PTB-XL 04536, 05658), and while the part without ECG does not repeat
    a QRS of its own: ``share`` of its beats, each less its straight line (a drift's ramps repeat too), correlate
    at ``same`` or more with their median, at half to twice its height, itself ``min_ptp_mv`` or taller (a QRS
    that changes shape or size in one lead, PTB-XL 02746's V1 shrinking as its bundle branch block gives way,
    is still the heart's); the longest is taken.

    Args:
        x100: (L, T) mV at 100 Hz, not high-passed (a held level stays level). beats: (N,) R peaks at
            100 Hz. present: (L,) bool.

    Returns:
        (L,) start and (L,) end in s of each lead's part without ECG; NaN where it has none.
    """
    L, T = x100.shape
    start, end = np.full(L, np.nan), np.full(L, np.nan)
    keep = beats[(beats >= 30) & (beats + 40 <= T)]
    n = len(keep)
    if n < 2 * min_beats or not present.any():
        return start, end
    segs = x100[:, keep[:, None] + np.arange(-8, 12)[None]]                   # (L, N, S)
    segs = segs - segs.mean(axis=2, keepdims=True)
    height = np.ptp(segs, axis=2)                                              # (L, N)
    # a level held (no change over a quantisation step or two) for 150 ms or more within R - 300 ms to
    # R + 400 ms: a beat beside a held stretch is the fault's, whatever its QRS window holds
    near = np.abs(np.diff(x100[:, keep[:, None] + np.arange(-30, 40)[None]], axis=2)) <= 0.002     # (L, N, 69)
    run = np.zeros(near.shape[:2], int)
    cur = np.zeros(near.shape[:2], int)
    for k in range(near.shape[2]):
        cur = np.where(near[:, :, k], cur + 1, 0)
        run = np.maximum(run, cur)
    held = run >= 15                                                           # (L, N)
    # each beat less its straight line: a drift's ramps, alike from beat to beat, are no QRS complexes
    t = np.arange(segs.shape[2]) - (segs.shape[2] - 1) / 2
    bent = segs - (segs * t).sum(axis=2, keepdims=True) / (t * t).sum() * t                    # (L, N, S)
    bent_height = np.ptp(bent, axis=2)                                         # (L, N)
    best = np.zeros(L)
    for cut in range(min_beats, n - min_beats + 1):
        for lost_after in (True, False):
            ecg = slice(0, cut) if lost_after else slice(cut, n)
            gone = slice(cut, n) if lost_after else slice(0, cut)
            med = np.median(segs[:, ecg], axis=1)                              # (L, S)
            tall = np.ptp(med, axis=1)                                         # (L,)
            corr = _corr_rows(segs, med[:, None, :])                           # (L, N)
            ratio = height / np.maximum(tall, 1e-6)[:, None]                  # (L, N)
            shows = (corr >= same) & (ratio >= 0.5) & (ratio <= 2.0)
            odd = (ratio < 0.5) | (ratio > 2.0)
            # a beat of the lead's shape at another height is its gain's change ("gain_change"), not lost ECG
            none = (corr < same) & ((ratio < quiet) | (ratio > 3.0) | held | ((corr < unlike) & odd))
            # the heart's own change (a run of ectopic beats, a bundle branch block coming and going) changes
            # every lead's beats at once; an electrode's fault leaves the other leads' beats as they were
            keeps = present & (tall >= min_ptp_mv) & (shows[:, gone].mean(axis=1) >= share)
            if keeps.sum() < others * present.sum():
                continue
            ok = (present & (tall >= min_ptp_mv) & (shows[:, ecg].mean(axis=1) >= share)
                  & (none[:, gone].mean(axis=1) >= share))
            a, b = ((keep[cut - 1] + 12) / 100.0, T / 100.0) if lost_after else (0.0, (keep[cut] - 8) / 100.0)
            take = ok & (b - a >= min_s) & (b - a > best)
            if not take.any():
                continue
            # a lead whose QRS changes shape or size (a bundle branch block giving way in V1 alone: PTB-XL
            # 02746) still repeats a QRS of its own at the other leads' beats: its ECG changed, not lost
            # (asked only of a split that would name a lead: most name none)
            own = np.median(bent[:, gone], axis=1)                             # (L, S)
            own_tall = np.ptp(own, axis=1)                                     # (L,)
            own_ratio = bent_height / np.maximum(own_tall, 1e-6)[:, None]      # (L, N)
            again = (_corr_rows(bent, own[:, None, :]) >= same) & (own_ratio >= 0.5) & (own_ratio <= 2.0)
            take &= ~((own_tall >= min_ptp_mv) & (again[:, gone].mean(axis=1) >= share))
            best = np.where(take, b - a, best)
            start, end = np.where(take, a, start), np.where(take, b, end)
    return start, end


def shifted_part(y100: np.ndarray, beats: np.ndarray, start_s: float, end_s: float, same: float = 0.8,
                 unlike: float = 0.5, min_beats: int = 3, share: float = 0.8, max_lag_s: float = 0.25,
                 min_lag_s: float = 0.04) -> tuple[float, float, float] | None:
    """Whether a lead's part "without ECG" (``lost_ecg``: from ``start_s`` to ``end_s``, at one end of the
    record) holds the lead's own QRS complexes at one lag from the other leads' beats: a part recorded at
    another time (PTB-XL 09898's V6, 120 ms late from a step at 6.0 s), not an electrode off.

    Each beat of the part (R - 80 ms to R + 120 ms at ``beats`` (N,), 100 Hz samples, of ``y100`` (T,) mV at
    100 Hz, not high-passed) is matched against the median of the lead's beats in the rest, at every lag up to
    ``max_lag_s``: the lag is the median of the best lags of the beats that match at ``same`` or more (at half to
    twice its height), ``min_beats`` of them or more and ``min_lag_s`` or more away. A beat is late (or early)
    when it matches at that lag (within 20 ms) at ``unlike`` or more; the late beats run from the first of them
    to the part's end (or from its start to the last), ``share`` of the beats there.

    Returns:
        (lag s, from s, to s): the lag and the other leads' first and last beat of that run, or None.
    """
    T = y100.shape[0]
    w = int(round(max_lag_s * 100))
    keep = beats[(beats - 8 - w >= 0) & (beats + 12 + w <= T)]
    inside = (keep / 100.0 >= start_s) & (keep / 100.0 <= end_s)
    rest, part = keep[~inside], keep[inside]
    if len(rest) < min_beats or len(part) < min_beats:
        return None
    idx = np.arange(-8, 12)

    def seg(at):                                                       # (n, 20) mean removed
        out = y100[np.asarray(at)[:, None] + idx[None]]
        return out - out.mean(axis=1, keepdims=True)

    med = np.median(seg(rest), axis=0)                                 # (20,)
    tall = max(float(np.ptp(med)), 1e-6)
    lags = np.arange(-w, w + 1)
    cand = seg((part[:, None] + lags[None]).ravel()).reshape(len(part), len(lags), -1)     # (n, lags, 20)
    corr = _corr_rows(cand, med[None, None])                           # (n, lags)
    ratio = np.ptp(cand, axis=2) / tall                                # (n, lags)
    corr = np.where((ratio >= 0.5) & (ratio <= 2.0), np.nan_to_num(corr, nan=-1.0), -1.0)
    best = np.argmax(corr, axis=1)
    good = corr[np.arange(len(part)), best] >= same
    if good.sum() < min_beats:
        return None
    lag = int(np.median(lags[best[good]]))
    if abs(lag) < int(round(min_lag_s * 100)):
        return None
    near = np.abs(lags - lag) <= 2                                     # within 20 ms of the lag
    late = corr[:, near].max(axis=1) >= unlike                         # (n,)
    if not late.any():
        return None
    at_end = end_s >= T / 100.0 - 0.05
    run = slice(int(np.argmax(late)), len(part)) if at_end else slice(0, len(part) - int(np.argmax(late[::-1])))
    if late[run].mean() < share or good[run].sum() < min_beats:
        return None
    return lag / 100.0, float(part[run][0]) / 100.0, float(part[run][-1]) / 100.0
