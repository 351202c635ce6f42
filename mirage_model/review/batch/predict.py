"""Batched predictions over a chunk of loaded records: each record prepared, then one forward pass
over the group (each record alone where one spoils the pass), asking the batch's cancel between them."""

from __future__ import annotations

import logging

from mirage_model.review.batch.loading import LoadedRecord

log = logging.getLogger(__name__)


class ScoringCancelled(Exception):
    """The batch's cancel said stop while a group of records was being scored (``predict_each``,
    ``Scorer.predict``): the group has no rows; a resumed run scores its records."""


def prepare_one(predictor, item: LoadedRecord, clinical: dict, like=None) -> tuple[object, Exception | None]:
    """(``predictor.prepare`` of the item's record, None) or (None, the exception); ``like``: the other
    model's preparation of the same record, reused when both preprocess alike."""
    try:
        return predictor.prepare(item.record, clinical, like, measurements=item.measurements), None
    except Exception as err:
        log.debug("%s could not prepare %s", getattr(predictor, "name", "the model"), item.path, exc_info=True)
        return None, err


def predict_prepared(predictor, items: list[LoadedRecord], clinicals: list[dict], preps: list, failures: list,
                     explain: bool) -> list:
    """``predictor.predict_batch`` over the prepared items (``preps[k]`` not None) in one pass; when
    one record spoils the pass, each record alone, to find it (its exception into ``failures[k]``).
    Returns the prediction or None per item, in order."""
    preds: list = [None] * len(items)
    ok = [k for k in range(len(items)) if preps[k] is not None]
    if not ok:
        return preds
    try:
        got = predictor.predict_batch([items[k].record for k in ok], [clinicals[k] for k in ok], explain=explain,
                                      prepared=[preps[k] for k in ok])
        for k, p in zip(ok, got):
            preds[k] = p
    except Exception:
        for k in ok:
            try:
                preds[k] = predictor.predict_batch([items[k].record], [clinicals[k]], explain=explain,
                                                   prepared=[preps[k]])[0]
            except Exception as err:
                log.debug("%s could not score %s", getattr(predictor, "name", "the model"), items[k].path,
                          exc_info=True)
                failures[k] = err
    return preds


def predict_each(predictor, items: list[LoadedRecord], clinicals: list[dict], explain: bool,
                 like: list | None = None, cancel=None) -> tuple[list, list, list]:
    """Each item's record prepared (``prepare_one``), then ``predict_prepared`` over them in one
    pass. Returns (prediction or None, the exception or None, the preparation or None) per item, in
    order.

    Raises:
        ScoringCancelled: ``cancel()`` said stop before a record's preparation or the pass.
    """
    stop = cancel or (lambda: False)
    preps: list = []
    failures: list = []
    for k, (it, clin) in enumerate(zip(items, clinicals)):
        if stop():
            raise ScoringCancelled()
        prep, err = prepare_one(predictor, it, clin, like[k] if like is not None else None)
        preps.append(prep)
        failures.append(err)
    if stop():
        raise ScoringCancelled()
    return predict_prepared(predictor, items, clinicals, preps, failures, explain), failures, preps
