"""scripts/statements_thresholds.py's stored fold-9 figures: recomputed at the model's thresholds as the product calls
(at or above the threshold and at least 20 %), refused where a figure that takes no threshold is not the stored one;
and each model's fold-9 records are those of the task it was trained on."""

from __future__ import annotations

import numpy as np
import pytest

from helpers_scripts import load_script

script = load_script("statements_thresholds")


def _stored(auroc: float) -> dict:
    """Stored figures of one label "A" (6 records, 3 positive) at an earlier threshold: F1 and accuracy stale."""
    per = {"auroc": auroc, "auprc": 0.755556, "f1": 0.75, "accuracy": 0.666667, "sensitivity": 1.0,
           "specificity": 0.333333, "positives": 3}
    return {"n": 6, "macro": {"auroc": auroc, "auprc": 0.755556, "f1": 0.75, "accuracy": 0.666667,
                              "subset_accuracy": 0.666667}, "per_class": {"A": per}}


def test_stored_figures_at_the_model_s_thresholds(capsys):
    """Truth by hand: scores 0.9, 0.35, 0.25, 0.15, 0.12, 0.05, positives 0.9, 0.25, 0.12 (AUROC 6/9, average
    precision (1 + 2/3 + 3/5) / 3); at 0.30 the calls are 0.9 and 0.35: TP 1, FP 1, FN 2, TN 2, so F1 2/5,
    accuracy 3/6, sensitivity 1/3, specificity 2/3."""
    y = np.array([[1], [1], [0], [0], [1], [0]])
    p = np.array([[0.9], [0.25], [0.15], [0.35], [0.12], [0.05]])
    fresh = script.stored_figures(_stored(0.666667), y, p, ["A"], np.array([0.30]))
    per = fresh["per_class"]["A"]
    assert (per["f1"], per["accuracy"], per["sensitivity"], per["specificity"]) == (0.4, 0.5, 0.333333, 0.666667)
    assert (per["auroc"], per["auprc"], per["positives"], fresh["n"]) == (0.666667, 0.755556, 3, 6)
    assert "A: F1 0.75 -> 0.4, accuracy 0.666667 -> 0.5" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="A auroc 0.7 -> 0.666667"):       # other probabilities: not written
        script.stored_figures(_stored(0.7), y, p, ["A"], np.array([0.30]))


def test_each_model_s_fold_9_is_its_own_task_s():
    """The default model was calibrated on fold 9's superdiagnostic records (2146), the statements model on all
    (2183): read with "all", the default's figures could not be its stored ones."""
    assert script.trained_task({"task": "superdiagnostic"}) == "superdiagnostic"
    assert script.trained_task({"task": "all"}) == "all" and script.trained_task(None) == "all"
