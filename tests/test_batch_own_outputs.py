"""A folder scored twice, its results CSV and PDF folder inside it: the second run (another output, another
model) had counted the first run's results CSV and PDFs among the files not read ("2 files not read: 1 .csv,
1 .pdf"), as though a record had been passed over. Now the files MIRAGE wrote (told by what they hold: the
results' header row, the PDF's creator, a killed run's lock and temporary files) are left out of the records
and told in one line ("2 files MIRAGE wrote (pdfs/1.pdf, results.csv) not scored"); a CSV or PDF that is not
MIRAGE's (a labs table, another tool's table, another program's PDF) is counted as before.

Truth: the files each test wrote, and what wrote them (the first run, reportlab with another creator, pypdf's
reading of the document information)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import score_folder
from mirage_model.review.batch.own_files import is_report_pdf, own_files_line, written_by_mirage

LUDB = mm.resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")

# the header of another tool's table whose first column is record_path, and a labs table
FOREIGN_CSV = "record_path,heart_rate\n1.hea,72\n"
LABS_CSV = "record_id,age\n1,50\n"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _records(root: Path, stems=("1",)) -> Path:
    root.mkdir(exist_ok=True)
    for stem in stems:
        for f in LUDB.glob(f"{stem}.*"):
            shutil.copy(f, root / f.name)
    return root


def _other_pdf(path: Path, creator: str = "Microsoft Word") -> Path:
    """A real PDF that another program wrote (reportlab, with that program's creator)."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    canvas.setCreator(creator)
    canvas.drawString(72, 720, "Referral letter")
    canvas.save()
    return path


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_mirage_score_twice_counts_no_file_of_the_first_run(tmp_path, checkpoint, capsys):
    from training_cli.main import main

    folder = _records(tmp_path / "records")
    (folder / "labs.csv").write_text(LABS_CSV)          # a table of the user's: not MIRAGE's
    (folder / "hr.csv").write_text(FOREIGN_CSV)          # another tool's, first column record_path
    _other_pdf(folder / "referral.pdf")
    base = ["score", str(folder), "--model", str(checkpoint), "--statements-model", "none", "--no-progress",
            "--no-measure"]
    assert main(base + ["--out", str(folder / "results.csv"), "--pdf-dir", str(folder / "pdfs")]) == 0
    capsys.readouterr()
    assert (folder / "pdfs" / "1.pdf").is_file()
    # scored again into another output (another model's run), without PDFs
    assert main(base + ["--out", str(folder / "results_b.csv"), "--list-not-read"]) == 0
    got = capsys.readouterr()
    assert "2 files MIRAGE wrote (pdfs/1.pdf, results.csv) not scored" in got.out, got.out
    assert "3 files not read: 2 .csv, 1 .pdf (no ECG records; named above)" in got.out, got.out
    named = sorted(ln[len("not read: "):] for ln in got.err.splitlines() if ln.startswith("not read: "))
    assert named == ["hr.csv", "labs.csv", "referral.pdf"], got.err
    rows = _rows(folder / "results_b.csv")
    assert [(r["record_path"], r["status"]) for r in rows] == [("1.hea", "ok")]


def test_the_first_runs_outputs_are_no_error_rows_nor_files_not_read(tmp_path, checkpoint):
    """score_folder itself: JSON lines, a spare file, a killed run's lock and temporary files."""
    folder = _records(tmp_path / "records")
    predictor = mm.Predictor(checkpoint, device="cpu")
    first = score_folder(folder, predictor, folder / "results.jsonl", fmt="jsonl", measure=False)
    assert first.not_read == [] and first.own_files == []
    shutil.copy(folder / "results.jsonl", folder / "results.unsaved.jsonl")     # RowSaver's spare, same rows
    (folder / ".old.csv.lock").write_text("pid=4242 host=ward-pc\n")             # left by a killed run
    (folder / ".old.csv.0123456789ab.tmp").write_text("record_path,record_id\n")  # its half-written output
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "hr.csv").write_text(FOREIGN_CSV)
    again = score_folder(folder, predictor, tmp_path / "b.csv", measure=False)
    assert (again.scored, again.failed, again.errors) == (1, 0, [])
    assert again.own_files == [".old.csv.0123456789ab.tmp", ".old.csv.lock", "results.jsonl",
                               "results.unsaved.jsonl"]
    assert sorted(again.not_read) == [".DS_Store", "hr.csv"]
    assert again.own_files_line() == ("4 files MIRAGE wrote (.old.csv.0123456789ab.tmp, .old.csv.lock, "
                                      "results.jsonl, results.unsaved.jsonl) not scored")


