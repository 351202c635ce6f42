"""Very long recordings (docs/long_records.md): an ISHNE, EDF/EDF+ or WFDB Holter holding more than
``limits.MAX_SAMPLES`` samples a lead is read in part, its first MAX_SAMPLES samples and nothing after them,
and says so; a record of another format that long is refused, the message naming the file, its length and
what to do. The limit is lowered here (``ishne.MAX_SAMPLES``, ``edf_records.MAX_SAMPLES``, ``wfdb_header.MAX_SAMPLES``)
so that a file of a few MB stands for a 24 h Holter."""

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


def _refused(path: Path, opened: Path | None = None) -> str:
    """The message of the RecordError that opening ``opened`` (``path`` when None) raises, naming ``path``."""
    with pytest.raises(RecordError) as info:
        load_record(opened or path)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    return msg


LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


def _wfdb_holter(tmp_path: Path, declared: int, held: int, first: int = 60_000, seed: int = 3,
                 whole: bool = False) -> tuple[Path, np.ndarray]:
    """A 12-lead format-16 WFDB record whose header declares ``declared`` samples a lead (1000 units a mV), its
    signal file holding ``held`` frames: ``first`` frames of a sine and noise, then zeros (a sparse file: a 24 h
    Holter costs no disk). Each signal's checksum is that of its first 1000 samples plus one: a part read
    whose checksums were checked against the samples read would be refused (``whole``: the checksums of all
    ``first`` frames, a file read whole). Returns the header and the first
    ``first`` frames' values in mV, (12, first), from the digital samples written (the truth). 500 Hz."""
    rng, fs = np.random.default_rng(seed), 500
    t = np.arange(first)[:, None] / fs
    digital = np.round(800 * np.sin(2 * np.pi * 1.1 * t + np.arange(12)) + rng.normal(0, 30, (first, 12)))
    digital = digital.astype("<i2")
    sums = digital.astype(np.int64).sum(axis=0) if whole else digital[:1000].astype(np.int64).sum(axis=0) + 1
    checks = sums % 65536
    lines = [f"holter 12 {fs} {declared}"] + [f"holter.dat 16 1000(0)/mV 16 0 {digital[0, k]} {checks[k]} 0 {lead}"
                                             for k, lead in enumerate(LEADS)]
    (tmp_path / "holter.hea").write_text("\n".join(lines) + "\n")
    with open(tmp_path / "holter.dat", "wb") as f:
        f.write(digital.tobytes())
        f.truncate(held * 12 * 2)
    return tmp_path / "holter.hea", digital.T.astype(np.float64) / 1000


def test_a_24_hour_wfdb_holter_is_read_in_part_as_an_ishne_one(tmp_path, monkeypatch):
    """A 24 h 12-lead WFDB Holter at 500 Hz (43.2 million samples a lead, 1 GB, here a sparse file) was refused
    ("record too long"): nothing of it could be seen. Its first MAX_SAMPLES samples a lead are now read, nothing
    after them, in the time and memory of a file of that length, and it says so in ISHNE's words. Its checksums
    are of all its samples: not checked against a part (they would fail)."""
    from mirage_model.quality import assess
    from mirage_model.records import wfdb_header

    monkeypatch.setattr(wfdb_header, "MAX_SAMPLES", 30_000)                   # 60 s of 24 h
    hea, truth = _wfdb_holter(tmp_path, 43_200_000, 43_200_000)
    rss0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter()
    rec = load_record(hea)
    assert time.perf_counter() - t0 < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss0 < 200
    assert rec.signal.shape == (12, 30_000) and rec.fs == 500
    np.testing.assert_allclose(rec.signal, truth[:, :30_000], atol=1e-6)
    assert rec.meta["read_part_note"].startswith(
        "only the first 60 s of the 24.0 h recording read (30,000 of 43,200,000 samples a lead at 500 Hz; at most "
        "30,000 are read)")
    assert rec.meta["recording_s"] == 86_400
    codes = {f.code for f in assess(rec).findings}
    assert "read_in_part" in codes and "file_checksum" not in codes and "file_truncated" not in codes


def test_a_wfdb_holter_damaged_within_or_after_the_part_read_is_said_plainly(tmp_path, monkeypatch):
    """A signal file cut short within the part read is refused, naming both lengths; one cut short after it
    (20 h of the 24 h its header declares) is read in part, as what it holds, and says it is cut short."""
    from mirage_model.quality import assess
    from mirage_model.records import wfdb_header

    monkeypatch.setattr(wfdb_header, "MAX_SAMPLES", 30_000)
    hea, _ = _wfdb_holter(tmp_path, 43_200_000, 10_000, first=10_000)
    msg = _refused(hea.with_suffix(".dat"), hea)
    assert msg.endswith("signal file is truncated (expected 43,200,000 samples per lead, found 10,000; the first "
                        "30,000 are read of a record this long, and the file ends within them)"), msg

    hea, truth = _wfdb_holter(tmp_path, 43_200_000, 36_000_000)
    rec = load_record(hea)
    np.testing.assert_allclose(rec.signal, truth[:, :30_000], atol=1e-6)
    assert rec.meta["read_part_note"].startswith("only the first 60 s of the 20.0 h recording read (30,000 of "
                                                 "36,000,000 samples a lead")
    assert rec.meta["declared_length_note"].startswith("the signal file holds 20.00 h of the 24.00 h its header "
                                                       "declares (36,000,000 of 43,200,000 samples a lead)")
    assert rec.meta["recording_s"] == 72_000
    assert {"read_in_part", "file_truncated"} <= {f.code for f in assess(rec).findings}


