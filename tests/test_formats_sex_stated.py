"""A file's stated sex that is neither male nor female is said in a reader note (``assemble.sex_code_note``).

Before: ecgdatakit read DICOM Patient's Sex "O" and HL7 aECG administrativeGenderCode "UN" as "U", so the record's
sex was unknown with no word of what the file said, and the QTc limit's "sex not given" read as a field left empty.
Now the reader note (shown beside the file) says what the file stated, in its standard's words, and that it gives
no male or female sex (the limits by sex say which they used: a labs row's or a typed sex may give one). Truth: the standards' codes, DICOM PS3.3 C.7.1.1.1 Patient's Sex (M male, F female, O other) and
HL7 V3 AdministrativeGender 2.16.840.1.113883.5.1 (M male, F female, UN undifferentiated); the samples are the
ECG Toolkit's Example.dcm (Patient's Sex M) and aecg_subject1_0.xml (code M), each altered here and read back, and
Mindray BeneHeart's own aECG, which states UN.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.measurements.ranges import reference_range

DATA = Path(__file__).parent / "data" / "formats"
LIMITS = ": the file gives no male or female sex"


def _notes(record) -> tuple[str, ...]:
    return tuple(record.meta.get("reader_warnings") or ())


def _qtc_limit(record) -> str:
    return reference_range("qtc_bazett_ms", record.sex, 60.0).text


@pytest.mark.parametrize("stated, said", [
    ("O", "DICOM: Patient's Sex (0010,0040) stated as other (O)"),
    ("X", "DICOM: Patient's Sex (0010,0040) stated as 'X', no code of its standard (M male, F female, O other)")])
def test_dicom_patient_sex_other_is_said(tmp_path, stated, said):
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(str(DATA / "ecgtoolkit-Example.dcm"))
    assert ds.PatientSex == "M"
    ds.PatientSex = stated
    path = tmp_path / "other.dcm"
    ds.save_as(str(path))
    record = mm.load_record(path)
    assert record.sex is None
    assert said + LIMITS in _notes(record), _notes(record)
    assert "sex not given: the lower of the two sexes' limits" in _qtc_limit(record)


def test_dicom_male_says_nothing_of_sex():
    pytest.importorskip("pydicom")
    record = mm.load_record(DATA / "ecgtoolkit-Example.dcm")
    assert record.sex == "M" and not any("Sex" in n for n in _notes(record))


def test_aecg_undifferentiated_is_said(tmp_path):
    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    male = '<administrativeGenderCode code="M" codeSystem="2.16.840.1.113883.5.1"/>'
    assert text.count(male) == 1
    path = tmp_path / "un.xml"
    path.write_text(text.replace(male, male.replace('"M"', '"UN"')), encoding="utf-8")
    record = mm.load_record(path)
    note = "HL7 aECG: administrativeGenderCode stated as undifferentiated (UN)" + LIMITS
    assert record.sex is None and note in _notes(record), _notes(record)
    assert "sex not given: the lower of the two sexes' limits" in _qtc_limit(record)
    # the sample as it is (code M): no such note
    assert not any("administrativeGenderCode" in n for n in _notes(mm.load_record(DATA / "aecg_subject1_0.xml")))


def test_a_vendors_aecg_stating_un_is_said():
    record = mm.load_record(DATA / "mindray-beneheart-aecg-liryc.xml")
    assert record.sex is None
    assert "HL7 aECG: administrativeGenderCode stated as undifferentiated (UN)" + LIMITS in _notes(record)


def test_note_says_only_what_the_file_stated_where_a_labs_row_gives_the_sex(tmp_path):
    """A DICOM stating "O" with a labs table's row giving M: the QTc limit is the men's (450 ms, Rautaharju 2009),
    as the limit's own words say, and Cornell has the men's 2.8 mV. The reader note had said "sex unknown to the
    limits by sex (QTc: the lower of the two sexes' limits; Cornell: none)" beside them; it now says only what the
    file stated, and the limits' lines say which sex they used (without the row: "sex not given")."""
    pydicom = pytest.importorskip("pydicom")
    from mirage_model.review.file_info import reader_notes
    from mirage_model.review.session import ReviewSession

    ds = pydicom.dcmread(str(DATA / "ecgtoolkit-Example.dcm"))
    ds.PatientSex = "O"
    path = tmp_path / "other.dcm"
    ds.save_as(str(path))
    record = mm.load_record(path)
    session = ReviewSession(record, path)
    session.set_labs_row({"sex": "M"})
    assert record.sex is None and session.sex == "M"
    qtc = reference_range("qtc_bazett_ms", session.sex, session.age)
    assert qtc.high == 450.0 and "men" in qtc.text and "sex not given" not in qtc.text
    assert reference_range("cornell_mv", session.sex, session.age).high == 2.8
    notes = " ".join(reader_notes(record))
    assert "DICOM: Patient's Sex (0010,0040) stated as other (O)" in notes
    assert "limits" not in notes and "lower of the two" not in notes, notes
