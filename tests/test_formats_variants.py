"""Variants of the clinical formats that their specifications allow and the shipped samples do not
show, built from the samples (tests/data/formats) by editing their XML or DICOM elements: each read
gives the amplitudes in mV, lead names, sampling frequency and duration of the truth, or a
RecordError naming the file and what is wrong. Truth: the sample's own digits scaled as the
standard says (HL7 aECG: origin + scale * digit), or the unedited sample read the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

DATA = Path(__file__).parent / "data" / "formats"
AECG = DATA / "aecg_subject1_0.xml"
# the FDA example's leads, by their MDC code's suffix, and its scale (2.5 uV a digit, origin 0)
_MDC = {"AVR": "aVR", "AVL": "aVL", "AVF": "aVF"}


def aecg_truth() -> np.ndarray:
    """The FDA example's 12 rhythm leads (12, 5000) in mV, from its digits (origin 0, 2.5 uV)."""
    text = AECG.read_text(encoding="utf-8")
    rhythm = text[text.index("<sequenceSet>"):text.index("</sequenceSet>")]
    out = np.full((12, 5000), np.nan)
    for code, digits in re.findall(r'code="MDC_ECG_LEAD_(\w+)".*?<digits>(.*?)</digits>', rhythm, re.S):
        assert '<scale value="2.5" unit="uV"/>' in rhythm and '<origin value="0" unit="uV"/>' in rhythm
        out[STANDARD_LEADS.index(_MDC.get(code, code))] = np.array(digits.split(), dtype=float) * 2.5 / 1000
    assert not np.isnan(out).any()
    return out


def aecg_split(tmp_path: Path, second_head: str | None = None) -> Path:
    """The FDA example with its rhythm's one sequence set split in two: the limb leads in the first,
    the chest leads in the second, each with the time sequence (its head replaced by
    ``second_head`` in the second set when given)."""
    text = AECG.read_text(encoding="utf-8")
    start, end = text.index("<sequenceSet>"), text.index("</sequenceSet>") + len("</sequenceSet>")
    parts = re.findall(r"<component>\s*<sequence>.*?</sequence>\s*</component>", text[start:end], re.S)
    time, leads = parts[0], parts[1:]
    assert "TIME_ABSOLUTE" in time and len(leads) == 12
    limb = [p for p in leads if re.search(r'MDC_ECG_LEAD_(I|II|III|AVR|AVL|AVF)"', p)]
    chest = [p for p in leads if p not in limb]
    time2 = time if second_head is None else time.replace('<head value="20021122091000"/>',
                                                           f'<head value="{second_head}"/>')
    assert len(limb) == len(chest) == 6 and (second_head is None or time2 != time)
    new = (text[:start] + "<sequenceSet>" + time + "".join(limb) + "</sequenceSet></component><component>"
           + "<sequenceSet>" + time2 + "".join(chest) + "</sequenceSet>" + text[end:])
    path = tmp_path / "split_sets.xml"
    path.write_text(new, encoding="utf-8")
    return path


def test_aecg_leads_in_two_sequence_sets_on_one_time_axis_read_as_one_ecg(tmp_path):
    """A sequence set holds the leads recorded together; a writer may put the limb and the chest leads
    in two sets that share the time axis (same head and increment): all 12 are one ECG. The first set
    alone was read, and the file refused as missing V1-V6."""
    rec = load_record(aecg_split(tmp_path))
    assert rec.fs == 500 and rec.signal.shape == (12, 5000)
    np.testing.assert_allclose(rec.signal, aecg_truth(), atol=1e-6)
    assert "derived_leads" not in rec.meta


def test_aecg_leads_in_sequence_sets_recorded_one_after_another_are_refused_saying_so(tmp_path):
    """Sets on different time axes (the chest leads 10 s after the limb leads) were not recorded
    together: no 12-lead ECG, and the message says why, not only that V1-V6 are missing."""
    path = aecg_split(tmp_path, second_head="20021122091010")
    with pytest.raises(RecordError) as err:
        load_record(path)
    text = str(err.value)
    assert str(path) in text and "read as HL7 aECG" in text
    assert re.search(r"2 sequence sets on different time axes \(heads 20021122091000, 20021122091010\): "
                     r"V1, V2, V3, V4, V5, V6 were not recorded with I, II, III, aVR, aVL, aVF", text)


