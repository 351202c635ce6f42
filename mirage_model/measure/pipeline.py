"""measure(): the whole pipeline from a record to Measurements (see the package docstring).

This module takes a record from its file's samples to the median beat's measurement and back: the checks, the mains
lines, the gaps (``gaps``), the rate the signal is delineated at, then the median beat's measurement
(``median_beat``), the missed beats of a fast rhythm, the atrial activity and the QRS voltages. The names that lived
here before (``measure``, ``MIN_FS``, the notes' heads, ``bridge_short_gaps``, ``finite_stretch``,
``unalike_note``) are importable from here as before.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
from scipy import signal as sps

from mirage_model.limits import seconds_short_of
from mirage_model.measure.atrial import atrial_activity
from mirage_model.measure.formulas import rr_successive_variation, rr_variation
from mirage_model.measure.gaps import BRIDGE_GAP_S, _shifted, bridge_short_gaps, finite_stretch
from mirage_model.measure.median_beat import (
    BAZETT_FAST_NOTE, QTC_UNRELIABLE_NOTE, _measure_signal, unalike_note,
)
from mirage_model.measure.results import FIDUCIAL_KEYS, LeadFiducials, MeasureConfig, Measurements, empty_measurements
from mirage_model.measure.voltage import qrs_voltage
from mirage_model.preprocess import bridge_missing, mains_frequencies, record_mains_search, remove_mains
from mirage_model.quality.beats import detected_rr_s, median_rate_bpm
from mirage_model.quality.electrode_off import record_electrode_off
from mirage_model.quality.findings import QualityConfig
from mirage_model.quality.spikes import without_spikes
from mirage_model.records import STANDARD_LEADS
from mirage_model.records.record import found_once
from mirage_model.words import counted

__all__ = ["BAZETT_FAST_NOTE", "BRIDGE_GAP_S", "MIN_FS", "QTC_UNRELIABLE_NOTE", "bridge_short_gaps", "finite_stretch",
           "measure", "unalike_note"]

MIN_FS = 100.0   # Hz: below it nothing is measured (empty Measurements with a note)


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
    if fs < MIN_FS:
        return empty_measurements(fs, (f"sampling rate {fs:g} Hz is too low for interval measurement",))
    if T < int(2.5 * fs):
        return empty_measurements(fs, (f"record too short ({seconds_short_of(T / fs, int(2.5 * fs) / fs, '.1f')} s) "
                                       "for measurement",))
    quality = getattr(record, "quality", {}) or {}
    # a lead whose electrode is off (the quality check's "unreadable (electrode off?)"), or whose noise swamps its
    # QRS complexes, is left out as a missing lead is: in the spatial magnitude its swing or noise set the beats,
    # and no complex was like another (the check's own pass, read once per record)
    off = record_electrode_off(record)[0]
    if off.any():
        quality = {**quality, "flat": np.asarray(quality.get("flat", np.zeros(len(off), bool)), bool) | off}
    x, mains_leads = _without_mains(record, x, fs, cfg.mains_hz)
    # a flipped byte's spike, or a value past 50 mV however wide, is no beat (the quality check names them), nor
    # half of one in aVR where I was derived
    x, spiked = without_spikes(x, fs, quality.get("derived"))
    bridged = 0
    if not np.isfinite(x).all():
        x = np.array(x, dtype=np.float64, copy=True)      # never the caller's record
        bridged = bridge_short_gaps(x, fs)
    note = (f"{counted(bridged, 'gap')} of missing samples (at most {BRIDGE_GAP_S * 1000:g} ms) "
            "bridged linearly",) if bridged else ()
    stretch = finite_stretch(x, fs)
    a, b = stretch if stretch is not None else (0, T)
    xs = x[:, a:b]                                   # the whole record, or its longest stretch without gaps
    m = _missed_beats(_with_atrial(_measure_at_rate(xs, fs, cfg, quality, fiducials), xs, fs), xs, fs, cfg)
    m = replace(m, mains_leads=mains_leads, **_voltages(m))
    if off.any():
        note += (f"{', '.join(n for n, o in zip(STANDARD_LEADS, off) if o)} left out (electrode off or noise?)",)
    if spiked:
        note += (f"isolated spikes or values no heart gives bridged in {counted(spiked, 'lead')} before measuring",)
    if note:
        m = replace(m, notes=tuple(m.notes) + note)
    if stretch is None:
        return m
    gaps = [ld for ld, row in zip(STANDARD_LEADS, x) if 0 < np.isnan(row).mean() <= 0.5]
    return _shifted(m, a, f"measured on {a / fs:.1f}-{b / fs:.1f} s, the longest stretch without missing "
                          f"samples (gaps in {', '.join(gaps)})")


def _without_mains(record, x: np.ndarray, fs: float,
                   mains_hz: tuple[float, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """(12, T) mV ``x``, ``record``'s signal, without the mains lines each lead carries (``mains_subtracted``: a lead
    without a line is returned as it was, bit for bit). The conditioning band-pass keeps 50 and 60 Hz, whose slope
    the QRS velocity reads: 0.1 mV of 50 Hz had left 54 of the 100 LUDB records without a QRS boundary. Missing (NaN)
    samples are bridged for the fit and missing again after it, so the gaps (``finite_stretch``) and the missing
    leads stay as they were. Also the leads it changed (those that carry a line), for the words under the median
    beats."""
    if not mains_frequencies(fs, tuple(mains_hz)):                      # e.g. 100 Hz: nothing below Nyquist
        return x, ()
    fitted, bad, changed = mains_subtracted(record, mains_hz)
    fitted = np.array(fitted)                                           # the kept copy is shared: never written
    fitted[bad] = np.nan
    return fitted, changed


def mains_subtracted(record, mains_hz: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``record``'s signal, float64 (12, T) mV, its missing (NaN) samples bridged (``preprocess.bridge_missing``) and
    the mains lines each lead carries subtracted (``preprocess.remove_mains`` with ``only_present``, ``mains_hz``);
    those samples, (12, T) bool; and the leads the subtraction changed. Found once per record and kept on it
    (``records.found_once``; read-only, shared): the measurement (``measure``, the app's record-load job) and the
    measured-rhythm stage's copy at 100 Hz (``features.at_feature_rate``, its model job) read it of the same first
    minute, and each had fitted it, its lines' spectra and its pacing-spike search (``preprocess.mains._spike_mask``)
    again. The lines and the spikes are the record's kept ``preprocess.record_mains_search``, which the model's
    inputs of a record of a minute or less read too (``inference.inputs.record_inputs``)."""
    fs, mains = float(record.fs), tuple(float(f) for f in mains_hz)

    def make():
        y = np.array(record.signal, dtype=np.float64)
        bad = bridge_missing(y)
        fitted = remove_mains(y, fs, mains, only_present=True, search=record_mains_search(record, mains))
        changed = () if fitted is y else tuple(ld for ld, new, old in zip(STANDARD_LEADS, fitted, y)
                                               if not np.array_equal(new, old))
        fitted.flags.writeable = bad.flags.writeable = False
        return fitted, bad, changed

    return found_once(record, ("mains_subtracted", fs, mains), make)


