"""Export PDF report starts in the reviewer's reports folder: the folder the last report was saved in (kept
in the settings), else the documents folder; it started in the record's own data folder, the reports put
among the recordings (walked at 1280x800, session 45, LUDB 1 open).

Truth: the folders the test makes (the record's copy in data/, the reports/ chosen in the save dialog)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QStandardPaths  # noqa: E402
from PySide6.QtWidgets import QDialog, QFileDialog  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

LUDB_1 = resources_dir() / "samples" / "ludb" / "1.hea"


@pytest.mark.skipif(not LUDB_1.is_file(), reason="bundled LUDB sample absent")
def test_the_pdf_report_starts_in_the_reports_folder_not_the_records(qtbot, monkeypatch, tmp_path):
    import app.window.export as export
    from app.dialogs.export import ExportDialog
    from app.settings import Settings

    data, documents, reports = tmp_path / "data", tmp_path / "Documents", tmp_path / "reports"
    for folder in (data, documents, reports):
        folder.mkdir()
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB_1.with_suffix(suffix), data)

    class Paths:        # the documents folder of this test's user
        StandardLocation = QStandardPaths.StandardLocation

        @staticmethod
        def writableLocation(location):
            assert location == Paths.StandardLocation.DocumentsLocation
            return str(documents)

    monkeypatch.setattr(export, "QStandardPaths", Paths, raising=False)
    monkeypatch.setattr(ExportDialog, "exec", lambda dlg: QDialog.DialogCode.Accepted)
    offered, chosen, written = [], [], []

    def save_as(parent, caption, default, filters):
        offered.append(Path(default))
        return (str(chosen[-1]), filters) if chosen else ("", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window = shown_window(qtbot, size=(1280, 800))
    monkeypatch.setattr(window, "export_pdf", lambda path, **kw: written.append(Path(path)))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(data / "1.hea")
    assert Path(window.settings.last_folder) == data         # the record's folder, for File > Open

    window.export_dialog()                                   # no report saved yet: the documents folder
    assert offered[-1] == documents / "1_report.pdf" and not written
    chosen.append(reports / "1_report.pdf")
    window.export_dialog()                                   # the reviewer picks reports/
    assert written == [reports / "1_report.pdf"]
    window.export_dialog()                                   # and the next report starts there
    assert offered[-1] == reports / "1_report.pdf"
    assert Path(Settings().report_folder) == reports          # kept in the settings for the next session
    shutil.rmtree(reports)                                   # gone since: the documents folder again
    chosen.clear()
    window.export_dialog()
    assert offered[-1] == documents / "1_report.pdf"
