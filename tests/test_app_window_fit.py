"""The main window on a laptop screen (1024x700 and 1280x800): what the user sized stays as they
sized it, every command is reachable without an overflow menu, and controls look as live as they are.

Truth comes from outside the code under test: the width the user gave the dock, the window's own
pixel width, and whether an overlay exists (a model result with its saliency, or none)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window, tiny_model  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
needs_ludb = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")
SIZES = [(1024, 700), (1280, 800)]


def _open_first(qtbot, window):
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.step_record(1)


@needs_ludb
@pytest.mark.parametrize("size", SIZES)
def test_the_folder_dock_keeps_the_width_the_user_gave_it_from_record_to_record(qtbot, size):
    """The dock, dragged wide, narrowed by a few pixels on Ctrl+PgDown and the traces jumped: the
    scale line's text ("zoom 1.23x: 30.9 mm/s ...", with the record and the zoom) set the window's
    minimum width, and the main window took the difference from the dock. Now the dock keeps the
    width it was given (as wide as the window lets it: the central part at its narrowest) while the
    records, the zoom and that text change."""
    window = shown_window(qtbot, size=size)
    _open_first(qtbot, window)
    window.resizeDocks([window.browser_dock], [size[0]], Qt.Orientation.Horizontal)    # as wide as it goes
    qtbot.wait(50)
    given = window.browser_dock.width()
    assert given > 200
    for zoom in (1.2345, 0.5123, 2.3456):
        window.viewer.plot.set_zoom(zoom)
        with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
            assert window.step_record(1) or window.step_record(-1)
        qtbot.wait(50)
        assert window.browser_dock.width() == given, (zoom, window.viewer.scale_label.text())
