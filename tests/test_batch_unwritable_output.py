"""A results file that cannot be written in the middle of a run: another program holds it (Windows refuses
to replace a file open in Excel: the rename fails with "Permission denied"), or its owner made it read-only
to keep it. The run had ended on the first failed checkpoint, the rows scored since the last one lost, with
"the rows saved before it stay in OUT" and a traceback-free but wrong account; a read-only file was replaced
all the same (a rename replaces a file whatever its mode). Now the rows go to a spare file beside it
(``results.unsaved.csv``), the output is tried again at each save, and the run says what happened, where the
rows are and how to carry on, and exits 1. Truth: the folder's records as copied here, and the files' bytes
and modes, read back with Python's csv module."""

from __future__ import annotations

import csv
import errno
import os
import shutil
import stat

import pytest

import mirage_model as mm
from mirage_model import paths
from mirage_model.review.batch import score_folder
from training_cli.main import main

LUDB = mm.resources_dir() / "samples" / "ludb"
RECORDS = ("1", "14")


@pytest.fixture
def folder(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    for rid in RECORDS:
        for ext in (".hea", ".dat"):
            shutil.copy(LUDB / f"{rid}{ext}", records / f"{rid}{ext}")
    return records


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("cli") / "tiny")


def _rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _held(monkeypatch, out, fail):
    """``os.replace`` onto ``out`` fails as Windows fails it for a file another program holds, on the
    replaces ``fail`` says (a set of their numbers, 0 the run's first write); the others go through."""
    real = os.replace
    count = [0]

    def replace(src, dst, *args, **kwargs):
        if os.fspath(dst) == os.fspath(out):
            count[0] += 1
            if count[0] - 1 in fail:
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(src), None, os.fspath(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(paths.os, "replace", replace)
    return count


def test_rows_go_to_a_spare_file_when_the_output_is_held(folder, predictor, tmp_path, monkeypatch):
    out = tmp_path / "results.csv"
    _held(monkeypatch, out, fail=set(range(1, 100)))        # written at the start, held from then on
    told = []
    summary = score_folder(folder, predictor, out, measure=False, checkpoint_s=0.0, notice=told.append)
    spare = tmp_path / "results.unsaved.csv"
    assert [r["record_path"] for r in _rows(spare)] == [f"{r}.hea" for r in RECORDS]     # none lost
    assert all(r["status"] == "ok" for r in _rows(spare))
    assert _rows(out) == []                                  # the first write's header, left as it was
    assert summary.saved_in == spare and summary.exit_code == 1
    assert summary.unsaved == (f"cannot write {out}: Permission denied; its rows (2 rows) are in {spare} instead, "
                               "none lost")
    assert told == [f"cannot write {out}: Permission denied; its rows are saved in {spare} meanwhile; "
                    f"{out} is tried again at each save"]
    # the stamps file of the first write's output (``row_stamps``), none of the spare's
    assert sorted(p.name for p in tmp_path.iterdir()) == [".results.csv.stamps", "records", "results.csv",
                                                          "results.unsaved.csv"]


def test_an_output_held_for_a_while_gets_every_row_at_the_end(folder, predictor, tmp_path, monkeypatch):
    out = tmp_path / "results.csv"
    count = _held(monkeypatch, out, fail={1})                # the first checkpoint fails, the last write succeeds
    summary = score_folder(folder, predictor, out, measure=False, checkpoint_s=0.0)
    assert count[0] >= 3
    assert [r["record_path"] for r in _rows(out)] == [f"{r}.hea" for r in RECORDS]
    assert not (tmp_path / "results.unsaved.csv").exists()     # its rows are all in the output: removed
    assert summary.unsaved == "" and summary.saved_in == out and summary.exit_code == 0


@pytest.mark.skipif(os.name != "posix", reason="file modes as POSIX has them")
def test_an_output_made_read_only_during_the_run_is_left_as_it_is(folder, predictor, tmp_path):
    out = tmp_path / "results.csv"
    kept = {}

    def progress(done, total, row):
        if done == 1:                       # its owner makes it read-only, to keep it as it is now
            out.chmod(0o444)
            kept["bytes"] = out.read_bytes()

    summary = score_folder(folder, predictor, out, measure=False, checkpoint_s=0.0, progress=progress)
    # before: replaced by the rename at the next checkpoint, and left writable
    assert out.read_bytes() == kept["bytes"] and stat.S_IMODE(out.stat().st_mode) == 0o444
    spare = tmp_path / "results.unsaved.csv"
    assert [r["record_path"] for r in _rows(spare)] == [f"{r}.hea" for r in RECORDS]
    assert summary.unsaved.startswith(f"cannot write {out}: made read-only (no one may write it) during the run, "
                                      "so left as it is; its rows (2 rows) are in")
    assert summary.exit_code == 1


def test_a_spare_name_taken_is_not_replaced(folder, predictor, tmp_path, monkeypatch):
    out = tmp_path / "results.csv"
    (tmp_path / "results.unsaved.csv").write_text("someone's file\n", encoding="utf-8")
    _held(monkeypatch, out, fail=set(range(1, 100)))
    summary = score_folder(folder, predictor, out, measure=False, checkpoint_s=0.0)
    assert (tmp_path / "results.unsaved.csv").read_text(encoding="utf-8") == "someone's file\n"
    assert summary.saved_in == tmp_path / "results.unsaved-2.csv" and len(_rows(summary.saved_in)) == 2


def test_mirage_score_says_where_the_rows_are_and_exits_1(folder, model, tmp_path, monkeypatch, capsys):
    out = tmp_path / "results.csv"
    _held(monkeypatch, out, fail=set(range(1, 100)))
    rc = main(["score", str(folder), "--out", str(out), "--model", str(model), "--no-measure", "--no-progress"])
    captured = capsys.readouterr()
    assert rc == 1 and "Traceback" not in captured.err
    spare = tmp_path / "results.unsaved.csv"
    assert len(_rows(spare)) == 2
    assert f"-> {spare} (not {out}: see below)" in captured.out
    last = captured.err.strip().splitlines()[-1]
    assert last == (f"error: cannot write {out}: Permission denied; its rows (2 rows) are in {spare} instead, none "
                    f"lost. Once {out} can be written again (the program holding it closed, or made writable), "
                    "replace it with results.unsaved.csv"), last


def test_mirage_score_interrupted_names_the_spare_to_resume_from(folder, model, tmp_path, monkeypatch, capsys):
    """Ctrl-C after the output could not be written: the rows are in the spare file, and the command that
    carries on names it (before: "saved in results.csv", which held none of them)."""
    import training_cli.commands.score as score

    out = tmp_path / "results.csv"
    _held(monkeypatch, out, fail=set(range(1, 100)))
    real = score.score_folder

    def stopped(*args, progress=None, **kwargs):
        def then_stop(done, total, row):
            progress(done, total, row)
            if done == 1:
                raise KeyboardInterrupt
        return real(*args, progress=then_stop, checkpoint_s=0.0, **kwargs)

    monkeypatch.setattr(score, "score_folder", stopped)
    monkeypatch.setattr(score.sys, "argv", ["mirage", "score", str(folder), "--out", str(out), "--model",
                                            str(model), "--no-measure", "--no-progress"])
    rc = main(score.sys.argv[1:])
    err = capsys.readouterr().err
    spare = tmp_path / "results.unsaved.csv"
    assert rc == 130 and "Traceback" not in err
    assert [r["record_path"] for r in _rows(spare)] == ["1.hea"]
    assert f"error: cannot write {out}: Permission denied; its rows (1 row) are in {spare} instead" in err
    assert f"are saved in {spare}, a valid CSV" in err
    assert f"--out {spare} --model" in err and err.rstrip().endswith("--resume"), err
    # carried on from the spare, the output writable again: the other record only
    monkeypatch.undo()
    assert main(["score", str(folder), "--out", str(spare), "--model", str(model), "--no-measure", "--no-progress",
                 "--resume"]) == 0
    assert [r["record_path"] for r in _rows(spare)] == [f"{r}.hea" for r in RECORDS]


def test_batch_dialog_says_where_the_rows_are(qtbot, folder, model, tmp_path, monkeypatch):
    """The app's batch dialog: "Done: 2 scored. Results in results.csv." had been "Batch scoring stopped:
    cannot write ...", the rows since the last save lost; now the rows are in the spare, and its line says
    so and what to do."""
    pytest.importorskip("pytestqt")
    from helpers_batch import run_batch_dialog

    out = tmp_path / "results.csv"
    _held(monkeypatch, out, fail=set(range(1, 100)))
    dlg = run_batch_dialog(qtbot, model, folder, out)
    spare = tmp_path / "results.unsaved.csv"
    assert len(_rows(spare)) == 2 and dlg.table.rowCount() == 2
    said = dlg.status.text()
    assert said.startswith("Done: 2 scored") and f"but cannot write {out}: Permission denied" in said, said
    assert f"its rows (2 rows) are in {spare} instead, none lost" in said
    assert "replace it with results.unsaved.csv" in said and "tick Resume" in said
