"""QRS detection (neurokit2 on the spatial magnitude), tall-T rejection, dominant-beat selection."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import signal as sps
from scipy.ndimage import median_filter

from mirage_model.measure.filters import butter_bandpass

# Independent leads: I, II, V1-V6 (III and the augmented leads are linear combinations of I, II).
INDEPENDENT = (0, 1, 6, 7, 8, 9, 10, 11)

def detect_beats(x: np.ndarray, fs: float, leads: np.ndarray) -> np.ndarray:
    """QRS anchors (sample indices) from neurokit2 on the spatial magnitude of ``leads``. x: (L, T)."""
    import neurokit2 as nk  # imported lazily: it is slow to import

    sos = butter_bandpass(5.0, float(min(30.0, 0.4 * fs)), float(fs))
    det = sps.sosfiltfilt(sos, x[leads], axis=-1, padlen=min(x.shape[1] - 1, int(3 * fs)))
    mag = np.sqrt(np.sum(det ** 2, axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peaks = nk.ecg_findpeaks(mag, sampling_rate=int(round(fs)), method="neurokit")["ECG_R_Peaks"]
    peaks = np.asarray(peaks, dtype=np.int64)
    if len(peaks) == 0:
        return peaks
    # anchor each beat at the local maximum of the magnitude (+-50 ms), then drop duplicates
    w = int(round(0.05 * fs))
    out = []
    for p in peaks:
        a, b = max(0, p - w), min(len(mag), p + w + 1)
        out.append(a + int(np.argmax(mag[a:b])))
    out = np.unique(np.asarray(out, dtype=np.int64))
    refractory = int(round(0.2 * fs))
    keep = [out[0]]
    for p in out[1:]:
        if p - keep[-1] >= refractory:
            keep.append(p)
        elif mag[p] > mag[keep[-1]]:
            keep[-1] = p
    return drop_t_waves(np.asarray(keep, dtype=np.int64), mag, fs)


def drop_t_waves(beats: np.ndarray, mag: np.ndarray, fs: float) -> np.ndarray:
    """Beats (n,) without tall T waves or noise counted as QRS complexes (which inflates the rate).

    A detection is a T wave when it is small in the QRS band (under 0.7 of the typical QRS there,
    the median of the larger half), 200-450 ms after the previous QRS (where a T peak lies) and
    closer to that QRS than to the next one. A premature ventricular beat is as large as a normal
    QRS or larger in this band, so it stays. A detection under 0.25 of the typical QRS is not a
    QRS wherever it lies (on LUDB 1-50 the one such detection was a flat stretch in a pause).
    """
    if len(beats) < 3:
        return beats
    amp = mag[beats]
    typical = float(np.median(np.sort(amp)[len(amp) // 2:]))
    keep = amp >= 0.25 * typical
    for j in range(1, len(beats)):
        if not keep[j]:
            continue
        prev = j - 1
        while prev > 0 and not keep[prev]:
            prev -= 1
        if not keep[prev]:
            continue
        d_prev = (beats[j] - beats[prev]) / fs
        nxt = j + 1
        while nxt < len(beats) and not keep[nxt]:
            nxt += 1
        d_next = (beats[nxt] - beats[j]) / fs if nxt < len(beats) else np.inf
        if amp[j] < 0.7 * typical and 0.2 <= d_prev <= 0.45 and d_prev < d_next:
            keep[j] = False
    return beats[keep]


def dominant_beats(x: np.ndarray, fs: float, beats: np.ndarray, leads: np.ndarray,
                    corr_min: float) -> np.ndarray:
    """(n_beats,) bool: QRS form correlates >= corr_min with the median QRS form."""
    a, b = int(round(0.08 * fs)), int(round(0.10 * fs))
    T = x.shape[1]
    ok = np.zeros(len(beats), dtype=bool)
    inside = (beats - a >= 0) & (beats + b < T)
    if inside.sum() == 0:
        return ok
    idx = beats[inside][:, None] + np.arange(-a, b)[None, :]          # (n, K)
    seg = x[leads][:, idx]                                              # (l, n, K)
    seg = seg - seg.mean(axis=2, keepdims=True)
    seg = np.transpose(seg, (1, 0, 2)).reshape(idx.shape[0], -1)       # (n, l*K)
    # the largest class: the beat that resembles most others, then the median of its class
    unit = seg / (np.linalg.norm(seg, axis=1, keepdims=True) + 1e-12)
    corr = unit @ unit.T                                                # (n, n)
    members = corr[int(np.argmax((corr >= corr_min).sum(axis=1)))] >= corr_min
    tmpl = np.median(seg[members], axis=0)
    num = seg @ tmpl
    den = np.linalg.norm(seg, axis=1) * np.linalg.norm(tmpl) + 1e-12
    ok[np.flatnonzero(inside)] = (num / den) >= corr_min
    return ok



MAX_SEEDS = 40   # beats tried as the seed of the lagged class (a long record's first ones): bounds the work


def _unit_segments(x: np.ndarray, fs: float, anchors: np.ndarray, leads: np.ndarray) -> np.ndarray:
    """(n, l*K) each anchor's QRS window (-80..+100 ms) over ``leads``, less its mean, of unit norm."""
    a, b = int(round(0.08 * fs)), int(round(0.10 * fs))
    idx = anchors[:, None] + np.arange(-a, b)[None, :]                 # (n, K)
    seg = x[leads][:, idx]                                              # (l, n, K)
    seg = seg - seg.mean(axis=2, keepdims=True)
    seg = np.transpose(seg, (1, 0, 2)).reshape(idx.shape[0], -1)       # (n, l*K)
    return seg / (np.linalg.norm(seg, axis=1, keepdims=True) + 1e-12)


