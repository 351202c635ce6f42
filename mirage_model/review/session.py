"""One patient at a time: the Qt-free review session shared by the app, the CLI and the PDF.

A :class:`ReviewSession` owns everything that belongs to one opened record: the record, its
patient context (demographics from the file; clinical and lab values, each with its source:
"file", "table" (a labs table's row), "user" or "none"), the measurements with the reviewer's edits,
the prediction together with the clinical inputs it was computed from, each clinical value's
contribution, a place for the signal-quality verdict, and the state of each part ("pending", "ready",
"stale", "failed", "unavailable"). It follows napari's viewer model: Qt-free state plus events that views subscribe
to (:class:`Events`); widgets render a session and send edits to it, they hold no review rules.

Opening another record makes a new session (a new ``id``); nothing of the previous patient can
reach it. Work started for a session carries a :class:`Ticket` (session id + input version);
a result whose ticket does not match the session's current one (an earlier session, or values
the model reads that have changed since) is dropped, never shown. A value the model does not read
(a lab its schema leaves out) is kept for the report but leaves the result current. Research use only, not a diagnosis.

The clinical values are :mod:`session_values`' part of the class; the parts' states, the events and the
tickets, :mod:`session_state`'s.
"""

from __future__ import annotations

import copy
import logging
from typing import Mapping

from mirage_model.clinical import ClinicalSchema, record_values
from mirage_model.records.stamp import changed_on_disk
from mirage_model.review.measurements import amplitudes_not_in_mv, check_edit, clean_edits, measurement_rows
from mirage_model.review.overread import OverRead
from mirage_model.review.paced import withhold_paced
from mirage_model.review.session_state import (FAILED, PARTS, PENDING, READY, STALE, STATES, UNAVAILABLE, Events,
                                               PredictionResult, Ticket, next_session_id)
from mirage_model.review.session_values import ClinicalValue, SessionValues

log = logging.getLogger(__name__)


