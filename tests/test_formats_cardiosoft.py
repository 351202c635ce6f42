"""GE CardioSoft XML (``<CardiologyXML>``) is read, checked against what the file states about itself.

The file is a real CardioSoft V6.73 export (tests/data/formats/cardiosoft-example1.xml, ECGVisualizer's
example1.xml; see ATTRIBUTION.md). The truths the tests compare against are read here with ElementTree
from the file's own fields, not from MIRAGE's reader: its digits and ``<Resolution>`` (5 uV), the
cart's stored III and augmented leads (Einthoven, Goldberger), the 12SL analysis' R amplitudes in uV
(the median beats' scale), its beat times in ms and RR interval (the time axis), and its patient
fields. Before this change every such file was refused ("a GE CardioSoft XML ECG ..., a format
MIRAGE does not read").
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.records import RecordError, load_record
from mirage_model.records.record import STANDARD_LEADS

EXAMPLE = Path(__file__).parent / "data" / "formats" / "cardiosoft-example1.xml"
UV_PER_COUNT = 5.0                   # <Resolution units="uVperLsb">5</Resolution>, both blocks


def _xml() -> ET.Element:
    return ET.parse(EXAMPLE).getroot()


def _counts(block: ET.Element) -> dict[str, np.ndarray]:
    """A block's <WaveformData> digits per lead, as the file writes them."""
    return {w.get("lead"): np.array([int(v) for v in w.text.split(",")]) for w in block.findall("WaveformData")}


@pytest.fixture(scope="module")
def record():
    return load_record(EXAMPLE)


def test_the_rhythm_is_the_files_digits_times_its_resolution(record):
    strip = _xml().find("StripData")
    counts = _counts(strip)
    assert record.meta["format"] == "ge-cardiosoft-xml"
    assert record.fs == float(strip.findtext("SampleRate")) == 500.0
    assert record.signal.shape == (12, int(strip.findtext("ChannelSampleCountTotal")))
    assert float(strip.findtext("Resolution")) == UV_PER_COUNT
    for i, lead in enumerate(STANDARD_LEADS):
        np.testing.assert_allclose(record.signal[i], counts[lead] * UV_PER_COUNT / 1000, atol=1e-6)


def test_the_leads_as_read_obey_einthoven_and_goldberger(record):
    """All 12 leads are stored (each its own <WaveformData>): as read, III is II - I to the count, the
    augmented leads within the cart's rounding (half a count); a lead read into another's place fails."""
    x = {lead: record.signal[i].astype(np.float64) * 1000 / UV_PER_COUNT for i, lead in enumerate(STANDARD_LEADS)}
    assert np.abs(x["I"] + x["III"] - x["II"]).max() <= 1e-3
    for lead, derived in (("aVR", -(x["I"] + x["II"]) / 2), ("aVL", x["I"] - x["II"] / 2),
                          ("aVF", x["II"] - x["I"] / 2)):
        assert np.abs(x[lead] - derived).max() <= 0.5 + 1e-3


def test_median_beats_scale_matches_the_12sl_r_amplitudes(record):
    """The 12SL table's R (or R') amplitude of each lead, in uV, against the median beat's peak above
    the QRS onset (``QOnset`` ms): within one count (5 uV) in all 12 leads."""
    resting = _xml().find("RestingECGMeasurements")
    table = resting.find("MeasurementTable")
    order = [s.strip() for s in table.findtext("LeadOrder").split(",")]

    def amplitudes(tag):
        return [float(v) if v.strip() else 0.0 for v in table.findtext(tag).split(",")]

    r_uv = dict(zip(order, np.maximum(amplitudes("RAmplitude"), amplitudes("R1Amplitude"))))
    beats = record.meta["device_median_beats"]
    assert beats["fs"] == float(resting.findtext("MedianSamples/SampleRate"))
    onset = int(float(resting.findtext("QOnset")) * beats["fs"] / 1000)
    offset = int(float(resting.findtext("QOffset")) * beats["fs"] / 1000)
    for lead in STANDARD_LEADS:
        beat_uv = beats["leads"][lead] * 1000
        peak = beat_uv[onset:offset + 1].max() - beat_uv[onset]
        assert abs(peak - r_uv[lead]) <= UV_PER_COUNT, lead


