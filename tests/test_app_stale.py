"""Nothing of the previous record stays on screen as if it were current, through the real window
(pytest-qt, offscreen): after a file that cannot be opened, a record of other leads or length, another
model, a model run that fails or is cancelled.

Each test opens a bundled record first (PTB-XL 00417_lr or LUDB 14), then what it is about, and reads
what every view says against the second file itself (its header read here with wfdb, or its bytes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, shown_window, tiny_model  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"   # F, 75
B = resources_dir() / "samples" / "ludb" / "14.hea"                                  # M, 50
pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")
WAIT_MS = 60000


def open_and_wait(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)


def test_a_failed_open_leaves_no_zoom_of_the_previous_record_in_the_scale_line(qtbot, tmp_path):
    """A fitted to the page (the scale line: "zoom 0.6x: ... (page fitted)"), then a header whose .dat
    is missing: no paper is drawn, so no scale is said; it had kept A's zoom as if it were the view's."""
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, A)
    window.viewer.plot.fit_page()
    assert "zoom" in window.viewer.scale_label.text()
    (tmp_path / "nodat.hea").write_text(B.read_text())      # names 14.dat, which is not beside it
    open_and_wait(qtbot, window, tmp_path / "nodat.hea")
    assert "Could not open nodat.hea" in window.message_bar.text()
    assert window.viewer.plot.record is None
    assert window.viewer.scale_label.text() == ""
    open_and_wait(qtbot, window, B)                          # drawn again: its scale said again
    assert "mm/s" in window.viewer.scale_label.text()


def test_a_name_whose_byte_is_not_utf8_is_shown_as_xnn(qtbot, tmp_path):
    """"caf<0xE9>.hea" (a Latin-1 name) that cannot be opened: the message, the title, the view and the
    folder's row said "caf.hea" / "caf" (Qt drops the byte Python keeps as a lone surrogate); they read
    "caf\\xe9", as the CLI and the batch CSV write it."""
    import os

    try:
        with open(os.fsencode(tmp_path) + b"/caf\xe9.hea", "wb") as f:
            f.write(b"not a header\n")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    bad = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.hea"))
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, A)
    open_and_wait(qtbot, window, bad)
    shown = "caf\\xe9.hea"
    assert window.message_bar.text().startswith(f"Could not open {shown}: ")
    assert window.windowTitle() == f"MIRAGE Review - {shown} could not be opened"
    assert window.status_label.text().startswith(f"Could not open {shown}")
    assert f"{shown} could not be opened" in window.viewer.plot.placeholder_text
    assert f"No result: {shown}" in window.results.state.text()
    window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.table.rowCount() == 1 and window.browser.table.item(0, 1) is not None,
                    timeout=WAIT_MS)
    assert window.browser.table.item(0, 0).text() == "caf\\xe9"
