"""``assess(record) -> QualityReport``: every index, rule and model of the package applied to one
record, and the verdict."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import sosfiltfilt

from mirage_model.limits import MAX_TYPICAL_MV
from mirage_model.quality import consistency
from mirage_model.quality.findings import (LIMB, NOT_IN_MV, Finding, QualityConfig, QualityError, QualityReport,
                                           by_severity, lead_group, leads_text, verdict_of)
from mirage_model.quality.gain import gain_finding, scale_ratios
from mirage_model.quality.indices import (_corr_rows, _resample_to, _rms, _sos, _zhao_grade, burst_beats,
                                          detect_beats, energy_agreement, hf_noise, high_band_ratio, lost_ecg,
                                          mains_amplitude, mains_left, median_beats, noise_index, paced_beats,
                                          pacing_spikes, qrs_band_energy, shifted_part, spectrum, sqi_indices)
from mirage_model.quality.reversal import _SWAP_LEADS, _learned_reversal, _reversal_rules, load_reversal_model
from mirage_model.records import FLAT_PTP_MV, STANDARD_LEADS
from mirage_model.records.leads import blank_sources, sources_text
from mirage_model.records.metadata import SOURCE_PREFIX


def _beats(x: np.ndarray, fs: float, usable: np.ndarray, cfg: QualityConfig):
    """(L, T) mV at fs -> raw 100 Hz signal (L, T100), the same 0.5 Hz high-passed, R peaks (N,) at 100 Hz, beats (N, L, S) and
    median beats (L, S) of the 0.5 Hz high-passed 100 Hz signal."""
    raw100 = _resample_to(x, fs, 100.0)
    x100 = sosfiltfilt(_sos("high", 0.5, 0.0, 100.0), raw100, axis=-1)
    beats = detect_beats(x100, usable)
    segs, med = median_beats(x100, beats, cfg.beat_window_s)
    return raw100, x100, beats, segs, med


def _zeroed(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(L, T) mV with NaN for missing samples -> the signal with those samples 0 and each lead's median
    removed (L, T), each lead's share of missing samples (L,), its robust peak-to-peak in mV (L,: 0.5th
    to 99.5th percentile), the leads missing or flat (L,) bool, and the medians removed (L, 1) mV."""
    L, T = sig.shape
    nan = np.isnan(sig)
    nan_share = nan.mean(axis=1) if T else np.ones(L)
    x = np.where(nan, 0.0, sig)
    centre = np.median(x, axis=1, keepdims=True)
    x = x - centre
    ptp = (np.percentile(x, 99.5, axis=1) - np.percentile(x, 0.5, axis=1)) if T else np.zeros(L)
    return x, nan_share, ptp, (nan_share > 0.5) | (ptp < FLAT_PTP_MV), centre


def _off(raw100: np.ndarray, x100: np.ndarray, beats: np.ndarray, usable: np.ndarray, saturated: np.ndarray,
         cfg: QualityConfig) -> tuple[np.ndarray, np.ndarray, str]:
    """(L,) bool the usable leads left out of the beats the others are judged at, (L,) bool those of them that
    carry no heartbeat the other leads' beats can be read by (an electrode
    off: a swing from rail to rail, a large drift, a trace clipped at the converter's limit, noise alone), and
    what was read of each, "; "-joined (the finding's detail). Such a lead's QRS-band energy does not follow
    the others' (``energy_agreement`` under ``lost_agreement``) and the check's own measures find it broken
    besides: baseline spread over ``wander_mv``, high-frequency noise over ``noise_poor_mv`` (``hf_noise``
    outside the ``beats`` (N,) at 100 Hz), or clipped (``saturated`` (L,) bool). A small clean lead (III, aVL)
    can follow the others' energy loosely too (23 of LUDB's 100 and 400 PTB-XL fold 1-9 records have a lead
    under 0.5), but is none of those: of LUDB's 100 and 1,000 PTB-XL fold 1-9 records none is named. Read
    with the others, such a lead set the beats and their alignment of every lead (LUDB 1 with V5 off: the 11
    others "poor"). At least three other leads that the check does not find broken themselves, or none is left out
    (0.3 mV of noise in every lead had II, aVL and aVF named off: a noisy record, not three electrodes).
    raw100, x100: (L, T) mV at 100 Hz, as ``_beats`` gives them. A lead left out that keeps its QRS complexes under its noise or wander (5-15 Hz
    energy at the other leads' beats ``off_qrs_ratio`` times that away from them or more, not clipped), or
    whose QRS-band energy follows the others' at a lag (a lead shifted in time), is not off: it is judged at
    the others' beats, and named by what the check finds in it. A lead whose own complexes repeat at the
    others' beats (``_repeat_corr`` ``off_repeat_corr`` or more, ``off_repeat_margin`` over beats moved off
    them) is a heart's and neither: a wide-complex tachycardia's energy lies below the QRS band (CinC 2021
    JS45546 at 173 bpm: I at 0.44, V4-V6 against the others)."""
    agree = energy_agreement(x100, usable)
    base = sosfiltfilt(_sos("low", 0.0, 0.7, 100.0), raw100, axis=-1)
    wander = np.percentile(base, 97.5, axis=1) - np.percentile(base, 2.5, axis=1)
    noise = hf_noise(sosfiltfilt(_sos("low", 0.0, 40.0, 100.0, 4), x100, axis=-1), beats)
    broken = (wander > cfg.wander_mv) | (noise > cfg.noise_poor_mv) | saturated
    off = usable & (np.nan_to_num(agree, nan=1.0) < cfg.lost_agreement) & broken
    if (usable & ~off & ~broken).sum() < 3:     # an outlier among readable leads, not one of many noisy ones
        off[:] = False
    others = detect_beats(x100, usable & ~off) if off.any() else beats
    if off.any():       # a lead whose own complexes repeat at the others' beats is a heart's (a wide-complex
        # tachycardia's energy below the QRS band: JS45546's I, V4-V6), never left out
        rep = _repeat_corr(raw100, others)
        away = _repeat_corr(raw100, _jittered(others))
        off &= ~((rep >= cfg.off_repeat_corr) & (rep - away >= cfg.off_repeat_margin))
    out = off.copy()
    if off.any():       # a noisy lead that keeps its QRS complexes under the noise is noisy, not off
        qrs = _qrs_ratio(x100, others)
        off &= ~((qrs >= cfg.off_qrs_ratio) & ~saturated) & ~(_lagged_agreement(x100, usable) >= cfg.lost_agreement)
    why = []
    for i in np.flatnonzero(off):
        said = ([f"baseline spread {wander[i]:.1f} mV"] if wander[i] > cfg.wander_mv else []) \
            + ([f"noise {noise[i]:.2f} mV RMS"] if noise[i] > cfg.noise_poor_mv else []) \
            + (["clipped"] if saturated[i] else [])
        why.append(f"{STANDARD_LEADS[i]}: its QRS-band energy follows the other leads' beats at {agree[i]:.2f} "
                   f"(a heart's leads 0.6 and more), {', '.join(said)}")
    return out, off, "; ".join(why)


def _lagged_agreement(x100: np.ndarray, usable: np.ndarray, max_lag_s: float = 1.0) -> np.ndarray:
    """(L,) ``energy_agreement`` at the best lag within +-``max_lag_s`` of each lead's energy against the
    others' (NaN where not usable): a lead shifted in time follows them at its lag, noise or a swing at none.
    x100: (L, T) mV at 100 Hz."""
    L, T = x100.shape
    out = np.full(L, np.nan)
    if T < 400 or usable.sum() < 3:
        return out
    e = qrs_band_energy(x100[usable])
    ref = np.median(e, axis=0)
    n = int(max_lag_s * 100)
    best = np.full(len(e), -1.0)
    for lag in range(-n, n + 1, 2):
        a, b = (e[:, lag:], ref[:T - lag]) if lag >= 0 else (e[:, :T + lag], ref[-lag:])
        best = np.maximum(best, _corr_rows(a, b[None]))
    out[usable] = best
    return out


