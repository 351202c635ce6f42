"""PTB-XL's metadata table (``ptbxl_database.csv``; Wagner et al., Sci Data 2020, PhysioNet
1.0.3): the one reader of its rows and the one place that decodes its columns.

Columns as PTB-XL defines them: ``age`` in years, where 300 stands for "older than 89" (PTB-XL
1.0.2+ removed the exact ages above 89 for privacy); ``sex`` 0 = male, 1 = female; ``scp_codes``
a Python dict literal of SCP-ECG statement -> likelihood (%); ``strat_fold`` 1-10 (fold 9 is the
recommended validation fold, 10 the test fold); ``filename_lr`` / ``filename_hr`` the record path
(without extension) of the 100 Hz / 500 Hz version, relative to the table's folder.
"""

from __future__ import annotations

import ast
import csv
import math
import re
import threading
from dataclasses import dataclass, fields
from pathlib import Path

# the age PTB-XL stores for anyone older than 89, the age shown and used for them, and the note saying so
from mirage_model.clinical.features import AGE_OVER_89, AGE_OVER_89_NOTE, AGE_OVER_89_YEARS  # noqa: F401
from mirage_model.records.stamp import stat_stamp

DATABASE_NAME = "ptbxl_database.csv"
DATABASE_MAX_BYTES = 256 << 20     # PTB-XL's own table is 9 MB; a larger one is not PTB-XL's
_SCP_MAX_CHARS = 10_000            # a longer scp_codes cell is not PTB-XL's (never parsed)


@dataclass(frozen=True)
class PtbxlRow:
    """One row of ptbxl_database.csv as text ("" where the table has no such column).
    Decode the values with ``decode_age``, ``decode_sex``, ``decode_number``, ``decode_scp_codes``."""
    ecg_id: str = ""
    patient_id: str = ""
    age: str = ""
    sex: str = ""
    height: str = ""
    weight: str = ""
    recording_date: str = ""
    scp_codes: str = ""
    strat_fold: str = ""
    report: str = ""
    baseline_drift: str = ""
    static_noise: str = ""
    burst_noise: str = ""
    electrodes_problems: str = ""
    pacemaker: str = ""
    filename_lr: str = ""
    filename_hr: str = ""


_COLUMNS = tuple(f.name for f in fields(PtbxlRow))
_cache: dict[Path, tuple[tuple, tuple[PtbxlRow, ...], dict[str, PtbxlRow]]] = {}
_lock = threading.Lock()


def _load(csv_path: Path) -> tuple[tuple[PtbxlRow, ...], dict[str, PtbxlRow]]:
    """Rows in file order and by record stem; parsed once per file while it is unchanged (``stamp.stat_stamp``: its
    size and modification time alone had kept a table edited in place by ``cp -p``, the old age and sex shown)."""
    csv_path = Path(csv_path)
    stamp = stat_stamp(csv_path.stat())
    with _lock:
        cached = _cache.get(csv_path)
        if cached and cached[0] == stamp:
            return cached[1], cached[2]
        rows: list[PtbxlRow] = []
        by_stem: dict[str, PtbxlRow] = {}
        with open(csv_path, newline="", encoding="utf-8", errors="replace") as f:
            reader = csv.reader(f)
            columns = next(reader, [])
            keep = [columns.index(name) if name in columns else None for name in _COLUMNS]
            width = len(columns)
            for cells in reader:
                if len(cells) < width:
                    continue
                row = PtbxlRow(*(cells[i] if i is not None else "" for i in keep))
                rows.append(row)
                for name in (row.filename_lr, row.filename_hr):
                    if name:
                        by_stem[name.rsplit("/", 1)[-1]] = row
        _cache[csv_path] = (stamp, tuple(rows), by_stem)
        return tuple(rows), by_stem


def read_database(csv_path: str | Path) -> tuple[PtbxlRow, ...]:
    """Every row of a ptbxl_database.csv, in file order (rows with missing cells are skipped).

    Raises:
        OSError, csv.Error: the file cannot be read.
    """
    return _load(Path(csv_path))[0]


def rows_by_stem(csv_path: str | Path) -> dict[str, PtbxlRow]:
    """The rows of a ptbxl_database.csv keyed by record stem ("00001_lr" and "00001_hr")."""
    return _load(Path(csv_path))[1]


