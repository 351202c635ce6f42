"""After each of the over-read panel's dialogs (Strike...'s reason, Sign...'s name, Add statement...) the window is
made active again and the control that had the focus has it again. With no window manager (Xvfb 1280x800, LUDB 14)
nothing else hands the activation back when a dialog closes: the window had none after a strike, and Ctrl+Shift+G
(Sign...), Ctrl+Shift+A and Ctrl+Shift+R did nothing until a click on the window. The offscreen platform hands it
back itself, as a window manager does, so the test counts the window's activateWindow calls and checks the focus
rather than pressing the keys into an inactive window. A tiny statements model says sinus rhythm (threshold 0.0) on
the bundled PTB-XL 00417_lr."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication, QDialog, QInputDialog  # noqa: E402

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, WAIT_MS, _window, statements_model  # noqa: E402,F401 - fixture
from app.views.overread import AddStatementDialog  # noqa: E402

pytestmark = pytest.mark.skipif(not A.is_file(), reason="bundled sample not present")


def test_window_active_and_focus_back_after_each_dialog(qtbot, tiny_model, statements_model, monkeypatch):
    window = _window(qtbot, tiny_model, statements_model)
    panel = window.results.interpretation.overread
    qtbot.waitUntil(lambda: panel.sign_button.isVisible(), timeout=WAIT_MS)
    activated = []
    monkeypatch.setattr(window, "activateWindow", lambda: activated.append(1))

    # Strike... with a reason: the window asked to be active once the dialog has gone, the Strike button focused
    _, strike = panel._row_buttons(0)
    qtbot.waitUntil(strike.isVisible, timeout=WAIT_MS)     # a row's buttons are shown once the events have run
    window.viewer.plot.setFocus()       # a mouse click on Strike... focuses it, a button's click() does not
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("P waves absent in II", True)))
    strike.click()
    assert window.session.overread.decision(panel._statement(0)).verdict == "struck"
    assert activated == [1]
    assert QApplication.focusWidget() is strike
    # Strike... cancelled on another try: the same
    strike.click()                      # struck already: taken back, no dialog
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
    strike.click()
    assert window.session.overread.decision(panel._statement(0)) is None
    assert activated == [1, 1] and QApplication.focusWidget() is strike

    # Sign... from the menu's key: the focus back where it was (the traces), the window active
    window.viewer.plot.setFocus()
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Dr Keys", True)))
    window.sign_action.trigger()
    assert window.session.overread.reader == "Dr Keys"
    assert activated == [1, 1, 1] and QApplication.focusWidget() is window.viewer.plot

    # Add statement... cancelled: the same
    monkeypatch.setattr(AddStatementDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    window.add_statement_action.trigger()
    assert activated == [1, 1, 1, 1] and QApplication.focusWidget() is window.viewer.plot