def _repeat_corr(raw100: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """(L,) how alike each lead's own complexes are at the R peaks ``beats`` (N,) (another lead's, at 100 Hz):
    the median over beats of the correlation of the 1-40 Hz segment about each (+-0.25 s, or 0.45 of the
    median RR where shorter; its linear trend removed) with the lead's median segment. A heart's lead 0.9 and
    more at its rhythm, whatever the complex's width; noise, a swing or a drift, or a trace held at the
    converter's limit (0 where a segment is flat) far less. raw100: (L, T) mV at 100 Hz. NaN with fewer than
    3 beats."""
    L, T = raw100.shape
    w = int(min(25, 0.45 * np.median(np.diff(beats)))) if len(beats) >= 3 else 0
    beats = beats[(beats >= w) & (beats + w < T)] if w >= 3 else beats[:0]
    if len(beats) < 3:
        return np.full(L, np.nan)
    band = sosfiltfilt(_sos("band", 1.0, 40.0, 100.0), raw100, axis=-1)
    segs = np.stack([band[:, b - w:b + w + 1] for b in beats])              # (N, L, S)
    t = np.linspace(-1.0, 1.0, 2 * w + 1)
    segs = segs - segs.mean(axis=-1, keepdims=True)
    segs = segs - (segs @ t)[..., None] * t / (t @ t)
    med = np.median(segs, axis=0)                                           # (L, S)
    num = (segs * med).sum(axis=-1)
    den = np.sqrt((segs ** 2).sum(axis=-1) * (med ** 2).sum(axis=-1))
    flat = np.sqrt((segs ** 2).mean(axis=-1)) < 0.02                        # no complex to repeat (held at a limit)
    corr = np.where(~flat & (den > 0), num / np.where(den > 0, den, 1.0), 0.0)
    return np.median(corr, axis=0)


def _jittered(beats: np.ndarray) -> np.ndarray:
    """(N,) the R peaks ``beats`` (N,) each moved by a different share (-0.5 to 0.5, golden-ratio spaced) of the
    median RR: where a heart's complexes are not, and a filter's ringing after a step or a drift's curve is as
    like itself as at the beats."""
    if len(beats) < 2:
        return beats
    rr = np.median(np.diff(beats))
    return (beats + ((np.arange(len(beats)) * 0.618) % 1.0 - 0.5) * rr).astype(beats.dtype)


def _qrs_ratio(x100: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """(L,) each lead's 5-15 Hz energy over 130 ms about the R peaks ``beats`` (N,) (median over beats) against
    its median 200 ms and more from any: a heart's lead ten times and more, noise, a drift or a swing whose
    edges fall anywhere about 1. x100: (L, T) mV at 100 Hz. NaN with fewer than 3 beats."""
    L, T = x100.shape
    if len(beats) < 3:
        return np.full(L, np.nan)
    band = sosfiltfilt(_sos("band", 5.0, 15.0, 100.0), x100, axis=-1)
    e = np.apply_along_axis(lambda r: np.convolve(r, np.ones(13) / 13, mode="same"), 1, band ** 2)
    away = np.ones(T, bool)
    for b in beats:
        away[max(0, b - 20):b + 21] = False
    if away.sum() < 50:
        return np.full(L, np.nan)
    return np.median(e[:, beats], axis=1) / (np.median(e[:, away], axis=1) + 1e-12)


def electrode_off_leads(signal: np.ndarray, fs: float, saturated=None,
                        config: QualityConfig | None = None) -> np.ndarray:
    """(12,) bool the leads ``assess`` leaves out of the beats the others are judged at (``_off``: an electrode
    off, "unreadable (electrode off?)", or noise that swamps the lead's QRS complexes) in a (12, T) mV
    ``signal`` at ``fs`` (NaN: missing), as ``measure`` leaves them out of its QRS detection and median beat
    and the report out of its sheet's gain (both through ``record_electrode_off``, which reads a record once).
    ``saturated``: (12,) bool the record's clipped leads (``EcgRecord.quality["saturated"]``), or None. All
    False where the record is too short to judge."""
    cfg = config or QualityConfig()
    sig = np.asarray(signal, dtype=np.float64)
    sat = np.zeros(sig.shape[0], bool) if saturated is None else np.asarray(saturated, bool)
    return _off_of(sig, float(fs), sat, cfg)[0]


def _off_of(sig: np.ndarray, fs: float, sat: np.ndarray, cfg: QualityConfig) -> tuple[np.ndarray, np.ndarray, str]:
    """``_off`` of (12, T) mV ``sig`` (float64; NaN: missing) at ``fs``, its clipped leads ``sat`` (12,) bool, as
    ``assess`` reads a record without a calibration pulse or a lead without a heartbeat: (all False, all False, "")
    where it is shorter than ``min_duration_s`` or fewer than 4 leads are present (``_off`` names none then)."""
    L = sig.shape[0]
    x, _, _, absent, _ = _zeroed(sig)
    if sig.shape[1] < cfg.min_duration_s * fs or (~absent).sum() < 4:
        return np.zeros(L, bool), np.zeros(L, bool), ""
    raw100, x100, beats, _, _ = _beats(x, fs, ~absent, cfg)
    return _off(raw100, x100, beats, ~absent, sat & ~absent, cfg)


def record_electrode_off(record, config: QualityConfig | None = None, samples: int | None = None,
                         made: tuple | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """``_off`` (the electrode-off pass: the leads left out of the beats, those named "unreadable (electrode
    off?)", what was read of them) of the record's first ``samples`` samples (None: all), found once per record
    and kept on it (``EcgRecord.found``) for the next caller: the quality check (``assess``), the measurement
    (``measure``) and the report's sheet gain each ask it of one record, and each had read it again.

    Args:
        record: an ``EcgRecord`` (signal (12, T) mV, NaN: missing; ``quality["saturated"]`` its clipped
            leads); another object with ``signal`` and ``fs`` is read, and nothing kept.
        config: thresholds (None: ``QualityConfig()``); a pass with other thresholds is another pass.
        samples: the stretch read, from the record's start (the report's page: its first 10 s).
        made: what the caller has made of the whole record already, (raw100, x100, beats, usable) as ``_beats``
            and ``_zeroed`` make them (``assess``), read where no pass is kept; None: made here (``_off_of``).

    Returns:
        (aside (12,) bool, off (12,) bool, why), read-only.
    """
    cfg = config or QualityConfig()
    signal = record.signal
    L, T = np.shape(signal)
    n = T if samples is None else min(int(samples), T)
    flags = getattr(record, "quality", None) or {}
    sat = np.asarray(flags.get("saturated", np.zeros(L, bool)), bool)
    # the model's window (window_s) is no threshold of the pass: the check of a record for a 5 s model reads it too
    key = ("electrode_off", n, sat.tobytes(), replace(cfg, window_s=QualityConfig.window_s))
    kept = getattr(record, "found", None)
    got = kept.get(key) if isinstance(kept, dict) else None
    if got is not None and got[0] is signal:      # a signal put in the record's place since is read again
        return got[1]
    if made is not None:
        raw100, x100, beats, usable = made
        aside, off, why = _off(raw100, x100, beats, usable, sat & usable, cfg)
    else:
        aside, off, why = _off_of(np.asarray(np.asarray(signal)[:, :n], dtype=np.float64), float(record.fs), sat, cfg)
    aside, off = np.array(aside, bool), np.array(off, bool)
    aside.flags.writeable = off.flags.writeable = False       # shared by every caller of the record
    if isinstance(kept, dict):
        kept[key] = (signal, (aside, off, why))
    return aside, off, why


def median_rate_bpm(rr_s: np.ndarray) -> float | None:
    """Heart rate (bpm) from the median of RR intervals (n,) in seconds; None when there are none."""
    rr = np.asarray(rr_s, dtype=np.float64)
    return float(60.0 / np.median(rr)) if rr.size else None


def detected_rr_s(signal: np.ndarray, fs: float, config: QualityConfig | None = None) -> np.ndarray | None:
    """The RR intervals (N - 1,) in seconds between the R peaks of the quality check's own QRS detector
    (``indices.detect_beats``, peaks at least 250 ms apart) on the leads that are present, the ones
    ``detected_rate_bpm`` takes the median of. signal: (12, T) mV (NaN: missing), fs in Hz. None as there."""
    cfg = config or QualityConfig()
    sig = np.asarray(signal, dtype=np.float64)
    x, _, _, absent, _ = _zeroed(sig)
    if sig.shape[1] < cfg.min_duration_s * fs or absent.all():
        return None
    beats = _beats(x, float(fs), ~absent, cfg)[2]
    return np.diff(beats) / 100.0 if len(beats) >= 2 else None


def detected_rate_bpm(signal: np.ndarray, fs: float, config: QualityConfig | None = None) -> float | None:
    """The heart rate (bpm) that ``assess`` reads for its "rate_too_fast" finding: the median RR of the
    quality check's own QRS detector (``indices.detect_beats``, peaks at least 250 ms apart, so up to
    240 bpm) on the leads that are present. ``measure`` compares its rate with it: its detector can miss
    every other beat of a tachycardia at 200 bpm and more. signal: (12, T) mV (NaN: missing), fs in Hz.
    None when no lead is usable, the record is shorter than ``config.min_duration_s`` or fewer than two
    beats are found."""
    rr = detected_rr_s(signal, fs, config)
    return None if rr is None else median_rate_bpm(rr)


def record_median_beat(record, config: QualityConfig | None = None) -> np.ndarray:
    """The median beat (12, S) at 100 Hz (S = 70: R - 0.25 s to R + 0.45 s) that the reversal
    detector reads; NaN when fewer than 3 beats are found."""
    cfg = config or QualityConfig()
    sig = np.asarray(record.signal, dtype=np.float64)
    x = np.where(np.isnan(sig), 0.0, sig)
    x = x - np.median(x, axis=1, keepdims=True)
    _, _, beats, segs, med = _beats(x, float(record.fs), np.ones(x.shape[0], bool), cfg)
    return med if len(segs) >= cfg.min_beats else np.full_like(med, np.nan)


# a record longer than this (s) is read for a calibration pulse at its first and last minute, each judged on its
# own (which leads are present): a Holter's hours are not read (the first minute, ``limits.HEAD_S``, is what
# the check and the measurements read of it)
PULSE_LONG_S = 60.0


def calibration_pulse_step(sig: np.ndarray, fs: float) -> tuple[float, float, np.ndarray] | None:
    """A calibration pulse written into the samples (``consistency.calibration_pulse``) of (12, T) mV ``sig``
    (float32 or float64; NaN: missing),
    at its start or its end -> (start s, end s, (12,) each lead's step in mV, 0 where not read),
    or None without one. A record longer than ``PULSE_LONG_S`` is read at its first minute's start and its last
    minute's end, the leads present judged in that minute."""
    T = sig.shape[1]
    n = int(PULSE_LONG_S * fs)
    if T <= n:
        sig = np.asarray(sig, dtype=np.float64)
        x, _, _, absent, _ = _zeroed(sig)
        return consistency.calibration_pulse(x, fs, ~absent & ~np.isnan(sig).any(axis=1))
    W = consistency.pulse_read_samples(fs)
    for part, ends, at in ((sig[:, :n], (True, False), 0), (sig[:, T - n:], (False, True), T - n)):
        part = np.asarray(part, dtype=np.float64)   # the minute read, not the whole record, as float64
        x, _, _, absent, _ = _zeroed(part)
        read = slice(0, W) if ends[0] else slice(n - W, n)
        found = consistency.calibration_pulse(x[:, read], fs, ~absent & ~np.isnan(part).any(axis=1), ends=ends)
        if found is not None:
            shift = (at + read.start) / fs
            return found[0] + shift, found[1] + shift, found[2]
    return None


def without_step(sig: np.ndarray, fs: float, found: tuple[float, float, np.ndarray]) -> np.ndarray:
    """(12, T) mV ``sig`` with a calibration pulse's step (``calibration_pulse_step``) taken off its samples:
    the ECG beneath it, or the level beside it, left (a copy)."""
    start, end, step = found
    out = np.array(sig, dtype=np.float64, copy=True)
    out[:, int(round(start * fs)):int(round(end * fs))] -= step[:, None]
    return out


def pulse_in(found: tuple[float, float, np.ndarray] | None, start_s: float,
             end_s: float) -> tuple[float, float, np.ndarray] | None:
    """The part of a record's calibration pulse ``found`` (``calibration_pulse_step``) within its stretch from
    ``start_s`` to ``end_s``, in seconds from that stretch's start; None where none of it falls there."""
    if found is None:
        return None
    a, b = max(found[0], start_s), min(found[1], end_s)
    return (a - start_s, b - start_s, found[2]) if b > a else None


def calibration_pulse_finding(found: tuple[float, float, np.ndarray]) -> Finding:
    """The "calibration_pulse" finding (info) of a pulse ``found`` (``calibration_pulse_step``)."""
    start, end, step = found
    size = float(np.median(step[step != 0]))
    return Finding(
        "calibration_pulse", f"calibration pulse at {start:.1f}-{end:.1f} s", "info", (),
        f"a {size:+.2f} mV, {(end - start) * 1000:.0f} ms square step in every lead at the same samples (a cart's "
        "calibration, not the heart's): taken off before the quality check and the model read the record",
        span_s=(start, end))


def _calibration_pulse(sig: np.ndarray, fs: float, found="search") -> tuple[np.ndarray, Finding | None]:
    """A calibration pulse written into the samples (``calibration_pulse_step``; ``found``: the one found
    already, or None for none, or "search"): (12, T) mV (NaN: missing) -> the signal without its step
    (``without_step``) and its "calibration_pulse" finding; the signal as it is and None without one. A 1 mV
    step in every lead at once is no heart's: left in, it breaks Einthoven's law in the limb leads' mean beat
    ("limb_inconsistent", critical, on LUDB 1 with a pulse at 0.2-0.4 s) and reads as beats. The model's inputs
    are made without it too (``inference.record_inputs``, which finds it once for both)."""
    if isinstance(found, str):
        found = calibration_pulse_step(sig, fs)
    if found is None:
        return sig, None
    return without_step(sig, fs, found), calibration_pulse_finding(found)


def _integrity(meta: dict) -> list[Finding]:
    """Findings from the file's own integrity checks, as its reader recorded them in ``meta``: WFDB
    checksums that do not fit some leads' samples (a majority refuses the file), an SCP-ECG
    file whose CRC fails (the reader warns and decodes anyway: a damaged compressed stream decodes
    to a plausible-looking but wrong signal), leads that end early in a clinical file
    (``formats.assemble.build_record`` keeps the longest lead's length, the rest NaN), a file that
    holds fewer samples than its header declares (an ISHNE Holter cut short, a Holter read in part cut short
    after the part), a file read in part (an ISHNE, EDF/BDF or WFDB Holter longer than ``limits.MAX_SAMPLES``
    samples a lead), and leads
    that the header's negative gain turns upside down (a WFDB ADC gain, an EDF/BDF physical range
    from high to low: read so, as the format says), and WFDB leads without an ADC gain (uncalibrated:
    their amplitudes are a guess, so the calls are withheld)."""
    out = []
    short = tuple(meta.get("short_leads") or ())
    if short:
        out.append(Finding("short_leads", f"lead{'s' if len(short) > 1 else ''} shorter than the others in "
                           f"the file ({leads_text(short, noun=False)})", "warning", short,
                           str(meta.get("length_note") or "")))
    cut = meta.get("declared_length_note")
    if cut:
        out.append(Finding("file_truncated", "file shorter than its header declares (truncated?)", "warning", (),
                           str(cut)))
    part = meta.get("read_part_note")
    if part:   # a Holter longer than limits.MAX_SAMPLES: its first part alone was read, shown and scored
        out.append(Finding("read_in_part", str(part).split(" (", 1)[0], "warning", (), str(part)))
    bad = tuple(meta.get("checksum_mismatch") or ())
    if bad:
        out.append(Finding("file_checksum", "file checksum mismatch: these leads' samples may be damaged",
                           "warning", bad, "the header's checksum does not fit the samples read"))
    inverted = tuple(meta.get("negative_gain_leads") or ())
    if inverted:
        out.append(Finding("negative_gain", "signal inverted by the header's negative gain "
                           f"({leads_text(inverted, noun=False)})",
                           "warning", inverted, str(meta.get("negative_gain_note") or "")))
    named_twice = tuple(meta.get("duplicate_leads") or ())
    if named_twice:
        # two channels carry one lead's name: which of them is that lead is unknown (lead I written as
        # "II" makes two IIs), so no call rests on it; the first was read as the lead, and the limb
        # leads derived from it would be wrong too. The viewer draws both.
        twins = meta.get("named_twice") or ()
        leads = tuple(dict.fromkeys(str(t["lead"]) for t in twins)) or named_twice
        where = "; ".join(f"{t['lead']}: file channels {t['first_channel']} and {t['channel']}" for t in twins)
        out.append(Finding("lead_named_twice",
                           f"lead {', '.join(leads)} named twice in the file: which channel is {leads[0]} is unknown",
                           "critical", leads if twins else (),
                           f"{where or ', '.join(named_twice)}; the first was read as the lead; the calls are "
                           "withheld until the file's lead labels are checked"))
    uncalibrated = tuple(meta.get("uncalibrated_leads") or ())
    if uncalibrated:
        # amplitudes that are a guess carry no voltage finding (hypertrophy, low voltage, ST levels)
        out.append(Finding("uncalibrated", "amplitudes not calibrated in the file "
                           f"({leads_text(uncalibrated, noun=False)})",
                           "critical", uncalibrated, str(meta.get("uncalibrated_note") or "")))
    crc = [w for w in meta.get("reader_warnings") or () if "crc" in w.lower() or "checksum" in w.lower()]
    if crc:
        # SCP-ECG sections 2 (Huffman tables), 3 (lead definitions) and 6 (rhythm data) carry the
        # waveform: a failed CRC there means the signal itself may be wrong, so the calls are withheld
        waveform = any(re.search(r"section\s*[236]\b", w, re.I) for w in crc)
        out.append(Finding("file_checksum",
                           "file checksum (CRC) failed in the waveform data: the signal may be damaged" if waveform
                           else "file checksum (CRC) failed: the file may be damaged",
                           "critical" if waveform else "warning", (), "; ".join(crc)))
    other = [w for w in meta.get("reader_warnings") or () if w not in crc]
    if other:
        # what the format's reader noticed but read past (a malformed identifier, a field out of range):
        # said beside the record, as a warning; the signal read is the file's, the calls stand
        # a converted file's notes, all its source's (records.metadata.SOURCE_PREFIX): said so once, in front
        # ("the file reader reported a problem: in the source file: ..." said who twice over)
        source = all(w.startswith(SOURCE_PREFIX) for w in other)
        other = [w[len(SOURCE_PREFIX):] for w in other] if source else other
        first = other[0] if len(other[0]) <= 120 else other[0][:117] + "..."
        more = f" (and {len(other) - 1} more)" if len(other) > 1 else ""
        who = "the source file's reader" if source else "the file reader"
        out.append(Finding("reader_notes", f"{who} reported a problem: {first}{more}", "warning", (),
                           "; ".join(other)))
    return out


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
    fs = float(record.fs)
    sig = np.asarray(record.signal, dtype=np.float64)
    if sig.ndim != 2 or sig.shape[0] != 12:
        raise QualityError(f"{getattr(record, 'path', '') or getattr(record, 'record_id', '')}: "
                           f"expected 12 leads, got shape {sig.shape}")
    L, T = sig.shape
    findings: list[Finding] = []
    qflags = getattr(record, "quality", {}) or {}
    sig, pulse_said = _calibration_pulse(sig, fs, pulse)
    if pulse_said is not None:
        findings.append(pulse_said)

    # -- missing / flat / saturated / derived -----------------------------------------------------
    x, nan_share, ptp, absent, centre = _zeroed(sig)
    held = (getattr(record, "meta", None) or {}).get("withheld_leads") or {}     # the reader's: lead -> why
    derived = np.asarray(qflags.get("derived", np.zeros(L, bool)), bool)
    blank, made = _names(nan_share >= 0.995), _names(derived)
    needs = {n: sources_text(why, held) for n in made if (why := blank_sources(n, made, blank))}   # lead -> words
    if absent.any():
        findings.append(_missing(absent, np.zeros(L, bool), withheld=held, underived=needs))
    part = (nan_share > 0) & ~absent
    if part.any():
        findings.append(Finding("samples_missing", "samples missing", "warning", _names(part),
                                "; ".join(f"{n} {s:.0%}" for n, s in zip(_names(part), nan_share[part]))))
    sat = np.asarray(qflags.get("saturated", np.zeros(L, bool)), bool)
    if sat.any():
        findings.append(Finding("saturated", "signal clipped (saturated)", "warning", _names(sat)))
    findings.extend(_integrity(getattr(record, "meta", {}) or {}))
    wild = _impossible_samples(x, fs, ~absent, cfg)
    if wild is not None:
        findings.append(wild)
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
    flat_s = consistency.flat_seconds(sig, fs, usable)
    left = duration - flat_s
    if flat_s > 0:
        critical = left < cfg.short_critical * cfg.window_s or flat_s >= cfg.flat_critical_share * duration
        findings.append(Finding(
            "flat_stretch", f"no signal in any lead for {flat_s:.1f} s of the record's {duration:.1f} s", "critical"
            if critical else "warning", (), f"every lead constant (zeros, or a value held) in "
            f"{flat_s / 0.5:.0f} half-second stretches; {left:.1f} s of signal"
            + ("; the calls rest on too little of the record" if critical else "")))

    # -- beats and median beats at 100 Hz ------------------------------------------------------------
    raw100, x100, beats, segs, med = _beats(x, fs, usable, cfg)
    # a lead with no heartbeat in it (an electrode off: a flat line and noise, a start-up swing) is missing
    # too, not a lead that a shift or noise measure reads; the beats are found again without it
    dead = _no_ecg(med, usable) if len(segs) >= cfg.min_beats else np.zeros(L, bool)
    if dead.any() and (usable & ~dead).any():
        findings = [f for f in findings if f.code != "lead_missing"] + [
            _missing(absent, dead, withheld=held, underived=needs)]
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
            _missing(absent & ~dead, dead & absent, off, off_why, held, needs)]
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
    hr = median_rate_bpm(np.diff(beats) / 100.0)         # R peaks at 100 Hz
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
                                f"no lead's mean beat reaches {cfg.min_beat_ptp_mv:g} mV peak-to-peak; the smallest "
                                "of 2,700 real records' tallest lead is 0.50 mV (a record stored in volts read as "
                                "millivolts, or a gain a tenth of the true one, would read low voltage)"))
    if hr is not None and hr >= cfg.rate_max_bpm:
        findings.append(Finding("rate_too_fast", f"heart rate {hr:.0f} bpm (at or above {cfg.rate_max_bpm:g}): "
                                "the interval measurement misses beats at this rate", "critical", (),
                                f"median RR {60000.0 / hr:.0f} ms; the measurement's QRS detector finds no two beats "
                                "closer than 300 ms, so it gives no rate, RR, PR or QT/QTc where it counts fewer beats"))

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
    swamped = burst_beats(segs40, med40, usable, cfg.burst_mv, cfg.burst_rel, cfg.burst_ratio)      # (N, L)
    # leads poor for a burst, or a large artefact, that their own finding names
    said = swamped.any(axis=0) | np.isin(STANDARD_LEADS, art.leads if art is not None else ())
    grade_a[swamped.any(axis=0)] = "poor"
    swamped &= ~measured[None]
    keep = beats[(beats + int(round(cfg.beat_window_s[0] * 100)) >= 0)
                 & (beats + int(round(cfg.beat_window_s[1] * 100)) <= x40.shape[1])] / 100.0
    if art is not None:     # nor is a beat within a large artefact of its lead, which that finding names
        inside = (keep + cfg.beat_window_s[1] >= art.span_s[0]) & (keep + cfg.beat_window_s[0] <= art.span_s[1])
        swamped &= ~(inside[:, None] & np.isin(STANDARD_LEADS, art.leads)[None])
    burst = swamped.any(axis=0)
    if burst.any():
        when = keep[swamped.any(axis=1)]
        where = ", ".join(f"{n} at {keep[swamped[:, i]].min():.1f} s" for n, i in
                          zip(_names(burst), np.flatnonzero(burst)))
        findings.append(Finding("noise_burst", f"noise burst or electrode pop over a beat ({where})", "warning",
                                _names(burst), f"beats whose residual about the lead's median beat reaches "
                                f"{cfg.burst_mv:g} mV and {cfg.burst_ratio:g} times the other leads'",
                                span_s=(float(when.min()) + cfg.beat_window_s[0],
                                        float(when.max()) + cfg.beat_window_s[1])))

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
    for f0 in (50.0, 60.0):
        amp, floor = mains_amplitude(spec, fs, f0)
        hit = usable & (amp > cfg.mains_mv) & (amp > 4 * np.nan_to_num(floor, nan=0.0))
        if hit.any():
            findings.append(Finding("mains", f"mains interference ({f0:.0f} Hz)", "warning", _names(hit),
                                    f"up to {np.nanmax(amp[hit]):.3f} mV"))
            from mirage_model.preprocess import remove_mains        # numpy/scipy only; imported on use

            mains_free = remove_mains(x, fs, (50.0, 60.0), only_present=True)
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
                         tall_said=any(f.code == "amplitude_implausible" for f in findings))
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
    if usable[:6].all() and not derived[2:6].all():
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
    if usable.all() and not copies and not unlike:
        model = load_reversal_model(cfg.reversal_path)
        if model is not None and not any(f.code == "neutral_reversal" for f in findings):
            med_read = med if mains_free is None else _without_mains_beat(x, mains_free, fs, usable, med, cfg)
            findings = _withhold_on_poor(_learned_reversal(model, med_read), findings, _names(poor))

    # -- pacing --------------------------------------------------------------------------------------
    if fs >= cfg.pace_min_fs:
        stim, leads = pacing_spikes(x, fs, beats / 100.0, usable)
        if len(stim) >= cfg.pace_min_events:
            lead_names = tuple(STANDARD_LEADS[i] for i in leads)
            # how many of the beats a stimulus precedes, said as such ("8 stimuli before 12 beats" left the
            # reader to guess whether 8 of the 12 beats were paced)
            paced = paced_beats(stim, beats / 100.0)
            detail = (f"a stimulus before {paced} of {len(beats)} beats" if paced == len(stim) else
                      f"{len(stim)} stimuli before {paced} of {len(beats)} beats (more than one before some)")
            times = tuple(float(t) for t in stim)        # the review's pacer marks
            if len(stim) >= cfg.pace_min_share * len(beats):
                findings.append(Finding("paced_rhythm", "paced rhythm (pacemaker spikes)", "critical",
                                        lead_names, detail, times_s=times))
            else:   # too few of the beats for a paced rhythm: artefact, or intermittent pacing to check
                findings.append(Finding("pacing_spikes", "pacing-like spikes before a few beats (check for "
                                        "intermittent pacing or artefact)", "warning", lead_names, detail,
                                        times_s=times))
    else:
        findings.append(Finding("pacing_unchecked", f"pacing spikes not checked at {fs:g} Hz", "info", ()))

    return _finish(findings, idx, tuple(grade), hr, n_beats, fs, cfg)


