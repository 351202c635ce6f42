"""The batch dialog's Labs table field starts with the labs table the main window has open.

Session 55's own-data walk: the app started with ``--labs labs.csv`` (File > Open labs table... alike), its batch
dialog's Labs table field empty, so a batch of the folder masked the labs of a model trained with them and said so,
though the window gave every record its row. The field now starts with the window's table, follows it while the
user has not typed, cleared or browsed one, and keeps what they chose. Truth: the table file each test writes.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures


def _open_table(qtbot, window, path) -> None:
    window.open_labs_table(path)
    qtbot.waitUntil(lambda: window.labs_worker is None, timeout=WAIT_MS)
    assert window.labs_table is not None and window.labs_table.path == path


def test_the_dialog_starts_with_the_windows_labs_table_and_keeps_the_users_choice(qtbot, tmp_path):
    first, second = tmp_path / "labs.csv", tmp_path / "other.csv"
    for path in (first, second):
        path.write_text("record_id,age,sex\n1,51,F\n")
    window = shown_window(qtbot)
    assert window.batch_dialog_open().labs.text() == ""            # no table open: none
    _open_table(qtbot, window, first)
    dlg = window.batch_dialog_open()
    assert dlg.labs.text() == str(first)
    _open_table(qtbot, window, second)                             # another table: the field follows
    assert window.batch_dialog_open().labs.text() == str(second)
    window.close_labs_table()
    assert window.batch_dialog_open().labs.text() == ""
    _open_table(qtbot, window, first)
    assert window.batch_dialog_open().labs.text() == str(first)
    dlg.labs.selectAll()
    qtbot.keyClick(dlg.labs, Qt.Key.Key_Backspace)                 # the user cleared it: the batch has none
    assert dlg.labs.text() == ""
    _open_table(qtbot, window, second)
    assert window.batch_dialog_open().labs.text() == ""
