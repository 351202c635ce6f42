"""``mirage convert --anonymise`` de-identifies by HIPAA's Safe Harbor method (45 CFR 164.514(b)(2)): the bundled
vendor files converted leave no day, month or time of the recording, no name, ID, serial number nor institution in
the written bytes, keep the year, and keep every sample. Truth: each source file's own fields read here with
ElementTree, pydicom or its file name, not by MIRAGE; ages over 89 from a record given age 95 by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.formats.assemble import _age
from mirage_model.formats.safe_harbor import safe_harbor, scrub_ages, scrub_dates
from mirage_model.formats.write import left_out_line
from mirage_model.records import load_record
from mirage_model.review.file_info import patient_facts, reader_notes
from training_cli.main import main

pytest.importorskip("ecgdatakit")
pytest.importorskip("edfio")

DATA = Path(__file__).parent / "data" / "formats"


def _xml(name: str):
    root = ET.parse(DATA / name).getroot()
    for e in root.iter():                      # HL7 aECG's namespace off the tags
        e.tag = e.tag.split("}")[-1]
    return root


def _muse_sinus():
    root = _xml("muse-sinus.xml")
    t = lambda tag: root.find(f".//{tag}").text.strip()    # noqa: E731
    when = dt.datetime.strptime(f"{t('AcquisitionDate')} {t('AcquisitionTime')}", "%m-%d-%Y %H:%M:%S")
    # the cart's statement "When compared with ECG of 30-MAR-2023 09:09,": the earlier ECG's date and time
    prior = dt.datetime(2023, 3, 30, 9, 9)
    assert any("30-MAR-2023 09:09" in (e.text or "") for e in root.iter("StmtText"))
    return [when, prior], [t("PatientID"), t("PatientLastName"), t("PatientFirstName"), t("SiteName"), t("RoomID"),
                           t("PharmaCartID")]


def _philips_129():
    root = _xml("129DYPRG.XML")
    acq = root.find(".//dataacquisition")
    when = dt.datetime.fromisoformat(f"{acq.get('date')} {acq.get('time')}")
    return [when], [root.find(".//institutionname").text, root.find(".//patientid").text]


def _aecg_subject1():
    root = _xml("aecg_subject1_0.xml")
    when = dt.datetime.strptime(root.find("./effectiveTime/center").get("value"), "%Y%m%d%H%M%S")
    names = [e.text for e in root.iter("name") if e.text and "Mortara" not in e.text]   # the maker stays
    return [when], names


def _mindray():
    root = _xml("mindray-beneheart-aecg-liryc.xml")
    when = dt.datetime.strptime(root.find(".//effectiveTime/low").get("value"), "%Y%m%d%H%M%S")
    site = next(e.text for e in root.iter("name") if e.text and e.text.startswith("ID302"))
    return [when], [root.find(".//PatientID").text, root.find(".//SerialNumber").text, site]


def _dicom(name: str):
    pydicom = pytest.importorskip("pydicom")
    d = pydicom.dcmread(DATA / name, stop_before_pixels=True)
    when = dt.datetime.strptime(str(d.AcquisitionDateTime)[:14], "%Y%m%d%H%M%S")
    return [when], [str(v) for v in (d.PatientID, d.PatientName, d.get("InstitutionName")) if v and str(v) != "None"]


def _welch_allyn():
    # SCP-Tools names its files ECG_<date>_<time>_<patient ID>.SCP
    stem = "ECG_20170504_163507_123456789"
    return [dt.datetime.strptime(stem[4:19], "%Y%m%d_%H%M%S")], [stem.rsplit("_", 1)[1]]


SOURCES = {"muse-sinus.xml": _muse_sinus, "129DYPRG.XML": _philips_129, "aecg_subject1_0.xml": _aecg_subject1,
           "mindray-beneheart-aecg-liryc.xml": _mindray, "waveform_ecg.dcm": lambda: _dicom("waveform_ecg.dcm"),
           "ecgtoolkit-Example.dcm": lambda: _dicom("ecgtoolkit-Example.dcm"),
           "welch-allyn-ECG_20170504_163507_123456789.SCP": _welch_allyn}


def _date_forms(when: dt.datetime) -> list[str]:
    """The ways a file writes ``when``'s day and month, and its time (lower case): WFDB's 29/04/2023 22:41:16,
    EDF's 29-APR-2023 and 29.04.23 22.41.16, ISO, DICOM's 20230429 224116, MUSE's 04-29-2023, a cart's 22:41."""
    dates = [when.strftime(f) for f in ("%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y", "%d.%m.%y", "%Y%m%d", "%m-%d-%Y")]
    times = [when.strftime(f) for f in ("%H:%M", "%H.%M.%S", "%H%M%S")]
    return [s.lower() for s in dates + times]


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_anonymised_output_holds_no_date_but_the_year_nor_any_identifier(tmp_path, name, fmt):
    """Before Safe Harbor the header kept "22:41:16 29/04/2023", "Site: UNIVERSITY OF HOSPITAL" and the cart's
    "When compared with ECG of 30-MAR-2023 09:09"."""
    whens, identifiers = SOURCES[name]()
    assert main(["convert", str(DATA / name), "--to", fmt, str(tmp_path / "out"), "--anonymise"]) == 0
    out = tmp_path / "out" / f"ecg_0001.{'hea' if fmt == 'wfdb' else 'edf'}"
    said = out.read_bytes().decode("latin-1").lower()
    for when in whens:
        for form in _date_forms(when):
            assert form not in said, (form, name)
    assert str(whens[0].year) in said                      # the year stays
    for ident in identifiers:
        assert ident.strip().lower() not in said, (ident, name)
    back = load_record(out)
    assert back.meta["acquired"] == str(whens[0].year) and back.meta.get("anonymised")
    assert "HIPAA Safe Harbor" in back.meta["anonymised"]
    assert f"Acquired: {whens[0].year}" in patient_facts(back, back.age, back.sex)
    # the samples are those the same file written without anonymising holds
    plain = load_record(formats.write_record(load_record(DATA / name), tmp_path / "plain", fmt))
    assert back.signal.shape == plain.signal.shape
    np.testing.assert_allclose(back.signal, plain.signal, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_an_age_over_89_is_written_90_and_shown_90_or_older(tmp_path, fmt):
    """An age of 95 had been written as it was: Safe Harbor makes every age over 89 one category, 90 or older."""
    rec = dataclasses.replace(load_record(DATA / "muse-sinus.xml"), age=95.0)
    out = formats.write_record(rec, tmp_path / "a", fmt, anonymise=True)
    said = out.read_bytes().decode("latin-1")
    assert ("# Age: 90\n" if fmt == "wfdb" else "Age:90 ") in said
    assert "Age: 95" not in said and "Age:95" not in said
    back = load_record(out)
    assert back.age == 90.0                                  # the models read 90, as PTB-XL's "older than 89"
    assert "Age: ≥90" in patient_facts(back, back.age, back.sex)
    assert "the exact age over 89" in left_out_line(rec, True)
    for age, shown in ((89.0, "Age: 89"), (90.0, "Age: ≥90")):   # 89 is no "over 89"; 90 is in the category
        again = load_record(formats.write_record(dataclasses.replace(rec, age=age), tmp_path / f"{age}", fmt,
                                                 anonymise=True))
        assert shown in patient_facts(again, again.age, again.sex)
    # not anonymised, the age is written as it is
    kept = load_record(formats.write_record(rec, tmp_path / "plain", fmt))
    assert kept.age == 95.0 and "Age: 95" in patient_facts(kept, kept.age, kept.sex)


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("When compared with ECG of 30-MAR-2023 09:09,", "When compared with ECG of 2023,"),
    ("acquired 2002-11-22 09:10:00 at the clinic", "acquired 2002 at the clinic"),
    ("ECG date 18/10/1990", "ECG date 1990"),
    ("prior ECG May 12, 2020 4:35 pm", "prior ECG 2020"),
    ("UID 1.2.826.0.1.34471.2.44.6.20021122091000 read", "UID X read"),
    ("file 20170504163507", "file 2017"),
    ("2:1 AV block, rate 75, QRS 0.10 s", "2:1 AV block, rate 75, QRS 0.10 s"),    # no date, no time
    ("Sinus rhythm", "Sinus rhythm"),
])
def test_scrub_dates_keeps_the_year_only(text, scrubbed):
    assert scrub_dates(text) == scrubbed


def test_free_text_is_dropped_and_statements_naming_someone_too(tmp_path):
    """The site, a Challenge header's notes and PTB-XL's nurse, site and device had been carried; a statement
    "Confirmed by: DR SMITH" too."""
    rec = load_record(DATA / "muse-sinus.xml")
    report = dict(rec.meta["device_report"])
    report["statements"] = (*report["statements"], "Confirmed by: DR SMITH", "Technician: AB", "Room W721")
    rec.meta.update(device_report=report, rx="Metoprolol per Dr Who", ptbxl={"nurse": 7.0, "site": 2.0,
                    "device": "CS-12", "recording_date": "1984-11-09 09:17:34", "validated_by": 1.0,
                    "filename_lr": "records100/00000/00001_lr", "scp_codes": {"NORM": 100.0}, "strat_fold": 3})
    for fmt in ("wfdb", "edf"):
        out = formats.write_record(rec, tmp_path / fmt, fmt, anonymise=True)
        said = out.read_bytes().decode("latin-1")
        for gone in ("SMITH", "Technician", "W721", "Metoprolol", "CS-12", "1984-11-09", "00001_lr", "nurse",
                     "UNIVERSITY OF HOSPITAL"):
            assert gone not in said, (gone, fmt)
        back = load_record(out)
        assert back.meta["ptbxl"] == {"scp_codes": {"NORM": 100.0}, "strat_fold": 3}
        assert "Normal Sinus rhythm" in back.meta["device_report"]["statements"]
    lost = left_out_line(rec, True)
    assert "the site" in lost and "Rx note" in lost and "3 device statements naming a person or place" in lost
    assert safe_harbor(rec).meta["device_report"]["statements"][-1] == "Questionable change in The axis"
    assert rec.meta["device_report"]["statements"][-1] == "Room W721"    # the record itself is not changed


def test_keep_dates_keeps_them_and_says_the_file_is_not_safe_harbor(tmp_path, capsys):
    (when, _), _ = _muse_sinus()
    out = tmp_path / "out"
    assert main(["convert", str(DATA / "muse-sinus.xml"), "--to", "wfdb", str(out), "--anonymise",
                 "--keep-dates"]) == 0
    said = (out / "ecg_0001.hea").read_text()
    assert when.strftime("%H:%M:%S %d/%m/%Y") in said and "30-MAR-2023 09:09" in said
    assert "not de-identified by HIPAA Safe Harbor" in said and "UNIVERSITY OF HOSPITAL" not in said
    assert main(["convert", str(DATA / "muse-sinus.xml"), "--to", "wfdb", str(tmp_path / "o2"), "--keep-dates"]) == 2
    assert "--keep-dates is an option of --anonymise" in capsys.readouterr().err


def test_the_pdf_of_an_anonymised_record_says_the_year_and_90_or_older(tmp_path):
    """Page 1's header of a Safe-Harbor file's report: "Age: ≥90" and "Acquired: 2023", no day, month or time
    (truth: the MUSE file's AcquisitionDate 04-29-2023 and AcquisitionTime 22:41:16, read above); every page's
    footer and page 3's values table say the age in the same words (they had said "90 y", "90 years")."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession
    (when, _), _ = _muse_sinus()
    rec = dataclasses.replace(load_record(DATA / "muse-sinus.xml"), age=95.0)
    back = load_record(formats.write_record(rec, tmp_path / "a", "wfdb", anonymise=True))
    pdf = build_report(ReviewSession.from_results(back), tmp_path / "anon.pdf")
    text = " ".join("\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(pdf)).pages).split())
    assert "Age: ≥90" in text and f"Acquired: {when.year}" in text
    for form in _date_forms(when) + ["95 y", "Age: 95"]:
        assert form not in text.lower(), form
    # every page's footer names the patient in page 1's words: "anonymised, M, ≥90 y", not "90 y" (before)
    pages = len(pypdf.PdfReader(str(pdf)).pages)
    assert text.count("anonymised, M, ≥90 y") == pages and not re.search(r"(?<!≥)90 y", text)
    # and page 3's values table the age the model read as "≥90 years", not "Age 90 years" (before)
    assert "Age ≥90 years file" in text and not re.search(r"(?<!≥)90 years", text)
    assert "Censored" not in text               # Safe Harbor's category, not an assay's limit


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("the file states an age of 104 y, but", "the file states an age of 90 or older, but"),
    ("give 105 y (105.34 y); the stated", "give 90 or older (90 or older); the stated"),
    ("a 95-year-old man, aged 92", "a 90 or older man, aged 90 or older"),
    ("the header's age '97': older", "the header's age '90 or older': older"),
    ("age 89, born 1928", "age 89, born 1928"),                               # 89 is no "over 89"
    ("age 104, birth date 1913", "age 90 or older, birth date X"),            # the birth year gives the age
    ("the header's age '999' is older than anyone has lived (122.5 years)",   # no one's age: said as it is
     "the header's age '999' is older than anyone has lived (122.5 years)"),
    ("age 90 or older, written as 90", "age 90 or older, written as 90"),     # the category's own words
    ("QRS 100 ms, voltage 95, page 95, 2017 y", "QRS 100 ms, voltage 95, page 95, 2017 y"),   # no ages
])
def test_scrub_ages_writes_an_age_over_89_as_90_or_older(text, scrubbed):
    assert scrub_ages(text) == scrubbed


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_an_age_over_89_in_a_reader_note_is_written_90_or_older(tmp_path, fmt):
    """The Welch Allyn SCP's patient is 104 (README: "the Welch Allyn sample's 104 years"); the note a reader writes
    where a birth date disagrees (born 1912-01-02, recorded 2017-05-04: 105 y) was carried as written: "the
    file states an age of 104 y, but its birth date 1912 and acquisition date 2017 give 105 y (105.34 y)"."""
    rec = load_record(DATA / "welch-allyn-ECG_20170504_163507_123456789.SCP")
    assert rec.age == 104.0
    _, said = _age(rec.age, dt.date(1912, 1, 2), dt.datetime(2017, 5, 4, 16, 35, 7))
    _, younger = _age(85.0, dt.date(1990, 1, 2), dt.datetime(2017, 5, 4))     # 85 stated, 27 by the dates
    rec.meta["reader_warnings"] = (*rec.meta.get("reader_warnings", ()), *said, *younger)
    assert "104 y" in said[0] and "85 y" in younger[0]
    out = formats.write_record(rec, tmp_path / fmt, fmt, anonymise=True)
    written = out.read_bytes().decode("latin-1")
    for gone in ("104", "105", "1912"):
        assert gone not in written, gone
    notes = " | ".join(reader_notes(load_record(out)))
    assert "the file states an age of 90 or older, but its birth date X and acquisition date 2017" in notes
    assert "states an age of 85 y" in notes and "birth date 1990" in notes     # under 90: as the reader wrote it