def _without_mains_beat(x: np.ndarray, xm: np.ndarray, fs: float, usable: np.ndarray, med: np.ndarray,
                        cfg: QualityConfig) -> np.ndarray:
    """The median beats (L, S) at 100 Hz of ``xm``, (L, T) mV ``x`` with the mains lines its leads carry subtracted,
    as ``measure`` subtracts them (``preprocess.remove_mains``, ``only_present``); ``med`` itself where there are none
    (``xm`` is ``x``). The reversal detector reads P, QRS and T polarity off them: 50 Hz lies on the 100 Hz signal's
    Nyquist, half of it kept, and 0.5-2 mV of it had read as a swapped pair of chest leads in half the LUDB records
    or more."""
    if xm is x:
        return med
    _, _, _, segs, med_m = _beats(xm, fs, usable, cfg)
    return med_m if len(segs) >= cfg.min_beats else med


def _mains_left(x: np.ndarray, xm: np.ndarray, fs: float, f0: float, beats_s: np.ndarray, usable: np.ndarray,
                cfg: QualityConfig) -> Finding | None:
    """"mains_left", critical, where the mains at ``f0`` Hz that the measurement cannot subtract
    (``indices.mains_left`` of (L, T) mV ``x``, ``xm`` it subtracted, R peaks ``beats_s`` s) exceeds ``mains_left_mv`` and 4 times its
    floor in a usable lead: the intervals and the calls would be read through it (a prior ECG with 0.5 mV of 50 Hz
    had lost its PR, and a serial comparison said "possibly new sinus bradycardia" against the same heart); else
    None."""
    left, floor = mains_left(x, fs, f0, beats_s, subtracted=xm)
    left = np.where(usable, left, 0.0)
    bad = (left > cfg.mains_left_mv) & (left > 4 * floor)
    if not bad.any():
        return None
    from mirage_model.preprocess import mains_frequencies     # numpy/scipy only; imported on use

    where = ("after its subtraction" if f0 in mains_frequencies(fs, (f0,))
             else "on Nyquist itself, which the measurement cannot subtract")
    return Finding("mains_left", f"mains interference ({f0:.0f} Hz) left {where}: intervals and calls unreliable",
                   "critical", _names(bad), f"up to {left[bad].max():.3f} mV of {f0:.0f} Hz about the P waves and "
                   f"the ST segments (above {cfg.mains_left_mv:g} mV); the intervals' ends are read through it")


