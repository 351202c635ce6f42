"""Clinical fields from a WFDB header's comments: age, sex and diagnoses from ``#Age/#Sex/#Dx``
(PhysioNet/CinC Challenge 2020/2021), ``#<age>``/``#<diagnoses>`` (LUDB), the PTB Diagnostic
database's notes or the "# age 71" comments the R package EGM writes (with its "# mrn" and "# diagnosis"),
and the patient, recording and device fields that MIRAGE's own WFDB writer (``formats.write``) puts in its
comments (``WRITTEN_PATIENT``, ``WRITTEN_RECORDING``), so that a record saved and opened again keeps them.
PTB-XL's table is read by ``records.ptbxl``."""

from __future__ import annotations

import json
import math
import re

import numpy as np

from mirage_model.clinical import parse_sex
from mirage_model.clinical.features import (AGE_OVER_89, AGE_OVER_89_NOTE, AGE_OVER_89_YEARS, age_below, open_age,
                                            sex_refusal)
from mirage_model.records.age import impossible_age
from mirage_model.records.record import STANDARD_LEADS, EcgRecord

# A comment "key: value" (Challenge "#Age: 54", LUDB "#<age>: 54", PTB "#Reason for admission: ...").
# Parsed by _comment_field in linear time; a single regex with a lazy key and optional spaces
# backtracked cubically on a long run of spaces (a 3.6 KB comment took 18 s).
_RX_COMMENT_KEY = re.compile(r"[A-Za-z][\w ()/.-]*")


def _parse_age(text: str) -> tuple[float | None, str | None, bool]:
    """A header's age comment -> (years or None, a note or None, whether the note says the age is
    impossible). PTB-XL's 300 ("older than 89") is 90, as ``records.ptbxl`` and training read it; an
    age no living patient has (``records.age.impossible_age``: "999", "-1") is no age."""
    t = " ".join(text.split()).lower()   # one blank between words: the pattern below stays linear
    if len(t) > 40:
        return None, None, False
    below = age_below(text)            # "<2": no one age, as a labs table's and the lab form's
    if below:
        return None, f"the header's age {below}: age unknown", False
    opened = open_age(t)               # ">89", "90+": the youngest the patient can be
    if opened is not None:
        return opened, f"age given as {text.strip()!r}", False
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(years?|y)?", t)
    if not m:
        return None, None, False
    age = float(m.group(1))
    if age == AGE_OVER_89 and not m.group(2):
        return AGE_OVER_89_YEARS, f"the header's age {text.strip()!r}: {AGE_OVER_89_NOTE}", False
    why = impossible_age(age)
    if why:
        return None, f"the header's age {text.strip()!r} is {why}, a placeholder: age unknown", True
    return age, None, False


# The R package EGM (read_muse, then write_wfdb) writes a MUSE XML's demographics and diagnosis as "key value"
# comments, no colon: "# mrn 074747981", "# age 71", "# sex FEMALE", "# race BLACK", "# diagnosis Atrial
# fibrillation, ...". Read only where no "key: value" comment gives the key; race is read by no model.
_BARE_KEYS = ("mrn", "age", "sex", "diagnosis")
BARE_DIAGNOSIS = "diagnosis comment"    # dx_system of the header's "# diagnosis TEXT" (one statement line, as written)


def _bare_field(line: str) -> tuple[str, str] | None:
    """("key", "value") of an EGM-style comment "key value" (``_BARE_KEYS``: the value one word, but a
    diagnosis's free text), else None."""
    key, _, value = line.strip().partition(" ")
    key, value = key.lower(), value.strip()
    if key not in _BARE_KEYS or value.lower() in _NO_VALUE or (key != "diagnosis" and len(value.split()) > 1):
        return None     # (R's "NA" for a field the MUSE file lacks: none)
    return key, value


def _comment_field(line: str) -> tuple[str, str] | None:
    """("key" lower-cased, "value") of a comment "key: value" or "<key>: value", else None.

    Linear in the line's length (see _RX_COMMENT_KEY for why this is not one regex).
    """
    head, sep, value = line.partition(":")
    if not sep:
        return None
    head = head.strip()
    if head.startswith("<"):
        head = head[1:].lstrip()
    if head.endswith(">"):
        head = head[:-1].rstrip()
    if not _RX_COMMENT_KEY.fullmatch(head):
        return None
    return head.strip().lower(), value.strip()


