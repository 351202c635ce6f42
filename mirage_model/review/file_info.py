"""What the record's own file says beside the signal: the patient and device fields, the
acquisition date, and the one patient line made of them that the PDF's page-1 header and the app's
patient line both show (``patient_facts``), the acquiring device's own interpretation and the file's
own diagnoses and clinical notes (``file_diagnosis_lines``; both always labelled as the file's,
never mixed with MIRAGE's), the record's notes (what the file holds
that is not shown) and what the file's reader noticed while reading it (``reader_notes``)."""

from __future__ import annotations

import math
from pathlib import Path

from mirage_model.csvsafe import encodable
from mirage_model.limits import length_words, recording_words
from mirage_model.records.age import shown_age
from mirage_model.records.leads import held_in_place, other_chest_leads
from mirage_model.records.metadata import SOURCE_PREFIX
from mirage_model.records.snomed import snomed_name
from mirage_model.records.wfdb_header import date_text


def device_report_lines(record) -> tuple[str, list[str]]:
    """The acquiring device's own interpretation, as the file stores it, for the app and the PDF.

    Returns:
        (heading, lines): heading names the device ("MV360 (GE 12SL): the device's own analysis,
        not MIRAGE's"); lines are its statements, then its measurements ("PR interval (ms): 144").
        ("", []) when the file carries none. Never mixed with MIRAGE's statements.
    """
    report = (getattr(record, "meta", None) or {}).get("device_report") or {}
    statements = device_statements(record)
    measurements = [f"{k}: {v:g}" if isinstance(v, (int, float)) else f"{k}: {v}"
                    for k, v in (report.get("measurements") or {}).items()]
    if not statements and not measurements:
        return "", []
    heading = f"{report.get('source') or 'acquiring device'}: the device's own analysis, not MIRAGE's"
    return heading, statements + measurements


def device_statements(record) -> list[str]:
    """The acquiring device's own statements as the file stores them (a GE MUSE or Philips cart's
    interpretation: ["Normal Sinus rhythm", "Anterior infarct, age undetermined"]); [] when it has none.
    Apart from MIRAGE's: shown under the device's name (``device_report_lines``), ``mirage score``'s
    ``device_statements`` column."""
    report = (getattr(record, "meta", None) or {}).get("device_report") or {}
    return [str(s).strip() for s in report.get("statements") or () if str(s).strip()]


FILE_SAYS = "In the file"      # what heads the file's own diagnoses wherever they are shown

# where a record's diagnoses come from (``meta["dx_system"]``, set by the readers) -> how the heading names it
_DX_SOURCES = {"SNOMED-CT": "#Dx, SNOMED-CT", "PTB": "PTB Diagnostic notes", "LUDB": "LUDB diagnoses",
               "PTB-XL SCP": "PTB-XL table", "diagnosis comment": "the header's diagnosis comment"}
# the file's clinical notes beside its diagnoses: the Challenge's #Rx, #Hx and #Sx (``records.metadata``)
_FILE_NOTES = (("rx", "Medication (Rx)"), ("hx", "History (Hx)"), ("sx", "Symptoms (Sx)"))


def _snomed_words(code: str, with_code: bool = True) -> str:
    """A ``#Dx`` code as shown: "atrial fibrillation (164889003)" (``with_code`` False: "atrial
    fibrillation"); a code the challenge's tables do not name stays a code, "SNOMED-CT 251999999"."""
    name = snomed_name(code)
    return (f"{name} ({code})" if with_code else name) if name else f"SNOMED-CT {code}"


def _scp_words(code: str, likelihood, with_code: bool = True) -> str:
    """A PTB-XL SCP statement as shown: in the plain words of the statements MIRAGE calls
    (``interpret.STATEMENTS``), its code and the likelihood (%) PTB-XL's cardiologists gave it:
    "Normal ECG (NORM, likelihood 100 %)" (``with_code`` False: "Normal ECG (likelihood 100 %)").
    PTB-XL writes 0 for a likelihood not given (a rhythm or form statement: "Sinus rhythm (SR)"), so
    0 is not said; a code the table does not hold stays a code."""
    from mirage_model.review.interpret import STATEMENTS    # scipy through measure: only for a PTB-XL record

    info = STATEMENTS.get(code)
    said = [code] if with_code and info is not None else []
    if isinstance(likelihood, (int, float)) and not isinstance(likelihood, bool) and math.isfinite(likelihood) \
            and likelihood > 0:
        said.append(f"likelihood {likelihood:g} %")
    name = info.text if info is not None else code
    return f"{name} ({', '.join(said)})" if said else name


