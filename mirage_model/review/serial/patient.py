"""Serial comparison: whether the two files are one patient's, when each was recorded, and whether the
prior is the current recording itself.

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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

from mirage_model.records.age import LAST_PLACEHOLDER_BIRTH
from mirage_model.review.file_info import anonymised, file_patient, record_date


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
