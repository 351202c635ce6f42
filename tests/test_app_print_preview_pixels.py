"""File > Print preview on screen: every character of the PDF legible at the default zoom (pytest-qt, offscreen).

A page of minus signs in the report's font and sizes ("(-560 ms", "-56 deg", as the median beats page and the
axes print them), at 40 places so that they fall at every fraction of a screen pixel, is shown in the preview
dialog at the size a 1280x800 screen gives it (1152 x 720, a sheet about 770 px wide), and so is the same page
without the minus signs. What the preview drew of each minus (one grab less the other) is compared with the
truth: the PDF rasterised by PDFium at 4 times that scale and averaged down by 4 x 4 pixels. A preview that
scaled its 150 dpi pages with the view's bilinear filter read one row in 2.3 and lost thin strokes between them.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pdfium = pytest.importorskip("pypdfium2")

from PySide6.QtGui import QImage, QPageLayout, QPageSize  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture

W_PT, H_PT = 842.0, 595.0           # A4 landscape
TEXTS = ("(-560 ms", "-56 deg")     # the minus after a bracket, and starting a value


def minus_page(minus: bool) -> tuple[bytes, list[tuple[float, float, float, float]]]:
    """A PDF page of ``TEXTS`` at 40 places, 7 and 8 pt (with ``minus`` False the minus signs are left
    out, the rest of each text where it was); and the box of each minus: (x, y from the page's top,
    advance width, font size) in points."""
    from reportlab.pdfgen import canvas
    from mirage_model.review.report.text import FONT, register_fonts

    register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(W_PT, H_PT))
    boxes = []
    for k in range(40):
        size = 8.0 if k < 20 else 7.0               # the notes' size, and the smallest the report prints
        x = 60 + (k % 4) * 180 + k * 0.23           # steps of a quarter pixel and less, across and down
        y = H_PT - 60 - (k // 4) * 11.37
        text = TEXTS[k % 2]
        before, after = text.split("-")
        c.setFont(FONT, size)
        c.drawString(x, y, before)
        xm = x + c.stringWidth(before, FONT, size)
        if minus:
            c.drawString(xm, y, "-")
        c.drawString(xm + c.stringWidth("-", FONT, size), y, after)
        boxes.append((xm, H_PT - y, c.stringWidth("-", FONT, size), size))
    c.showPage()
    c.save()
    return buf.getvalue(), boxes


def preview_grab(qtbot, pdf: bytes) -> np.ndarray:
    """The preview dialog's sheet view of ``pdf`` at 1152 x 720 (grey levels, 255 white)."""
    from app.dialogs.print_preview import PrintPreviewDialog
    from app.report_printer import render_pages

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    dlg = PrintPreviewDialog(printer, render_pages(pdf), "Print preview")
    qtbot.addWidget(dlg)
    dlg.resize(1152, 720)
    dlg.show()
    qtbot.waitExposed(dlg)

    def grab() -> np.ndarray:
        img = dlg.view.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width()]

    shown = grab().copy()
    for _ in range(20):         # laid out, fitted, and painted for that size: two grabs alike
        qtbot.wait(100)
        again = grab().copy()
        if np.array_equal(again, shown):
            break
        shown = again
    dlg.close()
    return shown


def sheet(grey: np.ndarray) -> tuple[int, int, float]:
    """(left, top, pixels per point) of the white sheet in a grab."""
    white = grey >= 250
    rows, cols = np.flatnonzero(white.sum(1) > 200), np.flatnonzero(white.sum(0) > 200)
    return int(cols[0]), int(rows[0]), (cols[-1] - cols[0] + 1) / W_PT


def reference(pdf: bytes, scale: float) -> np.ndarray:
    """``pdf``'s page by PDFium at 4 x ``scale`` pixels per point, averaged down by 4 x 4 (grey levels)."""
    doc = pdfium.PdfDocument(pdf)
    big = np.asarray(doc[0].render(scale=4 * scale, grayscale=True).to_pil().convert("L"), float)
    doc.close()
    h, w = big.shape[0] // 4 * 4, big.shape[1] // 4 * 4
    return big[:h, :w].reshape(h // 4, 4, w // 4, 4).mean((1, 3))


def minus_ink(with_: np.ndarray, without: np.ndarray, left: int, top: int, scale: float, box) -> tuple[float, float]:
    """(ink summed, darkest pixel) that the minus in ``box`` adds, within an em around it (grey levels)."""
    x, y, w, size = box
    c0, c1 = int(left + (x - size) * scale), int(left + (x + w + size) * scale) + 1
    r0, r1 = int(top + (y - size) * scale), int(top + (y + 0.3 * size) * scale) + 1
    ink = np.clip(without[r0:r1, c0:c1].astype(float) - with_[r0:r1, c0:c1], 0, None)
    return float(ink.sum()), float(ink.max())


def test_every_minus_sign_shows_at_the_default_zoom(qtbot):
    pdf, boxes = minus_page(True)
    pdf0, boxes0 = minus_page(False)
    assert boxes == boxes0
    shown, shown0 = preview_grab(qtbot, pdf), preview_grab(qtbot, pdf0)
    left, top, scale = sheet(shown)
    assert sheet(shown0) == (left, top, scale)
    assert 0.85 < scale < 1.0, scale            # the sheet about 770 px wide: the default zoom at 1280x800
    truth, truth0 = reference(pdf, scale), reference(pdf0, scale)
    # the text dark, not blurred: drawn smoothly at 1:1, a raster already at the screen's size was smeared over
    # its fraction of a pixel (0.25 of the truth's pixels darker than 96 grey levels, here 0.6)
    h, w = truth.shape
    dark_px, dark_px_truth = (shown[top:top + h, left:left + w] < 96).sum(), (truth < 96).sum()
    assert dark_px > 0.4 * dark_px_truth, (dark_px, dark_px_truth)
    for k, box in enumerate(boxes):
        ink, dark = minus_ink(shown, shown0, left, top, scale, box)
        ink_truth, dark_truth = minus_ink(truth, truth0, 0, 0, scale, box)
        assert ink_truth > 150 and dark_truth > 50, (k, ink_truth, dark_truth)      # the truth has one
        # the minus's ink, neither lost nor thickened (its sum is the same at any fraction of a pixel, where
        # its darkest pixel is not: a stroke 0.6 px thick falls on one row or on two), and a stroke that shows
        assert 0.8 * ink_truth < ink < 1.25 * ink_truth and dark > 0.4 * dark_truth, \
            (k, TEXTS[k % 2], box[3], ink, ink_truth, dark, dark_truth)