def diagnosis_words(record, with_codes: bool = True) -> list[str]:
    """The file's diagnoses one by one in words, as ``file_diagnosis_lines`` and the folder panel name them: a
    ``#Dx`` SNOMED-CT code by the Challenge's name ("atrial fibrillation (164889003)"), a PTB-XL SCP code by
    MIRAGE's words for it ("Normal ECG (NORM, likelihood 100 %)"), others (LUDB's, PTB's) as written.

    Args:
        record: an ``EcgRecord`` (None: none).
        with_codes: each name's code after it (False: the name alone, a PTB-XL likelihood kept).

    Returns:
        one string per diagnosis in ``record.dx``, in its order; [] when it has none.
    """
    meta = getattr(record, "meta", None) or {}
    dx = [str(d).strip() for d in getattr(record, "dx", None) or () if str(d).strip()]
    system = str(meta.get("dx_system") or "")
    if system == "SNOMED-CT":
        return [_snomed_words(code, with_codes) for code in dx]
    if system == "PTB-XL SCP":
        likelihoods = (meta.get("ptbxl") or {}).get("scp_codes") or {}
        return [_scp_words(code, likelihoods.get(code), with_codes) for code in dx]
    return dx


def file_diagnosis_lines(record, with_codes: bool = True) -> tuple[str, list[str]]:
    """What the record's own file says of the patient's diagnosis, as written, for the app, the PDF and
    ``mirage score`` (``file_diagnosis_text``): a Challenge header's ``#Dx`` SNOMED-CT codes named in
    words (``records.snomed``), the PTB Diagnostic database's reason for admission, diagnoses and
    medication, LUDB's diagnoses, PTB-XL's SCP codes named (``diagnosis_words``) and its report, and a
    Challenge header's #Rx/#Hx/#Sx.
    Shown apart from MIRAGE's calls and never read by them.

    Args:
        record: an ``EcgRecord`` (None: nothing said).
        with_codes: the SNOMED-CT or SCP code after each name it has (False: page 1's short line, the name
            alone).

    Returns:
        (heading, lines): heading "In the file (#Dx, SNOMED-CT): not MIRAGE's"; lines e.g.
        ["atrial fibrillation (164889003)", "SNOMED-CT 251999999"], ["Myocardial infarction",
        "Medication pre admission: Digoxin"] or ["SCP statements: Normal ECG (NORM, likelihood 100 %), Sinus
        rhythm (SR)", "Report: sinusrhythmus normales ekg"]. ("", []) when the file says nothing of it.
    """
    meta = getattr(record, "meta", None) or {}
    lines = diagnosis_words(record, with_codes)
    if lines and meta.get("dx_system") == "PTB-XL SCP":      # one line: "SCP statements: Normal ECG (NORM, ...), ..."
        lines = [f"SCP statements: {', '.join(lines)}"]
    report = str((meta.get("ptbxl") or {}).get("report") or "").strip()
    if report:
        lines.append(f"Report: {report}")
    lines += [f"{label}: {meta[key]}" for key, label in _FILE_NOTES if str(meta.get(key) or "").strip()]
    lines += [f"{label}: {value}" for label, value in (meta.get("file_notes") or {}).items() if str(value).strip()]
    if not lines:
        return "", []
    return f"{_file_says(record)}: not MIRAGE's", lines


def _file_says(record) -> str:
    """"In the file", with where its diagnoses come from where it has some: "In the file (#Dx, SNOMED-CT)"."""
    meta = getattr(record, "meta", None) or {}
    system = str(meta.get("dx_system") or "")
    source = _DX_SOURCES.get(system, system) if getattr(record, "dx", None) else ""
    return FILE_SAYS + (f" ({source})" if source else "")


def file_diagnosis_text(record) -> str:
    """``file_diagnosis_lines`` in one line ("; " between them), as ``mirage score``'s ``file_diagnosis``
    column gives it; "" when the file says nothing of it."""
    return "; ".join(file_diagnosis_lines(record)[1])


