"""An MFER file that declares more channels (MWF_CHN) than it defines (MWF_ATT), with waveform data shorter than a
frame of that many channels, is refused, naming the file and both counts: its frame's data is laid out channel after
channel block by block, so a wrong count reads the samples into the wrong leads after the first block (the mutation
harness' 8-lead file made to declare 255 channels opened with every lead misaligned after sample 1000, a reader
warning alone saying so). A file whose writer stopped early (every channel defined, the data short) still opens,
its missing samples NaN, with the warning, as before.

Truth: files written here from LUDB 1 (``write_mfer``), the count byte set to 255 by hand; the short file's waveform
element rebuilt by hand with 3,000 bytes fewer.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_formats_holter_mfer import MFER_CODES, _ludb_counts, _tlv, write_mfer

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
