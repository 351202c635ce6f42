"""What the record's own file says of the diagnosis (a Challenge header's #Dx, the PTB Diagnostic
database's notes), shown apart from MIRAGE's calls: ``file_info.file_diagnosis_lines``, the PDF and
``mirage score``'s ``file_diagnosis`` column. Every record is written here (tmp_path)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pypdf
import pytest

import mirage_model as mm
from mirage_model.records.record import STANDARD_LEADS
from mirage_model.review.file_info import file_diagnosis_lines, file_diagnosis_text
from mirage_model.review.report import build_report
from mirage_model.review.session import ReviewSession

FS = 500
# the PhysioNet/CinC Challenge 2021's own names of these codes (dx_mapping_scored.csv): the truth the
# named words are checked against; 12345678 is in neither of its tables
CHALLENGE_DX = {"164889003": "atrial fibrillation", "59118001": "right bundle branch block"}
UNNAMED = "12345678"
CINC = ["Age: 54", "Sex: Male", f"Dx: {','.join(CHALLENGE_DX)},{UNNAMED}", "Rx: Unknown", "Hx: Unknown",
        "Sx: Unknown"]
# a PTB Diagnostic header's comments (as s0010_re.hea), a medication with markup in it
PTB = ["age: 81", "sex: female", "ECG date: 01/10/1990", "Diagnose:", "Reason for admission: Myocardial infarction",
       "Acute infarction (localization): infero-latera", "Former infarction (localization): no",
       "Additional diagnoses: Diabetes mellitus", "Smoker: no",
       "Medication pre admission: Isosorbit-Dinitrate <b>Digoxin</b> & Glibenclamide",
       "Medication after discharge: n/a"]
PTB_SAID = ["Myocardial infarction", "Acute infarction (localization): infero-latera",
            "Additional diagnoses: Diabetes mellitus",
            "Medication pre admission: Isosorbit-Dinitrate <b>Digoxin</b> & Glibenclamide"]


def write_record(folder: Path, name: str, comments: list[str]) -> Path:
    """A 10 s 12-lead WFDB record at 500 Hz (a 1 Hz beat-like wave, a little noise: no flat run that reads
    as saturated) with header ``comments``."""
    import wfdb

    t = np.arange(10 * FS) / FS
    beat = 1.0 * np.exp(-((t % 1.0 - 0.3) / 0.02) ** 2) + 0.2 * np.exp(-((t % 1.0 - 0.6) / 0.08) ** 2)
    beat = beat - 0.3 * np.exp(-((t % 1.0 - 0.33) / 0.01) ** 2)       # an S wave
    beat = beat + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    signal = np.stack([beat * (1 + 0.05 * k) for k in range(12)], axis=1)
    folder.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp(name, fs=FS, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), p_signal=signal, fmt=["16"] * 12,
                adc_gain=[1000.0] * 12, baseline=[0] * 12, comments=comments, write_dir=str(folder))
    return folder / f"{name}.hea"


def test_a_challenge_header_dx_shows_the_named_diagnoses(tmp_path):
    """A Challenge header's "#Dx: 164889003,59118001,..." was kept as bare codes, shown nowhere but the
    folder panel. Now named in the Challenge's words, a code its table lacks shown as the code, under a
    heading that says it is the file's, not MIRAGE's. Truth: the Challenge's mapping table's names."""
    rec = mm.load_record(write_record(tmp_path, "A0001", CINC))
    heading, lines = file_diagnosis_lines(rec)
    assert lines == [f"{name} ({code})" for code, name in CHALLENGE_DX.items()] + [f"SNOMED-CT {UNNAMED}"]
    assert heading.startswith("In the file") and "SNOMED-CT" in heading and heading.endswith("not MIRAGE's")
    assert "Unknown" not in file_diagnosis_text(rec)     # #Rx/#Hx/#Sx "Unknown": nothing said


def test_a_ptb_header_comments_are_shown_as_written(tmp_path):
    """The PTB Diagnostic database's reason for admission, diagnoses and medication, as written (a
    "no" or "n/a" is nothing said). Truth: the comments written."""
    rec = mm.load_record(write_record(tmp_path, "s0010_re", PTB))
    heading, lines = file_diagnosis_lines(rec)
    assert lines == PTB_SAID
    assert heading == "In the file (PTB Diagnostic notes): not MIRAGE's"


def write_ptbxl(root: Path, scp_codes: str = "{'NORM': 100.0, 'SR': 0.0}", report: str = "sinusrhythmus normales ekg"
                ) -> Path:
    """A PTB-XL-like folder: ``records100/00000/00001_lr`` and a one-row ptbxl_database.csv above it."""
    header = write_record(root / "records100" / "00000", "00001_lr", [])
    with (root / "ptbxl_database.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["ecg_id", "patient_id", "age", "sex", "scp_codes", "strat_fold", "report", "filename_lr"])
        out.writerow(["1", "15709.0", "56.0", "1", scp_codes, "3", report, "records100/00000/00001_lr"])
    return header


def test_ptbxl_scp_codes_are_named_with_their_likelihood(tmp_path):
    """PTB-XL's SCP codes were shown bare ("SCP codes: NORM, SR"). Now in the plain words of the statements
    MIRAGE calls, each with its code and the likelihood PTB-XL gives it; PTB-XL's 0 (a likelihood not given,
    as for every rhythm statement) is not said. Truth: the table's row written here and PTB-XL's
    scp_statements.csv descriptions (NORM "normal ECG", SR "sinus rhythm", IMI "inferior myocardial
    infarction")."""
    rec = mm.load_record(write_ptbxl(tmp_path, "{'IMI': 35.0, 'NORM': 80.0, 'SR': 0.0}"))
    heading, lines = file_diagnosis_lines(rec)
    assert heading == "In the file (PTB-XL table): not MIRAGE's"
    assert lines == ["SCP statements: Inferior infarct (IMI, likelihood 35 %), Normal ECG (NORM, likelihood 80 %), "
                     "Sinus rhythm (SR)", "Report: sinusrhythmus normales ekg"]
    assert file_diagnosis_lines(rec, with_codes=False)[1][0] == (
        "SCP statements: Inferior infarct (likelihood 35 %), Normal ECG (likelihood 80 %), Sinus rhythm")


def test_a_file_without_any_shows_nothing(tmp_path):
    rec = mm.load_record(write_record(tmp_path, "plain", ["Age: 54", "Sex: Female"]))
    assert file_diagnosis_lines(rec) == ("", []) and file_diagnosis_text(rec) == ""


def _pages(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(str(path)).pages]


def test_the_pdf_says_what_the_file_says_apart_from_mirage(tmp_path):
    """Page 1's line under the sheet says a short one ("In the file (#Dx, SNOMED-CT): atrial fibrillation;
    ..."), page 3 every line under its own heading, the file's markup printed as text; a
    file that says none has no such line. Truth: the Challenge's names, the PTB comments written."""
    cinc = mm.load_record(write_record(tmp_path, "A0001", CINC))
    pages = _pages(build_report(ReviewSession(cinc), tmp_path / "cinc.pdf"))
    named = "; ".join(CHALLENGE_DX.values())      # page 1: the names alone
    assert f"In the file (#Dx, SNOMED-CT): {named}; SNOMED-CT {UNNAMED}" in pages[0]
    assert "In the file (#Dx, SNOMED-CT): not MIRAGE's" in pages[2]
    for code, name in CHALLENGE_DX.items():        # page 3: with their codes
        assert f"{name} ({code})" in pages[2]
    ptb = mm.load_record(write_record(tmp_path, "s0010_re", PTB))
    text = " ".join(_pages(build_report(ReviewSession(ptb), tmp_path / "ptb.pdf"))[2:])
    assert "In the file (PTB Diagnostic notes): not MIRAGE's" in text
    for line in PTB_SAID:
        assert line in text, line
    plain = mm.load_record(write_record(tmp_path, "plain", ["Age: 54", "Sex: Female"]))
    assert not any("In the file" in p for p in _pages(build_report(ReviewSession(plain), tmp_path / "plain.pdf")))


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def test_score_has_a_file_diagnosis_column(tmp_path, predictor):
    """``mirage score``'s rows had no word of the file's own diagnosis. Its ``file_diagnosis`` column now
    holds it as written, empty for a file that says none. Truth: the Challenge's names, the PTB comments."""
    from mirage_model.review.batch import score_folder

    folder = tmp_path / "records"
    write_record(folder, "A0001", CINC)
    write_record(folder, "s0010_re", PTB)
    write_record(folder, "plain", ["Age: 54"])
    out = tmp_path / "scores.csv"
    score_folder(folder, predictor, out, measure=False)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_id"]: r for r in csv.DictReader(fh)}
    named = "; ".join(f"{name} ({code})" for code, name in CHALLENGE_DX.items())
    assert rows["A0001"]["file_diagnosis"] == f"{named}; SNOMED-CT {UNNAMED}"
    assert rows["s0010_re"]["file_diagnosis"] == "; ".join(PTB_SAID)
    assert rows["plain"]["file_diagnosis"] == ""
    assert all(r["status"] == "ok" for r in rows.values())
