"""The PDF report on a printer at true scale: each page of the PDF that ``review.report.build_report``
wrote is rasterised by PDFium (``pypdfium2``) at the printer's own resolution and painted at 100 % of
its physical size, never fitted to the paper, so 25 mm/s and 10 mm/mV stay true on paper.

One renderer: the printout is the exported PDF, page for page, and File > Print preview shows the same
pages rasterised by the same PDFium (``render_pages``), placed on the paper as the printout places them.
Qt's own PDF module (QtPdf) is in PySide6-Addons, which the project does not install; pypdfium2 is a 3 MB
wheel. Painting on a
``QPrinter`` from a worker thread is allowed (QPainter on QPrinter, QImage and QPicture).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrinter

from mirage_model.review.report.layout import PAGE_SIZES_MM

STRIP_PX = 512                  # rows rasterised at a time: an A4 page at 1200 dpi whole is 500 MB of RGB
PAPER_TOLERANCE_MM = 1.0        # a paper this close to A4 or Letter is that paper
# Print to File (Qt's PDF printer): HighResolution is 1200 dpi, and its pages, lossless pictures at that
# resolution, came to 28-30 MB for a report's five; 300 dpi is a printer's own (1 mm: 11.8 px)
FILE_DPI = 300
PREVIEW_DPI = 150               # the print preview's pages: sharp at twice a screen's size, 7 MB of RGB an A4 page

# PDFium is not thread-safe: a print and a preview being made at once take their turns
_PDFIUM_LOCK = threading.Lock()


class PrintError(Exception):
    """The printer cannot print (not valid, refused to start, reported an error): a user-facing message."""


@dataclass(frozen=True)
class PaperChoice:
    """Which page size the report is built in for a printer's paper, or why it is not printed."""
    page_size: str | None        # "A4" or "Letter" (a ReportSettings.page_size); None: not printable
    note: str                    # what the user is told ("" when the paper is the report's setting)


def paper_mm(printer: QPrinter) -> tuple[float, float]:
    """The printer's whole sheet in mm, landscape (width >= height)."""
    rect = printer.pageLayout().fullRect(QPageLayout.Unit.Millimeter)
    w, h = float(rect.width()), float(rect.height())
    return max(w, h), min(w, h)


def choose_page_size(printer: QPrinter, setting: str) -> PaperChoice:
    """The report's page size for ``printer``'s paper (landscape, 100 %).

    A4 or Letter paper gets the report built in that size (both keep the sheet at true scale, while
    an A4 page on Letter paper at 100 % loses 17.6 mm of its width and a Letter page on A4 6 mm of
    its height); any other paper that holds the ``setting``'s page takes it as it is; a smaller
    paper is refused, never shrunk (25 mm/s and 10 mm/mV would be untrue)."""
    w, h = paper_mm(printer)
    for name, (pw, ph) in PAGE_SIZES_MM.items():
        if abs(w - pw) <= PAPER_TOLERANCE_MM and abs(h - ph) <= PAPER_TOLERANCE_MM:
            size = "A4" if name == "A4" else "Letter"
            note = "" if size.upper() == setting.upper() else \
                f"printed on {size} paper, the printer's (the report's page size setting is {setting})"
            return PaperChoice(size, note)
    pw, ph = PAGE_SIZES_MM[setting.upper()]
    if w + PAPER_TOLERANCE_MM >= pw and h + PAPER_TOLERANCE_MM >= ph:
        return PaperChoice(setting, f"the {setting} page printed at 100 % on the printer's larger paper "
                                    f"({w:.0f} x {h:.0f} mm)")
    return PaperChoice(None, f"the printer's paper ({w:.0f} x {h:.0f} mm) is smaller than the report's {setting} "
                             f"page ({pw:.0f} x {ph:.0f} mm), and printing it smaller would make 25 mm/s and "
                             "10 mm/mV untrue; choose A4 or Letter paper in the print dialog")


