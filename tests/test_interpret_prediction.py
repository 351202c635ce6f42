"""interpret_prediction: which of a model's labels are statements, and the interpretation of a Prediction."""

from __future__ import annotations

import numpy as np

from mirage_model.inference import Prediction
from mirage_model.review.interpret import interpret_prediction, statement_labels


def _pred(labels, probs, thresholds, withheld=""):
    return Prediction(labels=tuple(labels), probabilities=np.asarray(probs, np.float32),
                      thresholds=np.asarray(thresholds, np.float32), positive=(), model_name="m",
                      withheld=withheld)


def test_statement_labels():
    assert statement_labels(("NORM", "MI", "STTC", "CD", "HYP")) == []          # the superclass model
    assert statement_labels(("MI",)) == []                                     # the MI model
    assert statement_labels(("NORM", "MI", "SR", "AFIB", "LAO/LAE")) == ["NORM", "SR", "AFIB", "LAO/LAE"]


def test_superclasses_give_normal_ecg_only_and_rules_say_no_model_states_rhythm():
    pred = _pred(("NORM", "MI", "STTC", "CD", "HYP"), [0.9, 0.1, 0.1, 0.1, 0.1], [0.5] * 5)
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0, "qrs_axis_deg": 30.0}, "F")
    assert [s.text for s in it.statements] == ["Rhythm not classified, 70 bpm", "Normal ECG"]
    assert it.statements[0].rule == "no model here states rhythm; measured rate only"
    # an abnormal superclass above its threshold: no "normal ECG" beside it, and the reason
    pred = _pred(("NORM", "MI", "STTC", "CD", "HYP"), [0.9, 0.1, 0.1, 0.1, 0.6], [0.5] * 5)
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0})
    assert [s.text for s in it.statements] == ["Rhythm not classified, 70 bpm"]
    assert it.resolved == ("normal ECG (90%) not stated: the model's HYP (60%) above threshold",)
    # a statements model without a rhythm call: its most probable rhythm, marked (a tie: sinus)
    pred = _pred(("SR", "AFIB"), [0.1, 0.1], [0.5, 0.5])
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0})
    assert it.statements[0].text == "Sinus rhythm, 70 bpm, most probable rhythm (below its threshold)"
    # one with ectopy labels only says no rhythm of its own is above threshold
    pred = _pred(("PVC", "PAC"), [0.1, 0.1], [0.5, 0.5])
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0})
    assert it.statements[0].rule == "no rhythm statement of the model is above its threshold"


def test_withheld_and_irregular_from_the_prediction_and_measurements():
    from mirage_model.measure import SCALAR_KEYS, Measurements

    m = Measurements(**dict(dict.fromkeys(SCALAR_KEYS), heart_rate_bpm=110.0), rhythm_irregular=True)
    pred = _pred(("AFIB", "SR"), [0.9, 0.2], [0.5, 0.5], withheld="lead missing (V3)")
    it = interpret_prediction(pred, m)
    assert it.withheld == "lead missing (V3)"
    assert it.text() == "WITHHELD (lead missing (V3)): Atrial fibrillation, 110 bpm, irregular"
    assert interpret_prediction(None, m).statements[0].text == "Rhythm not classified, 110 bpm, irregular"
