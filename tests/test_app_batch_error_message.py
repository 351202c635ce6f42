"""The batch dialog's failed rows say their whole message without hovering: the error column was 100 px,
so a truncated file's row read "bad.dat: signal file is ..." and the rest only in its tooltip. Now the
column widens to the message (up to half the table) and the row is as tall as its wrapped words, and the
selected row's whole message shows under the table, at the dialog's size on a 1280x800 and a 1024x768
screen (900 x 560) and on 1280x800 under QT_SCALE_FACTOR=1.5 (853 x 533 logical px: 810 x 506).

Truth: the reader's own words for a WFDB record whose signal file this test cut short, and the font's
metrics of them (Qt's ``QFontMetrics``, not the dialog's arithmetic)."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QRect, Qt  # noqa: E402

from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")


@pytest.fixture
def truncated(tmp_path) -> str:
    """The reader's words for LUDB record 1 copied as bad.hea with its signal file cut to 5000 bytes, as a
    batch row names them ("bad.dat: signal file is truncated (expected 5000 samples per lead, found 208)")."""
    from mirage_model.records import load_record
    from mirage_model.records.record import RecordError

    (tmp_path / "bad.hea").write_text((LUDB / "1.hea").read_text().replace("1.dat", "bad.dat")
                                      .replace("1 12", "bad 12", 1))
    (tmp_path / "bad.dat").write_bytes((LUDB / "1.dat").read_bytes()[:5000])
    shutil.copy(LUDB / "1.hea", tmp_path / "1.hea")
    with pytest.raises(RecordError) as err:
        load_record(tmp_path / "bad.hea")
    return f"bad.dat: {err.value.reason}"


def _rows(message: str) -> list[dict]:
    return [{"record_id": "1", "record_path": "1.hea", "status": "ok", "error": None, "positive": "NORM",
             **{f"prob_{k}": 0.5 for k in ("NORM", "MI", "STTC", "CD", "HYP")}},
            {"record_id": "bad", "record_path": "bad.hea", "status": "error", "error": message}]


def _shown_with(qtbot, size: tuple[int, int], rows: list[dict]):
    """A batch dialog ``size`` px, shown, that has been given ``rows`` as a run gives them."""
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None, folder="")
    qtbot.addWidget(dlg)
    dlg.resize(*size)
    dlg.show()
    qtbot.waitExposed(dlg)
    for row in rows:
        dlg._progress(len(dlg.rows) + 1, len(rows), row)
    return dlg


def _error_cell_in_view(qtbot, rows: list[dict], message: str):
    """A 1000 x 700 batch dialog given ``rows``, whose second is the failed row of ``message``, asserting that its
    error cell lies within the table and its row is as tall as the message wrapped there: (the dialog, the wrapped
    message's box)."""
    dlg = _shown_with(qtbot, (1000, 700), rows)
    table, c, r = dlg.table, dlg.columns.index("error"), dlg.rows.index(rows[1])
    width = table.columnWidth(c)
    assert table.horizontalHeader().sectionPosition(c) + width <= table.viewport().width()
    wrapped = table.fontMetrics().boundingRect(QRect(0, 0, width - 8, 10_000), Qt.TextFlag.TextWordWrap, message)
    assert wrapped.height() <= table.rowHeight(r) - 1, (width, table.rowHeight(r), wrapped)
    return dlg, wrapped


@pytest.mark.parametrize("size", [(900, 560), (810, 506)])
def test_a_failed_rows_whole_message_is_read_without_hovering(qtbot, truncated, size):
    from app.dialogs.batch import BatchDialog

    assert "signal file is truncated" in truncated and len(truncated) > 60
    dlg = BatchDialog(None, folder="")
    qtbot.addWidget(dlg)
    dlg.resize(*size)
    dlg.show()
    qtbot.waitExposed(dlg)
    for row in _rows(truncated):
        dlg._progress(len(dlg.rows) + 1, 2, row)
    table = dlg.table
    c, r = dlg.columns.index("error"), dlg.rows.index(_rows(truncated)[1])
    assert table.item(r, c).text() == truncated
    # the cell holds the message's wrapped lines (4 px margins each side) and lies in view
    fm = table.fontMetrics()
    width, height = table.columnWidth(c), table.rowHeight(r)
    wrapped = fm.boundingRect(QRect(0, 0, width - 8, 10_000), Qt.TextFlag.TextWordWrap, truncated)
    assert wrapped.height() <= height - 1, (width, height, wrapped)     # 1 px: the grid line
    assert table.columnViewportPosition(c) + width <= table.viewport().width()
    # selected, its whole message shows under the table, in the dialog; the scored row has none
    assert not dlg.message.isVisible()
    table.selectRow(r)
    assert dlg.message.text() == truncated and dlg.message.isVisible()
    qtbot.waitUntil(lambda: dlg.message.height() >= dlg.message.heightForWidth(dlg.message.width()))
    assert dlg.rect().contains(dlg.message.geometry())
    table.selectRow(1 - r)
    assert not dlg.message.isVisible()


def test_a_message_longer_than_its_cell_is_whole_under_the_table(qtbot, truncated):
    from app.dialogs.batch import ERROR_LINES, BatchDialog

    long = "; ".join([truncated] * 6)        # many lines at half the table's width
    dlg = BatchDialog(None, folder="")
    qtbot.addWidget(dlg)
    dlg.resize(900, 560)
    dlg.show()
    qtbot.waitExposed(dlg)
    for row in _rows(long):
        dlg._progress(len(dlg.rows) + 1, 2, row)
    r = dlg.rows.index(_rows(long)[1])
    assert dlg.table.rowHeight(r) <= dlg.table.fontMetrics().lineSpacing() * ERROR_LINES + 8
    dlg.table.selectRow(r)
    assert dlg.message.text() == long and dlg.message.isVisible()


def test_the_error_column_fits_again_when_the_dialog_is_resized(qtbot, truncated):
    """Sized only as rows arrived, the column kept its width: rows that came at 600 px wide left the message cut
    short in the dialog then made 1200 px wide, and the column widened stayed so when made 600 px again.
    Truth: the font's metrics of the message and the table's viewport."""
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None, folder="")
    qtbot.addWidget(dlg)
    dlg.resize(600, 500)
    dlg.show()
    qtbot.waitExposed(dlg)
    for row in _rows(truncated):
        dlg._progress(len(dlg.rows) + 1, 2, row)
    table, c = dlg.table, dlg.columns.index("error")
    r = dlg.rows.index(_rows(truncated)[1])
    fm = table.fontMetrics()
    one_line = fm.horizontalAdvance(truncated) + 8       # the message on one line, 4 px margins each side
    assert table.columnWidth(c) < one_line               # at 600 px, half the table is less than the message

    def wrapped_fits() -> bool:
        box = fm.boundingRect(QRect(0, 0, table.columnWidth(c) - 8, 10_000), Qt.TextFlag.TextWordWrap, truncated)
        return box.height() <= table.rowHeight(r) - 1

    dlg.resize(1200, 500)
    qtbot.waitUntil(lambda: table.viewport().width() // 2 > one_line)
    qtbot.waitUntil(lambda: table.columnWidth(c) >= one_line, timeout=2000)
    assert table.columnWidth(c) <= table.viewport().width() // 2 + 1 and wrapped_fits()
    # narrower again, the column is back within half the table and the row as tall as the message wraps
    dlg.resize(600, 500)
    qtbot.waitUntil(lambda: table.viewport().width() < 600)
    qtbot.waitUntil(lambda: table.columnWidth(c) <= table.viewport().width() // 2, timeout=2000)
    assert table.columnWidth(c) < one_line and wrapped_fits()


def test_the_message_stays_in_view_right_of_five_columns(qtbot, truncated):
    """Five columns left of the error column (record_id, patient_id, recorded, record_path, status: the rows of a
    folder with an XML and a CinC record give them) and the error column half the table wide ended past the table's
    right edge, and a later row's longer path (muse-sinus.xml) pushed it further: in the real window (Xvfb 1280x800,
    the dialog 1000 px wide, 12 records) the failed row read "... expected 5000 samples per lead, found 20", cut there.

    Truth: the font's metrics of the message and the table's viewport."""
    rows = [dict(row, patient_id="", recorded="") for row in _rows(truncated)] + [
        {"record_id": name, "record_path": path, "patient_id": pid, "recorded": when, "status": "ok", "error": None}
        for name, path, pid, when in (("00417_lr", "00417_lr.hea", "", ""),
                                      ("A0003", "A0003.hea", "", "2020-05-12 12:33:59"),
                                      ("muse-sinus", "muse-sinus.xml", "081486213", "2023-04-29 22:41:16"))]
    _error_cell_in_view(qtbot, rows, truncated)


def test_a_failed_row_is_as_tall_as_its_message_not_as_the_model_name(qtbot):
    """A failed row was sized by all its cells, so the model's name (mirage-ptbxl-superdiagnostic-base-ensemble2-
    smoothed-stage), wrapped in its 100 px column, made "the file is empty" a row four lines tall (Xvfb, the
    12-record folder: the empty XML's and the truncated .dat's rows three times as tall as their words).

    Truth: the font's metrics of the message wrapped at the column's width (4 px margins each side)."""
    model = "mirage-ptbxl-superdiagnostic-base-ensemble2-smoothed-stage"
    rows = [{"record_id": "1", "record_path": "1.hea", "status": "ok", "error": None, "model": model},
            {"record_id": "empty", "record_path": "empty.xml", "status": "not_ecg", "error": "the file is empty",
             "model": model}]
    dlg = _shown_with(qtbot, (1000, 700), rows)
    table, c, r = dlg.table, dlg.columns.index("error"), dlg.rows.index(rows[1])
    fm = table.fontMetrics()
    one_line = fm.boundingRect(QRect(0, 0, table.columnWidth(c) - 8, 10_000), Qt.TextFlag.TextWordWrap,
                               "the file is empty").height()
    assert one_line < 2 * fm.lineSpacing()
    assert table.rowHeight(r) < one_line + fm.lineSpacing(), (table.rowHeight(r), one_line)   # no second line


def test_long_record_names_leave_the_error_column_in_view(qtbot, truncated):
    """Each name column may take a third of the table, so two long names (a Welch Allyn export's
    ``ECG_20170504_163507_123456789.SCP`` under a sub-folder, a 200-character file name) and the patient, date and
    status columns beside them had put the error column past the table's right edge: in the real window (Xvfb
    1280x800, the dialog 1000 px wide, a 49-file folder of clinical exports and cut copies) no failed row's message
    could be seen without scrolling. The names give way (they are cut in the middle, whole on hover).

    Truth: the font's metrics of the message and the table's viewport."""
    long_name = "L" * 196
    rows = [dict(row, patient_id="", recorded="") for row in _rows(truncated)] + [
        {"record_id": "half_welch-allyn-ECG_20170504_163507_123456789", "patient_id": "123456789",
         "record_path": "trunc/half_welch-allyn-ECG_20170504_163507_123456789.SCP", "recorded": "2017-05-04 16:35:07",
         "status": "ok", "error": None},
        {"record_id": long_name, "record_path": long_name + ".xml", "patient_id": "001", "recorded": "",
         "status": "ok", "error": None}]
    dlg, wrapped = _error_cell_in_view(qtbot, rows, truncated)
    # the message wraps in the lines a failed row shows, not cut to a 100 px column
    from app.dialogs.batch import ERROR_LINES

    table = dlg.table
    assert wrapped.height() <= table.fontMetrics().lineSpacing() * ERROR_LINES, wrapped
    # the names are still shown, each at least the header's default width
    for key in ("record_id", "record_path"):
        assert table.columnWidth(dlg.columns.index(key)) >= table.horizontalHeader().defaultSectionSize()


def test_names_given_way_widen_again_in_a_wider_dialog(qtbot, truncated):
    """Names narrowed for the error column stayed narrow when the dialog was then made wider: the Welch Allyn
    export's path read "trunc/half_w...456789.SCP" in a 1900 px dialog with room for it whole.

    Truth: the font's metrics of the path and the table's viewport."""
    path = "trunc/half_welch-allyn-ECG_20170504_163507_123456789.SCP"
    rows = [dict(row, patient_id="", recorded="") for row in _rows(truncated)] + [
        {"record_id": "half_welch-allyn-ECG_20170504_163507_123456789", "patient_id": "123456789",
         "record_path": path, "recorded": "2017-05-04 16:35:07", "status": "ok", "error": None},
        {"record_id": "L" * 196, "record_path": "L" * 196 + ".xml", "patient_id": "001", "recorded": "",
         "status": "ok", "error": None}]
    dlg, _ = _error_cell_in_view(qtbot, rows, truncated)
    table, c = dlg.table, dlg.columns.index("record_path")
    whole = table.fontMetrics().horizontalAdvance(path) + 8           # 4 px margins each side
    assert table.columnWidth(c) < whole                               # given way at 1000 px
    dlg.resize(1900, 700)
    qtbot.waitUntil(lambda: table.viewport().width() > 1800)
    qtbot.waitUntil(lambda: table.columnWidth(c) >= whole, timeout=2000)
    e = dlg.columns.index("error")
    assert table.horizontalHeader().sectionPosition(e) + table.columnWidth(e) <= table.viewport().width()
