"""A damaged file's refusal, in words: the damaged variants of every real sample (scripts/fuzz_variants.py's
``damage_variants``: a field emptied, wrong units, damaged data, a byte flipped, XML made not well formed,
truncations) are refused naming the file once, the format once, and the field and value at fault; never a
Python class name ("(CorruptedFileError)"), a traceback's text or a NaN. And a patient name that stands in
for one ("JOHN DOE", "Anonymous") is a name: kept as the file states it."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from helpers_scripts import load_script
from mirage_model.records import RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("wfdb")

DATA = Path(__file__).parent / "data" / "formats"
# the words that name each format (FORMATS' names, and the readers' own tags for them)
FORMAT_WORDS = {"muse": "MUSE", "cardiosoft": "CardioSoft", "philips": "Philips", "aecg": "aECG",
                "dicom": "DICOM", "scp": "SCP-ECG", "ishne": "ISHNE"}
CLASS_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning)\b|Traceback|File \"")
# a value quoted from the file ('ISHNE1.0', 'x'), which may hold a format's name as the file has it
QUOTED = re.compile(r"(?<=[\s(])'[^']*'(?![A-Za-z])")


@pytest.fixture(scope="module")
def fuzz():
    return load_script("fuzz_variants")


@pytest.fixture(scope="module")
def damaged(fuzz, tmp_path_factory):
    return fuzz.damage_variants(tmp_path_factory.mktemp("damaged"))


def _refusal(path: Path) -> str | None:
    try:
        load_record(path)
    except RecordError as err:
        # the file at fault: the one opened, or a WFDB record's signal file beside its header
        assert err.path.parent == path.parent and err.path.stem == path.stem, err
        return str(err)
    return None


def check_words(msg: str, path: Path, tag: str | None) -> None:
    """What every refusal must be: the file named once, first; no class name or traceback; no NaN;
    the format named once (``read as`` at most once, its word once outside the values quoted)."""
    assert msg.startswith(f"{path.parent / path.stem}."), msg
    named = Path(msg.split(": ", 1)[0]).name      # the file at fault (a header, or its signal file), once
    assert msg.count(named) == 1, msg
    assert not CLASS_NAME.search(msg), msg
    assert not re.search(r"\bnan\b", msg, re.I), msg
    assert msg.count("read as ") <= 1, msg
    if tag in FORMAT_WORDS:
        assert len(re.findall(re.escape(FORMAT_WORDS[tag]), QUOTED.sub("", msg))) <= 1, msg


def test_damaged_samples_are_refused_in_words_naming_file_and_format_once(damaged):
    """Before: 'read as GE CardioSoft XML: GE CardioSoft: <StripData>'s <SampleRate> reads '', not a number
    above 0 (CorruptedFileError)', 'read as HL7 aECG: Invalid digits in lead MDC_ECG_LEAD_I of
    aecg_subject1_0.xml: could not convert string to float: 'x' (CorruptedFileError)'."""
    refused = 0
    for name, (path, tag, _) in damaged.items():
        msg = _refusal(path)
        if msg is not None:
            refused += 1
            check_words(msg, path, tag)
    assert refused >= 35, refused


def test_truncated_and_random_clinical_files_are_refused_in_words(fuzz, tmp_path):
    """The clinical samples cut at 0-95 % and replaced by random bytes (fuzz_variants' byte variants)."""
    import random

    rng = random.Random(36)
    for tag, fname in fuzz.CLINICAL.items():
        for name, path in fuzz._bytes_variants([DATA / fname], tmp_path, rng, tag).items():
            msg = _refusal(path)
            if msg is not None:
                check_words(msg, path, tag)


