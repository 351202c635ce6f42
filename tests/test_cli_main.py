"""The ``mirage`` entry point: ``info`` and a reader that goes away."""

from __future__ import annotations

import os
import sys

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
