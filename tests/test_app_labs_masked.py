"""The results panel says, while no labs table is open, which labs the loaded model reads and that they are masked
unless typed, as ``mirage score`` without --labs and the batch dialog say it: a researcher's model trained with a labs
table (troponin, CRP, potassium), loaded with ``mirage-review --model models/own`` and no ``--labs``, scored LUDB
record 2 "Sinus rhythm, 66 bpm; Normal ECG" with every lab masked (its LVH call needs the row: 0.4665 with it, under
the 0.4660 threshold without), nothing but the lab form's "not given" saying so. Opening the table takes the line
away; closing it brings it back.

Truth: the features the tiny checkpoint is saved with (age, sex, troponin_t, crp) and the labs table its provenance
names (labs.csv, as ``mirage train --labs labs.csv`` records it); a model without one says nothing."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from helpers_models import make_tiny_checkpoint  # noqa: E402

pytestmark = pytest.mark.usefixtures("isolated_settings")

SAID = ("tiny-labs reads troponin_t, crp; without a labs table (File > Open labs table...) or values typed in the "
        "lab form they are masked as missing, and age, sex where a record's header does not give them (it was "
        "trained with labs.csv: give a labs table with these records' rows)")


@pytest.fixture
def tiny(tmp_path):
    path = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "sex", "troponin_t", "crp"), name="tiny-labs")
    config = json.loads((path / "config.json").read_text())
    config["provenance"]["labs_file"] = "labs.csv"
    (path / "config.json").write_text(json.dumps(config))
    return path


def _note(window) -> str:
    return window.results.labs_note.text() if window.results.labs_note.isVisibleTo(window) else ""


def test_a_labs_model_without_a_table_says_its_labs_are_masked(qtbot, tmp_path, tiny):
    window = shown_window(qtbot, tiny)
    assert _note(window) == SAID
    table = tmp_path / "labs.csv"
    table.write_text("record_id,troponin_t [ng/L],crp [mg/L]\n1,12,5\n")
    window.open_labs_table(table)
    qtbot.waitUntil(lambda: window.labs_worker is None, timeout=WAIT_MS)
    assert _note(window) == ""
    window.close_labs_table()
    assert _note(window) == SAID


def test_a_model_of_the_header_s_values_alone_says_nothing(qtbot, tmp_path):
    window = shown_window(qtbot, make_tiny_checkpoint(tmp_path / "plain"))     # age, sex, height, weight
    assert _note(window) == ""