@pytest.mark.parametrize("scale,origin,shift_mv", [
    ('<scale value="0.0025" unit="mV"/>', '<origin value="0" unit="mV"/>', 0.0),
    ('<scale value="0.0000025" unit="V"/>', '<origin value="0" unit="V"/>', 0.0),
    ('<scale value="2.5" unit="\u00b5V"/>', '<origin value="0" unit="uV"/>', 0.0),
    ('<scale value="2.5" unit="uV"/>', '<origin value="0.5" unit="mV"/>', 0.5),    # origin in its own unit
    ('<scale value="0.0025" unit="mV"/>', '<origin value="-200" unit="uV"/>', -0.2),
], ids=["mV", "V", "micro-sign", "origin-mV", "origin-uV-scale-mV"])
def test_aecg_scale_and_origin_in_any_voltage_unit_give_the_same_mv(tmp_path, scale, origin, shift_mv):
    """value = origin + scale * digit, each in its own unit (uV, mV, V; HL7 PQ units)."""
    text = AECG.read_text(encoding="utf-8")
    text = text.replace('<scale value="2.5" unit="uV"/>', scale).replace('<origin value="0" unit="uV"/>', origin)
    path = tmp_path / "units.xml"
    path.write_text(text, encoding="utf-8")
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal, aecg_truth() + shift_mv, atol=1e-6)


def test_aecg_time_increment_in_ms_gives_the_same_rate(tmp_path):
    text = AECG.read_text(encoding="utf-8").replace('<increment value="0.002" unit="s"/>',
                                                    '<increment value="2" unit="ms"/>')
    path = tmp_path / "ms.xml"
    path.write_text(text, encoding="utf-8")
    rec = load_record(path)
    assert rec.fs == 500 and rec.signal.shape == (12, 5000)


# --- DICOM 12-lead ECG waveform (PS3.3 C.10.9, A.34.3) ---------------------------------------------

DICOM = DATA / "waveform_ecg.dcm"


def dicom_truth() -> np.ndarray:
    """The sample's rhythm (12, 10000) in mV by pydicom's own decoding (sensitivity, correction and
    baseline applied, in uV); its channels are I ... V6 in the standard order."""
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DICOM)
    assert int(ds.WaveformSequence[0].NumberOfWaveformChannels) == 12
    return ds.waveform_array(0).T / 1000


def dicom_with_groups(tmp_path: Path, name: str, parts) -> Path:
    """The sample with its rhythm group replaced by groups of some of its channels and samples:
    ``parts`` lists (channels, first sample, stop sample, Multiplex Group Time Offset or None);
    the median beat group stays after them."""
    import copy

    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DICOM)
    wf, median = ds.WaveformSequence
    counts = np.frombuffer(wf.WaveformData, "<i2").reshape(int(wf.NumberOfWaveformSamples), -1)   # (T, 12)
    groups = []
    for channels, start, stop, offset in parts:
        g = copy.deepcopy(wf)
        g.WaveformData = np.ascontiguousarray(counts[start:stop, channels]).tobytes()
        g.NumberOfWaveformChannels, g.NumberOfWaveformSamples = len(channels), stop - start
        g.ChannelDefinitionSequence = pydicom.sequence.Sequence(
            [copy.deepcopy(wf.ChannelDefinitionSequence[c]) for c in channels])
        if offset is None:
            del g.MultiplexGroupTimeOffset
        else:
            g.MultiplexGroupTimeOffset = offset
        groups.append(g)
    ds.WaveformSequence = pydicom.sequence.Sequence(groups + [median])
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return path


def test_dicom_leads_in_two_groups_recorded_together_read_as_one_ecg(tmp_path):
    """PS3.3 A.34.3.4.4 lets a 12-lead ECG spread its leads over up to five multiplex groups. Two
    groups that state the same Multiplex Group Time Offset, rate and length (limb leads in one,
    chest leads in the other) are one ECG; the first alone was read, and the file refused as
    missing V1-V6."""
    path = dicom_with_groups(tmp_path, "two_groups.dcm", [(list(range(6)), 0, 10000, 0),
                                                          (list(range(6, 12)), 0, 10000, 0)])
    rec = load_record(path)
    assert rec.fs == 1000 and rec.signal.shape == (12, 10000)
    np.testing.assert_allclose(rec.signal, dicom_truth(), atol=1e-6)
    assert "derived_leads" not in rec.meta
    assert any("groups 1, 2" in note for note in rec.meta["reader_warnings"])
    assert rec.meta["device_median_beats"]["fs"] == 1000   # the median beat group is still the beat


