"""MIRAGE Review for every reader: colour vision (EN 301 549 / WCAG 2.1 1.4.1, use of colour), text
contrast (1.4.3, 4.5:1), names for screen readers (4.1.2) and the keyboard (2.1.1).

Truth comes from outside the app: the colour-vision deficiencies are simulated with Machado, Oliveira and
Fernandes (2009)'s matrices for full deuteranopia and protanopia, colour differences are CIELAB distances,
contrast is WCAG 2.1's relative-luminance ratio, all computed here in numpy on the widgets' grabbed pixels
or on the colours their style sheets name.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtWidgets import QLabel  # noqa: E402

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures

# Machado et al. 2009, severity 1.0, applied to linear RGB
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968],
                         [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868],
                       [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
TOLD_APART = 30.0      # CIELAB distance (1976) two bar colours keep for a dichromat: plainly two colours


def _linear(rgb):
    c = np.asarray(rgb, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _srgb(lin):
    lin = np.clip(lin, 0.0, 1.0)
    return 255.0 * np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def simulate(rgb, matrix):
    """(..., 3) sRGB 0..255 as a dichromat sees it."""
    return _srgb(_linear(rgb) @ matrix.T)


def cielab(rgb):
    xyz = _linear(rgb) @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                                   [0.0193, 0.1192, 0.9505]]).T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def delta_e(a, b) -> float:
    return float(np.linalg.norm(cielab(a) - cielab(b)))


def image_rgb(widget) -> np.ndarray:
    """(H, W, 3) uint8 of the widget's grab."""
    from PySide6.QtGui import QImage

    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    return np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, :3 * w].reshape(h, w, 3)


def focus_ring_pixels(qtbot, top, w) -> tuple[int, "QRect"]:
    """How many of ``top``'s pixels around control ``w`` (its rect, 3 px more each side) change when ``w`` takes
    the keyboard focus (Tab) and loses it again, and ``w``'s rect in ``top``'s coordinates."""
    from PySide6.QtCore import QRect, Qt

    class Region:                       # top's pixels around the control, for image_rgb
        def __init__(self, rect):
            self.rect = rect

        def grab(self):
            return top.grab(self.rect)

    w.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.wait(20)
    rect = QRect(w.mapTo(top, w.rect().topLeft()), w.size())
    region = Region(rect.adjusted(-3, -3, 3, 3))
    focused = image_rgb(region).astype(int)
    w.clearFocus()
    qtbot.wait(20)
    plain = image_rgb(region).astype(int)
    return int((np.abs(focused - plain).sum(2) > 60).sum()), rect


def _bar_pixels(rgb: np.ndarray, y: int) -> np.ndarray:
    """The coloured pixels of the bar row through ``y`` (greys: the track, the tick, the text, left out)."""
    row = rgb[y].astype(int)
    coloured = row.max(1) - row.min(1) > 24
    return row[coloured]


def test_probability_bars_are_told_apart_without_colour_vision_and_without_colour(qtbot):
    """The bars' red "finding" and green "normal" were (200, 70, 40) and (60, 150, 80): to a deuteranope
    both an olive brown 23 CIELAB units apart (17 to a protanope), and all three meanings were carried by
    the colour alone. Read off the drawn pixels: every two meanings stay at least 30 apart under both
    simulations, and a class not called is hatched (two colours along its bar), a called one solid."""
    from app.views.probability_bars import ProbabilityBars

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(("NORM", "MI", "STTC"), [0.9, 0.85, 0.45], [0.5, 0.5, 0.5])
    bars.resize(420, bars.sizeHint().height())
    rgb = image_rgb(bars)
    rows = [_bar_pixels(rgb, 4 + 22 * i + 9) for i in range(3)]
    assert all(len(r) > 40 for r in rows)
    drawn = []
    for r in rows:
        colours, counts = np.unique(r, axis=0, return_counts=True)
        drawn.append((colours[counts.argmax()], counts.max() / len(r), len(colours)))
    normal, finding, below = drawn
    assert normal[1] > 0.95 and finding[1] > 0.95, "a called class's bar is one solid colour"
    assert below[2] >= 2 and below[1] < 0.9, "a class not called is hatched"
    for matrix in (DEUTERANOPIA, PROTANOPIA):
        seen = [simulate(c[0], matrix) for c in drawn]
        for a, b in itertools.combinations(seen, 2):
            assert delta_e(a, b) >= TOLD_APART, (a, b)


# ---------------------------------------------------------------------------------------------
# text contrast

