"""A record's file opened into a finished review session: read, prepared and quality-assessed as the
model asks, measured and scored, in one call. The one way the app's prior ECG (``app.jobs.prior_job``)
and ``mirage report --prior`` read a record, so that the serial comparison (``review.serial``) of one pair
of files is the same wherever it is made. Its preparation (``Preparation``) and measuring (``measure_head``)
are the app's record-load job's (``app.jobs.load_record_job``) too.

Each step that fails leaves the session without its part, said in its errors (as the app's record-load
and model jobs leave the open record's); only a file that cannot be read is an error.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mirage_model.errors import MirageInputError
from mirage_model.limits import record_head, with_head_note
from mirage_model.records import RecordError, load_record
from mirage_model.review.scoring import compute
from mirage_model.review.session import ReviewSession

log = logging.getLogger(__name__)

NOT_MEASURED = "not measured (measurements were switched off)"


def _why(err: BaseException) -> str:
    """What went wrong, in a few words: an input error's own sentence, else its type and message."""
    return str(err) if isinstance(err, MirageInputError) else f"{type(err).__name__}: {err}"


def session_from_file(path, predictor=None, statements_predictor=None, *, measured: bool = True,
                      check: Callable[[], None] | None = None, lock=None) -> ReviewSession:
    """The record at ``path`` as a finished ``ReviewSession`` with the file's own values only (no labs).

    Steps, in order (``check()`` between them):

    1. read (``records.load_record``);
    2. prepared as ``predictor`` prepares (``inference.record_inputs`` with its configs) and assessed when it
       assesses (``inference.assessed``); with no predictor, the default preparation, assessed, as the app
       assesses a record it opens without a model: the interpretation's rules alone are gated by it
       (``interpret.session_interpretation``);
    3. measured on its first minute (``limits.record_head``, with its note: ``limits.with_head_note``);
    4. scored with ``predictor`` and ``statements_predictor`` beside it (``scoring.compute``, reusing step 2),
       without explanations or contributions.

    A failed step leaves its part out, saying why in ``session.errors``: "inputs", "quality" ("signal
    quality not assessed: ..."), "measurements", "prediction" ("not scored: ...").

    Args:
        path: the record (any file ``load_record`` reads).
        predictor: an ``inference.Predictor``, or None (``session.no_model``).
        statements_predictor: the statements model scored beside ``predictor``, or None.
        measured: False: not measured (``errors["measurements"]`` says measurements were switched off).
        check: called between the steps; it raises to stop (a worker's cancel check), and that passes through.
        lock: a context manager held while the models run (the app's: one forward at a time); None: none.

    Returns:
        The session, no step pending.

    Raises:
        RecordError: the file cannot be read (naming it).
    """
    check = check or (lambda: None)
    path = Path(path)
    try:
        record = load_record(path)
    except RecordError:
        raise
    except Exception as err:  # noqa: BLE001 - a malformed file: said, naming it, never a traceback
        log.debug("reading %s failed", path, exc_info=True)
        raise RecordError(path, f"cannot be read ({type(err).__name__}: {err})") from err
    check()
    reads = tuple(statements_predictor.schema.names) if getattr(statements_predictor, "schema", None) else ()
    session = ReviewSession(path=path, schema=getattr(predictor, "schema", None),
                            model_name=getattr(predictor, "name", None), also_read=reads)
    session.set_record(record, path)
    prepare(session, predictor)
    check()
    _measure(session, measured)
    check()
    if predictor is None:
        session.no_model("no model loaded")
        return session
    ticket = session.ticket()
    try:
        with lock if lock is not None else contextlib.nullcontext():
            result = compute(predictor, record, ticket, explain=False, contributions=False,
                             statements_predictor=statements_predictor, inputs=session.prepared)
    except Exception as err:  # noqa: BLE001 - what it has (measurements, quality) still stands
        log.debug("scoring %s failed", path, exc_info=True)
        reason = getattr(err, "reason", "") if isinstance(err, RecordError) else ""
        session.fail_prediction(ticket, f"not scored: {reason or _why(err)}")
        return session
    check()
    session.accept_prediction(ticket, *result)
    return session


@dataclass
class Prepared:
    """What a review session takes of a record's preparation (``Preparation.outcome``)."""
    prepared: object = None        # inference.RecordInputs (inputs and quality report); None: not made, or not assessed
    inputs: object = None          # preprocess.ModelInputs, kept when only the assessment failed; None: failed
    quality: object = None         # quality.QualityReport; None: not asked for, or the assessment failed
    inputs_error: Exception | None = None      # why the model inputs could not be made
    quality_error: Exception | None = None     # why the record could not be assessed


