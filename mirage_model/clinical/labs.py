"""Labs tables (CSV/TSV, one row per record): columns matched to features by name or alias, units
from the header ("troponin_t [ng/L]") or a unit column, decimal commas, every problem a
``LabsTableError`` naming the file, row and column."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from mirage_model.clinical.features import (_RX_NUMBER, ClinicalError, ClinicalFeature, LabsTableError,
                                            _is_missing, _unit_key)
from mirage_model.clinical.schema import ClinicalSchema, default_schema


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


def _parse_number(text: str, decimal_comma: bool) -> float:
    """A cell's number; in a decimal-comma table (semicolons) "12,5" is 12.5, and "12.500" (a
    thousands point there, or a decimal one?) is refused as ambiguous."""
    t = text.strip().lstrip("<>≤≥=").strip()
    if decimal_comma and re.fullmatch(r"[+-]?[0-9]*[1-9][0-9]*\.[0-9]{3}", t):
        raise ValueError(f"{text!r} is ambiguous in a table with decimal commas: a thousands point "
                         f"({t.replace('.', '')}) or a decimal point? Write it without the point, or with a comma")
    if decimal_comma and re.fullmatch(r"[+-]?[0-9]+,[0-9]+", t):
        t = t.replace(",", ".")
    if not _RX_NUMBER.fullmatch(t):
        raise ValueError(f"{text!r} is not a number")
    return float(t)


def read_labs_table(path, schema: ClinicalSchema | None = None,
                    row_errors: dict | None = None) -> dict[str, dict[str, tuple[float, str | None]]]:
    """Read a researcher's labs CSV into ``{record_id: {feature: (value, unit or None)}}``.

    Layout: the first column is the record id, the other columns are features (matched to the
    schema by name, label or alias, case-insensitively). Units either in the header
    (``troponin_t [ng/L]`` or ``troponin_t (ng/L)``) or in a second row whose first cell is
    ``unit``/``units``; without a unit a value is in the canonical unit (unit None). Empty cells
    are missing (left out). Separators ``,``, ``;`` or tab; with ``;``/tab a decimal comma is
    accepted. Sex cells ("M"/"F") become 1.0/0.0. Every value is checked with its unit.

    ``row_errors``: when a dict is given, a data row with a bad value is left out and recorded
    there as {record_id: message} instead of raising (a batch refuses that record alone).

    Raises:
        LabsTableError: (a ``ClinicalError``) naming the file, line and column: unreadable file,
            unknown column (listing the known names), unknown unit, non-numeric or impossible
            value, duplicate record ids or columns.
    """
    path = Path(path)
    schema = schema if schema is not None else default_schema()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise LabsTableError(path, f"cannot read the file ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise LabsTableError(path, "not a UTF-8 text file") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise LabsTableError(path, "the file is empty")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    if len(header) < 2:
        raise LabsTableError(path, "expected a record id column followed by feature columns", line=1)

    columns: list[tuple[ClinicalFeature, str | None]] = []
    seen: dict[str, str] = {}
    for cell in header[1:]:
        name, unit = _header_unit(cell)
        feat = next((f for f in schema.features if f.matches(name)), None)
        if feat is None:
            raise LabsTableError(path, f"unknown feature column (known: {', '.join(schema.names)})",
                                 line=1, column=cell)
        if feat.name in seen:
            raise LabsTableError(path, f"{feat.name} appears twice (also as {seen[feat.name]!r})",
                                 line=1, column=cell)
        seen[feat.name] = cell
        columns.append((feat, unit.strip() if unit and unit.strip() else None))

    first_data = 1
    if len(rows) > 1 and rows[1] and rows[1][0].strip().lower() in ("unit", "units"):
        first_data = 2
        for j, (feat, unit) in enumerate(columns):
            cell = rows[1][j + 1].strip() if j + 1 < len(rows[1]) else ""
            if cell:
                if unit is not None and _unit_key(unit) != _unit_key(cell):
                    raise LabsTableError(path, f"unit {cell!r} contradicts the header's {unit!r}",
                                         line=2, column=header[j + 1])
                columns[j] = (feat, cell)
    for j, (feat, unit) in enumerate(columns):
        try:
            feat.factor(unit)
        except ClinicalError as err:
            raise LabsTableError(path, str(err), line=2 if first_data == 2 else 1,
                                 column=header[j + 1]) from None

    out: dict[str, dict[str, tuple[float, str | None]]] = {}
    decimal_comma = delimiter != ","
    for i in range(first_data, len(rows)):
        row, line = rows[i], i + 1
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            raise LabsTableError(path, f"{len(row)} cells but the header has {len(header)} columns",
                                 line=line)
        rid = row[0].strip()
        if not rid:
            raise LabsTableError(path, "empty record id", line=line, column=header[0])
        if rid in out:
            raise LabsTableError(path, f"record id {rid!r} appears twice", line=line, column=header[0])
        values: dict[str, tuple[float, str | None]] = {}
        for j, (feat, unit) in enumerate(columns):
            cell = row[j + 1].strip() if j + 1 < len(row) else ""
            if _is_missing(cell):
                continue
            try:
                if feat.kind == "binary":
                    number = feat.to_canonical(cell)
                else:
                    try:
                        number = _parse_number(cell, decimal_comma)
                    except ValueError as err:
                        raise ClinicalError(feat.name, str(err)) from None
                    feat.to_canonical(number, unit)  # range check in canonical units
            except ClinicalError as err:
                bad = LabsTableError(path, str(err), line=line, column=header[j + 1])
                if row_errors is None:
                    raise bad from None
                row_errors[rid] = str(bad)
                break
            values[feat.name] = (float(number), unit if feat.kind != "binary" else None)
        else:
            out[rid] = values
    return out