def test_resume_with_its_output_inside_the_folder(tmp_path, checkpoint):
    """A record added to a scored folder, the run resumed onto its output there: the new record scored, the
    first kept, neither output nor PDF counted as anything, none an error row."""
    folder = _records(tmp_path / "records")
    predictor = mm.Predictor(checkpoint, device="cpu")
    out, pdfs = folder / "results.csv", folder / "pdfs"
    first = score_folder(folder, predictor, out, pdf_dir=pdfs, measure=False)
    assert first.scored == 1
    _records(folder, ("14",))
    again = score_folder(folder, predictor, out, pdf_dir=pdfs, measure=False, resume=True)
    assert (again.scored, again.skipped, again.failed) == (1, 1, 0)
    assert again.not_read == [] and again.own_files == []
    assert [(r["record_path"], r["status"]) for r in _rows(out)] == [("1.hea", "ok"), ("14.hea", "ok")]
    assert sorted(p.name for p in pdfs.iterdir()) == ["1.pdf", "14.pdf"]


def test_a_report_pdf_is_told_by_its_creator(tmp_path, checkpoint):
    """The batch's PDF is MIRAGE's as pypdf reads its document information; a PDF of another creator, a
    PDF's first bytes alone and a PDF cut short are not."""
    pypdf = pytest.importorskip("pypdf")
    folder = _records(tmp_path / "records")
    score_folder(folder, mm.Predictor(checkpoint, device="cpu"), tmp_path / "s.csv", pdf_dir=tmp_path / "pdfs",
                 measure=False)
    ours = tmp_path / "pdfs" / "1.pdf"
    assert pypdf.PdfReader(str(ours)).metadata.creator == "MIRAGE Review"
    assert is_report_pdf(ours) and written_by_mirage(ours)
    other = _other_pdf(tmp_path / "letter.pdf")
    assert pypdf.PdfReader(str(other)).metadata.creator == "Microsoft Word"
    assert not is_report_pdf(other)
    (tmp_path / "stub.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "cut.pdf").write_bytes(ours.read_bytes()[:20000])
    assert not is_report_pdf(tmp_path / "stub.pdf") and not is_report_pdf(tmp_path / "cut.pdf")


@pytest.mark.parametrize("text, ours", [
    ("\ufeffrecord_path,record_id,status,error,prob_NORM,positive,model\n1.hea,1,ok,,0.5,,tiny\n", True),
    # the first version's writer: record_path, record_id, status, error, prob_..., positive, model
    ("record_path,record_id,status,error,prob_MI,positive,model,heart_rate_bpm\n", True),
    (FOREIGN_CSV, False),
    (LABS_CSV, False),
    ("record_id,record_path,status,error,positive,model\n", False),      # record_path not first
    ("", False),
])
def test_a_results_csv_is_told_by_its_header_row(tmp_path, text, ours):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    assert written_by_mirage(path) is ours


def test_own_files_line_counts_a_folders_files_in_it():
    assert own_files_line([]) == ""
    assert own_files_line(["results.csv", "pdfs/1.pdf", "pdfs/2.pdf", "pdfs/sub/3.pdf"]) == \
        "4 files MIRAGE wrote (results.csv, 3 in pdfs/) not scored"
    assert own_files_line(["a/r.csv"]) == "1 file MIRAGE wrote (a/r.csv) not scored"


@pytest.mark.slow
def test_the_batch_dialog_scoring_a_folder_twice(tmp_path, checkpoint, request):
    """The dialog's default output (FOLDER/scores.csv) and a PDF folder inside the scored folder, then a second
    run into another CSV without PDFs: its end line counts the first run's files apart, none as not read."""
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import QSettings

    from app import workers
    from app.dialogs.batch import BatchDialog
    from helpers_app import WAIT_MS

    qtbot = request.getfixturevalue("qtbot")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    folder = _records(tmp_path / "records")
    try:
        dlg = BatchDialog(None, predictor=mm.Predictor(checkpoint, device="cpu"), device="cpu", folder=str(folder),
                          statements="none")
        qtbot.addWidget(dlg)
        assert Path(dlg.output.text()) == folder / "scores.csv"
        dlg.pdf_dir.setText(str(folder / "pdfs"))
        assert dlg.start() is not None
        qtbot.waitUntil(lambda: dlg.worker is None and dlg.summary is not None, timeout=WAIT_MS)
        assert (folder / "scores.csv").is_file() and (folder / "pdfs" / "1.pdf").is_file()
        dlg.output.setText(str(folder / "scores_b.csv"))
        dlg.pdf_dir.setText("")
        assert dlg.start() is not None
        qtbot.waitUntil(lambda: dlg.worker is None and dlg.summary is not None, timeout=WAIT_MS)
        text = dlg.status.text()
        assert text.startswith("Done: 1 scored (") and "not read" not in text, text
        assert "2 files MIRAGE wrote (pdfs/1.pdf, scores.csv) not scored." in text, text
        assert [(r["record_path"], r["status"]) for r in _rows(folder / "scores_b.csv")] == [("1.hea", "ok")]
    finally:
        workers.cancel_all_and_wait(30000)