def _noise_finding(noise: np.ndarray, hf: np.ndarray, worst: np.ndarray, cfg: QualityConfig) -> Finding:
    """The "noise" finding of the leads ``hf`` (L,) bool whose noise index ``noise`` (L,) mV is over
    ``noise_warn_mv``, ``worst`` (L,) those of them graded poor. The record's noise load, the root sum of squares
    of those leads' noise, says what the noise does to the model's calls: from ``noise_calls_mv`` the name says
    they may change with it (a warning: they stand, unconfirmed), from ``noise_withhold_mv`` that they are withheld
    (critical); below, the noise alone is named. At such loads white or muscle noise added to PTB-XL records
    changed the default model's classes in 10-20 % of records, and 25 % or more (``QualityConfig``)."""
    names = _names(hf)
    load = float(np.sqrt(np.sum(noise[hf] ** 2)))
    detail = f"up to {np.nanmax(noise[hf]):.3f} mV RMS" + (
        f"; graded poor: {', '.join(_names(worst))} (the noise over {cfg.noise_poor_mv:g} mV, or the "
        "beats unlike each other under it)" if worst.any() else "")
    if load < cfg.noise_calls_mv:
        return Finding("noise", "high-frequency (muscle) noise", "warning", names, detail)
    leads = leads_text(names)
    withheld = load >= cfg.noise_withhold_mv
    name = (f"high-frequency (muscle) noise in {leads}: too much for the model's calls" if withheld
            else f"high-frequency (muscle) noise in {leads} may change the model's calls (unconfirmed)")
    limit = cfg.noise_withhold_mv if withheld else cfg.noise_calls_mv
    share = "a quarter or more" if withheld else "a tenth or more"
    return Finding("noise", name, "critical" if withheld else "warning", names,
                   f"{detail}; noise load {load:.3f} mV (root sum of squares over these leads), {limit:g} mV or "
                   f"more: noise this large changed the model's calls on {share} of PTB-XL records")


