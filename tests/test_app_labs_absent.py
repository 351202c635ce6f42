"""File > Open labs table says a lab the loaded model reads that the table gives no value of, as ``mirage score
--labs`` notes it (``review.labs_table.labs_absent_note``, one wording for both): a table without the troponin column
of the model's training table had been opened in silence, the lab form showing the troponin "not given" on every
record, nothing saying the model reads it masked. Truth: the tables written here; the tiny model reads age, sex,
troponin T and CRP."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

RECORD = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
NO_TNT = "record_id,age,CRP [mg/L]\n00417_lr,61,3.5\n"
WITH_TNT = "record_id,age,hs-TnT [ng/L],CRP [mg/L]\n00417_lr,61,12,3.5\n"
SAID = ("tiny-labs reads troponin_t; labs.csv has no value of it (no such column, or its cells empty): masked as "
        "missing for every record")
pytestmark = [pytest.mark.skipif(not RECORD.is_file(), reason="bundled samples not present"),
              pytest.mark.usefixtures("isolated_settings")]


@pytest.fixture
def tiny(tmp_path):
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "sex", "troponin_t", "crp"), name="tiny-labs")


def _said(window) -> str:
    return window.message_bar.text() if window.message_bar.isVisible() else ""


def _open_table(qtbot, window, tmp_path, text):
    path = tmp_path / "labs.csv"
    path.write_text(text)
    window.open_labs_table(path)
    qtbot.waitUntil(lambda: window.labs_worker is None, timeout=WAIT_MS)


def test_a_table_without_a_lab_the_model_reads_says_so(qtbot, tmp_path, tiny):
    window = shown_window(qtbot, tiny)
    window.open_record(RECORD)
    qtbot.waitUntil(lambda: window.session.record is not None, timeout=WAIT_MS)
    _open_table(qtbot, window, tmp_path, NO_TNT)
    assert SAID in _said(window), _said(window)


def test_a_model_loaded_beside_the_table_says_so_and_a_full_table_says_nothing(qtbot, tmp_path, tiny):
    window = shown_window(qtbot)
    window.open_record(RECORD)
    qtbot.waitUntil(lambda: window.session.record is not None, timeout=WAIT_MS)
    _open_table(qtbot, window, tmp_path, NO_TNT)
    assert "troponin_t" not in _said(window), _said(window)           # no model yet: nothing read
    window.load_model(str(tiny))
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    assert SAID in _said(window), _said(window)
    window.message_bar.hide()
    _open_table(qtbot, window, tmp_path, WITH_TNT)
    assert "has no value" not in _said(window), _said(window)
