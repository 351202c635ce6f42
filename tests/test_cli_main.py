"""The ``mirage`` entry point: ``info`` and a reader that goes away."""

from __future__ import annotations

import os
import sys

import pytest

from helpers_models import make_tiny_checkpoint
from training_cli.main import main


def test_info_lists_shipped_models(tmp_path, monkeypatch, capsys):
    res = tmp_path / "res"
    make_tiny_checkpoint(res / "models" / "default")
    make_tiny_checkpoint(res / "models" / "mi", labels=("MI",))
    monkeypatch.setenv("MIRAGE_RESOURCES", str(res))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "shipped models (--model NAME): default, mi" in out
    assert "Research use only" in out


class ClosedPipe:
    """stdout whose reader has gone away: every write raises BrokenPipeError."""

    def __init__(self, fd: int):
        self._fd = fd

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        pass

    def fileno(self) -> int:
        return self._fd


def test_closed_pipe_ends_quietly(tmp_path, monkeypatch):
    """``mirage info | head -1``: exit status 141 and no traceback when the reader stops early."""
    fd = os.open(tmp_path / "stdout", os.O_WRONLY | os.O_CREAT)
    try:
        monkeypatch.setattr(sys, "stdout", ClosedPipe(fd))
        assert main(["info"]) == 141
    finally:
        os.close(fd)


def test_command_line_value_equal_to_the_default_beats_the_config_file(tmp_path):
    # --seed 0 and --grad-clip 1.0 are train's built-in defaults; given on the command line they
    # must win over a config file's 5 and 0.5 (the config only supplies what the line leaves out).
    import json

    from training_cli import main as cli
    from training_cli.commands.train import config_from_args, train_command_parser

    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"seed": 5, "grad-clip": 0.5, "epochs": 7}))
    argv = ["train", "--config", str(cfg), "--data", "x", "--out", str(tmp_path / "o"), "--seed", "0",
            "--grad-clip", "1.0"]
    args = cli.get_args_parser().parse_args(argv)
    args = config_from_args(args)
    assert (args.seed, args.grad_clip, args.epochs) == (0, 1.0, 7)
    direct = config_from_args(train_command_parser().parse_args(argv[1:]))
    assert (direct.seed, direct.grad_clip, direct.epochs) == (0, 1.0, 7)
    bare = config_from_args(train_command_parser().parse_args(["--config", str(cfg), "--data", "x", "--out", "y"]))
    assert (bare.seed, bare.grad_clip, bare.epochs) == (5, 0.5, 7)


def test_evaluate_export_ensemble_take_a_shipped_model_name(tmp_path, capsys):
    # every --model takes "default" / "mi" as well as a folder (export runs whole: it is cheap)
    import json

    from mirage_model.paths import shipped_models

    from training_cli import main as cli
    from training_cli.engine.checkpoints import model_path
    from training_cli.engine.errors import ConfigError

    assert model_path("default") == shipped_models()["default"]
    with pytest.raises(ConfigError, match="no such checkpoint"):
        model_path("no_such_model")
    assert cli.main(["export", "--model", "mi", "--out", str(tmp_path / "mi")]) == 0
    assert json.loads((tmp_path / "mi" / "config.json").read_text())["labels"] == ["MI"]
    # ensemble resolves the names too: both load, and it is their labels that differ
    assert cli.main(["ensemble", "default", "mi", "--data", "folder:nowhere", "--out", str(tmp_path / "e")]) == 1
    assert "labels differ" in capsys.readouterr().err
