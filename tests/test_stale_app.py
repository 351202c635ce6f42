"""A record rewritten on disk while the window holds it open (the cart's corrected re-export under the same name, a
copy put over it with its size and time kept): its report is not exported, printed or previewed, its copy not saved
and its over-read not signed as if it were the file's; the window says the file changed and to reopen it. Reopened,
the report is of what the file holds now. And a labs table rewritten in place is read again before its row is given.

LUDB 1 open, then LUDB 14's header and samples written over 1.hea and 1.dat in place (``helpers_stale``). Truth: the
two headers' own texts (LUDB 1: 51 years, F; LUDB 14: 50 years, M), the table each test writes.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from helpers_stale import LUDB, fourteen_over_one, ludb_pair, rewrite_in_place  # noqa: E402

pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled samples not present")


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)


def _page1(pdf) -> str:
    out = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def test_a_record_rewritten_while_open_is_not_exported_saved_or_signed(qtbot, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    folder = ludb_pair(tmp_path / "records")
    window = shown_window(qtbot)
    _open(qtbot, window, folder / "1.hea")
    assert (window.session.record.age, window.session.record.sex) == (51.0, "F")
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(tmp_path / "before.pdf", wait=False)          # as read: written
    assert "51 y" in _page1(tmp_path / "before.pdf")

    fourteen_over_one(folder)
    with qtbot.waitSignal(window.reportFailed, timeout=WAIT_MS) as failed:
        assert window.export_pdf(tmp_path / "after.pdf", wait=False) is None
    assert "the file changed on disk since it was opened (1.hea, 1.dat)" in failed.args[1]
    assert not (tmp_path / "after.pdf").exists()
    said = window.message_bar.text()
    assert said.startswith("Report not written: after.pdf: record 1: the file changed on disk") and "reopen" in said
    assert window.save_record_as(tmp_path / "copy.hea", "wfdb") is None and not (tmp_path / "copy.hea").exists()
    assert window.message_bar.text().startswith("Not saved: copy.hea: record 1: the file changed on disk")
    said = window.session.changed_on_disk()
    assert window.results.interpretation.overread.session is window.session
    assert window.results.interpretation.overread.sign("Dr A") == f"Not signed: {said}"
    assert window.session.overread.signed_at is None

    _open(qtbot, window, folder / "1.hea")                               # reopened: what it holds now
    assert (window.session.record.age, window.session.record.sex) == (50.0, "M")
    assert window.session.changed_on_disk() == ""
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(tmp_path / "after.pdf", wait=False)
    assert "50 y" in _page1(tmp_path / "after.pdf")
    # each report says which content it was made from: LUDB 14's under the name 1 as the bundled 14's, not LUDB 1's
    _open(qtbot, window, LUDB / "14.hea")
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(tmp_path / "fourteen.pdf", wait=False)
    made = {name: _content(tmp_path / f"{name}.pdf") for name in ("before", "after", "fourteen")}
    assert made["after"] == made["fourteen"] != made["before"], made


def _content(pdf) -> str:
    """The record content a report says it was made from (its 16 hex digits), and the same in its metadata."""
    import re

    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
                    .stdout.split())
    said = re.findall(r"Made from the record's content ([0-9a-f]{16}) \(", text)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    keywords = re.findall(r"Keywords:\s+record content ([0-9a-f]{40})", info)
    assert len(said) == 1 and len(keywords) == 1 and keywords[0].startswith(said[0]), (said, keywords)
    return said[0]


def test_a_labs_table_rewritten_while_open_is_read_again(qtbot, tmp_path):
    """The window's open table (File > Open labs table) gave record 1 CRP 10; the lab system re-exports it in place
    with 90: record 1 opened again gets 90, never 10."""
    folder = ludb_pair(tmp_path / "records")
    table = tmp_path / "labs.csv"
    table.write_text("record_id,crp [mg/L]\n1,10\n14,3.5\n")
    window = shown_window(qtbot)
    window.open_labs_table(table)
    qtbot.waitUntil(lambda: window.labs_worker is None and window.labs_table is not None, timeout=WAIT_MS)
    _open(qtbot, window, folder / "1.hea")
    assert window.lab_form.raw_values()["crp"][0] == "10"
    rewrite_in_place(table, b"record_id,crp [mg/L]\n1,90\n14,3.5\n")
    _open(qtbot, window, folder / "1.hea")
    qtbot.waitUntil(lambda: window.labs_worker is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.lab_form.raw_values().get("crp", ("",))[0] == "90", timeout=WAIT_MS)
    assert window.session.values["crp"].source == "table"


def test_the_folder_row_of_a_record_rewritten_in_place_says_what_it_holds_once_opened(qtbot, tmp_path):
    """The folder listed (row 1: 51, F, LUDB 1's header), then 1.hea and 1.dat rewritten with LUDB 14's in place:
    opened, record 1's row says 50, M with the patient line, not the listing's 51, F beside LUDB 14's traces."""
    folder = ludb_pair(tmp_path / "records")
    window = shown_window(qtbot)
    window.open_folder(folder)
    table = window.browser.table

    def row(r):
        return [table.item(r, c).text() if table.item(r, c) else "" for c in (0, 1, 2)]

    qtbot.waitUntil(lambda: table.rowCount() == 2 and row(1)[1] not in ("", "loading..."), timeout=WAIT_MS)
    assert row(0) == ["1", "51", "F"] and row(1) == ["14", "50", "M"]
    fourteen_over_one(folder)
    _open(qtbot, window, folder / "1.hea")
    assert (window.session.record.age, window.session.record.sex) == (50.0, "M")
    assert row(0) == ["1", "50", "M"]


def test_the_window_says_the_file_changed_when_it_is_come_back_to(qtbot, tmp_path):
    """LUDB 1 open; its files rewritten in place while the reviewer is in another program: the window, activated
    again, says so in the message bar once (before any export or signature is tried)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    folder = ludb_pair(tmp_path / "records")
    window = shown_window(qtbot)
    _open(qtbot, window, folder / "1.hea")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))
    assert "changed on disk" not in window.message_bar.text()
    fourteen_over_one(folder)
    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))
    said = window.message_bar.text()
    assert said == "Record 1: the file changed on disk since it was opened (1.hea, 1.dat); reopen it to review what " \
                   "it holds now.", said


def test_a_record_rewritten_while_open_is_refused_before_any_dialog_asks(qtbot, tmp_path, monkeypatch):
    """Export PDF, Save as and Print say the file changed before they ask for a patient name, a file or a printer:
    the reviewer had filled in the export dialog and chosen a file, to be told only then that nothing is written."""
    import app.window.export as export

    asked = []
    monkeypatch.setattr(export.ExportDialog, "exec", lambda self: asked.append("export dialog") or 0)
    monkeypatch.setattr(export.QFileDialog, "getSaveFileName", lambda *a, **k: asked.append("file") or ("", ""))
    folder = ludb_pair(tmp_path / "records")
    window = shown_window(qtbot)
    monkeypatch.setattr(window, "_ask_printer", lambda printer: asked.append("printer") or False)
    _open(qtbot, window, folder / "1.hea")
    window.export_dialog()                               # as read: the dialog is asked (and cancelled here)
    assert asked == ["export dialog"]
    asked.clear()

    fourteen_over_one(folder)
    window.export_dialog()
    assert window.message_bar.text().startswith("Report not written: record 1: the file changed on disk")
    window.save_as_dialog()
    assert window.message_bar.text().startswith("Not saved: record 1: the file changed on disk")
    window.print_dialog()
    assert window.message_bar.text().startswith("Not printed: record 1: the file changed on disk")
    assert asked == []


def test_a_prior_ecg_rewritten_while_compared_is_not_exported_or_signed(qtbot, tmp_path):
    """LUDB 14 open and compared with LUDB 1 as its prior ECG; 1.hea and 1.dat then given LUDB 14's content in place
    (``helpers_stale``): the report would draw the comparison with the prior's old content, so Export and Sign are
    refused naming the prior, the open record's own files being as read. The prior opened again, they go ahead."""
    folder = ludb_pair(tmp_path / "records")
    window = shown_window(qtbot)
    _open(qtbot, window, folder / "14.hea")
    with qtbot.waitSignal(window.priorReady, timeout=WAIT_MS):
        window.open_prior(folder / "1.hea")
    assert window.session.changed_on_disk() == ""

    fourteen_over_one(folder)
    said = window.session.changed_on_disk()
    assert said == ("the prior ECG's file changed on disk since it was opened (1.hea, 1.dat); open it again as the "
                    "prior ECG to compare with what it holds now"), said
    with qtbot.waitSignal(window.reportFailed, timeout=WAIT_MS) as failed:
        assert window.export_pdf(tmp_path / "after.pdf", wait=False) is None
    assert failed.args[1] == said and not (tmp_path / "after.pdf").exists()
    assert window.message_bar.text() == f"Report not written: after.pdf: record 14: {said}."
    assert window.results.interpretation.overread.sign("Dr A") == f"Not signed: {said}"
    assert window.session.overread.signed_at is None

    with qtbot.waitSignal(window.priorReady, timeout=WAIT_MS):
        window.open_prior(folder / "1.hea")
    assert window.session.changed_on_disk() == ""
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(tmp_path / "after.pdf", wait=False)
