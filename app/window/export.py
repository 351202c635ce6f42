"""Records and reports out: Save record as (WFDB, EDF+) and the PDF report, written in a worker
once the session's measurements and model result are in (``review.report.build_report``). A report
asked for before then waits in one queue (``Queued``), the PDF exports' and File > Print's alike: Esc drops
every report waiting there (``drop_waiting_reports``), and so does opening another record.

``ExportMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the
session and the signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QDialog, QFileDialog

from app import disk_check, jobs, workers
from app.dialogs.export import ExportDialog
from app.views.dialog_focus import dialog_of
from app.window.records import shown_name
from mirage_model import formats
from mirage_model.formats.write import (WFDB_NAME_RULE, left_out_line, output_name, renamed_note,
                                        source_file_hit)
from mirage_model.records import RecordError
from mirage_model.review.batch.naming import NOT_A_PDF_NAME, pdf_named, report_pdf_name
from mirage_model.review.file_info import patient_names
from mirage_model.review.interpret import session_interpretation


def report_folder(settings) -> str:
    """Where Export PDF report starts: the folder the last report went to, else the user's documents
    folder (home without one). It started in the record's own data folder (``last_folder``), putting a
    reviewer's reports among the recordings."""
    last = settings.report_folder
    if last and Path(last).is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


@dataclass(frozen=True)
class Queued:
    """A report asked for while the analysis of its session was running (``_export_waits_for``): made
    when the analysis is done (``_run_queued_exports``), dropped and said so when another record is
    opened first (``_drop_queued``; one patient's report never goes out for another's request) or Esc
    is pressed (``drop_waiting_reports``)."""
    sid: int                        # the session it was asked for
    kind: str                       # "export" (a PDF written), "print" or "preview" (``PrintMixin``)
    start: Callable[[], object]     # makes it: called with ``sid``'s session on screen, nothing pending
    path: Path | None = None        # the PDF an export writes
    record_id: str = ""             # the record it is the report of


