"""The shipped models (resources/models/default and mi): format, card, and real-data quality."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.checkpoint import load_checkpoint

from mirage_model.paths import shipped_models

MODEL = mm.default_model_path()
MI_MODEL = shipped_models().get("mi")
pytestmark = pytest.mark.skipif(MODEL is None, reason="no trained model ships yet")
LABELS = {"default": ["NORM", "MI", "STTC", "CD", "HYP"], "mi": ["MI"]}


@pytest.mark.parametrize("name", ["default", "mi"])
def test_shipped_model_format_and_card(name):
    folder = shipped_models().get(name)
    if folder is None:
        pytest.skip(f"no {name} model ships")
    config = json.loads((folder / "config.json").read_text())
    # the default is stored in fp32, the weights exactly as scored on fold 10 (its calibration figures sit
    # near 0.02, where fp16 rounding moved one by 0.0002 before); the others in fp16, small
    assert config["half"] is (name != "default")
    assert (folder / "model.safetensors").stat().st_size < 50e6
    assert not list(folder.glob("*.pt")) and not list(folder.glob("*.pkl"))
    assert config["labels"] == LABELS[name]
    assert [f["name"] for f in config["clinical"]["features"]] == ["age", "sex", "height", "weight"]
    text = (folder / "config.json").read_text() + (folder / "MODEL_CARD.md").read_text()
    assert not re.search(r"(?<![\w.])/(home|root|work|tmp|Users)/", text), "a machine path is in the shipped model"
    card = (folder / "MODEL_CARD.md").read_text()
    for needle in ("Research use only", "PTB-XL", "mirage train", "mirage evaluate", "MI |", "macro"):
        assert needle in card, needle
    loaded = load_checkpoint(folder)
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
def test_shipped_model_auroc_on_real_ptbxl_val_records(ptbxl_root):
    """Independent truth: PTB-XL's own labels for 300 fold-9 records (never used for training; fold 9 chose the
    model, so this is a regression check: the test fold, scored once for the model card, is not read again)."""
    from training_cli.engine.datasets import open_dataset
    from training_cli.engine.metrics import compute_metrics

    dataset = open_dataset(f"ptbxl:{ptbxl_root}", "superdiagnostic")
    val = [item for item in dataset.items if item.split == "val"][:300]
    predictor = mm.Predictor(device="cpu")
    records = [mm.load_record(item.path) for item in val]
    probs = np.stack([p.probabilities for p in predictor.predict_batch(records, [i.clinical for i in val])])
    target = np.array([[c in item.labels for c in dataset.classes] for item in val], dtype=int)
    macro = compute_metrics(target, probs, dataset.classes, predictor.thresholds)["macro"]["auroc"]
    assert macro > 0.85


@pytest.mark.slow
@pytest.mark.skipif(MI_MODEL is None, reason="no mi model ships")
def test_mi_model_auroc_on_real_ptbxl_val_records(ptbxl_root):
    """Independent truth: PTB-XL's MI superclass for 300 fold-9 records (never used for training; a regression
    check on the validation fold, as above)."""
    from training_cli.engine.datasets import open_dataset
    from training_cli.engine.metrics import auroc

    dataset = open_dataset(f"ptbxl:{ptbxl_root}", "mi")
    val = [item for item in dataset.items if item.split == "val"][:300]
    predictor = mm.Predictor(MI_MODEL, device="cpu")
    records = [mm.load_record(item.path) for item in val]
    p_mi = np.array([p.probabilities[0] for p in predictor.predict_batch(records, [i.clinical for i in val])])
    y = np.array([item.labels == ("MI",) for item in val], dtype=int)
    assert 20 < y.sum() < 280
    assert auroc(y, p_mi) > 0.85


def test_every_shipped_set_of_weights_has_its_card():
    """Every file of learned weights under resources/ ships with a model card that names its training
    data, task, labels and metrics with the commands; the delineator (a U-Net) and the electrode
    reversal detector (a logistic regression) had none. The cards' facts are checked against the
    weight files themselves (parameters counted from the safetensors, features and thresholds from
    the JSON), so a retrained file with a stale card fails here."""
    from safetensors.numpy import load_file

    from mirage_model.paths import resources_dir

    root = resources_dir()
    weights = sorted(root.rglob("*.safetensors")) + [root / "quality" / "reversal.json"]
    assert weights and all(w.is_file() for w in weights)
    for w in weights:
        card = w.parent / "MODEL_CARD.md"
        assert card.is_file(), f"{w.relative_to(root)} ships without a model card"
        text = card.read_text()
        assert "Research use only" in text, card
        for needle in ("## training", "## metrics", "labels", "command"):
            assert needle in text.lower(), (card, needle)
        assert not re.search(r"(?<![\w.])/(home|root|work|tmp|Users)/", text), card

    unet = root / "models" / "delineator"
    # BatchNorm's running statistics are no parameters
    params = sum(int(np.prod(a.shape)) for k, a in load_file(str(unet / "unet.safetensors")).items()
                 if k.rsplit(".", 1)[-1] in ("weight", "bias"))
    meta = json.loads((unet / "unet.json").read_text())
    card = (unet / "MODEL_CARD.md").read_text()
    assert f"{params:,} parameters" in card and params == meta["parameters"]
    assert f"{meta['best_val_loss']:.4f}" in card
    assert "python scripts/train_delineator.py" in card and "python scripts/eval_ludb.py" in card
    assert all(f"`{c}`" in card for c in meta["classes"])

    rev = json.loads((root / "quality" / "reversal.json").read_text())
    card = (root / "quality" / "MODEL_CARD.md").read_text()
    mean = json.loads(rev["mean"]) if isinstance(rev["mean"], str) else rev["mean"]
    assert f"over {len(mean)} features" in card
    assert f"reaches {rev['thresholds']['limb']:.3f}" in card
    chest = ", ".join(f"{rev['thresholds'][k]:.3f}" for k in ("V1/V2", "V2/V3", "V3/V4", "V4/V5", "V5/V6"))
    assert f"({chest})" in card
    assert all(f"`{c}`" in card for c in rev["classes"])
    assert "python scripts/train_reversal_detector.py" in card and "python scripts/eval_quality_ptbxl.py" in card
