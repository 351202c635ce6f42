"""Signal quality per lead and per record, lead-set consistency, electrode reversal and pacing.

``assess(record) -> QualityReport``: findings (name, severity, leads, machine code), per-lead
quality indices and a record verdict ("usable", "unreliable", "unscorable"), with the "not trained
for" gate (paced rhythm, a lead missing or flat, an electrode reversal suspected, poor quality):
a caller shows the model's probabilities but withholds or marks its positive calls whenever
``report.gated`` is true. Qt-free; about 10 ms for a 10 s, 500 Hz record.

Indices and rules, each from the literature:
- kSQI (Pearson kurtosis), pSQI (power share 5-15 Hz of 5-40 Hz) and basSQI (1 - power share
  0-1 Hz of 0-40 Hz) with the fusion rule of Zhao & Zhang 2018, "SQI quality evaluation mechanism
  of single-lead ECG signal based on simple heuristic fusion and fuzzy comprehensive evaluation"
  (Front. Physiol. 9:727), as NeuroKit2's ``ecg_quality(method="zhao2018")`` computes them.
- bSQI-like beat-to-beat correlation: each beat against the lead's median beat (Orphanidou et al.
  2015, "Signal-quality indices for the electrocardiogram and photoplethysmogram", IEEE JBHI 19(3);
  NeuroKit2's "averageQRS"), and high-frequency noise in mV from the signal's first difference
  outside the QRS complexes (a MAD estimate, as in wavelet denoising's noise level).
- Einthoven's law (I + III = II) and Goldberger's definitions (aVR = -(I + II)/2, aVL = I - II/2,
  aVF = II - I/2): each identity's residual relative to the limb leads' size names the lead that
  breaks them.
- Electrode reversal (Batchvarov et al. 2007, Europace 9(7); Kors & van Herpen 2001, "Accurate
  automatic detection of electrode interchange in the electrocardiogram", Am J Cardiol 88): a
  multinomial logistic regression over median-beat features (polarity of P, QRS and T per lead,
  limb-to-precordial correlations, the precordial R-wave progression) says which swap, if any, a
  record was made with; trained on PTB-XL folds 1-8 with every limb and adjacent precordial swap
  applied synthetically, thresholds chosen on fold 9 (weights: resources/quality/reversal.json,
  JSON, built by scripts/train_reversal_detector.py). Neutral-electrode swaps (RA/RL, LA/RL) by the flat lead II
  or III they leave while I = -III or I = II holds.
- Pacing spikes (where fs >= 500 Hz): narrow (< 2 ms) deflections seen at the same instant in
  several leads, repeating, each followed by a QRS complex.
- Mains interference (50/60 Hz, also at exactly Nyquist), high-frequency (muscle) noise, flat,
  missing and saturated leads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import butter, find_peaks, resample_poly, sosfiltfilt

from mirage_model.io import FLAT_PTP_MV, STANDARD_LEADS

SEVERITIES = ("info", "warning", "critical")
VERDICTS = ("usable", "unreliable", "unscorable")
LIMB = ("I", "II", "III", "aVR", "aVL", "aVF")

# Codes that mean "the model was not trained for this record" (the gate), besides poor quality.
NOT_TRAINED_FOR = ("paced_rhythm", "lead_missing", "limb_reversal", "neutral_reversal", "precordial_reversal")


class QualityError(ValueError):
    """The quality model's resources are missing or corrupt (``str()`` names the file)."""


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds of the rules (defaults chosen on PTB-XL folds 1-9 and the synthetic faults)."""

    beat_window_s: tuple[float, float] = (-0.25, 0.45)   # median beat: from R - 0.25 s to R + 0.45 s
    einthoven_warn: float = 0.10          # identity residual RMS / limb-lead RMS above this: warning
    einthoven_critical: float = 0.60      # ... above this: critical (the limb leads are not one heart's)
    lead_bad_corr: float = 0.60           # beat-to-beat correlation below this: the lead is poor
    poor_leads_critical: int = 4          # this many poor leads (or more): poor record quality
    noise_warn_mv: float = 0.03           # high-frequency noise (RMS, 100 Hz signal, outside QRS): warning
    noise_poor_mv: float = 0.08           # ... above this the lead is poor
    wander_mv: float = 0.80               # baseline (< 0.7 Hz) 95 % peak-to-peak spread above this: warning
    mains_mv: float = 0.02                # 50/60 Hz amplitude above this (and 4x the floor next to it)
    pace_min_fs: float = 500.0            # pacing spikes only where they can be resolved
    pace_min_events: int = 3              # repeating spikes before "paced rhythm" is said
    min_beats: int = 3                    # fewer beats than this in the record: unscorable
    min_duration_s: float = 2.5           # shorter records: unscorable
    reversal_path: str | None = None      # detector weights (None: resources/quality/reversal.json)


@dataclass(frozen=True)
class Finding:
    """One quality finding.

    Attributes:
        code: machine code, e.g. "limb_reversal" (stable; CSV and tests key on it).
        name: human readable, e.g. "limb lead reversal suspected (LA/RA)".
        severity: "info", "warning" or "critical".
        leads: the leads involved, in STANDARD_LEADS names.
        detail: the measurement behind it, e.g. "p = 0.98".
    """

    code: str
    name: str
    severity: str
    leads: tuple[str, ...] = ()
    detail: str = ""

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "severity": self.severity,
                "leads": list(self.leads), "detail": self.detail}


@dataclass(frozen=True)
class QualityReport:
    """The quality assessment of one record.

    Attributes:
        verdict: "usable", "unreliable" or "unscorable".
        reason: why not usable ("" when usable): the critical findings' names, "; "-joined.
        findings: every finding, critical first.
        indices: name -> float (12,) per lead: "kSQI", "pSQI", "basSQI", "beat_corr",
            "noise_mv" (``hf_noise``), "wander_mv" (baseline spread); NaN where not computable
            (a flat lead, too few beats, fs too low for the band).
        lead_grade: (12,) str per lead: "good", "fair", "poor" or "absent".
        heart_rate_bpm: from the detected beats, or None.
        n_beats: beats detected.
        fs: the record's sampling frequency.
    """

    verdict: str
    reason: str
    findings: tuple[Finding, ...]
    indices: dict = field(default_factory=dict)
    lead_grade: tuple[str, ...] = ()
    heart_rate_bpm: float | None = None
    n_beats: int = 0
    fs: float = 0.0

    @property
    def gated(self) -> bool:
        """True when positive calls must be withheld or marked unreliable (verdict not "usable")."""
        return self.verdict != "usable"

    @property
    def not_trained_for(self) -> tuple[str, ...]:
        """Names of the findings that put the record outside what the model was trained on
        (paced rhythm, a lead missing, a reversal)."""
        return tuple(f.name for f in self.findings if f.code in NOT_TRAINED_FOR)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def has(self, code: str) -> bool:
        return any(f.code == code for f in self.findings)

    def summary(self) -> str:
        """One or more lines for a report: the verdict, then each warning or critical finding."""
        head = {"usable": "Signal quality: usable",
                "unreliable": "Signal quality: UNRELIABLE - positive calls withheld",
                "unscorable": "Signal quality: UNSCORABLE - no result"}[self.verdict]
        lines = [head + (f" ({self.reason})" if self.reason else "")]
        for f in self.findings:
            if f.severity != "info":
                leads = f" [{', '.join(f.leads)}]" if f.leads else ""
                lines.append(f"- {f.severity}: {f.name}{leads}")
        return "\n".join(lines)

    def as_columns(self) -> dict[str, str]:
        """Flat CSV columns: quality (verdict), quality_reason, warnings (each warning or critical
        finding's name, "; "-joined), quality_codes (every code, "; "-joined), poor_leads."""
        return {
            "quality": self.verdict,
            "quality_reason": self.reason,
            "warnings": "; ".join(f.name for f in self.findings if f.severity != "info"),
            "quality_codes": "; ".join(self.codes),
            "poor_leads": " ".join(n for n, g in zip(STANDARD_LEADS, self.lead_grade) if g in ("poor", "absent")),
        }

    def as_dict(self) -> dict:
        """JSON-ready: verdict, reason, findings, per-lead indices (NaN as None) and grades."""
        return {
            "verdict": self.verdict, "reason": self.reason,
            "findings": [f.as_dict() for f in self.findings],
            "lead_grade": dict(zip(STANDARD_LEADS, self.lead_grade)),
            "indices": {k: [None if not np.isfinite(v) else round(float(v), 4) for v in arr]
                        for k, arr in self.indices.items()},
            "heart_rate_bpm": self.heart_rate_bpm, "n_beats": self.n_beats,
        }


# -----------------------------------------------------------------------------------------------
# Signal helpers
# -----------------------------------------------------------------------------------------------

def _resample_to(x: np.ndarray, fs: float, target: float) -> np.ndarray:
    """(L, T) at ``fs`` -> (L, T') at ``target`` (polyphase, anti-aliased)."""
    if abs(fs - target) < 1e-6:
        return x
    frac = Fraction(target / fs).limit_denominator(1000)
    return resample_poly(x, frac.numerator, frac.denominator, axis=-1)


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
    of the 98th percentile, each moved to the largest absolute deflection of the strongest lead
    within 60 ms.
    """
    fs = 100.0
    if x100.shape[1] < 2 * fs or not usable.any():
        return np.zeros(0, dtype=int)
    band = sosfiltfilt(_sos("band", 5.0, 15.0, fs), x100[usable], axis=-1)
    scale = np.median(np.abs(band), axis=1, keepdims=True) + 1e-6
    energy = ((band / scale) ** 2).sum(axis=0)
    energy = np.convolve(energy, np.ones(10) / 10, mode="same")
    peaks, _ = find_peaks(energy, distance=25, height=0.3 * np.percentile(energy, 98))
    # align on the strongest lead's extreme so median beats are sharp
    hp = sosfiltfilt(_sos("high", 0.7, 0.0, fs), x100[usable], axis=-1)
    strongest = int(np.argmax(np.percentile(np.abs(hp), 99, axis=1)))
    ref = np.abs(hp[strongest])
    out = []
    for p in peaks:
        a, b = max(0, p - 6), min(len(ref), p + 7)
        out.append(a + int(np.argmax(ref[a:b])))
    return np.unique(np.asarray(out, dtype=int))


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


def pacing_spikes(x: np.ndarray, fs: float, beats_s: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Times (s) of pacing stimuli in (L, T) at ``fs`` >= 500 Hz, and the leads that show them.

    A sample is spiky in a lead when it stands out from the mean of its neighbours 2 ms on either
    side (a stimulus is narrower than 2 ms, a QRS slope is nearly straight over 4 ms) by more than
    0.25 mV and by 3 times the lead's own 99th percentile of that measure. A stimulus is a spot
    with at least two spiky samples (across leads, within 2 ms) that a detected beat follows within
    20-350 ms (ventricular or AV pacing); candidates are at least 100 ms apart.

    Args:
        x: (L, T) mV. fs: Hz. beats_s: (N,) beat times in s. usable: (L,) bool.
    """
    L, T = x.shape
    k = max(1, int(round(0.002 * fs)))
    if T <= 2 * k + 1:
        return np.zeros(0), ()
    dev = np.abs(x[:, k:-k] - 0.5 * (x[:, :-2 * k] + x[:, 2 * k:]))     # (L, T - 2k)
    base = np.percentile(dev, 99.0, axis=1, keepdims=True)
    spiky = (dev > 0.25) & (dev > 3.0 * base) & usable[:, None]
    count = spiky.sum(axis=0)
    # merge within 2 ms and across leads
    count = np.convolve(count, np.ones(2 * k + 1), mode="same")
    cand, _ = find_peaks(count, height=2, distance=int(0.1 * fs))
    times = (cand + k) / fs
    if len(beats_s) == 0 or len(times) == 0:
        return np.zeros(0), ()
    nxt = np.searchsorted(beats_s, times + 0.02)
    ok = nxt < len(beats_s)
    delay = np.where(ok, beats_s[np.minimum(nxt, len(beats_s) - 1)] - times, np.inf)
    stim = times[(delay >= 0.02) & (delay <= 0.35)]
    leads = tuple(int(i) for i in np.nonzero(spiky.any(axis=1))[0])
    return stim, leads


# -----------------------------------------------------------------------------------------------
# Electrode reversal
# -----------------------------------------------------------------------------------------------

_P, _Q, _T = (slice(2, 17), slice(19, 33), slice(38, 70))   # P, QRS, T windows in the 70-sample median beat
LIMB_SWAPS = ("LA/RA", "LA/LL", "RA/LL", "RA>LA>LL", "RA>LL>LA")
# Naming weight of the two limb-electrode rotations against the single swaps (a rotation needs two
# misplaced electrodes; LA/RA is the commonest interchange). Chosen on PTB-XL fold 9: LA/RA named
# first in 94 % of detected LA/RA records (70 % without it), rotations in 30 % (71 %).
ROTATION_PRIOR = 0.3
CHEST_SWAPS = ("V1/V2", "V2/V3", "V3/V4", "V4/V5", "V5/V6")


def reversal_features(med: np.ndarray) -> np.ndarray:
    """Features of 100 Hz median beats (..., 12, 70) for the reversal detector: (..., F) float64.

    Per lead: net area of P, QRS and T and the QRS extreme (signed), in units of the record's
    largest limb-lead QRS size; correlations of the six limb leads with V1, V4, V5, V6 and of
    adjacent precordial leads (V1-V2 ... V5-V6, V1-V3, V4-V6); the precordial QRS size and R-wave
    profiles.
    """
    med = np.nan_to_num(np.asarray(med, dtype=np.float64))
    qrs = med[..., _Q]                                                           # (..., 12, 14)
    size = np.maximum(np.abs(qrs[..., :6, :]).max(axis=(-1, -2)), 0.05)[..., None]
    arg = np.abs(qrs).argmax(axis=-1)[..., None]
    ext = np.take_along_axis(qrs, arg, axis=-1)[..., 0] / size                   # (..., 12)
    p = med[..., _P].mean(axis=-1) / size * 4
    q = qrs.mean(axis=-1) / size
    t = med[..., _T].mean(axis=-1) / size * 2
    chest = [6, 9, 10, 11]
    cor = _corr_rows(med[..., :6, None, :], med[..., None, chest, :])           # (..., 6, 4)
    cor = cor.reshape(cor.shape[:-2] + (24,))
    pairs = [(6, 7), (7, 8), (8, 9), (9, 10), (10, 11), (6, 8), (9, 11)]
    cp = _corr_rows(med[..., [a for a, _ in pairs], :], med[..., [b for _, b in pairs], :])   # (..., 7)
    vsize = np.maximum(np.abs(qrs[..., 6:, :]).max(axis=(-1, -2)), 0.05)[..., None]
    v_amp = np.abs(qrs[..., 6:, :]).max(axis=-1) / vsize                        # (..., 6)
    r_amp = qrs[..., 6:, :].max(axis=-1) / vsize                                 # (..., 6)
    return np.concatenate([p, q, t, ext, cor, cp, v_amp, r_amp], axis=-1)


@dataclass(frozen=True)
class ReversalModel:
    """Multinomial logistic regression over ``reversal_features``: which swap, if any, a median
    beat was recorded with.

    Attributes:
        classes: ("none",) + LIMB_SWAPS + CHEST_SWAPS.
        mean, scale: (F,) feature standardisation. coef: (K, F); intercept: (K,).
        thresholds: "limb" (the limb classes' summed probability) and each precordial class -> the
            probability from which it is reported (chosen on PTB-XL fold 9).
    """

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    thresholds: dict
    provenance: dict = field(default_factory=dict)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(..., F) features -> (..., K) class probabilities."""
        z = ((np.asarray(features, dtype=np.float64) - self.mean) / self.scale) @ self.coef.T + self.intercept
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def to_json(self) -> dict:
        return {"format": "mirage-reversal-logreg/1", "classes": list(self.classes),
                "mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist(), "thresholds": self.thresholds,
                "provenance": self.provenance}

    @classmethod
    def from_json(cls, data: dict, path: Path | str = "") -> "ReversalModel":
        try:
            if data.get("format") != "mirage-reversal-logreg/1":
                raise ValueError(f"unknown format {data.get('format')!r}")
            m = cls(tuple(data["classes"]), np.asarray(data["mean"], float), np.asarray(data["scale"], float),
                    np.asarray(data["coef"], float), np.asarray(data["intercept"], float),
                    {k: float(v) for k, v in data["thresholds"].items()}, dict(data.get("provenance", {})))
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise QualityError(f"{path}: not a reversal detector ({err})") from err
        k = len(m.classes)
        if (m.coef.ndim != 2 or m.coef.shape[0] != k or m.intercept.shape != (k,)
                or m.mean.shape != (m.coef.shape[1],) or m.scale.shape != m.mean.shape):
            raise QualityError(f"{path}: reversal detector shapes do not agree")
        if m.classes[0] != "none" or "limb" not in m.thresholds:
            raise QualityError(f"{path}: reversal detector lacks its 'none' class or 'limb' threshold")
        return m


def default_reversal_path() -> Path:
    from mirage_model.paths import resources_dir

    return resources_dir() / "quality" / "reversal.json"


@lru_cache(maxsize=4)
def load_reversal_model(path: str | None = None) -> ReversalModel | None:
    """The shipped (or given) reversal detector; None when the default file is absent.

    Raises:
        QualityError: the file exists but is unreadable, or a given path does not exist.
    """
    p = Path(path) if path else default_reversal_path()
    if not p.is_file():
        if path:
            raise QualityError(f"{p}: reversal detector not found")
        return None
    try:
        data = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise QualityError(f"{p}: cannot read the reversal detector ({err})") from err
    return ReversalModel.from_json(data, p)


def _reversal_rules(mean_beat: np.ndarray, ptp: np.ndarray, nan_share: np.ndarray) -> list[tuple[str, str]]:
    """Neutral-electrode swaps: (swap, detail). RA/RL leaves lead II (near) flat with I = -III;
    LA/RL leaves III flat with I = II (the arm electrode reads the legs' potential).

    Args:
        mean_beat: (12, S) mean beat. ptp: (12,) robust peak-to-peak of the whole record (mV).
        nan_share: (12,) share of missing samples (a missing lead is not a flat one).
    """
    out = []
    limb_size = np.median(ptp[:6])
    if limb_size <= 0:
        return out
    for flat, (a, b, sign), swap in ((1, (0, 2, -1), "RA/RL"), (2, (0, 1, 1), "LA/RL")):
        med = mean_beat
        if ptp[flat] < 0.15 * limb_size and ptp[a] > 0.1 and nan_share[flat] < 0.5:
            r = _corr_rows(med[a], sign * med[b])
            if r > 0.95:
                out.append((swap, f"lead {STANDARD_LEADS[flat]} near flat ({ptp[flat]:.2f} mV), "
                                  f"{'I = -III' if swap == 'RA/RL' else 'I = II'} (r = {r:.2f})"))
    return out


def _learned_reversal(model: ReversalModel, med: np.ndarray) -> list[Finding]:
    """Findings of the learned detector on a median beat (12, 70).

    A limb swap when the limb classes' summed probability reaches the "limb" threshold. It is
    named by the most probable limb class after weighing the two rotations (three electrodes
    misplaced, two errors at once) by ROTATION_PRIOR against the single swaps, and by the runner-up
    too when it has at least half that weight: the linear model alone mixes up LA/RA with the
    RA>LL>LA rotation, and RA/LL with RA>LA>LL, about one time in four. Each precordial swap is
    reported whose own probability reaches its threshold.
    """
    prob = model.probabilities(reversal_features(med))
    out = []
    limb = [k for k, c in enumerate(model.classes) if c in LIMB_SWAPS]
    p_limb = float(prob[limb].sum())
    if limb and p_limb >= model.thresholds["limb"]:
        weight = {k: prob[k] * (ROTATION_PRIOR if ">" in model.classes[k] else 1.0) for k in limb}
        order = sorted(limb, key=lambda k: -weight[k])
        names = [model.classes[order[0]]]
        if len(order) > 1 and weight[order[1]] >= 0.5 * weight[order[0]]:
            names.append(model.classes[order[1]])
        out.append(Finding("limb_reversal", f"limb lead reversal suspected ({' or '.join(names)})", "critical",
                           _SWAP_LEADS.get(names[0], LIMB), f"p = {p_limb:.2f} ({names[0]} {prob[order[0]]:.2f})"))
    for k, cls in enumerate(model.classes):
        th = model.thresholds.get(cls)
        if cls in CHEST_SWAPS and th is not None and prob[k] >= th:
            out.append(Finding("precordial_reversal", f"precordial lead reversal suspected ({cls})", "critical",
                               tuple(cls.split("/")), f"p = {prob[k]:.2f}"))
    return out


_SWAP_LEADS = {
    "LA/RA": ("I", "II", "III", "aVR", "aVL"), "LA/LL": ("I", "II", "III", "aVL", "aVF"),
    "RA/LL": ("I", "II", "III", "aVR", "aVF"), "RA>LA>LL": LIMB, "RA>LL>LA": LIMB,
    "RA/RL": ("I", "II", "aVR", "aVL", "aVF"), "LA/RL": ("I", "III", "aVR", "aVL", "aVF"),
}


# -----------------------------------------------------------------------------------------------
# assess
# -----------------------------------------------------------------------------------------------

def _beats(x: np.ndarray, fs: float, usable: np.ndarray, cfg: QualityConfig):
    """(L, T) mV at fs -> raw 100 Hz signal (L, T100), the same 0.5 Hz high-passed, R peaks (N,) at 100 Hz, beats (N, L, S) and
    median beats (L, S) of the 0.5 Hz high-passed 100 Hz signal."""
    raw100 = _resample_to(x, fs, 100.0)
    x100 = sosfiltfilt(_sos("high", 0.5, 0.0, 100.0), raw100, axis=-1)
    beats = detect_beats(x100, usable)
    segs, med = median_beats(x100, beats, cfg.beat_window_s)
    return raw100, x100, beats, segs, med


def record_median_beat(record, config: QualityConfig | None = None) -> np.ndarray:
    """The median beat (12, S) at 100 Hz (S = 70: R - 0.25 s to R + 0.45 s) that the reversal
    detector reads; NaN when fewer than 3 beats are found."""
    cfg = config or QualityConfig()
    sig = np.asarray(record.signal, dtype=np.float64)
    x = np.where(np.isnan(sig), 0.0, sig)
    x = x - np.median(x, axis=1, keepdims=True)
    _, _, beats, segs, med = _beats(x, float(record.fs), np.ones(x.shape[0], bool), cfg)
    return med if len(segs) >= cfg.min_beats else np.full_like(med, np.nan)


def assess(record, config: QualityConfig | None = None) -> QualityReport:
    """Assess one record's signal quality and lead set.

    Args:
        record: an ``EcgRecord`` (signal (12, T) mV at its native ``fs``, STANDARD_LEADS order).
        config: thresholds (None: ``QualityConfig()``).

    Returns:
        QualityReport: verdict "unscorable" (too short, no usable lead, no beats), "unreliable"
        (a critical finding: poor quality, a lead missing or flat, reversal, pacing, inconsistent
        limb leads) or "usable".

    Raises:
        QualityError: the shipped reversal detector is corrupt.
    """
    cfg = config or QualityConfig()
    fs = float(record.fs)
    sig = np.asarray(record.signal, dtype=np.float64)
    if sig.ndim != 2 or sig.shape[0] != 12:
        raise QualityError(f"{getattr(record, 'path', '') or getattr(record, 'record_id', '')}: "
                           f"expected 12 leads, got shape {sig.shape}")
    L, T = sig.shape
    findings: list[Finding] = []
    qflags = getattr(record, "quality", {}) or {}

    # -- missing / flat / saturated / derived -----------------------------------------------------
    nan = np.isnan(sig)
    nan_share = nan.mean(axis=1) if T else np.ones(L)
    x = np.where(nan, 0.0, sig)
    x = x - np.median(x, axis=1, keepdims=True)
    ptp = (np.percentile(x, 99.5, axis=1) - np.percentile(x, 0.5, axis=1)) if T else np.zeros(L)
    absent = (nan_share > 0.5) | (ptp < FLAT_PTP_MV)
    if absent.any():
        names = _names(absent)
        findings.append(Finding("lead_missing", f"lead{'s' if len(names) > 1 else ''} missing or flat ({', '.join(names)})",
                                "critical", names, "peak-to-peak below "
                                f"{FLAT_PTP_MV} mV or more than half the samples missing"))
    part = (nan_share > 0) & ~absent
    if part.any():
        findings.append(Finding("samples_missing", "samples missing", "warning", _names(part),
                                "; ".join(f"{n} {s:.0%}" for n, s in zip(_names(part), nan_share[part]))))
    sat = np.asarray(qflags.get("saturated", np.zeros(L, bool)), bool)
    if sat.any():
        findings.append(Finding("saturated", "signal clipped (saturated)", "warning", _names(sat)))
    derived = np.asarray(qflags.get("derived", np.zeros(L, bool)), bool)
    if derived.any():
        findings.append(Finding("leads_derived", "limb leads derived from I and II", "info", _names(derived)))

    usable = ~absent
    if T < cfg.min_duration_s * fs or not usable.any():
        why = "record too short" if T < cfg.min_duration_s * fs else "no usable lead"
        findings.append(Finding("unscorable", why, "critical", ()))
        return _finish(findings, {}, tuple("absent" if a else "fair" for a in absent), None, 0, fs, cfg)

    # -- beats and median beats at 100 Hz ------------------------------------------------------------
    raw100, x100, beats, segs, med = _beats(x, fs, usable, cfg)
    n_beats = len(beats)
    mean_beat = segs.mean(axis=0) if len(segs) else med
    hr = float(60.0 / np.median(np.diff(beats) / 100.0)) if n_beats >= 2 else None
    if n_beats < cfg.min_beats:
        findings.append(Finding("no_beats", f"fewer than {cfg.min_beats} heartbeats detected", "critical", ()))
        return _finish(findings, sqi_indices(x, fs), tuple("absent" if a else "poor" for a in absent),
                       hr, n_beats, fs, cfg)

    # -- per-lead indices ----------------------------------------------------------------------------
    spec = spectrum(x, fs)
    idx = sqi_indices(x, fs, spec)
    # Noise and beat agreement below 40 Hz: mains (50 Hz at Nyquist, 60 Hz aliased) has its own
    # finding and is the preprocessing's to remove; it must not also make a lead "poor".
    x40 = sosfiltfilt(_sos("low", 0.0, 40.0, 100.0, 4), x100, axis=-1)
    segs40, med40 = median_beats(x40, beats, cfg.beat_window_s)
    beat_corr = np.median(_corr_rows(segs40, med40[None]), axis=0) if len(segs40) >= 2 else np.full(L, np.nan)
    noise = hf_noise(x40, beats)
    base = sosfiltfilt(_sos("low", 0.0, 0.7, 100.0), raw100, axis=-1)
    wander = np.percentile(base, 97.5, axis=1) - np.percentile(base, 2.5, axis=1)
    idx.update(beat_corr=beat_corr, noise_mv=noise, wander_mv=wander)
    for k in idx:
        idx[k] = np.where(absent, np.nan, idx[k])

    grade = []
    for i in range(L):
        if absent[i]:
            grade.append("absent")
            continue
        # Zhao's fusion grades good/fair; a lead is poor only when its beats disagree or
        # high-frequency noise swamps it: wander alone is removed by the model's band-pass, and the
        # spectral rules misjudge clean low-voltage or wide-QRS leads.
        g = _zhao_grade(idx["kSQI"][i], idx["pSQI"][i], idx["basSQI"][i], hr)
        if beat_corr[i] < cfg.lead_bad_corr or noise[i] > cfg.noise_poor_mv:
            g = "poor"
        elif g == "poor":
            g = "fair"
        grade.append(g)
    grade_a = np.array(grade)

    noisy = usable & (noise > cfg.noise_warn_mv)
    if noisy.any():
        findings.append(Finding("noise", "high-frequency (muscle) noise", "warning", _names(noisy),
                                f"up to {np.nanmax(noise[noisy]):.3f} mV RMS"))
    wandering = usable & (wander > cfg.wander_mv)
    if wandering.any():
        findings.append(Finding("baseline_wander", "baseline wander", "warning", _names(wandering),
                                f"baseline spread up to {np.nanmax(wander[wandering]):.2f} mV"))
    for f0 in (50.0, 60.0):
        amp, floor = mains_amplitude(spec, fs, f0)
        hit = usable & (amp > cfg.mains_mv) & (amp > 4 * np.nan_to_num(floor, nan=0.0))
        if hit.any():
            findings.append(Finding("mains", f"mains interference ({f0:.0f} Hz)", "warning", _names(hit),
                                    f"up to {np.nanmax(amp[hit]):.3f} mV"))
            break
    poor = usable & (grade_a == "poor")
    if poor.sum() >= cfg.poor_leads_critical:
        findings.append(Finding("poor_quality", f"poor signal quality in {poor.sum()} leads", "critical", _names(poor)))
    elif poor.any():
        findings.append(Finding("lead_noisy", "poor signal quality", "warning", _names(poor)))

    # -- Einthoven / Goldberger ----------------------------------------------------------------------
    if usable[:6].all() and not derived[2:6].all():
        findings.extend(_einthoven(mean_beat, cfg))     # the mean beat: identities are linear

    # -- reversal ------------------------------------------------------------------------------------
    for swap, detail in _reversal_rules(mean_beat, ptp, nan_share):
        findings.append(Finding("neutral_reversal", f"limb lead reversal suspected ({swap})", "critical",
                                _SWAP_LEADS[swap], detail))
    if usable.all():
        model = load_reversal_model(cfg.reversal_path)
        if model is not None and not any(f.code == "neutral_reversal" for f in findings):
            findings.extend(_learned_reversal(model, med))

    # -- pacing --------------------------------------------------------------------------------------
    if fs >= cfg.pace_min_fs:
        stim, leads = pacing_spikes(x, fs, beats / 100.0, usable)
        if len(stim) >= cfg.pace_min_events:
            findings.append(Finding("paced_rhythm", "paced rhythm (pacemaker spikes)", "critical",
                                    tuple(STANDARD_LEADS[i] for i in leads), f"{len(stim)} stimuli"))
    else:
        findings.append(Finding("pacing_unchecked", f"pacing spikes not checked at {fs:g} Hz", "info", ()))

    return _finish(findings, idx, tuple(grade), hr, n_beats, fs, cfg)


def _einthoven(med: np.ndarray, cfg: QualityConfig) -> list[Finding]:
    """Residuals of Einthoven's and Goldberger's identities on the mean beat (12, S) (less noise than
    the raw signal, and linear, so identities that hold sample by sample hold on it). A lead whose
    gain alone is wrong breaks exactly the identities it appears in: that lead is named; otherwise
    every lead of a broken identity is."""
    i, ii, iii, avr, avl, avf = med[:6]
    size = max(float(_rms(med[:6]).max()), 1e-3)
    identities = {
        "I + III = II": (ii - i - iii, {"I", "II", "III"}),
        "aVR = -(I + II)/2": (avr + (i + ii) / 2, {"aVR", "I", "II"}),
        "aVL = (I - III)/2": (avl - (i - iii) / 2, {"aVL", "I", "III"}),
        "aVF = (II + III)/2": (avf - (ii + iii) / 2, {"aVF", "II", "III"}),
    }
    res = {k: float(_rms(v)) / size for k, (v, _) in identities.items()}
    broken = [k for k, r in res.items() if r > cfg.einthoven_warn]
    if not broken:
        return []
    # the lead to blame breaks every identity it appears in, and those are all the broken ones
    blamed = tuple(n for n in LIMB
                   if {k for k, (_, ls) in identities.items() if n in ls} == set(broken))
    leads = blamed or tuple(n for n in LIMB if any(n in identities[k][1] for k in broken))
    worst = max(res[k] for k in broken)
    sev = "critical" if worst > cfg.einthoven_critical else "warning"
    detail = "; ".join(f"{k}: residual {res[k]:.0%}" for k in broken)
    return [Finding("limb_inconsistent", "limb leads inconsistent (Einthoven/Goldberger)", sev, leads, detail)]


def _names(mask: np.ndarray) -> tuple[str, ...]:
    return tuple(n for n, m in zip(STANDARD_LEADS, mask) if m)


def _finish(findings: list[Finding], idx: dict, grade: tuple[str, ...], hr, n_beats: int, fs: float,
            cfg: QualityConfig) -> QualityReport:
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    findings = sorted(findings, key=lambda f: order[f.severity])
    critical = [f for f in findings if f.severity == "critical"]
    if any(f.code in ("unscorable", "no_beats") for f in findings) or (grade and all(g == "absent" for g in grade)):
        verdict = "unscorable"
    elif critical:
        verdict = "unreliable"
    else:
        verdict = "usable"
    reason = "; ".join(f.name for f in critical)
    hr_out = None if hr is None or not math.isfinite(hr) else round(hr, 1)
    return QualityReport(verdict, reason, tuple(findings), idx, grade, hr_out, n_beats, fs)
