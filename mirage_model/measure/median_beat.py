"""The measurement of a validated (12, T) signal off its median beat (the package docstring's steps 1 to 8, but the
mains lines of step 1, subtracted before by ``pipeline``): the usable leads and their band-pass, the beats and the
dominant ones, the median beat, its pacing spikes, each lead's boundaries (the rules', or the learned delineator's), the
intervals, QTc with its notes, the axes and the fiducials. ``pipeline.measure`` calls it on the record (resampled
first when its rate is low) and adds the missed beats, the atrial activity and the QRS voltages (steps 9 and 10)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from fractions import Fraction

import numpy as np
from scipy import signal as sps

from mirage_model.measure.beats import INDEPENDENT, aligned_dominant_beats, detect_beats, dominant_beats
from mirage_model.measure.combine import biases, from_qrs_onset, lead_median, qrs_span
from mirage_model.measure.delineate import (
    LEAD_AVF, LEAD_I, p_consistency, p_per_beat, p_wave, pacing_spikes, qrs_bounds, refine_bounds, t_end, wave_axis,
)
from mirage_model.measure.filters import bandpass, smooth
from mirage_model.measure.formulas import (
    qtc_bazett, qtc_framingham, qtc_fridericia, rr_successive_variation, rr_variation,
)
from mirage_model.measure.p_template import ATRIAL_LEADS, search_p_waves
from mirage_model.measure.p_waves import locate_p_waves
from mirage_model.measure.results import (
    METHOD_NAME, LeadFiducials, MeasureConfig, Measurements, MedianBeat, empty_measurements,
)
from mirage_model.measure.tangent import t_end_doubt
from mirage_model.records import FLAT_PTP_MV, STANDARD_LEADS
from mirage_model.words import counted
from mirage_model.words import shown as cited   # the median beat is 'shown' in _measure_signal

# how the note on Bazett's QTc at a fast rate begins (``review.measurements.measurement_notes`` says a child's instead)
BAZETT_FAST_NOTE = "QTc Bazett unreliable: heart rate"
# how the notes on every QTc at an irregular rhythm or a slow rate begin (``review.measurements.qtc_doubts`` marks the
# QTc rows by them)
QTC_UNRELIABLE_NOTE = "QTc unreliable: "
# how the note on a QT whose T end the tangent method puts elsewhere begins (``tangent.t_end_doubt``;
# ``review.measurements.qtc_doubts`` marks the QT and every QTc row by it)
QT_UNRELIABLE_NOTE = "QT unreliable: "


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
    detected = beats
    notes: list[str] = []
    if dominant.sum() < cfg.min_beats or dominant.mean() < cfg.min_dominant_fraction:
        # complexes of one form anchored at different points of it (a paced record at 100 Hz: some on the
        # pacing spike, some on the QRS): compared at their best lag, and anchored where the form's are
        aligned, shift = aligned_dominant_beats(xf, fs, beats, indep, cfg.qrs_corr_min)
        if aligned.sum() < cfg.min_beats or aligned.mean() < cfg.min_dominant_fraction:
            return empty_measurements(fs, (unalike_note(int(dominant.sum()), len(beats), cfg.min_beats),), beats)
        dominant, beats = aligned, beats + shift        # the rhythm's values stay those of the beats detected
        others = len(beats) - int(dominant.sum())
        notes.append(f"median beat of the {int(dominant.sum())} QRS complexes of the dominant form, aligned on it"
                     + (f"; the other {counted(others, 'complex', plural='complexes')} left out" if others else ""))
    pre, post = int(round(cfg.pre_s * fs)), int(round(cfg.post_s * fs))
    in_window = (beats - pre >= 0) & (beats + post < T)
    use = dominant & in_window
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
        t_off, qt_ms, t_doubt = None, None, ""
    else:
        lead_med["qt_ms"] = lead_ms(lead_median(l_qon, l_toff, n_min), med_bias[2])
        qt = from_qrs_onset(l_qon, l_toff, q_from, way, rank, n_min, after=True)
        if qt is not None:
            qt_len, n_used["qt_ms"] = qt[0] + qt_bias * fs / 1000.0, qt[1]
        else:
            qt_len = float(t_sp - qrs_on) + qt_bias * fs / 1000.0
        t_off = int(round(qrs_on + qt_len))
        qt_ms = _ms(qt_len, fs)
        # the tangent method's T end in II and V5 against the delineator's: where they disagree the QT is marked
        t_doubt = t_end_doubt(medb, l_qon, l_toff, (t_start, t_stop, t_hard), fs, cfg)

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
    p_span = None if p_on is None else (p_on, p_off)      # the median beat's P wave, the per-beat template
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
    x_p = smooth(xf[indep], fs, cfg.p_lowpass_hz)                            # (l, T) the P waves' band
    p_share, pr_iqr = p_per_beat(x_p, fs, beats, qrs_first - c, cfg)
    med_p = smooth(med[indep], fs, cfg.p_lowpass_hz)                          # (l, K) the median beat, same band
    # no P wave on the median beat: P waves marching through the QRS-T at their own rate are sought in the record
    atrial = np.isin(indep, ATRIAL_LEADS)                                     # II and V1, where usable
    p_waves = (locate_p_waves(x_p, fs, beats, dominant, med_p, c, p_span, (qrs_first, qrs_off), t_off) if p_span
               else search_p_waves(x_p[atrial], fs, beats, dominant, med_p[atrial], c, (qrs_first, qrs_off), t_off)
               if atrial.any() else None)

    qtc_b = round(qtc_bazett(qt_ms, rr), 1) if qt_ms is not None else None
    qtc_f = round(qtc_fridericia(qt_ms, rr), 1) if qt_ms is not None else None
    qtc_fr = round(qtc_framingham(qt_ms, rr), 1) if qt_ms is not None else None
    if qt_ms is not None:
        notes.extend(_qtc_caveats(detected, hr, cfg))
        if t_doubt:          # after the rhythm's and the rate's, which a marked row names first
            notes.append(QT_UNRELIABLE_NOTE + t_doubt)

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
        p_share=p_share, pr_iqr_ms=pr_iqr, p_waves=p_waves, intervals=cfg.intervals, lead_median_ms=lead_med,
        interval_rank=cfg.global_rank if way == "global" else 0,
        interval_leads={k: n_used.get(k, 0) if v is not None else 0
                        for k, v in (("pr_ms", pr_ms), ("qrs_ms", qrs_ms), ("qt_ms", qt_ms))},
    )
