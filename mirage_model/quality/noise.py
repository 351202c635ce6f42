"""Noise and artefacts: high-frequency (muscle) noise and what it does to the model's calls, mains interference
that the measurement cannot subtract (``indices.mains_left``), a large transient artefact, sample values no body
surface gives, and a lead's level far from 0 V."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from mirage_model.quality.findings import Finding, QualityConfig, _names, leads_text
from mirage_model.quality.indices import mains_left
from mirage_model.records import STANDARD_LEADS


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


def _mains_left(x: np.ndarray, xm: np.ndarray, fs: float, f0: float, beats_s: np.ndarray, usable: np.ndarray,
                cfg: QualityConfig) -> Finding | None:
    """"mains_left", critical, where the mains at ``f0`` Hz that the measurement cannot subtract
    (``indices.mains_left`` of (L, T) mV ``x``, ``xm`` it subtracted, R peaks ``beats_s`` s) exceeds
    ``mains_left_mv`` and 4 times its floor in a usable lead: the intervals and the calls would be read through it
    (a prior ECG with 0.5 mV of 50 Hz had lost its PR, and a serial comparison said "possibly new sinus
    bradycardia" against the same heart); else None."""
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


MAINS_HZ = (50.0, 60.0)      # the mains whose lines the quality check subtracts as the measurement does


def mains_removed(record, x: np.ndarray, sig: np.ndarray, fs: float, pulse=None) -> np.ndarray:
    """(12, T) mV ``x`` with the mains lines each lead carries subtracted, as the measurement subtracts them
    (``preprocess.remove_mains``, ``only_present``): ``x`` is ``record``'s signal ``sig`` (float64, its calibration
    ``pulse`` taken off where it has one) with missing samples 0 and each lead's median taken off (``_zeroed``).

    Where ``sig`` misses no sample, ``x`` is ``sig`` less a constant a lead, which neither the search for the lines
    (each lead's mean taken off) nor their fit (a constant among its columns) reads, nor the spike search (a lead
    less its running median): the record's kept search (``preprocess.record_mains_search``) is read, which the
    model's inputs of a record of a minute or less and, without a pulse, the measurement of its first minute read
    too; the quality check had searched it once more. With missing samples ``x`` holds zeros where that search
    bridges them: other samples, searched here."""
    from mirage_model.preprocess import record_mains_search, remove_mains   # numpy/scipy only; imported on use

    search = None
    if not np.isnan(sig).any():
        search = (record_mains_search(record, MAINS_HZ) if pulse is None
                  else record_mains_search(record, MAINS_HZ, pulse=pulse, signal=sig))
    return remove_mains(x, fs, MAINS_HZ, only_present=True, search=search)


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


def _longest_run(mask: np.ndarray) -> np.ndarray:
    """(L, T) bool -> (L,) the longest run of True in each row (samples)."""
    out = np.zeros(mask.shape[0], dtype=int)
    for i, row in enumerate(mask):
        edges = np.diff(np.concatenate(([0], row.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        out[i] = int((ends - starts).max()) if len(starts) else 0
    return out


def _running_median(x100: np.ndarray, width_s: float) -> np.ndarray:
    """(L, T) at 100 Hz -> its running median over ``width_s``, computed at 25 Hz (a baseline has
    nothing faster; a sixteenth of the cost) and linearly interpolated back to every sample."""
    step = 4
    sub = x100[:, ::step]
    med = median_filter(sub, size=(1, int(round(width_s * 100 / step)) | 1), mode="nearest")
    t = np.arange(x100.shape[1])
    return np.stack([np.interp(t, t[::step], row) for row in med])


def impossible_mask(x: np.ndarray, present: np.ndarray, cfg: QualityConfig) -> np.ndarray:
    """(L, T) bool: the samples of ``x`` (L, T) mV less each lead's median beyond ``cfg.impossible_mv``, in the
    ``present`` (L,) leads where they are at most ``impossible_max_share`` of the lead's samples (more is a lead in
    the wrong units)."""
    over = (np.abs(x) > cfg.impossible_mv) & np.asarray(present, bool)[:, None]
    share = over.mean(axis=1) if x.shape[1] else np.zeros(len(x))
    over[share > cfg.impossible_max_share] = False
    return over


def _impossible_samples(x: np.ndarray, fs: float, present: np.ndarray, cfg: QualityConfig) -> Finding | None:
    """Samples no body surface gives: ``x`` (L, T) mV less each lead's median, beyond
    ``cfg.impossible_mv`` on a few of a lead's samples (at most ``impossible_max_share``; more is a
    lead in the wrong units, which the amplitude checks name). A damaged file: such a sample in a
    model window rescales the whole window's lead. A critical "artefact" with its time span, so the
    prediction leaves the windows it falls in out (``inference.Predictor``), or is withheld when
    there is no other."""
    over = impossible_mask(x, present, cfg)
    hit = over.any(axis=1)
    if not hit.any():
        return None
    when = np.flatnonzero(over[hit].any(axis=0)) / fs
    n = int(over[hit].sum())
    return Finding("artefact", f"impossible sample values at {when[0]:.1f}-{when[-1]:.1f} s (damaged file?)",
                   "critical", _names(hit),
                   f"{n} sample{'s' if n > 1 else ''} beyond +-{cfg.impossible_mv:g} mV from the lead's median, "
                   f"up to {np.abs(x[hit]).max():.0f} mV; no ECG reaches that on the body surface",
                   span_s=(max(0.0, float(when[0]) - 0.05), float(when[-1]) + 0.05))


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
