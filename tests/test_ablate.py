"""``mirage ablate``: variants and sweeps train through the same harness and land in one table."""

from __future__ import annotations

import csv
import json

import pytest

from helpers_training import make_folder
from training_cli import ablate

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_plan_and_sweep_parsing():
    args = ablate.get_args_parser().parse_args(["--data", "x", "--out", "y"])
    assert [r[0] for r in ablate.plan(args)] == list(ablate.VARIANTS)          # the paper's 8 rows
    args = ablate.get_args_parser().parse_args(["--sweep", "tau=0.05,0.1", "--sweep", "lambda-con=0"])
    runs = ablate.plan(args)
    assert [r[0] for r in runs] == ["tau=0.05", "tau=0.1", "lambda_con=0"]
    assert runs[2][2] == ["--lambda-con", "0"]
    with pytest.raises(SystemExit, match="tau=V1"):
        ablate.parse_sweeps(["dropout=0.1"])
    with pytest.raises(SystemExit, match="unknown variant"):
        ablate.plan(ablate.get_args_parser().parse_args(["--variants", "full,no_brain"]))


def test_ablate_runs_variants_and_sweep(tmp_path, caplog):
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "abl"
    argv = ["ablate", "--data", f"folder:{root}", "--labels", str(labels), "--out", str(out), "--preset", "tiny",
            "--epochs", "1", "--batch-size", "4", "--variants", "full,no_image", "--sweep", "tau=0.05",
            "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "20", "--no-progress"]
    assert main(argv) == 0
    rows = list(csv.DictReader(open(out / "ablation.csv")))
    assert [r["variant"] for r in rows] == ["full", "no_image", "tau=0.05"]
    assert all(r["val_auroc"] != "" and r["test_auroc"] != "" for r in rows)
    cfg = json.loads((out / "no_image" / "model" / "config.json").read_text())
    assert cfg["model_config"]["use_image"] is False
    assert json.loads((out / "tau=0.05" / "model" / "config.json").read_text())["model_config"]["tau"] == 0.05
    md = (out / "ablation.md").read_text()
    assert "| w/o image |" in md and "| tau = 0.05 |" in md
    with caplog.at_level("INFO"):
        assert main(argv) == 0                       # finished variants are reused, not retrained
    assert sum("reusing the finished run" in r.getMessage() for r in caplog.records) == 3


def test_augment_and_ema_reach_every_variant(tmp_path):
    """The ablate flags become train flags that ``mirage train`` parses back to the same values."""
    from training_cli import train

    args = ablate.get_args_parser().parse_args(["--data", "x", "--out", "y", "--augment", "--ema", "0.999"])
    argv = ablate.train_argv(args, tmp_path / "full", ["--no-labs"])
    parsed = train.get_args_parser().parse_args(argv)
    assert parsed.augment is True and parsed.ema == 0.999 and parsed.no_labs is True
    plain = train.get_args_parser().parse_args(
        ablate.train_argv(ablate.get_args_parser().parse_args(["--data", "x", "--out", "y"]), tmp_path / "f", []))
    assert plain.augment is False and plain.ema == 0.0