def _withhold_on_poor(found: list[Finding], findings: list[Finding], poor: tuple[str, ...]) -> list[Finding]:
    """``findings`` with the learned detector's ``found`` added while no lead is graded poor. A poor lead's
    median beat is its noise's, or a mix of unlike beats (bigeminy, paced and conducted beats), and the
    detector weighs every lead's: a chest lead of 0.1 mV white noise read a reversal in 105 of 500 clean
    PTB-XL records, 24 of them naming other leads (noisy V6 read "LA/LL", noisy V1 "V3/V4"). Where it names
    a swap beside a poor lead, the swap is neither named (critical) nor dropped unsaid: a warning says the
    electrodes could not be checked, naming the swap and the poor lead ("reversal_unchecked"), since a
    true swap with another lead noisy reads so too."""
    if not poor or not found:
        return findings + found
    swaps = [f.name.rsplit("(", 1)[-1].rstrip(")") for f in found]
    leads = f"{leads_text(poor)} poor"
    named = tuple(dict.fromkeys(lead for f in found for lead in f.leads))
    return findings + [Finding(
        "reversal_unchecked", f"electrode reversal not checked ({leads}; {', '.join(swaps)} read): check the "
        "electrodes", "warning", named,
        f"the reversal detector read {', '.join(swaps)}, but it weighs every lead's median beat and {leads}: "
        "a noisy chest lead alone reads a reversal in a fifth of clean records, so the swap is not named")]


