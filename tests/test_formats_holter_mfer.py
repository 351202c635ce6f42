"""ISHNE on a real Holter file and MFER from the standard's layout, through load_record, against
independent truth: the file's own bytes decoded here from the published layouts (ISHNE: Badilini
et al., ANE 1998; MFER: ISO 22077-1 tag/length/value encoding), and Einthoven's law.

The real MFER file we could check (a Nihon Kohden bedside monitor's export, two ECG leads beside
blood pressures) carries no licence, so it is not in the repository; the refusal of such a file
(two ECG leads cannot make a 12-lead record) is tested here on a file with the same structure.
"""

from __future__ import annotations

import binascii
import struct
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"
LUDB = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"


def ishne_decode(path: Path) -> dict:
    """The ISHNE 1.0 header and samples, read with struct and numpy from the published layout."""
    b = path.read_bytes()
    h = b[10:522]
    _, n, _, ecg_offset, _ = struct.unpack("<iiiih", h[:18])
    leads = struct.unpack("<h", h[146:148])[0]
    return {
        "crc_ok": struct.unpack("<H", b[8:10])[0] == binascii.crc_hqx(h, 0xFFFF),
        "id": h[98:118].rstrip(b"\0").decode(),
        "names": (h[18:58].rstrip(b"\0").decode(), h[58:98].rstrip(b"\0").decode()),
        "record_date": struct.unpack("<3h", h[128:134]), "start": struct.unpack("<3h", h[140:146]),
        "codes": struct.unpack("<12h", h[148:172])[:leads],
        "nv": np.array(struct.unpack("<12h", h[196:220])[:leads], dtype=np.float64),
        "fs": struct.unpack("<h", h[262:264])[0],
        "counts": np.frombuffer(b, "<i2", offset=ecg_offset, count=n * leads).reshape(n, leads).T,
    }


def test_real_ishne_holter_file_against_its_own_bytes():
    path = DATA / "ECG_P28.01.ecg"
    truth = ishne_decode(path)
    assert truth["crc_ok"] and truth["codes"] == tuple(range(5, 17))      # I, II, III, aVR, aVL, aVF, V1-V6
    rec = load_record(path)
    assert rec.meta["format"] == "ishne" and rec.fs == truth["fs"] == 1000
    assert rec.sig_name == STANDARD_LEADS and rec.signal.shape == (12, 95573)
    want = truth["counts"] * truth["nv"][:, None] * 1e-6                      # nV per count -> mV
    np.testing.assert_allclose(rec.signal, want, atol=1e-6)
    assert not rec.quality["derived"].any()                                   # all 12 leads are stored
    # Einthoven on the stored leads: I + III = II within the rounding of three 5 uV samples
    i, ii, iii = (rec.signal[STANDARD_LEADS.index(x)] for x in ("I", "II", "III"))
    assert np.abs(i + iii - ii).max() <= 3 * 0.005 + 1e-6
    assert rec.meta["patient"] == {"id": truth["id"]}                         # "none none" is no name
    y, m, d = truth["record_date"][2], truth["record_date"][1], truth["record_date"][0]
    assert rec.meta["acquired"] == f"{y:04d}-{m:02d}-{d:02d} {truth['start'][0]:02d}:{truth['start'][1]:02d}:00"


def test_an_ishne_file_cut_short_reads_what_it_holds_and_says_it_is_short(tmp_path):
    """A copy interrupted at a whole frame decodes to a shorter record: its samples are the file's own,
    and the quality findings say the file holds less than its header declares (it loaded silently)."""
    from mirage_model.quality import assess
    path = DATA / "ECG_P28.01.ecg"
    truth = ishne_decode(path)
    data = path.read_bytes()
    n_keep = 40_000                                                           # of 95,573 frames (12 leads, 2 bytes)
    start = len(data) - truth["counts"].shape[1] * 12 * 2
    cut = tmp_path / "cut.ecg"
    cut.write_bytes(data[: start + n_keep * 24])
    rec = load_record(cut)
    assert rec.signal.shape == (12, n_keep)
    np.testing.assert_allclose(rec.signal, truth["counts"][:, :n_keep] * truth["nv"][:, None] * 1e-6, atol=1e-6)
    found = {f.code: f for f in assess(rec).findings}
    assert "file_truncated" in found and found["file_truncated"].severity == "warning"
    assert "40.0 s of the 95.6 s" in found["file_truncated"].detail
    assert "file_truncated" not in {f.code for f in assess(load_record(path)).findings}     # the whole file


# ------------------------------------------------------------------ MFER (ISO 22077-1) from its layout

def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        return bytes([tag, n]) + value
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + value


def _scaled(unit: int, exponent: int, mantissa: int) -> bytes:
    """MFER's (unit, signed exponent, little-endian mantissa) triple, as the real files store it."""
    return bytes([unit, exponent & 0xFF]) + mantissa.to_bytes(2, "little")


