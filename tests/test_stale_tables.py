"""Tables read once and kept while unchanged (PTB-XL's ptbxl_database.csv, ``records.ptbxl``) are read again when
edited in place with their size and modification time kept (``cp -p``, a sync tool that sets the time back): the
record shows the age and sex the table says now."""

from __future__ import annotations

import shutil

from helpers_stale import rewrite_in_place
from mirage_model.paths import resources_dir
from mirage_model.records import load_record


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
