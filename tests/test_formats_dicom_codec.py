"""DICOM ECG waveforms from carts other than the one sample we hold: 12-lead, General and Ambulatory
ECG files written here from scratch with pydicom, in each sample encoding, scale, transfer syntax
and channel naming that the Waveform module allows (DICOM PS3.3 C.10.9, Table C.10-9): Waveform
Sample Interpretation SB/UB/MB/AB/SS/US/SL/UL/SV, Channel Sensitivity in uV, mV, V or nV, its
Correction Factor, Channel Baseline, Waveform Padding Value, Channel Status, coded (SCPECG
"5.6.3-9-N", MDC "2:N", MDC_ECG_LEAD_x) or labelled channels, little and big endian.

Truth: the mV each file was written from (a sine and a QRS-like pulse per lead, the limb leads by
Einthoven's and Goldberger's identities), within half the file's quantisation step; for mu-law and
A-law, those mV companded and expanded by Python's ``audioop`` (G.711, 16-bit linear, as ecgdatakit
and Imebra expand it); where it covers the case (little endian, linear samples), pydicom's own
decoding (``Dataset.waveform_array``). A file whose fields cannot describe its samples is refused
with a RecordError naming the file and the field.
"""

from __future__ import annotations

import copy
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("ecgdatakit")

from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.sequence import Sequence  # noqa: E402
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid  # noqa: E402

FS = 500
SOP = {"12-lead": "1.2.840.10008.5.1.4.1.1.9.1.1", "general": "1.2.840.10008.5.1.4.1.1.9.1.2",
       "ambulatory": "1.2.840.10008.5.1.4.1.1.9.1.3"}
# SCP-ECG lead numbers (EN 1064; DICOM PS3.16 CID 3001's SCPECG "5.6.3-9-N" and MDC "2:N")
SCP_CODE = {"I": 1, "II": 2, "V1": 3, "V2": 4, "V3": 5, "V4": 6, "V5": 7, "V6": 8,
            "III": 61, "aVR": 62, "aVL": 63, "aVF": 64}
_DTYPE = {"SB": "i1", "UB": "u1", "MB": "u1", "AB": "u1", "SS": "i2", "US": "u2", "SL": "i4", "UL": "u4", "SV": "i8"}
_BITS = {"i1": 8, "u1": 8, "i2": 16, "u2": 16, "i4": 32, "u4": 32, "i8": 64}


