"""An infant's age from the file's own dates, in every format that carries a birth date and an
acquisition date, and what follows from it.

GE MUSE, Philips, HL7 aECG, DICOM and SCP-ECG carts state whole years, or the reader made whole years
of them: a 3-month-old read "Age: 0", and the infant's QTc limit (490 ms under 6 months, Wenning;
``review.measurements`` applies it only to an age above 0, since a whole-year 0 is any age of 0-11
months) never reached the child it is for. Truth here: ages counted by hand from the dates written into
each file (days / 365.2425), and the limits typed from their source (test_paediatric.py cites them).
"""

from __future__ import annotations

import binascii
import datetime as dt
import re
import shutil
import struct
from pathlib import Path

import pytest

from mirage_model.records import load_record
from mirage_model.records.age import age_text
from mirage_model.review import measurements as rm

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from test_formats_muse_philips import muse_xml, philips_xml, truth  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
YEAR = 365.2425
# Wenning's infant limit and the adult men's (Rautaharju 2009), as test_paediatric.py types them
INFANT_QTC_MS, ADULT_QTC_MS_M = 490.0, 450.0


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _scp(tmp_path: Path, tags: dict[int, bytes], name: str = "infant.scp") -> Path:
    """The shipped Example.scp with Section 1 tags set to ``tags`` (tag -> value; the values keep
    their lengths, and a tag 4 takes the place of tags 27 and 28, the filters, so that no length or
    pointer changes), its CRCs written again (CRC-CCITT over the section, then the file)."""
    data = bytearray((DATA / "Example.scp").read_bytes())
    end = 6 + struct.unpack_from("<I", data, 10)[0]
    pos = 22
    while pos + 10 <= end:
        sid, length, index = struct.unpack_from("<HII", data, pos)
        pos += 10
        if sid == 1:
            start, size = index - 1, length
            break
    body = bytearray()
    p = start + 16
    while True:
        tag, n = data[p], struct.unpack_from("<H", data, p + 1)[0]
        value = bytes(data[p + 3: p + 3 + n])
        p += 3 + n
        if tag == 27 and 4 in tags:          # 27 and 28 (5 bytes each) make room for 4 (6) and a 28 of 1 byte
            body += bytes([4]) + struct.pack("<H", 3) + tags[4]
            continue
        if tag == 28 and 4 in tags:
            body += bytes([28]) + struct.pack("<H", 1) + b"\x00"
            continue
        if tag in tags:
            assert len(tags[tag]) == n, tag
            value = tags[tag]
        body += bytes([tag]) + struct.pack("<H", n) + value
        if tag == 255:
            break
    assert len(body) == p - (start + 16)
    data[start + 16: p] = body
    struct.pack_into("<H", data, start, binascii.crc_hqx(bytes(data[start + 2: start + size]), 0xFFFF))
    struct.pack_into("<H", data, 0, binascii.crc_hqx(bytes(data[2:]), 0xFFFF))
    return _write(tmp_path, name, bytes(data))


def _scp_date(day: dt.date) -> bytes:
    return struct.pack("<H", day.year) + bytes([day.month, day.day])


def _dicom(tmp_path: Path, **fields) -> Path:
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    for key, value in fields.items():
        if value is None:
            delattr(ds, key)
        else:
            setattr(ds, key, value)
    path = tmp_path / "infant.dcm"
    ds.save_as(path)
    return path


def _aecg(tmp_path: Path, birth: str | None, age: str | None) -> Path:
    """The shipped HL7 aECG (acquired 2002-11-22 09:10) with its birthTime and its reported age
    (LOINC 21612-7, ``value="46" unit="a"``) replaced (None: left out)."""
    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    text = text.replace('<birthTime value="19530508"/>', f'<birthTime value="{birth}"/>' if birth else "")
    assert '<value xsi:type="PQ" value="46" unit="a"/>' in text
    text = text.replace('<value xsi:type="PQ" value="46" unit="a"/>', age or '<value xsi:type="PQ"/>')
    return _write(tmp_path, "infant.xml", text.encode("utf-8"))


