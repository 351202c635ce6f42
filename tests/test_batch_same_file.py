"""One recording under several names in a scored folder (``copy.hea -> 1.hea`` beside it, a linked copy
of the folder's records in a subfolder) is scored once: a batch had given it a row per name, so that a
results table counted one ECG two or three times. The names left out are said, in the summary of
``mirage score`` and of the app's batch dialog. Truth: the links made here, and the rows read back with
Python's csv module."""

from __future__ import annotations

import csv
import os
import shutil

import pytest

import mirage_model as mm
from mirage_model.review.batch import find_inputs
from training_cli.main import main

LUDB = mm.resources_dir() / "samples" / "ludb"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="symbolic links")


@pytest.fixture
def folder(tmp_path):
    records = tmp_path / "records"
    (records / "sub").mkdir(parents=True)
    for f in LUDB.glob("1.*"):
        shutil.copy(f, records / f.name)
    os.symlink("1.hea", records / "copy.hea")                 # the same header beside it
    for ext in (".hea", ".dat"):                              # a linked copy of the record in a subfolder
        os.symlink(f"../1{ext}", records / "sub" / f"1{ext}")
    outside = tmp_path / "elsewhere"                          # a link to a record of its own (LUDB 14): no duplicate
    outside.mkdir()
    for ext in (".hea", ".dat"):
        shutil.copy(LUDB / f"14{ext}", outside / f"14{ext}")
        os.symlink(outside / f"14{ext}", records / f"14{ext}")
    return records


def test_a_record_under_several_names_is_listed_once(folder):
    found = find_inputs(folder)
    assert found[0] == [folder / "1.hea", folder / "14.hea"]           # the name that is no link is kept
    assert found.same_file == [(folder / "copy.hea", folder / "1.hea"), (folder / "sub" / "1.hea", folder / "1.hea")]
    assert found[1] == [] and found.not_read == []                  # sub/1.dat is sub/1.hea's: no orphan row


@pytest.mark.slow
def test_mirage_score_scores_it_once_and_says_so(tmp_path, folder, capsys):
    from helpers_models import make_tiny_checkpoint

    out = tmp_path / "out.csv"
    model = make_tiny_checkpoint(tmp_path / "tiny")
    assert main(["score", str(folder), "--out", str(out), "--model", str(model), "--no-measure", "--no-progress"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        # before: 1, 14, copy, sub/1
        assert [row["record_path"] for row in csv.DictReader(fh)] == ["1.hea", "14.hea"]
    said = capsys.readouterr().out
    assert ("2 record files are another name of a record of the folder (a link), scored once, in that record's "
            "row: copy.hea = 1.hea, sub/1.hea = 1.hea") in said, said


def test_hard_links_alone_are_one_record(hard_linked):
    """Hard links had been found only beside a symbolic link (the listing's links were the only reason to
    look): here, none, and copy.hea and sub/1.hea were two more records."""
    found = find_inputs(hard_linked)
    assert found[0] == [hard_linked / "1.hea", hard_linked / "14.hea"]       # the first name in natural order
    assert found.same_file == [(hard_linked / "copy.hea", hard_linked / "1.hea"),
                               (hard_linked / "sub" / "1.hea", hard_linked / "1.hea")]
    assert found[1] == [] and found.not_read == []


def test_files_alike_but_not_linked_are_two_records(tmp_path):
    """Two copies (same bytes, two inodes) are two files: both listed, nothing said."""
    for name in ("1", "2"):
        for ext in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{ext}", tmp_path / f"{name}{ext}")
    found = find_inputs(tmp_path)
    assert found[0] == [tmp_path / "1.hea", tmp_path / "2.hea"] and found.same_file == []


@pytest.mark.slow
def test_mirage_score_scores_a_hard_linked_record_once(tmp_path, hard_linked, capsys):
    from helpers_models import make_tiny_checkpoint

    out = tmp_path / "out.csv"
    model = make_tiny_checkpoint(tmp_path / "tiny")
    assert main(["score", str(hard_linked), "--out", str(out), "--model", str(model), "--no-measure",
                 "--no-progress"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        # before: 1, 14, copy, sub/1
        assert [row["record_path"] for row in csv.DictReader(fh)] == ["1.hea", "14.hea"]
    said = capsys.readouterr().out
    assert ("2 record files are another name of a record of the folder (a link), scored once, in that record's "
            "row: copy.hea = 1.hea, sub/1.hea = 1.hea") in said, said


def test_a_run_stopped_first_says_the_link_was_not_scored(tmp_path, folder):
    """Cancelled before its first record (Cancel in the app's batch dialog), the run wrote no row for 1.hea: the
    summary had said its two other names were "scored once, in that record's row"; it says they were not scored."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.inference import Predictor
    from mirage_model.review.batch.run import score_folder

    out = tmp_path / "out.csv"
    model = make_tiny_checkpoint(tmp_path / "tiny")
    summary = score_folder(folder, Predictor(model, device="cpu"), out, measure=False, cancel=lambda: True)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        assert [row["record_path"] for row in csv.DictReader(fh)] == []
    line = summary.same_file_line()
    assert "scored once" not in line and "in that record's row" not in line, line
    assert line == ("2 record files are another name of a record of the folder (a link), not scored, as the run was "
                    "stopped before that record: copy.hea = 1.hea, sub/1.hea = 1.hea")
