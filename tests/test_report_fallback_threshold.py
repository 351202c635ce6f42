"""The PDF's result table marks a threshold that was never measured: training's 0.5 fallback for a class whose
validation split held no positive (or no negative) record. An own Challenge model (9 validation records) had
LPR, PR, QAb, SA and NSIVCB called at 0.500 on page 3, printed as the measured thresholds beside them, where the
model card says "a fallback, not measured". Truth: the validation counts written here by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from reportlab.platypus import Paragraph, Table

from helpers_models import TINY_LABELS, make_tiny_checkpoint, synthetic_record


@pytest.fixture(scope="module")
def prediction(tmp_path_factory):
    from mirage_model.inference import Predictor

    folder = make_tiny_checkpoint(tmp_path_factory.mktemp("fb") / "m", labels=TINY_LABELS)
    return Predictor(folder, quality=False).predict(synthetic_record())


def _flow(pred, metrics):
    from mirage_model.review.report.model_info import flatten_metrics
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles

    info = {"name": "own", "metrics": flatten_metrics(metrics)} if metrics is not None else None
    return result_flowables(SimpleNamespace(prediction=pred, record=None, session=None), styles(), info)


def test_a_fallback_threshold_is_marked_and_said(prediction):
    labels = list(prediction.labels)
    assert {"MI", "NORM", "CD"} <= set(labels)
    # 9 validation records: MI none positive, NORM all 9 positive (no negative), CD 2 of 9 (measured)
    val = {"n": 9, "per_class": {"MI": {"positives": 0}, "NORM": {"positives": 9}, "CD": {"positives": 2}}}
    flow = _flow(prediction, {"val": val})
    cells = {str(row[0]): str(row[3]) for row in next(f for f in flow if isinstance(f, Table))._cellvalues[1:]}
    thr = dict(zip(labels, prediction.thresholds))
    assert cells["MI"] == f"{thr['MI']:.3f}*" and cells["NORM"] == f"{thr['NORM']:.3f}*"
    assert cells["CD"] == f"{thr['CD']:.3f}"
    text = " ".join(f.getPlainText() for f in flow if isinstance(f, Paragraph))
    assert ("* Threshold not measured: a fallback of 0.5, the model's validation split holding no positive record "
            "of MI; no negative record of NORM. A call of such a class rests on no measured threshold.") in text


def test_no_mark_without_the_counts(prediction):
    for metrics in (None, {}, {"val": {"n": 9, "per_class": {"MI": {"positives": 3}}}}):
        flow = _flow(prediction, metrics)
        rows = next(f for f in flow if isinstance(f, Table))._cellvalues[1:]
        assert not any(str(row[3]).endswith("*") for row in rows)
        assert "Threshold not measured" not in " ".join(f.getPlainText() for f in flow if isinstance(f, Paragraph))
