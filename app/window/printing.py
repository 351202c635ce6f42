"""File > Print and File > Print preview: the PDF report (``review.report.build_report``, the one Export
writes) printed at true scale, built and painted in a worker (``app.report_printer``) after Qt's print
dialog; the preview shows that PDF's pages on the printer's paper, and its Print button prints that PDF.

A print or a preview asked for while the analysis is running waits for it in the exports' queue
(``ExportMixin._export_waits_for``, ``export.Queued``): Esc drops it, and so does opening another record, which
also stops a preview being made (``_drop_preview``).

``PrintMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the session
and the signals.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog

from app import jobs, workers
from app.views.dialog_focus import back_when_closed, dialog_of
from app.window.export import Queued, report_folder
from mirage_model.review.batch.naming import report_pdf_name
from mirage_model.review.file_info import report_title

PAGE_IDS = {"A4": QPageSize.PageSizeId.A4, "LETTER": QPageSize.PageSizeId.Letter}
MAX_PAGES = 20                  # the page range the dialog offers (the report is built after it: 3 to about 8 pages)
PRINT_KINDS = ("print", "preview")      # File > Print's entries in the exports' queue
BUSY = {"print": "A report is being printed: wait for it, or press Esc to cancel it.",
        "preview": "The print preview is being made: wait for it, or press Esc to cancel it."}


class PrintMixin:
    """Print the report of the record on screen, or preview it (for ``MainWindow``)."""

    def _waiting_prints(self) -> list[Queued]:
        """The prints and previews queued until the analysis is done (``_run_queued_exports`` starts them)."""
        return [job for job in self._export_queue if job.kind in PRINT_KINDS]

    def _print_refusal(self, kind: str = "print") -> str:
        """Why the report cannot be printed (``kind`` "print") or previewed ("preview") now ("" when it can)."""
        session = self.session
        if session is None or session.record is None:
            return f"Open a record before {'printing' if kind == 'print' else 'previewing'} its report."
        if kind == "print" and self.print_worker is not None:
            return BUSY[kind]
        if kind == "preview" and self.preview_worker is not None:
            return BUSY[kind]
        waiting = [job for job in self._waiting_prints() if job.kind == kind]
        if waiting:
            what = "printed" if kind == "print" else "previewed"
            return (f"The report of record {waiting[0].record_id} will be {what} when its analysis is done: "
                    "wait for it, or press Esc to cancel it.")
        return ""

    def new_printer(self) -> QPrinter:
        """A printer set up for the report: landscape, the report's page size, the paper's corner as (0, 0)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        printer.setPageSize(QPageSize(PAGE_IDS.get(self.settings.page_size.upper(), QPageSize.PageSizeId.A4)))
        printer.setFullPage(True)
        if self.session is not None and self.session.record is not None:
            # the PDF's title (the file's name with its extension, the file's patient ID, the time): "ECG report
            # a" had named the prints of a.hea and a.xml alike in a print queue and a PDF printer's file
            printer.setDocName(report_title(self.session.record))
            folder = self._print_file_folder()
            if folder:
                printer.setOutputFileName(str(Path(folder) / report_pdf_name(self.session.record)))
        return printer

    def _print_file_folder(self) -> str:
        """Where a print to a file starts, named as Export names the record's report (``report_pdf_name``): the
        folder the last print to a file went to; else, where this computer has no printer (the dialog can only
        write a file), the folder Export PDF report starts in (``report_folder``). Qt's dialog had offered
        "~/ECG report 1.pdf" until a print had gone to a file. "" (Qt's own default): a printer is there and the
        last print went to one, or none went anywhere yet: a .pdf name makes the printer a PDF writer
        (``QPrinter.setOutputFileName``), and the dialog would start on Print to File, not on the printer."""
        folder = self.settings.print_folder
        if folder and Path(folder).is_dir():
            return folder
        return "" if QPrinterInfo.availablePrinterNames() else report_folder(self.settings)

    def _ask_printer(self, printer: QPrinter, parent=None) -> bool:
        """Qt's print dialog (printer, paper, copies, page range) on ``printer``; True: Print was pressed."""
        dlg = QPrintDialog(printer, parent or self)
        dlg.setWindowTitle("Print ECG report")
        dlg.setOption(QAbstractPrintDialog.PrintDialogOption.PrintSelection, False)
        dlg.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, False)
        dlg.setMinMax(1, MAX_PAGES)     # without it "Pages from 1 to 1" was all the range offered
        with dialog_of(self):
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
        out = printer.outputFileName()
        self.settings.print_folder = str(Path(out).parent) if out else ""
        return True

    def _paper(self, printer: QPrinter, kind: str):
        """The report's page size on ``printer`` for a print (``kind`` "print") or a preview ("preview")
        (``report_printer.choose_page_size``), or None when there is none to make now (refused, or the paper
        too small; the message bar says why)."""
        from app.report_printer import choose_page_size

        refusal = self._print_refusal(kind)
        if refusal:
            self.show_message(refusal)
            return None
        choice = choose_page_size(printer, self.settings.page_size)
        if choice.page_size is None:
            self.show_message(f"{'Not printed' if kind == 'print' else 'No print preview'}: {choice.note}.")
            return None
        return choice

    def _report_args(self, choice) -> dict:
        """The report's ``settings`` (the paper ``choice``'s page size, the institution; the reviewer is the
        over-read's, in the session) and ``model_info``, as a print and a preview build it."""
        from mirage_model.review import report   # reportlab: imported where a PDF is written

        return {"settings": report.ReportSettings(page_size=choice.page_size, institution=self.settings.institution),
                "model_info": report.model_info_from(self.predictor) if self.predictor is not None else None}

    def print_dialog(self) -> None:
        """File > Print (Ctrl+P): Qt's print dialog (printer, copies, page range), then ``print_report``."""
        refusal = self._print_refusal()
        if refusal:
            self.show_message(refusal)
            return
        if self.file_changed(self.session, "Not printed", "printing"):      # said before the printer is asked for
            return
        sid = self.session.id
        printer = self.new_printer()
        if not self._ask_printer(printer):
            return
        if not self._current(sid):      # never the report of a record opened while the dialog was up
            self.show_message("Not printed: another record was opened while the print dialog was open.")
            return
        self.print_report(printer)

    def print_report(self, printer: QPrinter, preview: tuple[str, bytes] | None = None
                     ) -> workers.Worker | bool | None:
        """Print the report of the current session on ``printer`` (set up by the dialog, or a PDF
        file's in tests) in a worker: the PDF that Export writes, at 100 %, in the printer's paper
        size when that is A4 or Letter (``report_printer.choose_page_size``). Asked for while the
        analysis (or the prior ECG being read) is running, it is printed when that is done, as an
        export is written then. ``preview``: (page size, PDF) that the print preview showed, printed
        as it is when the printer's paper still takes that page size.

        Returns the worker, True when the print waits for the analysis, or None when nothing is
        printed (the message bar says why)."""
        choice = self._paper(printer, "print")
        if choice is None:
            return None
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)   # the report's pages are landscape
        pdf = preview[1] if preview is not None and preview[0] == choice.page_size else None
        session = self.session
        rid = session.record.record_id
        # what an export waits for, the prior ECG being read too
        if self._queue_until_done(Queued(session.id, "print", lambda: self._start_print(printer, choice),
                                         record_id=rid),
                                  f"The report of record {rid} will be printed when the analysis is done"):
            return True
        return self._start_print(printer, choice, pdf)

    def _start_print(self, printer: QPrinter, choice, pdf: bytes | None = None) -> workers.Worker | None:
        """``print_report``'s worker for the session on screen (its analysis done); ``pdf``: the report
        already built (the print preview's), else it is built now. None, nothing printed, where the record's file
        changed on disk since it was read (``file_changed``)."""
        session = self.session
        if self.file_changed(session, "Not printed", "printing"):
            return None
        rid = session.record.record_id
        w = workers.Worker(jobs.print_job, session.snapshot(), printer, **self._report_args(choice), pdf=pdf,
                           name="print")
        note = f" ({choice.note})" if choice.note else ""
        w.signals.progress.connect(workers.while_alive(
            self, lambda done, total, _p: self.show_status(f"Printing the report of record {rid}: page {done} of "
                                                           f"{total} sent... (Esc cancels)")))
        w.signals.result.connect(workers.while_alive(
            self, lambda sizes: self.show_status(f"Printed the report of record {rid}: {len(sizes)} page"
                                                 f"{'s' if len(sizes) != 1 else ''} at 100 %{note}.")))
        w.signals.error.connect(workers.while_alive(self, lambda msg: self.show_message(f"Could not print: {msg}")))
        w.signals.finished.connect(workers.while_alive(self, lambda: self._print_finished(w)))
        self.print_worker = w
        self.printer = printer        # Qt's printer lives as long as the job paints on it
        self.show_status(f"Printing the report of record {rid}{note}... (Esc cancels)")
        return w.start()

    def _busy_said_done(self, kind: str) -> None:
        """The print (``kind`` "print") or preview under way has ended: the message bar's refusal of another one
        ("wait for it") is no longer so and goes; any other message stays."""
        if not self.message_bar.isHidden() and self.message_bar.text() == BUSY[kind]:
            self._set_message_visible(False)

    def _print_finished(self, w: workers.Worker) -> None:
        if self.print_worker is w:
            self.print_worker = None
            self.printer = None
            self._busy_said_done("print")
        if w.is_cancelled:
            self.show_status("Printing cancelled: nothing more was sent to the printer.")

    # ------------------------------------------------------------------ preview
    def print_preview(self) -> workers.Worker | bool | None:
        """File > Print preview: the report's pages on the printer's paper (the report's page size
        setting, landscape), as File > Print paints them, in ``PrintPreviewDialog``; its Print button
        asks for the printer and prints that PDF. Waits for the analysis as a print does.

        Returns the worker that makes the preview, True when it waits for the analysis, or None when
        there is none (the message bar says why)."""
        printer = self.new_printer()
        choice = self._paper(printer, "preview")
        if choice is None:
            return None
        session = self.session
        rid = session.record.record_id
        if self._queue_until_done(Queued(session.id, "preview", lambda: self._start_preview(printer, choice),
                                         record_id=rid),
                                  f"The print preview of record {rid} opens when the analysis is done"):
            return True
        return self._start_preview(printer, choice)

    def _start_preview(self, printer: QPrinter, choice) -> workers.Worker | None:
        """The report built and its pages rasterised in a worker (``jobs.preview_job``), then shown; None where the
        record's file changed on disk since it was read (``file_changed``)."""
        session = self.session
        if self.file_changed(session, "No print preview", "the print preview"):
            return None
        sid, rid = session.id, session.record.record_id
        w = workers.Worker(jobs.preview_job, session.snapshot(), **self._report_args(choice), name="preview")
        w.signals.result.connect(workers.while_alive(
            self, lambda out: self._show_preview(sid, printer, choice, *out)))
        w.signals.error.connect(workers.while_alive(
            self, lambda msg: self.show_message(f"No print preview: {msg}")))
        w.signals.finished.connect(workers.while_alive(self, lambda: self._preview_finished(w)))
        self.preview_worker = w
        self.preview_of = rid
        self.show_status(f"Making the print preview of record {rid}... (Esc cancels)")
        return w.start()

    def _preview_finished(self, w: workers.Worker) -> None:
        if self.preview_worker is not w:
            return          # dropped when another record was opened, and said then (``_drop_preview``)
        self.preview_worker = None
        self._busy_said_done("preview")
        if w.is_cancelled:
            self.show_status("Print preview cancelled.")

    def _drop_preview(self) -> str:
        """Another record opened: the print preview being made of the previous one is stopped (it was made to
        its end, then not shown). Returns the record it was of, "" when none was being made."""
        w, self.preview_worker = self.preview_worker, None
        if w is None:
            return ""
        w.cancel()
        return self.preview_of

    def _show_preview(self, sid: int, printer: QPrinter, choice, pdf: bytes, pages: list) -> None:
        """The preview of session ``sid``'s report, shown only while that record is on screen."""
        from app.dialogs.print_preview import PrintPreviewDialog

        if not self._current(sid):
            return
        rid = self.session.record.record_id
        if self.preview_dialog is not None:
            self.preview_dialog.close()
        dlg = PrintPreviewDialog(printer, pages, f"Print preview: ECG report {rid}", choice.note, self)
        dlg.printRequested.connect(lambda: self._print_from_preview(dlg, sid, printer, (choice.page_size, pdf)))
        dlg.finished.connect(lambda _r: setattr(self, "preview_dialog", None) if self.preview_dialog is dlg else None)
        self.preview_dialog = dlg
        back_when_closed(dlg)
        dlg.open()
        n = len(pages)
        self.show_status(f"Print preview of record {rid}: {n} page{'s' if n != 1 else ''} at 100 %"
                         f"{f' ({choice.note})' if choice.note else ''}.")

    def _print_from_preview(self, dlg, sid: int, printer: QPrinter, preview: tuple[str, bytes]) -> None:
        """The preview's Print: Qt's print dialog on the preview's printer, then the previewed PDF printed
        (``print_report``, as Ctrl+P prints); never for a record opened since the preview was made."""
        if not self._current(sid):
            dlg.reject()
            self.show_message("Not printed: another record was opened while the print preview was open.")
            return
        refusal = self._print_refusal()
        if refusal:                     # a print under way: said, the preview left open
            self.show_message(refusal)
            return
        if not self._ask_printer(printer, dlg):
            return                      # the preview stays open, as Qt's own preview's does
        dlg.accept()
        if not self._current(sid):
            self.show_message("Not printed: another record was opened while the print dialog was open.")
            return
        self.print_report(printer, preview=preview)
