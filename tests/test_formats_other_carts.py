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
