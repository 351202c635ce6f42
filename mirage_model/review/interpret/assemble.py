"""``interpret``: the statements of one record in reading order, each rule's step in its module (``rhythm``,
``conduction``, ``voltage``, ``findings``, ``qtc``), then the marks a quality finding puts on them and "normal ECG"
last, only when nothing abnormal stands.

"Normal ECG" is not said beside a statement that stands (marked or not: what a mark doubts keeps it away too), nor
beside a value the measurement table flags, nor where sinus rhythm is not confirmed: no P wave found before the QRS,
no QRS delineated, or no rhythm stated over an irregular RR:
  Nor is "Normal ECG" said where no rhythm is stated ("Rhythm not classified": the default model alone has no rhythm
  label) and the RR intervals are irregular (RR coefficient of variation > 0.15): nothing confirms a sinus rhythm, and
  a P wave measured may be fibrillatory waves
  (``IRREGULAR_UNCLASSIFIED``; PTB-XL 12205_lr, AFIB, had read "Rhythm not classified, 72 bpm, irregular; Normal
  ECG"). Written before its figures, with its bar: on 500 NORM records of folds 1-8 at most 5 % of those that read
  "Normal ECG" lose it, else the beat-to-beat measure is left out (RR coefficient of variation alone). With both
  measures 31 of the 343 lost it (9.0 %): the coefficient alone is kept, 18 of 343 (5.2 %, one record over the 5 %;
  on 12 of the 18 the statements model says no "Normal ECG" either: ectopic beats, sinus arrhythmia, an incomplete
  right bundle branch block). Folds 1-8,
  default model alone: "Normal ECG" on 6 -> 2 of 1,198 AFIB records (15632_lr and 19087_lr keep it: regular by the
  coefficient, a P wave before each QRS), 3 -> 1 of 656 STACH, 112 -> 112 of 300 SR, 0 of 59 AFLT; the statements
  model's interpretations are the same on all 2,713. Fold 9, once: "Normal ECG" on 1 -> 1 of 149 AFIB (11921_lr, NORM
  100 beside AFIB: coefficient 0.14, beat to beat 0.15), 12 of 360 NORM records (500 at random) lose it (3.3 %; the
  statements model says it on 1 of the 12), 4 of 124 SR, 1 of 1 STACH; the statements model's are the same on all.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from mirage_model.measure import QTC_KEYS, SCALAR_FIELDS
from mirage_model.review.interpret.av_conduction import AF_MARK as AV_AF_MARK
from mirage_model.review.interpret.av_conduction import AF_SLOW_MARK
from mirage_model.review.interpret.av_conduction import SLOW_QRS_NOTE
from mirage_model.review.interpret.av_conduction import ALTERNATING_MARK
from mirage_model.review.interpret.av_conduction import SUGGESTED as AV_SUGGESTED
from mirage_model.review.interpret.av_conduction import alternating_note, av_conduction, slow_regular_note
from mirage_model.review.interpret.atrial import BARE_FLUTTER, BARE_FLUTTER_WHY, NO_P_NOTE, RR_CV_IRREGULAR
from mirage_model.review.interpret.flutter import AF_FLUTTER_MARK, af_flutter_note
from mirage_model.review.interpret.conduction import (AXIS_UNRELIABLE_NOTE, PACED_QRS_CODES, PACED_QRS_MARK,
                                                      PACED_WPW, axis_statement, interval_rules, model_conduction,
                                                      paced_qrs, paced_qrs_line)
from mirage_model.review.interpret.evidence import (AMPLITUDE_CODES, AMPLITUDE_UNRELIABLE_NOTE, NOISE_MARK,
                                                    NOISE_NOTE, UNMEASURED_MARK, amplitude_note, unmeasured_note)
from mirage_model.review.interpret.findings import finding_statements
from mirage_model.review.interpret.pause import Pause, qtc_doubt
from mirage_model.review.interpret.qtc import QT_WIDE_MARK, qtc_unreliable
from mirage_model.review.interpret.reading import BRADY_BPM, Reading
from mirage_model.review.interpret.rhythm import (AF_P_MARK, AF_PAC_NOTE, AF_REGULAR_MARK, AF_STEADY_P_MARK,
                                                  P_BEATS_HEAD, PAC_AF_NOTE, UNBOUNDED_NOTE, UNDELINEATED_NOTE, Rhythm,
                                                  rhythm_statements, with_af_mark)
from mirage_model.review.interpret.sinus_p_axis import SINUS_P_AXIS_HEAD, p_axis_doubt, sinus_p_axis_marks
from mirage_model.review.interpret.statements import (GROUPS, Interpretation, Statement, _in_sentence, paediatric_note,
                                                      reading_key, with_support)
from mirage_model.review.interpret.voltage import voltage_statements
from mirage_model.review.measurements import AXES_SCALED, AXIS_KEYS, UNRELIABLE, outside_range

# "Normal ECG" is a sinus rhythm's (a model's sinus arrhythmia keeps it out too). Where no rhythm is stated ("Rhythm not
# classified": the default superclass model alone, which has no rhythm label, or a model with none above threshold) and
# the RR intervals are irregular (coefficient of variation > RR_CV_IRREGULAR, the measurements' ``rhythm_irregular``),
# nothing confirms a sinus rhythm: fibrillatory waves measured as P waves, ectopic beats or sinus arrhythmia read
# alike, so "Normal ECG" is not said (the reason in the resolved list). PTB-XL 12205_lr (AFIB, default model alone, a
# P wave measured) had read "Rhythm not classified, 72 bpm, irregular; Normal ECG". Rule and bar written before its
# figures; the AF rule's beat-to-beat measure too (RMSSD / mean RR > AF_NRMSSD) failed the bar (module docstring)
IRREGULAR_UNCLASSIFIED = (f"the rhythm is irregular (RR coefficient of variation > {RR_CV_IRREGULAR:.2f}) and no rhythm "
                          "is stated: sinus rhythm not confirmed")


def interpret(labels: Sequence[str], probabilities: Sequence[float], thresholds: Sequence[float],
              measurements: Mapping | None = None, sex: str | None = None, *, withheld: str | None = None,
              model_name: str = "", irregular: bool | None = None,
              rr_nrmssd: float | None = None, measured: Sequence[str] = (),
              paced: str | None = None, atrial_activity=None, limb_leads: str | None = None,
              qrs_unbounded: bool = False, p_correlation: float | None = None, age=None,
              amplitudes: str | None = None, scaled: bool = False, noise_calls: Sequence[str] = (),
              noise_leads: str | None = None, p_share: float | None = None,
              pr_iqr_ms: float | None = None, support: Mapping[str, tuple] | None = None,
              mains_left: str | None = None, pause: Pause | None = None,
              unmeasured: Mapping[str, str] | None = None, t_end: str | None = None, p_waves=None,
              beats_s=None) -> Interpretation:
    """Build the interpretation of one record.

    Args:
        labels: the statements model's labels (PTB-XL codes; unknown codes are kept in "other").
        probabilities: (K,) calibrated probabilities; thresholds: (K,) decision thresholds.
        measurements: global measurements (keys as ``measure.MEASUREMENT_KEYS``: heart_rate_bpm,
            pr_ms, qrs_ms, qtc_bazett_ms, qtc_fridericia_ms, qrs_axis_deg ...); None values are skipped.
        sex: "M" or "F" for the QTc limit (None: the lower, male, limit and the text says so).
        withheld: the quality gate's reason when the result must not be read as a finding.
        irregular: the measured rhythm is irregular (said beside the rate).
        rr_nrmssd: the measured normalised RMSSD of the RR intervals (``Measurements.rr_nrmssd``);
            above ``AF_NRMSSD`` the rhythm is irregular beat to beat, for the AF rule.
        measured: the labels whose probability the measured-rhythm stage set (``Prediction.measured_labels``);
            their model statements say so.
        paced: the quality check's evidence when it found a paced rhythm (its "paced_rhythm"
            finding's detail, e.g. "9 stimuli before 10 beats"); None: no pacing found or not checked.
        atrial_activity: the record's ``measure.AtrialActivity`` (``Measurements.atrial``: dominant
            frequency and its concentration in II, III, aVF, V1), for the flutter rule; None: not measured.
        limb_leads: the quality check's evidence when the limb leads break Einthoven's and Goldberger's
            identities (its "limb_inconsistent" finding's detail); the axis statements are then marked
            (``AXIS_UNRELIABLE_NOTE``). None: consistent, or not checked.
        mains_left: why mains interference left after its subtraction puts the P axis in doubt (the quality check's
            "mains_left" finding, as ``measurements.mains_left_doubt`` words it and the measurement table marks the
            P axis with); like ``limb_leads`` and ``scaled`` it keeps the sinus P-axis mark off (``p_axis_doubt``).
            None: not found.
        qrs_unbounded: the measurement found no QRS boundaries because its median beat never goes quiet
            around the QRS (``Measurements.qrs_unbounded``): no isoelectric interval, for the wide QRS
            tachycardia rule when no QRS duration is given.
        p_correlation: the measured P wave candidate's beat-to-beat correlation
            (``Measurements.p_correlation``); at ``AF_P_CORR`` or more an atrial fibrillation statement is marked.
        age: the patient's age in years; below ``PAEDIATRIC_BELOW_Y`` no rule compares a measurement with an
            adult rate, axis or lower limit (PR, QRS, QTc and the rate by a child's range, ``reference_range``),
            the model's statements say they come from a model trained on adults, and ``notes`` holds
            ``paediatric_note``. None: unknown, the adult rules apply.
        amplitudes: the quality check's finding when the beats are taller or smaller than a heart gives (the
            words of its "amplitude_implausible", "amplitude_high" or "amplitude_low": a gain or units wrong) or every
            lead is scaled to one size ("amplitude_scaled": amplitudes not in mV; ``gain_evidence``); the statements
            read off amplitudes (``AMPLITUDE_CODES``) are then marked (``AMPLITUDE_UNRELIABLE_NOTE``). None: not found.
        scaled: every lead scaled to one size, amplitudes not in mV (``measurements.amplitudes_not_in_mv``, by the
            "amplitude_scaled" finding's code; ``amplitudes`` then its words): the QRS voltage rules are not read,
            nor the measurement table's voltage limits ("normal ECG" beside them).
        noise_calls: the labels the record's noise may move across their threshold (``Prediction.noise_doubted``);
            those said, and not marked for another reason, are marked (``NOISE_NOTE``) with ``noise_leads``, the
            leads the "noise" finding names ("V1, V2, V3, V4", "all chest leads"; ``noise_evidence``). None or ():
            no mark.
        p_share: the share of the QRS complexes with a P wave before them, each sought on its own
            (``Measurements.p_share``); pr_iqr_ms: the interquartile range of their PR (``Measurements.pr_iqr_ms``).
            At least ``AF_RULE_SINUS_P_SHARE`` at a range of at most ``AF_RULE_SINUS_PR_IQR_MS``, without flutter
            waves: neither the AF rule nor the model's AF guessed below its threshold is said. None: not measured.
        support: label -> (positive records, AUROC or None) on the split the model's calibration was fitted on
            (``Prediction.calibration_support``): each model statement's confidence word by ``confidence_of``
            (lowered, with why, where they do not carry it). None or {}: the probability's word.
        pause: the record's longest RR interval where it is longer than ``pause.PAUSE_S`` (``pause.pause_of``): said
            as a pause after the rhythm, which is then judged on the other RR intervals, and no QTc rule is said (the
            QTc is of the mean RR, which holds the pause: ``Interpretation.qtc_doubt``), marked "(?)" with the noise
            over it (``pause.doubt``); where ``pause.gap`` names a stretch without signal there, that is said in the
            resolved list instead. None: no RR that long.
        unmeasured: label -> why its threshold was never measured, "positives" or "negatives"
            (``Prediction.unmeasured_thresholds``: a 0.5 fallback); its model statement is marked (``unmeasured_note``)
            as its call is (``doubted_calls``): before the noise's mark, after the record's (paced, amplitudes). None
            or {}: no mark.
        t_end: why the QT's T end is uncertain (the measurement's ``QT_UNRELIABLE_NOTE``, its words after the head:
            the tangent method puts it elsewhere in II or V5). A prolonged QTc is then said marked with it where the
            T wave may end earlier, a short one where it may end later, and where it may end later the model's long
            QT is not marked as contradicted by a QTc within its limit. None: not in doubt.
        p_waves: the P waves found beat by beat by the median beat's P wave (``Measurements.p_waves``), beats_s: (n,)
            the beats' times (s, ``Measurements.beats`` / fs): second-degree AV block and AV dissociation from them
            (``av_conduction``), the PR withheld where P waves conduct at no fixed PR, atrial fibrillation marked
            where P waves march with non-conducted ones, the ventricular rhythm is regular and slow
            (``av_conduction.slow_regular_note``) or the RR intervals alternate short and long
            (``av_conduction.alternating_note``). None: not measured.

    Returns:
        Interpretation with statements in reading order.
    """
    r = Reading.of(labels, probabilities, thresholds, measurements, sex, age)
    r.t_end = t_end or ""
    child, hr = r.child, r.hr
    rh = rhythm_statements(r, irregular=irregular, rr_nrmssd=rr_nrmssd, paced=paced, atrial_activity=atrial_activity,
                           qrs_unbounded=qrs_unbounded, p_correlation=p_correlation, p_share=p_share,
                           pr_iqr_ms=pr_iqr_ms, pause=pause)
    out, guessed, paced_rhythm, bare_flutter = rh.out, rh.guessed, rh.paced_rhythm, rh.bare_flutter

    ventricular_paced, paced_mark, paced_items = paced_qrs(r, guessed, paced_rhythm)
    # AV conduction beat by beat: atrial fibrillation has no P waves marching with non-conducted ones
    av = av_conduction(p_waves, beats_s, hr, paced_rhythm)
    # (each mark that applies, after those ``rhythm_statements`` put: ``with_af_mark``)
    if av.af_note:
        out = with_af_mark(out, av.af_note)
    # ... nor a regular slow ventricular rhythm (complete AV block?), whose mark takes the place of the one asking for
    # flutter or tachycardia
    slow = slow_regular_note(beats_s, hr, paced_rhythm, BRADY_BPM)
    if slow and irregular is not True:       # the rate statement would say irregular beside it
        out = with_af_mark(out, slow, instead=AF_REGULAR_MARK)
    # ... nor RR intervals alternating short and long (group beating: bigeminy, AV block at a fixed ratio)
    alternating = alternating_note(beats_s, paced_rhythm)
    if alternating:
        out = with_af_mark(out, alternating)
    # ... nor regular atrial activity at a flutter rate (atrial flutter?)
    af_flutter = af_flutter_note(atrial_activity, paced_rhythm)
    if af_flutter:
        out = with_af_mark(out, af_flutter)
    # conduction
    out = model_conduction(r, out, paced_rhythm, limb_leads)
    if av.statement is not None and not r.positive & {"2AVB", "3AVB"}:
        out.append(av.statement)
    if av.statement is not None and p_waves.atrial_rate_per_min >= BRADY_BPM:
        slow = SLOW_QRS_NOTE.format(a=p_waves.atrial_rate_per_min)
        out = [replace(s, note=slow) if s.note is None and (s.rule_id == "sinus_bradycardia" or s.code == "SBRAD")
               else s for s in out]
    interval_rules(r, out, paced_rhythm=paced_rhythm, ventricular_paced=ventricular_paced, paced_items=paced_items,
                   wide_tachy=rh.wide_tachy, bare_flutter=bare_flutter, pr_doubt=av.pr_doubt)

    # axis (a child's normal axis is not the adult's: no axis rule)
    axis_said = axis_statement(r, limb_leads, scaled, paced_rhythm)
    out = sinus_p_axis_marks(out, r, p_axis_doubt(limb_leads, scaled, mains_left), paced_rhythm)
    if axis_said is not None and ventricular_paced:
        paced_items.append((GROUPS.index("axis"), 0.0, _in_sentence(axis_said.text)))
    elif axis_said is not None:
        out.append(axis_said)
    p, positive, resolved, measurements, sex, age = r.p, r.positive, r.resolved, r.measurements, r.sex, r.age
    # QRS voltage: low voltage and the LVH voltage criteria, each by the table's flag of the same value
    said, lvh_said, voltage_resolved = voltage_statements(measurements, positive, p, sex, age, amplitudes, scaled)
    out += said
    resolved += voltage_resolved
    if lvh_said is not None and ventricular_paced:
        paced_items.append((GROUPS.index("hypertrophy"), 0.0, _in_sentence(lvh_said.text)))
    elif lvh_said is not None:
        out.append(lvh_said)
    paced_qrs_line(r, paced_items)

    # hypertrophy, ischaemia/infarction, repolarisation, other (model); no QTc rule beside a pause said (``pause``)
    qtc_paused = qtc_doubt(pause)
    finding_statements(r, out, irregular, qtc_paused)

    noisy = set(noise_calls) & positive if noise_leads else set()
    noise_mark = NOISE_NOTE.format(leads=noise_leads) if noisy else None
    unmeasured = {lab: why for lab, why in (unmeasured or {}).items() if lab in positive}
    out = _marked(out, paced_mark, amplitudes, unmeasured, noisy, noise_mark)
    _normal_ecg(r, rh, out, noisy, noise_mark, scaled, irregular, unmeasured)
    out.sort(key=reading_key)      # stable: keeps the order within a group's part
    measured = set(measured)
    out = [replace(s, measured=True) if s.source == "model" and s.code in measured else s for s in out]
    out = with_support(out, support or {})
    p_doubt = (f"{BARE_FLUTTER.format(bare_flutter[0])}: {BARE_FLUTTER_WHY}, and a PR and a P axis need a P wave"
               if bare_flutter is not None else av.pr_doubt)
    return Interpretation(tuple(out), tuple(resolved), withheld, hr, model_name,
                          notes=(paediatric_note(age),) if child else (), p_doubt=p_doubt, qtc_doubt=qtc_paused)


def _marked(out: list[Statement], paced_mark: str | None, amplitudes: str | None, unmeasured: Mapping[str, str],
            noisy: set[str], noise_mark: str | None) -> list[Statement]:
    """``out`` with the statements read off a QRS that may be the pacemaker's (``paced_mark``), off amplitudes in
    doubt (``amplitudes``), the model's calls on a threshold never measured (``unmeasured``) and those the noise may
    change (``noisy``) marked, where no other mark is."""
    if paced_mark:
        out = [replace(s, note=paced_mark + (PACED_WPW if s.code == "WPW" else "")) if s.note is None
               and (s.code in PACED_QRS_CODES or s.group == "axis" or s.rule_id in ("wide_qrs", "voltage_lvh"))
               else s
               for s in out]
    if amplitudes:
        out = [replace(s, note=amplitude_note(amplitudes))
               if s.code in AMPLITUDE_CODES and s.note is None else s for s in out]
    out = [replace(s, note=unmeasured_note(unmeasured[s.code])) if s.source == "model" and s.code in unmeasured
           and s.note is None else s for s in out]
    out = [replace(s, note=noise_mark) if s.source == "model" and s.code in noisy and s.note is None else s
           for s in out]
    return out


def _table_doubt(label: str, r: Reading, scaled: bool, irregular: bool | None) -> str | None:
    """Why the measurement table marks the row named ``label`` unreliable beside its flag, as it says it
    (``measurements.measurement_rows``): a QTc at an irregular rhythm or a rate its formula does not hold at
    (``qtc_unreliable``), an axis off leads each scaled to one size (``AXES_SCALED``); None where it is not marked."""
    key = next((f.key for f in SCALAR_FIELDS if f.label == label), None)
    if key in AXIS_KEYS and scaled:
        return AXES_SCALED
    if key in QTC_KEYS:
        return qtc_unreliable(key, r.hr, irregular, r.child)
    return None



def _normal_ecg(r: Reading, rh: Rhythm, out: list[Statement], noisy: set[str], noise_mark: str | None,
                scaled: bool, irregular: bool | None, unmeasured: Mapping[str, str]) -> None:
    """The model's "normal ECG", appended to ``out`` only when nothing abnormal stands, no value of the measurement
    table is flagged and sinus rhythm is confirmed; else why not goes to ``r.resolved``."""
    p, positive, resolved, measurements, sex, age = r.p, r.positive, r.resolved, r.measurements, r.sex, r.age
    no_p, undelineated, no_p_note, sinus_p = rh.no_p, rh.undelineated, rh.no_p_note, rh.sinus_p
    # normal ECG: only when nothing abnormal stands
    no_abnormality = ("sinus_rhythm", "rhythm_not_classified")      # rules whose statements say none of their own
    still_abnormal = (NO_P_NOTE, P_BEATS_HEAD, UNDELINEATED_NOTE, UNBOUNDED_NOTE, AXIS_UNRELIABLE_NOTE, AF_PAC_NOTE,
                      PAC_AF_NOTE, AF_P_MARK, AMPLITUDE_UNRELIABLE_NOTE, AF_REGULAR_MARK, AF_STEADY_P_MARK,
                      PACED_QRS_MARK, QT_WIDE_MARK, NOISE_MARK, UNMEASURED_MARK,
                      AV_SUGGESTED, AV_AF_MARK, AF_SLOW_MARK, ALTERNATING_MARK,
                      AF_FLUTTER_MARK)   # marked: no "normal ECG"
    abnormal = [s for s in out if (s.note is None or s.note.startswith(still_abnormal))
                and not (s.source == "model" and s.code == "SR")
                and s.rule_id not in no_abnormality]
    unclassified = any(s.rule_id == "rhythm_not_classified" for s in out)
    p_axis_off = next((s.note for s in out if s.note and s.note.startswith(SINUS_P_AXIS_HEAD)), None)
    if "NORM" in positive:
        outside = outside_range(measurements, sex, age, scaled=scaled)
        if abnormal:
            resolved.append(f"normal ECG ({p['NORM']:.0%}) not stated: {_in_sentence(abnormal[0].text)} stands")
        elif outside:
            # the measurement table flags it (a short PR, a Fridericia QTc past its limit): not a normal ECG
            label, value, word = outside[0]
            doubt = _table_doubt(label, r, scaled, irregular)
            resolved.append(f"normal ECG ({p['NORM']:.0%}) not stated: {_in_sentence(label)} {value} is {word} "
                            "(outside its reference range in the measurement table"
                            + (f"; {UNRELIABLE}: {doubt})" if doubt else ")"))
        elif p_axis_off:
            # a normal ECG is in sinus rhythm, and a P wave not upright in I and II does not confirm it
            resolved.append(f"normal ECG ({p['NORM']:.0%}) not stated: {p_axis_off}")
        elif no_p:
            # a normal ECG is in sinus rhythm, and without a P wave sinus rhythm is not confirmed (on PTB-XL
            # fold 9 this said "Normal ECG (?)" on one record labelled atrial fibrillation, and stood marked
            # on 6 of 300 labelled normal)
            resolved.append(f"normal ECG ({p['NORM']:.0%}) not stated: {no_p_note}"
                            + (", intervals not confirmed" if sinus_p else ", sinus rhythm not confirmed"))
        elif undelineated:
            # nor with no QRS measured: neither its P wave nor its intervals are known
            resolved.append(f"normal ECG ({p['NORM']:.0%}) not stated: {UNDELINEATED_NOTE}, sinus rhythm and "
                            "intervals not confirmed")
        elif unclassified and irregular is True:
            resolved.append(f"normal ECG ({p['NORM']:.0%}) not stated: {IRREGULAR_UNCLASSIFIED}")
        else:
            out.append(r.model_stmt("NORM", note=unmeasured_note(unmeasured["NORM"]) if "NORM" in unmeasured
                                    else noise_mark if "NORM" in noisy else None))