def luminance(rgb) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour 0..255."""
    c = np.asarray(rgb, dtype=float) / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast(fg, bg) -> float:
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _hex(text: str):
    h = text.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def test_contrast_formula_matches_wcag_examples():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast(_hex("#767676"), _hex("#ffffff")) == pytest.approx(4.54, abs=0.01)   # WCAG's least grey


WINDOW_GREY = (0xEF, 0xEF, 0xEF)      # the Fusion style's window colour, under every label
_HEX = r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b"


def _global_colour(name: str):
    """(r, g, b) of one of Qt's named colours (``Qt.GlobalColor.red``: (255, 0, 0))."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor

    return QColor(getattr(Qt.GlobalColor, name)).getRgb()[:3]


def _text_colours():
    """(file:line, text colour, background) of every text colour a style sheet or rich text in app/ names:
    the background the same string names, else the window's grey."""
    import app

    out = []
    for path in sorted(Path(app.__file__).parent.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in re.finditer(rf"(?<![-\w])color\s*:\s*({_HEX})", line):
                bg = re.search(rf"background\s*:\s*({_HEX})", line)
                out.append((f"{path.name}:{n}", _hex(m.group(1)), _hex(bg.group(1)) if bg else WINDOW_GREY))
            # _GREY = "#666666", FAILED_COLOUR = QColor("#b00000")
            for m in re.finditer(rf'^\s*_?[A-Z][A-Z_]*\s*=\s*(?:QColor\()?"({_HEX})"', line):
                out.append((f"{path.name}:{n}", _hex(m.group(1)), WINDOW_GREY))
            for m in re.finditer(r"setForeground\(\s*(?:QColor\()?Qt\.GlobalColor\.(\w+)", line):   # Qt's red: 4.0:1
                out.append((f"{path.name}:{n}", _global_colour(m.group(1)), WINDOW_GREY))
    return out


def test_every_text_colour_in_the_app_reads_at_4_5_to_1():
    """The grey hints (#777, #888, #bbb), the lab form's amber flag (#b9770e) ... were 1.7 to 3.9:1 on the
    window's grey: every text colour the app's style sheets and rich text name is at least 4.5:1 against
    the background it is drawn on."""
    found = _text_colours()
    assert len(found) > 30          # the walk found the app's colours
    low = [(where, fg, round(contrast(fg, bg), 2)) for where, fg, bg in found if contrast(fg, bg) < 4.5]
    assert low == []


def test_batch_table_colours_read_on_white():
    from PySide6.QtGui import QColor

    from app.dialogs import batch

    for colour in (batch.FAILED_COLOUR, batch.NOT_ECG_COLOUR, batch.LABS_DIFFER_COLOUR):
        assert isinstance(colour, QColor)
        assert contrast(colour.getRgb()[:3], (255, 255, 255)) >= 4.5, colour.name()


def test_folder_panel_status_colours_read_on_white(qtbot, tmp_path):
    """A row of the folder panel whose file cannot be read ("unreadable: ...") was Qt's red, 4.0:1 on the
    table's white. Read off the drawn row, not selected: at least 4.5:1; and every status colour the panel
    and the batch table name is too."""
    from PySide6.QtCore import Qt

    from app.dialogs import batch
    from app.views import folder_browser
    from app.views.folder_browser import FolderBrowser

    (tmp_path / "1.hea").write_text("this is no header\n", encoding="utf-8")
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(700, 200)
    browser.show()
    browser.set_folder(tmp_path)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    table = browser.table
    item = table.item(0, 1)
    assert item is not None and item.text().startswith("unreadable: ")
    table.clearSelection()
    table.setCurrentItem(None)
    qtbot.wait(20)

    class Cell:                         # the drawn cell, for _drawn_contrast
        def grab(self):
            return table.viewport().grab(table.visualItemRect(item))

    assert _drawn_contrast(Cell()) >= 4.5
    white = table.palette().base().color().getRgb()[:3]
    for colour in (folder_browser.UNREADABLE_COLOUR, batch.FAILED_COLOUR, batch.NOT_ECG_COLOUR,
                   batch.LABS_DIFFER_COLOUR):
        assert contrast(colour.getRgb()[:3], white) >= 4.5, colour.name()
    assert item.foreground().color() == folder_browser.UNREADABLE_COLOUR


def _drawn_contrast(widget) -> float:
    """Contrast of the text's colour against the background, read off the widget's grab: the commonest
    colour is the background, the next the glyphs' fully covered pixels (their edges are blends); the
    top and bottom 2 px, where a border runs, are left out."""
    rgb = image_rgb(widget)[2:-2].reshape(-1, 3)
    colours, counts = np.unique(rgb, axis=0, return_counts=True)
    bg, fg = colours[np.argsort(counts)[::-1][:2]]
    return contrast(fg, bg)


def test_research_use_banner_reads_at_4_5_to_1(qtbot):
    """The yellow research-use banner above the traces (#7a4b00 bold on #fff3cd), read off its pixels."""
    from helpers_app import shown_window

    window = shown_window(qtbot)
    assert window.notice.isVisible() and "Research use" in window.notice.text()
    assert _drawn_contrast(window.notice) >= 4.5


# ---------------------------------------------------------------------------------------------
# screen readers

def _unnamed(window) -> list[str]:
    """The window's shown controls a screen reader could only read by their contents ("F, combo box",
    "years, combo box") or not at all: no accessible name, and no text of their own (a button's)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (
        QAbstractButton, QAbstractItemView, QAbstractScrollArea, QAbstractSlider, QAbstractSpinBox, QComboBox,
        QHeaderView, QLineEdit, QScrollBar, QTabBar, QWidget,
    )

    controls = (QAbstractButton, QComboBox, QLineEdit, QAbstractSlider, QAbstractSpinBox, QAbstractItemView,
                QTabBar, QAbstractScrollArea)
    out = []
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window) or isinstance(w, (QScrollBar, QHeaderView)):
            continue                                   # a scroll area's bars, a table's headers: its own parts
        parent = w.parent()
        if isinstance(parent, QComboBox) or (isinstance(parent, QAbstractScrollArea) and parent.viewport() is w):
            continue
        tab_stop = (w.focusPolicy() & Qt.FocusPolicy.TabFocus) == Qt.FocusPolicy.TabFocus
        if not (isinstance(w, controls) or tab_stop):
            continue
        if isinstance(w, QAbstractScrollArea) and not tab_stop:
            continue                                   # a frame around named things, not a stop of its own
        text = w.text().replace("&", "").strip() if isinstance(w, QAbstractButton) else ""
        if not (w.accessibleName().strip() or text):
            out.append(f"{type(w).__name__} in {type(parent).__name__} ({w.toolTip()[:40]!r})")
    return out


def test_every_control_of_the_main_window_has_a_name(qtbot, tiny_model):
    """The lab form's fields and unit boxes, the notch box, the saliency method and opacity, the traces,
    the result column and the tabs had no accessible name: a screen reader said "F, combo box" for the
    patient's sex. Walked over the whole window with a record open and each tab shown in turn (so a
    control added later is checked too)."""
    from helpers_app import PTBXL_PAIR, WAIT_MS, shown_window

    window = shown_window(qtbot, tiny_model)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(PTBXL_PAIR[1])
    unnamed = []
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.wait(50)
        unnamed += _unnamed(window)
    assert len(window.lab_form.findChildren(QLabel)) > 10     # the walk saw the lab form
    assert sorted(set(unnamed)) == []
    rows = window.lab_form._rows
    assert rows["sex"].editor.accessibleName() == rows["sex"].feature.label
    assert rows["height"].unit.accessibleName() == f"{rows['height'].feature.label} unit"


def test_probability_bars_are_told_in_words(qtbot):
    """The bars are painted: a screen reader got nothing of them. Their accessible name and description
    say every class, its probability, its threshold and its call, as set."""
    from app.views.probability_bars import ProbabilityBars

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(("NORM", "MI", "STTC"), [0.9, 0.85, 0.45], [0.5, 0.4, 0.5])
    assert bars.accessibleName() == "Class probabilities"
    said = bars.accessibleDescription()
    assert "NORM" in said and "90.0 %, threshold 50.0 %, called: normal" in said
    assert "MI" in said and "85.0 %, threshold 40.0 %, called: finding" in said
    assert "STTC" in said and "45.0 %, threshold 50.0 %, not called" in said
    bars.set_prediction(("MI",), [0.85], [0.4], withheld="too noisy")
    assert "not called: calls withheld" in bars.accessibleDescription()
    assert "too noisy" in bars.accessibleDescription()


# ---------------------------------------------------------------------------------------------
# keyboard: the focus is seen

def test_the_focused_control_is_outlined_at_every_tab_stop(qtbot, tiny_model):
    """Fusion marked a focused button, box, check box or slider with 4 to 20 changed pixels and the traces,
    the result column and "Choose model" with none: after a Tab the focus was lost to the eye. Tab (QTest
    key events) from "True scale" round the window; at every stop in view, the window's pixels around the
    control change on at least its perimeter's worth (a whole outline) between focused and not."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from helpers_app import PTBXL_PAIR, WAIT_MS, shown_window

    window = shown_window(qtbot, tiny_model)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(PTBXL_PAIR[1])
    start = window.viewer.reset_btn
    start.setFocus(Qt.FocusReason.TabFocusReason)
    stops = []
    for _ in range(80):
        w = QApplication.focusWidget()
        if w in stops:
            break
        stops.append(w)
        qtbot.keyClick(w, Qt.Key.Key_Tab)
    assert len(stops) > 15 and window.viewer.plot in stops and window.results_scroll in stops

    faint = []
    checked = 0
    for w in stops:
        w.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.wait(20)
        if w.visibleRegion().boundingRect() != w.rect():
            continue                    # scrolled partly out of view (the lab form's lower rows)
        changed, rect = focus_ring_pixels(qtbot, window, w)
        checked += 1
        if changed < 2 * (rect.width() + rect.height()):
            faint.append(f"{type(w).__name__} {w.accessibleName() or getattr(w, 'text', str)()!r}: {changed} px")
    assert checked > 15
    assert faint == []


