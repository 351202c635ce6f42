"""The "Batch score folder" dialog names the labs-table rows that fit no record when the run
starts: the batch matches the table's rows to the folder's records once, before any record is
scored, but the dialog named them only in its end-of-run notes (hours later on a large folder, and
never for a run cancelled before its end). The end-of-run notes keep the line, once, with the
case / leading-zero hint.

Truth: the table's ids this test wrote ('00417_LR' is the record 00417_lr in other case, '99999'
is none of the folder's two records)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, tiny_model, two_record_folder  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

SAMPLES = resources_dir() / "samples" / "ptbxl" / "records100"
SAMPLE = SAMPLES / "00000" / "00417_lr.hea"
pytestmark = pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample records not present")
LINE = "2 rows of labs.csv fit no record in this folder and were not used ('00417_LR', '99999')"
HINT = "'00417_LR' differs from the record '00417_lr' only in case or leading zeros"


@pytest.fixture
def dialog(qtbot, tiny_model, tmp_path):
    """A batch dialog on two PTB-XL records with a labs table of which two rows fit neither."""
    from app.dialogs.batch import BatchDialog
    from mirage_model.inference import Predictor

    folder = two_record_folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\n00417_LR,40\n99999,50\n11125_lr,60\n")
    dlg = BatchDialog(None, predictor=Predictor(tiny_model, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(tmp_path / "scores.csv"))
    dlg.labs.setText(str(labs))
    return dlg


def test_the_rows_that_fit_no_record_are_named_before_the_first_row(qtbot, dialog):
    dlg = dialog
    seen: list[str] = []          # the notes when each record's row arrived
    worker = dlg.start()
    assert worker is not None
    worker.signals.progress.connect(lambda _d, _t, row: seen.append(dlg.notes.text()) if isinstance(row, dict) else None)
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    assert len(seen) == 2 and LINE in seen[0] and HINT in seen[0], (seen, dlg.status.text())
    assert "2 scored" in dlg.status.text(), dlg.status.text()
    notes = dlg.notes.text()                      # the end-of-run notes as before, the line once
    assert notes.count(LINE) == 1 and HINT in notes, notes
    assert dlg.notes.isVisibleTo(dlg) and "Traceback" not in notes
    assert "00417_LR" in dlg.notes.toolTip() and "99999" in dlg.notes.toolTip()
    r = [row["record_id"] for row in dlg.rows].index("11125_lr")     # the row that fits is used
    assert dlg.rows[r]["age_used"] == 60


def test_a_run_cancelled_before_its_first_row_has_named_them(qtbot, dialog):
    """Cancelled at its first signal (the labs match, before any record is scored): the run ends
    with no summary, and the notes still name the rows."""
    dlg = dialog
    worker = dlg.start()
    assert worker is not None
    # cancelled in the job's own thread as it sends the match (a queued slot ran after the GUI
    # thread got to it, and under load the tiny model had scored a record by then)
    worker.signals.progress.connect(lambda *_a: worker.cancel(), Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    assert dlg.summary is None and dlg.table.rowCount() == 0, dlg.status.text()
    assert "Cancelled" in dlg.status.text(), dlg.status.text()
    assert LINE in dlg.notes.text() and HINT in dlg.notes.text(), dlg.notes.text()
