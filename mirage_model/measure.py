"""ECG interval measurements: HR, RR, PR, QRS, QT, QTc (Bazett, Fridericia), frontal axes, fiducials.

Method (global measurements on a median beat of the 12 leads, the approach of computerised
electrocardiographs and of the CSE / IEC 60601-2-25 "global interval" definitions):

0. Rate: records sampled below ``min_native_fs`` (250 Hz; PTB-XL's 100 Hz records) are resampled
   to ``work_fs`` (500 Hz, ``scipy.signal.resample_poly`` per lead) and delineated there; the
   fiducials are mapped back to the record's sample indices. (Delineating 10 ms samples directly
   read the QRS ~18 ms long on LUDB decimated to 100 Hz; resampled, +2.5 ms, as at 500 Hz.)
1. Conditioning: every lead is band-passed 0.5-100 Hz (zero-phase Butterworth; the upper edge
   is lowered to 0.4 fs for low sampling rates). Leads that are flat, contain NaN or are flagged
   ``missing``/``flat`` in ``record.quality`` are left out.
2. QRS detection: neurokit2's ``ecg_findpeaks`` (method "neurokit", Makowski et al. 2021) on the
   spatial magnitude of the independent leads (I, II, V1-V6), so no single lead decides. Each
   beat is anchored at the maximum of that magnitude.
3. Dominant beats: beats whose QRS (-80 ms to +100 ms around the anchor, all independent leads)
   correlates at least 0.9 with the median QRS form of the largest class of alike beats.
   Ectopic and noisy beats are left out of the median beat; all beats count for the heart rate.
   Fewer than 3 alike beats (or under 40 % of the detected ones): noise, no values at all.
4. Median beat per lead (sample-wise median of the dominant beats, -450 ms to +750 ms).
5. Global fiducials on the median beat, from the 8 independent leads together:
   - QRS onset/offset: spatial velocity ``sqrt(sum_l (dx_l/dt)^2)`` (Gaussian derivative, -3 dB
     at 40 Hz). Walk out from the steep part of the QRS to where it stays below 5 % of its
     maximum, then take the knee of the log velocity between that crossing and the quietest
     sample beyond it; finally move each bound inwards (at most 12 ms) where a sharper (100 Hz)
     velocity is still quiet, which undoes the smoothing's spread on clean signals. Being
     spatial, the first deflection in any lead starts the QRS and the last one ends it.
   - T offset: trapezium-area method (Vazquez-Seisdedos et al., BioMed Eng OnLine 2011) on the
     spatial magnitude of the baseline-corrected ST-T segment (smoothed, -3 dB at 10 Hz): where
     the T wave of all leads has returned to baseline.
   - P wave: the largest spatial deflection in the 330 ms before the QRS (and after the previous
     T wave); onset/offset at the knees of its log velocity (40 Hz). A P wave is accepted only
     if its largest deflection is at least ``p_min_amplitude_mv`` and it repeats beat to beat
     (median correlation of each beat's P segment with the median P >= ``p_corr_min``);
     otherwise PR and the P axis are None (atrial fibrillation, flutter, paced or junctional
     rhythm, noise).
6. Intervals: PR = QRS onset - P onset, QRS = QRS offset - QRS onset, QT = T offset - QRS onset,
   RR = mean RR of all detected beats, HR = 60000 / RR. QTc: Bazett QT / sqrt(RR s),
   Fridericia QT / cbrt(RR s). QTc is reported whenever QT is, with a note that it is unreliable
   when the rhythm is irregular (RR coefficient of variation > ``qtc_rr_cv_max``, 0.15: atrial
   fibrillation, frequent ectopy) and, for Bazett, above ``qtc_bazett_hr_max`` (120 bpm).
7. Frontal axes: the net area of leads I and aVF over each wave (P, QRS, T) on the median beat
   (baseline: the PR segment).
   With the Einthoven/Goldberger geometry a frontal vector of angle a and size M projects as
   I = M cos a and aVF = (sqrt(3)/2) M sin a, so a = atan2(2 aVF / sqrt(3), I), in degrees in
   (-180, 180]. None when the net vector is too small to have a direction.
8. Per-lead fiducials for display (skipped with ``fiducials=False``; nothing else changes): the
   same rules on each lead's own median beat, mapped back to
   every dominant beat (NaN for the others); the R peak is the largest deflection of the lead
   inside the global QRS of each beat (the S nadir in a QS lead). ``global_fiducials["r_peak"]``
   is each beat's anchor (maximum of the spatial magnitude).

Accuracy against the LUDB cardiologists' annotations and speed: docs/measurements.md
(``scripts/eval_ludb.py``). Values are None where they cannot be measured; the reason is in
``Measurements.notes``. Research use only, not a diagnosis.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy import signal as sps

from mirage_model.io import STANDARD_LEADS

METHOD_NAME = "median-beat spatial velocity + neurokit2 QRS detection"

# Independent leads: I, II, V1-V6 (III and the augmented leads are linear combinations of I, II).
_INDEPENDENT = (0, 1, 6, 7, 8, 9, 10, 11)
_LEAD_I, _LEAD_AVF = 0, 5

SCALAR_KEYS: tuple[str, ...] = (
    "heart_rate_bpm", "rr_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms",
    "qtc_framingham_ms", "p_axis_deg", "qrs_axis_deg", "t_axis_deg",
)
FIDUCIAL_KEYS: tuple[str, ...] = ("p_on", "p_off", "qrs_on", "qrs_off", "t_off", "r_peak")


@dataclass(frozen=True)
class MeasureConfig:
    """Tunable constants of the method (times in seconds, amplitudes in mV)."""
    band_hz: tuple[float, float] = (0.5, 100.0)   # conditioning band-pass
    pre_s: float = 0.45                           # median beat starts this long before the anchor
    post_s: float = 0.75                          # ... and ends this long after it
    min_beats: int = 3                            # dominant beats needed for a median beat
    min_dominant_fraction: float = 0.4            # fewer consistent beats than this: noise, no values
    qrs_corr_min: float = 0.9                     # QRS correlation with the median form (dominant beats)
    qrs_lowpass_hz: float = 40.0                  # Gaussian smoothing (-3 dB) of the QRS velocity
    qrs_cross_frac: float = 0.05                  # velocity crossing (of its QRS max) that brackets the knee
    qrs_knee_on_s: float = 0.08                   # knee search before the onset crossing
    qrs_knee_off_s: float = 0.10                  # ... and after the offset crossing
    hold_s: float = 0.006                         # a crossing must stay below the threshold this long
    refine_hz: float | None = 100.0               # sharper velocity that refines the QRS bounds (None: off)
    refine_frac: float = 0.01                     # ... quiet while below this fraction of its QRS max
    refine_s: float = 0.012                       # ... moving a bound inwards by at most this
    t_lowpass_hz: float = 10.0                    # Gaussian smoothing (-3 dB) for the T wave
    t_ref_s: float = 0.18                         # trapezium reference point after the steepest T slope
    t_min_amplitude_mv: float = 0.04              # smaller T waves: no T offset (QT None)
    p_window_s: float = 0.33                      # P search window before the QRS onset
    p_lowpass_hz: float = 40.0                    # Gaussian smoothing (-3 dB) for the P wave
    p_steep_frac: float = 0.4                     # P samples this steep (of the P's max velocity) are inside it
    p_knee_s: float = 0.05                        # knee search before/after the steep P samples
    p_min_amplitude_mv: float = 0.025             # smaller P waves (largest lead): no P
    p_corr_min: float = 0.75                      # median beat-to-beat P correlation for a P wave
    min_axis_area_mv_ms: float = 0.5              # smaller net vectors (mV ms): axis None
    min_native_fs: float = 250.0                  # records sampled below this are resampled ...
    work_fs: float | None = 500.0                 # ... to this rate for delineation (None: never)
    qtc_rr_cv_max: float = 0.15                   # RR coefficient of variation above this: QTc unreliable
    qtc_bazett_hr_max: float = 120.0              # heart rate above this: Bazett QTc unreliable
    min_leads: int = 3                            # leads with a boundary needed for the median over leads
    # calibration added to the median-over-leads intervals: minus the median difference from the
    # cardiologists' per-lead readings on LUDB records 1-50 (records 51-100 never tuned on)
    pr_bias_ms: float = -12.5
    qrs_bias_ms: float = -6.5
    qt_bias_ms: float = -17.0
    spike_max_s: float = 0.012                    # pacing spike: narrower than this ...
    spike_ratio: float = 2.0                      # ... and its raw slope this many times the 40 Hz one


@dataclass(frozen=True)
class LeadFiducials:
    """Sample indices (at the record's fs) per beat for one lead; NaN where not found. Each (n_beats,)."""
    p_on: np.ndarray
    p_off: np.ndarray
    qrs_on: np.ndarray
    qrs_off: np.ndarray
    t_off: np.ndarray
    r_peak: np.ndarray


@dataclass(frozen=True)
class Measurements:
    """One record's measurements. Intervals in ms, rate in bpm, axes in degrees (-180, 180];
    None where not measurable (``notes`` says why). Fiducials are sample indices at ``fs``,
    (n_beats,) float arrays, NaN for beats left out of the median beat (ectopic, cut off)."""
    heart_rate_bpm: float | None
    rr_ms: float | None
    pr_ms: float | None
    qrs_ms: float | None
    qt_ms: float | None
    qtc_bazett_ms: float | None
    qtc_fridericia_ms: float | None
    p_axis_deg: float | None
    qrs_axis_deg: float | None
    t_axis_deg: float | None
    fiducials: dict = field(default_factory=dict)   # lead name -> LeadFiducials
    global_fiducials: dict = field(default_factory=dict)  # "p_on","qrs_on",... -> sample index arrays (n_beats,)
    fs: float = 0.0
    method: str = ""
    notes: tuple[str, ...] = ()                      # why a value is None, e.g. "PR: no P waves found (AF?)"
    beats: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (n_beats,) anchor samples
    dominant: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (n_beats,) in median beat
    qtc_formula: str = "Bazett: QT/sqrt(RR[s]); Fridericia: QT/cbrt(RR[s]); Framingham: QT+154(1-RR[s])"
    qtc_framingham_ms: float | None = None          # Sagie et al. 1992, linear: QT + 154 ms (1 - RR s)
    rr_cv: float | None = None                       # RR coefficient of variation (SD / mean) of all beats
    rhythm_irregular: bool | None = None             # rr_cv above MeasureConfig.qtc_rr_cv_max (AF, ectopy)

    def as_dict(self) -> dict[str, float | None]:
        """Scalar measurements only, keyed as the CSV columns (heart_rate_bpm, rr_ms, pr_ms, ...)."""
        return {k: getattr(self, k) for k in SCALAR_KEYS}


def qtc_bazett(qt_ms: float, rr_ms: float) -> float:
    """Bazett (1920): QTc = QT / sqrt(RR in seconds), in ms."""
    return qt_ms / math.sqrt(rr_ms / 1000.0)


def qtc_fridericia(qt_ms: float, rr_ms: float) -> float:
    """Fridericia (1920): QTc = QT / cbrt(RR in seconds), in ms."""
    return qt_ms / (rr_ms / 1000.0) ** (1.0 / 3.0)


def qtc_framingham(qt_ms: float, rr_ms: float) -> float:
    """Framingham (Sagie et al., Am J Cardiol 1992): QTc = QT + 154 ms (1 - RR in seconds), in ms."""
    return qt_ms + 154.0 * (1.0 - rr_ms / 1000.0)


def frontal_axis_deg(net_i: float, net_avf: float) -> float:
    """Frontal-plane axis from the net deflections (amplitude or area) of leads I and aVF.

    Lead I sees M cos(a), aVF sees (sqrt(3)/2) M sin(a) (Einthoven triangle, Goldberger leads).

    Returns:
        degrees in (-180, 180]; 0 points to the left arm, +90 to the feet.
    """
    deg = math.degrees(math.atan2(2.0 * net_avf / math.sqrt(3.0), net_i))
    return 180.0 if deg == -180.0 else deg


def empty_measurements(fs: float, notes: tuple[str, ...], beats: np.ndarray | None = None,
                       heart_rate: tuple[float, float] | None = None) -> Measurements:
    """Measurements with every value None (or only HR/RR), and the reasons in ``notes``."""
    hr, rr = heart_rate if heart_rate is not None else (None, None)
    return Measurements(
        heart_rate_bpm=hr, rr_ms=rr, pr_ms=None, qrs_ms=None, qt_ms=None, qtc_bazett_ms=None,
        qtc_fridericia_ms=None, p_axis_deg=None, qrs_axis_deg=None, t_axis_deg=None,
        fs=float(fs), method=METHOD_NAME, notes=notes,
        beats=np.zeros(0, dtype=np.int64) if beats is None else beats,
        dominant=np.zeros(0 if beats is None else len(beats), dtype=bool),
    )


# ---------------------------------------------------------------------------------------------
# signal helpers


@lru_cache(maxsize=32)
def _butter_bandpass(lo: float, hi: float, fs: float) -> np.ndarray:
    """Second-order Butterworth band-pass sections, (2, 6). Cached (a design costs ~1 ms): do not modify."""
    sos = sps.butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos")
    return sos


def _bandpass(x: np.ndarray, fs: float, band: tuple[float, float]) -> np.ndarray:
    """Zero-phase Butterworth band-pass along the last axis. x: (L, T)."""
    hi = min(band[1], 0.4 * fs)
    sos = _butter_bandpass(float(band[0]), float(hi), float(fs))
    padlen = min(x.shape[-1] - 1, int(3 * fs))
    return sps.sosfiltfilt(sos, x, axis=-1, padlen=padlen)


def _smooth(x: np.ndarray, fs: float, hz: float, order: int = 0) -> np.ndarray:
    """Gaussian smoothing along the last axis with its -3 dB point at ``hz`` (order=1: its derivative, /s).

    A Gaussian kernel does not ring, so a wave's end is not followed by filter ripples.
    """
    from scipy.ndimage import gaussian_filter1d

    sigma = 0.1325 / hz * fs                    # sigma * f_3dB = sqrt(ln 2) / (2 pi)... = 0.1325
    y = gaussian_filter1d(x, sigma, axis=-1, order=order, mode="nearest")
    return y * fs if order == 1 else y


def _hold_below(mask_below: np.ndarray, n_hold: int) -> np.ndarray:
    """True where ``mask_below`` holds for n_hold consecutive samples starting at that index."""
    if n_hold <= 1:
        return mask_below
    c = np.convolve(mask_below.astype(np.int32), np.ones(n_hold, dtype=np.int32), mode="full")
    # c[k + n_hold - 1] counts mask[k .. k + n_hold - 1]
    out = np.zeros_like(mask_below)
    out[: len(mask_below) - n_hold + 1] = c[n_hold - 1: len(mask_below)] == n_hold
    return out


def _walk_out(sv: np.ndarray, lo: int, hi: int, start: int, thr: float, n_hold: int,
              backwards: bool) -> int | None:
    """From ``start`` walk back (or forward) to the first sample where sv < thr holds.

    Backwards: returns the onset k (the last sample of the quiet run just before the wave).
    Forwards: returns the offset k (the first quiet sample after the wave). None if the search
    window [lo, hi) ends first.
    """
    below = _hold_below(sv < thr, n_hold)
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


def _knee(sv: np.ndarray, a: int, b: int) -> int | None:
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


def _trapezium_end(y: np.ndarray, tm: int, tr: int) -> int:
    """Trapezium-area wave end: argmax over t in [tm, tr] of 0.5 (y[tm] - y[t]) (2 tr - t - tm)."""
    t = np.arange(tm, tr + 1)
    area = 0.5 * (y[tm] - y[tm: tr + 1]) * (2 * tr - t - tm)
    return int(tm + np.argmax(area))


# ---------------------------------------------------------------------------------------------
# the pipeline


def _detect_beats(x: np.ndarray, fs: float, leads: np.ndarray) -> np.ndarray:
    """QRS anchors (sample indices) from neurokit2 on the spatial magnitude of ``leads``. x: (L, T)."""
    import neurokit2 as nk  # imported lazily: it is slow to import

    sos = _butter_bandpass(5.0, float(min(30.0, 0.4 * fs)), float(fs))
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
    return _drop_t_waves(np.asarray(keep, dtype=np.int64), mag, fs)


def _drop_t_waves(beats: np.ndarray, mag: np.ndarray, fs: float) -> np.ndarray:
    """Beats (n,) without tall T waves counted as QRS complexes (which doubles the rate).

    A detection is a T wave when it is small in the QRS band (under 0.7 of the typical QRS there,
    the median of the larger half), 200-450 ms after the previous QRS (where a T peak lies) and
    closer to that QRS than to the next one. A premature ventricular beat is as large as a normal
    QRS or larger in this band, so it stays.
    """
    if len(beats) < 3:
        return beats
    amp = mag[beats]
    typical = float(np.median(np.sort(amp)[len(amp) // 2:]))
    keep = np.ones(len(beats), dtype=bool)
    for j in range(1, len(beats)):
        prev = j - 1
        while prev > 0 and not keep[prev]:
            prev -= 1
        d_prev = (beats[j] - beats[prev]) / fs
        d_next = (beats[j + 1] - beats[j]) / fs if j + 1 < len(beats) else np.inf
        if amp[j] < 0.7 * typical and 0.2 <= d_prev <= 0.45 and d_prev < d_next and keep[prev]:
            keep[j] = False
    return beats[keep]


def _dominant_beats(x: np.ndarray, fs: float, beats: np.ndarray, leads: np.ndarray,
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


def _qrs_bounds(sv: np.ndarray, c: int, fs: float, cfg: MeasureConfig,
                lo: int, hi: int, floor: bool = False) -> tuple[int | None, int | None]:
    """QRS onset/offset on a velocity curve sv (K,) whose anchor sample is c; search in [lo, hi).

    Walk out from the steep part of the QRS to where the velocity stays below ``qrs_cross_frac``
    of its maximum, then take the knee of the log velocity between that crossing and the quietest
    sample beyond it (``_knee``): a threshold alone lands late on real ECGs, a knee alone is pulled
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
    x_on = _walk_out(sv, max(lo, c - int(round(0.2 * fs))), hi, first, thr, n_hold, True)
    floored = x_on is None and floor and lo <= first
    if floored:
        x_on = lo                                # right after a pacing spike: the QRS starts there
    x_off = _walk_out(sv, lo, min(hi, c + int(round(0.2 * fs))), last, thr, n_hold, False)
    if x_on is None or x_off is None:
        return None, None
    a_on = max(lo, x_on - int(round(cfg.qrs_knee_on_s * fs)))
    valley_on = a_on + int(np.argmin(sv[a_on:x_on + 1]))
    b_off = min(hi - 1, x_off + int(round(cfg.qrs_knee_off_s * fs)))
    valley_off = x_off + int(np.argmin(sv[x_off:b_off + 1]))
    on = _knee(sv, valley_on, x_on) if x_on - valley_on >= 3 and not floored else x_on
    off = _knee(sv, x_off, valley_off) if valley_off - x_off >= 3 else x_off
    return on, off


def _refine(med: np.ndarray, fs: float, cfg: MeasureConfig, on: int, off: int,
            c: int) -> tuple[int, int]:
    """Move wave boundaries inwards where a less smoothed velocity is still quiet.

    The smoothing that steadies the knee search also spreads a wave's edges by a few ms; the
    sharper velocity (``refine_hz``) undoes that where the signal is clean, and changes nothing
    where it is noisy (its noise is above the quiet threshold).
    """
    sv = np.sqrt(np.sum(_smooth(med, fs, cfg.refine_hz, order=1) ** 2, axis=0))
    thr = cfg.refine_frac * float(sv[on:off + 1].max())
    lim = int(round(cfg.refine_s * fs))
    k = on
    while k + 1 < min(on + lim, c) and sv[k + 1] < thr:
        k += 1
    j = off
    while j - 1 > max(off - lim, c) and sv[j - 1] < thr:
        j -= 1
    return k, j


def _t_end(y: np.ndarray, start: int, stop: int, fs: float, cfg: MeasureConfig,
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
    return _trapezium_end(y, tm, tr)


def _p_wave(med: np.ndarray, sv: np.ndarray, fs: float, qrs_on: int, lo: int,
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
    on = _knee(sv, max(lo, first - int(round(cfg.p_knee_s * fs))), first)
    off = _knee(sv, last, min(hi, last + int(round(cfg.p_knee_s * fs))))
    if on is None or off is None or off - on < int(0.04 * fs):
        return None, None, "PR: P wave boundaries not found"
    return on, off, ""


def _pacing_spikes(med: np.ndarray, fs: float, c: int, cfg: MeasureConfig) -> list[tuple[int, int]]:
    """Pacemaker spikes on the median beat (l, K): spans [a, b] of samples to bridge.

    A spike is far steeper than any QRS slope (its raw spatial slope is ``spike_ratio`` times the
    largest 40 Hz-smoothed QRS slope) and narrow (under ``spike_max_s`` above a quarter of its
    peak). Searched from 300 ms before the anchor to 60 ms after it (atrial and ventricular spikes).
    """
    d = np.sqrt(np.sum(np.diff(med, axis=1) ** 2, axis=0)) * fs            # (K-1,) mV/s, raw
    a0, b0 = max(1, c - int(0.3 * fs)), min(len(d) - 1, c + int(0.06 * fs))
    if b0 - a0 < 3:
        return []
    ref = float(np.sqrt(np.sum(_smooth(med[:, a0:b0], fs, cfg.qrs_lowpass_hz, order=1) ** 2, axis=0)).max())
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


def _p_consistency(beat_segs: np.ndarray) -> float:
    """Median correlation of each beat's P segment with the median P segment. beat_segs: (n, l, K)."""
    n = beat_segs.shape[0]
    seg = beat_segs - beat_segs.mean(axis=2, keepdims=True)
    seg = seg.reshape(n, -1)
    tmpl = np.median(seg, axis=0)
    den = np.linalg.norm(seg, axis=1) * np.linalg.norm(tmpl) + 1e-12
    return float(np.median(seg @ tmpl / den))


def _net_area(med_lead: np.ndarray, a: int, b: int, fs: float) -> float:
    """Net area (mV ms) of one baseline-corrected median-beat lead over [a, b)."""
    return float(med_lead[a:b].sum() * 1000.0 / fs)


def _axis(med: np.ndarray, a: int | None, b: int | None, fs: float, cfg: MeasureConfig) -> float | None:
    """Frontal axis (degrees) of the wave in [a, b) of the baseline-corrected median beat (L, K)."""
    if a is None or b is None or b <= a:
        return None
    ai = _net_area(med[_LEAD_I], a, b, fs)
    af = _net_area(med[_LEAD_AVF], a, b, fs)
    if math.hypot(ai, 2.0 * af / math.sqrt(3.0)) < cfg.min_axis_area_mv_ms:
        return None
    return round(frontal_axis_deg(ai, af), 1)


def rr_variation(beats: np.ndarray) -> float | None:
    """Coefficient of variation (SD / mean) of the RR intervals between consecutive beats (n_beats,)."""
    rr = np.diff(np.asarray(beats, dtype=float))
    if rr.size < 2 or rr.mean() <= 0:
        return None
    return float(rr.std(ddof=1) / rr.mean())


def _qtc_caveats(beats: np.ndarray, hr: float, cfg: MeasureConfig) -> list[str]:
    """Notes for QTc values that are reported but unreliable (irregular rhythm, high rate)."""
    out = []
    cv = rr_variation(beats)
    if cv is not None and cv > cfg.qtc_rr_cv_max:
        out.append(f"QTc unreliable: irregular rhythm (RR coefficient of variation {cv:.2f} > "
                   f"{cfg.qtc_rr_cv_max:g}; e.g. atrial fibrillation): QT and the mean RR do not belong "
                   "to the same cycle")
    if hr > cfg.qtc_bazett_hr_max:
        out.append(f"QTc Bazett unreliable: heart rate {hr:g} bpm > {cfg.qtc_bazett_hr_max:g} "
                   "(Bazett over-corrects at high rates; Fridericia is less affected)")
    return out


def _ms(n_samples: float, fs: float) -> float:
    return round(float(n_samples) * 1000.0 / fs, 1)


def measure(record, config: MeasureConfig | None = None, fiducials: bool = True) -> Measurements:
    """Measure an EcgRecord (12, T) mV at fs. Values are None where not measurable, never invented.

    Records sampled below ``config.min_native_fs`` (250 Hz; PTB-XL's 100 Hz ``_lr`` records) are
    first resampled to ``config.work_fs`` (500 Hz, ``scipy.signal.resample_poly`` per lead), so the
    delineation runs at the rate it was designed and validated at; the fiducials are mapped back to
    the record's own sample indices.

    Args:
        record: an ``EcgRecord`` (signal float (12, T) mV in STANDARD_LEADS order, fs in Hz).
        config: method constants; the defaults are the published ones (docs/measurements.md).
        fiducials: False skips the per-lead fiducials (``Measurements.fiducials`` is then empty;
            global fiducials, beats and every scalar value are identical either way). For batch
            scoring, where only the scalars are needed.

    Returns:
        Measurements: scalar intervals (ms), rate (bpm), axes (degrees), per-lead and global
        fiducials (sample indices at the record's fs, (n_beats,) each), and notes saying why a
        value is None or unreliable.

    Raises:
        ValueError: the signal is not (12, T) or fs is not a positive number (names the record).
    """
    cfg = config or MeasureConfig()
    name = getattr(record, "record_id", "record")
    x = np.asarray(record.signal, dtype=np.float64)
    fs = float(record.fs)
    if x.ndim != 2 or x.shape[0] != len(STANDARD_LEADS):
        raise ValueError(f"{name}: expected a (12, T) signal, got shape {x.shape}")
    if not math.isfinite(fs) or fs <= 0:
        raise ValueError(f"{name}: sampling frequency must be positive, got {fs}")
    T = x.shape[1]
    if fs < 100:
        return empty_measurements(fs, (f"sampling rate {fs:g} Hz is too low for interval measurement",))
    if T < int(2.5 * fs):
        return empty_measurements(fs, (f"record too short ({T / fs:.1f} s) for measurement",))
    quality = getattr(record, "quality", {}) or {}
    if not cfg.work_fs or fs >= cfg.min_native_fs:
        return _measure_signal(x, fs, cfg, quality, fiducials)

    # low rate: delineate at work_fs, report sample indices at fs
    ratio = Fraction(float(cfg.work_fs) / fs).limit_denominator(1000)
    work_fs = fs * ratio.numerator / ratio.denominator
    xw = sps.resample_poly(x, ratio.numerator, ratio.denominator, axis=1)
    m = _measure_signal(xw, work_fs, cfg, quality, fiducials)
    back = fs / work_fs

    def rescale(a: np.ndarray) -> np.ndarray:
        out = np.round(np.asarray(a, dtype=float) * back)
        out[~(out < T)] = np.nan                       # NaN stays NaN, past the end becomes NaN
        return out

    return replace(
        m, fs=fs,
        beats=np.minimum(np.round(m.beats * back).astype(np.int64), T - 1),
        global_fiducials={k: rescale(v) for k, v in m.global_fiducials.items()},
        fiducials={ld: LeadFiducials(*(rescale(getattr(f, k)) for k in FIDUCIAL_KEYS))
                   for ld, f in m.fiducials.items()},
        notes=m.notes + (f"sampling rate {fs:g} Hz: resampled to {work_fs:g} Hz for delineation "
                         "(accuracy at 100 Hz: docs/measurements.md)",),
    )


def _measure_signal(x: np.ndarray, fs: float, cfg: MeasureConfig, quality: dict,
                    with_fiducials: bool) -> Measurements:
    """The pipeline on a validated (12, T) float64 signal at fs (>= min_native_fs or resampled)."""
    L, T = x.shape
    # usable leads: finite, not flat, not flagged
    usable = np.isfinite(x).all(axis=1) & (np.nanmax(x, axis=1) - np.nanmin(x, axis=1) > 0.02)
    for flag in ("missing", "flat"):
        if flag in quality:
            usable &= ~np.asarray(quality[flag], dtype=bool)
    indep = np.asarray([i for i in _INDEPENDENT if usable[i]], dtype=np.int64)
    if len(indep) < 2:
        return empty_measurements(fs, ("fewer than 2 usable independent leads (flat, missing or NaN)",))

    xf = np.zeros_like(x)
    xf[usable] = _bandpass(x[usable], fs, cfg.band_hz)

    beats = _detect_beats(xf, fs, indep)
    if len(beats) < 2:
        return empty_measurements(fs, ("fewer than 2 QRS complexes detected",), beats)
    rr = float(np.mean(np.diff(beats))) * 1000.0 / fs
    hr = round(60000.0 / rr, 1)
    rr = round(rr, 1)
    rr_cv = rr_variation(beats)
    irregular = None if rr_cv is None else bool(rr_cv > cfg.qtc_rr_cv_max)

    dominant = _dominant_beats(xf, fs, beats, indep, cfg.qrs_corr_min)
    pre, post = int(round(cfg.pre_s * fs)), int(round(cfg.post_s * fs))
    in_window = (beats - pre >= 0) & (beats + post < T)
    use = dominant & in_window
    if dominant.sum() < cfg.min_beats or dominant.mean() < cfg.min_dominant_fraction:
        return empty_measurements(
            fs, (f"only {int(dominant.sum())} of {len(beats)} QRS complexes are alike: noisy record, "
                 "no reliable measurement",), beats)
    if use.sum() < cfg.min_beats:
        # short records: allow beats whose window is cut, padded by edge values through nanmedian
        use = dominant
    idx = beats[use][:, None] + np.arange(-pre, post)[None, :]             # (n, K)
    valid = (idx >= 0) & (idx < T)
    segs = xf[:, np.clip(idx, 0, T - 1)]                                     # (L, n, K)
    if valid.all():                                  # xf is finite (unusable leads are 0)
        med = np.median(segs, axis=1)                # (L, K); same values as nanmedian, 4x faster
    else:
        segs = np.where(valid[None], segs, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(segs, axis=1)                                 # (L, K)
    K = med.shape[1]
    finite_cols = np.isfinite(med[indep]).all(axis=0)
    lo_ok = int(np.argmax(finite_cols))
    hi_ok = K - int(np.argmax(finite_cols[::-1]))
    med = np.nan_to_num(med)
    c = pre                                                                  # anchor in median beat
    notes: list[str] = []
    if irregular:
        notes.append(f"rhythm irregular (RR coefficient of variation {rr_cv:.2f} > {cfg.qtc_rr_cv_max:g}): "
                     f"rate is the mean over all {len(beats)} QRS complexes")
    if fs < cfg.min_native_fs:
        notes.append(f"sampling rate {fs:g} Hz: interval boundaries are coarse (validated at 500 Hz)")

    # --- pacing spikes -------------------------------------------------------------------------
    spikes = _pacing_spikes(med[indep], fs, c, cfg)
    for a, b in spikes:                       # bridge each spike: it is not part of the QRS
        med[:, a:b + 1] = np.linspace(med[:, a], med[:, b], b - a + 1, axis=1)
    if spikes:
        notes.append(f"pacing spike{'s' if len(spikes) > 1 else ''} on the median beat: left out of "
                     "the QRS (it starts after the spike)")
        lo_q = max(lo_ok, max(b for _, b in spikes if b <= c + int(0.02 * fs)) if any(
            b <= c + int(0.02 * fs) for _, b in spikes) else lo_ok)
    else:
        lo_q = lo_ok

    # --- QRS --------------------------------------------------------------------------------
    v = _smooth(med, fs, cfg.qrs_lowpass_hz, order=1)                        # (L, K) mV/s
    sv = np.sqrt(np.sum(v[indep] ** 2, axis=0))                              # (K,)
    sp_on, sp_off = _qrs_bounds(sv, c, fs, cfg, lo_q, hi_ok, floor=bool(spikes))
    if sp_on is None or sp_off is None:
        return empty_measurements(fs, ("QRS boundaries not found on the median beat",), beats, (hr, rr))
    if cfg.refine_hz:
        sp_on, sp_off = _refine(med[indep], fs, cfg, sp_on, sp_off, c)
    # each lead's own QRS on its median beat; the global QRS is their median (robust to one lead)
    lead_ix = np.flatnonzero(usable)
    l_qon, l_qoff = np.full(L, np.nan), np.full(L, np.nan)
    for li in lead_ix:
        a, b = _qrs_bounds(np.abs(v[li]), c, fs, cfg, lo_q, hi_ok, floor=bool(spikes))
        if a is not None and b is not None:
            if cfg.refine_hz:
                a, b = _refine(med[li:li + 1], fs, cfg, a, b, c)
            l_qon[li], l_qoff[li] = a, b
    if np.isfinite(l_qon).sum() >= cfg.min_leads:
        qrs_on = int(round(np.nanmedian(l_qon)))
        qrs_len = float(np.nanmedian(l_qoff - l_qon)) + cfg.qrs_bias_ms * fs / 1000.0
        qrs_off = max(qrs_on + 1, int(round(qrs_on + qrs_len)))
    else:
        qrs_on, qrs_off, qrs_len = sp_on, sp_off, float(sp_off - sp_on)
    qrs_ms = _ms(qrs_len, fs)
    medb = med - med[:, qrs_on - int(round(0.01 * fs)) if qrs_on >= int(0.01 * fs) else 0][:, None]

    # --- T wave ------------------------------------------------------------------------------
    rr_samples = float(np.median(np.diff(beats)))
    t_stop = min(hi_ok, c + int(min(0.7 * rr_samples, 0.65 * fs)))
    t_hard = c + int(0.85 * rr_samples)                                      # before the next QRS
    t_start = max(qrs_off, sp_off) + int(round(0.06 * fs))
    # spatial magnitude of the ST-T (baseline: the PR-segment level), smoothed: T waves are slow
    mag = np.sqrt(np.mean(_smooth(medb[indep], fs, cfg.t_lowpass_hz) ** 2, axis=0))
    t_sp = _t_end(mag, t_start, t_stop, fs, cfg, t_hard)
    l_toff = np.full(L, np.nan)
    if t_sp is not None:
        y_all = _smooth(medb, fs, cfg.t_lowpass_hz)
        for li in lead_ix:
            y = y_all[li]
            y = y if y[qrs_off:t_sp].max() >= -y[qrs_off:t_sp].min() else -y      # T up or down
            k = _t_end(y, t_start, t_stop, fs, cfg, t_hard)
            if k is not None:
                l_toff[li] = k
    qt_l = l_toff - l_qon
    if t_sp is None:
        notes.append("QT: T wave too small or not found")
        t_off, qt_ms = None, None
    else:
        if np.isfinite(qt_l).sum() >= cfg.min_leads:
            qt_len = float(np.nanmedian(qt_l)) + cfg.qt_bias_ms * fs / 1000.0
        else:
            qt_len = float(t_sp - qrs_on) + cfg.qt_bias_ms * fs / 1000.0
        t_off = int(round(qrs_on + qt_len))
        qt_ms = _ms(qt_len, fs)

    # --- P wave ------------------------------------------------------------------------------
    # the P wave lies after the previous beat's T wave and at most p_window_s before the QRS
    qrs_first = int(min(qrs_on, sp_on))          # the spatial onset: the first deflection of any lead
    p_lo = max(lo_ok, qrs_first - int(round(min(cfg.p_window_s * fs, 0.55 * rr_samples))))
    if t_off is not None:
        p_lo = max(p_lo, int(t_off - rr_samples))
    # P waves hold little above 40 Hz; the median beat's noise does
    lp_all = _smooth(medb, fs, cfg.p_lowpass_hz)
    med_lp = lp_all[indep]
    vp_all = _smooth(medb, fs, cfg.p_lowpass_hz, order=1)
    sv_lp = np.sqrt(np.sum(vp_all[indep] ** 2, axis=0))
    p_on, p_off, why = _p_wave(med_lp, sv_lp, fs, qrs_first, p_lo, cfg)
    if p_on is not None:
        a = max(0, p_on - int(round(0.01 * fs)))
        b = min(qrs_first - int(round(0.01 * fs)), p_off + int(round(0.01 * fs)))
        beat_p = _smooth(segs[indep][:, :, max(0, a - int(0.05 * fs)):b], fs, cfg.p_lowpass_hz)
        cons = _p_consistency(beat_p[:, :, a - max(0, a - int(0.05 * fs)):].transpose(1, 0, 2))
        if not np.isfinite(cons) or cons < cfg.p_corr_min:
            p_on = p_off = None
            why = f"PR: no consistent P wave (beat-to-beat correlation {cons:.2f}; AF/flutter?)"
    l_pon, l_poff = np.full(L, np.nan), np.full(L, np.nan)
    if p_on is None:
        notes.append(why)
        pr_ms = None
    else:
        for li in lead_ix:
            # each lead's P near the spatial one: a lead's stray deflection is not its P wave
            l_lo = max(p_lo, p_on - int(round(0.04 * fs)))
            a, b, _ = _p_wave(lp_all[li:li + 1], np.abs(vp_all[li]), fs, qrs_first, l_lo, cfg)
            if a is not None and b is not None:
                l_pon[li], l_poff[li] = a, b
        pr_l = l_qon - l_pon
        if np.isfinite(pr_l).sum() >= cfg.min_leads:
            pr_len = float(np.nanmedian(pr_l)) + cfg.pr_bias_ms * fs / 1000.0
        else:
            pr_len = float(qrs_on - p_on) + cfg.pr_bias_ms * fs / 1000.0
        p_on = int(round(qrs_on - pr_len))
        pr_ms = _ms(pr_len, fs)

    qtc_b = round(qtc_bazett(qt_ms, rr), 1) if qt_ms is not None else None
    qtc_f = round(qtc_fridericia(qt_ms, rr), 1) if qt_ms is not None else None
    qtc_fr = round(qtc_framingham(qt_ms, rr), 1) if qt_ms is not None else None
    if qt_ms is not None:
        notes.extend(_qtc_caveats(beats, hr, cfg))

    # --- axes -------------------------------------------------------------------------------
    axes_ok = usable[_LEAD_I] and usable[_LEAD_AVF]
    qrs_axis = _axis(medb, qrs_on, qrs_off, fs, cfg) if axes_ok else None
    t_axis = _axis(medb, qrs_off, t_off, fs, cfg) if axes_ok and t_off is not None else None
    p_axis = _axis(medb, p_on, p_off, fs, cfg) if axes_ok and p_on is not None else None
    if not axes_ok:
        notes.append("axes: lead I or aVF unusable")

    # --- fiducials ---------------------------------------------------------------------------
    glob_med = {"p_on": p_on, "p_off": p_off, "qrs_on": qrs_on, "qrs_off": qrs_off, "t_off": t_off}
    n = len(beats)
    offset = beats - c                                                       # median-beat -> record

    def to_record(k) -> np.ndarray:
        out = np.full(n, np.nan)
        if k is not None and np.isfinite(k):
            out[dominant] = (offset + int(k))[dominant]
        out[(out < 0) | (out >= T)] = np.nan
        return out

    global_fid = {key: to_record(k) for key, k in glob_med.items()}
    global_fid["r_peak"] = beats.astype(float)
    fiducials = {}
    for li, lead in enumerate(STANDARD_LEADS if with_fiducials else ()):
        r = np.full(n, np.nan)
        if usable[li]:
            for j, bt in enumerate(beats):
                a, b = bt - (c - qrs_on), bt + (qrs_off - c) + 1
                if a >= 0 and b <= T and b > a:
                    r[j] = a + int(np.argmax(np.abs(xf[li, a:b] - xf[li, a])))
        fiducials[lead] = LeadFiducials(
            p_on=to_record(l_pon[li]), p_off=to_record(l_poff[li]), qrs_on=to_record(l_qon[li]),
            qrs_off=to_record(l_qoff[li]), t_off=to_record(l_toff[li]), r_peak=r)

    return Measurements(
        heart_rate_bpm=hr, rr_ms=rr, pr_ms=pr_ms, qrs_ms=qrs_ms, qt_ms=qt_ms,
        qtc_bazett_ms=qtc_b, qtc_fridericia_ms=qtc_f, qtc_framingham_ms=qtc_fr,
        p_axis_deg=p_axis, qrs_axis_deg=qrs_axis, t_axis_deg=t_axis,
        fiducials=fiducials, global_fiducials=global_fid, fs=fs, method=METHOD_NAME,
        notes=tuple(notes), beats=beats, dominant=dominant, rr_cv=rr_cv, rhythm_irregular=irregular,
    )
