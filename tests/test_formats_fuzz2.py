"""Hostile clinical files, second round: seeded mutants of the bundled vendor samples (GE MUSE,
Philips, HL7 aECG, DICOM, SCP-ECG, ISHNE) and of EDF/BDF/MFER files written here from LUDB record 1,
each with the field edit that an adversarial audit found slipping through.

The contract (``load_record``): a ``RecordError`` whose message starts with the file's path and
says what is wrong, or a record in mV with a plausible sampling frequency and finite samples
wherever a lead is not flagged "missing". The truth each case checks is the edit it made: a
sampling frequency outside ``limits.plausible_fs``, a resolution of 1e6 uV, microvolts labelled
millivolts, a NaN or infinite scale, an EDF header whose fields disagree with its data.
"""

from __future__ import annotations

import binascii
import random
import re
import resource
import shutil
import struct
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.limits import MAX_ABS_MV
from mirage_model.limits import plausible_fs
from mirage_model.records import STANDARD_LEADS, EcgRecord, RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

DATA = Path(__file__).parent / "data" / "formats"
LUDB = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"
MUSE, AECG, DICOM = DATA / "muse-sinus.xml", DATA / "aecg_subject1_0.xml", DATA / "waveform_ecg.dcm"
PHILIPS, SCP, ISHNE = DATA / "129DYPRG.XML", DATA / "Example.scp", DATA / "ECG_P28.01.ecg"


# ---------------------------------------------------------------------------------------------
# helpers

def refused(path: Path, *patterns: str) -> str:
    """``load_record(path)`` raises RecordError (nothing else), naming the file and matching each
    regex in ``patterns``; returns the message."""
    with pytest.raises(RecordError) as info:
        load_record(path)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    for pattern in patterns:
        assert re.search(pattern, msg), f"{pattern!r} not in {msg!r}"
    return msg


def check_record(rec: EcgRecord) -> None:
    """The EcgRecord contract: (12, T) float32 mV, T > 0, plausible fs, NaN only in leads flagged
    missing, no inf, no sample beyond any recorder's range."""
    assert isinstance(rec, EcgRecord)
    assert rec.signal.dtype == np.float32 and rec.signal.ndim == 2 and rec.signal.shape[0] == 12
    assert rec.signal.shape[1] > 0
    assert plausible_fs(rec.fs) is None, rec.fs
    assert not np.isinf(rec.signal).any()
    for flag in ("flat", "saturated", "missing", "derived"):
        assert rec.quality[flag].shape == (12,)
    nan = np.isnan(rec.signal).any(axis=1)
    assert not (nan & ~rec.quality["missing"]).any()
    assert not (np.nan_to_num(np.abs(rec.signal)) > MAX_ABS_MV).any()


def xml_edit(src: Path, dst: Path, pattern: str, repl: str, count: int = 0, encoding: str = "latin-1") -> Path:
    """Copy ``src`` to ``dst`` with a regex substitution (``count`` 0: every match); the edit must hit."""
    text = src.read_text(encoding=encoding)
    new, n = re.subn(pattern, repl, text, count=count)
    assert n, f"{pattern!r} not in {src.name}"
    dst.write_text(new, encoding=encoding)
    return dst


def muse(tmp_path: Path, tag: str, value: str, count: int = 0) -> Path:
    return xml_edit(MUSE, tmp_path / "muse.xml", rf"(<{tag}>)[^<]*(</{tag}>)", rf"\g<1>{value}\g<2>", count)


def aecg(tmp_path: Path, elem: str, attr: str, value: str) -> Path:
    return xml_edit(AECG, tmp_path / "aecg.xml", rf'(<{elem}\b[^>]*?\s{attr}=")[^"]*(")', rf"\g<1>{value}\g<2>",
                    encoding="utf-8")


def philips(tmp_path: Path, tag: str, value: str) -> Path:
    return xml_edit(PHILIPS, tmp_path / "philips.xml", rf"(<{tag}>)[^<]*(</{tag}>)", rf"\g<1>{value}\g<2>",
                    encoding="utf-8")


def dicom(tmp_path: Path, edit) -> Path:
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DICOM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # pydicom warns of the invalid DS values written here
        edit(ds.WaveformSequence[0])
    path = tmp_path / "wave.dcm"
    ds.save_as(path, enforce_file_format=False)
    return path


def each_channel(attr: str, value):
    def edit(wf):
        for ch in wf.ChannelDefinitionSequence:
            setattr(ch, attr, value)
    return edit


