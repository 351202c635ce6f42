"""The batch dialog says, when a run starts without a labs table, which labs the model reads and that they are masked,
as ``mirage score`` without --labs says it before its run. A researcher's model trained with a labs table (troponin,
CRP, potassium), scored from the dialog with its Labs table field left empty, had its labs masked for every record
without a word: LUDB record 2 lost its LVH call (0.4665 with its row, under the 0.4660 threshold without) and the
dialog's end line read "Done: 75 scored" as after a run with the table.

Truth: the features the tiny checkpoint here is saved with (age, sex, troponin_t, crp) and the labs table its
provenance names (labs.csv, as ``mirage train --labs labs.csv`` records it); the records' headers give age and sex."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("pytestqt")
from helpers_batch import run_batch_dialog  # noqa: E402
from helpers_models import make_tiny_checkpoint  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")


@pytest.fixture(scope="module")
def labs_model(tmp_path_factory):
    """A tiny checkpoint of age, sex, troponin_t and crp whose provenance says it was trained with labs.csv."""
    path = make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "own", clinical=("age", "sex", "troponin_t", "crp"),
                                name="own")
    config = json.loads((path / "config.json").read_text())
    config["provenance"]["labs_file"] = "labs.csv"
    (path / "config.json").write_text(json.dumps(config))
    return path


def _folder(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    return folder


NOTE = ("Note: own reads troponin_t, crp; without a labs table they are masked as missing, and age, sex where a "
        "record's header does not give them (it was trained with labs.csv: give a labs table with these records' "
        "rows).")


def test_a_run_without_a_labs_table_says_the_labs_are_masked(qtbot, tmp_path, labs_model):
    dlg = run_batch_dialog(qtbot, labs_model, _folder(tmp_path), tmp_path / "scores.csv")
    assert dlg.summary is not None and dlg.summary.scored == 1
    assert NOTE in dlg.notes.text().splitlines()
    assert dlg.notes.isVisibleTo(dlg)


def test_a_run_with_a_labs_table_says_nothing_of_masking(qtbot, tmp_path, labs_model):
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,troponin_t [ng/L],crp [mg/L]\n1,12,5\n", encoding="utf-8")
    dlg = run_batch_dialog(qtbot, labs_model, _folder(tmp_path), tmp_path / "scores.csv", labs=labs)
    assert dlg.summary is not None and dlg.summary.scored == 1
    assert not any("masked" in line for line in dlg.notes.text().splitlines())
