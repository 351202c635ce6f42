"""The ECG paper's grid as it lands on screen pixels: every 5 mm line equally heavy at any zoom.

The grid is drawn with antialiasing off (crisp lines); a pen of a fractional width then rounds to
1 or 2 pixels depending on where each line falls, so some 5 mm lines came out twice as heavy as
others at irregular intervals: a grid a reader counts boxes on that is not regular. The truth here
is the pixels: the widths of the runs of major-line colour along a row of the drawn paper.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pg = pytest.importorskip("pyqtgraph")
from PySide6.QtCore import QRectF  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from app.views.paper import MAJOR, MINOR, PaperGrid  # noqa: E402


def _close(rgb: np.ndarray, colour) -> np.ndarray:
    return np.abs(rgb - np.array([colour.red(), colour.green(), colour.blue()])).sum(axis=-1) <= 12


def _drawn(qtbot, px_per_mm: float, offset_mm: float) -> np.ndarray:
    """(h, w, 3) RGB of 60 mm x 40 mm of paper drawn at ``px_per_mm``, starting ``offset_mm`` into it."""
    view = pg.GraphicsView()
    vb = pg.ViewBox(enableMouse=False)
    vb.setAspectLocked(False)
    view.setCentralItem(vb)
    qtbot.addWidget(view)
    w_px, h_px = 600, 300
    view.resize(w_px, h_px)
    grid = PaperGrid()
    grid.set_rect(QRectF(0, 0, 400, 400))
    vb.addItem(grid)
    view.show()
    qtbot.waitExposed(view)
    vb.setRange(xRange=(offset_mm, offset_mm + vb.width() / px_per_mm),
                yRange=(offset_mm, offset_mm + vb.height() / px_per_mm), padding=0)
    qtbot.wait(30)
    img = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    return np.frombuffer(img.constBits(), dtype=np.uint8, count=h * img.bytesPerLine()) \
        .reshape(h, img.bytesPerLine() // 4, 4)[:, :w, 2::-1].astype(int)


def _runs(mask_row: np.ndarray) -> list[int]:
    """Lengths of the runs of True in a 1-D boolean array (not those touching its ends)."""
    edges = np.diff(np.concatenate([[0], mask_row.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [int(e - s) for s, e in zip(starts, ends) if s > 0 and e < len(mask_row)]


@pytest.mark.parametrize("px_per_mm", [2.6, 2.9, 3.3, 3.78, 4.4, 6.1, 9.7])
def test_every_major_line_is_equally_heavy(qtbot, px_per_mm):
    rgb = _drawn(qtbot, px_per_mm, offset_mm=0.37)
    major = _close(rgb, MAJOR)
    # rows between horizontal lines: the fewest major-coloured pixels (only the vertical lines cross)
    counts = major[10:-10].sum(axis=1)
    row = 10 + int(np.argmin(counts))
    widths = _runs(major[row])
    assert len(widths) >= 8, f"too few 5 mm lines found at {px_per_mm} px/mm: {widths}"
    assert len(set(widths)) == 1, f"5 mm lines of unequal weight at {px_per_mm} px/mm: {widths}"
    # the same along a column for the horizontal lines
    col = 10 + int(np.argmin(major[:, 10:-10].sum(axis=0)))
    heights = _runs(major[:, col])
    assert len(heights) >= 4 and len(set(heights)) == 1, f"{px_per_mm} px/mm: {heights}"
    # and the 5 mm lines stand apart from the 1 mm lines, where those are drawn
    minor = _close(rgb, MINOR)
    if minor[row].any():
        assert not (major[row] & minor[row]).any()


def test_equally_heavy_on_a_scaled_screen(tmp_path):
    """The same at a device pixel ratio of 1.5 (a laptop at 150 %), in a process of its own (the
    ratio is fixed when Qt starts): a cosmetic pen's width is in device pixels, so a width meant
    as "one logical pixel" is 1.5 device pixels and rounds unevenly."""
    import subprocess
    import sys

    env = dict(os.environ, QT_SCALE_FACTOR="1.5", QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           __file__, "-k", "every_major_line"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "7 passed" in done.stdout
