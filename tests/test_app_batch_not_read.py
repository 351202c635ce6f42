"""The batch dialog's end text counts the folder's files that are no ECG record (a .pdf, a .txt)
as ``mirage score`` does, and its tooltip names them; the labs table given is not among them.

Truth: the files this test wrote."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from helpers_batch import run_batch_dialog  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"


@pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")
def test_the_end_text_counts_the_files_not_read(qtbot, tiny_model, tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    (folder / "referral.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "notes").mkdir()
    (folder / "notes" / "ward.txt").write_text("not an ECG")
    (folder / "labs.csv").write_text("record_id,age\n1,50\n")
    (folder / "x.xml").write_bytes(b"")        # an ECG format's extension, no ECG: a row "not_ecg", counted apart
    dlg = run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv", labs=folder / "labs.csv")
    text = dlg.status.text()
    assert text.startswith("Done: 1 scored, 1 not ECG file ("), text     # one file: not "1 not ECG files"
    assert "1 scored" in text and "2 files not read: 1 .pdf, 1 .txt (no ECG records)." in text, text
    tip = dlg.status.toolTip()
    assert "referral.pdf" in tip and "notes/ward.txt" in tip and "labs.csv" not in tip, tip
    # the empty x.xml's row, picked: the line under the table says it in mirage score's and --export-pdf's words
    # (it had said "the file is empty" alone, where mirage score says "not an ECG: x.xml: the file is empty")
    r = next(i for i, row in enumerate(dlg.rows) if row.get("record_path") == "x.xml")
    dlg.table.setCurrentCell(r, 0)
    assert dlg.message.text() == "not an ECG: x.xml: the file is empty", dlg.message.text()


@pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")
def test_a_cancel_that_came_after_the_last_record_says_what_was_done(qtbot, tiny_model, tmp_path):
    """Cancel pressed at 4 of 13 records (a real window): the run went on to the end (the batch checks
    its flag between chunks of records scored together) and the dialog then said "Cancelled after 13
    records", its summary dropped: no count of the failed record (a .hea without its .dat among them),
    no word that nothing was left out. Now the summary is shown whatever the cancel: here every record
    was handled, so "Done", with the failed one counted. Truth: the output CSV's rows, read with csv."""
    import csv

    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    (folder / "1b.hea").write_text((LUDB / "1.hea").read_text().replace("1.dat", "1b.dat")
                                   .replace("1 12", "1b 12", 1))        # its signal file missing
    out = tmp_path / "scores.csv"
    started = []

    def listen(dlg, worker):
        started.append(worker)
        worker.signals.progress.connect(lambda done, total, row: isinstance(row, dict) and dlg.cancel())

    dlg = run_batch_dialog(qtbot, tiny_model, folder, out, listen=listen)
    assert started[0].is_cancelled
    with open(out, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["status"] for r in rows) == ["error", "ok"], rows
    text = dlg.status.text()
    assert text.startswith("Done: 1 scored, 1 failed") and "Cancelled" not in text, text
