"""Atrial activity between the QRS complexes: its dominant frequency at a flutter rate and how much
of the atrial band's power lies at it, in leads II, III, aVF and V1.

Flutter waves come from one macro-reentrant circuit: a regular sawtooth at about 240-350/min
(4-6 Hz; slower under antiarrhythmic drugs), seen best in the inferior leads and V1 (Saoudi N,
Cosio F, Waldo A, et al. A classification of atrial flutter and regular atrial tachycardia according to
electrophysiological mechanisms and anatomical bases. Eur Heart J 2001;22:1162-82). Fibrillatory
waves are many wavelets: their spectrum is broad, 4-9 Hz (Bollmann A, Husser D, Mainardi L, et al.
Analysis of surface electrocardiograms in atrial fibrillation: techniques, research, and clinical
applications. Europace 2006;8:911-26). The share of power at the dominant peak and its harmonics is
the organisation index of Everett TH, Kok LC, Vaughn RH, Moorman JR, Haines DE. Frequency domain
algorithm for quantifying atrial fibrillation organization to increase defibrillation efficacy. IEEE
Trans Biomed Eng 2001;48:969-78.

Method, at the record's own sampling rate (100 Hz resolves the 3-12 Hz band):

1. Leads II, III, aVF and V1, band-passed 0.5-40 Hz (``filters.bandpass``; a lead that is missing,
   not finite or flat is left out).
2. QRS blanking: every beat's QRS, from ``BLANK_S[0]`` before its onset to ``BLANK_S[1]`` after
   its offset (the median over the dominant beats of each boundary's distance from the beat's
   anchor), is replaced by a straight line between its ends. The QRS is blanked, not subtracted:
   with a fixed conduction ratio (2:1, 4:1) the flutter waves are locked to the QRS, and subtracting
   an average beat (Slocum J, Sahakian A, Swiryn S. Diagnosis of atrial fibrillation from surface
   electrocardiograms based on computer-detected atrial activity. J Electrocardiol 1992;25:1-8)
   would subtract them too (on PTB-XL folds 1-8 it separated flutter from fibrillation worse).
3. Band-pass ``BAND_HZ`` (2-20 Hz: the T wave's slow power out, the sawtooth's harmonics kept),
   then Welch's power spectrum (``SEGMENT_S`` segments, Hann window, 75 % overlap; zero-padded to
   ``1 / PAD_S`` Hz).
4. Dominant frequency: the largest value of the spectrum in ``FLUTTER_BAND_HZ`` (3.5-6 Hz,
   210-360/min), if it is a peak there (larger than its neighbours and not at an edge of the band;
   else the spectrum still rises outside the band, as it does towards the T wave's power: NaN).
5. Concentration: the power within ``PEAK_HALF_WIDTH_HZ`` of the dominant frequency and of its
   second harmonic, as a share of the power in ``TOTAL_BAND_HZ`` (3-12 Hz, the atrial band).
6. Harmonic ratio: the power within ``PEAK_HALF_WIDTH_HZ`` of the second harmonic over that of the
   dominant frequency. A sawtooth's fundamental holds more power than any harmonic (the n-th's amplitude
   is 1/n of it); where the second harmonic holds more, the concentration is the power of waves at twice
   the peak's frequency (fibrillatory waves at 7-8 Hz beside the T wave's residue at twice a near-regular
   ventricular rate).

Flutter waves give one sharp peak, at the same frequency in every lead, holding most of the band's
power; fibrillation a broad spectrum, different from lead to lead.

Atrial periodicity (``atrial_periodicity``): whether organised atrial activity (P waves at an atrial
rate, conducted or not) repeats between the complexes. In the same four leads (0.5-40 Hz) each beat's
QRS-T is removed by subtracting the record's median beat at it (average beat subtraction, Slocum et al.
1992: what is locked to the QRS goes, P waves dissociated from it stay), the QRS set to zero from
``PERIOD_BLANK_S[0]`` before its onset to ``PERIOD_BLANK_S[1]`` after its offset, the rest band-passed
``PERIOD_BAND_HZ``; each lead's autocorrelation, normalised by the energy of the overlapping samples, is
averaged over the leads, and the periodicity is its largest value at a lag of ``PERIOD_LAG_S`` (an
atrial rate of 40-150/min) away from the record's RR intervals (within ``PERIOD_RR_MARGIN`` of the
shortest to the longest, and of twice them: a residue of the QRS-T repeats at the RR interval). P waves
of complete AV block (LUDB 34, 90) repeat at their own interval; fibrillatory waves do not repeat over a
P-P interval.

The decisions (the thresholds) are the interpretation's (``review.interpret``), where the figures on
PTB-XL and LUDB are. Tremor at 4-6 Hz (parkinsonian) mimics flutter waves on the surface ECG, as it does
for a reader. Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal as sps

from mirage_model.measure.filters import bandpass
from mirage_model.records import FLAT_PTP_MV, STANDARD_LEADS

LEADS = ("II", "III", "aVF", "V1")      # where flutter waves are seen best (Saoudi et al. 2001)
CONDITION_HZ = (0.5, 40.0)              # conditioning before blanking
BLANK_S = (0.02, 0.03)                  # blanked before the QRS onset and after the QRS offset
BAND_HZ = (2.0, 20.0)                   # the blanked signal's band-pass
SEGMENT_S = 4.0                         # Welch segment (0.25 Hz resolution); shorter records: None
PAD_S = 40.0                            # FFT length (zero-padded): a 0.025 Hz grid for the peak
FLUTTER_BAND_HZ = (3.5, 6.0)            # the dominant peak is sought here (210-360/min)
TOTAL_BAND_HZ = (3.0, 12.0)             # the atrial band the concentration is a share of
PEAK_HALF_WIDTH_HZ = 0.5                # power within this of the peak and of its second harmonic
PERIOD_BEAT_S = (0.25, 0.75)            # the median beat subtracted: this long before and after the anchor
PERIOD_BLANK_S = (0.03, 0.04)           # then blanked before the QRS onset and after the QRS offset
PERIOD_BAND_HZ = (1.0, 15.0)            # the residue's band-pass (P waves)
PERIOD_LAG_S = (0.4, 1.5)               # P-P intervals sought (atrial rate 40-150/min)
PERIOD_RR_MARGIN = 0.1                  # lags within this share of the RR intervals (and twice them) left out


@dataclass(frozen=True)
class AtrialActivity:
    """The atrial activity of one record, per lead of ``LEADS``.

    Attributes:
        leads: the lead names, ``LEADS``.
        dominant_hz: (4,) the dominant frequency in ``FLUTTER_BAND_HZ`` (Hz); NaN where the lead is
            unusable or its spectrum has no peak inside that band.
        concentration: (4,) the share of the 3-12 Hz power within 0.5 Hz of the dominant frequency
            and of its second harmonic (0-1); NaN where ``dominant_hz`` is.
        harmonic_ratio: (4,) the power within 0.5 Hz of the second harmonic over that within 0.5 Hz of the
            dominant frequency; NaN where ``dominant_hz`` is; None: not measured (an activity built by hand).
        periodicity: how well the atrial activity between the complexes repeats at a P-P interval of its
            own (``atrial_periodicity``, 0-1); None where not measured.
        period_s: that P-P interval (s); None with ``periodicity``.
    """
    leads: tuple[str, ...]
    dominant_hz: np.ndarray
    concentration: np.ndarray
    periodicity: float | None = None        # atrial_periodicity's value (0-1); None: not measured
    period_s: float | None = None           # ... at this lag (the P-P interval, s)
    harmonic_ratio: np.ndarray | None = None    # (4,) power at the second harmonic / at the peak; None: not measured

    @property
    def complete(self) -> bool:
        """Every lead has a dominant peak in the flutter band."""
        return bool(np.isfinite(self.dominant_hz).all())

    @property
    def rate_per_min(self) -> float | None:
        """The atrial rate, 60 x the median dominant frequency over the leads with one (per minute)."""
        hz = self.dominant_hz[np.isfinite(self.dominant_hz)]
        return float(60.0 * np.median(hz)) if hz.size else None

    @property
    def atrial_rate_per_min(self) -> float | None:
        """The rate of the periodic atrial activity, 60 / ``period_s`` (per minute); None where not measured."""
        return 60.0 / self.period_s if self.period_s else None

    @property
    def spread_hz(self) -> float | None:
        """How far the leads' dominant frequencies lie from their median at most (Hz); None unless complete."""
        return float(np.max(np.abs(self.dominant_hz - np.median(self.dominant_hz)))) if self.complete else None

    @property
    def min_concentration(self) -> float | None:
        """The smallest concentration over the leads; None unless complete."""
        return float(np.min(self.concentration)) if self.complete else None

    @property
    def max_harmonic_ratio(self) -> float | None:
        """The largest harmonic ratio over the leads; None unless complete and measured."""
        return float(np.max(self.harmonic_ratio)) if self.complete and self.harmonic_ratio is not None else None


