"""Readers' messages that today's structural fuzz round (scripts/fuzz_structural.py) found silent or
misleading, each on a mutant of a bundled sample read back through ``load_record``:

- EDF: a header that says -1 data records (not known, allowed while recording) over a file whose last
  data record is cut short: that part-record was dropped without a word; a reader note now says so.
- CinC/PhysioNet Challenge .mat: a header that lists its 12 signals twice (24 signal lines) was refused as
  "not a MATLAB v4/v5 file ...", blaming a good signal file; the refusal now names the header and its fault.
- DICOM: a file cut inside its Waveform Sequence (pydicom reads what is there without a word) was refused as
  "no usable Waveform Sequence multiplex group ...": the refusal now says the file is cut short, and where;
  one cut inside its median beat's group opened without it and without a word: a reader note now says so.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from mirage_model import formats
from mirage_model.records import RecordError, load_record

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
FORMATS = Path(__file__).parent / "data" / "formats"


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


def _cinc_with_signal_lines(tmp_path: Path, lines: list[str]) -> Path:
    """A copy of CinC 2021 A0003 (MATLAB v4, a 12 x 5000 int16 matrix) beside a header of ``lines``' signals."""
    src = SAMPLES / "cinc2021"
    (tmp_path / "A0003.mat").write_bytes((src / "A0003.mat").read_bytes())
    head, *rest = (src / "A0003.hea").read_text().splitlines()
    comments = [line for line in rest if line.startswith("#")]
    fields = head.split()
    fields[1] = str(len(lines))
    hea = tmp_path / "A0003.hea"
    hea.write_text("\n".join([" ".join(fields), *lines, *comments]) + "\n")
    return hea


def test_a_challenge_header_listing_its_signals_twice_is_refused_naming_the_header(tmp_path):
    signals = [line for line in (SAMPLES / "cinc2021" / "A0003.hea").read_text().splitlines()
               if line.startswith("A0003.mat")]
    assert len(signals) == 12
    hea = _cinc_with_signal_lines(tmp_path, signals + signals)
    with pytest.raises(RecordError) as err:
        load_record(hea)
    assert str(err.value) == (f"{hea}: the header lists 24 signals in A0003.mat, but its MATLAB matrix is 12 x 5000 "
                              "(one row per signal: 12 signals): it lists each signal twice (I, II, III, ...)")
    # 13 signal lines (V6 again): more signals than the matrix holds, the one listed twice named
    hea = _cinc_with_signal_lines(tmp_path, signals + signals[-1:])
    with pytest.raises(RecordError, match=r"A0003\.hea: the header lists 13 signals in A0003\.mat, but its MATLAB "
                       r"matrix is 12 x 5000 \(one row per signal: 12 signals\) \(V6 listed more than once\)$"):
        load_record(hea)


def _element(data: bytes, tag: bytes) -> tuple[int, int]:
    """(the byte its value starts at, its stated length) of the first implicit-VR element ``tag`` in ``data``:
    the tag's 4 bytes, then a 4-byte little-endian length."""
    at = data.index(tag)
    return at + 8, struct.unpack_from("<I", data, at + 4)[0]


@pytest.fixture
def example_dcm() -> bytes:
    """The C# ECG Toolkit's Example.dcm (implicit VR), whose Waveform Sequence (5400,0100) runs to its end."""
    pytest.importorskip("pydicom")
    pytest.importorskip("ecgdatakit")
    return (FORMATS / "ecgtoolkit-Example.dcm").read_bytes()


def test_a_dicom_cut_inside_its_waveform_sequence_is_refused_as_cut_short(tmp_path, example_dcm):
    # the copy of Example.dcm ends 1 000 bytes into its Waveform Sequence
    data = example_dcm
    start, length = _element(data, b"\x00\x54\x00\x01")
    at = start - 8
    assert start + length == len(data)
    cut = tmp_path / "example.dcm"
    cut.write_bytes(data[:at + 8 + 1000])
    with pytest.raises(RecordError) as err:
        load_record(cut)
    assert str(err.value) == (f"{cut}: read as DICOM ECG waveform: the file is cut short: it ends inside element "
                              f"(5400,0100), whose {length:,} bytes from byte {at + 8:,} hold 1,000 in the file")
    # pydicom's waveform_ecg.dcm, explicit VR: the copy ends after the sequence's tag, inside its VR and length
    data = (FORMATS / "waveform_ecg.dcm").read_bytes()
    at = data.find(b"\x00\x54\x00\x01SQ")
    cut.write_bytes(data[:at + 4])
    with pytest.raises(RecordError, match=re.escape(f"the file is cut short: it ends inside the header of element "
                                                    f"(5400,0100), at byte {at + 4:,}")):
        load_record(cut)
    # ended on an element's boundary (before the sequence) is no cut the file shows: the parser's words stand
    cut.write_bytes(data[:at])
    with pytest.raises(RecordError, match="no usable Waveform Sequence"):
        load_record(cut)


def test_a_dicom_cut_inside_its_median_beat_group_opens_with_a_note(tmp_path, example_dcm):
    # Example.dcm's second multiplex group (the median beats, 600 samples x 12) starts where the rhythm's
    # Waveform Data (5400,1010), 120 000 bytes, ends: the copy ends 100 bytes into that group's item
    data = example_dcm
    rhythm, length = _element(data, b"\x00\x54\x10\x10")
    group2 = rhythm + length
    assert length == 120_000 and data[group2:group2 + 4] == b"\xfe\xff\x00\xe0"   # an item's tag
    whole = load_record(FORMATS / "ecgtoolkit-Example.dcm")
    assert not [n for n in whole.meta["reader_warnings"] if "cut short" in n]
    cut = tmp_path / "example.dcm"
    cut.write_bytes(data[:group2 + 100])
    rec = load_record(cut)
    assert rec.signal.shape == whole.signal.shape and "device_median_beats" not in rec.meta
    sequence, _ = _element(data, b"\x00\x54\x00\x01")
    assert rec.meta["reader_warnings"][-1] == (
        f"DICOM: the file is cut short: it ends inside element (5400,0100), whose 139,576 bytes from byte "
        f"{sequence:,} hold {group2 + 100 - sequence:,} in the file; the rhythm before the cut is read; the median "
        "beats the cut falls in are not read at all")
