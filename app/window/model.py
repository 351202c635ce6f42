"""The model: loading it (off the GUI thread), scoring the session's record with the session's
values, the result in the results panel and the explanations on the views.

``ModelMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the
session and the signals.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app import jobs, workers
from app.views.dialog_focus import dialog_of
from app.views.explain import NO_RESULT_YET
from mirage_model.paths import default_model_path
from mirage_model.preprocess import prediction_coverage
from mirage_model.records.fingerprint import in_training_words
from mirage_model.review.interpret import doubted_calls
from mirage_model.review.labels import model_words, with_words
from mirage_model.review.session import STALE, UNAVAILABLE


def folder_key(folder) -> str:
    """One spelling per folder (relative, trailing slash, symlinks): to find the loaded model's menu item."""
    try:
        return str(Path(folder).expanduser().resolve())
    except (OSError, RuntimeError):
        return str(folder)


class ModelMixin:
    """The model and its predictions (for ``MainWindow``)."""

    def model_path(self) -> str | None:
        """--model, else the checkpoint chosen in Settings, else the bundled default (None if none ships)."""
        if self.model_path_arg:
            return self.model_path_arg
        if self.settings.model_path:
            return self.settings.model_path
        path = default_model_path()
        return str(path) if path is not None else None

    def expect_model(self) -> None:
        """The model will be loaded shortly (after the first record is drawn): say "loading", so
        that nothing reads "No model loaded" meanwhile, and keep the session's result pending."""
        path = self.model_path()
        if path is not None and self.predictor is None:
            self._model_loading = True
            self.results.set_loading(Path(path).name)
            self.lab_form.set_loading_model(True)

    def load_model(self, path: str | None = None) -> workers.Worker | None:
        """Load the model in a worker; without one the app stays a viewer and says so."""
        path = path if path is not None else self.model_path()
        if self.model_worker is not None:
            self.model_worker.cancel()
        if path is None:
            self.predictor = None
            self.statements_predictor = None
            self.model_error = "No trained model ships with this build yet."
            self._sync_model_menu(None)
            self.results.set_no_model(self.model_reason())
            self.say_labs_masked()
            self._session_model_changed()
            return None
        self._model_loading = True
        self.results.set_loading(Path(path).name)
        self.lab_form.set_loading_model(True)
        self.model_worker = workers.Worker(jobs.load_models_job, path, self.device(),
                                           self.statements_model_arg or "auto", name="model", disposable=True)
        self.model_worker.signals.result.connect(
            workers.while_alive(self, lambda loaded, p=str(path): self._model_loaded(loaded, p)))
        self.model_worker.signals.error.connect(self._model_failed)
        self.model_worker.signals.finished.connect(self._model_finished)
        self._sync_model_menu(self.loaded_model_path if self.predictor is not None else None)   # not yet the new one
        if self.predictor is None:
            self.loaded_model_action.setText(f"Loading {Path(path).name}...")
            self.loaded_model_action.setToolTip(str(path))
        return self.model_worker.start()

    def _sync_model_menu(self, path: str | None) -> None:
        """Check the shipped model loaded from ``path`` (none checked: a folder of one's own, or no
        model), and name the loaded model under the Model menu: the menu says which model made the
        numbers on screen."""
        self.loaded_model_path = path
        key = folder_key(path) if path else None
        for folder, action in self.shipped_actions.items():
            action.setChecked(folder == key)
        if path is None or self.predictor is None:
            self.loaded_model_action.setText("No model loaded")
            self.loaded_model_action.setToolTip("")
        else:
            self.loaded_model_action.setText(f"Loaded: {self.predictor.name}")
            self.loaded_model_action.setToolTip(str(path))     # the folder (a full path would widen the menu)

    def _model_loaded(self, loaded, path: str | None = None) -> None:
        """``loaded``: ``jobs.LoadedModels`` (the model, the statements model beside it or why none);
        ``path``: the folder it was loaded from."""
        predictor = loaded.predictor
        self.predictor = predictor
        self.statements_predictor = loaded.statements
        self.model_error = ""
        self._sync_model_menu(path)
        # a --model that could not be used, this one loaded instead: said until the user chooses a model
        self.results.set_model(predictor, loaded.statements, loaded.statements_error, note=self.model_note)
        self.say_labs_masked()
        self.results.state.setText("")
        self._batch_follows_model()
        if self.labs_table is not None:
            self.labs_follow_model()      # a bad value this model reads refuses its row; its censored values said
        self._session_model_changed()

    def _model_failed(self, message: str) -> None:
        self.predictor = None
        self.statements_predictor = None
        self.model_error = message
        self._sync_model_menu(None)
        self.results.set_no_model(self.model_reason())
        self.say_labs_masked()
        self.results.state.setText("")
        self._batch_follows_model()
        self._session_model_changed()
        self.show_message(self.with_reader_notes(f"Could not load the model: {message}"))

    def model_reason(self) -> str:
        """Why no model is loaded, whole, for the results panel: the message bar that said it goes when a
        record opens. What was said of a --model that could not be used (``model_note``) comes first."""
        if not self.model_note:
            return self.model_error
        if not self.model_error:
            return self.model_note
        if self.model_path() is None:       # nothing to load instead: the note ends "no model is loaded"
            return f"{self.model_note}. {self.model_error}"
        return f"{self.model_note} (it could not be loaded either: {self.model_error})"

    def _batch_follows_model(self) -> None:
        """The batch dialog, when open, scores its next run with the model now loaded (it had kept the
        one loaded when it was first opened, whose name its CSV then gave)."""
        if self.batch_dialog is not None:
            self.batch_dialog.predictor = self.predictor
            self.batch_dialog.model_path = self.model_path() or ""

    def _model_finished(self) -> None:
        self._model_loading = False
        self.model_worker = None
        self.lab_form.set_loading_model(False)
        if self.predict_worker is None:
            self.results.busy.setVisible(False)
        self.modelFinished.emit()
        self._check_finished()

    def _session_model_changed(self) -> None:
        """The model arrived (late), changed or failed: the current session is scored again with
        its own values (never with anything of an earlier session)."""
        session = self.session
        if session is None:
            self.lab_form.set_schema(getattr(self.predictor, "schema", None))
            return
        if self.predictor is None:
            session.no_model(self.model_error or "no model loaded")
        else:
            session.set_model(self.predictor.schema, self.predictor.name, self.statements_reads())
        self.lab_form.set_session(session)
        self._show_result()
        if self.predictor is not None and session.record is not None:
            self.inputs_for_model()       # then scores the record, prepared once for this model
        self.prior_follows_model()        # a prior compared with it is scored with this model too
        self._check_finished()

    def statements_reads(self) -> tuple[str, ...]:
        """The clinical features the statements model beside the loaded one reads (its result, the
        interpretation, is out of date when one of them changes)."""
        schema = getattr(self.statements_predictor, "schema", None)
        return tuple(schema.names) if schema is not None else ()

    def _check_finished(self) -> None:
        """analysisFinished once per session, when nothing of it is pending any more."""
        session = self.session
        if session is None or session.record is None or self._finished_session == session.id:
            return
        if self._model_loading and self.predictor is None:
            return
        if not session.pending():
            self._finished_session = session.id
            self.analysisFinished.emit()
            self._run_queued_exports()

    def device(self) -> str:
        """The inference device: --device for this session, else the Settings choice (auto/cpu/cuda)."""
        return self.device_arg or self.settings.device

    def choose_model(self) -> None:
        with dialog_of(self):
            folder = QFileDialog.getExistingDirectory(self, "Model checkpoint folder", self.settings.model_path)
        if folder:
            self.use_model(folder)

    def use_model(self, folder: str) -> None:
        """Load the checkpoint in ``folder`` and remember it as the Settings choice."""
        self.settings.model_path = folder
        self.model_path_arg = None
        self.model_note = ""           # the --model refused at start is no reason any more
        self.load_model(folder)

    # ------------------------------------------------------------------ prediction
    def _labs_changed(self) -> None:
        session = self.session
        if self.predictor is None or session is None or session.record is None:
            return
        if session.state["prediction"] == STALE:
            self._result_out_of_date(True)
            self.results.state.setText("Clinical values changed: updating...")
            self._debounce.start()
        elif session.prediction is not None:
            # a value the model does not read (or one refused): the result stands, its notes change now
            self.results.state.setText(self._values_notes())

    def _result_out_of_date(self, stale: bool) -> None:
        """The result on screen is the previous values' (``stale``; False: no longer shown as such): its
        bars and the explanations drawn of it are faded, and the explanations say why (as the lab form's
        contributions do, ``LabForm.show_contributions``). A new result, or none, draws them current."""
        session = self.session
        why = ""
        if stale and session is not None:
            why = (session.errors.get("prediction", "") if session.state["prediction"] == STALE else "")
            why = why or "the model is running again"
        self.results.bars.set_stale(stale)
        for view in (self.viewer.plot, self.image_view, self.heatmaps):
            view.set_out_of_date(why)

    def _values_notes(self) -> str:
        """What the result line says of the session's values: those the model does not read, those refused; each
        in the lab form's words ("hs-Troponin T", as its rows and the PDF's clinical table name it, not the
        feature's name "troponin_t")."""
        session = self.session
        notes = []
        if session.unused():
            notes.append(f"Not used by this model: {', '.join(session.feature(n).label for n in session.unused())}")
        if session.refused():
            notes.append("Refused (not given to the model): "
                         + ", ".join(session.feature(n).label for n in session.refused()))
        return "; ".join(notes)

    def run_prediction(self) -> workers.Worker | None:
        """Classify the session's record with the session's values, off the GUI thread.

        The job carries the session's ticket; a result for another session, or for values that
        have changed since, is dropped when it arrives.
        """
        self._debounce.stop()
        session = self.session
        if self.predictor is None or session is None or session.record is None:
            return None
        if self.preparing():      # the record is being prepared for this model: it runs when that is in
            return None
        if self.predict_worker is not None:
            self.predict_worker.cancel()
        if session.model_name != self.predictor.name or session.schema is not self.predictor.schema:
            session.set_model(self.predictor.schema, self.predictor.name, self.statements_reads())
        ticket = session.ticket()
        w = workers.Worker(jobs.score_job, self.predictor, session.record, ticket, name="predict", disposable=True,
                           statements_predictor=self.statements_predictor, inputs=self.record_preparation())
        w.signals.started.connect(workers.while_alive(self, lambda t=ticket: self._predict_started(t)))
        w.signals.result.connect(workers.while_alive(self, lambda res, t=ticket: self._predict_done(t, res)))
        w.signals.error.connect(workers.while_alive(self, lambda msg, t=ticket: self._predict_failed(t, msg)))
        w.signals.finished.connect(workers.while_alive(self, lambda t=ticket: self._predict_finished(t)))
        self.predict_worker = w
        self.results.busy.setVisible(True)
        self._result_out_of_date(True)
        self.lab_form.show_contributions()       # the previous run's, faded as its bars are
        self.results.state.setText(f"Running {self.predictor.name} on {self.predictor.device}...")
        return w.start()

    def _predict_started(self, ticket) -> None:
        if self.session is not None and self.session.is_current(ticket) and self.predictor is not None:
            self.show_status(f"Running the model on {self.predictor.device}...")

    def _predict_done(self, ticket, result) -> None:
        pred, contributions, statements = result
        session = self.session
        if session is None or not session.accept_prediction(ticket, pred, contributions, statements):
            return      # an earlier session's (or earlier values') result: dropped
        self._show_result()
        self.lab_form.refresh()
        # after the record's line (its age and sex, which follow the lab form), not in its place
        self.show_status(f"{self.record_status}; model result ready" if self.record_status
                         else f"{session.record_id}: model result ready")
        self.predictionReady.emit(session.prediction)     # as stored: the paced rule may have withheld calls
        self._check_finished()

    def no_result_why(self) -> str:
        """Why the session has no result, in a few words, unless a run was cancelled or failed."""
        session = self.session
        unavailable = session is not None and session.state["prediction"] == UNAVAILABLE
        return "no model loaded" if unavailable else NO_RESULT_YET

    def _show_result(self, missing: str = "") -> None:
        """The session's prediction (or why there is none: ``missing``, in a few words, "model run
        cancelled"; "" for "no model loaded" or "no model result yet") in the results panel and overlays."""
        session = self.session
        pred = session.prediction if session is not None else None
        self.results.positive.setToolTip("")     # the quality summary of this prediction's report, if any
        if pred is None:
            missing = missing or self.no_result_why()
            self.results.bars.clear()
            self.results.positive.setText("")
            self.viewer.plot.set_explanation(None)
            self.viewer.plot.set_quality(self.record_quality())    # assessed without a model, or none
            self.image_view.set_explanation(None, missing)
            self.heatmaps.set_explanation(None, missing)
            return
        withheld = getattr(pred, "withheld", "")
        doubted = doubted_calls(pred)     # calls read off amplitudes in doubt: kept, marked as the statements are
        words = model_words(pred)     # an own model's "QAb": Q wave abnormal; a PTB-XL model's "NDT" in PTB-XL's words
        self.results.bars.set_prediction(pred.labels, pred.probabilities, pred.thresholds, withheld, doubted,
                                         getattr(pred, "ptbxl_labels", True), words)
        t = pred.timings.get("total")
        timing = f"<br><small>scored in {t:.2f} s</small>" if t else ""
        coverage = prediction_coverage(pred, session.record, self.predictor)
        if coverage:    # a long record's result rests on a sample of it: say which
            timing = f"<br><small>Mean over {html.escape(coverage)}</small>" + timing
        if withheld:
            self.results.positive.setText(
                f"<span style='color:#a04000'><b>Result withheld</b>: {html.escape(withheld)}.</span> "
                f"The model's calls ({html.escape(', '.join(with_words(c, words) for c in pred.model_positive))}) "
                "are unreliable on this recording; the probabilities are shown for reference only." + timing)
        else:
            pos = ", ".join(with_words(lab, words) + (" (?)" if lab in doubted else "")
                            for lab in pred.positive) or "none above threshold"
            marks = "".join(f"<br><span style='color:#a04000'>{html.escape(f'{lab} (?): {why}')}</span>"
                            for lab, why in doubted.items())
            self.results.positive.setText(f"Above threshold: <b>{html.escape(pos)}</b>" + marks + timing)
        trained = in_training_words(getattr(pred, "in_training", ""))
        if trained:     # a record the model was trained or selected on: its probabilities are no measure of it
            self.results.positive.setText(self.results.positive.text() + "<br><span style='color:#a04000'>"
                                          f"<b>Training record</b>: {html.escape(trained)}.</span>")
        quality = getattr(pred, "quality", None)
        if quality is not None:
            warn = [f.name for f in quality.findings if f.severity != "info"]
            self.results.positive.setToolTip(quality.summary())
            if warn:
                self.results.positive.setText(self.results.positive.text()
                                              + "<br><small>Signal quality: " + html.escape("; ".join(warn))
                                              + "</small>")
        self.results.state.setText(self._values_notes())
        expl = pred.explanation
        self.viewer.plot.set_quality(quality)
        self.viewer.plot.set_explanation(expl)
        self.image_view.set_explanation(expl)
        self.heatmaps.set_explanation(expl)
        if expl is not None and self.inputs is not None:
            w = int(getattr(expl, "window", 0) or 0)
            self.image_view.set_image(self.inputs.image[min(w, len(self.inputs.image) - 1)])

    def _predict_failed(self, ticket, message: str) -> None:
        if self.session is None or not self.session.fail_prediction(ticket, message):
            return
        # a re-run's failure: the previous run's bars, calls, overlays and contributions are no result now
        self._result_out_of_date(False)
        self._show_result("model run failed")
        self.lab_form.refresh()
        self.results.state.setText(f"Model failed: {message}")
        self.show_message(self.with_reader_notes(f"The model could not score this record: {message}"))
        self._check_finished()

    def _predict_finished(self, ticket) -> None:
        if self.session is not None and self.session.is_current(ticket):
            self.predict_worker = None
            if not self._model_loading:
                self.results.busy.setVisible(False)

