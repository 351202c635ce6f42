"""The model card of ``mirage export`` says only what the checkpoint records of its own training.

An audit of an own-data workflow (a folder of LUDB records, splits from labels.csv's split column)
found the card telling PTB-XL's story: "fold 9", "one German hospital's archive (PTB-XL, 1989-1996)",
"seeded random split (seed 0)".
"""

from __future__ import annotations

import json
import logging

import pytest

from helpers_models import make_tiny_checkpoint
from helpers_training import make_folder, train_argv
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PTBXL_SPLITS = "PTB-XL strat_fold 1-8 train, 9 val, 10 test"
PTBXL_ORIGIN = ("Not validated prospectively. Trained on one German hospital's archive (PTB-XL, 1989-1996): "
                "performance on other populations, devices and sampling rates is unknown.")


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    """A 1-epoch tiny run on a folder dataset whose splits come from labels.csv's split column; its
    validation split has no MI record (copy 1's MI record relabelled NORM)."""
    root, labels = make_folder(tmp_path_factory.mktemp("own") / "ecgs", n_copies=4, split_column=True)
    lines = labels.read_text().splitlines()
    labels.write_text("\n".join(line.replace(",MI,val", ",NORM,val") for line in lines) + "\n")
    assert ",MI,val" not in labels.read_text() and ",MI,train" in labels.read_text()
    out = tmp_path_factory.mktemp("runs") / "own"
    seen = _Warnings()
    logging.getLogger("training_cli").addHandler(seen)
    try:
        assert main(["train", *train_argv(f"folder:{root}", out, tmp_path_factory.mktemp("cache"), "--epochs", "1",
                                          labels=labels)]) == 0
    finally:
        logging.getLogger("training_cli").removeHandler(seen)
    (out / "warnings.txt").write_text("\n".join(seen.messages))
    return out


class _Warnings(logging.Handler):
    """The warnings a module-scoped run logs (pytest's caplog is per test)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def export_card(model, out, *extra) -> str:
    assert main(["export", "--model", str(model), "--out", str(out), *extra]) == 0
    return (out / "MODEL_CARD.md").read_text()


def test_card_of_a_folder_model_tells_its_own_data_and_splits(own_run, tmp_path):
    card = export_card(own_run / "model", tmp_path / "shipped", "--test-metrics", str(own_run / "test" / "metrics.json"))
    assert "- Data: folder:ecgs; splits: the split column of labels.csv" in card
    assert "Trained on one folder of records only (folder:ecgs, labelled by labels.csv): performance on other" in card
    assert "Validation (the val split, n=4, model selection)" in card
    assert "PTB-XL" not in card and "fold 9" not in card and "German" not in card and "seeded" not in card


@pytest.mark.parametrize("provenance", [
    {"data": "ptbxl:/data/ptbxl", "splits": PTBXL_SPLITS, "data_kind": "ptbxl", "data_root": "ptbxl"},
    {"data": "ptbxl:/data/ptbxl", "splits": PTBXL_SPLITS},          # a checkpoint older than "data_kind"
])
def test_card_of_a_ptbxl_model_keeps_the_ptbxl_wording(tmp_path, provenance):
    src = make_tiny_checkpoint(tmp_path / "run" / "model")
    doc = json.loads((src / "config.json").read_text())
    labels = doc["labels"]
    doc["provenance"].update(provenance)
    doc["metrics"] = {"val": {"n": 50, "macro": {"auroc": 0.8},
                              "per_class": {c: {"auroc": 0.8, "positives": 10} for c in labels}}}
    (src / "config.json").write_text(json.dumps(doc))
    card = export_card(src, tmp_path / "shipped", "--data-name", "PTB-XL 1.0.3, 100 Hz records")
    assert f"- Data: PTB-XL 1.0.3, 100 Hz records; splits: {PTBXL_SPLITS}" in card
    assert "Validation (fold 9, model selection), macro AUROC 0.800.\n" in card
    assert PTBXL_ORIGIN in card


def test_card_marks_what_was_not_measured_and_training_warns(own_run, tmp_path):
    """The validation split has no MI record: its threshold is best_f1_thresholds' 0.5 fallback and the
    macro AUROC is over 3 of the 4 classes; the card had called both measured, training had said nothing."""
    card = export_card(own_run / "model", tmp_path / "shipped", "--test-metrics", str(own_run / "test" / "metrics.json"))
    assert "MI 0.500 (a fallback, not measured: no validation positives)" in card
    assert card.count("fallback") == 1                          # the classes with validation positives are measured
    assert "model selection), macro AUROC" in card and " over 3 of 4 classes (MI: undefined," in card
    log = (own_run / "warnings.txt").read_text()
    assert "validation split: no positive record of MI (1 of 4 classes): AUROC undefined; threshold 0.5 is a " \
           "fallback" in log


def test_card_of_a_split_without_any_auroc(tmp_path):
    """A validation split too small for any AUROC had ended the export with a TypeError."""
    src = make_tiny_checkpoint(tmp_path / "run" / "model", labels=("A", "B"))
    doc = json.loads((src / "config.json").read_text())
    doc["metrics"] = {"val": {"n": 1, "macro": {"auroc": None},
                              "per_class": {"A": {"auroc": None, "positives": 1}, "B": {"auroc": None, "positives": 0}}}}
    (src / "config.json").write_text(json.dumps(doc))
    card = export_card(src, tmp_path / "shipped")
    assert "macro AUROC undefined (no class has both positive and negative records in the split)" in card
    assert "A 0.500, B 0.500 (a fallback, not measured: no validation positives)" in card
