"""The interpretation's words: PTB-XL's 71 statements in plain words with their reading-order groups, and the
statement and interpretation that every rule and the app, the PDF and the CSV share.

A model statement says the model (a PTB-XL SCP statement, with its calibrated probability and a confidence
word); a rule's statement says the value and the cited threshold. Below ``measurements.PAEDIATRIC_BELOW_Y``
years a model statement's source says the model was trained on adults, and the interpretation's note says once
what a child's reading leaves out (``paediatric_note``).

The confidence word (``confidence_of``) is the calibrated probability's (high at 0.8 or more, moderate at 0.5 or more,
else low), lowered where the model's calibration split says the statement's probability does not carry it. Its figures
are the model's own config.json: the positive records of each label on the split its calibration was fitted on
(``calibration.metrics.positives``, written by ``mirage calibrate``) and the AUROC there
(``metrics.val_calibrated``); ``calibration.label_support`` reads them. The rule, chosen on PTB-XL fold 9 alone by
cross-calibration of the statements model (the calibration fitted, as ``mirage calibrate`` fits it, on 4 of 5 parts
of fold 9 and read on the fifth, 20 random partitions; in brackets 2 halves, 50 partitions), pooled over the labels:

* fewer than ``CONFIDENT_MIN_POSITIVES`` (20) positive calibration records: "low", whatever the probability. Of the
  held-out records at p >= 0.8 of the 21 labels with under 10 fold-9 positives, 54 % (42 %) were labelled so, of the
  13 with 10-19 positives 10 % (28 %); at 0.5-0.8, 48 % (44 %) and 40 % (35 %). The 5 labels with 20-29 positives:
  91 % (91 %) at p >= 0.8, 72 % (76 %) at 0.5-0.8; the 21 with 50 or more and an AUROC of 0.90 or more: 92 %, 63 %.
* an AUROC under ``CONFIDENT_MIN_AUROC`` (0.90) on the calibration split, with 20 positives or more: "moderate" at
  most. Its 4 labels (abnormal QRS, IVCD, left atrial enlargement, nonspecific ST changes): 54 % (52 %) labelled so at
  p >= 0.8, 59 % (58 %) at 0.5-0.8.

Over all labels, of the held-out records at p >= 0.2 (7,470 a partition) the rule lowers 14 (17): "high" to "low" 4.8
(6.3) a partition, 40 % (34 %) labelled so; "moderate" to "low" 6.0 (5.8), 42 % (37 %); "high" to "moderate" 3.4 (4.8),
54 % (52 %). The words' records then: high 92 %, moderate 63 %, low 33 % labelled so.

A statement whose word the rule lowered says why (``Statement.confidence_why``: "calibrated on only 6 records with this
statement", "not calibrated: no record with this statement where the model was calibrated" where there were none,
"not calibrated: too few records (only 6 records with this statement where the model was calibrated)" where
``calibration.fit`` kept the network's probability (``identity``), "told apart weakly when calibrated (AUROC 0.84)").
A model without the figures (an older config.json, a temperature-scaled model) keeps the probability's word and says
nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import numpy as np

from mirage_model.records.age import age_text
from mirage_model.review.labels import LABEL_NAMES
from mirage_model.review.measurements import PAEDIATRIC_BELOW_Y, WENNING

GROUPS = ("rhythm", "conduction", "axis", "hypertrophy", "ischaemia", "repolarisation", "other", "normal")
# within the groups, as PTB-XL's cardiologists write their reports (folds 1-8): the AV conduction before the bundle
# branch and fascicular blocks (a prolonged PR or first degree AV block first on 206 of the 217 reports naming both),
# and abnormal QRS (ABQRS, "QRS(T) abnormal") after them (on 405 of 410) and after the axis (on all 2,606 naming both),
# leading into the infarct statements; else by probability (the statements had been said by probability within their
# group: "Abnormal QRS; Left anterior fascicular block; First degree AV block (PR 213 ms)", PTB-XL 01239_lr)
AV_CONDUCTION = ("1AVB", "LPR", "2AVB", "3AVB", "WPW", "first_degree_av_block", "short_pr", "second_degree_av_block",
                 "av_dissociation")
AFTER_AXIS = ("ABQRS",)


def by_probability(p: dict):
    """The sort key of statement codes by ``p``, most probable first, a tie broken by group (``GROUPS``' order)
    and then by code: the codes come from the set of labels called, whose order changes from run to run, and
    two statements at one probability (a saturated 1.0) had been said in either order."""
    def key(code: str) -> tuple:
        info = STATEMENTS.get(code)
        return -p[code], GROUPS.index(info.group) if info is not None else len(GROUPS), code
    return key


def reading_key(s: "Statement") -> tuple[int, int]:
    """The sort key of a statement in reading order: its group's place in ``GROUPS``, then the AV conduction before
    the other conduction statements and ``AFTER_AXIS`` after the axis (a stable sort keeps the rest in their order)."""
    group = GROUPS.index(s.group) if s.group in GROUPS else len(GROUPS)
    if s.group == "conduction" and s.code in AFTER_AXIS:
        return GROUPS.index("axis"), 1
    if s.group == "conduction":
        return group, 0 if (s.code or s.rule_id) in AV_CONDUCTION else 1
    return group, 0


@dataclass(frozen=True)
class StatementInfo:
    code: str
    text: str          # plain words, sentence case
    kind: str          # PTB-XL kind: "rhythm", "form" or "diagnostic"
    group: str         # one of GROUPS


def _info(rows: str) -> dict[str, StatementInfo]:
    out = {}
    for line in rows.strip().splitlines():
        code, text, kind, group = (x.strip() for x in line.split("|"))
        out[code] = StatementInfo(code, text, kind, group)
    return out


# The 71 PTB-XL statements (Wagner et al., Sci Data 2020; scp_statements.csv, CC BY 4.0), in plain words.
STATEMENTS: dict[str, StatementInfo] = _info("""
SR | Sinus rhythm | rhythm | rhythm
AFIB | Atrial fibrillation | rhythm | rhythm
STACH | Sinus tachycardia | rhythm | rhythm
SARRH | Sinus arrhythmia | rhythm | rhythm
SBRAD | Sinus bradycardia | rhythm | rhythm
PACE | Paced rhythm (artificial pacemaker) | rhythm | rhythm
SVARR | Supraventricular arrhythmia | rhythm | rhythm
BIGU | Bigeminal pattern | rhythm | rhythm
AFLT | Atrial flutter | rhythm | rhythm
SVTAC | Supraventricular tachycardia | rhythm | rhythm
PSVT | Paroxysmal supraventricular tachycardia | rhythm | rhythm
TRIGU | Trigeminal pattern | rhythm | rhythm
PVC | Ventricular premature complexes | form | rhythm
PAC | Atrial premature complexes | form | rhythm
PRC(S) | Premature complexes | form | rhythm
1AVB | First degree AV block | diagnostic | conduction
2AVB | Second degree AV block | diagnostic | conduction
3AVB | Third degree (complete) AV block | diagnostic | conduction
LPR | Prolonged PR interval | form | conduction
WPW | Wolff-Parkinson-White pattern | diagnostic | conduction
CLBBB | Left bundle branch block | diagnostic | conduction
CRBBB | Right bundle branch block | diagnostic | conduction
ILBBB | Incomplete left bundle branch block | diagnostic | conduction
IRBBB | Incomplete right bundle branch block | diagnostic | conduction
LAFB | Left anterior fascicular block | diagnostic | conduction
LPFB | Left posterior fascicular block | diagnostic | conduction
IVCD | Nonspecific intraventricular conduction delay | diagnostic | conduction
ABQRS | Abnormal QRS | form | conduction
LVH | Left ventricular hypertrophy | diagnostic | hypertrophy
RVH | Right ventricular hypertrophy | diagnostic | hypertrophy
SEHYP | Septal hypertrophy | diagnostic | hypertrophy
LAO/LAE | Left atrial enlargement | diagnostic | hypertrophy
RAO/RAE | Right atrial enlargement | diagnostic | hypertrophy
VCLVH | Voltage criteria for left ventricular hypertrophy | form | hypertrophy
HVOLT | High QRS voltage | form | hypertrophy
LVOLT | Low QRS voltage | form | other
IMI | Inferior infarct | diagnostic | ischaemia
ILMI | Inferolateral infarct | diagnostic | ischaemia
IPLMI | Inferoposterolateral infarct | diagnostic | ischaemia
IPMI | Inferoposterior infarct | diagnostic | ischaemia
ASMI | Anteroseptal infarct | diagnostic | ischaemia
AMI | Anterior infarct | diagnostic | ischaemia
ALMI | Anterolateral infarct | diagnostic | ischaemia
LMI | Lateral infarct | diagnostic | ischaemia
PMI | Posterior infarct | diagnostic | ischaemia
QWAVE | Q waves present | form | ischaemia
INJAS | Subendocardial injury, anteroseptal leads | diagnostic | ischaemia
INJAL | Subendocardial injury, anterolateral leads | diagnostic | ischaemia
INJIN | Subendocardial injury, inferior leads | diagnostic | ischaemia
INJLA | Subendocardial injury, lateral leads | diagnostic | ischaemia
INJIL | Subendocardial injury, inferolateral leads | diagnostic | ischaemia
ISC_ | Nonspecific ischaemic changes | diagnostic | ischaemia
ISCAL | Ischaemic changes, anterolateral leads | diagnostic | ischaemia
ISCAS | Ischaemic changes, anteroseptal leads | diagnostic | ischaemia
ISCAN | Ischaemic changes, anterior leads | diagnostic | ischaemia
ISCIN | Ischaemic changes, inferior leads | diagnostic | ischaemia
ISCIL | Ischaemic changes, inferolateral leads | diagnostic | ischaemia
ISCLA | Ischaemic changes, lateral leads | diagnostic | ischaemia
ANEUR | ST-T changes compatible with ventricular aneurysm | diagnostic | ischaemia
STE_ | Nonspecific ST elevation | form | ischaemia
STD_ | Nonspecific ST depression | form | ischaemia
NST_ | Nonspecific ST changes | diagnostic | repolarisation
NDT | Nonspecific T wave abnormality | diagnostic | repolarisation
NT_ | Nonspecific T wave changes | form | repolarisation
TAB_ | T wave abnormality | form | repolarisation
INVT | Inverted T waves | form | repolarisation
LOWT | Low amplitude T waves | form | repolarisation
LNGQT | Long QT interval | diagnostic | repolarisation
DIG | Digitalis effect | diagnostic | repolarisation
EL | Electrolyte disturbance or drug effect | diagnostic | repolarisation
NORM | Normal ECG | diagnostic | normal
""")

SINUS = ("SR", "SBRAD", "STACH", "SARRH")
ATRIAL_NON_SINUS = ("AFIB", "AFLT")
# the rhythm itself (every ECG has one); the other rhythm statements (ectopy, patterns) qualify it
PRIMARY_RHYTHMS = ATRIAL_NON_SINUS + ("PACE", "SVTAC", "PSVT") + SINUS
GUESSED = ", most probable rhythm (below its threshold)"
# PTB-XL's two names of first degree AV block (1AVB diagnostic, LPR "prolonged PR interval" form): one finding
FIRST_DEGREE_AVB = ("1AVB", "LPR")
# how a child's interpretation note begins ("Paediatric ECG (age 4): ..."), and what a table's row says
# instead (``Interpretation.text(brief=True)``; its meaning, ``paediatric_meaning``, once for the table)
PAEDIATRIC_HEAD = "Paediatric ECG (age "
PAEDIATRIC_SHORT = "paediatric: adult limits not applied"
# the models' training data: PTB-XL's ptbxl_database.csv (21,799 records) has 64 of age under 16 years
PTBXL_RECORDS, PTBXL_UNDER_16 = 21799, 64
# what a model statement's source says below PAEDIATRIC_BELOW_Y years
ADULT_TRAINED = "trained on adults"
# the measurement rules, by the name each rule's statement carries (``Statement.rule_id``)
RULE_IDS = ("paced_rhythm", "wide_qrs_tachycardia", "sinus_bradycardia", "sinus_tachycardia", "sinus_rhythm",
            "atrial_flutter", "atrial_fibrillation", "rhythm_not_classified", "first_degree_av_block", "short_pr",
            "wide_qrs", "extreme_axis_deviation", "left_axis_deviation", "right_axis_deviation", "prolonged_qtc",
            "short_qtc", "low_qrs_voltage", "voltage_lvh", "pause", "second_degree_av_block", "av_dissociation")
# the PTB-XL statements a rule's statement says (``noise_hidden`` does not name them beside it); "sinus_rhythm" is the
# model's sinus rate word the measured rate refuted, said as sinus rhythm under its code
RULE_SAYS = {"sinus_bradycardia": ("SBRAD",), "sinus_tachycardia": ("STACH",), "sinus_rhythm": ("SR",),
             "atrial_flutter": ("AFLT",), "atrial_fibrillation": ("AFIB",), "first_degree_av_block": ("1AVB",),
             "low_qrs_voltage": ("LVOLT",), "voltage_lvh": ("VCLVH",), "paced_rhythm": ("PACE",),
             "prolonged_qtc": ("LNGQT",), "second_degree_av_block": ("2AVB",), "av_dissociation": ("3AVB",)}
# the confidence of a statement from a model whose checkpoint has no calibration (``Prediction.calibrated`` False: a
# first ``mirage train`` run): its 52 % is the network's score, not a likelihood, and "moderate confidence" had claimed
# one for it (a 1-epoch CinC model's labels at 51-52 %); no word is given, only what the number is: "model 52%,
# uncalibrated" (as short as the word it replaces, page 1's line has no room for more)
UNCALIBRATED = "uncalibrated"
# how the rhythm rule's statement begins where no rhythm statement is said
NOT_CLASSIFIED = "Rhythm not classified"


@dataclass(frozen=True)
class Statement:
    """One line of the interpretation.

    Attributes:
        group: one of GROUPS (reading order).
        text: plain words, e.g. "Atrial fibrillation" or "First degree AV block (PR 224 ms)".
        source: "model" or "measurement".
        code: the PTB-XL code for model statements (None for rules).
        probability: the model's calibrated probability (None for rules).
        confidence: "high" (p >= 0.8), "moderate" (>= 0.5), "low" (above its threshold but < 0.5), lowered where the
            model's calibration split does not carry it (``confidence_of``); ``UNCALIBRATED`` for a model without
            calibration; None for rules.
        rule: for measurement statements, the value and the threshold with its source.
        note: why a statement is marked (contradicted by a measurement); None when it stands.
        measured: a model statement whose probability the statements model's measured-rhythm stage
            set from its own probability and the record's measured rate and RR pattern (``stacking``).
        adult_trained: a model statement about a child (below ``PAEDIATRIC_BELOW_Y`` years): its source
            says the model was trained on adults (``ADULT_TRAINED``).
        rule_id: the measurement rule that said it (one of ``RULE_IDS``), a name that stays when its words change:
            what the serial comparison and the noise line know a rule's statement by; None for the model's own
            (but "sinus_rhythm": the model's sinus rate word the measured rate refuted, said as sinus rhythm).
        guessed: the rhythm said as the model's most probable one below its threshold, no rhythm of the model above
            it (its words end ``GUESSED``; a sinus rate rule's statement on that guess too): what the serial comparison
            and page 1's count know a guess by.
        confidence_why: why the rule lowered the probability's confidence word ("calibrated on only 6 records with
            this statement"); None where the word is the probability's.
    """
    group: str
    text: str
    source: str
    code: str | None = None
    probability: float | None = None
    confidence: str | None = None
    rule: str | None = None
    note: str | None = None
    measured: bool = False
    adult_trained: bool = False
    rule_id: str | None = None
    guessed: bool = False
    confidence_why: str | None = None

    @property
    def confidence_text(self) -> str:
        """The confidence word as said beside a model statement: "moderate confidence", or with why the rule
        lowered it, "low confidence: calibrated on only 6 records with this statement"."""
        if self.confidence == UNCALIBRATED:
            return UNCALIBRATED
        return f"{self.confidence} confidence" + (f": {self.confidence_why}" if self.confidence_why else "")

    @property
    def model_origin(self) -> str:
        """A model statement's origin in words: "model", or "model + measurements" (``measured``: set by the measured stage)."""
        return "model + measurements" if self.measured else "model"

    def source_tag(self, compact: bool = False) -> str:
        """Where the statement comes from, as the app and the PDF print it in brackets: "model 79%,
        moderate confidence" or "rule: <value and cited threshold>" ("model 79%", "rule" compact); a
        statement of the measured stage says "model + measurements"."""
        if self.source == "model":
            adult = f", {ADULT_TRAINED}" if self.adult_trained else ""
            return (f"{self.model_origin} {self.probability:.0%}" + ("" if compact else f", {self.confidence_text}")
                    + adult)
        return "rule" if compact else f"rule: {self.rule}"


@dataclass(frozen=True)
class Interpretation:
    """Statements in reading order; ``resolved`` says what was dropped and why; ``withheld`` the gate's reason;
    ``notes`` what a reader must know before the statements (``paediatric_note``: a child's ECG read
    without adult criteria)."""
    statements: tuple[Statement, ...]
    resolved: tuple[str, ...] = ()
    withheld: str | None = None
    rate_bpm: float | None = None
    model_name: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    # why the PR and the P axis are in doubt where no atrial fibrillation or flutter is stated (``BARE_FLUTTER``); ""
    p_doubt: str = ""
    # why the QTc rows are in doubt beside a pause said (``pause.qtc_doubt``: the mean RR holds it); ""
    qtc_doubt: str = ""

    @property
    def first(self) -> Statement | None:
        return self.statements[0] if self.statements else None

    def lines(self) -> list[str]:
        """Plain text lines: each statement with its source, then the resolutions."""
        out = []
        if self.withheld:
            out.append(f"Interpretation withheld: {self.withheld}. The statements below are unreliable.")
        out += [f"{n}." for n in self.notes]
        for s in self.statements:
            if s.source == "model":
                adult = f", {ADULT_TRAINED}" if s.adult_trained else ""
                tail = f" [{s.model_origin}, {s.probability:.0%}, {s.confidence_text}{adult}]"
            else:
                tail = f" [measurement: {s.rule}]"
            out.append(s.text + tail + (f" -- {s.note}" if s.note else ""))
        out += [f"({r})" for r in self.resolved]
        return out

    def text(self, brief: bool = False) -> str:
        """One string for a CSV cell: statements separated by '; '. ``brief``: a child's long note
        (``paediatric_note``) is ``PAEDIATRIC_SHORT``, for a table that says its meaning once
        (``mirage score``'s rows)."""
        head = f"WITHHELD ({self.withheld}): " if self.withheld else ""
        head += "".join(f"[{PAEDIATRIC_SHORT if brief and n.startswith(PAEDIATRIC_HEAD) else n}] " for n in self.notes)
        return head + "; ".join(s.text + (" (?)" if s.note else "") for s in self.statements)

    def notes_text(self) -> str:
        """Why each statement that ``text`` marks "(?)" is doubted, for the CSV cell beside it, in the
        same order and separated by '; ': "<statement> (?): <why>" ("" when none is doubted)."""
        return "; ".join(f"{s.text} (?): {s.note}" for s in self.statements if s.note)

    def lowered_text(self) -> str:
        """The model statements whose confidence word the rule lowered, for the CSV cell beside ``text``, separated
        by '; ': "<statement>: low confidence: <why>" ("" when none was lowered)."""
        return "; ".join(f"{s.text}: {s.confidence_text}" for s in self.statements if s.confidence_why)


# The confidence rule's limits (module docstring: the fold-9 cross-calibration that chose them)
CONFIDENT_MIN_POSITIVES = 20    # fewer positive calibration records: "low" whatever the probability
CONFIDENT_MIN_AUROC = 0.90      # a lower AUROC on the calibration split: "moderate" at most


def confidence_of(p: float, positives: int | None = None, auroc: float | None = None,
                  fitted: bool = True) -> tuple[str, str | None]:
    """A model statement's confidence word and why the rule lowered it (None where the word is the probability's).

    Args:
        p: the calibrated probability: "high" at 0.8 or more, "moderate" at 0.5 or more, else "low".
        positives: the records with this label on the split the model's calibration was fitted on (None: unknown,
            the probability's word stands; 0: the label was not calibrated, ``identity``).
        auroc: the label's AUROC on that split (None: unknown).
        fitted: whether a map was fitted to the label (False: ``calibration.fit`` kept ``identity``, the network's
            own probability, since no map did better on so few records).
    """
    word = "high" if p >= 0.8 else "moderate" if p >= 0.5 else "low"
    if positives == 0 and word != "low":
        # ``calibration.fit`` leaves such a label's probability as the network gave it ("calibrated on only 0
        # records" had read as if a map had been fitted)
        return "low", "not calibrated: no record with this statement where the model was calibrated"
    if positives is not None and positives < CONFIDENT_MIN_POSITIVES and word != "low":
        records = f"{positives} record{'' if positives == 1 else 's'} with this statement"
        if not fitted:
            # ``calibration.fit`` kept the network's own probability (no map did better on so few): "calibrated on
            # only 6 records" had said a map was applied where none was
            return "low", f"not calibrated: too few records (only {records} where the model was calibrated)"
        return "low", f"calibrated on only {records}"
    if (positives is not None and positives >= CONFIDENT_MIN_POSITIVES and auroc is not None
            and auroc < CONFIDENT_MIN_AUROC and word == "high"):
        return "moderate", f"told apart weakly when calibrated (AUROC {auroc:.2f})"
    return word, None


def confidence_word(p: float) -> str:
    """The probability's confidence word alone (``confidence_of`` without the model's figures)."""
    return confidence_of(p)[0]


def with_support(statements: Sequence[Statement], support: Mapping[str, tuple]) -> list[Statement]:
    """``statements`` with each model statement's confidence word by ``confidence_of`` and ``support`` (label ->
    (positive calibration records, AUROC or None, whether a map was fitted): ``calibration.label_support``); the
    others, and a label ``support`` lacks, as they are."""
    out = []
    for s in statements:
        figures = support.get(s.code) if s.source == "model" and s.probability is not None else None
        if figures is not None:
            word, why = confidence_of(s.probability, *figures)
            s = replace(s, confidence=word, confidence_why=why)
        out.append(s)
    return out


def _in_sentence(text: str) -> str:
    """A statement's text inside a sentence: its first letter lower case, the rest as it is
    ("First degree AV block (PR 220 ms)" -> "first degree AV block (PR 220 ms)"); a text that opens
    with an abbreviation ("WPW ...", "ST ...") or a name of several capitals ("Wolff-Parkinson-White
    pattern": it had read "wolff-Parkinson-White pattern possibly no longer present") stays as it is."""
    first = text.split(" ", 1)[0]
    return text if first[:2].isupper() or any(c.isupper() for c in first[1:]) else text[:1].lower() + text[1:]


def atrial_statement(statements):
    """The atrial fibrillation or flutter ``statements`` (``Statement``s) state as their rhythm: the first rhythm
    statement coded AFIB or AFLT (by code, not words), whoever says it; None where none is."""
    return next((s for s in statements if s.group == "rhythm" and s.code in ATRIAL_NON_SINUS), None)


def _num(m: Mapping | None, key: str) -> float | None:
    if not m:
        return None
    v = m.get(key)
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None



def statement_labels(labels: Sequence[str]) -> list[str]:
    """The labels of a model that are PTB-XL statements (``STATEMENTS`` codes), in the model's order;
    [] for a model that carries none besides a superclass name (the superclass model's NORM is
    also the statement "Normal ECG", but a superclass model is no statements model)."""
    labels = [str(lab) for lab in labels]
    if not any(lab in STATEMENTS and lab not in LABEL_NAMES for lab in labels):
        return []
    return [lab for lab in labels if lab in STATEMENTS]



# what a child's note says of the models' training data: the shipped models' (PTB-XL), and where a model trained on
# other data (``Prediction.ptbxl_labels`` False: a researcher's own) makes the statements or stands beside them,
# nothing of PTB-XL that is not its (its model card says what it was trained on)
PTBXL_TRAINED = (f"the models were trained on adults' ECGs (PTB-XL: {PTBXL_UNDER_16} of {PTBXL_RECORDS:,} records "
                 f"under {PAEDIATRIC_BELOW_Y:g} years)")
OWN_TRAINED = "the model's training data are those its model card names"
OWN_BESIDE_TRAINED = (f"the statements model was trained on adults' ECGs (PTB-XL: {PTBXL_UNDER_16} of "
                      f"{PTBXL_RECORDS:,} records under {PAEDIATRIC_BELOW_Y:g} years), the loaded model on the data "
                      "its model card names")


def trained_words(prediction=None, own=None) -> str:
    """What a child's note says of the training data of the models that made (``prediction``) and stand beside
    (``own``) an interpretation (a ``Prediction`` or ``Predictor``, None: the shipped ones): ``PTBXL_TRAINED``,
    ``OWN_TRAINED`` where a model trained on other data made the statements, else ``OWN_BESIDE_TRAINED``."""
    if prediction is not None and not getattr(prediction, "ptbxl_labels", True):
        return OWN_TRAINED
    if own is not None and own is not prediction and not getattr(own, "ptbxl_labels", True):
        return OWN_BESIDE_TRAINED
    return PTBXL_TRAINED


def paediatric_note(age, trained: str = PTBXL_TRAINED) -> str:
    """What the interpretation of a child's ECG (below ``PAEDIATRIC_BELOW_Y`` years) says first, once; ``trained``:
    what it says of the models' training data."""
    return f"{PAEDIATRIC_HEAD}{age_text(age)}): {paediatric_meaning(trained)}"


def paediatric_meaning(trained: str = PTBXL_TRAINED) -> str:
    """``paediatric_note`` without its age: what a child's interpretation leaves out and why (the
    meaning of ``PAEDIATRIC_SHORT``, which ``mirage score``'s log says once for the run's rows)."""
    return ("adult rate, axis and lower limits not applied (the rate is judged by a child's 1st-99th centiles "
            "for age, Fleming, Lancet 2011; no axis table is built in); a PR, QRS or QTc is judged only beyond the "
            f"adult upper limits, which lie above a child's ({WENNING}); {trained}")
