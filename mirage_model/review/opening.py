"""A record's file opened into a finished review session: read, prepared and quality-assessed as the
model asks, measured and scored, in one call. The one way the app's prior ECG (``app.workers.prior_job``)
and ``mirage report --prior`` read a record, so that the serial comparison (``review.serial``) of one pair
of files is the same wherever it is made.

Each step that fails leaves the session without its part, said in its errors (as the app's record-load
and model jobs leave the open record's); only a file that cannot be read is an error.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import contextlib
import logging
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


def prepare(session: ReviewSession, predictor) -> None:
    """The record's model inputs and quality report into ``session`` (step 2 of ``session_from_file``; also
    ``mirage report``'s record without a model, so that its rules are gated as the app's are)."""
    # torch: imported before the scipy work below (scipy looks up a half-imported torch in another thread)
    from mirage_model import inference
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.quality import AssessmentError

    pcfg = getattr(predictor, "preprocess_cfg", None)
    rcfg = getattr(predictor, "render_cfg", None)
    assess = bool(getattr(predictor, "assess_quality", False)) if predictor is not None else True
    record = session.record
    try:
        made = inference.record_inputs(record, pcfg, rcfg, quality=False)
    except Exception as err:  # noqa: BLE001 - the model prepares again and says why; the quality is apart
        log.debug("preparing %s failed", session.path, exc_info=True)
        session.accept_inputs(session.id, None, _why(err))
        made = None
    else:
        session.accept_inputs(session.id, made.inputs, prepared=made)
    if not assess:
        return
    try:
        if made is not None:
            made = inference.assessed(made)
            session.accept_inputs(session.id, made.inputs, prepared=made)
            session.set_quality(made.quality)
        else:
            cfg = pcfg if pcfg is not None else PreprocessConfig()
            session.set_quality(inference.assess_record(record, cfg.window_s))
    except AssessmentError as err:   # no verdict: the interpretation is withheld with it
        session.set_quality(None, err.reason)


def _measure(session: ReviewSession, measured: bool) -> None:
    """The record's first minute measured into ``session`` (step 3 of ``session_from_file``)."""
    if not measured:
        session.no_measurements(NOT_MEASURED)
        return
    # looked up per call, not bound at import: tests replace measure.measure
    from mirage_model import measure as measure_mod

    try:
        measurements = with_head_note(measure_mod.measure(record_head(session.record)), session.record)
    except Exception as err:  # noqa: BLE001 - compared without measurements: the comparison's notes say so
        log.debug("measuring %s failed", session.path, exc_info=True)
        session.accept_measurements(session.id, None, _why(err))
        return
    session.accept_measurements(session.id, measurements)
