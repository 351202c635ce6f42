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


def test_after_a_resume_the_table_names_the_copy_as_the_output_does(qtbot, tmp_path):
    """A resumed run's row (1.xml) came naming a kept row below it (2.xml), before the run named the copies in the
    output's order (test_batch_same_ecg); at its end the table shows the output's rows, and 1.xml's names none."""
    from app.dialogs.batch import BatchDialog
    from mirage_model.review.batch.run import BatchSummary

    out = tmp_path / "scores.csv"
    out.write_text("record_path,record_id,status,error,same_ecg_as\n1.xml,1,ok,,\n2.xml,2,ok,,1.xml\n",
                   encoding="utf-8-sig")
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    dlg._progress(1, 1, {"record_path": "1.xml", "record_id": "1", "status": "ok", "error": "",
                         "same_ecg_as": "2.xml"})
    dlg._done(BatchSummary(scored=1, skipped=1, seconds=1.0, records_per_s=1.0, out_path=out, copies=1))
    c = dlg.columns.index("same_ecg_as")
    assert [dlg.table.item(r, c).text() for r in range(dlg.table.rowCount())] == ["", "1.xml"]


def test_the_table_shows_the_start_of_the_ecg_key_and_the_whole_on_hover(qtbot, tmp_path):
    """The ECG's key is 40 hex digits (the over-read store's): the table shows its first 10, enough to tell the rows
    of one ECG from the others', and the whole on hover; it sorts by the whole key. It had shown all 40, cut by its
    column at an arbitrary digit."""
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    keys = {"a.xml": "0123456789abcdef0123456789abcdef01234567", "b.xml": "0123456789ffffffffffffffffffffffffffffff"}
    for done, (path, key) in enumerate(keys.items(), 1):
        dlg._progress(done, 2, {"record_path": path, "record_id": path[0], "status": "ok", "error": "",
                                "same_ecg_as": "", "ecg_key": key})
    c = dlg.columns.index("ecg_key")
    assert [dlg.table.item(r, c).text() for r in range(2)] == ["0123456789\u2026"] * 2
    assert dlg.table.item(1, c).toolTip().splitlines()[0] == keys["b.xml"]
    dlg._sort_by(c)
    dlg._sort_by(c)                       # descending: by the whole key, b's ffff... first
    assert [dlg.table.item(r, dlg.columns.index("record_path")).text() for r in range(2)] == ["b.xml", "a.xml"]