@pytest.mark.parametrize("layout,pattern", [
    # no time offset stated: the groups may have been recorded one after another
    ([(list(range(6)), 0, 10000, None), (list(range(6, 12)), 0, 10000, None)],
     r"2 multiplex groups not stated to be recorded together: group 1 \(I, II, III, aVR, aVL, aVF, 10 s, no "
     r"time offset stated\) is the rhythm, and group 2 \(V1, V2, V3, V4, V5, V6, 10 s, no time offset stated\)"),
    # the standard's strip chart: four groups of three leads, 2.5 s each, one after another, and lead II throughout
    ([([3 * k, 3 * k + 1, 3 * k + 2], 2500 * k, 2500 * (k + 1), 2500 * k) for k in range(4)]
     + [([1], 0, 10000, 0)],
     r"5 multiplex groups not stated to be recorded together: group 5 \(II, 10 s from 0 ms\) is the rhythm, and "
     r"group 1 \(I, II, III, 2.5 s from 0 ms\); group 2 \(aVR, aVL, aVF, 2.5 s from 2500 ms\); group 3 "
     r"\(V1, V2, V3, 2.5 s from 5000 ms\); group 4 \(V4, V5, V6, 2.5 s from 7500 ms\) hold the other leads"),
], ids=["no-offsets", "4x3-strip"])
def test_dicom_leads_in_groups_not_recorded_together_are_refused_saying_so(tmp_path, layout, pattern):
    path = dicom_with_groups(tmp_path, "apart.dcm", layout)
    with pytest.raises(RecordError) as err:
        load_record(path)
    text = str(err.value)
    assert str(path) in text and "read as DICOM ECG waveform" in text
    assert re.search(pattern, text), text


def _edit_channels(ds, fn):
    wf = ds.WaveformSequence[0]
    counts = np.frombuffer(wf.WaveformData, "<i2").reshape(int(wf.NumberOfWaveformSamples), -1).astype(np.int64)
    fn(wf, counts)


def _units(code, meaning, factor):
    def fn(wf, counts):
        for ch in wf.ChannelDefinitionSequence:
            unit = ch.ChannelSensitivityUnitsSequence[0]
            unit.CodeValue, unit.CodeMeaning = code, meaning
            ch.ChannelSensitivity = f"{float(ch.ChannelSensitivity) * factor:.10g}"
    return fn


def _unsigned_with_baseline(wf, counts):
    wf.WaveformData = (counts + 32768).astype("<u2").tobytes()
    wf.WaveformSampleInterpretation = "US"
    for ch in wf.ChannelDefinitionSequence:
        ch.ChannelBaseline = f"{-32768 * float(ch.ChannelSensitivity):.10g}"   # in the sensitivity's units


def _correction(wf, counts):
    wf.WaveformData = (counts * 2).astype("<i2").tobytes()
    for ch in wf.ChannelDefinitionSequence:
        ch.ChannelSensitivityCorrectionFactor = "0.5"


@pytest.mark.parametrize("edit", [_units("mV", "millivolt", 1e-3), _units("V", "volt", 1e-6),
                                  _units("", "millivolt", 1e-3), _unsigned_with_baseline, _correction],
                         ids=["mV", "V", "meaning-only", "US-baseline", "correction-factor"])
def test_dicom_sensitivity_units_baseline_and_correction_give_the_same_mv(tmp_path, edit):
    """physical = sample * Channel Sensitivity * Correction Factor + Channel Baseline, in the
    Channel Sensitivity Units (PS3.3 C.10.9.1.4.3): the same ECG in mV however it is encoded."""
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DICOM)
    _edit_channels(ds, edit)
    path = tmp_path / "variant.dcm"
    ds.save_as(path, enforce_file_format=True)
    rec = load_record(path)
    assert rec.fs == 1000 and rec.signal.shape == (12, 10000)
    np.testing.assert_allclose(rec.signal, dicom_truth(), atol=1e-6)


# --- a scale without a voltage unit: refused naming the field, never read as counts or mV -------

MUSE = DATA / "muse-sinus.xml"


