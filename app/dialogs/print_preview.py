"""File > Print preview: the report's pages on the printer's paper, as File > Print paints them.

The pages are the PDF that Print paints, rasterised by the same PDFium (``report_printer.render_pages``)
and placed as the printout places them: from the paper's corner at 100 % (``report_printer.paint_pages``),
never fitted to the paper. Qt's ``QPrintPreviewWidget`` lays the sheets out and zooms; Print asks the
window to print (``PrintMixin._print_from_preview``), which prints that same PDF.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence, QPageLayout
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QToolBar, QVBoxLayout, QWidget

from app.report_printer import paint_pages, paper_mm
from app.views.focus_ring import FocusRing


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
        self.view = QPrintPreviewWidget(printer, self)
        self.view.paintRequested.connect(lambda p: paint_pages(p, self.pages))
        self.view.setViewMode(QPrintPreviewWidget.ViewMode.SinglePageView)
        self.view.setZoomMode(QPrintPreviewWidget.ZoomMode.FitInView)

        bar = QToolBar(self)

        def act(text, slot, keys=None):
            a = QAction(text, self)
            if keys:
                a.setShortcut(QKeySequence(keys))
            a.triggered.connect(slot)
            bar.addAction(a)
            return a

        act("Fit &page", self.view.fitInView)
        act("Fit &width", self.view.fitToWidth)
        act("Zoom &in", lambda: self.view.zoomIn(1.25), QKeySequence.StandardKey.ZoomIn)
        act("Zoom &out", lambda: self.view.zoomOut(1.25), QKeySequence.StandardKey.ZoomOut)
        bar.addSeparator()
        act("P&revious page", lambda: self.go_to_page(self.view.currentPage() - 1), "PgUp")
        act("&Next page", lambda: self.go_to_page(self.view.currentPage() + 1), "PgDown")
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
        # as large as a page at about half its size on paper, within the screen's free area
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        want = QSize(1100, 900)
        self.resize(want.boundedTo(screen.availableGeometry().size() * 0.9) if screen is not None else want)

    def go_to_page(self, page: int) -> None:
        """Show ``page`` (1-based; kept within the report's pages)."""
        self.view.setCurrentPage(max(1, min(self.view.pageCount(), page)))
        self._page_shown()      # the widget says nothing of a page it was told to show

    def _page_shown(self) -> None:
        self.page_label.setText(f"  Page {self.view.currentPage()} of {self.view.pageCount()}  ")
