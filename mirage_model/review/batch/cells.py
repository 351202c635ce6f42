"""The output's columns and what its cells say: a row's status words, a folder's error row, numbers
rounded, a labs row's values in one cell, the calls withheld, an error's message."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable

from mirage_model.clinical import LABS_HEADER_NOTE, SEX_CODE, ClinicalError, default_schema
from mirage_model.clinical.features import censor_mark
from mirage_model.csvsafe import printable
from mirage_model.records import RecordError
from mirage_model.measure import SCALAR_FIELDS, SCALAR_KEYS
from mirage_model.paths import OutputError
from mirage_model.review.withheld_words import short_reason, withheld_sentence
from mirage_model.words import shown


# a row's status: "ok", "error", "unscorable" (read, but no usable signal), or NOT_ECG: a file with an
# ECG format's extension that is no ECG MIRAGE reads (its error says what it is; not a failure)
NOT_ECG = "not_ecg"
# the serial comparison's columns (``--compare-prior``; ``priors``): the same patient's earlier record compared
# (its record_path), its recording date, the comparison's words (what changed, or why nothing was compared),
# and its warnings and notes
SERIAL_COLUMNS = ("prior_file", "prior_date", "serial_changes", "serial_warnings")


def columns(labels: Iterable[str], measure: bool = True, pdf: bool = False,
            statements: Iterable[str] = (), serial: bool = False, names: bool = False) -> list[str]:
    """The output columns (= row dict keys) for a model's ``labels``: the record, its patient as the file names them
    (``patient_id``; ``patient_name`` only with ``names``: a research CSV travels) and when it was recorded
    (``recorded``), what its file says of the
    diagnosis (``file_diagnosis``) and what the acquiring device's own analysis states (``device_statements``),
    its status, one
    ``prob_<label>`` per label, the result (``noise_may_hide``: what the record's noise may have taken away, not
    calls) and quality, the measurements (``measure``), the PDF
    (``pdf``), the notes, then the interpretation, why its statements marked "(?)" are doubted
    (``interpretation_notes``), the serial comparison with the same patient's earlier record
    (``serial``: ``SERIAL_COLUMNS``, asked for with ``--compare-prior``) and one
    ``stmt_<code>`` per PTB-XL statement in ``statements`` (``interpret.statement_labels`` of the
    statements model; asked for with ``--all-statements``). ``statements_model`` names the model the
    interpretation's statements come from (empty: the rules alone)."""
    cols = ["record_path", "record_id", "patient_id", *(["patient_name"] if names else []), "recorded", "format",
            "device", "file_diagnosis", "device_statements", "status", "error", "same_ecg_as", "ecg_key"]
    cols += [f"prob_{lab}" for lab in labels]
    cols += ["positive", "withheld_positive", "noise_may_hide", "model", "in_training", "statements_model", "age_given",
             "age_used", "sex_used", "labs_used", "values_not_used", "quality_flags",
             "quality", "warnings", "quality_codes", "poor_leads"]
    if measure:
        cols += list(SCALAR_KEYS)     # the measurement keys are the columns
    if pdf:
        cols.append("pdf")
    cols.append("notes")
    cols.append("interpretation")
    cols.append("interpretation_notes")
    if serial:
        cols += list(SERIAL_COLUMNS)
    cols += [f"stmt_{code}" for code in statements]
    return cols


def folder_row(cols: list[str], rel: str, reason: str, model: str = "") -> dict:
    """The row of a folder that could not be listed (``rel``: its path under the root, ending in
    "/"): the output itself then says that records may be missing, not only the run's summary."""
    row = {c: None for c in cols}
    row.update(record_path=rel, record_id=Path(rel.rstrip("/")).name or rel, status="error", model=model or None,
               error=f"folder cannot be read ({reason}): the records in it are not in this output")
    return row


def clean_float(value, digits: int):
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return round(v, digits) if math.isfinite(v) else None


# the decimals of each measurement column: a field's own (``ScalarField.decimals``: a voltage's 0.01 mV, as the PDF
# and the app show it), at least one (an interval's 0.1 ms, finer than the PDF's whole ms, kept for research); the
# voltages had been rounded to 0.1 mV, a Cornell voltage of 1.96 mV reading "2.0", a woman's limit
MEASUREMENT_DECIMALS = {f.key: max(1, f.decimals) for f in SCALAR_FIELDS}