def _lies(x: np.ndarray, fs: float, usable: np.ndarray, level: np.ndarray, x40: np.ndarray, segs40: np.ndarray,
          med40: np.ndarray, beats: np.ndarray, cfg: QualityConfig, noise: np.ndarray,
          tall_said: bool = False) -> tuple[list[Finding], np.ndarray]:
    """Findings of a record that is not what its file says (``consistency``): a lead's lasting step
    of level, a lead's gain changed mid-record, leads shifted in time against each other, a signal
    that repeats itself to the sample, every lead too tall for a heart or scaled to one size; and (L,)
    bool the leads whose QRS energy is out of step with the others' yet matches them at no lag (not shifted: noise or
    artefact, which ``assess`` grades poor). ``x`` (L, T) mV at ``fs``;
    ``level`` (L, T100) the 1.5 s running median, ``x40`` (L, T100) the 40 Hz low-passed signal,
    ``segs40`` (N, L, S) its beats at ``beats`` (N,) (100 Hz samples), ``med40`` (L, S) their median,
    ``noise`` (L,) their ``noise_index``. ``tall_said``: a lead's beats already read as impossibly tall
    ("amplitude_implausible"), which says the same as a record too tall."""
    out = []
    height = consistency.beat_height(med40, usable)
    if not tall_said and np.isfinite(height) and height >= cfg.beat_height_warn_mv:
        crit = height >= cfg.beat_height_critical_mv
        out.append(Finding(
            "amplitude_high", f"beats taller than a heart gives in every lead (typical lead {height:.1f} mV): "
            "gain or units wrong?", "critical" if crit else "warning", (),
            f"the leads' median beats are {height:.1f} mV peak-to-peak (geometric mean), "
            f"{cfg.beat_height_warn_mv:g} mV or more; the largest of 19,701 real records (PTB-XL folds 1-9, LUDB; "
            "severe hypertrophy included) is 3.7 mV. A gain 3-10 times the true one (a header's wrong gain) keeps "
            "every lead's shape and Einthoven's law, and reads hypertrophy"))
    elif not tall_said:     # a record too small for that, all of it too tall: not the heart's size
        found = gain_finding(scale_ratios(x40, segs40, med40, beats, usable, cfg.beat_window_s,
                                          cfg.template_noise_min_beats, noise=noise), cfg.gain_ratio_warn)
        out.extend([found] if found else [])
    scaled = _scaled(x, usable, cfg)
    out.extend([scaled] if scaled else [])
    step, at = consistency.baseline_steps(level)
    step = np.where(usable, step, 0.0)
    hit = step >= cfg.step_warn_mv
    if hit.any():
        crit = step >= cfg.step_critical_mv
        where = ", ".join(f"{n} {v:.1f} mV at {t:.1f} s" for n, v, t in zip(_names(hit), step[hit], at[hit]))
        out.append(Finding(
            "baseline_step", f"lead level jumps and stays (electrode pop, or an offset written onto part of the "
            f"lead): {where}", "critical" if crit.any() else "warning", _names(hit),
            f"level changes by {cfg.step_warn_mv:g} mV or more and stays level for 3 s either side"
            + (f"; {cfg.step_critical_mv:g} mV or more ({', '.join(_names(crit))}) is no electrode's: the file's "
               "values are wrong there" if crit.any() else ""),
            span_s=(float(at[hit].min()), float(at[hit].max()))))
    gain, split = consistency.gain_changes(segs40)
    gain = np.where(usable, gain, 0.0)
    hit = gain >= np.log10(cfg.gain_change_ratio)
    if hit.any():
        when = [beats[min(int(m), len(beats) - 1)] / 100.0 for m in split[hit]]
        where = ", ".join(f"{n} x{10 ** g:.1f} near {t:.1f} s" for n, g, t in zip(_names(hit), gain[hit], when))
        out.append(Finding("gain_change", f"lead amplitude changes mid-record, beat shape the same (gain switched?): "
                           f"{where}", "critical", _names(hit),
                           f"beats' height changes {cfg.gain_change_ratio:g}-fold or more at one point, every beat "
                           "after it, while their shape stays; no heart does that in one lead alone"))
    lag, zero = consistency.lead_lags(x40, usable)
    # a lead's step distorts its QRS energy: that lead is the step's finding, not a shift
    shifted = (usable & (step < cfg.step_warn_mv) & (np.abs(np.nan_to_num(lag)) >= cfg.lead_lag_s)
               & (np.nan_to_num(zero, nan=1.0) < cfg.lead_lag_match))
    astray = np.zeros(len(usable), bool)
    if shifted.any():
        # nor is a lead that matches the others at its lag no better than at none: its QRS energy is not
        # the heart's beats late but noise or artefact (burst noise, a transient: PTB-XL 08081's V5,
        # 20682's V1), a poor lead; in a small lead (near-isoelectric by the heart's axis) that is its own
        # noise scaled to its size, and nothing is said
        spread = np.percentile(x40, 99, axis=1) - np.percentile(x40, 1, axis=1)
        small = spread < cfg.lead_lag_small_share * np.median(spread[usable])
        match = consistency.lag_match(x40, usable, lag)
        unmatched = shifted & (np.nan_to_num(match) < cfg.lead_lag_min_match)
        shifted &= ~unmatched
        astray = unmatched & ~small
    # a chest lead the others predict best 20 ms or more away: shorter shifts than the QRS energy tells
    # from a bundle branch block's late R' (longer ones keep that measure's lag, which reaches 600 ms)
    clag, cgain = consistency.chest_lead_lags(x40, usable, min_lag_s=cfg.chest_lag_s, bar=cfg.chest_lag_gain)
    late = (usable & (step < cfg.step_warn_mv) & (np.abs(np.nan_to_num(clag)) >= cfg.chest_lag_s - 1e-9)
            & (np.nan_to_num(cgain) >= cfg.chest_lag_gain))
    lag = np.where(shifted, lag, clag)
    shifted = shifted | late
    # a lead shifted in part of the record only (a splice of two acquisitions): the whole record's lag is its
    # in-time part's, or a mix that no bar reaches. Not a lead whose QRS energy is astray (a transient's, noise's)
    plag, pfrom, pto = (_shifted_parts(x40, usable & ~shifted & ~astray & (step < cfg.step_warn_mv), cfg)
                        if cfg.part_shift else (np.full(len(usable), np.nan),) * 3)
    moved = np.isfinite(plag)
    blag, bzero = consistency.block_lag(x40, usable)
    block = bool(np.isfinite(blag) and abs(blag) >= cfg.block_lag_s and bzero < cfg.block_lag_match)
    if block and not shifted[:6].any():
        out.append(Finding("leads_shifted", f"chest leads shifted in time against the limb leads by {blag * 1000:+.0f} "
                           "ms (recorded one after the other, shown as simultaneous?)", "critical",
                           STANDARD_LEADS[6:], f"QRS complexes of V1-V6 {abs(blag) * 1000:.0f} ms "
                           f"{'later' if blag > 0 else 'earlier'} than the limb leads'; simultaneous leads match best "
                           f"at no lag (here {bzero:.2f} of the best match)"))
    elif shifted.any() or moved.any():
        where = ", ".join([f"{n} {v * 1000:+.0f} ms" for n, v in zip(_names(shifted), lag[shifted])]
                          + [f"{n} {v * 1000:+.0f} ms from {a:.1f} to {b:.1f} s" for n, v, a, b in
                             zip(_names(moved), plag[moved], pfrom[moved], pto[moved])])
        why = ("in part of the record (two recordings joined?)" if moved.any() and not shifted.any()
               else "(recorded at another time, shown as simultaneous?)")
        out.append(Finding("leads_shifted", f"leads shifted in time against the others {why}: {where}", "critical",
                           _names(shifted | moved),
                           f"QRS complexes {cfg.lead_lag_s * 1000:.0f} ms or more away from the other leads', "
                           f"or a chest lead that I, II and the other chest leads predict {cfg.chest_lag_gain:g} "
                           f"times better {cfg.chest_lag_s * 1000:.0f} ms or more away than at no lag; simultaneous "
                           "leads match best at no lag" + ("; a lead so in one half (or third) of the record and in "
                                                           "time in the other" if moved.any() else ""),
                           span_s=((float(pfrom[moved].min()), float(pto[moved].max()))
                                   if moved.any() and not shifted.any() else None)))
    rep = consistency.repeat_residual(np.where(usable[:, None], x, 0.0), fs)
    if np.isfinite(rep) and rep < cfg.repeat_max:
        out.append(Finding("signal_repeats", "the signal repeats itself to the sample (a simulator or a device's test "
                           "signal, not a patient's recording?)", "critical", (),
                           f"at one shift of 0.25-2 s the record differs from itself by {rep:.1%} of its RMS; "
                           "real records differ by 15 % or more"))
    return out, astray


def _scaled(x: np.ndarray, usable: np.ndarray, cfg: QualityConfig) -> Finding | None:
    """"amplitude_scaled", a warning, where every usable lead of ``x`` (L, T) mV has the same peak-to-peak
    over the record (the largest over the smallest at most ``cfg.scaled_ratio``, ``cfg.scaled_min_leads``
    leads or more): each lead scaled to one size (LUDB: 1.00 mV), so its amplitudes are not the heart's
    in mV. No heart gives its 12 leads one size; the calls stand (the shapes, rhythm and intervals are
    the record's), and what is read off amplitudes is marked or not read (``review.interpret``)."""
    if int(usable.sum()) < cfg.scaled_min_leads:
        return None
    ptp = x[usable].max(axis=1) - x[usable].min(axis=1)
    if not (ptp.min() > 0 and ptp.max() / ptp.min() <= cfg.scaled_ratio):
        return None
    size = float(np.median(ptp))
    return Finding("amplitude_scaled", f"every lead scaled to the same size ({size:.2f} mV peak-to-peak): {NOT_IN_MV}",
                   "warning", (),
                   f"the {int(usable.sum())} usable leads' peak-to-peak over the record "
                   f"{ptp.min():.3f}-{ptp.max():.3f} mV, within {cfg.scaled_ratio - 1:.0%} of each other; no heart "
                   "gives every lead one size (PTB-XL folds 1-8, the CinC samples, PTB: none). The voltages are the "
                   "file's scale, not the heart's")


