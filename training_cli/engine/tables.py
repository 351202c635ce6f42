"""The tables a user brings with a dataset, read as CSV: the labels table, the split file, the label
map (SNOMED-CT code -> class) and the labs table (through ``clinical.read_labs_table``, the one reader
of lab tables). UTF-8, or Windows-1252 as the labs table is read (German Excel's "CSV (Trennzeichen-getrennt)"),
said in one warning per file; a file in another encoding is refused naming its line. The separator
from the header line or Excel's "sep=;" line, the record id column found as the labs table finds it."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from mirage_model import clinical
from training_cli.engine.dataset import DatasetError

log = logging.getLogger(__name__)

# the tables whose Windows-1252 warning was given: a labels table and a label map are read more than once
_SAID_1252: set[str] = set()


def read_label_map(path: str | Path) -> dict[str, str]:
    """Label map CSV -> {snomed_ct code: class name}. Columns: snomed_ct, class (others ignored)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: label map not found")
    with io.StringIO(table_text(path), newline="") as f:
        reader = csv.DictReader(f)
        cols = {c.lower().strip(): c for c in reader.fieldnames or []}
        code_col = cols.get("snomed_ct") or cols.get("snomedctcode") or cols.get("code")
        class_col = cols.get("class") or cols.get("abbreviation")
        if not code_col or not class_col:
            raise DatasetError(f"{path}: expected columns snomed_ct,class (found {reader.fieldnames})")
        out = {}
        for row in reader:
            code, cls = (row[code_col] or "").strip(), (row[class_col] or "").strip()
            if code and cls:
                out[code] = cls
    if not out:
        raise DatasetError(f"{path}: label map is empty")
    return out


def read_label_descriptions(path: str | Path) -> dict[str, str]:
    """A label map's words for its classes ({class: description}, its ``description`` column: the SNOMED-CT
    term, "qwave abnormal"); {} for a map without the column. A class that several codes name takes the first
    description that is not the Challenge's note of a merged code ("... (scored as LBBB)"), else the first one
    with the note cut off."""
    with io.StringIO(table_text(Path(path)), newline="") as f:
        reader = csv.DictReader(f)
        cols = {c.lower().strip(): c for c in reader.fieldnames or []}
        class_col = cols.get("class") or cols.get("abbreviation")
        words_col = cols.get("description") or cols.get("dx")
        if not class_col or not words_col:
            return {}
        found: dict[str, list[str]] = {}
        for row in reader:
            cls, words = (row[class_col] or "").strip(), " ".join((row[words_col] or "").split())
            if cls and words:
                found.setdefault(cls, []).append(words)
    out = {}
    for cls, all_words in found.items():
        note = f"(scored as {cls})".casefold()
        plain = [w for w in all_words if not w.casefold().endswith(note)]
        out[cls] = plain[0] if plain else all_words[0][: -len(note)].strip()
    return out


def table_text(path: Path) -> str:
    """A user's CSV table as text (``clinical.read_table_text`` as a labs table is read: UTF-8, else
    Windows-1252 with a warning naming the first byte that is not UTF-8, given once per file; a byte
    Windows-1252 has no character for refused naming its line)."""
    said: list[str] = []
    try:
        text = clinical.read_table_text(path, said, windows_1252=True, log=False)
    except clinical.LabsTableError as err:
        raise DatasetError(str(err)) from None
    for message in said:
        if message not in _SAID_1252:
            _SAID_1252.add(message)
            log.warning("%s", message)
    return text


class _Rows(list):
    """A table's data rows (dicts by column name), with ``lines``: the file's line of each."""

    lines: list[int]


