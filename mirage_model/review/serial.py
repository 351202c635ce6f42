"""Serial comparison: this ECG against the same patient's prior one, as GE MUSE and Philips print it
("Compared with the ECG of 2024-03-01: new atrial fibrillation, QRS now 132 ms").

Both sessions are read the one way the app and the PDF read a session: the measurement table with the
reviewer's edits in force (``ReviewSession.measurement_table``), the interpretation's statements
(``interpret.session_interpretation``) and what the files say about the patient (``file_info``).

Rule for a measurement change (written before any figure was looked at): a change is said when it
exceeds what repeat recordings of a stable patient show, and a stable patient's pair seldom gets any change
said. From PTB-XL (never fold 10): the pairs of records of one patient_id taken at most 30 days apart whose
scp_codes are identical, folds 1-8 to choose, fold 9 to report once, each measured with the project's
measurement path (``measure.measure``). The threshold per measurement is the q-th percentile of |difference|
over those pairs, rounded up to 5 ms / 5 bpm / 5 deg (5 at least), q one for all nine: the lowest of 95, 96,
97, 98, 99, 99.5, 100 at which at most 10 % of the folds 1-8 pairs get any measurement change said (nine
measurements each at its own 95th percentile say one on far more). Where a published clinical limit exists
the larger of the two is used: a QTc increase of more than 60 ms (ICH E14, The clinical evaluation of
QT/QTc interval prolongation and proarrhythmic potential for non-antiarrhythmic drugs, 2005).
``scripts/serial_thresholds.py`` computes the figures (``THRESHOLDS`` below).

Statements: new and gone compare the codes of the statements each interpretation says (a rule's
statement, which has no code, by its rule, ``interpret.Statement.rule_id``: not by its words). A statement is
said "possibly new" / "possibly gone" rather than plainly when either side is uncertain about it: said
there at low confidence (the interpretation's word for a call below 50 %, ``interpret.confidence_word``),
marked "(?)", or the rhythm guessed below its threshold; or not said there while its probability lies
within ``NEAR_THRESHOLD`` (0.10) below its threshold. The rhythm (each side's first rhythm statement) is
compared on its own ("Rhythm changed: sinus rhythm -> atrial fibrillation"): a change is "possibly" one when
the rhythm said now is uncertain (said so, or close below its threshold on the prior) or the prior's rhythm is
close below its threshold now; the prior's rhythm said uncertainly is named so ("was sinus rhythm
(uncertain)"), the change not doubted for it. The same rhythm said certainly now and uncertainly on the prior
(or there within ``NEAR_THRESHOLD`` of its threshold, either side) is "possibly new".

What cannot carry a finding is not compared, and the summary says so ("Not compared: statements (the
prior ECG's calls were withheld: noise in leads ...)"), never as new or gone: a side whose interpretation was
withheld (the quality gate: noise, a lead missing, an electrode reversal, pacing) has its statements, the
rhythm included, left out; a side without the model's calls (not scored, or failed) has the model's statements
left out, the rules' compared; a rule's statement is compared only where both sides have its measurement.
Measurements: a limb lead reversal suspected on either side leaves the frontal axes out (the reversal moves
them); leads missing on one side only leave the intervals out (measured over other leads) and, for a limb
lead, the axes; a pair of which one is paced and the other not says the pacing change first and leaves out
the PR, QRS, QT, QTc and the QRS and T axes (a paced QRS and its repolarisation are the pacemaker's, not the
heart's own conduction); mains interference left after its subtraction on either side (the quality check's
"mains_left", which withholds that side's calls too) leaves out the PR, QRS, QT, QTc and the P and T axes; the
atrial fibrillation or flutter either side states (``measurements.atrial_rhythm``, marked or not: the table shows
them "not applicable" or "unreliable") leaves out the PR and the P axis, and the PR rules' statements with them (the
wave measured before the QRS is a flutter wave or none: PTB-XL 02739_lr, AFLT, against LUDB 1 had read "PR shortened
137 -> 87 ms; P axis shifted 23 -> -139 deg" beside the rhythm's change); amplitudes in
doubt on either side (every lead scaled to one size, LUDB's; a gain wrong) leave out the voltage statements (the
model's amplitude statements, the QRS voltage rules'). Two
sampling rates need nothing here: each side is measured at its own rate in milliseconds (LUDB 1 against itself
resampled to 250 and 1000 Hz: no change said, every interval within 2 ms).

Patient identity: the files' patient IDs (a PTB-XL record's patient_id), else name and birth date. Two
different IDs (or, where neither decides, two different sexes) give ``same_patient`` False and a prominent
warning; anonymised files and files without identity give None and a warning. A placeholder that carts and
exports write for an unknown patient (an ID "0", "00000000", "123456", "unknown", "N/A", "-"; a name "unknown";
a birth date 1900-01-01 or earlier) identifies no one, as an anonymised file's blank does. One ID (or one name and
birth date) on two files that give different sexes or different birth dates gives False too: neither changes in a
life, so the files are two patients under one ID (two systems' numbering, a mistyped ID) or one of them is
mistyped, and which, the files cannot tell. Names are not held against a matching ID: one name is written many
ways ("DOE^JOHN", "John Doe") and changes (marriage). A recording date on or before 1900-01-01, on 1970-01-01 (a
clock's or an export's zero) or over a day after the comparison is made (a cart's clock set wrong) dates nothing.
A prior that is the current recording itself (its file, or its signal copied into another format, every sample
within ``SAME_SIGNAL_MV``) gets a warning too, and so does a prior dated after the current or, where the dates do
not decide, a prior whose age (the file's or the reviewer's) is the current's or more by a year. The comparison is
computed either way: the reviewer decides.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

from mirage_model.outputs import is_called
from mirage_model.quality.findings import leads_text
from mirage_model.limits import SCALE_FINDINGS
from mirage_model.records.age import LAST_PLACEHOLDER_BIRTH
from mirage_model.review.file_info import anonymised, file_patient, record_date
from mirage_model.review.measurements import (ATRIAL_KEYS, MAINS_LEFT, MAINS_LEFT_KEYS, atrial_reason,
                                              atrial_rhythm)

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
# a statement not said on one side while its probability there lies this close below its threshold is uncertain
NEAR_THRESHOLD = 0.10

DIFFERENT_PATIENTS = ("The two files name different patients ({what} differ): make sure the prior ECG is this "
                      "patient's before reading the comparison.")
NEITHER_IDENTIFIES = "Neither file identifies the patient: make sure both are the same person's."
ONE_IDENTIFIES = "The {which} file does not identify the patient{why}: make sure both are the same person's."
DIFFERENT_SEX = ("The two files give different sexes ({prior} in the prior, {current} in this one): make sure the "
                 "prior ECG is this patient's before reading the comparison.")
SAME_ID_CLASH = ("The two files give one {key} but different {what}: they may be two patients; make sure the "
                 "prior ECG is this patient's before reading the comparison.")
# words (no single token among them names anyone) that carts and exports write in a patient ID or name field
# for an unknown patient; "na" is "N/A" without its slash, "nn" the German "nomen nescio"
PLACEHOLDER_WORDS = frozenset({"unknown", "unk", "na", "none", "null", "nil", "anonymous", "anon", "test", "patient",
                               "noid", "no", "id", "name", "nn", "x", "unnamed", "nobody", "dummy", "demo", "temp",
                               "tbd"})
# recording dates that date nothing: what an export writes for none (1900-01-01 and before: Excel's and
# DICOM's zero days, year 1), a clock's zero (the Unix epoch, 1970-01-01, whatever the hour its time zone gives)
LAST_PLACEHOLDER_DATE = LAST_PLACEHOLDER_BIRTH        # 1900-01-01: as for a birth date
EPOCH_DATE = date(1970, 1, 1)
UNDATED_WHY = "the file gives no recording date"
BAD_DATE = "the file's recording date {text!r} is no date"
PLACEHOLDER_DATE = "the file's recording date {text} is a placeholder (1900-01-01 or earlier, or 1970-01-01)"
FUTURE_DATE = "the file's recording date {text} lies in the future (the cart's clock?)"
PRIOR_LATER = "The prior ECG ({prior}) is dated after this one ({current}): check which is the earlier."
PRIOR_OLDER = ("The prior ECG gives an age of {prior}, this one {current}: check which is the earlier, or whether "
               "both are this patient's.")
# a prior's age above the current's by this much (years) or more runs backwards; less may be one age said two
# ways (50.9 from a birth date, 50 typed in whole years) and raises no question
AGE_BACKWARDS_Y = 1.0
SAME_RECORDING = ("The prior ECG is this same recording ({why}): compared with itself it shows no change; "
                  "choose the patient's earlier ECG.")
# two recordings whose every sample agrees within this (mV) are one (a copy in another format: EDF+ keeps
# about 1 uV at 16 bits over +-32 mV; two real recordings never agree so over 12 leads)
SAME_SIGNAL_MV = 0.01


@dataclass(frozen=True)
class MeasurementChange:
    """One measurement, prior against current.

    Attributes:
        key: ``Measurements.as_dict()`` key (heart_rate_bpm, pr_ms, qrs_ms, ...).
        label: the table's label ("QRS duration").
        unit: "ms", "bpm" or "deg".
        prior, current: the values as each session's table holds them (reviewer's edits in force); None: not measured.
        change: current - prior (axes: the signed shortest angle, -180..180); None when either is missing.
        threshold: the change beyond which it is said (``THRESHOLDS``).
        significant: abs(change) >= threshold (False when either value is missing).
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


