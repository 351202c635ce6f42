"""A record is filtered, rendered and quality-assessed once for the prediction, the clinical
values' contributions and the statements model beside it (it was three times), and the results
equal those of each model run alone."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

import mirage_model as mm
import mirage_model.inference as inference
from mirage_model.review.batch import score_folder
from mirage_model.review.scoring import clinical_contributions, compute
from mirage_model.review.session import ReviewSession

VALUES = {"age": 61, "sex": "F", "height": 170, "weight": 80}


@pytest.fixture(scope="module")
def predictors(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    root = tmp_path_factory.mktemp("ckpt")
    main = mm.Predictor(make_tiny_checkpoint(root / "sup", seed=1), device="cpu")
    stmts = mm.Predictor(make_tiny_checkpoint(root / "stmt", labels=("SR", "AFIB", "NORM"), seed=2,
                                              name="tiny-statements"), device="cpu")
    return main, stmts


@pytest.fixture()
def counted(monkeypatch):
    """Counts of the preparation's two costly steps, as the Predictor calls them (``inference.inputs``)."""
    calls = {"model_inputs": 0, "assess": 0}
    real_inputs, real_assess = inference.model_inputs, inference.assess_record

    def model_inputs(*a, **k):
        calls["model_inputs"] += 1
        return real_inputs(*a, **k)

    def assess_record(*a, **k):
        calls["assess"] += 1
        return real_assess(*a, **k)

    monkeypatch.setattr(inference.inputs, "model_inputs", model_inputs)
    monkeypatch.setattr(inference.inputs, "assess_record", assess_record)
    return calls


def _record():
    path = next(p for p in mm.sample_records() if p.stem == "00417_lr")
    return mm.load_record(path)


def _ticket(main, rec):
    """A review session's ticket for ``rec`` scored by ``main`` with ``VALUES``."""
    session = ReviewSession(rec)
    session.set_model(main.schema, main.name)
    session.set_values(VALUES)
    return session.ticket()


def test_compute_prepares_once_and_agrees_with_separate_runs(predictors, counted):
    main, stmts = predictors
    rec = _record()
    ticket = _ticket(main, rec)
    pred, contrib, stmt_pred = compute(main, rec, ticket, explain=False, statements_predictor=stmts)
    assert counted == {"model_inputs": 1, "assess": 1}
    # each alone, preparing for itself (the way it was)
    alone = main.predict(rec, ticket.values, explain=False)
    np.testing.assert_allclose(pred.probabilities, alone.probabilities, rtol=1e-6, atol=1e-7)
    alone_contrib = clinical_contributions(main, rec, ticket.values)
    assert sorted(contrib) == sorted(alone_contrib) and contrib
    for name in contrib:
        np.testing.assert_allclose(contrib[name], alone_contrib[name], rtol=1e-5, atol=1e-7)
    alone_stmt = stmts.predict(rec, ticket.values, explain=False)
    np.testing.assert_allclose(stmt_pred.probabilities, alone_stmt.probabilities, rtol=1e-6, atol=1e-7)
    assert stmt_pred.quality.verdict == alone_stmt.quality.verdict
    assert stmt_pred.clinical_used == alone_stmt.clinical_used


def test_a_model_that_prepares_differently_prepares_for_itself(predictors, counted, tmp_path):
    """Reuse only when both models preprocess alike: another input rate is prepared again."""
    import dataclasses

    from helpers_models import make_tiny_checkpoint

    main, _ = predictors

    other = mm.Predictor(make_tiny_checkpoint(tmp_path / "other", seed=3), device="cpu")
    other.preprocess_cfg = dataclasses.replace(other.preprocess_cfg, model_lowpass_hz=30.0)
    rec = _record()
    prep = main.prepare(rec, VALUES)
    again = other.prepare(rec, VALUES, like=prep)
    assert counted["model_inputs"] == 2
    assert not np.allclose(again.inputs.signal, prep.inputs.signal)
    same = main.prepare(rec, VALUES, like=prep)
    assert counted["model_inputs"] == 2 and same.inputs is prep.inputs


