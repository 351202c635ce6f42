"""PTB-XL's ``ptbxl_database.csv`` beside or above a batch's records is read for them (their age, sex, patient and
date: ``records.ptbxl.find_database``), so it is no file passed over: a research office's copy of a few PTB-XL
records with the table beside them had been told "1 file not read: 1 .csv" (``--list-not-read``: "not read:
ptbxl_database.csv") while every row's age came from that table. A table no record reads (three folders above
the headers, or in a folder of no record) stays among the files not read.

Truth: the bundled PTB-XL record 00417_lr (its header holds no age or sex) and a table written here by hand
giving it age 63 and sex 1 (PTB-XL's female)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from helpers_batch import batch_dialog_status, checkpoint, score_listing_not_read  # noqa: F401 - a fixture
from mirage_model.paths import resources_dir
from mirage_model.review.batch.inputs import find_inputs

RECORD = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr"
TABLE = ("ecg_id,patient_id,age,sex,recording_date,scp_codes,strat_fold,filename_lr\n"
         "417,4711,63.0,1,1990-01-02 10:00:00,\"{'NORM': 100.0}\",3,records100/00000/00417_lr\n")


def _layout(root: Path, table_at: Path) -> Path:
    """``root`` in PTB-XL's layout (records100/00000/00417_lr.hea, .dat), the table in ``table_at`` (a folder under
    or above ``root``) and a notes.txt beside it."""
    sub = root / "records100" / "00000"
    sub.mkdir(parents=True)
    for ext in (".hea", ".dat"):
        shutil.copy(RECORD.with_suffix(ext), sub)
    table_at.mkdir(parents=True, exist_ok=True)
    (table_at / "ptbxl_database.csv").write_text(TABLE)
    (root / "notes.txt").write_text("what the office keeps beside the records\n")
    return root


def test_the_table_its_records_are_read_with_is_not_counted_as_not_read(tmp_path):
    for table_at in ("", "records100", "records100/00000"):    # PTB-XL's root, and the two folders below it
        root = tmp_path / (table_at.replace("/", "_") or "top") / "ptbxl"
        found = find_inputs(_layout(root, root / table_at))
        assert [p.name for p in found[0]] == ["00417_lr.hea"], table_at
        assert [p.name for p in found.not_read] == ["notes.txt"], table_at


def test_a_table_no_record_is_read_with_stays_not_read(tmp_path):
    # three folders above the header: records.ptbxl.find_database looks two up at most
    root = tmp_path / "deep"
    _layout(root / "a", root)
    (root / "a" / "records100" / "00000" / "ptbxl_database.csv").unlink(missing_ok=True)
    assert sorted(p.name for p in find_inputs(root).not_read) == ["notes.txt", "ptbxl_database.csv"]
    # beside records of another folder, not above them
    other = tmp_path / "side"
    _layout(other / "records", other / "tables")
    assert sorted(p.name for p in find_inputs(other).not_read) == ["notes.txt", "ptbxl_database.csv"]


def test_mirage_score_reads_the_table_and_counts_only_the_notes(tmp_path, checkpoint, capsys):
    root = _layout(tmp_path / "ptbxl", tmp_path / "ptbxl")
    out = tmp_path / "scores.csv"
    printed, named = score_listing_not_read(root, checkpoint, out, capsys)
    assert "1 file not read: 1 .txt (no ECG records; named above)" in printed, printed
    assert named == ["notes.txt"]
    with open(out, newline="", encoding="utf-8-sig") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["age_used"], row["sex_used"]) == ("63.0", "F")      # the table was read


def test_the_batch_dialog_counts_only_the_notes(qtbot, tmp_path, checkpoint):
    root = _layout(tmp_path / "ptbxl", tmp_path / "ptbxl")
    text, tip = batch_dialog_status(qtbot, root, checkpoint, tmp_path / "scores.csv")
    assert "1 scored" in text and "1 file not read: 1 .txt (no ECG records)." in text, text
    assert tip == "Files not read:\nnotes.txt"
