"""Clinical ECG formats through load_record, on real vendor files, against independent truth:
a second reader (EGM's WFDB export of the same MUSE ECG, sierraecg, pydicom's waveform decoding,
a few lines of XML reading for HL7 aECG, pyedflib), values written in the files themselves, and
Einthoven's law (I + III = II within rounding) for every file that stores the limb leads.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

DATA = Path(__file__).parent / "data" / "formats"
LUDB = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"

# file -> (format id, fs, resolution in mV per count, limb leads stored (not derived))
FILES = {
    "muse-sinus.xml": ("ge-muse-xml", 500, 0.00488, False),
    "129DYPRG.XML": ("philips-xml", 500, 0.005, True),
    "3191723_ZZDEMOPTONLY_1-04_orig.xml": ("philips-xml", 500, 0.005, True),
    "aecg_subject1_0.xml": ("hl7-aecg", 500, 0.0025, True),
    "waveform_ecg.dcm": ("dicom-ecg", 1000, 0.00125, True),
    "Example.scp": ("scp-ecg", 500, 0.0025, True),
}


def idx(lead: str) -> int:
    return STANDARD_LEADS.index(lead)


@pytest.mark.parametrize("name", sorted(FILES))
def test_real_file_opens_with_the_contract(name):
    fmt, fs, res, limb_stored = FILES[name]
    rec = load_record(DATA / name)
    assert rec.meta["format"] == fmt
    assert formats.detect(DATA / name) == fmt
    assert rec.signal.shape[0] == 12 and rec.signal.dtype == np.float32
    assert rec.fs == fs
    assert rec.sig_name == STANDARD_LEADS
    assert np.isfinite(rec.signal).all()
    assert set(rec.quality) == {"flat", "saturated", "missing", "derived"}
    assert not rec.quality["flat"].any() and not rec.quality["saturated"].any()
    # amplitudes are ECG-like in mV (an order-of-magnitude unit error fails this)
    ptp = np.ptp(rec.signal, axis=1)
    assert 0.2 < np.median(ptp) < 8, ptp
    # Einthoven: I + III = II within the rounding of three stored leads
    err = np.abs(rec.signal[idx("I")] + rec.signal[idx("III")] - rec.signal[idx("II")]).max()
    assert err <= 3 * res + 1e-6, (name, err)
    if not limb_stored:
        assert set(rec.meta["derived_leads"]) == {"III", "aVR", "aVL", "aVF"}
        assert rec.flagged_leads("derived") == ("III", "aVR", "aVL", "aVF")


def test_the_muse_carts_own_qtc_is_in_its_device_report():
    """The cart's headline QTc (GE's QTCorrected, 491 ms here) was left out of the device's block in
    the app and on the PDF (only its QTc Fridericia, 460 ms, was there): ecgdatakit keeps it aside
    because the file names no formula. It is now listed, said to be of no stated formula, before
    the Fridericia value. Truth: the XML's own elements."""
    from mirage_model.review.file_info import device_report_lines

    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    qtc = int(re.search(r"<QTCorrected>([^<]*)</QTCorrected>", text).group(1))
    fridericia = int(re.search(r"<QTcFrederica>([^<]*)</QTcFrederica>", text).group(1))
    _, lines = device_report_lines(load_record(DATA / "muse-sinus.xml"))
    assert f"QTc, formula not stated (ms): {qtc}" in lines
    assert lines.index(f"QTc, formula not stated (ms): {qtc}") + 1 == \
        lines.index(f"QTc (Fridericia) (ms): {fridericia}")
    assert not any(line.startswith("QTc (Bazett)") for line in lines)       # no formula GE did not name


def test_the_philips_carts_own_qtc_is_in_its_device_report():
    """The cart's mean QTc (Philips 1.03's meanqtc, 393 ms here) was left out of the device's block
    in the app and on the PDF, as GE's QTCorrected was: the file names no formula for it. It is now
    listed, said to be of no stated formula, where a named QTc would be (after the QT), and no
    Bazett or Fridericia value is made up. Truth: the XML's own elements."""
    from mirage_model.review.file_info import device_report_lines

    text = (DATA / "129DYPRG.XML").read_text(encoding="utf-8")
    qtc = int(re.search(r"<meanqtc>([^<]*)</meanqtc>", text).group(1))
    qt = int(re.search(r"<meanqtint>([^<]*)</meanqtint>", text).group(1))
    assert not re.search(r"<qtc[bf]>", text)                 # the file names no formula
    _, lines = device_report_lines(load_record(DATA / "129DYPRG.XML"))
    assert f"QTc, formula not stated (ms): {qtc}" in lines
    assert lines.index(f"QTc, formula not stated (ms): {qtc}") == lines.index(f"QT interval (ms): {qt}") + 1
    assert not any(line.startswith(("QTc (Bazett)", "QTc (Fridericia)")) for line in lines)


def test_muse_matches_the_egm_wfdb_export_of_the_same_ecg():
    """EGM (R) exported this MUSE file to WFDB in integer microvolts, with III and the augmented
    leads computed by EGM: every lead agrees within EGM's rounding to 1 uV."""
    wfdb = pytest.importorskip("wfdb")
    rec = load_record(DATA / "muse-sinus.xml")
    ref = wfdb.rdrecord(str(DATA / "muse-sinus"), physical=False)
    names = [s.upper() for s in ref.sig_name]
    for k, lead in enumerate(STANDARD_LEADS):
        uv = ref.d_signal[:, names.index(lead.upper())]
        assert len(uv) == rec.signal.shape[1]
        assert np.abs(rec.signal[k] * 1000 - uv).max() <= 0.5 + 1e-3, lead


def test_muse_metadata_and_device_report_as_written_in_the_file():
    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")

    def tag(name):
        return re.search(rf"<{name}>([^<]*)</{name}>", text).group(1)

    rec = load_record(DATA / "muse-sinus.xml")
    p = rec.meta["patient"]
    assert p["id"] == tag("PatientID")
    assert tag("PatientLastName") in p["name"] and tag("PatientFirstName") in p["name"]
    m, d, y = tag("DateofBirth").split("-")
    assert p["birth_date"] == f"{y}-{m}-{d}"
    born = dt.date(int(y), int(m), int(d))
    assert rec.sex == tag("Gender")[0]
    m, d, y = tag("AcquisitionDate").split("-")
    # the stated whole years (43) agree with the dates; from 2 years on an age is their whole years
    assert rec.age == float(tag("PatientAge")) == int((dt.date(int(y), int(m), int(d)) - born).days / 365.2425)
    assert rec.meta["acquired"] == f"{y}-{m}-{d} {tag('AcquisitionTime')}"
    assert tag("AcquisitionDevice") in rec.meta["device"]
    assert rec.meta["site"] == tag("SiteName")
    report = rec.meta["device_report"]
    assert "12SL" in report["source"]
    stmts = re.findall(r"<StmtText>([^<]*)</StmtText>", text)
    assert stmts and all(any(s.strip() in x for x in report["statements"]) for s in stmts if s.strip())
    assert report["measurements"]["PR interval (ms)"] == int(tag("PRInterval"))
    assert report["measurements"]["QRS duration (ms)"] == int(tag("QRSDuration"))
    beats = rec.meta["device_median_beats"]
    assert beats["fs"] == 500 and set(beats["leads"]) >= {"I", "II", "V1", "V6"}
    assert len(beats["leads"]["II"]) == 600  # MUSE median beats: 1.2 s at 500 Hz
    assert beats["derived_leads"] == ("III", "aVR", "aVL", "aVF")  # the cart stores 8 leads
    np.testing.assert_allclose(beats["leads"]["III"], beats["leads"]["II"] - beats["leads"]["I"], atol=1e-6)
    # the device's statements are not mixed into the record's own diagnoses
    assert rec.dx == ()


