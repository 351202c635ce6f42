"""The shipped statements model (resources/models/statements): format and card, that it runs beside the
default model unless told otherwise, and what it says on the bundled samples with their source labels."""

from __future__ import annotations

import json
import re

import pytest

import mirage_model as mm
from mirage_model.checkpoint import load_checkpoint
from mirage_model.measure import measure
from mirage_model.paths import shipped_models
from mirage_model.review.interpret import STATEMENTS, companion_statements_model, interpret_prediction

FOLDER = shipped_models().get("statements")
pytestmark = pytest.mark.skipif(FOLDER is None, reason="no statements model ships")


def test_format_card_and_calibration():
    config = json.loads((FOLDER / "config.json").read_text())
    assert config["half"] is True and not list(FOLDER.glob("*.pt")) and not list(FOLDER.glob("*.pkl"))
    assert sorted(config["labels"]) == sorted(STATEMENTS)                  # PTB-XL's 71 statements
    text = (FOLDER / "config.json").read_text() + (FOLDER / "MODEL_CARD.md").read_text()
    assert not re.search(r"(?<![\w.])/(home|root|work|tmp|Users)/", text), "a machine path is in the shipped model"
    card = (FOLDER / "MODEL_CARD.md").read_text()
    for needle in ("Research use only", "PTB-XL", "mirage train", "mirage evaluate", "mirage calibrate",
                   "Strodthoff", "rhythm", "form", "diagnostic", "resnet1d_wang", "AFIB"):
        assert needle in card, needle
    loaded = load_checkpoint(FOLDER)
    assert loaded.calibration is not None
    assert loaded.metrics["test"]["macro"]["auroc"] > 0.9
    # the measured stage: trees stored as numbers, for the statements the fold-9 rule kept
    stage = loaded.measured_stack
    assert stage is not None and stage.kind == "trees" and stage.trees.n_outputs == len(stage.labels)
    assert {"SARRH", "SR", "AFIB", "PAC"} <= set(stage.labels) and "--measured-stage" in card
    for lab in stage.labels:
        m = stage.metrics["per_label"][lab]
        assert m["stacked_auroc_cv"] >= m["model_auroc"] + 0.003


def test_runs_beside_the_default_model_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("MIRAGE_STATEMENTS_MODEL", raising=False)
    default = mm.Predictor(device="cpu")
    assert companion_statements_model(default.labels) == FOLDER
    assert companion_statements_model(list(STATEMENTS)) is None          # a statements model needs none
    monkeypatch.setenv("MIRAGE_STATEMENTS_MODEL", "none")
    assert companion_statements_model(default.labels) is None


@pytest.mark.parametrize("stem, first", [("A0003", "Atrial fibrillation"), ("00417_lr", "Sinus rhythm")])
def test_rhythm_first_on_the_bundled_samples(stem, first):
    """A0003 (CPSC 2018, SNOMED 164889003 atrial fibrillation) and PTB-XL 417 (sinus rhythm, normal
    ECG) are read with the rhythm their source gives, first."""
    path = next((p for p in mm.sample_records() if p.stem == stem), None)
    if path is None:
        pytest.skip(f"sample {stem} not bundled")
    record = mm.load_record(path)
    pred = mm.Predictor(FOLDER, device="cpu").predict(record, {"age": record.age, "sex": record.sex}, explain=False)
    assert "AFIB" in pred.measured_labels and not pred.measured_note    # the measured stage read the record
    it = interpret_prediction(pred, measure(record), record.sex)
    assert it.first.text.startswith(first), it.text()
    assert not (first == "Atrial fibrillation" and any(s.code == "NORM" for s in it.statements))