@dataclass(frozen=True)
class SerialComparison:
    """The current ECG compared with the prior one. See the module docstring for the rules.

    Attributes:
        prior_label, current_label: what identifies each ECG to a reader: its date and time if the file
            has one, else its file name.
        same_patient: True (the IDs, or name and birth date, match), False (they differ), None (the files do not say).
        patient_words: "" when True; else a plain warning.
        measurements: one ``MeasurementChange`` per ``COMPARED_KEYS``.
        new_statements: statements' plain words said now and not in the prior (certain on both sides).
        gone_statements: said in the prior, not now (certain on both sides).
        unchanged_statements: said in both.
        rhythm_words: "Rhythm changed: sinus rhythm -> atrial fibrillation" or "".
        summary: one paragraph for the PDF and the app.
        notes: what a reader must know (a side's calls withheld, a measurement missing, another model).
        possibly_new, possibly_gone: as new and gone, where either side is uncertain about the statement.
        date_words: a warning when the prior is dated after the current, or, where the dates do not decide
            (either is missing), when the prior's age is the current's or more by ``AGE_BACKWARDS_Y``; "".
        same_words: a warning when the prior is the current recording itself (its file, or a copy of its
            signal in another format); "".
        not_compared: what was left out of the comparison and why, one phrase each ("statements (the prior
            ECG's calls were withheld: ...)"); the summary says them.
        pacing_words: "Pacing changed: paced on the prior ECG, not on this one" or ""; said first.
    """
    prior_label: str
    current_label: str
    same_patient: bool | None
    patient_words: str
    measurements: tuple[MeasurementChange, ...]
    new_statements: tuple[str, ...]
    gone_statements: tuple[str, ...]
    unchanged_statements: tuple[str, ...]
    rhythm_words: str
    summary: str
    notes: tuple[str, ...]
    possibly_new: tuple[str, ...] = ()
    possibly_gone: tuple[str, ...] = ()
    date_words: str = ""
    same_words: str = ""
    not_compared: tuple[str, ...] = ()
    pacing_words: str = ""

    @property
    def significant(self) -> tuple[MeasurementChange, ...]:
        return tuple(m for m in self.measurements if m.significant)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings a reader must see first (the patient's, the dates'), in the warning style."""
        return tuple(w for w in (self.same_words, self.patient_words, self.date_words) if w)


# ---------------------------------------------------------------------- labels and identity
def ecg_label(session) -> str:
    """What identifies a session's ECG to a reader: "the ECG of 2024-03-01 09:12" from the file's date,
    else its file's name ("the ECG in file prior.edf"; a WFDB record named without its .hea: "the ECG in file 1",
    where "the ECG in 1" read as a place), else its record id."""
    record = getattr(session, "record", None)
    date = record_date(record) if record is not None else ""
    if date:
        return f"the ECG of {date}"
    path = getattr(session, "path", None) or getattr(record, "path", None)
    if path:
        return f"the ECG in file {Path(str(path)).name}"
    rid = str(getattr(record, "record_id", "") or "")
    return f"the ECG {rid}" if rid else "the prior ECG"


def recorded_at(record) -> datetime | None:
    """When the record was taken (``file_info.record_date``, to the second), or None: undated, a date that
    names no real day, or one that dates nothing (``recording_time``)."""
    return recording_time(record)[0]


def recording_time(record, now: datetime | None = None) -> tuple[datetime | None, bool, str]:
    """When the record was taken (``file_info.record_date``, to the second), whether the file gives the time
    of day too, and why there is no time ("" when there is one).

    Args:
        record: an ``EcgRecord`` (or None).
        now: the comparison's present (default: the clock's); a date more than a day after it dates nothing.

    Returns:
        (when, timed, why): ``when`` None with ``why`` one of ``UNDATED_WHY`` (the file gives no date),
        ``BAD_DATE`` (it names no real day, or is no date), ``PLACEHOLDER_DATE`` (on or before
        ``LAST_PLACEHOLDER_DATE``, or on ``EPOCH_DATE``), ``FUTURE_DATE`` (more than a day after ``now``).
    """
    text = record_date(record) if record is not None else ""
    if not text:
        return None, False, UNDATED_WHY
    m = re.match(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?", text)
    try:
        when = datetime.fromisoformat(m.group(1) + (" " + m.group(2) if m.group(2) else "")) if m else None
    except ValueError:
        when = None
    if when is None:
        return None, False, BAD_DATE.format(text=text)
    if when.date() <= LAST_PLACEHOLDER_DATE or when.date() == EPOCH_DATE:
        return None, False, PLACEHOLDER_DATE.format(text=text)
    if when > (now or datetime.now()) + timedelta(days=1):      # a day's room: the cart's time zone may be ahead
        return None, False, FUTURE_DATE.format(text=text)
    return when, bool(m.group(2)), ""


def _ages_backwards(prior, current) -> str:
    """``PRIOR_OLDER`` when both sessions know the patient's age (the file's or the reviewer's) and the prior's
    is the current's or more by ``AGE_BACKWARDS_Y``; else "" (an age missing on either side decides nothing)."""
    from mirage_model.records.age import age_text

    ages = [getattr(s, "age", None) for s in (prior, current)]
    try:
        a_prior, a_current = (float(a) for a in ages)
    except (TypeError, ValueError):
        return ""
    if not (math.isfinite(a_prior) and math.isfinite(a_current)) or a_prior - a_current < AGE_BACKWARDS_Y:
        return ""
    return PRIOR_OLDER.format(prior=age_text(a_prior), current=age_text(a_current))


