"""A labs table's header cells and numbers: a cell's name and unit ("troponin_t [ng/L]"), a number as people
write it (decimal commas, a thousands mark refused as ambiguous), Excel's separator line, the columns that name
a patient, and why an unknown column is refused (``_column_hint``: a unit run into a name, a name mistyped).
``labs.read_labs_table`` reads a table with them."""

from __future__ import annotations

import difflib
import re

from mirage_model.clinical.features import _RX_NUMBER, ClinicalError, ClinicalFeature, column_key
from mirage_model.clinical.schema import ClinicalSchema


def _header_unit(cell: str) -> tuple[str, str | None]:
    """("name", "unit" or None) of a header cell "name [unit]" or "name (unit)".

    Parsed by hand in linear time: the equivalent regex (a lazy name before optional blanks)
    backtracked cubically on a crafted cell (2,000 blanks and a "(": two minutes).
    """
    text = cell.strip()
    if "\n" not in text and text[-1:] in ("]", ")"):
        close = text[-1]
        open_ = "[" if close == "]" else "("
        last = text.rfind(close, 0, len(text) - 1)      # the unit holds no closing bracket
        start = text.find(open_, last + 1)
        if start != -1:
            return text[:start].strip(), text[start + 1:-1]
    return cell, None


# A number as people write it in ASCII; Python's float() also takes "1_000", "١٢" and "nan".


