"""Findings of a record that is not what its file says, from ``consistency``'s and ``gain``'s measures: beats too
tall for a heart in every lead, or every lead scaled to one size; a lead's level that jumps and stays; a lead's
gain switched mid-record; leads shifted in time against each other, throughout or in part of the record; a signal
that repeats itself to the sample."""

from __future__ import annotations

import numpy as np

from mirage_model.quality import consistency
from mirage_model.quality.findings import NOT_IN_MV, Finding, QualityConfig, _names
from mirage_model.quality.gain import gain_finding, low_gain_finding, scale_ratios
from mirage_model.records import STANDARD_LEADS


def _lies(x: np.ndarray, fs: float, usable: np.ndarray, level: np.ndarray, x40: np.ndarray, segs40: np.ndarray,
          med40: np.ndarray, beats: np.ndarray, cfg: QualityConfig, noise: np.ndarray,
          tall_said: bool = False, derived: np.ndarray | None = None,
          low_said: bool = False) -> tuple[list[Finding], np.ndarray]:
    """Findings of a record that is not what its file says (``consistency``): a lead's lasting step
    of level, a lead's gain changed mid-record, leads shifted in time against each other, a signal
    that repeats itself to the sample, every lead too tall for a heart or scaled to one size; and (L,)
    bool the leads whose QRS energy is out of step with the others' yet matches them at no lag (not shifted: noise or
    artefact, which ``assess`` grades poor). ``x`` (L, T) mV at ``fs``;
    ``level`` (L, T100) the 1.5 s running median, ``x40`` (L, T100) the 40 Hz low-passed signal,
    ``segs40`` (N, L, S) its beats at ``beats`` (N,) (100 Hz samples), ``med40`` (L, S) their median,
    ``noise`` (L,) their ``noise_index``. ``tall_said``: a lead's beats already read as impossibly tall
    ("amplitude_implausible"), which says the same as a record too tall; ``low_said``: every lead's beats already
    read as smaller than a heart gives ("amplitude_low", critical), which says the same as a record too small.
    ``derived``: (L,) bool the limb leads the reader derived or rebuilt from others, which are not the file's own
    size (``_scaled``)."""
    out = []
    height = consistency.beat_height(med40, usable)
    # of the file's own leads: a lead rebuilt from two scaled one by one (LUDB's) is of another size, which hid it
    scaled = _scaled(x, usable if derived is None else usable & ~derived, cfg)
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
        if found is None and not low_said and scaled is None:
            # all of it too small, at any rate: the previous beat in the P window only makes the P wave larger.
            # Not beside every lead scaled to one size, which says the sizes are the file's (LUDB 74 read 0.35)
            found = low_gain_finding(scale_ratios(x40, segs40, med40, beats, usable, cfg.beat_window_s,
                                                  cfg.template_noise_min_beats, noise=noise, min_rr_s=0.0),
                                     cfg.gain_ratio_low)
        out.extend([found] if found else [])
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
