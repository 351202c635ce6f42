"""The run's labs lookup is built in one place (``inputs.labs_lookup``): ``score_folder`` and the
app's batch dialog get the same table, its source and its columns of no feature (``not_read``).

Truth: the table each test wrote ("Smoker" is no feature MIRAGE knows)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import score_folder
from mirage_model.review.batch.inputs import LabsLookup, labs_lookup

LUDB = mm.resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")


def _folder(root: Path) -> Path:
    root.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, root / f.name)
    (root / "labs.csv").write_text("record_id,age,Smoker\n1,50,no\n")
    return root


def test_build_keeps_the_columns_not_read():
    lookup = LabsLookup.build({"1": {"age": (50.0, None)}}, {}, "x", ["x/1.hea"], not_read=["Smoker"])
    assert lookup.not_read == ["Smoker"]
    assert LabsLookup.build({}, {}, "x", []).not_read == []


def test_the_batch_and_the_dialog_read_the_table_alike(tmp_path):
    from helpers_models import make_tiny_checkpoint

    folder = _folder(tmp_path / "records")
    lookup = labs_lookup(folder / "labs.csv", folder)
    assert lookup.not_read == ["Smoker"]
    assert lookup.source == folder / "labs.csv"
    assert lookup.values(folder / "1.hea")["age"][0] == 50.0
    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    summary = score_folder(folder, predictor, tmp_path / "s.csv", labs=folder / "labs.csv", measure=False)
    assert summary.scored == 1
    assert summary.labs_not_read == ["Smoker"]
    assert "labs.csv" not in summary.not_read            # the table's file is its source, no file passed over
    assert summary.labs_line("labs.csv", ["age"]).endswith("; 1 column not read, of no feature MIRAGE knows: 'Smoker'")
    summary.labs_not_read = [f"c{k}" for k in range(6)]
    assert summary.labs_line("labs.csv", ["age"]).endswith(
        "; 6 columns not read, of no feature MIRAGE knows: 'c0', 'c1', 'c2', 'c3', 'c4' ...")


def test_a_row_fitting_several_records_is_no_value_used(tmp_path):
    """A labs row '1' that fits a/1 and b/1 is refused for both (their error rows say so), yet `mirage score`
    ended on "labs.csv: all 1 value used by this model": its value went to no record. Truth: the table written
    here (row '1' fits a/1 and b/1; row '14' fits c/14 alone)."""
    from helpers_models import make_tiny_checkpoint

    folder = tmp_path / "records"
    for sub, name in (("a", "1"), ("b", "1"), ("c", "14")):
        (folder / sub).mkdir(parents=True)
        for f in LUDB.glob(f"{name}.*"):
            shutil.copy(f, folder / sub / f.name)
    (folder / "labs.csv").write_text("record_id,age\n1,50\n")
    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    summary = score_folder(folder, predictor, tmp_path / "s.csv", labs=folder / "labs.csv", measure=False)
    assert (summary.scored, summary.failed) == (1, 2)
    assert summary.labs_line("labs.csv", ["age"]) == (
        "labs.csv: no value used: 2 records given none, their rows fit other records too: see their error rows")
    (folder / "labs.csv").write_text("record_id,age\n1,50\n14,60\n")
    summary = score_folder(folder, predictor, tmp_path / "t.csv", labs=folder / "labs.csv", measure=False)
    assert summary.labs_line("labs.csv", ["age"]) == (
        "labs.csv: 1 value used by this model; 2 records given none, their rows fit other records too: "
        "see their error rows")
