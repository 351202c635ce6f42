"""The interpretation of a model's ``Prediction`` and of a ``ReviewSession``: the one way the app, the PDF and
``mirage score`` build it, with the quality gate's withheld reason, and what the app and page 1 say beside it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import numpy as np

from mirage_model.outputs import is_called
from mirage_model.noise_spread import MAY_HIDE_NAMED
from mirage_model.review.interpret.assemble import interpret
from mirage_model.review.interpret.evidence import (gain_evidence, limb_evidence, noise_evidence, noise_hidden,
                                                    paced_evidence)
from mirage_model.review.interpret.models import infarct_disagreement, own_findings, own_label_statements
from mirage_model.review.interpret.pause import pause_of
from mirage_model.review.interpret.statements import (PAEDIATRIC_HEAD, STATEMENTS, UNCALIBRATED, Interpretation,
                                                      _in_sentence, paediatric_note, trained_words)
from mirage_model.review.labels import is_normal, label_words, model_words
from mirage_model.review.measurements import (amplitudes_not_in_mv, clean_age, is_paediatric, mains_left_doubt,
                                              qt_doubt)
from mirage_model.review.session import FAILED

# the quality check's learned electrode-reversal findings, and what the withheld reason adds when they alone withhold
# a wide QRS tachycardia's interpretation
LEARNED_REVERSAL = ("limb_reversal", "precordial_reversal")
REVERSAL_IN_WIDE_TACHY = ("the reversal check was trained without wide QRS tachycardias and may be reading the "
                          "tachycardia's own complexes: check the electrodes and the rhythm")
# interpret_prediction's default age: the one its prediction was given
FROM_PREDICTION = object()


def prediction_age(prediction) -> float | None:
    """The age in years a ``Prediction`` was made with (its ``clinical_used``, used or ignored by the
    model, in the age feature's unit: "Age [months]" 48 is 4.0), or None: none given or unreadable."""
    from mirage_model.clinical import ClinicalError, default_schema

    report = getattr(prediction, "clinical_used", None) or {}
    for part in ("used", "ignored"):
        value = (report.get(part) or {}).get("age")
        if value is not None:
            try:
                return clean_age(default_schema(["age"]).features[0].to_canonical(value))
            except (ClinicalError, KeyError, ValueError, IndexError, TypeError):
                return None
    return None


def interpret_prediction(prediction, measurements=None, sex: str | None = None, *,
                         irregular: bool | None = None, rr_nrmssd: float | None = None,
                         quality=None, atrial_activity=None, qrs_unbounded: bool | None = None,
                         not_assessed: str = "", p_correlation: float | None = None,
                         age=FROM_PREDICTION, own=None, p_share: float | None = None,
                         pr_iqr_ms: float | None = None, beats_of=None, t_end: str | None = None) -> Interpretation:
    """:func:`interpret` of a model's ``Prediction`` with the record's measurements: the one way the
    PDF's page 1 and ``mirage score``'s interpretation column build it.

    Only the labels that are PTB-XL statements reach ``interpret`` (a superclass model's MI, STTC,
    CD, HYP are no statements; its NORM is "Normal ECG", dropped, with the reason in ``resolved``,
    when one of those abnormal classes is above its threshold too); the quality gate's reason,
    when the gate withheld the calls, marks the interpretation withheld, and so does a gated quality
    report (``quality``, else the prediction's) when the model called nothing.

    Args:
        prediction: ``inference.Prediction`` (labels, probabilities (K,), thresholds (K,),
            withheld, model_name), or None: the rules alone.
        measurements: ``measure.Measurements``, or a mapping key -> value (e.g. the reviewed
            measurement table); None: no rule statements.
        sex: "M" or "F" for the QTc limit.
        irregular: the measured rhythm is irregular (default: the Measurements' ``rhythm_irregular``).
        rr_nrmssd: the RR intervals' normalised RMSSD (default: the Measurements' ``rr_nrmssd``).
        quality: the record's ``QualityReport`` for the paced-rhythm rule (default: the prediction's).
        atrial_activity: ``measure.AtrialActivity`` for the flutter rule (default: the Measurements' ``atrial``).
        qrs_unbounded: no QRS boundaries because the median beat never goes quiet (default: the
            Measurements' ``qrs_unbounded``).
        p_correlation: the P wave candidate's beat-to-beat correlation (default: the Measurements'
            ``p_correlation``).
        not_assessed: why the record has no quality verdict (its assessment failed: "signal quality
            not assessed: ..."): with no report to gate them, the statements are withheld with it.
        age: the patient's age in years (None: unknown); by default the age the prediction was given
            (``prediction_age``), as ``mirage score`` scored the record with it.
        own: the loaded model's ``Prediction`` when ``prediction`` is a statements model's run beside
            it: its own labels above threshold are said too (``own_label_statements``).
        p_share, pr_iqr_ms: the P waves found beat by beat and their PR's spread (default: the Measurements').
        beats_of: the record's ``Measurements`` whose beats give a pause (``pause.pause_of``) where
            ``measurements`` is a mapping (the reviewed table); default: ``measurements`` itself.
        t_end: why the QT's T end is uncertain (``interpret``'s); default: the Measurements' own note
            (``measurements.qt_doubt``).
    """
    if age is FROM_PREDICTION:
        age = prediction_age(prediction)
    if atrial_activity is None:
        atrial_activity = getattr(measurements, "atrial", None)
    if irregular is None:
        irregular = getattr(measurements, "rhythm_irregular", None)
    if rr_nrmssd is None:
        rr_nrmssd = getattr(measurements, "rr_nrmssd", None)
    if qrs_unbounded is None:
        qrs_unbounded = bool(getattr(measurements, "qrs_unbounded", False))
    if p_correlation is None:
        p_correlation = getattr(measurements, "p_correlation", None)
    if p_share is None:
        p_share = getattr(measurements, "p_share", None)
    if pr_iqr_ms is None:
        pr_iqr_ms = getattr(measurements, "pr_iqr_ms", None)
    if t_end is None:
        t_end = qt_doubt(measurements)
    pause = None
    measured = measurements if measurements is not None and not isinstance(measurements, Mapping) else beats_of
    if measurements is not None and measured is not None:
        # the longest RR, a pause over 3 s (``pause``), from the beats; the quality check's findings name a gap there
        if quality is None:
            quality = getattr(prediction, "quality", None)
        pause = pause_of(getattr(measured, "beats", ()), getattr(measured, "fs", 0.0),
                         getattr(quality, "findings", ()) or (), dominant=getattr(measured, "dominant", None))
    if measurements is not None and not isinstance(measurements, Mapping):
        measurements = measurements.as_dict()
    labels, probs, thresholds = [], [], []
    withheld, name = None, ""
    resolved: tuple[str, ...] = ()
    if prediction is not None:
        rows = list(zip(prediction.labels, np.asarray(prediction.probabilities, dtype=float),
                        np.asarray(prediction.thresholds, dtype=float)))
        # a model trained on other data (``ptbxl_labels`` False): its "AFIB" and "NORM" are its own labels, said as
        # such (``own_label_statements``), never read as PTB-XL's statements
        ptbxl = bool(getattr(prediction, "ptbxl_labels", True))
        # an abnormal class that is no statement (a superclass model's MI, STTC, CD, HYP) outranks
        # its "normal ECG" as any abnormal statement does
        # each said in its words (``model_words``: "myocardial infarction (MI 49%)"): page 1's resolved line had read
        # "the model's MI (49%), STTC (48%)", codes beside the model line's words
        words = {**model_words(own), **model_words(prediction)} if own is not None else model_words(prediction)
        other = [(lab, p) for lab, p, t in rows
                 if lab not in STATEMENTS and not is_normal(lab, ptbxl) and is_called(p, t)]
        # and so does a model's own finding ("LVH (the model's own label)" beside the statements model's NORM): it
        # had stood beside "Normal ECG" in the app, the CSV and the PDF
        other += [(f"own label {lab}", p) for lab, p in own_findings([prediction, own])
                  if all(lab != o for o, _q in other)]
        for lab, p, t in rows:
            if not ptbxl or lab not in STATEMENTS:
                continue
            if lab == "NORM" and other:
                if is_called(p, t):
                    resolved = (f"normal ECG ({p:.0%}) not stated: the model's "
                                + ", ".join(_said(o, q, words) for o, q in other) + " above threshold",)
                continue
            labels.append(lab)
            probs.append(float(p))
            thresholds.append(float(t))
        withheld = getattr(prediction, "withheld", "") or None
        name = str(getattr(prediction, "model_name", "") or "")
    if quality is None:
        quality = getattr(prediction, "quality", None)
    if withheld is None and quality is not None and getattr(quality, "gated", False):
        # the gate withholds calls; with none called (or the rules alone) the statements still come from
        # this record's measurements and its rule statements (rate, axis, AF from RR, ...) are no more
        # reliable than a call would be: the interpretation is withheld all the same
        withheld = getattr(quality, "reason", "") or f"signal quality {getattr(quality, 'verdict', 'poor')}"
    if withheld is None and quality is None and not_assessed:
        withheld = not_assessed       # no verdict: nothing passed the gate
    it = interpret(labels, probs, thresholds, measurements, sex, withheld=withheld, model_name=name,
                   irregular=irregular, rr_nrmssd=rr_nrmssd,
                   measured=getattr(prediction, "measured_labels", ()), paced=paced_evidence(quality),
                   limb_leads=limb_evidence(quality), amplitudes=gain_evidence(quality),
                   scaled=amplitudes_not_in_mv(quality),
                   noise_calls=getattr(prediction, "noise_doubted", ()) or (), noise_leads=noise_evidence(quality),
                   atrial_activity=atrial_activity, qrs_unbounded=qrs_unbounded, p_correlation=p_correlation,
                   age=age, p_share=p_share, pr_iqr_ms=pr_iqr_ms,
                   support=getattr(prediction, "calibration_support", None),
                   mains_left=mains_left_doubt(quality) or None, pause=pause,
                   unmeasured=getattr(prediction, "unmeasured_thresholds", None), t_end=t_end,
                   p_waves=getattr(measured, "p_waves", None) if measurements is not None else None,
                   beats_s=_beats_s(measured) if measurements is not None else None)
    ptbxl_pred = prediction is None or bool(getattr(prediction, "ptbxl_labels", True))
    ptbxl_own = own is None or own is prediction or bool(getattr(own, "ptbxl_labels", True))
    # "trained on adults" beside an own model's statement claimed what its card may not say (PTB-XL's adults)
    it = own_label_statements(it, [prediction, own], is_paediatric(age) and ptbxl_pred and ptbxl_own,
                              measurements, sex, child=is_paediatric(age))
    if it.notes and not (ptbxl_pred and ptbxl_own):
        # a child's note said "the models were trained on adults' ECGs (PTB-XL: 64 of 21,799 ...)" of a researcher's
        # own model too
        trained = trained_words(prediction, own)
        it = replace(it, notes=tuple(paediatric_note(age, trained) if n.startswith(PAEDIATRIC_HEAD) else n
                                     for n in it.notes))
        if not ptbxl_pred:
            it = replace(it, statements=tuple(replace(s, adult_trained=False) for s in it.statements))
    if prediction is not None and not getattr(prediction, "calibrated", True):
        # a model without calibration: its statements' percentages are scores, no likelihoods (``UNCALIBRATED``)
        it = replace(it, statements=tuple(replace(s, confidence=UNCALIBRATED, confidence_why=None)
                                          if s.source == "model" and s.code in labels else s
                                          for s in it.statements))
    if it.withheld and it.first is not None and it.first.rule_id == "wide_qrs_tachycardia":
        critical = [f for f in getattr(quality, "findings", ()) or () if f.severity == "critical"]
        if critical and all(f.code in LEARNED_REVERSAL for f in critical):
            # the learned reversal detector read the wide QRS tachycardia's own complexes as a reversal (CinC 2021
            # JS45545 "RA>LA>LL", JS45546 "V3/V4"): PTB-XL, its training data, has no ventricular tachycardia
            it = replace(it, withheld=f"{it.withheld}; {REVERSAL_IN_WIDE_TACHY}")
    return replace(it, resolved=it.resolved + resolved) if resolved else it


def _beats_s(measured) -> np.ndarray | None:
    """(n,) the beats' times in seconds of a ``Measurements`` (its anchors over its fs); None without them."""
    beats, fs = getattr(measured, "beats", None), getattr(measured, "fs", 0.0)
    return None if beats is None or not fs else np.asarray(beats, dtype=float) / float(fs)


def _said(label: str, p: float, words: Mapping[str, str]) -> str:
    """A class above threshold in the resolved line, in its words where the model has some: "myocardial infarction (MI
    49%)", "own label Left ventricular hypertrophy (LVH 60%)"; else "STTC (48%)" as before."""
    own = label.startswith("own label ")
    lab = label[len("own label "):] if own else label
    said = label_words(lab, words)
    if not said:
        return f"{label} ({p:.0%})"
    return ("own label " + said if own else _in_sentence(said)) + f" ({lab} {p:.0%})"


def no_statement_text(session) -> str:
    """What the app and page 1 of the PDF say when the session's interpretation has no statement:
    "Not interpretable" with the reason when the record holds no signal to judge (every lead flat
    or saturated, too short: ``limits.unscorable_reason``), else that nothing applies, and why
    there is no model result when there is none."""
    from mirage_model.limits import unscorable_reason

    record = getattr(session, "record", None)
    why = unscorable_reason(record) if record is not None else None
    if why:
        return f"Not interpretable: {why}."
    if getattr(session, "prediction", None) is None:
        reason = (getattr(session, "errors", None) or {}).get("prediction", "") or "none"
        return f"No statement: no measurement rule applies, and there is no model result ({reason})."
    return "No statement: no measurement rule applies and the model states nothing above its threshold."


def session_disagreement(session, names: bool = False, brief: bool = False) -> str:
    """:func:`infarct_disagreement` of a ``ReviewSession``: its loaded model against the statements model
    that ran beside it (or its own statements, for a model that carries both). The one sentence the app's
    interpretation panel, page 1 and page 3 of the PDF show ("" when the models agree)."""
    pred = getattr(session, "prediction", None)
    stmt = getattr(session, "statements_prediction", None) or pred
    return infarct_disagreement(pred, stmt, names=names, brief=brief)


# a reviewer's corrected rate or RR says the measured beats are not the record's: no pause is read from them
RATE_EDITS = frozenset({"heart_rate_bpm", "rr_ms"})


def session_interpretation(session) -> Interpretation:
    """The interpretation of a ``ReviewSession``, the one way the app, the PDF's page 1 and the
    CSV build it: the statements model's prediction when one ran beside the loaded model, else
    the loaded model's (None: the rules alone), with the reviewed measurement table (a pause from the measured
    beats, as ``mirage score`` reads it, unless the reviewer corrected the rate or the RR: ``RATE_EDITS``) and the patient's sex (for the QTc limit) and age (a child's ECG is not
    judged by adult limits)."""
    table = None
    if session.measurements is not None or session.measurement_edits:
        table = {r["key"]: r["value"] for r in session.measurement_table()}
    irregular = getattr(session.measurements, "rhythm_irregular", None)
    rr_nrmssd = getattr(session.measurements, "rr_nrmssd", None)
    pred = getattr(session, "statements_prediction", None) or session.prediction
    # the prediction's report, else the record's own (``ReviewSession.quality_report``: the app assesses every record
    # it opens, with or without a model), so that the rules alone are withheld on a record the gate would withhold
    quality = session.quality_report
    state = (getattr(session, "state", None) or {}).get("quality")
    not_assessed = (getattr(session, "errors", None) or {}).get("quality", "") if state == FAILED else ""
    return interpret_prediction(pred, table, session.sex, irregular=irregular, rr_nrmssd=rr_nrmssd,
                                own=session.prediction,
                                quality=quality, atrial_activity=getattr(session.measurements, "atrial", None),
                                qrs_unbounded=bool(getattr(session.measurements, "qrs_unbounded", False)),
                                not_assessed=not_assessed,
                                p_correlation=getattr(session.measurements, "p_correlation", None),
                                p_share=getattr(session.measurements, "p_share", None),
                                pr_iqr_ms=getattr(session.measurements, "pr_iqr_ms", None), age=session.age,
                                beats_of=None if RATE_EDITS & set(session.measurement_edits or {})
                                else session.measurements,
                                # the reviewer's QT is theirs: its T end is no longer the one in doubt
                                t_end="" if "qt_ms" in (session.measurement_edits or {})
                                else qt_doubt(session.measurements))


def session_noise_hidden(session, interpretation=None, limit: int | None = MAY_HIDE_NAMED) -> str:
    """:func:`noise_hidden` of a ``ReviewSession``: its loaded model and the statements model beside it, against
    its interpretation (``session_interpretation`` unless given). The line the app's interpretation panel, page 1
    (at most ``limit`` named) and page 3 (all) of the PDF show."""
    it = interpretation if interpretation is not None else session_interpretation(session)
    return noise_hidden(getattr(session, "prediction", None), getattr(session, "statements_prediction", None), it,
                        limit)
