"""A WFDB header whose record line declares fewer signals than it has signal lines contradicts itself: it is
refused saying so. Read as declared (11 of PTB-XL's 12), the samples had been split into 11 signals and refused
as "checksums of 11 of 11 signals do not match the samples ... (wrong format 16?)", which points at the wrong
field; wfdb-python's own rdrecord fails on such a header with a TypeError."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mirage_model.records import RecordError, load_record

PTBXL = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr"


def _copy(tmp_path: Path, first_line, extra: str = "") -> Path:
    """PTB-XL 00417 copied with its record line rewritten by ``first_line`` and ``extra`` lines appended."""
    shutil.copy(PTBXL.with_suffix(".dat"), tmp_path / "00417_lr.dat")
    lines = PTBXL.with_suffix(".hea").read_text().splitlines()
    hea = tmp_path / "00417_lr.hea"
    hea.write_text("\n".join([first_line(lines[0]), *lines[1:]]) + "\n" + extra)
    return hea


def test_a_header_declaring_fewer_signals_than_it_describes_is_refused_saying_so(tmp_path):
    hea = _copy(tmp_path, lambda line: line.replace(" 12 ", " 11 ", 1))
    with pytest.raises(RecordError) as err:
        load_record(hea)
    assert "it declares 11 signals but describes 12" in str(err.value)
    assert "checksum" not in str(err.value)


def test_a_line_after_the_signals_that_is_no_signal_line_is_passed_over(tmp_path):
    rec = load_record(_copy(tmp_path, lambda line: line, extra="a note without its hash mark\n"))
    assert rec.signal.shape == (12, 1000)
