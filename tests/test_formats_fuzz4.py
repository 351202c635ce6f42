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


IMPLICIT_DICOM = DATA / "ecgtoolkit-Example.dcm"      # implicit VR little endian: the VRs come from the dictionary


def _dicom_edit(tmp_path: Path, change) -> Path:
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(IMPLICIT_DICOM)
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    change(ds.WaveformSequence[0])
    path = tmp_path / "edited.dcm"
    ds.save_as(path, enforce_file_format=False)
    return path


def test_dicom_cut_inside_its_waveform_sequence_says_it_is_cut_short(tmp_path):
    """ecgtoolkit-Example.dcm cut 1 byte into the item tag at byte 3916 (a channel definition's): the check's own read passes
    (it stops at the SOP class) and the full read's pydicom OSError was said as '...: no tag to read at file
    position 65', where the same fault in the check's read says 'the file cannot be parsed (...): it is damaged or
    cut short'."""
    data = IMPLICIT_DICOM.read_bytes()
    at = data.index(b"\xfe\xff\x00\xe0", 3900)
    assert at == 3916
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[:at + 1])
    with pytest.raises(RecordError) as err:
        load_record(path)
    # since the refusal of a DICOM cut inside an element says where (test_formats_leftovers3), that too
    assert str(err.value) == (f"{path}: read as DICOM ECG waveform: the file is cut short: it ends inside element "
                              "(5400,0100), whose 139,576 bytes from byte 3,816 hold 101 in the file"), err.value


def test_dicom_element_of_a_length_its_vr_does_not_allow_says_so_without_pydicoms_advice(tmp_path):
    """Number of Waveform Samples (003A,0010, UL: 4 bytes) written as 2 bytes in the implicit-VR sample: the message
    was pydicom's, ending 'To replace this error with a warning set pydicom.config.convert_wrong_length_to_UN =
    True.'; it now names the element and says the file is damaged."""
    path = _dicom_edit(tmp_path, lambda wf: wf.add_new((0x003A, 0x0010), "SS", -1))
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert "(003A,0010)" in msg and "damaged" in msg and "pydicom" not in msg, msg


def test_dicom_count_that_is_two_numbers_is_said_without_pythons_words(tmp_path):
    """Number of Waveform Channels (003A,0005, US) written as 4 bytes in the implicit-VR sample reads as two numbers:
    the message ended in Python's "int() argument must be a string, a bytes-like object or a real number, not
    'list'"; it now says the value is a list, not one whole number."""
    path = _dicom_edit(tmp_path, lambda wf: wf.add_new((0x003A, 0x0005), "UL", 2 ** 31))
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert "int()" not in msg and "its value is a list, not one whole number" in msg, msg


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
@pytest.mark.parametrize("name, make, says", [
    ("pipe.xml", "fifo", "a named pipe (FIFO), not a regular file"),
    ("pipe.hea", "fifo", "a named pipe (FIFO), not a regular file"),
    ("zero.scp", "dev-zero", "a character device, not a regular file"),
])
def test_a_pipe_or_device_in_a_records_place_says_what_it_is(tmp_path, name, make, says):
    """A named pipe, or a link to /dev/zero, under an ECG's name exists (a folder listing shows it) but was refused
    as 'record not found (no such file and no .hea for it)' ('header file not found' for a .hea): now the message
    says what it is, and nothing is opened (opening the pipe would block until a writer came)."""
    import os
    import time

    path = tmp_path / name
    if make == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    t0 = time.perf_counter()
    with pytest.raises(RecordError) as err:
        load_record(path)
    assert time.perf_counter() - t0 < 2
    assert str(err.value) == f"{path}: {says}"
