"""The QTc rules: prolonged and short QTc, by the formula the rate allows, adjusted for a wide QRS.

* Prolonged QTc: >= 450 ms in men, >= 460 ms in women (Rautaharju PM, Surawicz B, Gettes LS.
  AHA/ACCF/HRS recommendations ... part IV: the ST segment, T and U waves, and the QT interval.
  Circulation 2009;119:e241-50); short QTc <= 340 ms (Priori SG et al. 2015 ESC Guidelines for the
  management of patients with ventricular arrhythmias. Eur Heart J 2015;36:2793-867: short QT
  syndrome is diagnosed at QTc <= 340 ms; part IV's "<= 390 ms" is met by about one normal ECG in
  eight). QTc by Bazett unless the measurements carry only Fridericia, or the rate is above 120 bpm,
  where Bazett over-corrects (Rautaharju et al. 2009) and Fridericia is judged when measured. Above 100 bpm (the
  adult upper normal rate, Mason et al. 2007: the limits are those of ECGs at normal rates) and up to 120, a QTc past
  its limit by Bazett is said with Fridericia's beside it ("Prolonged QTc (480 ms, Bazett, Fridericia 462 ms)") and
  stands unmarked only where Fridericia's is past the limit too, else marked ("Bazett over-corrects above 100 bpm:
  Fridericia QTc 440 ms < 450 ms for men"; the table flags Bazett's value, so "normal ECG" stays away). With a QRS of
  120 ms or more the QT holds the lengthened depolarisation (part IV: adjust the QT for the QRS duration): the
  prolonged-QTc rule judges the QRS-adjusted QTc, (QT - 0.5 x QRS) by the same formula (Bogossian H, Frommeyer G,
  Ninios I, et al. New formula for evaluation of the QT interval in patients with left bundle branch block. Heart Rhythm
  2014;11:2273-7); a QTc past the limit only unadjusted stands marked ("QT lengthened by the wide QRS: QRS-adjusted
  QTc 400 ms < 450 ms ..."; the adjustment may over-correct, so it is not taken away), as it does without a QT.
  At an irregular rhythm the QTc of the mean RR is of no one cycle (part IV, on the QT in atrial fibrillation): an
  adult's Bazett QTc past its limit is stated only where Fridericia's is past it too, with both values and marked
  unreliable; else not stated, the reason in ``resolved`` ("... Fridericia 420 ms < 450 ms for men").
  Beside a pause said (``pause``) the mean RR holds it, and a QTc past a limit may be so only by it (PTB-XL 00366
  with a 3.6 s pause spliced in: "Short QTc (326 ms, Bazett)"): no QTc rule is said, the reason in ``resolved``
  ("short QTc (326 ms, Bazett) not stated: the mean RR holds a pause of 3.6 s (at 2.6 s), and the QTc corrects the
  QT by it"), and the table marks the QTc rows with the same words (``Interpretation.qtc_doubt``).
  The table's QTc rows stay the measured ones. The limits are
  ``review.measurements``'s and every rule decides by its ``flag`` (the value as measured, not a
  rounded one), so the table flags a value exactly when a rule states it; "normal ECG" is not
  stated beside a value the table flags (a short PR, a Fridericia QTc past its limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from mirage_model.clinical import parse_sex
from mirage_model.measure.tangent import T_END_EARLIER, T_END_LATER
from mirage_model.records.age import age_text
from mirage_model.review.interpret.reading import QRS_WIDE_MS, TACHY_BPM, Reading
from mirage_model.review.interpret.statements import Statement, _num
from mirage_model.review.measurements import CHILD_BAZETT, QTC_LIMITS, QTC_SHORT, flag, reference_range

# QTc limits: review.measurements' QTC_LIMITS (prolonged, by sex) and QTC_SHORT, so the table agrees
QTC_BAZETT_HR_MAX = 120.0      # as measure's MeasureConfig.qtc_bazett_hr_max
# above the adult upper normal rate (Mason et al. 2007) and up to QTC_BAZETT_HR_MAX, where Bazett is still the formula
# judged, it over-corrects (Rautaharju et al. 2009): a Bazett QTc past its limit is stated unmarked only where
# Fridericia's is past it too, both values said (rule 0ceba3c). PTB-XL folds 1-8 at 100-120 bpm, the rules alone
# (unmarked / marked): 888 records not labelled long QT 101 / 140 -> 7 / 234; the 6 labelled 4 / 0 -> 0 / 4 (still
# said, both values: Fridericia 432-451 ms); other bands unchanged. Fold 9: 127 not labelled 23 / 11 -> 2 / 32
QTC_BOTH_ABOVE_BPM = TACHY_BPM
BAZETT_FAST_MARK = f"Bazett over-corrects above {QTC_BOTH_ABOVE_BPM:g} bpm"
# an irregular rhythm (RR coefficient of variation > 0.15, the measurements' rhythm_irregular): the QT varies with the
# cycles before it and the QTc of the mean RR is of no one cycle (Rautaharju et al. 2009, part IV, on the QT in atrial
# fibrillation: no correction is established, an average over many beats is advised), and at the fast rates of atrial
# fibrillation Bazett over-corrects. Bazett's prolonged QTc is stated only where Fridericia's is past the limit too,
# marked unreliable all the same; no beat-wise QT is measured (the QT is the median beat's). LUDB 38 (AF, 112 bpm) had
# stated "Prolonged QTc (465 ms, Bazett)" (?) beside Fridericia's 420 ms
IRREGULAR_QTC = "the rhythm is irregular (the QTc of the mean RR is of no one cycle, Rautaharju et al. 2009)"
QTC_HR_MIN = 50.0              # as measure's MeasureConfig.qtc_hr_min (every formula)
# with a QRS of QRS_WIDE_MS or more the QT holds the lengthened depolarisation: the prolonged-QTc rule judges the
# QT less this fraction of the QRS, corrected as the QTc is (Bogossian et al. 2014: QT - 0.485 x QRS, rounded)
QT_QRS_FRACTION = 0.5
QT_WIDE_MARK = "QT lengthened by the wide QRS"
BOGOSSIAN = f"QT - {QT_QRS_FRACTION:g} x QRS, Bogossian et al. 2014"
# beside a pause said: why its words (``pause.qtc_doubt``) put the QTc in doubt
PAUSED_QTC = "and the QTc corrects the QT by it"


@dataclass(frozen=True)
class QTc:
    """The QTc as the rules judge it (``qtc_reading``)."""
    qtc: float | None              # the QTc judged, ms
    formula: str                   # "Bazett" or "Fridericia"
    why_formula: str               # why that formula, where it is not the first choice
    limit: float                   # the adult prolonged-QTc limit for the sex
    qtc_s: str                     # the QTc as cited
    qtc_flag: str
    adj: float | None              # the QRS-adjusted QTc, with a QRS of QRS_WIDE_MS or more and a QT
    adj_s: str | None
    wide_mark: str | None          # a wide QRS and no QT measured: not adjusted
    long_flag: str                 # what the prolonged-QTc rule and LNGQT's note judge
    fast_check: tuple[str, str] | None     # 100-120 bpm: Fridericia's value (as cited) and flag
    fridericia: tuple[str, str] | None     # Bazett judged (an adult's): Fridericia's value (as cited) and flag
    fridericia_raw: tuple[str, str] | None     # the same, not QRS-adjusted


def qtc_reading(r: Reading) -> QTc:
    """The record's QTc as the rules judge it. Parses ``r.sex`` (every later citation reads it parsed)."""
    measurements, hr, qrs, qrs_s, child, age, cite = r.measurements, r.hr, r.qrs, r.qrs_s, r.child, r.age, r.cite
    qtc, formula, why_formula = _num(measurements, "qtc_bazett_ms"), "Bazett", ""
    fridericia = _num(measurements, "qtc_fridericia_ms")
    if qtc is None:
        qtc, formula = fridericia, "Fridericia"
    elif fridericia is not None and hr is not None and hr > QTC_BAZETT_HR_MAX and not child:
        # Bazett over-corrects at high rates (Rautaharju et al. 2009): above 120 bpm it called the QTc prolonged on 23
        # of PTB-XL fold 9's 41 records there, Fridericia on 3 (two of them 690 ms and more, mis-measured). Not in a
        # child: an infant's normal rate is above 120 bpm, a child's limits are Bazett's, and in children Bazett's QTc
        # is the least rate-dependent (Phan et al. 2015), where Fridericia's would hide a long QT
        qtc, formula = fridericia, "Fridericia"
        why_formula = f"; Fridericia, as Bazett over-corrects above {QTC_BAZETT_HR_MAX:g} bpm"
    elif child and formula == "Bazett" and hr is not None and hr > QTC_BAZETT_HR_MAX:
        why_formula = f"; {CHILD_BAZETT}"
    r.sex = parse_sex(r.sex)
    sex = r.sex
    limit = QTC_LIMITS.get(sex, QTC_LIMITS["M"])
    qtc_s = cite(f"qtc_{formula.lower()}_ms", qtc)
    qtc_flag = flag(f"qtc_{formula.lower()}_ms", qtc, sex, age)
    # a wide QRS lengthens the QT (Rautaharju et al. 2009: adjust the QT for the QRS at 120 ms or more): the rule
    # judges the QRS-adjusted QTc, (QT - 0.5 x QRS) by the same formula; Bazett and Fridericia both scale the QT,
    # so it is QTc x (QT - 0.5 x QRS) / QT
    qt = _num(measurements, "qt_ms")
    adj = adj_s = adj_flag = wide_mark = None
    kept = None       # the share of the QT left once the wide QRS's lengthening is taken off, (QT - 0.5 x QRS) / QT
    if qtc is not None and qrs is not None and qrs >= QRS_WIDE_MS:
        if qt is not None and qt > QT_QRS_FRACTION * qrs:
            kept = (qt - QT_QRS_FRACTION * qrs) / qt
            adj = qtc * kept
            adj_s = cite(f"qtc_{formula.lower()}_ms", adj)
            adj_flag = flag(f"qtc_{formula.lower()}_ms", adj, sex, age)
        else:
            wide_mark = f"{QT_WIDE_MARK} (QRS {qrs_s} ms >= {QRS_WIDE_MS:g} ms): not adjusted, no QT measured"
    long_flag = qtc_flag if adj is None else adj_flag      # what the prolonged-QTc rule and LNGQT's note judge
    # above 100 bpm Bazett over-corrects: its prolonged QTc needs Fridericia's past the same limit (QRS-adjusted alike)
    fast_check = fr_check = fr_raw = None
    if formula == "Bazett" and fridericia is not None and not child:
        fr = fridericia if kept is None else fridericia * kept
        fr_check = (cite("qtc_fridericia_ms", fr), flag("qtc_fridericia_ms", fr, sex, age))
        fr_raw = (cite("qtc_fridericia_ms", fridericia), flag("qtc_fridericia_ms", fridericia, sex, age))
        if hr is not None and QTC_BOTH_ABOVE_BPM < hr <= QTC_BAZETT_HR_MAX:
            fast_check = fr_check
    return QTc(qtc, formula, why_formula, limit, qtc_s, qtc_flag, adj, adj_s, wide_mark, long_flag, fast_check,
               fr_check, fr_raw)