def test_philips_matches_sierraecg_and_drops_the_calibration_pulse():
    sierraecg = pytest.importorskip("sierraecg")
    for name in ("129DYPRG.XML", "3191723_ZZDEMOPTONLY_1-04_orig.xml"):
        rec = load_record(DATA / name)
        ref = sierraecg.read_file(str(DATA / name))
        T = rec.signal.shape[1]
        for lead in ref.leads[:12]:
            counts = np.asarray(lead.samples, dtype=np.float64)
            assert len(counts) == 5500  # 11 s: 10.5 s of ECG, then a 1 mV calibration pulse
            assert np.abs(rec.signal[idx(lead.label)] - counts[:T] * 0.005).max() < 1e-5, lead.label
        # what was cut holds the pulse: the same 1 mV step on every lead
        tail = np.array([np.asarray(lead.samples[T:], float) for lead in ref.leads[:12]])
        assert (tail == tail[0]).all() and np.ptp(tail) * 0.005 == pytest.approx(1.0)
        assert rec.meta["calibration_removed_s"] == pytest.approx((5500 - T) / 500)
        assert "DXL" in rec.meta["device_report"]["source"]


def test_philips_plain_uncompressed_reads_the_same_as_xli(tmp_path):
    """The 1.03 file rewritten without XLI (its samples, decoded by sierraecg, stored as plain
    base64 int16 lead after lead, compressflag False) reads back to the same signal."""
    sierraecg = pytest.importorskip("sierraecg")
    src = DATA / "129DYPRG.XML"
    ref = sierraecg.read_file(str(src))
    raw = np.concatenate([np.asarray(lead.samples, dtype="<i2") for lead in ref.leads[:12]])
    text = src.read_text(encoding="utf-8")
    head, rest = text.split("<parsedwaveforms", 1)
    attrs, rest = rest.split(">", 1)
    _, tail = rest.split("</parsedwaveforms>", 1)
    attrs = attrs.replace('compressflag="True"', 'compressflag="False"').replace(' compressmethod="XLI"', "")
    plain = tmp_path / "plain.xml"
    plain.write_text(f"{head}<parsedwaveforms{attrs}>{base64.b64encode(raw.tobytes()).decode()}"
                     f"</parsedwaveforms>{tail}", encoding="utf-8")
    a, b = load_record(src), load_record(plain)
    assert b.meta["format"] == "philips-xml"
    np.testing.assert_array_equal(a.signal, b.signal)


def test_dicom_matches_pydicom_waveform_decoding():
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    ref = ds.waveform_array(0)  # (T, 12), sensitivity applied: microvolts (units: uV)
    units = {c.ChannelSensitivityUnitsSequence[0].CodeValue
             for c in ds.WaveformSequence[0].ChannelDefinitionSequence}
    assert units == {"uV"}
    rec = load_record(DATA / "waveform_ecg.dcm")
    assert rec.signal.shape == (12, ref.shape[0])
    np.testing.assert_allclose(rec.signal.T * 1000, ref, atol=1e-3)
    assert rec.meta["patient"]["id"] == str(ds.PatientID)
    assert rec.sex == ds.PatientSex
    assert rec.meta["acquired"].replace("-", "").replace(":", "").replace(" ", "") == ds.AcquisitionDateTime[:14]
    beats = rec.meta["device_median_beats"]
    ref_beat = ds.waveform_array(1)
    np.testing.assert_allclose(beats["leads"]["II"] * 1000, ref_beat[:, 1], atol=1e-3)


def test_sampling_frequency_that_is_no_whole_number_is_read_as_the_file_states_it(tmp_path):
    """pydicom's waveform_ecg.dcm stating 333.333 Hz, and the HL7 aECG example with a 3 ms time
    increment, had been read at 333 Hz (ecgdatakit rounds to whole Hz), 0.1 % off the time axis."""
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    ref = ds.waveform_array(0)                                # (T, 12) uV
    for wf in ds.WaveformSequence:
        wf.SamplingFrequency = "333.333"
    ds.save_as(tmp_path / "odd_rate.dcm")
    rec = load_record(tmp_path / "odd_rate.dcm")
    assert rec.fs == 333.333
    np.testing.assert_allclose(rec.signal.T * 1000, ref, atol=1e-3)

    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    assert text.count('<increment value="0.002" unit="s"/>') == 2     # the rhythm's and the median beat's
    odd = tmp_path / "odd_rate.xml"
    odd.write_text(text.replace('<increment value="0.002" unit="s"/>', '<increment value="0.003" unit="s"/>'),
                   encoding="utf-8")
    rec, same = load_record(odd), load_record(DATA / "aecg_subject1_0.xml")
    assert rec.fs == pytest.approx(1 / 0.003, rel=1e-12) and same.fs == 500
    np.testing.assert_array_equal(rec.signal, same.signal)


def test_hl7_aecg_matches_a_direct_reading_of_its_digits():
    """Lead II decoded straight from the XML: origin + scale * digits (aECG SLIST_PQ)."""
    from defusedxml import ElementTree as ET

    ns = {"h": "urn:hl7-org:v3"}
    root = ET.parse(DATA / "aecg_subject1_0.xml").getroot()
    want = None
    for comp in root.iter("{urn:hl7-org:v3}sequence"):
        code = comp.find("h:code", ns)
        if code is not None and code.get("code") == "MDC_ECG_LEAD_II":
            value = comp.find("h:value", ns)
            origin = float(value.find("h:origin", ns).get("value"))
            scale = value.find("h:scale", ns)
            assert scale.get("unit") == "uV"
            digits = np.array(value.find("h:digits", ns).text.split(), dtype=float)
            want = (origin + float(scale.get("value")) * digits) / 1000
            break
    assert want is not None
    rec = load_record(DATA / "aecg_subject1_0.xml")
    np.testing.assert_allclose(rec.signal[idx("II")], want, atol=1e-6)
    assert rec.meta["patient"]["id"] == "subject1"


def test_scp_ecg_values_documented_for_the_file():
    """The C# ECG Toolkit example: 12 leads, 5000 samples each at 500 Hz (2000 us), 2.5 uV
    units, default Huffman table with second differences; patient ID SBJ-123 in section 1."""
    rec = load_record(DATA / "Example.scp")
    assert rec.signal.shape == (12, 5000) and rec.fs == 500
    assert not rec.quality["derived"].any()
    steps = np.diff(np.unique(rec.signal[idx("V2")]))
    assert steps.min() == pytest.approx(0.0025, abs=1e-6)
    assert b"SBJ-123" in (DATA / "Example.scp").read_bytes()
    assert rec.meta["patient"]["id"] == "SBJ-123"


