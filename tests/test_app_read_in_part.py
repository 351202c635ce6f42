"""A Holter read in part in the app (pytest-qt, offscreen): the status bar's record line and the folder
panel's length column said "1000 Hz, 10.0 s" of the first 10 s of a 24 h recording, as if that were the
recording; they now say "10.0 s of 24.0 h read". The read limit is lowered (``ishne.MAX_SAMPLES``), as in
test_long_files, so that a sparse file of a few MB on disk stands for a 24 h Holter. Truth: the ECG size
written into the file's header (86,400,000 samples a lead at the header's 1000 Hz) and the limit set here."""

from __future__ import annotations

import struct

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("ecgdatakit")

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixture
from test_long_files import _holter  # noqa: E402

HELD = 86_400_000            # samples a lead: 24 h at 1000 Hz
READ = 10_000                # the read limit set here: 10 s at 1000 Hz


@pytest.fixture
def holter(tmp_path, monkeypatch):
    from mirage_model.formats import ishne

    monkeypatch.setattr(ishne, "MAX_SAMPLES", READ)
    path = _holter(tmp_path, HELD)
    head = path.read_bytes()[:512]
    assert struct.unpack_from("<i", head, 14)[0] == HELD and struct.unpack_from("<h", head, 272)[0] == 1000
    return path


@pytest.mark.slow      # the window reads and assesses the record: 10 s here
def test_the_status_bar_says_how_much_of_the_recording_was_read(qtbot, holter):
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.analysisFinished, timeout=60000):
        window.open_record(holter)
    text = window.status_label.text()
    # before: "holter: 1000 Hz, 10.0 s, age unknown, ..."
    assert f": 1000 Hz, {READ / 1000:.1f} s of {HELD / 1000 / 3600:.1f} h read, age " in text, text
    assert "read_part_note" not in text and "only the first" not in text     # the numbers, not the note's text


def test_the_folder_panel_says_it_too(qtbot, holter):
    from app.views.folder_browser import FolderBrowser

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(600, 300)
    browser.show()
    browser.set_folder(holter.parent)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    table, length = browser.table, browser.COLUMNS.index("s")
    assert table.rowCount() == 1
    assert table.item(0, length).text() == "10.0 s of 24.0 h read"            # before: "10.0"



def test_the_folder_panel_says_it_of_a_wfdb_holter_too(qtbot, tmp_path, monkeypatch):
    """A 24 h WFDB Holter at 500 Hz was refused ("record too long"): the panel showed no length. Read in part
    (its first 10,000 samples a lead here), it says so as an ISHNE Holter does. Truth: the header's 43,200,000
    samples a lead at 500 Hz and the limit set here."""
    from app.views.folder_browser import FolderBrowser
    from mirage_model.records import wfdb_header
    from test_long_files import _wfdb_holter

    monkeypatch.setattr(wfdb_header, "MAX_SAMPLES", 10_000)
    hea, _ = _wfdb_holter(tmp_path, 43_200_000, 43_200_000, first=10_000)
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.set_folder(hea.parent)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    table, length = browser.table, browser.COLUMNS.index("s")
    assert table.rowCount() == 1
    assert table.item(0, length).text() == f"{10_000 / 500:.1f} s of {43_200_000 / 500 / 3600:.1f} h read"