class ExportMixin:
    """Save as and Export PDF report (for ``MainWindow``)."""

    def save_as_dialog(self) -> None:
        if self.record is None:
            self.show_message("Open a record before saving it.")
            return
        if self.file_changed(self.session, "Not saved", "saving"):      # said before a file is chosen, not after
            return
        default = Path(self.settings.last_folder or Path.home()) / f"{self.record.record_id}.hea"
        if source_file_hit(self.record, [default]) is not None:    # never offer the original recording itself
            default = default.with_name(f"{self.record.record_id}_copy.hea")
        with dialog_of(self):
            path, chosen = QFileDialog.getSaveFileName(self, "Save record as", str(default), formats.SAVE_FILTER)
        if path:
            fmt, anonymise = formats.save_choice(chosen, path)
            self.save_record_as(path, fmt, anonymise)

    def save_record_as(self, path: str | Path, fmt: str, anonymise: bool = False) -> Path | None:
        """Write the current record as WFDB or EDF+ (a few milliseconds: no worker needed); not where its file changed
        on disk since it was read (``file_changed``)."""
        path = Path(path)
        if self.file_changed(self.session, f"Not saved: {shown_name(path)}", "saving"):
            return None
        # a WFDB record name is ASCII: a name that is not one is transliterated and the user told,
        # and a file of the new name that the dialog never asked about is not replaced
        written = output_name(self.record, fmt, anonymise=anonymise, name=path.stem)
        renamed = fmt == "wfdb" and not anonymise and written != path.stem
        if renamed and path.with_name(written + ".hea").exists():
            self.show_message(f"Cannot save: '{path.stem}' would be saved as '{written}' ({WFDB_NAME_RULE}), "
                              f"and {written}.hea already exists there; choose another name, or that one to "
                              "replace it")
            return None
        try:
            # the save dialog asked before replacing the file chosen, never about a file of another name
            out = formats.write_record(self.record, path.parent, fmt, anonymise=anonymise, name=path.stem,
                                       overwrite=written == path.stem)
        except RecordError as err:
            self.show_message(f"Cannot save: {err}")
            return None
        lost = left_out_line(self.record, anonymise)    # what the format cannot hold: said, never dropped silently
        if renamed:
            self.show_message(f"Saved: {renamed_note(path.stem, out.stem)}." + (f" {lost[0].upper()}{lost[1:]}."
                                                                                if lost else ""))
        elif lost:
            self.show_message(f"Saved {out.name}" + (" (anonymised)" if anonymise else "") + f"; {lost}.")
        else:
            self.show_status(f"Saved {out.name}" + (" (anonymised)" if anonymise else ""), 5000)
        return out

    def export_dialog(self) -> None:
        if self.record is None:
            self.show_message("Open a record before exporting a report.")
            return
        if self.file_changed(self.session, "Report not written"):     # said before the name and file are asked for
            return
        file_name, file_id = patient_names(self.record)      # what an empty patient field prints
        ov, it = self.session.overread, session_interpretation(self.session)    # as the PDF will say them
        dlg = ExportDialog(self, file_name=file_name, file_id=file_id, status=ov.status(it), comment=ov.comment,
                           signed=ov.signed_for(it))
        with dialog_of(self):
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            default = str(Path(report_folder(self.settings)) / report_pdf_name(self.record))    # a_xml_report.pdf
            path, _ = QFileDialog.getSaveFileName(self, "Save PDF report", default, "PDF (*.pdf)")
        if not path:
            return
        self.settings.report_folder = str(Path(path).parent)
        self.export_pdf(path, patient_name=dlg.patient_name.text().strip(), patient_id=dlg.patient_id.text().strip())

    def export_pdf(self, path: str | Path, patient_name: str = "", patient_id: str = "",
                   wait: bool = True) -> workers.Worker | bool | None:
        """Write the PDF report of the current session (``report.build_report``) in a worker.

        With ``wait`` (the Export button's way) an export asked for while measurements, the model or
        the prior ECG being read for the comparison are still running starts when they are done (returns
        True: queued); without it the PDF is written now and names on its page what is missing and why.
        """
        session = self.session
        if session is None or session.record is None:
            self.show_message("Open a record before exporting a report.")
            return None
        if named := pdf_named(path):       # a name typed over the dialog's: refused as mirage report --out refuses it
            why = NOT_A_PDF_NAME.format(shown_name(named))
            self.show_message(f"Report not written: {shown_name(Path(path))}: {why}.")
            self.reportFailed.emit(str(path), why)
            return None
        from mirage_model.review import report   # here, not at the top: reportlab takes about a second to import

        changed = self.overread_changed_elsewhere()     # a colleague signed it meanwhile: this PDF prints this window's
        if changed:
            self.show_message(f"{changed}: this report prints the over-read shown here. Open the record again to see "
                              "theirs.")
        # the reviewer and the comment are the over-read's, in the session (the report's one place for them)
        settings = report.ReportSettings(page_size=self.settings.page_size, institution=self.settings.institution,
                                         patient_name=patient_name, patient_id=patient_id)
        if wait and self._queue_until_done(Queued(session.id, "export", lambda p=Path(path), s=settings:
                                                  self._start_export(self.session, p, s), Path(path),
                                                  session.record.record_id),
                                           f"{Path(path).name} will be written when the analysis is done"):
            return True
        return self._start_export(session, Path(path), settings)

    def _export_finished(self, w: workers.Worker, path: Path) -> None:
        if self.export_worker is w:
            self.export_worker = None
        if w.is_cancelled and not w.written:    # Esc, or the window closed: not put in place (``report_job``)
            self.show_status(f"Cancelled: {shown_name(path)} was not written.")
            self.reportFailed.emit(str(path), "cancelled while it was being written")

    def _queue_until_done(self, job: Queued, when: str) -> bool:
        """``job`` (an export, a print or a preview of the session on screen) queued when its analysis is still
        running (``_export_waits_for``), said in the status bar as "WHEN (waiting for: ...)..."; False, nothing
        queued, when it can be made now."""
        waiting = self._export_waits_for(self.session)
        if not waiting:
            return False
        self._export_queue.append(job)
        self.show_status(f"{when} (waiting for: {', '.join(waiting)})... (Esc cancels)")
        return True

    def drop_waiting_reports(self) -> str:
        """Esc: every report waiting for the analysis (a PDF export, a print, a print preview) is not made, the
        PDFs' reportFailed too. Returns what was dropped, for the status bar (" a.pdf was not written. The report
        of record 1 was not printed.")."""
        dropped, self._export_queue = self._export_queue, []
        said = "".join(f" {shown_name(job.path)} was not written." if job.kind == "export" else
                       f" The report of record {job.record_id} was not printed." if job.kind == "print" else
                       f" The print preview of record {job.record_id} was not made." for job in dropped)
        for job in dropped:
            if job.kind == "export":
                self.reportFailed.emit(str(job.path), "cancelled (Esc) before the analysis finished")
        return said

    def _export_waits_for(self, session) -> list[str]:
        """What a queued export of ``session`` still waits for, in words; [] when it can be written. Printing
        (``PrintMixin``) asks the same: a report is printed when it could be exported."""
        waiting = list(session.pending())
        if not waiting and self._finished_session != session.id:
            waiting.append("the model")
        asked = getattr(self, "_prior_model", None)
        if self.prior_worker is not None and asked is not None and asked[0] == session.id:
            waiting.append("the prior ECG")     # the PDF would say no comparison while the prior is being read
        return waiting

    def _run_queued_exports(self) -> None:
        """Start the exports queued for the session on screen, once nothing they wait for is running."""
        if self.session is not None and self._export_queue and self._export_waits_for(self.session):
            return
        queued, self._export_queue = self._export_queue, []
        for job in queued:
            if self._current(job.sid):
                job.start()

    def _drop_queued(self, dropped: list[Queued], preview_of: str = "") -> None:
        """Say that the reports queued for the previous record will not be made: another record was
        opened before its analysis had finished (the PDFs' reportFailed too); ``preview_of``: the record
        whose print preview was being made then (``PrintMixin._drop_preview``), "" for none."""
        said = []
        exports = [job for job in dropped if job.kind == "export"]
        if exports:
            names = ", ".join(shown_name(job.path) for job in exports)
            said.append(f"Report not written: {names}. Another record was opened before the previous "
                        "record's analysis had finished; open that record again to export it.")
        for job in dropped:
            if job.kind != "export":
                what, verb = ("Not printed", "print") if job.kind == "print" else ("No print preview", "preview")
                said.append(f"{what}: another record was opened before the analysis of record {job.record_id} "
                            f"had finished; open that record again to {verb} its report.")
        if preview_of:
            said.append(f"No print preview: another record was opened while the print preview of record "
                        f"{preview_of} was being made; open that record again to preview its report.")
        if said:
            self.show_message(" ".join(said))
        for job in exports:
            self.reportFailed.emit(str(job.path), "another record was opened before the analysis finished")

    def file_changed(self, session, what: str, act: str = "export") -> str:
        """Why ``what`` ("Report not written: a.pdf") is not done: the record's file changed on disk since it was
        read (``ReviewSession.changed_on_disk``), said in the message bar; "" where it is as read. A report or a
        copy made now would stand under the file's name over content it no longer holds. Asked off the GUI thread
        (``disk_check``): where the record's folder does not answer in time (a network share whose server is gone),
        ``act`` ("export", "printing") is refused until it does, the window repainting meanwhile."""
        why = disk_check.changed_on_disk(session, act) if session is not None else ""
        if why:
            self.show_message(f"{what}: record {session.record_id}: {why}.")
        return why

    def _start_export(self, session, path: Path, settings) -> workers.Worker | None:
        from mirage_model.review import report   # reportlab: imported where a PDF is written

        if why := self.file_changed(session, f"Report not written: {shown_name(path)}"):
            self.reportFailed.emit(str(path), why)
            return None

        model_info = report.model_info_from(self.predictor) if self.predictor is not None else None
        # keep_result: a PDF put in place as the cancel came is said written, as it is
        snapshot = session.snapshot()
        w = workers.Worker(jobs.report_job, snapshot, path, settings=settings,
                           model_info=model_info, name="report", keep_result=True)
        w.written = False
        w.signals.result.connect(lambda _p: setattr(w, "written", True))
        # the over-read's signature as written in this PDF: leaving the record no longer loses it
        signed = snapshot.overread.signature()
        w.signals.result.connect(lambda _p: session.overread.kept_in_report(signed))
        w.signals.result.connect(workers.while_alive(self, lambda p: self.show_status(f"Report written: {p}")))
        w.signals.result.connect(workers.while_alive(self, lambda p: self.reportWritten.emit(str(p))))
        w.signals.error.connect(
            workers.while_alive(self, lambda msg: self.show_message(f"Could not write the report: {msg}")))
        w.signals.error.connect(workers.while_alive(self, lambda msg, p=path: self.reportFailed.emit(str(p), msg)))
        w.signals.finished.connect(workers.while_alive(self, lambda: self._export_finished(w, path)))
        self.export_worker = w
        self.export_path = path
        self.show_status(f"Writing {path.name}...")
        return w.start()

