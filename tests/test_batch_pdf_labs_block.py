"""The labs block of a batch PDF (``mirage score --pdf-dir --labs``, the batch dialog) says what the app's and
``mirage report``'s say for the same record and table: the row used ("Labs table: row '14' of labs.csv.", which
the batch PDF left out), and each of the row's values as the table's. A row whose age the header gives alike had
read "file" for its age and "table" for its sex (the header's "M" beside the table's 1.0): LUDB 14 (age 50, sex M
in its header) with the row 14;50;M.

Truth: the table this test writes (its file's name, its row's id) and LUDB 14's header (age 50, sex M)."""

from __future__ import annotations

import re
import shutil

import pytest

import mirage_model as mm
from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled LUDB samples not present")


def test_the_batch_pdf_names_the_labs_row_and_marks_its_values_as_the_table_s(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch import score_folder

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("14.*"):
        shutil.copy(f, folder / f.name)
    labs = tmp_path / "labs.csv"
    labs.write_text("ECG;Age;Sex\n14;50;M\n", encoding="utf-8")
    score_folder(folder, predictor, tmp_path / "scores.csv", pdf_dir=tmp_path / "pdfs", labs=labs)
    text = "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(tmp_path / "pdfs" / "14.pdf")).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Labs table: row '14' of labs.csv." in text
    assert re.search(r"Age 50 years (\w+)", text).group(1) == "table", text
    assert re.search(r"Sex M (\w+)", text).group(1) == "table", text
