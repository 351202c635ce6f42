"""QRS detection (neurokit2 on the spatial magnitude), tall-T rejection, dominant-beat selection."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import signal as sps

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

