"""A record whose file name is near the file system's limit gets a PDF name within it. Two files of one 251-character
stem (``S.xml`` and ``S.dcm``: the batch keeps their suffix, ``S_xml.pdf``, 259 bytes) had stopped ``mirage score
--pdf-dir`` before its first record: "error: pdfs/MMM..._dcm.pdf: File name too long", no row written, and
``mirage-review --export-pdf`` names its PDFs by the same rule. Truth: the PDF folder's own limit
(``os.pathconf(..., "PC_NAME_MAX")``: 255 bytes on ext4 and tmpfs) and the files the run wrote, read back."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

import helpers_batch

checkpoint = helpers_batch.checkpoint      # the fixture: a tiny random checkpoint

FORMATS = Path(__file__).parent / "data" / "formats"


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):      # no pathconf (Windows): NTFS's 255
        return 255


@pytest.mark.parametrize("stem", ["M" * 251, "é" * 125, "中" * 83 + "x"], ids=["ascii", "latin", "han"])
def test_pdf_names_of_long_file_names_fit_the_folder_and_stay_apart(tmp_path, stem):
    from mirage_model.review.batch.naming import export_pdf_names, pdf_names

    most = _name_max(tmp_path)
    rels = [Path(f"{stem}.xml"), Path(f"{stem}.dcm"), Path("sub") / f"{stem}.hea", Path(stem + "x" * 2)]
    names = pdf_names(rels)
    for rel, name in names.items():
        assert len(os.fsencode(name.name)) <= most, (rel, len(os.fsencode(name.name)))
        assert name.suffix == ".pdf" and name.parent == rel.parent
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"%PDF")                # the file system takes it
    assert len({n.as_posix().lower() for n in names.values()}) == len(rels)
    assert pdf_names(reversed(rels)) == names                 # the same names for a resumed run
    # numbered past the first (two folders' records of one name, given as files to --export-pdf)
    exported = export_pdf_names([Path("a") / f"{stem}.xml", Path("b") / f"{stem}.xml"])
    assert len(set(exported)) == 2 and all(len(os.fsencode(n.name)) <= most for n in exported)


@pytest.mark.skipif(not (FORMATS / "muse-sinus.xml").is_file(), reason="format samples not present")
def test_mirage_score_writes_the_pdfs_of_two_long_named_files(tmp_path, checkpoint):
    from training_cli.main import main

    folder, pdfs, out = tmp_path / "records", tmp_path / "pdfs", tmp_path / "out.csv"
    folder.mkdir()
    stem = "M" * 251
    shutil.copy(FORMATS / "muse-sinus.xml", folder / f"{stem}.xml")
    shutil.copy(FORMATS / "waveform_ecg.dcm", folder / f"{stem}.dcm")
    code = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--pdf-dir", str(pdfs),
                 "--no-progress", "--no-measure", "--statements-model", "none"])
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["record_path"] for r in rows) == [f"{stem}.dcm", f"{stem}.xml"]
    assert code == 0, [(r["status"], r["error"]) for r in rows]
    written = {p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf")}
    assert {r["pdf"] for r in rows} == written and len(written) == 2
    assert all((pdfs / name).read_bytes().startswith(b"%PDF") for name in written)


def test_the_report_name_export_offers_fits_too(tmp_path):
    """File > Export PDF offers "<record id>_report.pdf": 262 bytes for a 251-character name, which the save failed
    on. Truth: the folder's name limit, and the file made by that name."""
    from types import SimpleNamespace

    from mirage_model.review.batch.naming import report_pdf_name

    stem = "M" * 251
    shutil.copy(FORMATS / "muse-sinus.xml", tmp_path / f"{stem}.xml")
    shutil.copy(FORMATS / "waveform_ecg.dcm", tmp_path / f"{stem}.dcm")
    for record in (SimpleNamespace(path=None, record_id=stem),
                   SimpleNamespace(path=tmp_path / f"{stem}.xml", record_id=stem)):
        name = report_pdf_name(record)
        assert name.endswith("_report.pdf") and len(os.fsencode(name)) <= _name_max(tmp_path), len(name)
        (tmp_path / name).write_bytes(b"%PDF")
