"""A WFDB header saved as UTF-16 with its byte order mark (Windows Notepad's "Unicode") is text: it is read as the
same header in UTF-8 is. It had been refused as "not a WFDB header (binary content, not text)". Truth: wfdb's
reading of the unmodified PTB-XL sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model.records import RecordError, load_record

PTBXL = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_header_is_read_as_its_utf8_twin(tmp_path, encoding):
    shutil.copy(PTBXL.with_suffix(".dat"), tmp_path / "00417_lr.dat")
    text = PTBXL.with_suffix(".hea").read_text()
    raw = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
    (tmp_path / "00417_lr.hea").write_bytes(raw)
    rec = load_record(tmp_path / "00417_lr.hea")
    np.testing.assert_allclose(rec.signal, wfdb.rdrecord(str(PTBXL)).p_signal.T, atol=1e-6)


def test_a_file_that_opens_as_utf16_but_is_not_is_refused_saying_so(tmp_path):
    (tmp_path / "bad.hea").write_bytes(b"\xff\xfe" + b"b\x00a\x00d\x00" + b"\x00\xd8")   # a lone surrogate, cut short
    with pytest.raises(RecordError, match="opens as UTF-16 text but does not decode as it"):
        load_record(tmp_path / "bad.hea")