class ReviewSession(SessionValues):
    """The review of one record. Create one per opened record; never reuse it for another.

    Args:
        record: the ``EcgRecord`` (None while the file is still being read: ``set_record``).
        path: where it was read from (shown in titles and reports).
        schema: the loaded model's ``ClinicalSchema`` (None: no model yet / none loaded).
        model_name: the loaded model's name (None: none).
        also_read: feature names a model scored beside it reads (the statements model's).
    """

    def __init__(self, record=None, path=None, schema: ClinicalSchema | None = None,
                 model_name: str | None = None, also_read=()):
        self.id = next_session_id()
        self.events = Events()
        self.path = path
        # ``records.stamp.record_stamp`` of ``path`` taken before its record was read (None: not taken), by which
        # ``changed_on_disk`` tells a file rewritten since
        self.file_stamp: tuple | None = None
        self.record = None
        self.schema = schema
        self.model_name = model_name
        self.also_read = tuple(also_read or ())   # features a model scored beside it reads (set_model)
        self.values: dict[str, ClinicalValue] = {}
        self._file_values: dict[str, tuple] = {}   # name -> (canonical, unit) as the record gave it
        # what the values' sources said about them (``clinical.labs_header_note``: a labs row that
        # differs from the record's header; a bad cell of it left out); shown beside the values by the app and the PDF
        self.labs_notes: tuple[str, ...] = ()
        self._labs_left_out: tuple[str, ...] = ()   # the labs row's bad cells left out (``set_labs_row``)
        # which row of a labs table opened in the app the values came from, or that it has none for the record
        # ("row '1' of labs.csv", "no row for record 1 in labs.csv": ``review.labs_table``); shown above the values
        self.labs_table = ""
        # the values are a batch's row for the record (the app's batch dialog opened it with them, as it was scored):
        # a labs table opened in the app leaves them be
        self.labs_batch = False
        self.state: dict[str, str] = {p: PENDING for p in PARTS}
        self.errors: dict[str, str] = {}
        self.inputs = None                      # preprocess.ModelInputs for display (the model image)
        self.prepared = None                    # inference.RecordInputs those came in, which a model reuses
        self.measurements = None                # measure.Measurements
        self.measurement_edits: dict[str, float] = {}
        # the reader's over-read of the interpretation (``review.overread``): this record's alone, made empty here
        self.overread = OverRead(lambda what: self.events.emit("overread", what=what))
        self.result: PredictionResult | None = None
        self.quality = None                     # the signal-quality verdict (mirage_model.quality), when wired
        self.state["quality"] = UNAVAILABLE
        self._prior: ReviewSession | None = None   # the same patient's prior ECG, for the serial comparison
        self.prior_note = ""                        # why a prior ECG asked for is not compared (it could not be read)
        self._version = 0
        if schema is None and model_name is None:
            self.state["prediction"] = PENDING
        if record is not None:
            self.set_record(record, path)

    # ------------------------------------------------------------------ record and patient
    def set_record(self, record, path=None) -> None:
        """The record of this session (once). Its own clinical values enter with source "file"."""
        if self.record is not None and record is not self.record:
            raise ValueError("a review session holds one record; open another record in a new session")
        self.record = record
        if path is not None:
            self.path = path
        for name, value in record_values(record).items():
            cv = self._store_file(name, value)
            if cv is not None:
                self._file_values[name] = (cv.canonical, cv.unit or self.feature(name).unit)
        self.events.emit("record")
        self.events.emit("values")

    def changed_on_disk(self) -> str:
        """Why the record on screen may no longer be its file's ("the file changed on disk since it was opened (1.dat);
        reopen it ..."): its files were written, replaced or removed since they were read, so a report or a signature
        of what is shown would stand under the file's name for other content; "" where they are as read (or no stamp
        was taken: a record read from no file). The prior ECG it is compared with likewise ("the prior ECG's file
        changed on disk ..."): the comparison a report draws would be of the prior's old content."""
        why = changed_on_disk(self.path, self.file_stamp)
        prior = self._prior
        if why or prior is None:
            return why
        return changed_on_disk(prior.path, prior.file_stamp, "the prior ECG's file",
                               "open it again as the prior ECG to compare with what it holds now")

    @property
    def record_id(self) -> str:
        return str(getattr(self.record, "record_id", "") or "")

    @property
    def age(self):
        v = self.values.get("age")
        return v.canonical if v is not None and v.accepted else None

    @property
    def sex(self) -> str | None:
        v = self.values.get("sex")
        return v.model_value() if v is not None and v.accepted else None

    # ------------------------------------------------------------------ the model
    def set_model(self, schema: ClinicalSchema | None, model_name: str | None, also_read=()) -> None:
        """The loaded model changed (or arrived late): the prediction of this session is pending again.

        ``also_read``: feature names another model scored with it reads (the statements model's):
        a change of those makes the result out of date too."""
        self.schema = schema
        self.model_name = model_name
        self.also_read = tuple(also_read or ())
        self._version += 1
        self.result = None
        if model_name is None:
            self._set_state("prediction", UNAVAILABLE, "no model loaded")
            self._set_state("contributions", UNAVAILABLE, "no model loaded")
        else:
            self._set_state("prediction", PENDING)
            self._set_state("contributions", PENDING)
        self.events.emit("values")

    def no_model(self, why: str = "no model loaded") -> None:
        """No model will score this session (none ships, or it failed to load)."""
        self.schema = None
        self.model_name = None
        self.also_read = ()
        self.result = None
        self._set_state("prediction", UNAVAILABLE, why)
        self._set_state("contributions", UNAVAILABLE, why)

    def _inputs_changed(self) -> None:
        self._version += 1
        if self.result is not None or self.state["prediction"] == READY:
            self._set_state("prediction", STALE, "clinical values changed since the model ran")
            self._set_state("contributions", STALE, "clinical values changed since the model ran")

    def ticket(self) -> Ticket:
        """Start a prediction for the current inputs: the ticket its result must bring back."""
        if self.record is None:
            raise ValueError("the session has no record yet")
        if self.state["prediction"] != STALE:
            self._set_state("prediction", PENDING)
        return Ticket(self.id, self._version, copy.deepcopy(self.model_values()))

    def is_current(self, ticket: Ticket | None) -> bool:
        return ticket is not None and ticket.session_id == self.id and ticket.version == self._version

    def accept_prediction(self, ticket: Ticket, prediction, contributions: Mapping | None = None,
                          statements=None) -> bool:
        """Store a prediction computed for ``ticket``. Returns False (and drops it) when the ticket
        is of another session or of older inputs, or the prediction names another record.

        ``statements``: the statements model's prediction of the same record and values, when a
        statements model runs beside the loaded one (the interpretation's source; None: the loaded
        model's own statements, if it has any, and the measurement rules).

        Both are stored as ``paced.withhold_paced`` leaves them: a paced rhythm that the statements
        model calls and the quality check's spike detector did not find withholds the calls of both,
        as detected spikes do."""
        if not self.is_current(ticket):
            log.info("dropped a late prediction (ticket %s/%s, session %s/%s)", ticket.session_id,
                     ticket.version, self.id, self._version)
            return False
        for pred in (prediction, statements):
            rid = str(getattr(pred, "record_id", "") or "")
            if rid and self.record_id and rid != self.record_id:
                log.warning("dropped a prediction for record %s in the session of %s", rid, self.record_id)
                return False
        prediction, statements = withhold_paced(prediction, statements)
        self.result = PredictionResult(prediction, dict(ticket.values), ticket.version,
                                       dict(contributions) if contributions is not None else None, statements)
        self.errors.pop("prediction", None)
        self._set_state("prediction", READY)
        self._set_state("contributions", READY if contributions is not None else UNAVAILABLE,
                        "" if contributions is not None else "not computed")
        return True

    def fail_prediction(self, ticket: Ticket, message: str) -> bool:
        if not self.is_current(ticket):
            return False
        self.result = None
        self._set_state("prediction", FAILED, message)
        self._set_state("contributions", FAILED, message)
        return True

    def cancel_prediction(self, why: str = "the model run was cancelled") -> None:
        """A running prediction was cancelled: its result will be dropped (the version moves on)."""
        if self.state["prediction"] in (PENDING, STALE):
            self._version += 1
            self.result = None
            self._set_state("prediction", FAILED, why)
            self._set_state("contributions", FAILED, why)

    @property
    def prediction(self):
        return self.result.prediction if self.result is not None else None

    @property
    def statements_prediction(self):
        """The statements model's prediction (None: no statements model ran beside the loaded one)."""
        return self.result.statements if self.result is not None else None

    @property
    def contributions(self) -> dict | None:
        return self.result.contributions if self.result is not None else None

    # ------------------------------------------------------------------ inputs, measurements, quality
    def accept_inputs(self, session_id: int, inputs, error: str = "", prepared=None) -> bool:
        """The model inputs shown (``preprocess.ModelInputs``, None with ``error`` when they failed);
        ``prepared``: the ``inference.RecordInputs`` they are part of, reused by the next scoring
        when made as its model prepares (``review.scoring.compute``), else None."""
        if session_id != self.id:
            return False
        self.inputs = inputs
        self.prepared = prepared
        self._set_state("inputs", READY if inputs is not None else FAILED, error)
        return True

    def accept_measurements(self, session_id: int, measurements, error: str = "") -> bool:
        """The automatic measurements (None with ``error`` when measuring failed)."""
        if session_id != self.id:
            return False
        self.measurements = measurements
        self._set_state("measurements", READY if measurements is not None else FAILED,
                        error or ("" if measurements is not None else "measuring failed"))
        return True

    def no_measurements(self, why: str = "not measured") -> None:
        """The record is not measured (measurements switched off): none to wait for, ``why`` says so."""
        self._set_state("measurements", UNAVAILABLE, why)

    def cancel_measurements(self, why: str = "measuring was cancelled") -> None:
        if self.state["measurements"] == PENDING:
            self._set_state("measurements", FAILED, why)

    def set_measurement_edit(self, key: str, value: float | None) -> None:
        """A reviewer's correction (None removes it). Raises ValueError for an unknown key or value."""
        edits = dict(self.measurement_edits)
        if value is None:
            edits.pop(key, None)
        else:
            edits[key] = check_edit(key, value)
        self.measurement_edits = clean_edits(edits)
        self.events.emit("measurements")

    def measurement_table(self, interpretation=None) -> list[dict]:
        """The one measurement table (``review.measurements.measurement_rows``) of this session, its
        ranges for the patient's sex and age (no QRS voltage limit where the quality check found every lead
        scaled to one size), the intervals marked unreliable where it found mains left after its subtraction
        (the quality report the interpretation reads), and, given the session's ``interpretation``
        (``interpret.session_interpretation``, which reads this table's values), the PR and P axis not applicable
        beside the atrial fibrillation or flutter it states. A session with no verdict of its own (``mirage score``'s,
        built from its results) reads the scaling off the quality report, as the interpretation does."""
        verdict = self.quality if self.quality is not None else self.quality_report
        return measurement_rows(self.measurements, self.measurement_edits, self.sex, self.age,
                                amplitudes_not_in_mv(verdict), quality=self.quality_report,
                                interpretation=interpretation)

    @property
    def quality_report(self):
        """The quality report the interpretation reads (``interpret.session_interpretation``): the statements model's
        prediction's, else the loaded model's, else the record's own (``quality``); None without one."""
        pred = self.statements_prediction or self.prediction
        return getattr(pred, "quality", None) or getattr(self.prediction, "quality", None) or self.quality

    def set_quality(self, verdict, error: str = "") -> None:
        """The signal-quality verdict (``mirage_model.quality``), once it is wired in."""
        self.quality = verdict
        self._set_state("quality", READY if verdict is not None else FAILED, error)

    # ------------------------------------------------------------------ the prior ECG (serial comparison)
    def set_prior(self, prior: "ReviewSession") -> None:
        """The same patient's prior ECG, measured and scored like this one (``review.serial.compare``
        compares them). A snapshot is kept: later edits of the prior's session do not reach it, and a
        prior of the prior is not kept. Emits "prior"."""
        if prior is self:
            raise ValueError("a record cannot be its own prior ECG")
        snap = prior.snapshot()
        snap._prior = None
        self._prior = snap
        self.prior_note = ""
        self.events.emit("prior")

    def clear_prior(self, why: str = "") -> None:
        """No prior ECG any more; ``why``: the reason a prior asked for is not compared ("prior.edf cannot
        be read: ..."), which the report says in its place (``prior_note``). Emits "prior"."""
        self._prior = None
        self.prior_note = why
        self.events.emit("prior")

    @property
    def prior(self) -> "ReviewSession | None":
        """The prior ECG's session (a snapshot), or None."""
        return self._prior

    # ------------------------------------------------------------------ states
    def _set_state(self, part: str, state: str, reason: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        self.state[part] = state
        if reason:
            self.errors[part] = reason
        elif state == READY:
            self.errors.pop(part, None)
        self.events.emit("state", part=part, state=state)

    def pending(self) -> list[str]:
        """Parts still being computed (export waits for these, or names them on the page)."""
        return [p for p in ("inputs", "measurements", "prediction", "contributions") if self.state[p] == PENDING]

    def missing(self) -> list[tuple[str, str]]:
        """(part, why) for every part a report would lack: pending, stale, failed or unavailable."""
        out = []
        for part in ("measurements", "prediction", "contributions", "quality"):
            st = self.state[part]
            if st == READY:
                continue
            if part == "quality" and st == UNAVAILABLE and self.quality is None:
                continue   # no quality module wired yet: nothing to say
            if part == "contributions" and (self.state["prediction"] != READY or st == UNAVAILABLE):
                continue   # said once, under the prediction; or not asked for
            why = self.errors.get(part, "")
            text = {PENDING: "still being computed when this report was written",
                    STALE: "out of date: " + (why or "inputs changed"),
                    FAILED: "failed: " + (why or "unknown error"),
                    UNAVAILABLE: why or "not available"}[st]
            out.append((part, text))
        return out

    def snapshot(self) -> "ReviewSession":
        """A copy for a worker (e.g. the PDF): later edits do not reach it; no subscribers."""
        events, self.events = self.events, Events()
        try:
            copy_ = copy.copy(self)
            copy_.values = copy.deepcopy(self.values)
            copy_.state = dict(self.state)
            copy_.errors = dict(self.errors)
            copy_.measurement_edits = dict(self.measurement_edits)
            copy_.overread = self.overread.copy()
        finally:
            self.events = events
        return copy_

    # ------------------------------------------------------------------ built in one go (CLI, batch)
    @classmethod
    def from_results(cls, record, *, values: Mapping | None = None, prediction=None, schema=None,
                     model_name: str | None = None, measurements=None, measurement_edits=None,
                     contributions: Mapping | None = None, measure_error: str = "",
                     measured: bool = True, path=None, file_values: bool = True,
                     statements=None, labs_row: Mapping | None = None, labs_left_out=()) -> "ReviewSession":
        """A finished session from results computed outside the app (``mirage report``, ``mirage
        score``): ``values`` (a labs table row, ``--lab``) enter over the file's, the ``labs_row``'s with source
        "table", the others "user" (with ``file_values`` False: "file" for those the record gives alike).
        ``labs_row``: the labs table's row among them, compared with the record's header
        (``labs_notes``: where it may be another patient's row); ``labs_left_out``: what the row's bad cells,
        left out of it, say of themselves, kept in ``labs_notes`` after that note (``set_labs_row``'s ``left_out``).

        The prediction is accepted only if it was computed from exactly this session's values;
        ``statements`` is the statements model's prediction of the same values (or None).
        """
        s = cls(record, path=path, schema=schema, model_name=model_name)
        s._labs_left_out = tuple(labs_left_out or ())
        if labs_row or s._labs_left_out:
            s._note_labs_row(labs_row)
        if not file_values:
            # the caller's values are all the model saw: keep the file's only where given
            own = record_values(record)
            s.values = {}
            for name, entry in (values or {}).items():
                plain = entry[0] if isinstance(entry, tuple) and len(entry) == 2 else entry
                # a labs table's value is the table's, as in the app's session a batch row opens ("user" had
                # said the reviewer typed it on a mirage score PDF)
                # said so whether or not the file gives it alike (a row's age had read "file", its sex "table",
                # the file's "M" beside the table's 1.0): as mirage report's and the app's PDFs mark it
                src = "table" if name in (labs_row or {}) else "file" if name in own and plain == own[name] else "user"
                s._store(name, entry, None, src)
            values = {}
        # mirage report --labs: the row's values are the table's, as the app's session a labs table gives them
        table = {name: entry for name, entry in (values or {}).items() if name in (labs_row or {})}
        s.set_values({name: entry for name, entry in (values or {}).items() if name not in table}, source="user")
        s.set_values(table, source="table")
        s.state["inputs"] = READY
        if measured and (measurements is not None or measure_error):
            s.accept_measurements(s.id, measurements, measure_error)
        elif measured:
            s._set_state("measurements", UNAVAILABLE, "not measured")
        else:
            s._set_state("measurements", UNAVAILABLE, "not measured (measurements were switched off)")
        if measurement_edits:
            s.measurement_edits = clean_edits(measurement_edits)
        if prediction is None:
            s.no_model("no model was loaded" if model_name is None else "the model did not score this record")
        else:
            if model_name is None:
                s.model_name = getattr(prediction, "model_name", None) or "model"
            s.accept_prediction(s.ticket(), prediction, contributions, statements)
        return s