def placeholder_identity(text) -> bool:
    """Whether a patient ID or name is what carts and exports write for an unknown patient (or nothing): no
    letter or digit ("", " ", "-", "?"), only ``PLACEHOLDER_WORDS`` ("unknown", "N/A", "Test Patient"), zeros
    ("0", "00000000"), one character 3 times or more ("999", "xxx"), or a run of 4 or more consecutive digits
    ("1234", "123456", "1234567890", "987654"). A single digit or letter other than 0 is an ID ("7")."""
    words = [w for w in re.split(r"[\W_]+", str(text or "").casefold()) if w]
    joined = "".join(words)
    if not words or joined in PLACEHOLDER_WORDS or all(w in PLACEHOLDER_WORDS for w in words):
        return True
    return (set(joined) == {"0"} or (len(set(joined)) == 1 and len(joined) >= 3)
            or (joined.isdigit() and len(joined) >= 4 and (joined in "01234567890" or joined in "9876543210")))


class Identity(NamedTuple):
    """Who a file says its patient is, folded for comparison (``identity``); "" where it does not say."""
    id: str
    name: str
    birth: str          # YYYY-MM-DD as the file gives it
    sex: str            # "M", "F" or ""
    anonymised: bool

    @property
    def known(self) -> bool:
        """Whether it identifies a patient: an ID, or a name and a birth date."""
        return bool(self.id or (self.name and self.birth))


def identity(record) -> Identity:
    """The file's ``Identity``: ``patient_identity`` and the header's sex."""
    return Identity(*patient_identity(record), _sex(record), record is not None and anonymised(record))