# The comments MIRAGE's WFDB writer gives the fields of a record's meta (the writer and this reader
# share these labels): the patient's {key: label} (meta["patient"]), then the recording's.
WRITTEN_PATIENT = {"id": "Patient ID", "name": "Patient name", "birth_date": "Birth date"}
# PTB-XL's recording date, PTB's "ECG date", a plain EDF's free-text recording field: each as its file gave it
WRITTEN_RECORDING = {"acquired": "Acquired", "recording_date": "Recording date", "ecg_date": "ECG date",
                     "device": "Device", "site": "Site", "edf_recording_field": "EDF recording field"}
# free text that may name the patient; EDF+'s hospital administration code of the investigation (an EEG or PSG
# number: like an accession number, it leads to the patient)
WRITTEN_IDENTITY = {"edf_patient_field": "EDF patient field", "admin_code": "Admin code"}
WRITTEN_NOTES = {"rx": "Rx", "hx": "Hx", "sx": "Sx"}             # a Challenge header's, as it writes them
# PTB-XL's height (cm) and weight (kg) from its table, numbers a model reads (``clinical.values``): a converted
# record gives them back as the original did, so that it is scored alike
WRITTEN_BODY = {"height": "Height (cm)", "weight": "Weight (kg)"}
DEVICE_STATEMENT = "Device statement"       # "Device statement (SOURCE): text", one line each
DEVICE_MEASUREMENT = "Device measurement"   # "Device measurement (SOURCE): NAME (unit) = value"
STATEMENT_ORIGIN = "Device interpretation by"   # "Device interpretation by: machine" (the reader's statement_origin)
DIAGNOSES = "Diagnoses"                     # 'Diagnoses (LUDB): ["Sinus rhythm.", ...]': the file's labels
FILE_NOTES = "File notes"                   # 'File notes: {"Medication pre admission": "..."}' (PTB's medication)
PTBXL_ROW = "PTB-XL"                        # 'PTB-XL: {"report": "...", "scp_codes": {...}, ...}': its table's row
ANONYMISED = "anonymised"                   # "anonymised: patient name, ID and birth date removed; ..." (write.py)
SOURCE_HEADER = "Source header"             # "Source header: Smoker: no": a comment of the source no field holds


# What the source file's reader recorded of its integrity (the ``meta`` keys ``quality.assess`` judges:
# leads cut short, checksums, a negative or no ADC gain, a lead named twice, the reader's warnings, the leads
# withheld for amplitudes that are not an ECG's) and the leads it derived from others: the WFDB writer keeps
# each as a comment "Source file KEY: JSON", read back here, so that a converted record reopened is judged as
# its source was (an SCP-ECG file whose CRC failed stays withheld once saved as WFDB; limb leads derived from I
# and II stay marked derived; a lead withheld keeps its reason beside its blank). A record read in part keeps
# the whole recording's length in seconds ("recording_s", the one number among them), so that the file
# written of its part still says "2.50 h of 24.0 h read". The standard leads the source had no channel for
# ("absent_leads") travel too: written blank, they would reopen as leads the file holds, and a paediatric lead set's
# "V3 (missing: V3R in its place, not V3)" (``leads.held_in_place``: the absent leads paired with the extra chest
# leads written after the 12) would reopen as a plain "missing".
SOURCE_NOTE = "Source file"
# PTB-XL's age 300 read as 90 ("age_note") travels the same way: the written "Age: 90" alone would lose it.
CARRIED_META = ("short_leads", "length_note", "declared_length_note", "read_part_note", "recording_s",
                "checksum_mismatch", "negative_gain_leads",
                "negative_gain_note", "duplicate_leads", "named_twice", "uncalibrated_leads", "uncalibrated_note",
                "reader_warnings", "derived_leads", "age_note", "withheld_leads", "absent_leads")
