"""Very long recordings (docs/long_records.md): an ISHNE Holter holding more than ``limits.MAX_SAMPLES``
samples a lead is read in part, its first MAX_SAMPLES samples and nothing after them, and says so; a
record of another format that long is refused, the message naming the file, its length and what to do.
The limit is lowered here (``ishne.MAX_SAMPLES``) so that a file of a few MB stands for a 24 h Holter."""

from __future__ import annotations

import binascii
import re
import resource
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import RecordError, load_record

pytest.importorskip("ecgdatakit")

ISHNE = Path(__file__).parent / "data" / "formats" / "ECG_P28.01.ecg"   # 12 leads, 1000 Hz, 95.6 s, 5 uV a count


def _decoded_mv(path: Path, n: int) -> np.ndarray:
    """The first ``n`` samples a lead of an ISHNE 1.0 file in mV, (12, n), from the standard's layout
    (Badilini 1998: leads at byte 156, nV per count at 206, int16 frames from the offset at byte 22)."""
    head = path.read_bytes()[:522]
    (leads,) = struct.unpack_from("<h", head, 156)
    nv = np.asarray(struct.unpack_from("<12h", head, 206)[:leads], dtype=np.float64)
    (offset,) = struct.unpack_from("<i", head, 22)
    raw = np.fromfile(path, dtype="<i2", count=n * leads, offset=offset).reshape(n, leads)
    return (raw * nv / 1e6).T


def _holter(tmp_path: Path, n: int) -> Path:
    """The shipped ISHNE file made to hold ``n`` samples a lead: its header's ECG size set to ``n``
    (the CRC written again, so the header is whole), its samples followed by zeros to ``n`` frames (a
    sparse file: 2 GB of a 24 h Holter cost no disk)."""
    data = bytearray(ISHNE.read_bytes())
    (offset,) = struct.unpack_from("<i", data, 22)
    (leads,) = struct.unpack_from("<h", data, 156)
    struct.pack_into("<i", data, 14, n)
    struct.pack_into("<H", data, 8, binascii.crc_hqx(bytes(data[10:offset]), 0xFFFF))
    path = tmp_path / "holter.ecg"
    with open(path, "wb") as f:
        f.write(bytes(data))
        f.truncate(offset + n * leads * 2)
    return path


def test_an_ishne_holter_longer_than_the_limit_is_read_in_part_and_says_so(monkeypatch):
    """It was refused whole ("at most 9,000,000 are read"): nothing of a 24 h Holter could be seen. Its
    first MAX_SAMPLES samples a lead are now read, the samples the file holds there, and the record,
    its quality findings and a note say that only that part was read."""
    from mirage_model.formats import ishne
    from mirage_model.quality import assess

    monkeypatch.setattr(ishne, "MAX_SAMPLES", 30_000)                      # 30 s of the file's 95.6 s
    rec = load_record(ISHNE)
    assert rec.signal.shape == (12, 30_000) and rec.fs == 1000
    np.testing.assert_allclose(rec.signal, _decoded_mv(ISHNE, 30_000), atol=1e-6)
    note = rec.meta["read_part_note"]
    assert note.startswith("only the first 30 s of the 96 s recording read (30,000 of 95,573 samples a lead")
    assert "declared_length_note" not in rec.meta            # not a file cut short: the rest was left unread
    finding = next(f for f in assess(rec).findings if f.code == "read_in_part")
    assert finding.severity == "warning" and finding.name == "only the first 30 s of the 96 s recording read"


def test_a_24_hour_holter_is_read_without_reading_the_rest(tmp_path, monkeypatch):
    """A 24 h 12-lead Holter at 1000 Hz (86.4 million samples a lead, 2 GB, here a sparse file): the
    part read costs what a file of that length costs, whatever follows it (the decoder read the whole
    ECG block, float64 copies and all)."""
    from mirage_model.formats import ishne

    monkeypatch.setattr(ishne, "MAX_SAMPLES", 60_000)
    path = _holter(tmp_path, 86_400_000)
    rss0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter()
    rec = load_record(path)
    assert time.perf_counter() - t0 < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss0 < 200
    assert rec.signal.shape == (12, 60_000)
    np.testing.assert_allclose(rec.signal, _decoded_mv(path, 60_000), atol=1e-6)
    assert rec.meta["read_part_note"].startswith(
        "only the first 60 s of the 24.0 h recording read (60,000 of 86,400,000 samples a lead at 1000 Hz")


def _refused(path: Path) -> str:
    with pytest.raises(RecordError) as info:
        load_record(path)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    return msg


