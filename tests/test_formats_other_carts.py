"""Vendor ECG files from carts, versions and exporters other than the one sample per format the
project ships: what real public files of them showed, rebuilt here from the shipped samples where the
file itself may not be redistributed.

Truth: pydicom's own decoding of the shipped DICOM sample (``Dataset.waveform_array``), and what the
files state of themselves (a Philips lead's <inops>, a representative beat's fill).
"""

from __future__ import annotations

import binascii
import struct
from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.records import RecordError, load_record

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"
HEMODYNAMIC = "1.2.840.10008.5.1.4.1.1.9.2.1"


def _as_hemodynamic(tmp_path, name="maclab.dcm", pressures=False):
    """The shipped 12-lead DICOM stored as a Hemodynamic Waveform, as a GE Marquette Mac-Lab stores
    its 12-lead ECG (Modality ECG, the 12 leads coded SCPECG in one group, 240 Hz)."""
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    ds.SOPClassUID = HEMODYNAMIC
    ds.file_meta.MediaStorageSOPClassUID = HEMODYNAMIC
    if pressures:   # a cath lab's pressures only: no channel is an ECG lead
        for wf in ds.WaveformSequence:
            for k, ch in enumerate(wf.ChannelDefinitionSequence):
                code = ch.ChannelSourceSequence[0]
                code.CodeValue, code.CodingSchemeDesignator = f"2-3100{k % 3}", "SRT"
                code.CodeMeaning = ("Aortic pressure", "Left ventricular pressure", "Femoral artery pressure")[k % 3]
                if "ChannelLabel" in ch:
                    del ch.ChannelLabel
    ds.save_as(tmp_path / name)
    return tmp_path / name


def test_hemodynamic_waveform_holding_the_12_leads_is_read(tmp_path):
    """A GE Marquette Mac-Lab's 12-lead ECG (jap1968/dcm-waveform's test_ecg.dcm: Hemodynamic Waveform
    Storage, Modality ECG, 12 SCPECG leads, 240 Hz) was refused as 'not an ECG waveform' and passed
    over by folder search."""
    path = _as_hemodynamic(tmp_path)
    ref = pydicom.dcmread(DATA / "waveform_ecg.dcm").waveform_array(0)    # (T, 12) uV
    rec = load_record(path)
    assert rec.signal.shape == (12, ref.shape[0])
    np.testing.assert_allclose(rec.signal.T * 1000, ref, atol=1e-3)
    assert [p.name for p in formats.find_ecg_files(tmp_path)] == ["maclab.dcm"]
    assert formats.sniff_unnamed(path) == "dicom-ecg"


def test_hemodynamic_waveform_without_ecg_leads_is_refused_naming_its_channels(tmp_path):
    path = _as_hemodynamic(tmp_path, pressures=True)
    with pytest.raises(RecordError, match=r"maclab\.dcm: read as DICOM ECG waveform: a Hemodynamic Waveform DICOM "
                                          r"without ECG leads \(its channels: Aortic pressure, Left ventricular"):
        load_record(path)


def test_philips_every_lead_inoperative_is_refused():
    """A HeartStart MRx ECG taken with the leads off (sierra-ecg-tools' B9M6OHRG-129ECQRG.TGZ,
    129ECORG.XML): every lead's <inops> spans 0-10560 ms and the cart's statement is 'All 12 leads are
    missing'. Its strip holds mains hum and spikes of +-16 mV every 0.9 s; it was read as an ECG
    (scored: 'Paced rhythm, 67 bpm', withheld only for V1 = ... = V6)."""
    text = (DATA / "129ECORG.XML").read_text(encoding="utf-8")
    assert text.count('<inop starttime="0" duration="10560"/>') == 12
    assert "All 12 leads are missing" in text
    with pytest.raises(RecordError) as refused:
        load_record(DATA / "129ECORG.XML")
    # said as a user reads it: every lead was off, so no lead has 2 s of signal ("leaving no lead 2 s of ECG" had)
    assert str(refused.value).endswith(
        "129ECORG.XML: read as Philips PageWriter/TraceMaster XML: the cart marks every lead off (inoperative: <inops> "
        "I 0-10.56 s; II 0-10.56 s; III 0-10.56 s; ...), so no lead has the 2 s of signal an ECG is read from: no ECG "
        "to read"), str(refused.value)


def test_philips_lead_off_but_for_1_5_s_is_refused_in_words(tmp_path):
    """129ECORG.XML (11 s stored: durationperchannel) with lead I's <inops> cut to 0-9.5 s and the other leads' kept
    at 0-10.56 s: lead I has 1.5 s left, the most of any lead, under the 2 s an ECG is read from: refused, in words."""
    text = (DATA / "129ECORG.XML").read_text(encoding="utf-8")
    path = tmp_path / "off9.xml"
    assert 'durationperchannel="11000"' in text
    path.write_text(text.replace('<inop starttime="0" duration="10560"/>', '<inop starttime="0" duration="9500"/>', 1),
                    encoding="utf-8")
    with pytest.raises(RecordError) as refused:
        load_record(path)
    assert str(refused.value).endswith(
        "off9.xml: read as Philips PageWriter/TraceMaster XML: the cart marks every lead off (inoperative: <inops> "
        "I 0-9.5 s; II 0-10.56 s; III 0-10.56 s; ...), so no lead has the 2 s of signal an ECG is read from: no ECG "
        "to read"), str(refused.value)


