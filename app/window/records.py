"""Opening records and folders: a new ``ReviewSession`` per record, its views cleared and its load job started
(``reading``: the record drawn as soon as it is read, its model image and measurements shown as they arrive), the
folder browser, recent files, drag and drop.

``RecordsMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the session and the signals.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Mapping

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from app import jobs, workers
from app.views.dialog_focus import dialog_of
from app.run_logging import name_shown
from app.views.patient_line import NO_RECORD
from mirage_model import formats
from mirage_model.csvsafe import printable
from mirage_model.review.session import ReviewSession

RECORD_FILTER = formats.OPEN_FILTER  # WFDB, vendor XML, DICOM, SCP-ECG, EDF/BDF ...


def shown_name(path: Path) -> str:
    """``path``'s file name as the window shows it: a byte that is not UTF-8 as ``\\xNN``, as the CLI
    and the batch CSV write it (Qt drops PEP 383's lone surrogates: "caf\\xe9.hea" read "caf.hea"); the log file
    tags it whole (``run_logging.name_shown``)."""
    return name_shown(printable(Path(path).name))


def _reason(message: str, path: Path) -> str:
    """An error about ``path`` without the path that the words before it name already ("Could not
    open 1.hea: ..."): a ``RecordError`` starts with its file's full path. One about another file of
    the record (its signal file) keeps that file's name, not its folder. A reader's bug ("MIRAGE could
    not read FILE: an error in MIRAGE's ... reader ...") is said after those words as any error is."""
    text = str(message).strip().removeprefix("MIRAGE could not read ")
    for prefix in (f"{printable(path)}: ", f"{shown_name(path)}: ", f"{path}: ", f"{path.name}: "):
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix):]
    for folder in {str(path.parent), printable(path.parent)}:
        if text.startswith(folder + os.sep) and ": " in text:
            return text[len(folder) + 1:]
    return text


def _brief(message: str, path: Path, limit: int = 160) -> str:
    """The first line of an error about ``path``, without the path the view already names, cut to
    ``limit`` characters (the message bar has all of it)."""
    line = next((x.strip() for x in _reason(message, path).splitlines() if x.strip()), "")
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


class RecordsMixin:
    """Records in: open one in a new session (``ReadingMixin`` shows it as it is read); the folder browser and
    recent files (for ``MainWindow``)."""

    def open_dialog(self) -> None:
        start = self.settings.last_folder or str(Path.home())
        with dialog_of(self):
            path, _ = QFileDialog.getOpenFileName(self, "Open ECG record", start, RECORD_FILTER)
        if path:
            self.open_record(path)

    def open_folder_dialog(self) -> None:
        with dialog_of(self):
            folder = QFileDialog.getExistingDirectory(self, "Folder of records", self.settings.last_folder)
        if folder:
            self.open_folder(folder)

    def step_record(self, delta: int) -> bool:
        """Next (+1) / previous (-1) record of the folder browser (Ctrl+PgDown / Ctrl+PgUp)."""
        ok = self.browser.step(self.record_path, delta)
        if not ok:
            self.show_status("No folder is open: File > Open folder lists its records to step through."
                             if not self.browser.paths else
                             "No next record in the folder." if delta > 0 else "No previous record in the folder.")
        return ok

    def unsigned_overread(self) -> str:
        """The open record's over-read edited but not signed over its statements, or signed but written into no
        report since (``OverRead.unkept``), in words ("" when neither): the next record's session starts an empty
        one, so leaving loses it."""
        return self._overread_left()[0]

    def _overread_left(self, kept_too: bool = False) -> tuple[str, bool]:
        """``unsigned_overread``'s words, and whether it is the signature that is missing (else the report).
        ``kept_too``: an unsigned over-read the store keeps is said too (another store is about to be read)."""
        from mirage_model.review.interpret import session_interpretation

        s = self.session
        kept = s is not None and s.record is not None and self.overread_kept()
        if s is None or s.record is None or (kept and not kept_too):      # the store keeps it: nothing is lost
            return "", False
        it, name = session_interpretation(s), shown_name(s.path) if s.path else "this record"
        if s.overread.needs_asking(it):
            return f"the over-read of {name} is not signed " + (
                f"(its draft stays in {self.overread_store().path}, which the record is then no longer read from)"
                if kept else "(it would be lost)"), True
        if not kept and s.overread.unkept(it):      # signed, but kept nowhere once left: only a report keeps it
            return (f"the over-read of {name} is signed but in no report yet (it would be lost: File > Export PDF "
                    "report keeps it)"), False
        return "", False

    def leave_overread(self, path: Path | None, store: Path | None = None, taken: bool = False) -> bool:
        """Whether to open ``path`` (or to keep over-reads in ``store`` from now, the open record read again from
        it; ``taken``: ``store`` is the one in use, just taken as it is, and the over-read on screen was made while it
        was refused): a person (``ask_before_quit``) whose over-read of the open record is edited but unsigned (for
        another ``store``, kept or not), or signed and in no report, is asked first; "No" keeps the record open (its
        row highlighted again), or the store, or (``taken``) the over-read on screen."""
        self.flush_overread()       # a comment still being typed: kept before the session goes
        edited, unsigned = self._overread_left(kept_too=store is not None and not taken) if self.ask_before_quit \
            else ("", False)
        if not edited:
            return True
        from PySide6.QtWidgets import QMessageBox

        todo = "sign it (Sign... under the interpretation)" if unsigned else "export its report"
        text = (f"Read {shown_name(self.record_path)} again from the over-read store taken ({store})?\n\n- {edited}."
                "\n\nNo keeps it on screen, and in that store from now (in place of what the store holds of this "
                "record; its signatures stay)." if taken else
                f"Keep over-reads in {store} from now, and read the open record again from it?\n\n- {edited}.\n\n"
                f"No keeps the store in use, to {todo}." if store is not None else
                f"Open {shown_name(path)} now?\n\n- {edited}.\n\nNo keeps this record open to {todo}.")
        with dialog_of(self):
            answer = QMessageBox.question(self, "Over-read not signed" if unsigned else "Over-read in no report", text,
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            return True
        if self.record_path is not None and store is None:
            self.browser.show_open(self.record_path)
        return False

    def open_folder(self, folder: str | Path) -> workers.Worker:
        self.browser_dock.setVisible(True)
        self.settings.last_folder = str(folder)
        return self.browser.set_folder(folder)

    def open_record(self, path: str | Path, values: Mapping | None = None,
                    asked: bool = False) -> workers.Worker | None:
        """Read, draw, measure and (with a model) classify a record in a new review session (None: not opened,
        the reviewer kept the open record's unsigned over-read, ``leave_overread``).

        ``values``: clinical values from a labs table ({name: (value, unit)}, e.g. those a batch
        scored the record with); they enter over the file's own with the source "table" and the
        reviewer can still edit them. Without them, the window's open labs table gives the record its
        row (``labs_row_for``), or none, saying so.

        The previous session is closed first: its jobs are cancelled, its late results are
        dropped (their session id no longer matches) and no widget keeps any of its values.
        """
        path = Path(path)
        if not asked and not self.leave_overread(path):     # ``asked``: its caller asked (``leave_overread``)
            return None
        for w in (self.load_worker, self.predict_worker, self.prior_worker):
            if w is not None:
                w.cancel()
        self.predict_worker = None
        self.prior_worker = None      # a prior asked for the previous record: dropped (its session is gone)
        self._debounce.stop()
        if self.session is not None:
            self.session.events.disconnect()
        pred = self.predictor
        session = ReviewSession(path=path, schema=getattr(pred, "schema", None),
                                model_name=getattr(pred, "name", None), also_read=self.statements_reads())
        if pred is None and not self._model_loading:
            session.no_model(self.model_error or "no model loaded")
        self.session = session
        session.events.connect(self._status_follows_values)    # an age or sex typed later: the status bar too
        self.record_status = ""
        session.labs_batch = bool(values)
        row = None if values else self.labs_row_for(path)
        session.labs_table = row.line if row is not None else ""
        self._table_values = (session.id, dict(values or (row.values if row is not None else {})),
                              row.notes if row is not None else ())
        self.browser.show_open(path)
        dropped = [e for e in self._export_queue if e.sid != session.id]
        self._export_queue = [e for e in self._export_queue if e.sid == session.id]
        unpreviewed = self._drop_preview()      # the previous record's print preview being made: stopped
        self._clear_views()
        # an export or a print waiting for the previous record's analysis, or its preview being made: never made,
        # and said so
        if dropped or unpreviewed:
            self._drop_queued(dropped, unpreviewed)
        sid = session.id
        self._t_open = time.perf_counter()
        self.show_status(f"Opening {shown_name(path)}...")
        pcfg = getattr(pred, "preprocess_cfg", None)
        rcfg = getattr(pred, "render_cfg", None)
        # The load job prepares the record as the loaded model does (its configs, and its quality
        # report when it assesses: the pacer marks come with the model image); the model job,
        # started with the traces, shares that one preparation (``record_preparation``).
        # With no model (or one still loading) it prepares with the default configs and assesses;
        # a model that arrives and prepares alike reuses that too (``inputs_for_model``), and one
        # that fails leaves that report on screen: the record is assessed once, here.
        assess = bool(getattr(pred, "assess_quality", False)) if pred is not None else True
        self._load_out = None
        self.open_failure = ""
        # its error is said by _load_failed (the message bar, logged): the job logs it to the log file only
        w = workers.Worker(jobs.load_record_job, path, pcfg, rcfg, name="load", disposable=True,
                           errors_said=True, with_quality=assess)
        w.signals.progress.connect(
            workers.while_alive(self, lambda d, t, out, i=sid, p=path: self._load_progress(i, p, d, out)))
        w.signals.result.connect(workers.while_alive(self, lambda out, i=sid: self._load_done(i, out)))
        w.signals.error.connect(workers.while_alive(self, lambda msg, i=sid, p=path: self._load_failed(i, p, msg)))
        w.signals.finished.connect(workers.while_alive(self, lambda i=sid: self._load_finished(i)))
        self.load_worker = w
        return w.start()

    def _current(self, sid: int) -> bool:
        return self.session is not None and self.session.id == sid

    def _clear_views(self) -> None:
        """Nothing of the previous patient stays on screen: not the traces, the window title, the
        patient line or the device's analysis either, also when the new record cannot be read."""
        self._set_message_visible(False)
        self._record_controls(False)      # until the new record is on screen
        self.patient_line.set_session(self.session)     # names the patient once the record is read
        name = shown_name(self.session.path) if self.session is not None and self.session.path else ""
        self.viewer.clear_record(NO_RECORD, f"Opening {name}..." if name else "")
        self.setWindowTitle("MIRAGE Review")
        self.results.set_file_info()
        self.viewer.plot.set_explanation(None)
        self.viewer.plot.set_quality(None)
        self.image_view.set_image(None)
        self.image_view.set_explanation(None, self.no_result_why())
        self.heatmaps.set_explanation(None, self.no_result_why())
        self.measure_panel.set_session(self.session)
        self.median_beats.set_session(self.session)      # fills itself when the measurements arrive
        self.comparison_view.set_session(self.session)   # a new session has no prior: "No prior ECG"
        if self.median_window is not None:               # the window of them too: never an earlier patient's
            self.median_window.set_session(self.session)
        self.results.interpretation.set_session(self.session)
        self.lab_form.set_session(self.session)
        self.results.bars.clear()
        self.results.positive.setText("")
        self.results.positive.setToolTip("")      # the previous prediction's quality summary
        self.results.state.setText("")
        self.results.set_quality_error("")
        # read from its top (the rhythm, a noise or disagreement line first), not where the last one was left
        self.results_scroll.verticalScrollBar().setValue(0)

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files
        for path in files:
            a = self.recent_menu.addAction(path)
            a.triggered.connect(lambda _=False, p=path: self.open_record(p))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)
        self.recent_menu.setEnabled(bool(files))

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        self._refresh_recent()

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        event.acceptProposedAction()
        self.open_path(urls[0])

    def open_path(self, path: str | Path) -> None:
        """A dropped or command-line path: a folder goes to the browser, a file is opened."""
        path = Path(path)
        if path.is_dir():
            self.open_folder(path)
        else:
            self.open_record(path)