_CARRIED_NOTES = ("length_note", "declared_length_note", "read_part_note", "negative_gain_note", "uncalibrated_note",
                  "age_note")
SOURCE_PREFIX = "in the source file: "   # what a carried note says first, once


def source_comments(meta: dict, scrub=None) -> list[str]:
    """The comment lines ("Source file KEY: JSON", ASCII) that carry ``meta``'s ``CARRIED_META`` entries;
    ``scrub`` (text -> text), where given, is applied to every text written (an anonymised file's notes
    lose the patient's name, ID and birth date). A twin lead's samples (``named_twice``' "signal") stay
    behind: the written file holds the channel that was read as the lead."""
    lines = []
    for key in CARRIED_META:
        value = meta.get(key)
        if not value:
            continue
        if key == "named_twice":
            value = [{k: v for k, v in dict(t).items() if k in ("lead", "channel", "first_channel")} for t in value]
        elif key == "recording_s":
            if not _seconds(value):
                continue
            value = float(value)
        elif isinstance(value, str):
            value = scrub(value) if scrub else value
        elif isinstance(value, dict):       # "withheld_leads": lead -> why
            value = {str(k): scrub(str(v)) if scrub else str(v) for k, v in value.items()}
        else:
            value = [scrub(str(v)) if scrub and isinstance(v, str) else v for v in value]
        lines.append(f"{SOURCE_NOTE} {key}: {json.dumps(value, ensure_ascii=True)}")
    return lines


def _seconds(value) -> bool:
    """``value`` is a length in seconds (a finite positive number, not a flag)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _said_of_source(text: str) -> str:
    return text if text.startswith(SOURCE_PREFIX) else SOURCE_PREFIX + text


def apply_source_comments(rec: EcgRecord, comments: list[str]) -> None:
    """``source_comments``' lines back into ``rec.meta`` (beside what this file's own reader found:
    lead lists joined, notes kept both), their texts marked as the source file's
    (``SOURCE_PREFIX``), and the derived leads flagged in ``rec.quality["derived"]``. A line that
    does not read as its key's JSON is passed over (a header edited by hand)."""
    for line in comments:
        head, sep, text = line.partition(":")
        key = head.strip()[len(SOURCE_NOTE):].strip()
        if not sep or not head.strip().startswith(SOURCE_NOTE + " ") or key not in CARRIED_META:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if key == "recording_s":
            if _seconds(value) and not rec.meta.get(key):   # the source's whole recording, unless this file's own
                rec.meta[key] = float(value)
        elif key in _CARRIED_NOTES and isinstance(value, str):
            said = _said_of_source(value)
            old = rec.meta.get(key)
            rec.meta[key] = said if not old or old == said else f"{old}; {said}"
        elif key == "withheld_leads" and isinstance(value, dict):   # blank in the file written: why, kept
            said = {k: str(v) for k, v in value.items() if k in STANDARD_LEADS}
            rec.meta[key] = {**(rec.meta.get(key) or {}), **said}
        elif key == "named_twice" and isinstance(value, list):
            rec.meta[key] = (*rec.meta.get(key, ()), *(t for t in value if isinstance(t, dict) and "lead" in t))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            if key == "absent_leads":       # a standard lead's name only, one the file written holds blank
                value = [v for v in value if v in STANDARD_LEADS and _blank(rec, v)]
            if key == "reader_warnings":
                value = [_said_of_source(v) for v in value]
            rec.meta[key] = tuple(dict.fromkeys((*rec.meta.get(key, ()), *value)))
    derived = [lead for lead in rec.meta.get("derived_leads") or () if lead in STANDARD_LEADS]
    if derived and rec.quality:
        flags = rec.quality.setdefault("derived", np.zeros(len(STANDARD_LEADS), bool))
        for lead in derived:
            flags[STANDARD_LEADS.index(lead)] = True


def _blank(rec: EcgRecord, lead: str) -> bool:
    """Whether ``rec`` holds no valid sample of the standard ``lead``."""
    row = np.asarray(rec.signal)[STANDARD_LEADS.index(lead)] if np.ndim(rec.signal) == 2 else np.zeros(0)
    return row.size > 0 and not np.isfinite(row).any()


