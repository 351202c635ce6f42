"""``mirage score``: what the library logs while the progress bar is drawn starts a line of its own.

The labs table was read once the bar was on the screen (it is now read before); its warnings (a censored value
read as its limit, a cell in another unit than its column's) had been written straight after the bar's text, on its
line: "scoring:   0%|          | 0/38 [00:00<?, ?rec/s]WARNING mirage_model.clinical.labs: ... '<3' read
as 3 ...", a warning easy to miss, and one a later redraw of the bar could write over.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from training_cli.main import main

from test_batch import make_mixed_folder


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def test_labs_warnings_start_their_own_line_under_the_bar(tmp_path, checkpoint, capsys, monkeypatch):
    folder = tmp_path / "records"
    folder.mkdir()
    make_mixed_folder(folder)
    # the root logger as a terminal run has it (logging.basicConfig's one handler on stderr, here the stream
    # capsys reads), in place of pytest's capturing handlers
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler])
    monkeypatch.setattr(root, "level", logging.INFO)
    labs = tmp_path / "labs.csv"
    # the record's row (by its path: bad/00417_lr shares its name) gives a censored weight, "<40", which the
    # model reads (a censored CRP it does not read is not said: test_labs_censored_read)
    labs.write_text("record_id,age,weight [kg]\nptbxl/records100/00000/00417_lr,61,<40\n")
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"),
               "--labs", str(labs), "--no-measure", "--statements-model", "none"])
    assert rc == 1                       # the folder's broken records fail; the batch goes on
    err = capsys.readouterr().err
    assert "scoring:" in err             # the bar was drawn
    lines = err.replace("\r", "\n").splitlines()
    censored = [line for line in lines if "censored value" in line]
    assert censored, err
    # each warning begins its line: nothing of the bar before it
    assert all(line.startswith("WARNING mirage_model.review.batch.run: ") for line in censored), censored


def test_a_refused_labs_table_is_refused_before_the_bar_and_the_model(tmp_path, checkpoint, capsys, monkeypatch):
    # the bar had been drawn ("scoring: 0%| 0/38") and the model loaded before the table was read and refused
    folder = tmp_path / "records"
    folder.mkdir()
    make_mixed_folder(folder)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,no_such_lab\n00417_lr,3\n")     # no column any model reads: the table is refused
    loaded = []
    monkeypatch.setattr("training_cli.commands.score.load_predictor", lambda *a: loaded.append(a))
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"),
               "--labs", str(labs), "--no-measure", "--statements-model", "none"])
    err = capsys.readouterr().err
    assert rc == 2 and "error: " in err and "labs.csv" in err and "no_such_lab" in err, err
    assert "scoring:" not in err and "rec/s" not in err and not loaded, err
    assert not (tmp_path / "r.csv").exists()