def test_philips_lead_inoperative_for_part_of_the_strip_is_missing_there(tmp_path):
    """A lead whose <inops> cover part of the strip (the shipped 1.03 file with V1 off for its first
    3 s, written into its own empty <inops>) is NaN there and flagged missing, with a reader note;
    the rest of V1 and the other leads read as before."""
    text = (DATA / "129DYPRG.XML").read_text(encoding="utf-8")
    start = text.index('<leadmeasurement leadname="V1"')
    at = text.index("<inops></inops>", start)
    assert at < text.index("</leadmeasurement>", start)
    (tmp_path / "v1_off.xml").write_text(text[:at] + '<inops><inop starttime="0" duration="3000"/></inops>'
                                         + text[at + len("<inops></inops>"):], encoding="utf-8")
    before = load_record(DATA / "129DYPRG.XML")
    rec = load_record(tmp_path / "v1_off.xml")
    v1 = rec.sig_name.index("V1")
    assert rec.signal.shape == before.signal.shape
    assert np.isnan(rec.signal[v1, :1500]).all() and not np.isnan(rec.signal[v1, 1500:]).any()
    np.testing.assert_array_equal(rec.signal[v1, 1500:], before.signal[v1, 1500:])
    others = [k for k in range(12) if k != v1]
    np.testing.assert_array_equal(rec.signal[others], before.signal[others])
    assert rec.quality["missing"].tolist() == [k == v1 for k in range(12)]
    assert any("1 lead inoperative (leads off, <inops>): V1 0-3 s" in w for w in rec.meta["reader_warnings"])


def _scp_section(data: bytearray, sid: int) -> tuple[int, int]:
    """(offset of its 16-byte header, length) of SCP-ECG section ``sid``, from section 0's pointers (EN 1064:
    10 bytes each, id, length, 1-based index, after section 0's own 16-byte header at byte 6)."""
    end = 6 + struct.unpack_from("<I", data, 10)[0]
    sections = {}
    for pos in range(6 + 16, end - 9, 10):
        found, length, index = struct.unpack_from("<HII", data, pos)
        sections.setdefault(found, (index - 1, length))
    return sections[sid]


def _scp_crcs_again(data: bytearray, start: int, length: int) -> None:
    """The CRC-CCITT of the section at ``start`` (``length`` bytes) and of the whole record, written again."""
    struct.pack_into("<H", data, start, binascii.crc_hqx(bytes(data[start + 2: start + length]), 0xFFFF))
    struct.pack_into("<H", data, 0, binascii.crc_hqx(bytes(data[2:]), 0xFFFF))


def test_scp_lead_whose_first_sample_is_numbered_0_is_read_from_sample_1(tmp_path):
    """ECG Viewer's demo.scp (SCP-ECG 1.3, 8 leads, 1000 Hz, uncompressed, 183 nV) states every lead
    as samples 0-10000 and holds 10,000 in Section 6: refused ('invalid sample range 0-10000'). The
    shipped Example.scp with its leads' first sample written 0 (1-5000 -> 0-5000, CRCs written
    again) reads as the file itself does, with a reader note."""
    data = bytearray((DATA / "Example.scp").read_bytes())
    start, length = _scp_section(data, 3)
    count = data[start + 16]
    assert {struct.unpack_from("<II", data, start + 18 + 9 * k) for k in range(count)} == {(1, 5000)}
    for k in range(count):
        struct.pack_into("<I", data, start + 18 + 9 * k, 0)
    _scp_crcs_again(data, start, length)
    (tmp_path / "zero.scp").write_bytes(bytes(data))
    before = load_record(DATA / "Example.scp")
    rec = load_record(tmp_path / "zero.scp")
    np.testing.assert_array_equal(rec.signal, before.signal)
    assert rec.fs == before.fs == 500
    assert any("numbers the first sample of every lead 0 (EN 1064 numbers samples from 1): read as samples 1 to "
               "5,000" in w for w in rec.meta["reader_warnings"])