def _aecg_edit(tmp_path, old, new):
    text = AECG.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "scale.xml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _muse_edit(tmp_path, pattern, new):
    text = MUSE.read_bytes().decode("latin-1")
    assert re.search(pattern, text)
    path = tmp_path / "scale.xml"
    path.write_bytes(re.sub(pattern, new, text).encode("latin-1"))
    return path


def _dicom_edit(tmp_path, element):
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DICOM)
    for ch in ds.WaveformSequence[0].ChannelDefinitionSequence:
        if element == "mm[Hg]":
            ch.ChannelSensitivityUnitsSequence[0].CodeValue = "mm[Hg]"
            ch.ChannelSensitivityUnitsSequence[0].CodeMeaning = "millimeter of mercury"
        else:
            delattr(ch, element)
    path = tmp_path / "scale.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.mark.parametrize("make,pattern", [
    (lambda p: _aecg_edit(p, '<scale value="2.5" unit="uV"/>', '<scale value="2.5" unit="microV"/>'),
     r"read as HL7 aECG: lead I: its <scale> is in 'microV', not in a voltage unit \(uV, mV, V\)"),
    (lambda p: _aecg_edit(p, '<scale value="2.5" unit="uV"/>', '<scale value="2.5"/>'),
     r"read as HL7 aECG: lead I: its <scale> \(2.5\) is given without units"),
    (lambda p: _muse_edit(p, r"<LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits>", ""),
     r"read as GE MUSE XML: lead I: its LeadAmplitudeUnitsPerBit \(4.88\) is given without units"),
    (lambda p: _muse_edit(p, r"<LeadAmplitudeUnitsPerBit>4.88</LeadAmplitudeUnitsPerBit>", ""),
     r"read as GE MUSE XML: lead I: the file gives no LeadAmplitudeUnitsPerBit \(with its units\)"),
    (lambda p: _dicom_edit(p, "ChannelSensitivity"),
     r"read as DICOM ECG waveform: lead I: the file gives no Channel Sensitivity \(with its units\)"),
    (lambda p: _dicom_edit(p, "ChannelSensitivityUnitsSequence"),
     r"read as DICOM ECG waveform: lead I: its Channel Sensitivity \(1.25\) is given without units"),
    (lambda p: _dicom_edit(p, "mm[Hg]"),
     r"read as DICOM ECG waveform: lead I: its Channel Sensitivity is in 'mm\[Hg\]', not in a voltage unit"),
], ids=["aecg-microV", "aecg-no-unit", "muse-no-unit", "muse-no-scale", "dicom-no-sensitivity",
        "dicom-no-units", "dicom-mmHg"])
def test_a_scale_without_a_voltage_unit_is_refused_naming_the_field(tmp_path, make, pattern):
    """The counts of a lead whose scale has no voltage unit cannot be put in mV: refused, naming
    the format's field and what is wrong with it (the reader had said "no physical unit in the
    file" also where the file gives one that is no voltage, or gives no scale at all)."""
    path = make(tmp_path)
    with pytest.raises(RecordError) as err:
        load_record(path)
    text = str(err.value)
    assert str(path) in text and re.search(pattern, text), text
    assert text.endswith("so its counts cannot be put in mV")


# --- SCP-ECG (EN 1064 sections 3-6), written here from the standard's layout ------------------------

LUDB = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"
_SCP_LEADS = {"I": 1, "II": 2, "V1": 3, "V2": 4, "V3": 5, "V4": 6, "V5": 7, "V6": 8,
              "III": 61, "aVR": 62, "aVL": 63, "aVF": 64}   # EN 1064 lead codes


def _scp_section(sid: int, body: bytes) -> bytes:
    """One section: CRC-CCITT, ID, length, section and protocol version 2.0, reserved ("SCPECG" in 0)."""
    import binascii
    import struct

    head = struct.pack("<HIBB6s", sid, 16 + len(body), 20, 20, b"SCPECG" if sid == 0 else bytes(6))
    return struct.pack("<H", binascii.crc_hqx(head + body, 0xFFFF)) + head + body


