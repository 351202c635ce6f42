"""``mirage score --csv-dialect excel-eu``: the CSV a German, French or Dutch Excel opens in columns (";" between
cells, decimal commas, UTF-8 with a byte order mark). The default CSV (commas, decimal points) had opened there as one
column per row. ``--resume`` reads an output of either dialect back and refuses to carry one on in the other.

Truth: the default run's cells, read by Python's ``csv`` with commas; the excel-eu run's, read by Python's ``csv``
with ``delimiter=";"`` and each decimal comma turned into a point by hand: the same numbers."""

from __future__ import annotations

import csv
import shutil

import pytest

from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled LUDB samples not present")
NUMBER_START = ("prob_", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "sokolow_lyon_mv", "cornell_mv")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _folder(root, names=("1", "14")):
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        for f in LUDB.glob(f"{name}.*"):
            shutil.copy(f, root / f.name)
    return root


def _score(folder, checkpoint, out, *more) -> int:
    from training_cli.main import main

    return main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress", *more])


def _table(path, delimiter):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["record_path"]: row for row in csv.DictReader(fh, delimiter=delimiter)}


@pytest.fixture(scope="module")
def both(tmp_path_factory, checkpoint):
    tmp = tmp_path_factory.mktemp("dialects")
    folder = _folder(tmp / "records")
    assert _score(folder, checkpoint, tmp / "plain.csv") == 0
    assert _score(folder, checkpoint, tmp / "eu.csv", "--csv-dialect", "excel-eu") == 0
    return tmp / "plain.csv", tmp / "eu.csv"


def test_an_excel_eu_csv_has_semicolons_decimal_commas_and_the_same_numbers(both):
    plain, eu = both
    raw = eu.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfrecord_path;record_id;")        # UTF-8's byte order mark, then ';'
    a, b = _table(plain, ","), _table(eu, ";")
    assert set(a) == set(b) == {"1.hea", "14.hea"}
    compared = 0
    for rec in a:
        assert a[rec]["status"] == b[rec]["status"] == "ok"
        assert list(a[rec]) == list(b[rec])
        for col, text in a[rec].items():
            if not col.startswith(NUMBER_START) or not text:
                continue
            assert "." in text and "," not in text, (col, text)          # the default: a decimal point
            assert "," in b[rec][col] and "." not in b[rec][col], (col, b[rec][col])
            assert float(b[rec][col].replace(",", ".")) == float(text), (rec, col)
            compared += 1
        assert b[rec]["model"] == a[rec]["model"] and b[rec]["interpretation"] == a[rec]["interpretation"]
    assert compared >= 10


def test_read_rows_gives_an_excel_eu_output_s_numbers_with_decimal_points(both):
    from mirage_model.review.batch import read_rows

    plain, eu = both
    cols_a, rows_a = read_rows(plain)
    cols_b, rows_b = read_rows(eu)
    assert cols_a == cols_b
    for ra, rb in zip(rows_a, rows_b):
        for col in cols_a:
            if col.startswith("prob_") or col in ("qrs_ms", "age_used"):
                assert rb[col] == ra[col], (col, ra[col], rb[col])


def test_resume_reads_either_dialect_and_refuses_the_other(tmp_path, checkpoint, capsys):
    folder = _folder(tmp_path / "records", names=("1",))
    out = tmp_path / "scores.csv"
    assert _score(folder, checkpoint, out, "--csv-dialect", "excel-eu") == 0
    first = _table(out, ";")["1.hea"]
    _folder(folder, names=("14",))                    # a record more: the resumed run scores it alone
    capsys.readouterr()
    assert _score(folder, checkpoint, out, "--resume") == 0                 # no flag: the output's own
    assert "1 already done (skipped)" in capsys.readouterr().out
    rows = _table(out, ";")
    assert set(rows) == {"1.hea", "14.hea"} and rows["1.hea"] == first
    assert "," in rows["14.hea"]["prob_NORM"]          # the new row in the output's dialect too
    before = out.read_bytes()
    assert _score(folder, checkpoint, out, "--resume", "--csv-dialect", "excel") == 2
    err = capsys.readouterr().err
    assert ("its rows are written in the CSV dialect excel-eu (';' between cells, decimal commas), this run asks "
            "for excel (',' between cells, decimal points); give --csv-dialect excel-eu") in err
    assert out.read_bytes() == before
    plain = tmp_path / "plain.csv"                  # and a default output refused to an excel-eu run
    assert _score(folder, checkpoint, plain, "--no-measure") == 0
    assert _score(folder, checkpoint, plain, "--no-measure", "--resume", "--csv-dialect", "excel-eu") == 2
    assert "written in the CSV dialect excel (',' between cells" in capsys.readouterr().err
    assert _score(folder, checkpoint, plain, "--no-measure", "--resume", "--csv-dialect", "excel") == 0


def test_a_json_lines_output_refuses_a_csv_dialect(tmp_path, checkpoint, capsys):
    folder = _folder(tmp_path / "records", names=("1",))
    assert _score(folder, checkpoint, tmp_path / "s.jsonl", "--csv-dialect", "excel-eu") == 2
    assert "--csv-dialect is for a CSV output" in capsys.readouterr().err
    assert not (tmp_path / "s.jsonl").exists()
