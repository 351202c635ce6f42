"""measure(): the whole pipeline from a record to Measurements (see the package docstring)."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from fractions import Fraction

import numpy as np
from scipy import signal as sps

from mirage_model.limits import seconds_short_of
from mirage_model.measure.atrial import atrial_activity
from mirage_model.measure.beats import INDEPENDENT, detect_beats, dominant_beats
from mirage_model.measure.combine import biases, from_qrs_onset, lead_median, qrs_span
from mirage_model.measure.delineate import (
    LEAD_AVF, LEAD_I, p_consistency, p_per_beat, p_wave, pacing_spikes, qrs_bounds, refine_bounds, t_end, wave_axis,
)
from mirage_model.measure.filters import bandpass, smooth
from mirage_model.measure.formulas import (
    qtc_bazett, qtc_framingham, qtc_fridericia, rr_successive_variation, rr_variation,
)
from mirage_model.measure.results import (
    FIDUCIAL_KEYS, METHOD_NAME, LeadFiducials, MeasureConfig, Measurements, MedianBeat, empty_measurements,
)
from mirage_model.measure.voltage import qrs_voltage
from mirage_model.preprocess import bridge_missing, mains_frequencies, remove_mains
from mirage_model.quality.beats import detected_rr_s, median_rate_bpm
from mirage_model.quality.electrode_off import record_electrode_off
from mirage_model.quality.findings import QualityConfig
from mirage_model.records import FLAT_PTP_MV, STANDARD_LEADS
from mirage_model.words import counted
from mirage_model.words import shown as cited   # the median beat is 'shown' in _measure_signal

MIN_FS = 100.0   # Hz: below it nothing is measured (empty Measurements with a note)
# Missing samples in runs this short (a dropped packet, a sample the recorder flagged) are bridged
# linearly before measuring: 1 % of samples missing at random in every lead had left no stretch
# without a gap, and no value was measured (hostile-file sweep, 2026-12-05). A 10 ms line lies within
# one 100 Hz sample and shorter than any wave; a longer gap is measured around (``finite_stretch``).
BRIDGE_GAP_S = 0.01
# how the note on Bazett's QTc at a fast rate begins (``review.measurements.measurement_notes`` says a child's instead)
BAZETT_FAST_NOTE = "QTc Bazett unreliable: heart rate"
# how the notes on every QTc at an irregular rhythm or a slow rate begin (``review.measurements.qtc_doubts`` marks the
# QTc rows by them)
QTC_UNRELIABLE_NOTE = "QTc unreliable: "


def _qtc_caveats(beats: np.ndarray, hr: float, cfg: MeasureConfig) -> list[str]:
    """Notes for QTc values that are reported but unreliable (irregular rhythm, high or low rate)."""
    out = []
    cv, lim = rr_variation(beats), cfg.qtc_rr_cv_max
    if cv is not None and cv > lim:
        out.append(f"{QTC_UNRELIABLE_NOTE}irregular rhythm (RR coefficient of variation {cited(cv, lim, decimals=2)} > "
                   f"{lim:g}; e.g. atrial fibrillation): QT and the mean RR do not belong "
                   "to the same cycle")
    if hr > cfg.qtc_bazett_hr_max:
        out.append(f"{BAZETT_FAST_NOTE} {hr:g} bpm > {cfg.qtc_bazett_hr_max:g} "
                   "(Bazett over-corrects at high rates; Fridericia is less affected)")
    if hr < cfg.qtc_hr_min:
        out.append(f"{QTC_UNRELIABLE_NOTE}heart rate {hr:g} bpm < {cfg.qtc_hr_min:g} (the corrections extrapolate "
                   "at slow rates; Bazett under-corrects)")
    return out


def _learned_bounds(med: np.ndarray, usable: np.ndarray, c: int, fs: float,
                    cfg: MeasureConfig) -> dict[str, np.ndarray]:
    """Each usable lead's wave boundaries from the learned delineator, (L,) per key, median-beat
    samples at fs; NaN where it found none. med: (L, K), the anchor at c."""
    from mirage_model.measure import learned as ln   # torch: only when the learned delineator is asked for

    net = ln.load(cfg.delineator_path)
    L = med.shape[0]
    out = {k: np.full(L, np.nan) for k in ("p_on", "p_off", "qrs_on", "qrs_off", "t_off")}
    ix = np.flatnonzero(usable)
    if ix.size == 0:
        return out
    ratio = Fraction(net.config.fs / fs).limit_denominator(100)
    x = med[ix] if ratio == 1 else sps.resample_poly(med[ix], ratio.numerator, ratio.denominator, axis=1)
    labels = ln.segment(net, x)                                              # (l, K')
    scale = ratio.denominator / ratio.numerator                              # net samples -> fs samples
    for row, li in zip(labels, ix):
        for k, v in ln.boundaries(row, int(round(c / scale)), net.config.fs).items():
            out[k][li] = v * scale
    return out


def _pick(rules: np.ndarray, learned: np.ndarray, cfg: MeasureConfig) -> np.ndarray:
    """Per-lead boundaries (L,) of the configured delineator: the learned one, or for "combined"
    the mean of both where both found one (else whichever did)."""
    if cfg.delineator == "unet":
        return learned
    both = np.isfinite(rules) & np.isfinite(learned)
    return np.where(both, (rules + learned) / 2, np.where(np.isfinite(learned), learned, rules))


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
    x, mains_leads = _without_mains(x, fs, cfg.mains_hz)
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
    if note:
        m = replace(m, notes=tuple(m.notes) + note)
    if stretch is None:
        return m
    gaps = [ld for ld, row in zip(STANDARD_LEADS, x) if 0 < np.isnan(row).mean() <= 0.5]
    return _shifted(m, a, f"measured on {a / fs:.1f}-{b / fs:.1f} s, the longest stretch without missing "
                          f"samples (gaps in {', '.join(gaps)})")


def _without_mains(x: np.ndarray, fs: float, mains_hz: tuple[float, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """(12, T) mV ``x`` without the mains lines each lead carries (``preprocess.remove_mains`` with
    ``only_present``: a lead without a line is returned as it was, bit for bit). The conditioning
    band-pass keeps 50 and 60 Hz, whose slope the QRS velocity reads: 0.1 mV of 50 Hz had left 54 of
    the 100 LUDB records without a QRS boundary. Missing (NaN) samples are bridged for the fit and
    missing again after it, so the gaps (``finite_stretch``) and the missing leads stay as they were.
    Also the leads it changed (those that carry a line), for the words under the median beats."""
    if not mains_frequencies(fs, tuple(mains_hz)):                      # e.g. 100 Hz: nothing below Nyquist
        return x, ()
    y = x.copy()
    bad = bridge_missing(y)
    fitted = remove_mains(y, fs, tuple(mains_hz), only_present=True)
    changed = () if fitted is y else tuple(ld for ld, new, old in zip(STANDARD_LEADS, fitted, y)
                                           if not np.array_equal(new, old))
    fitted[bad] = np.nan
    return fitted, changed


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


def bridge_short_gaps(x: np.ndarray, fs: float, max_s: float = BRIDGE_GAP_S) -> int:
    """Bridge, in place, each run of non-finite samples of (L, T) ``x`` no longer than ``max_s`` seconds
    (at least one sample) with a line between its finite neighbours; a run at either end, or longer,
    stays missing. Returns how many runs were bridged."""
    bad = ~np.isfinite(x)
    if not bad.any():
        return 0
    longest = max(1, int(math.floor(max_s * fs + 1e-9)))
    n = 0
    idx = np.arange(x.shape[1])
    for lead in np.flatnonzero(bad.any(axis=1)):
        edges = np.diff(np.concatenate([[0], bad[lead].astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        inner = (starts > 0) & (ends < x.shape[1]) & (ends - starts <= longest)
        if not inner.any():
            continue
        fill = np.zeros(x.shape[1], dtype=bool)
        for a, b in zip(starts[inner], ends[inner]):
            fill[a:b] = True
        ok = ~bad[lead]
        x[lead, fill] = np.interp(idx[fill], idx[ok], x[lead, ok])
        n += int(inner.sum())
    return n


def finite_stretch(x: np.ndarray, fs: float, min_s: float = 2.5) -> tuple[int, int] | None:
    """Where to measure a record with gaps: the longest run of samples [a, b) in which every lead that is
    present (finite on at least half its samples) is finite, when fewer than half the independent leads
    (``beats.INDEPENDENT``) are complete and that run lasts at least ``min_s`` seconds. None otherwise:
    no gap, or enough complete leads to measure the whole record on (the leads with gaps are then left
    out, as before), or no run long enough. ``x``: (L, T) signal with NaN for missing samples."""
    finite = np.isfinite(x)
    if finite.all(axis=1)[list(INDEPENDENT)].sum() >= len(INDEPENDENT) / 2:
        return None
    present = finite.mean(axis=1) >= 0.5
    if not present.any():
        return None
    ok = finite[present].all(axis=0)
    if ok.all():
        return None
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not len(starts):
        return None
    k = int(np.argmax(ends - starts))
    a, b = int(starts[k]), int(ends[k])
    return (a, b) if b - a >= int(round(min_s * fs)) else None


def _voltages(m: Measurements) -> dict[str, float | None]:
    """The QRS voltages of m's median beat (``voltage``), keyed as its fields; {} without a median beat."""
    v = qrs_voltage(m.median)
    return {} if v is None else v.as_dict()