def _number(text: str):
    """A device measurement's value as written: a number where it reads as a finite one, else the text."""
    try:
        v = float(text)
    except ValueError:
        return text
    if not math.isfinite(v):        # "nan" is no measurement: kept as the text it was
        return text
    return int(v) if v.is_integer() and "." not in text and "e" not in text.lower() else v


def comment_fields(comments: list[str]) -> dict[str, str]:
    """{"key" lower-cased: value} of the comment lines "key: value" (the first of each key), as
    :func:`apply_comments` reads a header's: for the EDF+ reader's annotations of a file MIRAGE wrote."""
    fields: dict[str, str] = {}
    for line in comments:
        parsed = _comment_field(line)
        if parsed is not None:
            fields.setdefault(*parsed)
    return fields


def _named(head: str, label: str) -> str | None:
    """What ``head`` names after ``label``: "" for the label alone, "SOURCE" for "LABEL (SOURCE)", None when
    ``head`` is not the label's."""
    rest = head[len(label):].strip() if head.startswith(label) else None
    if rest is None or rest[:1] not in ("", "("):
        return None
    return rest[1:-1] if rest.endswith(")") else ""     # "(MAC 5500: 12SL)" cut at its colon: no source


def _json_dict(value: str) -> dict | None:
    """A comment's JSON object, or None (a header edited by hand: passed over)."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def apply_written_fields(rec: EcgRecord, fields: dict[str, str], comments: list[str]) -> None:
    """The patient, recording and device-report fields of a header MIRAGE's writer wrote
    (``WRITTEN_PATIENT``, ``WRITTEN_RECORDING``, ``WRITTEN_IDENTITY``, ``WRITTEN_NOTES``, device statements,
    who made them and measurements) into ``rec.meta``, as the clinical-format readers fill it
    (``formats.assemble.apply_info``), its diagnoses (``DIAGNOSES``: LUDB's, PTB's, PTB-XL's codes),
    the file's notes (``FILE_NOTES``: PTB's medication) and PTB-XL's row (``PTBXL_ROW``: its report and
    likelihoods) where the record has none of its own, and its note that it was anonymised
    (``meta["anonymised"]``, as the EDF+ reader sets it from its patient field), so that the faces say
    so where the patient's name would be."""
    patient = {key: fields[label.lower()] for key, label in WRITTEN_PATIENT.items() if fields.get(label.lower())}
    if patient:
        rec.meta["patient"] = {**(rec.meta.get("patient") or {}), **patient}
    for key, label in {**WRITTEN_RECORDING, **WRITTEN_IDENTITY, **WRITTEN_NOTES}.items():
        value = fields.get(label.lower())
        # a Challenge header's "#Rx: Unknown" is no note (apply_comments reads these keys alike)
        if value and not (key in (*WRITTEN_NOTES, "ecg_date") and value.lower() in _NO_VALUE):
            rec.meta[key] = value
    for key, label in WRITTEN_BODY.items():
        try:
            value = float(fields.get(label.lower()) or "nan")
        except ValueError:         # a header edited by hand: passed over
            continue
        if np.isfinite(value) and rec.meta.get(key) is None:
            rec.meta[key] = value
    if fields.get(ANONYMISED):
        rec.meta["anonymised"] = f"the file says it was anonymised: {fields[ANONYMISED]}"
    statements, measurements, source, origin = [], {}, None, None
    for line in comments:
        head, sep, value = line.partition(":")
        head, value = head.strip(), value.strip()
        if not sep or not value:
            continue
        if head.startswith(DIAGNOSES + " (") and head.endswith(")") and not rec.dx:
            try:
                dx = json.loads(value)
            except ValueError:     # a header edited by hand: passed over
                continue
            if isinstance(dx, list) and dx and all(isinstance(d, str) for d in dx):
                rec.dx, rec.meta["dx_system"] = tuple(dx), head[len(DIAGNOSES) + 2:-1]
            continue
        if head in (FILE_NOTES, PTBXL_ROW):
            key = "file_notes" if head == FILE_NOTES else "ptbxl"
            row = _json_dict(value)
            if row and not rec.meta.get(key) and (key == "ptbxl" or all(isinstance(v, str) for v in row.values())):
                rec.meta[key] = row
            continue
        if head == STATEMENT_ORIGIN:
            origin = value
        elif (named := _named(head, DEVICE_STATEMENT)) is not None:
            statements.append(value)
            if source is None and named:
                source = named
        elif (named := _named(head, DEVICE_MEASUREMENT)) is not None:
            name, eq, v = value.rpartition(" = ")
            if eq and name.strip():
                measurements[name.strip()] = _number(v.strip())
            if source is None and named:
                source = named
    if statements or measurements:
        rec.meta["device_report"] = {"source": source or rec.meta.get("device") or "device",
                                     "statements": tuple(statements), "measurements": measurements,
                                     **({"statement_origin": origin} if origin else {}),
                                     "note": "the acquiring device's own analysis, as stored in the file; "
                                             "not MIRAGE's"}


