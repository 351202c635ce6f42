"""mirage score's summary says where a refused labs row's reason is: a refused row whose id fits no record of the
run has no error row, yet the line said "1 of 600 rows refused: see their records' error rows" (a run over 8 of a
table's 600 records, the bad row another patient's). The unmatched rows' warning names two of the folder's own
records as an example of a row's id, where it gave a made-up 'siteA/1'. Truth: the tables written here by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_score_cli import _two_records
from training_cli.main import main

EXAMPLE = "e.g. 'ludb/1' or 'ptbxl/records100/00000/00417_lr' (records of the folder)"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _score(checkpoint, tmp_path, table: str, capsys) -> tuple[int, str, str]:
    folder = tmp_path / "records"
    if not folder.exists():
        _two_records(folder)
    labs = tmp_path / "labs.csv"
    labs.write_text(table)
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"), "--no-progress",
               "--labs", str(labs), "--no-measure", "--statements-model", "none", "--overwrite"])
    said = capsys.readouterr()
    return rc, said.out, said.err


def test_a_refused_row_of_no_record_in_the_run_is_not_sent_to_an_error_row(checkpoint, tmp_path, capsys):
    # H-9's age 999 is refused; no record of the run is H-9
    rc, out, err = _score(checkpoint, tmp_path, "record_id,age,crp [mg/L]\nludb/1,40,5\n00417_lr,50,3\nH-9,999,1\n",
                          capsys)
    assert rc == 0
    assert "; 1 of 3 rows refused: it fits no record of this run (no error row)" in out, out
    assert "error rows" not in out and "error row)" in out
    assert f"1 row(s) fit no record under {tmp_path / 'records'} and were not used ('H-9'); a row's id is " \
           f"the record's path in the folder without the extension, {EXAMPLE}" in err, err
    assert "siteA" not in err

    # one refused row of a scored record, one of none: each said so
    rc, out, _ = _score(checkpoint, tmp_path, "record_id,age,crp [mg/L]\nludb/1,999,5\n00417_lr,50,3\nH-9,999,1\n",
                        capsys)
    assert "; 2 of 3 rows refused: 1 of a record scored (see its error row), 1 of no record in this run" in out, out

    # every row refused, none of a record of the run
    rc, out, _ = _score(checkpoint, tmp_path, "record_id,age,crp [mg/L]\nH-8,999,5\nH-9,999,1\n", capsys)
    assert "every row of labs.csv was refused (2 rows): they fit no record of this run (no error row)" in out, out


def test_refused_rows_of_scored_records_still_point_to_their_error_rows(checkpoint, tmp_path, capsys):
    rc, out, _ = _score(checkpoint, tmp_path, "record_id,age,crp [mg/L]\nludb/1,999,5\n00417_lr,40,3\n", capsys)
    assert "; 1 of 2 rows refused: see their records' error rows" in out, out
