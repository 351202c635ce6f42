"""One recording under several names in a folder (``copy.hea -> 1.hea`` beside it, a linked copy of the
record in a subfolder) is one row of the app's folder panel, as a batch scores it once
(``inputs.same_files``): the panel had listed it under each name, one ECG two or three times. The row
keeps the name a batch keeps; its tooltip names the others. Truth: the links made here (pytest-qt,
offscreen)."""

from __future__ import annotations

import os
import shutil

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = [pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled samples not present"),
              pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="symbolic links")]


def test_a_record_under_several_names_is_one_row_its_other_names_on_hover(qtbot, tmp_path):
    from app.views.folder_browser import FolderBrowser

    records = tmp_path / "records"
    (records / "sub").mkdir(parents=True)
    for rid in ("1", "14"):
        for ext in (".hea", ".dat"):
            shutil.copy(LUDB / f"{rid}{ext}", records / f"{rid}{ext}")
    os.symlink("1.hea", records / "copy.hea")                 # the same header beside it
    for ext in (".hea", ".dat"):                              # a linked copy of the record in a subfolder
        os.symlink(f"../1{ext}", records / "sub" / f"1{ext}")

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(600, 300)
    browser.show()
    browser.set_folder(records)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    table = browser.table
    # before: 4 rows, 1, 14, copy (1 again) and sub/1 (1 again)
    assert browser.paths == [records / "1.hea", records / "14.hea"]
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["1", "14"]
    tip = table.item(0, 0).toolTip().splitlines()
    assert tip[0] == str(records / "1.hea")
    assert tip[1].endswith(": copy.hea, sub/1.hea"), tip
    assert table.item(1, 0).toolTip() == str(records / "14.hea")        # no other name: the path alone
    # opened by another of its names, its row is the one shown
    browser.show_open(records / "copy.hea")
    assert table.selectionModel().selectedRows()[0].row() == 0


def test_hard_links_alone_are_one_row(qtbot, hard_linked):
    """No symbolic link in the folder, 1.hea under two more names by hard links: the panel had listed
    three rows of one recording (hard links were looked for only beside a symbolic link)."""
    from app.views.folder_browser import FolderBrowser

    records = hard_linked

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.set_folder(records)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    # before: 1, 14, copy, sub/1
    assert browser.paths == [records / "1.hea", records / "14.hea"]
    tip = browser.table.item(0, 0).toolTip().splitlines()
    assert tip == [str(records / "1.hea"), "also in this folder as (the same file, listed once): copy.hea, sub/1.hea"]