# Each format's file of a boy born 3 calendar months before his ECG, the stated age (where the format
# has one) a whole-year 0, as the carts write it: (file maker, days between the dates, counted by hand)
INFANTS = {
    # MUSE: born 12-14-2022, acquired 03-14-2023: 17 + 31 + 28 + 14 = 90 days
    "ge-muse-xml": (lambda tmp: _write(tmp, "infant.xml", muse_xml(
        truth(), age="<PatientAge>0</PatientAge><AgeUnits>YEARS</AgeUnits>", dob="12-14-2022")), 90),
    # Philips: <dateofbirth> in <age> (the schema's choice for it), acquired 2023-03-14
    "philips-xml": (lambda tmp: _write(tmp, "infant.xml", philips_xml(
        truth(), age="<age><dateofbirth>2022-12-14</dateofbirth></age>")), 90),
    # aECG: born 2002-08-22, acquired 2002-11-22: 9 + 30 + 31 + 22 = 92 days; reported age 0 a
    "hl7-aecg": (lambda tmp: _aecg(tmp, "20020822", '<value xsi:type="PQ" value="0" unit="a"/>'), 92),
    # DICOM: born 2012-10-25, acquired 2013-01-25 10:59: 6 + 30 + 31 + 25 = 92 days; Patient's Age 000Y
    "dicom-ecg": (lambda tmp: _dicom(tmp, PatientBirthDate="20121025", PatientAge="000Y"), 92),
    # SCP-ECG: Section 1 tag 5 (birth) 2002-08-22, tag 25 (acquisition) 2002-11-22 as shipped: 92 days
    "scp-ecg": (lambda tmp: _scp(tmp, {5: _scp_date(dt.date(2002, 8, 22))}), 92),
}


@pytest.mark.parametrize("fmt", sorted(INFANTS))
def test_an_infants_age_comes_from_the_files_dates(tmp_path, fmt):
    """Load a file written with a birth date 3 months before its acquisition: its age is that
    fraction of a year, not the whole-year 0, and the infant's QTc limit (490 ms) applies to it."""
    make, days = INFANTS[fmt]
    rec = load_record(make(tmp_path))
    assert rec.meta["format"] == fmt
    assert rec.age == pytest.approx(days / YEAR, abs=5e-4)          # 0.246 / 0.252, kept to 0.001 y
    assert rec.age == pytest.approx(0.25, abs=0.01)
    assert not any("age" in n for n in rec.meta.get("reader_warnings", ()))
    _assert_an_infants_limits(rec.age)


def test_an_edf_plus_written_for_an_infant_reads_his_age_back(tmp_path):
    """The project's own EDF+ writer: the patient field's birthdate and "Age:0" (his whole years), the
    recording field's startdate; read back, the age is 92 days' (2012-10-25 to 2013-01-25)."""
    pytest.importorskip("edfio")
    from mirage_model.formats import write_record

    rec = load_record(DATA / "waveform_ecg.dcm")
    rec.meta["patient"] = {"id": "B-1", "birth_date": "2012-10-25"}
    rec.age = 0.0
    back = load_record(write_record(rec, tmp_path, "edf", name="infant"))
    assert back.meta["format"].startswith("edf")
    assert back.age == pytest.approx(92 / YEAR, abs=5e-4)
    _assert_an_infants_limits(back.age)


def _assert_an_infants_limits(age: float) -> None:
    """A 3-month-old boy: QTc 470 ms within the infant's 490 ms (a man's 450 ms would flag it), 500 ms
    beyond it; the age shown in months wherever it is shown."""
    from mirage_model.review.file_info import patient_facts
    from mirage_model.review.interpret import paediatric_note

    for key in ("qtc_bazett_ms", "qtc_fridericia_ms"):
        assert rm.reference_range(key, "M", age).high == INFANT_QTC_MS
        assert rm.flag(key, 470.0, "M", age) == "" and rm.flag(key, 500.0, "M", age) == "high"
    # the whole-year 0 it was read as before: the adult limit, which flags 470 ms
    assert rm.flag("qtc_bazett_ms", 470.0, "M", 0) == "high" and rm.reference_range("qtc_bazett_ms", "M", 0).high \
        == ADULT_QTC_MS_M

    class Rec:
        meta, record_id = {}, "infant"
    assert "Age: 3 months" in patient_facts(Rec(), age)
    assert rm.age_note(age).startswith("age 3 months: paediatric ECG")
    assert paediatric_note(age).startswith("Paediatric ECG (age 3 months): adult rate")


