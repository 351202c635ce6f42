"""GE MUSE XML and Philips PageWriter/TraceMaster XML variants from other carts and versions than
the bundled samples, written here with known mV (a sine and a QRS-like pulse per stored lead; the
limb leads III, aVR, aVL, aVF from I and II by Einthoven and Goldberger) and read back through
``load_record``: each reads within the quantisation step, or is refused naming the field at fault.

Field names follow GE's restecg.dtd (as in tests/data/formats/muse-sinus.xml) and Philips'
SierraECG 1.03 / PhilipsECG 1.04 schemas (as in 129DYPRG.XML, 1.03, and
3191723_ZZDEMOPTONLY_1-04_orig.xml, 1.04, UTF-16, both XLI compressed).
"""

from __future__ import annotations

import base64
import zlib
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

DATA = Path(__file__).parent / "data" / "formats"
STORED = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")


def truth(fs: int = 500, seconds: float = 10.0) -> np.ndarray:
    """(12, T) mV in STANDARD_LEADS order: per stored lead a sine of its own amplitude, frequency and
    phase plus a 0.8 s train of QRS-like pulses; the limb leads from I and II."""
    t = np.arange(int(fs * seconds)) / fs
    leads = {}
    for k, lead in enumerate(STORED):
        sine = (0.2 + 0.05 * k) * np.sin(2 * np.pi * (1.0 + 0.1 * k) * t + k)
        qrs = (1.0 - 0.2 * k) * np.exp(-0.5 * ((np.mod(t, 0.8) - 0.3) / 0.012) ** 2)
        leads[lead] = sine + qrs
    i, ii = leads["I"], leads["II"]
    leads.update({"III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2})
    return np.array([leads[lead] for lead in STANDARD_LEADS])


def muse_xml(sig: np.ndarray, *, base: str = "500", exponent: str = "0", per_bit: float = 4.88,
             units: str = "MICROVOLTS", twelve: bool = False, median_first: bool = True,
             count_delta: int = 0, median_delta: int = 0,
             age: str = "<PatientAge>43</PatientAge><AgeUnits>YEARS</AgeUnits>",
             dob: str = "07-08-1979", name: str = "JOHN", encoding: str = "ISO-8859-1") -> bytes:
    """A GE MUSE RestingECG of ``sig`` (12, T) mV: a Median (the first 600 samples) and a Rhythm
    waveform, 8 stored leads (or all 12), int16 little endian in base64, as restecg.dtd has them."""
    names = STANDARD_LEADS if twelve else STORED
    mv_per_count = per_bit * {"MICROVOLTS": 1e-3, "MILLIVOLTS": 1.0}[units]

    def waveform(kind: str, x: np.ndarray, delta: int) -> str:
        out = [f"<Waveform><WaveformType>{kind}</WaveformType><NumberofLeads>{len(names)}</NumberofLeads>"
               f"<SampleType>CONTINUOUS_SAMPLES</SampleType><SampleBase>{base}</SampleBase>"
               f"<SampleExponent>{exponent}</SampleExponent>"]
        for lead in names:
            payload = np.round(x[STANDARD_LEADS.index(lead)] / mv_per_count).astype("<i2").tobytes()
            out.append(f"<LeadData><LeadByteCountTotal>{len(payload)}</LeadByteCountTotal>"
                       f"<LeadSampleCountTotal>{len(payload) // 2 + delta}</LeadSampleCountTotal>"
                       f"<LeadAmplitudeUnitsPerBit>{per_bit}</LeadAmplitudeUnitsPerBit>"
                       f"<LeadAmplitudeUnits>{units}</LeadAmplitudeUnits><LeadID>{lead}</LeadID>"
                       "<LeadOffsetFirstSample>0</LeadOffsetFirstSample><LeadSampleSize>2</LeadSampleSize>"
                       f"<LeadDataCRC32>{zlib.crc32(payload)}</LeadDataCRC32>"
                       f"<WaveFormData>{base64.b64encode(payload).decode()}</WaveFormData></LeadData>")
        return "".join(out) + "</Waveform>"

    median, rhythm = waveform("Median", sig[:, :600], median_delta), waveform("Rhythm", sig, count_delta)
    text = (f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE RestingECG SYSTEM "restecg.dtd">\n'
            "<RestingECG><MuseInfo><MuseVersion>9.0.10.18530</MuseVersion></MuseInfo>"
            f"<PatientDemographics><PatientID>081486213</PatientID>{age}"
            f"<DateofBirth>{dob}</DateofBirth><Gender>FEMALE</Gender><PatientLastName>DOE</PatientLastName>"
            f"<PatientFirstName>{name}</PatientFirstName></PatientDemographics>"
            "<TestDemographics><AcquisitionDate>03-14-2023</AcquisitionDate>"
            "<AcquisitionTime>09:30:00</AcquisitionTime></TestDemographics>"
            f"{median + rhythm if median_first else rhythm + median}</RestingECG>")
    return text.encode({"ISO-8859-1": "latin-1", "UTF-16": "utf-16", "UTF-8": "utf-8"}[encoding])


def philips_xml(sig: np.ndarray, *, version: str = "1.04", fs: int = 500, res: float = 5.0,
                labels: tuple[str, ...] = STANDARD_LEADS, extra: dict | None = None,
                duration_ms: float | None = None,
                encoding: str = "utf-8", allocated: int | None = None,
                age: str = "<age><years>50</years></age>") -> bytes:
    """A Philips resting ECG of ``sig`` (12, T) mV, uncompressed: int16 little endian, lead after
    lead, in base64. 1.03 (SierraECG) states rate and resolution only in <signalcharacteristics>
    (``signalresolution``) and names no leads (STD-12 order); 1.04 (PhilipsECG) also on
    <parsedwaveforms>, with its ``leadlabels``."""
    chans = [sig[STANDARD_LEADS.index(lead)] if lead in STANDARD_LEADS else extra[lead] for lead in labels]
    counts = np.round(np.array(chans) / (res * 1e-3)).astype("<i2")
    T = counts.shape[1]
    duration_ms = T * 1000 / fs if duration_ms is None else duration_ms
    if version == "1.03":
        doctype, attrs, sc = "SierraECG", "", f"<signalresolution>{res:g}</signalresolution>"
    else:
        doctype, sc = "PhilipsECG", f"<resolution>{res:g}</resolution>"
        attrs = (f' numberofleads="{len(labels)}" leadlabels="{" ".join(labels)}" samplespersecond="{fs}"'
                 f' resolution="{res:g}" signaloffset="0" signalsigned="True"')
    text = (f'<?xml version="1.0" encoding="{encoding}"?>\n<restingecgdata xmlns="http://www3.medical.philips.com">'
            f"<documentinfo><documenttype>{doctype}</documenttype><documentversion>{version}</documentversion>"
            '</documentinfo><dataacquisition date="2023-03-14" time="09:30:00">'
            '<machine detaildescription="Philips Medical Products:860306:A.07.07.07">PageWriter</machine>'
            f"<signalcharacteristics><samplingrate>{fs}</samplingrate>{sc}"
            "<acquisitiontype>STD-12</acquisitiontype><bitspersample>16</bitspersample>"
            "<signaloffset>0</signaloffset><signalsigned>True</signalsigned>"
            f"<numberchannelsallocated>{allocated or len(labels)}</numberchannelsallocated>"
            f"<numberchannelsvalid>{len(labels)}</numberchannelsvalid></signalcharacteristics></dataacquisition>"
            "<patient><generalpatientdata><patientid>9999</patientid><name><lastname>Müller</lastname>"
            f"<firstname>Anna</firstname></name>{age}<sex>Female</sex>"
            "</generalpatientdata></patient>"
            f'<waveforms><parsedwaveforms dataencoding="Base64" compressflag="False"{attrs} '
            f'durationperchannel="{duration_ms:g}">{base64.b64encode(counts.tobytes()).decode()}'
            "</parsedwaveforms></waveforms></restingecgdata>")
    return text.encode(encoding)


def read(tmp_path: Path, data: bytes, name: str = "ecg.xml"):
    path = tmp_path / name
    path.write_bytes(data)
    return load_record(path)


def assert_reads(rec, sig: np.ndarray, fs: int, step_mv: float) -> float:
    """The record is ``sig`` at ``fs``: every lead within the quantisation (a derived limb lead
    sums the rounding of two stored ones: 1.5 steps at most)."""
    assert rec.fs == fs and rec.signal.shape == sig.shape
    err = float(np.abs(rec.signal - sig).max())
    assert err <= 1.5 * step_mv + 1e-6, err
    return err


# ---------------------------------------------------------------- GE MUSE: already read right

@pytest.mark.parametrize("variant, fs, step", [
    (dict(), 500, 0.00488),
    (dict(per_bit=1.0), 500, 0.001),
    (dict(per_bit=2.5), 500, 0.0025),
    (dict(per_bit=0.005, units="MILLIVOLTS"), 500, 0.005),
    (dict(twelve=True), 500, 0.00488),
    (dict(base="250"), 250, 0.00488),
    (dict(base="1000"), 1000, 0.00488),
    (dict(base="100", exponent="1"), 1000, 0.00488),
    (dict(base="5000", exponent="-1"), 500, 0.00488),
    (dict(median_first=False), 500, 0.00488),
    (dict(name="JOSÉ", encoding="UTF-16"), 500, 0.00488),
], ids=["4.88uV", "1uV", "2.5uV", "mV", "12-stored", "250Hz", "1000Hz", "base100exp1", "base5000exp-1",
        "rhythm-first", "utf16"])
def test_muse_variants_read_their_millivolts(tmp_path, variant, fs, step):
    sig = truth(fs)
    rec = read(tmp_path, muse_xml(sig, **variant))
    assert_reads(rec, sig, fs, step)
    if "twelve" not in variant:
        assert set(rec.meta["derived_leads"]) == {"III", "aVR", "aVL", "aVF"}
    if variant.get("encoding") == "UTF-16":
        assert rec.meta["patient"]["name"] == "JOSÉ DOE"


def test_muse_latin1_name_reads_as_written(tmp_path):
    rec = read(tmp_path, muse_xml(truth(), name="Zoë Ångström"))
    assert rec.meta["patient"]["name"] == "Zoë Ångström DOE"


# the test files' acquisition date (03-14-2023) less a birth date of 09-14-2022, in years
SIX_MONTHS = 181 / 365.2425


@pytest.mark.parametrize("age, dob, years", [
    ("<PatientAge>6</PatientAge><AgeUnits>MONTHS</AgeUnits>", "09-14-2022", SIX_MONTHS),   # the dates' exact age
    ("<PatientAge>6</PatientAge><AgeUnits>MONTHS</AgeUnits>", "", 0.5),
    ("<PatientAge>20</PatientAge><AgeUnits>DAYS</AgeUnits>", "", 20 / 365.2425),
    ("<PatientAge>30</PatientAge><AgeUnits>HOURS</AgeUnits>", "", 30 / 365.2425 / 24),
    ("<PatientAge>43</PatientAge><AgeUnits>YEARS</AgeUnits>", "", 43),
    ("<PatientAge>6</PatientAge>", "", None),                 # no unit, no birth date: no age
    ("<PatientAge>6</PatientAge>", "09-14-2022", SIX_MONTHS),  # no unit: from the birth date
    ("", "07-08-1979", 43),                   # 43 years and 249 days: from 2 years on, whole years
])
def test_muse_age_units(tmp_path, age, dob, years):
    """A 6-month-old reads as half a year, never as 6 years nor as 0 (acquired 03-14-2023)."""
    rec = read(tmp_path, muse_xml(truth(), age=age, dob=dob))
    assert rec.age == (None if years is None else pytest.approx(years, abs=5e-4))   # kept to 0.001 y


def test_muse_sample_count_that_disagrees_with_the_data_is_refused(tmp_path):
    for delta in (-5, 5):
        with pytest.raises(RecordError, match=r"ecg\.xml: read as GE MUSE XML: .*LeadSampleCountTotal"):
            read(tmp_path, muse_xml(truth(), count_delta=delta))


def test_muse_median_beat_whose_sample_count_disagrees_is_left_out_not_the_ecg(tmp_path):
    """A Median waveform whose LeadSampleCountTotal disagrees with its data refused the whole ECG;
    the device's median beat is now left out with a note naming the field, the rhythm reads."""
    sig = truth()
    for delta in (-5, 5):
        rec = read(tmp_path, muse_xml(sig, median_delta=delta))
        assert_reads(rec, sig, 500, 0.00488)
        assert "device_median_beats" not in rec.meta
        assert any("median beat waveform was left out" in n and "LeadSampleCountTotal is "
                   f"{600 + delta} but its WaveFormData holds 600" in n for n in rec.meta["reader_warnings"])
    text = muse_xml(sig).decode("latin-1")
    start = text.index("<WaveFormData>") + len("<WaveFormData>")           # the median beat's lead I
    rec = read(tmp_path, (text[:start] + "!!!not*base64~~" + text[start + 15:]).encode("latin-1"))
    assert_reads(rec, sig, 500, 0.00488)
    assert any("lead I's WaveFormData is not valid base64" in n for n in rec.meta["reader_warnings"])
    beats = read(tmp_path, muse_xml(sig)).meta["device_median_beats"]   # the undamaged beat: as written
    assert max(float(np.abs(beats["leads"][lead] - sig[k, :600]).max())
               for k, lead in enumerate(STANDARD_LEADS)) <= 1.5 * 0.00488


def test_muse_median_beat_that_names_a_lead_twice_is_left_out_saying_so(tmp_path):
    """A Median waveform whose third lead (V1) is labelled I: two beats called I, of which the second had been
    dropped without a word and V1 left out; the device's beat is left out with a note, the rhythm reads."""
    sig = truth()
    text = muse_xml(sig).decode("latin-1")
    at = text.index("<LeadID>V1</LeadID>")                                  # the median beat's V1 (written first)
    rec = read(tmp_path, (text[:at] + "<LeadID>I</LeadID>" + text[at + 19:]).encode("latin-1"))
    assert_reads(rec, sig, 500, 0.00488)
    assert "device_median_beats" not in rec.meta
    assert any("the device's median beat names lead I twice (channels 1 and 3)" in n
               for n in rec.meta["reader_warnings"])


# ---------------------------------------------------------------- Philips: already read right

@pytest.mark.parametrize("variant, fs, step", [
    (dict(), 500, 0.005),
    (dict(version="1.04.01"), 500, 0.005),
    (dict(version="1.04.02", res=2.5), 500, 0.0025),
    (dict(version="1.03"), 500, 0.005),
    (dict(fs=1000), 1000, 0.005),
    (dict(labels=STANDARD_LEADS[6:] + STANDARD_LEADS[:6]), 500, 0.005),
    (dict(encoding="utf-16"), 500, 0.005),
], ids=["1.04", "1.04.01", "1.04.02-2.5uV", "1.03", "1000Hz", "chest-first", "utf16"])
def test_philips_variants_read_their_millivolts(tmp_path, variant, fs, step):
    sig = truth(fs)
    rec = read(tmp_path, philips_xml(sig, **variant))
    assert_reads(rec, sig, fs, step)
    assert rec.sex == "F" and rec.age == 50 and rec.meta["patient"]["name"] == "Anna Müller"


def test_philips_15_channels_keep_the_12_leads(tmp_path):
    """Right-sided and posterior leads (V3R, V4R, V7) after the 12 are kept apart from them, not mistaken: as extra
    leads (drawn after the 12; they had been left out), the samples written."""
    sig = truth()
    extra = {"V3R": -sig[8], "V4R": -sig[9], "V7": 0.5 * sig[11]}
    rec = read(tmp_path, philips_xml(sig, labels=STANDARD_LEADS + ("V3R", "V4R", "V7"), extra=extra))
    assert_reads(rec, sig, 500, 0.005)
    assert [e.name for e in rec.extra_leads] == ["V3R", "V4R", "V7"]
    for e in rec.extra_leads:
        np.testing.assert_allclose(e.signal, extra[e.name], atol=0.005)


def test_philips_103_with_16_channels_allocated_of_which_12_valid(tmp_path):
    """SierraECG 1.03 names no leads: STD-12 order for the first 12 of the 16 channels allocated
    (numberchannelsvalid 12); the 4 unnamed channels after them are left out."""
    sig = truth()
    empty = {f"X{k}": np.zeros(sig.shape[1]) for k in range(4)}
    data = philips_xml(sig, version="1.03", labels=STANDARD_LEADS + tuple(empty), extra=empty)
    data = data.replace(b"<numberchannelsvalid>16<", b"<numberchannelsvalid>12<")
    assert_reads(read(tmp_path, data), sig, 500, 0.005)


def test_philips_unsigned_samples_with_their_zero_offset(tmp_path):
    """signalsigned False with signaloffset 32768 (the count that stands for 0 V)."""
    sig = truth()
    counts = (np.round(sig / 0.005).astype(np.int32) + 32768).astype("<u2")
    text = philips_xml(sig).decode()
    start = text.index(">", text.index("<parsedwaveforms")) + 1
    text = text[:start] + base64.b64encode(counts.tobytes()).decode() + text[text.index("</parsedwaveforms>"):]
    text = (text.replace('signalsigned="True"', 'signalsigned="False"')
            .replace('signaloffset="0"', 'signaloffset="32768"')
            .replace("<signalsigned>True<", "<signalsigned>False<").replace("<signaloffset>0<", "<signaloffset>32768<"))
    rec = read(tmp_path, text.encode())
    assert_reads(rec, sig, 500, 0.005)
    assert "reader_warnings" not in rec.meta


# ---------------------------------------------------------------- Philips: fields that disagree

@pytest.mark.parametrize("duration_ms", [9000, 10500])
def test_philips_duration_that_does_not_divide_the_data_is_refused(tmp_path, duration_ms):
    """durationperchannel 9000 ms of data holding 10 s a lead: each lead was cut at the wrong
    sample and read as a piece of two leads (1.4 mV off), silently."""
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*durationperchannel"):
        read(tmp_path, philips_xml(truth(), duration_ms=duration_ms))


def test_philips_duration_of_no_whole_sample_is_refused_saying_so(tmp_path):
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*: the leads hold no samples"):
        read(tmp_path, philips_xml(truth(), duration_ms=1))


def test_philips_103_channels_allocated_beyond_the_data_is_refused_naming_it(tmp_path):
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*not 16 leads of 5,000 samples"):
        read(tmp_path, philips_xml(truth(), version="1.03", allocated=16))


@pytest.mark.parametrize("field, note", [
    ("<samplingrate>1000</samplingrate>", "sampling rate (Hz) is 500 (<parsedwaveforms samplespersecond>), the "
                                          "acquisition's 1000 (<signalcharacteristics><samplingrate>)"),
    ("<resolution>2.5</resolution>", "resolution (uV per count) is 5 (<parsedwaveforms resolution>), the "
                                     "acquisition's 2.5 (<signalcharacteristics><resolution>)"),
    ("<signaloffset>100</signaloffset>", "signal offset (counts) is 0 (<parsedwaveforms signaloffset>), the "
                                         "acquisition's 100 (<signalcharacteristics><signaloffset>)"),
])
def test_philips_stored_waveform_fields_that_differ_from_the_acquisition_are_noted(tmp_path, field, note):
    """1.04 states rate, resolution and offset for the stored waveform (<parsedwaveforms>, required)
    and for the digitised signal (<signalcharacteristics>): the stored waveform's are read, as the
    schema describes them, and a difference (a waveform resampled or rescaled after acquisition, or
    a field that is wrong) is said in a reader note instead of passing unseen."""
    data = philips_xml(truth()).decode()
    tag = field[1:field.index(">")]
    data = data.replace(f"<{tag}>", "<dropped>", 1).replace(f"</{tag}>", "</dropped>", 1)
    data = data.replace("<acquisitiontype>", field + "<acquisitiontype>")
    rec = read(tmp_path, data.encode())
    assert_reads(rec, truth(), 500, 0.005)
    assert any(note in text for text in rec.meta["reader_warnings"]), rec.meta.get("reader_warnings")


@pytest.mark.parametrize("age, years", [
    ("<months>6</months>", 0.5), ("<months>30</months>", 2.5), ("<weeks>8</weeks>", 56 / 365.2425),
    ("<days>20</days>", 20 / 365.2425), ("<hours>30</hours>", 30 / 24 / 365.2425),
    ("<minutes>90</minutes>", 1.5 / 24 / 365.2425), ("<years>50</years>", 50),
    ("<dateofbirth>2022-09-14</dateofbirth>", SIX_MONTHS),
])
def test_philips_age_in_any_unit_of_the_schema(tmp_path, age, years):
    """<age> holds one of dateofbirth, years, months, weeks, days, hours, minutes (PhilipsECG 1.04
    and SierraECG 1.03 schemas): an infant's age in months was left out, then read as whole years
    (0); never read as years, now as the fraction of a year it is."""
    rec = read(tmp_path, philips_xml(truth(), age=f"<age>{age}</age>"))
    assert rec.age == pytest.approx(years, abs=5e-4)    # an age from dates is kept to 0.001 y


def test_philips_more_leads_than_lead_labels_is_refused(tmp_path):
    """numberofleads 12 with 8 leadlabels (I II V1-V6) over 12 leads of data in the standard order:
    the 8 names went to the first 8 channels (V1 read III's data: 1.86 mV off), silently."""
    data = philips_xml(truth()).decode().replace('leadlabels="I II III aVR aVL aVF V1 V2 V3 V4 V5 V6"',
                                                 'leadlabels="I II V1 V2 V3 V4 V5 V6"')
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*numberofleads> is 12 but its "
                                          r"leadlabels name 8"):
        read(tmp_path, data.encode())


@pytest.mark.parametrize("labels", ["II I III aVR aVL aVF V1 V2 V3 V4 V5 V6",
                                    "V1 V2 V3 V4 V5 V6 I II III aVR aVL aVF"])
def test_philips_xli_limb_leads_out_of_place_are_refused(tmp_path, labels):
    """XLI stores III, aVR, aVL, aVF as residuals of I and II in the 3rd to 6th channels; with the
    limb leads named elsewhere the residuals (near 0 mV) were read as the leads, silently."""
    src = DATA / "3191723_ZZDEMOPTONLY_1-04_orig.xml"
    text = src.read_text(encoding="utf-16")
    stated = 'leadlabels="I II III aVR aVL aVF V1 V2 V3 V4 V5 V6"'
    assert stated in text
    path = tmp_path / "ecg.xml"
    path.write_text(text.replace(stated, f'leadlabels="{labels}"'), encoding="utf-16")
    with pytest.raises(RecordError, match=r"ecg\.xml: read as Philips .*XLI.*leadlabels"):
        load_record(path)


# ---------------------------------------------------------------- text not in its declared encoding

def test_latin1_name_in_a_file_that_declares_utf8_or_nothing_reads(tmp_path):
    """A Latin-1 name (É, ü) in a file that declares UTF-8, or no encoding (XML's default is UTF-8),
    refused the whole ECG as "not well formed ...; the file may be cut short"; ecgdatakit's
    parsers read such text as Latin-1: it now reads, the name as written, with a reader note."""
    sig = truth()
    muse = muse_xml(sig, name="JOSÉ").decode("latin-1")
    undeclared = muse.replace('<?xml version="1.0" encoding="ISO-8859-1"?>\n', "").encode("latin-1")
    rec = read(tmp_path, undeclared, "muse.xml")
    assert_reads(rec, sig, 500, 0.00488)
    assert rec.meta["patient"]["name"] == "JOSÉ DOE"
    assert any("declares no encoding" in n and "Latin-1" in n for n in rec.meta["reader_warnings"])
    philips = philips_xml(sig).decode("utf-8").encode("latin-1")       # still declares utf-8
    rec = read(tmp_path, philips, "philips.xml")
    assert_reads(rec, sig, 500, 0.005)
    assert rec.meta["patient"]["name"] == "Anna Müller"
    assert any("declares the utf-8 encoding" in n for n in rec.meta["reader_warnings"])


def test_utf8_text_in_a_file_that_declares_latin1_is_noted(tmp_path):
    """A file declaring ISO-8859-1 whose text is UTF-8 reads "JOSÉ" as "JOSÃ\x89" (as declared): a
    reader note says so. Latin-1 text, and Windows-1252's "É€" (whose bytes pair up into UTF-8's
    U+0240, no letter of a name), get none."""
    sig = truth()
    latin1 = muse_xml(sig, name="JOSÉ").decode("latin-1")
    for data in (latin1.encode("utf-8"), b"\xef\xbb\xbf" + latin1.encode("utf-8")):
        rec = read(tmp_path, data)
        assert_reads(rec, sig, 500, 0.00488)
        assert any("declares the ISO-8859-1 encoding, but its text is UTF-8" in n
                   for n in rec.meta["reader_warnings"])
    cp1252 = latin1.replace("ISO-8859-1", "windows-1252").replace("JOSÉ", "JOSÉ€").encode("cp1252")
    for data in (latin1.encode("latin-1"), cp1252):
        assert "reader_warnings" not in read(tmp_path, data).meta


def test_misencoded_file_is_still_refused_when_cut_short_or_declaring_entities(tmp_path):
    text = muse_xml(truth(), name="JOSÉ", encoding="UTF-8").decode("utf-8")
    cut = text[: len(text) // 2].encode("latin-1")
    with pytest.raises(RecordError, match=r"cut\.xml: read as GE MUSE XML: the XML is not well formed"):
        read(tmp_path, cut, "cut.xml")
    bomb = text.replace('<!DOCTYPE RestingECG SYSTEM "restecg.dtd">',
                        '<!DOCTYPE RestingECG [<!ENTITY a "aaaaaaaaaa">]>').replace("DOE", "&a;")
    with pytest.raises(RecordError, match=r"bomb\.xml: read as GE MUSE XML: .*entities"):
        read(tmp_path, bomb.encode("latin-1"), "bomb.xml")


@pytest.mark.parametrize("edit, note", [
    ({'durationperchannel="11000"': 'durationperchannel="5500"'}, "durationperchannel 5500 ms at 500 Hz only 2,750"),
    ({'samplespersecond="500"': 'samplespersecond="250"', "<samplingrate>500<": "<samplingrate>250<"},
     "durationperchannel 11000 ms at 250 Hz only 2,750"),
])
def test_philips_xli_leads_longer_than_duration_at_the_rate_are_noted(tmp_path, edit, note):
    """The XLI leads hold 5,500 samples (11 s at 500 Hz). A duration of 5500 ms, or a rate of 250 Hz
    stated in both places, cut them at 2,750 without a word: at 250 Hz the first 5.5 s were read as
    11 s (every interval doubled). The cut stays, as the parser makes it, with a reader note."""
    src = DATA / "3191723_ZZDEMOPTONLY_1-04_orig.xml"
    text = src.read_text(encoding="utf-16")
    for old, new in edit.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "ecg.xml"
    path.write_text(text, encoding="utf-16")
    rec = load_record(path)
    assert rec.signal.shape[1] == 2750
    assert any("XLI leads hold 5,500 samples" in n and note in n for n in rec.meta["reader_warnings"])
    for name in ("129DYPRG.XML", src.name):                      # the real files' leads end at their duration
        assert not any("XLI" in n for n in load_record(DATA / name).meta.get("reader_warnings", ()))


def test_a_muse_statement_continued_on_the_next_line_reads_without_a_blank_before_its_comma():
    """MUSE stores "Anterior infarct" and ", age undetermined" as two statements, the second ending the
    line (ENDSLINE); joined, the app's device panel and the PDF had read "Anterior infarct , age
    undetermined". The statements as the file's own StmtText lines give them, joined as a line reads."""
    import re

    text = (DATA / "muse-sinus.xml").read_text()
    diagnosis = text.split("<Diagnosis>")[1].split("</Diagnosis>")[0]
    lines, line = [], []
    for stmt in re.findall(r"<DiagnosisStatement>(.*?)</DiagnosisStatement>", diagnosis, re.S):
        part = re.search(r"<StmtText>(.*?)</StmtText>", stmt, re.S).group(1).strip()
        line.append(part if not line or part.startswith(",") else " " + part)
        if "ENDSLINE" in stmt:
            lines.append("".join(line))
            line = []
    assert "Anterior infarct, age undetermined" in lines
    assert load_record(DATA / "muse-sinus.xml").meta["device_report"]["statements"] == tuple(lines)