def patient_identity(record) -> tuple[str, str, str]:
    """(ID, name, birth date) as the file says them, folded for comparison; "" where not said (all three for an
    anonymised file), and where the file holds a placeholder (``placeholder_identity``; a birth date
    ``age.placeholder_birth`` calls one). ``same_patient`` decides by them: the ID, else name and birth date."""
    from mirage_model.records.age import placeholder_birth

    if record is None or anonymised(record):
        return "", "", ""
    facts = file_patient(record)
    patient = (getattr(record, "meta", None) or {}).get("patient") or {}

    def fold(x) -> str:
        return " ".join(str(x or "").split()).casefold()
    pid, name, birth = fold(facts.get("id")), fold(facts.get("name")), fold(patient.get("birth_date"))[:10]
    try:
        born = date.fromisoformat(birth) if birth else None
    except ValueError:        # a birth date the file spells otherwise: compared as written
        born = None
    return ("" if placeholder_identity(pid) else pid, "" if placeholder_identity(name) else name,
            "" if born is not None and placeholder_birth(born) else birth)


def identity_clash(prior: Identity, current: Identity) -> str:
    """What two files that name one patient (one ID, or one name and birth date) disagree on that one person
    cannot ("sexes (M in the prior, F in this one)", "birth dates (1950-01-02 in the prior, 1961-07-07 in this
    one)"); "" when nothing (a fact missing on either side decides nothing)."""
    clashes = []
    if prior.sex and current.sex and prior.sex != current.sex:
        clashes.append(f"sexes ({prior.sex} in the prior, {current.sex} in this one)")
    if prior.birth and current.birth and prior.birth != current.birth:
        clashes.append(f"birth dates ({prior.birth} in the prior, {current.birth} in this one)")
    return " and ".join(clashes)


def _sex(record) -> str:
    """"M" or "F" as the file's header says it (kept by an anonymised file too); "" where not said."""
    sex = str(getattr(record, "sex", None) or "").strip().upper()
    return sex if sex in ("M", "F") else ""


def same_patient(prior_record, current_record) -> tuple[bool | None, str]:
    """Whether the two files name the same patient, and the warning ("" when they do): ``same_identity`` of
    their ``identity``."""
    return same_identity(identity(prior_record), identity(current_record))


def same_identity(prior: Identity, current: Identity) -> tuple[bool | None, str]:
    """Whether two files' ``Identity`` name the same patient, and the warning ("" when they do).

    The patient IDs decide where both files carry one (placeholders are none: ``patient_identity``); else name
    and birth date where both carry both; a match is False all the same where the files give different sexes or
    birth dates (``identity_clash``); else False where the two headers give different sexes (LUDB's records 1,
    F, and 14, M, carry no ID); else None (an anonymised file carries no identity)."""
    if prior.id and current.id:
        if prior.id != current.id:
            return False, DIFFERENT_PATIENTS.format(what="patient IDs")
        clash = identity_clash(prior, current)
        return (False, SAME_ID_CLASH.format(key="patient ID", what=clash)) if clash else (True, "")
    if prior.name and prior.birth and current.name and current.birth:
        if (prior.name, prior.birth) == (current.name, current.birth):
            clash = identity_clash(prior, current)
            return (False, SAME_ID_CLASH.format(key="name and birth date", what=clash)) if clash else (True, "")
        return False, DIFFERENT_PATIENTS.format(what="names or birth dates")
    if prior.sex and current.sex and prior.sex != current.sex:   # nothing identifies either, but one person has one sex
        return False, DIFFERENT_SEX.format(prior=prior.sex, current=current.sex)
    if prior.known == current.known:     # neither identifies (or each by another field: nothing to compare)
        return None, NEITHER_IDENTIFIES if not prior.known else ONE_IDENTIFIES.format(
            which="prior", why=" in the way the current one does")
    which, other = ("prior", prior) if current.known else ("current", current)
    return None, ONE_IDENTIFIES.format(which=which, why=" (it is anonymised)" if other.anonymised else "")


def same_recording(prior_session, current_session) -> str:
    """Why the prior is the current recording itself ("the same file", "the same signal": a copy in another
    format), or "" when it is another."""
    paths = [getattr(s, "path", None) or getattr(getattr(s, "record", None), "path", None)
             for s in (prior_session, current_session)]
    if all(paths):
        try:
            if Path(str(paths[0])).resolve() == Path(str(paths[1])).resolve():
                return "the same file"
        except OSError:
            pass
    a, b = getattr(prior_session, "record", None), getattr(current_session, "record", None)
    if a is None or b is None or a.fs != b.fs or a.signal.shape != b.signal.shape:
        return ""
    both = np.isfinite(a.signal) & np.isfinite(b.signal)
    if (both.any() and np.array_equal(np.isfinite(a.signal), np.isfinite(b.signal))
            and float(np.max(np.abs(a.signal[both]))) > 10 * SAME_SIGNAL_MV       # a flat line is no recording
            and float(np.max(np.abs(a.signal[both] - b.signal[both]))) <= SAME_SIGNAL_MV):
        return "the same signal, " + (f"in {Path(str(paths[0])).name}" if paths[0] else "another copy")
    return ""


# ---------------------------------------------------------------------- measurements
def _table(session) -> dict[str, float | None]:
    if getattr(session, "measurements", None) is None and not getattr(session, "measurement_edits", None):
        return {}
    out = {}
    for row in session.measurement_table():
        v = row["value"]
        out[row["key"]] = float(v) if v is not None and math.isfinite(float(v)) else None
    return out