@pytest.fixture(scope="module")
def edf_file(tmp_path_factory) -> Path:
    """LUDB record 1 as EDF+ (MIRAGE's writer: 12 signals "ECG <lead>" in mV, 10 records of 1 s, and the
    annotation signal that carries LUDB's diagnoses)."""
    pytest.importorskip("edfio")
    rec = load_record(LUDB.with_suffix(".hea"))
    return formats.write_record(rec, tmp_path_factory.mktemp("edf"), "edf")


def edf_fields(path: Path) -> dict[str, tuple[int, int, int]]:
    """(offset of signal 0's field, width, number of signals) of each EDF header field we edit."""
    ns = int(path.read_bytes()[252:256])
    return {"dim": (256 + 96 * ns, 8, ns), "pmin": (256 + 104 * ns, 8, ns), "pmax": (256 + 112 * ns, 8, ns),
            "dmin": (256 + 120 * ns, 8, ns), "dmax": (256 + 128 * ns, 8, ns), "nsamp": (256 + 216 * ns, 8, ns),
            "hbytes": (184, 8, 1), "nrec": (236, 8, 1), "duration": (244, 8, 1)}


def edf_edit(src: Path, dst: Path, field: str, value: str, signals: str = "first") -> Path:
    data = bytearray(src.read_bytes())
    off, width, ns = edf_fields(src)[field]
    for k in range(ns if signals == "all" else 1):
        data[off + k * width: off + (k + 1) * width] = value.encode("latin-1").ljust(width)
    dst.write_bytes(bytes(data))
    return dst


def scp_section(data: bytes, sid: int) -> int:
    """Byte offset of SCP-ECG section ``sid``'s body (after its 16-byte header), from Section 0."""
    end = 6 + struct.unpack_from("<I", data, 10)[0]
    for pos in range(6 + 16, end - 9, 10):
        s, _, index = struct.unpack_from("<HII", data, pos)
        if s == sid:
            return index - 1 + 16
    raise AssertionError(f"no section {sid}")


# ---------------------------------------------------------------------------------------------
# 1. a sampling frequency outside limits.plausible_fs was accepted (1 Hz, 1e9 Hz ...) by every
#    reader: now refused, whatever field declared it

def _scp_interval(tmp_path):
    data = bytearray(SCP.read_bytes())
    struct.pack_into("<H", data, scp_section(data, 6) + 2, 1)   # 1 us per sample: 1 MHz
    (tmp_path / "fast.scp").write_bytes(bytes(data))
    return tmp_path / "fast.scp"


def _ishne_fs(tmp_path):
    data = bytearray(ISHNE.read_bytes())
    struct.pack_into("<h", data, 10 + 262, 1)                   # 1 Hz, header CRC kept valid
    struct.pack_into("<H", data, 8, binascii.crc_hqx(bytes(data[10:522]), 0xFFFF))
    (tmp_path / "slow.ecg").write_bytes(bytes(data))
    return tmp_path / "slow.ecg"


FS_CASES = {
    "muse SampleBase 1e9": lambda t: muse(t, "SampleBase", "1000000000"),
    "muse SampleBase 1": lambda t: muse(t, "SampleBase", "1"),
    "aecg increment 1e-9 s": lambda t: aecg(t, "increment", "value", "1e-9"),
    "aecg increment in ms": lambda t: aecg(t, "increment", "unit", "ms"),
    "philips samplingrate 1": lambda t: philips(t, "samplingrate", "1"),
    "dicom SamplingFrequency 1e9": lambda t: dicom(t, lambda wf: setattr(wf, "SamplingFrequency", "1e9")),
    "scp sample interval 1 us": _scp_interval,
    "ishne sampling rate 1": _ishne_fs,
}


@pytest.mark.parametrize("case", sorted(FS_CASES))
def test_implausible_sampling_frequency_is_refused(tmp_path, case):
    refused(FS_CASES[case](tmp_path), r"read as .*: sampling frequency \S+ (Hz )?is outside the plausible range")


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf"])
def test_dicom_sampling_frequency_that_is_no_number_is_named(tmp_path, value):
    """A DICOM Sampling Frequency of NaN or inf was refused as "DICOM: cannot decode an element:
    ValueError: cannot convert float NaN to integer": now the message names the field."""
    path = dicom(tmp_path, lambda wf: setattr(wf, "SamplingFrequency", value))
    msg = refused(path, r"read as DICOM ECG waveform: multiplex group 1: Sampling Frequency "
                        r"\S+ is not a finite number")
    assert "convert float" not in msg and "ValueError" not in msg and "OverflowError" not in msg