def file_diagnosis_note(record) -> str:
    """What the file says of the diagnosis in one line, headed as page 1 of the PDF prints it under the
    sheet, the codes' names without their codes (page 3 gives both): "In the file (#Dx, SNOMED-CT): atrial
    fibrillation; right bundle branch block"; "" when the file says nothing of it."""
    text = "; ".join(file_diagnosis_lines(record, with_codes=False)[1])
    return f"{_file_says(record)}: {text}" if text else ""


# the device's measurements as ``formats.vendor`` labels them -> the measurement table's keys
# (``measure.SCALAR_FIELDS``). A QTc of no stated formula ("QTc, formula not stated (ms)": a GE 12SL or
# Philips headline QTc) has no row of its own: shown in the device's lines only, never as Bazett's.
DEVICE_KEYS = {"Heart rate (bpm)": "heart_rate_bpm", "RR interval (ms)": "rr_ms", "PR interval (ms)": "pr_ms",
               "QRS duration (ms)": "qrs_ms", "QT interval (ms)": "qt_ms", "QTc (Bazett) (ms)": "qtc_bazett_ms",
               "QTc (Fridericia) (ms)": "qtc_fridericia_ms", "P axis (deg)": "p_axis_deg",
               "QRS axis (deg)": "qrs_axis_deg", "T axis (deg)": "t_axis_deg"}


def device_values(record) -> tuple[str, dict[str, float]]:
    """The acquiring device's own global measurements, keyed as MIRAGE's table (``DEVICE_KEYS``), to
    show beside MIRAGE's: (the device's name as its report says it, {key: value}); ("", {}) when
    the file carries none. A value that is not a finite number is left out."""
    report = (getattr(record, "meta", None) or {}).get("device_report") or {}
    values = {}
    for label, v in (report.get("measurements") or {}).items():
        key = DEVICE_KEYS.get(label)
        if key is not None and isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            values[key] = float(v)
    return (str(report.get("source") or "acquiring device") if values else ""), values


def file_patient(record) -> dict:
    """Patient and recording fields the file carries (meta["patient"], device, site), for headers.

    Returns {"name", "id", "device", "site"}; a field the file does not carry (or that anonymising
    removed) is absent. A PTB-XL record's id is its table's (pseudonymised) patient_id, which ties
    the records of one patient together (PTB-XL's folds are drawn per patient).
    """
    meta = getattr(record, "meta", None) or {}
    patient = meta.get("patient") or {}
    out = {k: str(patient[k]) for k in ("name", "id") if patient.get(k)}
    ptbxl_patient = (meta.get("ptbxl") or {}).get("patient_id")
    if "id" not in out and ptbxl_patient is not None:
        out["id"] = f"PTB-XL patient {ptbxl_patient}"
    for k in ("device", "site"):
        if meta.get(k):
            out[k] = str(meta[k])
    return out


def anonymised(record) -> bool:
    """Whether the file says it was anonymised (``mirage convert --anonymise``, File > Save record as,
    anonymised: an EDF+ patient field's "anonymised" or a WFDB header's "anonymised: ..." comment)."""
    return bool((getattr(record, "meta", None) or {}).get("anonymised"))


ANONYMISED_NAME = "anonymised"      # where the name was, in every place that names the patient


def patient_names(record, name: str = "", patient_id: str = "") -> tuple[str, str]:
    """Who the patient is, as every place that names them says it (the patient line and page 1 of
    the PDF, ``patient_facts``; the window title and the status bar, ``patient_named``; every PDF
    page's footer): the name and ID typed for the report, else the file's.

    Returns:
        (name, ID): ("JOHN DOE", "081486213"); the name "anonymised" (``ANONYMISED_NAME``) where the
        file says it was anonymised and no name is typed; "" for what is not known.
    """
    from_file = file_patient(record)
    name = name or from_file.get("name") or (ANONYMISED_NAME if anonymised(record) else "")
    return name, patient_id or from_file.get("id") or ""


