"""A folder scored as research staff score one, by ``mirage score`` and by the batch dialog, for the tests of what
a batch says of the files it did not score (import ``checkpoint`` into a module to use the fixture there)."""

from __future__ import annotations

from pathlib import Path

import pytest

# how long a batch dialog's run may take before the test fails: the first batch a test process runs imports what
# measuring needs (neurokit2, matplotlib, pandas), 44 s of a 2-core machine loaded by other runs where its later
# batches took 2.4 s; 60 s had timed out once
BATCH_WAIT_MS = 300000


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A tiny random checkpoint."""
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def score_listing_not_read(folder: Path, checkpoint, out: Path, capsys, codes=(0,)) -> tuple[str, list[str]]:
    """``mirage score FOLDER --list-not-read`` (no measurements, no progress bar), which must end with one of
    ``codes`` (0: every record scored; 1 where records fail, e.g. short test records the quality check reads
    unscorable): (what it printed, the files its "not read: " lines name, sorted)."""
    from training_cli.main import main

    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(out),
            "--no-progress", "--no-measure", "--list-not-read"]
    assert main(args) in codes
    got = capsys.readouterr()
    return got.out, sorted(ln[len("not read: "):] for ln in got.err.splitlines() if ln.startswith("not read: "))


def run_batch_dialog(qtbot, checkpoint, folder: Path, out: Path, labs: Path | None = None, resume: bool = False,
                     listen=None, statements: str = "auto"):
    """A batch dialog with the model ``checkpoint`` on ``folder``, writing ``out`` (with the labs table ``labs``;
    resuming ``out`` with ``resume``), started and waited for; the dialog.

    ``listen(dlg, worker)`` is called with the dialog and the batch's worker before the worker starts, to connect
    to its signals: a slot connected after ``start()`` misses what the job sent before (under load, the labs
    match and a first row)."""
    pytest.importorskip("pytestqt")
    from unittest import mock

    from app import workers
    from app.dialogs.batch import BatchDialog
    from mirage_model.inference import Predictor

    dlg = BatchDialog(None, predictor=Predictor(checkpoint, device="cpu"), device="auto", folder=str(folder),
                      statements=statements)
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    if labs is not None:
        dlg.labs.setText(str(labs))
    if resume:
        dlg.resume.setChecked(True)
    start = workers.Worker.start

    def listened(worker, *args, **kwargs):
        if listen is not None and worker.name == "batch":
            listen(dlg, worker)
        return start(worker, *args, **kwargs)

    with mock.patch.object(workers.Worker, "start", listened):
        assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=BATCH_WAIT_MS)
    return dlg


def batch_dialog_status(qtbot, folder: Path, checkpoint, out: Path) -> tuple[str, str]:
    """The batch dialog's status line once it has scored ``folder`` into ``out``: (its text, its tooltip)."""
    dlg = run_batch_dialog(qtbot, checkpoint, folder, out)
    return dlg.status.text(), dlg.status.toolTip()


def sample_folder(tmp_path: Path) -> Path:
    """A folder holding the bundled PTB-XL sample 00417_lr alone (skips where it is not bundled)."""
    import shutil

    import mirage_model as mm

    hea = next((h for h in mm.sample_records() if h.stem == "00417_lr"), None)
    if hea is None:
        pytest.skip("bundled PTB-XL sample 00417_lr not present")
    folder = tmp_path / "records"
    folder.mkdir()
    for f in hea.parent.glob(hea.stem + ".*"):
        shutil.copy(f, folder / f.name)
    return folder
