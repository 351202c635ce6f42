"""Files under a scored folder that are no ECG record, no part of one and get no row (a .pdf,
a .txt, a .docx) were passed over in silence; the run's summary now counts them by extension and
names them (``BatchSummary.not_read``, ``mirage score --list-not-read``, the dialog's tooltip).
The labs table and the run's own outputs in the folder are not among them.

Truth: the files each test wrote."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import score_folder
from mirage_model.review.batch.run import not_read_line

LUDB = mm.resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")

OTHERS = ["a.pdf", "b.pdf", "notes/c.txt", "notes/d.TXT", "e.docx", "1.atr", "README", "pdfs/old.pdf"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _folder(root: Path) -> Path:
    root.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, root / f.name)
    for name in OTHERS:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"not an ECG\n")
    (root / "labs.csv").write_text("record_id,age\n1,50\n")
    # pdfs/old.pdf (among OTHERS) is of no record of this run: not its own PDF
    (root / "pdfs" / "1.pdf").write_bytes(b"%PDF-1.4\n")       # an earlier run's PDF of record 1: the run's own
    return root


def test_not_read_line():
    assert not_read_line([]) == ""
    assert not_read_line(["x/a.pdf"]) == "1 file not read: 1 .pdf"
    assert not_read_line(["a.pdf", "b.PDF", "c.txt", "README", "d.docx"]) == \
        "5 files not read: 2 .pdf, 1 .docx, 1 .txt, 1 without extension"


def test_the_summary_names_the_files_not_read(tmp_path, checkpoint):
    folder = _folder(tmp_path / "records")
    out = folder / "scores.csv"
    out.write_text("")            # an earlier, empty output of this name: the run's own
    predictor = mm.Predictor(checkpoint, device="cpu")
    summary = score_folder(folder, predictor, out, labs=folder / "labs.csv", pdf_dir=folder / "pdfs",
                           measure=False)
    assert summary.scored == 1
    assert sorted(summary.not_read) == sorted(OTHERS)
    assert summary.not_read_line() == "8 files not read: 3 .pdf, 2 .txt, 1 .atr, 1 .docx, 1 without extension"
    # without the table given, it is a file like any other; the first run's output and the PDF it wrote over
    # pdfs/1.pdf are MIRAGE's own, told apart (test_batch_own_outputs)
    summary = score_folder(folder, predictor, tmp_path / "elsewhere.csv", measure=False)
    assert sorted(summary.not_read) == sorted(OTHERS + ["labs.csv"])
    assert summary.own_files == ["pdfs/1.pdf", "scores.csv"]


def test_a_pdf_folder_that_is_the_scored_folder_hides_no_file(tmp_path, checkpoint):
    """--pdf-dir FOLDER itself: only the PDFs the run writes are its own (1.pdf, an earlier run's)."""
    folder = _folder(tmp_path / "records")
    (folder / "1.pdf").write_bytes(b"%PDF-1.4\n")
    summary = score_folder(folder, mm.Predictor(checkpoint, device="cpu"), tmp_path / "s.csv", pdf_dir=folder,
                           measure=False)
    assert sorted(summary.not_read) == sorted(OTHERS + ["labs.csv", "pdfs/1.pdf"])


def test_mirage_score_counts_and_lists_them(tmp_path, checkpoint, capsys):
    from training_cli.main import main

    folder = _folder(tmp_path / "records")
    out = tmp_path / "scores.csv"
    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress", "--no-measure",
            "--labs", str(folder / "labs.csv")]
    assert main(args) == 0
    got = capsys.readouterr()
    line = "9 files not read: 4 .pdf, 2 .txt, 1 .atr, 1 .docx, 1 without extension"
    assert line + " (no ECG records; --list-not-read names them)" in got.out, got.out
    assert "not read: a.pdf" not in got.err
    assert main(args + ["--overwrite", "--list-not-read"]) == 0
    got = capsys.readouterr()
    assert line + " (no ECG records; named above)" in got.out, got.out
    named = sorted(ln[len("not read: "):] for ln in got.err.splitlines() if ln.startswith("not read: "))
    assert named == sorted(OTHERS + ["pdfs/1.pdf"])


def test_a_folder_of_no_records_says_what_it_holds(tmp_path, checkpoint, capsys):
    from training_cli.main import main

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.pdf", "b.pdf", "c.txt"):
        (folder / name).write_text("x")
    assert main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "o.csv")]) == 2
    assert "3 files not read: 2 .pdf, 1 .txt" in capsys.readouterr().err



@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
def test_a_pipe_or_device_among_the_records_is_named_not_passed_over(tmp_path, checkpoint, capsys):
    """A named pipe (pipe.xml) and a link to /dev/zero (zero.scp) beside LUDB record 1: the folder's listing never
    opens them (a pipe would block the batch), and they were passed over in silence, in no row, count or list.
    Now they are counted among the files not read, and --list-not-read names each with what it is."""
    import os

    from training_cli.main import main

    folder = tmp_path / "in"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    os.mkfifo(folder / "pipe.xml")
    (folder / "zero.scp").symlink_to("/dev/zero")
    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "o.csv"), "--no-progress",
            "--no-measure", "--list-not-read"]
    assert main(args) == 0
    got = capsys.readouterr()
    assert "2 files not read: 1 .scp, 1 .xml" in got.out, got.out
    assert "not read: pipe.xml (a named pipe (FIFO), not a regular file)" in got.err, got.err
    assert "not read: zero.scp (a character device, not a regular file)" in got.err, got.err
