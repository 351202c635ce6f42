"""Ages no living patient has, in every format that carries an age or a birth date: a placeholder
birth date (1900-01-01, 1899-12-30, 1800-01-01, 0001-01-01, the day of the ECG) or a stated age of
999, 150 or -1 is no age. It read as 123 years (1900-01-01 to 2023), went to the lab form, the model,
the PDF header and the paediatric/adult rules; it is now unknown, and a reader note names the field
and its value. A real birth date still gives the age counted by hand from the dates written into
each file.

The bound: the longest documented human life, 122 years 164 days (Jeanne Calment, 1875-1997;
Robine JM, Allard M, Science 1998;279:1834).
"""

from __future__ import annotations

import binascii
import datetime as dt
import struct
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from test_formats_ages import _aecg, _dicom, _scp, _scp_date, _write  # noqa: E402
from test_formats_holter_mfer import _scaled, _tlv  # noqa: E402
from test_formats_muse_philips import muse_xml, philips_xml, truth  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
NO_AGE = '<value xsi:type="PQ"/>'


def _muse(tmp, dob: str, age: str = "") -> Path:          # acquired 03-14-2023
    return _write(tmp, "ecg.xml", muse_xml(truth(), age=age, dob=dob))


def _philips(tmp, dob: str) -> Path:                       # acquired 2023-03-14
    return _write(tmp, "ecg.xml", philips_xml(truth(), age=f"<age><dateofbirth>{dob}</dateofbirth></age>"))


def _edf(tmp, birth: str, age: float | None = None) -> Path:   # acquired 2013-01-25
    pytest.importorskip("edfio")
    from mirage_model.formats import write_record

    rec = load_record(DATA / "waveform_ecg.dcm")
    rec.meta["patient"] = {"id": "B-1", "birth_date": birth}
    rec.age = age
    return write_record(rec, tmp, "edf", name="ecg")


def _ishne(tmp, birth: dt.date) -> Path:
    """A 12-lead ISHNE 1.0 file from the standard's header layout (Badilini et al., ANE 1998) with
    ``birth`` in its birth date field (day, month, year at bytes 132-137), recorded 2020-02-01."""
    T, L = 1000, 12
    t = np.arange(T) / 500
    d = np.round(np.outer(np.arange(1, L + 1), np.sin(2 * np.pi * t)) * 200).astype("<i2").T   # (T, L) uV
    hdr = struct.pack("<iiiih", 0, T, 522, 522, 1)
    hdr += b"Test".ljust(40, b"\0") + b"Patient".ljust(40, b"\0") + b"ISH-001".ljust(20, b"\0")
    hdr += struct.pack("<hh", 2, 1)
    hdr += struct.pack("<12h", birth.day, birth.month, birth.year, 1, 2, 2020, 1, 2, 2020, 9, 30, 0)
    hdr += struct.pack("<h", L) + struct.pack("<12h", *range(5, 17)) + struct.pack("<12h", *[1] * 12)
    hdr += struct.pack("<12h", *[1000] * 12)
    hdr += struct.pack("<h", 0) + b"digital".ljust(40, b"\0") + struct.pack("<h", 500)
    hdr += b"\0" * (80 + 80 + 88)
    path = tmp / "holter.ecg"
    path.write_bytes(b"ISHNE1.0" + struct.pack("<H", binascii.crc_hqx(hdr, 0xFFFF)) + hdr + d.tobytes())
    return path