def write_mfer(path: Path, channels: list[tuple[int, int, np.ndarray]], block_s: float = 2.0,
               preamble: bytes = b"MFR Standard 12 leads ECG") -> None:
    """An MFER file: channels of (MFER lead code, fs, int16 counts at 1 uV), little endian,
    blocks of ``block_s`` seconds, the channels of one block one after the other."""
    n_seq = int(len(channels[0][2]) / (channels[0][1] * block_s))
    head = _tlv(0x40, preamble.ljust(32, b"\0")) + _tlv(0x01, b"\x01")
    head += _tlv(0x17, b"TEST^CART^1.0\0") + _tlv(0x08, b"\x01")
    head += _tlv(0x85, struct.pack("<HBBBBBHH", 2021, 3, 4, 10, 20, 30, 0, 0))
    head += _tlv(0x82, b"MF-0001") + _tlv(0x81, b"Doe^Jane") + _tlv(0x84, b"\x02")
    head += _tlv(0x0A, b"\x00") + _tlv(0x06, struct.pack("<H", n_seq)) + _tlv(0x05, bytes([len(channels)]))
    body = b""
    for k, (code, fs, counts) in enumerate(channels):
        attrs = (_tlv(0x09, struct.pack("<H", code)) + _tlv(0x04, struct.pack("<I", int(fs * block_s)))
                 + _tlv(0x0B, _scaled(1, -3, int(round(1000 / fs)))) + _tlv(0x0C, _scaled(0, -6, 1)))
        head += bytes([0x3F, k, len(attrs)]) + attrs                          # channel number, then length
    for s in range(n_seq):
        for code, fs, counts in channels:
            blk = int(fs * block_s)
            body += counts[s * blk:(s + 1) * blk].astype("<i2").tobytes()
    path.write_bytes(head + _tlv(0x1E, body) + b"\x80\x00")


def _ludb_counts() -> tuple[np.ndarray, float]:
    wfdb = pytest.importorskip("wfdb")
    ref = wfdb.rdrecord(str(LUDB), physical=True)
    return np.round(ref.p_signal.T * 1000).astype(np.int16), float(ref.fs)     # (12, T) uV counts


MFER_CODES = {"I": 1, "II": 2, "V1": 3, "V2": 4, "V3": 5, "V4": 6, "V5": 7, "V6": 8}