def _shifted_parts(x40: np.ndarray, usable: np.ndarray,
                   cfg: QualityConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The leads shifted in time in part of the record only: ``x40`` (L, T100) the 40 Hz low-passed 100 Hz
    signal, ``usable`` (L,) bool the leads to read. The whole record's measures (``lead_lags`` with
    ``lag_match``, ``chest_lead_lags``) and bars over its two halves, and over its first and last thirds (lags
    up to 250 ms: a part further away reads without the lead's ECG, ``lost_ecg``, and "lead_lost" says it late); a
    lead shifted in one of a pair and in time in the other (``QualityConfig.part_shift``). Returns (L,) the lag
    (s), and (L,) the start and end (s) of the window it holds, NaN for leads not so."""
    L, T = x40.shape
    lag, start, end = np.full(L, np.nan), np.full(L, np.nan), np.full(L, np.nan)
    if usable.sum() < 4:
        return lag, start, end
    pairs = (((0, T // 2), (T // 2, T)), ((0, T // 3), (T - T // 3, T)))
    for pair in pairs:
        read = []
        for a, b in pair:
            w = x40[:, a:b]
            d, zero, match = consistency.matched_lags(w, usable, max_lag_s=0.25)   # longer: "lead_lost" says it
            spread = np.percentile(w, 99, axis=1) - np.percentile(w, 1, axis=1)
            small = spread < cfg.lead_lag_small_share * np.median(spread[usable])
            far = (usable & ~small & (np.abs(np.nan_to_num(d)) >= cfg.lead_lag_s)
                   & (np.nan_to_num(zero, nan=1.0) < cfg.lead_lag_match)
                   & (np.nan_to_num(match) >= cfg.lead_lag_min_match))
            cd, cg = consistency.chest_lead_lags(w, usable, min_lag_s=cfg.chest_lag_s, bar=cfg.chest_lag_gain)
            late = (usable & (np.abs(np.nan_to_num(cd)) >= cfg.chest_lag_s - 1e-9)
                    & (np.nan_to_num(cg) >= cfg.chest_lag_gain))
            in_time = usable & (np.abs(np.nan_to_num(d, nan=1.0)) < cfg.chest_lag_s) & ~late
            read.append((far | late, np.where(far, d, cd), in_time))
        for (one, d, _), (_, _, other), (a, b) in ((read[0], read[1], pair[0]), (read[1], read[0], pair[1])):
            hit = one & other & ~np.isfinite(lag)
            lag[hit], start[hit], end[hit] = d[hit], a / 100.0, b / 100.0
    return lag, start, end


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


def _steepness(beat: np.ndarray, height: np.ndarray) -> float:
    """(l, S) mean beat at 100 Hz, mV, and its (l,) peak-to-peak heights (mV) -> the largest over
    leads of max |slope| (mV/s) over the lead's height: 1/s, about pi times the frequency of its
    fastest wave."""
    if beat.size == 0 or beat.shape[1] < 2:
        return 0.0
    slope = np.abs(np.diff(beat, axis=1)).max(axis=1) * 100.0
    return float(np.max(slope / np.maximum(height, 1e-6)))


def _duplicates(x: np.ndarray, absent: np.ndarray, rel: float, limb_pairs: bool = True) -> list[tuple[str, ...]]:
    """Groups of leads (each 2 or more, STANDARD_LEADS names) whose samples are the same signal:
    (L, T) mV, baseline removed; RMS of the difference under ``rel`` of the larger lead's RMS.
    Absent (flat or missing) leads are left out: equal zeros are the "lead missing" finding's.
    ``limb_pairs`` False: two limb leads are never paired (a limb lead is flat, and the others follow
    from two leads, some equal by the lead identities)."""
    L = x.shape[0]
    rms = np.sqrt(np.mean(x ** 2, axis=1)) if x.shape[1] else np.zeros(L)
    groups: list[list[int]] = []
    seen: set[int] = set()
    for i in range(L):
        if absent[i] or i in seen:
            continue
        group = [i]
        for j in range(i + 1, L):
            if absent[j] or j in seen or (not limb_pairs and i < len(LIMB) and j < len(LIMB)):
                continue
            diff = float(np.sqrt(np.mean((x[i] - x[j]) ** 2)))
            if diff <= rel * max(rms[i], rms[j]):
                group.append(j)
        if len(group) > 1:
            seen.update(group)
            groups.append(group)
    return [tuple(STANDARD_LEADS[k] for k in g) for g in groups]


def _far_off(level: np.ndarray, usable: np.ndarray, limit_mv: float) -> Finding | None:
    """Leads whose level ``level`` (L, T100), their 1.5 s running median in mV, lies ``limit_mv`` or more
    from 0 V somewhere: "lead_offset", naming each with its farthest level and when, and where it ends."""
    far = np.nanmax(np.abs(level), axis=1) if level.shape[1] else np.zeros(len(level))
    hit = usable & (np.nan_to_num(far) >= limit_mv)
    if not hit.any():
        return None
    where = []
    for i in np.flatnonzero(hit):
        at = int(np.nanargmax(np.abs(level[i])))
        where.append(f"{STANDARD_LEADS[i]} {level[i, at]:+.1f} mV at {at / 100:.1f} s, "
                     f"{level[i, -1]:+.1f} mV at the end")
    return Finding("lead_offset", f"lead level far from 0 V ({'; '.join(where)}): an electrode settling, or the "
                   "amplifier recovering from overload", "warning", _names(hit),
                   f"the lead's 1.5 s running median reaches {limit_mv:g} mV from 0 V; an ECG amplifier's output "
                   "stays near 0 V (LUDB's 100 records within 0.8 mV, 3 of PTB-XL folds 1-9's 19,601 beyond 10 mV)")


def _running_median(x100: np.ndarray, width_s: float) -> np.ndarray:
    """(L, T) at 100 Hz -> its running median over ``width_s``, computed at 25 Hz (a baseline has
    nothing faster; a sixteenth of the cost) and linearly interpolated back to every sample."""
    step = 4
    sub = x100[:, ::step]
    med = median_filter(sub, size=(1, int(round(width_s * 100 / step)) | 1), mode="nearest")
    t = np.arange(x100.shape[1])
    return np.stack([np.interp(t, t[::step], row) for row in med])


def _longest_run(mask: np.ndarray) -> np.ndarray:
    """(L, T) bool -> (L,) the longest run of True in each row (samples)."""
    out = np.zeros(mask.shape[0], dtype=int)
    for i, row in enumerate(mask):
        edges = np.diff(np.concatenate(([0], row.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        out[i] = int((ends - starts).max()) if len(starts) else 0
    return out


def _artefact(y: np.ndarray, segs: np.ndarray, usable: np.ndarray, cfg: QualityConfig) -> Finding | None:
    """A large transient artefact (electrode motion, a lost contact, a pop): a lead's 100 Hz signal
    less its baseline, ``y`` (L, T100) mV, beyond ``artefact_ratio`` times its typical beat extreme
    (median over beats of the largest |deflection|) and beyond ``artefact_floor_mv``, without a
    break for at least ``artefact_min_s``. A QRS complex, a ventricular premature beat's included,
    is shorter than that (none of fold 9's 114 PVC-labelled PTB-XL records is flagged; the 6 of 2183
    fold-9 records that are all show an artefact by eye). Critical in ``artefact_leads_critical``
    leads or more: the model's input windows are normalised per lead, so an artefact of several mV
    rescales the rest."""
    if len(segs) < 3:
        return None
    typical = np.median(np.abs(segs).max(axis=2), axis=0)                    # (L,) mV
    limit = np.maximum(cfg.artefact_ratio * typical, cfg.artefact_floor_mv)
    over = (np.abs(y) > limit[:, None]) & usable[:, None]
    hit = _longest_run(over) >= int(round(cfg.artefact_min_s * 100))
    if not hit.any():
        return None
    when = np.flatnonzero(over[hit].any(axis=0)) / 100.0
    sev = "critical" if hit.sum() >= cfg.artefact_leads_critical else "warning"
    return Finding("artefact", f"large artefact at {when[0]:.1f}-{when[-1]:.1f} s", sev, _names(hit),
                   f"up to {np.abs(y[hit]).max():.1f} mV against a typical beat of "
                   f"{np.median(typical[hit]):.1f} mV", span_s=(float(when[0]), float(when[-1]) + 0.01))


def _impossible_samples(x: np.ndarray, fs: float, present: np.ndarray, cfg: QualityConfig) -> Finding | None:
    """Samples no body surface gives: ``x`` (L, T) mV less each lead's median, beyond
    ``cfg.impossible_mv`` on a few of a lead's samples (at most ``impossible_max_share``; more is a
    lead in the wrong units, which the amplitude checks name). A damaged file: such a sample in a
    model window rescales the whole window's lead. A critical "artefact" with its time span, so the
    prediction leaves the windows it falls in out (``inference.Predictor``), or is withheld when
    there is no other."""
    over = (np.abs(x) > cfg.impossible_mv) & present[:, None]
    share = over.mean(axis=1) if x.shape[1] else np.zeros(len(x))
    hit = over.any(axis=1) & (share <= cfg.impossible_max_share)
    if not hit.any():
        return None
    when = np.flatnonzero(over[hit].any(axis=0)) / fs
    n = int(over[hit].sum())
    return Finding("artefact", f"impossible sample values at {when[0]:.1f}-{when[-1]:.1f} s (damaged file?)", "critical",
                   _names(hit), f"{n} sample{'s' if n > 1 else ''} beyond +-{cfg.impossible_mv:g} mV from the lead's median, "
                   f"up to {np.abs(x[hit]).max():.0f} mV; no ECG reaches that on the body surface",
                   span_s=(max(0.0, float(when[0]) - 0.05), float(when[-1]) + 0.05))


def _no_ecg(med: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(L,) the usable leads whose median beat ``med`` (L, S) mV at 100 Hz, taken at the beats the
    leads together give, is flatter than a flat lead (``FLAT_PTP_MV`` peak-to-peak): no heartbeat in
    them, whatever their trace holds besides (noise, a start-up transient: PTB-XL 12722's V6)."""
    flat = np.ptp(np.nan_to_num(med, nan=np.inf), axis=1) < FLAT_PTP_MV
    return usable & flat


