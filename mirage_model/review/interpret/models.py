"""What the models say beside the statements: the statements model run beside a model (``companion_statements_model``),
a model's own labels (a researcher's "AF": no PTB-XL statement, no superclass), and the one sentence where the
superclass model's MI and the statements model's infarcts disagree.

Two models, one disagreement said: the superclass model's MI and the statements model's infarct and injury
statements (``MI_STATEMENTS``, the MI class of PTB-XL) come from separate networks trained on the same labels.
Where one calls an infarct and the other does not, ``infarct_disagreement`` says so in one sentence naming which
model said what ("Models disagree on infarction: superclass model calls MI (myocardial infarction) at 67%; statements
model states no infarct or injury (...)"); page 1, page 3 and the app show it, the statements unchanged.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

import numpy as np

from mirage_model.outputs import is_called
from mirage_model.review.interpret.evidence import unmeasured_note
from mirage_model.review.interpret.own_meanings import mark_own, own_meaning, said_meanings
from mirage_model.review.interpret.statements import (NOT_CLASSIFIED, STATEMENTS, UNCALIBRATED, Interpretation,
                                                      Statement, _in_sentence, confidence_of, statement_labels)
from mirage_model.review.labels import LABEL_NAMES, label_words

# what a model's own label (a researcher's "AF", "SINUS": no PTB-XL statement, no superclass) is called
OWN_LABEL = "the model's own label"
# own labels that name no abnormality (case and "_"/"-" aside): beside them a statements model's "Normal ECG" stands;
# any other own label above threshold ("LVH", "Sinus tachycardia", a researcher's "AF") is a finding to it, as a
# superclass model's MI is, and keeps "Normal ECG" away
OWN_NORMAL_NAMES = frozenset({"norm", "normal", "normal ecg", "normal sinus rhythm", "nsr", "sr", "sinus rhythm",
                              "sinus", "sinus rhythm normal"})
# The PTB-XL statements of the MI diagnostic superclass (scp_statements.csv's diagnostic_class "MI"): the
# infarcts and the subendocardial injuries; a superclass model's MI is trained on the records labelled with one
MI_STATEMENTS = ("IMI", "ASMI", "ILMI", "AMI", "ALMI", "INJAS", "LMI", "INJAL", "IPLMI", "IPMI", "INJIN", "INJLA",
                 "PMI", "INJIL")
DISAGREE = "Models disagree on infarction: "        # how a disagreement's words start, on page 1, page 3 and in the app


def companion_statements_model(labels: Sequence[str], choice: str | None = "auto"):
    """The statements model to run beside a model of ``labels`` (its statements make the
    interpretation), for the ``--statements-model`` choice: "auto" (or None), the shipped one
    (``paths.statements_model_path``), but none when that model carries PTB-XL statements itself or
    none ships; "none": none; anything else: that checkpoint (a folder or shipped name), as given."""
    from mirage_model.paths import statements_model_path

    choice = str(choice or "auto")
    if choice == "none":
        return None
    if choice != "auto":
        return choice
    if statement_labels(labels):
        return None
    return statements_model_path()


def own_labels(predictions) -> list[tuple[str, float]]:
    """(label, probability) of each label above its threshold, of the ``predictions`` given (None
    skipped, one prediction once), that is neither a PTB-XL statement nor a superclass
    (``LABEL_NAMES``): a model trained on a researcher's own labels ("AF", "SINUS"). A model trained on
    other data than PTB-XL (``Prediction.ptbxl_labels`` False) has neither: its "MI", "AFIB" and "NORM" are
    its own (``labels.ptbxl_coded``), whatever PTB-XL means by the name."""
    return [(lab, p) for lab, p, *_rest in _own_calls(predictions)]


def own_findings(predictions) -> list[tuple[str, float]]:
    """``own_labels`` less those that name no abnormality (``OWN_NORMAL_NAMES``: "NORM", "Sinus rhythm"): the
    own labels a statements model's "Normal ECG" cannot stand beside."""
    return [(lab, p) for lab, p in own_labels(predictions)
            if re.sub(r"[\s_-]+", " ", lab).strip().casefold() not in OWN_NORMAL_NAMES]


def _own_calls(predictions) -> list[tuple[str, float, tuple | None, bool, str | None]]:
    """``own_labels`` with each label's calibration figures from the prediction that called it
    (``Prediction.calibration_support``: (positive records, AUROC or None); None where it has none), whether that
    prediction's checkpoint was calibrated at all (``Prediction.calibrated``), and why its threshold was never
    measured ("positives", "negatives": ``Prediction.unmeasured_thresholds``; None where it was)."""
    out, seen = [], []
    for pred in predictions:
        if pred is None or any(pred is other for other in seen):
            continue
        seen.append(pred)
        ptbxl = getattr(pred, "ptbxl_labels", True)
        support = getattr(pred, "calibration_support", None) or {}
        calibrated = bool(getattr(pred, "calibrated", True))
        unmeasured = getattr(pred, "unmeasured_thresholds", None) or {}
        for lab, p, t in _rows(pred):
            coded = ptbxl and (lab in STATEMENTS or lab in LABEL_NAMES)
            if not coded and is_called(p, t) and all(lab != other for other, *_rest in out):
                out.append((lab, p, support.get(lab), calibrated, unmeasured.get(lab)))
    return out


