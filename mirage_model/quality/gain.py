"""A whole record at several times its true gain, told from a tall heart by more than its QRS.

A header that states the wrong gain (microvolts under 200 per mV: every lead five times too tall)
scales everything the file holds alike: the QRS, the P wave, and the noise floor of the recording
(the amplifier's, the muscles', the quantisation's). A hypertrophy raises the QRS and leaves the
P wave and the noise as they are. So the record's size is read three ways, each against its median
over PTB-XL folds 1-8 (17,418 records at their stated gain), and the smallest of the three ratios
is the measure: a wrong gain lifts all three, a heart only some. Of 500 PTB-XL fold-9 records
(seed 1) at 2 / 3 / 5 times their gain, ``assess`` named 0.8 / 7.6 / 72 % by the beat height alone
(``consistency.beat_height`` from 4 mV) and names 3.6 / 44 / 93 % with this too; LUDB's 100 (their
stored microvolts) 2 / 14 / 76 % and 2 / 24 / 95 %. None of the 2,183 fold-9 records at their stated
gain is named (their largest smallest ratio 2.06, the bar 2.52; folds 1-8 reach 2.29).

Read the other way, the largest of the three names a record at a fraction of its gain: a low voltage heart's QRS
is small, its P wave and the noise are not (``low_gain_finding``). CinC 2020's four Georgia records, whose headers
say 4880 adu/mV where the 2021 release says 1000 for the same samples, read 0.20-0.42; PTB-XL folds 1-8
(17,418) 0.490 at least (the 145 labelled low voltage 0.542), the bar 0.445; 93 CinC samples (PTB-XL's fold 10
left out) and PTB Diagnostic records at their gain 0.71 at least.

Measured on the quality check's own signals: ``med40`` (L, S) the median beats of the 40 Hz
low-passed 100 Hz signal ``x40`` (L, T100), ``segs40`` (N, L, S) its beats at R peaks ``beats``
(N,), 100 Hz samples.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mirage_model.limits import SCALE_FINDINGS
from mirage_model.quality.consistency import beat_height
from mirage_model.quality.findings import Finding
from mirage_model.quality.indices import noise_index

# medians over PTB-XL folds 1-8 at the stated gain (mV)
QRS_MV = 0.947       # beat_height: the median beat's peak-to-peak, geometric mean over the leads
PR_MV = 0.0572       # the median beat's peak-to-peak from R - 220 to R - 120 ms (P wave and PR segment)
NOISE_MV = 0.0061    # assess's noise index (the smaller of hf_noise and template_noise), median over leads
# The P window ends 120 ms before R: a bundle branch block's or a paced beat's wide QRS starts after it
# (ending it at R - 80 ms, paced records and left bundle branch blocks set the clean maximum)
PR_WINDOW_S = (-0.22, -0.12)
# Nor may it reach back to the previous beat's T wave (over by about R + 0.4 s): at shorter RR intervals
# (median; above 97 bpm) nothing is said. CinC 2021 JS45545 and JS45546, ventricular tachycardias (187 bpm
# in the first): the previous beat's QRS and T fill the window, 17 times the P wave's median
MIN_RR_S = 0.62


def _gmean(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.exp(np.mean(np.log(np.maximum(v, 1e-4))))) if v.size else float("nan")


def scale_ratios(x40: np.ndarray, segs40: np.ndarray, med40: np.ndarray, beats: np.ndarray, usable: np.ndarray,
                 window_s: tuple[float, float], min_template_beats: int,
                 noise: np.ndarray | None = None, min_rr_s: float = MIN_RR_S) -> np.ndarray:
    """The record's QRS, P-wave and noise sizes over their clean medians, (3,): ``beat_height``
    over ``QRS_MV``; the median beat's peak-to-peak in ``PR_WINDOW_S`` (geometric mean over the
    usable leads) over ``PR_MV``; the noise index of ``assess`` (``indices.noise_index``, median over
    the usable leads; ``noise`` (L,) where ``assess`` has it already) over ``NOISE_MV``. ``window_s``
    is the median beat's window around R (``QualityConfig.beat_window_s``);
    ``usable`` (L,) bool. NaN where a size cannot be read, and all NaN at a median RR under ``min_rr_s``
    (``MIN_RR_S``: the P window may hold the previous beat, which makes the P wave read larger)."""
    r = int(round(-window_s[0] * 100))                       # R's sample in the median beat
    a, b = r + int(round(PR_WINDOW_S[0] * 100)), r + int(round(PR_WINDOW_S[1] * 100))
    if not usable.any() or a < 0 or len(beats) < 2 or np.median(np.diff(beats)) / 100.0 < min_rr_s:
        return np.full(3, np.nan)
    if noise is None:
        noise = noise_index(x40, beats, segs40, med40, min_template_beats)
    pr = _gmean(np.ptp(med40[usable, a:b], axis=1))
    return np.array([beat_height(med40, usable) / QRS_MV, pr / PR_MV, float(np.median(noise[usable])) / NOISE_MV])


def gain_finding(ratios: np.ndarray, bar: float) -> Finding | None:
    """"amplitude_high", a warning, when the smallest of ``scale_ratios`` (3,) is ``bar`` or more
    (``QualityConfig.gain_ratio_warn``); None otherwise."""
    low = float(np.min(ratios)) if np.isfinite(ratios).all() else float("nan")
    if not low >= bar:
        return None
    return Finding(
        "amplitude_high", f"QRS, P waves and noise all {low:.1f} times their usual size or more: gain wrong?",
        "warning", (),
        f"{_sizes_text(ratios, 1)}; all {bar:g} times or more, which none of them reaches (2.3 at most). A header's "
        "wrong gain scales all three alike, a hypertrophy the QRS alone")


def low_gain_finding(ratios: np.ndarray, bar: float) -> Finding | None:
    """"amplitude_low", a warning, when the largest of ``scale_ratios`` (3,) is ``bar`` or less
    (``QualityConfig.gain_ratio_low``): QRS, P wave and noise all a fraction of their usual size, as a header's
    gain several times the true one makes them (CinC 2020's Georgia records: 4880 adu/mV for microvolts). A low
    voltage heart's QRS is small, its P wave and the recording's noise are not. None otherwise."""
    high = float(np.max(ratios)) if np.isfinite(ratios).all() else float("nan")
    if not high <= bar:
        return None
    return Finding(
        "amplitude_low", f"QRS, P waves and noise all {high:.2f} times their usual size or less: gain wrong?",
        "warning", (),
        f"{_sizes_text(ratios, 2)}; all {bar:g} times or less, which none of them reaches (0.49 at least; its 145 "
        "records labelled low voltage 0.54). A header's wrong gain scales all three alike, a low voltage the QRS "
        "alone")


def _sizes_text(ratios: np.ndarray, digits: int) -> str:
    """The three sizes of ``scale_ratios`` (3,) in mV and as ratios (``digits`` decimals) against their PTB-XL
    medians, the detail of both gain findings."""
    qrs, pr, noise = ratios
    return (f"QRS {qrs * QRS_MV:.2f} mV (x{qrs:.{digits}f}), P wave and PR segment {pr * PR_MV:.3f} mV "
            f"(x{pr:.{digits}f}), noise {noise * NOISE_MV:.4f} mV RMS (x{noise:.{digits}f}) against the medians of "
            "17,418 PTB-XL records (folds 1-8)")




def stated_scale(meta) -> str:
    """The field of a record's file that scales its samples into mV, as a reason names it, from the reader's ``meta``:
    its "amplitude_field" (SCP-ECG's Section 6 amplitude value multiplier, EDF's physical and digital ranges, the
    vendor formats' per-lead scale: MUSE's LeadAmplitudeUnitsPerBit, DICOM's Channel Sensitivity, ...), or a WFDB
    header's gain and units ("the WFDB header's gain (200 adu/mV)", "(200-1000 adu/mV)" where the leads' differ);
    "" where the reader names none (samples given in physical units already, or another format)."""
    meta = meta if isinstance(meta, dict) else {}
    said = meta.get("amplitude_field")
    if said:
        return str(said)
    gains, units = meta.get("adc_gain") or (), meta.get("units") or ()
    if meta.get("format") not in ("wfdb", "challenge-mat") or not gains:
        return ""
    g = sorted({float(x) for x in gains})
    unit = "/".join(sorted({str(u) for u in units})) or "mV"
    gain = f"{g[0]:g}" if len(g) == 1 else f"{g[0]:g}-{g[-1]:g}"
    return f"the {'WFDB' if meta['format'] == 'wfdb' else 'Challenge'} header's gain ({gain} adu/{unit})"


def with_stated_scale(finding: Finding, meta) -> Finding:
    """``finding`` (one of ``SCALE_FINDINGS``; any other as it is) with the field that scaled the samples said after
    its words: "...(units or gain wrong?); scaled by the file's SCP-ECG Section 6 amplitude value multiplier (65535 nV
    a count)"."""
    field = stated_scale(meta) if finding.code in SCALE_FINDINGS else ""
    return replace(finding, name=f"{finding.name}; scaled by {field}") if field else finding