def find_database(header: str | Path, levels: int = 3) -> Path | None:
    """The ptbxl_database.csv in ``header``'s folder or up to ``levels`` folders above it
    (``records100/00000/00001_lr.hea`` -> the PTB-XL root), or None. A table over
    ``DATABASE_MAX_BYTES`` is not PTB-XL's: None."""
    folder = Path(header).parent
    for _ in range(levels):
        csv_path = folder / DATABASE_NAME
        if csv_path.is_file():
            try:
                return csv_path if csv_path.stat().st_size <= DATABASE_MAX_BYTES else None
            except OSError:
                return None
        if folder.parent == folder:
            return None
        folder = folder.parent
    return None


# PTB-XL's record names: the ecg_id in five digits and "_lr" (its 100 Hz version) or "_hr" (500 Hz)
_RECORD_NAME = re.compile(r"\d{5}_(lr|hr)")
_NAMED_RATE = {"lr": 100.0, "hr": 500.0}


def looks_like_ptbxl(name: str, fs: float) -> bool:
    """True for a record named as PTB-XL names its records ("00417_lr" at 100 Hz, "00417_hr" at 500 Hz)."""
    match = _RECORD_NAME.fullmatch(str(name))
    return bool(match) and float(fs) == _NAMED_RATE[match.group(1)]


def table_missing_note(header: str | Path) -> str:
    """The note for a PTB-XL record (``looks_like_ptbxl``) read without PTB-XL's table (``find_database``): its
    age and sex are in the table alone, and nothing guesses them."""
    return (f"{Path(header).stem} is named as a PTB-XL record, but PTB-XL's table {DATABASE_NAME} was not found "
            "in its folder or the two above it: age and sex unknown (PTB-XL's headers hold neither), and the model "
            f"reads the record without them; place {DATABASE_NAME} in the folder that holds records100 "
            "(or records500) to read them")


def decode_number(text) -> float | None:
    """A finite number, or None (empty, unparsable, NaN or infinite)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def decode_age(text) -> tuple[float | None, str | None]:
    """PTB-XL's age -> (years, note). 300 ("older than 89") -> (90.0, ``AGE_OVER_89_NOTE``)."""
    age = decode_number(text)
    if age is not None and age >= AGE_OVER_89:
        return AGE_OVER_89_YEARS, AGE_OVER_89_NOTE
    return age, None


def decode_sex(text) -> str | None:
    """PTB-XL's sex -> "M" (0), "F" (1) or None."""
    value = decode_number(text)
    return "M" if value == 0 else "F" if value == 1 else None


def decode_scp_codes(text) -> dict[str, float]:
    """The scp_codes cell ("{'NORM': 100.0, 'SR': 0.0}") -> {code: likelihood}; {} when empty or
    not a dict literal (never evaluates anything but a literal)."""
    if not isinstance(text, str) or not text or len(text) >= _SCP_MAX_CHARS:
        return {}
    try:
        codes = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return {}
    return dict(codes) if isinstance(codes, dict) else {}


def apply_metadata(record, header: str | Path) -> bool:
    """Fill ``record`` (an ``EcgRecord``) from the PTB-XL table row of its header, when there is one.

    Age (300 -> 90 with a note in ``meta["age_note"]``) and sex only where the header gave none;
    the SCP codes as ``dx`` where the header gave no diagnoses; height, weight and the recording
    date in ``meta``; the row's identifiers, fold, report and signal-quality notes in
    ``meta["ptbxl"]``. Unreadable metadata never makes a valid record unreadable: nothing is
    filled then.

    Returns:
        True when a row was found and applied.
    """
    header = Path(header)
    csv_path = find_database(header)
    if csv_path is None:
        if (record.age is None or record.sex is None) and looks_like_ptbxl(header.stem, record.fs):
            record.meta["reader_warnings"] = (*record.meta.get("reader_warnings", ()), table_missing_note(header))
        return False
    try:
        row = rows_by_stem(csv_path).get(header.stem)
    except (OSError, csv.Error, ValueError, MemoryError):
        return False
    if row is None:
        return False
    rec = record
    ptbxl: dict = {"ptbxl_database": str(csv_path)}
    age, note = decode_age(row.age)
    if age is not None and rec.age is None:
        rec.age = age
        if note:
            rec.meta["age_note"] = note
    if rec.sex is None:
        rec.sex = decode_sex(row.sex)
    scp = decode_scp_codes(row.scp_codes)
    if not rec.dx:
        rec.dx = tuple(str(code) for code in scp)
        rec.meta["dx_system"] = "PTB-XL SCP"
    ptbxl["scp_codes"] = scp
    for key in ("height", "weight"):
        value = decode_number(getattr(row, key))
        if value is not None:
            rec.meta[key] = value
    if row.recording_date:
        rec.meta["recording_date"] = row.recording_date
    for key in ("ecg_id", "patient_id", "strat_fold"):
        value = decode_number(getattr(row, key))
        if value is not None:
            ptbxl[key] = int(value)
    for key in ("report", "baseline_drift", "static_noise", "burst_noise", "electrodes_problems",
                "pacemaker"):
        value = getattr(row, key).strip()
        if value:
            ptbxl[key] = value
    rec.meta["ptbxl"] = ptbxl
    return True


