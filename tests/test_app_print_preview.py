"""File > Print preview: the pages File > Print paints, on the printer's paper (pytest-qt, offscreen).

The page count is checked against the PDF that Export writes (read by pypdf), the sheet's shape in the
preview against the paper's size (297 x 210 mm A4, 279.4 x 215.9 mm Letter), and the preview's Print
against Ctrl+P's printout (both printed to PDF files, rasterised by PDFium and compared).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("pypdfium2")

from PySide6.QtGui import QAction, QPageSize  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_app_print import (A, WAIT_MS, FakePrintDialog, hold_measuring, pdf_printer, print_and_wait,  # noqa: E402
                            window_with)

pytestmark = pytest.mark.skipif(not A.is_file(), reason="bundled samples not present")


def open_preview(qtbot, window):
    """File > Print preview to its dialog on screen, its pages laid out."""
    window.preview_action.trigger()
    qtbot.waitUntil(lambda: window.preview_dialog is not None, timeout=WAIT_MS)
    dlg = window.preview_dialog
    qtbot.waitUntil(lambda: dlg.view.pageCount() > 0, timeout=WAIT_MS)
    qtbot.wait(100)
    return dlg


def first_sheet_shape(dlg) -> float:
    """Width / height of the first sheet as the preview draws it (fitted in view): the bounding box of
    the first run of rows that hold white paper, and of the white columns within it."""
    img = dlg.view.grab().toImage()
    rgb = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    rgb = rgb[:, :4 * img.width()].reshape(img.height(), img.width(), 4)[..., :3].astype(int)
    white = (rgb >= 250).all(2)
    white[:, -20:] = False                  # the scroll bar
    rows = np.flatnonzero(white.sum(1) > 20)
    run_end = rows[np.flatnonzero(np.diff(rows) > 1)[0]] if (np.diff(rows) > 1).any() else rows[-1]
    cols = np.flatnonzero(white[rows[0]:run_end + 1].any(0))
    return (cols[-1] - cols[0] + 1) / (run_end - rows[0] + 1)


# the A4 case is slow (about 10 s, the first print's imports); the Letter case, the one a preview that
# ignored the printer's paper would fail, runs by default
@pytest.mark.parametrize("paper,mm", [pytest.param(QPageSize.PageSizeId.A4, (297.0, 210.0), marks=pytest.mark.slow),
                                      (QPageSize.PageSizeId.Letter, (279.4, 215.9))])
def test_the_preview_shows_the_pdfs_pages_on_the_printers_paper(qtbot, tmp_path, monkeypatch, paper, mm):
    """As many pages as the PDF report of that paper's size, each sheet the printer's paper: A4 or
    Letter (the report built in Letter for Letter paper, as a print is, its A4 setting kept)."""
    pypdf = pytest.importorskip("pypdf")
    window = window_with(qtbot)
    monkeypatch.setattr(window, "new_printer", lambda: pdf_printer(tmp_path / "unused.pdf", paper))
    dlg = open_preview(qtbot, window)
    said = window.status_label.text()
    name = "A4" if paper == QPageSize.PageSizeId.A4 else "Letter"
    window.settings.page_size = name           # the export of the same size, for its page count
    exported = tmp_path / "exported.pdf"
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(exported)
    n = len(pypdf.PdfReader(str(exported)).pages)
    assert n >= 3 and dlg.view.pageCount() == n
    assert dlg.page_label.text().strip() == f"Page 1 of {n}"
    paper_said = dlg.paper.text()           # Qt's name of Letter is "Letter / ANSI A"
    assert paper_said.startswith(name) and f" paper ({mm[0]:.0f} x {mm[1]:.0f} mm), landscape" in paper_said
    assert first_sheet_shape(dlg) == pytest.approx(mm[0] / mm[1], rel=0.012)    # A4 1.414, Letter 1.294
    assert said.startswith(f"Print preview of record 00417_lr: {n} pages at 100 %"), said
    next_page = next(a for a in dlg.findChildren(QAction) if a.text() == "&Next page")
    next_page.trigger()
    qtbot.wait(50)
    assert dlg.view.currentPage() == 2 and dlg.page_label.text().strip() == f"Page 2 of {n}"
    assert not (tmp_path / "unused.pdf").exists()          # a preview sends nothing to the printer


def rasters(pdf, dpi=50) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    out = [np.asarray(page.render(scale=dpi / 72).to_pil().convert("L")).astype(int) for page in doc]
    doc.close()
    return out


def test_print_from_the_preview_is_what_ctrl_p_prints(qtbot, tmp_path, monkeypatch):
    from app.window import printing

    window = window_with(qtbot)
    by_ctrl_p, by_preview = tmp_path / "ctrl_p.pdf", tmp_path / "preview.pdf"
    printer = pdf_printer(by_ctrl_p)
    printer.setResolution(100)
    assert print_and_wait(qtbot, window, printer) is not None
    printer = pdf_printer(by_preview)
    printer.setResolution(100)
    monkeypatch.setattr(window, "new_printer", lambda: printer)
    monkeypatch.setattr(printing, "QPrintDialog", FakePrintDialog)
    FakePrintDialog.shown = []
    dlg = open_preview(qtbot, window)
    dlg.print_btn.click()
    assert FakePrintDialog.shown == [printer] and not dlg.isVisible()
    qtbot.waitUntil(lambda: window.print_worker is None and by_preview.is_file(), timeout=WAIT_MS)
    qtbot.wait(50)
    assert window.status_label.text().startswith("Printed the report of record 00417_lr")
    a, b = rasters(by_ctrl_p), rasters(by_preview)
    assert len(a) == len(b) == dlg.view.pageCount()
    for pa, pb in zip(a, b):
        assert pa.shape == pb.shape
        # the same pages: at most the report's "generated" minute differs (a few dozen pixels of text)
        assert (np.abs(pa - pb) > 64).mean() < 2e-4


def test_a_preview_asked_for_during_the_analysis_opens_when_it_is_done(qtbot, monkeypatch):
    gate = hold_measuring(monkeypatch)
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    assert window.print_preview() is True
    assert window.status_label.text().startswith("The print preview of record 00417_lr opens when the analysis "
                                                 "is done (waiting for: ")
    qtbot.wait(300)
    assert window.preview_dialog is None and window.preview_worker is None
    gate.set()
    qtbot.waitUntil(lambda: window.preview_dialog is not None, timeout=WAIT_MS)
    assert window.preview_dialog.isVisible() and window.session.pending() == []


def test_ctrl_f2_is_file_print_preview(qtbot):
    """Ctrl+F2 (Word's and Excel's print preview; Ctrl+Shift+P compares with a prior ECG): on that command
    alone, listed in Help > Keyboard shortcuts, and pressed, the preview of the record on screen is made."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence

    from app.dialogs.shortcuts import menu_shortcuts

    window = shown_window(qtbot, size=(1280, 800))
    keys = QKeySequence("Ctrl+F2")
    assert ("File", "Print preview", keys.toString(QKeySequence.SequenceFormat.NativeText)) in \
        menu_shortcuts(window.menuBar())
    assert [a.text() for a in window.findChildren(QAction) if keys in a.shortcuts()] == ["Print pre&view..."]
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F2, Qt.KeyboardModifier.ControlModifier)
    said = window.status_label.text()
    assert said.startswith(("The print preview of record 00417_lr opens when the analysis is done",
                            "Making the print preview of record 00417_lr")), said


