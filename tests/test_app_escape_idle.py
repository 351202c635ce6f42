"""Esc (Model > Cancel running work) with nothing running said "Cancelled." in the status bar, as though
something had been stopped. It now says "Nothing to cancel.", and, while a batch runs in its own window
(which Esc leaves going), that the batch goes on; with work under way it says "Cancelled." as before.

Truth: what is under way, held by the test (a measuring held in its worker); a record whose analysis has
finished (analysisFinished) has nothing running. The batch case: test_app_keyboard's
test_esc_in_the_main_window_leaves_a_batch_run_going."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_app_print import A, B, WAIT_MS, hold_measuring, window_with  # noqa: E402

pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")


def _esc(qtbot, window) -> str:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    window.measure_panel.table.setFocus()
    qtbot.keyClick(window.measure_panel.table, Qt.Key.Key_Escape)
    return window.status_label.text()


def test_esc_in_an_empty_window_has_nothing_to_cancel(qtbot):
    window = shown_window(qtbot, size=(1280, 800))
    assert _esc(qtbot, window) == "Nothing to cancel."


def test_esc_after_the_analysis_finished_has_nothing_to_cancel(qtbot):
    window = window_with(qtbot)
    qtbot.waitUntil(lambda: not window.work_running(), timeout=WAIT_MS)
    assert _esc(qtbot, window) == "Nothing to cancel."
    assert "measurements" not in window.session.pending()


def test_esc_while_measuring_cancels(qtbot, monkeypatch):
    gate = hold_measuring(monkeypatch)
    window = shown_window(qtbot, size=(1280, 800))
    try:
        with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
            window.open_record(A)
        assert "measurements" in window.session.pending()
        assert _esc(qtbot, window) == "Cancelled."
        assert _esc(qtbot, window) == "Nothing to cancel."        # pressed again: already stopped
    finally:
        gate.set()

