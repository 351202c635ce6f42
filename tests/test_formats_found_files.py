"""Clinical files found in public repositories that MIRAGE had not seen: a Welch Allyn CardioControl
SCP-ECG (MDW14, 600 Hz, first differences, reference beat), its paediatric lead set, its anonymised
copies' Section 1 dates that are no date, a GE MUSE 9 export from a MAC 5500 cart and a Philips PageWriter
Touch export.

Truth here is each file's own: the SCP-ECG file's Section 10 per-lead measurements (the cart's R, S
and T amplitudes in uV) and Section 1 tags, read with ``struct`` from EN 1064's layout; the MUSE file's
base64 samples times its LeadAmplitudeUnitsPerBit, read with ElementTree, and its QRSTimesTypes; a Philips
PageWriter Touch file in UTF-16 big endian against sierraecg, an independent XLI decoder.
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.review.file_info import reader_notes, record_notes
from mirage_model.review.report.waveforms import _blank_said

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from test_formats_ages import _scp, _scp_date  # noqa: E402
from test_formats_other_carts import _scp_crcs_again, _scp_section  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
WELCH_ALLYN = DATA / "welch-allyn-ECG_20170504_163507_123456789.SCP"
MAC55 = DATA / "muse-mac55-muse_ecg1.xml"
# EN 1064 lead ids (Table 11) of the 12 leads
SCP_LEADS = {1: "I", 2: "II", 61: "III", 62: "aVR", 63: "aVL", 64: "aVF",
             3: "V1", 4: "V2", 5: "V3", 6: "V4", 7: "V5", 8: "V6"}


def _section10(data: bytes) -> dict[str, tuple[int, ...]]:
    """Section 10's lead measurements (EN 1064 5.11): lead -> its 2-byte values, in the standard's order
    (index 9 Q, 10 R, 11 S, 12 R', 13 S' amplitude, 17 T+, 18 T- amplitude; uV)."""
    start, _ = _scp_section(bytearray(data), 10)
    count = struct.unpack_from("<H", data, start + 16)[0]
    pos, out = start + 16 + 4, {}
    for _ in range(count):
        lead, size = struct.unpack_from("<HH", data, pos)
        out[SCP_LEADS[lead]] = struct.unpack_from(f"<{size // 2}h", data, pos + 4)
        pos += 4 + size
    return out


def _section1(data: bytes) -> dict[int, bytes]:
    start, length = _scp_section(bytearray(data), 1)
    pos, tags = start + 16, {}
    while pos < start + length:
        tag, size = data[pos], struct.unpack_from("<H", data, pos + 1)[0]
        if tag == 255:
            break
        tags[tag] = data[pos + 3: pos + 3 + size]
        pos += 3 + size
    return tags


def test_welch_allyn_scp_reads_at_the_carts_own_amplitudes_and_fields():
    """The cart's reference beat (Section 5, read by the same decoder and AVM as the rhythm) against the
    cart's own R and S amplitudes (Section 10): within 2 % + 10 uV in all 12 leads (S where it states
    one). The rhythm's T waves (too slow for the cart's 35 Hz low-pass, Section 1 tag 28, which the
    stored rhythm went through and which takes 5-15 % off its R waves) against Section 10's T
    amplitudes: within 5 % + 15 uV."""
    data = WELCH_ALLYN.read_bytes()
    measured = _section10(data)
    rec = load_record(WELCH_ALLYN)
    start6, _ = _scp_section(bytearray(data), 6)
    interval_us = struct.unpack_from("<H", data, start6 + 16 + 2)[0]
    assert interval_us == 1667
    assert rec.fs == pytest.approx(1e6 / interval_us, rel=1e-3)
    assert rec.signal.shape == (12, 6000) and not rec.quality["missing"].any()

    beats = rec.meta["device_median_beats"]["leads"]
    for lead, values in measured.items():
        beat = np.asarray(beats[lead], float) * 1000
        base = np.median(beat[: len(beat) // 8])
        r_file, s_file = max(values[10], values[12]), max(values[9], values[11], values[13])
        assert beat.max() - base == pytest.approx(r_file, rel=0.02, abs=10), lead
        if s_file:   # (aVL has none: its lowest point lies outside the QRS)
            assert base - beat.min() == pytest.approx(s_file, rel=0.02, abs=10), lead

    # the rhythm's beats, R peaks of lead II (a 60 bpm sinus rhythm: one peak a second), averaged
    fs = rec.fs
    ii = rec.signal[1]
    peaks = [k * int(fs) + int(np.argmax(ii[k * int(fs): (k + 1) * int(fs)])) for k in range(10)]
    peaks = [p for p in peaks if p - int(0.3 * fs) >= 0 and p + int(0.6 * fs) <= rec.signal.shape[1]]
    assert len(peaks) >= 8 and np.ptp(np.diff(peaks)) <= 0.02 * fs
    for k, lead in enumerate(rec.sig_name):
        beat = np.median([rec.signal[k, p - int(0.3 * fs): p + int(0.6 * fs)] for p in peaks], axis=0) * 1000
        base = np.median(beat[int(0.3 * fs) - int(0.12 * fs): int(0.3 * fs) - int(0.07 * fs)])   # PR segment
        t = beat[int(0.45 * fs):] - base
        t_file = measured[lead][17] or measured[lead][18]
        assert t[np.argmax(np.abs(t))] == pytest.approx(t_file, rel=0.05, abs=15), lead

    tags = _section1(data)
    assert rec.meta["patient"]["id"] == tags[2].rstrip(b"\0").decode() == "123456789"
    born = struct.unpack_from("<H", tags[5])[0], tags[5][2], tags[5][3]
    assert rec.meta["patient"]["birth_date"] == "%04d-%02d-%02d" % born
    when = struct.unpack_from("<H", tags[25])[0], *tags[25][2:4], *tags[26][:3]
    assert rec.meta["acquired"] == "%04d-%02d-%02d %02d:%02d:%02d" % when
    # the cart names its files by acquisition time and patient ID
    assert WELCH_ALLYN.stem.endswith(rec.meta["acquired"].replace("-", "").replace(":", "").replace(" ", "_")
                                     + "_" + rec.meta["patient"]["id"])
    assert rec.age == struct.unpack_from("<H", tags[4])[0] == 104 and tags[4][2] == 1    # years
    assert rec.sex == "M" and tags[8] == b"\x01"
    assert "Welch Allyn" in rec.meta["device"]
    assert not reader_notes(rec)


def welch_allyn_paediatric(folder: Path) -> Path:
    """The same cart's paediatric lead set (I, II, V1, V2, V4, V6 with V3R and V7 in place of V3 and V5;
    one such file in the same repository), written in ``folder``: the shipped file with its V3 and V5 (Section 3
    lead ids 5 and 7) renumbered as V3R (11) and V7 (9), as the real file numbers them."""
    data = bytearray(WELCH_ALLYN.read_bytes())
    start, length = _scp_section(data, 3)
    ids = {data[start + 16 + 2 + 9 * k + 8]: start + 16 + 2 + 9 * k + 8 for k in range(data[start + 16])}
    data[ids[5]], data[ids[7]] = 11, 9
    _scp_crcs_again(data, start, length)
    path = Path(folder) / "paediatric.SCP"
    path.write_bytes(bytes(data))
    return path


def test_welch_allyn_paediatric_lead_set_opens_with_v3_and_v5_blank_naming_the_leads(tmp_path):
    """The paediatric lead set (``welch_allyn_paediatric``) was refused ("has 10 of the 12"); a file without a
    lead's channel now opens as one with that lead all invalid does when it shows at least 8 of the 12 (the limb
    leads its I and II give counted): V3 and V5 blank, the record's notes naming the leads it holds instead.
    Where the blank lead is named (its label in the app and on the PDF's sheet: ``missing_text``; the notes), the
    lead the file holds in its place is named with it and said not to be it: a V3R is no V3 (had said "missing",
    and the notes "it holds V3R, V7 instead", leaving which for which and what the blank panel is to guess). The V3R
    and V7 themselves are kept as extra leads (drawn after the 12; had been named only, their samples dropped)."""
    rec = load_record(welch_allyn_paediatric(tmp_path))
    whole = load_record(WELCH_ALLYN)
    assert rec.flagged_leads("missing") == ("V3", "V5")
    for k, lead in enumerate(STANDARD_LEADS):
        if lead in ("V3", "V5"):
            assert np.isnan(rec.signal[k]).all()
        else:                            # the leads the renumbering left as they were
            np.testing.assert_array_equal(rec.signal[k], whole.signal[k])
    assert record_notes(rec) == ["no V3, V5 channels in the file: shown blank (it holds V3R in place of V3, V7 in "
                                 "place of V5: a paediatric lead set?)",
                                 "extra leads drawn after the 12: V3R, V7 (not read by the models)"]
    # V3R and V7 kept and drawn (had been named only): the samples of the channels renumbered, the file's V3 and V5
    assert [e.name for e in rec.extra_leads] == ["V3R", "V7"]
    np.testing.assert_array_equal(rec.extra_leads[0].signal, whole.signal[STANDARD_LEADS.index("V3")])
    np.testing.assert_array_equal(rec.extra_leads[1].signal, whole.signal[STANDARD_LEADS.index("V5")])
    said = {lead: rec.missing_text(STANDARD_LEADS.index(lead)) for lead in ("V3", "V5")}
    assert said == {"V3": "missing: V3R in its place, not V3", "V5": "missing: V7 in its place, not V5"}
    assert _blank_said(rec) == said                  # the PDF's sheet labels their blank panels so
    assert "samples missing: V3 (missing: V3R in its place, not V3); V5 (missing: V7 in its place, not V5)" in (
        rec.flag_texts())


def test_the_readmes_scp_ecg_row_says_what_the_paediatric_lead_set_does(tmp_path):
    """README's format table said the paediatric lead set is "refused naming them" after it had come to open; its
    SCP-ECG row now quotes what the reader says of it. Truth: the README's own row, read here."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| SCP-ECG"))
    rec = load_record(welch_allyn_paediatric(tmp_path))
    assert "refused naming them" not in row
    assert f'"{record_notes(rec)[0]}"' in row
    assert f'"V3 ({rec.missing_text(STANDARD_LEADS.index("V3"))})"' in row
    assert "V3R and V7 kept as extra leads" in row and [e.name for e in rec.extra_leads] == ["V3R", "V7"]


def test_scp_dates_that_are_no_date_are_said(tmp_path):
    """An SCP-ECG file whose Section 1 dates are no date (an anonymiser wrote 1900-01-01 and 2002-11-22
    with the year's bytes big endian: years 27655 and 53767) had no birth date and no acquisition date,
    and nothing said why. Both are now reader notes naming the field, the values and the date the
    bytes give the other way round; the ECG still reads."""
    wrong = {5: struct.pack(">H", 1900) + bytes([1, 1]), 25: struct.pack(">H", 2002) + bytes([11, 22])}
    right = _scp(tmp_path, {5: _scp_date(dt.date(1900, 1, 1))}, name="right.scp")
    path = _scp(tmp_path, wrong, name="swapped.scp")
    rec = load_record(path)
    assert "acquired" not in rec.meta and "birth_date" not in rec.meta["patient"]
    notes = " ".join(reader_notes(rec))
    assert "date of birth as year 27655, month 1, day 1, which is no date" in notes
    assert "1900-01-01" in notes and "birth date unknown" in notes
    assert "date of acquisition as year 53767, month 11, day 22" in notes and "2002-11-22" in notes
    assert "acquisition date unknown" in notes
    np.testing.assert_array_equal(rec.signal, load_record(right).signal)
    assert not any("Section 1" in n for n in reader_notes(load_record(right)))


def _welch_allyn_sex(tmp_path: Path, code: int) -> Path:
    """The Welch Allyn file with Section 1's sex (tag 8, one byte) set to ``code``, its CRCs written again."""
    data = bytearray(WELCH_ALLYN.read_bytes())
    start, length = _scp_section(data, 1)
    pos = start + 16
    while data[pos] != 8:
        pos += 3 + struct.unpack_from("<H", data, pos + 1)[0]
    data[pos + 3] = code
    _scp_crcs_again(data, start, length)
    path = tmp_path / f"sex_{code}.SCP"
    path.write_bytes(bytes(data))
    return path


def test_scp_sex_code_the_standard_does_not_define_is_said(tmp_path):
    """SCP-Tools' anonymised copies of the Welch Allyn file (ECG_20170504_163507_ANON000009.SCP,
    example_full_anon.SCP) carry sex code 82, 'R' (the anonymiser's "REMOVED" cut to the tag's one byte):
    read as unknown with no word. EN 1064 defines 0 not known, 1 male, 2 female, 9 unspecified; a code
    outside them is now a reader note, and the sex stays unknown. 0 and 9 are unknown without a note."""
    rec = load_record(_welch_allyn_sex(tmp_path, ord("R")))
    assert rec.sex is None
    notes = [n for n in reader_notes(rec) if "sex" in n]
    assert len(notes) == 1 and "sex code 'R' (82; Section 1 tag 8)" in notes[0]
    assert "is not one SCP-ECG defines" in notes[0]
    assert notes[0].endswith("sex unknown")
    for code in (0, 9):
        same = load_record(_welch_allyn_sex(tmp_path, code))
        assert same.sex is None and not reader_notes(same)
    assert load_record(_welch_allyn_sex(tmp_path, 2)).sex == "F"


def test_muse_mac55_export_reads_its_samples_and_times():
    """GE MUSE 9.0.9 export of a MAC 5500 (MAC55) cart: the 8 stored rhythm leads are the XML's base64
    samples times LeadAmplitudeUnitsPerBit (4.88 uV), III is II - I; lead II's R peaks lie a constant
    20-26 ms before each of QRSTimesTypes' 10 beat times (ms; 12SL's fiducial point, as CardioSoft's
    beat times lie after the R peak), which fixes the time axis; the patient and cart fields as stated."""
    root = ET.parse(MAC55).getroot()
    rec = load_record(MAC55)
    rhythm = [w for w in root.findall("Waveform") if w.findtext("WaveformType") == "Rhythm"][0]
    assert rec.fs == float(rhythm.findtext("SampleBase")) == 500
    stored = {}
    for lead in rhythm.findall("LeadData"):
        units = float(lead.findtext("LeadAmplitudeUnitsPerBit"))
        assert lead.findtext("LeadAmplitudeUnits") == "MICROVOLTS"
        stored[lead.findtext("LeadID")] = np.frombuffer(base64.b64decode(lead.findtext("WaveFormData")), "<i2") * units
    assert sorted(stored) == sorted(["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"])
    for name, x in stored.items():
        np.testing.assert_allclose(rec.signal[rec.sig_name.index(name)] * 1000, x, atol=1e-3)
    np.testing.assert_allclose(rec.signal[2] * 1000, stored["II"] - stored["I"], atol=1e-3)

    times = [int(q.findtext("Time")) for q in root.find("QRSTimesTypes").findall("QRS")]
    assert len(times) == int(root.findtext("RestingECGMeasurements/QRSCount")) == 10
    lead_ii = rec.signal[1]
    offsets = []
    for t in times:
        centre = int(round(t / 1000 * rec.fs))
        lo = max(centre - 50, 0)
        offsets.append((lo + int(np.argmax(lead_ii[lo: centre + 50]))) / rec.fs * 1000 - t)
    assert all(-26 <= o <= -20 for o in offsets) and np.ptp(offsets) <= 4

    assert rec.meta["patient"]["id"] == root.findtext("PatientDemographics/PatientID") == "JAX01234"
    assert rec.age == float(root.findtext("PatientDemographics/PatientAge")) == 60
    assert rec.sex == "M" and root.findtext("PatientDemographics/Gender") == "MALE"
    assert rec.meta["device"] == root.findtext("TestDemographics/AcquisitionDevice") == "MAC55"
    month, day, year = root.findtext("TestDemographics/AcquisitionDate").split("-")
    assert rec.meta["acquired"] == f"{year}-{month}-{day} {root.findtext('TestDemographics/AcquisitionTime')}"
    assert rec.meta["device_report"]["measurements"]["Heart rate (bpm)"] == int(
        root.findtext("RestingECGMeasurements/VentricularRate"))
    assert not reader_notes(rec)


def test_philips_pagewriter_touch_utf16_big_endian_reads_as_sierraecg_does():
    """A PageWriter Touch (C.01.02) Sierra XML 1.04 in UTF-16 big endian (byte-order mark FE FF; the
    shipped PageWriter file is little endian), XLI: every lead equals sierraecg's independent decoding
    times the stated 5 uV, its 5500 samples less the trailing calibration pulse (100 samples at 0 V,
    100 at 200 counts = 1 mV, in every lead), which MIRAGE cuts. Its V3 starts at -17 mV and settles
    over the strip (sierraecg reads it so too): read as it is and named by the quality check."""
    sierraecg = pytest.importorskip("sierraecg")
    path = DATA / "philips-pagewriter-touch-ecg-example.xml"
    assert path.read_bytes()[:2] == b"\xfe\xff"
    root = ET.fromstring(path.read_bytes())
    ns = {"p": "http://www3.medical.philips.com"}
    assert root.findtext("p:documentinfo/p:documentversion", namespaces=ns) == "1.04"
    rec = load_record(path)
    truth = sierraecg.read_file(str(path))
    assert rec.fs == 500 and rec.signal.shape == (12, 5300)
    for lead in truth.leads:
        counts = np.asarray(lead.samples, float)
        assert len(counts) == 5500
        assert sorted(np.unique(counts[5300:])) == [0, 200] and (counts[5300:] == 200).sum() == 100
        np.testing.assert_allclose(rec.signal[rec.sig_name.index(lead.label)], counts[:5300] * 0.005, atol=1e-5)
    from mirage_model.quality import assess
    offset = [f for f in assess(rec).findings if f.code == "lead_offset"]
    assert len(offset) == 1 and offset[0].leads == ("V3",)
    demographics = root.find("p:patient/p:generalpatientdata", ns)
    assert rec.meta["patient"]["id"] == demographics.findtext("p:patientid", namespaces=ns) == "9999"
    assert rec.meta["patient"]["birth_date"] == demographics.findtext("p:age/p:dateofbirth", namespaces=ns)
    assert rec.sex == "F" and rec.age == 32      # born 1976-01-01, recorded 2008-12-23
    assert rec.meta["acquired"] == "2008-12-23 19:44:46"
    assert "PageWriter Touch" in rec.meta["device"]


def _plain_edf(tmp_path: Path, patient: str, recording: str, reserved: str = "") -> Path:
    """An EDF written by the project's writer (no patient name or ID), its patient field (bytes 8-88),
    recording field (88-168) and reserved field (192-236: "" for a plain EDF) replaced."""
    pytest.importorskip("edfio")
    from mirage_model.formats import write_record

    rec = load_record(DATA / "waveform_ecg.dcm")
    rec.meta["patient"] = {}
    path = write_record(rec, tmp_path, "edf", name=f"plain{len(list(tmp_path.iterdir()))}")
    data = bytearray(path.read_bytes())
    data[8:88] = patient.ljust(80).encode()
    data[88:168] = recording.ljust(80).encode()
    data[192:236] = reserved.ljust(44).encode()
    path.write_bytes(bytes(data))
    return path


def test_a_plain_edf_patient_field_that_is_free_text_is_no_patient_id(tmp_path):
    """ecg-contec's contec-ecg2edf writes plain EDF (reserved field blank) with the patient field
    "  dd-MMM-yyyy" (its template, unfilled) and the recording field "Startdate 16-NOV-2020 0000050":
    read as EDF+ subfields, the patient ID was "dd-MMM-yyyy" and the site "0000050"; a plain EDF's free
    text "Roe, Jane; ward 3" was ID "Roe," and name "3". In a plain EDF both fields are free text (EDF,
    Kemp 1992), read as EDF+ subfields only where they follow EDF+'s layout; an EDF+ file's are read as
    before."""
    contec = load_record(_plain_edf(tmp_path, "  dd-MMM-yyyy", "Startdate 25-JAN-2013 0000050"))
    assert not contec.meta.get("patient", {}).get("id") and "site" not in contec.meta
    assert contec.meta["edf_patient_field"] == "dd-MMM-yyyy"
    assert contec.meta["edf_recording_field"] == "Startdate 25-JAN-2013 0000050"
    free = load_record(_plain_edf(tmp_path, "Roe, Jane; ward 3", "Holter lab 2, bed 4"))
    assert not free.meta.get("patient", {}).get("id") and not free.meta.get("patient", {}).get("name")
    assert free.meta["edf_patient_field"] == "Roe, Jane; ward 3"
    # a plain EDF that follows EDF+'s layout, and an EDF+ file, read as EDF+
    for reserved in ("", "EDF+C"):
        laid = load_record(_plain_edf(tmp_path, "MCH-0234567 F 02-MAY-1951 Haagse_Harry",
                                      "Startdate 25-JAN-2013 PSG-1234/2013 NN Telemetry03", reserved))
        assert laid.meta["patient"]["id"] == "MCH-0234567" and laid.meta["patient"]["name"] == "Haagse Harry"
        assert laid.sex == "F" and laid.meta["patient"]["birth_date"] == "1951-05-02"
        assert laid.meta["device"] == "Telemetry03" and "edf_patient_field" not in laid.meta


def test_edf_plus_hospital_administration_code_is_no_site(tmp_path):
    """EDF+'s recording field is "Startdate dd-MMM-yyyy", then "the hospital administration code of the
    investigation, i.e. EEG number or PSG number", the investigator's or technician's code and the
    equipment's (Kemp & Olivan 2003, 2.1.3.3; its example "Startdate 02-MAR-2002 PSG-1234/2002 NN
    Telemetry03"). The code had been shown as the site ("Site: PSG-1234/2002"): it is the admin code,
    and the site unknown. Written again it stays the file's admin code; an anonymised copy drops it (an
    investigation's number leads to the patient) and says so."""
    from mirage_model.formats import write_record
    from mirage_model.formats.write import left_out
    from mirage_model.review.file_info import patient_facts

    rec = load_record(_plain_edf(tmp_path, "X X X X", "Startdate 02-MAR-2002 PSG-1234/2002 NN Telemetry03",
                                 "EDF+C"))
    assert rec.meta["admin_code"] == "PSG-1234/2002" and rec.meta["device"] == "Telemetry03"
    assert "site" not in rec.meta
    facts = patient_facts(rec)
    assert "Admin code: PSG-1234/2002" in facts and not any(f.startswith("Site:") for f in facts)
    back = load_record(write_record(rec, tmp_path / "out", "edf", name="again"))
    assert back.meta["admin_code"] == "PSG-1234/2002" and "site" not in back.meta
    assert back.meta["device"] == "Telemetry03"
    assert load_record(write_record(rec, tmp_path / "out", "wfdb", name="again")).meta["admin_code"] == "PSG-1234/2002"
    hidden = write_record(rec, tmp_path / "anon", "edf", anonymise=True)
    assert b"PSG-1234" not in hidden.read_bytes() and "admin_code" not in load_record(hidden).meta
    assert "the EDF+ hospital administration code (it leads to the patient)" in left_out(rec, anonymise=True)


def test_scp_section1_is_read_once_for_the_age_and_the_dates(tmp_path, monkeypatch):
    """The stated age and the date notes each opened the file and walked Section 1's tags again; they
    are now read from one walk. Truth: the tags this test wrote (3 months; a birth year written big endian)."""
    from mirage_model.formats import scp

    path = _scp(tmp_path, {4: struct.pack("<H", 3) + bytes([2]), 5: struct.pack(">H", 1900) + bytes([1, 1])})
    age, notes = scp.section1(path)
    assert age == 0.25
    assert len(notes) == 1 and "date of birth as year 27655, month 1, day 1, which is no date" in notes[0]
    walks = []
    tags = scp._section1_tags
    monkeypatch.setattr(scp, "_section1_tags", lambda p: walks.append(p) or tags(p))
    rec = load_record(path)
    assert len(walks) == 1
    assert rec.age == pytest.approx(0.25)
    assert "birth date unknown" in " ".join(reader_notes(rec))