def patient_named(record, name: str = "", patient_id: str = "") -> str:
    """``patient_names`` in one phrase, as the window title and the status bar name the patient:
    "JOHN DOE, ID 081486213", "anonymised", "ID 081486213"; "" when neither is known."""
    name, pid = patient_names(record, name, patient_id)
    return ", ".join(x for x in (name, f"ID {pid}" if pid else "") if x)


def report_title(record, name: str = "", patient_id: str = "") -> str:
    """What a report of ``record`` is called where no page shows it: the PDF's metadata title and a print job's name
    (a print queue, a PDF printer's file). "ECG report 1.2.840.113619..., patient ID 081486213, recorded 2023-04-29
    22:41:16", so that a patient is found among PDFs named after UID-named files without opening each. The ID
    (``patient_names``: typed for the report, else the file's) and time as page 1 prints them; never the name (a
    PDF's properties travel with it unseen). The record by its file's name with its extension (``muse-sinus.xml``),
    as the PDF's own name keeps it where two files share a stem (``muse-sinus_xml.pdf``, ``muse-sinus_hea.pdf``):
    both had read "ECG report muse-sinus"; the record's id for one read from no file."""
    _, pid = patient_names(record, name, patient_id)
    when = record_date(record)
    path = getattr(record, "path", None)
    shown = encodable(Path(path).name) if path else record.record_id
    return ", ".join([f"ECG report {shown}", *([f"patient ID {pid}"] if pid else []),
                      *([f"recorded {when}"] if when else [])])


def record_date(record) -> str:
    """When the ECG was taken, as the file says: a format's acquisition time, PTB-XL's recording
    date, a WFDB header's base date and time (DD/MM/YYYY, "03/04/2020", or a month name, "12-May-2020":
    printed 2020-04-03 and 2020-05-12; the WFDB reader gives them as ``acquired``), or
    the PTB Diagnostic database's "ECG date" comment
    (day/month/year there, e.g. 18/10/1990; printed 1990-10-18 so that no reader takes it for
    month/day). One parser reads both (``wfdb_header.date_text``): a date naming no real day is
    printed as the file holds it, "31/02/2020 (not a valid date)". "" when the file does not say."""
    meta = getattr(record, "meta", None) or {}
    for key in ("recording_date", "acquisition_date", "acquired", "datetime", "date", "base_datetime"):
        if meta.get(key):
            return str(meta[key])
    date, time = meta.get("base_date"), meta.get("base_time")    # one whose date is no valid one
    if date:
        return date_text(str(date), str(time or ""))
    return date_text(str(meta.get("ecg_date") or ""))


def patient_facts(record, age=None, sex=None, *, name: str = "", patient_id: str = "",
                  with_record: bool = False, say_unknown: bool = False) -> list[str]:
    """Whose ECG this is, one fact each, as page 1's header of the PDF prints them and the app's
    patient line shows them (the one place their words are made, so that both say the same).

    Args:
        record: the ``EcgRecord`` (None: no record, no facts).
        age: years, as the review session holds it (the file's, or the reviewer's edit); None: not given.
        sex: "M" / "F" as the session holds it; None: not given.
        name, patient_id: what the user typed for the report; they win over the file's.
        with_record: the record's id too ("Record: muse-sinus", before the device: a line cut short
            for room keeps it); page 1 prints it in its title instead.
        say_unknown: "Age: unknown" and "Sex: unknown" where none is given (page 1 of the PDF: its
            measurements are then read against the adult ranges, and the header says why; the status
            bar's "age unknown, sex unknown" in the same words).

    Returns:
        e.g. ["Patient: JOHN DOE" (a file that says it was anonymised, and no name typed:
        "Patient: anonymised"), "ID: 081486213", "Age: 43" (under 2 years "Age: 7 months",
        ``records.age.age_text``; an anonymised file's 90 that stands for 90 or older "Age: ≥90"), "Sex: M",
        "Acquired: 2023-04-29 22:41:16", "Device: MV360", "Site: UNIVERSITY OF HOSPITAL"]; a fact that is
        not known is left out (age and sex too, unless ``say_unknown``), never written as "None".
    """
    if record is None:
        return []
    facts = []
    from_file = file_patient(record)
    name, pid = patient_names(record, name, patient_id)     # "anonymised" where the name was: no one forgot it
    if name:
        facts.append(f"Patient: {name}")
    if pid:
        facts.append(f"ID: {pid}")
    # "" for no age, NaN or a negative one; an anonymised file's 90 is "90 or older" (HIPAA Safe Harbor): "≥90"
    shown = shown_age(age, getattr(record, "meta", None)) if age is not None else ""
    if shown:
        facts.append(f"Age: {shown}")      # 43; an infant's in months, weeks or days: 3 months
    elif say_unknown:
        facts.append("Age: unknown")
    if sex:
        facts.append(f"Sex: {sex}")
    elif say_unknown:
        facts.append("Sex: unknown")
    date = record_date(record)
    if date:
        facts.append(f"Acquired: {date}")
    record_id = str(getattr(record, "record_id", "") or "")
    if with_record and record_id:
        facts.append(f"Record: {record_id}")
    # the site is where the ECG was taken (a file's institution), not part of the device's name: a fact of its own
    # (a Philips HeartStart MRx's file from "GE EMS" had read "Device: HeartstartMRx, GE EMS")
    if from_file.get("device"):
        facts.append(f"Device: {from_file['device']}")
    if from_file.get("site"):
        facts.append(f"Site: {from_file['site']}")
    admin = str((getattr(record, "meta", None) or {}).get("admin_code") or "")
    if admin and not anonymised(record):   # EDF+'s hospital administration code of the investigation
        facts.append(f"Admin code: {admin}")
    return facts


