"""Reports that wait (pytest-qt, offscreen): Esc drops every report waiting for the analysis (a PDF export as
well as a print and a print preview; the export had stayed queued and was written after the cancelled analysis),
and a print preview being made of a record is stopped when another record is opened (it had run to its end).

Truth: the files on disk (none written), reportFailed's arguments, and the preview's job seeing its cancel flag
while it is held (a fake slow job, as test_app_print's and test_app_prior's).
"""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_app_print import A, B, WAIT_MS, hold_measuring, pdf_printer, window_with  # noqa: E402

pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")


def measured_later(qtbot, monkeypatch):
    """A window with record A on screen, its measuring held until the returned gate is set."""
    gate = hold_measuring(monkeypatch)
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    assert window.session.pending()
    return window, gate


def test_esc_drops_an_export_waiting_for_the_analysis(qtbot, tmp_path, monkeypatch):
    window, gate = measured_later(qtbot, monkeypatch)
    failed = []
    window.reportFailed.connect(lambda path, msg: failed.append((path, msg)))
    out = tmp_path / "a_report.pdf"
    assert window.export_pdf(out) is True
    text = window.status_label.text()
    assert text.startswith("a_report.pdf will be written when the analysis is done") and text.endswith(
        "(Esc cancels)"), text
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)                 # Model > Cancel running work
    assert window.status_label.text() == "Cancelled. a_report.pdf was not written."
    assert failed == [(str(out), "cancelled (Esc) before the analysis finished")]
    assert not window.unfinished_work()
    gate.set()
    qtbot.wait(800)
    assert window.export_worker is None and not out.exists()


def test_esc_drops_every_report_waiting_and_says_each(qtbot, tmp_path, monkeypatch):
    window, gate = measured_later(qtbot, monkeypatch)
    monkeypatch.setattr(window, "new_printer", lambda: pdf_printer(tmp_path / "preview.pdf"))
    out, printed = tmp_path / "a_report.pdf", tmp_path / "printed.pdf"
    assert window.export_pdf(out) is True
    assert window.print_report(pdf_printer(printed)) is True
    assert window.print_preview() is True
    window.cancel_work()                                            # Esc
    assert window.status_label.text() == ("Cancelled. a_report.pdf was not written. The report of record 00417_lr "
                                          "was not printed. The print preview of record 00417_lr was not made.")
    gate.set()
    qtbot.wait(800)
    assert not out.exists() and not printed.exists()
    assert window.print_worker is window.preview_worker is window.preview_dialog is None


def test_a_preview_being_made_is_dropped_when_another_record_opens(qtbot, tmp_path, monkeypatch):
    from app import jobs, workers

    entered, release, saw_cancel = threading.Event(), threading.Event(), threading.Event()

    def slow_preview(ctx, *args, **kwargs):      # held until cancelled (or 30 s: the old way, run to its end)
        entered.set()
        for _ in range(300):
            if ctx.cancelled():
                saw_cancel.set()
                break
            if release.wait(0.1):
                break
        return b"", []

    monkeypatch.setattr(jobs, "preview_job", slow_preview)
    window = window_with(qtbot)
    monkeypatch.setattr(window, "new_printer", lambda: pdf_printer(tmp_path / "preview.pdf"))
    w = window.print_preview()
    assert isinstance(w, workers.Worker)
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    try:
        with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
            window.open_record(B)
        qtbot.waitUntil(saw_cancel.is_set, timeout=5000)
    finally:
        release.set()
    qtbot.waitUntil(lambda: w.elapsed_s is not None, timeout=WAIT_MS)
    qtbot.wait(100)
    assert window.preview_worker is None and window.preview_dialog is None
    assert window.message_bar.text() == ("No print preview: another record was opened while the print preview of "
                                         "record 00417_lr was being made; open that record again to preview its "
                                         "report.")
    assert not window.status_label.text().startswith("Print preview cancelled")    # B's own line stays


def _held_pdf(monkeypatch):
    """The PDF being written waits in its worker until released: (entered, release)."""
    from mirage_model.review import report

    entered, release = threading.Event(), threading.Event()
    real = report.build_report

    def held(*args, **kwargs):
        entered.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "build_report", held)
    return entered, release


@pytest.mark.parametrize("how", ["esc", "close"])
def test_a_pdf_being_written_is_one_of_the_windows_jobs(qtbot, tmp_path, monkeypatch, how):
    """The PDF export's worker was in none of the window's lists of running jobs (``_jobs``): Esc while a PDF was
    written said "Nothing to cancel." and stopped nothing, and closing the window left it running. It is now
    listed, stopped by Esc and by closing, and the PDF is not put in place: a file of that name already there
    keeps its bytes. Truth: the bytes on disk and reportFailed's arguments."""
    window = window_with(qtbot)
    entered, release = _held_pdf(monkeypatch)
    failed = []
    window.reportFailed.connect(lambda path, msg: failed.append((path, msg)))
    out = tmp_path / "reports" / "a_report.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF- an earlier report")
    window.export_pdf(out)
    assert entered.wait(30)
    assert window.export_worker is not None and window.export_worker in window._jobs()
    assert window.work_running()
    if how == "esc":
        qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)
        assert window.status_label.text() == "Cancelled."
    else:
        window.close()
    assert window.export_worker.is_cancelled
    release.set()
    qtbot.waitUntil(lambda: window.export_worker is None, timeout=WAIT_MS)
    assert out.read_bytes() == b"%PDF- an earlier report"
    assert [p.name for p in out.parent.iterdir()] == ["a_report.pdf"]        # no temporary file left
    assert failed == [(str(out), "cancelled while it was being written")]
    if how == "esc":
        assert window.status_label.text() == "Cancelled: a_report.pdf was not written."