# ---------------------------------------------------------------------------------------------
# EDF / EDF+ / BDF written by an independent writer (pyedflib) from a real LUDB record

def _ludb():
    wfdb = pytest.importorskip("wfdb")
    return wfdb.rdrecord(str(LUDB))


@pytest.mark.parametrize("kind", ["edf", "bdf"])
def test_edf_and_bdf_written_by_pyedflib_read_back_the_ludb_signal(tmp_path, kind):
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = _ludb()
    x = np.ascontiguousarray(ref.p_signal.T * 1000)  # (12, T) uV
    labels = [f"EKG {n.upper() if n.lower() != 'avr' else 'aVR'}" for n in ref.sig_name]
    hi = float(np.ceil(np.abs(x).max())) + 1
    bits = 24 if kind == "bdf" else 16
    headers = highlevel.make_signal_headers(labels, dimension="uV", sample_frequency=ref.fs,
                                            physical_min=-hi, physical_max=hi,
                                            digital_min=-(2 ** (bits - 1)), digital_max=2 ** (bits - 1) - 1)
    header = highlevel.make_header(patientname="Test Patient", patientcode="P123", sex="Female",
                                   birthdate="", equipment="LUDB cart")
    path = tmp_path / f"ludb1.{kind}"
    highlevel.write_edf(str(path), x, headers, header,
                        file_type=pyedflib.FILETYPE_BDFPLUS if kind == "bdf" else pyedflib.FILETYPE_EDFPLUS)
    rec = load_record(path)
    assert rec.meta["format"] == kind and rec.fs == ref.fs
    resolution = 2 * hi / 2 ** bits / 1000  # mV per count
    np.testing.assert_allclose(rec.signal, ref.p_signal.T, atol=resolution + 1e-6)
    assert rec.meta["patient"]["id"] == "P123" and rec.sex == "F"
    assert not rec.quality["derived"].any()


def test_edf_scaled_to_the_data_range_is_not_clipped(tmp_path):
    """An EDF whose physical range is the data's own minimum and maximum (what writers that take the
    range from the data produce) has each lead's extremes at the digital range's ends: not clipping.
    A lead cut at the range's end on every beat is."""
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = _ludb()
    x = np.ascontiguousarray(ref.p_signal.T * 1000)  # (12, T) uV
    x[1] = np.clip(x[1], None, np.percentile(x[1], 99))   # lead II cut at its top 1 % (every R wave)
    labels = [f"ECG {n.upper() if n.lower() != 'avr' else 'aVR'}" for n in ref.sig_name]
    headers = [highlevel.make_signal_header(label, dimension="uV", sample_frequency=ref.fs,
                                            physical_min=float(row.min()), physical_max=float(row.max()))
               for label, row in zip(labels, x)]
    path = tmp_path / "scaled.edf"
    highlevel.write_edf(str(path), x, headers, highlevel.make_header(), file_type=pyedflib.FILETYPE_EDFPLUS)
    rec = load_record(path)
    assert rec.flagged_leads("saturated") == ("II",)
    assert not rec.quality["flat"].any()


def test_edf_with_three_channels_is_refused_naming_the_format(tmp_path):
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = _ludb()
    headers = highlevel.make_signal_headers(["ECG I", "ECG II", "ECG V1"], dimension="mV",
                                            sample_frequency=ref.fs, physical_min=-10, physical_max=10)
    path = tmp_path / "three.edf"
    highlevel.write_edf(str(path), np.ascontiguousarray(ref.p_signal.T[[0, 1, 6]]), headers,
                        file_type=pyedflib.FILETYPE_EDFPLUS)
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    # I, II, V1 and the four limb leads that I and II give
    assert "three.edf" in msg and "EDF" in msg and "has 7 of the 12" in msg and ".hea" not in msg


def test_edf_channels_beside_the_ecg_are_named_as_dropped_leads(tmp_path):
    """A monitor's EDF+: 12 ECG leads at 500 Hz beside SpO2 at 1 Hz and respiration at 25 Hz. The ECG
    reads as pyedflib reads it, and the other channels are listed in meta["dropped_leads"] as for
    every other format (they had been left out of it)."""
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = _ludb()
    x = [row for row in np.ascontiguousarray(ref.p_signal.T)]                  # 12 x (T,) mV
    seconds = len(x[0]) // int(ref.fs)
    others = [np.full(seconds, 97.0), np.sin(np.arange(25 * seconds) / 10)]
    headers = highlevel.make_signal_headers([f"ECG {n}" for n in ref.sig_name], dimension="mV",
                                            sample_frequency=ref.fs, physical_min=-10, physical_max=10)
    headers += [highlevel.make_signal_header("SpO2", dimension="%", sample_frequency=1, physical_min=0,
                                             physical_max=100),
                highlevel.make_signal_header("Resp", dimension="", sample_frequency=25, physical_min=-2,
                                             physical_max=2)]
    path = tmp_path / "monitor.edf"
    highlevel.write_edf(str(path), x + others, headers, file_type=pyedflib.FILETYPE_EDFPLUS)
    truth, _, _ = highlevel.read_edf(str(path))
    rec = load_record(path)
    assert rec.fs == ref.fs and rec.meta["dropped_leads"] == ("SpO2", "Resp")
    names = [n.upper() for n in ref.sig_name]
    for k, lead in enumerate(STANDARD_LEADS):
        np.testing.assert_allclose(rec.signal[k], truth[names.index(lead.upper())], atol=1e-6, err_msg=lead)


def test_edf_with_iec_chest_lead_names_reads_c1_to_c6_as_v1_to_v6(tmp_path):
    """IEC 60601-2-25 names the chest leads C1-C6. An 8-lead EDF labelled I, II, C1..C6 (what some
    European carts write) is the LUDB record: V1-V6 from C1-C6, III and the augmented leads derived,
    the renaming in meta. An EEG's central electrodes (C3, C4, Cz beside Fp1, O2) stay no ECG."""
    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    ref = _ludb()
    x = np.ascontiguousarray(ref.p_signal.T[[0, 1, 6, 7, 8, 9, 10, 11]] * 1000)   # I, II, V1-V6 in uV
    labels = ["I", "II", "C1", "C2", "C3", "C4", "C5", "C6"]
    hi = float(np.ceil(np.abs(x).max())) + 1
    headers = highlevel.make_signal_headers(labels, dimension="uV", sample_frequency=ref.fs,
                                            physical_min=-hi, physical_max=hi)
    path = tmp_path / "iec.edf"
    highlevel.write_edf(str(path), x, headers, highlevel.make_header(), file_type=pyedflib.FILETYPE_EDFPLUS)
    rec = load_record(path)
    resolution = 2 * hi / 2 ** 16 / 1000
    np.testing.assert_allclose(rec.signal[6:], ref.p_signal.T[6:], atol=resolution + 1e-6)
    assert rec.meta["renamed_leads"] == tuple(f"C{k} -> V{k}" for k in range(1, 7))
    assert rec.flagged_leads("derived") == ("III", "aVR", "aVL", "aVF")

    eeg = ["Fp1", "Fp2", "C3", "C4", "Cz", "O1", "O2", "C1"]
    headers = highlevel.make_signal_headers(eeg, dimension="uV", sample_frequency=ref.fs,
                                            physical_min=-hi, physical_max=hi)
    path = tmp_path / "eeg.edf"
    highlevel.write_edf(str(path), x, headers, highlevel.make_header(), file_type=pyedflib.FILETYPE_EDFPLUS)
    with pytest.raises(RecordError, match="no ECG leads"):
        load_record(path)