def test_a_long_multi_segment_wfdb_record_is_read_to_the_limit_and_no_further(tmp_path, monkeypatch):
    """A multi-segment record (MIMIC's long recordings) of three 40 s segments, the limit within the second: the
    first segment whole and the second's start are read; the third's header is missing (damaged after the part)
    and is not opened."""
    from mirage_model.records import wfdb_header

    monkeypatch.setattr(wfdb_header, "MAX_SAMPLES", 30_000)
    truths = []
    for k in (1, 2):
        folder = tmp_path / f"s{k}"
        folder.mkdir()
        hea, truth = _wfdb_holter(folder, 20_000, 20_000, first=20_000, seed=k, whole=True)
        for suffix in (".hea", ".dat"):
            data = hea.with_suffix(suffix).read_bytes()
            if suffix == ".hea":
                data = data.replace(b"holter", f"seg{k}".encode())
            (tmp_path / f"seg{k}{suffix}").write_bytes(data)
        truths.append(truth)
    lines = ["long/3 12 500 60000", "seg1 20000", "seg2 20000", "seg3 20000"]
    (tmp_path / "long.hea").write_text("\n".join(lines) + "\n")
    rec = load_record(tmp_path / "long.hea")
    assert rec.signal.shape == (12, 30_000)
    np.testing.assert_allclose(rec.signal[:, :20_000], truths[0], atol=1e-6)
    np.testing.assert_allclose(rec.signal[:, 20_000:], truths[1][:, :10_000], atol=1e-6)
    assert rec.meta["read_part_note"].startswith("only the first 60 s of the 2.0 min recording read (30,000 of 60,000")


