"""Patient names in other scripts and character sets, from the file to the patient facts and page 1:
DICOM PatientName (PS3.5 6.2: family^given^middle, alphabetic=ideographic=phonetic groups, in the
file's SpecificCharacterSet) and GE MUSE XML in the encoding its declaration names.

Truth: the names this test writes into the files with pydicom and the XML encoders."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirage_model import load_record
from mirage_model.review.file_info import patient_facts

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"


def _dicom(tmp_path, charset, name) -> Path:
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    ds.SpecificCharacterSet = charset
    ds.PatientName = name
    path = tmp_path / "named.dcm"
    ds.save_as(path)
    return path


@pytest.mark.parametrize("charset, stored, shown", [
    ("ISO_IR 192", "Wójcik^Łukasz", "Łukasz Wójcik"),                      # UTF-8
    ("ISO_IR 144", "Иванов^Сергей", "Сергей Иванов"),                      # ISO 8859-5, Cyrillic
    ("ISO_IR 100", "Müller^Jürgen", "Jürgen Müller"),                      # ISO 8859-1
    ("ISO_IR 126", "Παπαδόπουλος^Ιωάννης", "Ιωάννης Παπαδόπουλος"),        # ISO 8859-7, Greek
    ("ISO_IR 148", "Yılmaz^Şükrü", "Şükrü Yılmaz"),                        # ISO 8859-9, Turkish
])
def test_a_dicom_name_in_its_character_set_is_the_patients_name(tmp_path, charset, stored, shown):
    path = _dicom(tmp_path, charset, stored)
    # really re-encoded
    assert stored.split("^")[0].encode("utf-8") not in path.read_bytes() or charset == "ISO_IR 192"
    rec = load_record(path)
    assert rec.meta["patient"]["name"] == shown
    assert f"Patient: {shown}" in patient_facts(rec)


@pytest.mark.parametrize("charset, stored, shown", [
    # a Chinese name had read "小龙 李" (given first, as for a Latin name): family first, no space
    ("ISO_IR 192", "李^小龙", "李小龙"),
    ("ISO_IR 192", "김^민수", "김민수"),
    # ISO 2022 IR 87: the ideographic group had been dropped ("Tarou Yamada"), and alone it printed as
    # "=山田^太郎"; the middle name had been dropped too ("Jan Rokita")
    (["", "ISO 2022 IR 87"], "Yamada^Tarou=山田^太郎=やまだ^たろう", "Tarou Yamada (山田太郎)"),
    (["", "ISO 2022 IR 87"], "=山田^太郎", "山田太郎"),
    ("ISO_IR 100", "Rokita^Jan^Maria", "Jan Maria Rokita"),
])
def test_a_dicom_name_keeps_its_order_its_ideographic_form_and_its_middle_name(tmp_path, charset, stored, shown):
    rec = load_record(_dicom(tmp_path, charset, stored))
    assert rec.meta["patient"]["name"] == shown


@pytest.mark.parametrize("encoding, last, first, shown", [
    ("windows-1252", "Šušnjar", "Zoë", "Zoë Šušnjar"),     # Š is 0x8A: a C1 control in ISO 8859-1
    ("UTF-8", "Иванов", "Сергей", "Сергей Иванов"),
    ("UTF-8", "李", "小龙", "李小龙"),
])
def test_a_muse_xml_name_in_its_declared_encoding_is_the_patients_name(tmp_path, encoding, last, first, shown):
    text = (DATA / "muse-sinus.xml").read_bytes().decode("latin-1")
    assert 'encoding="ISO-8859-1"' in text and "<PatientLastName>DOE<" in text
    text = (text.replace('encoding="ISO-8859-1"', f'encoding="{encoding}"')
            .replace("<PatientLastName>DOE<", f"<PatientLastName>{last}<")
            .replace("<PatientFirstName>JOHN<", f"<PatientFirstName>{first}<"))
    path = tmp_path / "named.xml"
    path.write_bytes(text.encode(encoding))
    rec = load_record(path)
    assert rec.meta["patient"]["name"] == shown


def test_a_cyrillic_dicom_name_prints_on_page_1_as_the_file_has_it(tmp_path):
    """File to PDF: the name the ISO 8859-5 file carries reads back from page 1's header."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    rec = load_record(_dicom(tmp_path, "ISO_IR 144", "Иванов^Сергей"))
    out = build_report(ReviewSession.from_results(rec), tmp_path / "r.pdf")
    first = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "Patient: Сергей Иванов ID: 642341" in first


def _edf_with_patient_field(tmp_path, field: bytes) -> Path:
    """An EDF+ written by the project's writer, its 80-byte patient field (bytes 8-88) replaced."""
    pytest.importorskip("edfio")
    from mirage_model.formats import write_record

    rec = load_record(DATA / "waveform_ecg.dcm")
    rec.meta["patient"] = {"id": "P-1", "name": "Placeholder"}
    path = write_record(rec, tmp_path, "edf", name="named")
    data = bytearray(path.read_bytes())
    assert len(field) <= 80
    data[8:88] = field.ljust(80, b" ")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("encoding, name", [("cp1252", "Müller_Jürgen"), ("utf-8", "Иванов_Сергей")])
