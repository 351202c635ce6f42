"""``mirage export``: a shippable model folder (fp16, model card, no machine paths)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from helpers_models import make_tiny_checkpoint
from mirage_model.checkpoint import load_checkpoint
from training_cli.commands.export import scrub_paths
from training_cli.main import main


def test_scrub_paths_keeps_last_component_only():
    doc = {"command": "/opt/venv/bin/mirage train --data ptbxl:/home/ann/data/ptbxl --out /tmp/run1",
           "list": ["/a/b/c.csv", "relative/path.csv", "ratio 1/2"], "n": 3}
    out = scrub_paths(doc)
    assert out["command"] == "mirage train --data ptbxl:ptbxl --out run1"
    assert out["list"] == ["c.csv", "relative/path.csv", "ratio 1/2"]
    assert out["n"] == 3


def test_export_half_with_card_and_test_metrics(tmp_path):
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    test_metrics = {
        "n": 10, "split": "test",
        "macro": {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75},
        "per_class": {lab: {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75}
                      for lab in ("NORM", "MI", "STTC", "CD", "HYP")},
        "bootstrap": {"macro": {"auroc": [0.85, 0.95]}},
    }
    (tmp_path / "m.json").write_text(json.dumps(test_metrics))
    out = tmp_path / "shipped"
    rc = main(["export", "--model", str(src), "--out", str(out), "--half",
               "--test-metrics", str(tmp_path / "m.json"),
               "--evaluate-command", f"mirage evaluate --model {src} --split test"])
    assert rc == 0
    card = (out / "MODEL_CARD.md").read_text()
    assert "Research use only, not a diagnosis" in card
    assert "| **macro** | 0.900 (0.850-0.950)" in card
    assert "NORM, MI, STTC, CD, HYP" in card
    text = (out / "config.json").read_text()
    assert str(tmp_path) not in text and str(tmp_path) not in card
    doc = json.loads(text)
    assert doc["half"] is True and doc["metrics"]["test"]["macro"]["auroc"] == 0.9

    original, shipped = load_checkpoint(src), load_checkpoint(out)
    for (name, a), (_, b) in zip(original.model.state_dict().items(), shipped.model.state_dict().items()):
        assert b.dtype == a.dtype, name                       # fp16 on disk, fp32 in memory
        assert torch.allclose(a, b, atol=1e-3, rtol=1e-3), name
    assert np.allclose(original.thresholds, shipped.thresholds)
    assert "n=10, evaluated once)" in card

    # a test split scored again says so beside the figures
    rc = main(["export", "--model", str(src), "--out", str(tmp_path / "again"), "--test-metrics",
               str(tmp_path / "m.json"), "--test-looks", "2"])
    card = (tmp_path / "again" / "MODEL_CARD.md").read_text()
    assert rc == 0 and "evaluated once" not in card and "n=10, scored 2 times for this model" in card


@pytest.mark.parametrize("labels,quoted", [(("NORM", "MI", "STTC", "CD", "HYP"), True), (("MI",), False)])
def test_published_benchmark_only_on_superdiagnostic_cards(tmp_path, labels, quoted):
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=labels)
    metrics = {"n": 10, "macro": {"auroc": 0.8}, "per_class": {}}
    (tmp_path / "b.json").write_text(json.dumps(metrics))
    assert main(["export", "--model", str(src), "--out", str(tmp_path / "out"),
                 "--baseline-metrics", f"other={tmp_path / 'b.json'}"]) == 0
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert "| other | 0.800 |" in card
    assert ("Published best for PTB-XL superdiagnostic" in card) is quoted


def test_export_bad_model_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "junk").mkdir()
    assert main(["export", "--model", str(tmp_path / "junk"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "junk" in err and err.startswith("error: ")          # one line on stderr, from main()


def test_export_card_says_only_what_is_true_of_the_test_looks(tmp_path, capsys):
    """--test-looks 0 / -3 had been accepted as "evaluated once"; 3 had promised an appendix that does
    not exist; without --evaluate-command the card had printed "command: `?`"."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    metrics = {"n": 10, "split": "test", "macro": {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75},
               "per_class": {lab: {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75}
                             for lab in ("NORM", "MI", "STTC", "CD", "HYP")}}
    (tmp_path / "m.json").write_text(json.dumps(metrics))
    for bad in ("0", "-3"):
        out = tmp_path / f"bad{bad}"
        assert main(["export", "--model", str(src), "--out", str(out), "--test-metrics", str(tmp_path / "m.json"),
                     "--test-looks", bad]) == 1
        assert f"--test-looks {bad}" in capsys.readouterr().err and not out.exists()
    out = tmp_path / "three"
    assert main(["export", "--model", str(src), "--out", str(out), "--test-metrics", str(tmp_path / "m.json"),
                 "--test-looks", "3"]) == 0
    card = (out / "MODEL_CARD.md").read_text()
    assert "n=10, scored 3 times for this model: the figures are the last look's)" in card
    assert "appendix" not in card.lower() and "`?`" not in card and "command:" not in card
    out = tmp_path / "cmd"
    assert main(["export", "--model", str(src), "--out", str(out), "--test-metrics", str(tmp_path / "m.json"),
                 "--evaluate-command", "mirage evaluate --split test"]) == 0
    assert "n=10, evaluated once), without intervals (no bootstrap run); command: `mirage evaluate --split test`" \
        in (out / "MODEL_CARD.md").read_text()


@pytest.mark.parametrize("labels,sentence", [
    (("NORM", "MI", "STTC", "CD", "HYP"), "are outside these 5 classes."),
    (("MI",), "are outside its one class (MI)."),
])
def test_card_names_the_model_s_own_classes(tmp_path, labels, sentence):
    """The MI model's card had said "outside these five classes", and the code wrote "these 1 classes"."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=labels)
    assert main(["export", "--model", str(src), "--out", str(tmp_path / "out")]) == 0
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert sentence in card and "these 1 classes" not in card


def test_a_test_split_that_scored_some_of_the_labels_is_carded_not_a_crash(tmp_path):
    """`mirage evaluate` scores a model on a task holding some of its labels (the five superclasses
    on data without STTC) and export takes that metrics.json, but the card's table looked up every
    label of the model: "error: KeyError: 'STTC'". The labels scored get their rows; the others are
    named as not scored."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model")           # NORM, MI, STTC, CD, HYP
    scored = ["NORM", "MI", "CD", "HYP"]
    row = {"auroc": 0.9, "auprc": 0.8, "f1": 0.7, "accuracy": 0.75}
    metrics = {"n": 4, "split": "test", "labels": scored, "macro": row, "per_class": {c: row for c in scored}}
    (tmp_path / "m.json").write_text(json.dumps(metrics))
    assert main(["export", "--model", str(src), "--out", str(tmp_path / "out"),
                 "--test-metrics", str(tmp_path / "m.json")]) == 0
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert "| MI | 0.900 | 0.800 | 0.700 | 0.750 |" in card and "| STTC |" not in card
    assert "Not scored on the test split: STTC (not a label of the data evaluated)." in card
