"""The main tool bar's icons grow with its text.

With the text alone made larger (the application's font 1.5 or 2 times its size, as Windows' "Make text
bigger" does; the screen's pixels as they are) the tool buttons' words grew and their icons stayed 20 px:
at 2x an icon half the height of the word beside it. Truth: the drawn pixels of the Open button, the
icon's ink (its outline colour, #34495e in open.svg) against the height of a line of the button's text.
"""
import numpy as np
import pytest
from PySide6.QtGui import QImage

from helpers_app import isolated_settings, shown_window  # noqa: F401 (fixture)

ICON_INK = (0x34, 0x49, 0x5e)      # open.svg's outline


def _icon_height_per_text_line(window) -> float:
    """The Open button's drawn icon height (rows holding the icon's outline colour) over a line of its text."""
    from PySide6.QtWidgets import QToolBar

    bar = window.findChild(QToolBar, "main_toolbar")
    button = bar.widgetForAction(window.open_action)
    img = button.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    rgb = np.frombuffer(img.constBits(), np.uint8, count=h * img.bytesPerLine()).reshape(h, -1, 4)[:, :w, 2::-1]
    ink = np.abs(rgb.astype(int) - ICON_INK).sum(-1) <= 40
    rows = np.flatnonzero(ink.any(1))
    assert rows.size, "no icon drawn on the Open button"
    return (rows[-1] - rows[0] + 1) / button.fontMetrics().height()


def test_toolbar_icons_keep_their_size_beside_larger_text(qtbot, text_scale, tmp_path):
    window = shown_window(qtbot, size=(1400, 900))
    qtbot.waitExposed(window)
    plain = _icon_height_per_text_line(window)
    assert 1.0 < plain < 1.5                   # 20 px icons (17 px of outline) beside 14 px lines of text
    window.close()
    for factor in (1.5, 2.0):
        text_scale(factor)
        window = shown_window(qtbot, size=(1400, 900))
        qtbot.waitExposed(window)
        assert _icon_height_per_text_line(window) == pytest.approx(plain, rel=0.15), factor
        if factor == 2.0:
            window.grab().save(str(tmp_path / "toolbar_2x.png"))
        window.close()


def test_toolbar_icons_follow_the_text_made_larger_while_open(qtbot, text_scale):
    window = shown_window(qtbot, size=(1400, 900))
    qtbot.waitExposed(window)
    plain = _icon_height_per_text_line(window)
    text_scale(2.0)
    qtbot.wait(50)
    assert _icon_height_per_text_line(window) == pytest.approx(plain, rel=0.15)
