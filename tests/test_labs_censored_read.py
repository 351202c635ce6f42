"""A censored labs value ("<5") is said read as its limit only where a model reads its feature, and ``mirage
report`` says only the record's own row's.

A staff run (20 PTB-XL records, a table with troponin_t "<5" on lines 4, 6, 13 and 21) had warned "4 censored
values read as their limit by the model" beside "troponin_t 20 not used by this model", and ``mirage report
REC --labs`` had printed those four for each of the 20 records, also for those whose row has none.

Truth: the tables below, written by hand (which line holds which cell)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mirage_model.clinical.labs import censored_warning, read_labs_table
from training_cli.main import main

ROW = "ptbxl/records100/00000/00417_lr"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    # a model that reads the weight, not the troponin (as the shipped default reads no troponin)
    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny", clinical=["age", "sex", "weight"])


def test_the_reader_hands_the_censored_cells_to_whoever_knows_what_is_read(tmp_path, caplog):
    table = tmp_path / "labs.csv"
    table.write_text("record_id,weight [kg],troponin_t [ng/L]\na,>150,<5\nb,70,<5\n")
    cells: list = []
    warnings: list = []
    read_labs_table(table, warnings=warnings, censored=cells)
    assert not warnings and "censored" not in caplog.text        # not said before the model is known
    assert [(c.line, c.feature, c.row, c.cell) for c in cells] == [
        (2, "weight", "a", ">150"), (2, "troponin_t", "a", "<5"), (3, "troponin_t", "b", "<5")]
    assert censored_warning(table, cells, frozenset({"age", "sex"})) == ""
    said = censored_warning(table, cells, frozenset({"weight"}))
    assert said.startswith(f"{table}: 1 censored value read as its limit by the model "
                           "(line 2, weight [kg]: '>150' read as 150); shown with its mark"), said
    assert "3 censored values read as their limit" in censored_warning(table, cells)       # every feature
    assert censored_warning(table, cells, None, row="b").startswith(
        f"{table}: 1 censored value in the row of 'b' read as its limit by the model (line 3, troponin_t")
    # without the list, the table's warning as before: every censored cell
    read_labs_table(table, warnings=warnings)
    assert len(warnings) == 1 and "3 censored values read as their limit" in warnings[0], warnings


def _folder(tmp_path) -> Path:
    from test_batch import make_mixed_folder

    folder = tmp_path / "records"
    folder.mkdir()
    make_mixed_folder(folder)
    shutil.rmtree(folder / "bad")           # a broken copy of 00417_lr: its row would fit two records
    return folder


def test_score_counts_only_the_censored_values_its_model_reads(tmp_path, checkpoint, caplog):
    folder = _folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,age,weight [kg],troponin_t [ng/L]\n{ROW},61,>150,<3\n")
    main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"), "--labs", str(labs),
          "--no-measure", "--statements-model", "none", "--no-progress"])
    said = [r.getMessage() for r in caplog.records if "censored" in r.getMessage()]
    assert said == [f"{labs}: 1 censored value read as its limit by the model (line 2, weight [kg]: '>150' read "
                    "as 150); shown with its mark; write the number the model should take, or leave the cell "
                    "empty to mask it"], said


def test_report_says_the_censored_values_of_its_own_row_alone(tmp_path, checkpoint, capsys, caplog):
    folder = _folder(tmp_path)
    record = folder / (ROW + ".hea")
    labs = tmp_path / "labs.csv"
    # another record's row has a censored weight, this record's a censored troponin no model reads
    labs.write_text(f"record_id,age,weight [kg],troponin_t [ng/L]\nother,50,>150,\n{ROW},75,70,<3\n")
    args = ["report", str(record), "--model", str(checkpoint), "--labs", str(labs), "--statements-model", "none",
            "--out", str(tmp_path / "a.pdf")]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "censored value" not in err, err
    assert not [r for r in caplog.records if "censored value" in r.getMessage()], caplog.text    # nor logged
    labs.write_text(f"record_id,age,weight [kg],troponin_t [ng/L]\nother,50,>150,\n{ROW},75,<40,<3\n")
    assert main(args[:-1] + [str(tmp_path / "b.pdf")]) == 0
    err = capsys.readouterr().err
    assert (f"warning: {labs}: 1 censored value in the row of '{ROW}' read as its limit by the model "
            "(line 3, weight [kg]: '<40' read as 40)") in err, err
