"""A call on a threshold that was never measured (training's 0.5 fallback: the validation split held no positive,
or no negative, record of the class) is marked "(?)" wherever it is shown, with why. An own CinC model of 86 records
(19 of its 43 labels with no validation positive) called 20 labels at 49-55 % on A0002, each said in the
interpretation, the app and the CSV as any other call, "uncalibrated" alone: only the model card said which
thresholds were never measured. Truth: the validation counts written here by hand."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from reportlab.platypus import Table

from helpers_models import TINY_LABELS, make_tiny_checkpoint, synthetic_record
from mirage_model.outputs import unmeasured_thresholds

# 9 validation records: MI none positive, NORM all 9 positive (no negative), the others measured
VAL = {"n": 9, "per_class": {"NORM": {"positives": 9}, "MI": {"positives": 0}, "STTC": {"positives": 3},
                             "CD": {"positives": 2}, "HYP": {"positives": 1}}}
WHY_MI = "threshold not measured (a 0.5 fallback: no validation positives)"
WHY_NORM = "threshold not measured (a 0.5 fallback: no validation negatives)"


def test_the_unmeasured_thresholds_are_read_off_the_split_they_were_chosen_on():
    assert unmeasured_thresholds({"val": VAL}, TINY_LABELS) == {"NORM": "negatives", "MI": "positives"}
    # mirage calibrate chose them again on its split: its counts, not training's
    calibrated = {"n": 12, "per_class": {"MI": {"positives": 4}, "CD": {"positives": 0}}}
    assert unmeasured_thresholds({"val": VAL, "val_calibrated": calibrated}, TINY_LABELS) == {"CD": "positives"}
    for metrics in (None, {}, {"val": {"per_class": VAL["per_class"]}}):      # no count of records: nothing known
        assert unmeasured_thresholds(metrics, TINY_LABELS) == {}


@pytest.fixture(scope="module")
def prediction(tmp_path_factory):
    from mirage_model.inference import Predictor

    folder = make_tiny_checkpoint(tmp_path_factory.mktemp("unmeasured") / "m", labels=TINY_LABELS,
                                  thresholds=[0.2] * len(TINY_LABELS))        # every class called
    doc = json.loads((folder / "config.json").read_text())
    doc["provenance"].update({"data": "folder:mydata", "data_kind": "folder", "labels_file": "labels.csv"})
    doc["metrics"] = {"val": VAL}
    (folder / "config.json").write_text(json.dumps(doc))
    pred = Predictor(folder, quality=False).predict(synthetic_record())
    assert set(pred.positive) == set(TINY_LABELS)
    return pred


def test_a_call_on_an_unmeasured_threshold_is_marked_with_why(prediction):
    from mirage_model.review.interpret import doubted_calls

    assert prediction.unmeasured_thresholds == {"NORM": "negatives", "MI": "positives"}
    assert doubted_calls(prediction) == {"NORM": WHY_NORM, "MI": WHY_MI}


def test_the_interpretation_says_its_own_labels_on_unmeasured_thresholds_last_and_marked(prediction):
    from mirage_model.review.interpret import interpret_prediction

    it = interpret_prediction(prediction)
    own = [s for s in it.statements if s.code in TINY_LABELS]
    assert [s.code for s in own][-2:] in (["NORM", "MI"], ["MI", "NORM"])     # after the measured ones
    notes = {s.code: s.note for s in own}
    assert notes["MI"] == WHY_MI and notes["NORM"] == WHY_NORM
    assert notes["CD"] is None and notes["STTC"] is None and notes["HYP"] is None
    assert f"MI (the model's own label) (?): {WHY_MI}" in it.notes_text()    # mirage score's notes column


def test_the_pdf_marks_the_call_and_its_model_line_says_why(prediction):
    from mirage_model.review.report.model_info import flatten_metrics
    from mirage_model.review.report.model_line import model_line
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles

    info = {"name": "own", "metrics": flatten_metrics({"val": VAL})}
    flow = result_flowables(SimpleNamespace(prediction=prediction, record=None, session=None), styles(), info)
    table = next(f for f in flow if isinstance(f, Table))
    results = {str(row[0]): str(row[4]) for row in table._cellvalues[1:]}
    assert results["MI"] == "POSITIVE (?)" and results["NORM"] == "POSITIVE (?)" and results["CD"] == "POSITIVE"
    line = model_line(prediction)
    p = dict(zip(prediction.labels, prediction.probabilities))
    assert f"MI {p['MI']:.2f} (?) threshold not measured" in line
    assert f"CD {p['CD']:.2f} (?)" not in line


# a model trained on PTB-XL's statements: 9 validation records, IMI none positive, NORM all 9 positive, the others
# measured
STATEMENT_LABELS = ("NORM", "IMI", "ASMI", "LVH", "NDT")
STATEMENT_VAL = {"n": 9, "per_class": {"NORM": {"positives": 9}, "IMI": {"positives": 0}, "ASMI": {"positives": 2},
                                       "LVH": {"positives": 3}, "NDT": {"positives": 1}}}


def test_a_ptbxl_models_statement_on_an_unmeasured_threshold_is_marked_in_the_interpretation(tmp_path):
    """Its calls said "IMI (?) threshold not measured", its interpretation "inferior myocardial infarction" unmarked:
    the mark is the interpretation's now too, in its notes column, and the statement still keeps "normal ECG" away."""
    from mirage_model.inference import Predictor
    from mirage_model.review.interpret import doubted_calls, interpret_prediction

    folder = make_tiny_checkpoint(tmp_path / "m", labels=STATEMENT_LABELS, thresholds=[0.2] * len(STATEMENT_LABELS))
    doc = json.loads((folder / "config.json").read_text())
    doc["provenance"].update({"data": "ptbxl:/data/ptbxl", "data_kind": "ptbxl"})
    doc["metrics"] = {"val": STATEMENT_VAL}
    (folder / "config.json").write_text(json.dumps(doc))
    pred = Predictor(folder, quality=False).predict(synthetic_record())
    assert pred.ptbxl_labels and set(pred.positive) == set(STATEMENT_LABELS)
    assert doubted_calls(pred) == {"NORM": WHY_NORM, "IMI": WHY_MI}          # the calls' marks, as before
    it = interpret_prediction(pred)
    notes = {s.code: s.note for s in it.statements if s.source == "model"}
    assert set(notes) == {"IMI", "ASMI", "LVH", "NDT"}, notes                # NORM not stated: findings stand
    assert notes == {"IMI": WHY_MI, "ASMI": None, "LVH": None, "NDT": None}, notes
    imi = next(s for s in it.statements if s.code == "IMI")
    assert f"{imi.text} (?): {WHY_MI}" in it.notes_text()
    assert any(line.startswith("normal ECG") and "not stated" in line for line in it.resolved), it.resolved
