"""Labs tables (CSV/TSV, one row per record): columns matched to features by name or alias, units
from the header ("troponin_t [ng/L]") or a unit column, decimal commas, every problem a
``LabsTableError`` naming the file, row and column."""

from __future__ import annotations

import csv
import difflib
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mirage_model.clinical.features import (_BINARY_CODES, _RX_NUMBER, AGE_OVER_89_NOTE, AGE_OVER_89_YEARS,
                                            ClinicalError, ClinicalFeature, age_below, is_age_over_89, open_age_of,
                                            open_age_reading, LabsTableError, _is_missing, _unit_key, censor_mark,
                                            column_key)
from mirage_model.clinical.schema import ClinicalSchema, default_schema
from mirage_model.clinical.table_text import read_table_text
from mirage_model.clinical.values import feet_inches, typed_unit, typed_unit_reading
from mirage_model.words import counted, first_few

logger = logging.getLogger(__name__)


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
    return float(t)


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


def read_labs_table(path, schema: ClinicalSchema | None = None, row_errors: dict | None = None,
                    warnings: list | None = None, patients: dict | None = None,
                    patient_columns=(), not_read: list | None = None, cell_errors: dict | None = None,
                    patient_first: list | None = None) -> dict[str, dict[str, tuple[float | str, str | None]]]:
    """Read a researcher's labs CSV into ``{record_id: {feature: (value, unit or None)}}``.

    Layout: the first column is the record id, the other columns are features (matched to the
    schema by name, label or alias, case-insensitively). Units either in the header
    (``troponin_t [ng/L]`` or ``troponin_t (ng/L)``) or in a second row whose first cell is
    ``unit``/``units``; without a unit a value is in the canonical unit (unit None). Empty cells
    are missing (left out). Separators ``,``, ``;`` or tab; with ``;``/tab a decimal comma is
    accepted. A censored result ("<5", ">35000", "<0,3") is kept as its text with a decimal point
    ("<0.3"): ``ClinicalFeature.to_canonical`` (and so the model) reads it as its limit, and whatever
    shows it (the lab form, the PDF, the CSV's ``labs_used``) shows the mark, never a bare 0.3 that
    reads as measured; a warning counts such cells and names the first three (line, column, cell).
    Every other value is a float. Sex cells ("M"/"F") become 1.0/0.0. Every value is checked with
    its unit. A column that is no feature but names the patient (``PATIENT_COLUMNS``: "patient_id",
    "MRN", "Subject" ..., or one of ``patient_columns``) is no feature: it is read only into
    ``patients``. A feature's name mistyped ("troponine"), a unit run into one ("weight_kg"), a column
    of units or a record id column that is not the first is refused (``_column_hint``): left out, the
    model would be trained without the lab meant. Any other column ("Smoker", a date) is no feature
    any model reads: it is named in a warning as not used, and the other columns are read.

    ``not_read``: when a list is given, the header cells of the columns of no feature ("Smoker") are
    appended to it, for a summary that counts what the table gave (the warning names them too).

    ``patients``: when a dict is given, ``{record_id: {column: cell}}`` of each row read, for
    the patient columns whose cell is not empty (``mirage train`` splits by patient with it).

    ``row_errors``: when a dict is given, a data row with a bad value, and every row of a record id
    that appears twice, is left out and recorded there as {record_id: message} instead of raising
    (a batch refuses that record alone).

    ``cell_errors``: when a dict is given (with ``row_errors``), a bad value is instead left out of
    its row and recorded there as {record_id: {feature: message}}, the rest of the row read: a batch
    refuses the record only when a model of the run reads that feature (``LabsLookup.refused``).

    ``patient_first``: when a list is given, the header of the first column is appended to it when it
    names patients ("Patient ID", "MRN": ``is_patient_column``): its rows are read as record ids all
    the same, and a batch, which knows its records, warns when they fit almost none of them
    (``patient_column_warning``); the header alone does not tell (a column of the records' names).

    A file that is not UTF-8 (German Excel's "CSV (Trennzeichen-getrennt)") is read as Windows-1252, with
    a warning (``table_text.read_table_text``); one that is not Windows-1252 either is refused.

    ``warnings``: when a list is given, every warning logged about the table (units assumed,
    censored values read as their limit, the encoding) is appended to it too, as the logged line, for a face that
    shows no log (the app's batch dialog).

    Raises:
        LabsTableError: (a ``ClinicalError``) naming the file, line and column: unreadable file,
            a mistyped feature column (listing the known names), no feature column at all, unknown
            unit, non-numeric or impossible value, duplicate record ids or columns; every problem of
            the table in the one error (``_problems_error``).
    """
    path = Path(path)
    schema = schema if schema is not None else default_schema()
    text = read_table_text(path, warnings, windows_1252=True)     # a German Excel's "CSV" read, and said
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise LabsTableError(path, "the file is empty")
    top, delimiter = separator_line(lines[0])   # Excel's "sep=;" first line: the header is the next
    if delimiter is None:
        try:
            dialect = csv.Sniffer().sniff(lines[top] if top < len(lines) else "", delimiters=",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [h.strip() for h in rows[top]] if top < len(rows) else []
    if len(header) < 2:
        raise LabsTableError(path, "expected a record id column followed by feature columns", line=top + 1)
    if patient_first is not None and is_patient_column(header[0], patient_columns):
        patient_first.append(header[0])

    columns: list[tuple[ClinicalFeature, str | None]] = []
    at: list[int] = []                            # each feature column's index in a row
    patient_at: dict[str, int] = {}               # patient column -> its index in a row
    seen: dict[str, str] = {}
    unused: list[str] = []                        # columns of their own ("Smoker"): named, not read
    # every problem of the table (line, column, why), named in one error at the end: a header's, a units
    # row's and each row's had come one kind per run (fix one, run again, meet the next)
    problems: list[tuple[int | None, str | None, str]] = []
    for k, cell in enumerate(header[1:], start=1):
        name, unit = _header_unit(cell)
        unit = (unit or "").strip() or None        # "mg/dL", or None for none (or a blank one)
        feat = next((f for f in schema.features if f.matches(name)), None)
        if feat is None and is_patient_column(cell, patient_columns):
            patient_at[cell] = k
            continue
        if feat is None:
            hint = _column_hint(name, schema, unit)
            if hint is None:
                # a spreadsheet's own column (a smoker flag, the date of the draw): no model reads it,
                # and deleting it by hand is all a refusal asked; named in a warning, as not used
                unused.append(cell)
                continue
            problems.append((top + 1, cell, f"unknown feature column (known: {', '.join(schema.names)}){hint}"))
            continue
        if feat.name in seen:
            problems.append((top + 1, cell, f"{feat.name} appears twice (also as {seen[feat.name]!r})"))
            continue
        seen[feat.name] = cell
        columns.append((feat, unit))
        at.append(k)

    if not_read is not None:
        not_read.extend(unused)
    if unused:
        shown = first_few(unused, 10, repr, more=" ...")
        if not columns and not patient_at and not problems:
            raise LabsTableError(path, f"no feature column: {counted(len(unused), 'unknown feature column')} "
                                 f"({shown}; known: {', '.join(schema.names)})", line=top + 1)
        _warn(warnings, "%s: not used: %s (%s of no feature the model reads, nor a patient column; known: %s); "
              "the other columns are read", path, shown, "a column" if len(unused) == 1 else "columns",
              ", ".join(schema.names))

    first_data = top + 1
    bad_units: set[int] = set()                   # columns whose unit is refused: their cells are not read
    units_row = rows[top + 1] if len(rows) > top + 1 else []
    if units_row and units_row[0].strip().lower() in ("unit", "units"):
        first_data = top + 2
        for j, (feat, unit) in enumerate(columns):
            cell = units_row[at[j]].strip() if at[j] < len(units_row) else ""
            if cell:
                if unit is not None and _unit_key(unit) != _unit_key(cell):
                    problems.append((top + 2, header[at[j]], f"unit {cell!r} contradicts the header's {unit!r}"))
                    bad_units.add(j)
                    continue
                columns[j] = (feat, cell)
    for j, (feat, unit) in enumerate(columns):
        if j in bad_units:
            continue
        try:
            feat.factor(unit)
        except ClinicalError as err:
            problems.append((first_data, header[at[j]], str(err)))
            bad_units.add(j)

    out: dict[str, dict[str, tuple[float, str | None]]] = {}
    censored: list[str] = []                      # "line 3, crp [mg/dL]: '<0,3' read as 0.3"
    coded_sex: list[int] = []                     # lines whose sex is a bare 0 or 1
    # the sex column, unless its name says which number is which (sex_m: 1 = male)
    coded_sex_column = next((j for j, (feat, _) in enumerate(columns) if feat.name == "sex"
                             and column_key(_header_unit(header[at[j]])[0]) != column_key("sex_m")), None)
    first_line: dict[str, int] = {}
    over_89: list[int] = []
    own_units: list[str] = []                     # "line 3, creatinine [umol/L]: '1.2 mg/dL' read as ..."
    bare: set[int] = set()                        # columns with a cell of no unit of its own ("70", not "70 kg")
    open_ages: list[str] = []                     # "line 4: '>89' read as 90, the youngest ..."
    decimal_comma = delimiter != ","
    for i in range(first_data, len(rows)):
        row, line = rows[i], i + 1
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            hint = ""
            digits = [bool(re.fullmatch(r"[0-9]+", c.strip())) for c in row]
            if delimiter == "," and any(a and b for a, b in zip(digits[1:], digits[2:])):
                # "12,5" in a comma-separated file: the decimal comma split the value in two
                hint = ("; a decimal comma splits a value in two in a comma-separated file: write a decimal "
                        "point (12.5), or separate the columns with ';'")
            problems.append((line, None, f"{len(row)} cells but the header has {len(header)} columns{hint}"))
            continue
        # a table written on Windows names siteA/1 as "siteA\\1": no record's id holds a backslash
        rid = row[0].strip().replace("\\", "/")
        if not rid:
            problems.append((line, header[0], "empty record id"))
            continue
        if rid in first_line:
            # two rows for one record (a repeated draw): which holds its values is not ours to guess.
            # In a batch the record alone is refused, as for a bad value; the other records go on
            why = f"record id {rid!r} appears twice (also on line {first_line[rid]})"
            if row_errors is None:
                problems.append((line, header[0], why))       # its cells are checked all the same
            else:
                row_errors[rid] = str(LabsTableError(path, why, line=line, column=header[0]))
                out.pop(rid, None)
                if cell_errors is not None:
                    cell_errors.pop(rid, None)
                if patients is not None:
                    patients.pop(rid, None)
                continue
        first_line.setdefault(rid, line)
        values: dict[str, tuple[float, str | None]] = {}
        for j, (feat, unit) in enumerate(columns):
            cell = row[at[j]].strip() if at[j] < len(row) else ""
            if j in bad_units or _is_missing(cell):
                continue
            try:
                written, own, column_unit = cell, None, unit
                if not (feat.name == "age" and age_below(cell, unit)):
                    # "70 kg", "1.2 mg/dL": read in its own unit, whatever the column's ("70 st" refused)
                    cell, own = typed_unit(feat, cell)
                    unit = own or unit
                    if own is None:
                        bare.add(j)
                if feat.kind == "binary":
                    number = feat.to_canonical(cell)
                    if j == coded_sex_column and cell in _BINARY_CODES:
                        coded_sex.append(line)
                elif feat.name == "age" and (below := age_below(cell, unit)):
                    open_ages.append(f"line {line}: {below}: read as unknown")    # "<2": no one age, left out
                    continue
                elif (opened := open_age_of(feat, cell, unit)) is not None:
                    # ">89", "90+": the youngest the patient can be, "<1": under one year (0), as a header's
                    # age is read, not the censored limit an assay's ">35000" is (89 would be a year younger)
                    number = opened
                    feat.to_canonical(number, unit)
                    open_ages.append(f"line {line}: {open_age_reading(written, number)}")
                else:
                    try:
                        number = _parse_number(cell, decimal_comma, delimiter == "\t")
                    except ValueError as err:
                        raise ClinicalError(feat.name, str(err)) from None
                    if is_age_over_89(feat, number, unit):
                        number = AGE_OVER_89_YEARS      # PTB-XL's 300, read as training reads PTB-XL's table
                        over_89.append(line)
                    canonical = feat.to_canonical(number, unit)  # range check in canonical units
                    # 5'10" in an inches column is 70 in, said all the same: feet are not the column's unit
                    feet = (feet_inches(feat, written) or ("",))[0]
                    if own is not None and (_unit_key(own) != _unit_key(column_unit or feat.unit) or feet):
                        own_units.append(f"line {line}, {header[at[j]]}: "
                                         f"{typed_unit_reading(feat, written, canonical)}")
                    mark = censor_mark(cell)
                    if mark:
                        censored.append(f"line {line}, {header[at[j]]}: {cell!r} read as {number:g}")
                        # kept censored ("<0.3", a decimal point): its limit for the model, its
                        # mark wherever it is shown
                        number = mark + (repr(float(number)).removesuffix(".0"))
            except ClinicalError as err:
                if row_errors is None:
                    # every bad cell of the table is named in one error, not one per run: a
                    # spreadsheet of 60 rows with a few 'w' for female had taken a run per cell
                    problems.append((line, header[at[j]], str(err)))
                    continue
                bad = LabsTableError(path, str(err), line=line, column=header[at[j]])
                if cell_errors is not None:
                    cell_errors.setdefault(rid, {})[feat.name] = str(bad)
                    continue
                row_errors[rid] = str(bad)
                break
            values[feat.name] = (number if isinstance(number, str) else float(number),
                                 unit if feat.kind != "binary" else None)
        else:
            if not problems:
                out[rid] = values
                if patients is not None:
                    ids = {c: " ".join(row[k].split()) for c, k in patient_at.items()
                           if k < len(row) and row[k].strip()}
                    if ids:
                        patients[rid] = ids
    if problems:
        raise _problems_error(path, problems)
    unitless = [feat for j, (feat, unit) in enumerate(columns)
                if unit is None and j in bare and feat.kind != "binary" and feat.name != "age"
                and len(set(feat.units.values())) > 1
                and any(feat.name in values for values in out.values())]
    if unitless:
        # without a unit a value is taken in the schema's unit: troponin T "0,012" (ng/mL, as many
        # laboratories print it) became 0.012 ng/L, a thousand times too low, in silence
        other = next(u for u, f in unitless[0].units.items() if f != 1.0)
        _warn(warnings, "%s: no unit given for %s: read in the schema's unit%s (%s); if the laboratory's "
              "differ, write them in the header, e.g. '%s [%s]'", path,
              ", ".join(f.name for f in unitless), "s" if len(unitless) > 1 else "",
              ", ".join(f"{f.name} {f.unit}" for f in unitless), unitless[0].name, other)
    if censored:
        # a censored result ("<5", ">35000") counts as its limit, as in the lab form; it had been
        # read so in silence, and a model then learns the limit as if it were measured
        _warn(warnings, "%s: %d censored value%s read as %s limit by the model (%s%s); shown with "
              "%s mark; write the number the model should take, or leave the cell empty to mask it",
              path, len(censored), "s" if len(censored) != 1 else "", "their" if len(censored) != 1 else "its",
              "; ".join(censored[:3]), " ..." if len(censored) > 3 else "",
              "their" if len(censored) != 1 else "its")
    if own_units:
        # a cell's own unit is the value's (as the lab form reads "1.2 mg/dL"), said where it is not the column's
        _warn(warnings, "%s: %d value%s written with a unit other than the column's, read in the unit written "
              "(%s%s)", path, len(own_units), "s" * (len(own_units) != 1), "; ".join(own_units[:3]),
              " ..." if len(own_units) > 3 else "")
    if over_89:
        _warn(warnings, "%s: age 300 on %d row%s (%s %s%s): %s, as training reads PTB-XL's own table", path,
              len(over_89), "s" * (len(over_89) != 1), "lines" if len(over_89) != 1 else "line",
              ", ".join(map(str, over_89[:3])), " ..." if len(over_89) > 3 else "", AGE_OVER_89_NOTE)
    if open_ages:
        _warn(warnings, "%s: %d age%s written open (%s%s), as a record header's age is read", path,
              len(open_ages), "s" * (len(open_ages) != 1), "; ".join(open_ages[:3]),
              " ..." if len(open_ages) > 3 else "")
    if coded_sex:
        # 0/1 mean different sexes in different tables (PTB-XL's ptbxl_database.csv: 0 male, 1 female;
        # the model, and most others: 1 male); read as the model's, said so that a reversed table is seen
        _warn(warnings, "%s: column %r gives sex as a number on %d row%s (%s %s%s): read as 1 = male, "
              "0 = female; PTB-XL's own table codes 0 = male, 1 = female: if this table does, write M/F "
              "(or name the column sex_m for 1 = male)", path, header[at[coded_sex_column]], len(coded_sex),
              "s" * (len(coded_sex) != 1), "lines" if len(coded_sex) != 1 else "line",
              ", ".join(map(str, coded_sex[:3])), " ..." if len(coded_sex) > 3 else "")
    return out


# the problems of a table named in its one error beside the first: a 10,000-row table wrong in a
# column throughout is told by column, not in 10,000 clauses
NAMED_PROBLEMS = 10


def _problems_error(path: Path, problems: list[tuple[int | None, str | None, str]]) -> LabsTableError:
    """One ``LabsTableError`` for every problem of a table, in the table's order: the first where it
    is (its line and column), then "; 2 more problems: line 4, column 'crp': ...; line 9: ...", the
    first ``NAMED_PROBLEMS`` of them named, the others counted by column."""
    (line, column, message), rest = problems[0], problems[1:]
    if rest:
        def where(n, c):
            return f"line {n}" + (f", column {c!r}" if c is not None else "")
        message += f"; {counted(len(rest), 'more problem', ',')}: " + "; ".join(
            f"{where(n, c)}: {m}" for n, c, m in rest[:NAMED_PROBLEMS])
        if len(rest) > NAMED_PROBLEMS:
            by_column = Counter("no column" if c is None else repr(c) for _, c, _ in rest[NAMED_PROBLEMS:])
            message += (f" ... and {len(rest) - NAMED_PROBLEMS:,} not named here ("
                        + ", ".join(f"{c} {n:,}" for c, n in by_column.most_common()) + ")")
    return LabsTableError(path, message, line=line, column=column)


def _warn(warnings: list | None, message: str, *args) -> None:
    """A warning about a table: logged, and appended to ``warnings`` when it is a list."""
    logger.warning(message, *args)
    if warnings is not None:
        warnings.append(message % args)


def patient_column_warning(path, column: str, warnings: list | None = None) -> None:
    """Warn (``_warn``) that the labs table ``path``, whose first column ``column`` names patients, is
    read by record ids: said where its rows fit (almost) no record of a run, before any is scored. A
    hospital's export keyed by the patient (MUSE's or DICOM's patient ID) had fitted no record, and was
    said only once a whole run had gone without its values."""
    _warn(warnings, "%s: its first column %r is read as record ids: a row is the labs of the record whose file "
          "it names (row '00417_lr' for 00417_lr.hea, 'siteA/1' for siteA/1.hea), not of the patient with that "
          "ID; unless the records' files are named by patient ID, put a column of their names first",
          path, column)


def labs_record_id(path, root=None) -> str:
    """A record's id in a labs (or labels) table: its path relative to ``root``, without the
    extension, with "/" between folders ("siteA/1" for ``root/siteA/1.hea``). Without ``root``, or
    for a path outside it, the whole path without the extension (``match_labs_rows`` then finds
    the row by the longest trailing part of it). Training, ``mirage score`` and ``mirage report``
    name a record by this id, so that one table means the same rows to all three."""
    path = Path(path)
    if root is not None:
        try:
            path = path.relative_to(root)
        except ValueError:
            pass
    return path.with_suffix("").as_posix()


@dataclass(frozen=True)
class LabsMatch:
    """Which row of a labs table belongs to which record of a run (``match_labs_rows``)."""

    rows: dict[str, str]          # record id -> the id of its row
    ambiguous: dict[str, str]     # record id -> why its row is refused (it fits other records too)
    unmatched: list[str]          # row ids that fit no record of the run, in table order

    def row_id(self, record_id: str) -> str | None:
        """The id of the record's row, or None (no row, or an ambiguous one)."""
        return self.rows.get(record_id)

    def respelled_notes(self) -> list[str]:
        """``respelled_note`` of each row matched only as the number a spreadsheet made of its id."""
        return [note for rid, row in self.rows.items() if (note := respelled_note(row, rid))]


def _trailing_ids(record_id: str) -> list[str]:
    """"a/siteA/1" -> ["a/siteA/1", "siteA/1", "1"]: the ids a row may use for the record, longest first."""
    parts = [p for p in record_id.split("/") if p]
    return ["/".join(parts[k:]) for k in range(len(parts))]


def _loose_key(record_id: str) -> str:
    """An id with case and leading zeros dropped ("SiteA/0012_LR" -> "sitea/12_lr")."""
    return re.sub(r"[0-9]+", lambda m: m.group().lstrip("0") or "0", record_id.casefold())


# an id a spreadsheet (or pandas) wrote as a number: "417" for "00417" (leading zeros dropped),
# "1.0" for "1" (an integer column written as floats); digits only, or a whole number with ".0"
_NUMBER_ID = re.compile(r"([0-9]+)(?:\.0+)?")
# "1.23457E+11": a long id Excel wrote in scientific notation, its last digits lost for good
_SCIENTIFIC_ID = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+")
# "1.hea", "sub/ECG_7.xml": an id ending in a file's extension (a letter, then up to 4 letters or digits)
_EXTENSION_ID = re.compile(r"(.+)\.[A-Za-z][A-Za-z0-9]{0,4}")


def _number_name(part: str) -> int | None:
    """The record name ``part`` as a whole number ("00417" -> 417), None when it is not digits only."""
    return int(part) if part.isdigit() and part.isascii() else None


def respelled_note(row_id: str, record_id: str) -> str:
    """"row '1.0' read as the record '1' (the same number: an id a spreadsheet reformatted)"
    where the row names the record only as a number a spreadsheet reformatted (``respelled_rows``),
    else ""."""
    m = _NUMBER_ID.fullmatch(row_id)
    stem = record_id.rsplit("/", 1)[-1]
    if m is None or row_id == stem or _number_name(stem) != int(m.group(1)):
        return ""
    return f"row {row_id!r} read as the record {stem!r} (the same number: an id a spreadsheet reformatted)"


def respelled_warning(table, notes: list[str]) -> str:
    """The one warning about a table's rows matched only as the number a spreadsheet made of their
    ids (``notes``: their ``respelled_note``), naming the first three: what training, ``mirage
    score`` and the app's batch dialog say; "" for no notes."""
    n = len(notes)
    if not n:
        return ""
    return (f"{table}: {n} row{'s' if n != 1 else ''} matched only as the number a spreadsheet made of "
            f"{'their ids' if n != 1 else 'its id'} ({'; '.join(notes[:3])}{' ...' if n > 3 else ''}); where a "
            "match is wrong, write the ids as the records are named, with the column formatted as text")


def respelled_rows(row_ids, record_ids, taken=()) -> tuple[dict[str, str], dict[str, str]]:
    """Rows whose id fits no record as written, but does as a number a spreadsheet reformatted:
    "417" for the record 00417 (Excel drops the leading zeros of a number), "1.0" for the record 1
    (an integer column with a missing cell, written by pandas as floats). A row is matched only
    where the number names exactly one record of the run (00417 and 0417 beside each other: neither),
    that record has no row of its own (``taken``: the records other rows fit as written), and no
    other row reads as the same record; a wrong patient's labs are far worse than none. Only the
    record's own name is compared, never a part of it: "417" is not "00417_lr" (the zeros and
    the "_lr" both would be guesses).

    Args:
        row_ids: the ids of the rows that fit no record as written.
        record_ids: every record of the run, as ``labs_record_id`` names them.
        taken: the records that rows fit as written.

    Returns:
        ({row id: the record id it names}, {row id: why it is not matched}) for the rows that look
        like such numbers; rows that look like none are in neither.
    """
    by_number: dict[int, list[str]] = {}
    for rid in dict.fromkeys(record_ids):
        n = _number_name(rid.rsplit("/", 1)[-1])
        if n is not None:
            by_number.setdefault(n, []).append(rid)
    taken = set(taken)
    found: dict[str, str] = {}
    why: dict[str, str] = {}
    for row in dict.fromkeys(row_ids):
        m = _NUMBER_ID.fullmatch(row)
        if m is None:
            if _SCIENTIFIC_ID.fullmatch(row):
                why[row] = (f"{row!r} is a number a spreadsheet wrote in scientific notation, its last "
                            "digits lost: format the id column as text and export the table again")
            continue
        fits = [r for r in by_number.get(int(m.group(1)), []) if r.rsplit("/", 1)[-1] != row]
        if not fits:
            continue
        if len(fits) > 1:
            named = ", ".join(repr(r) for r in fits[:4]) + (" ..." if len(fits) > 4 else "")
            why[row] = (f"{row!r} looks like a number a spreadsheet reformatted and fits {len(fits)} records "
                        f"as one ({named}): not matched; write the record's name as it is, the column as text")
        elif fits[0] in taken:
            why[row] = (f"{row!r} looks like a number a spreadsheet reformatted, and would be the record "
                        f"{fits[0]!r}, which another row names as written: not matched")
        else:
            found[row] = fits[0]
    twice: dict[str, list[str]] = {}
    for row, rid in found.items():
        twice.setdefault(rid, []).append(row)
    for rid, rows in twice.items():
        if len(rows) > 1:
            for row in rows:
                why[row] = (f"{row!r} looks like a number a spreadsheet reformatted, as do "
                            f"{', '.join(repr(r) for r in rows if r != row)}: each would be the record {rid!r}; "
                            "not matched")
                del found[row]
    return found, why


def near_miss_text(row_ids, record_ids) -> str:
    """A hint for table ids that fit no record only because of case or leading zeros, e.g.
    "; 'SITEA/01_LR' differs from the record 'siteA/01_lr' only in case or leading zeros (60 ids
    so; ids must match exactly)"; or because a spreadsheet reformatted them as numbers and they were
    not matched (``respelled_rows``: ambiguous, in scientific notation, or "417" beside the record
    00417_lr, which differs in more than the zeros); "" when none does. ``row_ids``: the rows that
    fit no record; ``record_ids`` as ``labs_record_id`` names them; a row may name a trailing part
    of one ("01_lr")."""
    # listed first: a batch passes its ids as a generator, which the loop below had used up, so the hints
    # after it (a spreadsheet's number "417" for 00417_lr) were worked out over no record and never said
    row_ids, record_ids = list(row_ids), list(record_ids)
    loose: dict[str, str] = {}
    for rid in record_ids:
        for part in _trailing_ids(rid):
            loose.setdefault(_loose_key(part), part)
    blocked, numbers = respelled_rows(row_ids, record_ids)
    for row, rid in blocked.items():
        # a row left unmatched although it reads as one record: that record has a row of its own
        numbers[row] = (f"{row!r} looks like a number a spreadsheet reformatted, and would be the record "
                        f"{rid!r}, which has a row of its own or an ambiguous one: not matched")
    text = ""
    if numbers:
        row, n = next(iter(numbers)), len(numbers)
        text = f"; {numbers[row]}" + (f" ({n} ids so)" if n > 1 else "")
    pairs = [(r, loose[_loose_key(r)]) for r in row_ids if r not in numbers
             and _loose_key(r) in loose and loose[_loose_key(r)] != r]
    if pairs:
        (row, record), n = pairs[0], len(pairs)
        text += (f"; {row!r} differs from the record {record!r} only in case or leading zeros "
                 f"({n} id{'s' if n > 1 else ''} so; ids must match exactly)")
    # "1.hea" or "ECG_7.xml": the record's file named with its extension (a list of the folder's files pasted in)
    exact = {part for rid in record_ids for part in _trailing_ids(rid)}
    with_ext = [(r, stem) for r in row_ids if r not in numbers
                and (m := _EXTENSION_ID.fullmatch(r)) and not exact.isdisjoint(_trailing_ids(stem := m.group(1)))]
    if with_ext:
        (row, stem), n = with_ext[0], len(with_ext)
        text += (f"; {row!r} names the record {stem!r} with its file's extension: write {stem!r} "
                 f"({n} id{'s' if n > 1 else ''} so)")
    # "417" beside the record 00417_lr: a number at the start of a name (one pass over the names)
    leading: dict[int, str] = {}
    for rid in record_ids if not pairs else ():
        stem = rid.rsplit("/", 1)[-1]
        if (m := re.match(r"([0-9]+)[^0-9]", stem)) and m.group(1).isascii():
            leading.setdefault(int(m.group(1)), stem)
    cut = [(r, leading[int(m.group(1))]) for r in row_ids
           if r not in numbers and (m := _NUMBER_ID.fullmatch(r)) and int(m.group(1)) in leading]
    if cut:
        (row, stem), n = cut[0], len(cut)
        text += (f"; {row!r} looks like a number a spreadsheet reformatted (leading zeros dropped?) and may "
                 f"mean the record {stem!r}: not matched, as it differs in more than the zeros; write the "
                 f"record's name ({stem!r}) with the column formatted as text ({n} id{'s' if n > 1 else ''} so)")
    return text


def unmatched_rows_text(ids, hint: str = "") -> str:
    """The first five ids of labs-table rows that fit no record and how a row's id is read, for a
    warning: "('00417_LR', '99999'); a row's id is the record's path in the folder without the
    extension, e.g. 'siteA/1' or '1'" followed by ``hint`` (``near_miss_text``)."""
    ids = list(ids)
    shown = first_few(ids, fmt=repr, more=" ...")
    return (f"({shown}); a row's id is the record's path in the folder without the extension, e.g. "
            f"'siteA/1' or '1'{hint}")


def match_labs_rows(row_ids, record_ids) -> LabsMatch:
    """Each record's row of a labs table: the row whose id is the longest trailing part of the
    record's id (``labs_record_id``): "siteA/1" for the record siteA/1, else "1" (its file stem).
    A row that is a shorter trailing part than the whole id (a stem-keyed row "1") and fits two or
    more records of the run (siteA/1 and siteB/1) belongs to none of them: each gets an entry in
    ``ambiguous`` naming the records it fits, so that no patient silently gets another's labs; so
    does a row fitting an id that several files of the run share (``record_ids`` naming it more
    than once: siteA/3.hea and siteA/3.xml).
    A row that fits no record as written, but names one as a number a spreadsheet reformatted
    ("417" for 00417, "1.0" for 1), is that record's row where that is unambiguous
    (``respelled_rows``); whoever reads the match says so (``respelled_note``).

    Args:
        row_ids: the table's record ids, in table order.
        record_ids: every record of the run, as ``labs_record_id`` names them.
    """
    row_ids, record_ids = list(row_ids), list(record_ids)
    table = set(row_ids)
    # files of one name with other extensions (dupe/3.hea, dupe/3.xml, dupe/3.dcm) share an id: other
    # recordings, perhaps of other patients, that no row of the table can tell apart
    files = Counter(record_ids)
    fits: dict[str, list[str]] = {}               # row id -> the records it fits
    best: dict[str, str] = {}
    for rid in dict.fromkeys(record_ids):
        found = [t for t in _trailing_ids(rid) if t in table]
        for t in found:
            fits.setdefault(t, []).append(rid)
        if found:
            best[rid] = found[0]
    rows: dict[str, str] = {}
    ambiguous: dict[str, str] = {}
    for rid, row in best.items():
        others = [r for r in fits[row] if r != rid]
        if files.get(rid, 1) > 1:
            ambiguous[rid] = (f"labs row {row!r} fits {files[rid]} files of this run, one name with other "
                              "extensions (other recordings, perhaps of other patients); give those files "
                              "names of their own and the rows those names, or leave the row out")
        elif row != rid and others:
            named = ", ".join([rid] + others[:4]) + (" ..." if len(others) > 4 else "")
            ambiguous[rid] = (f"labs row {row!r} fits {len(others) + 1} records ({named}); name each "
                              f"record by its path in the folder (e.g. {rid!r})")
        else:
            rows[rid] = row
    unmatched = [r for r in row_ids if r not in fits]
    # an id a spreadsheet wrote as a number ("417" for 00417, "1.0" for 1): the one record it names,
    # where that is unambiguous (``respelled_rows``); the note is ``respelled_note``
    found, _ = respelled_rows(unmatched, [r for r in dict.fromkeys(record_ids) if r not in ambiguous],
                              taken=set(best))
    rows.update({rid: row for row, rid in found.items()})
    return LabsMatch(rows, ambiguous, [r for r in unmatched if r not in found])
