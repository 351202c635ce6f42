"""The batch dialog's end text counts the folder's files that are no ECG record (a .pdf, a .txt)
as ``mirage score`` does, and its tooltip names them; the labs table given is not among them.

Truth: the files this test wrote."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"


@pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")
def test_the_end_text_counts_the_files_not_read(qtbot, tiny_model, tmp_path):
    from app.dialogs.batch import BatchDialog
    from mirage_model.inference import Predictor

    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    (folder / "referral.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "notes").mkdir()
    (folder / "notes" / "ward.txt").write_text("not an ECG")
    (folder / "labs.csv").write_text("record_id,age\n1,50\n")
    dlg = BatchDialog(None, predictor=Predictor(tiny_model, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(tmp_path / "scores.csv"))
    dlg.labs.setText(str(folder / "labs.csv"))
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    text = dlg.status.text()
    assert "1 scored" in text and "2 files not read: 1 .pdf, 1 .txt (no ECG records)." in text, text
    tip = dlg.status.toolTip()
    assert "referral.pdf" in tip and "notes/ward.txt" in tip and "labs.csv" not in tip, tip