def _mfer(tmp, years: int = 0, days: int = 0, birth: dt.date | None = None) -> Path:
    """An 8-channel MFER file (ISO 22077-1) measured 2021-03-04 10:20:30 whose age field (tag 0x83)
    states ``years`` and ``days`` and ``birth`` (year 0: none)."""
    fs, block_s, n = 500, 2.0, 5000
    t = np.arange(n) / fs
    born = struct.pack("<HBB", birth.year, birth.month, birth.day) if birth else b"\0\0\0\0"
    head = _tlv(0x40, b"MFR Standard 12 leads ECG".ljust(32, b"\0")) + _tlv(0x01, b"\x01")
    head += _tlv(0x08, b"\x01") + _tlv(0x85, struct.pack("<HBBBBBHH", 2021, 3, 4, 10, 20, 30, 0, 0))
    head += _tlv(0x82, b"MF-0001") + _tlv(0x84, b"\x02") + _tlv(0x83, bytes([years]) + struct.pack("<H", days) + born)
    codes = range(1, 9)      # I, II, V1-V6
    head += _tlv(0x0A, b"\x00") + _tlv(0x06, struct.pack("<H", int(n / (fs * block_s)))) + _tlv(0x05, bytes([8]))
    for k, code in enumerate(codes):
        attrs = (_tlv(0x09, struct.pack("<H", code)) + _tlv(0x04, struct.pack("<I", int(fs * block_s)))
                 + _tlv(0x0B, _scaled(1, -3, 2)) + _tlv(0x0C, _scaled(0, -6, 1)))
        head += bytes([0x3F, k, len(attrs)]) + attrs
    counts = np.round(np.outer(np.arange(1, 9), np.sin(2 * np.pi * t)) * 300).astype("<i2")   # (8, T) uV
    blk = int(fs * block_s)
    body = b"".join(counts[c, s * blk:(s + 1) * blk].tobytes() for s in range(n // blk) for c in range(8))
    path = tmp / "ecg.mwf"
    path.write_bytes(head + _tlv(0x1E, body) + b"\x80\x00")
    return path


# Each format's file with a placeholder birth date and no stated age, and with a real birth date:
# (maker of the file from a birth date, the real birth date, its age in whole years counted by hand)
FILES = {
    # acquired 2023-03-14; born 1950-06-15: 72 (the 73rd birthday is in June)
    "ge-muse-xml": (lambda tmp, b: _muse(tmp, f"{b.month:02d}-{b.day:02d}-{b.year:04d}"), dt.date(1950, 6, 15), 72),
    "philips-xml": (lambda tmp, b: _philips(tmp, b.isoformat()), dt.date(1950, 6, 15), 72),
    # acquired 2002-11-22; born 1953-05-08: 49
    "hl7-aecg": (lambda tmp, b: _aecg(tmp, b.strftime("%Y%m%d").rjust(8, "0"), NO_AGE), dt.date(1953, 5, 8), 49),
    # acquired 2013-01-25; born 1971-01-23 (the shipped file's): 42
    "dicom-ecg": (lambda tmp, b: _dicom(tmp, PatientBirthDate=b.strftime("%Y%m%d").rjust(8, "0"), PatientAge=None),
                  dt.date(1971, 1, 23), 42),
    # acquired 2002-11-22; born 1953-05-08: 49
    "scp-ecg": (lambda tmp, b: _scp(tmp, {5: _scp_date(b)}), dt.date(1953, 5, 8), 49),
    # acquired 2013-01-25; born 1950-06-15: 62
    "edf": (lambda tmp, b: _edf(tmp, b.isoformat()), dt.date(1950, 6, 15), 62),
    # recorded 2020-02-01; born 1960-06-05: 59
    "ishne": (lambda tmp, b: _ishne(tmp, b), dt.date(1960, 6, 5), 59),
    # measured 2021-03-04; born 1950-06-15: 70
    "mfer": (lambda tmp, b: _mfer(tmp, birth=b), dt.date(1950, 6, 15), 70),
}
PLACEHOLDERS = [dt.date(1900, 1, 1), dt.date(1899, 12, 30), dt.date(1800, 1, 1), dt.date(1, 1, 1)]


def _age_notes(rec) -> list[str]:
    return [n for n in rec.meta.get("reader_warnings", ()) if "age" in n or "birth date" in n]


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_a_placeholder_birth_date_gives_no_age_and_says_so(tmp_path, fmt):
    make, _, _ = FILES[fmt]
    checked = 0
    for birth in PLACEHOLDERS:
        folder = tmp_path / birth.isoformat()
        folder.mkdir()
        try:
            path = make(folder, birth)
        except (ValueError, OverflowError):       # a format or its writer that cannot hold the year
            continue
        rec = load_record(path)
        written = rec.meta.get("patient", {}).get("birth_date")
        if written != birth.isoformat():           # a reader that cannot hold the year reads no birth date
            assert rec.age is None, (fmt, birth, written)
            continue
        assert rec.meta["format"].startswith(fmt)
        assert rec.age is None, (fmt, birth, rec.age)
        assert _age_notes(rec) == [f"birth date {birth.isoformat()} looks like a placeholder (1900-01-01 or "
                                   "earlier, what exports write for none): age unknown"], (fmt, birth)
        checked += 1
    assert checked >= 1, fmt       # 1900-01-01 at least, in every format


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_a_real_birth_date_still_gives_the_age_from_the_dates(tmp_path, fmt):
    make, birth, years = FILES[fmt]
    rec = load_record(make(tmp_path, birth))
    assert rec.age == years and not _age_notes(rec), (fmt, rec.age, _age_notes(rec))


@pytest.mark.parametrize("fmt, make, note", [
    # stated ages no patient has, no birth date: unknown, said
    ("ge-muse-xml", lambda tmp: _muse(tmp, "", "<PatientAge>999</PatientAge><AgeUnits>YEARS</AgeUnits>"),
     "the file states an age of 999 y, older than anyone has lived (122.5 years), a placeholder: age unknown"),
    ("ge-muse-xml", lambda tmp: _muse(tmp, "", "<PatientAge>-1</PatientAge><AgeUnits>YEARS</AgeUnits>"),
     "the file states an age of -1 y, below 0, a placeholder: age unknown"),
    ("dicom-ecg", lambda tmp: _dicom(tmp, PatientBirthDate=None, PatientAge="150Y"),
     "the file states an age of 150 y, older than anyone has lived (122.5 years), a placeholder: age unknown"),
    ("hl7-aecg", lambda tmp: _aecg(tmp, None, '<value xsi:type="PQ" value="-1" unit="a"/>'),
     "the file states an age of -1 y, below 0, a placeholder: age unknown"),
    ("philips-xml", lambda tmp: _write(tmp, "ecg.xml", philips_xml(truth(), age="<age><years>150</years></age>")),
     "the file states an age of 150 y, older than anyone has lived (122.5 years), a placeholder: age unknown"),
    ("edf", lambda tmp: _edf(tmp, "", 999.0),
     "the file states an age of 999 y, older than anyone has lived (122.5 years), a placeholder: age unknown"),
    ("mfer", lambda tmp: _mfer(tmp, years=200),
     "the file states an age of 200 y, older than anyone has lived (122.5 years), a placeholder: age unknown"),
    # a birth date after 1900-01-01 that still gives an age above the bound: 1900-01-02 to 2023-03-14
    ("ge-muse-xml", lambda tmp: _muse(tmp, "01-02-1900"),
     "birth date 1900-01-02 and acquisition date 2023-03-14 give 123.2 y, older than anyone has lived "
     "(122.5 years): age unknown"),
    # the day of the ECG as the birth date, no stated age: a newborn's or filled in; which, the file cannot say
    ("ge-muse-xml", lambda tmp: _muse(tmp, "03-14-2023"),
     "birth date 2023-03-14 looks like a placeholder (the day of the ECG: a newborn's, or filled in for none): "
     "age unknown"),
])
def test_an_impossible_stated_age_gives_no_age_and_says_so(tmp_path, fmt, make, note):
    rec = load_record(make(tmp_path))
    assert rec.meta["format"].startswith(fmt)
    assert rec.age is None and _age_notes(rec) == [note]


def test_the_other_field_gives_the_age_when_one_is_a_placeholder(tmp_path):
    # 999 stated, a real birth date (1950-06-15 to 2023-03-14: 72): the dates' age, said
    rec = load_record(_muse(tmp_path, "06-15-1950", "<PatientAge>999</PatientAge><AgeUnits>YEARS</AgeUnits>"))
    assert rec.age == 72 and _age_notes(rec) == [
        "the file states an age of 999 y, older than anyone has lived (122.5 years), a placeholder: the age "
        "from its birth and acquisition dates is used"]
    # 45 stated, born 1900-01-01: the stated age, said
    rec = load_record(_muse(tmp_path, "01-01-1900", "<PatientAge>45</PatientAge><AgeUnits>YEARS</AgeUnits>"))
    assert rec.age == 45 and _age_notes(rec) == [
        "birth date 1900-01-01 looks like a placeholder (1900-01-01 or earlier, what exports write for none): "
        "the stated age is used"]
    # the ECG's day as the birth date beside a stated 045Y (DICOM, acquired 2013-01-25): a placeholder
    rec = load_record(_dicom(tmp_path, PatientBirthDate="20130125", PatientAge="045Y"))
    assert rec.age == 45 and _age_notes(rec) == [
        "birth date 2013-01-25 looks like a placeholder (the day of the ECG, and the file states an age of "
        "45 y): the stated age is used"]
    # a newborn: born on the day of the ECG, a stated age of 0 days (DICOM "000D"): his age, no note
    rec = load_record(_dicom(tmp_path, PatientBirthDate="20130125", PatientAge="000D"))
    assert rec.age == 0 and not _age_notes(rec)


@pytest.mark.parametrize("years, days, age", [
    (0, 90, 90 / 365.2425),    # an infant: 0 years, 90 days (was whole years: 0)
    (0, 10, 10 / 365.2425),
    (45, 0, 45.0),
])
def test_mfer_states_an_infants_age_in_days(tmp_path, years, days, age):
    rec = load_record(_mfer(tmp_path, years=years, days=days))
    assert rec.meta["format"] == "mfer" and rec.age == pytest.approx(age)
