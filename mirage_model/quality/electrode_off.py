"""Leads without a heartbeat the other leads' beats can be read by: a trace without one (``_no_ecg``), an electrode
off (``_off``: a swing from rail to rail, a large drift, clipped, noise alone; read once per record,
``record_electrode_off``, for the check, the measurement and the report's sheet), a lead that loses its ECG
part-way (``_lost_leads``), and their findings, "lead_missing" (with the leads missing, flat or withheld) and
"lead_lost"."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.signal import sosfiltfilt

from mirage_model.limits import MAX_TYPICAL_MV
from mirage_model.quality.beats import _beats, _zeroed
from mirage_model.quality.findings import Finding, QualityConfig, _names, lead_group, leads_text
from mirage_model.quality.indices import _corr_rows, _sos, detect_beats, hf_noise
from mirage_model.quality.lost_ecg import energy_agreement, lost_ecg, qrs_band_energy, shifted_part
from mirage_model.records import FLAT_PTP_MV, STANDARD_LEADS
from mirage_model.records.record import found_once


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
    raw100, x100: (L, T) mV at 100 Hz, as ``_beats`` gives them. A lead left out that keeps its QRS complexes
    under its noise or wander (5-15 Hz energy at the other leads' beats ``off_qrs_ratio`` times that away from
    them or more, not clipped), or whose QRS-band energy follows the others' at a lag (a lead shifted in time), is
    not off: it is judged at the others' beats, and named by what the check finds in it. A lead whose own
    complexes repeat at the others' beats (``_repeat_corr`` ``off_repeat_corr`` or more, ``off_repeat_margin``
    over beats moved off them) is a heart's and neither: a wide-complex tachycardia's energy lies below the QRS
    band (CinC 2021 JS45546 at 173 bpm: I at 0.44, V4-V6 against the others)."""
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

    def make():
        if made is not None:
            raw100, x100, beats, usable = made
            aside, off, why = _off(raw100, x100, beats, usable, sat & usable, cfg)
        else:
            aside, off, why = _off_of(np.asarray(np.asarray(signal)[:, :n], dtype=np.float64), float(record.fs), sat,
                                      cfg)
        aside, off = np.array(aside, bool), np.array(off, bool)
        aside.flags.writeable = off.flags.writeable = False       # shared by every caller of the record
        return aside, off, why

    # a signal put in the record's place since, or edited in place (an API caller writing into record.signal), is
    # read again: the pass is kept with a digest of the stretch it read (about 3% of the pass)
    return found_once(record, key, make, n)


def _no_ecg(med: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(L,) the usable leads whose median beat ``med`` (L, S) mV at 100 Hz, taken at the beats the
    leads together give, is flatter than a flat lead (``FLAT_PTP_MV`` peak-to-peak): no heartbeat in
    them, whatever their trace holds besides (noise, a start-up transient: PTB-XL 12722's V6)."""
    flat = np.ptp(np.nan_to_num(med, nan=np.inf), axis=1) < FLAT_PTP_MV
    return usable & flat


def _missing(absent: np.ndarray, dead: np.ndarray, off: np.ndarray | None = None, off_why: str = "",
             withheld: dict | None = None, underived: dict | None = None, twin: tuple[str, str] = ("", "")) -> Finding:
    """The "lead_missing" finding of the leads ``absent`` (L,) bool (missing, or flat throughout),
    ``dead`` (L,) bool (a trace without a heartbeat: ``_no_ecg``) and ``off`` (L,) bool (an electrode off:
    ``_off``, what was read of them ``off_why``). Those of ``absent`` that the reader withheld
    (``withheld``, its ``meta["withheld_leads"]``: lead -> why) are said with the reader's reason, and the limb
    leads it derived from a lead withheld or missing from the file (``underived``: lead -> the leads they need,
    ``records.leads.blank_sources``) with the leads they need; ``twin`` (``integrity.missing_twin``): a lead the file
    has no channel for beside a lead it names twice, one of whose channels may be it."""
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
        if twin[0]:     # a channel of a lead named twice may be the missing one: said beside it
            parts.append(twin[0])
            details.append(twin[1])
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
    """(L,) bool the usable leads that lose their ECG for part of the record (``lost_ecg.lost_ecg`` on
    ``raw100`` (L, T) mV at 100 Hz, where a held level stays level), (L,) start and end (s) of that
    part, and (L,) the lag (s) at which that part holds the lead's own QRS complexes after all
    (``lost_ecg.shifted_part``: recorded at another time, not lost; the part then from the first such beat),
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