@pytest.mark.parametrize("duration", ["1e-9", "100000"])
def test_edf_record_duration_giving_an_implausible_rate_is_refused(tmp_path, edf_file, duration):
    path = edf_edit(edf_file, tmp_path / "d.edf", "duration", duration)
    refused(path, r"read as EDF/EDF\+: sampling frequency .* outside the plausible range")


# ---------------------------------------------------------------------------------------------
# 2./3./4. scales that are out of range, not a number or not an ECG's: before, inf or NaN samples
#    (NaN flagged "missing" as if the file had said so), or amplitudes 1e3-1e30 times too large

SCALE_CASES = {
    # resolution (scale per count) not a positive number, or outside limits' 1e-7..10 mV
    "muse gain NaN": (lambda t: muse(t, "LeadAmplitudeUnitsPerBit", "NaN"), r"resolution nan .*not a positive number"),
    "muse gain negative": (lambda t: muse(t, "LeadAmplitudeUnitsPerBit", "-4.88"), r"not a positive number"),
    "muse gain 1e300": (lambda t: muse(t, "LeadAmplitudeUnitsPerBit", "1e300"), r"implausible for an ECG"),
    "muse gain 4.88e6 uV": (lambda t: muse(t, "LeadAmplitudeUnitsPerBit", "4880000"), r"implausible for an ECG"),
    "muse units VOLTS": (lambda t: muse(t, "LeadAmplitudeUnits", "VOLTS"), r"4.88 V per count is implausible"),
    "aecg scale in V": (lambda t: aecg(t, "scale", "unit", "V"), r"implausible for an ECG"),
    # a scale that is no number: ecgdatakit took 1 uV per count, amplitudes 2.5 times too small
    "aecg scale NaN": (lambda t: aecg(t, "scale", "value", "NaN"), r"lead I: the scale .* not a number"),
    "aecg scale text": (lambda t: aecg(t, "scale", "value", "2,5x"), r"lead I: the scale .* not a number"),
    "aecg scale empty": (lambda t: aecg(t, "scale", "value", ""), r"lead I: the scale .* not a number"),
    "philips resolution 1e300": (lambda t: philips(t, "signalresolution", "1e300"), r"implausible for an ECG"),
    "dicom sensitivity NaN": (lambda t: dicom(t, each_channel("ChannelSensitivity", "NaN")), r"not a positive number"),
    "dicom sensitivity inf": (lambda t: dicom(t, each_channel("ChannelSensitivity", "inf")), r"not a positive number"),
    "dicom units V": (lambda t: dicom(t, lambda wf: [setattr(c.ChannelSensitivityUnitsSequence[0], "CodeValue", "V")
                                                     for c in wf.ChannelDefinitionSequence]), r"implausible"),
    # an offset that puts samples beyond any recorder's range (before: inf once cast to float32)
    "aecg origin 1e300": (lambda t: aecg(t, "origin", "value", "1e300"), r"beyond any ECG recorder's range"),
    "dicom baseline 1e300": (lambda t: dicom(t, each_channel("ChannelBaseline", "1e300")), r"beyond any ECG"),
    "dicom baseline NaN": (lambda t: dicom(t, each_channel("ChannelBaseline", "NaN")), r"offset nan is not a number"),
    # a plausible resolution, but microvolts stored as millivolts: 1000 times an ECG's amplitude
    "muse units MILLIVOLTS": (lambda t: muse(t, "LeadAmplitudeUnits", "MILLIVOLTS"), r"not an ECG's in mV"),
    "muse gain 4880 uV": (lambda t: muse(t, "LeadAmplitudeUnitsPerBit", "4880"), r"not an ECG's in mV"),
    "aecg scale in mV": (lambda t: aecg(t, "scale", "unit", "mV"), r"not an ECG's in mV"),
    "philips resolution 5000": (lambda t: philips(t, "signalresolution", "5000"), r"not an ECG's in mV"),
    "dicom sensitivity 1000": (lambda t: dicom(t, each_channel("ChannelSensitivity", "1000")), r"not an ECG's in mV"),
}


@pytest.mark.parametrize("case", sorted(SCALE_CASES))
def test_scale_out_of_range_is_refused_not_turned_into_inf_nan_or_volts(tmp_path, case):
    make, pattern = SCALE_CASES[case]
    refused(make(tmp_path), r"read as ", pattern)


