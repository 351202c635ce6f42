"""Readers' messages that today's structural fuzz round (scripts/fuzz_structural.py) found silent or
misleading, each on a mutant of a bundled sample read back through ``load_record``:

- EDF: a header that says -1 data records (not known, allowed while recording) over a file whose last
  data record is cut short: that part-record was dropped without a word; a reader note now says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mirage_model import formats
from mirage_model.records import load_record

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture(scope="module")
def ludb_edf(tmp_path_factory) -> Path:
    """LUDB record 1 (10 s at 500 Hz) as EDF+: 12 ECG signals of 500 samples a 1 s data record and the
    annotation signal of 115 (2 bytes a sample: 12 230 bytes a data record), 10 data records."""
    pytest.importorskip("edfio")
    return formats.write_record(load_record(SAMPLES / "ludb" / "1.hea"), tmp_path_factory.mktemp("edf"), "edf")


def test_an_edf_of_unknown_length_cut_inside_a_data_record_says_what_was_left_out(tmp_path, ludb_edf):
    data = ludb_edf.read_bytes()
    assert data[236:244].strip() == b"10" and data[252:256].strip() == b"13"
    header, record = 256 * 14, 2 * (12 * 500 + 115)
    cut = tmp_path / "recording.edf"
    # -1 data records, and the file ends a third of the way into the 6th (5 whole records, then 4 076 bytes)
    cut.write_bytes(data[:236] + b"-1".ljust(8) + data[244:header + 5 * record + record // 3])
    rec = load_record(cut)
    assert rec.signal.shape == (12, 5 * 500)
    notes = [n for n in rec.meta.get("reader_warnings", ()) if "incomplete last data record" in n]
    assert notes == ["EDF: the file ends 4,076 bytes into a data record of 12,230 (1 s; its header's number of "
                     "data records is -1, not known, as while recording): that incomplete last data record was "
                     "left out, the 5 whole ones before it read"]
    # the same file ending on a data record's boundary: nothing left out, nothing said
    whole = tmp_path / "whole.edf"
    whole.write_bytes(data[:236] + b"-1".ljust(8) + data[244:header + 5 * record])
    assert not load_record(whole).meta.get("reader_warnings")