def _missed_beats(m: Measurements, x: np.ndarray, fs: float, cfg: MeasureConfig) -> Measurements:
    """``m`` with the rate of a second QRS detector and without the values that a missed beat makes
    wrong, when this measurement's QRS detector missed beats of a fast rhythm: the quality check's
    detector (``quality.detected_rr_s`` on the same (12, T) mV ``x``) reads a rate at or above its
    ``rate_max_bpm`` and ``m``'s rate is below ``cfg.missed_beat_ratio`` of it. A Ningbo tachycardia at
    222 bpm (CinC JS45547) had been measured as 121 bpm beside the gate's "heart rate 222 bpm", in
    the table, the PDF and the interpretation's rate. At any rate, a measured rate below
    ``cfg.half_rate_ratio`` of the other detector's, whose own RR intervals are regular (coefficient of
    variation at most ``cfg.qtc_rr_cv_max``), is one beat in two missed, the same way: a wide-complex
    tachycardia at 171 bpm (CinC JS45546) had been measured as 94 bpm. Where that detector counts tall
    T waves as beats its intervals alternate short and long, and the measured rate stands.

    Rate, RR and the RR variation are then the other detector's (60 / the mean of its RR intervals,
    those longer than 1.5 times their median left out: a beat it missed), with a note that says so;
    PR (a missed beat's T or QRS lies where the P wave is sought) and QT/QTc are None; QRS duration and
    the axes, read off the median of the beats found, stay. A tachycardia's rate is the first number a
    reader wants (JS45546, a ventricular tachycardia, had shown no rate at all)."""
    if not cfg.missed_beat_ratio or m.heart_rate_bpm is None:
        return m
    limit = QualityConfig().rate_max_bpm
    rr = detected_rr_s(x, fs)
    if rr is None:
        return m
    other = median_rate_bpm(rr)
    fast = other >= limit and m.heart_rate_bpm < cfg.missed_beat_ratio * other
    halved = (m.heart_rate_bpm < cfg.half_rate_ratio * other
              and float(np.std(rr) / np.mean(rr)) <= cfg.qtc_rr_cv_max)
    if not (fast or halved):
        return m
    kept_rr = rr[rr <= 1.5 * np.median(rr)]                          # (n,) s, without the other's own misses
    mean_rr_ms = float(np.mean(kept_rr)) * 1000.0
    hr = round(60000.0 / mean_rr_ms, 1)
    beats_s = np.concatenate([[0.0], np.cumsum(kept_rr)])
    rr_cv, rr_nrmssd = rr_variation(beats_s), rr_successive_variation(beats_s)
    why = f"at or above {limit:g}" if fast else f"more than {1 / cfg.half_rate_ratio:.3g} times this measurement's"
    note = (f"rate and RR from a second QRS detector, {hr:.0f} bpm ({why}): this measurement's found "
            f"{m.heart_rate_bpm:.0f} bpm, so it missed beats; PR and QT/QTc not given")
    kept = tuple(n for n in m.notes if not n.startswith(_RATE_NOTES))   # about values no longer given
    return replace(m, heart_rate_bpm=hr, rr_ms=round(mean_rr_ms, 1), pr_ms=None, qt_ms=None,
                   lead_median_ms={**m.lead_median_ms, "pr_ms": None, "qt_ms": None},
                   interval_leads={**m.interval_leads, "pr_ms": 0, "qt_ms": 0},
                   qtc_bazett_ms=None, qtc_fridericia_ms=None, qtc_framingham_ms=None, rr_cv=rr_cv,
                   rhythm_irregular=None if rr_cv is None else bool(rr_cv > cfg.qtc_rr_cv_max),
                   rr_nrmssd=rr_nrmssd, notes=(note,) + kept)


