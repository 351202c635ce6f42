"""Ctrl+P pressed again while a report is printing is refused in the message bar ("A report is being printed: wait
for it, or press Esc to cancel it."); once that print is done the bar no longer says so. A tester printing CinC 2020
record Q0048 twice in a row found the red "being printed" line still up after the status bar had said "Printed the
report of record Q0048: 5 pages at 100 %", and through the next print. A message of another kind stays (pytest-qt,
offscreen; the printer is Qt's own PDF printer)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QPageLayout, QPageSize  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
pytestmark = pytest.mark.skipif(not A.is_file(), reason="bundled sample not present")
WAIT_MS = 60000


def _printer(out) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(100)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    return printer


def test_the_wait_message_goes_when_the_print_is_done(qtbot, tmp_path):
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(A)
    assert window.print_report(_printer(tmp_path / "1.pdf")) is not None
    window.print_dialog()               # Ctrl+P again while it prints: refused before any dialog
    bar = window.message_bar
    assert not bar.isHidden() and bar.text().startswith("A report is being printed"), bar.text()
    qtbot.waitUntil(lambda: window.print_worker is None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert (tmp_path / "1.pdf").is_file()
    assert bar.isHidden(), f"still up after the print: {bar.text()!r}"
    assert window.status_label.text().startswith("Printed the report of record 00417_lr")
    # another message said while a print runs is not the print's to take away
    assert window.print_report(_printer(tmp_path / "2.pdf")) is not None
    window.show_message("00417_lr: something else to read")
    qtbot.waitUntil(lambda: window.print_worker is None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert not bar.isHidden() and bar.text() == "00417_lr: something else to read"