_PTB_DX_KEYS = ("reason for admission", "acute infarction (localization)",
                "former infarction (localization)", "additional diagnoses")
_NO_VALUE = {"", "n/a", "na", "no", "none", "unknown", "nan", "-"}
# the PTB Diagnostic database's medication notes, kept as written in ``meta["file_notes"]`` ({label: text}) for
# the faces that show what the file says (``review.file_info.file_diagnosis_lines``); no model reads them
_PTB_NOTE_KEYS = ("medication pre admission", "additional medication", "in hospital medication",
                  "medication after discharge")


# the keys of the comments read into a record's fields (apply_comments, apply_written_fields): a writer writes
# them again from those fields
_READ_KEYS = frozenset({"age", "sex", "dx", "rx", "hx", "sx", "ecg date", *_PTB_DX_KEYS, *_PTB_NOTE_KEYS, ANONYMISED,
                        *(label.lower() for label in (*WRITTEN_PATIENT.values(), *WRITTEN_RECORDING.values(),
                                                      *WRITTEN_IDENTITY.values(), *WRITTEN_BODY.values(),
                                                      STATEMENT_ORIGIN, FILE_NOTES, PTBXL_ROW))})
_READ_PREFIXES = (DIAGNOSES + " (", DEVICE_STATEMENT, DEVICE_MEASUREMENT, SOURCE_NOTE + " ")


def unread_comments(comments: list[str]) -> list[str]:
    """The header comment lines that no field of the record holds (PTB's smoker, hemodynamics and catheter
    findings; a hospital's own notes), which a writer keeps as they are ("Source header: LINE", that prefix
    written once): not those :func:`apply_comments` and :func:`apply_written_fields` read (age, sex,
    diagnoses, LUDB's diagnoses after "<diagnoses>:", PTB's notes, MIRAGE's labels), which it writes from the
    record's fields."""
    out = []
    # an EGM bare comment ("age 71") is read only where no other comment gives its field ("Age: 65" wins), and
    # only the first of its key: the others are kept as written, as they were lost on Save as
    read, seen = _bare_read(*_split_comments(comments)), set()
    for line in comments:
        parsed = _comment_field(line)
        if parsed is not None and parsed[0] == "diagnoses" and line.lstrip().startswith("<"):
            break      # LUDB: every line after "#<diagnoses>:" is one diagnosis
        text = line.strip()
        if not text or (parsed is not None and parsed[0] in _READ_KEYS) or text.startswith(_READ_PREFIXES):
            continue
        if parsed is None and (bare := _bare_field(text)) is not None:
            first = bare[0] not in seen
            seen.add(bare[0])
            if first and bare[0] in read:
                continue
        out.append(text if text.startswith(SOURCE_HEADER + ": ") else f"{SOURCE_HEADER}: {text}")
    return out