def test_mfer_twelve_lead_with_a_pressure_channel(tmp_path):
    counts, fs = _ludb_counts()
    ecg = [(code, fs, counts[STANDARD_LEADS.index(lead)]) for lead, code in MFER_CODES.items()]
    art = (0xC00A, 125.0, (np.arange(counts.shape[1] // 4) % 100).astype(np.int16))  # a pressure at 125 Hz
    path = tmp_path / "cart.mwf"
    write_mfer(path, ecg + [art])
    rec = load_record(path)
    assert rec.meta["format"] == "mfer" and rec.fs == fs
    for lead in MFER_CODES:
        k = STANDARD_LEADS.index(lead)
        np.testing.assert_allclose(rec.signal[k], counts[k] / 1000.0, atol=1e-6, err_msg=lead)
    assert set(rec.meta["derived_leads"]) == {"III", "aVR", "aVL", "aVF"}
    i, ii, iii = (rec.signal[STANDARD_LEADS.index(x)] for x in ("I", "II", "III"))
    np.testing.assert_allclose(i + iii, ii, atol=1e-6)
    assert rec.meta["patient"]["id"] == "MF-0001" and rec.sex == "F"
    assert rec.meta["acquired"].startswith("2021-03-04 10:20:30")


def test_mfer_monitor_file_with_two_ecg_leads_is_refused_by_name(tmp_path):
    """A bedside monitor's export (ECG II and V5 at 250 Hz beside pressures at 125 Hz, as the
    real Nihon Kohden file we checked): not a 12-lead ECG, and the message says why (before,
    the pressures' rate made it complain about differing sampling frequencies)."""
    t = np.arange(2500)
    ecg = [(2, 250.0, (300 * np.sin(t / 40)).astype(np.int16)), (7, 250.0, (200 * np.cos(t / 40)).astype(np.int16))]
    art = [(0xC00A, 125.0, np.full(1250, 800, np.int16))]
    path = tmp_path / "monitor.mwf"
    write_mfer(path, ecg + art)
    with pytest.raises(RecordError, match=r"monitor\.mwf.*MFER.*not enough ECG leads: has 2 of the 12"):
        load_record(path)


def test_mfer_whose_preamble_says_monitoring_waveform_is_refused_as_a_monitors_recording(tmp_path):
    """Nihon Kohden's CNS-6000 central monitor writes 'MFR Monitoring Waveform' (MONK-system/library's
    test-file.MWF: II and V5 at 250 Hz, three channels at 125 Hz): the refusal now says so."""
    t = np.arange(2500)
    ecg = [(2, 250.0, (300 * np.sin(t / 40)).astype(np.int16)), (7, 250.0, (200 * np.cos(t / 40)).astype(np.int16))]
    path = tmp_path / "monitor.mwf"
    write_mfer(path, ecg + [(0xC00A, 125.0, np.full(1250, 800, np.int16))], preamble=b"MFR Monitoring Waveform")
    with pytest.raises(RecordError, match=r"has 2 of the 12 standard leads \(II, V5\); missing I, III, .*"
                                          r"\(an MFER 'MFR Monitoring Waveform', a monitor's recording, not a "
                                          r"12-lead ECG\); MIRAGE's models read the 12 leads, at least 8 of "
                                          r"them given \(the others blank\), so a record of "
                                          r"fewer \(a 3-lead Holter's, a monitor's\) cannot be scored by them$"):
        load_record(path)


def test_mfer_cut_in_half_names_the_file(tmp_path):
    counts, fs = _ludb_counts()
    path = tmp_path / "cut.mwf"
    write_mfer(path, [(code, fs, counts[STANDARD_LEADS.index(lead)]) for lead, code in MFER_CODES.items()])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RecordError, match=r"cut\.mwf"):
        load_record(path)


def test_a_file_named_mwf_that_holds_no_mfer_is_no_ecg_and_says_so(tmp_path):
    """notmfer.mwf holding text was taken as MFER by its extension alone, and the error was the
    parser's "MFER: tag 0x68 at offset 2 declares 101 bytes, only 45 remain". The content is now
    checked for MFER's tag structure: such a file is passed over as no ECG (the batch's not_ecg
    row) and reading it names the file and what is wrong. MFER without its optional preamble
    (the chain of definitions alone) is still found and read."""
    from mirage_model.formats import detect
    from mirage_model.review.batch.inputs import find_inputs

    counts, fs = _ludb_counts()
    cart = tmp_path / "cart.mwf"
    write_mfer(cart, [(code, fs, counts[STANDARD_LEADS.index(lead)]) for lead, code in MFER_CODES.items()])
    data = cart.read_bytes()
    assert data[0] == 0x40 and data[2:6] == b"MFR "
    bare = tmp_path / "bare.mfer"
    bare.write_bytes(data[2 + data[1]:])                     # without the preamble definition
    (tmp_path / "notmfer.mwf").write_text("hello this is not mfer at all, just some bytes\n")
    (tmp_path / "noise.mwf").write_bytes(bytes(range(0x80, 0x100)) * 8)
    headers, orphans, not_ecg = find_inputs(tmp_path)
    assert [p.name for p in headers] == ["bare.mfer", "cart.mwf"] and orphans == []
    assert [p.name for p in not_ecg] == ["noise.mwf", "notmfer.mwf"]
    assert detect(bare) == "mfer"
    np.testing.assert_array_equal(load_record(bare).signal, load_record(cart).signal)
    with pytest.raises(RecordError, match=r"notmfer\.mwf: not an MFER file, though named as one \(\.mwf\): "
                                          r"its first bytes are neither MFER's preamble nor MFER definitions "
                                          r"\(byte 0x68 at offset 0 is no MFER tag\)"):
        load_record(tmp_path / "notmfer.mwf")
    with pytest.raises(RecordError, match=r"noise\.mwf: not an MFER file"):
        load_record(tmp_path / "noise.mwf")


def test_mfer_without_extension_is_found_in_a_folder_by_its_preamble(tmp_path):
    """An MFER file saved without an extension was passed by in folder search. One that opens with
    MFER's preamble (tag 0x40, "MFR ", then an MFER definition) is now found and reads as the
    .mwf it was; without the preamble, MFER's first bytes are too generic to tell from other binary
    files, so such a file needs its extension; a text that starts like the preamble stays out."""
    from mirage_model import formats

    counts, fs = _ludb_counts()
    named = tmp_path / "named"
    named.mkdir()
    cart = named / "cart.mwf"
    write_mfer(cart, [(code, fs, counts[STANDARD_LEADS.index(lead)]) for lead, code in MFER_CODES.items()])
    data = cart.read_bytes()
    (tmp_path / "MFER_0001").write_bytes(data)
    (tmp_path / "BARE_0001").write_bytes(data[2 + data[1]:])                 # no preamble
    (tmp_path / "note").write_text("@ MFR notes: not a waveform\n" * 20)
    found = [p for p in formats.find_ecg_files(tmp_path) if p.parent == tmp_path]
    assert [p.name for p in found] == ["MFER_0001"]
    np.testing.assert_array_equal(load_record(found[0]).signal, load_record(cart).signal)