def truth_mv(seconds: float = 10.0) -> np.ndarray:
    """(12, T) mV in STANDARD_LEADS order: sines of different rates and a 1.2-1.5 mV pulse every 0.8 s."""
    t = np.arange(int(FS * seconds)) / FS
    qrs = sum(np.exp(-0.5 * ((t - beat) / 0.012) ** 2) for beat in np.arange(0.4, seconds, 0.8))
    i = 0.4 * np.sin(2 * np.pi * 1.1 * t) + 1.2 * qrs
    ii = 0.6 * np.sin(2 * np.pi * 0.7 * t + 0.3) + 1.5 * qrs
    leads = {"I": i, "II": ii, "III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2}
    leads |= {f"V{k}": (0.3 * k - 1.0) * qrs + 0.2 * np.sin(2 * np.pi * (0.5 + k / 7) * t) for k in range(1, 7)}
    return np.array([leads[lead] for lead in STANDARD_LEADS])


MV = truth_mv()


def counts_for(step_uv: float, baseline_uv: float = 0.0) -> np.ndarray:
    """MV quantised: (mV in uV - baseline) / step, rounded."""
    return np.round((MV * 1000 - baseline_uv) / step_uv).astype(np.int64)


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def write_ecg(path: Path, counts: np.ndarray, *, interpretation: str = "SS", sensitivity="2.5",
              units=("uV", "microvolt"), correction=None, baseline=None, syntax=ExplicitVRLittleEndian,
              source: str | None = "scp", labels=None, padding: bytes | None = None, sop: str = "12-lead",
              order=None, channels: int | None = None, data: bytes | None = None, status=None) -> Path:
    """One multiplex group of ``counts`` (12, T), encoded as ``interpretation`` in ``syntax``'s byte
    order; its channels are the leads ``order`` names (indices into STANDARD_LEADS, all 12 by
    default). ``channels`` and ``data`` override Number of Waveform Channels and Waveform Data."""
    order = list(range(12)) if order is None else order
    dtype = np.dtype(_DTYPE[interpretation]).newbyteorder(">" if syntax == ExplicitVRBigEndian else "<")
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = SOP[sop]
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.Modality, ds.PatientName, ds.PatientID = "ECG", "Cart^Other", "P1"
    wf = Dataset()
    wf.MultiplexGroupLabel, wf.WaveformOriginality = "RHYTHM", "ORIGINAL"
    wf.NumberOfWaveformChannels = len(order) if channels is None else channels
    wf.NumberOfWaveformSamples = counts.shape[1]
    wf.SamplingFrequency = FS
    wf.WaveformBitsAllocated = _BITS[dtype.str[1:]]
    wf.WaveformSampleInterpretation = interpretation
    if padding is not None:
        wf.WaveformPaddingValue = padding
    defs = []
    for k in order:
        lead = STANDARD_LEADS[k]
        ch = Dataset()
        meaning = f"Lead {lead}"
        if source == "scp":
            ch.ChannelSourceSequence = Sequence([_code(f"5.6.3-9-{SCP_CODE[lead]}", "SCPECG", meaning)])
        elif source == "mdc":
            ch.ChannelSourceSequence = Sequence([_code(f"2:{SCP_CODE[lead]}", "MDC", meaning)])
        elif source == "mdc-ref":
            ch.ChannelSourceSequence = Sequence([_code(f"MDC_ECG_LEAD_{lead.upper()}", "MDC", meaning)])
        elif source == "meaning":
            ch.ChannelSourceSequence = Sequence([_code("L1", "99LOCAL", meaning)])
        if labels is not None:
            ch.ChannelLabel = labels[k]
        sens = sensitivity[k] if isinstance(sensitivity, list) else sensitivity   # a list: one a lead
        unit = units[k] if isinstance(units, list) else units
        if sens is not None:
            ch.ChannelSensitivity = sens
            if unit is not None:
                ch.ChannelSensitivityUnitsSequence = Sequence([_code(unit[0], "UCUM", unit[1])])
        if correction is not None:
            ch.ChannelSensitivityCorrectionFactor = correction
        if baseline is not None:
            ch.ChannelBaseline = baseline
        if status and k in status:
            ch.ChannelStatus = status[k]
        defs.append(ch)
    wf.ChannelDefinitionSequence = Sequence(defs)
    if data is None:
        data = np.ascontiguousarray(counts[order].T).astype(dtype).tobytes()   # (T, C): C1S1 C2S1 ...
    wf.WaveformData = data + b"\0" * (len(data) % 2)
    ds.WaveformSequence = Sequence([wf])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # pydicom's complaints of the invalid values some tests write
        ds.save_as(path, enforce_file_format=True)
    return path


# (name, write_ecg keywords, counts, quantisation step in uV)
VALID = [
    ("SS uV explicit LE", {}, counts_for(2.5), 2.5),
    ("SS uV implicit LE", {"syntax": ImplicitVRLittleEndian}, counts_for(2.5), 2.5),
    ("SS uV explicit BE", {"syntax": ExplicitVRBigEndian}, counts_for(2.5), 2.5),
    ("SB 20 uV", {"interpretation": "SB", "sensitivity": "20"}, counts_for(20), 20),
    ("SB implicit LE", {"interpretation": "SB", "sensitivity": "20", "syntax": ImplicitVRLittleEndian},
     counts_for(20), 20),
    ("UB baseline", {"interpretation": "UB", "sensitivity": "20", "baseline": "-2560"}, counts_for(20, -2560), 20),
    ("US baseline", {"interpretation": "US", "baseline": "-81920"}, counts_for(2.5, -81920), 2.5),
    ("US baseline BE", {"interpretation": "US", "baseline": "-81920", "syntax": ExplicitVRBigEndian},
     counts_for(2.5, -81920), 2.5),
    ("SL 0.1 uV", {"interpretation": "SL", "sensitivity": "0.1"}, counts_for(0.1), 0.1),
    ("SL BE", {"interpretation": "SL", "sensitivity": "0.1", "syntax": ExplicitVRBigEndian}, counts_for(0.1), 0.1),
    ("UL baseline", {"interpretation": "UL", "sensitivity": "0.1", "baseline": "-214748364.8"},
     counts_for(0.1, -214748364.8), 0.1),
    ("SL implicit LE", {"interpretation": "SL", "sensitivity": "0.1", "syntax": ImplicitVRLittleEndian},
     counts_for(0.1), 0.1),
    ("SV 64 bit", {"interpretation": "SV"}, counts_for(2.5), 2.5),
    ("mV units", {"sensitivity": "0.0025", "units": ("mV", "millivolt")}, counts_for(2.5), 2.5),
    ("limb leads in uV, chest leads in mV", {"sensitivity": ["2.5"] * 6 + ["0.0025"] * 6,
                                              "units": [("uV", "microvolt")] * 6 + [("mV", "millivolt")] * 6},
     counts_for(2.5), 2.5),
    ("micro sign", {"units": ("\u00b5V", "microvolt")}, counts_for(2.5), 2.5),
    ("unit meaning only", {"units": ("", "microvolt")}, counts_for(2.5), 2.5),
    ("V units", {"sensitivity": "0.0000025", "units": ("V", "volt")}, counts_for(2.5), 2.5),
    ("nV units", {"sensitivity": "2500", "units": ("nV", "nanovolt")}, counts_for(2.5), 2.5),
    ("correction 1.25", {"sensitivity": "2", "correction": "1.25"}, counts_for(2.5), 2.5),
    ("baseline +100 uV", {"baseline": "100"}, counts_for(2.5, 100), 2.5),
    ("baseline in mV", {"sensitivity": "0.0025", "units": ("mV", "millivolt"), "baseline": "0.1"},
     counts_for(2.5, 100), 2.5),
    ("MDC 2:N", {"source": "mdc"}, counts_for(2.5), 2.5),
    ("MDC_ECG_LEAD", {"source": "mdc-ref"}, counts_for(2.5), 2.5),
    ("code meaning only", {"source": "meaning"}, counts_for(2.5), 2.5),
    ("Channel Label only", {"source": None, "labels": list(STANDARD_LEADS)}, counts_for(2.5), 2.5),
    ("Channel Label 'Lead X'", {"source": None, "labels": [f"Lead {x}" for x in STANDARD_LEADS]}, counts_for(2.5), 2.5),
    ("chest leads first", {"order": [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5]}, counts_for(2.5), 2.5),
    ("General ECG", {"sop": "general"}, counts_for(2.5), 2.5),
    ("Ambulatory ECG", {"sop": "ambulatory"}, counts_for(2.5), 2.5),
]


@pytest.mark.parametrize("kwargs,counts,step", [v[1:] for v in VALID], ids=[v[0] for v in VALID])
def test_encodings_the_standard_allows_read_as_the_mv_written(tmp_path, kwargs, counts, step):
    rec = load_record(write_ecg(tmp_path / "ecg.dcm", counts, **kwargs))
    assert rec.fs == FS and rec.signal.shape == MV.shape
    assert rec.meta["format"] == "dicom-ecg" and not rec.flagged_leads("missing")
    # half a step, and float32's rounding of a few mV
    np.testing.assert_allclose(rec.signal, MV, rtol=0, atol=step / 2000 + 1e-6)


@pytest.mark.parametrize("interpretation,baseline,correction", [
    ("SS", None, None), ("US", "-81920", None), ("SB", None, "8"), ("UB", "-2560", "8"), ("SL", "3", None),
    ("UL", "-214748364.8", None)])
def test_linear_samples_read_as_pydicom_decodes_them(tmp_path, interpretation, baseline, correction):
    """pydicom's waveform handler (an independent decoder for little endian linear samples):
    sample x sensitivity x correction + baseline, in the sensitivity's units (uV here)."""
    step = {"SS": 2.5, "US": 2.5, "SB": 2.5, "UB": 2.5, "SL": 0.1, "UL": 0.1}[interpretation]
    sensitivity = step / float(correction or 1)
    counts = counts_for(step, float(baseline or 0))
    path = write_ecg(tmp_path / "ecg.dcm", np.clip(counts, -128, 255) if interpretation in ("SB", "UB") else counts,
                     interpretation=interpretation, sensitivity=f"{sensitivity:g}", baseline=baseline,
                     correction=correction)
    ref = pydicom.dcmread(path).waveform_array(0).T / 1000   # (12, T) mV
    np.testing.assert_allclose(load_record(path).signal, ref, rtol=0, atol=1e-6)


def test_an_inverted_avr_channel_reads_as_avr(tmp_path):
    """SCP-ECG lead code 65 is -aVR (the Cabrera display): its samples, inverted, are aVR."""
    counts = counts_for(2.5)
    avr = STANDARD_LEADS.index("aVR")
    counts[avr] = -counts[avr]
    path = write_ecg(tmp_path / "cabrera.dcm", counts)
    ds = pydicom.dcmread(path)
    source = ds.WaveformSequence[0].ChannelDefinitionSequence[avr].ChannelSourceSequence[0]
    source.CodeValue, source.CodeMeaning = "5.6.3-9-65", "-aVR"
    ds.save_as(path, enforce_file_format=True)
    np.testing.assert_allclose(load_record(path).signal, MV, rtol=0, atol=2.5 / 2000 + 1e-6)


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian], ids=["LE", "BE"])
@pytest.mark.parametrize("law", ["MB", "AB"])
def test_mu_law_and_a_law_samples_are_expanded_as_g711(tmp_path, law, syntax):
    """8-bit mu-law (MB) and A-law (AB), ITU-T G.711: each code expands to the 16-bit linear value
    audioop gives (Python <= 3.12), which Channel Sensitivity (0.5 uV here) scales."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    encode, decode = {"MB": (audioop.lin2ulaw, audioop.ulaw2lin), "AB": (audioop.lin2alaw, audioop.alaw2lin)}[law]
    linear = np.clip(np.round(MV * 1000 / 0.5), -32768, 32767).astype("<i2")
    codes = np.frombuffer(encode(linear.tobytes(), 2), "u1").reshape(linear.shape)
    truth = np.frombuffer(decode(codes.tobytes(), 2), "<i2").reshape(linear.shape) * 0.5 / 1000
    assert np.abs(truth - MV).max() < 0.1           # companding keeps the ECG (a few % of its peaks)
    rec = load_record(write_ecg(tmp_path / "law.dcm", codes.astype(np.int64), interpretation=law,
                                sensitivity="0.5", syntax=syntax))
    np.testing.assert_allclose(rec.signal, truth, rtol=0, atol=1e-6)


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian], ids=["LE", "BE"])
def test_padding_value_marks_those_samples_missing(tmp_path, syntax):
    counts = counts_for(2.5)
    counts[3, 100:200] = -32768
    order = ">" if syntax == ExplicitVRBigEndian else "<"
    rec = load_record(write_ecg(tmp_path / "pad.dcm", counts, syntax=syntax,
                                padding=np.array([-32768], order + "i2").tobytes()))
    assert np.isnan(rec.signal[3, 100:200]).all() and np.isnan(rec.signal).sum() == 100
    assert rec.flagged_leads("missing") == ("aVR",)
    keep = np.isfinite(rec.signal)
    np.testing.assert_allclose(rec.signal[keep], MV[keep], rtol=0, atol=2.5 / 2000 + 1e-6)


@pytest.mark.parametrize("status", ["DISCONNECTED", "INVALID", ["OK", "INVALID"]])
def test_a_channel_whose_status_says_it_holds_no_signal_is_missing(tmp_path, status):
    """Channel Status DISCONNECTED or INVALID (PS3.3 Table C.10-9): the samples are no signal. They
    were read as lead V3's ECG; now V3 is missing (NaN, flagged) and a reader note says why."""
    v3 = STANDARD_LEADS.index("V3")
    rec = load_record(write_ecg(tmp_path / "status.dcm", counts_for(2.5), status={v3: status}))
    assert np.isnan(rec.signal[v3]).all() and rec.flagged_leads("missing") == ("V3",)
    others = [k for k in range(12) if k != v3]
    np.testing.assert_allclose(rec.signal[others], MV[others], rtol=0, atol=2.5 / 2000 + 1e-6)
    assert any("lead V3: Channel Status" in note and "left out" in note for note in rec.meta["reader_warnings"])