def aligned_dominant_beats(x: np.ndarray, fs: float, beats: np.ndarray, leads: np.ndarray, corr_min: float,
                           max_lag_s: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """``dominant_beats`` of beats whose anchors may lie at different points of one QRS form: a paced record at
    100 Hz, whose detector anchors some complexes on the pacing spike (a spike of a sample or two, taller in
    some beats than in others) and some on the QRS 100-150 ms later, so that complexes alike to the eye
    correlate poorly where they stand. Each beat is compared at the lag (up to ``max_lag_s`` either way) where
    it best matches: the largest class of one form, then the median of that class aligned, as in
    ``dominant_beats``.

    Returns:
        ((n_beats,) bool: the beats of the dominant form, (n_beats,) int: the samples each one's anchor moves to
        stand where the dominant form's does, 0 for the others).
    """
    T = x.shape[1]
    a, b = int(round(0.08 * fs)), int(round(0.10 * fs))
    step = max(1, int(round(0.004 * fs)))                               # 4 ms, then refined to a sample
    L = int(round(max_lag_s * fs))
    ok, shift = np.zeros(len(beats), dtype=bool), np.zeros(len(beats), dtype=np.int64)
    inside = np.flatnonzero((beats - a - L >= 0) & (beats + b + L < T))
    if len(inside) < 2:
        return ok, shift
    anchors = beats[inside]

    def best(ref: np.ndarray, lags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(S, n) the best correlation of each beat with each reference form (S, l*K) over ``lags``, its lag."""
        top, at = np.full((len(ref), len(anchors)), -np.inf), np.zeros((len(ref), len(anchors)), np.int64)
        for lag in lags:
            r = ref @ _unit_segments(x, fs, anchors + lag, leads).T     # (S, n)
            better = r > top
            top[better], at[better] = r[better], lag
        return top, at

    seeds = _unit_segments(x, fs, anchors[:MAX_SEEDS], leads)         # (S, l*K) at their own anchors
    top, at = best(seeds, np.arange(-L, L + 1, step))
    s = int(np.argmax((top >= corr_min).sum(axis=1)))
    members = top[s] >= corr_min
    if members.sum() < 2:
        return ok, shift
    # the class's median form, each member at its lag; every beat compared with it again, to the sample
    aligned = _unit_segments(x, fs, anchors[members] + at[s, members], leads)
    tmpl = np.median(aligned, axis=0)
    tmpl = tmpl / (np.linalg.norm(tmpl) + 1e-12)
    top, at = best(tmpl[None], np.arange(-L, L + 1))
    keep = top[0] >= corr_min
    # the class's anchor where its QRS is, not where a seed's pacing spike was: the peak of its median's spatial
    # magnitude, each lead through a 30 ms median filter first (a spike, a sample or two of the record, is gone;
    # a QRS stays), smoothed over 40 ms
    idx = (anchors[keep] + at[0, keep])[:, None] + np.arange(-L, L + 1)[None, :]      # (m, 2L+1)
    med = np.median(x[leads][:, idx], axis=1)                                          # (l, 2L+1)
    med = median_filter(med, size=(1, int(0.03 * fs) // 2 * 2 + 1), mode="nearest")
    energy = np.sum((med - med.mean(axis=1, keepdims=True)) ** 2, axis=0)             # (2L+1,)
    w = max(1, int(round(0.04 * fs)))
    centre = int(np.argmax(np.convolve(energy, np.ones(w) / w, mode="same"))) - L
    moved = at[0] + centre
    fits = keep & (anchors + moved - a >= 0) & (anchors + moved + b < T)
    ok[inside] = fits
    shift[inside] = np.where(fits, moved, 0)
    return ok, shift