@pytest.mark.parametrize("old, new, pattern", [
    (b"\x0b\x04\x01\xfd", b"\x0b\x04\x01\xf7", r"sampling frequency 5e\+08 Hz is outside the plausible range"),
    (b"\x0c\x04\x00\xfa", b"\x0c\x04\x00\x00", r"lead I: resolution 1e\+06 uV per count is implausible"),
    (b"\x0c\x04\x00\xfa", b"\x0c\x04\x00\xfd", r"not an ECG's in mV"),
], ids=["interval 2e-9 s", "resolution 1 V", "resolution 1 mV"])
def test_mfer_scales_out_of_range_are_refused(tmp_path, old, new, pattern):
    """MFER's sampling interval (tag 0x0B) and resolution (0x0C) are (unit, exponent, mantissa):
    an exponent of -9 instead of -3 makes 500 Hz into 500 MHz; 0 or -3 instead of -6 turns 1 uV
    into 1 V or 1 mV per count."""
    from test_formats_holter_mfer import MFER_CODES, _ludb_counts, write_mfer

    counts, fs = _ludb_counts()
    path = tmp_path / "cart.mwf"
    write_mfer(path, [(code, fs, counts[STANDARD_LEADS.index(lead)]) for lead, code in MFER_CODES.items()])
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))
    refused(path, r"read as MFER: ", pattern)


def test_nan_or_inf_digits_in_aecg_are_refused(tmp_path):
    text = AECG.read_text(encoding="utf-8")
    m = re.search(r"<digits>([^<]*)</digits>", text)
    tokens = m.group(1).split()
    for bad, pattern in (("NaN", r"1 sample is not a number \(NaN\), and the format has no mark for missing"),
                         ("inf", r"1 sample is infinite"), ("1e400", r"1 sample is infinite")):
        tokens2 = tokens[:100] + [bad] + tokens[101:]            # same length: only the value is hostile
        path = tmp_path / f"digits_{bad}.xml"
        path.write_text(text[:m.start(1)] + " ".join(tokens2) + text[m.end(1):], encoding="utf-8")
        refused(path, r"read as HL7 aECG: lead I: " + pattern)


def test_dicom_padding_value_is_a_declared_gap_and_flags_its_lead_missing(tmp_path):
    """DICOM marks missing samples with Waveform Padding Value (PS3.3 C.10.9.1): those, and only
    those, become NaN, and flag their lead "missing" (the format declares them)."""
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DICOM)
    wf = ds.WaveformSequence[0]
    raw = np.frombuffer(wf.WaveformData, dtype="<i2").reshape(-1, wf.NumberOfWaveformChannels).copy()
    pad = -32768
    assert not (raw == pad).any()
    raw[100:150, 0] = pad                                        # lead I: 50 samples missing
    wf.WaveformData = raw.tobytes()
    wf.add_new((0x5400, 0x100A), "OB", struct.pack("<h", pad))   # Waveform Padding Value
    path = tmp_path / "padded.dcm"
    ds.save_as(path, enforce_file_format=False)
    rec = load_record(path)
    check_record(rec)
    i = STANDARD_LEADS.index("I")
    assert np.isnan(rec.signal[i, 100:150]).all() and np.isfinite(rec.signal[i, :100]).all()
    assert rec.flagged_leads("missing")[0] == "I"


@pytest.mark.parametrize("tag, value, kept_out", [
    ("PatientAge", "NaN", None), ("PatientAge", "inf", None),
    ("VentricularRate", "NaN", "Heart rate (bpm)"), ("QRSDuration", "-inf", "QRS duration (ms)"),
    ("RAxis", "Infinity", "QRS axis (deg)"),
])
def test_muse_field_that_is_no_finite_number_is_left_out_not_the_whole_ecg(tmp_path, tag, value, kept_out):
    """A GE MUSE PatientAge or cart measurement of "NaN" or "inf" refused the whole ECG ("a number in
    the file is out of range ... (ValueError: cannot convert float NaN to integer)"): the field is
    now left out and named in the reader's warnings, and the ECG reads as the unedited file does."""
    rec = load_record(muse(tmp_path, tag, value))
    check_record(rec)
    assert np.array_equal(rec.signal, load_record(MUSE).signal, equal_nan=True)
    assert rec.meta["patient"]["id"] == "081486213"               # as the XML's <PatientID>
    assert any(f"<{tag}>" in note for note in rec.meta["reader_warnings"])
    if kept_out:
        assert kept_out not in rec.meta["device_report"]["measurements"]
        assert rec.meta["device_report"]["measurements"]["PR interval (ms)"] == 144   # <PRInterval>144


