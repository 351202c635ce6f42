"""File > Open labs table warns of the censored values ("<5", ">200") the loaded models read, as ``mirage score``
warns of those its models read (``clinical.labs.censored_warning``).

Had been: the table's warning counted every censored cell of the table, read before any model was known: with the
default model loaded (it reads age, sex, height and weight) the message bar said "6 censored values read as their
limit by the model (line 2, troponin_t [ng/L]: '<5' read as 5; line 2, crp [mg/L]: ...", naming a troponin and a
CRP no model read, and said it with no model loaded at all.

Truth: the table written here: weight ">200" on line 3, troponin "<5" on lines 2 and 3, CRP "<0.3" on line 2; the
tiny model reads age and weight, no troponin or CRP.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

RECORD = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
TABLE = ("record_id,weight [kg],troponin_t [ng/L],crp [mg/L]\n"
         "00417_lr,60,<5,<0.3\n"
         "04016_lr,>200,<5,12\n")
WEIGHT = "1 censored value read as its limit by the model (line 3, weight [kg]: '>200' read as 200)"
pytestmark = [pytest.mark.skipif(not RECORD.is_file(), reason="bundled samples not present"),
              pytest.mark.usefixtures("isolated_settings")]


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "labs.csv"
    path.write_text(TABLE)
    return path


@pytest.fixture
def tiny(tmp_path):
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "weight"))


def _said(window) -> str:
    return window.message_bar.text() if window.message_bar.isVisible() else ""


def _open_table(qtbot, window, path) -> None:
    window.open_labs_table(path)
    qtbot.waitUntil(lambda: window.labs_worker is None, timeout=WAIT_MS)


def test_the_table_reads_its_censored_cells_and_warns_of_those_a_model_reads(table):
    from mirage_model.review.labs_table import LabsTable

    t = LabsTable.read(table)
    assert not any("censored" in w for w in t.warnings), t.warnings
    assert [(c.line, c.feature, c.cell) for c in t.censored] == [
        (2, "troponin_t", "<5"), (2, "crp", "<0.3"), (3, "weight", ">200"), (3, "troponin_t", "<5")]
    assert t.censored_line(frozenset({"age", "weight"})) == f"{table}: {WEIGHT}; shown with its mark; write the " \
        "number the model should take, or leave the cell empty to mask it"
    assert t.censored_line(frozenset()) == ""                  # no model: none is read
    assert t.censored_line(None).startswith(f"{table}: 4 censored values")     # a model that does not say


def test_opened_before_a_model_it_says_none_and_the_model_its_own(qtbot, table, tiny):
    window = shown_window(qtbot)
    window.open_record(RECORD)
    qtbot.waitUntil(lambda: window.session.record is not None, timeout=WAIT_MS)
    _open_table(qtbot, window, table)
    assert "censored" not in _said(window), _said(window)
    window.load_model(str(tiny))
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    assert WEIGHT in _said(window) and "troponin" not in _said(window) and "crp" not in _said(window), _said(window)


def test_opened_beside_a_model_it_names_what_the_model_reads(qtbot, table, tiny):
    window = shown_window(qtbot, tiny)
    _open_table(qtbot, window, table)
    assert WEIGHT in _said(window) and "troponin" not in _said(window) and "crp" not in _said(window), _said(window)
