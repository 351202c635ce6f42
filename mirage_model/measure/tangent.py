"""The tangent-method T end, a cross-check of the delineator's T end in leads II and V5.

The AHA/ACCF/HRS recommendations on the QT (Rautaharju PM, Surawicz B, Gettes LS. Part IV: the ST segment, T and U
waves, and the QT interval. Circulation 2009;119:e241-50) name the tangent method for the end of the T wave, read in
the leads where the T wave is clearly seen (II and V5 in clinical practice: Postema PG, Wilde AAM. The measurement of
the QT interval. Curr Cardiol Rev 2014;10:287-94): the tangent at the steepest point of the T wave's downslope, from
its peak back to the baseline, meets the isoelectric line there (Lepeschkin E, Surawicz B. Circulation 1952;6:378-88).
The learned delineator ends the T wave earlier than that on long QT records: on PTB-XL folds 1-8 its T end in lead II
lay a median 42 ms before the tangent's on the 59 records labelled long QT with a T wave of 0.1 mV or more there, 2 ms
after it on 199 of 200 normal ones (scripts/qt_agreement.py). Taking the tangent's QT where it is longer would have
put 4 more of the 200 normal records past the QTc limit (8 -> 12), so the QT is not changed: where the two disagree
by more than ``MeasureConfig.t_end_disagree_ms`` it is called unreliable (``t_end_doubt``), and a reader checks the
T end by hand.

Shapes: K median-beat samples at ``fs``; L = 12 leads in STANDARD_LEADS order.
"""

from __future__ import annotations

import numpy as np

from mirage_model.measure.filters import smooth
from mirage_model.measure.results import MeasureConfig
from mirage_model.records import STANDARD_LEADS

TANGENT_LEADS = ("II", "V5")
# how ``t_end_doubt`` says which way a lead's tangent T end lies: the interpretation reads it (a prolonged QTc is in
# doubt where the T wave may end earlier, a short one where it may end later)
T_END_LATER = "later than the delineator"
T_END_EARLIER = "earlier than the delineator"
T_END_UNCERTAIN = "T end uncertain"       # ``t_end_doubt``'s head: the serial comparison reads it


def tangent_t_end(y: np.ndarray, start: int, stop: int, fs: float, min_mv: float,
                  hard_stop: int | None = None) -> float | None:
    """T end by the tangent method on one lead's baseline-corrected curve y (K,) mV (0: the isoelectric level).

    The T peak is the largest deflection in [start, stop), of either polarity, at least ``min_mv`` (a flat T wave
    has no downslope to draw a tangent on); the steepest descent back to the baseline is sought within 200 ms after
    it, and its tangent's crossing of the baseline is the T end.

    Returns:
        The T end as a fractional sample of y, or None (no T wave that tall, no descent, or the end at or past
        ``hard_stop``, default the end of y).
    """
    if stop - start < int(0.1 * fs):
        return None
    tp = start + int(np.argmax(np.abs(y[start:stop])))
    if abs(y[tp]) < min_mv:
        return None
    z = y * np.sign(y[tp])                                  # the T wave upright
    lim = min(len(z) - 1, tp + int(round(0.2 * fs)))
    if lim - tp < 3:
        return None
    dz = np.gradient(z)
    tm = tp + int(np.argmin(dz[tp:lim]))                    # the steepest descent after the peak
    if dz[tm] >= 0:
        return None
    end = tm + z[tm] / -dz[tm]
    return None if end >= (hard_stop if hard_stop is not None else len(z)) else float(end)


def t_end_doubt(medb: np.ndarray, qrs_on: np.ndarray, t_off: np.ndarray, window: tuple[int, int, int], fs: float,
                cfg: MeasureConfig) -> str:
    """Why the QT is unreliable, in words, where the tangent-method T end of lead II or V5 and the delineator's T end
    of the same lead differ by more than ``cfg.t_end_disagree_ms``; "" where they agree or cannot be compared.

    Args:
        medb: (L, K) mV the median beats, each lead's PR-segment level at 0.
        qrs_on, t_off: (L,) each lead's own QRS onset and T end (median-beat samples; NaN: none).
        window: (start, stop, hard_stop) the T peak is sought in [start, stop) and the T ends before hard_stop (the
            delineation's own T window).
        fs: the median beat's rate, Hz.
    """
    start, stop, hard = window
    said = []
    for lead in TANGENT_LEADS:
        li = STANDARD_LEADS.index(lead)
        if not (np.isfinite(t_off[li]) and np.isfinite(qrs_on[li])):
            continue
        y = smooth(medb[li:li + 1], fs, cfg.t_lowpass_hz)[0]
        k = tangent_t_end(y, start, stop, fs, cfg.tangent_min_mv, hard)
        if k is None:
            continue
        d = (k - t_off[li]) * 1000.0 / fs
        if abs(d) > cfg.t_end_disagree_ms:
            qt = (k - qrs_on[li]) * 1000.0 / fs
            said.append(f"in {lead} the tangent method ends the T wave {abs(d):.0f} ms "
                        f"{T_END_LATER if d > 0 else T_END_EARLIER} (QT {qt:.0f} ms there)")
    if not said:
        return ""
    return (f"{T_END_UNCERTAIN}: {'; '.join(said)} (tangent method, Rautaharju et al. 2009): "
            "check the T end by hand")