def test_a_batch_prepares_each_record_once(predictors, counted, tmp_path):
    main, stmts = predictors
    folder = tmp_path / "in"
    folder.mkdir()
    for p in mm.sample_records():
        if p.stem in ("00417_lr", "04016_lr", "A0003"):
            for f in p.parent.glob(p.stem + ".*"):
                shutil.copy(f, folder / f.name)
    out = tmp_path / "scores.csv"
    score_folder(folder, main, out, statements_predictor=stmts, measure=False)
    rows = list(csv.DictReader(open(out, newline="")))
    assert [r["status"] for r in rows] == ["ok"] * 3
    assert counted["model_inputs"] == len(rows), counted
    assert all(r["statements_model"] == "tiny-statements" for r in rows)


def test_inputs_made_as_the_model_prepares_are_reused_and_score_alike(predictors, counted):
    """The app's record-load job prepares the record (``inference.record_inputs``) with the model's
    configs; scoring reuses that preparation and gives exactly what preparing anew gives."""
    main, stmts = predictors
    rec = _record()
    made = inference.record_inputs(rec, main.preprocess_cfg, main.render_cfg, quality=True)
    assert counted == {"model_inputs": 1, "assess": 1} and made.key == main.prepare_key
    ticket = _ticket(main, rec)
    pred, contrib, stmt_pred = compute(main, rec, ticket, statements_predictor=stmts, inputs=made)
    assert counted == {"model_inputs": 1, "assess": 1}
    assert pred.quality is made.quality and stmt_pred.quality is made.quality
    anew, anew_contrib, anew_stmt = compute(main, rec, ticket, statements_predictor=stmts)
    assert counted == {"model_inputs": 2, "assess": 2}
    np.testing.assert_array_equal(pred.probabilities, anew.probabilities)
    np.testing.assert_array_equal(pred.window_probabilities, anew.window_probabilities)
    np.testing.assert_array_equal(stmt_pred.probabilities, anew_stmt.probabilities)
    assert sorted(contrib) == sorted(anew_contrib) and contrib
    for name in contrib:
        np.testing.assert_array_equal(contrib[name], anew_contrib[name])


def test_inputs_made_otherwise_are_not_reused(predictors, counted):
    """Another preprocessing, another rendering, no quality report, or another record: the model
    prepares the record itself, exactly as without them."""
    import dataclasses

    main, _ = predictors
    rec = _record()
    own = main.prepare(rec, VALUES)
    pcfg, rcfg = main.preprocess_cfg, main.render_cfg
    others = {
        "preprocessing": inference.record_inputs(rec, dataclasses.replace(pcfg, model_lowpass_hz=30.0), rcfg),
        "rendering": inference.record_inputs(rec, pcfg, dataclasses.replace(rcfg, line_width=2.0)),
        "no quality report": inference.record_inputs(rec, pcfg, rcfg, quality=False),
        "another record": inference.record_inputs(dataclasses.replace(rec), pcfg, rcfg),
    }
    for why, made in others.items():
        before = dict(counted)
        prep = main.prepare(rec, VALUES, inputs=made)
        assert counted["model_inputs"] == before["model_inputs"] + 1, why
        assert counted["assess"] == before["assess"] + 1, why
        assert prep.inputs is not made.inputs and prep.quality is not made.quality, why
        for field in ("signal", "image", "mv", "starts_s"):
            np.testing.assert_array_equal(getattr(prep.inputs, field), getattr(own.inputs, field), err_msg=why)
    # None configs are the defaults model_inputs uses
    assert inference.inputs_key(None, None, True) == inference.inputs_key(mm.PreprocessConfig(),
                                                                          inference.RenderConfig(), True)


def test_the_load_job_and_a_model_job_share_one_preparation(predictors, counted):
    """``jobs.LoadedRecord.preparation``: the model job started with the traces and the record-
    load job ask for the record's preparation at about the same time; it is made once, and only
    for a model that prepares as the load job does."""
    import dataclasses
    import threading

    pytest.importorskip("PySide6")
    from app.jobs import LoadedRecord

    main, _ = predictors
    rec = _record()
    out = LoadedRecord(record=rec, configs=(main.preprocess_cfg, main.render_cfg, True))
    got, start = [], threading.Barrier(3)

    def ask():
        start.wait()
        got.append(out.preparation_for(main))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    start.wait()
    got.append(out.preparation())
    for t in threads:
        t.join()
    assert counted == {"model_inputs": 1, "assess": 1}
    assert got[0] is got[1] is got[2] and got[0].key == main.prepare_key
    other = LoadedRecord(record=rec, configs=(dataclasses.replace(main.preprocess_cfg, low_hz=1.0),
                                              main.render_cfg, True))
    assert other.preparation_for(main) is None and counted == {"model_inputs": 1, "assess": 1}
