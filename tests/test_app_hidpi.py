"""MIRAGE Review on a high-density screen under display scaling (a 4K laptop at 150 % or 200 %).

Truth: the drawn pixels. The ECG paper's 5 mm lines, read off a grab in device pixels, are 5 mm of glass
apart at the screen's density: 5 x dpi / 25.4 device pixels.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

ROOT = Path(__file__).resolve().parent.parent

GRID_PROBE = r"""
import sys
import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from app.views.ecg_plot import EcgPlot
from app.views.paper import MAJOR
from mirage_model.paths import resources_dir
from mirage_model.records.load import load_record

plot = EcgPlot()
plot.resize(900, 600)
plot.show()
plot.set_record(load_record(resources_dir() / "samples" / "ludb" / "1.hea"))
plot.set_dpi_override(float(sys.argv[1]))
plot.reset_scale()
for _ in range(5):
    app.processEvents()
img = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
w, h = img.width(), img.height()
rgb = np.frombuffer(img.constBits(), np.uint8, count=h * img.bytesPerLine()).reshape(h, -1, 4)[:, :w, 2::-1]
major = np.abs(rgb.astype(int) - [MAJOR.red(), MAJOR.green(), MAJOR.blue()]).sum(-1) <= 12
row = int(np.argmin(np.where(major.sum(1) > 0, major.sum(1), 10 ** 6)))   # a row the 5 mm lines only cross
xs = np.flatnonzero(major[row])
starts = xs[np.r_[True, np.diff(xs) > 1]]
gaps = np.diff(starts)
print(img.devicePixelRatio(), len(starts), gaps[gaps < 1.5 * np.median(gaps)].mean())   # a trace hides a few
"""


@pytest.mark.parametrize("scale", ["1.5", "2"])
def test_a_screen_dpi_set_by_hand_is_the_panels_own(scale, tmp_path):
    """Settings > Screen DPI ("physical dots per inch of this screen", for a screen that reports a wrong
    size) was taken in device-independent pixels: at 200 % a 192 dpi panel entered as 192 drew the paper twice
    too large (75.6 device pixels between 5 mm lines where the glass has 37.8), at 150 % 1.5 times. The
    panel's dots per inch are its device pixels', whatever the scaling."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path),
           "QT_SCALE_FACTOR": scale}
    out = subprocess.run([sys.executable, "-c", GRID_PROBE, "192"], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    ratio, lines, spacing = map(float, out.stdout.split()[-3:])
    assert ratio == pytest.approx(float(scale))
    assert lines >= 10
    assert spacing == pytest.approx(5 * 192 / 25.4, abs=0.2)