def read_table(path: Path) -> _Rows:
    """A labels table or a split file as rows of {column: cell}; ``rows.lines`` holds each row's line
    in the file (a first line "sep=;", Excel's separator declaration, is honoured and counted).

    Raises:
        DatasetError: no such file, neither UTF-8 nor Windows-1252, no rows, or a row with more cells than the
            header has columns (naming its line).
    """
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    text = table_text(path)
    first, _, rest = text.partition("\n")
    top, sep = clinical.separator_line(first.rstrip("\r"))
    if top:
        text = rest
    try:
        # the header line says the separator best: a row with a stray cell, or "NORM;MI" cells in a
        # comma-separated table, had misled a sniff over the whole text
        dialect = csv.Sniffer().sniff(text.partition("\n")[0], delimiters=",;\t")
    except csv.Error:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
    if sep:
        dialect = type("_Declared", (csv.excel,), {"delimiter": sep})
    f = io.StringIO(text, newline="")
    reader = csv.reader(f, dialect)
    header = next(reader, [])
    # columns without a name (a spreadsheet's trailing "record_id,AF,,") each keep their own key,
    # blank as their name ("", " ", ...: strip() gives ""), so a cell in one is not hidden by the next
    names = [h if h.strip() else " " * j for j, h in enumerate(header)]
    rows = _Rows()
    rows.lines = []
    for cells in reader:
        line = reader.line_num + top
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
            # the cells past the header had gone under a key None, and the run ended on an AttributeError
            hint = ""
            at = next((k for k, h in enumerate(header) if h.strip().lower() == "labels"), None)
            if dialect.delimiter == ";" and at is not None:
                # "44;AF;LBBB": a record's classes written with the table's own separator (the README's
                # "NORM;MI" is a comma-separated table's), which split the cell in two
                classes = [c.strip() for c in cells[at:at + 1 + len(cells) - len(names)] if c.strip()]
                if len(classes) > 1:          # not a stray empty cell ("ecg001;NORM;;val")
                    hint = (f"; in a ';'-separated table separate a record's classes with '|' "
                            f"({'|'.join(classes)}), or put the cell in quotes (\"{';'.join(classes)}\")")
            raise DatasetError(f"{path}, line {line}: {len(cells)} cells but the header has {len(names)} "
                               f"columns ({', '.join(repr(h) for h in header)}){hint}")
        if not cells:
            continue
        rows.append(dict(zip(names, cells + [""] * (len(names) - len(cells)))))
        rows.lines.append(line)
    if not rows:
        raise DatasetError(f"{path}: no rows")
    return rows


def table_record_id(cell: str | None) -> str:
    """A record id as a labels table or a split file writes it -> the id records are named by
    (``labs_record_id``): blanks around dropped, Windows' backslashes read as "/" (``siteA\\1``, as a
    table written on Windows names ``siteA/1``; every row had fitted no record), and a WFDB or
    Challenge file's extension dropped (``1.hea`` -> ``1``)."""
    rid = (cell or "").strip().replace("\\", "/")
    return Path(rid).with_suffix("").as_posix() if rid.endswith((".hea", ".mat", ".dat")) else rid


def id_column(path: Path, columns) -> str:
    """The record id column: one named record_id, record, id, ecg_id, filename or file, else the first
    column, as a labs table reads it ("ECG-Nr", "Patient ID": a spreadsheet's own name had been refused
    in a labels table while the labs table beside it took it), unless that one is the labels or split."""
    columns = list(columns)
    for c in columns:
        if c.strip().lower() in ("record_id", "record", "id", "ecg_id", "filename", "file"):
            return c
    if columns and columns[0].strip() and columns[0].strip().lower() not in ("labels", "label", "split"):
        return columns[0]
    raise DatasetError(f"{path}: no record id column (name the first column record_id); columns are {columns}")


def read_labs(path: Path, patients: dict | None = None, patient_columns=(),
              not_read: list | None = None, patient_first: list | None = None) -> tuple[dict[str, dict], list[str]]:
    """labs.csv -> ({record id: {feature: value or (value, unit)}}, feature names).

    Uses ``clinical.read_labs_table`` (the one reader of lab tables) when the library has it;
    ``patients``, ``patient_columns``, ``not_read`` (the columns of no feature, "Smoker") and ``patient_first`` (the
    first column's header when it names patients) as it takes them.
    """
    reader = getattr(clinical, "read_labs_table", None)
    if reader is None:
        raise DatasetError(f"{path}: this version of mirage_model cannot read lab tables (no read_labs_table)")
    try:
        table = reader(path, patients=patients, patient_columns=patient_columns, not_read=not_read,
                       patient_first=patient_first)
    except clinical.LabsTableError as err:       # already "FILE, line N, column C: ..."
        raise DatasetError(str(err)) from err
    except clinical.ClinicalError as err:
        raise DatasetError(f"{path}: {err}") from err
    except (OSError, ValueError) as err:
        raise DatasetError(f"{path}: {err}") from err
    # accepted return forms: dict id -> dict, or (dict, names), or an object with .rows/.names
    names: list[str] = []
    if isinstance(table, tuple) and len(table) == 2:
        table, names = table
    if hasattr(table, "rows"):
        names = list(getattr(table, "names", []) or getattr(table, "features", []))
        table = table.rows
    if not isinstance(table, dict):
        raise DatasetError(f"{path}: read_labs_table returned {type(table).__name__}, expected a mapping")
    if not names:
        seen = []
        for v in table.values():
            for k in v:
                if k not in seen:
                    seen.append(k)
        names = seen
    return {str(k): dict(v) for k, v in table.items()}, list(names)
