"""A model trained on PTB-XL's rhythm, form or all statements shows its labels in words: its checkpoint records
each statement's words (the interpretation's, from scp_statements.csv: "SR" -> "Sinus rhythm"), and the app, the
PDF's result table and the model card say them; such a model had been written with the bare SCP codes (SR, AFIB,
NDT), shown bare everywhere but in the interpretation."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from helpers_training import make_mini_ptbxl, train_argv

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# PTB-XL 1.0.3's scp_statements.csv, the description column of these codes in sentence case ("sinus rhythm",
# "Q waves present"; "voltage criteria (QRS) for left ventricular hypertrophy" without its "(QRS)", "inferior
# myocardial infarction" as "Inferior infarct", "complete left bundle branch block" as the interpretation says them)
SR = {"SR": "Sinus rhythm"}
FORM = {"QWAVE": "Q waves present", "VCLVH": "Voltage criteria for left ventricular hypertrophy"}
SUPER = {"NORM": "Normal ECG", "MI": "Myocardial infarction", "CD": "Conduction disturbance", "HYP": "Hypertrophy"}


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return make_mini_ptbxl(tmp_path_factory.mktemp("ptbxl_words") / "ptbxl")


def test_the_ptbxl_datasets_carry_their_statements_words(mini):
    from training_cli.engine import datasets as D

    assert D.open_dataset(f"ptbxl:{mini}", "rhythm").descriptions == SR
    assert D.open_dataset(f"ptbxl:{mini}", "form").descriptions == FORM
    assert D.open_dataset(f"ptbxl:{mini}", "all").descriptions == {
        **SR, **FORM, "NORM": "Normal ECG", "IMI": "Inferior infarct", "CLBBB": "Left bundle branch block",
        "LVH": "Left ventricular hypertrophy"}
    # the superclasses by their names, not by a statement's words ("MI" is no statement)
    assert D.open_dataset(f"ptbxl:{mini}", "superdiagnostic").descriptions == SUPER
    assert D.open_dataset(f"ptbxl:{mini}", "mi").descriptions == {"MI": "Myocardial infarction"}


def test_a_rhythm_model_records_and_shows_its_words(mini, tmp_path, qtbot):
    from app.views.probability_bars import ProbabilityBars
    from mirage_model.inference import Predictor
    from mirage_model.records import load_record
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles
    from reportlab.platypus import Table
    from training_cli.main import main

    run = tmp_path / "run"
    assert main(["train", *train_argv(f"ptbxl:{mini}", run, tmp_path / "cache", "--task", "rhythm",
                                      "--epochs", "1", "--no-test")]) == 0
    assert json.loads((run / "model" / "config.json").read_text())["label_descriptions"] == SR
    assert main(["export", "--model", str(run / "model"), "--out", str(tmp_path / "export")]) == 0
    assert "labels: Sinus rhythm (SR)" in (tmp_path / "export" / "MODEL_CARD.md").read_text()

    pred = Predictor(run / "model", quality=False).predict(load_record(next(mini.rglob("00417_lr.hea"))))
    assert pred.ptbxl_labels is True and pred.label_descriptions == SR
    flow = result_flowables(SimpleNamespace(prediction=pred, record=None, session=None), styles(), None)
    rows = next(f for f in flow if isinstance(f, Table))._cellvalues
    assert {str(r[0]): str(getattr(r[1], "text", r[1])) for r in rows[1:]} == SR     # the Description column
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(pred.labels, pred.probabilities, pred.thresholds, "", None, pred.ptbxl_labels,
                        pred.label_descriptions)
    assert "SR Sinus rhythm " in bars.spoken()


def test_a_ptbxl_models_words_are_not_an_own_labels():
    """An own model's "AFIB" beside a PTB-XL statements model that records "Atrial fibrillation" for its AFIB
    stays the own model's label: PTB-XL's words are not lent to it (its table's AFIB is whatever it meant)."""
    from mirage_model.review.interpret import interpret_prediction

    stm = SimpleNamespace(labels=("SR", "AFIB"), probabilities=[0.9, 0.1], thresholds=[0.5, 0.5], withheld="",
                          model_name="statements", label_descriptions={"SR": "Sinus rhythm",
                                                                        "AFIB": "Atrial fibrillation"})
    own = SimpleNamespace(labels=("AFIB",), probabilities=[0.8], thresholds=[0.5], withheld="",
                          model_name="own", ptbxl_labels=False, label_descriptions={})
    texts = [s.text for s in interpret_prediction(stm, {"heart_rate_bpm": 70.0}, own=own).statements]
    assert "AFIB (the model's own label)" in texts, texts
