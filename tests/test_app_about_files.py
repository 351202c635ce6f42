"""Help > About names the files MIRAGE Review keeps, for the person who installs and looks after it: the settings
file, the over-read store and the log file app.main set up (README "Where it keeps its files"). Truth: the paths the
test made (its settings file under tmp_path, a store it names, a log file)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture
from app.main_window import MainWindow  # noqa: E402
from app.settings import Settings  # noqa: E402


def test_about_names_the_settings_the_store_and_the_log(qtbot, tmp_path, monkeypatch):
    settings = Settings()
    settings.overread_store = str(tmp_path / "share" / "overreads.sqlite")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.log_file = tmp_path / "logs" / "mirage-review.log"      # as app.main sets it: setup_logging's file
    window.about()
    text = shown[0]
    assert f"<p>Settings: {tmp_path / 'settings' / 'MIRAGE' / 'MIRAGE Review.ini'}</p>" in text
    assert f"<p>Over-reads: {tmp_path / 'share' / 'overreads.sqlite'}</p>" in text
    assert f"it names the records opened): {tmp_path / 'logs' / 'mirage-review.log'}</p>" in text
    window.log_file = None              # no log file written (a log folder that could not be made): none named
    window.about()
    assert "Log (" not in shown[1] and "Settings: " in shown[1]
