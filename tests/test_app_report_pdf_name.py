"""File > Export PDF and File > Print (to a file) offer a report's name that tells a.hea and a.xml of one folder
apart ("a_hea_report.pdf", "a_xml_report.pdf", a batch's ``a_hea.pdf`` and ``a_xml.pdf`` with "_report"): both had
been offered "a_report.pdf", so the second export of a folder replaced the first. A record alone of its name keeps
"<record id>_report.pdf".

Truth: the names written here by hand from the files the test puts in its folders."""
from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from mirage_model.review.batch.naming import report_pdf_name

DATA = Path(__file__).parent / "data" / "formats"


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    """both/: muse-sinus.hea (+ .dat) and muse-sinus.xml, one ECG in two formats; alone/: the header's copy only."""
    both, alone = tmp_path / "both", tmp_path / "alone"
    for folder, names in ((both, ("muse-sinus.hea", "muse-sinus.dat", "muse-sinus.xml")),
                          (alone, ("muse-sinus.hea", "muse-sinus.dat"))):
        folder.mkdir()
        for name in names:
            shutil.copy(DATA / name, folder / name)
    return both, alone


def test_a_report_is_named_apart_from_its_records_other_format(tmp_path):
    both, alone = _folders(tmp_path)

    def offered(path, record_id="muse-sinus"):
        return report_pdf_name(SimpleNamespace(path=path, record_id=record_id))

    assert offered(both / "muse-sinus.hea") == "muse-sinus_hea_report.pdf"
    assert offered(both / "muse-sinus.xml") == "muse-sinus_xml_report.pdf"
    assert offered(alone / "muse-sinus.hea") == "muse-sinus_report.pdf"       # the .dat is the header's own
    assert offered(None, "synthetic") == "synthetic_report.pdf"               # read from no file


pytest.importorskip("pytestqt")


def test_export_and_print_offer_the_same_names(qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QDialog, QFileDialog

    from app.dialogs.export import ExportDialog
    from helpers_app import WAIT_MS, shown_window

    both, alone = _folders(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    monkeypatch.setattr(ExportDialog, "exec", lambda dlg: QDialog.DialogCode.Accepted)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, caption, default, filters: (offered.append(Path(default)), ("", ""))[1])
    window = shown_window(qtbot, size=(1280, 800))
    window.settings.report_folder = window.settings.print_folder = str(reports)
    for path, name in ((both / "muse-sinus.hea", "muse-sinus_hea_report.pdf"),
                       (both / "muse-sinus.xml", "muse-sinus_xml_report.pdf"),
                       (alone / "muse-sinus.hea", "muse-sinus_report.pdf")):
        with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
            window.open_record(path)
        window.export_dialog()
        assert offered[-1] == reports / name
        assert Path(window.new_printer().outputFileName()) == reports / name


def test_export_refuses_a_name_typed_without_pdf(qtbot, monkeypatch, tmp_path):
    """A name typed over the one offered, x.txt: File > Export PDF had written the PDF as x.txt (an editor opens it).
    Refused as ``mirage report --out x.txt`` is, in its words, nothing written; x.pdf then is written."""
    from PySide6.QtWidgets import QDialog, QFileDialog

    from app.dialogs.export import ExportDialog
    from helpers_app import WAIT_MS, shown_window

    _, alone = _folders(tmp_path)
    typed = [tmp_path / "x.txt", tmp_path / "x.pdf"]
    monkeypatch.setattr(ExportDialog, "exec", lambda dlg: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(typed.pop(0)), "PDF (*.pdf)"))
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(alone / "muse-sinus.hea")
    with qtbot.waitSignal(window.reportFailed, timeout=WAIT_MS) as failed:
        window.export_dialog()
    why = "the report is a PDF; give a name ending in .pdf, e.g. x.pdf"
    assert failed.args == [str(tmp_path / "x.txt"), why]
    assert window.message_bar.text() == f"Report not written: x.txt: {why}."
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS * 4):
        window.export_dialog()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["x.pdf"]
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
