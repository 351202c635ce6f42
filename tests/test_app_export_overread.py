"""One reviewer, one comment: File > Export PDF report shows the record's over-read read-only and asks for no
reviewer or comment of its own.

Before: the dialog asked for a "Reviewer", prefilled with the name remembered from the last Sign... (whoever signed
another record), and a "Comment", printed on page 3 beside the over-read's signature and comment; a reviewer found a
PDF signed by A that said "Reviewer: B". The remembered name reached Print and Print preview the same way. PTB-XL
00417_lr (bundled), no model: the interpretation's statements come from the measurement rules.
"""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QDialog, QFileDialog, QLineEdit, QPlainTextEdit, QTextEdit, QWidget  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from helpers_pdf import pdftotext_page  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.review.interpret import session_interpretation  # noqa: E402

PTBXL = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
pytestmark = pytest.mark.skipif(not PTBXL.is_file(), reason="bundled sample not present")
REMEMBERED = "Dr B Remembered"          # the name Sign... remembers: who signed the last record, not this one




def _export(qtbot, monkeypatch, tmp_path, sign: bool):
    """The record opened and analysed, its over-read commented (and signed by Dr A Signer with ``sign``), then
    File > Export PDF report accepted as it opens; returns (the dialog, the written PDF, the window)."""
    from app.dialogs.export import ExportDialog

    window = shown_window(qtbot)
    window.settings.reviewer = REMEMBERED
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(PTBXL)
    ov = window.session.overread
    ov.set_comment("No change since 2025.")
    if sign:
        ov.sign(session_interpretation(window.session), "Dr A Signer",
                now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    seen = []

    def accept(dlg):
        seen.append(dlg)
        return QDialog.DialogCode.Accepted

    pdf = tmp_path / "r.pdf"
    monkeypatch.setattr(ExportDialog, "exec", accept)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), "PDF (*.pdf)"))
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_dialog()
    assert len(seen) == 1
    return seen[0], pdf, window


def _fields(dlg) -> list[str]:
    """The names of the dialog's text fields, in the order they were made."""
    return [w.accessibleName() for w in dlg.findChildren(QWidget) if isinstance(w, (QLineEdit, QPlainTextEdit,
                                                                                    QTextEdit))]


def test_a_signed_over_read_is_the_reports_one_reviewer_and_comment(qtbot, monkeypatch, tmp_path):
    dlg, pdf, window = _export(qtbot, monkeypatch, tmp_path, sign=True)
    assert _fields(dlg) == ["Patient name", "Patient ID"]               # no reviewer, no comment of its own
    shown = " ".join(dlg.overread.text().split())
    assert "Over-read by Dr A Signer, 2026-12-06 07:10 UTC" in shown and "No change since 2025." in shown
    page1, page3 = pdftotext_page(pdf, 1), pdftotext_page(pdf, 3)
    assert "Over-read by Dr A Signer, 2026-12-06 07:10 UTC" in page1
    # page 3 names the reviewer once, and prints the comment once
    assert page3.count("Over-read by") == 1 and "Over-read by Dr A Signer, 2026-12-06 07:10 UTC" in page3
    assert "Reviewer:" not in page3 and REMEMBERED not in page3, page3
    assert page3.count("No change since 2025.") == 1 and "Comment:" not in page3
    assert window.settings.reviewer == REMEMBERED               # Sign... alone keeps the remembered name


def test_an_unsigned_report_names_no_reviewer(qtbot, monkeypatch, tmp_path):
    """The remembered name had been printed as this report's reviewer though no one signed it."""
    dlg, pdf, window = _export(qtbot, monkeypatch, tmp_path, sign=False)
    assert _fields(dlg) == ["Patient name", "Patient ID"]
    assert "Not over-read: machine statements unconfirmed" in dlg.overread.text()
    page3 = pdftotext_page(pdf, 3)
    assert REMEMBERED not in page3 and "Over-read by" not in page3
    assert "Reviewer: ____" in page3                                # the line to sign on paper, blank
    assert page3.count("No change since 2025.") == 1 and "Comment:" not in page3
    # Print and Print preview build the same report: no remembered name either
    assert window._report_args(SimpleNamespace(page_size="A4"))["settings"].reviewer == ""


def test_the_patient_fields_show_their_placeholder_whole(qtbot):
    """Without the Comment box the dialog had shrunk to its labels: "optional: the file gi..." (walked under Xvfb at
    1280x800, PTB-XL 00001_lr signed); the over-read's lines wrap, the fields keep their words."""
    from app.dialogs.export import ExportDialog

    status = ("Over-read by Dr A. Reader, 2026-12-06 09:20 UTC (09:20 local); 1 machine statement neither confirmed "
              "nor struck")
    dlg = ExportDialog(file_id="PTB-XL patient 15709", status=status, comment="No change since 2025.", signed=True)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    for edit in (dlg.patient_name, dlg.patient_id):
        room = edit.contentsRect().width() - 8            # the line edit's own text margins
        assert edit.fontMetrics().horizontalAdvance(edit.placeholderText()) <= room, edit.placeholderText()