# --- PTB-XL records inside the PhysioNet/CinC Challenge data -------------------------------------------------------
# The Challenge 2020 and 2021 (Perez Alday et al. 2020, Reyna et al. 2021) carry PTB-XL's 500 Hz records renamed
# "HR" + the five-digit ecg_id (HR00009 is PTB-XL's ecg_id 9) in their PTB-XL source folder (2021's PTB_PTBXL or
# WFDB_PTBXL; the 2020 set's PTB-XL part, or its samples kept with the other sources in one folder). No other
# source of theirs names a record so (CPSC A/Q, INCART I, PTB S, Georgia E, Chapman-Shaoxing/Ningbo JS), so the
# name alone decides and the folder is not asked: a copy moved or flattened stays known. PTB-XL's fold 10 is its
# test fold, read only for the one reported look: a Challenge record that is, or may be, of it is left out.

PTBXL_TEST_FOLD = 10
_CHALLENGE_NAME = re.compile(r"HR(\d{5})", re.IGNORECASE)
_folds_cache: dict[Path, tuple[tuple[PtbxlRow, ...], dict[int, int]]] = {}


def challenge_ecg_id(name: str | Path) -> int | None:
    """PTB-XL's ecg_id of a PhysioNet/CinC Challenge record, told from its name, or None.

    Args:
        name: the record's name or a path to its header or signal file ("HR00009", ".../HR00009.hea").

    Returns:
        The ecg_id when the name is "HR" and exactly five digits (any case): HR00009 -> 9; else None.
    """
    match = _CHALLENGE_NAME.fullmatch(Path(str(name)).name.split(".", 1)[0])
    return int(match.group(1)) if match else None


def _folds(csv_path: Path) -> dict[int, int]:
    """ecg_id -> strat_fold over a ptbxl_database.csv (rows without both numbers left out), built once per table."""
    rows = read_database(csv_path)
    with _lock:
        cached = _folds_cache.get(csv_path)
        if cached and cached[0] is rows:
            return cached[1]
    folds = {}
    for row in rows:
        ecg_id, fold = decode_number(row.ecg_id), decode_number(row.strat_fold)
        if ecg_id is not None and fold is not None:
            folds[int(ecg_id)] = int(fold)
    with _lock:
        _folds_cache[csv_path] = (rows, folds)
    return folds


def challenge_fold(name: str | Path, database: str | Path | None = None) -> int | None:
    """PTB-XL's strat_fold of a Challenge record (``challenge_ecg_id``), or None: not PTB-XL's, no table given, or
    its ecg_id not in the table.

    Args:
        database: PTB-XL's ptbxl_database.csv (its ecg_id and strat_fold columns are read), or None.

    Raises:
        OSError, csv.Error: ``database`` cannot be read.
    """
    ecg_id = challenge_ecg_id(name)
    if ecg_id is None or database is None:
        return None
    return _folds(Path(database)).get(ecg_id)


def may_be_test_fold(name: str | Path, database: str | Path | None = None) -> bool:
    """True for a Challenge record of PTB-XL (``challenge_ecg_id``) whose fold is 10 or cannot be told (no
    ``database`` given, or its ecg_id not in it): such a record is never read. False for every other record.

    Raises:
        OSError, csv.Error: ``database`` cannot be read.
    """
    if challenge_ecg_id(name) is None:
        return False
    return challenge_fold(name, database) in (None, PTBXL_TEST_FOLD)


def headers_outside_test_fold(folder: str | Path, database: str | Path | None = None) -> list[Path]:
    """Every ``.hea`` under ``folder`` (searched recursively, sorted) less those ``may_be_test_fold`` leaves out:
    with PTB-XL's table, its fold-10 records; without it, every PTB-XL record (HR#####). None of them is opened.

    Raises:
        OSError, csv.Error: ``database`` cannot be read.
    """
    return [hea for hea in sorted(Path(folder).rglob("*.hea")) if not may_be_test_fold(hea, database)]
