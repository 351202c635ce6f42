"""A resumed run in the batch dialog shows the rows it keeps from its output from its start, each marked kept in its
status cell, with the records it scores now arriving among them: the table had held this run's rows alone until the
end (a run resumed onto an earlier run's output read "0 / 213 records" over an empty table, its kept rows appearing
at the end only), so a person resuming could not see what was already done.

Truth: which records the first run scored (the bundled PTB-XL samples 00417_lr and 10388_lr, copied before it) and
which one was added after (04016_lr)."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")
from helpers_batch import checkpoint, run_batch_dialog  # noqa: E402,F401
from mirage_model.paths import resources_dir  # noqa: E402

PTBXL = resources_dir() / "samples" / "ptbxl" / "records100"
NAMES = {"00417_lr": "00000", "04016_lr": "04000", "10388_lr": "10000"}
pytestmark = pytest.mark.skipif(not all((PTBXL / d / f"{n}.hea").is_file() for n, d in NAMES.items()),
                                reason="bundled PTB-XL samples not present")


def _copy(name: str, folder) -> None:
    for suffix in (".hea", ".dat"):
        shutil.copy(PTBXL / NAMES[name] / f"{name}{suffix}", folder / f"{name}{suffix}")


# the whole table: the kept rows marked, the new one in its place among them
WHOLE = [("00417_lr.hea", "ok (kept)"), ("04016_lr.hea", "ok"), ("10388_lr.hea", "ok (kept)")]


def _table(dlg) -> list[tuple[str, str]]:
    """(record_path, status cell's text) of each row the dialog's table shows, top to bottom."""
    c_path, c_status = dlg.columns.index("record_path"), dlg.columns.index("status")
    return [(dlg.table.item(r, c_path).text(), dlg.table.item(r, c_status).text())
            for r in range(dlg.table.rowCount())]


def _first_run(qtbot, tmp_path, checkpoint):
    """(records folder, output, the dialog) of a first run over 00417 and 10388, the output written whole."""
    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("00417_lr", "10388_lr"):
        _copy(name, folder)
    out = tmp_path / "scores.csv"
    return folder, out, run_batch_dialog(qtbot, checkpoint, folder, out)


def test_a_resumed_run_shows_its_kept_rows_marked_kept_from_its_start(qtbot, tmp_path, checkpoint):
    folder, out, first = _first_run(qtbot, tmp_path, checkpoint)
    assert [s for _, s in _table(first)] == ["ok", "ok"], _table(first)
    _copy("04016_lr", folder)                     # a record added since: the resumed run scores it alone
    seen, said = [], []

    def listen(dlg, worker):
        def at_first_row(_done, _total, row):
            if isinstance(row, dict) and not seen:
                seen.append(_table(dlg))
            said.append((dlg.status.text(), dlg.progress.value(), dlg.progress.maximum()))
        worker.signals.progress.connect(at_first_row)

    dlg = run_batch_dialog(qtbot, checkpoint, folder, out, resume=True, listen=listen)
    # when this run's first row came, the two kept rows were there already, marked, and the new one in its place
    assert seen == [WHOLE], seen
    # the status line and the bar count the whole output, the 2 kept rows too: it had said "0 / 1 records", then
    # "1 / 1 records", the bar at 0 % with two of the three done
    assert ("2 / 3 records, 2 from the earlier run; reading the first records and starting the model...", 2, 3) in said
    assert said[-1] == ("3 / 3 records, 2 from the earlier run", 3, 3), said
    r_kept = next(r for r, row in enumerate(dlg.rows) if row.get("record_path") == "00417_lr.hea")
    assert "not scored again" in dlg.table.item(r_kept, dlg.columns.index("status")).toolTip()
    # and at the end, the output's rows as before, still marked; the summary counts the kept ones as skipped
    assert _table(dlg) == WHOLE, _table(dlg)
    assert dlg.summary.skipped == 2 and dlg.summary.scored == 1
    assert dlg.status.text().startswith("Done: 1 scored, 2 skipped"), dlg.status.text()


def test_a_resumed_output_of_an_earlier_version_is_carried_on_and_the_summary_says_so(qtbot, tmp_path, checkpoint):
    import csv

    from mirage_model.review.batch.row_stamps import stamps_file_of

    folder, out, _ = _first_run(qtbot, tmp_path, checkpoint)
    # the output as a version before same_ecg_as and ecg_key wrote it (and without the stamps file it did not write)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols, rows = [c for c in reader.fieldnames if c not in ("same_ecg_as", "ecg_key")], list(reader)
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, cols, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    stamps_file_of(out).unlink()
    _copy("04016_lr", folder)
    dlg = run_batch_dialog(qtbot, checkpoint, folder, out, resume=True)
    assert _table(dlg) == WHOLE, _table(dlg)
    assert "2 kept rows from an earlier version have no same_ecg_as, ecg_key value" in dlg.status.text(), \
        dlg.status.text()