# the columns that hold numbers (besides ``prob_`` and ``stmt_``): what a decimal comma is written in (the CSV dialect
# "excel-eu", ``outputs``) and read back from, and what the app's table shows as numbers
NUMBER_COLUMNS = frozenset(("age_given", "age_used", *SCALAR_KEYS))


def number_column(col: str) -> bool:
    """Whether the output column ``col`` holds a number (a probability, a measurement, the age used)."""
    return col.startswith(("prob_", "stmt_")) or col in NUMBER_COLUMNS


def measurement_cell(key: str, value, limits: Iterable[float | None] = ()) -> float | None:
    """A measurement's value (``SCALAR_KEYS``' ``key``) as its column gives it: rounded to
    ``MEASUREMENT_DECIMALS``, more where fewer would put it on the other side of one of its range's ``limits``
    (as the measurement table and the PDF show it, ``words.shown``): a precordial QRS of 0.9967 mV, which the
    low-voltage rule reads below 1.0 mV, is 0.997, not 1.0 beside "Low QRS voltage (precordial leads)"
    (CinC 2021 E00002). None when missing or not finite."""
    v = clean_float(value, 12)
    if v is None:
        return None
    return float(shown(v, *(lim for lim in limits if lim is not None), decimals=MEASUREMENT_DECIMALS.get(key, 1)))


def not_ecg_line(path: str, why: str) -> str:
    """The one line on a file with an ECG format's extension that is no ECG (a row of status
    ``NOT_ECG``; ``why``: its error): ``mirage score``'s summary, ``mirage-review --export-pdf`` and
    the app's batch dialog all say it so ("not an ECG: x.xml: the file is empty")."""
    return f"not an ECG: {printable(path)}: {printable(why)}"


def withheld_words(row: dict) -> tuple[str, str]:
    """What a row's empty ``positive`` stands for when the quality gate withheld its calls: a short line
    for a table's cell and the whole of it for a tooltip, as ``mirage report`` says it ("positive: none
    (withheld: MI, CD: paced rhythm (...))"); ("", "") when the row withheld nothing. From the row's
    ``withheld_positive`` and ``quality`` ("unreliable (REASON)"), so a row read back from a CSV has them
    too: ("withheld: paced rhythm", "withheld: MI, CD: paced rhythm (statements model, P=0.93; ...)")."""
    held = [lab for lab in str(row.get("withheld_positive") or "").split(";") if lab]
    if not held or row.get("positive"):
        return "", ""
    verdict, _, reason = str(row.get("quality") or "").partition(" (")
    reason = reason[:-1] if reason.endswith(")") else reason
    reason = reason or (f"signal quality {verdict}" if verdict else "signal quality")
    return f"withheld: {short_reason(reason)}", withheld_sentence(held, reason)


def canonical_value(name: str, value) -> float | None:
    """A clinical value (raw, or (value, unit)) in its feature's canonical unit, as the model
    encodes it (``ClinicalFeature.to_canonical``); None when missing or unreadable."""
    if value is None:
        return None
    try:
        return default_schema([name]).features[0].to_canonical(value)
    except (ClinicalError, KeyError, ValueError, IndexError):
        return None


def sex_letter(value) -> str | None:
    """"M", "F" or None for a sex as any source gives it: "M"/"male" (a header), 1.0/0.0 (a labs
    table, ``SEX_CODE``), or such a value with its unit."""
    code = canonical_value("sex", value)
    return next((k for k, v in SEX_CODE.items() if v == code), None)


def labs_text(values: dict) -> str:
    """A labs row's values as one cell, each in its feature's canonical unit, by name:
    "crp=5 mg/L; sex=F; troponin_t=12 ng/L" for crp 0.5 mg/dL, sex "female" and troponin T
    0.012 ng/mL; a censored value with its mark ("troponin_t=<3 ng/L" for "<3": the model read
    its limit, 3); "" for no values. What a research reader audits a scored row against."""
    parts = []
    for name in sorted(values):
        v = canonical_value(name, values[name])
        if v is None:              # missing, or no feature of the schema
            continue
        if name == "sex":
            shown = sex_letter(v)
        else:
            shown = f"{censor_mark(values[name])}{v:g} {default_schema([name]).features[0].unit}".rstrip()
        if shown is not None:
            parts.append(f"{name}={shown}")
    return "; ".join(parts)


