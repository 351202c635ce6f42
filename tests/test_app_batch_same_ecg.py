"""The batch dialog shows which row's ECG is a copy of an earlier row's (``same_ecg_as``, beside the status and the
error) and its last line counts them, as ``mirage score`` says it (test_batch_same_ecg); both rows stay.

Truth: the rows given (dup_b.xml a byte copy of dup_a.xml, as test_batch_same_ecg scores them)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture


def test_the_table_and_the_last_line_name_the_copy(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog
    from mirage_model.review.batch.run import BatchSummary

    out = tmp_path / "scores.csv"
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    rows = [{"record_path": "dup_a.xml", "record_id": "dup_a", "status": "ok", "error": "", "same_ecg_as": ""},
            {"record_path": "dup_b.xml", "record_id": "dup_b", "status": "ok", "error": "",
             "same_ecg_as": "dup_a.xml"}]
    for done, row in enumerate(rows, 1):
        dlg._progress(done, 2, row)
    c = dlg.columns.index("same_ecg_as")
    assert dlg.columns[c - 1] == "error"
    assert [dlg.table.item(r, c).text() for r in range(dlg.table.rowCount())] == ["", "dup_a.xml"]
    dlg._done(BatchSummary(scored=2, skipped=0, seconds=1.0, records_per_s=2.0, out_path=out, copies=1))
    text = dlg.status.text()
    assert "1 record is a copy of another (the same ECG: same_ecg_as names the earlier record)" in text, text