# ---------------------------------------------------------------------------------------------
# detection from content, and bad input

def test_format_is_found_from_content_not_extension(tmp_path):
    for name, (fmt, *_ ) in FILES.items():
        renamed = tmp_path / f"{Path(name).stem}.bin"
        shutil.copy(DATA / name, renamed)
        assert formats.detect(renamed) == fmt
        assert load_record(renamed).meta["format"] == fmt


def test_folder_discovery_finds_every_format(tmp_path):
    for name in FILES:
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "notes.xml").write_text("<notes><n>hello</n></notes>")
    found = {p.name for p in formats.find_ecg_files(tmp_path)}
    assert found == set(FILES)
    # what is passed over is told, a file beside a header of its own stem too (rec.xml is no part of
    # the WFDB record rec: it had been left out in silence); only a file the header names is the record's
    (tmp_path / "rec.hea").write_text("rec 12 500 5000\n")
    (tmp_path / "rec.xml").write_text("<rec/>")
    (tmp_path / "sig.hea").write_text("sig 1 500 5000\nsig.edf 16 200/mV 16 0 0 0 0 II\n")
    (tmp_path / "sig.edf").write_bytes(b"\0" * 20000)
    passed: list = []
    formats.find_ecg_files(tmp_path, passed)
    assert [p.name for p in passed] == ["notes.xml", "rec.xml"]