EXTRA_DRAWN = "extra leads drawn after the 12"     # the PDF says the page instead ("extra leads on page 4")


def record_notes(record) -> list[str]:
    """The record's notes, one line each, for the app's record information and the PDF's notes
    under the sheet (the one place their words are made): the file's ECG leads outside the 12 that are drawn
    after them (``EcgRecord.extra_leads``: the PTB Diagnostic records' Frank leads, a paediatric V4R), those that
    could not be (``meta["extra_leads_unread"]``: why), and the file's other channels, not shown (an EDF's SpO2:
    ``meta["dropped_leads"]``, filled by ``records.leads.lead_mapping_meta`` and the EDF reader).

    And the standard leads the file has no channel for (``meta["absent_leads"]``), blank as a lead whose samples
    are all missing is: the lead's label says "missing" either way, this line which.

    Returns:
        e.g. ["extra leads drawn after the 12: vx, vy, vz (not read by the models)", "not shown: SpO2
        (not among the 12 standard leads)"]; [] when there is nothing to say.
    """
    meta = getattr(record, "meta", None) or {}
    notes = []
    absent = [str(name) for name in meta.get("absent_leads") or ()]
    dropped = [str(name) for name in meta.get("dropped_leads") or ()]
    if absent:
        instead = other_chest_leads(dropped) if all(lead.startswith("V") for lead in absent) else []
        paired = held_in_place(absent, dropped)        # V3R in V3's place is no V3: said lead by lead
        held = (", ".join(f"{other} in place of {lead}" for lead, other in paired.items()) if paired
                else f"{', '.join(instead)} instead")
        notes.append(f"no {', '.join(absent)} channel{'s' if len(absent) > 1 else ''} in the file: shown blank"
                     + (f" (it holds {held}: a paediatric lead set?)" if instead else "") + _twice_instead(meta))
    kept = [str(lead.name) for lead in getattr(record, "extra_leads", ()) or ()]
    unread = {str(k): str(v) for k, v in (meta.get("extra_leads_unread") or {}).items()}
    if kept:        # the words the app's view and the PDF's page of extra leads stand by
        notes.append(f"{EXTRA_DRAWN}: {', '.join(kept)} (not read by the models)")
    for name, why in unread.items():
        notes.append(f"not shown: {name} (an extra lead: {why})")
    others = [name for name in dropped if name.strip() not in kept and name.strip() not in unread]
    if others:
        notes.append(f"not shown: {', '.join(others)} (not among the 12 standard leads)")
    return notes


