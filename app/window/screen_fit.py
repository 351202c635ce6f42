"""The main window on the screen: its size and place (the saved geometry when it fits a screen, else
1600x1000 shrunk to the screen), a short screen's records opened fitted to the page, and the first sizes of the
splitters (the result column, the row under the traces, the model image beside the tabs) unless the user left
them otherwise (``Settings.result_splitters``), and the window made active as it opens.

``ScreenFitMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication


SHORT_SCREEN_BOTTOM_PX = 210   # short screens: the row under the traces gets this much, the traces the rest
# the result column's width (interpretation, class bars, measurements): what the window leaves beside the
# folder dock (~230 px) and the trace view's tool bars whole (~505 px), between these: the least keeps the
# measurements' three columns whole, the most leaves a 1280x800 screen's fitted page and the true-scale
# 3x4 page of a 1600 px window their width
RESULT_COLUMN_PX = (262, 330)
BESIDE_RESULT_COLUMN_PX = 760


class ScreenFitMixin:
    """The window's size, place and splitters on the screen (for ``MainWindow``)."""

    def fit_to_screen(self, restore: bool = True) -> None:
        """The saved geometry when it fits a screen, else 1600x1000 shrunk to the screen's
        available area (a 1280x800 laptop gets a window that fits, status bar included)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
        # a short screen cannot show the 3x4 page at true scale: open records fitted (True scale: Ctrl+0),
        # the saved window size restored or not (a restored size is no taller than the screen)
        self.fit_page_on_open = avail is not None and avail.height() < 900
        self._place_on_screen(avail, restore)
        self._short_split_pending = self.fit_page_on_open
        if self.isVisible():
            self._short_screen_split()

    def _short_screen_split(self) -> None:
        """The fitted 3x4 page is about twice as wide as it is tall, so the trace view's height sets
        its size: on a short screen the tabs below the traces (labs, explanations; each scrolls) are
        SHORT_SCREEN_BOTTOM_PX tall and the traces get the rest (once, at start: a splitter dragged
        since stays where the user put it)."""
        self._short_split_pending = False
        h = self.center_splitter.height()
        self.center_splitter.setSizes([max(1, h - SHORT_SCREEN_BOTTOM_PX), SHORT_SCREEN_BOTTOM_PX])

    def _result_column_split(self) -> None:
        """The result column as the user last left it (``Settings.result_splitters``), else what the
        window leaves beside the dock and the traces' tool bars, within RESULT_COLUMN_PX; the
        measurements under the result as tall as the row under the traces (their 11 rows in view)
        and a two-line note, the interpretation the rest."""
        self._split_pending = False
        side, column, _image = self.settings.result_splitters
        if side is not None and column is not None and self.side_splitter.restoreState(side) \
                and self.result_column.restoreState(column):
            return
        least, most = RESULT_COLUMN_PX
        width = min(most, max(least, self.width() - BESIDE_RESULT_COLUMN_PX))
        total = sum(self.side_splitter.sizes())
        self.side_splitter.setSizes([max(1, total - width), width])
        h = self.result_column.height()
        note = 2 * self.measure_panel.note.fontMetrics().lineSpacing()      # a note of two lines
        below = (SHORT_SCREEN_BOTTOM_PX if h < 720 else round(h * 0.3)) + note
        self.result_column.setSizes([max(1, h - below), below])

    def _model_image_split(self) -> None:
        """The model image beside the tabs as the user last left it (``Settings.result_splitters``), else
        as wide as the row under the traces is tall (the image square at that height beside its controls),
        the tabs the rest (they keep their names whole: at 1024x768 the image gives way)."""
        state = self.settings.result_splitters[2]
        if state is not None and self.image_splitter.restoreState(state):
            return
        total = sum(self.image_splitter.sizes())
        width = self.image_view.width_for_height(self.image_splitter.height())
        self.image_splitter.setSizes([max(1, total - width), width])

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_shown_once", False):
            # the window as it opens takes the keyboard: with no window manager (Xvfb, a kiosk session) nothing
            # else makes it active, and F1 or Ctrl+O typed first went nowhere until a click on it (Xvfb 1280x800);
            # Qt makes the request once the window is mapped, and a window manager's own activation is the same.
            # No raise_(): a window just mapped is on top, and the offscreen platform (--export-pdf, --screenshot)
            # prints "This plugin does not support raise()" for it
            self._shown_once = True
            self.activateWindow()
        if getattr(self, "_split_pending", False):
            self._result_column_split()
        if getattr(self, "_short_split_pending", False):
            self._short_screen_split()
        if getattr(self, "_image_split_pending", False):
            self._image_split_pending = False
            QTimer.singleShot(0, self._model_image_split)      # once the row under the traces has its height

    def _place_on_screen(self, avail, restore: bool) -> None:
        saved = self.settings.window_geometry if restore else None
        if saved is not None and self.restoreGeometry(saved):
            if avail is None or avail.contains(self.frameGeometry().center()):
                return
        if avail is None:
            self.resize(1600, 1000)
            return
        w = min(1600, avail.width() - 16)
        h = min(1000, avail.height() - 16)
        self.resize(w, h)
        self.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)