def _parse_number(text: str, decimal_comma: bool, tabs: bool = False) -> float:
    """A cell's number; in a decimal-comma table (semicolons, tabs) "12,5" is 12.5, and "12.500" (a
    thousands point there, or a decimal one?) is refused as ambiguous. A tab-separated table says
    nothing of its locale (spreadsheets of either convention export tabs), so there "12,500" is
    refused as well, as the app's lab form refuses it (``values.parse_entry``); semicolons are the
    list separator of the locales whose decimal mark is the comma."""
    t = text.strip().lstrip("<>≤≥=").strip()
    if decimal_comma and re.fullmatch(r"[+-]?[0-9]*[1-9][0-9]*\.[0-9]{3}", t):
        raise ValueError(f"{text!r} is ambiguous in a table with decimal commas: a thousands point "
                         f"({t.replace('.', '')}) or a decimal point? Write it without the point, or with a comma")
    if tabs and re.fullmatch(r"[+-]?[0-9]*[1-9][0-9]*,[0-9]{3}", t):
        raise ValueError(f"{text!r} is ambiguous in a tab-separated table: a thousands separator "
                         f"({t.replace(',', '')}) or a decimal comma ({t.replace(',', '.')})? Write it without "
                         "the comma, or with a decimal point")
    if decimal_comma and re.fullmatch(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?", t):
        # a German Excel export of a cell formatted with thousands points ("1.234,5"): said how to write it
        raise ValueError(f"{text!r} is not a number: write it without the thousands points "
                         f"({text.strip().replace('.', '')})")
    if decimal_comma and re.fullmatch(r"[+-]?[0-9]+,[0-9]+", t):
        t = t.replace(",", ".")
    elif re.fullmatch(r"[+-]?[0-9]+,[0-9]+", t):
        # a quoted "72,5" in a comma-separated table: its separator says nothing of the decimal mark but
        # that it is not the comma, and "12,500" may as well be twelve thousand: refused, saying how to write it
        point = t.replace(",", ".")
        thousands = (f" or a thousands separator ({t.replace(',', '')})"
                     if re.fullmatch(r"[+-]?[0-9]{1,3},[0-9]{3}", t) else "")
        raise ValueError(f"{text!r} is not a number in a comma-separated table: it reads like a decimal comma "
                         f"({point}){thousands}. Write it with a decimal point ({point}), or separate the table "
                         "with semicolons, where a decimal comma is read")
    if not _RX_NUMBER.fullmatch(t):
        raise ValueError(f"{text!r} is not a number")
    return float(t) + 0.0     # "-0" is 0: read as -0.0 it had been written "age=-0 years" in labs_used


def separator_line(first_line: str) -> tuple[int, str | None]:
    """(1, ";") when a table's first line is Excel's separator declaration ("sep=;", written by
    spreadsheets so that Excel opens the file with that separator), else (0, None). The header is
    then the second line; it had been read as a header of one column ("sep=")."""
    m = re.fullmatch(r'\s*"?sep=([,;\t|])"?[,;\t]*\s*', first_line, flags=re.IGNORECASE)
    return (1, m.group(1)) if m else (0, None)


_ID_COLUMNS = ("record_id", "record", "id", "ecg_id", "filename", "file")

# columns that name a record's patient, compared without case, blanks, '-', '_' or '.' ("Patient ID",
# "patient-id", "PatientID" are one): the labels table's patient column (``mirage train --group-by``)
# and, in a labs table, a column that is no feature but is kept for the split by patient
PATIENT_COLUMNS = ("patient_id", "patient", "patient_no", "patient_number", "patient_nr", "mrn", "subject_id",
                   "subject", "participant_id", "participant", "person_id", "patienten_id", "patientennummer",
                   "patienten_nr")


def folded_column(name: str) -> str:
    """A column's name as patient columns are compared: without case, blanks, '-', '_' or '.'."""
    return re.sub(r"[\s_\-.]+", "", str(name)).casefold()


def is_patient_column(name: str, also=()) -> bool:
    """Whether a header cell names a patient column (``PATIENT_COLUMNS``, or one of ``also``: a
    column ``--group-by`` names), compared as ``folded_column`` does."""
    return folded_column(name) in {folded_column(n) for n in (*PATIENT_COLUMNS, *also)}


# words of a column that says when a lab was drawn, not its value ("CRP date", "Troponin time", "Datum CRP")
_DATE_WORDS = {"date", "dates", "time", "datetime", "timestamp", "datum", "zeit", "uhrzeit", "abnahmedatum",
               "abnahmezeit"}


def _drawn_column(text: str, schema: ClinicalSchema) -> bool:
    """Whether a header cell is a feature's name (or the start of one: "Troponin") and words of date or time,
    only: "CRP date", "Datum Kreatinin", "Troponin time". "Age at time of ECG" is not (its age is refused
    asking for its unit, as before)."""
    words = [w for w in re.split(r"[\s_\-/.()]+", text.casefold()) if w]
    if not _DATE_WORDS & set(words):
        return False
    key = column_key(" ".join(w for w in words if w not in _DATE_WORDS | {"of", "der", "des"}))
    return len(key) >= 3 and any(column_key(n).startswith(key) for f in schema.features
                                 for n in (f.name, f.label, *f.aliases))


def _column_hint(name: str, schema: ClinicalSchema, header_unit: str | None = None) -> str | None:
    """Why an unknown header cell is refused, as a hint of what it most likely meant: a record id
    column that is not the first, a column of units, a feature with its unit run into its name
    ("weight_kg", "CRP mg/dL"; a name followed by words of no unit, "Troponin T hs", is named as the
    feature it begins with and the words left over; ``header_unit``: the header's unit in brackets, if it
    had one), a feature's name mistyped ("troponine"). None for a column of its own (a smoker flag, the
    date of the draw, a comment; a feature's name with a word of date or time, "CRP date", without a unit in
    the header): the table's other columns are read without it (``read_labs_table`` names it as not used)."""
    if name.strip().lower() in _ID_COLUMNS:
        return "; the record id must be the first column"
    if re.search(r"(?:^|[\s_-])(units?|einheit(en)?|unité|unidad(es)?)(?:$|[\s_-])", name.strip().lower()):
        # a column of units beside the values ("crp;unit"): not a layout the table takes
        return ("; units go in the header ('crp [mg/dL]') or in a second row whose first cell is "
                "'unit', not in a column of their own")
    text = name.strip()
    if not header_unit and _drawn_column(text, schema):
        # when a lab was drawn ("CRP date", "Troponin Zeit"): no value of it, a column of its own. It had been
        # refused as crp followed by words of no unit, or as a troponin mistyped ("did you mean troponin_t?")
        return None
    for cut in reversed([m.start() for m in re.finditer(r"[\s_]+", text)]):
        head, tail = text[:cut], re.split(r"[\s_]+", text[cut:].strip(" _"))
        feat = next((f for f in schema.features if f.matches(head)), None)
        if feat is None:
            continue
        # "mg/dL" as written, or run in with underscores: "ng_L", "ng_per_L"
        for unit in (" ".join(tail), "/".join(t for t in tail if t.lower() != "per")):
            if _accepts(feat, unit):
                return f"; write the unit in brackets: '{head} [{unit}]'"
        # a feature's name and then words of no unit ("Troponin T hs [ng/L]", "troponin_t_xyz"): say which
        # feature the name is and what kept it from being read, as a bare "unknown feature column" had not
        rest = text[cut:].strip(" _")
        if header_unit or not feat.unit:
            written = f"{head} [{header_unit}]" if header_unit else head
            return f"; '{head}' is {feat.name} ({feat.label}), but '{rest}' after it is no part of its name: " \
                   f"name the column '{written}'"
        accepted = ", ".join(dict.fromkeys([feat.unit, *feat.units]))
        return (f"; '{head}' is {feat.name} ({feat.label}), but '{rest}' after it is no unit of it: write its unit "
                f"in brackets, as '{head} [{feat.unit}]' (accepted: {accepted}), or leave the column out")
    # a feature's name mistyped ("troponine", "creatinin") would be left out, and the model trained
    # without it: refused, naming the feature. Short names (k, dd, tnt) are too near too much to tell.
    names = {column_key(n): f.name for f in schema.features for n in (f.name, f.label, *f.aliases)
             if len(column_key(n)) >= 4}
    key = column_key(text)
    near = difflib.get_close_matches(key, list(names), n=4, cutoff=0.8) if len(key) >= 4 else []
    if near:
        # a German report's bare "Troponin" is as near troponin_t as troponin_i: both are named, no guess made
        best = difflib.SequenceMatcher(None, key, near[0]).ratio()
        meant = dict.fromkeys(names[n] for n in near if difflib.SequenceMatcher(None, key, n).ratio() == best)
        return f"; did you mean {' or '.join(meant)}? Write a feature's name as listed, or leave the column out"
    # a short name with two letters swapped, under a unit of that feature ("CPR [mg/dL]" for crp): had been read as
    # a column of its own ("not used") and the model trained without it; a bare "CPR" (a resuscitation flag) still is
    swapped = {f.name for f in schema.features for n in (f.name, f.label, *f.aliases)
               if header_unit and _one_swap(key, column_key(n)) and _accepts(f, header_unit)}
    if swapped:
        return (f"; did you mean {' or '.join(sorted(swapped))}? Write a feature's name as listed, or leave the "
                "column out")
    return None


def _one_swap(a: str, b: str) -> bool:
    """``a`` is ``b`` with two neighbouring letters swapped ("cpr", "crp")."""
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return len(a) == len(b) and len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] \
        and a[diff[1]] == b[diff[0]]


def _accepts(feature: ClinicalFeature, unit: str) -> bool:
    try:
        feature.factor(unit)
    except ClinicalError:
        return False
    return True
