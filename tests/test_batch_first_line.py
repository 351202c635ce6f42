"""One reading of a results file's first line (``batch.outputs.probe``) for the two that ask whose it is:
``outputs.earlier_output`` (may a run replace or resume it?) and ``own_files.written_by_mirage`` (is it MIRAGE's,
not a file left unread?). They had disagreed on a table whose first lines are blank: ``earlier_output`` took the
first line that is not blank and called the file an earlier run's (replaced with --overwrite, a resume refused
with "it lacks the column record_path"), ``own_files`` took the first line and counted it among the files not
read. Decided: the first line is the file's first line, as a batch writes it and ``read_rows`` reads a CSV's
header, so a file whose first line is blank is no output of MIRAGE for both. The lock and temporary names are
those ``outputs.lock_file_of`` and ``paths.temp_sibling`` give.

Truth: the bytes each test writes, and what Python's ``csv.DictReader`` reads as a CSV's columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mirage_model.paths import is_temp_sibling, temp_sibling
from mirage_model.review.batch import BatchError
from mirage_model.review.batch.outputs import earlier_output, is_lock_file, lock_file_of
from mirage_model.review.batch.own_files import written_by_mirage

HEADER = "record_path,record_id,status,error,positive,model"
ROW = "1.hea,1,ok,,,tiny"
JSON_ROW = '{"record_path": "1.hea", "record_id": "1", "status": "ok", "error": "", "positive": "", "model": "tiny"}'


def _whose(path: Path, fmt: str) -> tuple[bool, bool]:
    """(earlier_output calls it a batch's output, own_files calls it MIRAGE's)."""
    try:
        earlier_output(path, fmt)
        ours = True
    except BatchError as err:
        assert "no output of mirage score" in str(err), err
        ours = False
    return ours, written_by_mirage(path)


@pytest.mark.parametrize("name, text, fmt, mirage", [
    ("results.csv", f"{HEADER}\n{ROW}\n", "csv", True),
    ("crlf.csv", f"{HEADER}\r\n{ROW}\r\n", "csv", True),
    ("bom.csv", f"\ufeff{HEADER}\n{ROW}\n", "csv", True),
    ("header_only.csv", f"{HEADER}\n", "csv", True),
    ("blank_first.csv", f"\n\n{HEADER}\n{ROW}\n", "csv", False),
    ("blank_crlf_first.csv", f"\r\n{HEADER}\r\n{ROW}\r\n", "csv", False),
    ("spaces_first.csv", f"  \n{HEADER}\n{ROW}\n", "csv", False),
    ("results.jsonl", f"{JSON_ROW}\n", "jsonl", True),
    ("blank_first.jsonl", f"\n{JSON_ROW}\n", "jsonl", False),
])
def test_both_callers_read_the_same_first_line(tmp_path, name, text, fmt, mirage):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    assert _whose(path, fmt) == (mirage, mirage)
    if fmt == "csv":
        # independent truth: the columns Python's csv reads from the file are a batch's only when its
        # first line is the header
        with open(path, newline="", encoding="utf-8-sig") as fh:
            assert ((csv.DictReader(fh).fieldnames or [])[:1] == ["record_path"]) is mirage


def test_a_blank_first_line_is_said(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(f"\n{HEADER}\n{ROW}\n")
    with pytest.raises(BatchError, match=r"results\.csv: exists and is no output of mirage score \(its first line "
                                         r"is blank\); it is left as it is"):
        earlier_output(path, "csv")


@pytest.mark.parametrize("text", ["", "\n", "  \r\n\n"])
def test_a_file_of_white_space_holds_no_rows(tmp_path, text):
    path = tmp_path / "results.csv"
    path.write_text(text)
    assert earlier_output(path, "csv") is False
    assert not written_by_mirage(path)


def test_rows_follow_the_header(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(f"{HEADER}\r\n\r\n")
    assert earlier_output(path, "csv") is False
    path.write_text(f"{HEADER}\r\n{ROW}\r\n")
    assert earlier_output(path, "csv") is True


def test_the_lock_and_temporary_names_are_those_the_writers_give(tmp_path):
    out = tmp_path / "results.csv"
    lock, tmp = lock_file_of(out), temp_sibling(out)
    assert (lock.name, tmp.parent) == (".results.csv.lock", tmp_path)
    assert is_lock_file(lock) and not is_temp_sibling(lock)
    assert is_temp_sibling(tmp) and not is_lock_file(tmp)
    for name in ("results.csv.lock", ".lock", "..lock", ".results.csv.lock.bak", ".results.csv.0123456789ab.tmp"):
        assert not is_lock_file(tmp_path / name), name
    for name in (".results.csv.0123456789AB.tmp", ".results.csv.0123456789a.tmp", "results.csv.0123456789ab.tmp",
                 "..0123456789ab.tmp"):
        assert not is_temp_sibling(tmp_path / name), name
    # a killed run's files: the lock holding its PID (or nothing), the temporary file whatever it holds
    lock.write_text("pid=4242 host=ward-pc\n")
    tmp.write_bytes(b"\0\1 half a CSV")
    assert written_by_mirage(lock) and written_by_mirage(tmp)
    lock.write_text("")
    assert written_by_mirage(lock)
    lock.write_text("my notes\n")
    assert not written_by_mirage(lock)
