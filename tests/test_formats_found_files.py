"""SCP-ECG Section 1 dates that are stated but are no date (an anonymiser's year written big endian),
found in public Welch Allyn CardioControl files (farhad-abtahi/SCP-Tools' anonymised copies): the
record had no birth date and no acquisition date, and nothing said why.
"""

from __future__ import annotations

import datetime as dt
import struct

import numpy as np
import pytest

from mirage_model.records import load_record
from mirage_model.review.file_info import reader_notes

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from test_formats_ages import _scp, _scp_date  # noqa: E402


def test_scp_dates_that_are_no_date_are_said(tmp_path):
    """An SCP-ECG file whose Section 1 dates are no date (an anonymiser wrote 1900-01-01 and 2002-11-22
    with the year's bytes big endian: years 27655 and 53767) had no birth date and no acquisition date,
    and nothing said why. Both are now reader notes naming the field, the values and the date the
    bytes give the other way round; the ECG still reads."""
    wrong = {5: struct.pack(">H", 1900) + bytes([1, 1]), 25: struct.pack(">H", 2002) + bytes([11, 22])}
    right = _scp(tmp_path, {5: _scp_date(dt.date(1900, 1, 1))}, name="right.scp")
    path = _scp(tmp_path, wrong, name="swapped.scp")
    rec = load_record(path)
    assert "acquired" not in rec.meta and "birth_date" not in rec.meta["patient"]
    notes = " ".join(reader_notes(rec))
    assert "date of birth as year 27655, month 1, day 1, which is no date" in notes
    assert "1900-01-01" in notes and "birth date unknown" in notes
    assert "date of acquisition as year 53767, month 11, day 22" in notes and "2002-11-22" in notes
    assert "acquisition date unknown" in notes
    np.testing.assert_array_equal(rec.signal, load_record(right).signal)
    assert not any("Section 1" in n for n in reader_notes(load_record(right)))