def _cut(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


@pytest.mark.parametrize("name", sorted(FILES))
def test_file_cut_in_half_names_file_and_format(tmp_path, name):
    fmt = FILES[name][0]
    path = _cut(DATA / name, tmp_path / f"half{Path(name).suffix}")
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert path.name in msg
    assert f"read as {formats.FORMATS[fmt].name}" in msg, msg
    assert ".hea" not in msg


def test_edf_cut_in_half(tmp_path):
    rec = load_record(DATA / "muse-sinus.xml")
    full = formats.write_record(rec, tmp_path, "edf")
    half = _cut(full, tmp_path / "half.edf")
    with pytest.raises(RecordError, match=r"half\.edf: read as EDF/EDF\+: .*cut short"):
        load_record(half)


def test_xml_that_is_not_an_ecg(tmp_path):
    path = tmp_path / "invoice.xml"
    path.write_text('<?xml version="1.0"?>\n<Invoice><Total>12</Total></Invoice>')
    with pytest.raises(RecordError, match=r"invoice\.xml: an XML file, but not an ECG .*<Invoice>"):
        load_record(path)


def test_dicom_that_is_not_a_waveform(tmp_path):
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    path = tmp_path / "scan.dcm"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(RecordError, match=r"scan\.dcm: read as DICOM ECG waveform: the file holds no ECG "
                                          r"waveform \(its SOP class: CT Image Storage\)$"):
        load_record(path)


def test_corrupt_base64_in_muse(tmp_path):
    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    # the rhythm's first lead (a damaged median beat is left out with a note: test_formats_muse_philips)
    start = text.index("<WaveFormData>", text.index("<WaveformType>Rhythm")) + len("<WaveFormData>")
    bad = text[:start] + "!!!not*base64~~" + text[start + 15:]
    path = tmp_path / "bad64.xml"
    path.write_text(bad, encoding="latin-1")
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert "bad64.xml" in msg and "read as GE MUSE XML" in msg and "base64" in msg.lower(), msg


def test_broken_xli_stream(tmp_path):
    text = (DATA / "129DYPRG.XML").read_text(encoding="utf-8")
    head, rest = text.split("<parsedwaveforms", 1)
    attrs, rest = rest.split(">", 1)
    _, tail = rest.split("</parsedwaveforms>", 1)
    garbage = base64.b64encode(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    path = tmp_path / "badxli.xml"
    path.write_text(f"{head}<parsedwaveforms{attrs}>{garbage.decode()}</parsedwaveforms>{tail}", encoding="utf-8")
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert "badxli.xml" in msg and "read as Philips" in msg, msg


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE RestingECG [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<RestingECG><PatientDemographics><PatientID>&lol9;</PatientID></PatientDemographics></RestingECG>
"""


def test_billion_laughs_is_not_expanded(tmp_path):
    path = tmp_path / "laughs.xml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(RecordError, match=r"laughs\.xml: read as GE MUSE XML: .*entities"):
        load_record(path)


def test_external_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-PATIENT-LIST")
    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    text = text.replace('<!DOCTYPE RestingECG SYSTEM "restecg.dtd">',
                        f'<!DOCTYPE RestingECG [<!ENTITY xxe SYSTEM "file://{secret}">]>')
    text = re.sub(r"<PatientID>[^<]*</PatientID>", "<PatientID>&xxe;</PatientID>", text)
    path = tmp_path / "xxe.xml"
    path.write_text(text, encoding="latin-1")
    with pytest.raises(RecordError) as err:
        load_record(path)
    assert "TOP-SECRET" not in str(err.value) and "entities" in str(err.value)


def test_unknown_binary_file_gets_no_wfdb_message(tmp_path):
    path = tmp_path / "mystery.bin"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(RecordError) as err:
        load_record(path)
    assert "mystery.bin" in str(err.value) and ".hea" not in str(err.value)
    assert "not an ECG file MIRAGE recognises" in str(err.value)


def test_missing_extra_names_what_to_install(monkeypatch):
    import importlib

    real = importlib.import_module

    def without_ecgdatakit(name, *args):
        if name.startswith("ecgdatakit"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_ecgdatakit)
    from mirage_model.formats.extra import MissingExtraError

    with pytest.raises(MissingExtraError, match=r"GE MUSE XML file; reading it needs the optional 'formats' "
                                                r"extra: pip install 'mirage-review\[formats\]'"):
        load_record(DATA / "muse-sinus.xml")


def test_wfdb_records_still_read_as_before():
    rec = load_record(LUDB.with_suffix(".hea"))
    assert rec.meta["format"] == "wfdb"


def test_scp_and_aecg_exports_of_the_same_ecg_agree():
    """The C# ECG Toolkit's Example.scp and the FDA's aECG subject1 are the same ELI250 recording
    (same patient fields, 2002-11-22 09:10): two formats and two parsers give one signal."""
    a = load_record(DATA / "Example.scp")
    b = load_record(DATA / "aecg_subject1_0.xml")
    assert a.meta["acquired"] == b.meta["acquired"]
    np.testing.assert_allclose(a.signal, b.signal, atol=1e-6)


def test_ishne_written_from_the_published_layout_reads_back(tmp_path):
    """A 12-lead ISHNE 1.0 file built here from the standard's header layout (Badilini et al.,
    ANE 1998: magic, CRC-CCITT of the 512-byte header, int16 interleaved samples, resolution in
    nV, lead codes 5-16 for I-V6) holding LUDB record 1 at 1 uV: it reads back within 0.5 uV."""
    import binascii
    import struct

    ref = _ludb()
    x = ref.p_signal  # (T, 12) mV, I II III aVR aVL aVF V1-V6
    d = np.round(x * 1000).astype("<i2")
    T, L = d.shape
    hdr = struct.pack("<iiiih", 0, T, 522, 522, 1)
    hdr += b"Test".ljust(40, b"\0") + b"Patient".ljust(40, b"\0") + b"ISH-001".ljust(20, b"\0")
    hdr += struct.pack("<hh", 2, 1)  # sex 2 = female, race 1
    hdr += struct.pack("<12h", 5, 6, 1960, 1, 2, 2020, 1, 2, 2020, 9, 30, 0)  # birth, record, file date; time
    hdr += struct.pack("<h", L) + struct.pack("<12h", *range(5, 17)) + struct.pack("<12h", *[1] * 12)
    hdr += struct.pack("<12h", *[1000] * 12)  # nV per count
    hdr += struct.pack("<h", 0) + b"digital".ljust(40, b"\0") + struct.pack("<h", int(ref.fs))
    hdr += b"\0" * (80 + 80 + 88)
    assert len(hdr) == 512
    path = tmp_path / "holter.ecg"
    path.write_bytes(b"ISHNE1.0" + struct.pack("<H", binascii.crc_hqx(hdr, 0xFFFF)) + hdr + d.tobytes())
    rec = load_record(path)
    assert rec.meta["format"] == "ishne" and rec.fs == ref.fs
    np.testing.assert_allclose(rec.signal, x.T, atol=0.0005 + 1e-6)
    assert rec.meta["patient"] == {"id": "ISH-001", "name": "Test Patient", "birth_date": "1960-06-05"}
    assert rec.sex == "F" and rec.meta["acquired"] == "2020-02-01 09:30:00"


def test_device_analysis_and_patient_fields_reach_the_pdf_labelled_as_the_devices(tmp_path):
    # The MUSE file's own 12SL statements and measurements appear under the device's name, and the
    # header names the patient the file names; MIRAGE's own result stays apart (page 1 summary).
    from pypdf import PdfReader

    from mirage_model.records import load_record
    from mirage_model.review.file_info import device_report_lines
    from mirage_model.review.report import build_report

    rec = load_record(DATA / "muse-sinus.xml")
    heading, lines = device_report_lines(rec)
    assert heading.startswith("MV360 (GE 12SL)") and "not MIRAGE's" in heading
    assert "Heart rate (bpm): 90" in lines
    from mirage_model.review.session import ReviewSession

    out = build_report(ReviewSession.from_results(rec), tmp_path / "muse.pdf")
    pages = [p.extract_text() for p in PdfReader(out).pages]
    assert "JOHN DOE" in pages[0] and "081486213" in pages[0] and "MV360" in pages[0]
    text = " ".join(pages)
    assert "the device's own analysis, not MIRAGE's" in text and "Heart rate (bpm): 90" in text


def test_a_readers_message_does_not_repeat_the_files_path(tmp_path):
    from mirage_model.formats.vendor import _reason

    path = tmp_path / "deep" / "muse.xml"
    text = _reason(ValueError(f"rhythm waveform has no valid SampleBase in {path}"), path)
    assert text == "rhythm waveform has no valid SampleBase"
    assert str(tmp_path) not in _reason(KeyError(f"{path}: no lead data"), path)


# ---------------------------------------------------------------------------------------------
# a lead that ends early in the file

def _aecg_lead_mv(text: str, code: str) -> np.ndarray:
    """One lead of an HL7 aECG document straight from its digits: (origin + scale * digits) in mV."""
    from defusedxml import ElementTree as ET

    ns = {"h": "urn:hl7-org:v3"}
    for comp in ET.fromstring(text.encode("utf-8")).iter("{urn:hl7-org:v3}sequence"):
        c = comp.find("h:code", ns)
        if c is not None and c.get("code") == code:
            value = comp.find("h:value", ns)
            origin = float(value.find("h:origin", ns).get("value"))
            scale = value.find("h:scale", ns)
            assert scale.get("unit") == "uV"
            return (origin + float(scale.get("value")) * np.array(value.find("h:digits", ns).text.split(),
                                                                   dtype=float)) / 1000
    raise AssertionError(code)


def _muse_with_v2_cut(dst: Path, n: int) -> Path:
    """muse-sinus.xml with the rhythm strip's V2 cut to its first ``n`` samples (counts adjusted)."""
    src = (DATA / "muse-sinus.xml").read_text(encoding="utf-8")
    v2 = src.index("<LeadID>V2</LeadID>", src.index("<WaveformType>Rhythm</WaveformType>"))
    start, end = src.rindex("<LeadData>", 0, v2), src.index("</LeadData>", v2)
    block = src[start:end]
    data = re.search(r"<WaveFormData>(.*?)</WaveFormData>", block, re.S).group(1)
    cut = base64.b64encode(base64.b64decode("".join(data.split()))[: 2 * n]).decode()
    block = block.replace(data, cut)
    block = re.sub(r"<LeadByteCountTotal>\d+", f"<LeadByteCountTotal>{2 * n}", block)
    block = re.sub(r"<LeadSampleCountTotal>\d+", f"<LeadSampleCountTotal>{n}", block)
    block = re.sub(r"\s*<LeadDataCRC32>\d+</LeadDataCRC32>", "", block)
    dst.write_text(src[:start] + block + src[end:], encoding="utf-8")
    return dst


def _assert_only_v2_ends_early(rec, n: int, T: int):
    from mirage_model import quality

    assert rec.signal.shape == (12, T)                       # not cut to the short lead
    v2 = idx("V2")
    assert np.isfinite(rec.signal[v2, :n]).all() and np.isnan(rec.signal[v2, n:]).all()
    assert np.isfinite(np.delete(rec.signal, v2, axis=0)).all()
    assert rec.flagged_leads("missing") == ("V2",)
    assert rec.meta["short_leads"] == ("V2",)
    q = quality.assess(rec)
    assert not q.has("short_record")                         # the record keeps its 10 s
    missing = next(f for f in q.findings if f.code == "samples_missing")
    assert missing.leads == ("V2",)
    note = next(f for f in q.findings if f.code == "short_leads")   # the note reaches the warnings
    assert note.leads == ("V2",) and note.severity == "warning" and f"{n:,} of {T:,}" in note.detail
    assert "shorter than the others" in q.as_columns()["warnings"]


def test_aecg_lead_that_ends_early_keeps_the_record_length(tmp_path):
    """V2 cut to 4000 of 5000 samples in the FDA's aECG: the other leads keep their 5000 samples
    (each as its digits give it), V2 its 4000 and then missing samples, and only V2 is flagged."""
    src = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    short = re.sub(r"(MDC_ECG_LEAD_V2\".*?<digits>)(.*?)(</digits>)",
                   lambda m: m.group(1) + " ".join(m.group(2).split()[:4000]) + m.group(3), src,
                   count=1, flags=re.S)
    (tmp_path / "v2_shorter.xml").write_text(short, encoding="utf-8")
    rec = load_record(tmp_path / "v2_shorter.xml")
    _assert_only_v2_ends_early(rec, 4000, 5000)
    for lead in ("II", "V1", "V6"):
        np.testing.assert_allclose(rec.signal[idx(lead)], _aecg_lead_mv(src, f"MDC_ECG_LEAD_{lead.upper()}"),
                                   atol=1e-6)
    np.testing.assert_allclose(rec.signal[idx("V2"), :4000], _aecg_lead_mv(short, "MDC_ECG_LEAD_V2"), atol=1e-6)


def test_muse_lead_that_ends_early_keeps_the_record_length(tmp_path):
    """The same for GE MUSE (another reader through the same assembly): against EGM's WFDB export of
    the uncut file, every lead within EGM's rounding, V2 up to where it was cut."""
    wfdb = pytest.importorskip("wfdb")
    rec = load_record(_muse_with_v2_cut(tmp_path / "v2_shorter.xml", 4000))
    _assert_only_v2_ends_early(rec, 4000, 5000)
    ref = wfdb.rdrecord(str(DATA / "muse-sinus"), physical=False)
    names = [s.upper() for s in ref.sig_name]
    for k, lead in enumerate(STANDARD_LEADS):
        uv = ref.d_signal[:, names.index(lead.upper())]
        n = 4000 if lead == "V2" else 5000
        assert np.abs(rec.signal[k, :n] * 1000 - uv[:n]).max() <= 0.5 + 1e-3, lead


@pytest.mark.parametrize("originality", [True, False])
def test_dicom_unlabelled_median_beat_stored_first_is_not_read_as_the_record(tmp_path, originality):
    """pydicom's waveform_ecg.dcm with its two multiplex groups unlabelled and the 1.2 s median beat
    (DERIVED) first: the 10 s rhythm (ORIGINAL) is read, as pydicom decodes it. Without Waveform
    Originality the longest group is the rhythm."""
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    rhythm, median = ds.WaveformSequence
    assert (rhythm.WaveformOriginality, median.WaveformOriginality) == ("ORIGINAL", "DERIVED")
    assert median.NumberOfWaveformSamples < rhythm.NumberOfWaveformSamples
    ref = ds.waveform_array(0)                                # (T, 12) uV
    for wf in (rhythm, median):
        del wf.MultiplexGroupLabel
        if not originality:
            del wf.WaveformOriginality
    ds.WaveformSequence = pydicom.sequence.Sequence([median, rhythm])
    ds.save_as(tmp_path / "median_first.dcm")
    rec = load_record(tmp_path / "median_first.dcm")
    assert rec.signal.shape == (12, ref.shape[0]) and rec.fs == 1000
    np.testing.assert_allclose(rec.signal.T * 1000, ref, atol=1e-3)
    assert not rec.meta.get("unscorable")


# ---------------------------------------------------------------------------------------------
# folder discovery reads a file as loading does

def _ct_dicom(path: Path) -> Path:
    """A DICOM file that is no ECG: CT Image Storage, as a PACS export holds beside the ECGs."""
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID, "CT"
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def test_dicom_without_extension_or_preamble_is_found_in_a_folder(tmp_path):
    """A PACS export: DICOM ECGs named IM000001 or by a UID, one without the 128-byte preamble
    (PS3.10 7.1), beside a CT image without extension and a text file. Discovery finds the three
    ECGs and only them, and each reads as pydicom decodes the sample's rhythm."""
    pydicom = pytest.importorskip("pydicom")
    data = (DATA / "waveform_ecg.dcm").read_bytes()
    assert data[128:132] == b"DICM"
    (tmp_path / "IM000001").write_bytes(data)
    (tmp_path / "1.2.840.113619.2.55.3.7").write_bytes(data)
    (tmp_path / "nopreamble.dcm").write_bytes(data[132:])
    _ct_dicom(tmp_path / "IM000002")
    (tmp_path / "README").write_text("exported from PACS\n" * 100)
    passed: list = []
    found = formats.find_ecg_files(tmp_path, passed)
    assert sorted(p.name for p in found) == ["1.2.840.113619.2.55.3.7", "IM000001", "nopreamble.dcm"]
    assert passed == []
    ref = pydicom.dcmread(DATA / "waveform_ecg.dcm").waveform_array(0)   # (T, 12) uV
    for p in found:
        rec = load_record(p)
        assert rec.meta["format"] == "dicom-ecg"
        np.testing.assert_allclose(rec.signal.T * 1000, ref, atol=1e-3)


def test_xml_ecgs_without_extension_are_found_in_a_folder_by_content(tmp_path):
    """GE MUSE, Philips and HL7 aECG files saved without an extension (as ECG systems export them)
    were passed by in folder search, though extension-less DICOMs were found. They are now found by
    their root element and read as their originals; an XML of another kind, a text file and an
    XML under a name with no ECG extension stay out of the batch, and a non-ECG .xml is still
    passed over as not_ecg."""
    from mirage_model.review.batch.inputs import find_inputs

    names = {"MUSE_20240101_093000_12345": "muse-sinus.xml", "PHILIPS_7": "129DYPRG.XML",
             "1.2.3.4.5": "aecg_subject1_0.xml"}
    for name, src in names.items():
        shutil.copy(DATA / src, tmp_path / name)
    (tmp_path / "settings").write_text('<?xml version="1.0"?>\n<!-- RestingECG -->\n<settings/>')
    (tmp_path / "layout.cfg").write_text("<layout><RestingECG/></layout>")
    (tmp_path / "README").write_text("exported from MUSE\n" * 100)
    (tmp_path / "notes.xml").write_text("<notes><n>hello</n></notes>")
    passed: list = []
    found = formats.find_ecg_files(tmp_path, passed)
    assert sorted(p.name for p in found) == sorted(names)
    assert [p.name for p in passed] == ["notes.xml"]
    headers, orphans, not_ecg = find_inputs(tmp_path)
    assert (sorted(p.name for p in headers), orphans, [p.name for p in not_ecg]) == (
        sorted(names), [], ["notes.xml"])
    for name, src in names.items():
        rec = load_record(tmp_path / name)
        assert rec.meta["format"] == FILES[src][0]
        np.testing.assert_array_equal(rec.signal, load_record(DATA / src).signal)


def test_xml_with_a_long_prolog_is_found_as_it_is_read(tmp_path):
    """A GE MUSE XML with a 10 kB comment before its root element (beyond the first bytes folder
    discovery reads) is found and reads as GE MUSE XML; a comment that hides element-like text
    past those bytes is no root; a prolog longer than loading reads is refused by both alike."""
    src = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    i = src.index("?>") + 2

    def with_comment(name: str, comment: str) -> Path:
        path = tmp_path / name
        path.write_text(src[:i] + "\n<!-- " + comment + " -->\n" + src[i:], encoding="latin-1")
        return path

    long = with_comment("long_comment.xml", "export note " * 900)
    tagged = with_comment("tagged_comment.xml", "export note " * 700 + "<notes>old</notes> " * 50)
    assert long.stat().st_size - len(src) > formats.registry.SCAN_BYTES
    huge = with_comment("huge_comment.xml", "export note " * 6000)        # past HEAD_BYTES
    passed: list = []
    found = formats.find_ecg_files(tmp_path, passed)
    assert sorted(p.name for p in found) == ["long_comment.xml", "tagged_comment.xml"]
    assert [p.name for p in passed] == ["huge_comment.xml"]
    for path in (long, tagged):
        assert formats.detect(path) == "ge-muse-xml"
        np.testing.assert_array_equal(load_record(path).signal, load_record(DATA / "muse-sinus.xml").signal)
    assert formats.detect(huge) == "xml"
    with pytest.raises(RecordError, match="not an ECG MIRAGE reads"):
        load_record(huge)


@pytest.mark.parametrize("suffix", sorted(set(formats.ECG_EXTENSIONS) - {".hea"}))
def test_an_empty_file_is_no_ecg_whatever_its_extension(tmp_path, suffix):
    """A zero-byte file with any ECG format's extension is passed over as no ECG (the batch's
    "not_ecg" row), and reading it says it is empty."""
    from mirage_model.review.batch.inputs import find_inputs

    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    headers, orphans, not_ecg = find_inputs(tmp_path)
    assert (headers, orphans, not_ecg) == ([], [], [path])
    with pytest.raises(RecordError, match="the file is empty"):
        load_record(path)


def test_a_broken_clinical_file_beside_a_wfdb_record_of_its_name_is_refused_by_its_own_name(tmp_path):
    """1.xml holding "hello" next to LUDB 1.hea/1.dat had silently opened the WFDB record 1, and an
    empty empty.xml next to empty.hea reported "empty.hea: header file is empty", a file the user did not
    open. Each is now refused naming the file opened; the WFDB record itself still opens."""
    ludb = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb"
    shutil.copy(ludb / "1.hea", tmp_path / "1.hea")
    shutil.copy(ludb / "1.dat", tmp_path / "1.dat")
    (tmp_path / "1.xml").write_text("hello")
    with pytest.raises(RecordError, match="not an ECG file") as err:
        load_record(tmp_path / "1.xml")
    assert "1.xml" in str(err.value)
    (tmp_path / "empty.hea").write_text("")
    (tmp_path / "empty.xml").write_bytes(b"")
    with pytest.raises(RecordError, match="empty") as err:
        load_record(tmp_path / "empty.xml")
    assert "empty.xml" in str(err.value) and "empty.hea" not in str(err.value)
    assert load_record(tmp_path / "1.hea").signal.shape[0] == 12
    assert load_record(tmp_path / "1.dat").signal.shape[0] == 12


def test_a_ct_image_named_dcm_in_a_folder_is_passed_over_as_no_ecg(tmp_path):
    """A PACS export's CT image saved as .dcm beside an ECG: the README says such a file gets the
    status not_ecg, but it was taken as a DICOM ECG and failed as an error row."""
    from mirage_model.review.batch.inputs import find_inputs

    shutil.copy(DATA / "waveform_ecg.dcm", tmp_path / "ecg.dcm")
    _ct_dicom(tmp_path / "ct.dcm")
    passed: list = []
    assert formats.find_ecg_files(tmp_path, passed) == [tmp_path / "ecg.dcm"]
    assert passed == [tmp_path / "ct.dcm"]
    headers, _orphans, not_ecg = find_inputs(tmp_path)
    assert tmp_path / "ct.dcm" in not_ecg and tmp_path / "ct.dcm" not in headers


def test_a_file_named_scp_that_holds_no_scp_ecg_is_no_ecg_and_says_so(tmp_path):
    """notscp.scp holding text was taken as SCP-ECG by its extension alone, listed as a record and
    refused with the parser's "SCP-ECG record declares 544173164 bytes but the file has 46" (a
    10-byte file: "File too small for SCP-ECG"). The content is now checked for SCP-ECG's structure
    (EN 1064 5.2-5.3: section 0 at byte 7 pointing to itself, within the record length): such a
    file is passed over as no ECG (the batch's not_ecg row) and reading it names the file and what
    is wrong. An SCP-ECG whose section 0 lacks the "SCPECG" mark is still found and read when its
    section 0 CRC fits."""
    import binascii
    import struct

    from mirage_model.review.batch.inputs import find_inputs

    data = (DATA / "Example.scp").read_bytes()
    assert data[16:22] == b"SCPECG"
    shutil.copy(DATA / "Example.scp", tmp_path / "cart.scp")
    unmarked = bytearray(data)
    unmarked[16:22] = bytes(6)                    # a writer that leaves section 0's reserved bytes empty
    length = struct.unpack_from("<I", data, 10)[0]
    struct.pack_into("<H", unmarked, 6, binascii.crc_hqx(bytes(unmarked[8:6 + length]), 0xFFFF))
    struct.pack_into("<H", unmarked, 0, binascii.crc_hqx(bytes(unmarked[2:]), 0xFFFF))
    (tmp_path / "unmarked.scp").write_bytes(bytes(unmarked))
    damaged = bytearray(unmarked)
    damaged[40] ^= 0xFF                           # no mark, and a section 0 CRC that does not fit
    (tmp_path / "damaged.scp").write_bytes(bytes(damaged))
    (tmp_path / "notscp.scp").write_text("hello this is not scp at all, just some bytes\n")
    (tmp_path / "tiny.scp").write_bytes(b"SCP\x00\x01\x02")
    (tmp_path / "noise.scp").write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    headers, orphans, not_ecg = find_inputs(tmp_path)
    assert [p.name for p in headers] == ["cart.scp", "unmarked.scp"] and orphans == []
    assert [p.name for p in not_ecg] == ["damaged.scp", "noise.scp", "notscp.scp", "tiny.scp"]
    assert formats.detect(tmp_path / "unmarked.scp") == "scp-ecg"
    rec = load_record(tmp_path / "unmarked.scp")
    np.testing.assert_array_equal(rec.signal, load_record(DATA / "Example.scp").signal)
    assert not rec.meta.get("reader_warnings")   # its CRCs fit
    with pytest.raises(RecordError, match=r"notscp\.scp: not an SCP-ECG file, though named as one \(\.scp\): "
                                          r"its first bytes are not the format's record header \(section 0 starts "
                                          r"at byte 7, "
                                          r"but the section ID there reads \d+\)"):
        load_record(tmp_path / "notscp.scp")
    with pytest.raises(RecordError, match=r"tiny\.scp: not an SCP-ECG file, .*\(it holds 6 bytes, fewer than"):
        load_record(tmp_path / "tiny.scp")
    with pytest.raises(RecordError, match=r"damaged\.scp: not an SCP-ECG file, .*neither the \"SCPECG\" mark "
                                          r"nor a CRC that fits it"):
        load_record(tmp_path / "damaged.scp")
    with pytest.raises(RecordError, match=r"noise\.scp: not an SCP-ECG file"):
        load_record(tmp_path / "noise.scp")


def _unmarked_scp(data: bytes) -> bytes:
    """Example.scp with section 0's "SCPECG" mark blanked, its section 0 and record CRCs recomputed."""
    import binascii
    import struct

    out = bytearray(data)
    out[16:22] = bytes(6)
    length = struct.unpack_from("<I", data, 10)[0]
    struct.pack_into("<H", out, 6, binascii.crc_hqx(bytes(out[8:6 + length]), 0xFFFF))
    struct.pack_into("<H", out, 0, binascii.crc_hqx(bytes(out[2:]), 0xFFFF))
    return bytes(out)


def _png() -> bytes:
    """A 1x1 grey PNG (signature, IHDR, IDAT, IEND), as a folder of exports may hold a screenshot."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def test_binary_ecgs_without_extension_are_found_in_a_folder_by_content(tmp_path):
    """SCP-ECG, EDF, BDF and ISHNE files saved without an extension (as ECG systems and Holter
    software export them) were passed by in folder search, which looked at such a file only for a
    DICOM or vendor XML ECG. They are now found by their signatures checked against their header
    structure (SCP-ECG: section 0 at byte 7 pointing to itself and its "SCPECG" mark or a fitting
    CRC; EDF/BDF: the version field and the fixed header's dates, header length and signal count;
    ISHNE: "ISHNE1.0") and read as their originals. Random bytes, a PNG, a zip, a README, a table
    of numbers that starts like EDF's version field, zeros, and an SCP-like file without the mark
    whose CRC does not fit stay out, passed by in silence as before."""
    import zipfile

    pyedflib = pytest.importorskip("pyedflib")
    from pyedflib import highlevel

    from mirage_model.review.batch.inputs import find_inputs

    ref = _ludb()
    originals = {"SCP_0001": DATA / "Example.scp", "HOLTER_7": DATA / "ECG_P28.01.ecg"}
    for name, src in originals.items():
        shutil.copy(src, tmp_path / name)
    (tmp_path / "SCP_0002").write_bytes(_unmarked_scp((DATA / "Example.scp").read_bytes()))
    named = tmp_path / "named"
    named.mkdir()
    x = np.ascontiguousarray(ref.p_signal.T * 1000)                         # (12, T) uV
    labels = [f"ECG {n.upper() if n.lower() != 'avr' else 'aVR'}" for n in ref.sig_name]
    hi = float(np.ceil(np.abs(x).max())) + 1
    for kind, bits, file_type in (("edf", 16, pyedflib.FILETYPE_EDFPLUS), ("bdf", 24, pyedflib.FILETYPE_BDFPLUS)):
        headers = highlevel.make_signal_headers(labels, dimension="uV", sample_frequency=ref.fs, physical_min=-hi,
                                                physical_max=hi, digital_min=-(2 ** (bits - 1)),
                                                digital_max=2 ** (bits - 1) - 1)
        highlevel.write_edf(str(named / f"ludb.{kind}"), x, headers, highlevel.make_header(), file_type=file_type)
        originals[f"{kind.upper()}_REC"] = named / f"ludb.{kind}"
        shutil.copy(named / f"ludb.{kind}", tmp_path / f"{kind.upper()}_REC")
    damaged = bytearray((tmp_path / "SCP_0002").read_bytes())
    damaged[14] ^= 0x01                                   # section 0's version: its CRC no longer fits
    (tmp_path / "SCP_0003").write_bytes(bytes(damaged))
    (tmp_path / "noise").write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    (tmp_path / "screenshot").write_bytes(_png())
    with zipfile.ZipFile(tmp_path / "export", "w") as z:
        z.writestr("ecg.scp", (DATA / "Example.scp").read_bytes())
    (tmp_path / "README").write_text("exported from the Holter station\n" * 100)
    (tmp_path / "table").write_text("".join(f"{k:<8d}{k * 2:<8d}{k * 3:<8d}\n" for k in range(200)))
    (tmp_path / "zeros").write_bytes(bytes(2048))
    passed: list = []
    found = formats.find_ecg_files(tmp_path, passed)
    want = ["BDF_REC", "EDF_REC", "HOLTER_7", "SCP_0001", "SCP_0002"]
    assert [p.name for p in found if p.parent == tmp_path] == want and passed == []
    headers, orphans, not_ecg = find_inputs(tmp_path)
    assert [p.name for p in headers if p.parent == tmp_path] == want and (orphans, not_ecg) == ([], [])
    originals["SCP_0002"] = DATA / "Example.scp"
    for name in want:
        rec = load_record(tmp_path / name)
        assert rec.meta["format"] == formats.detect(originals[name])
        np.testing.assert_array_equal(rec.signal, load_record(originals[name]).signal)


def test_a_file_named_edf_or_bdf_that_holds_no_edf_is_no_ecg_and_says_so(tmp_path):
    """table.edf, a text table whose first field happens to read "0       ", was taken as EDF on
    its 8-byte version field alone, listed as a record and refused with the reader's "the header
    is damaged or cut short (the header length 'his is a' is not a whole number)"; a text .bdf
    starting with 0xFF "BIOSEMI" likewise as BDF. EDF's version field must now be followed by a
    fixed header with its start date and time (EDF spec 2.1, ``registry.edf_problem``), as .scp
    and .mwf files must show their structure: such a file is passed over as no ECG (the batch's
    not_ecg row) and reading it names the file and what is wrong. A real EDF or BDF cut short
    is still found and gets the reader's own message."""
    from mirage_model.review.batch.inputs import find_inputs

    full = formats.write_record(load_record(DATA / "muse-sinus.xml"), tmp_path / "src", "edf")
    _cut(full, tmp_path / "half.edf")
    data = bytearray(full.read_bytes())
    data[:8] = b"\xffBIOSEMI"
    (tmp_path / "half.bdf").write_bytes(bytes(data[: len(data) // 2]))
    shutil.rmtree(tmp_path / "src")
    (tmp_path / "table.edf").write_text("0       this is a table of numbers\n" * 20)
    (tmp_path / "text.bdf").write_bytes(b"\xffBIOSEMI, said the note, and nothing else\n" * 10)
    (tmp_path / "hello.edf").write_text("hello, no EDF here\n")
    (tmp_path / "short.bdf").write_bytes(b"\xffBIOSEMI" + b" " * 100)
    headers, orphans, not_ecg = find_inputs(tmp_path)
    assert [p.name for p in headers] == ["half.bdf", "half.edf"] and orphans == []
    assert [p.name for p in not_ecg] == ["hello.edf", "short.bdf", "table.edf", "text.bdf"]
    with pytest.raises(RecordError, match=r"half\.edf: read as EDF/EDF\+: the file is cut short"):
        load_record(tmp_path / "half.edf")
    with pytest.raises(RecordError, match=r"half\.bdf: read as BDF: "):
        load_record(tmp_path / "half.bdf")
    with pytest.raises(RecordError, match=r"table\.edf: not an EDF file, though named as one \(\.edf\): its first "
                                          r"bytes are no EDF or BDF header \(bytes 168-183 read '.*', not a "
                                          r"start date and time\)"):
        load_record(tmp_path / "table.edf")
    with pytest.raises(RecordError, match=r"text\.bdf: not a BDF file, though named as one \(\.bdf\): .*not a "
                                          r"start date and time"):
        load_record(tmp_path / "text.bdf")
    with pytest.raises(RecordError, match=r"hello\.edf: not an EDF file, .*version field reads 'hello, n', "
                                          r"neither EDF's"):
        load_record(tmp_path / "hello.edf")
    with pytest.raises(RecordError, match=r"short\.bdf: not a BDF file, .*it holds 108 bytes, fewer than the 256"):
        load_record(tmp_path / "short.bdf")
