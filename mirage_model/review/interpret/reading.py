"""The record as the interpretation's rules read it: the model's probabilities and calls, and the measured rate,
PR, QRS and axis with the flags the rules decide by and the decimals they cite them with.

The limits are the measurement table's (``review.measurements.REFERENCE_RANGES``) and every rule decides by its
``flag`` (the value as measured, not a rounded one), so the table flags a value exactly when a rule states it; a
value is cited with the decimals its comparison with the cited threshold needs, "rate 49.8 bpm < 50 bpm", never a
rounded "50 bpm < 50 bpm". A child (below ``measurements.PAEDIATRIC_BELOW_Y`` years) is not judged by the adult
rate, axis and lower limits (their flags are ""); PR, QRS and QTc by a child's range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from mirage_model.outputs import is_called
from mirage_model.review.interpret.statements import (GUESSED, STATEMENTS, Statement, StatementInfo, _num,
                                                      confidence_word)
from mirage_model.review.measurements import (REFERENCE_RANGES, WENNING, flag, is_paediatric, reference_range,
                                              shown)

# Rule thresholds (see the module docstring for the sources).
# The limits are the measurement table's (``review.measurements.REFERENCE_RANGES``) and every rule decides
# by its ``flag``: the table flags a value exactly when a rule calls it.
BRADY_BPM, TACHY_BPM = REFERENCE_RANGES["heart_rate_bpm"].limits
PR_1AVB_MS = REFERENCE_RANGES["pr_ms"].high
PR_SHORT_MS = REFERENCE_RANGES["pr_ms"].low
QRS_WIDE_MS = REFERENCE_RANGES["qrs_ms"].high
AXIS_LEFT_DEG, AXIS_RIGHT_DEG = REFERENCE_RANGES["qrs_axis_deg"].limits


@dataclass
class Reading:
    """One record's values as the rules of ``interpret`` read them (built once by ``Reading.of``).

    ``resolved`` collects what the rules leave out and why, in the order they decide; ``positive`` the model's
    calls (the paced-QRS rule takes the statements read off a paced QRS out of it); ``sex`` is parsed once the
    QTc is read (``qtc.qtc_reading``), as every later citation reads it.
    """
    p: dict[str, float]            # label -> calibrated probability
    th: dict[str, float]           # label -> threshold
    positive: set[str]             # the labels called (``outputs.is_called``)
    resolved: list[str]
    measurements: Mapping | None
    sex: str | None
    age: object
    child: bool                    # below ``PAEDIATRIC_BELOW_Y`` years: no adult rate, axis or lower limit
    hr: float | None
    pr: float | None
    qrs: float | None
    hr_s: str                      # the values as the rules cite them
    pr_s: str
    qrs_s: str
    child_limit: str               # what a child's PR and QRS rules add: the adult limit, above a child's
    axis_deg: float | None         # -180 <= axis < 180
    hr_flag: str
    pr_flag: str
    qrs_flag: str
    rate_ref: object               # a child's rate limits (``measurements.reference_range``); None for an adult
    child_rate: str
    t_end: str = ""                # why the QT's T end is uncertain (``measure.QT_UNRELIABLE_NOTE``'s words); "": not

    @classmethod
    def of(cls, labels: Sequence[str], probabilities: Sequence[float], thresholds: Sequence[float],
           measurements: Mapping | None, sex: str | None, age) -> Reading:
        """The ``Reading`` of ``interpret``'s arguments."""
        p = {str(lab): float(v) for lab, v in zip(labels, probabilities)}
        th = {str(lab): float(t) for lab, t in zip(labels, thresholds)}
        # a child: the adult rate, axis and lower limits are not applied (their flags are "", and the marks
        # that judge a model statement by an adult limit are skipped by name); PR, QRS and QTc by a child's range
        child = is_paediatric(age)
        positive = {c for c in p if is_called(p[c], th[c])}
        resolved: list[str] = []
        hr = _num(measurements, "heart_rate_bpm")
        pr, qrs = _num(measurements, "pr_ms"), _num(measurements, "qrs_ms")
        r = cls(p, th, positive, resolved, measurements, sex, age, child, hr, pr, qrs, "", "", "", "", None, "", "",
                "", None, "")
        r.hr_s, r.pr_s, r.qrs_s = r.cite("heart_rate_bpm", hr), r.cite("pr_ms", pr), r.cite("qrs_ms", qrs)
        # a child's PR and QRS are judged by the adult upper limits, which lie above a child's (``measurements``)
        child_limit = f"; the adult limit, above a child's ({WENNING})" if child else ""
        axis_deg = _num(measurements, "qrs_axis_deg")
        axis_deg = None if axis_deg is None else ((axis_deg + 180.0) % 360.0) - 180.0      # -180 <= axis < 180
        # each rule decides by the measurement table's flag of the same value
        hr_flag, pr_flag, qrs_flag = (flag("heart_rate_bpm", hr, age=age), flag("pr_ms", pr, age=age),
                                      flag("qrs_ms", qrs, age=age))
        # a child's rate limits, its centiles for age ("65-131 bpm at 4-6 years (1st-99th centile ...)")
        rate_ref = reference_range("heart_rate_bpm", age=age) if child else None
        child_rate = f"a child's {rate_ref.text}" if rate_ref is not None else ""
        r.child_limit, r.axis_deg, r.hr_flag, r.pr_flag, r.qrs_flag = child_limit, axis_deg, hr_flag, pr_flag, qrs_flag
        r.rate_ref, r.child_rate = rate_ref, child_rate
        return r

    def cite(self, key: str, v: float | None, *limits: float) -> str:
        """A value as a rule cites it: with the decimals its comparison with the cited threshold needs."""
        return "" if v is None else shown(v, *limits, judge=lambda x: flag(key, x, self.sex, self.age))

    def model_stmt(self, code: str, note: str | None = None, suffix: str = "", guess: bool = False) -> Statement:
        """The model's statement of ``code``: its words (``suffix`` after them, ``GUESSED`` for its most probable
        rhythm below its threshold), probability and confidence word."""
        p = self.p
        info = STATEMENTS.get(code, StatementInfo(code, code, "other", "other"))
        return Statement(info.group, info.text + suffix + (GUESSED if guess else ""), "model", code, p[code],
                         confidence_word(p[code]), None, note, adult_trained=self.child, guessed=guess)
