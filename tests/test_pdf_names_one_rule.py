"""One rule names a record's PDF (``batch.naming``): ``mirage score --pdf-dir`` and the batch dialog (both
``score_folder``) and ``mirage-review FOLDER --export-pdf DIR`` (``app.main.export_targets``) give each record of a
folder the same PDF name, where names collide too."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import mirage_model as mm
from mirage_model.review.batch import score_folder

DATA = Path(__file__).parent / "data" / "formats"
# worked out by hand from the rule, in the records' order (a.dcm, a.xml, a_xml.dcm, b.scp, B.xml, sub/c.scp): a
# plain name two records would get keeps each one's suffix (a.dcm and a.xml; b.scp and B.xml, case aside); a name
# still taken is numbered after its suffix (a_xml.dcm's a_xml.pdf is a.xml's: a_xml_dcm_2.pdf); a lone record
# keeps its plain name, under its folder
EXPECTED = {"a.dcm": "a_dcm.pdf", "a.xml": "a_xml.pdf", "a_xml.dcm": "a_xml_dcm_2.pdf", "b.scp": "b_scp.pdf",
            "B.xml": "B_xml.pdf", "sub/c.scp": "sub/c.pdf"}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for src, name in (("waveform_ecg.dcm", "a.dcm"), ("muse-sinus.xml", "a.xml"), ("waveform_ecg.dcm", "a_xml.dcm"),
                      ("Example.scp", "b.scp"), ("muse-mac55-muse_ecg1.xml", "B.xml"), ("Example.scp", "sub/c.scp")):
        shutil.copy(DATA / src, folder / name)
    return folder


def test_score_and_export_name_a_folders_pdfs_alike(tmp_path):
    from helpers_models import make_tiny_checkpoint

    from app.main import export_inputs, export_targets

    folder = _folder(tmp_path)
    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    pdfs, out = tmp_path / "pdfs", tmp_path / "r.csv"
    summary = score_folder(folder, predictor, out, measure=False, pdf_dir=pdfs)
    rows = {r["record_path"]: r["pdf"] for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert summary.pdfs == len(EXPECTED) and rows == EXPECTED
    assert sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf")) == sorted(EXPECTED.values())

    names: dict = {}
    records, notes = export_inputs([folder], names=names)
    targets = export_targets(records, tmp_path / "export", names)
    assert not notes
    assert {p.relative_to(folder).as_posix(): t.relative_to(tmp_path / "export").as_posix()
            for p, t in zip(records, targets)} == EXPECTED


def test_export_numbers_names_still_taken_as_a_batch_does():
    """Two folders' records of one name (each folder's 1.pdf) and two files of one name: the later is numbered
    by the batch's rule (``naming.numbered``), compared case aside."""
    from mirage_model.review.batch.naming import export_pdf_names

    names = {Path("x/1.hea"): Path("1.pdf"), Path("y/1.HEA"): Path("1.pdf")}
    assert export_pdf_names([Path("x/1.hea"), Path("y/1.HEA"), Path("z/1.xml"), Path("w/1.xml")], names) == [
        Path("1.pdf"), Path("1_2.pdf"), Path("1_3.pdf"), Path("1_4.pdf")]