def test_time_axis_matches_the_files_beat_times_and_rr(record):
    """Lead II's R peaks near the beat times <ArrhythmiaResults> states (ms): one per stated beat, each
    the same short way before its stated time (12-22 ms: the cart's fiducial is not the apex), so the
    intervals agree within 10 ms, and their mean is the file's <RRInterval>."""
    root = _xml()
    stated = np.array([float(t.text) for t in root.find("StripData/ArrhythmiaResults").findall("Time")])
    ii = record.signal[STANDARD_LEADS.index("II")]
    window = int(0.1 * record.fs)
    peaks_ms = []
    for t in stated:
        at = int(t * record.fs / 1000)
        lo = max(at - window, 0)
        peaks_ms.append((lo + int(np.argmax(ii[lo:at + window]))) * 1000 / record.fs)
    lag = stated - np.array(peaks_ms)
    assert np.all((lag >= 0) & (lag <= 30))
    assert np.abs(np.diff(stated) - np.diff(peaks_ms)).max() <= 10
    rr = float(root.findtext("RestingECGMeasurements/RRInterval"))
    assert abs(np.diff(peaks_ms).mean() - rr) <= 10


def test_patient_device_and_the_carts_analysis_as_the_file_states_them(record):
    root = _xml()
    patient = root.find("PatientInfo")
    assert record.age == float(patient.findtext("Age")) == 18.0 and patient.find("Age").get("units") == "YEARS"
    assert patient.findtext("Gender") == "MALE" and record.sex == "M"
    assert record.meta["patient"]["id"] == patient.findtext("PID") == "001"
    assert record.meta["patient"]["name"] == "Name Surname"
    assert record.meta["device"] == "CardioSoft V6.73" and record.meta["site"] == "Facility"
    report = record.meta["device_report"]
    assert report["source"] == "CardioSoft V6.73 (12SL V21)"
    resting = root.find("RestingECGMeasurements")
    assert report["measurements"]["Heart rate (bpm)"] == int(resting.findtext("VentricularRate")) == 42
    assert report["measurements"]["PR interval (ms)"] == int(resting.findtext("PQInterval")) == 250
    assert report["measurements"]["QRS axis (deg)"] == int(resting.findtext("RAxis")) == 83
    assert report["measurements"]["QTc, formula not stated (ms)"] == int(resting.findtext("QTCInterval")) == 385
    # the export's dates are 1/1/1 placeholders: no acquisition time, no age from them, each said
    assert "acquired" not in record.meta
    notes = " ".join(record.meta["reader_warnings"])
    assert "<ObservationDateTime> reads 0001-01-01 01:01:01, a placeholder" in notes
    assert "birth date 0001-01-01 looks like a placeholder" in notes


def _edited(tmp_path, old: str, new: str, after: str = "<StripData>", name: str = "exam.xml") -> Path:
    text = EXAMPLE.read_text(encoding="latin-1")
    at = text.index(after)
    assert old in text[at:]
    path = tmp_path / name
    path.write_text(text[:at] + text[at:].replace(old, new, 1), encoding="latin-1")
    return path


@pytest.mark.parametrize("old, new, reason", [
    ('<WaveformData lead="V3">\t\t-285,', '<WaveformData lead="V3">\t\t-285,x7,',
     "<StripData> lead V3's <WaveformData> holds 'x7' at sample 2, not a whole number"),
    ("<ChannelSampleCountTotal>5000<", "<ChannelSampleCountTotal>5001<",
     "<StripData> lead I's <WaveformData> holds 5000 samples, but <ChannelSampleCountTotal> is 5001"),
    ('<SampleRate units="Hz">500<', '<SampleRate units="kHz">0.5<',
     "<StripData>'s <SampleRate> is in 'kHz', not Hz"),
    ('<Resolution units="uVperLsb">5<', '<Resolution units="uVperLsb">0<',
     "<StripData>'s <Resolution> reads '0', not a number above 0"),
    ("<NumberOfLeads>12<", "<NumberOfLeads>13<", "<StripData> states <NumberOfLeads> 13 but holds 12 <WaveformData>"),
    ("<StripData>", "<Strip>", "the file holds no rhythm strip (<StripData> with <WaveformData>)"),
])
def test_a_damaged_rhythm_is_refused_naming_the_field(tmp_path, old, new, reason):
    if new == "<Strip>":
        text = EXAMPLE.read_text(encoding="latin-1")
        text = text.replace("<StripData>", "<Strip>").replace("</StripData>", "</Strip>")
        path = tmp_path / "exam.xml"
        path.write_text(text, encoding="latin-1")
    else:
        path = _edited(tmp_path, old, new)
    with pytest.raises(RecordError) as err:
        load_record(path)
    assert err.value.reason == f"read as GE CardioSoft XML: {reason}"


