"""The folder browser's Dx / status column in a narrow dock (pytest-qt, offscreen): it read "Rhyth" over
"brady" (wrapped in the width left of the view, no tooltip). Truth: the LUDB headers' own diagnosis lines."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

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


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_the_dx_column_starts_in_view_in_the_dock_as_it_opens(qtbot, size):
    """At the default window size (1280x800) and at 1024x768 the folder dock opened with the Dx / status
    column after the rate and length, starting at the dock's right edge (offscreen: at x 183 px of a 219 px
    view, its header centred past the edge): the diagnoses only by scrolling. Now it follows the patient's
    columns, its header and the start of its text in view ("Rhythm: Sinus ..."). Truth: the LUDB
    headers' own first diagnosis."""
    from helpers_app import shown_window

    window = shown_window(qtbot, size=size)
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=20000)
    qtbot.wait(50)
    browser = window.browser
    table, dx = browser.table, browser.COLUMNS.index("Dx / status")
    assert window.browser_dock.isVisible() and table.horizontalScrollBar().value() == 0
    fm = table.fontMetrics()
    start = table.columnViewportPosition(dx)
    first = header_diagnoses(LUDB / "1.hea")[0]           # "Rhythm: Sinus bradycardia"
    shown_px = table.viewport().width() - start
    assert shown_px >= fm.horizontalAdvance(first[:13]), (size, start, table.viewport().width())   # "Rhythm: Sinus"
    head = browser.table.horizontalHeaderItem(dx)
    assert head.textAlignment() & Qt.AlignmentFlag.AlignLeft                   # its name at its start, in view
    assert fm.horizontalAdvance(head.text()) + 8 <= shown_px
    sex = browser.COLUMNS.index("Sex")          # the patient's columns still whole in view, before it
    assert table.columnViewportPosition(sex) + table.columnWidth(sex) <= start


def _dx_cells(qtbot, folder) -> dict[str, tuple[str, list[str]]]:
    """{record id: (the Dx cell's text, its tooltip's lines)} once ``folder`` is listed."""
    from app.views.folder_browser import FolderBrowser

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.set_folder(folder)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    table, dx = browser.table, browser.DX
    return {table.item(r, 0).text(): (table.item(r, dx).text(), table.item(r, dx).toolTip().splitlines())
            for r in range(table.rowCount())}


def test_the_dx_column_names_the_codes_as_the_file_lines_do(qtbot, tmp_path):
    """The Dx column listed bare codes ("164889003, 59118001, ..."; PTB-XL's "IMI, SR"). Now the names the
    file's diagnosis lines use, each code on hover. Truth: the Challenge's names of the codes and PTB-XL's
    scp_statements.csv descriptions (IMI "inferior myocardial infarction", SR "sinus rhythm")."""
    from test_file_diagnosis import CHALLENGE_DX, CINC, UNNAMED, write_ptbxl, write_record

    write_record(tmp_path / "cinc", "A0001", CINC)
    text, tip = _dx_cells(qtbot, tmp_path / "cinc")["A0001"]
    assert text == ", ".join(CHALLENGE_DX.values()) + f", SNOMED-CT {UNNAMED}"
    assert tip == [f"{name} ({code})" for code, name in CHALLENGE_DX.items()] + [f"SNOMED-CT {UNNAMED}"]
    write_ptbxl(tmp_path / "ptbxl", "{'IMI': 35.0, 'SR': 0.0}")
    text, tip = _dx_cells(qtbot, tmp_path / "ptbxl")["00001_lr"]
    assert text == "Inferior infarct (likelihood 35 %), Sinus rhythm"
    assert tip == ["Inferior infarct (IMI, likelihood 35 %)", "Sinus rhythm (SR)"]
