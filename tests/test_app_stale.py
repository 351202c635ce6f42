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