def test_a_damaged_median_beat_is_left_out_and_the_rhythm_reads(tmp_path):
    path = _edited(tmp_path, '<WaveformData lead="II">\t\t\t2,', '<WaveformData lead="II">\t\t\t2,?,',
                   after="<MedianSamples>")
    rec = load_record(path)
    assert "device_median_beats" not in rec.meta and rec.signal.shape == (12, 5000)
    assert any("<MedianSamples> lead II's <WaveformData> holds '?' at sample 2, not a whole number; the device's "
               "median beat was left out" in note for note in rec.meta["reader_warnings"])


def test_a_median_beat_that_names_a_lead_twice_is_left_out_saying_so(tmp_path):
    """Two <MedianSamples> channels that are both V1 ("V1" and V2's relabelled "Lead V1"; the same label twice the
    reader refuses itself): which is V1 is unknown; the second had been dropped without a word and the first drawn
    and measured as V1. The device's beat is left out with a note, as the rhythm's twin names are said
    (lead_named_twice); the rhythm reads."""
    path = _edited(tmp_path, '<WaveformData lead="V2">', '<WaveformData lead="Lead V1">', after="<MedianSamples>")
    rec = load_record(path)
    assert "device_median_beats" not in rec.meta and rec.signal.shape == (12, 5000)
    assert "duplicate_leads" not in rec.meta                    # the rhythm names each lead once
    assert any("the device's median beat names lead V1 twice (channels 7 and 8)" in note
               and "left out" in note for note in rec.meta["reader_warnings"])


def test_an_age_in_months_is_that_fraction_of_a_year(tmp_path):
    path = _edited(tmp_path, '<Age units="YEARS">18<', '<Age units="MONTHS">7<', after="<PatientInfo>")
    assert load_record(path).age == pytest.approx(7 / 12)


def test_a_cardiosoft_file_without_an_extension_is_found_in_a_folder(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "ECG_001")
    assert [p.name for p in formats.find_ecg_files(tmp_path)] == ["ECG_001"]
    assert load_record(tmp_path / "ECG_001").meta["format"] == "ge-cardiosoft-xml"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


@pytest.mark.slow
def test_score_a_folder_with_a_damaged_copy_and_report_the_file(checkpoint, tmp_path, capsys):
    """``mirage score`` scores the export and fails its copy cut short, naming it, and goes on;
    ``mirage report`` writes the patient and the cart's own analysis on the PDF."""
    import csv

    pypdf = pytest.importorskip("pypdf")
    from training_cli.main import main

    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "a.xml")
    data = EXAMPLE.read_bytes()
    (folder / "b_cut.xml").write_bytes(data[: len(data) // 2])
    out = tmp_path / "scores.csv"
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress", "--threads", "1"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "failed: b_cut.xml: read as GE CardioSoft XML: the XML ends before its elements are closed" in err
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {Path(r["record_path"]).name: r for r in csv.DictReader(fh)}
    assert rows["a.xml"]["status"] == "ok" and rows["a.xml"]["format"] == "ge-cardiosoft-xml"
    assert rows["a.xml"]["age_used"] == "18.0" and rows["a.xml"]["sex_used"] == "M"
    assert abs(float(rows["a.xml"]["rr_ms"]) - 1440) <= 10          # the file's <RRInterval>
    assert rows["b_cut.xml"]["status"] == "error"

    pdf = tmp_path / "a.pdf"
    assert main(["report", str(folder / "a.xml"), "--model", str(checkpoint), "--out", str(pdf)]) == 0
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    assert "Name Surname" in text and "ID: 001" in text and "Age: 18" in text and "Sex: M" in text
    assert "CardioSoft V6.73 (12SL V21)" in text and "PR interval (ms): 250" in text