@pytest.mark.parametrize("fmt, make, years", [
    # ages stated in months, weeks or days, with no birth date: the fraction of a year (were whole years, 0)
    ("dicom-ecg", lambda tmp: _dicom(tmp, PatientBirthDate=None, PatientAge="003M"), 0.25),
    ("dicom-ecg", lambda tmp: _dicom(tmp, PatientBirthDate=None, PatientAge="006W"), 42 / YEAR),
    ("dicom-ecg", lambda tmp: _dicom(tmp, PatientBirthDate=None, PatientAge="010D"), 10 / YEAR),
    ("hl7-aecg", lambda tmp: _aecg(tmp, None, '<value xsi:type="PQ" value="3" unit="mo"/>'), 0.25),
    ("hl7-aecg", lambda tmp: _aecg(tmp, None, '<value xsi:type="PQ" value="10" unit="d"/>'), 10 / YEAR),
    # SCP tag 4: 3 (u16), unit 2 = months; tag 5's year 0: no birth date
    ("scp-ecg", lambda tmp: _scp(tmp, {4: struct.pack("<H", 3) + b"\x02", 5: b"\x00\x00\x05\x08"}), 0.25),
    ("scp-ecg", lambda tmp: _scp(tmp, {4: struct.pack("<H", 20) + b"\x04", 5: b"\x00\x00\x05\x08"}), 20 / YEAR),
])
def test_an_age_in_months_weeks_or_days_reads_as_a_fraction_of_a_year(tmp_path, fmt, make, years):
    rec = load_record(make(tmp_path))
    assert rec.meta["format"] == fmt and "birth_date" not in rec.meta.get("patient", {})
    assert rec.age == pytest.approx(years)


def test_a_stated_age_that_agrees_gives_way_to_the_dates_one_that_does_not_is_kept_and_said(tmp_path):
    # acquired 03-14-2023; born 03-20-1979: 43 years and 359 days (16065 days), a birthday 6 days on
    dob = "03-20-1979"
    for stated, age in ((43, 43.0), (44, 43.0), (42, 42.0), (45, 45.0)):   # from 2 years on, whole years
        xml = muse_xml(truth(), age=f"<PatientAge>{stated}</PatientAge><AgeUnits>YEARS</AgeUnits>", dob=dob)
        rec = load_record(_write(tmp_path, "ecg.xml", xml))
        assert rec.age == pytest.approx(age, abs=5e-4), stated
        notes = [n for n in rec.meta.get("reader_warnings", ()) if "age" in n]
        if stated in (43, 44):           # its whole years, or one more a week before the birthday
            assert not notes
        else:
            assert len(notes) == 1 and f"states an age of {stated} y" in notes[0]
            assert "1979-03-20" in notes[0] and "2023-03-14" in notes[0] and "43.98 y" in notes[0]
    # born after the ECG (03-20-2024): a date is wrong; the stated age stands (none: no age), said
    for stated, age in (("<PatientAge>43</PatientAge><AgeUnits>YEARS</AgeUnits>", 43), ("", None)):
        rec = load_record(_write(tmp_path, "ecg.xml", muse_xml(truth(), age=stated, dob="03-20-2024")))
        assert rec.age == age
        assert [n for n in rec.meta["reader_warnings"] if "age" in n] == [
            "the file's birth date 2024-03-20 is after its acquisition date 2023-03-14; no age is taken from them"]
    # the shipped HL7 aECG states 46 years, its dates (1953-05-08 to 2002-11-22) give 49.54
    rec = load_record(DATA / "aecg_subject1_0.xml")
    assert rec.age == 46
    assert any(re.search(r"states an age of 46 y, but its birth date 1953-05-08 and acquisition date "
                         r"2002-11-22 give 49 y \(49\.54 y\); the stated age is used", n)
               for n in rec.meta["reader_warnings"])