def _scp_leads(avm_nv: int, interval_us: int, bimodal: int, leads, huffman: bool = False) -> bytes:
    """Section 5 or 6: AVM (nV), sample interval (us), difference mode, bimodal flag, then each
    lead's byte count and data: its samples as 16-bit amplitudes (no Huffman: no Section 2), or
    with ``huffman`` its first differences coded with the standard's default table."""
    import struct

    data = [_huffman_bytes(np.diff(np.asarray(x), prepend=0)) if huffman else np.asarray(x, dtype="<i2").tobytes()
            for x in leads]
    return (struct.pack("<HHBB", avm_nv, interval_us, 1 if huffman else 0, bimodal)
            + b"".join(struct.pack("<H", len(d)) for d in data) + b"".join(data))


# EN 1064's default Huffman table as pixelmed's SCP-ECG reader lists it (prEN 1064:2002 C.2.7.4):
# prefix bits, total bits, base value, and the base code as Section 2 stores it (first bit lowest).
_DEFAULT_HUFFMAN = list(zip((1, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 10, 10),
                            (1, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 18, 26),
                            (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8, 0, 0),
                            (0, 1, 5, 3, 11, 7, 23, 15, 47, 31, 95, 63, 191, 127, 383, 255, 767, 511, 1023)))


def _huffman_bytes(values) -> bytes:
    """``values`` coded with the default table: each code's bits in the order sent (the stored base
    code reversed), then for the escapes the value in 8 or 16 bits; padded to whole bytes."""
    codes = {value: format(code, f"0{prefix}b")[::-1] for prefix, total, value, code in _DEFAULT_HUFFMAN
             if prefix == total}
    escape8, escape16 = (format(code, "010b")[::-1] for *_, code in _DEFAULT_HUFFMAN[-2:])
    bits = []
    for v in np.asarray(values).tolist():
        if v in codes:
            bits.append(codes[v])
        elif -128 <= v < 128:
            bits.append(escape8 + format(v & 0xFF, "08b"))
        else:
            bits.append(escape16 + format(v & 0xFFFF, "016b"))
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return int(text, 2).to_bytes(len(text) // 8, "big") if text else b""


def _huffman_section(default: bool) -> bytes:
    """Section 2: 19999 (the default table), or that table written out as the file's own."""
    import struct

    if default:
        return struct.pack("<H", 19999)
    return struct.pack("<HH", 1, len(_DEFAULT_HUFFMAN)) + b"".join(
        struct.pack("<BBBhI", prefix, total, 1, value, code) for prefix, total, value, code in _DEFAULT_HUFFMAN)


def scp_record(names, rhythm, avm6, interval=2000, *, beat=None, avm5=None, qrs=(), ref_fiducial=0,
               subtract=False, bimodal=0, interval5=None, spans=None, huffman=None) -> bytes:
    """An SCP-ECG record of ``rhythm`` (L, T) counts (a list of (T_k,) arrays with ``spans``):
    Section 3 (leads 1..T, simultaneous, or each over its (first, last) sample of ``spans``, three
    at a time; the reference-beat-subtraction flag), Section 4 (reference beat length and
    fiducial, QRS type 0 zones (start, fiducial, end), 1-based), Section 5 (``beat`` (L, n) at
    ``avm5``), Section 6 (``huffman`` "default" or "own": Section 2 and Huffman-coded first
    differences, see ``_huffman_section``)."""
    import binascii
    import struct

    L = len(rhythm)
    spans = spans or [(1, len(rhythm[0]))] * L
    together = 0x04 if len(set(spans)) == 1 else 3 << 3
    sections = {3: struct.pack("<BB", L, (0x01 if subtract else 0) | together)
                + b"".join(struct.pack("<IIB", a, b, _SCP_LEADS[n]) for n, (a, b) in zip(names, spans))}
    if beat is not None:
        sections[4] = (struct.pack("<HHH", round(beat.shape[1] * (interval5 or interval) / 1000), ref_fiducial,
                                   len(qrs))
                       + b"".join(struct.pack("<HIII", 0, a, f, b) for a, f, b in qrs)
                       + b"".join(struct.pack("<II", a, b) for a, f, b in qrs))
        sections[5] = _scp_leads(avm5, interval5 or interval, 0, beat)
    if huffman:
        sections[2] = _huffman_section(huffman == "default")
    sections[6] = _scp_leads(avm6, interval, bimodal, rhythm, huffman=bool(huffman))
    order = [0, *sorted(sections)]
    n0 = 16 + 10 * len(order)
    index, pos = {}, 7 + n0
    for sid in order[1:]:
        index[sid], pos = pos, pos + 16 + len(sections[sid])
    pointers = struct.pack("<HII", 0, n0, 7) + b"".join(
        struct.pack("<HII", sid, 16 + len(sections[sid]), index[sid]) for sid in order[1:])
    rest = b"".join([_scp_section(0, pointers)] + [_scp_section(sid, sections[sid]) for sid in order[1:]])
    rest = struct.pack("<I", 6 + len(rest)) + rest
    return struct.pack("<H", binascii.crc_hqx(rest, 0xFFFF)) + rest


@pytest.fixture(scope="module")
def ludb_mv() -> np.ndarray:
    """LUDB record 1 (12, 5000) in mV at 500 Hz by wfdb, standard order."""
    wfdb = pytest.importorskip("wfdb")
    ref = wfdb.rdrecord(str(LUDB))
    assert [n.lower() for n in ref.sig_name] == [n.lower() for n in STANDARD_LEADS] and ref.fs == 500
    return ref.p_signal.T


def test_scp_amplitude_multiplier_in_nanovolts(tmp_path, ludb_mv):
    """Section 6's AVM is nV a count: 5000 nV makes 5 uV."""
    counts = np.round(ludb_mv * 200).astype(int)
    path = tmp_path / "plain.scp"
    path.write_bytes(scp_record(STANDARD_LEADS, counts, 5000))
    rec = load_record(path)
    assert rec.fs == 500 and rec.signal.shape == (12, 5000)
    np.testing.assert_allclose(rec.signal, counts * 0.005, atol=1e-6)


def test_scp_reference_beat_subtraction_with_other_multipliers_adds_the_beat_back(tmp_path, ludb_mv):
    """Section 6 holds residuals where Section 4's QRS zones (type 0) are: the reference beat of
    Section 5, aligned on its fiducial, is added back. The beat (2.5 uV a count) and the residuals
    (5 uV a count) have different AVMs: each is scaled by its own."""
    ecg = 2 * np.round(ludb_mv * 200).astype(int)          # the truth, in counts of 2.5 uV (even)
    n, fiducial = 600, 300                                   # a 1.2 s beat, fiducial at its sample 300
    qrs = [(s - 100, s, s + 150) for s in (400, 1300, 2200, 3100, 4000)]
    beat = 2 * np.round(np.mean([ludb_mv[:, s - fiducial:s - fiducial + n] for _, s, _ in qrs], axis=0)
                        * 200).astype(int)                  # (12, n) counts of 2.5 uV
    residual = ecg.copy()
    for start, at, end in qrs:
        for s in range(start, end + 1):                       # 1-based samples
            residual[:, s - 1] -= beat[:, s - at + fiducial - 1]
    assert not (residual % 2).any()
    path = tmp_path / "subtracted.scp"
    path.write_bytes(scp_record(STANDARD_LEADS, residual // 2, 5000, beat=beat, avm5=2500, qrs=qrs,
                                ref_fiducial=fiducial, subtract=True))
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal, ecg * 0.0025, atol=1e-6)
    median = rec.meta["device_median_beats"]
    assert median["fs"] == 500
    np.testing.assert_allclose(median["leads"]["V2"], beat[STANDARD_LEADS.index("V2")] * 0.0025, atol=1e-6)