def _split_comments(comments: list[str]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """The header comments as :func:`apply_comments` reads them: the "key: value" fields (the first of each key),
    EGM's bare fields ("age 71": the first of each key) and LUDB's diagnoses (the lines after "#<diagnoses>:")."""
    fields: dict[str, str] = {}
    bare: dict[str, str] = {}
    ludb_dx: list[str] = []
    in_ludb_dx = False
    for line in comments:
        if in_ludb_dx:
            ludb_dx.append(line.rstrip(" ."))
            continue
        parsed = _comment_field(line)
        if parsed is None:
            if (field := _bare_field(line)) is not None:
                bare.setdefault(*field)
            continue
        key, value = parsed
        if key == "diagnoses" and line.lstrip().startswith("<"):
            in_ludb_dx = True  # LUDB: every line after "#<diagnoses>:" is one diagnosis
            continue
        fields.setdefault(key, value)
    return fields, bare, ludb_dx


def _bare_read(fields: dict[str, str], bare: dict[str, str], ludb_dx: list[str]) -> set[str]:
    """The keys of EGM's bare fields (``_split_comments``) that :func:`apply_comments` reads: age and sex where no
    "key: value" comment gives them, the diagnosis where no other diagnoses are given, the MRN where no written
    patient ID is."""
    read = {key for key in ("age", "sex") if key in bare and key not in fields}
    if "diagnosis" in bare and not ("dx" in fields or ludb_dx or "reason for admission" in fields):
        read.add("diagnosis")
    if bare.get("mrn") and not fields.get(WRITTEN_PATIENT["id"].lower()):
        read.add("mrn")
    return read


def apply_comments(rec: EcgRecord, comments: list[str]) -> None:
    """Age, sex and diagnoses from ``#Age/#Sex/#Dx`` (Challenge), ``#<age>`` (LUDB) or PTB notes (with PTB's
    medication in ``meta["file_notes"]``)."""
    fields, bare, ludb_dx = _split_comments(comments)
    read = _bare_read(fields, bare, ludb_dx)
    for key in ("age", "sex"):
        if key in read:
            fields[key] = bare[key]

    if "age" in fields:
        rec.age, note, impossible = _parse_age(fields["age"])
        if note:
            rec.meta["age_note"] = note
        if impossible:     # said beside the record, as the clinical formats' readers say theirs
            rec.meta["reader_warnings"] = (*rec.meta.get("reader_warnings", ()), note)
    if "sex" in fields:
        rec.sex = parse_sex(fields["sex"])
        if rec.sex is None and fields["sex"].strip().lower() not in _NO_VALUE:
            # a sex the header gives but no word we read as one ('v': Dutch vrouw or Spanish varón):
            # said beside the record (a quality warning) rather than dropped without a word
            rec.meta["reader_warnings"] = (*rec.meta.get("reader_warnings", ()),
                                           f"the header's sex not read: {sex_refusal(fields['sex'])}")
    if "dx" in fields:
        rec.dx = tuple(c.strip() for c in fields["dx"].split(",") if c.strip())
        rec.meta["dx_system"] = "SNOMED-CT"
    elif ludb_dx:
        rec.dx = tuple(d for d in ludb_dx if d)
        rec.meta["dx_system"] = "LUDB"
    elif "reason for admission" in fields:
        dx = []
        for key in _PTB_DX_KEYS:
            value = fields.get(key, "")
            if value.lower() not in _NO_VALUE:
                dx.append(value if key == "reason for admission" else f"{key.capitalize()}: {value}")
        rec.dx = tuple(dx)
        rec.meta["dx_system"] = "PTB"
        notes = {key.capitalize(): fields[key] for key in _PTB_NOTE_KEYS
                 if fields.get(key, "").lower() not in _NO_VALUE}
        if notes:
            rec.meta["file_notes"] = notes
    elif "diagnosis" in read:
        rec.dx, rec.meta["dx_system"] = (bare["diagnosis"],), BARE_DIAGNOSIS
    for key in ("rx", "hx", "sx", "ecg date"):
        if key in fields and fields[key].lower() not in _NO_VALUE:
            rec.meta[key.replace(" ", "_")] = fields[key]
    if "mrn" in read:
        rec.meta["patient"] = {**(rec.meta.get("patient") or {}), "id": bare["mrn"]}
    apply_written_fields(rec, fields, comments)
    apply_source_comments(rec, comments)
