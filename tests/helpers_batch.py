"""A folder scored as research staff score one, by ``mirage score`` and by the batch dialog, for the tests of what
a batch says of the files it did not score (import ``checkpoint`` into a module to use the fixture there)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A tiny random checkpoint."""
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def score_listing_not_read(folder: Path, checkpoint, out: Path, capsys) -> tuple[str, list[str]]:
    """``mirage score FOLDER --list-not-read`` (no measurements, no progress bar), which must succeed: (what it
    printed, the files its "not read: " lines name, sorted)."""
    from training_cli.main import main

    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(out),
            "--no-progress", "--no-measure", "--list-not-read"]
    assert main(args) == 0
    got = capsys.readouterr()
    return got.out, sorted(ln[len("not read: "):] for ln in got.err.splitlines() if ln.startswith("not read: "))


def run_batch_dialog(qtbot, checkpoint, folder: Path, out: Path, labs: Path | None = None, resume: bool = False):
    """A batch dialog with the model ``checkpoint`` on ``folder``, writing ``out`` (with the labs table ``labs``;
    resuming ``out`` with ``resume``), started and waited for; the dialog."""
    pytest.importorskip("pytestqt")
    from app.dialogs.batch import BatchDialog
    from helpers_app import WAIT_MS
    from mirage_model.inference import Predictor

    dlg = BatchDialog(None, predictor=Predictor(checkpoint, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    if labs is not None:
        dlg.labs.setText(str(labs))
    if resume:
        dlg.resume.setChecked(True)
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    return dlg


def batch_dialog_status(qtbot, folder: Path, checkpoint, out: Path) -> tuple[str, str]:
    """The batch dialog's status line once it has scored ``folder`` into ``out``: (its text, its tooltip)."""
    dlg = run_batch_dialog(qtbot, checkpoint, folder, out)
    return dlg.status.text(), dlg.status.toolTip()
