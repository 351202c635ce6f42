"""``assess(record) -> QualityReport``: every index, rule and model of the package applied to one
record, and the verdict. The rules are their modules' (``beats``: the signal at 100 Hz and its beats;
``pulse``: a calibration pulse; ``integrity``: the file's own checks; ``electrode_off``: leads without a
heartbeat; ``noise``: noise, mains and artefacts; ``lies``: a record that is not what its file says;
``lead_set``: Einthoven's law and copied leads; ``reversal``: electrode reversal; ``polarity``: every lead
upside down; ``spikes``: isolated spikes no heart gives); this one applies them in
turn, finding the beats again where a lead is left out, and grades the leads."""

from __future__ import annotations

import copy
import math
from dataclasses import is_dataclass, replace

import numpy as np
from scipy.signal import sosfiltfilt

from mirage_model.quality import consistency
from mirage_model.quality.beats import (_beats, _zeroed, detected_rate_bpm, detected_rr_s, median_rate_bpm,
                                        record_median_beat, rhythm_rr_s)
from mirage_model.quality.electrode_off import (_lost_finding, _lost_leads, _missing, _no_ecg, _off,
                                                electrode_off_leads, record_electrode_off)
from mirage_model.quality.findings import (LIMB, Finding, QualityConfig, QualityError, QualityReport, _names,
                                           by_severity, verdict_of)
from mirage_model.quality.indices import (MOTION_HP_HZ, _corr_rows, _sos, _zhao_grade, burst_beats, ectopic_reads,
                                          gap_bursts, high_band_ratio, mains_amplitude, median_beats, motion_bursts,
                                          noise_index, spectrum, sqi_indices)
from mirage_model.quality.gain import with_stated_scale
from mirage_model.quality.integrity import _integrity, missing_twin
from mirage_model.quality.lead_set import _duplicates, _einthoven
from mirage_model.quality.lies import _lies
from mirage_model.quality.noise import (_artefact, _far_off, _impossible_samples, _mains_left, _noise_finding,
                                        _running_median, mains_removed)
from mirage_model.quality.pacing import pacing_finding
from mirage_model.quality.polarity import inverted_signal
from mirage_model.quality.pulse import (PULSE_LONG_S, _calibration_pulse, calibration_pulse_finding,
                                        calibration_pulse_step, pulse_in, without_step)
from mirage_model.quality.reversal import (_SWAP_LEADS, _learned_reversal, _reversal_rules, _withhold_on_poor,
                                           _without_mains_beat, load_reversal_model)
from mirage_model.quality.spikes import (impossible_damage, isolated_spikes, repaired, scan, spikes_finding,
                                        without_lone_spikes)
from mirage_model.records import STANDARD_LEADS
from mirage_model.records.leads import blank_sources, sources_text

# assess, and the names its callers imported from here before the rules moved to their own modules
__all__ = ["PULSE_LONG_S", "_beats", "_zeroed", "assess", "calibration_pulse_finding", "calibration_pulse_step",
           "detected_rate_bpm", "detected_rr_s", "electrode_off_leads", "median_rate_bpm", "pulse_in",
           "record_electrode_off", "record_median_beat", "without_step"]