def test_aecg_median_beat_keeps_no_16bit_fill(tmp_path):
    """sierra-ecg-tools' aECG converted from a PageWriter Touch XML (ad4d3d80-d165_1-04_converted.xml)
    keeps the cart's representative-beat fill as digits: 600 samples of beat, then 600 of 32767 per
    lead, read as beats ending in a step to 81.9 mV (the Philips original's beats end where the fill
    begins). The shipped aECG's median beat with 40 digits of 32767 appended to each lead reads as
    the file itself does."""
    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    beat = text.index("<derivation>")
    head, tail = text[:beat], text[beat:]
    assert tail.count("</digits>") == 12
    (tmp_path / "filled.xml").write_text(head + tail.replace("</digits>", " 32767" * 40 + "</digits>"),
                                         encoding="utf-8")
    before = load_record(DATA / "aecg_subject1_0.xml").meta["device_median_beats"]
    after = load_record(tmp_path / "filled.xml").meta["device_median_beats"]
    assert after["fs"] == before["fs"] and set(after["leads"]) == set(before["leads"])
    for lead, values in before["leads"].items():
        np.testing.assert_array_equal(after["leads"][lead], values)


def test_dicom_median_beat_keeps_no_16bit_fill():
    """The C# ECG Toolkit's DICOM (ecgtoolkit-Example.dcm) stores its median beat as 600 frames, the last
    -32768 in all 12 channels: read as a beat ending in a step to -81.9 mV (2.5 uV), where the aECG's fill is
    cut. The same toolkit's SCP-ECG example (Example.scp) holds the same median beat, 599 samples: the DICOM's
    reads as it does, sample for sample. A fill sample in one lead alone is kept (a lone count at the range's
    end may be a beat read with the wrong sign)."""
    import pydicom

    group = pydicom.dcmread(str(DATA / "ecgtoolkit-Example.dcm")).WaveformSequence[1]
    frames = np.frombuffer(group.WaveformData, dtype="<i2").reshape(-1, 12)
    assert str(group.MultiplexGroupLabel) == "MEDIAN BEAT" and frames.shape == (600, 12)
    assert (frames[-1] == -32768).all() and not (frames[:-1] == -32768).any()
    dicom = load_record(DATA / "ecgtoolkit-Example.dcm").meta["device_median_beats"]
    scp = load_record(DATA / "Example.scp").meta["device_median_beats"]
    assert dicom["fs"] == scp["fs"] == 500 and set(dicom["leads"]) == set(scp["leads"])
    for lead, values in scp["leads"].items():
        assert len(values) == 599
        np.testing.assert_array_equal(dicom["leads"][lead], values)

    from mirage_model.formats.assemble import cut_beat_fill

    class Lead:
        def __init__(self, samples):
            self.samples = np.asarray(samples, dtype=np.float64)

    beats = [Lead([3, 5, -32768]), Lead([4, 6, 7])]
    cut_beat_fill(beats)
    assert [len(b.samples) for b in beats] == [3, 3]


def test_edf_whose_only_ecg_channel_names_no_lead_says_so(tmp_path):
    """wfdb-python's sample-data/test_generator_2.edf (EDF+, 11 channels, one of them labelled 'ECG')
    was refused as 'no ECG leads among its 11 channels (..., ECG, ...)', which its 'ECG' channel seems
    to contradict: the refusal now says that the label names none of the 12 leads."""
    edfio = pytest.importorskip("edfio")
    t = np.arange(2000) / 200.0
    edf = edfio.Edf([edfio.EdfSignal(np.sin(2 * np.pi * t), sampling_frequency=200, label="sine 1 Hz",
                                     physical_range=(-2, 2)),
                     edfio.EdfSignal(np.sin(2 * np.pi * 1.2 * t), sampling_frequency=200, label="ECG",
                                     physical_dimension="mV", physical_range=(-2, 2))])
    edf.write(tmp_path / "generator.edf")
    with pytest.raises(RecordError, match=r"generator\.edf: read as EDF/EDF\+: no ECG leads among its 2 channels "
                                          r"\(sine 1 Hz, ECG\): 'ECG' names no lead of the 12"):
        load_record(tmp_path / "generator.edf")


def test_scp_device_name_of_control_characters_is_no_name(tmp_path):
    """ECG Viewer's demo.scp writes Section 1 tag 14's strings with length bytes the parser takes for
    strings: its manufacturer read as '\x01', and page 1 printed 'Device: ' with nothing after it.
    The shipped Example.scp (tag 14: model ELI250, manufacturer ECGConversion) with its manufacturer
    string written '\x01' (the same length, CRCs written again) names its device ELI250."""
    data = bytearray((DATA / "Example.scp").read_bytes())
    start, length = _scp_section(data, 1)
    old = b"unknown\x00ECGConversion\x00ECGConversion\x00"
    at = data.index(old, start, start + length)
    data[at: at + len(old)] = b"unknown\x00ECGConversion\x00\x01" + b"\x00" * 13
    _scp_crcs_again(data, start, length)
    (tmp_path / "viewer.scp").write_bytes(bytes(data))
    assert load_record(DATA / "Example.scp").meta["device"] == "ECGConversion ELI250"
    assert load_record(tmp_path / "viewer.scp").meta["device"] == "ELI250"