def own_label_statements(it: Interpretation, predictions, adult_trained: bool = False, measurements=None,
                         sex: str | None = None, child: bool | None = None) -> Interpretation:
    """``it`` with the model's own labels above threshold (``own_labels``) said as model statements,
    after the rhythm, "AF (the model's own label)"; its "Rhythm not classified" (no PTB-XL rhythm
    statement above threshold) then points to them, "Rhythm not classified by PTB-XL statements, 72
    bpm (see the model's own label AF)": it had stood beside the model's AF, contradicting it, in the
    CSV, the app and the PDF alike. What the labels mean is the training labels' (the interpretation
    cannot tell a rhythm from a finding), so they are said as the model's, not read. An own label that names
    a statement already said ("Normal ECG" beside the statement "Normal ECG", "Sinus rhythm" beside "Sinus rhythm,
    72 bpm") is said once, as that statement, with the reason in ``resolved``: it had read "Normal ECG (the model's
    own label); ...; Normal ECG"; not a rhythm said below its threshold as the most probable one (no call). Each
    says its confidence as the model statements do (``confidence_of`` with
    the prediction's ``calibration_support``): an own label calibrated on 5 records says "low confidence" and why; one
    of a model without calibration says no word (``UNCALIBRATED``). An own label whose words mean a rhythm or conduction
    finding (``own_meanings``: "sinus tachycardia", "right bundle branch block") is marked where a measurement
    (``measurements``, adults' limits, not applied to a ``child``, by default ``adult_trained``; ``sex``) or another
    statement or own label contradicts that meaning."""
    called, same = [], []
    # a rhythm said below its threshold (the most probable one, ``Statement.guessed``) is no call: an own label that
    # is called is said as its own beside it, not folded into it ("AF (77%) said once, as the statement Atrial
    # fibrillation, 162 bpm, most probable rhythm (below its threshold)" had read as if no model called AF)
    said_names = {_head(s.text): s.text for s in it.statements if not s.guessed}
    # the words the model's data gave a label (``Prediction.label_descriptions``): "Q wave abnormal (QAb, ...)";
    # a Challenge model's NSR, "sinus rhythm", is the statement "Sinus rhythm, 72 bpm" said once; only own models'
    # words (a PTB-XL model's "NORM": "Normal ECG" is no word of an own model's "NORM")
    described = {k: v for pred in predictions if pred is not None and not getattr(pred, "ptbxl_labels", True)
                 for k, v in (getattr(pred, "label_descriptions", None) or {}).items()}
    # a statement said of the meaning an own label's words or name give (``own_meanings``): a label "SB" without words
    # had stood beside "Sinus bradycardia, 45 bpm" as "SB (the model's own label)"
    said_meant = said_meanings(it.statements)
    called_meant = said_meanings([s for s in it.statements if not s.guessed])
    for lab, p, figures, calibrated, unmeasured in _own_calls(predictions):
        words = label_words(lab, described)
        meant = own_meaning(lab, described.get(lab, ""))
        twin = said_names.get(_head(lab)) or (said_names.get(_head(words)) if words else None) or \
            (called_meant.get(meant) if meant else None)
        if twin is None:
            called.append((lab, p, figures, calibrated, unmeasured))
        else:
            same.append(f"the model's own label {lab} ({p:.0%}) said once, as the statement {twin}")
    if same:
        it = replace(it, resolved=it.resolved + tuple(same))
    if not called:
        return it
    names = ", ".join(lab for lab, *_rest in called)
    said = []
    for lab, p, figures, calibrated, _unmeasured in called:
        word, why = confidence_of(p, *(figures or ())) if calibrated else (UNCALIBRATED, None)
        words = label_words(lab, described)
        said.append(Statement("other", f"{words} ({lab}, {OWN_LABEL})" if words else f"{lab} ({OWN_LABEL})",
                              "model", lab, p, word, confidence_why=why, adult_trained=adult_trained))
    meanings = {lab: m for lab, *_rest in called if (m := own_meaning(lab, (described or {}).get(lab, "")))}
    said = mark_own(said, meanings, said_meant, measurements, sex,
                    child=adult_trained if child is None else child)
    # a label called on a threshold never measured (a 0.5 fallback) is no finding of the same weight: marked, and
    # said after those called on measured thresholds
    unmeasured = {lab: why for lab, *_rest, why in called if why}
    said = [replace(s, note=unmeasured_note(unmeasured[s.code])) if s.code in unmeasured and s.note is None else s
            for s in said]
    said = sorted(said, key=lambda s: s.code in unmeasured)
    see = f"see the model's own label{'s' if len(called) > 1 else ''} {names}"
    statements = [replace(s, text=s.text.replace(NOT_CLASSIFIED, f"{NOT_CLASSIFIED} by PTB-XL statements", 1)
                          + f" ({see})",
                          rule=f"no PTB-XL rhythm statement above its threshold (the model's own labels above "
                               f"theirs, {names}, are none); measured rate only")
                  if s.rule_id == "rhythm_not_classified" else s
                  for s in it.statements]
    at = sum(1 for s in statements if s.group == "rhythm")      # rhythm first, as ``interpret`` orders it
    return replace(it, statements=tuple(statements[:at] + said + statements[at:]))


