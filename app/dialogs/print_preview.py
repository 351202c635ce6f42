"""File > Print preview: the report's pages on the printer's paper, as File > Print paints them.

The pages are the PDF that Print paints, rasterised by the same PDFium (``report_printer.render_pages``)
and placed as the printout places them: from the paper's corner at 100 % (``report_printer.paint_pages``),
never fitted to the paper. Qt's ``QPrintPreviewWidget`` lays the sheets out and zooms; Print asks the
window to print (``PrintMixin._print_from_preview``), which prints that same PDF.

On screen each page is first scaled down to the pixels it covers at the view's zoom, averaging every pixel of
the 150 dpi raster (``QImage.scaled``, smooth): drawn whole, the view's own bilinear scaling read only some of
its rows (at the default zoom 1 in 2.3), and a thin stroke between them was lost (the minus of "(-560 ms" on
the median beats page shown as "( 560 ms", while the PDF and the printout had it).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence, QPageLayout
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QGraphicsView, QLabel, QPushButton, QToolBar, QVBoxLayout, QWidget,
)

from app.report_printer import paint_pages, paper_mm
from app.views.focus_ring import FocusRing
from app.views.screen_room import resize_within_screen


def paper_text(printer: QPrinter) -> str:
    """The printer's paper in words: "A4 paper (297 x 210 mm), landscape"."""
    w, h = paper_mm(printer)
    name = printer.pageLayout().pageSize().name()
    return f"{name} paper ({w:.0f} x {h:.0f} mm), landscape"


class PrintPreviewDialog(QDialog):
    """The report's pages on ``printer``'s paper; Print (the button, or Ctrl+P) asks for the printout."""

    printRequested = Signal()       # the window asks for the printer, closes this and prints the previewed PDF

    def __init__(self, printer: QPrinter, pages: list[tuple[QImage, tuple[float, float]]], title: str,
                 note: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.focus_ring = FocusRing(self)         # the focused control outlined, as in the main window
        self.pages = pages
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        printer.setFullPage(True)
        self.printer = printer
        self.view = QPrintPreviewWidget(printer, self)
        self.sheets = self.view.findChild(QGraphicsView)    # the widget's own view: its transform is the zoom
        self._on_screen: list[QImage] = []      # each page's raster as last painted
        self._painted: list[tuple[int, int]] = []       # the screen pixels each page covered then
        # one repaint for a burst of zoom steps, or when a resize by dragging stops
        self._repaint = QTimer(self, singleShot=True, interval=50)
        self._repaint.timeout.connect(self.view.updatePreview)
        self.view.paintRequested.connect(self._paint)
        self.view.setViewMode(QPrintPreviewWidget.ViewMode.SinglePageView)
        self.view.setZoomMode(QPrintPreviewWidget.ZoomMode.FitInView)

        bar = QToolBar(self)

        def act(text, slot, keys=None):
            a = QAction(text, self)
            if keys:
                a.setShortcut(QKeySequence(keys))
            a.triggered.connect(slot)
            bar.addAction(a)
            # a tool bar's button takes no focus: Tab reaches it (Space works it), a click leaves the focus be
            bar.widgetForAction(a).setFocusPolicy(Qt.FocusPolicy.TabFocus)
            return a

        act("Fit &page", lambda: self._zoom(self.view.fitInView))
        act("Fit &width", lambda: self._zoom(self.view.fitToWidth))
        act("Zoom &in", lambda: self._zoom(self.view.zoomIn, 1.25), QKeySequence.StandardKey.ZoomIn)
        act("Zoom &out", lambda: self._zoom(self.view.zoomOut, 1.25), QKeySequence.StandardKey.ZoomOut)
        bar.addSeparator()
        self.prev_action = act("P&revious page", lambda: self.go_to_page(self.view.currentPage() - 1), "PgUp")
        self.next_action = act("&Next page", lambda: self.go_to_page(self.view.currentPage() + 1), "PgDown")
        self.page_label = QLabel()
        bar.addWidget(self.page_label)
        self.view.previewChanged.connect(self._page_shown)      # laid out, zoomed, or scrolled to another page

        self.paper = QLabel(f"{paper_text(printer)}; each page at 100 % (25 mm/s and 10 mm/mV true on paper)"
                            + (f"; {note}" if note else ""))
        self.paper.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_btn = QPushButton("&Print...")
        self.print_btn.setShortcut(QKeySequence(QKeySequence.StandardKey.Print))
        self.print_btn.setDefault(True)
        buttons.addButton(self.print_btn, QDialogButtonBox.ButtonRole.ActionRole)
        self.print_btn.clicked.connect(self.printRequested)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(bar)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.paper)
        lay.addWidget(buttons)
        # Tab in reading order: the tool bar, the pages (PgUp / PgDown there), Close and Print
        self.sheets.setAccessibleName("Report pages")
        self.sheets.setAccessibleDescription("The pages as they will print; PgUp and PgDown turn them")
        chain = [bar.widgetForAction(a) for a in bar.actions() if bar.widgetForAction(a) is not None
                 and bar.widgetForAction(a).focusPolicy() != Qt.FocusPolicy.NoFocus]
        chain += [self.sheets, *buttons.buttons()]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        self.sheets.setFocus()          # first the pages, as before the tool bar took the focus
        # as large as a page at about half its size on paper, within the screen's free area
        resize_within_screen(self, parent, QSize(1100, 900))

    def go_to_page(self, page: int) -> None:
        """Show ``page`` (1-based; kept within the report's pages)."""
        self.view.setCurrentPage(max(1, min(self.view.pageCount(), page)))
        self._page_shown()      # the widget says nothing of a page it was told to show

    def _page_shown(self) -> None:
        page, n = self.view.currentPage(), self.view.pageCount()
        self.page_label.setText(f"  Page {page} of {n}  ")
        self.prev_action.setEnabled(page > 1)
        self.next_action.setEnabled(page < n)
        self._rescaled()

    def _zoom(self, how, *args) -> None:
        how(*args)
        self._rescaled()        # the widget says nothing of a zoom in or out

    def _rescaled(self) -> None:
        """Zoomed, or fitted to a resized window: the pages painted again for their new size on screen."""
        if self._screen_px() != self._painted:
            self._repaint.start()

    def screen_scale(self) -> float:
        """Device pixels on screen per point of the page at the view's zoom."""
        printer_px = self.printer.resolution() / 72.0       # the pages are painted in the printer's pixels
        return self.sheets.transform().m11() * printer_px * self.sheets.viewport().devicePixelRatioF()

    def _screen_px(self) -> list[tuple[int, int]]:
        """The whole screen pixels (width, height) each page covers, none more (drawn 1:1, a raster of
        that size then loses no pixel)."""
        scale = self.screen_scale()
        return [(math.floor(w_pt * scale), math.floor(h_pt * scale)) for _, (w_pt, h_pt) in self.pages]

    def _paint(self, printer: QPrinter) -> None:
        """``paint_pages`` with each raster first averaged down to the screen pixels it covers, then drawn
        pixel for pixel (as it is, and scaled smoothly, when it has fewer: zoomed in past 150 dpi)."""
        sizes = self._screen_px()
        if sizes != self._painted:
            self._on_screen = [image if w >= image.width() else image.scaled(
                w, h, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
                for (image, _), (w, h) in zip(self.pages, sizes)]
            self._painted = sizes
        upscaled = any(shown is image for shown, (image, _) in zip(self._on_screen, self.pages))
        paint_pages(printer, [(shown, size) for shown, (_, size) in zip(self._on_screen, self.pages)],
                    smooth=upscaled)
