"""``mirage score`` names each record's patient and recording time, so that research staff find a patient among
UID-named DICOMs or MUSE exports without opening every PDF: ``patient_id`` and ``recorded`` after ``record_id``, the
name only with ``--patient-names`` (a research CSV travels), and the ID and time in each PDF's metadata title.

Truth: the files' own fields, read off them by hand: muse-sinus.xml's <PatientID>081486213</PatientID>,
<PatientLastName>DOE, <PatientFirstName>JOHN, <AcquisitionDate>04-29-2023 and <AcquisitionTime>22:41:16; the Welch
Allyn file's name, ECG_20170504_163507_123456789 (its patient ID and acquisition time)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from training_cli.main import main

DATA = Path(__file__).parent / "data" / "formats"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("muse-sinus.xml", next(DATA.glob("welch-allyn-*.SCP")).name):
        shutil.copy(DATA / name, folder / name)
    return folder


def _score(folder: Path, checkpoint: Path, out: Path, *extra: str) -> tuple[list[str], dict]:
    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress", "--no-measure",
            "--statements-model", "none", *extra]
    assert main(args) == 0
    sep = ";" if "excel-eu" in extra else ","
    with out.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=sep)
        rows = {r["record_path"]: r for r in reader}
    return list(reader.fieldnames), rows


def test_the_output_names_each_patient_by_id_and_recording_time(tmp_path, checkpoint):
    cols, rows = _score(_folder(tmp_path), checkpoint, tmp_path / "r.csv")
    assert cols[:4] == ["record_path", "record_id", "patient_id", "recorded"]
    muse = rows["muse-sinus.xml"]
    assert (muse["patient_id"], muse["recorded"]) == ("081486213", "2023-04-29 22:41:16")
    wa = next(r for p, r in rows.items() if p.startswith("welch-allyn"))
    assert (wa["patient_id"], wa["recorded"]) == ("123456789", "2017-05-04 16:35:07")
    # no name without asking: the CSV travels
    assert "patient_name" not in cols
    assert "DOE" not in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_patient_names_adds_the_name_and_excel_eu_keeps_the_id_as_written(tmp_path, checkpoint):
    cols, rows = _score(_folder(tmp_path), checkpoint, tmp_path / "r.csv", "--patient-names",
                        "--csv-dialect", "excel-eu")
    assert cols[:5] == ["record_path", "record_id", "patient_id", "patient_name", "recorded"]
    muse = rows["muse-sinus.xml"]
    assert (muse["patient_id"], muse["patient_name"]) == ("081486213", "JOHN DOE")    # leading zero kept
    assert muse["recorded"] == "2023-04-29 22:41:16"


def test_a_resume_onto_an_output_written_before_says_what_to_do(tmp_path, checkpoint, capsys):
    folder = _folder(tmp_path)
    out = tmp_path / "r.csv"
    cols, rows = _score(folder, checkpoint, out)
    # the output as the version before wrote it: no patient_id, recorded or age_given
    old = [c for c in cols if c not in ("patient_id", "recorded", "age_given")]
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, old, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows.values())
    before = out.read_bytes()
    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress", "--no-measure",
            "--statements-model", "none", "--resume"]
    assert main(args) != 0
    said = capsys.readouterr().err
    assert "lacks the columns patient_id, recorded, age_given" in said, said
    assert "Run without --resume to score every record again" in said
    assert out.read_bytes() == before                      # left as it was


def test_each_pdf_title_names_the_patient_id_and_time(tmp_path, checkpoint):
    from pypdf import PdfReader

    pdfs = tmp_path / "pdfs"
    _, rows = _score(_folder(tmp_path), checkpoint, tmp_path / "r.csv", "--pdf-dir", str(pdfs))
    title = PdfReader(str(pdfs / "muse-sinus.pdf")).metadata.title
    assert title == "ECG report muse-sinus.xml, patient ID 081486213, recorded 2023-04-29 22:41:16", title
    assert "DOE" not in title


def test_the_pdfs_of_two_files_of_one_stem_have_titles_that_tell_them_apart(tmp_path, checkpoint):
    """muse-sinus.xml and muse-sinus.hea (with its .dat) in one folder: two PDFs, muse-sinus_xml.pdf and
    muse-sinus_hea.pdf, both titled "ECG report muse-sinus". Each title now names its file with its extension, as
    the PDF's own name keeps it. Truth: the files' names."""
    from pypdf import PdfReader

    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("muse-sinus.xml", "muse-sinus.hea", "muse-sinus.dat"):
        shutil.copy(DATA / name, folder / name)
    pdfs = tmp_path / "pdfs"
    _score(folder, checkpoint, tmp_path / "r.csv", "--pdf-dir", str(pdfs))
    titles = {p.name: PdfReader(str(p)).metadata.title for p in pdfs.glob("*.pdf")}
    assert set(titles) == {"muse-sinus_xml.pdf", "muse-sinus_hea.pdf"}, titles
    assert titles["muse-sinus_xml.pdf"].startswith("ECG report muse-sinus.xml, "), titles
    assert titles["muse-sinus_hea.pdf"].startswith("ECG report muse-sinus.hea"), titles
