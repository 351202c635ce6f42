"""Readers' leftovers of the last fuzz rounds, each on a damaged copy of a bundled sample read back through
``load_record``:

- DICOM: Example.dcm cut inside its median beats' multiplex group (its Waveform Data, an element of its
  channel definitions, its item's tag) was refused (or, cut before them, opened with a reader note): the
  rhythm before it is whole, so it now opens with the rhythm and the same note, never a median beat in part.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import RecordError, load_record

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
EXAMPLE_DCM = Path(__file__).parent / "data" / "formats" / "ecgtoolkit-Example.dcm"
ITEM = b"\xfe\xff\x00\xe0"   # (FFFE,E000), little endian


def _elements(data: bytes, start: int, end: int) -> list[tuple[int, bytes, int]]:
    """The implicit-VR little-endian elements from byte ``start`` to ``end`` (one level, no descent into a
    sequence): (the byte its tag starts at, its tag's 4 bytes, its value's length)."""
    out, pos = [], start
    while pos < end:
        length = struct.unpack_from("<I", data, pos + 4)[0]
        out.append((pos, data[pos:pos + 4], length))
        pos += 8 + length
    assert pos == end
    return out


def _cut_points(data: bytes) -> tuple[int, list[int]]:
    """Where Example.dcm's Waveform Sequence (5400,0100) starts its value, and cuts inside its second item (the
    median beats): inside the item's tag and length, in each of the item's elements' tag, length and value (its
    first byte, its last), before and inside the first and last items of its Channel Definition Sequence
    (003A,0200), and every 3 600th byte of its Waveform Data and its last."""
    top = _elements(data, 132 + 12 + struct.unpack_from("<I", data, 132 + 8)[0], len(data))
    (seq, _, seq_len), = [e for e in top if e[1] == b"\x00\x54\x00\x01"]
    items = _elements(data, seq + 8, seq + 8 + seq_len)
    assert [e[1] for e in items] == [ITEM, ITEM]
    at, _, length = items[1]
    cuts = list(range(at + 1, at + 8))
    for pos, tag, size in _elements(data, at + 8, at + 8 + length):
        cuts += [pos + 2, pos + 6, pos + 8] + ([pos + 7 + size] if size > 1 else [])
        if tag == b"\x3a\x00\x00\x02":   # (003A,0200): a channel's item each
            channels = _elements(data, pos + 8, pos + 8 + size)
            assert len(channels) == 12
            for ch, _, ch_len in channels[:1] + channels[-1:]:
                cuts += [ch, ch + 3, ch + 8 + ch_len // 2]
        if tag == b"\x00\x54\x10\x10":   # (5400,1010) Waveform Data: 12 channels x 600 samples x 2 bytes
            assert size == 14_400
            cuts += list(range(pos + 8, pos + 8 + size, 3600))
    return seq + 8, sorted(set(cuts) - {at + 8 + length})


@pytest.fixture(scope="module")
def whole_dcm():
    pytest.importorskip("pydicom")
    pytest.importorskip("ecgdatakit")
    return load_record(EXAMPLE_DCM)


def test_a_dicom_cut_inside_its_median_beats_opens_its_rhythm_with_the_cut_note(tmp_path, whole_dcm):
    data = EXAMPLE_DCM.read_bytes()
    sequence, cuts = _cut_points(data)
    assert len(cuts) > 40 and "device_median_beats" in whole_dcm.meta
    whole_notes = tuple(whole_dcm.meta["reader_warnings"])
    copy = tmp_path / "example.dcm"
    for cut in cuts:
        copy.write_bytes(data[:cut])
        try:
            rec = load_record(copy)
        except RecordError as err:
            pytest.fail(f"cut at byte {cut}: {err}")
        assert np.array_equal(rec.signal, whole_dcm.signal), cut
        assert "device_median_beats" not in rec.meta, cut
        assert tuple(rec.meta["reader_warnings"]) == (*whole_notes, (
            f"DICOM: the file is cut short: it ends inside element (5400,0100), whose 139,576 bytes from byte "
            f"{sequence:,} hold {cut - sequence:,} in the file; what it holds before the cut is read")), cut


def test_a_dicom_cut_inside_its_rhythm_is_still_refused(tmp_path, whole_dcm):
    # the rhythm (the first item, 120 000 bytes of Waveform Data) cut: nothing whole to open
    data = EXAMPLE_DCM.read_bytes()
    rhythm = data.index(b"\x00\x54\x10\x10") + 8
    copy = tmp_path / "example.dcm"
    copy.write_bytes(data[:rhythm + 60_000])
    with pytest.raises(RecordError, match="multiplex group 1: Waveform Data has 60000 bytes, expected 120000"):
        load_record(copy)