def _fmt(v: float) -> str:
    return f"{v:.0f}"


def measurement_change(key: str, prior: float | None, current: float | None,
                       threshold: float | None = None) -> MeasurementChange:
    """One measurement's change with its words (``THRESHOLDS[key]`` unless ``threshold``)."""
    from mirage_model.measure import SCALAR_FIELDS

    fld = next(f for f in SCALAR_FIELDS if f.key == key)
    thr = float(THRESHOLDS[key] if threshold is None else threshold)
    change = None
    if prior is not None and current is not None:
        change = current - prior
        if fld.unit == "deg":
            change = (change + 180.0) % 360.0 - 180.0
            if change == -180.0 and current > prior:
                change = 180.0
    significant = change is not None and abs(change) >= thr
    words = ""
    if significant:
        name, up, down = _WORDS.get(key, (fld.label, "rose", "fell"))
        words = f"{name} {up if change > 0 else down} {_fmt(prior)} -> {_fmt(current)} {fld.unit}"
    return MeasurementChange(key, fld.label, fld.unit, prior, current, change, thr, significant, words)


# ---------------------------------------------------------------------- statements
def statement_key(s) -> str:
    """What a statement is compared by: its code (a model's, or the PTB-XL statement a rule says under its code:
    the flutter rule's AFLT), else the rule that said it (``interpret.Statement.rule_id``: "first_degree_av_block",
    whatever its words), else its words without their values ("First degree AV block (PR 224 ms)" -> "first degree
    av block")."""
    return s.code or s.rule_id or plain_words(s.text).casefold()


def plain_words(text: str) -> str:
    """A statement's words without its values and marks: "Sinus rhythm, 72 bpm, most probable rhythm
    (below its threshold)" -> "Sinus rhythm"; "First degree AV block (PR 224 ms)" -> "First degree AV block"."""
    return re.split(r",| \(", text, maxsplit=1)[0].strip()


def _probabilities(session) -> dict[str, tuple[float, float]]:
    """code -> (probability, threshold) of the prediction the interpretation reads."""
    pred = getattr(session, "statements_prediction", None) or getattr(session, "prediction", None)
    if pred is None:
        return {}
    return {str(lab): (float(p), float(t)) for lab, p, t in zip(pred.labels, pred.probabilities, pred.thresholds)}


def _uncertain_said(s) -> bool:
    """Said uncertainly: marked, at low confidence, or the rhythm guessed below its threshold."""
    return bool(s.note) or s.confidence == "low" or s.guessed


def _near_unsaid(code: str | None, probs: dict[str, tuple[float, float]]) -> bool:
    if not code or code not in probs:
        return False
    p, t = probs[code]
    return t - NEAR_THRESHOLD <= p < t or (p >= t and not is_called(p, t))   # under 20 %: not called, yet close


def _near_threshold(code: str | None, probs: dict[str, tuple[float, float]]) -> bool:
    """The probability lies within ``NEAR_THRESHOLD`` of its threshold, below or above."""
    if not code or code not in probs:
        return False
    p, t = probs[code]
    return abs(p - t) < NEAR_THRESHOLD


def _said(interpretation) -> dict[str, object]:
    out = {}
    for s in interpretation.statements:
        out.setdefault(statement_key(s), s)
    return out


def _sentence(text: str) -> str:
    from mirage_model.review.interpret import _in_sentence

    return _in_sentence(text)


def _first_rhythm(interpretation):
    return next((s for s in interpretation.statements if s.group == "rhythm"), None)


# ---------------------------------------------------------------------- what a side cannot carry
# the quality findings (``quality.findings``) of a limb electrode reversal: the frontal axes move with it
LIMB_REVERSAL = ("limb_reversal", "neutral_reversal")
# the quality findings of a paced rhythm (pacemaker spikes; the statements model's PACE call, ``review.paced``)
PACED = ("paced_rhythm", "paced_rhythm_model")
# the quality findings that put a side's amplitudes in doubt (every lead scaled to one size, LUDB's 1.00 mV; beats
# taller than a heart gives: gain or units wrong): its voltage statements (the model's amplitude statements, the
# QRS voltage rules') say nothing of the heart, so none is said new or gone: those the measurement table marks its
# voltages for (``limits.SCALE_FINDINGS``: beats too tall, too small, a gain wrong) and LUDB's scaling
AMPLITUDE_DOUBT = ("amplitude_scaled", *SCALE_FINDINGS)
VOLTAGE_RULES = ("low_qrs_voltage", "voltage_lvh")
INTERVAL_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms")
AXIS_KEYS = ("p_axis_deg", "qrs_axis_deg", "t_axis_deg")
# a paced QRS and its repolarisation are the pacemaker's (Sgarbossa et al., Am J Cardiol 1996;77:423-4): its
# width, QT and axes are no change of the heart's own conduction; the PR of an AV-sequential pacemaker is its
# programmed delay. The rate and the P axis stay compared.
PACED_KEYS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "qrs_axis_deg", "t_axis_deg")
LIMB_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF")
# a rule's statement (no code), by its rule (``interpret.Statement.rule_id``), and the measurements it is said from
_RULE_KEYS = {"first_degree_av_block": ("pr_ms",), "short_pr": ("pr_ms",), "wide_qrs": ("qrs_ms",),
              "wide_qrs_tachycardia": ("qrs_ms",), "extreme_axis_deviation": ("qrs_axis_deg",),
              "left_axis_deviation": ("qrs_axis_deg",), "right_axis_deviation": ("qrs_axis_deg",),
              "prolonged_qtc": ("qtc_bazett_ms", "qtc_fridericia_ms"),
              "short_qtc": ("qtc_bazett_ms", "qtc_fridericia_ms")}


