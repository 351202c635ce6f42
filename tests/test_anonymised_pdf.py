"""An anonymised record's PDF names no patient and carries nothing that ties it to the identified file: the GE MUSE
sample (tests/data/formats/muse-sinus.xml) with its patient renamed JANE DOE, ID 123456, in a file named after her
("DOE_JANE_123456.xml", as clinical exports name files), anonymised (WFDB, EDF+) as ``mirage convert --anonymise`` does
(``formats.write_record``) into a folder named after her (as File > Save record as may, beside the identified
file). Its report's text and metadata (pypdf) hold neither her name nor her ID, nor the content
key (``record_key.overread_key``) of the identified file or of the anonymised one (the latter whoever holds the
identified file gets by anonymising it again); the identified file's report keeps its key on page 3 and in its
keywords."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

from mirage_model.formats.write import write_record  # noqa: E402
from mirage_model.records import load_record  # noqa: E402
from mirage_model.review.record_key import overread_key  # noqa: E402
from mirage_model.review.report import build_report  # noqa: E402
from mirage_model.review.session import ReviewSession  # noqa: E402

MUSE = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"
HER = re.compile(r"(?<![a-z0-9])(?:doe|jane|123456)(?![a-z0-9])", re.IGNORECASE)


def _identified(folder: Path) -> Path:
    """The MUSE sample, its patient JANE DOE, ID 123456, in a file named after her."""
    folder.mkdir()
    text = MUSE.read_text(encoding="latin-1")
    assert ">JOHN<" in text and ">081486213<" in text
    path = folder / "DOE_JANE_123456.xml"
    path.write_text(text.replace(">JOHN<", ">JANE<").replace(">081486213<", ">123456<"), encoding="latin-1")
    return path


def _read(pdf: Path) -> tuple[str, str]:
    """(every page's text, the metadata's values) of ``pdf``, read back by pypdf."""
    reader = pypdf.PdfReader(str(pdf))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    return text, "\n".join(str(v) for v in (reader.metadata or {}).values())


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_an_anonymised_pdf_names_no_patient_and_carries_no_content_key(tmp_path, fmt):
    ident = load_record(_identified(tmp_path / "in"))
    assert ident.meta["patient"]["name"] == "JANE DOE"        # the file names her, as a clinical export does
    anon_path = write_record(ident, tmp_path / "Doe Jane 123456", fmt, anonymise=True)
    anon = load_record(anon_path)
    keys = [overread_key(ident), overread_key(anon)]
    pdf = build_report(ReviewSession.from_results(anon, file_values=False), tmp_path / "anon.pdf")
    text, meta = _read(pdf)
    assert "Patient: anonymised" in text
    assert not HER.findall(text + meta), HER.findall(text + meta)
    for key in keys:
        assert key[:16] not in text and key[:16] not in meta, key
    assert "Made from an anonymised record: its content key is not printed" in " ".join(text.split())

    pdf = build_report(ReviewSession.from_results(ident, file_values=False), tmp_path / "ident.pdf")
    text, meta = _read(pdf)
    assert f"Made from the record's content {keys[0][:16]}" in " ".join(text.split())
    assert f"record content {keys[0]}" in meta
