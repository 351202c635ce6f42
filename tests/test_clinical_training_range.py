"""A clinical value beyond the shipped models' training data is read at its edge, and said.

The shipped models were trained on PTB-XL folds 1-8 (their provenance); their configs carry each
continuous feature's smallest and largest training value (``ClinicalFeature.trained``). Truth from
outside the code: PTB-XL's own table read here with pandas, the probabilities of the value at the
edge, and the words each view prints."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.review.session import ReviewSession

MODELS = mm.resources_dir() / "models"
SAMPLE = mm.resources_dir() / "samples" / "ludb" / "1.hea"
needs = pytest.mark.skipif(not (MODELS / "default" / "model.safetensors").is_file() or not SAMPLE.is_file(),
                           reason="shipped model or sample not present")


@pytest.mark.parametrize("model", ["default", "mi", "statements"])
def test_the_shipped_ranges_are_ptbxl_folds_1_to_8(shared_datasets, model):
    """age 2-90 (300, "older than 89", read as 90), height and weight within their possible ranges."""
    import pandas as pd

    config = json.loads((MODELS / model / "config.json").read_text())
    assert "strat_fold 1-8 train" in config["provenance"]["splits"]
    db = pd.read_csv(shared_datasets / "ptbxl" / "ptbxl_database.csv")
    train = db[db["strat_fold"] <= 8]
    truth = {"age": train["age"].where(train["age"] < 300, 90.0),
             "height": train["height"].where(train["height"] >= 30), "weight": train["weight"]}
    trained = {f["name"]: f.get("trained") for f in config["clinical"]["features"]}
    assert trained.pop("sex") is None
    assert trained == {k: [float(v.min()), float(v.max())] for k, v in truth.items()}


@pytest.mark.slow
@needs
def test_a_weight_of_450_kg_is_read_as_the_heaviest_trained_on_and_said():
    predictor = mm.Predictor("default", device="cpu")
    record = mm.load_record(SAMPLE)
    heavy = predictor.predict(record, {"weight": 450}, explain=False)
    edge = predictor.predict(record, {"weight": 210}, explain=False)
    usual = predictor.predict(record, {"weight": 70}, explain=False)
    assert np.array_equal(heavy.probabilities, edge.probabilities)
    assert not np.allclose(heavy.probabilities, usual.probabilities)
    words = "above the range of the model's training data (5-210 kg): used as 210 kg"
    assert heavy.clinical_used["held"] == {"weight": words} and edge.clinical_used["held"] == {}
    session = ReviewSession(record, schema=predictor.schema, model_name=predictor.name)
    session.set_value("weight", "450", "kg")
    value = session.values["weight"]
    assert value.accepted and value.message == words                       # the lab form shows it under the value
    session.set_value("weight", "992", "lb")                               # 450 kg in pounds
    assert session.values["weight"].message == words
    session.set_value("weight", "80", "kg")
    assert session.values["weight"].message == ""


@pytest.mark.slow
@needs
def test_the_lab_form_the_pdf_table_and_the_csv_say_it(qtbot, tmp_path):
    """What the reviewer sees under the value, the PDF's values table, and the score CSV's notes."""
    pytest.importorskip("pytestqt")
    from app.views.lab_form import LabForm
    from mirage_model.review.report.clinical_table import session_clinical_rows
    from training_cli.main import main

    words = "above the range of the model's training data (5-210 kg): used as 210 kg"
    predictor = mm.Predictor("default", device="cpu")
    record = mm.load_record(SAMPLE)
    session = ReviewSession(record, schema=predictor.schema, model_name=predictor.name)
    form = LabForm()
    qtbot.addWidget(form)
    form.set_session(session)
    form.set_value("weight", "450", "kg")
    assert form.message("weight") == words and form.status("weight") == "held"
    session.accept_prediction(session.ticket(), predictor.predict(record, session.ticket().values, explain=False))
    row = next(r for r in session_clinical_rows(session) if r["name"] == "weight")
    assert row["used"] == "used by model as 210 kg (trained on 5-210)"

    folder = tmp_path / "in"
    folder.mkdir()
    for f in SAMPLE.parent.glob("1.*"):
        (folder / f.name).write_bytes(f.read_bytes())
    (tmp_path / "labs.csv").write_text("record_id,weight\n1,450\n")
    out = tmp_path / "out.csv"
    assert main(["score", str(folder), "--labs", str(tmp_path / "labs.csv"), "--out", str(out), "--no-progress",
                 "--no-measure"]) == 0
    import csv
    with out.open(encoding="utf-8-sig", newline="") as fh:
        notes = next(csv.DictReader(fh))["notes"]
    assert f"weight=450 kg: {words}" in notes.split("; ")


def test_a_trained_models_card_names_its_ranges():
    """The card ``mirage train``/``export`` writes says the ranges ``fit`` kept; a schema without them, nothing."""
    from mirage_model.clinical import default_schema
    from training_cli.engine.model_card import _trained_ranges

    schema = default_schema(["age", "sex", "troponin_t"])
    fitted = schema.fit([{"age": 18, "sex": "F", "troponin_t": 4}, {"age": 77.5, "sex": "M", "troponin_t": 250}])
    assert _trained_ranges(fitted) == ("; a value beyond the training data's range, age 18-77.5 years, "
                                       "troponin_t 4-250 ng/L, is read at its edge")
    assert _trained_ranges(schema) == ""
