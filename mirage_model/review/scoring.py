"""Scoring a review session: the prediction and each clinical value's contribution.

A value's contribution is the change in each class probability when the model sees that value
as missing (its mask set to 0, which is how the model was trained to read an absent value):
``contribution[name] = p(all values) - p(all values but name)``, float32 (K,). One extra forward
pass per value (all of them batched with the full input). This is an occlusion measure (Zeiler &
Fergus 2014) on the clinical inputs; it says how much the model leaned on a value, not whether
the value is clinically relevant.
"""

from __future__ import annotations

import logging
from typing import Callable, Mapping

import numpy as np

from mirage_model.review.session import ReviewSession, Ticket

log = logging.getLogger(__name__)


def clinical_contributions(predictor, record, values: Mapping[str, object] | None,
                           prepared=None) -> dict[str, np.ndarray]:
    """name -> float32 (K,) each class probability with that value minus with it masked (+: it raised it).

    Only values the model reads and that are present get an entry.

    Args:
        predictor: an ``inference.Predictor``.
        record: the ``EcgRecord`` (12, T).
        values: the clinical values the prediction used (name -> value or (value, unit)).
        prepared: ``predictor.prepare(record, values)`` already made (the prediction's), or None.
    """
    if predictor.schema is None or not values:
        return {}
    prep = prepared if prepared is not None else predictor.prepare(record, values)
    names = list(predictor.schema.names)
    present = [i for i, m in enumerate(np.asarray(prep.mask)) if m > 0 and i < len(names)]
    if not present:
        return {}
    inp = prep.inputs
    w = len(inp.signal)                                            # windows per variant
    xs, masks = [prep.x.copy()], [prep.mask.copy()]
    for i in present:
        x, m = prep.x.copy(), prep.mask.copy()
        x[i], m[i] = 0.0, 0.0                                      # as the encoder writes "missing"
        xs.append(x)
        masks.append(m)
    n = len(xs)
    signal = np.concatenate([inp.signal] * n)                      # (n*W, L, T)
    image = np.concatenate([inp.image] * n)                        # (n*W, S, S)
    x = np.repeat(np.stack(xs), w, axis=0)                         # (n*W, C)
    mask = np.repeat(np.stack(masks), w, axis=0)
    mv = None if inp.mv is None else np.concatenate([inp.mv] * n)  # the noise-averaged copies, as predict scores them
    probs = predictor.forward_windows(signal, image, x, mask, mv)  # (n*W, K)
    # each variant's probabilities as predict gives them (calibrated, its windows, the measured stage): they had been
    # the network's own, beside calibrated ones (a CRP that moved a calibrated 0.153 to 0.161 read "+0.000")
    per_variant = np.stack([predictor.record_probabilities(prep, p) for p in probs.reshape(n, w, -1)])   # (n, K)
    base = per_variant[0]
    return {names[i]: (base - per_variant[k + 1]).astype(np.float32) for k, i in enumerate(present)}


def compute(predictor, record, ticket: Ticket, *, explain: bool = True, contributions: bool = True,
            statements_predictor=None, check: Callable[[], None] | None = None, inputs=None):
    """(prediction, contributions or None, statements prediction or None) for ``ticket``'s values;
    safe to run in a worker thread. ``statements_predictor``: a statements model run beside
    ``predictor`` on the same values, without explanations (its failure leaves None: the
    interpretation then comes from ``predictor`` and the measurement rules). The record is
    preprocessed, rendered and quality-assessed once for all three when the two models prepare
    alike. ``check``: called between the steps (a worker's cancel check, which raises).
    ``inputs``: ``inference.record_inputs`` of ``record`` already made (the session's, from the
    app's record-load job), reused when made as ``predictor`` prepares (``Predictor.prepare``)."""
    check = check or (lambda: None)
    prep = predictor.prepare(record, ticket.values, inputs=inputs)
    pred = predictor.predict(record, ticket.values, explain=explain, prepared=prep)
    check()
    contrib = clinical_contributions(predictor, record, ticket.values, prepared=prep) if contributions else None
    check()
    return pred, contrib, statements_prediction(statements_predictor, record, ticket.values, like=prep)


def statements_prediction(statements_predictor, record, values, like=None):
    """The statements model's prediction of ``record`` with ``values`` (no explanations), or None
    without a statements model or when it fails (logged: the statements are an extra beside the
    loaded model's result, which stands). ``like``: the main model's preparation of the record
    (``Predictor.prepare``), reused when the statements model prepares alike."""
    if statements_predictor is None:
        return None
    try:
        prep = statements_predictor.prepare(record, values, like=like)
        return statements_predictor.predict(record, values, explain=False, prepared=prep)
    except Exception:   # noqa: BLE001 - the statements are an extra; the main result stands
        log.warning("the statements model could not score %s", getattr(record, "record_id", ""), exc_info=True)
        return None


def score_session(session: ReviewSession, predictor, *, explain: bool = True,
                  contributions: bool = True, statements_predictor=None) -> bool:
    """Score the session's record with its current values, synchronously (the CLI's way), with the
    statements model beside it when given.

    Returns:
        True when the result was stored (it always is unless the session changed meanwhile).
    Raises:
        ClinicalError, PreprocessError, RecordError: as ``Predictor.predict``.
    """
    if session.model_name is None or session.schema is not getattr(predictor, "schema", None):
        session.set_model(getattr(predictor, "schema", None), getattr(predictor, "name", "model"))
    ticket = session.ticket()
    pred, contrib, stmts = compute(predictor, session.record, ticket, explain=explain, contributions=contributions,
                                   statements_predictor=statements_predictor, inputs=session.prepared)
    return session.accept_prediction(ticket, pred, contrib, stmts)