def _edf_holter(tmp_path: Path, declared: int, held: int, first: int = 60) -> tuple[Path, np.ndarray]:
    """An EDF+ file of 12 leads at 500 Hz whose header declares ``declared`` data records of 1 s, holding
    ``held``: MIRAGE's writer's 10 s of a sine, its data records repeated to ``first`` of them, then zeros (a
    sparse file). Returns the file and the first ``first`` seconds' values in mV (12, first * 500): the written
    record's own samples, repeated."""
    from mirage_model.formats.write import write_record
    from mirage_model.records import EcgRecord

    t = np.arange(5000) / 500
    signal = (np.sin(2 * np.pi * 1.1 * t + np.arange(12)[:, None]) * 0.8).astype(np.float32)
    path = write_record(EcgRecord(signal=signal, fs=500.0, record_id="holter"), tmp_path, "edf")
    data = bytearray(path.read_bytes())
    header = int(data[184:192].decode().strip())
    records = int(data[236:244].decode().strip())
    assert records == 10 and float(data[244:252].decode().strip()) == 1.0
    data[236:244] = str(declared).ljust(8).encode()
    with open(path, "wb") as f:
        f.write(bytes(data[:header]) + bytes(data[header:]) * (first // 10))
        f.truncate(header + (len(data) - header) // records * held)
    return path, np.tile(signal.astype(np.float64), first // 10)


def test_a_24_hour_edf_holter_is_read_in_part_as_an_ishne_one(tmp_path, monkeypatch):
    """A 24 h 12-lead EDF+ Holter at 500 Hz (86,400 data records of 1 s, 1 GB, a sparse file) was refused ("the
    file holds 43,200,000 samples a signal"); its first data records up to MAX_SAMPLES samples a signal are now
    read, nothing after them (edfio is given those bytes alone), and it says so in ISHNE's words."""
    from mirage_model.formats import edf_records
    from mirage_model.quality import assess

    monkeypatch.setattr(edf_records, "MAX_SAMPLES", 30_000)
    path, truth = _edf_holter(tmp_path, 86_400, 86_400)
    rss0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter()
    rec = load_record(path)
    assert time.perf_counter() - t0 < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss0 < 200
    assert rec.signal.shape == (12, 30_000)
    np.testing.assert_allclose(rec.signal, truth, atol=2 * 0.8 * 1.001 * 2 / 65535)     # one step of 16 bits
    assert rec.meta["read_part_note"].startswith(
        "only the first 60 s of the 24.0 h recording read (30,000 of 43,200,000 samples a lead at 500 Hz; at most "
        "30,000 are read)")
    assert rec.meta["recording_s"] == 86_400
    codes = {f.code for f in assess(rec).findings}
    assert "read_in_part" in codes and "file_truncated" not in codes


def test_an_edf_holter_damaged_within_or_after_the_part_read_is_said_plainly(tmp_path, monkeypatch):
    """EDF data records are fixed in size: a file holding fewer than its header declares was refused whole.
    Cut short within the part read, it still is, saying so; cut short after it (20 h of 24 h), its part is read
    and it says that the file is cut short."""
    from mirage_model.formats import edf_records
    from mirage_model.quality import assess

    monkeypatch.setattr(edf_records, "MAX_SAMPLES", 30_000)
    path, _ = _edf_holter(tmp_path, 86_400, 30, first=30)
    msg = _refused(path)
    assert re.search(r"the file is cut short \(\d+ bytes; its header describes 86400 data records, \d+ bytes; it "
                     r"holds 30, fewer than the first 60 read of a file this long\)$", msg), msg

    (tmp_path / "after").mkdir()
    path, truth = _edf_holter(tmp_path / "after", 86_400, 72_000)
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal, truth, atol=2 * 0.8 * 1.001 * 2 / 65535)
    assert rec.meta["read_part_note"].startswith("only the first 60 s of the 20.0 h recording read (30,000 of "
                                                 "36,000,000 samples a lead")
    assert rec.meta["declared_length_note"].startswith("the file holds 20.00 h of the 24.00 h its header declares "
                                                       "(72,000 of 86,400 data records)")
    assert {"read_in_part", "file_truncated"} <= {f.code for f in assess(rec).findings}


def test_an_edf_plus_file_at_the_limit_is_read_whole_its_annotations_not_counted_as_samples(tmp_path, monkeypatch):
    """An EDF+ file of 12 leads holding exactly MAX_SAMPLES samples a lead (5 h at 500 Hz as MIRAGE writes it)
    was refused: its annotation signal's bytes counted as samples beyond 12 times the limit ("the file holds
    110,070,000 samples in all; at most 108,000,000 are read"). The annotations are not decoded as samples:
    it is read whole (the limit lowered to the 5,000 samples a lead of the 10 s written here)."""
    from mirage_model.formats import edf_records

    path, truth = _edf_holter(tmp_path, 10, 10, first=10)
    monkeypatch.setattr(edf_records, "MAX_SAMPLES", 5_000)
    rec = load_record(path)
    assert rec.signal.shape == (12, 5_000) and "read_part_note" not in rec.meta
    np.testing.assert_allclose(rec.signal, truth, atol=2 * 0.8 * 1.001 * 2 / 65535)


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


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_a_part_read_holter_converted_keeps_its_whole_length(tmp_path, monkeypatch, fmt):
    """``mirage convert`` of a Holter read in part wrote its part, and its note, but not the whole recording's
    length (``meta["recording_s"]``: the carried meta held strings only): reopened, the status bar said "30.0 s",
    the PDF "of 30.0 s", as if that were the recording. The number is carried now, and both say "of 96 s read".
    Truth: the shipped file's samples a lead (its size past the header's ECG offset, 12 leads of 16 bits) at
    the header's 1000 Hz."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.formats import ishne
    from mirage_model.review.file_info import length_read
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession
    from training_cli.main import main

    monkeypatch.setattr(ishne, "MAX_SAMPLES", 30_000)
    head = ISHNE.read_bytes()[:512]
    (offset,) = struct.unpack_from("<i", head, 22)
    whole_s = (ISHNE.stat().st_size - offset) // (12 * 2) / 1000                  # 95.573 s
    out = tmp_path / "out"
    assert main(["convert", str(ISHNE), "--to", fmt, str(out)]) == 0
    (written,) = [p for p in out.iterdir() if p.suffix in (".hea", ".edf")]
    again = load_record(written)
    assert again.signal.shape == (12, 30_000)
    assert again.meta["recording_s"] == pytest.approx(whole_s, abs=1e-9)
    assert length_read(again.duration_s, again.meta["recording_s"]) == "30.0 s of 96 s read"    # the status bar
    assert "only the first 30 s of the 96 s recording read" in again.meta["read_part_note"]
    pdf = build_report(ReviewSession.from_results(again, file_values=False), tmp_path / "r.pdf")
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(str(pdf)).pages)
    assert "shown: first 10.0 s (30.0 s of 96 s read)" in text, text


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


def test_a_part_read_in_hours_is_said_in_hours():
    """The status bar, folder panel and PDF caption said a 2.5 h part as "9000.0 s of 24.0 h read" (and the caption
    "shown: first 10.0 s of 9000.0 s of 24.0 h read"), where the record's read_in_part warning says "the first 2.50 h
    of the 24.0 h recording": the part is now worded as the warning words it. A whole record keeps its seconds."""
    from mirage_model.review.file_info import length_read, part_read

    assert length_read(9000.0, 24 * 3600.0) == "2.50 h of 24.0 h read"
    assert length_read(18000.0, 24 * 3600.0) == "5.00 h of 24.0 h read"
    assert length_read(10.0, 24 * 3600.0) == "10.0 s of 24.0 h read"
    assert length_read(600.0, 3000.0) == "10.0 min of 50.0 min read"
    assert length_read(9000.0) == "9000.0 s" and length_read(9000.0, 9000.0) == "9000.0 s"
    assert part_read(10.0, 96.0) and not part_read(10.0, None) and not part_read(10.0, float("nan"))
