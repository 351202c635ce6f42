"""The batch dialog's record_id and record_path columns show a record's whole name: "cinc/E00001.hea" read
"cinc/..." in a 100 px column cut at its right, the part that names the record gone (a staff walk under Xvfb,
session 47). The name columns widen to the widest name (up to a third of the table); a longer one is cut in the
middle, whole on hover.

Truth: the names' own widths in the table's font (QFontMetrics), and the names typed here."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QStyleOptionViewItem  # noqa: E402

from helpers_app import isolated_settings  # noqa: E402,F401 - fixtures

LONG = "site_" + "very_long_folder_name_" * 8 + "/E00001.hea"


def _row(path: str) -> dict:
    return {"record_id": path.rsplit("/", 1)[-1][:-4], "record_path": path, "status": "ok", "error": "",
            "positive": "NORM", "format": "challenge-mat", "prob_NORM": 0.75}


def _as_the_view_makes_it(table) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.textElideMode = table.textElideMode()           # as the view sets it before its delegate's
    return option


def test_a_records_whole_name_is_shown_and_a_long_one_cut_in_the_middle(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.resize(1000, 700)
    dlg.show()
    qtbot.waitExposed(dlg)
    for path in ("cinc/A0001.hea", "cinc/E00001.hea", "cinc/Q0001.hea", LONG):
        dlg._progress(1, 4, _row(path))
    table, fm = dlg.table, dlg.table.fontMetrics()
    c = dlg.columns.index("record_path")
    assert table.columnWidth(c) >= fm.horizontalAdvance("cinc/E00001.hea") + 6      # whole, with the cell's margins
    assert table.columnWidth(c) <= table.viewport().width() // 3 + 1                # the long one does not take all
    r = next(i for i, row in enumerate(dlg.rows) if row["record_path"] == LONG)
    assert table.item(r, c).toolTip() == LONG
    option = _as_the_view_makes_it(table)
    table.itemDelegate().initStyleOption(option, table.model().index(r, c))
    assert option.textElideMode == Qt.TextElideMode.ElideMiddle                    # "site_very.../E00001.hea"
    shown = fm.elidedText(LONG, option.textElideMode, table.columnWidth(c) - 6)
    assert shown.endswith("/E00001.hea") and shown.startswith("site_"), shown
    other = dlg.columns.index("format")                                              # the other columns as before
    option = _as_the_view_makes_it(table)
    table.itemDelegate().initStyleOption(option, table.model().index(r, other))
    assert option.textElideMode == Qt.TextElideMode.ElideRight
