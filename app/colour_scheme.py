"""The app's colour scheme: light, under a dark desktop theme too.

The app's colours are chosen for a light window (WCAG 2.1 1.4.3, 4.5:1 against the Fusion style's #efefef):
the grey notes and captions, the lab form's amber and red flags, the probability bars' class names, the
interpretation's statements, the warnings on their own pale backgrounds; and ECG paper is pale paper. Under a
dark theme (a #353535 window, white text) those greys and blacks were 1.3 to 2.5:1 on the window, unreadable.
So the app asks the platform for its light scheme (``QStyleHints.setColorScheme``, Qt 6.8: Windows, macOS,
GNOME) and, where the palette stays dark (a theme that only sets colours: KDE, qt6ct, a palette a script around
``main`` set), takes its style's standard palette, which is light.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` draws light text on a darker window (a dark theme)."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < palette.color(
        QPalette.ColorRole.WindowText).lightnessF()


def keep_light(app: QApplication) -> bool:
    """Give ``app`` a light palette if its desktop's is dark; True when it changed it."""
    if not is_dark(app.palette()):
        return False
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):            # Qt 6.8
        hints.setColorScheme(Qt.ColorScheme.Light)
        app.processEvents()
    if is_dark(app.palette()):
        app.setPalette(app.style().standardPalette())
    return True
