"""The batch dialog says at the end what became of the labs table's values, as ``mirage score``'s last line on it
does: "labs.csv: 2 of 6 values not used by this model (troponin_t 2)". Research staff who gave a table of troponin
and CRP to a model that reads age, sex, height and weight had been told nothing of it in the dialog (each row's
values_not_used cell, at the table's far right, aside), so the troponin could be taken for part of the scoring.

Truth: the table written here (two rows, each fitting one record: age, sex and troponin T given for both) and the
features the tiny checkpoint was saved with (age, sex, height, weight): 6 values, the 2 troponin values not read."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")
from helpers_batch import checkpoint, run_batch_dialog  # noqa: E402,F401
from helpers_models import TINY_CLINICAL  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled LUDB samples not present")


def _folder(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("1", "14"):
        for f in LUDB.glob(f"{name}.*"):
            shutil.copy(f, folder / f.name)
    return folder


def test_the_dialog_says_which_labs_values_the_model_did_not_use(qtbot, tmp_path, checkpoint):
    assert "troponin_t" not in TINY_CLINICAL and {"age", "sex"} <= set(TINY_CLINICAL)
    folder = _folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age,sex,troponin_t [ng/L]\n1,51,F,12\n14,60,M,30\n", encoding="utf-8")
    dlg = run_batch_dialog(qtbot, checkpoint, folder, tmp_path / "scores.csv", labs=labs)
    assert dlg.summary is not None and dlg.summary.scored == 2
    assert "labs.csv: 2 of 6 values not used by this model (troponin_t 2)." in dlg.notes.text().splitlines()
    assert dlg.notes.isVisibleTo(dlg)


def test_a_table_the_model_reads_whole_is_said_used(qtbot, tmp_path, checkpoint):
    folder = _folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age,sex\n1,51,F\n14,60,M\n", encoding="utf-8")
    dlg = run_batch_dialog(qtbot, checkpoint, folder, tmp_path / "scores.csv", labs=labs)
    assert "labs.csv: all 4 values used by this model." in dlg.notes.text().splitlines()


def test_no_table_no_line(qtbot, tmp_path, checkpoint):
    dlg = run_batch_dialog(qtbot, checkpoint, _folder(tmp_path), tmp_path / "scores.csv")
    assert "values" not in dlg.notes.text() and "labs" not in dlg.notes.text()