def test_scp_bimodal_compression_is_refused_saying_so(tmp_path, ludb_mv):
    """Bimodal compression (rhythm decimated outside the QRS zones, Section 6 at a longer interval
    than Section 5) is not decoded: refused by name, never read at the decimated rate."""
    counts = np.round(ludb_mv * 200).astype(int)
    beat = counts[:, 100:700]
    path = tmp_path / "bimodal.scp"
    path.write_bytes(scp_record(STANDARD_LEADS, counts[:, ::4], 5000, interval=8000, beat=beat, avm5=5000,
                                qrs=[(350, 400, 550)], ref_fiducial=300, bimodal=1, interval5=2000))
    with pytest.raises(RecordError, match=r"read as SCP-ECG: .*bimodal compression \(decimated rhythm data\) "
                                          r"is not supported") as err:
        load_record(path)
    assert str(path) in str(err.value)


def test_scp_eight_leads_give_the_limb_leads_derived(tmp_path, ludb_mv):
    counts = np.round(ludb_mv * 200).astype(int)
    stored = ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]
    path = tmp_path / "eight.scp"
    path.write_bytes(scp_record(stored, counts[[STANDARD_LEADS.index(n) for n in stored]], 5000))
    rec = load_record(path)
    assert rec.meta["derived_leads"] == ("III", "aVR", "aVL", "aVF")
    i, ii = counts[0] * 0.005, counts[1] * 0.005
    np.testing.assert_allclose(rec.signal[STANDARD_LEADS.index("aVF")], ii - i / 2, atol=1e-6)