def _findings(session, codes) -> list:
    """The findings of ``codes`` in the quality report the interpretation reads (``ReviewSession.quality_report``)."""
    return [f for f in getattr(session.quality_report, "findings", ()) or () if f.code in codes]


def _missing_leads(session) -> tuple[str, ...]:
    """The standard leads missing or flat on ``session``'s record, in the standard order: the quality check's
    "lead_missing" finding's, and the loader's per-lead "missing" and "flat" flags."""
    from mirage_model.records.record import STANDARD_LEADS

    out = {lead for f in _findings(session, ("lead_missing",)) for lead in f.leads}
    flags = getattr(getattr(session, "record", None), "quality", None) or {}
    for name in ("missing", "flat"):
        mask = np.asarray(flags.get(name, np.zeros(0, bool)), bool)
        out |= {lead for lead, bad in zip(STANDARD_LEADS, mask) if bad}
    return tuple(lead for lead in STANDARD_LEADS if lead in out)


def _paced(session, interpretation) -> bool:
    """Paced: the quality check found pacemaker spikes (or the statements model's paced call), or the
    interpretation says a paced rhythm (the model's PACE, or the paced-rhythm rule's statement)."""
    return bool(_findings(session, PACED)) or any(
        s.code == "PACE" or s.rule_id == "paced_rhythm" for s in interpretation.statements)


def _calls_missing(session, interpretation) -> tuple[str, str]:
    """Why none of a side's statements can be compared (its interpretation withheld), and why its model's
    statements cannot (the model did not score it); "" each where they can."""
    if interpretation.withheld:
        return f"calls were withheld: {interpretation.withheld}", ""
    if getattr(session, "prediction", None) is None:
        state = (getattr(session, "state", None) or {}).get("prediction")
        why = (getattr(session, "errors", None) or {}).get("prediction", "") or "no model result"
        why = why.removeprefix("not scored: ")
        return "", f"was not scored ({why})" if state == "failed" else f"has no model result ({why})"
    return "", ""


def _atrial_why(it_prior, it_current) -> str:
    """Why the PR and the P axis are not compared: the atrial fibrillation or flutter either interpretation states
    (``measurements.atrial_rhythm``; the table shows them "not applicable" beside it, "unreliable" beside it marked),
    in ``measurements.atrial_reason``'s words with the ECG it is said on ("atrial flutter on this ECG: the wave
    measured as a P wave is a flutter wave (Saoudi et al. 2001), and a PR and a P axis need a P wave"), or the flutter
    waves measured where no model states the rhythm (``Interpretation.p_doubt``, ``interpret.BARE_FLUTTER``: the table
    shows the PR and the P axis unreliable there too); "" where neither applies."""
    said: dict[tuple[str, bool, str], list[bool]] = {}      # (rhythm, marked, reason) -> on (prior, current)
    for i, it in enumerate((it_prior, it_current)):
        if (s := atrial_rhythm(it)) is not None:
            said.setdefault((*atrial_reason(s), bool(s.note)), [False, False])[i] = True
        elif it is not None and not getattr(it, "withheld", None) and (doubt := getattr(it, "p_doubt", "")):
            # "flutter waves at 294/min in II, III, aVF and V1 and no model here that states ...: the wave measured
            # as a P wave may be a flutter wave ..., and a PR and a P axis need a P wave"
            what, _, why = doubt.partition(": ")
            said.setdefault((what, why, False), [False, False])[i] = True
    return "; ".join(f"{name}{' (said, marked)' if marked else ''} on {_whose(on)}: {reason}"
                     for (name, reason, marked), on in said.items())


def _whose(on: tuple[bool, bool]) -> str:
    """The ECGs a finding is on, by (on the prior, on this one): "both ECGs", "the prior ECG", "this ECG"."""
    return "both ECGs" if all(on) else ("the prior ECG" if on[0] else "this ECG")


def _rule_keys(s) -> tuple[str, ...]:
    """The measurements a rule's statement is said from (none for a model's statement)."""
    return () if s.code else _RULE_KEYS.get(s.rule_id, ())


def _names(keys) -> str:
    """"PR, QRS, QT and QTc" / "QRS and T axes" for measurement keys, in the table's order."""
    short = {"heart_rate_bpm": "heart rate", "pr_ms": "PR", "qrs_ms": "QRS", "qt_ms": "QT", "qtc_bazett_ms": "QTc",
             "qtc_fridericia_ms": "QTc", "p_axis_deg": "P axis", "qrs_axis_deg": "QRS axis", "t_axis_deg": "T axis"}
    names = list(dict.fromkeys(short[k] for k in COMPARED_KEYS if k in keys))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------------- the comparison