def assess(record, config: QualityConfig | None = None, pulse="search") -> QualityReport:
    """Assess one record's signal quality and lead set.

    Args:
        record: an ``EcgRecord`` (signal (12, T) mV at its native ``fs``, STANDARD_LEADS order).
        config: thresholds (None: ``QualityConfig()``).
        pulse: the record's calibration pulse found already (``calibration_pulse_step``, or ``pulse_in`` of a
            stretch of a record: (start s, end s, (12,) step mV)) or None for none; "search": looked for here.

    Returns:
        QualityReport: verdict "unscorable" (too short, no usable lead, no beats), "unreliable"
        (a critical finding: poor quality, a lead missing or flat, reversal, pacing, inconsistent
        limb leads) or "usable".

    Raises:
        QualityError: the shipped reversal detector is corrupt.
    """
    cfg = config or QualityConfig()
    spikes: dict = {}
    # a damaged record is read again with its damage bridged (below): its first pass stops once the damage is read
    report = _assess(record, cfg, pulse, spikes, stop=lambda found: found.get("said") or "wild" in found)
    if report is not None and not spikes.get("said") and "wild" not in spikes:
        return report
    # one damaged sample, one finding: the other checks read the record with the samples the spike finding or the
    # impossible values' names bridged, a limb lead's drawn again from the other limb leads (``repaired``): a spike
    # had also been a noise burst over a beat, and limb leads breaking Einthoven's law. The verdict is those
    # findings' with theirs
    signal = np.asarray(record.signal)
    damaged = np.zeros(signal.shape, bool)
    for key in ("damaged", "wild_damaged"):
        damaged |= spikes.get(key, False)

    def bridged_read(mask: np.ndarray, found: dict | None) -> QualityReport | None:
        return _assess(_with_signal(record, repaired(signal, mask).astype(signal.dtype)), cfg, pulse, found,
                       stop=lambda found: found.get("said"))

    # where the impossible values ended the first pass before the spike check (too few beats), the second pass
    # looks for spikes, and a third reads the record with theirs bridged too (the second stopping at them)
    late = None if "damaged" in spikes else {}
    again = bridged_read(damaged, late)
    if late and late.get("said"):
        again = bridged_read(damaged | late["damaged"], None)
        spikes.update(said=late["said"], finding=late["finding"])
    said = ([spikes["wild"]] if "wild" in spikes else []) + ([spikes["finding"]] if spikes.get("said") else [])
    said = [with_stated_scale(f, getattr(record, "meta", None) or {}) for f in said]
    return _finish(list(again.findings) + said, again.indices, again.lead_grade, again.heart_rate_bpm,
                   again.n_beats, again.fs, cfg)


def _with_signal(record, signal: np.ndarray):
    """``record`` with (12, T) mV ``signal`` in its place (an ``EcgRecord``, or an object with ``signal`` and
    ``fs`` alone)."""
    if is_dataclass(record):
        return replace(record, signal=signal)
    out = copy.copy(record)
    out.signal = signal
    return out