def _shifted(m: Measurements, a: int, note: str) -> Measurements:
    """Measurements of a stretch starting at sample ``a``, with its sample indices moved to the record's."""
    return replace(
        m,
        beats=np.asarray(m.beats, dtype=np.int64) + a,
        global_fiducials={k: np.asarray(v, dtype=float) + a for k, v in m.global_fiducials.items()},
        fiducials={ld: LeadFiducials(*(np.asarray(getattr(f, k), dtype=float) + a for k in FIDUCIAL_KEYS))
                   for ld, f in m.fiducials.items()},
        notes=m.notes + (note,),
    )


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


def unalike_note(alike: int, n: int, min_beats: int) -> str:
    """Why no median beat was measured when only ``alike`` of the ``n`` detected QRS complexes share the
    dominant form (``dominant_beats``), fewer than ``min_beats`` or too small a share, in words that read
    for one alike and for many: "the 7 QRS complexes differ from one another (no 2 alike): ...", "only
    2 of 7 QRS complexes are alike: ...", "only 2 QRS complexes (3 needed): ..." (it said "only 1 of 7 QRS
    complexes are alike")."""
    if alike >= n:                          # every complex alike: too few of them, not noise
        return f"only {counted(n, 'QRS complex', plural='QRS complexes')} ({min_beats} needed): no reliable measurement"
    if alike <= 1:
        apart = "from each other" if n == 2 else "from one another (no 2 alike)"
        return f"the {n} QRS complexes differ {apart}: noisy record, no reliable measurement"
    return f"only {alike} of {n} QRS complexes are alike: noisy record, no reliable measurement"