def compare(prior, current) -> SerialComparison:
    """The current session's ECG compared with the prior session's (both ``ReviewSession``).

    Args:
        prior: the prior ECG's session (measured and scored like the current, same model).
        current: this ECG's session.

    Returns:
        ``SerialComparison``; computed whatever the files say about the patient (``same_patient``
        and ``patient_words`` say it).
    """
    from mirage_model.review.interpret import AMPLITUDE_CODES, session_interpretation

    prior_label, current_label = ecg_label(prior), ecg_label(current)
    same, patient_words = same_patient(getattr(prior, "record", None), getattr(current, "record", None))
    date_words = ""
    t_prior, t_current = recorded_at(getattr(prior, "record", None)), recorded_at(getattr(current, "record", None))
    if t_prior is not None and t_current is not None:
        if t_prior > t_current:
            date_words = PRIOR_LATER.format(prior=record_date(prior.record), current=record_date(current.record))
    else:
        date_words = _ages_backwards(prior, current)
    why_same = same_recording(prior, current)
    same_words = SAME_RECORDING.format(why=why_same) if why_same else ""
    notes: list[str] = []
    not_compared: list[str] = []       # "what (why)", said in the summary
    it_prior, it_current = session_interpretation(prior), session_interpretation(current)

    # measurements, and what a side's signal cannot carry
    p_table, c_table = _table(prior), _table(current)
    for who, table, session in (("prior", p_table, prior), ("current", c_table, current)):
        if not any(v is not None for v in table.values()):
            why = ((getattr(session, "errors", None) or {}).get("measurements", "")
                   or next(iter(getattr(getattr(session, "measurements", None), "notes", ()) or ()), ""))
            notes.append(f"The {who} ECG has no measurements{f' ({why})' if why else ''}: no measurement is compared.")
            not_compared.append(f"measurements ({'the prior ECG' if who == 'prior' else 'this ECG'} has none"
                                 f"{f': {why}' if why else ''})")
    excluded: dict[str, str] = {}      # key -> why it is not compared
    paced = (_paced(prior, it_prior), _paced(current, it_current))
    pacing_words, pacing_part = "", ""
    if paced[0] != paced[1]:
        pacing_words = (f"Pacing changed: paced on {prior_label}, not on this ECG" if paced[0]
                        else f"Pacing changed: paced now, not on {prior_label}")
        pacing_part = ("paced rhythm no longer present (this ECG is not paced)" if paced[0]
                       else f"new paced rhythm (not paced on {prior_label})")
        for k in PACED_KEYS:
            excluded.setdefault(k, f"{_whose(paced)} is paced: a paced QRS and its repolarisation are the "
                                   "pacemaker's, not the heart's own conduction")
    if why := _atrial_why(it_prior, it_current):
        for k in ATRIAL_KEYS:
            excluded.setdefault(k, why)
    reversal = (bool(_findings(prior, LIMB_REVERSAL)), bool(_findings(current, LIMB_REVERSAL)))
    if any(reversal):
        for k in AXIS_KEYS:
            excluded.setdefault(k, f"limb lead reversal suspected on {_whose(reversal)}: a reversal moves the frontal "
                                   "axes")
    # mains left after its subtraction: the P and T waves were read through it, so an interval's or the P or T axis's
    # change may be the interference's (LUDB 1 with 0.5 mV of 50 Hz had lost its PR; LUDB 1-100 with it, before the
    # spike bridge's fix: the T axis moved by more than 30 deg on 9 of 89 records with mains left, the QRS axis on 0 of
    # 91); the rate and the QRS axis stand
    mains = (bool(_findings(prior, (MAINS_LEFT,))), bool(_findings(current, (MAINS_LEFT,))))
    if any(mains):
        for k in MAINS_LEFT_KEYS:
            excluded.setdefault(k, f"mains interference left on {_whose(mains)}: its waves' ends were read through it")
    p_missing, c_missing = _missing_leads(prior), _missing_leads(current)
    lacks = [(who, [lead for lead in mine if lead not in theirs]) for who, mine, theirs in
             (("the prior ECG", p_missing, c_missing), ("this ECG", c_missing, p_missing))]
    lacks = [(who, leads) for who, leads in lacks if leads]
    if lacks:
        # in the quality findings' words: "lacks all chest leads", "lacks leads V1, V2" (it read "V1, ... and V6")
        why = "; ".join(f"{who} lacks {leads_text(leads)}" for who, leads in lacks) + (
            " (missing or flat): measured over other leads")
        limb = any(lead in LIMB_LEADS for _, leads in lacks for lead in leads)
        for k in INTERVAL_KEYS + (AXIS_KEYS if limb else ()):
            excluded.setdefault(k, why)
    changes = []
    for k in COMPARED_KEYS:
        m = measurement_change(k, p_table.get(k), c_table.get(k))
        if k in excluded and m.change is not None:
            m = replace(m, change=None, significant=False, words="", why_not=excluded[k])
        changes.append(m)
    changes = tuple(changes)
    for why in dict.fromkeys(m.why_not for m in changes if m.why_not):
        not_compared.append(f"{_names([m.key for m in changes if m.why_not == why])} ({why})")
    if any(v is not None for v in p_table.values()) and any(v is not None for v in c_table.values()):
        missing = [c.label for c in changes if (c.prior is None) != (c.current is None)]
        if missing:
            notes.append("Measured on one ECG only: " + ", ".join(missing) + ".")

    # statements: none of a side whose calls were withheld, no model's of a side the model did not score
    p_withheld, p_unscored = _calls_missing(prior, it_prior)
    c_withheld, c_unscored = _calls_missing(current, it_current)
    withheld = bool(p_withheld or c_withheld)
    for who, why in (("the prior ECG's", p_withheld), ("this ECG's", c_withheld)):
        if why:
            not_compared.append(f"statements ({who} {why})")
    model_one_side = not withheld and bool(p_unscored) != bool(c_unscored)
    if model_one_side:
        who, why = ("the prior ECG", p_unscored) if p_unscored else ("this ECG", c_unscored)
        not_compared.append(f"the model's statements and the rhythm ({who} {why})")
    p_model, c_model = (getattr(prior, "model_name", None) or ""), (getattr(current, "model_name", None) or "")
    if p_model != c_model and not model_one_side:
        notes.append(f"The two ECGs were interpreted by different models ({p_model or 'none'} and "
                     f"{c_model or 'none'}): a statement may change with the model.")
    p_said, c_said = _said(it_prior), _said(it_current)
    p_probs, c_probs = _probabilities(prior), _probabilities(current)
    p_rhythm, c_rhythm = _first_rhythm(it_prior), _first_rhythm(it_current)
    rhythm_keys = {statement_key(s) for s in (p_rhythm, c_rhythm) if s is not None}
    tables = {"prior": p_table, "current": c_table}
    skipped: dict[str, list[str]] = {}     # why -> the statements not compared for it

    doubt = (bool(_findings(prior, AMPLITUDE_DOUBT)), bool(_findings(current, AMPLITUDE_DOUBT)))

    def comparable(s, other: str) -> bool:
        """Whether ``s``, said on one side and not on ``other``, can be said new or gone."""
        if withheld or (model_one_side and (s.source == "model" or s.code)):
            return False
        if any(doubt) and (s.code in AMPLITUDE_CODES or getattr(s, "rule_id", None) in VOLTAGE_RULES):
            skipped.setdefault(f"amplitudes in doubt on {_whose(doubt)}: not in mV, or a gain wrong",
                               []).append(plain_words(s.text))
            return False
        for k in _rule_keys(s):
            why = excluded.get(k) or ("" if tables[other].get(k) is not None else
                                      f"no {_names([k])} on {'the prior ECG' if other == 'prior' else 'this ECG'}")
            if why:
                skipped.setdefault(why, []).append(plain_words(s.text))
                return False
        return True

    new, possibly_new, gone, possibly_gone, unchanged = [], [], [], [], []
    decided = 0
    for key, s in c_said.items():
        if key in p_said:
            if not withheld:
                unchanged.append(plain_words(s.text))
                decided += 1
        elif key not in rhythm_keys and comparable(s, "prior"):
            (possibly_new if _uncertain_said(s) or _near_unsaid(s.code, p_probs) else new).append(plain_words(s.text))
            decided += 1
    for key, s in p_said.items():
        if key not in c_said and key not in rhythm_keys and comparable(s, "current"):
            (possibly_gone if _uncertain_said(s) or _near_unsaid(s.code, c_probs) else gone).append(plain_words(s.text))
            decided += 1
    for why, words in skipped.items():
        not_compared.append(f"{'; '.join(dict.fromkeys(words))} ({why})")
    rhythm_words, rhythm_part = "", ""
    rhythm_compared = not withheld and not model_one_side and not pacing_words
    if (rhythm_compared and p_rhythm is not None and c_rhythm is not None
            and statement_key(p_rhythm) != statement_key(c_rhythm)):
        # whether the rhythm now said is new: said certainly now, not close to said before, and the prior's
        # rhythm not close to said now; the prior's rhythm said uncertainly makes its name uncertain, not the change
        unsure = (_uncertain_said(c_rhythm) or _near_unsaid(c_rhythm.code, p_probs)
                  or _near_unsaid(p_rhythm.code, c_probs))
        before, after = _sentence(plain_words(p_rhythm.text)), _sentence(plain_words(c_rhythm.text))
        before += " (uncertain)" if _uncertain_said(p_rhythm) else ""
        rhythm_words = f"Rhythm {'possibly ' if unsure else ''}changed: {before} -> {after}"
        rhythm_part = f"{'possibly ' if unsure else ''}new {after} (was {before})"
    elif (rhythm_compared and p_rhythm is not None and c_rhythm is not None and not _uncertain_said(c_rhythm)
          and (_uncertain_said(p_rhythm) or _near_threshold(p_rhythm.code, p_probs))):
        # the same rhythm, said certainly now and only uncertainly (or close to its threshold) before: possibly new
        after = _sentence(plain_words(c_rhythm.text))
        rhythm_words = f"Rhythm possibly changed: {after} (uncertain) -> {after}"
        rhythm_part = f"possibly new {after} (uncertain on {prior_label})"

    # the summary: the pacing change first; what was left out said after what was compared
    parts = [p for p in (pacing_part, rhythm_part) if p]
    parts += [f"new {_sentence(w)}" for w in new]
    parts += [f"possibly new {_sentence(w)}" for w in possibly_new]
    parts += [f"{_sentence(w)} no longer present" for w in gone]
    parts += [f"{_sentence(w)} possibly no longer present" for w in possibly_gone]
    parts += [_sentence(c.words) for c in changes if c.significant]
    head = f"Compared with {prior_label}"
    left_out = ("Not compared: " + "; ".join(not_compared) + ".") if not_compared else ""
    compared_any = (any(m.change is not None for m in changes)
                    or (not withheld and (decided or rhythm_words or (not model_one_side and (p_said or c_said)))))
    if not p_table and not c_table and not p_said and not c_said:
        summary = f"{head}: nothing to compare."
    elif parts:
        summary = f"{head}: " + "; ".join(parts) + "." + (
            f" No other significant change in what was compared. {left_out}" if left_out
            else " No other significant change.")
    elif not compared_any and not_compared:
        summary = f"{head}: not compared: " + "; ".join(not_compared) + "."
    else:
        summary = f"{head}: no significant change" + (f" in what was compared. {left_out}" if left_out else ".")
    return SerialComparison(prior_label, current_label, same, patient_words, changes, tuple(new), tuple(gone),
                            tuple(unchanged), rhythm_words, summary, tuple(notes), tuple(possibly_new),
                            tuple(possibly_gone), date_words, same_words, tuple(not_compared), pacing_words)
