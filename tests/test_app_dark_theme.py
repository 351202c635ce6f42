"""MIRAGE Review under a dark desktop theme: its text still reads (WCAG 2.1 1.4.3, 4.5:1).

The app's colours are chosen for a light window (test_app_accessibility checks them against Fusion's #efefef);
a dark theme put a #353535 window under its grey notes (#444, #555, #666: 1.3 to 2.0:1). A dark theme is a
palette the platform gives the application before the window is made; here a script around ``main`` sets one
(the desktop's is out of reach offscreen), as QT_QPA_PLATFORMTHEME would. Truth: WCAG's contrast ratio,
computed here from the colours each label's style sheet names and the window colour it is drawn on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from test_app_accessibility import _hex, contrast  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

DARK_PROBE = r"""
import re, sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

app = QApplication(sys.argv[:1])
dark = QPalette()
R = QPalette.ColorRole
for role, c in ((R.Window, "#353535"), (R.WindowText, "#ffffff"), (R.Base, "#2a2a2a"), (R.Text, "#ffffff"),
                (R.Button, "#353535"), (R.ButtonText, "#ffffff"), (R.ToolTipBase, "#353535"),
                (R.ToolTipText, "#ffffff"), (R.PlaceholderText, "#9a9a9a")):
    dark.setColor(role, QColor(c))
app.setPalette(dark)

from app.main import main
from app.main_window import MainWindow


def report():
    window = next((w for w in app.topLevelWidgets() if isinstance(w, MainWindow)), None)
    if window is None:                  # main's first events come before its window
        QTimer.singleShot(10, report)
        return
    print("window", window.palette().color(R.Window).name())
    for label in window.findChildren(QLabel):
        sheet = label.styleSheet()
        m = re.search(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{3,6})\b", sheet)
        if m and "background" not in sheet:
            print("label", m.group(1), label.palette().color(label.backgroundRole()).name())
    sys.stdout.flush()


QTimer.singleShot(0, report)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_grey_notes_read_under_a_dark_theme(tmp_path):
    """Under a dark palette the window stays light (the app keeps its light scheme), so every label that names
    its own text colour (the overlay key, the saliency caption, the lab form's sources and contributions, the
    interpretation's notes) reads at 4.5:1 at least on the colour it is drawn on. Before: #444 on #353535,
    1.3:1."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path),
           "MIRAGE_STATEMENTS_MODEL": "none"}
    shot = tmp_path / "s.png"
    out = subprocess.run([sys.executable, "-c", DARK_PROBE, "--size", "1200x800",
                          "--screenshot", str(shot)], env=env, capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line.split() for line in out.stdout.splitlines()]
    window = [w[1] for w in lines if w[0] == "window"]
    labels = [(w[1], w[2]) for w in lines if w[0] == "label"]
    assert window and len(labels) >= 5, out.stdout
    low = [(fg, bg, round(contrast(_hex(fg), _hex(bg)), 2)) for fg, bg in labels if contrast(_hex(fg), _hex(bg)) < 4.5]
    assert low == []
    assert contrast(_hex(window[0]), (0, 0, 0)) >= 15        # a light window: the paper's surround too
