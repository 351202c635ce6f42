"""Serial comparison: each measurement's change, prior against current, and the change at which it is said.

Rule for a measurement change (written before any figure was looked at): a change is said when it
exceeds what repeat recordings of a stable patient show, and a stable patient's pair seldom gets any change
said. From PTB-XL (never fold 10): the pairs of records of one patient_id taken at most 30 days apart whose
scp_codes are identical, folds 1-8 to choose, fold 9 to report once, each measured with the project's
measurement path (``measure.measure``). The threshold per measurement is the q-th percentile of |difference|
over those pairs, rounded up to 5 ms / 5 bpm / 5 deg (5 at least), q one for all nine: the lowest of 95, 96,
97, 98, 99, 99.5, 100 at which at most 10 % of the folds 1-8 pairs get any measurement change said (nine
measurements each at its own 95th percentile say one on far more). Where a published clinical limit exists
the larger of the two is used: a QTc increase of more than 60 ms (ICH E14, The clinical evaluation of
QT/QTc interval prolongation and proarrhythmic potential for non-antiarrhythmic drugs, 2005). Each is said as its
source states it: a percentile's threshold at or beyond it (as the script chose them), ICH E14's beyond it (a
QTc change of exactly 60 ms is not said).
``scripts/serial_thresholds.py`` computes the figures (``THRESHOLDS`` below).

Research use only, not a diagnosis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


# the measurements compared, in the table's order (RR follows the rate; Framingham's QTc is a third formula)
COMPARED_KEYS = ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms",
                 "p_axis_deg", "qrs_axis_deg", "t_axis_deg")
# a QTc increase beyond this is a published concern (ICH E14, 2005: "> 60 ms" over baseline)
ICH_E14_QTC_MS = 60.0
# The change beyond which a measurement's change is said: the rule in the module docstring. Figures from
# scripts/serial_thresholds.py (PTB-XL folds 1-8, 486 pairs of 296 patients <= 30 days apart with identical
# scp_codes): q = 98 (95: 19 % of pairs said a change, 97: 14 %, 98: 9.5 %); 98th percentiles of |difference|
# rate 41.1 bpm, PR 36.9, QRS 20.0, QT 72.0, QTc Bazett 67.0, Fridericia 52.2 ms (ICH E14: 60), axes P 47.4,
# QRS 57.5, T 120.0 deg. Fold 9 (27 pairs): a change said on 2 (7 %); with the earlier same-day 95th
# percentiles on 10 (37 %).
THRESHOLDS: dict[str, float] = {
    "heart_rate_bpm": 45.0, "pr_ms": 40.0, "qrs_ms": 20.0, "qt_ms": 75.0,
    "qtc_bazett_ms": max(70.0, ICH_E14_QTC_MS), "qtc_fridericia_ms": max(55.0, ICH_E14_QTC_MS),
    "p_axis_deg": 50.0, "qrs_axis_deg": 60.0, "t_axis_deg": 125.0,
}
# short names for the words ("QRS widened 98 -> 132 ms") and the verbs for a rise and a fall
_WORDS = {"heart_rate_bpm": ("Heart rate", "rose", "fell"), "pr_ms": ("PR", "lengthened", "shortened"),
          "qrs_ms": ("QRS", "widened", "narrowed"), "qt_ms": ("QT", "lengthened", "shortened"),
          "qtc_bazett_ms": ("QTc (Bazett)", "lengthened", "shortened"),
          "qtc_fridericia_ms": ("QTc (Fridericia)", "lengthened", "shortened"),
          "p_axis_deg": ("P axis", "shifted", "shifted"), "qrs_axis_deg": ("QRS axis", "shifted", "shifted"),
          "t_axis_deg": ("T axis", "shifted", "shifted")}


def is_said(key: str, change: float, threshold: float) -> bool:
    """Whether ``change`` is said at ``threshold``: a QTc's at ICH E14's 60 ms when more than it (the guideline's
    words), every other at or beyond its threshold (the percentile rule, as ``scripts/serial_thresholds.py`` chose
    the thresholds)."""
    if key.startswith("qtc") and threshold == ICH_E14_QTC_MS:
        return abs(change) > threshold
    return abs(change) >= threshold


@dataclass(frozen=True)
class MeasurementChange:
    """One measurement, prior against current.

    Attributes:
        key: ``Measurements.as_dict()`` key (heart_rate_bpm, pr_ms, qrs_ms, ...).
        label: the table's label ("QRS duration").
        unit: "ms", "bpm" or "deg".
        prior, current: the values as each session's table holds them (reviewer's edits in force); None: not measured.
        change: current - prior, each rounded to the whole number the table prints (axes: the signed shortest
            angle, -180..180); None when either is missing.
        threshold: the change beyond which it is said (``THRESHOLDS``).
        significant: abs(change) >= threshold, > for a QTc at ICH E14's 60 ms (``is_said``; False when either
            value is missing).
        words: "QRS widened 98 -> 132 ms"; "" when not significant.
        why_not: why it is not compared although measured ("limb lead reversal suspected on the prior ECG");
            then ``change`` is None. "" when compared (or simply not measured).
    """
    key: str
    label: str
    unit: str
    prior: float | None
    current: float | None
    change: float | None
    threshold: float
    significant: bool
    words: str
    why_not: str = ""

    @property
    def said_at(self) -> float:
        """The smallest whole-number change said (the page's "Said at"): 61 for ICH E14's "more than 60 ms"."""
        return float(math.ceil(self.threshold) if is_said(self.key, math.ceil(self.threshold), self.threshold)
                     else math.floor(self.threshold) + 1)


def _table(session) -> dict[str, float | None]:
    if getattr(session, "measurements", None) is None and not getattr(session, "measurement_edits", None):
        return {}
    out = {}
    for row in session.measurement_table():
        v = row["value"]
        out[row["key"]] = float(v) if v is not None and math.isfinite(float(v)) else None
    return out


def _fmt(v: float) -> str:
    """A value as the table prints it, a whole number: 0, not "-0", for an axis of -0.4 deg (as the app's table)."""
    return f"{round(v) + 0:.0f}"


def measurement_change(key: str, prior: float | None, current: float | None,
                       threshold: float | None = None) -> MeasurementChange:
    """One measurement's change with its words (``THRESHOLDS[key]`` unless ``threshold``)."""
    from mirage_model.measure import SCALAR_FIELDS

    fld = next(f for f in SCALAR_FIELDS if f.key == key)
    thr = float(THRESHOLDS[key] if threshold is None else threshold)
    change = None
    if prior is not None and current is not None:
        # the change of the whole numbers the table and the words print, and said by it: 60 -> 88 bpm is +28, not
        # the +27 of 60.4 -> 87.6, and a change printed at its threshold is marked as at it
        change = float(round(current) - round(prior))
        if fld.unit == "deg":
            change = (change + 180.0) % 360.0 - 180.0
            if change == -180.0 and current > prior:
                change = 180.0
    significant = change is not None and is_said(key, change, thr)
    words = ""
    if significant:
        name, up, down = _WORDS.get(key, (fld.label, "rose", "fell"))
        words = f"{name} {up if change > 0 else down} {_fmt(prior)} -> {_fmt(current)} {fld.unit}"
    return MeasurementChange(key, fld.label, fld.unit, prior, current, change, thr, significant, words)