def test_muse_patient_named_nan_keeps_the_name(tmp_path):
    """Names are text: a first name "Nan" (float("Nan") is not a number) is kept, not left out."""
    rec = load_record(muse(tmp_path, "PatientFirstName", "Nan"))
    assert rec.meta["patient"]["name"] == "Nan DOE"


def test_device_median_beat_with_leads_of_unequal_length_does_not_refuse_the_ecg(tmp_path):
    """A device median beat whose lead II holds fewer samples than lead I (a damaged or odd aECG)
    refused the whole ECG with "cannot be read (ValueError: operands could not be broadcast ...)",
    from deriving the beat's limb leads. The rhythm reads as in the unedited file; the device's
    beat, which cannot be drawn as one beat, is left out."""
    text = AECG.read_text(encoding="utf-8")
    beat = text.index('code="REPRESENTATIVE_BEAT"')
    lead_ii = text.index('code="MDC_ECG_LEAD_II"', beat)
    m = re.compile(r"<digits>([^<]*)</digits>").search(text, lead_ii)
    tokens = m.group(1).split()
    path = tmp_path / "beat.xml"
    path.write_text(text[:m.start(1)] + " ".join(tokens[: len(tokens) // 2]) + text[m.end(1):], encoding="utf-8")
    rec = load_record(path)
    check_record(rec)
    assert np.array_equal(rec.signal, load_record(AECG).signal, equal_nan=True)
    assert load_record(AECG).meta.get("device_median_beats")      # the unedited file has one
    beats = rec.meta.get("device_median_beats")
    assert beats is None or len({len(x) for x in beats["leads"].values()}) == 1


@pytest.mark.parametrize("tag, value", [("SampleBase", "NaN"), ("SampleBase", "inf"),
                                        ("LeadSampleCountTotal", "NaN")])
def test_muse_waveform_field_that_is_no_finite_number_is_named(tmp_path, tag, value):
    """"a number in the file is out of range or not a number (ValueError: cannot convert float NaN
    to integer)" named neither the field nor the problem: the message now names the field."""
    msg = refused(muse(tmp_path, tag, value), rf"read as GE MUSE XML: the waveform field <{tag}> reads "
                                              rf"'{value}', which is not a finite number")
    assert "convert float" not in msg


def test_too_small_a_scale_loads_as_unscorable_with_its_reason(tmp_path):
    """A resolution 1000 times too small leaves every lead flat: the record loads, and its meta
    says it cannot be scored (the formats path said nothing before)."""
    rec = load_record(muse(tmp_path, "LeadAmplitudeUnitsPerBit", "0.00488"))
    check_record(rec)
    assert rec.quality["flat"].all()
    assert "flat" in rec.meta["unscorable"]
    assert "unscorable" not in load_record(MUSE).meta


# ---------------------------------------------------------------------------------------------
# 5./6. EDF and BDF headers: a ValueError escaped for a digital range that is not a number; edfio
#    silently returned raw counts as mV for an empty or unreadable range; it read from the offset
#    of the header-length field and as many records as the file held, whatever the header said

EDF_CASES = {
    # field, value, signals edited, expected message
    "dmin not a number": ("dmin", "abc", "first", r"lead ECG I: its digital minimum or maximum is not a whole number"),
    "dmax empty": ("dmax", "", "all", r"digital minimum or maximum is not a whole number"),
    "dmin == dmax": ("dmin", "32767", "all", r"digital range 32767 to 32767 is not a rising range of 16-bit"),
    "digital range beyond 16 bits": ("dmax", "99999999", "first", r"not a rising range of 16-bit samples"),
    "pmin not a number": ("pmin", "abc", "first", r"physical minimum or maximum is not a number"),
    "pmin nan": ("pmin", "nan", "first", r"physical range nan to .* cannot scale"),
    "pmin 1e308": ("pmin", "1e308", "first", r"mV per count .* is implausible for an ECG"),
    "units V for mV data": ("dim", "V", "all", r"not an ECG's in mV"),
    "header length 256": ("hbytes", "256", "first", r"header length field says 256 bytes, but a header of {ns} "
                                                    r"signals has {bytes}"),
    "header length -1": ("hbytes", "-1", "first", r"header length field says -1 bytes"),
    "1 record declared, 10 held": ("nrec", "1", "first", r"holds 10 data records, but its header declares 1"),
    "0 records": ("nrec", "0", "first", r"declares 0 data records"),
    "-5 records": ("nrec", "-5", "first", r"declares -5 data records"),
    "duration 0": ("duration", "0", "first", r"data record duration 0 s is not a positive number"),
    "duration not a number": ("duration", "abc", "first", r"data record duration 'abc' is not a number"),
    "0 samples per record": ("nsamp", "0", "all", r"signal 1 declares 0 samples per data record"),
    "unicode digits": ("nrec", "\u0661\u0660", "first", r"number of data records .* is not a whole number"),
}


@pytest.mark.parametrize("case", sorted(EDF_CASES))
def test_edf_header_faults_are_refused_naming_the_field(tmp_path, edf_file, case):
    field, value, signals, pattern = EDF_CASES[case]
    path = tmp_path / "bad.edf"
    data = bytearray(edf_file.read_bytes())
    off, width, ns = edf_fields(edf_file)[field]
    for k in range(ns if signals == "all" else 1):
        data[off + k * width: off + (k + 1) * width] = value.encode("utf-8").ljust(width)[:width]
    path.write_bytes(bytes(data))
    # the file's own signal count (12 leads, and the annotation signal where the writer carried notes)
    signals_in = int(data[252:256].decode())
    refused(path, r"read as EDF/EDF\+: (.* )?" + pattern.format(ns=signals_in, bytes=256 * (signals_in + 1)))


def test_edf_physical_min_equal_max_is_refused_not_read_as_counts(tmp_path, edf_file):
    data = bytearray(edf_file.read_bytes())
    f = edf_fields(edf_file)
    for k in range(12):   # physical maximum := physical minimum
        data[f["pmax"][0] + 8 * k: f["pmax"][0] + 8 * k + 8] = data[f["pmin"][0] + 8 * k: f["pmin"][0] + 8 * k + 8]
    path = tmp_path / "flatrange.edf"
    path.write_bytes(bytes(data))
    refused(path, r"physical range (\S+) to \1 mV cannot scale its samples")


def test_edf_with_an_unknown_number_of_records_still_reads(tmp_path, edf_file):
    """EDF+ writes -1 records while recording: the file's size says how many (a legal header)."""
    rec = load_record(edf_edit(edf_file, tmp_path / "open.edf", "nrec", "-1"))
    check_record(rec)
    np.testing.assert_array_equal(rec.signal, load_record(edf_file).signal)


def test_edf_inverted_physical_range_reads_an_inverted_lead(tmp_path, edf_file):
    """EDF lets the physical minimum exceed the maximum (an inverted lead): still read, inverted."""
    data = bytearray(edf_file.read_bytes())
    f = edf_fields(edf_file)
    lo = bytes(data[f["pmin"][0]: f["pmin"][0] + 8])
    data[f["pmin"][0]: f["pmin"][0] + 8] = data[f["pmax"][0]: f["pmax"][0] + 8]
    data[f["pmax"][0]: f["pmax"][0] + 8] = lo
    path = tmp_path / "inverted.edf"
    path.write_bytes(bytes(data))
    a, b = load_record(edf_file), load_record(path)
    check_record(b)
    res = 2 * abs(float(lo)) / 65535
    np.testing.assert_allclose(b.signal[0], -a.signal[0], atol=res + 1e-6)


@pytest.fixture(scope="module")
def bdf_file(tmp_path_factory) -> Path:
    """LUDB record 1 as BDF+ by pyedflib, in uV over the whole 24-bit range (~1.1e-7 mV per count)."""
    pyedflib = pytest.importorskip("pyedflib")
    wfdb = pytest.importorskip("wfdb")
    from pyedflib import highlevel

    ref = wfdb.rdrecord(str(LUDB))
    x = np.ascontiguousarray(ref.p_signal.T * 1000)
    hi = float(np.ceil(np.abs(x).max())) + 1
    headers = highlevel.make_signal_headers([f"ECG {n.upper()}" for n in ref.sig_name], dimension="uV",
                                            sample_frequency=ref.fs, physical_min=-hi, physical_max=hi,
                                            digital_min=-(1 << 23), digital_max=(1 << 23) - 1)
    path = tmp_path_factory.mktemp("bdf") / "ludb1.bdf"
    highlevel.write_edf(str(path), x, headers, file_type=pyedflib.FILETYPE_BDFPLUS)
    return path


def test_bdf_digital_range_not_a_number_is_refused(tmp_path, bdf_file):
    path = edf_edit(bdf_file, tmp_path / "bad.bdf", "dmin", "-83886O8")   # letter O for a zero
    refused(path, r"read as BDF: lead ECG I: its digital minimum or maximum is not a whole number")


def test_bdf_with_a_finer_resolution_than_wfdb_gains_still_reads(tmp_path, bdf_file):
    """A 24-bit file spread over a +-500 uV range (6e-8 mV per count, below the WFDB gain bound)
    is a real writer's choice, not a corrupt field: read, scaled by the range."""
    path = edf_edit(edf_edit(bdf_file, tmp_path / "a.bdf", "pmin", "-500", "all"), tmp_path / "b.bdf",
                    "pmax", "500", "all")
    ref, rec = load_record(bdf_file), load_record(path)
    check_record(rec)
    hi = float(bdf_file.read_bytes()[edf_fields(bdf_file)["pmax"][0]:][:8])
    np.testing.assert_allclose(rec.signal, ref.signal * 500 / hi, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# 7./8. declared sizes that cost memory: an SCP-ECG lead of 2**32 samples made the decoder ask for
#    32 GiB; a 140 MB aECG of text digits took 1.5 GB and 20 s to parse

def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("stop", [2 ** 32 - 1, 2 ** 31, 9_000_001])
def test_scp_lead_declaring_billions_of_samples_is_refused_before_decoding(tmp_path, stop):
    data = bytearray(SCP.read_bytes())
    body = scp_section(data, 3)
    struct.pack_into("<I", data, body + 2 + 4, stop)              # lead 1: samples 1..stop
    path = tmp_path / "long.scp"
    path.write_bytes(bytes(data))
    rss0, t0 = _rss_mb(), time.perf_counter()
    refused(path, rf"read as SCP-ECG: lead 1 declares samples 1 to {stop:,}; at most 9,000,000")
    assert time.perf_counter() - t0 < 2 and _rss_mb() - rss0 < 100


def _load_in_child(path: Path, seconds: float) -> str:
    """What ``load_record(path)`` says in a child process given ``seconds`` (a reader that reads a
    huge file whole must not hold the test run for minutes): "refused: MESSAGE", "read" or "timeout"."""
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom mirage_model.records import RecordError, load_record\n"
            "try:\n    load_record(sys.argv[1]); print('read')\n"
            "except RecordError as e:\n    print('refused:', e)\n")
    root = str(Path(__file__).resolve().parents[1])
    try:
        res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=seconds,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join([root] + sys.path)})
    except subprocess.TimeoutExpired:
        return "timeout"
    return res.stdout.strip()


@pytest.mark.parametrize("fmt", ["dicom", "mfer"])
def test_huge_dicom_and_mfer_are_refused_before_they_are_read(tmp_path, fmt):
    """pydicom and ecgdatakit's MFER reader read a file whole before any check: the DICOM sample
    followed by 480 MB of zeros (a sparse file) was read element by element for minutes, an MFER
    file of that size read into memory whole. A file larger than 428 MB (9,000,000 samples a lead
    in 24 channels of 16 bits, plus header) is refused by its size before it is opened."""
    path = tmp_path / ("big.dcm" if fmt == "dicom" else "big.mwf")
    if fmt == "dicom":
        shutil.copy(DICOM, path)
    else:
        from test_formats_holter_mfer import _ludb_counts, write_mfer

        counts, fs = _ludb_counts()
        write_mfer(path, [(code, fs, counts[k]) for code, k in ((1, 0), (2, 1), (3, 6), (4, 7), (5, 8),
                                                                (6, 9), (7, 10), (8, 11))])
        assert load_record(path).signal.shape == (12, counts.shape[1])     # the file itself reads
    with open(path, "r+b") as f:
        f.truncate(480 << 20)
    t0 = time.perf_counter()
    said = _load_in_child(path, 30)
    name = "DICOM ECG waveform" if fmt == "dicom" else "MFER"
    assert said.startswith(f"refused: {path}: read as {name}: the file is 480 MB;"), said
    assert "read up to 428 MB" in said and "9,000,000 samples a lead" in said
    assert time.perf_counter() - t0 < 15
    rss0, t0 = _rss_mb(), time.perf_counter()
    refused(path, r"480 MB")                                       # and in this process: no memory, no time
    assert time.perf_counter() - t0 < 1 and _rss_mb() - rss0 < 50


def test_huge_xml_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "huge.xml"
    shutil.copy(AECG, path)
    with open(path, "r+b") as f:                                  # sparse: 80 MB on paper, nothing written
        f.truncate(80 << 20)
    t0 = time.perf_counter()
    refused(path, r"read as HL7 aECG: the XML file is 80 MB; ECG XML files up to 64 MB are read",
            r"an hour at 500 Hz about 40 MB\): export the stretch to review as a file of its own$")   # what to do
    assert time.perf_counter() - t0 < 1


# ---------------------------------------------------------------------------------------------
# 9. whatever a reader's code raises on a malformed file reaches the caller as a RecordError

def test_any_reader_fault_is_a_record_error_naming_file_and_format(tmp_path, edf_file, monkeypatch):
    from mirage_model.formats import edf, vendor

    def broken(*args, **kwargs):
        raise TypeError("unsupported operand type(s)")

    monkeypatch.setattr(vendor, "_to_record", broken)
    monkeypatch.setattr(edf, "_edf_info", broken)
    for path, name in ((MUSE, "GE MUSE XML"), (edf_file, "EDF/EDF\\+")):
        msg = refused(path, rf"read as {name}: cannot be read \(a part the format requires is missing or "
                            r"damaged\)$")
        assert "TypeError" not in msg and "operand" not in msg


# ---------------------------------------------------------------------------------------------
# a seeded sweep of truncations and byte flips over every sample: only the contract's outcomes

SAMPLES = [MUSE, PHILIPS, DATA / "3191723_ZZDEMOPTONLY_1-04_orig.xml", AECG, DICOM, SCP, ISHNE]


def _mutant(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.4:
        return data[: rng.randrange(len(data))]
    b = bytearray(data)
    for _ in range(rng.choice([1, 4, 16, 64])):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _sweep(tmp_path: Path, files: list[Path], per_file: int, seed: int) -> dict:
    counts = {"record": 0, "error": 0}
    for src in files:
        rng = random.Random(f"{seed}:{src.name}")
        data = src.read_bytes()
        for i in range(per_file):
            path = tmp_path / f"m{i}_{src.name}"
            path.write_bytes(_mutant(rng, data))
            what = f"{src.name} mutant {i} (seed {seed})"
            t0 = time.process_time()
            try:
                rec = load_record(path)
            except RecordError as err:
                assert str(err).startswith(str(path)), what
                counts["error"] += 1
            except BaseException as err:  # noqa: BLE001 -- anything else is the failure looked for
                raise AssertionError(f"{what}: {type(err).__name__}: {err}") from err
            else:
                check_record(rec)
                counts["record"] += 1
            assert time.process_time() - t0 < 10, what
            path.unlink()
    return counts


def test_seeded_mutants_of_every_sample_give_a_record_or_a_record_error(tmp_path, edf_file):
    counts = _sweep(tmp_path, SAMPLES + [edf_file], per_file=6, seed=2)
    assert counts["record"] > 0 and counts["error"] > 0


@pytest.mark.slow
def test_many_seeded_mutants_of_every_sample(tmp_path, edf_file, bdf_file):
    counts = _sweep(tmp_path, SAMPLES + [edf_file, bdf_file], per_file=120, seed=3)
    assert counts["record"] > 0 and counts["error"] > 0


def test_scp_byte_flip_that_decodes_one_lead_into_noise_withholds_that_lead(tmp_path):
    """One byte of Example.scp's Huffman-coded rhythm data changed (byte 18584, 92 -> 158, found by
    a mutation run): the CRC fails and the second differences decode V5 into tens of mV of noise
    while the other leads stay an ECG's, so the leads' median deviation passes. Once it loaded with V5
    at a median deviation of 38 mV, then it was refused; now V5 is withheld (blank, named with its 38 mV)
    and the failed CRC withholds the calls, as it does for any damaged waveform."""
    good = load_record(DATA / "Example.scp")
    v5 = STANDARD_LEADS.index("V5")
    assert np.nanmedian(np.abs(good.signal[v5] - np.nanmedian(good.signal[v5]))) < 1
    data = bytearray((DATA / "Example.scp").read_bytes())
    assert data[18584] == 92
    data[18584] = 158
    bad = tmp_path / "flipped.scp"
    bad.write_bytes(bytes(data))
    rec = load_record(bad)
    assert np.isnan(rec.signal[v5]).all() and rec.quality["missing"][v5]
    assert rec.meta["withheld_leads"]["V5"].startswith("its amplitudes (38.0 mV from baseline)")
    from mirage_model.quality import assess

    report = assess(rec)
    assert report.verdict != "usable" and "V5" in next(f for f in report.findings if f.code == "lead_missing").leads
    assert any(f.code == "file_checksum" and f.severity == "critical" for f in report.findings)
