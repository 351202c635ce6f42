"""The folder browser's Dx / status column in a narrow dock (pytest-qt, offscreen): it read "Rhyth" over
"brady" (wrapped in the width left of the view, no tooltip). Truth: the LUDB headers' own diagnosis lines."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled samples not present")


def header_diagnoses(hea) -> list[str]:
    """The lines after LUDB's "#<diagnoses>:", as the header writes them (without '#' and the full stop)."""
    lines = hea.read_text().splitlines()
    start = lines.index("#<diagnoses>:") + 1
    return [line.lstrip("#").strip().rstrip(".") for line in lines[start:] if line.startswith("#")]


def test_the_dx_column_is_one_readable_line_with_every_diagnosis_on_hover(qtbot):
    from app.views.folder_browser import FolderBrowser

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(230, 400)            # the dock beside a 1024 px window
    browser.show()
    browser.set_folder(LUDB)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    table, dx = browser.table, browser.COLUMNS.index("Dx / status")
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert set(rows) == {"1", "14"}
    fm = table.fontMetrics()
    for rid, r in rows.items():
        truth = header_diagnoses(LUDB / f"{rid}.hea")
        assert len(truth) >= 4
        assert table.item(r, dx).toolTip().splitlines() == truth              # all, the cell shows four
        # one line (elided), as wide as its first diagnosis at least: reached by scrolling, not cut to 5 letters
        assert not table.wordWrap()
        assert table.columnWidth(dx) >= fm.horizontalAdvance(truth[0] + ", "), (table.columnWidth(dx), truth[0])
    # the patient's columns stay in view (the Dx column scrolls)
    sex = browser.COLUMNS.index("Sex")
    assert table.columnViewportPosition(sex) + table.columnWidth(sex) <= table.viewport().width()
