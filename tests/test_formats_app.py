"""The app opens clinical formats: Open's filter lists them, the folder browser finds them, a
vendor file loads by path (as a drop does), and Save as writes WFDB / EDF+ that read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("ecgdatakit")
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402

from app import workers  # noqa: E402
from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from app.main_window import MainWindow  # noqa: E402
from app.window.records import RECORD_FILTER  # noqa: E402
from mirage_model import formats  # noqa: E402
from mirage_model.records import load_record  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
WAIT_MS = 60000



def make_window(qtbot) -> MainWindow:
    return shown_window(qtbot, size=None)


def test_open_filter_names_every_extension():
    for ext in formats.ECG_EXTENSIONS:
        assert f"*{ext}" in RECORD_FILTER.split(";;")[0]


def test_drop_a_muse_file_opens_it_and_save_as_round_trips(qtbot, tmp_path):
    window = make_window(qtbot)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "muse-sinus.xml"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.dropEvent(event)
    rec = window.record
    assert rec.meta["format"] == "ge-muse-xml" and rec.signal.shape[0] == 12
    for fmt, anonymise, name in (("wfdb", False, "out.hea"), ("edf", True, "out.edf")):
        out = window.save_record_as(tmp_path / name, fmt, anonymise)
        back = load_record(out)
        np.testing.assert_allclose(back.signal, rec.signal, atol=0.002)
    assert formats.save_choice("EDF+, anonymised (*.edf)", "x.edf") == ("edf", True)


def test_folder_browser_lists_vendor_files(qtbot, tmp_path):
    for name in ("muse-sinus.xml", "waveform_ecg.dcm", "Example.scp"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "other.xml").write_text("<catalog/>")
    window = make_window(qtbot)
    window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    table = window.browser.table
    assert table.rowCount() == 3
    ids = sorted(table.item(r, 0).text() for r in range(table.rowCount()))
    assert ids == ["Example", "muse-sinus", "waveform_ecg"]


def test_save_as_under_a_non_ascii_name_transliterates_and_says_so(qtbot, tmp_path):
    """Save as 'Müller_Ωmega.hea' wrote M_ller__mega.hea and said only 'Saved M_ller__mega.hea';
    '李小龙.hea' wrote record.hea, which the next such name replaced without a question. The WFDB
    name is now transliterated with a message, a file of the new name is never replaced unasked,
    and an EDF+ file keeps the name as typed."""
    window = make_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(DATA / "muse-sinus.xml")
    said = []
    window.message.connect(said.append)
    out = window.save_record_as(tmp_path / "Müller_Ωmega.hea", "wfdb")
    assert out == tmp_path / "Muller_Omega.hea" and out.is_file()
    assert said and "'Müller_Ωmega' was saved as 'Muller_Omega'" in said[-1]
    before = out.read_bytes()
    assert window.save_record_as(tmp_path / "Müller Ωmega.hea", "wfdb") is None     # same WFDB name
    assert "Muller_Omega.hea already exists" in said[-1] and out.read_bytes() == before
    assert window.save_record_as(tmp_path / "李小龙.edf", "edf") == tmp_path / "李小龙.edf"


BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
                  '<RestingECG><PatientDemographics><PatientLastName>&lol3;</PatientLastName>'
                  '</PatientDemographics></RestingECG>\n')


def test_hostile_files_open_with_a_clear_message_and_no_dialog_or_traceback(qtbot, tmp_path, monkeypatch,
                                                                           caplog):
    """Open (as File > Open, a drop or the browser do) on hostile files: the message bar names the
    file and the problem as ``load_record`` does, no modal dialog opens and nothing logs a
    traceback; a MUSE file whose PatientAge reads "NaN" (refused whole before) opens."""
    from PySide6.QtWidgets import QMessageBox

    dialogs = []
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, _n=name, **k: dialogs.append(_n))
    (tmp_path / "laughs.xml").write_text(BILLION_LAUGHS)
    (tmp_path / "empty.edf").write_bytes(b"")
    (tmp_path / "folder.xml").mkdir()
    (tmp_path / "half.dcm").write_bytes((DATA / "waveform_ecg.dcm").read_bytes()[:5000])
    window = make_window(qtbot)
    for name, words in (("laughs.xml", "entities"), ("empty.edf", "empty"), ("folder.xml", "folder"),
                        ("half.dcm", "DICOM")):
        path = tmp_path / name
        with pytest.raises(Exception) as info:
            load_record(path)
        with qtbot.waitSignal(window.message, timeout=WAIT_MS) as msg:
            window.open_record(path)
        assert msg.args[0] == f"Could not open {name}: {info.value.reason}", msg.args[0]   # the file named once
        assert words in msg.args[0] and window.message_bar.isVisible()
    muse = tmp_path / "age.xml"
    muse.write_text((DATA / "muse-sinus.xml").read_text(encoding="latin-1")
                    .replace("<PatientAge>43</PatientAge>", "<PatientAge>NaN</PatientAge>"), encoding="latin-1")
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(muse)
    assert window.record.meta["patient"]["id"] == "081486213"
    assert not dialogs
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


def test_folder_browser_says_why_a_record_is_unreadable_where_it_is_seen(qtbot, tmp_path):
    """A truncated record's row reads 'unreadable: <file>: <reason>' from the age column on, without
    the folder's path: in the dock as it opens, the old text in the last column showed 'unr'."""
    shutil.copy(DATA / "muse-sinus.hea", tmp_path / "muse-sinus.hea")
    data = (DATA / "muse-sinus.dat").read_bytes()
    (tmp_path / "muse-sinus.dat").write_bytes(data[: len(data) // 3])   # cut short
    shutil.copy(DATA / "Example.scp", tmp_path / "Example.scp")
    window = make_window(qtbot)
    window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    table = window.browser.table
    ids = [table.item(r, 0).text() for r in range(table.rowCount())]
    row = ids.index("muse-sinus")
    item = table.item(row, 1)
    assert item is not None and item.text().startswith("unreadable: muse-sinus.dat: ")
    assert "truncated" in item.text() or "short" in item.text()
    assert str(tmp_path) not in item.text() and str(tmp_path) in item.toolTip()
    assert table.columnSpan(row, 1) == table.columnCount() - 1
    # ... and the age and sex columns stay as narrow as their values (sex still in view)
    assert table.columnWidth(1) < table.fontMetrics().horizontalAdvance("unreadable: ")
    # the good record keeps its own columns
    good = ids.index("Example")
    hz = window.browser.COLUMNS.index("Hz")
    assert table.columnSpan(good, 1) == 1 and table.item(good, hz).text() == f"{load_record(DATA / 'Example.scp').fs:g}"


def test_folder_browser_lists_files_sharing_a_wfdb_records_stem(qtbot, tmp_path):
    """3.xml and 3.dcm beside 3.hea are records of their own, each row naming its file (the three
    read "3" alike); zero.xml (empty) and 3.scp (no SCP-ECG) beside a header of their stem are told
    as no ECG (they had been taken as part of the WFDB record and left out in silence)."""
    ludb = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb"
    for stem in ("3", "zero"):
        lines = (ludb / "1.hea").read_text().splitlines(keepends=True)
        lines[0] = lines[0].replace("1 ", f"{stem} ", 1)
        lines[1:] = [ln.replace("1.dat", f"{stem}.dat", 1) for ln in lines[1:]]
        (tmp_path / f"{stem}.hea").write_text("".join(lines))
        shutil.copy(ludb / "1.dat", tmp_path / f"{stem}.dat")
    shutil.copy(DATA / "muse-sinus.xml", tmp_path / "3.xml")
    shutil.copy(DATA / "waveform_ecg.dcm", tmp_path / "3.dcm")
    (tmp_path / "3.scp").write_text("<notes/>")
    (tmp_path / "zero.xml").write_bytes(b"")
    window = make_window(qtbot)
    window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    table = window.browser.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["3.dcm", "3.hea", "3.xml", "zero"]
    hz = window.browser.COLUMNS.index("Hz")
    assert all(table.item(r, hz) is not None and float(table.item(r, hz).text()) > 0    # read: its rate shown
               for r in range(table.rowCount()))
    label = window.browser.folder_label.text()
    assert "2 file(s) here are no ECG MIRAGE reads" in label and "3.scp" in label and "zero.xml" in label
