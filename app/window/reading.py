"""A record read by its load job, on screen as its parts arrive: drawn with its status line, its quality report,
its measurements, its model image prepared as the loaded model prepares (once per model), or why it could not
be read.

``ReadingMixin`` is one of the jobs ``MainWindow`` composes (``RecordsMixin`` opens the record and starts the load
job whose signals come here); the window owns the widgets, the session and the signals.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QTimer

from app import jobs, workers
from app.views.patient_line import NO_RECORD
from app.window.records import _brief, _reason, shown_name
from mirage_model.limits import SCALE_FINDINGS
from mirage_model.records.age import shown_age
from mirage_model.review.file_info import (cut_short, device_report_lines, file_diagnosis_lines, file_patient,
                                           length_read, patient_named, reader_notes, record_notes)
from mirage_model.review.session import PENDING, STALE


class ReadingMixin:
    """A record's load job's results on screen (for ``MainWindow``)."""

    def _load_progress(self, sid: int, path: Path, done: int, out) -> None:
        if not self._current(sid):
            out.drawn.set()
            return
        if done == 1:
            try:
                self._load_out = (sid, out)      # its preparation, for a model job started meanwhile
                self.session.file_stamp = out.stamp     # a report or a signature asks whether the file changed since
                self._show_record(path, out.record)
                self.browser.show_row(path, jobs.record_info(out.record))      # its row: the file as read now
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

    def changeEvent(self, event) -> None:      # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.tell_file_changed()

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
        length = length_read(record.duration_s, (record.meta or {}).get("recording_s"),   # "2.50 h of 24.0 h read"
                             cut_short(record.meta))
        return (f"{record.record_id}: {record.fs:g} Hz, {length}, "
                f"age {shown_age(s.age, record.meta) or 'unknown'}, sex {s.sex or 'unknown'}"
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