def test_a_wfdb_record_longer_than_the_limit_is_refused_saying_what_to_do(tmp_path):
    """6 h at 500 Hz (10.8 million samples a lead; at most 9 million are read): refused before a sample
    is read, as before, and now with what to do."""
    lines = ["long 12 500 10800000"] + [f"long.dat 16 1000(0)/mV 16 0 0 0 0 {lead}" for lead in
                                        ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")]
    (tmp_path / "long.hea").write_text("\n".join(lines) + "\n")
    msg = _refused(tmp_path / "long.hea")
    assert re.search(r"record too long: 10,800,000 samples per lead \(6 h at 500 Hz\); at most 9,000,000 are read "
                     r".*: export the stretch to review as a file of its own \(at most 5\.00 h at 500 Hz\), or the "
                     r"recording at 100 Hz \(up to 25\.0 h\)$", msg), msg


def test_an_edf_file_longer_than_the_limit_is_refused_naming_its_length_and_what_to_do(tmp_path):
    """An EDF+ file of 6 h at 500 Hz: the message gave the samples alone ("holds 10,800,000 samples a
    signal"), not the length a user knows, nor what to do."""
    from mirage_model.formats.write import write_record
    from mirage_model.records import EcgRecord

    rec = EcgRecord(signal=np.zeros((12, 5000), np.float32) + np.sin(np.arange(5000) / 50, dtype=np.float32),
                    fs=500.0, record_id="long")
    path = write_record(rec, tmp_path, "edf")
    data = bytearray(path.read_bytes())
    header = int(data[184:192].decode().strip())
    per_record = (len(data) - header) // int(data[236:244].decode().strip())
    duration = float(data[244:252].decode().strip())
    n_records = round(6 * 3600 / duration)
    data[236:244] = str(n_records).ljust(8).encode()
    with open(path, "wb") as f:
        f.write(bytes(data))
        f.truncate(header + per_record * n_records)
    msg = _refused(path)
    assert msg.endswith("the file holds 10,800,000 samples a signal (6 h at 500 Hz); at most 9,000,000 are read: "
                        "export the stretch to review as a file of its own (at most 5.00 h at 500 Hz), or the "
                        "recording at 100 Hz (up to 25.0 h)"), msg


def test_a_dicom_waveform_longer_than_the_limit_is_refused_before_its_samples_are_decoded(monkeypatch):
    """A DICOM ECG whose rhythm group declares more than MAX_SAMPLES samples a channel was decoded whole,
    then refused (a 221 MB file of 2.6 h at 1000 Hz: 7.1 s and 1.9 GB); its declared count is now read with
    the samples left on disk and the file refused first, naming its length and what to do. The limit is
    lowered below the shipped file's 10,000 samples; the decoder must not be reached."""
    from mirage_model.formats import dicom, vendor

    monkeypatch.setattr(dicom, "MAX_SAMPLES", 5_000)
    monkeypatch.setitem(vendor._ADAPT_PARSER, "dicom-ecg", lambda parser: pytest.fail("the file went to its parser"))
    path = Path(__file__).parent / "data" / "formats" / "waveform_ecg.dcm"     # 12 leads, 10 s at 1000 Hz
    msg = _refused(path)
    assert msg.endswith("read as DICOM ECG waveform: its RHYTHM group holds 10,000 samples a channel (10 s at "
                        "1000 Hz); at most 5,000 are read: export the stretch to review as a file of its own "
                        "(at most 5 s at 1000 Hz), or the recording at 100 Hz (up to 25.0 h)"), msg


def test_a_holter_read_in_part_and_saved_as_wfdb_still_says_so(tmp_path, monkeypatch):
    """The WFDB file written of a Holter read in part holds that part alone: reopened, it must say that
    it is the first part of a longer recording, as its source did (``metadata.CARRIED_META``)."""
    from mirage_model.formats import ishne
    from mirage_model.formats.write import write_record
    from mirage_model.quality import assess

    monkeypatch.setattr(ishne, "MAX_SAMPLES", 30_000)
    again = load_record(write_record(load_record(ISHNE), tmp_path, "wfdb", name="part"))
    assert again.signal.shape == (12, 30_000)
    assert "only the first 30 s of the 96 s recording read" in again.meta["read_part_note"]
    assert "read_in_part" in {f.code for f in assess(again).findings}


def test_a_long_ishne_file_is_read_within_a_bounded_memory(tmp_path):
    """Reading cost about 38 bytes a sample (ecgdatakit's float64 leads, their float64 copies in mV, a float64
    row and three copies of the record in the calibration check, beside the float32 record): a 2.5 h 12-lead
    Holter at 1000 Hz, 216 MB of int16, peaked at 3.4 GB. The counts are now scaled lead by lead and the record
    checked in stretches: under 10 times the samples' 2 bytes (and a fixed 64 MB), the same values (the
    standard's own decoding)."""
    import tracemalloc

    data = bytearray(ISHNE.read_bytes())
    (offset,) = struct.unpack_from("<i", data, 22)
    (leads,) = struct.unpack_from("<h", data, 156)
    frames = np.frombuffer(bytes(data[offset:]), dtype="<i2")
    frames = frames[: frames.size // leads * leads]
    n = 6 * (frames.size // leads)                              # the shipped 95.6 s six times: 9.6 min
    struct.pack_into("<i", data, 14, n)
    struct.pack_into("<H", data, 8, binascii.crc_hqx(bytes(data[10:offset]), 0xFFFF))
    path = tmp_path / "long.ecg"
    path.write_bytes(bytes(data[:offset]) + np.tile(frames, 6).tobytes())
    raw_bytes = n * leads * 2

    tracemalloc.start()
    try:
        rec = load_record(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rec.signal.shape == (12, n)
    np.testing.assert_array_equal(rec.signal, _decoded_mv(path, n).astype(np.float32))
    # 10 times the file's samples (their int16, the float64 mV each lead is scaled to, the float32 record), and
    # the amplitude check's float64 sample of ~200,000 samples a lead, whatever the length (limits.lead_deviations_mv)
    assert peak < 10 * raw_bytes + (64 << 20), f"peak {peak / 2**20:.0f} MB for {raw_bytes / 2**20:.0f} MB of samples"
