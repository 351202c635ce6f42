"""Per-lead signal-quality indices: beats and median beats at 100 Hz, high-frequency noise, the
Zhao & Zhang 2018 kSQI/pSQI/basSQI fusion, mains amplitude and bursts of noise over beats. Pacing stimuli are
``pacing``'s, a lead's ECG lost for part of the record ``lost_ecg``'s."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import butter, find_peaks, resample_poly, sosfiltfilt, welch


def _resample_to(x: np.ndarray, fs: float, target: float) -> np.ndarray:
    """(L, T) at ``fs`` -> (L, T') at ``target`` (polyphase, anti-aliased)."""
    if abs(fs - target) < 1e-6:
        return x
    frac = Fraction(target / fs).limit_denominator(1000)
    return resample_poly(x, frac.numerator, frac.denominator, axis=-1)


NARROW_SPIKE_SAMPLES = 5      # the beat detector's running median (samples at 100 Hz): takes out 1-2 sample spikes
GAP_SHARE = 0.7               # a beat found only without them is kept this share of the median RR from the others


@lru_cache(maxsize=32)
def _sos(kind: str, lo: float, hi: float, fs: float, order: int = 2) -> np.ndarray:
    if kind == "band":
        return butter(order, [lo, hi], btype="band", fs=fs, output="sos")
    if kind == "high":
        return butter(order, lo, btype="high", fs=fs, output="sos")
    return butter(order, hi, btype="low", fs=fs, output="sos")


def detect_beats(x100: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """R-peak sample indices of a 100 Hz (L, T) signal from the leads in ``usable`` (L,) bool.

    Energy of the 5-15 Hz band summed over leads (each scaled to its own robust size, so one huge
    or noisy lead does not dominate), smoothed over 100 ms; peaks at least 250 ms apart above 30 %
    of a reference height (and, where that leaves a gap, the peaks of the same energy of the signal
    less its one- or two-sample spikes, ``without_narrow_spikes``: pacing stimuli at 100 Hz), each
    moved to the largest absolute deflection of the strongest lead within 60 ms. The reference is
    the energy's 98th percentile or, when lower, the median of its maxima over 2 s stretches (the
    typical QRS): a second of electrode artefact then no longer sets the bar above every QRS (CPSC
    Q0010: 2 beats found of 16, so "unscorable"; on LUDB 1-100 with a 5 mV pop in the last 1.5 s,
    0 of 844 annotated QRS complexes before, 834 after).
    """
    fs = 100.0
    if x100.shape[1] < 2 * fs or not usable.any():
        return np.zeros(0, dtype=int)
    peaks = _energy_peaks(x100[usable])
    # a pacing stimulus at 100 Hz is one or two tall samples: its 5-15 Hz energy set the bar over the paced beats
    # after a small one (PTB-XL 01461: 6 of 10 beats found, 4 leads "poor"). The beats found without such spikes
    # fill the gaps that leaves, where a beat is due (not within GAP_SHARE of the median RR of a beat found).
    # Read without them throughout, the narrow QRS complexes' energy fell and T waves passed for beats (PTB-XL
    # 01279's rate 58 -> 119 bpm; 4 of 500 non-paced records of folds 1-8 newly called noisy)
    if len(peaks) >= 2:
        more = _energy_peaks(without_narrow_spikes(x100[usable]))
        rr = float(np.median(np.diff(peaks)))
        near = np.abs(more[:, None] - peaks[None]).min(axis=1) if len(more) else np.zeros(0)
        inside = (more >= 25) & (more < x100.shape[1] - 25)      # not on the band-pass's start or end
        peaks = np.union1d(peaks, more[(near >= GAP_SHARE * rr) & inside])
    # align on the strongest lead's extreme so median beats are sharp
    hp = sosfiltfilt(_sos("high", 0.7, 0.0, fs), x100[usable], axis=-1)
    strongest = int(np.argmax(np.percentile(np.abs(hp), 99, axis=1)))
    ref = np.abs(hp[strongest])
    out = []
    for p in peaks:
        a, b = max(0, p - 6), min(len(ref), p + 7)
        out.append(a + int(np.argmax(ref[a:b])))
    return np.unique(np.asarray(out, dtype=int))


def _energy_peaks(x: np.ndarray) -> np.ndarray:
    """``detect_beats``' peaks of the QRS-band energy of (l, T) 100 Hz mV ``x``: sample indices (n,)."""
    band = sosfiltfilt(_sos("band", 5.0, 15.0, 100.0), x, axis=-1)
    scale = np.median(np.abs(band), axis=1, keepdims=True) + 1e-6
    energy = ((band / scale) ** 2).sum(axis=0)
    energy = np.convolve(energy, np.ones(10) / 10, mode="same")
    ref = float(np.percentile(energy, 98))
    stretch = 200
    maxima = [energy[i:i + stretch].max() for i in range(0, len(energy) - stretch // 2, stretch)]
    if maxima:
        ref = min(ref, float(np.median(maxima)))
    return find_peaks(energy, distance=25, height=0.3 * ref)[0]


def without_narrow_spikes(x100: np.ndarray) -> np.ndarray:
    """(L, T) 100 Hz mV -> the same less its excursions of one or two samples (a pacing stimulus, an electrode
    pop): each lead's running median over 5 samples (50 ms), which a QRS complex, wider than that, outlasts."""
    return median_filter(x100, size=(1, NARROW_SPIKE_SAMPLES), mode="nearest") if x100.shape[1] else x100


def median_beats(x100: np.ndarray, beats: np.ndarray, window_s=(-0.25, 0.45)) -> tuple[np.ndarray, np.ndarray]:
    """Beats (N, L, S) and median beats (L, S) of a 100 Hz signal, S = 70 samples by default;
    beats too near the ends are left out. Each beat's baseline is its first 40 ms."""
    a, b = int(round(window_s[0] * 100)), int(round(window_s[1] * 100))
    keep = beats[(beats + a >= 0) & (beats + b <= x100.shape[1])]
    if len(keep) == 0:
        return np.zeros((0, x100.shape[0], b - a)), np.full((x100.shape[0], b - a), np.nan)
    idx = keep[:, None] + np.arange(a, b)[None]                  # (N, S)
    segs = np.transpose(x100[:, idx], (1, 0, 2))                 # (N, L, S)
    segs = segs - segs[:, :, :4].mean(axis=2, keepdims=True)
    return segs, np.median(segs, axis=0)


def hf_noise(x100: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """High-frequency noise per lead (mV RMS) of a 100 Hz (L, T) signal (``assess`` passes it
    low-passed at 40 Hz), from the first
    difference outside QRS complexes (R +- 80 ms), where the ECG itself is slow: for white noise of
    RMS s the difference has RMS s * sqrt(2); the median absolute difference / 0.954 estimates s
    robustly (Gaussian MAD). (L,)."""
    d = np.diff(x100, axis=1)
    keep = np.ones(d.shape[1], bool)
    for b in beats:
        keep[max(0, b - 8):b + 8] = False
    if keep.sum() < 50:
        keep[:] = True
    return np.median(np.abs(d[:, keep]), axis=1) / (0.6745 * np.sqrt(2))


def template_noise(segs: np.ndarray, med: np.ndarray) -> np.ndarray:
    """High-frequency noise per lead (mV RMS) left once each beat's own shape is taken away: the
    Gaussian-MAD estimate of ``hf_noise`` on the first difference of every beat (N, L, S) minus the
    median beat (L, S) (``median_beats`` of the same 40 Hz low-passed 100 Hz signal). What repeats
    from beat to beat is the ECG; what does not is noise. ``hf_noise`` reads the signal outside
    R +- 80 ms, where a narrow-QRS ECG is slow; a QRS wider than that, or a tachycardia whose next
    complex comes within the window, is read there as noise (CinC 2021 JS45545, a wide-complex
    tachycardia at 187 bpm whose beats correlate at 0.99: 0.30 mV by ``hf_noise``, 0.04 mV by this).
    For added white or muscle noise the two agree (PTB-XL 00001_lr with 0.05 mV muscle noise:
    0.039 and 0.040 mV). NaN per lead with fewer than two beats. (L,)."""
    segs = np.asarray(segs, dtype=np.float64)
    if segs.ndim != 3 or len(segs) < 2:
        return np.full(np.shape(med)[0], np.nan)
    d = np.diff(segs - np.asarray(med, dtype=np.float64)[None], axis=2)    # (N, L, S - 1)
    return np.median(np.abs(d), axis=(0, 2)) / (0.6745 * np.sqrt(2))


def noise_index(x40: np.ndarray, beats: np.ndarray, segs40: np.ndarray, med40: np.ndarray,
                min_template_beats: int) -> np.ndarray:
    """The noise index ``assess`` grades leads by, (L,) mV RMS: ``hf_noise`` of ``x40`` (L, T) (the 40 Hz
    low-passed 100 Hz signal) at ``beats`` (N,), or ``template_noise`` of its beats ``segs40`` (N, L, S)
    and their median ``med40`` (L, S) where smaller, with ``min_template_beats`` beats or more (a wide
    QRS or a fast rhythm is not noise: what repeats from beat to beat is the ECG)."""
    noise = hf_noise(x40, beats)
    if len(segs40) >= min_template_beats:
        noise = np.fmin(noise, template_noise(segs40, med40))
    return noise


def _rms(v: np.ndarray, axis=-1) -> np.ndarray:
    return np.sqrt(np.mean(np.square(v), axis=axis))


def _corr_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of matching rows (..., S) of a and b; 0 where either is constant."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    den = np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(-1) / den
    return np.where(den > 1e-12, r, 0.0)


# -----------------------------------------------------------------------------------------------
# Per-lead indices
# -----------------------------------------------------------------------------------------------

def spectrum(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (F,) and amplitude spectrum (L, F) in mV of (L, T) (rectangular window, so a
    sinusoid on a bin reads its peak amplitude; the Nyquist bin reads |A sin(phase)|)."""
    T = x.shape[1]
    X = np.abs(np.fft.rfft(x - x.mean(axis=1, keepdims=True), axis=1)) / T
    X[:, 1:] *= 2
    if T % 2 == 0:
        X[:, -1] /= 2
    return np.fft.rfftfreq(T, 1.0 / fs), X


def high_band_ratio(raw100: np.ndarray) -> np.ndarray:
    """(L,) power 30-45 Hz over power 10-25 Hz of each lead of a 100 Hz (L, T) signal (Welch,
    256-sample segments). A QRS complex always carries some 30-45 Hz; a recording whose device
    low-passed it at about 25 Hz or lower (a cart's "muscle filter") has almost none. NaN for a
    lead shorter than 2.56 s or with no 10-25 Hz power."""
    L, T = raw100.shape
    if T < 256:
        return np.full(L, np.nan)
    f, p = welch(raw100 - raw100.mean(axis=1, keepdims=True), fs=100.0, nperseg=256, axis=-1)
    hi = p[:, (f >= 30) & (f <= 45)].sum(axis=1)
    mid = p[:, (f >= 10) & (f <= 25)].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mid > 0, hi / mid, np.nan)


def sqi_indices(x: np.ndarray, fs: float, spec: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """kSQI, pSQI and basSQI per lead of (L, T) at ``fs`` (Zhao & Zhang 2018, NeuroKit2's
    definitions: Pearson kurtosis; power 5-15 / 5-40 Hz; 1 - power 0-1 / 0-40 Hz). The band powers
    come from the whole record's periodogram (NeuroKit2 averages Welch segments; the ratios agree
    to a few per cent and one FFT keeps ``assess`` fast). NaN where fs < 80 Hz (no 40 Hz band).

    Args:
        x: (L, T) mV. fs: Hz. spec: ``spectrum(x, fs)`` if already computed.
    """
    L, T = x.shape
    xc = x - x.mean(axis=1, keepdims=True)
    sq = xc * xc
    m2 = sq.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (sq * sq).mean(axis=1) / m2 ** 2
    out = {"kSQI": np.where(m2 > 0, k, np.nan), "pSQI": np.full(L, np.nan), "basSQI": np.full(L, np.nan)}
    if fs < 80 or T < fs:
        return out
    f, a = spec if spec is not None else spectrum(x, fs)
    p = a ** 2

    def power(lo, hi):
        return p[:, (f >= lo) & (f <= hi)].sum(axis=1)

    with np.errstate(invalid="ignore", divide="ignore"):
        out["pSQI"] = power(5, 15) / power(5, 40)
        out["basSQI"] = 1 - power(0, 1) / power(0, 40)
    return out


def _zhao_grade(k: float, p: float, bas: float, hr: float | None) -> str:
    """Zhao & Zhang 2018's simple heuristic fusion: "good" (Excellent), "fair" (Barely acceptable)
    or "poor" (Unacceptable)."""
    if not (np.isfinite(k) and np.isfinite(p) and np.isfinite(bas)):
        return "fair"
    l1, l2, l3 = (0.5, 0.8, 0.4) if (hr or 0) < 130 else (0.4, 0.7, 0.3)
    pc = 2 if l1 < p < l2 else (1 if l3 < p < l1 else 0)
    kc = 2 if k > 5 else 0
    bc = 2 if bas >= 0.95 else (0 if bas < 0.9 else 1)
    cls = np.array([pc, kc, bc])
    n_opt, n_sus, n_un = (cls == 2).sum(), (cls == 1).sum(), (cls == 0).sum()
    if n_un >= 2 or (n_un == 1 and n_sus == 2):
        return "poor"
    if n_opt >= 2 and n_un == 0:
        return "good"
    return "fair"


def mains_amplitude(spec: tuple[np.ndarray, np.ndarray], fs: float, freq: float) -> tuple[np.ndarray, np.ndarray]:
    """Amplitude (mV) at ``freq`` Hz in each lead (the largest of the three bins nearest to it) and
    of the floor next to it (median amplitude at freq +- 2..4 Hz), from ``spectrum(x, fs)``; a
    component at exactly Nyquist counts (what a 100 Hz recorder keeps of 50 Hz mains).
    (L,) each; NaN above Nyquist."""
    f, a = spec
    L = a.shape[0]
    if freq > fs / 2 + 1e-9 or len(f) < 3:
        return np.full(L, np.nan), np.full(L, np.nan)
    k = int(np.argmin(np.abs(f - freq)))
    at = a[:, max(0, k - 1):k + 2].max(axis=1)
    d = np.abs(f - freq)
    side = (d >= 2) & (d <= 4)
    floor = np.median(a[:, side], axis=1) if side.any() else np.full(L, np.nan)
    return at, floor


# Mains left after the subtraction (``mains_left``): the band read about the fundamental, and where it is read
MAINS_LEFT_BAND_HZ = 4.0       # f0 +- this: a line drifting 49.5-50.5 Hz leaves its residual spread over +-3 Hz
MAINS_LEFT_SIDE_HZ = 6.0       # the floor's bands: this far beyond f0 +- MAINS_LEFT_BAND_HZ, as wide as half of it
# Read from this far from an R peak (s, either side: the QRS complex's 40-60 Hz content is the heart's) to the
# next bound: the P wave, the PR and ST segments, where the intervals' ends are found. What the subtraction
# leaves gathers there: where the pacing-spike bridge takes a mains peak on a QRS complex for a spike, the fit
# of its window goes wrong (LUDB 1 with 0.5 mV of 50 Hz: 0.07 mV left within 80 ms of R, 0.03 mV to 200 ms,
# 0.001 mV beyond 400 ms), and it took the PR
MAINS_LEFT_NEAR_S = (0.08, 0.3)


def mains_left(x: np.ndarray, fs: float, freq: float, beats_s: np.ndarray,
               mains_hz: tuple[float, ...] = (50.0, 60.0),
               subtracted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The mains interference at ``freq`` Hz that each lead of (L, T) mV ``x`` still carries once the
    measurement has subtracted what it can (``preprocess.remove_mains`` with ``only_present``, as ``measure``
    conditions a record), and the floor beside it: (L,) mV each, the peak amplitude sqrt(2) x RMS of the band
    ``freq`` +- ``MAINS_LEFT_BAND_HZ`` and of the two bands beside it (as wide together, ``MAINS_LEFT_SIDE_HZ``
    away) over the samples ``MAINS_LEFT_NEAR_S`` from the nearest R peak (``beats_s`` (N,) s). A QRS complex's
    or noise's content spreads over both; mains left stands out of its floor. The fundamental only: the
    measurement's conditioning low-pass takes the harmonics.

    Where ``freq`` lies at or above 0.95 x Nyquist the measurement subtracts nothing (a 100 Hz record's 50 Hz
    sits on Nyquist itself): the line and its floor as the spectrum reads them (``mains_amplitude``) are what
    is left. Zeros where there are no beats to read about. ``subtracted``: that subtraction of ``x``, where the
    caller has made it (``quality.assess`` reads its median beats too)."""
    from mirage_model.preprocess import mains_frequencies, remove_mains   # numpy/scipy only; imported on use

    L, T = x.shape
    if freq not in mains_frequencies(fs, (freq,)):
        amp, floor = mains_amplitude(spectrum(x, fs), fs, freq)
        return np.nan_to_num(amp, nan=0.0), np.nan_to_num(floor, nan=0.0)
    beats = np.sort(np.asarray(beats_s, dtype=np.float64))
    t = np.arange(T) / fs
    near = _nearest(t, beats) if beats.size else np.full(T, np.inf)
    keep = (near >= MAINS_LEFT_NEAR_S[0]) & (near <= MAINS_LEFT_NEAR_S[1])
    edge = int(round(0.5 * fs))              # the band-passes' own start and end
    keep[:edge] = keep[T - edge:] = False
    hi = freq + MAINS_LEFT_SIDE_HZ + MAINS_LEFT_BAND_HZ
    if not keep.any() or hi >= fs / 2:
        return np.zeros(L), np.zeros(L)
    y = remove_mains(x, fs, tuple(mains_hz), only_present=True) if subtracted is None else subtracted

    def amplitude(lo: float, hi: float) -> np.ndarray:
        band = sosfiltfilt(_sos("band", lo, hi, fs), y, axis=-1)
        return np.sqrt(2.0 * np.mean(band[:, keep] ** 2, axis=1))
    w, d = MAINS_LEFT_BAND_HZ, MAINS_LEFT_SIDE_HZ
    amp = amplitude(freq - w, freq + w)
    floor = np.sqrt(amplitude(freq - d - w, freq - d) ** 2 + amplitude(freq + d, freq + d + w) ** 2)
    return amp, floor


def _nearest(t: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """(T,) distance (s) of each time ``t`` (T,) to the nearest of sorted ``beats`` (N,) s."""
    i = np.clip(np.searchsorted(beats, t), 1, len(beats) - 1) if len(beats) > 1 else np.zeros(len(t), int)
    return np.minimum(np.abs(t - beats[i]), np.abs(t - beats[np.maximum(i - 1, 0)]))


def burst_beats(segs: np.ndarray, med: np.ndarray, usable: np.ndarray, min_mv: float = 0.15, min_rel: float = 0.3,
                ratio: float = 3.0, reads: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(N, L) bool the beats of each lead that a burst of noise swamps: ``segs`` (N, L, S) beats and ``med``
    (L, S) their median (mV, 100 Hz, 40 Hz low-passed). A beat's residual about its lead's median beat
    (RMS of its first difference over sqrt 2) reaches ``min_mv`` and ``min_rel`` of the lead's median-beat
    height, and ``ratio`` times the
    same relative residual of the median lead at that beat: an ectopic beat, or a beat the detector placed
    badly, is unlike the median in every lead; a burst, or an electrode's motion, in one lead or in the
    few that share an electrode. The median of the beats' correlations (``beat_corr``) and the noise's
    median (``hf_noise``) read past a burst of a second in ten (PTB-XL fold 9, 500 records, a 0.5-1 s
    burst of 1-3 mV 2-30 Hz noise added to one lead: 17 of the 500 leads graded poor without this). No ``ectopic``
    beat: a premature ventricular beat is a large residual in a lead whose QRS is small (PTB-XL 04372's III);
    ``reads``: its ``ectopic_reads`` where the caller has them."""
    N, L = segs.shape[:2]
    if N < 3:
        return np.zeros((N, L), bool)
    # the residual's first difference (over sqrt 2, so white noise reads its RMS): a baseline's drift within
    # the beat, which the 40 ms baseline of ``median_beats`` leaves, is no burst (on the clean PTB-XL records
    # of folds 1-8 the residual itself read 10 of 500 as bursts, each with baseline wander)
    r = np.sqrt(np.mean(np.diff(segs - med[None], axis=2) ** 2, axis=2)) / np.sqrt(2)     # (N, L) mV
    hit = _swamped(r, med, usable, min_mv, min_rel, ratio)
    return hit & ~ectopic(segs, med, usable, hit, reads=reads)[:, None]


ECTOPIC_CORR = 0.7      # a beat whose leads (the lowest third) correlate under this with their median: another form
ECTOPIC_Q = 0.34        # that share of the leads, the lowest (a beat of another form can differ in few)
ECTOPIC_LP_HZ = 15.0    # the beats compared below this: a muscle's noise (5-45 Hz) mostly gone, a wide QRS kept
ECTOPIC_LAG_S = 0.04    # and at the best of these shifts: a beat the detector placed a little off is the same form
ECTOPIC_SIZE = 0.5      # a window whose QRS slope (median lead) is under this share of the median beat's holds no beat


def ectopic(segs: np.ndarray, med: np.ndarray, usable: np.ndarray, touched: np.ndarray | None = None,
            at: int = 25, reads: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(N,) bool the beats ``segs`` (N, L, S) of another form than their median ``med`` (L, S), at 100 Hz with the R
    peak at sample ``at``, read in the ``usable`` (L,) leads a burst has not ``touched`` (N, L): low-passed at
    ``ECTOPIC_LP_HZ``, each lead's correlation with its median beat at the best shift within ``ECTOPIC_LAG_S``, the
    lowest ``ECTOPIC_Q`` of them under ``ECTOPIC_CORR``, and the median lead's QRS slope (60 ms either side of the R
    peak) at least ``ECTOPIC_SIZE`` of the median beat's. A premature ventricular beat is unlike the median in most
    leads, the most for its height in a lead whose own QRS is small (PTB-XL 14309's V2, 14126's III and aVL, 04372's
    III read as bursts without this); in some records in few (18149's V1-V3, 14743's limb leads: their median lead
    correlates 0.72-0.77). A burst changes its own leads, which ``touched`` leaves out, and can move where the
    detector places a beat (LUDB 1 with 3 mV in V3 at 4 s, one beat 40 ms off: the shift finds the same form), or
    place one between the beats (there, 0.1-0.4 of the QRS slope in the other leads: no beat, not another form).
    ``reads``: ``ectopic_reads`` of these beats where the caller has it."""
    N, L = segs.shape[:2]
    keep = usable[None] & (np.ones((N, L), bool) if touched is None else ~touched)             # (N, L)
    if not keep.any():
        return np.zeros(N, bool)
    r, size = ectopic_reads(segs, med, at) if reads is None else reads
    return ((_kept_quantile(r, keep, ECTOPIC_Q) < ECTOPIC_CORR)
            & (_kept_quantile(size, keep, 0.5) >= ECTOPIC_SIZE))


def ectopic_reads(segs: np.ndarray, med: np.ndarray, at: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """What ``ectopic`` reads of each beat and lead, whichever leads it keeps: (N, L) the correlation of ``segs``
    (N, L, S) with their median ``med`` (L, S), low-passed at ``ECTOPIC_LP_HZ``, at the best shift within
    ``ECTOPIC_LAG_S``, and (N, L) the QRS slope (60 ms either side of the R peak at sample ``at``) as a share of the
    median beat's. Computed once where both ``burst_beats`` and ``motion_bursts`` ask (``assess``)."""
    N, L = segs.shape[:2]
    sos = _sos("low", 0.0, ECTOPIC_LP_HZ, 100.0)
    s, m = sosfiltfilt(sos, segs, axis=-1), sosfiltfilt(sos, med, axis=-1)                      # (N, L, S), (L, S)
    S, lag = s.shape[-1], int(round(ECTOPIC_LAG_S * 100))
    r = np.full((N, L), -1.0)                                                                   # (N, L)
    for d in range(-lag, lag + 1):
        r = np.maximum(r, _corr_rows(s[..., max(0, d):S + min(0, d)], m[None, :, max(0, -d):S - max(0, d)]))
    qrs = slice(at - 6, at + 7)
    size = _rms(np.diff(s[..., qrs], axis=-1)) / np.maximum(_rms(np.diff(m[..., qrs], axis=-1)), 1e-4)[None]
    return r, size


def _kept_quantile(v: np.ndarray, keep: np.ndarray, q: float) -> np.ndarray:
    """(N,) each row's ``q`` quantile (linear, as ``np.quantile``) of ``v`` (N, L) where ``keep`` (N, L); NaN in a row
    that keeps none (``np.nanquantile`` over rows, without its per-row loop)."""
    c = keep.sum(axis=1)
    v = np.sort(np.where(keep, v, np.inf), axis=1)                                              # kept first
    v[c == 0] = np.nan
    at = q * np.maximum(c - 1, 0)
    lo = np.floor(at).astype(int)
    hi = np.minimum(lo + 1, np.maximum(c - 1, 0))
    a, b = np.take_along_axis(v, lo[:, None], 1)[:, 0], np.take_along_axis(v, hi[:, None], 1)[:, 0]
    return a + (b - a) * (at - lo)


def _swamped(r: np.ndarray, med: np.ndarray, usable: np.ndarray, min_mv: float, min_rel: float,
             ratio: float) -> np.ndarray:
    """(K, L) bool the residuals ``r`` (K, L) mV that reach ``min_mv``, ``min_rel`` of their lead's median-beat
    height (``med`` (L, S)) and ``ratio`` times the same share of the median usable lead (``usable`` (L,))."""
    if not usable.any():
        return np.zeros(r.shape, bool)
    rel = r / np.maximum(np.ptp(med, axis=1), 0.05)[None]                       # (K, L)
    typical = np.median(np.where(usable[None], rel, np.nan), axis=1, keepdims=True)
    return (r >= min_mv) & (rel >= min_rel) & (rel >= ratio * np.maximum(typical, 1e-3)) & usable[None]


def gap_bursts(x40: np.ndarray, beats: np.ndarray, med: np.ndarray, usable: np.ndarray, window_s=(-0.25, 0.45),
               min_mv: float = 0.15, min_rel: float = 0.1, ratio: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """(W, L) bool the stretches between beats' windows that a burst of noise swamps, and (W, 2) their spans (s):
    ``x40`` (L, T) mV at 100 Hz, 40 Hz low-passed, ``beats`` (N,) R peaks (samples), ``med`` (L, S) their median
    beat. ``burst_beats`` reads only the beats' windows (``window_s`` about each R peak); noise in a long RR or a
    pause, where the detector found no beat, lay outside every window (a 1.5 s burst of 1-3 mV in 4 leads in a
    spliced 3.3-3.8 s pause of 17 of 200 PTB-XL records was named nowhere). Each stretch outside the windows of
    0.3 s or more, cut into pieces about a window long, is read with the same rule: its first difference's RMS
    over sqrt 2 reaches ``min_mv`` and ``min_rel`` of the lead's median-beat height (lower than over a beat: the
    ECG there, a P wave or the end of a T wave, is slow), and ``ratio`` times the median lead's at that stretch (a
    beat the detector missed is in every lead)."""
    L, T = x40.shape
    a, b = int(round(window_s[0] * 100)), int(round(window_s[1] * 100))
    if len(beats) < 3 or not usable.any():
        return np.zeros((0, L), bool), np.zeros((0, 2))
    free = np.ones(T, bool)
    for k in beats:
        free[max(0, k + a):max(0, k + b)] = False
    edges = np.diff(np.concatenate(([0], free.astype(np.int8), [0])))
    spans = []
    for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        if e - s >= 30:
            cuts = np.linspace(s, e, max(1, int(round((e - s) / (b - a)))) + 1).astype(int)
            spans += list(zip(cuts[:-1], cuts[1:]))
    if not spans:
        return np.zeros((0, L), bool), np.zeros((0, 2))
    r = np.stack([np.sqrt(np.mean(np.diff(x40[:, s:e], axis=1) ** 2, axis=1)) for s, e in spans]) / np.sqrt(2)
    return _swamped(r, med, usable, min_mv, min_rel, ratio), np.array(spans, float) / 100.0       # (W, L), (W, 2)


MOTION_HP_HZ = 1.5      # the slow residual's high-pass: a baseline's wander (under 1 Hz) is no burst


def _detrended(v: np.ndarray) -> np.ndarray:
    """(..., S) less its least-squares line: what is left of a baseline's drift over a window is no burst."""
    t = np.arange(v.shape[-1]) - (v.shape[-1] - 1) / 2.0
    slope = (v * t).sum(axis=-1, keepdims=True) / max(float((t * t).sum()), 1.0)
    return v - v.mean(axis=-1, keepdims=True) - slope * t


def motion_bursts(x40: np.ndarray, beats: np.ndarray, segs: np.ndarray, med: np.ndarray, usable: np.ndarray,
                  gap_spans: np.ndarray, window_s=(-0.25, 0.45), min_mv: float = 0.15, min_rel: float = 0.3,
                  gap_rel: float = 0.3, ratio: float = 3.0, own: float = 8.0,
                  reads: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(N, L) bool the beats and (W, L) the stretches between them (``gap_spans`` (W, 2) s, ``gap_bursts``') that an
    electrode's slow motion swamps: ``x40`` (L, T) mV at 100 Hz, 40 Hz low-passed, ``beats`` (N,) R peaks, ``segs``
    (N, L, S) and ``med`` (L, S) its beats and their median (``median_beats`` at ``window_s``). ``burst_beats``
    reads the first difference, which reads 0.5-10 Hz motion at about a quarter of its size (32 of 100 such bursts
    named in 200 PTB-XL records); here the signal high-passed at ``MOTION_HP_HZ``, less its own median beat at each
    beat (a stretch as it is), less a line, RMS: it reaches ``min_mv`` and ``min_rel`` (``gap_rel`` between the
    beats) of the lead's median-beat height, ``ratio`` times the median lead's, in that share and in mV (an ectopic
    beat is unlike the median in every lead, a large share of a small lead), and ``own`` times the lead's median
    over its beats (its beat-to-beat variability); no ``ectopic`` beat (``reads``: its ``ectopic_reads`` where the
    caller has them)."""
    L = x40.shape[0]
    spans = np.round(np.asarray(gap_spans, float).reshape(-1, 2) * 100).astype(int)
    xb = sosfiltfilt(_sos("high", MOTION_HP_HZ, 0.0, 100.0), x40, axis=-1)
    slow, med_b = median_beats(xb, beats, window_s)                                             # (N, L, S), (L, S)
    if len(slow) < 3 or not usable.any():
        return np.zeros((len(slow), L), bool), np.zeros((len(spans), L), bool)
    other = ectopic(segs, med, usable, reads=reads)                                             # (N,)
    r = _rms(_detrended(slow - med_b[None]), axis=2)                                            # (N, L) mV
    g = (np.stack([_rms(_detrended(xb[:, s:e]), axis=1) for s, e in spans]) if len(spans)
         else np.zeros((0, L)))                                                                # (W, L) mV
    floor = own * np.maximum(np.median(r, axis=0), 0.02)[None]                                  # (1, L)

    def moved(v: np.ndarray, rel: float) -> np.ndarray:
        typical = np.median(np.where(usable[None], v, np.nan), axis=1, keepdims=True) if len(v) else v[:, :1]
        return _swamped(v, med, usable, min_mv, rel, ratio) & (v >= ratio * np.maximum(typical, 0.01)) & (v >= floor)
    return moved(r, min_rel) & ~other[:, None], moved(g, gap_rel)
