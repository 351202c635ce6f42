"""What a converted record keeps of what its file said (``mirage convert``, Save as): every field a reader
filled comes back from the WFDB and the EDF+ file written of it (the file's clinical notes, PTB-XL's row,
the device's analysis and who made it, the patient's and the recording's fields as written), and what the
output cannot hold is named ("left out: ...") rather than dropped without a word. Truth: the source files'
own lines, and the values the tests write into the files they make."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.clinical.values import record_values
from mirage_model.formats.write import left_out, left_out_line
from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.review.file_info import file_diagnosis_lines, file_patient, reader_notes
from training_cli.main import main

pytest.importorskip("edfio")

TESTS = Path(__file__).parent
FORMATS = TESTS / "data" / "formats"
PTB = TESTS / "data" / "ptbdb" / "s0010_re.hea"
CINC = TESTS.parent / "resources" / "samples" / "cinc2021" / "A0003.hea"
FMTS = ("wfdb", "edf")


def _header_fields(hea: Path) -> dict[str, str]:
    """{key: value} of a WFDB header's "# key: value" comments, read here from its text."""
    out = {}
    for line in hea.read_text().splitlines():
        if line.startswith("#") and ":" in line:
            key, _, value = line[1:].partition(":")
            out.setdefault(key.strip(), value.strip())
    return out


def _round_trip(rec, tmp_path, fmt: str, anonymise: bool = False, tag: str = ""):
    return load_record(formats.write_record(rec, tmp_path / f"{fmt}{anonymise}{tag}", fmt, anonymise=anonymise))


@pytest.mark.parametrize("fmt", FMTS)
def test_ptb_medication_date_and_notes_survive(tmp_path, fmt):
    """PTB Diagnostic's medication, its "ECG date" and the notes no field holds (smoker, catheter findings)
    were dropped by both writers; the diagnoses were kept. Truth: the header's own lines."""
    said = _header_fields(PTB)
    rec = load_record(PTB)
    back = _round_trip(rec, tmp_path, fmt)
    medication = ("Medication pre admission", "Additional medication", "In hospital medication",
                  "Medication after discharge")
    assert back.meta["file_notes"] == {key: said[key] for key in medication}
    assert back.meta["ecg_date"] == said["ECG date"] == "01/10/1990"
    assert back.dx == rec.dx and back.meta["dx_system"] == "PTB"
    lines = file_diagnosis_lines(back)[1]
    assert f"Medication pre admission: {said['Medication pre admission']}" in lines
    for key in ("Smoker", "Catheterization date", "Left coronary artery stenoses (RIVA)", "Aorta (at rest) mean"):
        assert f"Source header: {key}: {said[key]}" in back.comments, key
    assert not any("Source header: Source header" in c for c in back.comments)
    # converted again: the same lines, none twice, the notes not nested
    again = _round_trip(back, tmp_path, fmt, tag="again")
    assert again.meta["file_notes"] == back.meta["file_notes"] and again.meta["ecg_date"] == "01/10/1990"
    smoker = [c for c in again.comments if c.endswith(f"Smoker: {said['Smoker']}")]
    assert smoker == [f"Source header: Smoker: {said['Smoker']}"]


def test_ptb_anonymised_drops_free_text_and_names_what_it_leaves_out(tmp_path):
    """Anonymised, the header's free-text notes and the medication stay behind (free text may name a patient:
    HIPAA Safe Harbor, ``formats.safe_harbor``; the medication had travelled) and the line says so; the
    diagnoses travel, the ECG date as its year. The Frank leads (vx, vy, vz: the header's 13th to
    15th signals) are written after the 12 (``EcgRecord.extra_leads``): not left out, with or without anonymising."""
    names = [line.split()[-1] for line in PTB.read_text().splitlines()[1:] if line and not line.startswith("#")]
    frank = names[12:]
    assert frank == ["vx", "vy", "vz"]
    rec = load_record(PTB)
    assert left_out(rec) == []
    assert left_out(rec, anonymise=True) == ["the source header's other comments (they may name the patient)",
                                             "the file's notes (PTB's medication)"]
    said = next(line for line in PTB.read_text().splitlines() if line.startswith("# ECG date:"))   # 01/10/1990
    for fmt in FMTS:
        back = _round_trip(rec, tmp_path, fmt, anonymise=True)
        assert "file_notes" not in back.meta and back.dx == rec.dx
        assert back.meta["ecg_date"] == said.rsplit("/", 1)[1].strip()
        assert not any(c.startswith("Source header") for c in back.comments)


