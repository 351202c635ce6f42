"""The batch dialog run on a folder holding no record, only what MIRAGE wrote there: it had ended "Done: 0
scored. Results in ... 5 files MIRAGE wrote (0.pdf, 1.pdf, 2.pdf, .results.csv.lock ...) not scored.", as though
the folder had been scored; it now says what ``mirage score`` says of it (tests/test_batch_no_records.py).

Truth: the files the test wrote."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_batch_no_records import mirage_outputs  # noqa: E402


def _end_text(qtbot, model, folder, out) -> str:
    from app.dialogs.batch import BatchDialog
    from mirage_model.inference import Predictor

    dlg = BatchDialog(None, predictor=Predictor(model, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    return dlg.status.text()


def test_the_dialog_says_the_folder_holds_only_mirages_outputs(qtbot, tiny_model, tmp_path):
    folder = mirage_outputs(tmp_path / "f")
    assert _end_text(qtbot, tiny_model, folder, tmp_path / "scores.csv") == (
        f"No ECG records (.hea headers or clinical ECG files) found under {folder}: it holds only MIRAGE's own "
        "outputs (results.csv, 3 PDF reports, 1 lock file).")


def test_the_dialog_counts_the_other_files_apart(qtbot, tiny_model, tmp_path):
    folder = mirage_outputs(tmp_path / "f")
    (folder / "ward.txt").write_text("not an ECG")
    assert _end_text(qtbot, tiny_model, folder, tmp_path / "scores.csv") == (
        f"No ECG records (.hea headers or clinical ECG files) found under {folder}; 1 file not read: 1 .txt (no ECG "
        "records); MIRAGE's own outputs: results.csv, 3 PDF reports, 1 lock file.")
