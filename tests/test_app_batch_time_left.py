"""The batch dialog says how long a run has left ("36 / 300 records; about 5 min left"), counted as ``mirage score``'s
bar counts it: from the end of the first chunk, whose wait (the loader, the model's first pass) is no rate of the
others. It had said "36 / 300 records" alone: 300 PTB-XL records took 4 min on the shared 2-core machine, 10,000
take about 25 min on a quiet one. Truth: the times worked out by hand."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("pytestqt")
from helpers_app import isolated_settings, with_a_header  # noqa: E402,F401


def test_the_status_says_the_time_left_from_the_end_of_the_first_chunk(qtbot, tmp_path, monkeypatch):
    import app.dialogs.batch as batch

    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])     # the dialog's clock
    dlg = batch.BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    clock[0] = 34.0                     # the first chunk: 4 records, 34 s after the start
    for done in range(1, 5):
        dlg._progress(done, 300, None)
    # no rate yet: the first chunk's wait is none; what the run does instead (test_app_batch_waiting)
    assert dlg.status.text() == "4 / 300 records; scoring the next records, up to 32 together: the count moves when " \
        "they are done..."
    clock[0] = 68.0                     # the second: 32 records 34 s later
    for done in range(5, 37):
        dlg._progress(done, 300, None)
    # 264 records at 32 in 34 s: 280.5 s, about 5 min (the mean since the start, 498.7 s, would say 8)
    assert dlg.status.text() == "36 / 300 records; about 5 min left"
    clock[0] = 68.0 + 34.0 * 8          # 256 more at the same rate: 8 left, 8.5 s
    dlg._progress(292, 300, None)
    assert dlg.status.text() == "292 / 300 records; about 10 s left"
    dlg._progress(300, 300, None)
    assert dlg.status.text() == "300 / 300 records"


def test_a_long_run_says_hours(qtbot, tmp_path, monkeypatch):
    import app.dialogs.batch as batch

    clock = [10.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])     # the dialog's clock
    dlg = batch.BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    dlg._progress(4, 10_000, None)
    clock[0] = 10.0 + 32 * 0.5          # 2 records a second: 9964 left, 4982 s, 1 h 23 min
    dlg._progress(36, 10_000, None)
    assert dlg.status.text() == "36 / 10000 records; about 1 h 23 min left"


def test_failed_rows_are_no_scored_work(qtbot, tmp_path, monkeypatch):
    # broken files sort first: their 4 rows come at 1 s, before the model's first pass (none runs on them); the
    # dialog had counted the rate from there and said "about 5 min left" (32 rows in 34 s) where 32 rows take 10 s
    import app.dialogs.batch as batch

    clock = [1.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])     # the dialog's clock
    dlg = batch.BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    broken = {"status": "error", "error": "cannot read the signal file"}
    for done in range(1, 5):
        dlg._progress(done, 300, dict(broken))
    clock[0] = 35.0                     # the model's first pass and 32 records scored
    for done in range(5, 37):
        dlg._progress(done, 300, None)
    assert "left" not in dlg.status.text()          # the first scored chunk: no rate yet
    clock[0] = 45.0                     # 32 more in 10 s: 232 left at 3.2 a second, 72.5 s
    for done in range(37, 69):
        dlg._progress(done, 300, None)
    assert dlg.status.text() == "68 / 300 records; about 1 min left"
