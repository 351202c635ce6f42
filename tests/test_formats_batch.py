"""Batch scoring of a folder of mixed formats: every clinical file gets a row with its format
and device; a broken vendor file gets an error row that names the format, not a WFDB complaint."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import score_folder

pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"
LUDB = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb"
FILES = {"muse-sinus.xml": ("ge-muse-xml", "MV360"), "129DYPRG.XML": ("philips-xml", "HeartstartMRx"),
         "aecg_subject1_0.xml": ("hl7-aecg", "ELI250"), "waveform_ecg.dcm": ("dicom-ecg", "el250"),
         "Example.scp": ("scp-ecg", "ELI250")}


def test_score_folder_of_mixed_formats(tmp_path):
    from helpers_models import make_tiny_checkpoint

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    folder = tmp_path / "in"
    (folder / "vendor").mkdir(parents=True)
    for name in FILES:
        shutil.copy(DATA / name, folder / "vendor" / name)
    rec = mm.load_record(LUDB / "1.hea")
    from mirage_model import formats

    formats.write_record(rec, folder / "edf", "edf", name="ludb1")
    shutil.copy(LUDB / "1.hea", folder / "1.hea")
    shutil.copy(LUDB / "1.dat", folder / "1.dat")
    data = (DATA / "muse-sinus.xml").read_bytes()
    (folder / "vendor" / "cut.xml").write_bytes(data[: len(data) // 2])
    (folder / "vendor" / "readme.xml").write_text("<readme>not an ECG</readme>")  # listed as no ECG
    (folder / "vendor" / "scan.dcm").write_bytes(b"%PDF-1.4 a scanned page, not a DICOM file")

    out = tmp_path / "scores.csv"
    summary = score_folder(folder, predictor, out, measure=False)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {Path(r["record_path"]).name: r for r in csv.DictReader(fh)}
    assert set(rows) == set(FILES) | {"ludb1.edf", "1.hea", "cut.xml", "readme.xml", "scan.dcm"}
    for name, (fmt, device) in FILES.items():
        assert rows[name]["status"] == "ok", rows[name]["error"]
        assert rows[name]["format"] == fmt and device in rows[name]["device"]
    assert rows["ludb1.edf"]["format"] == "edf" and rows["ludb1.edf"]["status"] == "ok"
    assert rows["1.hea"]["format"] == "wfdb"
    cut = rows["cut.xml"]
    assert cut["status"] == "error" and cut["format"] == "ge-muse-xml"
    assert "read as GE MUSE XML" in cut["error"] and ".hea" not in cut["error"]
    assert summary.scored == len(FILES) + 2 and summary.failed == 1
    # files with an ECG extension that are no ECG: a row that says what each is, not a failure
    assert rows["readme.xml"]["status"] == "not_ecg" and "root element <readme>" in rows["readme.xml"]["error"]
    assert rows["scan.dcm"]["status"] == "not_ecg" and "not an ECG file" in rows["scan.dcm"]["error"]
    assert summary.not_ecg == 2 and sorted(Path(p).name for p, _ in summary.passed_over) == ["readme.xml", "scan.dcm"]
    assert str(folder) not in cut["error"]                  # the row names the file once, not its path again


def test_two_patients_with_the_same_file_stem_get_their_own_pdfs(tmp_path):
    """a.xml (GE MUSE, patient JOHN DOE) and a.dcm (DICOM, another patient) in one folder: each row's
    PDF is its own record's (both had been written to a.pdf, the second over the first, and both
    rows named it); a lone record keeps the plain name; a resumed run names them the same way."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint

    from mirage_model.review.batch.rows import pdf_names

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "muse-sinus.xml", folder / "a.xml")
    shutil.copy(DATA / "waveform_ecg.dcm", folder / "a.dcm")
    shutil.copy(DATA / "Example.scp", folder / "b.scp")
    pdfs, out = tmp_path / "pdfs", tmp_path / "r.csv"
    summary = score_folder(folder, predictor, out, measure=False, pdf_dir=pdfs)
    rows = {r["record_path"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert summary.pdfs == 3
    assert {p: r["pdf"] for p, r in rows.items()} == {"a.xml": "a_xml.pdf", "a.dcm": "a_dcm.pdf", "b.scp": "b.pdf"}
    assert sorted(p.name for p in pdfs.iterdir()) == ["a_dcm.pdf", "a_xml.pdf", "b.pdf"]
    ids = {p: mm.load_record(folder / p).meta["patient"]["id"] for p in ("a.xml", "a.dcm")}
    assert ids["a.xml"] != ids["a.dcm"]
    for path, own in ids.items():
        text = pypdf.PdfReader(str(pdfs / rows[path]["pdf"])).pages[0].extract_text()
        other = ids["a.dcm" if path == "a.xml" else "a.xml"]
        assert own in text and other not in text
    # the names depend on the whole set, not on which records are left to do
    names = pdf_names([Path("a.xml"), Path("a.dcm"), Path("sub/a.hea"), Path("A.hea"), Path("a_xml.xml")])
    assert names[Path("sub/a.hea")] == Path("sub/a.pdf")
    assert len({str(n).lower() for n in names.values()}) == 5
    (pdfs / "a_dcm.pdf").unlink()
    kept = [r for r in rows.values() if r["record_path"] != "a.dcm"]
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(next(iter(rows.values())).keys()))
        w.writeheader()
        w.writerows(kept)
    score_folder(folder, predictor, out, measure=False, pdf_dir=pdfs, resume=True)
    rows = {r["record_path"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert rows["a.dcm"]["pdf"] == "a_dcm.pdf" and (pdfs / "a_dcm.pdf").exists()


def _ludb_as(folder: Path, stem: str) -> None:
    """LUDB record 1 copied as ``stem``.hea / ``stem``.dat (the header renamed to match)."""
    text = (LUDB / "1.hea").read_text()
    lines = text.splitlines(keepends=True)
    lines[0] = lines[0].replace("1 ", f"{stem} ", 1)
    lines[1:] = [ln.replace("1.dat", f"{stem}.dat", 1) for ln in lines[1:]]
    (folder / f"{stem}.hea").write_text("".join(lines))
    shutil.copy(LUDB / "1.dat", folder / f"{stem}.dat")


def test_files_sharing_a_wfdb_records_stem_each_get_their_row(tmp_path):
    """zero.xml (empty) beside zero.hea, rec.xml / rec.dcm / rec.scp beside rec.hea, 1.mat beside a
    1.hea that names 1.dat: each is a file of its own, with its own row (they were taken as part of
    the WFDB record of their stem and got none). A WFDB record's own signal file gets no row."""
    from helpers_models import make_tiny_checkpoint

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    folder = tmp_path / "in"
    folder.mkdir()
    _ludb_as(folder, "zero")
    (folder / "zero.xml").write_bytes(b"")
    _ludb_as(folder, "rec")
    shutil.copy(DATA / "muse-sinus.xml", folder / "rec.xml")
    shutil.copy(DATA / "waveform_ecg.dcm", folder / "rec.dcm")
    (folder / "rec.scp").write_text("<notes>not an SCP-ECG</notes>")
    _ludb_as(folder, "1")
    shutil.copy(LUDB / "1.dat", folder / "1.mat")

    out = tmp_path / "scores.csv"
    summary = score_folder(folder, predictor, out, measure=False)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_path"]: r for r in csv.DictReader(fh)}
    own_signal_files = {"zero.dat", "rec.dat", "1.dat"}      # named by their headers
    assert set(rows) == {p.name for p in folder.iterdir()} - own_signal_files
    for name in ("zero.hea", "rec.hea", "1.hea", "rec.xml", "rec.dcm"):
        assert rows[name]["status"] == "ok", (name, rows[name]["error"])
    assert rows["rec.xml"]["format"] == "ge-muse-xml" and rows["rec.dcm"]["format"] == "dicom-ecg"
    assert rows["zero.xml"]["status"] == "not_ecg" and "empty" in rows["zero.xml"]["error"]
    assert rows["rec.scp"]["status"] == "not_ecg" and "root element <notes>" in rows["rec.scp"]["error"]
    assert rows["1.mat"]["status"] == "error"
    assert "1.hea beside it names 1.dat, not this file" in rows["1.mat"]["error"], rows["1.mat"]["error"]
    assert summary.scored == 5 and summary.not_ecg == 2 and summary.failed == 1


def test_every_pdf_page_names_the_file_its_record_was_read_from(tmp_path):
    """dupe/3.hea, dupe/3.xml and dupe/3.dcm: three PDFs whose pages all read "record 3", so a
    printed page could not be told to come from which file (the CSV row's record_path could). Every
    page's footer now names the file with its folder, and no path of this machine."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    folder = tmp_path / "in"
    (folder / "dupe").mkdir(parents=True)
    _ludb_as(folder / "dupe", "3")
    shutil.copy(DATA / "muse-sinus.xml", folder / "dupe" / "3.xml")
    shutil.copy(DATA / "waveform_ecg.dcm", folder / "dupe" / "3.dcm")
    pdfs, out = tmp_path / "pdfs", tmp_path / "r.csv"
    summary = score_folder(folder, predictor, out, measure=False, pdf_dir=pdfs)
    assert summary.pdfs == 3
    rows = {r["record_path"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert set(rows) == {"dupe/3.hea", "dupe/3.xml", "dupe/3.dcm"}
    for rel, row in rows.items():
        pages = pypdf.PdfReader(str(pdfs / row["pdf"])).pages
        assert len(pages) >= 3
        for n, page in enumerate(pages, 1):
            text = " ".join(page.extract_text().split())
            assert f"file {rel}" in text, (rel, n, text[-200:])
            others = [o for o in rows if o != rel]
            assert not any(f"file {o}" in text for o in others)
            assert str(tmp_path) not in text and str(folder) not in text


def test_score_has_the_carts_own_statements(tmp_path):
    """``mirage score`` had no column for the cart's own statements (shown in the app and on page 3). Its
    ``device_statements`` column now holds them, " | " between them; empty for a file that has none.
    Truth: the files' own statement elements (Philips' leftstatement and rightstatement, MUSE's StmtText)."""
    import html
    import re

    from helpers_models import make_tiny_checkpoint

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("129DYPRG.XML", "muse-sinus.xml"):
        shutil.copy(DATA / name, folder / name)
    shutil.copy(LUDB / "1.hea", folder / "1.hea")
    shutil.copy(LUDB / "1.dat", folder / "1.dat")
    out = tmp_path / "scores.csv"
    score_folder(folder, predictor, out, measure=False)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {Path(r["record_path"]).name: r for r in csv.DictReader(fh)}
    philips = re.findall(r"<leftstatement>(.*?)</leftstatement>\s*<rightstatement>(.*?)</rightstatement>",
                         (DATA / "129DYPRG.XML").read_text())
    assert rows["129DYPRG.XML"]["device_statements"] == " | ".join(
        html.unescape(f"{left} {right}".strip()) for left, right in philips)
    said = rows["muse-sinus.xml"]["device_statements"].split(" | ")
    assert said[:2] == ["Normal Sinus rhythm", "Anterior infarct, age undetermined"]       # the first StmtTexts
    assert said[-1] == "Questionable change in The axis" and len(said) == 6
    assert rows["1.hea"]["device_statements"] == "" and rows["1.hea"]["status"] == "ok"
