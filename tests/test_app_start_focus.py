"""The main window as it opens asks to be made active, once: with no window manager (Xvfb 1280x800, LUDB
folder) nothing else activated it, and F1 or Ctrl+O typed first thing went nowhere until a click on the window. The
offscreen platform activates a shown window itself, as a window manager does, so the test counts the window's
activateWindow calls (as test_app_back_from_dialogs counts them after a dialog)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixtures


def test_the_window_asks_to_be_active_when_first_shown(qtbot, monkeypatch):
    from app.main_window import MainWindow
    from app.settings import Settings

    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    calls = []
    monkeypatch.setattr(window, "activateWindow", lambda: calls.append("activate"))
    assert calls == []                                  # nothing asked before it is shown
    window.show()
    assert calls == ["activate"]
    window.hide()
    window.show()                                       # shown again: asked once only, at start-up
    assert calls == ["activate"]