def blank_preview(qtbot):
    """A print preview of three blank A4 landscape pages, shown: (the dialog, its printer; the caller keeps the
    printer, which Qt's preview widget holds by a plain pointer)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    from PySide6.QtPrintSupport import QPrinter

    from app.dialogs.print_preview import PrintPreviewDialog

    page = QImage(1754, 1240, QImage.Format.Format_RGB888)      # A4 at 150 dpi
    page.fill(Qt.GlobalColor.white)
    printer = QPrinter()
    dlg = PrintPreviewDialog(printer, [(page, (842.0, 595.0))] * 3, "Print preview")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.view.pageCount() == 3)
    return dlg, printer


def test_previous_and_next_page_are_greyed_out_at_the_first_and_last_page(qtbot):
    from PySide6.QtCore import Qt

    dlg, printer = blank_preview(qtbot)
    previous, next_ = (next(a for a in dlg.findChildren(QAction) if a.text() == t) for t in ("P&revious page",
                                                                                              "&Next page"))

    def shown():
        return dlg.view.currentPage(), previous.isEnabled(), next_.isEnabled()

    assert shown() == (1, False, True)
    next_.trigger()
    assert shown() == (2, True, True)
    next_.trigger()
    assert shown() == (3, True, False)
    qtbot.keyClick(dlg.view, Qt.Key.Key_PageDown)          # the last page stays
    assert shown() == (3, True, False) and dlg.page_label.text().strip() == "Page 3 of 3"
    previous.trigger()
    previous.trigger()
    assert shown() == (1, False, True)