def dominant_peak(f: np.ndarray, power: np.ndarray) -> tuple[float, float, float]:
    """(dominant frequency Hz, concentration, harmonic ratio) of one power spectrum (f (F,) Hz, power (F,));
    NaN each when its largest value in ``FLUTTER_BAND_HZ`` is no peak (at the band's edge, or a neighbour
    larger)."""
    nan = (float("nan"),) * 3
    idx = np.flatnonzero((f >= FLUTTER_BAND_HZ[0]) & (f <= FLUTTER_BAND_HZ[1]))
    k = int(idx[np.argmax(power[idx])])
    if k in (idx[0], idx[-1]) or power[k - 1] > power[k] or power[k + 1] > power[k]:
        return nan
    total = power[(f >= TOTAL_BAND_HZ[0]) & (f <= TOTAL_BAND_HZ[1])].sum()
    if not total > 0:
        return nan
    first = np.abs(f - f[k]) <= PEAK_HALF_WIDTH_HZ
    second = np.abs(f - 2.0 * f[k]) <= PEAK_HALF_WIDTH_HZ
    return float(f[k]), float(power[first | second].sum() / total), float(power[second].sum() / power[first].sum())


def blank_qrs(x: np.ndarray, beats: np.ndarray, before: int, after: int) -> np.ndarray:
    """A copy of x (L, T) with samples ``beats - before`` to ``beats + after`` of every beat (n,) replaced by
    a straight line between their ends."""
    y = x.copy()
    T = x.shape[1]
    for b in np.asarray(beats, dtype=np.int64):
        s, e = max(0, int(b) - before), min(T - 1, int(b) + after)
        if e > s:
            y[:, s:e + 1] = np.linspace(y[:, s], y[:, e], e - s + 1, axis=1)
    return y


