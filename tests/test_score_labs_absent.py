"""mirage score --labs with a table that lacks a lab the model reads: a model trained with troponin T and CRP,
scored with a table of no troponin column (another export of the laboratory's, its columns chosen anew), had
every record's troponin masked in silence, the last line saying "labs.csv: all 2 values used by this model".
mirage evaluate warns of it; score now says it before the run, as it says the labs masked without --labs."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from helpers_batch import sample_folder
from helpers_models import make_tiny_checkpoint
from mirage_model.review.labs_table import labs_absent_note
from training_cli.main import main


@pytest.mark.parametrize("table, said", [
    ("record_id,age,CRP [mg/L]\n00417_lr,61,3.5\n", True),                          # no troponin column
    ("record_id,age,hs-TnT [ng/L],CRP [mg/L]\n00417_lr,61,,3.5\n", True),           # its cells empty
    ("record_id,age,hs-TnT [ng/L],CRP [mg/L]\n00417_lr,61,12,3.5\n", False),       # given
])
def test_a_lab_the_model_reads_that_the_table_lacks_is_said(tmp_path, capsys, table, said):
    folder = sample_folder(tmp_path)
    model = make_tiny_checkpoint(tmp_path / "m", clinical=("age", "sex", "troponin_t", "crp"), name="tiny-labs")
    labs = tmp_path / "labs.csv"
    labs.write_text(table)
    rc = main(["score", str(folder), "--model", str(model), "--statements-model", "none", "--out",
               str(tmp_path / "r.csv"), "--no-progress", "--labs", str(labs), "--no-measure"])
    err = capsys.readouterr().err
    assert rc == 0
    note = ("note: tiny-labs reads troponin_t; labs.csv has no value of it (no such column, or its cells empty): "
            "masked as missing for every record\n")
    assert (note in err) is said, err
    assert "crp" not in err.replace("CRP [mg/L]", "")


def test_the_note_names_the_training_table_and_every_lab_absent():
    predictor = SimpleNamespace(name="own", schema=SimpleNamespace(names=["age", "sex", "troponin_t", "crp"]),
                                loaded=SimpleNamespace(provenance={"labs_file": "labs.csv"}))
    rows = {"H-000123": {"age": (61.0, "years"), "crp": (None, None)}}
    assert labs_absent_note(predictor, "export.csv", rows) == (
        "own reads troponin_t, crp; export.csv has no value of them (no such column, or its cells empty): "
        "masked as missing for every record (it was trained with labs.csv: give a table with these columns)")
    rows = {"H-000123": {"troponin_t": (12.0, "ng/L"), "crp": (3.5, "mg/L")}}
    assert labs_absent_note(predictor, "export.csv", rows) == ""