def _missing(absent: np.ndarray, dead: np.ndarray, off: np.ndarray | None = None, off_why: str = "",
             withheld: dict | None = None, underived: dict | None = None) -> Finding:
    """The "lead_missing" finding of the leads ``absent`` (L,) bool (missing, or flat throughout),
    ``dead`` (L,) bool (a trace without a heartbeat: ``_no_ecg``) and ``off`` (L,) bool (an electrode off:
    ``_off``, what was read of them ``off_why``). Those of ``absent`` that the reader withheld
    (``withheld``, its ``meta["withheld_leads"]``: lead -> why) are said with the reader's reason, and the limb
    leads it derived from a lead withheld or missing from the file (``underived``: lead -> the leads they need,
    ``records.leads.blank_sources``) with the leads they need."""
    parts, details = [], []
    held = np.array([bool(withheld) and n in withheld for n in STANDARD_LEADS[:len(absent)]]) & absent
    for name in _names(held):
        parts.append(f"lead {name} withheld: {withheld[name]}")
    if held.any():
        details.append(f"{', '.join(_names(held))}: deviation from baseline over {MAX_TYPICAL_MV:g} mV beside leads "
                       "with an ECG's (well under 1 mV); left out as a missing lead is")
    needs = underived or {}
    underived = np.isin(STANDARD_LEADS[:len(absent)], list(needs)) & absent & ~held
    absent = absent & ~held & ~underived
    if absent.any():
        names = _names(absent)
        group = lead_group(names)
        parts.append(f"{group} missing or flat" if group else
                     f"lead{'s' if len(names) > 1 else ''} missing or flat ({', '.join(names)})")
        details.append(f"peak-to-peak below {FLAT_PTP_MV} mV or more than half the samples missing")
    for why in dict.fromkeys(needs[n] for n in _names(underived)):     # after the leads they need
        names = [n for n in _names(underived) if needs[n] == why]
        parts.append(f"{leads_text(names)} not derived: need{'s' if len(names) == 1 else ''} {why}")
    if underived.any():
        details.append(f"{', '.join(_names(underived))}: derived from other limb leads (Einthoven, Goldberger), "
                       "so blank where a lead they need is")
    if dead.any():
        names = _names(dead)
        parts.append(f"no ECG in {leads_text(names)} (electrode off?)")
        details.append(f"{', '.join(names)}: median beat below {FLAT_PTP_MV} mV peak-to-peak, no heartbeat in "
                       "the trace (a flat line and noise, a transient)")
    off = np.zeros(len(absent), bool) if off is None else off
    if off.any():
        parts.append(f"{leads_text(_names(off))} unreadable (electrode off?)")
        details.append(f"{off_why}: left out of the beats the other leads are judged at")
    return Finding("lead_missing", "; ".join(parts), "critical", _names(absent | held | underived | dead | off),
                   "; ".join(details))


def _lost_leads(raw100: np.ndarray, x100: np.ndarray, beats: np.ndarray, usable: np.ndarray,
                cfg: QualityConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(L,) bool the usable leads that lose their ECG for part of the record (``indices.lost_ecg`` on
    ``raw100`` (L, T) mV at 100 Hz, where a held level stays level), (L,) start and end (s) of that
    part, and (L,) the lag (s) at which that part holds the lead's own QRS complexes after all
    (``indices.shifted_part``: recorded at another time, not lost; the part then from the first such beat),
    NaN where it does not. The beats it reads are ``beats`` (N,) at 100 Hz or, where some leads' QRS-band
    energy does not follow the others' (``energy_agreement`` of ``x100``, the same high-passed, under
    ``lost_agreement``: steps or noise, not the heart's beats, may have set them), the other leads' beats. At
    least three leads keep their ECG, or none is named."""
    agree = np.nan_to_num(energy_agreement(x100, usable), nan=1.0)
    alone = usable & (agree < cfg.lost_agreement)
    if alone.any() and (usable & ~alone).sum() >= 3:
        beats = detect_beats(x100, usable & ~alone)
    start, end = lost_ecg(raw100, beats, usable, min_s=cfg.lost_min_s)
    lost = np.isfinite(start)
    if (usable & ~lost).sum() < 3:
        lost[:] = False
    lag = np.full(len(lost), np.nan)
    for i in np.flatnonzero(lost):
        found = shifted_part(raw100[i], beats, start[i], end[i], min_lag_s=cfg.lead_lag_s)
        if found is not None:
            at_end = end[i] >= raw100.shape[1] / 100.0 - 0.05
            lag[i] = found[0]
            start[i], end[i] = (found[1], end[i]) if at_end else (start[i], found[2])
    return lost, start, end, lag


def _lost_finding(lost: np.ndarray, start: np.ndarray, end: np.ndarray, lag: np.ndarray, duration: float,
                  cfg: QualityConfig) -> Finding:
    """The "lead_lost" finding of the leads ``lost`` (L,) bool, without ECG from ``start`` to ``end`` (L,) s
    of a record ``duration`` s long, or with it at ``lag`` (L,) s from the other leads' there (NaN: none):
    critical where a lead has no ECG for half the record or more (as a lead more than half of whose samples are
    missing is "lead_missing"), or has the other leads' beats at a lag (as a lead shifted in time throughout,
    "leads_shifted"), else a warning."""
    gone, moved, why = [], [], []
    for n, a, b, d in zip(_names(lost), start[lost], end[lost], lag[lost]):
        when = f"after {a:.1f} s" if b >= duration - 0.05 else f"before {b:.1f} s"
        if np.isfinite(d):
            moved.append(f"lead {n}: QRS complexes {abs(d) * 1000:.0f} ms {'later' if d > 0 else 'earlier'} than "
                         f"the other leads' {'from ' + format(a, '.1f') + ' s' if when[0] == 'a' else when}")
        else:
            gone.append(f"lead {n}: no ECG {when}")
    if gone:
        why.append("the lead's QRS complexes are missing, or a held level or a step stands in their place, at the "
                   "other leads' beats in that part (and present, alike, in the rest)")
    if moved:
        why.append("in that part the lead's own QRS complexes come at one lag from the other leads' beats, as in "
                   "the rest at none: that part of the lead recorded at another time")
    name = "; ".join(([f"{'; '.join(gone)} (electrode off?)"] if gone else [])
                     + ([f"{'; '.join(moved)} (recorded at another time?)"] if moved else []))
    share = (end[lost] - start[lost]) / max(duration, 1e-9)
    crit = bool((share >= cfg.lost_critical_share).any()) or bool(moved)
    return Finding("lead_lost", name, "critical" if crit else "warning", _names(lost), "; ".join(why),
                   span_s=(float(start[lost].min()), float(end[lost].max())))


def _names(mask: np.ndarray) -> tuple[str, ...]:
    return tuple(n for n, m in zip(STANDARD_LEADS, mask) if m)


def _finish(findings: list[Finding], idx: dict, grade: tuple[str, ...], hr, n_beats: int, fs: float,
            cfg: QualityConfig) -> QualityReport:
    findings = by_severity(findings)
    verdict, reason = verdict_of(findings, grade)
    hr_out = None if hr is None or not math.isfinite(hr) else round(hr, 1)
    return QualityReport(verdict, reason, tuple(findings), idx, grade, hr_out, n_beats, fs)
