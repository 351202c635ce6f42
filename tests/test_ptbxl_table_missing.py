"""A folder of PTB-XL records copied without PTB-XL's table (ptbxl_database.csv) read age and sex unknown without a
word: PTB-XL's headers hold neither, its table does, and the model reads both. Where a record is recognisably
PTB-XL's (named as PTB-XL names its records, "00417_lr" at 100 Hz or "00417_hr" at 500 Hz) and no table is found
beside it, its notes say so, naming the table to place beside the records; age and sex stay unknown.

Truth: the bundled PTB-XL record 00417_lr, whose header (read here) holds no comment, age or sex, and whose
table row gives age 75 and sex 1 (female)."""

from __future__ import annotations

import shutil
from pathlib import Path

from mirage_model.paths import resources_dir
from mirage_model.quality import assess
from mirage_model.records import load_record
from mirage_model.records.wfdb_record import load_header
from mirage_model.review.file_info import reader_notes

SAMPLES = resources_dir() / "samples" / "ptbxl"
RECORD = SAMPLES / "records100" / "00000" / "00417_lr"


def _copy(folder: Path, name: str = "00417_lr", first_line: str | None = None) -> Path:
    """00417_lr's header and samples copied into ``folder`` as ``name`` (its header's record name with it)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(RECORD.with_suffix(".dat"), folder / f"{name}.dat")
    lines = RECORD.with_suffix(".hea").read_text().splitlines()
    assert not [line for line in lines if line.startswith("#")]          # PTB-XL's header: no age, no sex
    head = (first_line or lines[0]).replace("00417_lr", name)
    body = [line.replace("00417_lr.dat", f"{name}.dat") for line in lines[1:]]
    (folder / f"{name}.hea").write_text("\n".join([head, *body]) + "\n")
    return folder / f"{name}.hea"


def _table_notes(rec) -> list[str]:
    return [n for n in rec.meta.get("reader_warnings") or () if "ptbxl_database.csv" in n]


def test_a_ptbxl_record_without_its_table_says_so_and_guesses_nothing(tmp_path):
    hea = _copy(tmp_path / "copied")
    for rec in (load_record(hea), load_header(hea)):
        assert rec.age is None and rec.sex is None
        notes = _table_notes(rec)
        assert len(notes) == 1, rec.meta.get("reader_warnings")
        assert "00417_lr" in notes[0] and "PTB-XL" in notes[0] and "age and sex" in notes[0]
    rec = load_record(hea)
    # said beside the record: the quality findings (app, score's warnings column) and the reader notes (PDF)
    assert any("ptbxl_database.csv" in f.name or "ptbxl_database.csv" in f.detail for f in assess(rec).findings)
    assert any("ptbxl_database.csv" in n for n in reader_notes(rec))


def test_with_its_table_or_when_not_ptbxls_nothing_is_said(tmp_path):
    rec = load_record(RECORD.with_suffix(".hea"))                      # the bundled copy, its table two folders up
    assert (rec.age, rec.sex) == (75.0, "F") and not _table_notes(rec)
    assert not _table_notes(load_record(_copy(tmp_path / "named", "patient_a")))        # not PTB-XL's name
    # named as PTB-XL's 500 Hz version but read at 100 Hz: no record of PTB-XL's
    assert not _table_notes(load_record(_copy(tmp_path / "hr", "00417_hr")))