@pytest.mark.parametrize("other", ["respiration", "lead-II-strip"])
def test_dicom_a_longer_group_beside_the_12_lead_rhythm_is_not_read_as_it(tmp_path, other):
    """A General ECG may hold other multiplex groups at other rates beside the 12-lead rhythm (a
    respiration channel, a continuous lead II strip), stored first and longer in seconds. The
    longest group had been taken for the rhythm: the respiration as 'has 0 of the 12 standard
    leads', the strip as 'has 1 (II)'. The group whose leads give the 12 is the rhythm."""
    import copy

    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DICOM)
    wf = ds.WaveformSequence[0]
    counts = np.frombuffer(wf.WaveformData, "<i2").reshape(int(wf.NumberOfWaveformSamples), -1)   # (T, 12)
    extra = copy.deepcopy(wf)
    extra.MultiplexGroupLabel = "RHYTHM" if other == "lead-II-strip" else "RESPIRATION"
    extra.SamplingFrequency, extra.NumberOfWaveformChannels, extra.NumberOfWaveformSamples = 500, 1, 10000
    channel = copy.deepcopy(wf.ChannelDefinitionSequence[1])   # lead II's definition ...
    if other == "respiration":                                    # ... or a respiration channel's
        source = channel.ChannelSourceSequence[0]
        source.CodeValue, source.CodingSchemeDesignator, source.CodeMeaning = "2:20490", "MDC", "Respiration"
    extra.ChannelDefinitionSequence = pydicom.sequence.Sequence([channel])
    extra.WaveformData = np.ascontiguousarray(counts[:, 1]).tobytes()   # 10000 samples at 500 Hz: 20 s
    ds.WaveformSequence = pydicom.sequence.Sequence([extra, *ds.WaveformSequence])
    path = tmp_path / "with_other_group.dcm"
    ds.save_as(path, enforce_file_format=True)
    rec = load_record(path)
    assert rec.fs == 1000 and rec.signal.shape == (12, 10000)
    np.testing.assert_allclose(rec.signal, dicom_truth(), atol=1e-6)