# ---------------------------------------------------------------------------------------------
# display scaling

SCALE_PROBE = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from app.main_window import MainWindow
from app.settings import Settings
s = Settings(); s.model_path = ""
w = MainWindow(s); w.show(); app.processEvents()
p, sc = w.viewer.plot, w.screen()
print(p.px_per_mm() * p.devicePixelRatioF(),
      sc.geometry().width() * sc.devicePixelRatio() / sc.physicalSize().width())
"""


@pytest.mark.slow
@pytest.mark.parametrize("env", [{"QT_SCALE_FACTOR": "1.5"}, {"QT_SCALE_FACTOR": "2"}, {"QT_FONT_DPI": "144"}])
def test_true_scale_stays_true_under_display_scaling(env, tmp_path):
    """Under a scale factor the screen's logical pixels grow: the traces' pixels per mm of glass, in device
    pixels, still equal the screen's own (its device pixels over its physical width), so 10 mm/mV and 25 mm/s
    stay true. (QScreen.physicalDotsPerInch is per logical pixel; a logical DPI would have drawn 1.5 and 2 times
    too large.)"""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    run_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root),
               "XDG_CONFIG_HOME": str(tmp_path), **env}
    out = subprocess.run([sys.executable, "-c", SCALE_PROBE], env=run_env, capture_output=True, text=True,
                         timeout=120, cwd=root)
    assert out.returncode == 0, out.stderr[-2000:]
    drawn, screen = map(float, out.stdout.split()[-2:])
    assert drawn == pytest.approx(screen, rel=2e-3)


def test_the_row_under_the_traces_is_hidden_and_shown_from_the_view_menu(qtbot):
    """With larger text on a laptop (1366x768 at QT_FONT_DPI=144: a 911 x 512 px window) the row under the traces
    (the tabs and the model image) kept 208 px and the traces about 70: their fitted page drawn at 0.20x, 5 mm/s.
    Its splitter's handle moves with a mouse alone. View > Panels under the traces (Alt+V, U) hides the row, the
    traces taking its height (the fitted page larger by as much), and shows it again."""
    from PySide6.QtWidgets import QApplication

    from helpers_app import PTBXL_PAIR, WAIT_MS, shown_window

    window = shown_window(qtbot, size=(911, 512))
    window.open_record(PTBXL_PAIR[1])
    qtbot.waitUntil(lambda: window.record_quality() is not None, timeout=WAIT_MS)
    plot = window.viewer.plot
    plot.fit_page()
    qtbot.wait(50)
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    action = next(a for a in view_menu.actions() if a.text() == "Panels &under the traces")
    assert action.isCheckable() and action.isChecked()
    height, zoom, row = plot.vb.height(), plot.zoom, window.image_splitter.height()
    window.lab_form.setFocus()
    action.trigger()
    qtbot.waitUntil(lambda: plot.vb.height() > height)
    assert not window.image_splitter.isVisible() and not action.isChecked()
    assert plot.vb.height() >= height + row - 10, (height, row, plot.vb.height())
    assert plot.fitted and plot.zoom > zoom * 1.5, (zoom, plot.zoom)
    assert QApplication.focusWidget() is None or QApplication.focusWidget().isVisible()
    action.trigger()
    qtbot.waitUntil(lambda: window.image_splitter.isVisible())
    assert action.isChecked() and window.lab_form.isVisible()


def test_the_row_under_the_traces_hidden_is_remembered_at_the_next_launch(qtbot):
    """View > Panels under the traces is kept in the settings at close, as the splitters are, and the next window
    starts with the row as it was left (hidden, then shown again); a fresh install shows it."""
    from PySide6.QtCore import QSettings

    from helpers_app import shown_window

    def launch():
        window = shown_window(qtbot, size=(911, 512))
        view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
        return window, next(a for a in view_menu.actions() if a.text() == "Panels &under the traces")

    window, action = launch()
    assert action.isChecked() and window.image_splitter.isVisible()        # a fresh install: shown
    action.trigger()
    window.close()
    # what the settings file holds, read as a plain INI store (not through the app's accessors)
    store = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "MIRAGE", "MIRAGE Review")
    assert store.value("window/panels_under_traces") == "false"
    window, action = launch()
    assert not action.isChecked() and not window.image_splitter.isVisible()
    action.trigger()
    assert window.image_splitter.isVisible()
    window.close()
    window, action = launch()
    assert action.isChecked() and window.image_splitter.isVisible()