@pytest.mark.parametrize("variant, says", [
    # the field the damage emptied, and its (empty) value
    ("cardiosoft_rate_emptied", "read as GE CardioSoft XML: <StripData>'s <SampleRate> reads '', not a number above 0"),
    ("cardiosoft_units_wrong", "read as GE CardioSoft XML: <StripData>'s <Resolution> is in 'mVperLsb', not uVperLsb"),
    ("cardiosoft_data_damaged", "<StripData> lead I's <WaveformData> holds 'x3' at sample 2, not a whole number"),
    ("cardiosoft_count_wrong", "holds 5000 samples, but <ChannelSampleCountTotal> is 4000"),
    ("muse_rate_emptied", "read as GE MUSE XML: rhythm waveform has no valid SampleBase"),
    ("muse_count_wrong", "read as GE MUSE XML: lead I (rhythm): LeadSampleCountTotal 4000 but 5000 samples decoded"),
    ("muse_units_wrong", "LeadAmplitudeUnitsPerBit is in 'FURLONGS', not in a voltage unit"),
    ("philips_rate_emptied", "read as Philips PageWriter/TraceMaster XML: missing or invalid sampling rate"),
    ("aecg_data_damaged", "read as HL7 aECG: invalid digits in lead MDC_ECG_LEAD_I: 'x' is not a number"),
    ("aecg_rate_emptied", "read as HL7 aECG: no usable time increment in the rhythm series"),
    # half the file: cut short, in the parser's place or by the length the file declares
    ("muse_trunc_half", "read as GE MUSE XML: the XML ends before its elements are closed (line "),
    ("cardiosoft_trunc_half", "the file is cut short"),
    ("scp_trunc_half", f"read as SCP-ECG: the record declares {34144} bytes but the file has {34144 // 2}"),
    ("cardiosoft_not_well_formed", "the XML is not well formed: a character XML does not allow there at line "),
    ("dicom_trunc_half", "read as DICOM ECG waveform: the file cannot be parsed ("),
    ("ludb_gain_not_number", "1.hea: signal i: ADC gain 'x' is not a number"),
    ("cinc_gain_not_number", "A0003.hea: signal I: ADC gain 'x' is not a number"),
])
def test_each_damage_is_named(damaged, variant, says):
    path, _, _ = damaged[variant]
    msg = _refusal(path)
    assert msg is not None and says in msg, msg


def test_a_readers_exception_is_put_in_words_without_its_class_name(tmp_path):
    """Python's own text (an unpack short of bytes, an index out of range) says nothing to a cardiologist:
    it is said by what it means for the file; a reader's own words are kept, without the class name."""
    from ecgdatakit.exceptions import CorruptedFileError

    from mirage_model.records.record import fault_words

    path = tmp_path / "deep" / "exam.xml"
    try:
        struct.unpack("<i", b"\x00")
    except struct.error as err:
        assert fault_words(err, path) == "the file ends early or its data is damaged"
    assert fault_words(IndexError("list index out of range"), path) == "the file ends early or its data is damaged"
    assert fault_words(ValueError("could not convert string to float: '1,5x'")) == "'1,5x' is not a number"
    assert fault_words(ValueError("invalid literal for int() with base 10: 'abc'")) == "'abc' is not a whole number"
    said = fault_words(CorruptedFileError(f"No usable time increment in the rhythm series of {path.name}"), path)
    assert said == "no usable time increment in the rhythm series"
    said = fault_words(CorruptedFileError(f"Bad header in {path}"), path)
    assert said == "bad header"
    assert fault_words(KeyError("SamplingFrequency")) == "a field the format requires is missing ('SamplingFrequency')"


@pytest.mark.parametrize("fname, name", [("muse-sinus.xml", "JOHN DOE"), ("waveform_ecg.dcm", "Anonymous"),
                                         ("cardiosoft-example1.xml", "Name Surname")])
def test_a_stand_in_name_is_shown_as_the_file_states_it(fname, name):
    """The vendors' demo names are names: kept as stated (the cart printed them; an unidentified patient's
    record goes by "Doe, John"), with no reader note (it would be a signal-quality finding about a name); the
    independent truth is the file's own text."""
    rec = load_record(DATA / fname)
    assert rec.meta["patient"]["name"] == name
    raw = (DATA / fname).read_bytes()
    assert all(part.encode() in raw for part in name.split())
    assert not any(name in note for note in rec.meta.get("reader_warnings") or ())


def test_a_name_field_left_empty_with_a_filler_is_no_name(tmp_path):
    """What a cart writes into an empty name field ("none none", "unknown") is no name, unlike a stand-in."""
    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    for filler in ("NONE", "UNKNOWN"):
        path = tmp_path / f"{filler}.xml"
        path.write_text(text.replace("<PatientLastName>DOE<", f"<PatientLastName>{filler}<")
                        .replace("<PatientFirstName>JOHN<", f"<PatientFirstName>{filler}<"), encoding="latin-1")
        assert "name" not in load_record(path).meta.get("patient", {})
