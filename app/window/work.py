"""The work the main window runs, stopped and asked about: Esc stops this window's jobs (a batch run goes on in
its own window), and closing while a PDF is being written or waits for the analysis, a report is printed, an
over-read is edited and not signed or a batch scores asks first (an interactive session: ``ask_before_quit``),
then cancels every job and keeps the window's geometry and splitters.

``WorkMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the workers and the session.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.views.dialog_focus import dialog_of
from mirage_model.review.session import PENDING, STALE


class WorkMixin:
    """Stopping the window's work, and closing with work unfinished (for ``MainWindow``)."""

    def cancel_work(self) -> None:
        """Esc: stop loading, inference, folder listing, a PDF being written (not put in place), a print and a print
        preview (their results are dropped), and drop a PDF export, a print or a print preview waiting for the
        analysis. A batch run
        goes on: it has its own window and its own Cancel (Esc pressed in the main window, say on a
        measurement, stopped a batch scoring a folder in the window beside it). With nothing of these under
        way it says so ("Nothing to cancel."; it had said "Cancelled."), and that a batch run goes on."""
        busy = self.work_running()
        unmade = self.drop_waiting_reports()    # first: the analysis cancelled below would start them
        self.cancel_all(batch=False)
        self.results.busy.setVisible(False)
        self._result_out_of_date(False)
        self.browser.progress.setVisible(False)
        if self.session is not None and self.session.state["measurements"] == PENDING:
            self.session.cancel_measurements("measuring was cancelled: open the record again to measure it")
        if self.session is not None:
            running = self.session.state["prediction"] in (PENDING, STALE)
            self.session.cancel_prediction("the model run was cancelled: press Run model to score again")
            if running:      # the bars held the previous result, greyed: it is no result of this record now
                self._show_result("model run cancelled")
                self.lab_form.refresh()       # nor are its contributions beside the values
                self.results.state.setText("Model run cancelled: press Run model (F5) to score again.")
        if busy or unmade:
            self.show_status(f"Cancelled.{unmade}")
        elif self.batch_running():
            self.show_status("Nothing to cancel here: the batch run goes on (its window's Cancel stops it).")
        else:
            self.show_status("Nothing to cancel.")

    def work_running(self) -> bool:
        """Whether Esc (``cancel_work``) has anything to stop: a job of this window not finished nor cancelled
        (a batch run aside), the measurements or a model run of the record on screen pending."""
        if any(w is not None and w.elapsed_s is None and not w.is_cancelled for w in self._jobs()):
            return True
        state = self.session.state if self.session is not None else {}
        return state.get("measurements") == PENDING or state.get("prediction") in (PENDING, STALE)

    def cancel_all(self, batch: bool = True) -> None:
        """Set the cancel flag of every job this window started (``batch``: the batch dialog's too)."""
        for w in (*self._jobs(), getattr(self.batch_dialog, "worker", None) if batch else None):
            if w is not None:
                w.cancel()

    def _jobs(self) -> tuple:
        """The workers of this window's own jobs, None where none is (the batch dialog's aside)."""
        return (self.load_worker, self.predict_worker, self.model_worker, self.prior_worker, self.browser.worker,
                self.export_worker, self.print_worker, self.preview_worker, self.viewer.plot.filter_worker)

    def batch_running(self) -> bool:
        """Whether a batch scoring run goes on: started and not cancelled (a cancelled one only finishes
        its current record)."""
        worker = getattr(self.batch_dialog, "worker", None)
        return worker is not None and not worker.is_cancelled

    def unfinished_work(self) -> list[str]:
        """What closing now would abandon, in words: a PDF being written or waiting for the analysis,
        a batch scoring run; [] when nothing is."""
        out = []
        if self.export_worker is not None:
            name = self.export_path.name if self.export_path is not None else "a PDF report"
            out.append(f"{name} is being written (it would not be)")
        if self.print_worker is not None:
            out.append("a report is being printed (the rest of it would not be)")
        if self._waiting_prints():
            out.append("a report waiting for the analysis to be printed (it would not be)")
        exports = [job for job in self._export_queue if job.kind == "export"]
        if exports:
            n = len(exports)
            out.append(f"{n} PDF report{'s' if n > 1 else ''} waiting for the analysis (not written)")
        edited = self.unsigned_overread()
        if edited:
            out.append(edited)
        if self.batch_running():
            out.append(f"batch scoring is running ({self.batch_dialog.count_said()}); it would stop after the current "
                       "record, the rows written so far kept")
        return out

    def confirm_quit(self, work: list[str]) -> bool:
        """Ask whether to quit with ``work`` unfinished; True: quit."""
        text = "Quit MIRAGE Review now?\n\n" + "\n".join(f"- {w}" for w in work)
        with dialog_of(self):
            answer = QMessageBox.question(self, "Work in progress", text,
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event) -> None:
        work = self.unfinished_work() if self.ask_before_quit else []
        if work and not self.confirm_quit(work):
            event.ignore()       # keep working: nothing cancelled
            return
        self.flush_overread()       # a comment still being typed: kept
        self.cancel_all()
        self.settings.window_geometry = self.saveGeometry()
        self.settings.result_splitters = (self.side_splitter.saveState(), self.result_column.saveState(),
                                          self.image_splitter.saveState())
        self.settings.panels_under_traces = self.panels_action.isChecked()
        self.settings.sync()
        super().closeEvent(event)
