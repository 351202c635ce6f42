"""Labs tables (CSV/TSV, one row per record): columns matched to features by name or alias, units
from the header ("troponin_t [ng/L]") or a unit column, decimal commas, every problem a
``LabsTableError`` naming the file, row and column. The header cells and numbers are ``labs_columns``'s,
which row is which record's ``labs_ids``'s; their public names are imported from here too."""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mirage_model.clinical.features import (_BINARY_CODES, AGE_OVER_89_NOTE, AGE_OVER_89_YEARS,
                                            ClinicalError, ClinicalFeature, age_below, is_age_over_89, open_age_of,
                                            open_age_reading, LabsTableError, _is_missing, _unit_key, censor_mark,
                                            column_key)
from mirage_model.clinical.schema import ClinicalSchema, default_schema
from mirage_model.clinical.table_text import read_table_text
from mirage_model.clinical.labs_columns import (PATIENT_COLUMNS, _column_hint, _header_unit, _parse_number,
                                                folded_column, is_patient_column, separator_line)
from mirage_model.clinical.labs_ids import (LabsMatch, id_example, labs_record_id, listed_warnings, match_labs_rows,
                                            near_miss_text, respelled_note, respelled_rows, respelled_warning,
                                            unmatched_rows_text)
from mirage_model.clinical.values import feet_inches, typed_unit, typed_unit_reading
from mirage_model.words import counted, first_few

logger = logging.getLogger(__name__)

# the reader, and the names imported from here before the header cells and the rows' ids moved to their modules
__all__ = ["PATIENT_COLUMNS", "LabsMatch", "folded_column", "id_example", "is_patient_column", "labs_record_id",
           "listed_warnings", "match_labs_rows", "near_miss_text", "patient_column_warning", "read_labs_table",
           "read_table_text", "respelled_note", "respelled_rows", "respelled_warning", "separator_line",
           "unmatched_rows_text"]


def read_labs_table(path, schema: ClinicalSchema | None = None, row_errors: dict | None = None,
                    warnings: list | None = None, patients: dict | None = None,
                    patient_columns=(), not_read: list | None = None, cell_errors: dict | None = None,
                    patient_first: list | None = None,
                    censored: list | None = None) -> dict[str, dict[str, tuple[float | str, str | None]]]:
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

    ``censored``: when a list is given, the censored cells (``CensoredCell``) are appended to it and not
    warned of here: a face that knows which features its model reads warns of those alone
    (``censored_warning``); a table's troponin "<5" had been said read by a model that reads no troponin.

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
    cells_censored: list[CensoredCell] = []       # line 3, crp [mg/dL]: '<0,3' read as 0.3
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
                        cells_censored.append(CensoredCell(line, header[at[j]], feat.name, rid, cell, number))
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
    if censored is not None:
        censored.extend(cells_censored)
    elif cells_censored:
        _warn(warnings, "%s", censored_warning(path, cells_censored))
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


@dataclass(frozen=True)
class CensoredCell:
    """A censored result of a labs table ("<5"), read as its limit (``read_labs_table``'s ``censored``)."""

    line: int           # its line in the file
    column: str         # its column's header as written ("troponin_t [ng/L]")
    feature: str        # the feature it is a value of ("troponin_t")
    row: str            # its row's record id
    cell: str           # as written ("<5")
    limit: float        # the number the model reads (5)

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.cell!r} read as {self.limit:g}"


def censored_warning(path, cells, reads: frozenset | None = None, row: str | None = None) -> str:
    """The warning of the censored ``cells`` of the table at ``path`` (``CensoredCell``) that the model reads
    as their limit: those of the features ``reads`` (None: every feature), of the row ``row`` alone when given
    (a report of one record: not the whole table's for each of 20 records); "" when none."""
    cells = [c for c in cells if (reads is None or c.feature in reads) and (row is None or c.row == row)]
    if not cells:
        return ""
    # a censored result ("<5", ">35000") counts as its limit, as in the lab form; it had been
    # read so in silence, and a model then learns the limit as if it were measured
    n = len(cells)
    its = "their" if n != 1 else "its"
    whose = f" in the row of {row!r}" if row is not None else ""
    return (f"{path}: {counted(n, 'censored value')}{whose} read as {its} limit by the model "
            f"({'; '.join(map(str, cells[:3]))}{' ...' if n > 3 else ''}); shown with {its} mark; write the number "
            "the model should take, or leave the cell empty to mask it")


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