def test_scp_leads_recorded_one_group_after_another_keep_their_own_time(tmp_path, ludb_mv):
    """Section 3 gives each lead its first and last sample: a cart recording three leads at a time
    writes I, II, III over samples 1-1250, aVR, aVL, aVF over 1251-2500 ... (EN 1064 5.6). These
    were read as one 2.5 s ECG of 12 simultaneous leads, V1 drawn beside I though recorded 5 s
    later. Each lead is now at its own stretch of the 10 s, missing elsewhere, and a reader note
    says so."""
    counts = np.round(ludb_mv * 200).astype(int)
    spans = [(1250 * (k // 3) + 1, 1250 * (k // 3 + 1)) for k in range(12)]
    path = tmp_path / "sequential.scp"
    path.write_bytes(scp_record(STANDARD_LEADS, [counts[k, a - 1:b] for k, (a, b) in enumerate(spans)], 5000,
                                spans=spans))
    rec = load_record(path)
    assert rec.fs == 500 and rec.signal.shape == (12, 5000)
    truth = np.full((12, 5000), np.nan)
    for k, (a, b) in enumerate(spans):
        truth[k, a - 1:b] = counts[k, a - 1:b] * 0.005
    np.testing.assert_array_equal(np.isnan(rec.signal), np.isnan(truth))
    np.testing.assert_allclose(rec.signal, truth, atol=1e-6)
    assert rec.quality["missing"].all()
    note = ("leads recorded one group after another (SCP-ECG Section 3): I, II, III 0-2.5 s; aVR, aVL, aVF "
            "2.5-5 s; V1, V2, V3 5-7.5 s; V4, V5, V6 7.5-10 s; each lead is missing outside its own stretch")
    assert rec.meta["sequential_leads_note"] == note and note in rec.meta["reader_warnings"]
    assert "short_leads" not in rec.meta   # every lead spans the 10 s, missing outside its stretch


@pytest.mark.parametrize("table", ["default", "own"])
def test_scp_huffman_coded_differences_with_the_default_table_or_its_own_copy(tmp_path, ludb_mv, table):
    """Section 6 Huffman-coded first differences, with Section 2 naming the default table (19999) or
    holding it as the file's own table (base codes stored first bit lowest, as pixelmed lists them):
    both decode to the samples written."""
    counts = np.round(ludb_mv * 200).astype(int)
    path = tmp_path / f"huffman_{table}.scp"
    path.write_bytes(scp_record(STANDARD_LEADS, counts, 5000, huffman=table))
    rec = load_record(path)
    assert rec.fs == 500 and rec.signal.shape == (12, 5000)
    np.testing.assert_allclose(rec.signal, counts * 0.005, atol=1e-6)


def test_dicom_an_unlabelled_12_lead_beat_is_not_taken_for_a_rhythm_of_fewer_leads(tmp_path):
    """A group of a beat's length (1.2 s, unlabelled, no Waveform Originality) is not preferred as
    the rhythm for holding the 12 leads over a 10 s rhythm of 3 leads: the beat is never read as
    the record (the file is refused for the rhythm's leads)."""
    pydicom = pytest.importorskip("pydicom")
    path = dicom_with_groups(tmp_path, "three_leads.dcm", [([0, 1, 6], 0, 10000, 0)])   # I, II, V1 + the beat
    ds = pydicom.dcmread(path)
    rhythm, beat = ds.WaveformSequence
    for wf in (rhythm, beat):
        del wf.WaveformOriginality
    del beat.MultiplexGroupLabel
    ds.WaveformSequence = pydicom.sequence.Sequence([beat, rhythm])
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(RecordError, match=r"not enough ECG leads: has 7 of the 12 standard leads \(I, II, V1, and III"):
        load_record(path)


def test_aecg_limb_leads_in_a_later_sequence_set_leave_the_first_sets_twelve(tmp_path):
    """The first set holds I, II and V1-V6 (the 12 with the limb leads derived), a set 10 s later
    holds III, aVR, aVL, aVF: the first set is the ECG, its limb leads derived from its own I and
    II, as before sets were joined; the later set is left out, not a reason to refuse."""
    text = AECG.read_text(encoding="utf-8")
    start, end = text.index("<sequenceSet>"), text.index("</sequenceSet>") + len("</sequenceSet>")
    parts = re.findall(r"<component>\s*<sequence>.*?</sequence>\s*</component>", text[start:end], re.S)
    time, leads = parts[0], parts[1:]
    later = [p for p in leads if re.search(r'MDC_ECG_LEAD_(III|AVR|AVL|AVF)"', p)]
    first = [p for p in leads if p not in later]
    time2 = time.replace('<head value="20021122091000"/>', '<head value="20021122091010"/>')
    path = tmp_path / "later_limb.xml"
    path.write_text(text[:start] + "<sequenceSet>" + time + "".join(first) + "</sequenceSet></component><component>"
                    + "<sequenceSet>" + time2 + "".join(later) + "</sequenceSet>" + text[end:], encoding="utf-8")
    rec = load_record(path)
    truth = aecg_truth()
    stored = [STANDARD_LEADS.index(n) for n in ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")]
    np.testing.assert_allclose(rec.signal[stored], truth[stored], atol=1e-6)
    assert rec.meta["derived_leads"] == ("III", "aVR", "aVL", "aVF")


def test_scp_leads_that_all_start_at_one_later_sample_read_as_one_ecg(tmp_path, ludb_mv):
    """Every lead over samples 101-5100 (Section 3): recorded together, read from their common
    first sample, nothing missing."""
    counts = np.round(ludb_mv * 200).astype(int)
    path = tmp_path / "later_start.scp"
    path.write_bytes(scp_record(STANDARD_LEADS, counts, 5000, spans=[(101, 5100)] * 12))
    rec = load_record(path)
    assert rec.signal.shape == (12, 5000) and "sequential_leads_note" not in rec.meta
    np.testing.assert_allclose(rec.signal, counts * 0.005, atol=1e-6)
