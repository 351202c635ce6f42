"""Comparing the open record with the patient's prior ECG: File > Compare with prior ECG... reads
the prior in a worker as a review session of its own, read, measured and scored with the loaded
model as the open record is (``jobs.prior_job``), and gives it to the open record's session
(``ReviewSession.set_prior``); the "Prior ECG" tab, the median beats and the PDF draw the comparison
(``review.serial``).

A prior belongs to the session it was asked for: another record opened meanwhile (a new session)
drops it when it arrives, and a new session never has one. A prior that cannot be read is said,
naming its file; the open record's review is left as it was.

``PriorMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the
session and the signals.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app import jobs, workers
from app.views.dialog_focus import dialog_of
from app.window.records import RECORD_FILTER, _reason, shown_name

log = logging.getLogger(__name__)


class PriorMixin:
    """The prior ECG of the open record (for ``MainWindow``)."""

    def compare_dialog(self) -> None:
        """File > Compare with prior ECG...: ask for the prior's file (any format a record opens from)."""
        if self.session is None or self.record is None:
            self.show_status("Open a record first: the prior ECG is compared with the record on screen.")
            return
        start = self.settings.last_folder or str(Path.home())
        with dialog_of(self):
            path, _ = QFileDialog.getOpenFileName(self, "Prior ECG to compare with", start, RECORD_FILTER)
        if path:
            self.open_prior(path)

    def open_prior(self, path: str | Path) -> workers.Worker | None:
        """Read, measure and score ``path`` as the open record's prior ECG, off the GUI thread, with the
        loaded model (and the statements model beside it); ``set_prior`` when it arrives, if the same
        record is still open. None when no record is open."""
        session = self.session
        if session is None or self.record is None:
            return None
        path = Path(path)
        if self.prior_worker is not None:
            self.prior_worker.cancel()
        sid = session.id
        self._prior_model = (sid, self.predictor, self.statements_predictor)   # what it is scored with
        w = workers.Worker(jobs.prior_job, path, self.predictor, self.statements_predictor, name="prior",
                           disposable=True)
        w.signals.result.connect(workers.while_alive(self, lambda prior, i=sid: self._prior_done(i, prior)))
        w.signals.error.connect(workers.while_alive(self, lambda msg, i=sid, p=path: self._prior_failed(i, p, msg)))
        w.signals.finished.connect(workers.while_alive(self, lambda i=sid, wk=w: self._prior_finished(i, wk)))
        self.prior_worker = w
        self.show_status(f"Reading the prior ECG {shown_name(path)}...")
        return w.start()

    def _prior_done(self, sid: int, prior) -> None:
        """The prior of session ``sid``: kept only if that session is still the one on screen (a prior
        asked for one patient never reaches the next)."""
        if not self._current(sid):
            log.info("dropped a prior ECG read for an earlier record (session %s)", sid)
            return
        self.session.set_prior(prior)
        self.tabs.setCurrentWidget(self.comparison_view)
        comparison = self.comparison_view.comparison
        name = shown_name(Path(prior.path)) if prior.path else "the prior ECG"
        self._drop_prior_message()      # an earlier prior's warning ("different patients") is not this one's
        if comparison is not None and comparison.warnings:     # seen without opening the tab
            self.show_message(f"Compared with {name}: " + " ".join(comparison.warnings))
            self._prior_message = self.message_bar.text()
        self.show_status(f"{self.record_status}; compared with {name}" if self.record_status
                         else f"Compared with {name}")
        self.priorReady.emit(prior)

    def _prior_failed(self, sid: int, path: Path, message: str) -> None:
        """The prior could not be read: said, naming its file; the open record's review stays as it was
        (a prior set before stays too; without one the PDF says why none is compared, ``prior_note``)."""
        if not self._current(sid):
            return
        reason = _reason(message, path)
        text = f"Could not open the prior ECG {shown_name(path)}: {reason}"
        self.show_message(text)
        self._prior_message = text
        if self.session.prior is None:
            self.session.clear_prior(f"{shown_name(path)} could not be read: {reason}")
        self.priorFailed.emit(str(path), text)

    def _drop_prior_message(self) -> None:
        """The message bar's words of the prior compared (or not read) before, if it still shows them, go: a prior
        of this patient compared after one of another had left "The two files name different patients" above it."""
        said = getattr(self, "_prior_message", "")
        self._prior_message = ""
        if said and not self.message_bar.isHidden() and self.message_bar.text() == said:
            self._set_message_visible(False)

    def _prior_finished(self, sid: int, worker) -> None:
        """The read is over (set, failed or cancelled): a PDF export asked for meanwhile is written now."""
        if self.prior_worker is worker:
            self.prior_worker = None
            if self._current(sid) and self._finished_session == sid:
                self._run_queued_exports()

    def prior_follows_model(self) -> None:
        """The model changed (or arrived late, or failed): the prior set beside the open record, or being
        read for it, is read and scored again with the model now loaded, so that the comparison is of
        one model's calls (the prior on screen stays until then)."""
        session = self.session
        if session is None:
            return
        asked = getattr(self, "_prior_model", None)
        if asked is None or asked[0] != session.id or asked[1:] == (self.predictor, self.statements_predictor):
            return
        prior = session.prior
        worker = self.prior_worker
        path = prior.path if prior is not None else (worker.args[0] if worker is not None else None)
        if path is not None:
            self.open_prior(path)

    def clear_prior(self) -> None:
        """Compare no more: the open record's session lets its prior go."""
        if self.prior_worker is not None:
            self.prior_worker.cancel()
        self._drop_prior_message()
        if self.session is not None:
            self.session.clear_prior()