class Preparation:
    """A record prepared as a model prepares it (``inference.record_inputs`` with its configs) and assessed when
    asked (``inference.assessed``), made once by whichever thread asks first, the others waiting for it: the
    app's record-load job and the model job started beside it share one (``app.jobs.LoadedRecord``).

    Args:
        record: the ``EcgRecord``.
        pcfg, rcfg: the model's ``PreprocessConfig`` and ``RenderConfig`` (None: the defaults).
        assess: with the record's quality report.
    """

    def __init__(self, record, pcfg=None, rcfg=None, assess: bool = True):
        self.record = record
        self.configs = (pcfg, rcfg, bool(assess))
        self._made = None               # the preparation, or what making it raised
        self._unassessed = None         # its model inputs before the assessment (kept when only that failed)
        self._lock = threading.Lock()

    def made(self):
        """``inference.record_inputs(record, *configs)``, made by the first caller.

        Raises:
            what ``record_inputs`` or the assessment raised (to each caller).
        """
        with self._lock:
            if self._made is None:
                # torch: imported before the scipy work (scipy looks up a half-imported torch in another thread)
                from mirage_model import inference

                pcfg, rcfg, assess = self.configs
                try:   # as record_inputs(record, *configs) makes it, the inputs kept apart
                    self._unassessed = inference.record_inputs(self.record, pcfg, rcfg, quality=False)
                    self._made = inference.assessed(self._unassessed) if assess else self._unassessed
                except Exception as err:  # noqa: BLE001 - raised to each caller
                    self._made = err
        if isinstance(self._made, Exception):
            raise self._made
        return self._made

    def outcome(self) -> Prepared:
        """The preparation as a session takes it: an assessment that failed leaves the model inputs; inputs that
        cannot be made leave the record assessed apart (``inference.assess_record`` over the model's window),
        when asked. Never raises: what failed is in ``inputs_error`` and ``quality_error``."""
        from mirage_model import inference
        from mirage_model.preprocess import PreprocessConfig

        pcfg, _rcfg, assess = self.configs
        try:
            made = self.made()
        except Exception as err:  # noqa: BLE001 - the traces can still be reviewed
            if self._unassessed is not None:        # the assessment failed: the model inputs alone
                return Prepared(inputs=self._unassessed.inputs, quality_error=err)
            inputs_error = err
        else:
            return Prepared(made, made.inputs, made.quality)
        if not assess:
            return Prepared(inputs_error=inputs_error)
        try:
            cfg = pcfg if pcfg is not None else PreprocessConfig()
            return Prepared(quality=inference.assess_record(self.record, cfg.window_s), inputs_error=inputs_error)
        except Exception as err:  # noqa: BLE001 - no verdict: said where it would be
            return Prepared(inputs_error=inputs_error, quality_error=err)


def prepare(session: ReviewSession, predictor) -> None:
    """The record's model inputs and quality report into ``session`` (step 2 of ``session_from_file``; also
    ``mirage report``'s record without a model, so that its rules are gated as the app's are)."""
    assess = bool(getattr(predictor, "assess_quality", False)) if predictor is not None else True
    got = Preparation(session.record, getattr(predictor, "preprocess_cfg", None),
                      getattr(predictor, "render_cfg", None), assess).outcome()
    if got.inputs_error is not None:     # the model prepares again and says why; the quality is apart
        log.debug("preparing %s failed", session.path, exc_info=got.inputs_error)
    session.accept_inputs(session.id, got.inputs, _why(got.inputs_error) if got.inputs_error else "",
                          prepared=got.prepared)
    if got.quality is not None:
        session.set_quality(got.quality)
    elif got.quality_error is not None:   # no verdict: the interpretation is withheld with it
        session.set_quality(None, not_assessed(got.quality_error))


def not_assessed(err: BaseException, words: Callable[[BaseException], str] = _why) -> str:
    """What a record whose quality assessment raised ``err`` says where its verdict would be: "signal quality not
    assessed: <what went wrong>" (``quality.AssessmentError.reason``, else ``words(err)``)."""
    from mirage_model.quality import NOT_ASSESSED

    reason = getattr(err, "reason", "")
    return reason if reason.startswith(NOT_ASSESSED) else f"{NOT_ASSESSED}: {words(err)}"


def measure_head(record):
    """The record's first minute measured (``limits.record_head``), with its note (``limits.with_head_note``):
    how ``session_from_file`` and the app's record-load job measure a record, as ``mirage score`` does (the whole of
    a 1 h 500 Hz record had taken 27 s and 5 GB).

    Raises:
        what ``measure.measure`` raised.
    """
    # looked up per call, not bound at import: tests replace measure.measure (neurokit2 and the delineator load
    # inside it, on first use)
    from mirage_model import measure as measure_mod

    return with_head_note(measure_mod.measure(record_head(record)), record)


def _measure(session: ReviewSession, measured: bool) -> None:
    """The record's first minute measured into ``session`` (step 3 of ``session_from_file``)."""
    if not measured:
        session.no_measurements(NOT_MEASURED)
        return
    try:
        measurements = measure_head(session.record)
    except Exception as err:  # noqa: BLE001 - compared without measurements: the comparison's notes say so
        log.debug("measuring %s failed", session.path, exc_info=True)
        session.accept_measurements(session.id, None, _why(err))
        return
    session.accept_measurements(session.id, measurements)
