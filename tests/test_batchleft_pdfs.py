"""An --overwrite run (the batch dialog's Replace) over a folder whose record now fails keeps the PDF an earlier run
wrote for it: no PDF of this run replaced it. It had stayed without a word ("scored 1, failed 1 ... 1 PDF in pdfs"
of a folder holding 2), so that a reader of the PDF folder took the earlier run's report for this run's. The
record's row and the run's last words name it now, in ``mirage score`` and in the dialog alike.

Truth: the record this test damaged (ludb/1: its signal file cut to 10 bytes) and the bytes of the PDF the first
run wrote for it, read before the second run."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import mirage_model as mm
from test_score_cli import _two_records
from training_cli.main import main


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _rows(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {row["record_path"]: row for row in csv.DictReader(fh)}


def test_score_overwrite_names_the_earlier_pdf_of_a_record_that_now_fails(checkpoint, tmp_path, capsys):
    folder = _two_records(tmp_path / "records")
    out, pdfs = tmp_path / "results.csv", tmp_path / "pdfs"
    argv = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--pdf-dir", str(pdfs),
            "--no-progress", "--no-measure", "--statements-model", "none"]
    assert main(argv) == 0
    earlier = (pdfs / "ludb" / "1.pdf").read_bytes()
    (folder / "ludb" / "1.dat").write_bytes(b"\0" * 10)          # damaged since
    capsys.readouterr()
    assert main(argv + ["--overwrite"]) == 1
    err = capsys.readouterr().err
    assert (pdfs / "ludb" / "1.pdf").read_bytes() == earlier      # kept: nothing lost
    rows = _rows(out)
    assert rows["ludb/1.hea"]["status"] == "error" and rows["ludb/1.hea"]["pdf"] == ""
    assert rows["ludb/1.hea"]["error"].endswith(
        "; its PDF in the PDF folder (ludb/1.pdf) is an earlier run's, kept: not this run's"), rows["ludb/1.hea"]
    ok = rows["ptbxl/records100/00000/00417_lr.hea"]
    assert ok["status"] == "ok" and ok["error"] == "" and ok["pdf"] == "ptbxl/records100/00000/00417_lr.pdf"
    assert (f"warning: 1 PDF an earlier run wrote (ludb/1.pdf) is still in {pdfs}, not replaced: not this run's "
            "(its record failed in this run; its row says so)") in err, err

    # a run into a fresh PDF folder has no earlier PDF to name
    assert main(argv + ["--overwrite", "--pdf-dir", str(tmp_path / "fresh")]) == 1
    err = capsys.readouterr().err
    assert "earlier run" not in err and "earlier run" not in _rows(out)["ludb/1.hea"]["error"], err


def test_the_batch_dialog_names_the_earlier_pdf_of_a_record_that_now_fails(checkpoint, qtbot, tmp_path, monkeypatch):
    """The dialog's Replace, as ``mirage score --overwrite``: the library's run (its summary) given to the dialog."""
    pytest.importorskip("pytestqt")
    from app import workers
    from app.dialogs import batch_start
    from app.dialogs.batch import BatchDialog
    from app.dialogs.batch_jobs import ListedFolder
    from mirage_model.review.batch import score_folder

    folder = _two_records(tmp_path / "records")
    out, pdfs = tmp_path / "scores.csv", tmp_path / "pdfs"
    predictor = mm.Predictor(checkpoint)
    score_folder(folder, predictor, out, pdf_dir=pdfs, measure=False)
    (folder / "ludb" / "1.dat").write_bytes(b"\0" * 10)
    summary = score_folder(folder, predictor, out, pdf_dir=pdfs, measure=False, overwrite=True)
    assert summary.failed == 1 and summary.pdfs == 1

    monkeypatch.setattr(workers.Worker, "start", lambda self, pool=None: self)     # the dialog's own steps alone
    monkeypatch.setattr(batch_start, "ask_replace_pdfs", lambda *a, **k: True)     # Replace
    dlg = BatchDialog(None, device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(tmp_path / "new.csv"))     # a fresh output: no question about an earlier one's rows
    dlg.pdf_dir.setText(str(pdfs))
    dlg.start()
    earlier = [pdfs / "ludb" / "1.pdf", pdfs / "ptbxl" / "records100" / "00000" / "00417_lr.pdf"]
    dlg.worker.signals.result.emit(ListedFolder((), [], earlier, False))
    for n, row in enumerate(_rows(out).values(), 1):
        dlg._progress(n, 2, row)
    dlg._done(summary)
    text = dlg.status.text()
    assert text.startswith("Done: 1 scored, 1 failed"), text
    assert (f"1 PDF an earlier run wrote (ludb/1.pdf) is still in {pdfs}, not replaced: not this run's "
            "(its record failed in this run; its row says so).") in text, text
