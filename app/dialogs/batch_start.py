"""What the batch dialog's Start does (``BatchStart``, a part of ``batch.BatchDialog``): the form's fields checked, an
output CSV holding an earlier run's rows or a PDF folder holding its PDFs asked about first (``batch_questions``; a
resumed run only about the PDFs of records its output has no finished row of), the folder listed first in a worker
where there is a PDF folder, the last run's results cleared, and the batch started in a worker whose progress, result,
error and end go to the dialog's other parts."""

from __future__ import annotations

from pathlib import Path

from app import workers
from app.dialogs.batch_jobs import ListedFolder, batch_with_model_job, list_folder_job
from app.dialogs.batch_paths import locale_dialect, refused_output
from app.dialogs.batch_questions import ask_replace_output, ask_replace_pdfs


class BatchStart:
    """Starting a run: the part of ``BatchDialog`` behind its Start button."""

    def start(self) -> workers.Worker | None:
        folder, out = self.folder.text().strip(), self.output.text().strip()
        if not folder or not Path(folder).is_dir():
            self.status.setText(f"Choose an existing folder (got {folder!r}).")
            return None
        if not out:
            self.status.setText("Choose an output CSV file.")
            return None
        refused = refused_output(out, self.pdf_dir.text().strip())
        if refused:
            self.status.setText(f"Not started: {refused}.")
            return None
        self.status.setToolTip("")
        self._replacing = []
        kwargs = {}
        if self.pdf_dir.text().strip():
            kwargs["pdf_dir"] = self.pdf_dir.text().strip()
        if self.labs.text().strip():
            kwargs["labs"] = self.labs.text().strip()
        if self.compare_prior.isChecked():
            kwargs["compare_prior"] = True
        if self.patient_names.isChecked():
            kwargs["patient_names"] = True
        if self.resume.isChecked():
            kwargs["resume"] = True           # in the output's own CSV dialect, whatever the locale now
        else:
            kwargs["csv_dialect"] = locale_dialect()
            replace = self._may_write(out)
            if replace is None:
                return None
            kwargs["overwrite"] = replace     # False: rows that appear meanwhile are refused by the batch
        self._folder = Path(folder)
        self.folderStarted.emit(str(self._folder))
        # PDFs an earlier run wrote for these records are asked about first (mirage score refuses
        # them without --overwrite); a resumed run skips its finished records and their PDFs, and
        # is asked, as mirage score --resume refuses, only about the others' (another run's)
        if "pdf_dir" in kwargs:
            return self._list_first(folder, out, kwargs)
        return self._start_batch(folder, out, kwargs)

    def _may_write(self, out: str) -> bool | None:
        """Whether a run that is not resumed may write ``out``: None when not (the status says why),
        True when it holds an earlier run's rows and the user answers Replace (``mirage score``
        refuses them without --overwrite), False when it holds none. A file that is no batch output
        (a record's signal file, the labs table) is never written. Only the file's first 64 KiB are
        read (``batch.outputs.earlier_output``)."""
        from mirage_model.review.batch import BatchError      # scipy: when a batch starts
        from mirage_model.review.batch.outputs import earlier_output

        try:
            earlier = earlier_output(out, "csv")
        except BatchError as err:
            self.status.setText(f"Not started: {err}")
            return None
        if earlier and not ask_replace_output(self, out):
            self.status.setText(f"Not started: the rows in {out} are kept, nothing was written. Tick Resume to "
                                "score only the records it did not finish, or choose another output CSV.")
            return None
        return earlier

    def _list_first(self, folder: str, out: str, kwargs: dict) -> workers.Worker:
        """List the folder and look for the PDFs the run would replace, in a worker; the batch
        starts when none would be replaced, or when the user answers Replace."""
        checker = workers.Worker(list_folder_job, folder, kwargs["pdf_dir"], out if kwargs.get("resume") else None,
                                 name="batch listing")
        sig = checker.signals
        sig.result.connect(workers.while_alive(self, lambda listed: self._listed(checker, listed, folder, out, kwargs)))
        sig.error.connect(self._error)
        sig.finished.connect(workers.while_alive(self, lambda: self._listing_finished(checker)))
        self.worker = checker
        self.start_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.progress.setRange(0, 0)
        self.status.setText(f"Listing the folder and looking for earlier PDFs in {kwargs['pdf_dir']}...")
        checker.start()
        return checker

    def _listed(self, checker: workers.Worker, listed: ListedFolder, folder: str, out: str, kwargs: dict) -> None:
        if self.worker is not checker or checker.is_cancelled:
            return
        self.worker = None
        pdf_dir = kwargs["pdf_dir"]
        if listed.earlier and not ask_replace_pdfs(self, listed.earlier, pdf_dir, listed.resumed):
            self._idle()
            n = len(listed.earlier)
            self.status.setText(f"Not started: the {n} earlier PDF{'s' if n != 1 else ''} in {pdf_dir} "
                                f"{'are' if n != 1 else 'is'} kept, nothing was written. Choose another PDF "
                                "folder" + ("." if listed.resumed else ", or tick Resume with that run's output CSV."))
            return
        self._replacing = list(listed.earlier)      # a run stopped before it reaches them leaves them: said then
        kwargs = dict(kwargs, found=listed.found, unreadable_folders=listed.unreadable)    # listed once
        self._start_batch(folder, out, kwargs)

    def _listing_finished(self, checker: workers.Worker) -> None:
        if self.worker is not checker:      # the batch started, or the question was answered
            return
        self.worker = None
        self._idle()
        if checker.is_cancelled:
            self.status.setText("Cancelled before any record was scored; nothing was written.")

    def _clear_results(self) -> None:
        """Empty the table and the notes of the last run: when the next one starts, not before (a run not
        started, its output's or PDFs' question answered Cancel, leaves the last run's rows in view)."""
        self.rows, self._row_keys = [], []
        self._kept = set()
        self.columns = []
        self.labs_lookup = None
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self._error_width, self._name_widths = 0, {}
        self._show_message(-1)
        self.summary = None
        self.status.setToolTip("")
        self._set_notes([])
        self._labs_header, self._labs_header_line = [], ""
        self._handled = (0, 0)
        self._rate_from = None          # the run's time left, counted once its first chunk is in

    def _start_batch(self, folder: str, out: str, kwargs: dict) -> workers.Worker:
        self._clear_results()
        self._labs_name = Path(kwargs.get("labs", "")).name
        self._pdf_dir = kwargs.get("pdf_dir")          # the run's, for its last line: the PDF folder may be edited
        self.worker = workers.Worker(batch_with_model_job, folder, self.model_path, self.device.currentText(),
                                     self.predictor, out, self.statements, name="batch", keep_result=True,
                                     **kwargs)
        sig = self.worker.signals
        sig.progress.connect(self._progress)
        sig.result.connect(self._done)
        sig.error.connect(self._error)
        sig.finished.connect(self._finished)
        self.start_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.progress.setRange(0, 0)
        self.status.setText("Loading the model and listing the folder...")
        self.worker.start()
        return self.worker
