"""File > Print to a file starts where the last print to a file went, as Export starts where the last report went:
the second print dialog had opened at the home folder with Qt's default name. A print to a printer after it leaves
the next print's file unset (the dialog offers the printer again)."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QDialog  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
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


def test_the_next_print_to_a_file_starts_in_the_last_ones_folder(qtbot, tmp_path, monkeypatch):
    import app.window.printing as printing

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
