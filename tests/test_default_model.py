"""The shipped default model (resources/models/default): format, card, and real-data quality."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.checkpoint import load_checkpoint

MODEL = mm.default_model_path()
pytestmark = pytest.mark.skipif(MODEL is None, reason="no trained model ships yet")


def test_shipped_model_format_and_card():
    config = json.loads((MODEL / "config.json").read_text())
    assert config["half"] is True                                        # fp16 on disk, small
    assert (MODEL / "model.safetensors").stat().st_size < 50e6
    assert not list(MODEL.glob("*.pt")) and not list(MODEL.glob("*.pkl"))
    assert config["labels"] == ["NORM", "MI", "STTC", "CD", "HYP"]
    assert [f["name"] for f in config["clinical"]["features"]] == ["age", "sex", "height", "weight"]
    text = (MODEL / "config.json").read_text() + (MODEL / "MODEL_CARD.md").read_text()
    assert not re.search(r"(?<![\w.])/(home|root|work|tmp|Users)/", text), "a machine path is in the shipped model"
    card = (MODEL / "MODEL_CARD.md").read_text()
    for needle in ("Research use only", "PTB-XL", "mirage train", "mirage evaluate", "MI |", "macro"):
        assert needle in card, needle
    loaded = load_checkpoint(MODEL)
    assert loaded.metrics["test"]["macro"]["auroc"] > 0.8


def test_shipped_model_scores_the_bundled_samples():
    predictor = mm.Predictor(device="cpu")
    for path in mm.sample_records():
        record = mm.load_record(path)
        prediction = predictor.predict(record, clinical={"age": record.age, "sex": record.sex})
        assert prediction.probabilities.shape == (5,)
        assert np.all((prediction.probabilities >= 0) & (prediction.probabilities <= 1))
        assert prediction.explanation is not None and prediction.explanation.lead_importance.shape == (12,)


@pytest.mark.slow
def test_shipped_model_auroc_on_real_ptbxl_test_records(ptbxl_root):
    """Independent truth: PTB-XL's own labels for 300 fold-10 records (never used for training)."""
    from training_cli.common import compute_metrics
    from training_cli.datasets import open_dataset

    dataset = open_dataset(f"ptbxl:{ptbxl_root}", "superdiagnostic")
    test = [item for item in dataset.items if item.split == "test"][:300]
    predictor = mm.Predictor(device="cpu")
    records = [mm.load_record(item.path) for item in test]
    probs = np.stack([p.probabilities for p in predictor.predict_batch(records, [i.clinical for i in test])])
    target = np.array([[c in item.labels for c in dataset.classes] for item in test], dtype=int)
    macro = compute_metrics(target, probs, dataset.classes, predictor.thresholds)["macro"]["auroc"]
    assert macro > 0.85
