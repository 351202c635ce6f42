"""The records of a Challenge or folder dataset: the WFDB headers under a Challenge ROOT, every record
under a folder ROOT (WFDB and clinical formats, as ``mirage score`` finds them), the id each record
is named by (its path in the folder without the extension), and what a header says of the record
(Challenge ``#Key: value`` comments, the clinical values ``mirage score`` reads from it)."""

from __future__ import annotations

import re
from pathlib import Path

from mirage_model.clinical import labs_record_id, record_values
from mirage_model.formats import find_ecg_files
from mirage_model.records import RecordError, load_header, load_record
from training_cli.engine.dataset import DatasetError


def read_header_comments(header: Path) -> dict[str, str]:
    """The ``#Key: value`` comment fields of a WFDB header (Challenge style), keys lower-case."""
    out = {}
    try:
        text = header.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise DatasetError(f"{header}: cannot read header ({err.strerror})") from err
    for line in text.splitlines():
        m = re.match(r"#\s*([A-Za-z ]+?)\s*:\s*(.*)$", line.strip())
        if m:
            out[m.group(1).lower()] = m.group(2).strip()
    return out


def header_values(hea: Path) -> dict:
    """The clinical values a record's header carries, read as ``mirage score``, ``mirage report`` and
    the app read them from the loaded record (``clinical.record_values`` of ``records.load_header``:
    Challenge ``#Age``/``#Sex``, LUDB ``#<age>``/``#<sex>``, PTB-XL's table; of the whole record for a
    clinical format's file, whose patient fields lie among its samples: an EDF+ patient field, a MUSE
    XML's ``PatientAge``), so that a model meets the same inputs in training as in use. {} when the
    file cannot be read (the cache then skips the record, naming why)."""
    try:
        return record_values(load_header(hea) if hea.suffix.lower() == ".hea" else load_record(hea))
    except RecordError:
        return {}


def record_id_of(root: Path, header: Path) -> str:
    return labs_record_id(header, root)


def find_headers(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.hea") if p.is_file())


def find_folder_records(root: Path) -> tuple[list[Path], list[Path]]:
    """Every record under a folder dataset's ROOT, sorted: WFDB headers and the files of the clinical
    formats (EDF+, GE MUSE, DICOM ...), found as ``mirage score`` and the app find them
    (``formats.find_ecg_files``), so that a folder scores and trains as the same records; and the
    files named as an ECG format that hold none (an .edf that is no EDF), which ``mirage score``
    gives a row saying what they are: a labels row that names one is a record that fails to load."""
    passed_over: list[Path] = []
    try:
        return find_ecg_files(root, passed_over), passed_over
    except RecordError as err:
        raise DatasetError(str(err)) from None
