"""The batch dialog's results sort by a header clicked (numbers as numbers, empty cells last either way), a row
double-clicked after sorting opens the record it shows, and its headers read from their start with what their
column holds on hover. A staff walk (30 PTB-XL records) had found the table unsortable and its headers cut at both
ends ("evice_statement", "terpretation_not") with no tooltip.

Truth: the rows below, ordered by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from helpers_app import isolated_settings, with_a_header  # noqa: E402,F401

ROWS = (
    {"record_id": "r1", "record_path": "r1.hea", "status": "ok", "prob_NORM": 0.9, "heart_rate_bpm": 100.0,
     "device_statements": "Sinus rhythm"},
    {"record_id": "r2", "record_path": "sub/r2.hea", "status": "error", "error": "r2.dat: signal file is truncated",
     "prob_NORM": None, "heart_rate_bpm": None, "device_statements": None},
    {"record_id": "r3", "record_path": "r3.hea", "status": "ok", "prob_NORM": 0.05, "heart_rate_bpm": 58.0,
     "device_statements": ""},
    {"record_id": "r10", "record_path": "r10.hea", "status": "ok", "prob_NORM": 0.134, "heart_rate_bpm": 93.9,
     "device_statements": "Atrial fibrillation"},
)


@pytest.fixture
def dlg(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog

    dialog = BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dialog)
    dialog.resize(1000, 500)
    dialog.show()
    qtbot.waitExposed(dialog)
    for row in ROWS:
        dialog._add_row(dict(row))
    return dialog


def _ids(dlg) -> list[str]:
    c = dlg.columns.index("record_id")
    return [dlg.table.item(r, c).text() for r in range(dlg.table.rowCount())]


def _click_header(qtbot, dlg, key: str) -> None:
    header = dlg.table.horizontalHeader()
    c = dlg.columns.index(key)
    dlg.table.scrollTo(dlg.table.model().index(0, c))
    x = header.sectionViewportPosition(c) + header.sectionSize(c) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def test_a_header_clicked_sorts_numbers_as_numbers_empty_last(qtbot, dlg):
    assert _ids(dlg) == ["r1", "r3", "r10", "r2"]               # the folder dock's order, as before
    _click_header(qtbot, dlg, "heart_rate_bpm")
    assert _ids(dlg) == ["r3", "r10", "r1", "r2"]               # 58, 94, 100 (as text: "100" < "58"), empty last
    _click_header(qtbot, dlg, "heart_rate_bpm")
    assert _ids(dlg) == ["r1", "r10", "r3", "r2"]               # reversed, the record not scored still last
    _click_header(qtbot, dlg, "prob_NORM")
    assert _ids(dlg) == ["r3", "r10", "r1", "r2"]               # 0.05, 0.134, 0.9
    _click_header(qtbot, dlg, "device_statements")
    assert _ids(dlg) == ["r10", "r1", "r3", "r2"]               # Atrial ..., Sinus ..., then the empty ones
    # the rows kept as shown: the error row's message is still its own
    r = _ids(dlg).index("r2")
    assert dlg.table.item(r, dlg.columns.index("error")).text() == "r2.dat: signal file is truncated"
    # a row arriving after sorting takes its place in the sorted order
    dlg._add_row({"record_id": "r4", "record_path": "r4.hea", "status": "ok", "prob_NORM": 0.5,
                  "heart_rate_bpm": 70.0, "device_statements": "Normal ECG"})
    assert _ids(dlg) == ["r10", "r4", "r1", "r3", "r2"]


def test_a_row_double_clicked_after_sorting_opens_the_record_it_shows(qtbot, dlg, tmp_path):
    _click_header(qtbot, dlg, "prob_NORM")
    _click_header(qtbot, dlg, "prob_NORM")                    # descending: r1 (0.9) first
    assert _ids(dlg) == ["r1", "r10", "r3", "r2"]
    opened = []
    dlg.openRecord.connect(lambda path, _values: opened.append(path))
    for shown, path in (("r10", "r10.hea"), ("r2", "sub/r2.hea"), ("r1", "r1.hea")):
        r = _ids(dlg).index(shown)
        rect = dlg.table.visualRect(dlg.table.model().index(r, dlg.columns.index("record_id")))
        qtbot.mouseClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())    # as a hand does
        qtbot.mouseDClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert opened == [str(tmp_path / path)], (shown, opened)      # once: it had been asked for twice
        opened.clear()


def test_the_headers_read_from_their_start_whole_on_hover(dlg):
    header = dlg.table.horizontalHeader()
    assert header.textElideMode() == Qt.TextElideMode.ElideRight
    assert header.defaultAlignment() & Qt.AlignmentFlag.AlignLeft
    tip = dlg.table.horizontalHeaderItem(dlg.columns.index("device_statements")).toolTip()
    assert tip.startswith("device_statements: the acquiring cart's own statements"), tip
    tip = dlg.table.horizontalHeaderItem(dlg.columns.index("heart_rate_bpm")).toolTip()
    assert tip.startswith("heart_rate_bpm: Heart rate (bpm)"), tip
    tip = dlg.table.horizontalHeaderItem(dlg.columns.index("prob_NORM")).toolTip()
    assert tip.startswith("prob_NORM: the model's calibrated probability of NORM (0 to 1)"), tip
