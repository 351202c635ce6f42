"""A labs table's row that fits records of two folders under the folder the table sits in is no record's, whatever the
run holds: DATASET/labs.csv's row "1" beside DATASET/siteA/1 and DATASET/siteB/1 (two patients).

Had been: the row was refused only where both records were in the run; ``mirage score DATASET/siteA``, ``mirage
report DATASET/siteA/1.hea`` and the window's File > Open of siteA/1 gave siteA/1 the row, perhaps siteB's patient's.

Truth: the folder each test builds (LUDB record 1 copied under two sites) and the table it writes.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled samples not present")
FITS = "labs row '1' fits 2 records under the folder of labs.csv (siteA/1, siteB/1)"


def _dataset(root: Path, table: str) -> Path:
    """ROOT/siteA/1 and ROOT/siteB/1 (LUDB 1's files) and ROOT/labs.csv holding ``table``; returns ROOT."""
    for site in ("siteA", "siteB"):
        (root / site).mkdir(parents=True)
        for suffix in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{suffix}", root / site / f"1{suffix}")
    (root / "labs.csv").write_text(table)
    return root


def test_a_stem_row_of_two_sites_is_neither_sites_when_one_site_is_scored(tmp_path):
    from mirage_model.review.batch.inputs import labs_lookup

    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\n1,70\n")
    for run in (root / "siteA", root):        # a subset of the tree, and the whole of it
        lookup = labs_lookup(root / "labs.csv", run)
        for site in ("siteA", "siteB") if run == root else ("siteA",):
            hea = root / site / "1.hea"
            assert lookup.row_id(hea) is None and lookup.values(hea) == {}, (run, site)
            assert lookup.ambiguous(hea).startswith("labs row '1' fits 2 records"), lookup.ambiguous(hea)
    why = labs_lookup(root / "labs.csv", root / "siteA").ambiguous(root / "siteA" / "1.hea")
    assert why == f"{FITS}; name each record by its path there (e.g. 'siteA/1')", why


def test_a_row_named_by_its_path_under_the_tables_folder_is_its_records(tmp_path):
    from mirage_model.review.batch.inputs import labs_lookup

    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\nsiteA/1,70\nsiteB/1,90\n")
    for run, site, kg in ((root / "siteA", "siteA", 70.0), (root / "siteB", "siteB", 90.0), (root, "siteB", 90.0)):
        lookup = labs_lookup(root / "labs.csv", run)
        assert lookup.values(root / site / "1.hea") == {"weight": (kg, "kg")}, (run, site)
        assert lookup.ambiguous(root / site / "1.hea") == ""


def test_a_row_of_a_record_outside_the_run_is_no_error(tmp_path):
    """DATASET/labs.csv's row 'siteB/1' in a run of DATASET/siteA names a record the run does not hold: simply not
    used, no error, warning or hint said of it; siteA/1 keeps its own row (70 kg, as the table writes it)."""
    from mirage_model.review.batch.inputs import labs_lookup

    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\nsiteA/1,70\nsiteB/1,90\n")
    lookup = labs_lookup(root / "labs.csv", root / "siteA")
    hea = root / "siteA" / "1.hea"
    assert lookup.values(hea) == {"weight": (70.0, "kg")} and lookup.ambiguous(hea) == ""
    assert not lookup.errors and not lookup.warnings and lookup.unmatched_hint([hea]) == ""
    assert not lookup.fits_almost_none(1)


def test_the_window_gives_a_record_opened_alone_no_row_of_two_sites(tmp_path):
    """File > Open of siteA/1 (its own folder, or the folder browser's siteA) with DATASET/labs.csv open."""
    from mirage_model.review.labs_table import LabsTable

    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\n1,70\n")
    table = LabsTable.read(root / "labs.csv")
    hea = root / "siteA" / "1.hea"
    for row in (table.row_for(hea), table.row_for(hea, root / "siteA", [hea])):
        assert row.values == {} and row.line == "no row used for record 1 in labs.csv", row
        assert row.notes[0].startswith(FITS) and row.ambiguous == row.notes[0], row


def test_a_record_outside_the_run_asked_alone_is_decided_over_the_tree_too(tmp_path):
    from mirage_model.review.batch.inputs import labs_lookup

    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\n1,70\n")
    lookup = labs_lookup(root / "labs.csv", root / "siteA", [])        # iter_rows' record not in the run's list
    assert lookup.row_id(root / "siteA" / "1.hea") is None
    assert lookup.ambiguous(root / "siteA" / "1.hea").startswith(FITS)


def test_report_and_score_of_one_site_refuse_the_row(tmp_path, capsys):
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    root = _dataset(tmp_path / "ds", "record_id,weight [kg]\n1,70\n")
    assert main(["report", str(root / "siteA" / "1.hea"), "--no-model", "--no-measure",
                 "--labs", str(root / "labs.csv"), "--out", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert FITS in err and "beside" not in err and not (tmp_path / "r.pdf").exists(), err
    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "weight"))
    out = tmp_path / "s.csv"
    assert main(["score", str(root / "siteA"), "--model", str(tiny), "--out", str(out), "--no-progress",
                 "--labs", str(root / "labs.csv"), "--statements-model", "none", "--no-measure"]) == 1
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_path"]: (r["status"], r["error"], r["labs_used"]) for r in csv.DictReader(fh)}
    assert list(rows) == ["1.hea"] and rows["1.hea"][0] == "error" and rows["1.hea"][1].startswith(FITS), rows
