"""Measurement results and the method's constants: MeasureConfig, Measurements, LeadFiducials."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from mirage_model.measure.atrial import AtrialActivity
from mirage_model.measure.combine import CONVENTIONS, GLOBAL_RANK_MAX, _ordinal
from mirage_model.measure.p_waves import BeatPWaves

METHOD_NAME = "median beat, each lead delineated (U-Net or rules), median over leads, calibrated on LUDB + neurokit2 QRS detection"


def method_name(intervals: str = "median", rank: int = 0) -> str:
    """The method's words for ``Measurements.method``: ``METHOD_NAME`` for the default "median" intervals; "global"
    ones (``MeasureConfig.intervals``, ``global_rank``) say how they were taken instead of "median over leads"."""
    if intervals != "global":
        return METHOD_NAME
    nth = "" if rank <= 1 else f"{_ordinal(rank)} "
    return METHOD_NAME.replace("median over leads", f"global intervals, the {nth}earliest onset to the {nth}latest "
                                                    "offset over the leads")



@dataclass(frozen=True)
class ScalarField:
    """One global measurement as every table, CSV and PDF names it."""
    key: str        # Measurements.as_dict() key, CSV column
    label: str      # full label (the PDF, hover text)
    short: str      # short label (the app's table)
    unit: str       # "bpm", "ms", "deg" or "mV"
    decimals: int = 0   # the fewest decimals a value is shown with (more where its limit needs them)


# The global measurements, in the order every table shows them: the one list of their keys.
SCALAR_FIELDS: tuple[ScalarField, ...] = (
    ScalarField("heart_rate_bpm", "Heart rate", "Heart rate", "bpm"),
    ScalarField("rr_ms", "RR interval", "RR", "ms"),
    ScalarField("pr_ms", "PR interval", "PR", "ms"),
    ScalarField("qrs_ms", "QRS duration", "QRS", "ms"),
    ScalarField("qt_ms", "QT interval", "QT", "ms"),
    ScalarField("qtc_bazett_ms", "QTc (Bazett: QT / sqrt(RR in s))", "QTc Bazett", "ms"),
    ScalarField("qtc_fridericia_ms", "QTc (Fridericia: QT / cbrt(RR in s))", "QTc Fridericia", "ms"),
    ScalarField("qtc_framingham_ms", "QTc (Framingham: QT + 154 (1 - RR))", "QTc Framingham", "ms"),
    ScalarField("p_axis_deg", "P axis (frontal)", "P axis", "deg"),
    ScalarField("qrs_axis_deg", "QRS axis (frontal)", "QRS axis", "deg"),
    ScalarField("t_axis_deg", "T axis (frontal)", "T axis", "deg"),
    # the QRS voltages of the median beats (``voltage``)
    ScalarField("sokolow_lyon_mv", "Sokolow-Lyon index (SV1 + max(RV5, RV6))", "Sokolow-Lyon", "mV", 2),
    ScalarField("cornell_mv", "Cornell voltage (RaVL + SV3)", "Cornell", "mV", 2),
    ScalarField("qrs_limb_mv", "QRS amplitude, limb leads (largest peak-to-peak)", "QRS limb max", "mV", 2),
    ScalarField("qrs_precordial_mv", "QRS amplitude, precordial leads (largest peak-to-peak)", "QRS V1-V6 max",
                "mV", 2),
)
SCALAR_KEYS: tuple[str, ...] = tuple(f.key for f in SCALAR_FIELDS)
QTC_KEYS: tuple[str, ...] = ("qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms")
FIDUCIAL_KEYS: tuple[str, ...] = ("p_on", "p_off", "qrs_on", "qrs_off", "t_off", "r_peak")


@dataclass(frozen=True)
class MeasureConfig:
    """Tunable constants of the method (times in seconds, amplitudes in mV)."""
    band_hz: tuple[float, float] = (0.5, 100.0)   # conditioning band-pass
    mains_hz: tuple[float, ...] = (50.0, 60.0)    # mains lines a lead carries (and harmonics) subtracted first (): off
    pre_s: float = 0.45                           # median beat starts this long before the anchor
    post_s: float = 0.75                          # ... and ends this long after it
    min_beats: int = 3                            # dominant beats needed for a median beat
    min_dominant_fraction: float = 0.4            # fewer consistent beats than this: noise, no values
    qrs_corr_min: float = 0.9                     # QRS correlation with the median form (dominant beats)
    qrs_lowpass_hz: float = 40.0                  # Gaussian smoothing (-3 dB) of the QRS velocity
    qrs_cross_frac: float = 0.05                  # velocity crossing (of its QRS max) that brackets the knee
    qrs_knee_on_s: float = 0.08                   # knee search before the onset crossing
    qrs_knee_off_s: float = 0.10                  # ... and after the offset crossing
    qrs_search_s: float = 0.2                     # the QRS onset and offset are sought this far either side of its peak
    hold_s: float = 0.006                         # a crossing must stay below the threshold this long
    refine_hz: float | None = 100.0               # sharper velocity that refines the QRS bounds (None: off)
    refine_frac: float = 0.01                     # ... quiet while below this fraction of its QRS max
    refine_s: float = 0.012                       # ... moving a bound inwards by at most this
    t_lowpass_hz: float = 10.0                    # Gaussian smoothing (-3 dB) for the T wave
    t_ref_s: float = 0.18                         # trapezium reference point after the steepest T slope
    t_min_amplitude_mv: float = 0.04              # smaller T waves: no T offset (QT None)
    # the tangent-method T end in II and V5 (``tangent``): a T wave at least this tall, and the QT called unreliable
    # where it and the delineator's T end of that lead differ by more than t_end_disagree_ms
    tangent_min_mv: float = 0.1
    t_end_disagree_ms: float = 40.0
    p_window_s: float = 0.33                      # P search window before the QRS onset
    p_lowpass_hz: float = 40.0                    # Gaussian smoothing (-3 dB) for the P wave
    p_steep_frac: float = 0.4                     # P samples this steep (of the P's max velocity) are inside it
    p_knee_s: float = 0.05                        # knee search before/after the steep P samples
    p_min_amplitude_mv: float = 0.025             # smaller P waves (largest lead): no P
    p_corr_min: float = 0.75                      # median beat-to-beat P correlation for a P wave
    p_beat_min_mv: float = 0.05                   # a single beat's P wave, beat by beat (``delineate.p_per_beat``)
    min_axis_area_mv_ms: float = 0.5              # smaller net vectors (mV ms): axis None
    min_native_fs: float = 250.0                  # records sampled below this are resampled ...
    work_fs: float | None = 500.0                 # ... to this rate for delineation (None: never)
    qtc_rr_cv_max: float = 0.15                   # RR coefficient of variation above this: QTc unreliable
    qtc_bazett_hr_max: float = 120.0              # heart rate above this: Bazett QTc unreliable
    # heart rate below this: every QTc unreliable; the corrections extrapolate far from RR 1 s, and
    # Bazett under-corrects at slow rates (Rautaharju et al. 2009, AHA/ACCF/HRS part IV)
    qtc_hr_min: float = 50.0
    min_leads: int = 3                            # leads with a boundary needed for the median over leads
    # beats missed: where the quality check's own detector reads a rate at or above its rate_max_bpm
    # (200) and this measurement's rate is below this share of it, the rate and the intervals that lean
    # on it are not given (None, with a note). 0 switches the cross-check off.
    missed_beat_ratio: float = 0.8
    # ... and at any rate below this share of it: one beat in two missed (a share near 0.5). The two
    # detectors' rates stay above it on every record of PTB-XL fold 9 (2,180 with a rate; the lowest
    # share 0.73), LUDB (100) and the CinC 2021 samples (69) but CinC JS45546, a wide-complex
    # tachycardia measured at 94 bpm beside the other detector's 171 bpm
    half_rate_ratio: float = 0.6
    # calibration added to the median-over-leads intervals: minus the median difference from the
    # cardiologists' per-lead readings on LUDB records 1-50 (records 51-100 never tuned on)
    pr_bias_ms: float = -12.5
    qrs_bias_ms: float = -6.5
    qt_bias_ms: float = -17.0
    # how the leads' boundaries make the global PR, QRS and QT (``combine``): "median", the median over the leads of
    # each lead's interval, or "global", from the global_rank-th earliest onset to the global_rank-th latest offset
    # over the leads (IEC 60601-2-25, the CSE study; PR from the global_rank-th earliest P onset to the global QRS
    # onset, itself the global_rank-th earliest). Not the default: calibrated to LUDB's global readings it read
    # PTB-XL NORM records' QRS 110 ms (median; 20 of 115 at 120 ms or more) and 8 carts' QRS 12 ms longer than they
    # do (docs/measurements.md)
    intervals: str = "median"
    global_rank: int = 2                          # 2: one lead's stray boundary cannot stretch an interval
    # (PR, QRS, QT) calibration of the global intervals, per delineator: minus the median difference from the
    # cardiologists' readings made the same way (2nd-earliest onset / 2nd-latest offset over their annotated
    # leads) on LUDB records 1-50
    global_bias_ms: tuple[tuple[str, tuple[float, float, float]], ...] = (
        ("unet", (0.0, 6.0, 8.0)), ("rules", (-17.0, -13.0, -21.0)), ("combined", (-9.0, -0.5, -6.5)))
    delineator: str = "unet"                      # per-lead boundaries: "unet", "rules" or "combined" (mean)
    delineator_path: str | None = None            # learned weights (None: resources/models/delineator)
    # (PR, QRS, QT) calibration of the "unet" and "combined" delineators, fitted like the rules'
    # on LUDB records 1-50 (minus the median difference there)
    unet_bias_ms: tuple[float, float, float] = (-1.0, -1.25, -1.0)
    combined_bias_ms: tuple[float, float, float] = (-6.5, -4.0, -8.75)
    spike_max_s: float = 0.012                    # pacing spike: narrower than this ...
    spike_ratio: float = 2.0                      # ... and its raw slope this many times the 40 Hz one

    def __post_init__(self):
        if self.intervals not in CONVENTIONS:
            raise ValueError(f"MeasureConfig.intervals must be {' or '.join(map(repr, CONVENTIONS))}, "
                             f"not {self.intervals!r}")
        # a whole number as a float (2.0) or a bool would reach combine.ranked as an index: refused here
        if (isinstance(self.global_rank, bool) or not isinstance(self.global_rank, numbers.Integral)
                or self.global_rank < 1):
            raise ValueError(f"MeasureConfig.global_rank must be a whole number of at least 1, "
                             f"not {self.global_rank!r}")
        # past the 12 leads' middle (the 6th of 12) ``combine.ranked`` takes the middle one: a 13th would have
        # been measured as the 6th while the method's words said "13th"
        if self.global_rank > GLOBAL_RANK_MAX:
            raise ValueError(f"MeasureConfig.global_rank must be at most {GLOBAL_RANK_MAX} (the middle of 12 leads; "
                             f"a larger rank is measured as the middle one), not {self.global_rank!r}")


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
class MedianBeat:
    """MIRAGE's representative beat of each lead: the median beat the intervals are measured on.

    Not the device's own median beats, which a clinical file may carry
    (``record.meta["device_median_beats"]``): these are computed here, from this record's signal.
    Sample indices count from the start of the median beat, at ``fs`` (the delineation rate: the
    record's own, or ``MeasureConfig.work_fs`` when a low-rate record was resampled).

    Attributes:
        signal: (L, K) mV, STANDARD_LEADS order: the sample-wise median of the dominant beats after
            the conditioning band-pass (``MeasureConfig.band_hz``), from ``pre_s`` before the anchor
            to ``post_s`` after it; pacing spikes are kept (the delineation bridges them on its own
            copy). NaN for unusable leads (flat, missing) and where no dominant beat covers a
            sample (a beat cut by the record's start or end).
        fs: sampling rate of ``signal`` in Hz.
        anchor: sample of the beat's anchor (the peak of the spatial QRS magnitude).
        n_beats: how many dominant beats the median was taken over.
        fiducials: the global boundaries, "p_on", "p_off", "qrs_on", "qrs_off", "t_off" ->
            sample index (float; NaN where not found: no P wave, no T wave); the intervals in
            ``Measurements`` are their differences, to a sample (PR = qrs_on - p_on, QRS, QT = t_off - qrs_on).
        lead_fiducials: the same keys -> (L,) float sample indices of each lead's own boundary
            (NaN where that lead has none).
    """
    signal: np.ndarray
    fs: float
    anchor: int
    n_beats: int
    fiducials: dict = field(default_factory=dict)
    lead_fiducials: dict = field(default_factory=dict)

    @property
    def usable(self) -> np.ndarray:
        """(L,) bool: leads with a median beat (not all NaN)."""
        return np.isfinite(self.signal).any(axis=1)


@dataclass(frozen=True)
class Measurements:
    """One record's measurements. Intervals in ms, rate in bpm, axes in degrees (-180, 180];
    None where not measurable (``notes`` says why). Fiducials are sample indices at ``fs``,
    (n_beats,) float arrays, NaN for beats left out of the median beat (ectopic, cut off).
    ``median`` is the median beat itself, (L, K) mV with its fiducials (:class:`MedianBeat`), None
    when no median beat was built (too few alike beats, no QRS boundaries). ``atrial`` is the
    atrial activity between the QRS complexes (dominant frequency and its concentration in II, III,
    aVF and V1: ``measure.atrial``), None where it cannot be measured."""
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
    rr_nrmssd: float | None = None                   # RMSSD of successive RR / mean RR of all beats (beat-to-beat)
    median: MedianBeat | None = None                 # the median beat and its fiducials (None: not built)
    atrial: AtrialActivity | None = None             # atrial activity between the QRS complexes (``atrial``)
    mains_leads: tuple[str, ...] = ()                # leads whose mains lines were subtracted before measuring
    # the QRS was not bounded because the median beat never goes quiet within ``MeasureConfig.qrs_search_s`` of its
    # peak: no isoelectric interval around the complex (a QRS that wide, or a tachycardia whose
    # complexes run into each other), not a flat or noisy record
    qrs_unbounded: bool = False
    # the P wave candidate's median beat-to-beat correlation (``delineate.p_consistency``; a P wave, and PR, from
    # ``MeasureConfig.p_corr_min``); None where no candidate was found before the QRS
    p_correlation: float | None = None
    # a P wave sought before each QRS on its own (``delineate.p_per_beat``): the share of beats with one, and the
    # interquartile range of their PR (ms; the P peak to the QRS onset); None where too few beats to tell
    p_share: float | None = None
    pr_iqr_ms: float | None = None
    # every P wave found by the median beat's P wave, conducted or not (``measure.p_waves``); None where the median
    # beat has no P wave
    p_waves: BeatPWaves | None = None
    # the QRS voltages of the median beat (``measure.voltage``, mV): the table's values, not the model's features
    sokolow_lyon_mv: float | None = None             # SV1 + max(RV5, RV6)
    cornell_mv: float | None = None                  # RaVL + SV3
    qrs_limb_mv: float | None = None                 # the largest peak-to-peak QRS of the six limb leads
    qrs_precordial_mv: float | None = None           # ... and of V1-V6
    # how PR, QRS and QT were combined over the leads (``MeasureConfig.intervals``: "global" or "median"), and over
    # how many leads each was (0 where too few leads had a boundary and the spatial one stood in)
    intervals: str = ""
    interval_rank: int = 0                           # MeasureConfig.global_rank of the "global" intervals
    interval_leads: dict = field(default_factory=dict)     # "pr_ms", "qrs_ms", "qt_ms" -> leads
    # the median over the leads of each lead's own interval (ms, calibrated like MeasureConfig.unet_bias_ms), kept
    # beside the reported values whichever ``intervals`` gave them
    lead_median_ms: dict = field(default_factory=dict)     # "pr_ms", "qrs_ms", "qt_ms" -> ms or None

    def __post_init__(self):
        # global intervals measured by the method had been described as its "median over leads" (the words the
        # measuring pipeline gives every record): the method's words follow the intervals' convention
        if self.intervals == "global" and self.method == METHOD_NAME:
            object.__setattr__(self, "method", method_name("global", self.interval_rank))

    def as_dict(self) -> dict[str, float | None]:
        """Scalar measurements only, keyed as the CSV columns (heart_rate_bpm, rr_ms, pr_ms, ...)."""
        return {k: getattr(self, k) for k in SCALAR_KEYS}


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

