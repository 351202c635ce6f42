"""A folder holding no record, only what MIRAGE wrote there (a results CSV, PDF reports, a killed run's lock
file): ``mirage score`` had said "no ECG records (...) found under DIR; 4 files not read: 3 .pdf, 1 .csv (no ECG
records); 1 hidden file not searched (a leading dot)", counting MIRAGE's own files as files passed over. Now it
says what the folder holds: "...: it holds only MIRAGE's own outputs (results.csv, 3 PDF reports, 1 lock file)";
the batch dialog says the same (tests/test_app_batch_no_records.py).

Truth: the files each test wrote (PDFs with the creator ``report.write`` gives MIRAGE's reports, and another
program's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirage_model.review.batch.run import no_records_line
from test_batch_own_outputs import _other_pdf as _pdf    # a real PDF of the creator given

RESULTS = "record_path,record_id,status,error,positive,model\n1.hea,1,ok,,,tiny\n"


def mirage_outputs(folder: Path) -> Path:
    """``folder`` holding what MIRAGE wrote there: results.csv, 3 PDF reports, a killed run's lock file."""
    folder.mkdir()
    (folder / "results.csv").write_text(RESULTS)
    for n in range(3):
        _pdf(folder / f"{n}.pdf", "MIRAGE Review")
    (folder / ".results.csv.lock").write_text("pid=4242 host=ward-pc\n")
    return folder


def _score_error(folder: Path, tmp_path: Path, capsys) -> str:
    from training_cli.main import main

    out = tmp_path / "out.csv"
    assert main(["score", str(folder), "--out", str(out), "--no-progress"]) == 2
    assert not out.exists()
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_mirage_score_says_the_folder_holds_only_mirages_outputs(tmp_path, capsys):
    folder = mirage_outputs(tmp_path / "f")
    assert _score_error(folder, tmp_path, capsys) == (
        f"error: no ECG records (.hea headers or clinical ECG files) found under {folder}: it holds only "
        "MIRAGE's own outputs (results.csv, 3 PDF reports, 1 lock file)")


def test_mirage_score_counts_the_other_files_apart(tmp_path, capsys):
    folder = mirage_outputs(tmp_path / "f")
    _pdf(folder / "referral.pdf", "Microsoft Word")
    (folder / "labs.csv").write_text("record_id,age\n1,50\n")
    (folder / "old").mkdir()
    (folder / "old" / "results_b.csv").write_text(RESULTS)
    assert _score_error(folder, tmp_path, capsys) == (
        f"error: no ECG records (.hea headers or clinical ECG files) found under {folder}; 2 files not read: "
        "1 .csv, 1 .pdf (no ECG records); MIRAGE's own outputs: old/results_b.csv, results.csv, 3 PDF reports, "
        "1 lock file")


def test_an_empty_folder_says_no_more(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert _score_error(tmp_path / "empty", tmp_path, capsys) == (
        f"error: no ECG records (.hea headers or clinical ECG files) found under {tmp_path / 'empty'}")


@pytest.mark.parametrize("own, said", [
    (["results.csv"], "results.csv"),
    (["a.csv", "b.jsonl", "c.csv"], "3 results files"),
    (["1.pdf", "sub/2.pdf", ".r.csv.lock", ".r.csv.0123456789ab.tmp"], "2 PDF reports, 1 lock file, 1 temporary file"),
])
def test_the_kinds_of_mirages_files(own, said):
    assert no_records_line("D", [], own) == f"no ECG records (.hea headers or clinical ECG files) found under D: " \
                                          f"it holds only MIRAGE's own outputs ({said})"
