"""`mirage train --no-test` counts its held-out test split as split, not as 0 records.

A run on an own folder with --no-test had logged "train 159 / val 21 / test 0 records" and its model card
read "Records: train 159, val 21, test 0", though 20 records were held out for the test split: a reader
took it that the data had no test split, when `mirage evaluate --split test` then scored 20 records.
"""

from __future__ import annotations

import json
import logging

import pytest

from helpers_training import make_folder, train_argv
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_no_test_run_counts_its_test_split_as_not_read(tmp_path, caplog):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=4, split_column=True)
    rows = labels.read_text().splitlines()[1:]
    n = {s: sum(r.endswith("," + s) for r in rows) for s in ("train", "val", "test")}   # the split column's own
    assert n["test"] > 0
    out = tmp_path / "run"
    with caplog.at_level(logging.INFO, logger="training_cli.engine.loop"):
        assert main(["train", *train_argv(f"folder:{root}", out, tmp_path / "cache", "--epochs", "1", "--no-test",
                                          labels=labels)]) == 0
    assert any(f"train {n['train']} / val {n['val']} / test {n['test']} (not read by this run) records"
               in r.getMessage() for r in caplog.records)
    metrics = json.loads((out / "model" / "config.json").read_text())["metrics"]
    assert metrics["records"] == n and metrics["test_not_read"] is True
    assert not (out / "test").exists()                               # it was not scored
    assert main(["export", "--model", str(out / "model"), "--out", str(tmp_path / "shipped")]) == 0
    card = (tmp_path / "shipped" / "MODEL_CARD.md").read_text()
    assert (f"- Records: train {n['train']}, val {n['val']}, test {n['test']} (not read by the training run); "
            "skipped (failed to load): 0") in card