def _assess(record, cfg: QualityConfig, pulse, spikes: dict | None, stop=None) -> QualityReport | None:
    """``assess`` of ``record``; the isolated spikes it finds are put in ``spikes`` ("said": ``isolated_spikes``'
    list, "damaged": their (12, T) samples, "finding": theirs), and not looked for where ``spikes`` is None (the
    record read again with them bridged). None where ``stop(spikes)`` is true once they are read (and the impossible
    values, "wild"): the caller reads the record again, and the indices, grades and other rules that follow would
    not be read."""
    fs = float(record.fs)
    sig = np.asarray(record.signal, dtype=np.float64)
    if sig.ndim != 2 or sig.shape[0] != 12:
        raise QualityError(f"{getattr(record, 'path', '') or getattr(record, 'record_id', '')}: "
                           f"expected 12 leads, got shape {sig.shape}")
    L, T = sig.shape
    findings: list[Finding] = []
    qflags = getattr(record, "quality", {}) or {}
    pulse = calibration_pulse_step(sig, fs) if isinstance(pulse, str) else pulse
    sig, pulse_said = _calibration_pulse(sig, fs, pulse)
    if pulse_said is not None:
        findings.append(pulse_said)

    # -- missing / flat / saturated / derived -----------------------------------------------------
    x, nan_share, ptp, absent, centre = _zeroed(sig)
    held = (getattr(record, "meta", None) or {}).get("withheld_leads") or {}     # the reader's: lead -> why
    twin = missing_twin(getattr(record, "meta", None) or {})      # a lead named twice may be a missing one
    derived = np.asarray(qflags.get("derived", np.zeros(L, bool)), bool)
    blank, made = _names(nan_share >= 0.995), _names(derived)
    needs = {n: sources_text(why, held) for n in made if (why := blank_sources(n, made, blank))}   # lead -> words
    if absent.any():
        findings.append(_missing(absent, np.zeros(L, bool), withheld=held, underived=needs, twin=twin))
    part = (nan_share > 0) & ~absent
    if part.any():
        # where the missing samples lie in one stretch, its span (a pause is judged against it: review.interpret.pause)
        findings.append(Finding("samples_missing", "samples missing", "warning", _names(part),
                                "; ".join(f"{n} {s:.0%}" for n, s in zip(_names(part), nan_share[part])),
                                span_s=consistency.one_span(np.isnan(sig[part]).any(axis=0), 1.0 / fs)))
    sat = np.asarray(qflags.get("saturated", np.zeros(L, bool)), bool)
    if sat.any():
        findings.append(Finding("saturated", "signal clipped (saturated)", "warning", _names(sat)))
    findings.extend(_integrity(getattr(record, "meta", {}) or {}))
    wild = _impossible_samples(x, fs, ~absent, cfg)
    if wild is not None:
        findings.append(wild)
        if spikes is not None:      # the other checks read the record again with them bridged (``assess``)
            spikes.update(wild=wild, wild_damaged=impossible_damage(x, ~absent, derived, cfg))
    derived = derived & ~np.isin(STANDARD_LEADS[:L], list(needs))     # blank: said not derived in lead_missing
    if derived.any():
        findings.append(Finding("leads_derived", "limb leads derived from I and II", "info", _names(derived)))

    # a copy is one throughout. With a limb lead flat (its cable off, or the RA/RL reversal that flattens
    # II) the limb leads that follow from the other two are equal by Einthoven/Goldberger (II flat: aVL = I,
    # aVF = aVR): the flat lead's finding, not a copy, so limb leads are then not paired with each other
    copies = _duplicates(x[:, : int(30 * fs)], absent, cfg.duplicate_rel, limb_pairs=not absent[:len(LIMB)].any())
    if copies:
        groups = "; ".join(f"{' = '.join(g)}" for g in copies)
        findings.append(Finding("leads_duplicated", f"leads identical: one channel copied ({groups})", "critical",
                                tuple(n for g in copies for n in g),
                                f"samples equal to within {cfg.duplicate_rel:.1%} of the lead's RMS; "
                                "no two electrodes record the same signal"))

    usable = ~absent
    if T < cfg.min_duration_s * fs or not usable.any():
        why = "record too short" if T < cfg.min_duration_s * fs else "no usable lead"
        findings.append(Finding("unscorable", why, "critical", ()))
        return _finish(findings, {}, tuple("absent" if a else "fair" for a in absent), None, 0, fs, cfg)

    duration = T / fs
    if duration < cfg.short_warning * cfg.window_s:
        critical = duration < cfg.short_critical * cfg.window_s
        findings.append(Finding(
            "short_record", f"record shorter than {cfg.window_s:g} s ({duration:.1f} s)",
            "critical" if critical else "warning", (),
            f"the model reads {cfg.window_s:g} s windows, zero-padded after the record" + (
                f"; under {cfg.short_critical:.0%} of that, about one PTB-XL fold-9 record in ten changes the "
                "default model's calls" if critical else "")))

    # every lead holding one value for stretches of the record (zeros written, a value held): no clean
    # record has a second of it. Judged as a record that much shorter, and critical from a tenth of a longer
    # record too (the model's windows over it read nothing, and the prediction averages them in)
    still = consistency.flat_stretches(sig, fs, usable)            # (n,) half-second stretches
    flat_s = float(still.sum() * 0.5)
    left = duration - flat_s
    if flat_s > 0:
        critical = left < cfg.short_critical * cfg.window_s or flat_s >= cfg.flat_critical_share * duration
        findings.append(Finding(
            "flat_stretch", f"no signal in any lead for {flat_s:.1f} s of the record's {duration:.1f} s", "critical"
            if critical else "warning", (), f"every lead constant (zeros, or a value held) in "
            f"{flat_s / 0.5:.0f} half-second stretches; {left:.1f} s of signal"
            + ("; the calls rest on too little of the record" if critical else ""),
            span_s=consistency.one_span(still, round(0.5 * fs) / fs)))     # None: in several places

    # -- beats and median beats at 100 Hz ------------------------------------------------------------
    raw100, x100, beats, segs, med = _beats(x, fs, usable, cfg)
    # a lead with no heartbeat in it (an electrode off: a flat line and noise, a start-up swing) is missing
    # too, not a lead that a shift or noise measure reads; the beats are found again without it
    dead = _no_ecg(med, usable) if len(segs) >= cfg.min_beats else np.zeros(L, bool)
    if dead.any() and (usable & ~dead).any():
        findings = [f for f in findings if f.code != "lead_missing"] + [
            _missing(absent, dead, withheld=held, underived=needs, twin=twin)]
        absent = absent | dead
        usable = ~absent
        raw100, x100, beats, segs, med = _beats(x, fs, usable, cfg)
    # an electrode off (a swing from rail to rail, a large drift, clipped, noise alone) is missing too: read
    # with the others, it set every lead's beats and their alignment (LUDB 1 with V5 off: 11 leads "poor"),
    # so the beats are found without it and the other leads are judged at them
    # a lead whose noise swamps its QRS complexes is left out of the beats too, and judged at the others'
    # read as the measurement and the report read it (``record_electrode_off``): once per record, where the check
    # reads the record's own samples (no calibration pulse taken off, no lead without a heartbeat left out)
    if pulse_said is None and not dead.any():
        aside, off, off_why = record_electrode_off(record, cfg, made=(raw100, x100, beats, usable))
    else:
        aside, off, off_why = _off(raw100, x100, beats, usable, sat & usable, cfg)
    if off.any():
        findings = [f for f in findings if f.code != "lead_missing"] + [
            _missing(absent & ~dead, dead & absent, off, off_why, held, needs, twin)]
        absent = absent | off
        usable = ~absent
    if aside.any():
        raw100, x100, beats, segs, med = _beats(x, fs, usable & ~aside, cfg)
    # a lead that carries the heart's beats in one part and none in the rest (an electrode come off: a held
    # level and steps, PTB-XL 12251's V5 after 2.1 s) is named for that; its steps had set the beats of every
    # lead (all 12 "poor"), so the beats are found without it, and the other leads are graded on their own
    lost = _lost_leads(raw100, x100, beats, usable, cfg)    # (leads, start s, end s, lag s)
    if lost[0].any():
        findings.append(_lost_finding(*lost, T / fs, cfg))
        usable = usable & ~lost[0]
        raw100, x100, beats, segs, med = _beats(x, fs, usable & ~aside, cfg)
    lost = lost[0]
    n_beats = len(beats)
    mean_beat = segs.mean(axis=0) if len(segs) else med
    hr = median_rate_bpm(rhythm_rr_s(beats, cfg))         # R peaks at 100 Hz; None where they are no rhythm
    if n_beats < cfg.min_beats:
        findings.append(Finding("no_beats", f"fewer than {cfg.min_beats} heartbeats detected", "critical", ()))
        return _finish(findings, sqi_indices(x, fs), tuple("absent" if a else "poor" for a in absent),
                       hr, n_beats, fs, cfg)

    # each lead's mean-beat height (mV peak-to-peak): the QRS slope is judged against it, and a beat
    # taller than any heart's says the units are wrong
    tall = np.ptp(mean_beat, axis=1) if mean_beat.shape[1] else np.zeros(L)
    steep = _steepness(mean_beat[usable], tall[usable])
    if steep < cfg.qrs_min_slope:
        findings.append(Finding("no_beats", "no QRS complexes: the waves found rise too slowly for a heartbeat "
                                "(not an ECG?)", "critical", (),
                                f"steepest slope of the mean beat {steep:.1f} times its height per second; "
                                f"a QRS complex has {cfg.qrs_min_slope:g} or more"))
        return _finish(findings, sqi_indices(x, fs), tuple("absent" if a else "poor" for a in absent),
                       None, n_beats, fs, cfg)
    tall = np.where(usable & np.isfinite(tall), tall, 0.0)
    if tall.max() > cfg.max_beat_ptp_mv:
        big = tall > cfg.max_beat_ptp_mv
        k = int(np.argmax(tall))
        findings.append(Finding("amplitude_implausible", f"beats {tall[k]:.0f} mV tall in {STANDARD_LEADS[k]}: "
                                "more than any heart gives (units or gain wrong?)", "critical", _names(big),
                                f"mean beat peak-to-peak above {cfg.max_beat_ptp_mv:g} mV in "
                                + ", ".join(f"{n} {v:.1f} mV" for n, v in zip(_names(big), tall[big]))
                                + "; the largest of 19,794 real records is 10.7 mV"))
    if tall.max() < cfg.min_beat_ptp_mv:
        findings.append(Finding("amplitude_low", f"beats smaller than any heart gives in every lead (largest "
                                f"{tall.max():.2f} mV): units or gain wrong?", "critical", (),
                                f"no lead's mean beat reaches {cfg.min_beat_ptp_mv:g} mV peak-to-peak; a record "
                                "stored in volts read as millivolts, or a gain a tenth of the true one, reads this "
                                "low. Genuine low voltage does not: the tallest lead of PTB-XL's 145 records labelled "
                                "low voltage (folds 1-8) is 0.57 mV or more, of its 17,415 others 0.47 mV or more but "
                                "one (0.30 mV, electrodes faulty)"))
    if hr is not None and hr >= cfg.rate_max_bpm:
        findings.append(Finding("rate_too_fast", f"heart rate {hr:.0f} bpm (at or above {cfg.rate_max_bpm:g}): "
                                "the interval measurement misses beats at this rate", "critical", (),
                                f"median RR {60000.0 / hr:.0f} ms; the measurement's QRS detector finds no two beats "
                                "closer than 300 ms, so it gives no rate, RR, PR or QT/QTc where it counts fewer "
                                "beats"))

    # -- pacing, and the spikes no heart gives (said last) ---------------------------------------------
    damage = _damage(x, fs, usable, lost, derived, beats, cfg, spikes)
    if spikes is not None and stop is not None and stop(spikes):     # a pass whose report is not read ends here
        return None

    # -- per-lead indices ----------------------------------------------------------------------------
    spec = spectrum(x, fs)
    idx = sqi_indices(x, fs, spec)
    # Noise and beat agreement below 40 Hz: mains (50 Hz at Nyquist, 60 Hz aliased) has its own
    # finding and is the preprocessing's to remove; it must not also make a lead "poor".
    x40 = sosfiltfilt(_sos("low", 0.0, 40.0, 100.0, 4), x100, axis=-1)
    segs40, med40 = median_beats(x40, beats, cfg.beat_window_s)
    beat_corr = np.median(_corr_rows(segs40, med40[None]), axis=0) if len(segs40) >= 2 else np.full(L, np.nan)
    noise = noise_index(x40, beats, segs40, med40, cfg.template_noise_min_beats)
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
    measured = grade_a == "poor"        # poor by the whole record's beats or noise, not by a burst over a beat
    # the artefact against two baselines, the larger residual: the 0.7 Hz low-pass follows a slow
    # drift, a 1.5 s running median does not follow a sub-second excursion
    slow = raw100 - base
    level = _running_median(raw100, 1.5)
    fast = raw100 - level
    art = _artefact(np.where(np.abs(fast) > np.abs(slow), fast, slow), segs, usable, cfg)
    if art is not None:
        findings.append(art)
    # a burst of noise over a beat or two (an electrode's motion, a muscle's burst) passes the median-based
    # measures above; the lead is poor, and the burst named with its time. A lead those measures grade poor
    # is noisy beyond a burst: "lead_noisy" ("noise" with high-frequency noise) names it, and the burst, one of
    # its noise's, is not said again
    # a beat of another form is no burst: read once for the bursts and the motion (``ectopic_reads``)
    reads = ectopic_reads(segs40, med40) if len(segs40) >= 3 and usable.any() else None
    swamped = burst_beats(segs40, med40, usable, cfg.burst_mv, cfg.burst_rel, cfg.burst_ratio, reads)   # (N, L)
    keep = beats[(beats + int(round(cfg.beat_window_s[0] * 100)) >= 0)
                 & (beats + int(round(cfg.beat_window_s[1] * 100)) <= x40.shape[1])] / 100.0
    # and the stretches between the beats' windows (a pause, a long RR), read alike: (N + W, L), spans (N + W, 2) s
    gaps, gap_s = gap_bursts(x40, beats, med40, usable, cfg.beat_window_s, cfg.burst_mv, cfg.burst_gap_rel,
                             cfg.burst_ratio)
    # and an electrode's slow motion (0.5-10 Hz), which the first difference reads at a quarter of its size
    moved, moved_gaps = motion_bursts(x40, beats, segs40, med40, usable, gap_s, cfg.beat_window_s, cfg.motion_mv,
                                      cfg.motion_rel, cfg.motion_gap_rel, cfg.motion_ratio, cfg.motion_own, reads)
    swamped = np.concatenate([swamped | moved, gaps | moved_gaps])
    spans = np.concatenate([keep[:, None] + np.array(cfg.beat_window_s)[None], gap_s])
    at = np.concatenate([keep, gap_s[:, 0]])        # a beat's R peak, a stretch's start
    # leads poor for a burst, or a large artefact, that their own finding names
    said = swamped.any(axis=0) | np.isin(STANDARD_LEADS, art.leads if art is not None else ())
    grade_a[swamped.any(axis=0)] = "poor"
    swamped &= ~measured[None]
    if art is not None:     # nor is a beat within a large artefact of its lead, which that finding names
        inside = (spans[:, 1] >= art.span_s[0]) & (spans[:, 0] <= art.span_s[1])
        swamped &= ~(inside[:, None] & np.isin(STANDARD_LEADS, art.leads)[None])
    burst = swamped.any(axis=0)
    if burst.any():
        when = spans[swamped.any(axis=1)]
        where = ", ".join(f"{n} at {at[swamped[:, i]].min():.1f} s" for n, i in
                          zip(_names(burst), np.flatnonzero(burst)))
        findings.append(Finding("noise_burst", f"noise burst or electrode pop over a beat ({where})", "warning",
                                _names(burst), f"beats, or stretches between them, whose residual about the lead's "
                                f"median beat reaches {cfg.burst_mv:g} mV and {cfg.burst_ratio:g} times the other "
                                f"leads', or its slow part (over {MOTION_HP_HZ:g} Hz, an electrode's motion) "
                                f"{cfg.motion_mv:g} mV and {cfg.motion_own:g} times the lead's other beats'",
                                span_s=(float(when[:, 0].min()), float(when[:, 1].max()))))

    hf = usable & (noise > cfg.noise_warn_mv)
    hf_at = len(findings)           # its finding goes here once the grades are known (it names the poor ones)
    wandering = usable & (wander > cfg.wander_mv)
    if wandering.any():
        findings.append(Finding("baseline_wander", "baseline wander", "warning", _names(wandering),
                                f"baseline spread up to {np.nanmax(wander[wandering]):.2f} mV"))
    # the level about 0 V: _zeroed took each lead's median (centre) away
    far = _far_off(level + centre, usable, cfg.offset_warn_mv)
    if far is not None:
        findings.append(far)
    mains_free = None       # x with its mains lines subtracted as measure subtracts them, where "mains" is found
    mains_f0 = None         # the frequency of the mains found
    for f0 in (50.0, 60.0):
        amp, floor = mains_amplitude(spec, fs, f0)
        hit = usable & (amp > cfg.mains_mv) & (amp > 4 * np.nan_to_num(floor, nan=0.0))
        if hit.any():
            findings.append(Finding("mains", f"mains interference ({f0:.0f} Hz)", "warning", _names(hit),
                                    f"up to {np.nanmax(amp[hit]):.3f} mV"))
            mains_free, mains_f0 = mains_removed(record, x, sig, fs, pulse), f0
            left = _mains_left(x, mains_free, fs, f0, beats / 100.0, usable, cfg)
            if left is not None:
                findings.append(left)
            break
    # a device's low-pass ("muscle filter") at about 25 Hz or lower: the model was trained on
    # signals with content up to 40 Hz; LUDB low-passed at 25 / 20 Hz changes 9 / 23 % of its calls
    hb = high_band_ratio(raw100[usable])
    if np.isfinite(hb).any() and float(np.nanmedian(hb)) < cfg.lowpassed_ratio:
        findings.append(Finding("lowpassed", "high frequencies missing (a device low-pass filter at about 25 Hz "
                                "or lower?)", "warning", (), f"power 30-45 Hz / 10-25 Hz {np.nanmedian(hb):.4f} "
                                f"(median over leads; below {cfg.lowpassed_ratio:g})"))
    lies, astray = _lies(x, fs, usable, level, x40, segs40, med40, beats, cfg, noise,
                         tall_said=any(f.code == "amplitude_implausible" for f in findings), derived=derived,
                         low_said=any(f.code == "amplitude_low" for f in findings))
    findings.extend(lies)
    grade_a[astray | lost] = "poor"
    grade = [str(g) for g in grade_a]

    def astray_note(leads: np.ndarray) -> str:
        return (f"{', '.join(_names(leads))}: the sharpest deflections out of step with the other leads' QRS "
                "complexes and matching them at no lag (noise or artefact, not a lead shifted in time)"
                if leads.any() else "")

    poor = (usable | lost) & (grade_a == "poor")
    if poor.sum() >= cfg.poor_leads_critical:
        many = "all 12" if poor.all() else poor.sum()
        findings.append(Finding("poor_quality", f"poor signal quality in {many} leads", "critical", _names(poor),
                                astray_note(astray)))
    else:
        # one finding per cause: a lead poor for a burst over a beat or two or a large artefact (its QRS energy
        # out of step with the others' for it too, "astray"), or for the part of the record where it lost its
        # ECG, is named by that finding ("noise_burst", "artefact", "lead_lost": when and what), not also as a
        # noisy lead; nor is a lead with high-frequency noise ("noise"): its beats' disagreement (a small lead's
        # under 0.03-0.08 mV of noise) or its QRS energy astray is the noise's too
        noisy = poor & ~lost & ~hf & (measured | (astray & ~said))
        if noisy.any():
            findings.append(Finding("lead_noisy", "poor signal quality", "warning", _names(noisy),
                                    astray_note(astray & noisy)))
    if hf.any():
        findings.insert(hf_at, _noise_finding(noise, hf, hf & poor, cfg))

    # -- Einthoven / Goldberger ----------------------------------------------------------------------
    # not beside every lead scaled to one size ("amplitude_scaled"): leads scaled one by one break the identities
    # whatever the electrodes did (LUDB: 100 of 100, 13 critically, which withheld their interpretation for a lead
    # fault that file's sizes alone make), and that finding already says the sizes are the file's
    scaled = any(f.code == "amplitude_scaled" for f in findings)
    if usable[:6].all() and not derived[2:6].all() and not scaled:
        findings.extend(_einthoven(mean_beat, cfg))     # the mean beat: identities are linear

    # -- reversal ------------------------------------------------------------------------------------
    for swap, detail in _reversal_rules(mean_beat, ptp, nan_share):
        findings.append(Finding("neutral_reversal", f"limb lead reversal suspected ({swap})", "critical",
                                _SWAP_LEADS[swap], detail))
    # a copied channel is no electrode's signal: the detector, trained on real lead sets, would name
    # a reversal (V2-V6 copies of V1 read as "RA/LL"), sending the reader to the wrong electrodes.
    # Nor are leads shifted in time against each other one heartbeat's median beats (the chest leads
    # 100 ms late read as "limb lead reversal"), nor a record mostly constant (9.5 s of zeros read as
    # a V4/V5 swap): their own findings say what is wrong
    unlike = any(f.code == "leads_shifted" or (f.code == "flat_stretch" and f.severity == "critical")
                 for f in findings)
    med_read = med if mains_free is None else _without_mains_beat(x, mains_free, fs, usable, med, cfg, mains_f0)
    # every lead upside down (the samples stored negated): not where the header's negative gain said so already.
    # The reversal detector, trained on upright records, is not asked of either: no electrode swap turns V5 and V6
    # over (LUDB 65 with every header gain negated had been named "limb lead reversal" beside its negative gain)
    header_said = any(f.code == "negative_gain" and f.severity == "critical" for f in findings)
    flipped = None if header_said or copies or unlike else inverted_signal(med_read, usable)
    if flipped is not None:
        findings.append(flipped)
    elif usable.all() and not copies and not unlike and not header_said:
        model = load_reversal_model(cfg.reversal_path)
        if model is not None and not any(f.code == "neutral_reversal" for f in findings):
            findings = _withhold_on_poor(_learned_reversal(model, med_read), findings, _names(poor))

    findings.extend(damage)
    # the file's field said, where known; an object without meta (``signal`` and ``fs`` alone) is checked too
    findings = [with_stated_scale(f, getattr(record, "meta", None) or {}) for f in findings]
    return _finish(findings, idx, tuple(grade), hr, n_beats, fs, cfg)


