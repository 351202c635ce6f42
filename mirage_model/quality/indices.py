"""Per-lead signal-quality indices: beats and median beats at 100 Hz, high-frequency noise, the
Zhao & Zhang 2018 kSQI/pSQI/basSQI fusion, mains amplitude and pacing spikes."""

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


# Pacing stimuli (``pacing_spikes``), the one detector whose spikes are said (the "paced_rhythm" finding, the pacer
# marks). A stimulus lasts 0.1-2 ms; a QRS slope is nearly straight over 4 ms.
PACE_HALF_S = 0.002            # a sample is compared with the mean of its neighbours this far on either side
PACE_MIN_MV = 0.25             # it is spiky when it stands out of that mean by more than this (mV) ...
PACE_LEAD_RATIO = 3.0          # ... and by this many times the lead's own 99th percentile of the same
PACE_MIN_SAMPLES = 2           # spiky samples (across leads, within PACE_HALF_S) that make a stimulus
PACE_MIN_GAP_S = 0.1           # candidates at least this far apart (s)
PACE_DELAY_S = (0.02, 0.35)    # a detected beat follows a stimulus within this (s): ventricular or AV pacing


def pacing_spikes(x: np.ndarray, fs: float, beats_s: np.ndarray,
                  usable: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Times (s) of pacing stimuli in (L, T) at ``fs`` >= 500 Hz, and the leads that show them.

    A sample is spiky in a lead when it stands out from the mean of its neighbours ``PACE_HALF_S``
    on either side by more than ``PACE_MIN_MV`` and by ``PACE_LEAD_RATIO`` times the lead's own
    99th percentile of that measure. A stimulus is a spot with ``PACE_MIN_SAMPLES`` spiky samples
    or more (across leads, within ``PACE_HALF_S``) that a detected beat follows within
    ``PACE_DELAY_S``; candidates are at least ``PACE_MIN_GAP_S`` apart.

    Two other narrow-spike detectors do other jobs, and neither can stand in for this one:
    ``preprocess.mains._spike_mask`` marks, lead by lead, the samples a mains fit must not follow (0.3 mV
    and 8 robust SD out of an 11 ms running median: the model's inputs are made with it, so it stays
    as it is). Its samples (before it widens them) in this rule's place, grouped and checked against
    the beats alike, found 5 of LUDB 8's 8 stimuli, 5 of 45's 8, 8 of 72's 10 and 2 of 93's 5 (its
    paced rhythm no longer said), and 14 and 28 in two unpaced CinC 2021 records (JS00005, atrial
    flutter; JS45547): a paced rhythm said of each. ``review.report.layout``'s reads the
    display-filtered trace (a stimulus widened to 5-9 ms) for excursions narrower than 10 ms at half
    height, and their bases, to cut them from the drawn sheet.

    Args:
        x: (L, T) mV. fs: Hz. beats_s: (N,) beat times in s. usable: (L,) bool.
    """
    L, T = x.shape
    k = max(1, int(round(PACE_HALF_S * fs)))
    if T <= 2 * k + 1:
        return np.zeros(0), ()
    dev = np.abs(x[:, k:-k] - 0.5 * (x[:, :-2 * k] + x[:, 2 * k:]))     # (L, T - 2k)
    base = np.percentile(dev, 99.0, axis=1, keepdims=True)
    spiky = (dev > PACE_MIN_MV) & (dev > PACE_LEAD_RATIO * base) & usable[:, None]
    count = spiky.sum(axis=0)
    # merge within PACE_HALF_S and across leads
    count = np.convolve(count, np.ones(2 * k + 1), mode="same")
    cand, _ = find_peaks(count, height=PACE_MIN_SAMPLES, distance=int(PACE_MIN_GAP_S * fs))
    times = (cand + k) / fs
    if len(beats_s) == 0 or len(times) == 0:
        return np.zeros(0), ()
    soon, late = PACE_DELAY_S
    nxt = np.searchsorted(beats_s, times + soon)
    ok = nxt < len(beats_s)
    delay = np.where(ok, beats_s[np.minimum(nxt, len(beats_s) - 1)] - times, np.inf)
    stim = times[(delay >= soon) & (delay <= late)]
    leads = tuple(int(i) for i in np.nonzero(spiky.any(axis=1))[0])
    return stim, leads


def paced_beats(stim_s: np.ndarray, beats_s: np.ndarray) -> int:
    """How many of the beats ``beats_s`` (N,) s a stimulus of ``stim_s`` (n,) s (``pacing_spikes``) precedes:
    each stimulus's beat is the first from ``PACE_DELAY_S[0]`` after it. Two stimuli before one beat (an atrial
    and a ventricular one) count that beat once."""
    if len(stim_s) == 0 or len(beats_s) == 0:
        return 0
    nxt = np.searchsorted(beats_s, np.asarray(stim_s) + PACE_DELAY_S[0])
    return int(len(np.unique(nxt[nxt < len(beats_s)])))


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


def burst_beats(segs: np.ndarray, med: np.ndarray, usable: np.ndarray, min_mv: float = 0.15, min_rel: float = 0.3,
                ratio: float = 3.0) -> np.ndarray:
    """(N, L) bool the beats of each lead that a burst of noise swamps: ``segs`` (N, L, S) beats and ``med``
    (L, S) their median (mV, 100 Hz, 40 Hz low-passed). A beat's residual about its lead's median beat
    (RMS of its first difference over sqrt 2) reaches ``min_mv`` and ``min_rel`` of the lead's median-beat
    height, and ``ratio`` times the
    same relative residual of the median lead at that beat: an ectopic beat, or a beat the detector placed
    badly, is unlike the median in every lead; a burst, or an electrode's motion, in one lead or in the
    few that share an electrode. The median of the beats' correlations (``beat_corr``) and the noise's
    median (``hf_noise``) read past a burst of a second in ten (PTB-XL fold 9, 500 records, a 0.5-1 s
    burst of 1-3 mV 2-30 Hz noise added to one lead: 17 of the 500 leads graded poor without this)."""
    N, L = segs.shape[:2]
    if N < 3:
        return np.zeros((N, L), bool)
    # the residual's first difference (over sqrt 2, so white noise reads its RMS): a baseline's drift within
    # the beat, which the 40 ms baseline of ``median_beats`` leaves, is no burst (on the clean PTB-XL records
    # of folds 1-8 the residual itself read 10 of 500 as bursts, each with baseline wander)
    r = np.sqrt(np.mean(np.diff(segs - med[None], axis=2) ** 2, axis=2)) / np.sqrt(2)     # (N, L) mV
    rel = r / np.maximum(np.ptp(med, axis=1), 0.05)[None]                       # (N, L)
    typical = np.median(np.where(usable[None], rel, np.nan), axis=1, keepdims=True) if usable.any() \
        else np.ones((N, 1))
    return (r >= min_mv) & (rel >= min_rel) & (rel >= ratio * np.maximum(typical, 1e-3)) & usable[None]