def atrial_activity(x: np.ndarray, fs: float, beats: np.ndarray, qrs_on: np.ndarray,
                    qrs_off: np.ndarray) -> AtrialActivity | None:
    """The atrial activity of a record (see the module docstring).

    Args:
        x: (L, T) mV, ``STANDARD_LEADS`` order, at ``fs`` (NaN for missing samples).
        fs: sampling rate in Hz.
        beats: (n,) QRS anchors (sample indices), every detected beat.
        qrs_on, qrs_off: (n,) each beat's QRS onset and offset (sample indices, NaN for beats left out
            of the median beat), as ``Measurements.global_fiducials``.

    Returns:
        AtrialActivity, or None: fewer than 3 beats, no QRS boundary, a record shorter than
        ``SEGMENT_S``, or none of ``LEADS`` usable.
    """
    L, T = x.shape
    beats = np.asarray(beats, dtype=np.int64)
    if len(beats) < 3 or T < int(round(SEGMENT_S * fs)) or fs <= 2 * TOTAL_BAND_HZ[1]:
        return None
    on = beats - np.asarray(qrs_on, dtype=float)
    off = np.asarray(qrs_off, dtype=float) - beats
    if not (np.isfinite(on).any() and np.isfinite(off).any()):
        return None
    before = int(round(np.nanmedian(on) + BLANK_S[0] * fs))
    after = int(round(np.nanmedian(off) + BLANK_S[1] * fs))
    rows = [STANDARD_LEADS.index(ld) for ld in LEADS]
    sig = np.asarray(x[rows], dtype=np.float64)
    usable = np.isfinite(sig).all(axis=1)
    usable[usable] = np.ptp(sig[usable], axis=1) > FLAT_PTP_MV     # flat, as the measurements' and the quality check's
    hz, conc, ratio = (np.full(len(LEADS), np.nan) for _ in range(3))
    if not usable.any():
        return None
    conditioned = bandpass(sig[usable], fs, CONDITION_HZ)
    y = bandpass(blank_qrs(conditioned, beats, before, after), fs, BAND_HZ)
    n = int(round(SEGMENT_S * fs))
    f, power = sps.welch(y, fs=fs, window="hann", nperseg=n, noverlap=(3 * n) // 4,
                         nfft=max(n, int(round(PAD_S * fs))), axis=-1)        # power: (l, F)
    for j, p in zip(np.flatnonzero(usable), power):
        hz[j], conc[j], ratio[j] = dominant_peak(f, p)
    period = atrial_periodicity(conditioned, fs, beats, on, off)
    return AtrialActivity(LEADS, hz, conc, *(period if period is not None else (None, None)), harmonic_ratio=ratio)


