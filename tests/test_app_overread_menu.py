"""The Over-read menu: Add statement..., Sign... and Go to the over-read from the keyboard, acting as the panel's
buttons do (the same questions), greyed out while the panel has no controls, and named in Help > Keyboard shortcuts.
A tiny statements model says sinus rhythm (threshold 0.0) on the bundled PTB-XL 00417_lr."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QKeySequence  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog  # noqa: E402

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, WAIT_MS, statements_model  # noqa: E402,F401 - fixture
from app.dialogs.shortcuts import menu_shortcuts  # noqa: E402
from app.main_window import MainWindow  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.views.overread import AddStatementDialog  # noqa: E402

pytestmark = pytest.mark.skipif(not A.is_file(), reason="bundled sample not present")


def _menu(window, title):
    return next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)


def _press(qtbot, window, keys):
    seq = QKeySequence(keys)
    combo = seq[0]
    qtbot.keyClick(window, combo.key(), combo.keyboardModifiers())


def test_overread_menu_from_the_keyboard(qtbot, tiny_model, statements_model, monkeypatch):
    settings = Settings()
    settings.model_path = ""
    settings.reviewer = "Dr Keys"
    window = MainWindow(settings, model_path=str(tiny_model))
    window.statements_model_arg = str(statements_model)
    window.resize(1280, 800)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    menu = _menu(window, "Over-read")
    actions = {a.text().replace("&", ""): a for a in menu.actions()}
    assert set(actions) == {"Add statement...", "Sign...", "Go to the over-read"}
    assert not any(a.isEnabled() for a in actions.values())       # no record: the panel has no buttons either
    # every key of the menu bar once: the new keys take none of another command's
    keys = [k for _, _, k in menu_shortcuts(window.menuBar())]
    assert len(keys) == len(set(keys))
    listed = {(p, t): k for p, t, k in menu_shortcuts(window.menuBar())}
    assert listed[("Over-read", "Sign")] == QKeySequence("Ctrl+Shift+G").toString(
        QKeySequence.SequenceFormat.NativeText)
    assert ("Over-read", "Add statement") in listed and ("Over-read", "Go to the over-read") in listed
    window.load_model()
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(A))
    panel = window.results.interpretation.overread
    qtbot.waitUntil(lambda: panel.sign_button.isVisible(), timeout=WAIT_MS)
    assert all(a.isEnabled() for a in actions.values())
    # Go to the over-read: the first statement row's Confirm has the focus
    window.viewer.plot.setFocus()
    _press(qtbot, window, "Ctrl+Shift+R")
    confirm = panel._row_buttons(0)[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is confirm, timeout=5000)
    # Sign... asks for the name as the button does, prefilled with the remembered one, and signs
    asked = []

    def answer(parent, title, label, echo=None, text=""):
        asked.append((title, text))
        return "Dr Keys", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(answer))
    _press(qtbot, window, "Ctrl+Shift+G")
    assert asked == [("Sign the over-read", "Dr Keys")]
    assert window.session.overread.reader == "Dr Keys" and window.session.overread.signed_at is not None
    # Add statement... opens the button's dialog
    opened = []
    monkeypatch.setattr(AddStatementDialog, "exec", lambda self: opened.append(self) or QDialog.DialogCode.Rejected)
    _press(qtbot, window, "Ctrl+Shift+A")
    assert len(opened) == 1
    # the record closed: the menu greyed out with the panel's buttons
    panel.show_for(None, None)
    assert not any(a.isEnabled() for a in actions.values())
