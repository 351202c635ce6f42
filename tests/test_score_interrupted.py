"""``mirage score`` stopped from outside (``kill PID``: SIGTERM) as Ctrl-C stops it: it ended the
process at once, so the output held the last checkpoint's rows (seconds of work lost) and the terminal
said nothing of how to go on. Now the rows done are written, a valid CSV (its header, whole rows), and
the terminal names the command that resumes. Truth: the file read back with Python's csv module, and a
resumed run that scores each record once."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import mirage_model as mm


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGTERM as kill sends it")
def test_a_killed_run_writes_whole_rows_and_says_how_to_resume(tmp_path):
    from helpers_models import make_tiny_checkpoint

    ludb = mm.resources_dir() / "samples" / "ludb"
    if not (ludb / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    folder = tmp_path / "records"
    n = 150
    for k in range(n):
        (folder / f"s{k:03d}").mkdir(parents=True)
        for ext in (".hea", ".dat"):
            shutil.copy(ludb / f"1{ext}", folder / f"s{k:03d}" / f"1{ext}")
    model = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "out.csv"
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "training_cli", "score", str(folder), "--out", str(out), "--model", str(model),
           "--no-measure", "--chunk-size", "2"]
    # killed once the progress bar has counted a few rows (and before the last)
    returncode, stderr = _stopped_after(cmd, env, tmp_path, 4, n, signal.SIGTERM)
    assert returncode == 128 + signal.SIGTERM, stderr           # before: -15, nothing said
    with out.open(newline="", encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    header, rows = lines[0], lines[1:]
    assert header[:2] == ["record_path", "record_id"]
    assert all(len(r) == len(header) and r[header.index("status")] == "ok" for r in rows)
    assert 0 < len(rows) < n
    assert f"the rows done so far ({len(rows)} of this run's {n} records) are saved in" in stderr, stderr
    assert "Traceback" not in stderr
    told = stderr.strip().splitlines()[-1].split()
    assert told[:2] == ["mirage", "score"] and told[-1] == "--resume", told

    again = subprocess.run([sys.executable, "-m", "training_cli", *told[1:]], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{len(rows)} already done (skipped)" in again.stdout, again.stdout
    with out.open(newline="", encoding="utf-8-sig") as fh:
        paths = [r["record_path"] for r in csv.DictReader(fh)]
    assert sorted(paths) == sorted(f"s{k:03d}/1.hea" for k in range(n))


def _stopped_after(cmd: list[str], env: dict, cwd: Path, rows: int, n: int, sig: int) -> tuple[int, str]:
    """Run ``mirage score`` (``cmd``), send it ``sig`` once its progress bar has counted ``rows`` of its ``n``, and
    return its exit status and stderr. SIGINT as a terminal's foreground process has it: a suite run as a background
    job (``cmd &``) starts its children with SIGINT ignored, where Python installs no KeyboardInterrupt."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: proc.stderr.read(1), "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None and \
                not any(int(k) >= rows for k in re.findall(rf"(\d+)/{n}", "".join(err))):
            time.sleep(0.05)
        assert proc.poll() is None, "".join(err)
        proc.send_signal(sig)
        proc.wait(timeout=120)
        reader.join(10)
        return proc.returncode, "".join(err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ``mirage score`` with its model load held (a large model on a slow disk), saying when it begins
_HELD_LOAD = """
import sys, time
import training_cli.commands.score as score
real = score.load_predictor
def held(*args, **kwargs):
    print("loading the model", file=sys.stderr, flush=True)
    time.sleep(60)
    return real(*args, **kwargs)
score.load_predictor = held
from training_cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGTERM as kill sends it")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_run_stopped_while_its_model_loads_says_so(tmp_path, sig):
    """``kill PID`` while the model loads ended the process at once (exit -15, nothing said: the
    stop signals were caught only while records were scored); now it says, in one line, that nothing
    was scored or written, and ends with 128 + the signal. Ctrl-C says the same. Truth: the exit
    status and stderr of the process, and the output file that is not there."""
    from helpers_models import make_tiny_checkpoint

    ludb = mm.resources_dir() / "samples" / "ludb"
    if not (ludb / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    folder = tmp_path / "records"
    folder.mkdir()
    for ext in (".hea", ".dat"):
        shutil.copy(ludb / f"1{ext}", folder / f"1{ext}")
    model = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "out.csv"
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    # SIGINT as a terminal's foreground process has it: a suite run as a background job (``cmd &``) starts its
    # children with SIGINT ignored, where Python installs no KeyboardInterrupt and Ctrl-C could not reach it
    proc = subprocess.Popen([sys.executable, "-c", _HELD_LOAD, "score", str(folder), "--out", str(out),
                             "--model", str(model), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = proc.stderr.readline()
        assert line.strip() == "loading the model", line
        proc.send_signal(getattr(signal, sig))
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    signum = getattr(signal, sig)
    assert proc.returncode == 128 + signum, (proc.returncode, stderr)       # before (SIGTERM): -15
    how = "Ctrl-C" if sig == "SIGINT" else sig
    assert stderr.strip() == (f"interrupted ({how}) while loading the model: no record was scored and "
                              f"nothing was written to {out}"), stderr
    assert not out.exists() and stdout == ""


@pytest.mark.parametrize("resume", [False, True])
def test_a_run_stopped_during_its_first_record_counts_its_records(tmp_path, monkeypatch, capsys, resume):
    """Stopped before the first record ended, the run said "0 of this run's 0 records": its count came from the
    first row's progress. score_folder now says the count at the start (``started``). Truth: two records in the
    folder, one of them kept from an earlier run when resuming (so 2, else 1, left to score)."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch import run as batch_run
    from training_cli.main import main

    folder = tmp_path / "records"
    folder.mkdir()
    for hea in mm.sample_records()[:2]:
        for f in hea.parent.glob(hea.stem + ".*"):
            shutil.copy(f, folder / f.name)
    model = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "out.csv"
    args = ["score", str(folder), "--out", str(out), "--model", str(model), "--statements-model", "none",
            "--no-measure", "--no-progress", "--chunk-size", "1"]
    if resume:
        assert main(args) == 0
        with out.open(newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
        with out.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(lines[:2])           # the header and the first record's row
        args.append("--resume")
    capsys.readouterr()

    real = batch_run.iter_rows

    def stopped(paths, *a, **k):
        if "orphans" not in k:          # the resume check's scoring of a kept record: as it is
            return real(paths, *a, **k)
        return _stop()

    def _stop():
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(batch_run, "iter_rows", stopped)
    assert main(args) == 128 + signal.SIGINT
    err = capsys.readouterr().err
    assert f"the rows done so far (0 of this run's {1 if resume else 2} records)" in err, err


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGINT as a terminal's Ctrl-C sends it")
def test_a_stopped_overwrite_run_names_the_earlier_pdfs_it_did_not_replace(tmp_path):
    """``mirage score --pdf-dir PDFS --overwrite`` over a folder an earlier run scored, stopped by Ctrl-C midway,
    leaves that run's PDFs of the records it did not reach beside its own new ones, though its output has no row of
    theirs (12 PTB-XL records, SIGINT after 4: 8 earlier PDFs there, 4 rows). It said nothing of them; it names them
    as the batch dialog's Cancel does, and says the command it prints (--overwrite kept) replaces them.

    Truth: the PDFs whose bytes are still those this test wrote as the earlier run's, and the output's rows."""
    from helpers_models import make_tiny_checkpoint

    ludb = mm.resources_dir() / "samples" / "ludb"
    if not (ludb / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    folder, pdfs = tmp_path / "records", tmp_path / "pdfs"
    n = 6
    earlier = b"%PDF-1.4 an earlier run's"
    for k in range(n):
        (folder / f"s{k}").mkdir(parents=True)
        (pdfs / f"s{k}").mkdir(parents=True)
        for ext in (".hea", ".dat"):
            shutil.copy(ludb / f"1{ext}", folder / f"s{k}" / f"1{ext}")
        (pdfs / f"s{k}" / "1.pdf").write_bytes(earlier)
    model = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "out.csv"
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "training_cli", "score", str(folder), "--out", str(out), "--model", str(model),
           "--pdf-dir", str(pdfs), "--overwrite", "--no-measure", "--statements-model", "none", "--chunk-size", "1"]
    # stopped once the bar has counted a row (each record's PDF takes a second or more: the last is far off)
    returncode, stderr = _stopped_after(cmd, env, tmp_path, 1, n, signal.SIGINT)
    assert returncode == 128 + signal.SIGINT, stderr
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = [r["record_path"] for r in csv.DictReader(fh)]
    left = [f"s{k}/1.pdf" for k in range(n) if (pdfs / f"s{k}" / "1.pdf").read_bytes() == earlier]
    assert 0 < len(rows) < n and len(left) == n - len(rows), (rows, left)
    assert not {p.replace(".pdf", ".hea") for p in left} & set(rows)
    shown = ", ".join(left[:3]) + (" ..." if len(left) > 3 else "")
    assert (f"{len(left)} PDF{'s' if len(left) > 1 else ''} an earlier run wrote ({shown}) "
            f"{'are' if len(left) > 1 else 'is'} still in {pdfs}, not replaced: not this run's (the command below "
            "replaces them).") in stderr, stderr
    told = stderr.strip().splitlines()[-1].split()
    assert told[:2] == ["mirage", "score"] and "--overwrite" in told and told[-1] == "--resume", told


def test_an_overwrite_run_interrupted_after_its_first_record_names_the_earlier_pdfs_left(tmp_path, monkeypatch,
                                                                                          capsys):
    """The same in the process (a second): ``mirage score --overwrite`` interrupted once its first record's row is
    in names the earlier PDFs of the other two, which stay. Truth: the three PDFs this test wrote as an earlier
    run's, and the one the run replaced (its bytes no longer those)."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch import run as batch_run
    from training_cli.main import main

    folder, pdfs = tmp_path / "records", tmp_path / "pdfs"
    folder.mkdir()
    pdfs.mkdir()
    earlier = b"%PDF-1.4 an earlier run's"
    names = ("00417_lr", "04016_lr", "10388_lr")         # the bundled PTB-XL samples, as files
    for hea in mm.sample_records():
        if hea.stem in names:
            for f in hea.parent.glob(hea.stem + ".*"):
                shutil.copy(f, folder / f.name)
            (pdfs / f"{hea.stem}.pdf").write_bytes(earlier)
    model = make_tiny_checkpoint(tmp_path / "tiny")
    real = batch_run.iter_rows

    def first_then_stopped(paths, *a, **k):
        with contextlib.closing(real(paths, *a, **k)) as gen:
            yield next(gen)
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_run, "iter_rows", first_then_stopped)
    args = ["score", str(folder), "--out", str(tmp_path / "out.csv"), "--model", str(model), "--pdf-dir", str(pdfs),
            "--overwrite", "--statements-model", "none", "--no-measure", "--no-progress", "--chunk-size", "1"]
    assert main(args) == 128 + signal.SIGINT
    err = capsys.readouterr().err
    assert [(pdfs / f"{name}.pdf").read_bytes() == earlier for name in names] == [False, True, True]
    assert (f"2 PDFs an earlier run wrote (04016_lr.pdf, 10388_lr.pdf) are still in {pdfs}, not replaced: not this run's (the "
            "command below replaces them).") in err, err


def test_the_help_says_the_exit_status_an_interrupted_run_ends_with():
    """``mirage score --help`` said "1: some failed, a folder could not be read ... or interrupted", but a run
    stopped by Ctrl-C or ``kill`` ends with 128 + the signal (130, 143: the tests above and the README), which a
    script reading the help took for a crash. Truth: the exit statuses the tests above see."""
    from training_cli.commands.score import score_command_parser

    words = " ".join(score_command_parser().format_help().split())
    assert "or interrupted" not in words
    assert f"{128 + signal.SIGINT}: Ctrl-C" in words and f"{128 + signal.SIGTERM}: kill" in words
