"""A window's first size within the screen it opens on.

Dialogs and tool windows open at the size they want, within 90 % of the free area of the screen of the window
they belong to (a title bar above them and the task bar beside them), so none opens past a laptop's edge or
under its task bar with its buttons out of reach.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

ROOM = 0.9      # of the screen's free area a window opens within


def resize_within_screen(widget: QWidget, parent: QWidget | None, want: QSize) -> None:
    """Resize ``widget`` to ``want`` (logical px) bounded by ``ROOM`` of the free area of ``parent``'s screen
    (the primary screen without a parent); ``want`` as it is where no screen is known."""
    screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
    widget.resize(want.boundedTo(screen.availableGeometry().size() * ROOM) if screen is not None else want)