def _head(text: str) -> str:
    """A statement's name, its words before any detail: "Sinus rhythm, 72 bpm" and "Normal ECG (?)" ->
    "sinus rhythm", "normal ecg" (case-folded, so a label's own capitals do not make it another)."""
    return re.split(r",| \(", text, maxsplit=1)[0].strip().casefold()


def _rows(pred) -> list[tuple[str, float, float]]:
    return list(zip(pred.labels, np.asarray(pred.probabilities, dtype=float).tolist(),
                    np.asarray(pred.thresholds, dtype=float).tolist()))


def infarct_disagreement(class_pred, statements_pred, names: bool = False, brief: bool = False) -> str:
    """Where a superclass model's MI and a statements model's infarct statements disagree, one sentence
    that says which model said what: "" when they agree, when either lacks its side (no MI class, no MI
    statement among its labels) or when either model's calls were withheld.

    The two models are trained on the same PTB-XL labels, MI being the records with an ``MI_STATEMENTS``
    statement, but they are separate networks and can disagree (CinC 2020 E00009: MI 0.67, no infarct
    statement called); the interpretation's statements come from the statements model, so a called MI
    would otherwise stand on the model line alone with nothing in the statements beside it.

    Args:
        class_pred, statements_pred: ``inference.Prediction`` (labels, probabilities (K,), thresholds
            (K,), withheld, model_name); the same prediction twice for a model that carries both.
        names: the models' names in the sentence (page 3) rather than "superclass model" (or "MI model")
            / "statements model"
            (page 1 and the app, whose model line names them).
        brief: codes without their words, for a line with no room for them ("superclass model MI 67%;
            statements model no infarct statement (highest ASMI 12%)").

    Returns:
        e.g. "Models disagree on infarction: superclass model calls MI (myocardial infarction) at 67%;
        statements model states no infarct or injury (highest ASMI, anteroseptal infarct, 12%, not
        called)", or "Models disagree on infarction: statements model states inferior infarct (IMI 45%);
        superclass model does not call MI (myocardial infarction, 21%)".
    """
    if class_pred is None or statements_pred is None or not getattr(class_pred, "ptbxl_labels", True):
        return ""        # a model trained on other data: its "MI" is no PTB-XL superclass, nothing to compare
    if getattr(class_pred, "withheld", "") or getattr(statements_pred, "withheld", ""):
        return ""
    mi = next(((p, t) for lab, p, t in _rows(class_pred) if lab == "MI"), None)
    infarcts = [(lab, p, t) for lab, p, t in _rows(statements_pred) if lab in MI_STATEMENTS]
    if mi is None or not infarcts:
        return ""
    called = [(lab, p) for lab, p, t in infarcts if is_called(p, t)]
    mi_called = is_called(*mi)
    if mi_called == bool(called):
        return ""
    kind = "MI" if list(class_pred.labels) == ["MI"] else "superclass"      # the shipped mi model: MI alone
    if names:
        cls, stm = (f"the {kind} model" + (f" ({pred.model_name})" if getattr(pred, "model_name", "") else "")
                    for kind, pred in ((kind, class_pred), ("statements", statements_pred)))
    else:
        cls, stm = f"{kind} model", "statements model"
    if mi_called:
        lab, p, _t = max(infarcts, key=lambda r: r[1])
        if brief:
            return f"{DISAGREE}{cls} MI {mi[0]:.0%}; {stm} no infarct statement (highest {lab} {p:.0%})"
        return (f"{DISAGREE}{cls} calls MI (myocardial infarction) at {mi[0]:.0%}; {stm} states no infarct or "
                f"injury (highest {lab}, {STATEMENTS[lab].text.lower()}, {p:.0%}, not called)")
    called.sort(key=lambda r: -r[1])
    if brief:
        return f"{DISAGREE}{stm} {', '.join(f'{lab} {p:.0%}' for lab, p in called)}; {cls} MI {mi[0]:.0%} (not called)"
    said = ", ".join(f"{_in_sentence(STATEMENTS[lab].text)} ({lab} {p:.0%})" for lab, p in called)
    return f"{DISAGREE}{stm} states {said}; {cls} does not call MI (myocardial infarction, {mi[0]:.0%})"
