"""The app shows what the record's own file says of the diagnosis beside MIRAGE's result, headed as the
file's ("In the file (...): not MIRAGE's"), its words as written (escaped). Records written here."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtGui import QTextDocument  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_file_diagnosis import CHALLENGE_DX, CINC, PTB, PTB_SAID, UNNAMED, write_record  # noqa: E402


def _shown(window, path, qtbot) -> list[str]:
    """The results panel's file lines for the record at ``path`` once opened, as the label renders them."""
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(path)
    doc = QTextDocument()
    doc.setHtml(window.results.device.text())
    return doc.toPlainText().splitlines()


def test_the_window_shows_the_files_own_diagnoses_apart(qtbot, tmp_path):
    """A Challenge header's #Dx and a PTB header's notes were not shown in the window (the folder panel
    listed bare codes). The results panel now shows them under "In the file (...): not MIRAGE's", the
    codes named, the file's markup as text; a file that says none shows no such lines. Truth: the
    Challenge's names of the codes, the PTB comments written."""
    window = shown_window(qtbot)
    lines = _shown(window, write_record(tmp_path, "A0001", CINC), qtbot)
    assert lines == ["In the file (#Dx, SNOMED-CT): not MIRAGE's"] + [
        f"{name} ({code})" for code, name in CHALLENGE_DX.items()] + [f"SNOMED-CT {UNNAMED}"]
    assert window.results.device.isVisibleTo(window)
    lines = _shown(window, write_record(tmp_path, "s0010_re", PTB), qtbot)
    assert lines == ["In the file (PTB Diagnostic notes): not MIRAGE's"] + PTB_SAID     # "<b>" as written
    assert not any("In the file" in x for x in _shown(window, write_record(tmp_path, "plain", ["Age: 54"]), qtbot))