def print_pdf(printer: QPrinter, pdf: str | Path | bytes, check: Callable[[], None] | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[tuple[int, int]]:
    """Paint the pages of ``pdf`` (a file, or its bytes) on ``printer``, each at 100 % from the paper's corner.

    Honours the printer's page range (``fromPage``/``toPage``, 1-based, 0: all) and makes the
    copies itself where the printer cannot. A printer that writes a PDF file (Print to File) is set to
    FILE_DPI at most.
    ``check`` is called between strips and raises to stop
    (the job is then aborted: nothing more reaches the printer); ``progress(done, total)`` after
    each page.

    Returns:
        (width, height) in device pixels of each page painted: the page's points times the
        printer's resolution / 72.

    Raises:
        PrintError: the printer is not valid, does not start, or reports an error at the end.
    """
    import pypdfium2 as pdfium        # here: only a print needs it

    if not printer.isValid():
        raise PrintError(f"the printer '{printer.printerName()}' is not available")
    printer.setFullPage(True)         # (0, 0) is the paper's corner, as it is the PDF page's
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.resolution() > FILE_DPI:
        printer.setResolution(FILE_DPI)
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            return _print_doc(printer, doc, check, progress)
        finally:
            doc.close()


def _print_doc(printer: QPrinter, doc, check, progress) -> list[tuple[int, int]]:
    """``print_pdf``'s pages painted, the document open (and PDFium held)."""
    n = len(doc)
    first = max(1, printer.fromPage() or 1)
    last = min(n, printer.toPage() or n)
    pages = list(range(first - 1, last))
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    order = pages * copies
    if not order:
        raise PrintError(f"no page to print: the report has {n} pages, pages {first}-{last} were asked for")
    dpi = printer.resolution()
    scale = dpi / 72.0            # device pixels per PDF point
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(f"the printer '{printer.printerName() or printer.outputFileName()}' could not be "
                         "started")
    # Qt sends a print job as PDF and would store each strip as a JPEG: blurred, ringing grid lines
    painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering)
    sizes = []
    try:
        for k, index in enumerate(order):
            if k:
                printer.newPage()
            sizes.append(_paint_page(painter, doc[index], scale, check))
            if progress is not None:
                progress(k + 1, len(order))
    except BaseException:
        printer.abort()
        raise
    finally:
        painter.end()
    if printer.printerState() == QPrinter.PrinterState.Error:
        raise PrintError(f"the printer '{printer.printerName() or printer.outputFileName()}' reported an error")
    return sizes


def _paint_page(painter: QPainter, page, scale: float, check) -> tuple[int, int]:
    """One page rasterised at ``scale`` in strips of ``STRIP_PX`` rows, each painted unscaled where
    it belongs. PDFium places the whole page alike for every strip (its crop is counted in whole
    pixels from the full page's size), so the strips meet without a seam."""
    import math

    width = math.ceil(page.get_width() * scale)
    height = math.ceil(page.get_height() * scale)
    for y0 in range(0, height, STRIP_PX):
        if check is not None:
            check()
        y1 = min(height, y0 + STRIP_PX)
        # crop in points, each just under a whole pixel count: render() rounds it up to y0 and height - y1
        top = max(0.0, (y0 - 0.5) / scale)
        bottom = max(0.0, (height - y1 - 0.5) / scale)
        bitmap = page.render(scale=scale, crop=(0, bottom, 0, top), rev_byteorder=True)   # RGB
        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB888)
        if image.width() != width or image.height() != y1 - y0:     # never paint a strip at another scale
            raise RuntimeError(f"page strip rendered {image.width()} x {image.height()} px, not {width} x {y1 - y0}")
        painter.drawImage(QPoint(0, y0), image)
        bitmap.close()
    return width, height


def render_pages(pdf: str | Path | bytes, dpi: float = PREVIEW_DPI,
                 check: Callable[[], None] | None = None) -> list[tuple[QImage, tuple[float, float]]]:
    """Every page of ``pdf`` rasterised whole by PDFium at ``dpi`` (the print preview's pages; a
    printout paints the same pages in strips at the printer's resolution, ``print_pdf``).

    Returns:
        (image, (width, height) of the page in points) per page; the image is RGB, each side the
        page's points times ``dpi`` / 72, rounded up.
    """
    import pypdfium2 as pdfium

    out = []
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            for page in doc:
                if check is not None:
                    check()
                bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True)     # RGB
                image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                               QImage.Format.Format_RGB888).copy()        # its own pixels: the bitmap is freed
                out.append((image, (float(page.get_width()), float(page.get_height()))))
                bitmap.close()
                page.close()
        finally:
            doc.close()
    return out


def paint_pages(printer: QPrinter, pages: list[tuple[QImage, tuple[float, float]]], smooth: bool = True) -> None:
    """Paint ``render_pages``' pages on ``printer`` (the print preview's), each from the paper's corner at
    100 %, the size ``print_pdf`` paints it: its points times the printer's resolution / 72. ``smooth``
    False: the images are already as large as they are shown, and are drawn pixel for pixel (a bilinear
    filter at 1:1 blurs thin text by its fraction of a pixel)."""
    from PySide6.QtCore import QRectF

    printer.setFullPage(True)
    scale = printer.resolution() / 72.0
    painter = QPainter()
    if not painter.begin(printer):
        return
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
    try:
        for k, (image, (w_pt, h_pt)) in enumerate(pages):
            if k:
                printer.newPage()
            painter.drawImage(QRectF(0, 0, w_pt * scale, h_pt * scale), image)
    finally:
        painter.end()
