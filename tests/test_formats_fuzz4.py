"""Hostile clinical files, fourth round: what ``scripts/fuzz_structural.py`` (structural mutants of every sample:
cuts at each tag, element or section, elements dropped or doubled, other encodings, entity expansion, DICOM, SCP-ECG,
EDF and WFDB structure damaged) found neither opening sanely nor refused with a message naming the file and the
problem. Each case is a small edit of a bundled sample made here; the truth it checks is the edit.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import RecordError, load_record

pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"
PHILIPS = DATA / "129DYPRG.XML"


def test_philips_without_its_waveforms_element_says_the_element_is_missing(tmp_path):
    """129DYPRG.XML with <waveforms> (which holds <parsedwaveforms>) dropped was refused as "...: parsedwaveforms",
    the element's name alone (ecgdatakit's MissingElementError): now the message says the element is missing."""
    text = PHILIPS.read_text(encoding="utf-8")
    cut = re.sub(r"<waveforms>.*</waveforms>", "", text, flags=re.S)
    assert cut != text
    path = tmp_path / "no_waveforms.xml"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "<parsedwaveforms>" in msg and "missing" in msg, msg


ISHNE = DATA / "ECG_P28.01.ecg"       # 12 leads, 95,573 samples a lead declared and held


@pytest.mark.parametrize("extra", ["garbage", "twice"])
def test_ishne_bytes_after_the_declared_samples_are_not_read_as_ecg(tmp_path, extra):
    """ECG_P28.01.ecg with 16 KB of bytes 0-255 appended, or written twice over: the bytes after the header's
    95,573 samples a lead (ECG size, byte 14) were read as 682 (or 95,594) more samples of every lead, the garbage as
    -80 mV, with ecgdatakit's "incomplete final frame ... may be truncated" alone. Now the declared samples are read
    (the last ones the original's) and a reader note says how many bytes follow them."""
    import struct

    data = ISHNE.read_bytes()
    declared = struct.unpack_from("<i", data, 14)[0]
    assert declared == (len(data) - 522) // 24 == 95573
    tail = bytes(range(256)) * 64 if extra == "garbage" else data
    path = tmp_path / "extra.ecg"
    path.write_bytes(data + tail)
    rec = load_record(path)
    assert rec.signal.shape[1] == declared
    last = np.frombuffer(data[-24:], "<i2")          # the original's last frame, in counts
    ref = load_record(ISHNE)
    assert np.allclose(rec.signal[:, -1], ref.signal[:, -1], equal_nan=True) and last.any()
    said = " ".join(rec.meta.get("reader_warnings", ()))
    assert f"{len(tail):,} bytes follow the 95,573 samples a lead" in said, said