def test_challenge_rx_hx_sx_survive(tmp_path):
    """A Challenge header's #Rx, #Hx and #Sx were shown ("Medication (Rx): ...") but not written: a converted
    record had lost them. Truth: the lines this test writes into a copy of a Challenge header."""
    lines = CINC.read_text().splitlines()
    notes = {"Rx": "amiodarone 200 mg", "Hx": "hypertension; CABG 2011", "Sx": "palpitations"}
    lines = [f"#{line[1:3]}: {notes[line[1:3]]}" if line[1:3] in notes and line[3:4] == ":" else line
             for line in lines]
    assert sum(line.startswith(("#Rx:", "#Hx:", "#Sx:")) for line in lines) == 3
    (tmp_path / "A0003.hea").write_text("\n".join(lines) + "\n")
    shutil.copy(CINC.with_suffix(".mat"), tmp_path)
    rec = load_record(tmp_path / "A0003.hea")
    for fmt in FMTS:
        back = _round_trip(rec, tmp_path, fmt)
        assert {key: back.meta.get(key.lower()) for key in notes} == notes, fmt
        assert "Medication (Rx): amiodarone 200 mg" in file_diagnosis_lines(back)[1]
        assert back.dx == rec.dx and back.meta["dx_system"] == "SNOMED-CT"
    # "Unknown" is no note, before or after
    plain = load_record(CINC)
    assert not any(_round_trip(plain, tmp_path, fmt, tag="plain").meta.get("rx") for fmt in FMTS)