def _autocorrelation(y: np.ndarray) -> np.ndarray:
    """(l, T) -> (l, T): each row's autocorrelation at lags 0..T-1, normalised by the energy of the samples
    that overlap at each lag (a lag's value is the correlation of the two overlapping stretches)."""
    T = y.shape[1]
    n = 1 << int(np.ceil(np.log2(2 * T)))
    spec = np.fft.rfft(y, n=n, axis=1)
    ac = np.fft.irfft(spec * np.conj(spec), n=n, axis=1)[:, :T]               # (l, T)
    e = np.cumsum(y ** 2, axis=1)                                             # (l, T)
    head = e[:, ::-1]                       # energy of y[:T-k] at lag k
    tail = e[:, -1:] - np.concatenate([np.zeros((len(y), 1)), e[:, :-1]], axis=1)    # energy of y[k:]
    den = np.sqrt(head * tail)
    return np.divide(ac, den, out=np.zeros_like(ac), where=den > 0)


def atrial_periodicity(y: np.ndarray, fs: float, beats: np.ndarray, on: np.ndarray,
                       off: np.ndarray) -> tuple[float, float] | None:
    """How well the atrial activity between the complexes repeats at a P-P interval of its own (module docstring).

    Args:
        y: (l, T) mV, the leads to read, band-passed ``CONDITION_HZ``.
        fs: sampling rate in Hz.
        beats: (n,) QRS anchors (sample indices), every detected beat.
        on, off: (n,) each beat's QRS onset before and offset after its anchor (samples, NaN where unknown).

    Returns:
        (periodicity, P-P interval in s): the leads' mean normalised autocorrelation at its largest between
        ``PERIOD_LAG_S`` outside the RR intervals' range (``PERIOD_RR_MARGIN``), or None: fewer than 3 beats,
        no QRS boundary, or no lag left to look at.
    """
    l, T = y.shape
    beats = np.asarray(beats, dtype=np.int64)
    if len(beats) < 3 or not (np.isfinite(on).any() and np.isfinite(off).any()):
        return None
    rr = np.diff(beats).astype(float)
    pre = int(round(PERIOD_BEAT_S[0] * fs))
    post = min(int(round(PERIOD_BEAT_S[1] * fs)), int(np.median(rr)) - pre)
    inside = beats[(beats - pre >= 0) & (beats + post <= T)]
    if len(inside) < 3 or post <= 0:
        return None
    template = np.median(y[:, inside[:, None] + np.arange(-pre, post)[None, :]], axis=1)     # (l, K)
    res = y.copy()
    blank = np.ones(T, dtype=bool)
    before = int(round(np.nanmedian(on) + PERIOD_BLANK_S[0] * fs))
    after = int(round(np.nanmedian(off) + PERIOD_BLANK_S[1] * fs))
    for b in beats:
        s, e = max(0, b - pre), min(T, b + post)
        res[:, s:e] -= template[:, s - (b - pre):e - (b - pre)]
        blank[max(0, b - before):min(T, b + after + 1)] = False
    res = bandpass(res, fs, PERIOD_BAND_HZ) * blank                          # (l, T)
    mean = _autocorrelation(res).mean(axis=0)                                 # (T,)
    lag = np.arange(T)
    look = (lag >= PERIOD_LAG_S[0] * fs) & (lag <= PERIOD_LAG_S[1] * fs)
    for k in (1, 2):        # the QRS-T's residue repeats at the RR intervals
        look &= ~((lag >= k * rr.min() * (1 - PERIOD_RR_MARGIN)) & (lag <= k * rr.max() * (1 + PERIOD_RR_MARGIN)))
    if not look.any():
        return None
    k = int(np.flatnonzero(look)[np.argmax(mean[look])])
    return float(mean[k]), k / fs