def test_an_age_in_words():
    """Whole years from 2 years, months below, weeks below a month, days below 2 weeks; a whole-year
    0 is "under 1 year" (0-11 months)."""
    cases = [(43.809, "43"), (2.0, "2"), (1.99, "23 months"), (1.5, "18 months"), (7 / 12, "7 months"),
             (90 / YEAR, "3 months"), (92 / YEAR, "3 months"), (31 / YEAR, "1 month"), (27 / YEAR, "3 weeks"),
             (14 / YEAR, "2 weeks"), (13 / YEAR, "13 days"), (1 / YEAR, "1 day"), (0.0, "under 1 year"),
             (None, ""), ("x", ""), (-1, ""), (float("nan"), "")]
    assert [(a, age_text(a)) for a, _ in cases] == cases
    assert age_text(75.2, " y") == "75 y" and age_text(0.25, " y") == "3 months"


def test_the_pdf_footer_names_an_infants_age_in_months():
    from mirage_model.review.report.header import _patient_tag

    class Settings:
        patient_id, patient_name = "B-1", ""

    class Ctx:
        settings, record, sex, age = Settings(), None, "M", 0.25
    assert _patient_tag(Ctx()) == "ID B-1, M, 3 months"
    Ctx.age = 75.4
    assert _patient_tag(Ctx()) == "ID B-1, M, 75 y"


def test_the_batch_dialog_says_once_what_a_childs_short_note_means(qtbot, tmp_path):
    """``mirage score``'s rows say "[paediatric: adult limits not applied]" (the long note was in every
    child's cell); the app's batch dialog, which shows those rows, says its meaning in its notes, once."""
    pytest.importorskip("pytestqt")
    from app.dialogs.batch import BatchDialog
    from mirage_model.review.batch.run import BatchSummary

    summary = BatchSummary(scored=0, skipped=0, seconds=1.0, records_per_s=1.0, out_path=tmp_path / "r.csv")
    row = {"status": "ok", "record_path": "a.hea", "notes": None,
           "interpretation": "[paediatric: adult limits not applied] Sinus rhythm"}
    summary.count(row)
    summary.count(dict(row, interpretation="Sinus rhythm"))
    assert (summary.scored, summary.paediatric) == (2, 1)
    line = summary.paediatric_line()
    assert line.startswith('1 record of children: its interpretation\'s "[paediatric: adult limits not applied]" '
                           "means: adult rate, axis and lower limits not applied") and "Wenning" in line
    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg._done(summary)
    dlg._done(summary)
    assert dlg._notes.count(line) == 1
    assert BatchSummary(scored=0, skipped=0, seconds=1.0, records_per_s=1.0, out_path=tmp_path).paediatric_line() == ""


def test_the_folder_browser_lists_an_infants_age_in_months_an_adults_in_whole_years(qtbot, tmp_path):
    """Its Age column wrote the age with "%g": 0.246 for the infant (and 43.809 for an adult whose age came
    from his dates, before those were whole years from 2 years on)."""
    pytest.importorskip("pytestqt")
    from app.views.folder_browser import FolderBrowser

    INFANTS["ge-muse-xml"][0](tmp_path)                                  # infant.xml: 90 days
    shutil.copy(DATA / "muse-sinus.xml", tmp_path / "adult.xml")        # 43 y 295 d
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.set_folder(tmp_path)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    ages = {browser.table.item(r, 0).text(): browser.table.item(r, 1).text() for r in range(browser.table.rowCount())}
    assert ages == {"infant": "3 months", "adult": "43"}, ages


def test_the_review_session_gives_an_infants_age_in_months_an_adults_in_years(tmp_path):
    """The lab form shows what the session stores: an infant's age from his file as "2.952 months"
    (it had shown "0.246" years), the age used unchanged; an adult's stays whole years."""
    from mirage_model.review.session import ReviewSession

    infant = load_record(INFANTS["ge-muse-xml"][0](tmp_path))
    session = ReviewSession(infant)
    v = session.values["age"]
    assert (v.text, v.unit, v.source) == (f"{round(infant.age * 12, 3):g}", "months", "file")
    assert v.text.startswith("2.9") and v.text != f"{infant.age:g}"
    assert session.age == pytest.approx(infant.age, abs=1e-4)        # what the model and the rules get
    adult = ReviewSession(load_record(DATA / "muse-sinus.xml"))
    assert (adult.values["age"].text, adult.values["age"].unit, adult.age) == ("43", None, 43.0)