def qtc_unreliable(key: str, hr: float | None, irregular: bool | None, child: bool) -> str | None:
    """Why the QTc of row ``key`` ("qtc_bazett_ms", ...) is unreliable, as the measurements' notes say it and the
    measurement table marks it (``measurements.qtc_doubts``): every formula's at an irregular rhythm or below 50 bpm,
    Bazett's above 120 bpm (not a child's, whose QTc is Bazett's at any rate); None where it is not."""
    if irregular:
        return "irregular rhythm"
    if key == "qtc_bazett_ms" and hr is not None and hr > QTC_BAZETT_HR_MAX and not child:
        return f"Bazett above {QTC_BAZETT_HR_MAX:g} bpm"
    if hr is not None and hr < QTC_HR_MIN:
        return f"rate below {QTC_HR_MIN:g} bpm"
    return None


def qtc_statements(r: Reading, q: QTc, out: list[Statement], irregular: bool | None, qtc_doubt: str = "") -> None:
    """The prolonged or short QTc statement, appended to ``out`` (none beside the model's own long QT); with
    ``qtc_doubt`` (a pause in the mean RR: ``pause.qtc_doubt``) none, why in ``r.resolved``."""
    positive, sex, hr, qrs_s, child, age = r.positive, r.sex, r.hr, r.qrs_s, r.child, r.age
    qtc_s, qtc_flag, formula, why_formula, limit = q.qtc_s, q.qtc_flag, q.formula, q.why_formula, q.limit
    if qtc_doubt:
        said = ("prolonged" if qtc_flag == "high" and "LNGQT" not in positive else
                "short" if qtc_flag == "low" else "")
        if said:
            r.resolved.append(f"{said} QTc ({qtc_s} ms, {formula}) not stated: {qtc_doubt}, {PAUSED_QTC}")
        return
    adj, adj_s, long_flag, fast_check, wide_mark = q.adj, q.adj_s, q.long_flag, q.fast_check, q.wide_mark
    # sex unknown: the men's limit, the lower of the two, said as such (it had read "< 450 ms for men; sex unknown")
    who = {"M": " for men", "F": " for women"}.get(sex, ", sex unknown: the lower of the two sexes' limits")
    why = qtc_unreliable(f"qtc_{formula.lower()}_ms", hr, irregular, child)
    shaky = f"unreliable: {why}" if why else None
    # a T end the tangent method puts elsewhere (``Reading.t_end``): a prolonged QTc is said marked where the T wave
    # may end earlier, a short one where it may end later; the other way the doubt only lengthens or shortens it more
    shaky_long, shaky_short = ("; ".join(w for w in (shaky, r.t_end if way in r.t_end else "") if w) or None
                               for way in (T_END_EARLIER, T_END_LATER))
    if qtc_flag == "high" and "LNGQT" not in positive:
        name, v_s = ("QTc", qtc_s) if adj is None else ("QRS-adjusted QTc", adj_s)
        wide = f", QRS {qrs_s} ms >= {QRS_WIDE_MS:g} ms" if adj is not None else ""
        ref = reference_range(f"qtc_{formula.lower()}_ms", sex, age)
        if child:     # the adult limit, or under 6 months the infant's (``measurements.QTC_INFANT``)
            past, within = (f"{w} {ref.high:g} ms at age {age_text(age)}{wide}: {ref.text}"
                            + (f"; {BOGOSSIAN}" if adj is not None else "")
                            for w in ((">=", "<") if ref.high_at else (">", "<=")))
        else:
            cited = "Rautaharju et al. 2009" if adj is None else f"{BOGOSSIAN}; Rautaharju et al. 2009"
            past, within = (f"{w} {limit:g} ms{who}{wide} ({cited})" for w in (">=", "<"))
        # an irregular rhythm: the QTc of the mean RR is of no one cycle, and Bazett's, which over-corrects at the
        # fast rates of atrial fibrillation, is stated only where Fridericia's is past the limit too (QRS-adjusted
        # as Bazett's is judged: adjusted, or unadjusted where a wide QRS's QTc within the limit stands marked)
        adjusted = "" if adj is None or long_flag != "high" else "QRS-adjusted "
        fr_judged = q.fridericia if adjusted else q.fridericia_raw
        if irregular is True and not child and formula == "Bazett" and (fr_judged is None or fr_judged[1] != "high"):
            fr = (f"Fridericia {adjusted}{fr_judged[0]} ms < {limit:g} ms{who}" if fr_judged is not None
                  else "no Fridericia QTc measured")
            shown = adj_s if adjusted else qtc_s
            r.resolved.append(f"prolonged QTc ({adjusted}{shown} ms, Bazett) not stated: {IRREGULAR_QTC}; {fr}")
        elif long_flag == "high":
            text = (f"Prolonged QTc ({qtc_s} ms, {formula})" if adj is None else
                    f"Prolonged QTc (QRS-adjusted {adj_s} ms, {formula}, QTc {qtc_s} ms, QRS {qrs_s} ms)")
            rule, fast_note = f"{name} {v_s} ms {past}{why_formula}", None
            if irregular is True and not child and fast_check is None and q.fridericia is not None:
                fast_check = q.fridericia      # past the limit too (else not stated above): said beside Bazett's
            if fast_check is not None:     # 100-120 bpm or irregular: Fridericia's value beside Bazett's, and judged
                fr_s, fr_flag = fast_check
                fr_name = "Fridericia" if adj is None else "Fridericia QRS-adjusted"
                text = f"{text[:-1]}, {fr_name} {fr_s} ms)"     # no "; ": the CSV cell's separator
                past_fr, within_fr = (f"{w} {limit:g} ms{who} (Rautaharju et al. 2009)"
                                      for w in (">=", "<"))
                if fr_flag == "high":
                    as_ = IRREGULAR_QTC if irregular is True else BAZETT_FAST_MARK
                    rule += f"; {fr_name} {fr_s} ms {past_fr} too, as {as_}"
                else:
                    fast_note = f"{BAZETT_FAST_MARK}: {fr_name} QTc {fr_s} ms {within_fr}"
            out.append(Statement("repolarisation", text, "measurement", rule=rule,
                                 note="; ".join(n for n in (fast_note, wide_mark, shaky_long) if n) or None,
                                 rule_id="prolonged_qtc"))
        else:
            # marked, not taken away: the adjustment was made for bundle branch block and may over-correct
            # (PTB-XL folds 1-8, QRS >= 120 ms: adjusted Bazett QTc median 367 ms, against 428 ms at QRS
            # < 110 ms), so a long QT beside a wide QRS stays in view with both values
            wide_note = f"{QT_WIDE_MARK}: {name} {v_s} ms {within}"
            out.append(Statement("repolarisation", f"Prolonged QTc ({qtc_s} ms, {formula})", "measurement",
                                 rule=f"QTc {qtc_s} ms past its limit unadjusted{why_formula}",
                                 note="; ".join(n for n in (wide_note, shaky_long) if n), rule_id="prolonged_qtc"))
    elif qtc_flag == "low":
        out.append(Statement("repolarisation", f"Short QTc ({qtc_s} ms, {formula})", "measurement",
                             rule=f"QTc {qtc_s} ms <= {QTC_SHORT:g} ms (Priori et al. 2015)" + why_formula,
                             note=shaky_short, rule_id="short_qtc"))
