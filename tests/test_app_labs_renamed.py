"""The app's lab form says that the folder's ``renamed_records.csv`` (``mirage convert``'s list of the records it
wrote under another name) cannot be read, in ``mirage score``'s words, and matches no row by it: it had said nothing,
the record simply without its row.

Truth: the list the test writes in Windows-1252 (its ü the byte 0xfc, at byte 35: the 30 bytes of the header line and
"/in/M"), the labs table's rows and LUDB 1's own header (51, F) under the name Muller."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_labels_renamed import LIST_HEADER, _ludb_as  # noqa: E402


def test_the_lab_form_says_the_list_cannot_be_read_and_gives_no_row_by_it(qtbot, tmp_path):
    root = tmp_path / "data"
    _ludb_as(root, {"Muller": "1", "plain": "14"})
    listed = root / "renamed_records.csv"
    listed.write_bytes((LIST_HEADER + "/in/Müller.xml,Müller,Muller\n").encode("cp1252"))
    (tmp_path / "labs.csv").write_text("record_id,weight\nMüller,70\nplain,90\n", encoding="utf-8")
    said = (f"{listed}: cannot read it ('utf-8' codec can't decode byte 0xfc in position 35: invalid start byte): "
            "no labs row matched by it")
    window = shown_window(qtbot)
    window.open_folder(root)
    qtbot.waitUntil(lambda: len(window.browser.paths) == 2, timeout=WAIT_MS)
    window.open_labs_table(tmp_path / "labs.csv")
    qtbot.waitUntil(lambda: window.labs_worker is None, timeout=WAIT_MS)
    window.open_record(root / "Muller.hea")
    qtbot.waitUntil(lambda: window.session.record is not None, timeout=WAIT_MS)
    assert window.lab_form.table_line.text() == "Labs table: no row for record Muller in labs.csv."
    assert window.lab_form.warning.text() == f"Warning: {said}."
    assert window.session.values.get("weight") is None            # the row "Müller" is not given by the list
    assert said in window.message_bar.text()