@pytest.mark.parametrize("status", ["UNCALIBRATED", "TEST DATA", "QUESTIONABLE"])
def test_other_channel_status_is_said_beside_the_record(tmp_path, status):
    v1 = STANDARD_LEADS.index("V1")
    rec = load_record(write_ecg(tmp_path / "status.dcm", counts_for(2.5), status={v1: status}))
    np.testing.assert_allclose(rec.signal, MV, rtol=0, atol=2.5 / 2000 + 1e-6)
    assert any(f"lead V1: Channel Status {status}" in note for note in rec.meta["reader_warnings"])


def _interleaved_12(order):
    """Waveform Data of all 12 leads (SS, 2.5 uV), whatever the channel definitions say."""
    return np.ascontiguousarray(counts_for(2.5)[order].T).astype("<i2").tobytes()


CHEST_FIRST = [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5]
HOSTILE = {
    # before: ecgdatakit read 8 channels out of 12 interleaved ones, every lead another's samples,
    # and the limb leads were derived from them: a 12-lead ECG of wrong values, silently
    "8 channels stated, 12 in the data": (
        lambda p: write_ecg(p, counts_for(2.5), order=CHEST_FIRST[:8], data=_interleaved_12(CHEST_FIRST)),
        r"multiplex group 1: Waveform Data holds 120,000 bytes, 2,500 samples a channel more than the "
        r"5,000 samples x 8 channels x 2 bytes its counts state"),
    "8 channels stated, 12 defined": (
        lambda p: write_ecg(p, counts_for(2.5), order=CHEST_FIRST, channels=8),
        r"multiplex group 1: Number of Waveform Channels is 8 but the Channel Definition Sequence defines "
        r"12 channels"),
    # before: read, the samples past the stated count dropped silently
    "more samples than stated": (
        lambda p: write_ecg(p, counts_for(2.5), data=_interleaved_12(list(range(12))) + bytes(24 * 10)),
        r"Waveform Data holds 120,240 bytes, 10 samples a channel more than the 5,000 samples"),
    # before: "resolution nan uV per count is not a positive number", which named no field
    "correction factor NaN": (
        lambda p: write_ecg(p, counts_for(2.5), correction="NaN"),
        r"multiplex group 1, channel 1 \(lead I\): Channel Sensitivity Correction Factor \(003A,0212\) NaN "
        r"is not a positive number"),
    "correction factor 0": (
        lambda p: write_ecg(p, counts_for(2.5), correction="0"),
        r"channel 1 \(lead I\): Channel Sensitivity Correction Factor \(003A,0212\) 0 is not a positive number"),
    "sensitivity 0": (
        lambda p: write_ecg(p, counts_for(2.5), sensitivity="0"),
        r"channel 1 \(lead I\): Channel Sensitivity \(003A,0210\) 0 is not a positive number"),
    "sensitivity -2.5": (
        lambda p: write_ecg(p, counts_for(2.5), sensitivity="-2.5"),
        r"channel 1 \(lead I\): Channel Sensitivity \(003A,0210\) -2.5 is not a positive number"),
    # before: "the file gives no Channel Sensitivity", though it gives one
    "sensitivity 2,5": (
        lambda p: _replace(write_ecg(p, counts_for(2.5), sensitivity="2.5001"), b"2.5001", b"2,5001"),
        r"channel 1 \(lead I\): Channel Sensitivity \(003A,0210\) '2,5001' is not a number"),
    "sensitivity missing": (
        lambda p: write_ecg(p, counts_for(2.5), sensitivity=None),
        r"lead I: the file gives no Channel Sensitivity \(with its units\)"),
    "units missing": (
        lambda p: write_ecg(p, counts_for(2.5), units=None),
        r"lead I: its Channel Sensitivity \(2.5\) is given without units"),
    "baseline NaN": (
        lambda p: write_ecg(p, counts_for(2.5), baseline="NaN"),
        r"lead I: offset nan is not a number"),
    "Waveform Bits Allocated 12": (
        lambda p: _replace(write_ecg(p, counts_for(2.5)), b"\x00\x54\x04\x10US\x02\x00\x10\x00",
                           b"\x00\x54\x04\x10US\x02\x00\x0c\x00"),
        r"unsupported Waveform Bits Allocated 12 with Sample Interpretation 'SS'"),
    "interpretation XX": (
        lambda p: _replace(write_ecg(p, counts_for(2.5)), b"\x00\x54\x06\x10CS\x02\x00SS",
                           b"\x00\x54\x06\x10CS\x02\x00XX"),
        r"unsupported Waveform Bits Allocated 16 with Sample Interpretation 'XX'"),
    # before: read as signed (ecgdatakit's default for 16 bits): unsigned samples with their baseline
    # came out 163.84 mV off wherever the signal crossed zero, silently; now the samples show which
    # (test_formats_leftovers), and these, around 32768 with no baseline, read like no ECG either way
    "no Waveform Sample Interpretation": (
        lambda p: _without_interpretation(write_ecg(p, counts_for(2.5, -81920), interpretation="US")),
        r"multiplex group 1: Waveform Sample Interpretation \(5400,1006\) is missing, and its 16-bit "
        r"samples read like no ECG as signed \(SS: lead I wraps around the 16-bit range\) or as unsigned"),
    "Waveform Data of odd length": (
        lambda p: _cut_waveform_data(write_ecg(p, counts_for(2.5)), 1),
        r"Waveform Data has 119999 bytes, expected 120000 \(5000 samples x 12 channels x 2 bytes\)"),
}


