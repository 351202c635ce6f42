"""A tool bar whose icons grow with its text.

Under large text alone (Windows' "Make text bigger", a larger desktop font) the text of a tool button grows
and a fixed icon size does not: 20 px icons beside text twice their height. Display scaling
(``QT_SCALE_FACTOR``, ``QT_FONT_DPI``, 150 % on a 4K screen) grows both together and leaves this unchanged. The
icons are SVG (``app/resources/icons``): drawn at any size, never blurred.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QToolBar, QWidget

BASE_TEXT_HEIGHT = 14     # px: a line of Qt's default 9 pt text at 96 dpi, beside which the base icon sizes were chosen


class TextSizedToolBar(QToolBar):
    """A ``QToolBar`` whose icons are ``base`` px beside text of the default size and as much larger as
    its text is (never smaller); followed again when its font changes (the application's font set anew).

    Args:
        title: the tool bar's name (its menu entry).
        base: the icon side, in device-independent pixels, beside text of the default size.
    """

    def __init__(self, title: str, base: int, parent: QWidget | None = None):
        super().__init__(title, parent)
        self._base = int(base)
        self._fit_icons()

    def icon_side(self) -> int:
        """The icon side for the tool bar's text as it is now."""
        return max(self._base, round(self._base * self.fontMetrics().height() / BASE_TEXT_HEIGHT))

    def _fit_icons(self) -> None:
        side = self.icon_side()
        if self.iconSize() != QSize(side, side):
            self.setIconSize(QSize(side, side))

    def changeEvent(self, event) -> None:          # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_icons()
