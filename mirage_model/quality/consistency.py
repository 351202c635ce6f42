"""Records that lie about themselves: measures of whether a record is one patient's simultaneous,
continuous 12-lead recording, as its file claims.

A file can be well formed and its leads look like ECG, yet not be what it says: a lead's level
steps by millivolts and stays there (a DC offset written onto part of a lead, an electrode come
loose), a lead's gain changes halfway, the whole record is at several times its gain (a header's
wrong gain: every lead too tall, Einthoven's law intact), leads acquired one after another are
presented as simultaneous (shifted in time against each other; a chest lead by as little as 20 ms,
found because the heart's field is nearly a dipole: the other leads predict it best at its delay),
part of the record is a constant line, or the signal is a simulator's single beat repeated sample
for sample. Each measure here is a plain number per record or per lead, compared with a threshold
of ``QualityConfig`` set beyond every clean record of a PTB-XL sample (2,600, folds 1-9, seed 0)
and LUDB's 100; ``assess`` turns them into findings.
Two patients' recordings joined into one are not found. Three measures were tried on the seed-0
sample and on joins of two random PTB-XL records; none parts them: the beats' shape changing at
one point (clean records reach 153 times their beat-to-beat spread, the joins' median is 15), a
step at one sample in several leads at once (up to 12 leads in clean records: artefacts), and the
leads' relation to each other (the lead field) changing at one point (800 clean records up to 0.83,
the joins' median 0.58).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
# 100 Hz throughout (the quality check's own rate), except ``repeat_residual`` and ``flat_seconds``
# (``flat_stretches``), which read the record at its own rate.
FS = 100.0


def baseline_steps(base100: np.ndarray, side_s: float = 3.0, edge_s: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Each lead's largest lasting, abrupt change of level: ``base100`` (L, T) mV at 100 Hz, the 1.5 s
    running median of the signal (it keeps a step's edge and follows no QRS) -> (L,) mV and its time
    (L,) s. At each time t (every 0.1 s) the medians of the ``side_s`` before and after (``edge_s``
    left out round t) differ by the step; it counts only where each side is level (its 10th-90th
    percentile spread under 0.3 of the step): a DC offset written onto part of a lead, or an electrode
    that came loose and stayed so, but not baseline wander (no level sides) or a pop that recovers
    (a lasting change only)."""
    L = base100.shape[0]
    lvl = base100[:, ::10]                       # 10 Hz: a running median over 1.5 s has nothing faster
    side, edge = int(round(side_s * 10)), int(round(edge_s * 10))
    n = lvl.shape[1] - 2 * side + 1              # times t = side .. len - side
    if n < 1:
        return np.zeros(L), np.zeros(L)
    win = sliding_window_view(lvl, side - edge, axis=1)                    # (L, len - side + edge + 1, w)
    q = np.percentile(win, [10, 50, 90], axis=2)                           # (3, L, ...)
    before, after = q[:, :, :n], q[:, :, side + edge:side + edge + n]      # windows ending t - edge, from t + edge
    step = np.abs(after[1] - before[1])                                    # (L, n)
    spread = np.maximum(before[2] - before[0], after[2] - after[0])
    step = np.where(spread < 0.3 * step, step, 0.0)
    at = step.argmax(axis=1) + side
    # when: the level's steepest change within 0.7 s of the best split (which may sit a few tenths off)
    slope = np.abs(np.diff(lvl, axis=1))
    reach = edge + 5
    when = np.array([max(0, a - reach) + int(np.argmax(slope[i, max(0, a - reach):a + reach]))
                     for i, a in enumerate(at)]) + 0.5
    return step.max(axis=1), when / 10.0


