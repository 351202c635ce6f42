"""Opening records and folders: a new ``ReviewSession`` per record, its record drawn as soon as it is read, its model
image and measurements shown as they arrive, the folder browser, recent files, drag and drop.

``RecordsMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the session and the signals.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Mapping

from PySide6.QtCore import QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from app import jobs, workers
from app.views.patient_line import NO_RECORD
from mirage_model import formats
from mirage_model.csvsafe import printable
from mirage_model.limits import SCALE_FINDINGS
from mirage_model.records.age import age_text
from mirage_model.review.file_info import (device_report_lines, file_diagnosis_lines, file_patient, length_read,
                                           patient_named, reader_notes, record_notes)
from mirage_model.review.session import PENDING, STALE, ReviewSession

RECORD_FILTER = formats.OPEN_FILTER  # WFDB, vendor XML, DICOM, SCP-ECG, EDF/BDF ...


def shown_name(path: Path) -> str:
    """``path``'s file name as the window shows it: a byte that is not UTF-8 as ``\\xNN``, as the CLI
    and the batch CSV write it (Qt drops PEP 383's lone surrogates: "caf\\xe9.hea" read "caf.hea")."""
    return printable(Path(path).name)


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
    """Records in: open, draw, measure; the folder browser and recent files (for ``MainWindow``)."""

    def open_dialog(self) -> None:
        start = self.settings.last_folder or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open ECG record", start, RECORD_FILTER)
        if path:
            self.open_record(path)

    def open_folder_dialog(self) -> None:
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

    def _overread_left(self) -> tuple[str, bool]:
        """``unsigned_overread``'s words, and whether it is the signature that is missing (else the report)."""
        from mirage_model.review.interpret import session_interpretation

        s = self.session
        if s is None or s.record is None or self.overread_kept():      # the store keeps it: nothing is lost
            return "", False
        it, name = session_interpretation(s), shown_name(s.path) if s.path else "this record"
        if s.overread.needs_asking(it):
            return f"the over-read of {name} is not signed (it would be lost)", True
        if s.overread.unkept(it):      # signed, but kept nowhere once the record is left: only a report keeps it
            return (f"the over-read of {name} is signed but in no report yet (it would be lost: File > Export PDF "
                    "report keeps it)"), False
        return "", False

    def leave_overread(self, path: Path) -> bool:
        """Whether to open ``path``: a person (``ask_before_quit``) whose over-read of the open record is edited
        but unsigned, or signed and in no report, is asked first; "No" keeps the record open (its row highlighted
        again)."""
        self.flush_overread()       # a comment still being typed: kept before the session goes
        edited, unsigned = self._overread_left() if self.ask_before_quit else ("", False)
        if not edited:
            return True
        from PySide6.QtWidgets import QMessageBox

        todo = "sign it (Sign... under the interpretation)" if unsigned else "export its report"
        text = f"Open {shown_name(path)} now?\n\n- {edited}.\n\nNo keeps this record open to {todo}."
        answer = QMessageBox.question(self, "Over-read not signed" if unsigned else "Over-read in no report", text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            return True
        if self.record_path is not None:
            self.browser.show_open(self.record_path)
        return False

    def open_folder(self, folder: str | Path) -> workers.Worker:
        self.browser_dock.setVisible(True)
        self.settings.last_folder = str(folder)
        return self.browser.set_folder(folder)

    def open_record(self, path: str | Path, values: Mapping | None = None) -> workers.Worker | None:
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
        if not self.leave_overread(path):
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

    def _load_progress(self, sid: int, path: Path, done: int, out) -> None:
        if not self._current(sid):
            out.drawn.set()
            return
        if done == 1:
            try:
                self._load_out = (sid, out)      # its preparation, for a model job started meanwhile
                self._show_record(path, out.record)
                self.viewer.plot.viewport().update()
                self.timings["open_to_drawn_s"] = time.perf_counter() - self._t_open
            finally:
                out.drawn.set()
        elif done == 2:
            held = self.session.prepared
            if not (held is not None and held.key == getattr(self.predictor, "prepare_key", None)
                    and getattr(out.prepared, "key", None) != held.key):   # not over the model's own
                self.session.accept_inputs(sid, out.inputs, out.errors.get("inputs", ""), prepared=out.prepared)
                self._show_inputs(out)
            if out.quality is not None:
                self._quality_ready(sid, out.quality)
            elif "quality" in out.errors:
                self._quality_failed(sid, out.errors["quality"])

    def record_preparation(self):
        """What a model job reuses of the open record's preparation: the session's
        (``inference.RecordInputs``), or before the load job has handed it over that job's
        ``LoadedRecord`` (``jobs.score_job`` makes it or waits for it); None when there is none."""
        session = self.session
        if session is None or session.prepared is not None:
            return getattr(session, "prepared", None)
        held = getattr(self, "_load_out", None)
        return held[1] if held is not None and held[0] == session.id else None

    def _preparation_ended(self, sid: int, then) -> None:
        """``inputs_for_model``'s job for record ``sid`` ended: no longer preparing; ``then()`` when the
        loaded model has still to score the open record (``inputs_for_model`` once prepared, which
        runs the model on that preparation; ``run_prediction`` when the job failed)."""
        if not self._current(sid) or getattr(self, "_preparing", None) != sid:
            return
        self._preparing = None
        if self.predictor is not None and self.session.state["prediction"] in (PENDING, STALE):
            then()

    def preparing(self) -> bool:
        """True while ``inputs_for_model``'s job prepares the open record (a model run then waits
        for it: ``run_prediction``)."""
        return self.session is not None and getattr(self, "_preparing", None) == self.session.id

    def _quality_ready(self, sid: int, quality) -> None:
        """The record's own quality report (the one a model that assesses reuses): kept for the session (the
        interpretation without a model is gated by it, ``session_interpretation``), its pacer marks and artefacts
        drawn while no prediction's report is shown, and a gain in doubt ("... 0.20 times their usual size or less:
        gain wrong?") said in the message bar, as a flat lead is (it had been in small print under the result)."""
        if not self._current(sid):
            return
        self.session.set_quality(quality)
        if self.session.prediction is None:
            self.viewer.plot.set_quality(quality)
        gain = [f.name for f in getattr(quality, "findings", ()) if f.code in SCALE_FINDINGS]
        if gain:
            self._say_of_record("signal quality: " + "; ".join(gain))

    def _quality_failed(self, sid: int, message: str) -> None:
        """The record's quality assessment raised (``message``: "signal quality not assessed: ..."): said where the
        verdict shows (the results panel), in the message bar, and kept in the session (the PDF lists it under what
        the report lacks). A model run on it fails with the same error (``inference.AssessmentError``)."""
        if not self._current(sid):
            return
        self.session.set_quality(None, message)
        self.results.set_quality_error(message)
        self._say_of_record(message)

    def _say_of_record(self, message: str) -> None:
        """``message`` of the open record in the message bar, after what it says of the record (its lead flags)."""
        text = f"{self.session.record_id}: {message}"
        if not self.message_bar.isHidden() and self.message_bar.text().startswith(f"{self.session.record_id}: "):
            text = f"{self.message_bar.text()}; {message}"
        self.show_message(text)

    def with_reader_notes(self, text: str) -> str:
        """``text`` for the message bar, then what the open record's file reader noticed
        (``file_info.reader_notes``), which a later message there (a model that fails to load or to
        score the record) must not hide; ``text`` alone with no record open."""
        record = self.session.record if self.session is not None else None
        return "; ".join([text, *(f"{self.session.record_id}: {n}" for n in reader_notes(record))])

    def record_quality(self):
        """The open record's quality report, made by its record-load job (``_quality_ready``; the
        record's only assessment, kept in its session when a model fails or is replaced), or None."""
        return getattr(self.session, "quality", None)

    def _show_record(self, path: Path, record) -> None:
        t0 = time.perf_counter()
        self.session.set_record(record, path)
        self.restore_overread()         # kept from an earlier session of this record's content, if any
        sid, table, left_out = getattr(self, "_table_values", (None, {}, ()))
        labs_notes = []
        if (table or left_out) and sid == self.session.id:
            # over the file's, as the batch had them; a row that differs from the header in age or
            # sex (maybe another patient's), and the row's bad cells left out, are said in the message bar
            # and the lab form
            labs_notes = [self.session.set_labs_row(table, source="table", left_out=left_out), *left_out]
        self.viewer.set_record(record)
        self._record_controls(True)
        if self.fit_page_on_open:
            QTimer.singleShot(0, self.viewer.plot.fit_page)
        self.lab_form.refresh()
        self.settings.add_recent(path)
        self.settings.last_folder = str(path.parent)
        self._refresh_recent()
        # what the file says beside the signal: the record's notes (channels not shown), then the
        # device's own analysis, then the file's own diagnoses and notes ("In the file ...: not MIRAGE's");
        # the PDF prints the same (file_info.record_notes, device_report_lines, file_diagnosis_lines)
        self.results.set_file_info(record_notes(record), [device_report_lines(record), file_diagnosis_lines(record)])
        named = patient_named(record)       # "JOHN DOE, ID 081486213", "anonymised", as the status bar
        self.setWindowTitle(f"MIRAGE Review - {record.record_id}" + (f" - {named}" if named else ""))
        self.record_status = self._record_status_text()
        self.show_status(self.record_status)
        flagged = record.flag_texts(("flat", "saturated", "missing")) if hasattr(record, "flag_texts") else []
        said = (["lead quality: " + "; ".join(flagged)] if flagged else []) + [n for n in labs_notes if n]
        said += reader_notes(record)      # with a model or without, before it has run
        if said:
            self.show_message(f"{record.record_id}: " + "; ".join(said))
        self.timings["draw_s"] = time.perf_counter() - t0
        self.recordLoaded.emit(record)
        if self.predictor is not None:
            self.run_prediction()      # reusing the load job's preparation (``record_preparation``)

    def _record_status_text(self) -> str:
        """The status bar's line for the open record: "1: 500 Hz, 10.0 s, age 51, sex F", then the
        patient's name and ID ("anonymised" where the file says it was) and the device when the file
        gives them; age and sex as the session holds them (the file's, or the reviewer's edit in the lab
        form), "unknown" where not given, as the patient line and page 1 of the PDF say "Age: unknown",
        "Sex: unknown"."""
        s = self.session
        record = s.record
        who = file_patient(record)
        named = patient_named(record)       # "anonymised" where the patient line says "Patient: anonymised"
        length = length_read(record.duration_s, (record.meta or {}).get("recording_s"))  # "2.50 h of 24.0 h read"
        return (f"{record.record_id}: {record.fs:g} Hz, {length}, "
                f"age {age_text(s.age) or 'unknown'}, sex {s.sex or 'unknown'}"
                + (f"; {named}" if named else "") + (f"; {who['device']}" if who.get("device") else ""))

    def _status_follows_values(self, name: str, info: dict) -> None:
        """An age or sex typed (or a labs row) after opening: the record's line in the status bar says
        it at once, as the patient line does, wherever the status bar still shows that line (a later
        message, "model result ready", follows it)."""
        if name != "values" or not self.record_status or self.session is None or self.session.record is None:
            return
        old, new = self.record_status, self._record_status_text()
        self.record_status = new
        text = self.status_label.text()
        if new != old and text.startswith(old):
            self.show_status(new + text[len(old):])

    def _show_inputs(self, out) -> None:
        if out.inputs is not None:
            self.image_view.set_image(out.inputs.image[0])
        elif "inputs" in out.errors:
            self.image_view.caption.setText(f"Model image unavailable: {out.errors['inputs']}")

    def inputs_for_model(self) -> workers.Worker | None:
        """Score the open record with the loaded model, first preparing it as the model prepares
        (its preprocess/render settings and quality report; a worker, which also shows its model
        image) unless the session's preparation already is that: a record is prepared once per
        model. Waits for a job still preparing the record (it calls this when done)."""
        session = self.session
        if self.record is None or self.predictor is None or self.preparing():
            return None
        pred = self.predictor
        if getattr(session.prepared, "key", None) == getattr(pred, "prepare_key", False):
            return self.run_prediction()
        if session.prepared is None and self.record_preparation() is not None:
            return self.run_prediction()    # the load job is preparing it: reused if made alike
        pcfg = getattr(pred, "preprocess_cfg", None)
        rcfg = getattr(pred, "render_cfg", None)
        quality = bool(getattr(pred, "assess_quality", False))

        def job(ctx, record):
            from mirage_model.inference import record_inputs   # torch: the model job imported it
            return record_inputs(record, pcfg, rcfg, quality=quality)

        sid = self._preparing = session.id
        w = workers.Worker(job, self.record, name="inputs", disposable=True)
        w.signals.result.connect(workers.while_alive(self, lambda made, i=sid: self._inputs_ready(i, made)))
        # failed: the model job prepares the record itself and says why
        w.signals.finished.connect(
            workers.while_alive(self, lambda i=sid: self._preparation_ended(i, self.run_prediction)))
        return w.start()

    def _inputs_ready(self, sid: int, made) -> None:
        """The open record prepared for the model (``inputs_for_model``): kept and shown, then scored."""
        if not self._current(sid) or not self.session.accept_inputs(sid, made.inputs, prepared=made):
            return
        expl = getattr(self.prediction, "explanation", None)
        window = int(getattr(expl, "window", 0) or 0) if expl is not None else 0
        self.image_view.set_image(made.inputs.image[min(window, len(made.inputs.image) - 1)])
        self._preparation_ended(sid, self.inputs_for_model)

    def _load_done(self, sid: int, out) -> None:
        if not self._current(sid):
            return
        self.session.accept_measurements(sid, out.measurements, out.errors.get("measure", ""))   # the panel redraws
        self.viewer.plot.set_measurements(out.measurements)
        self.timings.update({f"job_{k}_s": v for k, v in out.timings.items()})
        self._check_finished()

    def _load_failed(self, sid: int, path: Path, message: str) -> None:
        if not self._current(sid):
            return
        name = shown_name(path)
        reason = _reason(message, path)       # the file named once, by its name: not again by its full path
        self.open_failure = reason
        self.show_message(f"Could not open {name}: {reason}",
                          logging.INFO if self.open_failures_said else logging.WARNING)
        self.viewer.clear_record(NO_RECORD, f"{name} could not be opened: {_brief(message, path)}")
        why = f"the record could not be read: {reason}"
        # nothing of it is waiting now: a model run left pending had Esc say "Model run cancelled: press Run
        # model (F5)" (greyed) of a record never scored
        self.session.accept_inputs(sid, None, why)
        self.session.cancel_measurements(why)
        self.session.cancel_prediction(why)
        self.setWindowTitle(f"MIRAGE Review - {name} could not be opened")
        self.measure_panel.refresh()
        self.results.state.setText(f"No result: {name} could not be read.")
        self._finished_session = sid
        self.analysisFinished.emit()

    def _load_finished(self, sid: int) -> None:
        if self._current(sid):
            self.load_worker = None
            self._load_out = None

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

