"""A file cut short says so where its length is said: the PDF's caption under the sheet on page 1, the app's status
bar and folder row ("47.8 s (file cut short)"), so that the length read is not taken for the recording's. A walk of a
folder with half of the bundled ISHNE Holter (ECG_P28.01.ecg: 95.573 s declared) found page 1 saying "first 10.0 s
of 47.8 s" and the cut only on page 3's quality lines. Truth: the ISHNE header's own fields, read here with struct
(ISHNE 1.0: the samples a lead at byte 14, the ECG block's offset at 22, the leads at 156)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from mirage_model.records import load_record
from mirage_model.review.file_info import cut_short, length_read

ISHNE = Path(__file__).parent / "data" / "formats" / "ECG_P28.01.ecg"


@pytest.fixture
def halves(tmp_path):
    data = ISHNE.read_bytes()
    declared, offset, leads = struct.unpack_from("<i", data, 14)[0], struct.unpack_from("<i", data, 22)[0], \
        struct.unpack_from("<h", data, 156)[0]
    cut = tmp_path / "cut.ecg"
    cut.write_bytes(data[:len(data) // 2])
    held = (len(data) // 2 - offset) // (2 * leads)        # whole frames of the cut copy
    return {"whole": ISHNE, "cut": cut, "declared": declared, "held": held}


def test_a_cut_file_says_so_beside_its_length(halves):
    whole, cut = load_record(halves["whole"]), load_record(halves["cut"])
    assert whole.signal.shape[1] == halves["declared"] and not cut_short(whole.meta)
    assert cut.signal.shape[1] == halves["held"] < halves["declared"] and cut_short(cut.meta)
    seconds = halves["held"] / cut.fs
    assert length_read(cut.duration_s, None, cut_short(cut.meta)) == f"{seconds:.1f} s (file cut short)"
    assert length_read(whole.duration_s, None, cut_short(whole.meta)) == f"{halves['declared'] / whole.fs:.1f} s"


def test_page_1_says_the_file_was_cut(halves, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from training_cli.main import main

    pages = {}
    for key in ("whole", "cut"):
        out = tmp_path / f"{key}.pdf"
        assert main(["report", str(halves[key]), "--no-model", "--no-measure", "--no-explain", "--out", str(out)]) == 0
        pages[key] = " ".join((pypdf.PdfReader(str(out)).pages[0].extract_text() or "").split())
    assert f"{halves['held'] / 1000.0:.1f} s (file cut short)" in pages["cut"]
    assert "cut short" not in pages["whole"] and f"{halves['declared'] / 1000.0:.1f} s" in pages["whole"]