def _replace(path: Path, old: bytes, new: bytes) -> Path:
    data = path.read_bytes()
    assert data.count(old) >= 1 and len(old) == len(new)
    path.write_bytes(data.replace(old, new))
    return path


def _without_interpretation(path: Path) -> Path:
    ds = pydicom.dcmread(path)
    del ds.WaveformSequence[0].WaveformSampleInterpretation
    ds.save_as(path, enforce_file_format=True)
    return path


def _cut_waveform_data(path: Path, cut: int) -> Path:
    """Waveform Data (5400,1010) ``cut`` bytes shorter, its length field too: an odd length, which
    pydicom's writer would pad."""
    data = bytearray(path.read_bytes())
    at = data.index(b"\x00\x54\x10\x10OW\x00\x00")
    n = int.from_bytes(data[at + 8:at + 12], "little")
    data[at + 8:at + 12] = (n - cut).to_bytes(4, "little")
    del data[at + 12 + n - cut:at + 12 + n]
    path.write_bytes(bytes(data))
    return path


@pytest.mark.filterwarnings("ignore:Invalid value for VR DS")
@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_file_whose_fields_cannot_describe_its_samples_is_refused_naming_the_field(tmp_path, case):
    make, pattern = HOSTILE[case]
    path = make(tmp_path / "bad.dcm")
    with pytest.raises(RecordError) as err:
        load_record(path)
    text = str(err.value)
    assert text.startswith(f"{path}: read as DICOM ECG waveform: "), text
    assert re.search(pattern, text), text
    assert "Traceback" not in text


def test_a_bad_median_beat_group_is_left_out_and_the_rhythm_read(tmp_path):
    """A second group (the median beat) whose channels and data disagree is left out with a note;
    the rhythm, whose fields are right, is read as written."""
    path = write_ecg(tmp_path / "ecg.dcm", counts_for(2.5))
    ds = pydicom.dcmread(path)
    beat = copy.deepcopy(ds.WaveformSequence[0])
    beat.MultiplexGroupLabel, beat.WaveformOriginality = "MEDIAN BEAT", "DERIVED"
    beat.NumberOfWaveformSamples = 600
    beat.NumberOfWaveformChannels = 8        # 12 defined: every channel read out of step
    beat.WaveformData = bytes(beat.WaveformData[:600 * 12 * 2])
    ds.WaveformSequence = Sequence([ds.WaveformSequence[0], beat])
    ds.save_as(path, enforce_file_format=True)
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal, MV, rtol=0, atol=2.5 / 2000 + 1e-6)
    assert rec.meta.get("device_median_beats") is None
    assert any("multiplex group 2 is left out: Number of Waveform Channels is 8" in note
               for note in rec.meta["reader_warnings"])
