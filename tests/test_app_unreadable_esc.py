"""Esc after a file that could not be read.

Walked at 1920x1080 (2026-12-05): tests/data/formats/129ECORG.XML (every lead marked off) opened, the
panel said "No result: 129ECORG.XML could not be read."; Esc then replaced it with "Model run
cancelled: press Run model (F5) to score again." beside a greyed Run model, for a record there is no
model run of. The session had kept the model run 'pending' after the load failed (only the
measurements were ended); now the run is ended with the load, so nothing waits on it.
"""
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtCore  # noqa: E402

from helpers_app import WAIT_MS, shown_window  # noqa: E402
from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures


def test_esc_after_an_unreadable_file_says_no_model_run_was_cancelled(qtbot, tmp_path, tiny_model):
    window = shown_window(qtbot, model=tiny_model)
    bad = tmp_path / "bad.hea"
    bad.write_text("not a WFDB header\n")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(bad)
    said = window.results.state.text()
    assert said == "No result: bad.hea could not be read."
    assert "prediction" not in window.session.pending()       # nothing of the record is being scored
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)          # Model > Cancel running work
    assert window.results.state.text() == said
    assert "Run model" not in window.results.state.text()
