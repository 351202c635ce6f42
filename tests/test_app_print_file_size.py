"""Print to File (Qt's PDF printer, at its HighResolution 1200 dpi) wrote each page as a lossless picture
at 1200 dpi: 28-30 MB for the five pages of a report (walked at 1280x800, session 45). A printout to a
file is a picture of the page at FILE_DPI now, 25 mm/s and 10 mm/mV as true as at any resolution (the
vector report is File > Export PDF report's).

Truth: the picture's size and dots per inch as poppler's ``pdfimages -list`` reads them from the file
(not the PDFium that printed it), A4 landscape worked out by hand (297 x 210 mm at 300 dpi)."""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("pypdfium2")

from PySide6.QtGui import QPageLayout, QPageSize  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
WAIT_MS = 60000


@pytest.mark.skipif(not A.is_file() or shutil.which("pdfimages") is None,
                    reason="bundled sample or poppler's pdfimages absent")
def test_a_page_printed_to_a_file_is_a_300_dpi_picture_not_1200(qtbot, tmp_path):
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(A)
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)       # as File > Print makes it (new_printer)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)      # the dialog's "Print to File (PDF)"
    printer.setOutputFileName(str(out))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    printer.setFromTo(1, 1)                                       # the ECG sheet alone: a small case
    assert printer.resolution() == 1200
    got = []
    w = window.print_report(printer)
    assert w is not None, window.message_bar.text()
    w.signals.result.connect(got.append)
    qtbot.waitUntil(lambda: window.print_worker is None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert got, window.message_bar.text()
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    # page width height type colour comp bpc enc interp object id x-ppi y-ppi size ratio
    width, height = max(int(r[3]) for r in rows), sum(int(r[4]) for r in rows)     # strips, one under another
    assert {r[0] for r in rows} == {"1"} and {int(r[3]) for r in rows} == {width}
    assert width == math.ceil(297 / 25.4 * 300) and height == math.ceil(210 / 25.4 * 300), listing
    assert {(r[12], r[13]) for r in rows} == {("300", "300")}, listing
    assert "jpeg" not in {r[8] for r in rows}                     # still lossless: no ringing grid lines
    assert out.stat().st_size < 2_000_000, out.stat().st_size     # at 1200 dpi this page was 10.9 MB
