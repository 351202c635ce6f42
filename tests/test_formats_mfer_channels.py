"""An MFER file that declares more channels (MWF_CHN) than it defines (MWF_ATT), with waveform data shorter than a
frame of that many channels, is refused, naming the file and both counts: its frame's data is laid out channel after
channel block by block, so a wrong count reads the samples into the wrong leads after the first block (the mutation
harness' 8-lead file made to declare 255 channels opened with every lead misaligned after sample 1000, a reader
warning alone saying so). A file whose writer stopped early (every channel defined, the data short) still opens,
its missing samples NaN, with the warning, as before. So is one whose data is long enough for the frame where the
channels without a definition have no block length from the file either; one whose header gives them theirs opens.

Truth: files written here from LUDB 1 (``write_mfer``), the count byte set to 255 by hand; the short file's waveform
element rebuilt by hand with 3,000 bytes fewer; a file of 9 channels, the 9th defined by the header alone, written by
hand.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from test_formats_holter_mfer import MFER_CODES, _ludb_counts, _scaled, _tlv, write_mfer

from mirage_model.records import RecordError, load_record
from mirage_model.records.record import STANDARD_LEADS


def _written(tmp_path, name="ludb1.mwf"):
    counts, fs = _ludb_counts()
    path = tmp_path / name
    write_mfer(path, [(code, fs, counts[STANDARD_LEADS.index(lead)]) for lead, code in MFER_CODES.items()])
    return path, counts


def test_mfer_declaring_255_channels_for_8_defined_is_refused(tmp_path):
    path, _ = _written(tmp_path, "chn255.mwf")
    data = path.read_bytes()
    at = data.index(b"\x05\x01\x08")      # MWF_CHN, 1 byte: 8, in the header before the first channel's MWF_ATT
    assert at < data.index(b"\x3f\x00")
    path.write_bytes(data[:at] + b"\x05\x01\xff" + data[at + 3:])
    with pytest.raises(RecordError, match=r"chn255\.mwf.*255 channels declared \(MWF_CHN\) but 8 defined"):
        load_record(path)


def test_mfer_whose_writer_stopped_early_still_opens_with_the_warning(tmp_path):
    path, counts = _written(tmp_path, "short.mwf")
    data = path.read_bytes()
    T = counts.shape[1]
    body = b"".join(counts[STANDARD_LEADS.index(lead), s * 1000:(s + 1) * 1000].astype("<i2").tobytes()
                    for s in range(T // 1000) for lead in MFER_CODES)
    wav = _tlv(0x1E, body)
    assert data.count(wav) == 1
    head = data[: data.index(wav)]
    path.write_bytes(head + _tlv(0x1E, body[:-3000]) + b"\x80\x00")
    rec = load_record(path)
    assert any("shorter than the frame definition" in w for w in rec.meta.get("reader_warnings", ()))
    v6 = STANDARD_LEADS.index("V6")
    # 3,000 bytes (1,500 samples) fewer: the last block's V6 and half of V5's missing, the rest LUDB's samples
    assert rec.signal[STANDARD_LEADS.index("V1"), 0] == pytest.approx(counts[STANDARD_LEADS.index("V1"), 0] / 1000)
    assert np.isnan(rec.signal[v6, -1])


def test_mfer_declaring_more_channels_with_data_long_enough_is_refused(tmp_path):
    """The same file (5 sequences of 2 s, 8 channels) made to declare 10 channels and 4 sequences: its 80,000 bytes
    of waveform data fill a frame of 10 channels, so no short-data warning, and it opened (4,000 samples, V1 read
    as V1's first block then other leads' samples; "Ch9, Ch10" not shown). Channels 9 and 10 have no definition,
    and nothing in the file gives them a block length: refused, naming the file, both counts and the channels."""
    path, counts = _written(tmp_path, "chn10.mwf")
    data = path.read_bytes()
    seq = data.index(b"\x06\x02" + struct.pack("<H", 5))         # MWF_SEQ, 2 bytes: 5
    data = data[:seq] + b"\x06\x02" + struct.pack("<H", 4) + data[seq + 4:]
    at = data.index(b"\x05\x01\x08")                              # MWF_CHN, 1 byte: 8
    path.write_bytes(data[:at] + b"\x05\x01\x0a" + data[at + 3:])
    with pytest.raises(RecordError, match=r"chn10\.mwf.*10 channels declared \(MWF_CHN\) but 8 defined \(MWF_ATT\), "
                                          r"and nothing in the file gives channels 9-10 a block length"):
        load_record(path)


def test_mfer_channel_defined_by_the_header_alone_still_opens(tmp_path):
    """A channel without a definition of its own takes the header's (ISO 22077-1: MWF_ATT overrides them per
    channel): 8 ECG channels with their own, and a 9th, a pressure at the header's block length and interval, none.
    It opens, the 8 leads LUDB 1's samples, the 9th not shown: the count is right, only the definitions are shared."""
    counts, fs = _ludb_counts()
    blk = int(fs * 2)
    n_seq = counts.shape[1] // blk
    head = _tlv(0x40, b"MFR Standard 12 leads ECG".ljust(32, b"\0")) + _tlv(0x01, b"\x01")
    head += _tlv(0x04, struct.pack("<I", blk)) + _tlv(0x0B, _scaled(1, -3, int(round(1000 / fs))))
    head += _tlv(0x0A, b"\x00") + _tlv(0x06, struct.pack("<H", n_seq)) + _tlv(0x05, bytes([9]))
    for k, code in enumerate(MFER_CODES.values()):
        attrs = _tlv(0x09, struct.pack("<H", code)) + _tlv(0x0C, _scaled(0, -6, 1))
        head += bytes([0x3F, k, len(attrs)]) + attrs
    pressure = (np.arange(counts.shape[1]) % 100).astype("<i2")
    body = b"".join(b"".join(counts[STANDARD_LEADS.index(lead), s * blk:(s + 1) * blk].astype("<i2").tobytes()
                             for lead in MFER_CODES) + pressure[s * blk:(s + 1) * blk].tobytes()
                    for s in range(n_seq))
    path = tmp_path / "shared.mwf"
    path.write_bytes(head + _tlv(0x1E, body) + b"\x80\x00")
    rec = load_record(path)
    assert rec.signal.shape[1] == counts.shape[1]
    for lead in MFER_CODES:
        k = STANDARD_LEADS.index(lead)
        np.testing.assert_allclose(rec.signal[k], counts[k] / 1000.0, atol=1e-6, err_msg=lead)