def gain_changes(segs: np.ndarray, min_beats: int = 3, same_shape: float = 0.5,
                 min_ptp_mv: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Where a lead's beats change height but not shape: ``segs`` (N, L, S) beats at 100 Hz, split
    into beats [:m] and [m:] (``min_beats`` or more each side) -> per lead (L,) the largest |log10|
    ratio of the two sides' median-beat peak-to-peaks where the shape stays (RMS difference of the
    two median beats, each scaled to unit RMS, under ``same_shape``), the larger side reaches
    ``min_ptp_mv`` and every beat of its side's shape lies on its side of the two medians' geometric
    mean, but the two at the split (one may hold the switch): a gain switched scales every beat after
    it, while a heart whose beats alternate between two kinds of the same shape in this lead, paced and
    conducted, puts a tall beat among the small ones (PTB-XL 09182); an ectopic beat, of another shape,
    keeps its own height and is not asked. (L,) the beat index m."""
    N, L, S = segs.shape
    best, split = np.zeros(L), np.zeros(L, int)
    if N < 2 * min_beats:
        return best, split
    each = np.log10(np.maximum(np.ptp(segs, axis=2), 1e-3))                     # (N, L) each beat's height

    def unit(v):
        return (v - v.mean(axis=-1, keepdims=True)) / np.maximum(v.std(axis=-1, keepdims=True), 1e-6)

    shapes = unit(segs)                                                         # (N, L, S) each beat's shape

    for m in range(min_beats, N - min_beats + 1):
        a, b = np.median(segs[:m], axis=0), np.median(segs[m:], axis=0)          # (L, S)
        pa, pb = np.ptp(a, axis=1), np.ptp(b, axis=1)
        shape = np.sqrt(np.mean((unit(a) - unit(b)) ** 2, axis=1))               # (L,)
        la, lb = np.log10(np.maximum(pa, 1e-3)), np.log10(np.maximum(pb, 1e-3))
        gain = np.abs(lb - la)
        mid, up = (la + lb) / 2, np.sign(lb - la)                                # up: the later side taller
        # not asked: a beat of another shape than its side's (an ectopic beat keeps its own height), nor the
        # two at the split (a gain switched within a beat leaves it between the two)
        first = (np.arange(N) < m)[:, None]                                       # (N, 1): beat before the split
        ref = np.where(first[:, :, None], unit(a)[None], unit(b)[None])             # (N, L, S) its side's shape
        own = np.sqrt(np.mean((shapes - ref) ** 2, axis=2)) < same_shape
        side = np.where(first, -1.0, 1.0) * up                                      # (N, L): + above mid
        ok = ((each - mid) * side > 0) | ~own
        ok[m - 1] = ok[m] = True
        apart = ok.all(axis=0)
        gain = np.where((shape < same_shape) & (np.maximum(pa, pb) >= min_ptp_mv) & apart, gain, 0.0)
        more = gain > best
        best, split = np.where(more, gain, best), np.where(more, m, split)
    return best, split


def _qrs_energy(x40: np.ndarray) -> np.ndarray:
    """(L, T) mV at 100 Hz -> (L, T) each lead's slope magnitude scaled to its own size, smoothed over
    50 ms, mean removed: where its QRS complexes are."""
    e = np.abs(np.diff(x40, axis=1))
    e = e / np.maximum(np.percentile(e, 99, axis=1, keepdims=True), 1e-6)
    e = np.array([np.convolve(r, np.ones(5) / 5, mode="same") for r in e]).reshape(e.shape)
    return e - e.mean(axis=1, keepdims=True)


def _match(a: np.ndarray, b: np.ndarray, k: int) -> tuple[float, float]:
    """Two (T,) energies -> (lag in s of a's best match to b within +-k samples, a's match at no lag
    as a share of that best match)."""
    n = len(a)
    lags = np.arange(-k, k + 1)
    # lag d: a delayed by d against b, a[t + d] ~ b[t], summed over the t both hold: row j of the view is b
    # moved j - k samples later, zeros where it has none
    moved = sliding_window_view(np.concatenate([np.zeros(k), b, np.zeros(k)]), n)[::-1]     # (2k + 1, n)
    c = moved @ a / (n - np.abs(lags))
    best = int(np.argmax(c))
    return lags[best] / FS, (float(c[k] / c[best]) if c[best] > 0 else float("nan"))


def lead_lags(x40: np.ndarray, usable: np.ndarray, max_lag_s: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Each lead's time shift (s) against the others: (L, T) mV at 100 Hz, low-passed at 40 Hz ->
    (L,) the lag, within +-``max_lag_s``, at which the lead's QRS energy best matches the summed
    energy of the other leads, and (L,) how well it matches at no lag, as a share of that best
    match. Simultaneous leads share their QRS complexes to within a few tens of milliseconds (a
    regular rhythm also matches one RR interval away, but then as well at no lag); a lead written
    after the others (sequential acquisition) is shifted by its delay and matches poorly at no lag.
    NaN for leads not usable."""
    L, T = x40.shape
    if usable.sum() < 3 or T < 2 * FS:
        return np.full(L, np.nan), np.full(L, np.nan)
    return _lead_lags(_qrs_energy(x40), usable, max_lag_s)