def test_an_edf_patient_field_in_a_code_page_or_utf8_is_read_as_written(tmp_path, encoding, name):
    """EDF headers are ASCII by the standard, but carts write names in their code page or UTF-8: edfio
    read them as ASCII and the name came out as U+FFFD, one per byte ("M\\ufffdller")."""
    path = _edf_with_patient_field(tmp_path, f"P-1 M X {name}".encode(encoding))
    assert load_record(path).meta["patient"]["name"] == name.replace("_", " ")


@pytest.mark.parametrize("name, pid, header", [
    ("Łukasz Wójcik", "ID-7", b"ID-7 F X Lukasz_Wojcik "),      # had been "ukasz Wojcik": Ł has no decomposition
    ("Сергей Иванов", "ID-Ω7", b"X F X X "),                   # had been no name, and "ID-7": another patient's ID
])
def test_the_edf_writer_folds_accents_and_never_writes_a_fragment_of_a_name_or_id(tmp_path, name, pid, header):
    """The EDF+ header (ASCII) holds the name with its accents folded, or "X" where a letter has no ASCII
    form, never a fragment; the name and ID as written travel in the file's annotations (UTF-8), which
    MIRAGE reads back over the header's (they had been read back as the header's, "Lukasz Wojcik")."""
    pytest.importorskip("edfio")
    from mirage_model.formats import write_record

    rec = load_record(DATA / "waveform_ecg.dcm")
    rec.meta["patient"] = {"id": pid, "name": name}
    path = write_record(rec, tmp_path, "edf", name="out")
    assert path.read_bytes()[8:88].startswith(header)
    back = load_record(path).meta.get("patient") or {}
    assert back.get("name") == name and back.get("id") == pid


def _muse_with_patient(name: str, pid: str, birth: str):
    rec = load_record(DATA / "muse-sinus.xml")
    rec.meta["patient"] = {"name": name, "id": pid, "birth_date": birth}
    return rec


@pytest.mark.parametrize("name, pid", [("Müller Ωmega", "ID-Ω7"), ("李小龙", "病人-42"), ("Иванов Сергей", "Ж-1")])
def test_a_wfdb_save_and_open_keeps_the_patient_and_recording_fields(tmp_path, name, pid):
    """The WFDB writer put '# Patient name:', '# Patient ID:', '# Birth date:', '# Acquired:',
    '# Device:', '# Site:' and the device's statements in its header, but the WFDB reader read
    none of them back: a record saved and opened again had lost its patient, its date and the
    cart's analysis. Truth: the values this test gives the record and those the MUSE file holds."""
    from mirage_model.formats import write_record
    from mirage_model.review.file_info import device_report_lines, record_date

    rec = _muse_with_patient(name, pid, "1950-03-04")
    # 43 y 295 d from the MUSE file's own birth date (07-08-1979), kept to 0.001 y
    assert rec.age == 43.0 and rec.sex == "M" and str(rec.meta["acquired"]) == "2023-04-29 22:41:16"
    back = load_record(write_record(rec, tmp_path, "wfdb", name="out"))
    assert back.meta["patient"] == {"name": name, "id": pid, "birth_date": "1950-03-04"}
    assert (back.age, back.sex) == (43.0, "M")
    assert record_date(back) == "2023-04-29 22:41:16"
    assert (back.meta["device"], back.meta["site"]) == ("MV360", "UNIVERSITY OF HOSPITAL")
    assert f"Patient: {name}" in patient_facts(back) and f"ID: {pid}" in patient_facts(back)
    assert device_report_lines(back) == device_report_lines(rec)
    assert "PR interval (ms): 144" in device_report_lines(back)[1]
    hidden = load_record(write_record(rec, tmp_path / "anon", "wfdb", anonymise=True))
    assert "patient" not in hidden.meta and (hidden.age, hidden.sex) == (43.0, "M")


@pytest.mark.parametrize("asked, written", [
    ("Müller_Ωmega", "Muller_Omega"),                 # had been M_ller__mega
    ("李小龙", "U674EU5C0FU9F99"),                      # had been "record": every such name one file
    ("Иванов Сергей", "Ivanov_Sergei"),
    ("Łukasz Wójcik", "Lukasz_Wojcik"),
    ("00417_lr", "00417_lr"),
])
def test_a_wfdb_record_name_is_ascii_transliterated_and_said_so(tmp_path, asked, written):
    """A name outside ASCII was mangled in silence ('Müller_Ωmega' -> 'M_ller__mega', '李小龙' ->
    'record'). PhysioNet's WFDB library (wfdb_checkname) takes only ASCII letters, digits, '-', '_':
    the name is transliterated, renamed_note says so, and wfdb-python reads the record under it.
    An EDF+ file has no such rule and keeps the name as given. Truth: hand transliterations."""
    import re

    import wfdb
    from mirage_model.formats import write_record
    from mirage_model.formats.write import renamed_note

    rec = _muse_with_patient(asked, "P-1", "1950-03-04")
    hea = write_record(rec, tmp_path, "wfdb", name=asked)
    assert hea.name == f"{written}.hea" and re.fullmatch(r"[-A-Za-z0-9_]+", hea.stem)
    assert wfdb.rdheader(str(tmp_path / written)).record_name == written
    note = renamed_note(asked, hea.stem)
    assert (note == "") == (asked == written)
    if note:
        assert f"'{asked}' was saved as '{written}'" in note and "ASCII letters, digits" in note
    if asked == "李小龙":
        assert "李 as U674E" in note
    pytest.importorskip("edfio")
    assert write_record(rec, tmp_path, "edf", name=asked).name == f"{asked}.edf"
