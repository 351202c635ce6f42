"""What is read once and kept while unchanged is read again when a file is edited in place with its size and
modification time kept (``cp -p``, a sync tool that sets the time back): PTB-XL's ptbxl_database.csv
(``records.ptbxl``: the record shows the age and sex the table says now), the window's open labs table
(``review.labs_table``), the records under a labs table's folder (``clinical.renamed.records_under``, by which a row
that fits two of them is refused). Truth: the values each test writes; the bundled MUSE XML, an ECG."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers_stale import rewrite_in_place
from mirage_model.paths import resources_dir
from mirage_model.records import load_record

TEST_DATA = Path(__file__).resolve().parent / "data"


def test_an_edited_ptbxl_table_gives_its_new_age_and_sex(tmp_path):
    root = tmp_path / "ptbxl"
    shutil.copytree(resources_dir() / "samples" / "ptbxl", root)
    table = root / "ptbxl_database.csv"
    hea = root / "records100" / "00000" / "00417_lr.hea"
    first = load_record(hea)
    assert (first.age, first.sex) == (75.0, "F")           # the table's row: 417,4938,75.0,1 (1: female)
    text = table.read_bytes()
    assert text.count(b"\n417,4938,75.0,1,") == 1
    rewrite_in_place(table, text.replace(b"\n417,4938,75.0,1,", b"\n417,4938,57.0,0,"))
    again = load_record(hea)
    assert (again.age, again.sex) == (57.0, "M")


LABS = "record_id,age,sex,crp [mg/L]\n1,51,F,10\n14,50,M,3.5\n"


def test_a_labs_table_edited_in_place_gives_no_old_row(tmp_path):
    """Read once (``LabsTable``, the window's open table), then its CRP of record 1 changed from 10 to 90 in place:
    its old value (another result) is not given; read again, the new one is."""
    from helpers_stale import ludb_pair
    from mirage_model.review.labs_table import LabsTable

    folder = ludb_pair(tmp_path / "records")
    path = tmp_path / "labs.csv"
    path.write_text(LABS)
    table = LabsTable.read(path)
    assert table.row_for(folder / "1.hea").values["crp"] == (10.0, "mg/L")
    rewrite_in_place(path, LABS.replace("F,10", "F,90").encode())
    row = table.row_for(folder / "1.hea")
    assert row.values == {} and "labs.csv changed on disk since it was read" in row.notes[0]
    assert LabsTable.read(path).row_for(folder / "1.hea").values["crp"] == (90.0, "mg/L")


def test_a_file_rewritten_into_an_ecg_in_place_counts_among_the_tables_records(tmp_path):
    """ROOT/labs.csv's row "1" fits ROOT/siteA/1 alone while ROOT/siteB/1.xml is a note; written over in place by a
    MUSE XML ECG (same size and time, its folder untouched), the row fits two records and is refused: the list of
    records under ROOT had been kept until a folder changed, and the row given to siteA/1, perhaps siteB's
    patient's labs."""
    from helpers_stale import ludb_pair
    from mirage_model.review.labs_table import LabsTable

    root = tmp_path / "ds"
    ludb_pair(root / "siteA")
    (root / "siteB").mkdir()
    ecg = (TEST_DATA / "formats" / "muse-sinus.xml").read_bytes()
    note = b"<?xml version='1.0'?><notes>site visit</notes>\n"
    (root / "siteB" / "1.xml").write_bytes(note[:-1] + b" " * (len(ecg) - len(note)) + b"\n")
    (root / "labs.csv").write_text("record_id,weight [kg]\n1,70\n")
    hea = root / "siteA" / "1.hea"
    assert LabsTable.read(root / "labs.csv").row_for(hea).values == {"weight": (70.0, "kg")}
    rewrite_in_place(root / "siteB" / "1.xml", ecg)
    row = LabsTable.read(root / "labs.csv").row_for(hea)
    assert row.values == {} and row.notes[0].startswith("labs row '1' fits 2 records under the folder of labs.csv")


def test_a_ptbxl_record_open_in_a_session_is_changed_when_its_table_is(tmp_path):
    """The age and sex a PTB-XL record shows come from ptbxl_database.csv: a session's record is no longer its files'
    once that table is rewritten in place (``ReviewSession.changed_on_disk``, which the window asks before a report or
    a signature), as when its header or samples are."""
    from mirage_model.records.stamp import record_stamp
    from mirage_model.review.session import ReviewSession

    root = tmp_path / "ptbxl"
    shutil.copytree(resources_dir() / "samples" / "ptbxl", root)
    hea = root / "records100" / "00000" / "00417_lr.hea"
    session = ReviewSession(path=hea)
    session.file_stamp = record_stamp(hea)
    session.set_record(load_record(hea), hea)
    assert session.changed_on_disk() == ""
    table = root / "ptbxl_database.csv"
    rewrite_in_place(table, table.read_bytes().replace(b"\n417,4938,75.0,1,", b"\n417,4938,57.0,0,"))
    assert session.changed_on_disk().startswith("the file changed on disk since it was opened (ptbxl_database.csv)")
