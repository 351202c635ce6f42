"""Vendor ECG files from carts, versions and exporters other than the one sample per format the
project ships: what real public files of them showed, rebuilt here from the shipped samples where the
file itself may not be redistributed.

Truth: pydicom's own decoding of the shipped DICOM sample (``Dataset.waveform_array``), and what the
files state of themselves (a Philips lead's <inops>, a representative beat's fill).
"""

from __future__ import annotations

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
    with pytest.raises(RecordError, match=r"129ECORG\.XML: read as Philips .*every lead inoperative \(leads off: "
                                          r"<inops> I 0-10\.56 s; II 0-10\.56 s; .*no ECG to read"):
        load_record(DATA / "129ECORG.XML")


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