def _damage(x: np.ndarray, fs: float, usable: np.ndarray, lost: np.ndarray, derived: np.ndarray, beats: np.ndarray,
            cfg: QualityConfig, spikes: dict | None) -> list[Finding]:
    """The pacing finding (``pacing.pacing_finding``) of (L, T) mV ``x`` and, where ``spikes`` is asked for, the
    isolated spikes' ("said", "damaged", "finding" put in ``spikes``; its finding with the pacing's), the beats
    ``beats`` at 100 Hz: read once for both (``spikes.scan``), not looked for again where read."""
    found = scan(x, fs, usable | lost, derived) if fs >= cfg.pace_min_fs or spikes is not None else None
    paced = pacing_finding(without_lone_spikes(x, found) if found is not None else x, fs, beats / 100.0, usable, cfg)
    out = [paced] if paced is not None else []
    if spikes is not None:      # a pacing stimulus is the pacing's
        stim_said = paced.times_s if paced is not None else ()
        said, damaged = isolated_spikes(x, fs, found, np.asarray(stim_said), cfg.impossible_mv)
        carried = _names(damaged.any(axis=1) & derived & ~np.isin(np.arange(len(x)), [s[0] for s in said]))
        spikes.update(said=said, damaged=damaged, finding=spikes_finding(said, carried, fs))
        if said:
            out.append(spikes["finding"])
    return out


def _steepness(beat: np.ndarray, height: np.ndarray) -> float:
    """(l, S) mean beat at 100 Hz, mV, and its (l,) peak-to-peak heights (mV) -> the largest over
    leads of max |slope| (mV/s) over the lead's height: 1/s, about pi times the frequency of its
    fastest wave."""
    if beat.size == 0 or beat.shape[1] < 2:
        return 0.0
    slope = np.abs(np.diff(beat, axis=1)).max(axis=1) * 100.0
    return float(np.max(slope / np.maximum(height, 1e-6)))


def _finish(findings: list[Finding], idx: dict, grade: tuple[str, ...], hr, n_beats: int, fs: float,
            cfg: QualityConfig) -> QualityReport:
    findings = by_severity(findings)
    verdict, reason = verdict_of(findings, grade)
    hr_out = None if hr is None or not math.isfinite(hr) else round(hr, 1)
    return QualityReport(verdict, reason, tuple(findings), idx, grade, hr_out, n_beats, fs)