def _measure_signal(x: np.ndarray, fs: float, cfg: MeasureConfig, quality: dict,
                    with_fiducials: bool) -> Measurements:
    """The pipeline on a validated (12, T) float64 signal at fs (>= min_native_fs or resampled)."""
    L, T = x.shape
    # usable leads: finite, not flat, not flagged flat. The "missing" flag marks a lead with missing
    # samples, which are NaN: read here directly (a lead with a gap is usable on a stretch without it,
    # see finite_stretch)
    finite = np.isfinite(x).all(axis=1)
    usable = finite.copy()
    usable[finite] = np.ptp(x[finite], axis=1) > FLAT_PTP_MV              # a missing (NaN) lead: unusable
    if "flat" in quality:
        usable &= ~np.asarray(quality["flat"], dtype=bool)
    indep = np.asarray([i for i in INDEPENDENT if usable[i]], dtype=np.int64)
    if len(indep) < 2:
        return empty_measurements(fs, ("fewer than 2 usable independent leads (flat, missing or NaN)",))

    xf = np.zeros_like(x)
    xf[usable] = bandpass(x[usable], fs, cfg.band_hz)

    beats = detect_beats(xf, fs, indep)
    if len(beats) < 2:
        return empty_measurements(fs, ("fewer than 2 QRS complexes detected",), beats)
    rr = float(np.mean(np.diff(beats))) * 1000.0 / fs
    hr = round(60000.0 / rr, 1)
    rr = round(rr, 1)
    rr_cv = rr_variation(beats)
    rr_nrmssd = rr_successive_variation(beats)
    irregular = None if rr_cv is None else bool(rr_cv > cfg.qtc_rr_cv_max)

    dominant = dominant_beats(xf, fs, beats, indep, cfg.qrs_corr_min)
    pre, post = int(round(cfg.pre_s * fs)), int(round(cfg.post_s * fs))
    in_window = (beats - pre >= 0) & (beats + post < T)
    use = dominant & in_window
    if dominant.sum() < cfg.min_beats or dominant.mean() < cfg.min_dominant_fraction:
        return empty_measurements(fs, (unalike_note(int(dominant.sum()), len(beats), cfg.min_beats),), beats)
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
    shown = np.where(usable[:, None], med, np.nan)      # (L, K) the median beat as exposed: spikes kept
    med = np.nan_to_num(med)
    c = pre                                                                  # anchor in median beat
    notes: list[str] = []
    if irregular:
        lim = cfg.qtc_rr_cv_max      # the value to as many decimals as keep it past the limit: not "0.15 > 0.15"
        notes.append(f"rhythm irregular (RR coefficient of variation {cited(rr_cv, lim, decimals=2)} > {lim:g}): "
                     f"rate is the mean over all {len(beats)} QRS complexes")
    if fs < cfg.min_native_fs:
        notes.append(f"sampling rate {fs:g} Hz: interval boundaries are coarse (validated at 500 Hz)")

    # --- pacing spikes -------------------------------------------------------------------------
    spikes = pacing_spikes(med[indep], fs, c, cfg)
    for a, b in spikes:                       # bridge each spike: it is not part of the QRS
        med[:, a:b + 1] = np.linspace(med[:, a], med[:, b], b - a + 1, axis=1)
    if spikes:
        notes.append(f"pacing spike{'s' if len(spikes) > 1 else ''} on the median beat: left out of "
                     "the QRS (it starts after the spike)")
    # the learned delineator reads each lead of the median beat, spikes bridged like the rules
    learned = None
    if cfg.delineator != "rules":
        try:
            learned = _learned_bounds(med, usable, c, fs, cfg)
        except (ImportError, FileNotFoundError, RuntimeError, ValueError) as e:
            # no torch, no weights or unreadable weights: the rules still measure the record
            notes.append(f"learned delineator unavailable ({type(e).__name__}: {e}); rule-based "
                         "boundaries used")
    used = cfg.delineator if learned is not None else "rules"
    (pr_bias, qrs_bias, qt_bias), med_bias = biases(cfg, used)
    way, rank, n_min = cfg.intervals, cfg.global_rank, cfg.min_leads
    lead_med: dict[str, float | None] = {}                 # the median over leads, kept beside the global values
    n_used: dict[str, int] = {}                            # leads each interval was combined over (none: spatial)

    def lead_ms(n_samples: float | None, bias_ms: float) -> float | None:
        return None if n_samples is None else _ms(n_samples + bias_ms * fs / 1000.0, fs)

    # the QRS search starts after the last spike before the anchor (a ventricular pacing spike)
    ends_before = [b for _, b in spikes if b <= c + int(0.02 * fs)]
    lo_q = max([lo_ok] + ends_before)

    # --- QRS --------------------------------------------------------------------------------
    v = smooth(med, fs, cfg.qrs_lowpass_hz, order=1)                        # (L, K) mV/s
    sv = np.sqrt(np.sum(v[indep] ** 2, axis=0))                              # (K,)
    sp_on, sp_off = qrs_bounds(sv, c, fs, cfg, lo_q, hi_ok, floor=bool(spikes))
    if sp_on is None or sp_off is None:
        if not sv.any():
            return empty_measurements(fs, ("QRS boundaries not found on the median beat",), beats, (hr, rr))
        note = (f"QRS boundaries not found on the median beat: it does not go quiet within {cfg.qrs_search_s * 1000:.0f} ms "
                "of the QRS peak (no isoelectric interval: a complex that wide, or complexes running into each other)")
        return replace(empty_measurements(fs, (note,), beats, (hr, rr)), qrs_unbounded=True)
    if cfg.refine_hz:
        sp_on, sp_off = refine_bounds(med[indep], fs, cfg, sp_on, sp_off, c)
    # each lead's own QRS on its median beat; the global QRS is their median (robust to one lead), or with
    # intervals="global" spans them from the 2nd-earliest onset to the 2nd-latest offset (``combine``)
    lead_ix = np.flatnonzero(usable)
    l_qon, l_qoff = np.full(L, np.nan), np.full(L, np.nan)
    for li in lead_ix:
        a, b = qrs_bounds(np.abs(v[li]), c, fs, cfg, lo_q, hi_ok, floor=bool(spikes))
        if a is not None and b is not None:
            if cfg.refine_hz:
                a, b = refine_bounds(med[li:li + 1], fs, cfg, a, b, c)
            l_qon[li], l_qoff[li] = a, b
    if learned is not None:
        l_qon, l_qoff = _pick(l_qon, learned["qrs_on"], cfg), _pick(l_qoff, learned["qrs_off"], cfg)
    lead_med["qrs_ms"] = lead_ms(lead_median(l_qon, l_qoff, n_min), med_bias[1])
    span = qrs_span(l_qon, l_qoff, way, rank, n_min)
    if span is not None:
        qrs_on = int(round(span[0]))
        qrs_len = span[1] + qrs_bias * fs / 1000.0
        qrs_off = max(qrs_on + 1, int(round(qrs_on + qrs_len)))
        n_used["qrs_ms"] = span[2]
    else:
        qrs_on, qrs_off, qrs_len = sp_on, sp_off, float(sp_off - sp_on)
    # the global QRS onset the QT and PR are read from (the spatial one where too few leads have one)
    q_from = span[0] if way == "global" and span is not None else None
    qrs_ms = _ms(qrs_len, fs)
    medb = med - med[:, qrs_on - int(round(0.01 * fs)) if qrs_on >= int(0.01 * fs) else 0][:, None]

    # --- T wave ------------------------------------------------------------------------------
    rr_samples = float(np.median(np.diff(beats)))
    t_stop = min(hi_ok, c + int(min(0.7 * rr_samples, 0.65 * fs)))
    t_hard = c + int(0.85 * rr_samples)                                      # before the next QRS
    t_start = max(qrs_off, sp_off) + int(round(0.06 * fs))
    # spatial magnitude of the ST-T (baseline: the PR-segment level), smoothed: T waves are slow
    mag = np.sqrt(np.mean(smooth(medb[indep], fs, cfg.t_lowpass_hz) ** 2, axis=0))
    t_sp = t_end(mag, t_start, t_stop, fs, cfg, t_hard)
    l_toff = np.full(L, np.nan)
    if t_sp is not None:
        y_all = smooth(medb, fs, cfg.t_lowpass_hz)
        for li in lead_ix:
            y = y_all[li]
            y = y if y[qrs_off:t_sp].max() >= -y[qrs_off:t_sp].min() else -y      # T up or down
            k = t_end(y, t_start, t_stop, fs, cfg, t_hard)
            if k is not None:
                l_toff[li] = k
        if learned is not None:
            l_toff = _pick(l_toff, learned["t_off"], cfg)
    if t_sp is None:
        notes.append("QT: T wave too small or not found")
        t_off, qt_ms = None, None
    else:
        lead_med["qt_ms"] = lead_ms(lead_median(l_qon, l_toff, n_min), med_bias[2])
        qt = from_qrs_onset(l_qon, l_toff, q_from, way, rank, n_min, after=True)
        if qt is not None:
            qt_len, n_used["qt_ms"] = qt[0] + qt_bias * fs / 1000.0, qt[1]
        else:
            qt_len = float(t_sp - qrs_on) + qt_bias * fs / 1000.0
        t_off = int(round(qrs_on + qt_len))
        qt_ms = _ms(qt_len, fs)

    # --- P wave ------------------------------------------------------------------------------
    # the P wave lies after the previous beat's T wave and at most p_window_s before the QRS
    qrs_first = int(min(qrs_on, sp_on))          # the spatial onset: the first deflection of any lead
    p_lo = max(lo_ok, qrs_first - int(round(min(cfg.p_window_s * fs, 0.55 * rr_samples))))
    if t_off is not None:
        p_lo = max(p_lo, int(t_off - rr_samples))
    # P waves hold little above 40 Hz; the median beat's noise does
    lp_all = smooth(medb, fs, cfg.p_lowpass_hz)
    med_lp = lp_all[indep]
    vp_all = smooth(medb, fs, cfg.p_lowpass_hz, order=1)
    sv_lp = np.sqrt(np.sum(vp_all[indep] ** 2, axis=0))
    p_on, p_off, why = p_wave(med_lp, sv_lp, fs, qrs_first, p_lo, cfg)
    p_corr = None                                # the P wave candidate's beat-to-beat correlation
    if p_on is not None:
        a = max(0, p_on - int(round(0.01 * fs)))
        b = min(qrs_first - int(round(0.01 * fs)), p_off + int(round(0.01 * fs)))
        beat_p = smooth(segs[indep][:, :, max(0, a - int(0.05 * fs)):b], fs, cfg.p_lowpass_hz)
        cons = p_consistency(beat_p[:, :, a - max(0, a - int(0.05 * fs)):].transpose(1, 0, 2))
        p_corr = round(float(cons), 3) if np.isfinite(cons) else None
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
            a, b, _ = p_wave(lp_all[li:li + 1], np.abs(vp_all[li]), fs, qrs_first, l_lo, cfg)
            if a is not None and b is not None:
                l_pon[li], l_poff[li] = a, b
        if learned is not None:
            l_pon, l_poff = _pick(l_pon, learned["p_on"], cfg), _pick(l_poff, learned["p_off"], cfg)
        lead_med["pr_ms"] = lead_ms(lead_median(l_pon, l_qon, n_min), med_bias[0])
        pr = from_qrs_onset(l_qon, l_pon, q_from, way, rank, n_min, after=False)
        if pr is not None:
            pr_len, n_used["pr_ms"] = pr[0] + pr_bias * fs / 1000.0, pr[1]
        else:
            pr_len = float(qrs_on - p_on) + pr_bias * fs / 1000.0
        p_on = int(round(qrs_on - pr_len))
        pr_ms = _ms(pr_len, fs)
    p_share, pr_iqr = p_per_beat(smooth(xf[indep], fs, cfg.p_lowpass_hz), fs, beats, qrs_first - c, cfg)

    qtc_b = round(qtc_bazett(qt_ms, rr), 1) if qt_ms is not None else None
    qtc_f = round(qtc_fridericia(qt_ms, rr), 1) if qt_ms is not None else None
    qtc_fr = round(qtc_framingham(qt_ms, rr), 1) if qt_ms is not None else None
    if qt_ms is not None:
        notes.extend(_qtc_caveats(beats, hr, cfg))

    # --- axes -------------------------------------------------------------------------------
    axes_ok = usable[LEAD_I] and usable[LEAD_AVF]
    qrs_axis = wave_axis(medb, qrs_on, qrs_off, fs, cfg) if axes_ok else None
    t_axis = wave_axis(medb, qrs_off, t_off, fs, cfg) if axes_ok and t_off is not None else None
    p_axis = wave_axis(medb, p_on, p_off, fs, cfg) if axes_ok and p_on is not None else None
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

    median = MedianBeat(
        signal=shown, fs=fs, anchor=c, n_beats=int(use.sum()),
        fiducials={k: float("nan") if v is None else float(v) for k, v in glob_med.items()},
        lead_fiducials={"p_on": l_pon, "p_off": l_poff, "qrs_on": l_qon, "qrs_off": l_qoff, "t_off": l_toff})

    return Measurements(
        heart_rate_bpm=hr, rr_ms=rr, pr_ms=pr_ms, qrs_ms=qrs_ms, qt_ms=qt_ms,
        qtc_bazett_ms=qtc_b, qtc_fridericia_ms=qtc_f, qtc_framingham_ms=qtc_fr,
        p_axis_deg=p_axis, qrs_axis_deg=qrs_axis, t_axis_deg=t_axis,
        fiducials=fiducials, global_fiducials=global_fid, fs=fs, method=METHOD_NAME,
        notes=tuple(notes), beats=beats, dominant=dominant, rr_cv=rr_cv, rhythm_irregular=irregular,
        rr_nrmssd=rr_nrmssd, median=median, p_correlation=p_corr,
        p_share=p_share, pr_iqr_ms=pr_iqr, intervals=cfg.intervals, lead_median_ms=lead_med,
        interval_rank=cfg.global_rank if way == "global" else 0,
        interval_leads={k: n_used.get(k, 0) if v is not None else 0
                        for k, v in (("pr_ms", pr_ms), ("qrs_ms", qrs_ms), ("qt_ms", qt_ms))},
    )
