"""A file of no ECG format says what it is where its first bytes tell: a PNG renamed .xml, an ECG's PDF printout, a
zipped or gzip-compressed export had each been "not an ECG file MIRAGE recognises" and no more, leaving the user to
guess why."""

from __future__ import annotations

import gzip
import zipfile

import pytest

from mirage_model.records import RecordError, load_record

MUSE = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<RestingECG></RestingECG>\n'


def _zip(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("ecg.xml", MUSE)


@pytest.mark.parametrize("name,write,kind", [
    ("scan.xml", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40)), "it is a PNG image"),
    ("photo.xml", lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(40)), "it is a JPEG image"),
    ("printout.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(40)), "it is a PDF document"),
    ("export.xml", lambda p: p.write_bytes(gzip.compress(MUSE)), "it is a gzip-compressed file: decompress it"),
    ("export.zip", _zip, "it is a ZIP archive (or an Office document): extract the ECG files in it"),
])
def test_a_file_of_another_kind_is_named_as_it(tmp_path, name, write, kind):
    write(tmp_path / name)
    with pytest.raises(RecordError) as err:
        load_record(tmp_path / name)
    assert f"not an ECG file MIRAGE recognises: {kind}" in str(err.value)
    assert "its content matches none of: WFDB" in str(err.value)


def test_text_of_no_format_says_no_kind(tmp_path):
    (tmp_path / "notes.xml").write_bytes(b"just some words\n")
    with pytest.raises(RecordError) as err:
        load_record(tmp_path / "notes.xml")
    assert "recognises (its content matches none of: WFDB" in str(err.value)