def _lead_lags(e: np.ndarray, usable: np.ndarray, max_lag_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``lead_lags`` of the leads' QRS energies ``e`` (L, T100 - 1), a record long enough with 3 usable leads."""
    out, zero = np.full(len(e), np.nan), np.full(len(e), np.nan)
    total = e[usable].sum(axis=0)
    for i in np.flatnonzero(usable):
        out[i], zero[i] = _match(e[i], total - e[i], int(round(max_lag_s * FS)))
    return out, zero


def matched_lags(x40: np.ndarray, usable: np.ndarray,
                 max_lag_s: float = 0.6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``lead_lags`` and ``lag_match`` at those lags of (L, T) mV at 100 Hz, low-passed at 40 Hz, the QRS
    energies found once: (L,) the lag (s), (L,) the match at no lag as a share of the best, (L,) the correlation
    at the lag."""
    L, T = x40.shape
    if usable.sum() < 3 or T < 2 * FS:
        return np.full(L, np.nan), np.full(L, np.nan), np.full(L, np.nan)
    e = _qrs_energy(x40)
    lag, zero = _lead_lags(e, usable, max_lag_s)
    return lag, zero, _lag_match(e, usable, lag)


def lag_match(x40: np.ndarray, usable: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """How well each lead's QRS energy matches the summed energy of the other usable leads at its
    ``lag`` (s, as ``lead_lags`` gives it): (L, T) mV at 100 Hz, low-passed at 40 Hz -> (L,) the
    correlation there. A lead written after the others is the heart's beats late and matches at its
    delay as well as a simultaneous lead at none (0.98 or more in the shipped records); a lead of noise
    (near-isoelectric, its energy scaled to its own size) matches nowhere, its best lag is chance (PTB-XL
    09948, 15164, 17626: 0.13-0.19). NaN for leads not usable."""
    return _lag_match(_qrs_energy(x40), usable, lag)


def _lag_match(e: np.ndarray, usable: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """``lag_match`` of the leads' QRS energies ``e`` (L, T100 - 1)."""
    out = np.full(e.shape[0], np.nan)
    if usable.sum() < 2:
        return out
    total = e[usable].sum(axis=0)
    n = e.shape[1]
    for i in np.flatnonzero(usable & np.isfinite(lag)):
        d = int(round(lag[i] * FS))
        a, b = e[i, max(0, d):n + min(0, d)], (total - e[i])[max(0, -d):n - max(0, d)]
        a, b = a - a.mean(), b - b.mean()
        aa, bb = float(a @ a), float(b @ b)
        if aa > 0 and bb > 0:        # Pearson's correlation (np.corrcoef's, without its 2 x 2 covariance)
            out[i] = min(max(float(a @ b) / np.sqrt(aa * bb), -1.0), 1.0)
    return out


def chest_lead_lags(x40: np.ndarray, usable: np.ndarray, max_lag_s: float = 0.1, min_lag_s: float = 0.02,
                    bar: float = np.inf, edge_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Each chest lead's time shift (s) against what the other leads say it should be: (L, T) mV at
    100 Hz, low-passed at 40 Hz -> (L,) the lag, within +-``max_lag_s``, at which the lead is best
    predicted (least squares) from I, II and the other chest leads at no lag, and (L,) how much
    better it is predicted there than at no lag (residual at no lag over residual at that lag; 1 when
    the best lag is 0). The heart's electrical field is nearly a dipole: each chest lead is close to
    a linear combination of the others at the same instant, a right bundle branch block's late R'
    included (its late forces show in I, V5-V6 as well), so clean leads fit best within 10 ms or
    little better elsewhere; a lead written 20 ms or more after the others fits best at its delay. A lead whose lag reaches
    ``min_lag_s`` and whose gain reaches ``bar`` is taken out of the others' predictors (it would
    mislead its neighbours' fit) and the rest are measured again. The ``edge_s`` at each end are left
    out (at most a fifth of the record each): there the 0.5 Hz high-pass's transients, which differ
    from lead to lead, outweigh the ECG. NaN for limb leads and leads not usable."""
    L, T = x40.shape
    lag, gain = np.full(L, np.nan), np.full(L, np.nan)
    K = int(round(max_lag_s * FS))
    e = max(K, min(int(round(edge_s * FS)), T // 5))
    if T < 2 * FS or T <= 2 * e + 2 * K:
        return lag, gain
    n = T - 2 * e
    chest = [k for k in range(6, L) if usable[k]]
    out: list[int] = []
    while True:
        todo = [k for k in chest if k not in out]
        for k in todo:
            regs = [j for j in [0, 1] + chest if j != k and usable[j] and j not in out]
            if len(regs) < 3:
                continue
            others = x40[regs, e:T - e]                                  # (r, n): the others at no lag
            y = sliding_window_view(x40[k, e - K:T - e + K], n)         # (2K + 1, n): row j is the lead j - K late
            gram = others @ others.T                                     # normal equations: r is 7 at most
            gram += np.eye(len(regs)) * 1e-9 * max(float(np.trace(gram)), 1e-12)   # two equal leads stay solvable
            c = y @ others.T                                             # (2K + 1, r)
            fitted = (c * np.linalg.solve(gram, c.T).T).sum(axis=1)      # |projection of each row|^2
            total = (y ** 2).sum(axis=1)
            res = (total - fitted) / np.maximum(total, 1e-12)
            best = int(np.argmin(res))
            lag[k], gain[k] = (best - K) / FS, float(res[K] / max(res[best], 1e-12))
        hit = [k for k in todo if np.isfinite(gain[k]) and abs(lag[k]) >= min_lag_s - 1e-9 and gain[k] >= bar]
        if not hit:
            return lag, gain
        out.append(max(hit, key=lambda k: gain[k]))


def block_lag(x40: np.ndarray, usable: np.ndarray, max_lag_s: float = 0.6) -> tuple[float, float]:
    """The chest leads' shift (s) against the limb leads (a recorder that takes the limb leads, then
    the chest leads), as ``lead_lags`` for the summed energies of the two groups: (lag, match at no
    lag as a share of the best). NaN without two usable leads in each group."""
    if usable[:6].sum() < 2 or usable[6:].sum() < 2 or x40.shape[1] < 2 * FS:
        return float("nan"), float("nan")
    e = _qrs_energy(x40)
    return _match(e[6:][usable[6:]].sum(axis=0), e[:6][usable[:6]].sum(axis=0), int(round(max_lag_s * FS)))


def beat_height(med40: np.ndarray, usable: np.ndarray) -> float:
    """The record's typical beat height (mV): the geometric mean over usable leads of the median beat's
    peak-to-peak, ``med40`` (L, S) at 100 Hz. A gain or unit error scales every lead alike, and the
    Einthoven and Goldberger identities hold at any gain, so only absolute size tells it; one tall
    lead (V2-V3 in hypertrophy reach 5-8 mV) moves the mean of twelve little. NaN without a usable
    lead."""
    h = np.ptp(med40[usable], axis=1) if usable.any() else np.zeros(0)
    h = h[np.isfinite(h)]
    return float(np.exp(np.mean(np.log(np.maximum(h, 1e-3))))) if h.size else float("nan")


def repeat_residual(x: np.ndarray, fs: float, min_s: float = 0.25, max_s: float = 2.0) -> float:
    """How exactly the record repeats itself: (L, T) mV at ``fs``, each lead's median removed -> the
    smallest, over shifts of ``min_s`` to ``max_s`` (every heart rate from 30 to 240 bpm), of the RMS
    of x(t + shift) - x(t) over the RMS of x (all leads together). A living heart never beats twice
    the same to the sample (noise, respiration, RR variability): a simulator's stored beat replayed,
    or a test signal, gives 0."""
    L, T = x.shape
    lo, hi = int(round(min_s * fs)), min(int(round(max_s * fs)), T // 2)
    if hi <= lo:
        return float("nan")
    x = x - x.mean(axis=1, keepdims=True)
    n = 1 << int(np.ceil(np.log2(2 * T)))
    f = np.fft.rfft(x, n, axis=1)
    ac = np.fft.irfft((f * np.conj(f)).real, n, axis=1)[:, :T].sum(axis=0)     # sum_t x(t) x(t + k)
    sq = np.cumsum((x ** 2).sum(axis=0))
    best = np.inf
    for k in range(lo, hi + 1):
        head = sq[T - k - 1]                                 # sum over t < T - k of x(t)^2
        tail = sq[-1] - sq[k - 1]                            # sum over t >= k of x(t)^2
        d = max(head + tail - 2 * ac[k], 0.0)
        best = min(best, np.sqrt(d / max(0.5 * (head + tail), 1e-12)))
    return float(best)


def flat_seconds(x: np.ndarray, fs: float, present: np.ndarray, window_s: float = 0.5) -> float:
    """Seconds of the record in which no present lead changes at all: (L, T) mV at ``fs`` (NaN:
    missing, counted as 0) -> the number of ``window_s`` stretches in which every ``present`` lead
    holds one value, the same value as in the stretch before or after (a device that wrote zeros, or
    held its last value; not a square wave's half-periods), times ``window_s``. A living signal always
    moves by a quantisation step or more in half a second."""
    return float(flat_stretches(x, fs, present, window_s).sum() * window_s)


def flat_stretches(x: np.ndarray, fs: float, present: np.ndarray, window_s: float = 0.5) -> np.ndarray:
    """The ``window_s`` stretches of ``flat_seconds``, (n,) bool: True where every ``present`` lead of (L, T) mV at
    ``fs`` holds the value of the stretch before or after (stretch i from ``i * window_s`` s)."""
    w = int(round(window_s * fs))
    n = x.shape[1] // w if w >= 1 else 0
    if n < 2 or not present.any():
        return np.zeros(max(n, 0), bool)
    blocks = np.nan_to_num(x[present][:, :n * w], nan=0.0).reshape(int(present.sum()), n, w)
    flat = (np.ptp(blocks, axis=2) == 0).all(axis=0)                        # (n,)
    value = blocks[:, :, 0]                                                 # (l, n)
    same = flat[1:] & flat[:-1] & (value[:, 1:] == value[:, :-1]).all(axis=0)   # stretch i+1 continues i
    held = np.zeros(n, bool)
    held[1:] |= same
    held[:-1] |= same
    return held


def one_span(mask: np.ndarray, step_s: float) -> tuple[float, float] | None:
    """(start s, end s) of the True entries of ``mask`` (n,) bool, each ``step_s`` long (entry i from
    ``i * step_s`` s), where they form one run; None where there are none or they lie in several places (one
    span from the first to the last would cover the signal between them)."""
    on = np.flatnonzero(mask)
    if on.size == 0 or on[-1] - on[0] + 1 != on.size:
        return None
    return float(on[0] * step_s), float((on[-1] + 1) * step_s)


def pulse_read_samples(fs: float, dur_s: tuple[float, float] = (0.1, 0.5), edge_s: float = 1.0) -> int:
    """How many samples ``calibration_pulse`` reads at each end of a record: ``edge_s`` and four times the
    longest pulse."""
    return int(round((edge_s + 4 * dur_s[1]) * fs))


def calibration_pulse(x: np.ndarray, fs: float, present: np.ndarray, mv: tuple[float, float] = (0.5, 2.0),
                      dur_s: tuple[float, float] = (0.1, 0.5), edge_s: float = 1.0, rel: float = 0.2,
                      ends: tuple[bool, bool] = (True, True)) -> tuple[float, float, np.ndarray] | None:
    """A calibration pulse written into the samples, as some carts write it: a square step of about 1 mV and
    200 ms in every lead at the same samples, flat on top, at the record's start or end.

    An edge is a change of about the same size, ``mv`` mV, in every present lead from one sample to the next,
    less the mean of the changes either side (the ECG's own slope): of the median's sign and half to 1.5 times
    it in every lead, within ``rel`` of it (and 0.05 mV) in three leads of four. No heart does that (Einthoven's
    law: I + III = II cannot hold for a change alike in all three). A pulse is an edge and its opposite
    ``dur_s`` later, or one edge that far from the record's start or end (the other beyond it), touching the
    first or last ``edge_s``; the leads' level between the edges (their median) ``mv`` above the level beside
    them, the top flat (its two halves at one level, within half the pulse) and, beyond a single edge, the
    level beside it held on (not the top of a pulse whose other edge was missed). ECG beneath it or not; no
    more than two such edges in the stretch read (a square wave throughout is a test signal, ``repeat_residual``'s).

    Only the first and last seconds are read (a Holter's day is not): a window of ``edge_s`` and four times
    the longest pulse at each end.

    Args:
        x: (L, T) mV at ``fs`` Hz, no NaN. present: (L,) bool, the leads read (three or more).
        ends: whether x's first and last samples are the record's (False: a window's edge).

    Returns:
        (start s, end s, (L,) each lead's step in mV, 0 where not present), or None without a pulse.
    """
    L, T = x.shape
    W = pulse_read_samples(fs, dur_s, edge_s)
    if T > 2 * W and all(ends):
        head = calibration_pulse(x[:, :W], fs, present, mv, dur_s, edge_s, rel, ends=(True, False))
        if head is not None:
            return head
        tail = calibration_pulse(x[:, T - W:], fs, present, mv, dur_s, edge_s, rel, ends=(False, True))
        return None if tail is None else (tail[0] + (T - W) / fs, tail[1] + (T - W) / fs, tail[2])
    if present.sum() < 3 or T < 8:
        return None
    xp = x[present]                                                            # (l, T)
    d = np.diff(xp, axis=1)                                                    # (l, T - 1): x[k + 1] - x[k]
    # each change less the mean of the changes either side: the ECG's own slope, which a QRS beneath the
    # edge adds, mostly cancels; a step keeps its size
    jump = np.zeros_like(d)
    jump[:, 1:-1] = d[:, 1:-1] - 0.5 * (d[:, :-2] + d[:, 2:])
    mid = np.median(jump, axis=0)                                              # (T - 1,)
    # every lead's change of the median's sign and within half to 1.5 times it, three in four within ``rel``
    # (a QRS beneath the edge bends a few leads)
    ratio = jump / np.where(mid == 0, np.inf, mid)
    alike = (((ratio >= 0.5) & (ratio <= 1.5)).all(axis=0)
             & ((np.abs(jump - mid) <= rel * np.abs(mid) + 0.05).mean(axis=0) >= 0.75))
    # a step's neighbours read half of it, of the other sign: an edge is the largest within 2 samples
    peak = np.abs(mid) >= np.max(sliding_window_view(np.pad(np.abs(mid), 2), 5), axis=1)
    edges = [(int(k) + 1, int(np.sign(mid[k])))               # (first sample after it, +1 up / -1 down)
             for k in np.flatnonzero(alike & peak & (np.abs(mid) >= mv[0]) & (np.abs(mid) <= mv[1]))]
    if not edges or len(edges) > 2:      # more: a device's test signal throughout (a square wave), not one pulse
        return None
    lo, hi = int(round(dur_s[0] * fs)), int(round(dur_s[1] * fs))
    spans = []                                                                 # (first, end) samples of the top
    for i, (s, sign) in enumerate(edges):
        spans += [(s, e, sign) for e, g in edges[i + 1:] if g == -sign and lo <= e - s <= hi][:1]
    for s, sign in edges:                                                      # one edge, the other beyond the record
        spans += [(0, s, -sign)] * (ends[0] and lo <= s <= hi) + [(s, T, sign)] * (ends[1] and lo <= T - s <= hi)
    near = int(round(edge_s * fs))

    def level(a: int, b: int) -> np.ndarray:
        return np.median(xp[:, max(0, a):max(0, b)], axis=1) if min(b, T) - max(a, 0) > 0 else np.full(len(xp), np.nan)

    for a, b, sign in spans:
        if not ((ends[0] and a <= near) or (ends[1] and b >= T - near)):
            continue
        n = b - a
        out = np.concatenate([xp[:, max(0, a - n):a], xp[:, b:b + n]], axis=1)  # (l, <= 2n) beside it
        if out.shape[1] < n // 2:
            continue
        size = float(np.median(sign * (level(a, b) - np.median(out, axis=1))))
        if not mv[0] <= size <= mv[1]:
            continue
        # flat on top (its two halves at one level), and, beyond one edge, the level beside it held on (not the
        # top of the pulse itself, whose other edge was missed)
        halves = [level(a, a + n // 2), level(b - n // 2, b)]
        beyond = [level(b, b + n), level(b + n, b + 2 * n)] if a == 0 else \
            [level(a - n, a), level(a - 2 * n, a - n)] if b == T else halves
        if any(np.nanmedian(np.abs(u - v)) > 0.5 * size for u, v in (halves, beyond)
               if np.isfinite(u).all() and np.isfinite(v).all()):
            continue
        # each lead's step from its edges (less the ECG's slope beneath them), top minus beside
        steps = ([jump[:, a - 1]] if a > 0 else []) + ([-jump[:, b - 1]] if b < T else [])
        each = np.zeros(L)
        each[present] = np.mean(steps, axis=0)
        return a / fs, b / fs, each
    return None