def labs_header_notes(notes) -> list[str]:
    """The parts of a row's notes (its "; "-joined ``notes`` cell) that say its labs row differs
    from the record's header (``clinical.labs_header_note``): [] when none does."""
    return [part for part in str(notes or "").split("; ") if part.startswith(LABS_HEADER_NOTE)]


def error_message(err: BaseException) -> str:
    if isinstance(err, RecordError):
        return err.reason
    if isinstance(err, ClinicalError):
        return f"clinical values: {err}"
    if isinstance(err, OutputError):     # already "cannot write FILE: reason"
        return str(err)
    return f"{type(err).__name__}: {err}"


# what each output column holds, in a few words (the README's table of columns at length): the app's batch dialog
# says it on hover of a header cut short ("evice_statement" had been all a reader saw of device_statements)
COLUMN_WORDS = {
    "record_path": "the record's file, relative to the scored folder",
    "record_id": "the record's name (its path without the extension where two share a name)",
    "patient_id": "the patient ID the file gives (as the window's patient line shows it)",
    "patient_name": "the patient's name the file gives (only when asked for)",
    "recorded": "when the ECG was recorded, as the file says", "format": "the file format read",
    "device": "the acquiring device, when the file names one",
    "file_diagnosis": "what the file itself says of the diagnosis, as written; never read by MIRAGE",
    "device_statements": "the acquiring cart's own statements, as the file words them; never MIRAGE's",
    "status": "ok; error or unscorable (read, but no usable signal); not_ecg (no ECG)",
    "error": "why the record was not scored",
    "same_ecg_as": "the earlier row's record of the same ECG (identical samples and patient): a copy, no other ECG",
    "ecg_key": "the ECG's identity (a digest of its samples, leads, rate, patient and time; the over-read store's); "
               "empty for an anonymised file, which it would tie to the identified one",
    "positive": "the classes over their thresholds; (?) a call in doubt, why in notes",
    "withheld_positive": "the calls the quality gate withheld",
    "noise_may_hide": "findings below threshold the record's noise may have taken away (not calls)",
    "model": "the model that scored the row",
    "in_training": "train or val: a record the model was trained on, or selected and calibrated on (its files' content "
    "among those the model keeps), so its probabilities are optimistic; empty: not one, or a model that keeps none",
    "statements_model": "the model whose statements make the "
    "interpretation", "age_given": "the age the file or the labs table gave (years)",
    "age_used": "the age the model read (years; one outside its training data's range is read at its edge)",
    "sex_used": "the sex the model read",
    "labs_used": "the labs values the model read, each in its feature's unit",
    "values_not_used": "values given that no model of the run reads",
    "quality_flags": "leads flagged by the reader (flat, saturated, missing, derived)",
    "quality": "the quality verdict with its reason", "warnings": "each quality finding by name",
    "quality_codes": "the quality findings' codes", "poor_leads": "the leads graded poor or absent",
    "pdf": "the record's PDF report", "notes": "what the reader and the measurement noted",
    "interpretation": "the interpretation's statements in reading order",
    "interpretation_notes": "why each statement marked (?) is doubted",
    "prior_file": "the same patient's earlier record compared", "prior_date": "its recording date",
    "serial_changes": "what changed since the earlier record", "serial_warnings": "the comparison's warnings",
}


def column_tip(col: str) -> str:
    """What the output column ``col`` holds, with its unit, for a reader who sees its name cut short:
    "qrs_ms: QRS duration (ms)", "prob_NORM: the model's calibrated probability of NORM (0 to 1)"."""
    field = next((f for f in SCALAR_FIELDS if f.key == col), None)
    if field is not None:
        what = f"{field.label} ({field.unit})"
    elif col.startswith("prob_"):
        what = f"the model's calibrated probability of {col[5:]} (0 to 1)"
    elif col.startswith("stmt_"):
        what = f"the statements model's probability of the PTB-XL statement {col[5:]} (0 to 1)"
    else:
        what = COLUMN_WORDS.get(col, "")
    return f"{col}: {what}" if what else col