def _ptbxl_tree(tmp_path) -> tuple[Path, dict]:
    """A PTB-XL layout of one record (a sine in 12 leads, 100 Hz, 10 s) and its table row, both made here."""
    import wfdb

    row = {"ecg_id": "1", "patient_id": "15709", "age": "300", "sex": "1", "height": "", "weight": "63.0",
           "recording_date": "1984-11-09 09:17:34", "scp_codes": "{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}",
           "report": "sinusrhythmus periphere niederspannung", "strat_fold": "3", "static_noise": ", I-V1,",
           "filename_lr": "records100/00000/00001_lr", "filename_hr": "records500/00000/00001_hr"}
    folder = tmp_path / "ptbxl" / "records100" / "00000"
    folder.mkdir(parents=True)
    x = np.sin(np.linspace(0, 60, 1000))[:, None] * np.linspace(0.2, 1.0, 12)       # (T, 12) mV
    wfdb.wrsamp("00001_lr", fs=100, units=["mV"] * 12, sig_name=list(STANDARD_LEADS),
                d_signal=np.round(x * 1000).astype(np.int16), fmt=["16"] * 12, adc_gain=[1000] * 12,
                baseline=[0] * 12, write_dir=str(folder))
    with open(tmp_path / "ptbxl" / "ptbxl_database.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return folder / "00001_lr.hea", row


@pytest.mark.parametrize("fmt", FMTS)
def test_ptbxl_report_likelihoods_date_and_ids_survive(tmp_path, fmt):
    """PTB-XL's report, the likelihoods of its SCP codes, the recording date, its patient's id and its age
    note (300: older than 89) were lost by a conversion (the codes alone were kept). The table's location is
    this machine's, never written. Truth: the table row this test writes."""
    hea, row = _ptbxl_tree(tmp_path)
    rec = load_record(hea)
    assert rec.meta["ptbxl"]["report"] == row["report"]
    back = _round_trip(rec, tmp_path, fmt)
    ptbxl = back.meta["ptbxl"]
    assert ptbxl["report"] == row["report"] and ptbxl["static_noise"] == row["static_noise"].strip()
    assert ptbxl["scp_codes"] == {"NORM": 100.0, "LVOLT": 0.0, "SR": 0.0}
    assert (ptbxl["ecg_id"], ptbxl["patient_id"], ptbxl["strat_fold"]) == (1, 15709, 3)
    assert "ptbxl_database" not in ptbxl
    assert back.meta["recording_date"] == row["recording_date"]
    assert back.dx == ("NORM", "LVOLT", "SR") and back.meta["dx_system"] == "PTB-XL SCP"
    assert f"Report: {row['report']}" in file_diagnosis_lines(back)[1]
    assert file_patient(back)["id"] == "PTB-XL patient 15709"
    assert back.age == 90.0 and any("older than 89" in note for note in reader_notes(back))
    written = next(p for p in back.path.parent.iterdir() if p.suffix in (".hea", ".edf")).read_bytes()
    assert str(tmp_path).encode() not in written
    # the weight is what a model reads (clinical.values): given back, so the copy is scored as its source; the
    # height the table leaves blank stays unknown
    assert back.meta["weight"] == 63.0 and "height" not in back.meta and left_out(rec) == []
    assert record_values(back) == record_values(rec) == {"age": 90.0, "sex": "F", "weight": 63.0}
    hidden = _round_trip(rec, tmp_path, fmt, anonymise=True)
    assert "patient_id" not in hidden.meta["ptbxl"] and "ecg_id" not in hidden.meta["ptbxl"]
    assert hidden.meta["ptbxl"]["report"] == row["report"]


@pytest.mark.parametrize("fmt", FMTS)
def test_the_device_analysis_keeps_its_source_and_who_made_it(tmp_path, fmt):
    """A device report of measurements alone (GE CardioSoft: no statements) came back under the device's
    name ("CardioSoft V6.73") instead of its analysis' ("CardioSoft V6.73 (12SL V21)"), and who made the
    statements (the reader's statement_origin, "machine") was lost."""
    rec = load_record(FORMATS / "cardiosoft-example1.xml")
    report = rec.meta["device_report"]
    assert not report["statements"] and report["source"] == "CardioSoft V6.73 (12SL V21)"
    back = _round_trip(rec, tmp_path, fmt)
    assert back.meta["device_report"]["source"] == report["source"]
    assert back.meta["device_report"]["measurements"] == report["measurements"]
    muse = load_record(FORMATS / "muse-sinus.xml")
    got = _round_trip(muse, tmp_path, fmt, tag="muse").meta["device_report"]
    assert got["statement_origin"] == muse.meta["device_report"]["statement_origin"] == "machine"
    assert got["statements"] == muse.meta["device_report"]["statements"]


def test_edf_keeps_the_site_device_and_id_its_header_cannot_hold(tmp_path):
    """EDF+'s recording field holds 80 ASCII characters and a subfield's blank is "_": the aECG file's site
    "River City Clinic for the Cardiac Challenged" came back "River City Clinic for th", ISHNE's patient ID
    "ECG_P28.01" as "ECG P28.01". Truth: the source files' own text."""
    aecg = FORMATS / "aecg_subject1_0.xml"
    site = re.search(r"River City Clinic[^<]*", aecg.read_text()).group(0)
    rec = load_record(aecg)
    back = _round_trip(rec, tmp_path, "edf")
    assert back.meta["site"] == site == rec.meta["site"]
    assert back.meta["device"] == rec.meta["device"] == "Mortara Instrument, Inc. ELI250"
    ishne = load_record(FORMATS / "ECG_P28.01.ecg")
    assert _round_trip(ishne, tmp_path, "edf", tag="ishne").meta["patient"]["id"] == ishne.meta["patient"]["id"]


def test_edf_notes_are_spread_over_the_data_records(tmp_path):
    """Every data record's annotation signal is as long as its fullest one's: the PTB header's 60 notes in
    the first data record had made each data record's annotations hold them all (1.6 KB). Spread over the data
    records, the annotation signal stays under a twentieth of the ECG's bytes, and the notes keep their order."""
    rec = load_record(PTB)
    rec.signal = np.tile(rec.signal, 15)          # (12, 30000): 30 s, the 2 s shipped 15 times
    path = formats.write_record(rec, tmp_path, "edf")
    head = path.read_bytes()
    ns = int(head[252:256])
    per_record = [int(head[256 + 216 * ns + 8 * k: 256 + 216 * ns + 8 * k + 8]) for k in range(ns)]
    labels = [head[256 + 16 * k: 256 + 16 * k + 16].decode().strip() for k in range(ns)]
    annotation = per_record[labels.index("EDF Annotations")]
    assert annotation < sum(n for n, label in zip(per_record, labels) if label != "EDF Annotations") / 20
    back = load_record(path)
    wfdb_back = _round_trip(rec, tmp_path, "wfdb")
    notes = [c for c in wfdb_back.comments if c.startswith("Source header")]
    assert [c for c in back.comments if c.startswith("Source header")] == notes and len(notes) > 30


def test_ludb_diagnoses_are_not_written_twice(tmp_path):
    """LUDB's diagnoses (every comment after "<diagnoses>:") are one field: not kept again as the source
    header's other notes. Truth: the header's lines."""
    hea = TESTS.parent / "resources" / "samples" / "ludb" / "1.hea"
    told = [line.lstrip("#").strip() for line in hea.read_text().splitlines() if line.startswith("#")]
    rec = load_record(hea)
    back = _round_trip(rec, tmp_path, "wfdb")
    carried = [c for c in back.comments if c.startswith("Source header")]
    assert not any(d.rstrip(" .") in c for d in told[told.index("<diagnoses>:") + 1:] for c in carried)
    assert back.dx == rec.dx and back.meta["dx_system"] == "LUDB"


def test_a_plain_edf_fields_travel_and_the_patients_stays_behind_anonymised(tmp_path):
    """A plain EDF's free-text patient and recording fields (``meta["edf_patient_field"]``,
    ``["edf_recording_field"]``) had no place in a written file; the patient's may name the patient:
    anonymised, both are left out (free text: HIPAA Safe Harbor) and said so."""
    rec = load_record(FORMATS / "waveform_ecg.dcm")
    rec.meta.update(edf_patient_field="Roe, Jane; ward 3", edf_recording_field="Holter lab 2, bed 4")
    for fmt in FMTS:
        back = _round_trip(rec, tmp_path, fmt)
        assert (back.meta["edf_patient_field"], back.meta["edf_recording_field"]) == (
            "Roe, Jane; ward 3", "Holter lab 2, bed 4")
        hidden = _round_trip(rec, tmp_path, fmt, anonymise=True)
        assert "edf_patient_field" not in hidden.meta and "edf_recording_field" not in hidden.meta
    assert "the EDF patient field (it may name the patient)" in left_out(rec, anonymise=True)
    assert "the EDF recording field (free text)" in left_out(rec, anonymise=True)
    assert not any("EDF patient" in x for x in left_out(rec))


def test_convert_says_what_it_left_out(tmp_path, capsys):
    """'mirage convert' said nothing of what it could not write: the MUSE file's median beats. It is named on a
    line under its input's; an input that loses nothing has none (the PTB record's Frank leads are written)."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(FORMATS / "muse-sinus.xml", src)
    for suffix in (".hea", ".dat", ".xyz"):
        shutil.copy(PTB.with_suffix(suffix), src)
    shutil.copy(CINC, src)
    shutil.copy(CINC.with_suffix(".mat"), src)
    assert main(["convert", str(src), "--to", "edf", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()

    def under(name):
        at = next(i for i, line in enumerate(lines) if not line.startswith("  ") and f"{name} (" in line)
        return [line.strip() for line in lines[at + 1:] if line.startswith("  ")][:1] if at + 1 < len(lines) \
            and lines[at + 1].startswith("  ") else []

    assert under("muse-sinus.xml") == ["left out: the device's median beats"]
    assert not any(line.strip().startswith("left out") for line in under("s0010_re.hea"))
    assert not any(line.strip().startswith("left out") for line in under("A0003.hea"))
    assert left_out_line(load_record(CINC)) == ""


@pytest.mark.parametrize("fmt", FMTS)
def test_an_anonymised_file_converted_again_still_says_so(tmp_path, fmt):
    """An anonymised file converted again (no --anonymise: there is nothing left to drop) had lost its
    "anonymised" mark, and the patient line named no one instead of "Patient: anonymised"."""
    from mirage_model.review.file_info import patient_facts

    hidden = _round_trip(load_record(FORMATS / "muse-sinus.xml"), tmp_path, fmt, anonymise=True)
    assert hidden.meta.get("anonymised")
    again = _round_trip(hidden, tmp_path, fmt, tag="again")
    assert again.meta.get("anonymised") and "patient" not in again.meta
    assert "Patient: anonymised" in patient_facts(again)