# the notes _measure_signal writes about the rate, PR and QT/QTc (prefixes)
_RATE_NOTES = ("rhythm irregular", "PR:", "QT:", "QTc")


def _with_atrial(m: Measurements, x: np.ndarray, fs: float) -> Measurements:
    """``m`` with the atrial activity of x (L, T) at the record's rate fs, between the QRS complexes that
    ``m`` found there (``atrial.atrial_activity``; None without QRS boundaries)."""
    g = m.global_fiducials
    if "qrs_on" not in g or "qrs_off" not in g:
        return m
    return replace(m, atrial=atrial_activity(x, fs, m.beats, g["qrs_on"], g["qrs_off"]))



def _voltages(m: Measurements) -> dict[str, float | None]:
    """The QRS voltages of m's median beat (``voltage``), keyed as its fields; {} without a median beat."""
    v = qrs_voltage(m.median)
    return {} if v is None else v.as_dict()



def _measure_at_rate(x: np.ndarray, fs: float, cfg: MeasureConfig, quality: dict,
                     fiducials: bool) -> Measurements:
    """The pipeline on a (12, T) float64 signal at fs, resampled first when fs is below
    ``cfg.min_native_fs`` (sample indices reported at fs)."""
    T = x.shape[1]
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
        # words a printed page or a CSV can carry, no repository path (the accuracy is in docs/measurements.md)
        notes=m.notes + (f"sampling rate {fs:g} Hz: resampled to {work_fs:g} Hz for delineation "
                         f"(a sample every {1000.0 / fs:.3g} ms: wave boundaries less exact than at {work_fs:g} Hz)",),
    )

