"""File > Print: the PDF report (``review.report.build_report``, the one Export writes) printed at
true scale, built and painted in a worker (``app.report_printer``) after Qt's print dialog.

``PrintMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the session
and the signals.
"""

from __future__ import annotations

from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog

from app import workers

PAGE_IDS = {"A4": QPageSize.PageSizeId.A4, "LETTER": QPageSize.PageSizeId.Letter}
MAX_PAGES = 20                  # the page range the dialog offers (the report is built after it: 3 to about 8 pages)


class PrintMixin:
    """Print the report of the record on screen (for ``MainWindow``)."""

    def _print_refusal(self) -> str:
        """Why the report cannot be printed now ("" when it can)."""
        session = self.session
        if session is None or session.record is None:
            return "Open a record before printing its report."
        if self.print_worker is not None:
            return "A report is being printed: wait for it, or press Esc to cancel it."
        waiting = self._export_waits_for(session)     # what an export waits for, the prior ECG being read too
        if waiting:
            return (f"Not printed: the analysis of record {session.record.record_id} is still running "
                    f"(waiting for: {', '.join(waiting)}); print when it is done.")
        return ""

    def new_printer(self) -> QPrinter:
        """A printer set up for the report: landscape, the report's page size, the paper's corner as (0, 0)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        printer.setPageSize(QPageSize(PAGE_IDS.get(self.settings.page_size.upper(), QPageSize.PageSizeId.A4)))
        printer.setFullPage(True)
        if self.session is not None and self.session.record is not None:
            printer.setDocName(f"ECG report {self.session.record.record_id}")
        return printer

    def print_dialog(self) -> None:
        """File > Print (Ctrl+P): Qt's print dialog (printer, copies, page range), then ``print_report``."""
        refusal = self._print_refusal()
        if refusal:
            self.show_message(refusal)
            return
        sid = self.session.id
        printer = self.new_printer()
        dlg = QPrintDialog(printer, self)
        dlg.setWindowTitle("Print ECG report")
        dlg.setOption(QAbstractPrintDialog.PrintDialogOption.PrintSelection, False)
        dlg.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, False)
        dlg.setMinMax(1, MAX_PAGES)     # without it "Pages from 1 to 1" was all the range offered
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        if not self._current(sid):      # never the report of a record opened while the dialog was up
            self.show_message("Not printed: another record was opened while the print dialog was open.")
            return
        self.print_report(printer)

    def print_report(self, printer: QPrinter) -> workers.Worker | None:
        """Print the report of the current session on ``printer`` (set up by the dialog, or a PDF
        file's in tests) in a worker: the PDF that Export writes, at 100 %, in the printer's paper
        size when that is A4 or Letter (``report_printer.choose_page_size``). Returns the worker,
        or None when nothing is printed (the message bar says why)."""
        from app.report_printer import choose_page_size
        from mirage_model.review import report   # reportlab: imported where a PDF is written

        refusal = self._print_refusal()
        if refusal:
            self.show_message(refusal)
            return None
        choice = choose_page_size(printer, self.settings.page_size)
        if choice.page_size is None:
            self.show_message(f"Not printed: {choice.note}.")
            return None
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)   # the report's pages are landscape
        session = self.session
        rid = session.record.record_id
        settings = report.ReportSettings(page_size=choice.page_size, institution=self.settings.institution,
                                         reviewer=self.settings.reviewer)
        model_info = report.model_info_from(self.predictor) if self.predictor is not None else None
        w = workers.Worker(workers.print_job, session.snapshot(), printer, settings=settings,
                           model_info=model_info, name="print")
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

    def _print_finished(self, w: workers.Worker) -> None:
        if self.print_worker is w:
            self.print_worker = None
            self.printer = None
        if w.is_cancelled:
            self.show_status("Printing cancelled: nothing more was sent to the printer.")
