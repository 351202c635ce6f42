"""The command lines a run records for its model card (``mirage train``'s provenance and config.json,
``mirage calibrate``'s calibration command) run again as written: shell-quoted, so that a folder
named with a blank is one argument."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from helpers_training import make_folder, train_argv

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.slow
def test_train_and_calibrate_record_their_commands_as_a_shell_reads_them(tmp_path, monkeypatch):
    """A researcher's folder "ECG export" had been recorded as `--data folder:.../ECG export`, which a
    shell reads as two arguments: the card's command was not the one that ran."""
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "ECG export", n_copies=3, split_column=True)
    run = tmp_path / "my runs" / "own"
    argv = train_argv(f"folder:{root}", run, tmp_path / "cache", "--epochs", "1", "--no-test", labels=labels)
    monkeypatch.setattr(sys, "argv", ["/home/ann/venv/bin/mirage", "train", *argv])
    assert main(["train", *argv]) == 0
    prov = json.loads((run / "model" / "config.json").read_text())["provenance"]
    assert shlex.split(prov["command"]) == ["mirage", "train", *argv]
    assert json.loads((run / "config.json").read_text())["command"] == prov["command"]
    cal = ["--model", str(run / "model"), "--data", f"folder:{root}", "--labels", str(labels), "--out",
           str(tmp_path / "my runs" / "cal"), "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    monkeypatch.setattr(sys, "argv", ["/home/ann/venv/bin/mirage", "calibrate", *cal])
    assert main(["calibrate", *cal]) == 0
    prov = json.loads((tmp_path / "my runs" / "cal" / "config.json").read_text())["provenance"]
    assert shlex.split(prov["calibration_command"]) == ["mirage", "calibrate", *cal]
