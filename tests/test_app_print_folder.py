"""File > Print to a file starts where the last print to a file went, as Export starts where the last report went:
the second print dialog had opened at the home folder with Qt's default name. A print to a printer after it leaves
the next print's file unset (the dialog offers the printer again). On a computer with no printer (the dialog can only
write a file) the first print offers the name Export offers, in the folder Export starts in, for the record on screen:
it had offered "~/ECG report 1.pdf" (Xvfb, LUDB 1) until a print had gone to a file."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QDialog  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from helpers_app import PTBXL_PAIR  # noqa: E402

A, B = PTBXL_PAIR           # 00417_lr, 11125_lr
pytestmark = pytest.mark.skipif(not A.is_file(), reason="bundled sample not present")


class _Dialog:
    """Qt's print dialog with the reader's choice made: the file ``out`` (None: a printer), then Print."""
    out: str | None = None

    def __init__(self, printer, parent=None):
        self.printer = printer

    def setWindowTitle(self, *a):
        pass

    def setOption(self, *a):
        pass

    def setMinMax(self, *a):
        pass

    def exec(self):
        self.printer.setOutputFileName(self.out or "")
        return QDialog.DialogCode.Accepted


class _Printers:
    """``QPrinterInfo`` of a computer with these printers."""
    names: list[str] = []

    @staticmethod
    def availablePrinterNames():    # noqa: N802 (Qt's name)
        return list(_Printers.names)


def test_the_next_print_to_a_file_starts_in_the_last_ones_folder(qtbot, tmp_path, monkeypatch):
    import app.window.printing as printing

    monkeypatch.setattr(printing, "QPrinterInfo", _Printers, raising=False)
    _Printers.names = ["Office"]
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.analysisFinished, timeout=60000):
        window.open_record(A)
    assert window.new_printer().outputFileName() == ""          # never printed to a file: the dialog's own default
    folder = tmp_path / "printed reports"
    folder.mkdir()
    monkeypatch.setattr(printing, "QPrintDialog", _Dialog)
    _Dialog.out = str(folder / "first.pdf")
    assert window._ask_printer(window.new_printer())
    assert Path(window.new_printer().outputFileName()) == folder / "00417_lr_report.pdf"
    _Dialog.out = None                                          # then to a printer
    assert window._ask_printer(window.new_printer())
    assert window.new_printer().outputFileName() == ""


def test_with_no_printer_the_first_print_offers_exports_name_and_folder(qtbot, tmp_path, monkeypatch):
    import app.window.printing as printing

    monkeypatch.setattr(printing, "QPrinterInfo", _Printers, raising=False)
    _Printers.names = []
    reports, printed = tmp_path / "reports", tmp_path / "printed"
    reports.mkdir()
    printed.mkdir()
    window = shown_window(qtbot, size=(1280, 800))
    window.settings.report_folder = str(reports)                # where the last PDF report was exported
    with qtbot.waitSignal(window.analysisFinished, timeout=60000):
        window.open_record(A)
    assert Path(window.new_printer().outputFileName()) == reports / "00417_lr_report.pdf"
    with qtbot.waitSignal(window.analysisFinished, timeout=60000):
        window.open_record(B)
    assert Path(window.new_printer().outputFileName()) == reports / "11125_lr_report.pdf"     # the record on screen
    monkeypatch.setattr(printing, "QPrintDialog", _Dialog)
    _Dialog.out = str(printed / "chosen.pdf")
    assert window._ask_printer(window.new_printer())
    assert Path(window.new_printer().outputFileName()) == printed / "11125_lr_report.pdf"     # the last print's folder
