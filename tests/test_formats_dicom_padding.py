"""A DICOM ECG whose Waveform Padding Value is a value its leads pass through: the C# ECG Toolkit's DICOM
writer states 0 (its Example.dcm, the HL7 aECG example converted: 12 leads, 500 Hz, 2.5 uV), and every
sample of 0 V, where a trace crosses the baseline, was read as missing: 58 to 180 of each lead's 5000, the
record flagged "samples missing" and its QRS axis not measured.

Truth is the file's own Waveform Data (16-bit signed, little endian), decoded here with numpy and scaled by
its Channel Sensitivity, and the same ECG as the FDA's aECG (tests/data/formats/aecg_subject1_0.xml).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import load_record

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"
TOOLKIT = DATA / "ecgtoolkit-Example.dcm"


def _rhythm_counts() -> tuple[np.ndarray, bytes, float]:
    ds = pydicom.dcmread(TOOLKIT)
    wf = ds.WaveformSequence[0]
    counts = np.frombuffer(bytes(wf.WaveformData), dtype="<i2").reshape(-1, int(wf.NumberOfWaveformChannels))
    return counts, bytes(wf.WaveformPaddingValue), float(wf.ChannelDefinitionSequence[0].ChannelSensitivity)


def test_padding_value_its_leads_cross_is_read_as_samples():
    counts, pad, sensitivity = _rhythm_counts()
    assert pad == b"\x00\x00" and sensitivity == 2.5 and counts.shape == (5000, 12)
    assert (counts == 0).sum(axis=0).min() >= 58                    # 0 V, in every lead, between - and +
    rec = load_record(TOOLKIT)
    assert not np.isnan(rec.signal).any()
    np.testing.assert_allclose(rec.signal, counts.T * sensitivity / 1000, atol=1e-6)
    np.testing.assert_allclose(rec.signal, load_record(DATA / "aecg_subject1_0.xml").signal, atol=1e-6)
    notes = [n for n in rec.meta["reader_warnings"] if "Waveform Padding Value" in n]
    assert notes == ["DICOM: multiplex group 1's Waveform Padding Value (5400,100A) is 0, a value its leads pass "
                     "through (I 131, II 85, III 117, aVR 139, aVL 180, aVF 161, V1 58, V2 95, V3 59, V4 100, "
                     "V5 67, V6 77 of 5000 samples): read as samples, not as padding"]
    assert [int((counts[:, k] == 0).sum()) for k in range(12)] == [131, 85, 117, 139, 180, 161, 58, 95, 59, 100, 67, 77]


def test_padding_value_no_sample_passes_stays_padding(tmp_path):
    """The same file with its padding stated as -32768 and lead V1's first 100 samples written so: those are
    padding (missing), the rest read as stated."""
    ds = pydicom.dcmread(TOOLKIT)
    wf = ds.WaveformSequence[0]
    counts = np.frombuffer(bytes(wf.WaveformData), dtype="<i2").reshape(-1, 12).copy()
    counts[:100, 6] = -32768
    wf.WaveformData = counts.astype("<i2").tobytes()
    wf.WaveformPaddingValue = np.int16(-32768).astype("<i2").tobytes()
    path = tmp_path / "padded.dcm"
    ds.save_as(path)
    rec = load_record(path)
    assert np.isnan(rec.signal[6, :100]).all() and not np.isnan(rec.signal[6, 100:]).any()
    assert not np.isnan(np.delete(rec.signal, 6, axis=0)).any()
    assert not any("Waveform Padding Value" in n for n in rec.meta.get("reader_warnings", ()))


def test_padding_value_at_the_groups_end_stays_padding_beside_the_leads_own_zeros(tmp_path):
    """The same file with its last 400 samples padded, in all 12 leads at once, with its stated padding 0 (a writer
    that states 0 and pads with it): those were read as a flat 0 mV tail, as the 0 V samples inside the recording
    are read. Now the tail is missing and the leads' own 0 V samples stay signal."""
    counts, pad, sensitivity = _rhythm_counts()
    ds = pydicom.dcmread(TOOLKIT)
    wf = ds.WaveformSequence[0]
    padded = counts.copy()
    padded[4600:] = 0
    wf.WaveformData = padded.astype("<i2").tobytes()
    path = tmp_path / "padded_end.dcm"
    ds.save_as(path)
    rec = load_record(path)
    assert np.isnan(rec.signal[:, 4600:]).all()
    np.testing.assert_allclose(rec.signal[:, :4600], counts[:4600].T * sensitivity / 1000, atol=1e-6)
    inside = [int((counts[:4600, k] == 0).sum()) for k in range(12)]
    assert min(inside) >= 50                      # the leads' own 0 V samples, read as signal above
    notes = [n for n in rec.meta["reader_warnings"] if "Waveform Padding Value" in n]
    assert len(notes) == 1 and notes[0].endswith("; the group's last 400 samples, 0 in every channel, stay padding "
                                                 "(missing)") and f"I {inside[0]}," in notes[0]
