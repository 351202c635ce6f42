"""The lock on a batch output (``.<name>.lock``): a run killed outright (SIGKILL) leaves its lock
file behind; the next run takes it over and says so, naming the file and the dead run's PID, and a
live owner is refused naming the lock file and its PID. Truth: the PIDs of the processes this test
starts and kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fcntl")   # POSIX only: elsewhere nothing is locked

from mirage_model.review.batch import BatchError  # noqa: E402
from mirage_model.review.batch.outputs import lock_output  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# takes the lock, optionally forks a child that inherits it (a worker), says "ready", then waits
HOLDER = """
import os, sys, time
from pathlib import Path
from mirage_model.review.batch.outputs import lock_output
lock = lock_output(Path(sys.argv[1]))
child = os.fork() if sys.argv[2] == "fork" else 0
if sys.argv[2] != "fork" or child:
    print("ready", os.getpid(), child, flush=True)
time.sleep(60)
"""


def _holder(out: Path, mode: str = "") -> tuple[subprocess.Popen, int, int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), mode], stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline().split()
    assert line and line[0] == "ready", "the lock holder did not start"
    return proc, int(line[1]), int(line[2])


def _kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_a_killed_runs_lock_is_taken_over_naming_it(tmp_path):
    out = tmp_path / "r.csv"
    proc, pid, _ = _holder(out)
    lock_file = tmp_path / ".r.csv.lock"
    try:
        with pytest.raises(BatchError) as refused:         # alive: refused, naming the file and its PID
            lock_output(out)
        assert str(lock_file) in str(refused.value) and f"process {pid}" in str(refused.value)
    finally:
        _kill9(proc)
    assert lock_file.exists()                              # what SIGKILL leaves behind
    lock = lock_output(out)
    try:
        assert str(lock_file) in lock.stale_note and f"process {pid}" in lock.stale_note
        assert "no longer running" in lock.stale_note
        assert lock_file.read_text().split()[0] == f"pid={os.getpid()}"   # now ours
    finally:
        lock.close()
    assert not lock_file.exists()
    again = lock_output(out)                               # a clean close leaves nothing stale
    try:
        assert again.stale_note == ""
    finally:
        again.close()


def test_a_lock_held_on_by_a_dead_runs_orphaned_child_is_taken_over(tmp_path):
    """The dead run's forked worker still holds the flock: its owner PID is gone, so it is stale."""
    out = tmp_path / "r.csv"
    proc, pid, child = _holder(out, "fork")
    try:
        _kill9(proc)
        lock = lock_output(out)
        try:
            assert f"process {pid}" in lock.stale_note and str(tmp_path / ".r.csv.lock") in lock.stale_note
        finally:
            lock.close()
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
        time.sleep(0.1)


def test_score_folder_reports_the_takeover(tmp_path, monkeypatch):
    """The summary carries the line, for ``mirage score`` and the app to show."""
    from mirage_model.review.batch import score_folder

    out = tmp_path / "r.csv"
    proc, pid, _ = _holder(out)
    _kill9(proc)
    (tmp_path / "in").mkdir()

    class NoModel:
        labels = ["NORM"]
        name = "none"

    summary = score_folder(tmp_path / "in", NoModel(), out, measure=False)
    assert f"process {pid}" in summary.lock_note and ".r.csv.lock" in summary.lock_note


def test_mirage_score_says_it_took_over_the_lock_before_scoring_once(tmp_path, capsys, monkeypatch):
    """`mirage score` printed the takeover of a killed run's lock only after the whole folder was scored
    (hours on a large one, with the lock file's state unexplained meanwhile). It is printed when it
    happens, before the first record is scored, and not again at the end."""
    import shutil

    from helpers_models import make_tiny_checkpoint
    from helpers_training import SAMPLES
    from mirage_model.review.batch import run as batch_run
    from training_cli.main import main

    folder = tmp_path / "in"
    folder.mkdir()
    for hea in sorted((SAMPLES / "ptbxl" / "records100").rglob("*.hea"))[:2]:
        shutil.copy(hea, folder / hea.name)
        shutil.copy(hea.with_suffix(".dat"), folder / hea.with_suffix(".dat").name)
    model = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "r.csv"
    proc, pid, _ = _holder(out)
    _kill9(proc)
    said_before: list[str] = []
    real = batch_run.iter_rows

    def scoring(*args, **kwargs):       # the moment scoring starts: what stderr holds by then
        said_before.append(capsys.readouterr().err)
        yield from real(*args, **kwargs)

    monkeypatch.setattr(batch_run, "iter_rows", scoring)
    capsys.readouterr()
    assert main(["score", str(folder), "--model", str(model), "--out", str(out), "--statements-model", "none",
                 "--no-measure", "--no-progress"]) == 0
    after = capsys.readouterr().err
    said = said_before[0] + after
    line = f"warning: lock file {tmp_path / '.r.csv.lock'} was left by 'mirage score' process {pid}"
    assert said.count(line) == 1 and line in said_before[0], said
    assert said.count("taken over") == 1, said