def _twice_instead(meta: dict) -> str:
    """Words for the note of a record's missing leads where its file names a lead on more than one channel
    (``meta["named_twice"]``): one of those channels is no such lead, and may be a missing one (V2's channel
    labelled "V1" leaves a V1 twice and no V2); "" where no lead is named twice."""
    twins = [str(entry["lead"]) for entry in meta.get("named_twice") or ()]
    if not twins:
        return ""
    leads = list(dict.fromkeys(twins))
    times = "twice" if len(twins) == len(leads) else "more than once"
    return (f" (the file names {', '.join(leads)} {times}: one of {'its' if len(leads) == 1 else 'their'} channels "
            "may be a missing lead)")


def part_read(duration_s: float, recording_s: float | None) -> bool:
    """Whether a record of ``duration_s`` seconds is the first part of a longer recording of ``recording_s``
    seconds (``meta["recording_s"]``: a Holter read in part, or a file written of one)."""
    return isinstance(recording_s, (int, float)) and math.isfinite(recording_s) and recording_s > duration_s


CUT_SHORT = "file cut short"


def cut_short(meta: dict | None) -> bool:
    """Whether a record's file holds fewer samples than its header declares (``meta["declared_length_note"]``:
    an ISHNE or EDF file, a WFDB signal file, cut short), which the quality check warns of as file_truncated."""
    return bool((meta or {}).get("declared_length_note"))


def length_read(duration_s: float, recording_s: float | None = None, cut: bool = False) -> str:
    """The record's length as the app's status bar and folder panel say it: "10.0 s"; for a record that
    is the first part of a longer recording (a Holter read in part, or a file written of one:
    ``meta["recording_s"]``, the whole recording's length in seconds), what was read of how much, the part in
    the words of the record's read_in_part warning: "2.50 h of 24.0 h read", "10.0 s of 24.0 h read". ``cut``
    (``cut_short``): a file cut short says so beside its length, "47.8 s (file cut short)", so that the length
    read is not taken for the recording's (a part read says its own words)."""
    read = f"{duration_s:.1f} s"
    if not part_read(duration_s, recording_s):
        return f"{read} ({CUT_SHORT})" if cut else read
    part = read if duration_s < 120 else length_words(duration_s)    # "9000.0 s" read as "2.50 h"
    return f"{part} of {recording_words(recording_s)} read"


READER_NOTED = "the file reader noted: "
SOURCE_NOTED = "the source file's reader noted: "      # a converted file's carried notes (CARRIED_META)


def reader_notes(record, shown: str = "") -> list[str]:
    """What the file's reader noticed while reading it, one line each, for every face that shows a
    record: the app's message bar, the PDF's notes under the sheet (page 1 and, in full, page 3),
    ``mirage score``'s notes and ``mirage convert``'s output (the one place their words are made).

    The notes are the readers' ``meta["reader_warnings"]`` (a placeholder birth date, an XML whose
    declared encoding is not its text's, signed samples stated unsigned, a header checksum that does
    not fit) and ``meta["age_note"]`` (PTB-XL's age 300, older than 89, shown as 90), each once.

    Args:
        record: an ``EcgRecord`` (None: no notes).
        shown: what the same page or row already says (the quality findings' words, which name
            the first reader warning): a note it holds in full is not said again.

    Returns:
        e.g. ["the file reader noted: birth date 1900-01-01 looks like a placeholder (1900-01-01 or
        earlier, what exports write for none): age unknown"] (a converted file's note from its source:
        "the source file's reader noted: birth date ..."); [] when the reader noticed nothing.
    """
    meta = getattr(record, "meta", None) or {}
    said = [str(w) for w in meta.get("reader_warnings") or ()]
    if meta.get("age_note"):
        said.append(str(meta["age_note"]))
    # a note this file's reader made again (a converted file's placeholder birth date) is its source's too: once
    notes = {}
    for note in (n.strip() for n in said):
        notes.setdefault(note.removeprefix(SOURCE_PREFIX), note)
    return [_noted(note) for note in notes.values() if note and note.removeprefix(SOURCE_PREFIX) not in shown]


def _noted(note: str) -> str:
    """A reader's note as said: "the file reader noted: ...", or where a converted file carries its
    source's (``records.metadata.SOURCE_PREFIX``, "in the source file: ...") "the source file's reader
    noted: ...", the source said once (it read "the file reader noted: in the source file: ...")."""
    if note.startswith(SOURCE_PREFIX):
        return SOURCE_NOTED + note[len(SOURCE_PREFIX):]
    return READER_NOTED + note
