"""A batch with a PDF folder hands each row on as its PDF is written. Without a loader pool the PDFs are written one
by one in the scoring loop (a second or more each), and the rows of a chunk came together after its last PDF: the
app's batch dialog said "0 / 12 records; reading the first records and starting the model..." (and its close
question "Stop batch scoring now (0 / 12 records)?") while the first 4 PDFs were written, and ``mirage score``'s bar
sat at 0 the same way.

Truth: the PDFs on disk when each row is counted (the two bundled PTB-XL samples, one PDF each)."""

from __future__ import annotations

import shutil

import mirage_model as mm


def test_each_row_is_counted_as_its_pdf_is_written(tmp_path):
    from helpers_models import make_tiny_checkpoint
    from mirage_model.inference import Predictor
    from mirage_model.review.batch import score_folder

    folder, pdfs = tmp_path / "records", tmp_path / "pdfs"
    folder.mkdir()
    for hea in mm.sample_records():
        if hea.stem in ("00417_lr", "04016_lr"):        # one chunk (the first holds 4)
            for f in hea.parent.glob(hea.stem + ".*"):
                shutil.copy(f, folder / f.name)
    predictor = Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    counted: list[tuple[int, int]] = []

    def progress(done: int, total: int, row: dict) -> None:
        counted.append((done, len(list(pdfs.glob("*.pdf")))))

    summary = score_folder(folder, predictor, tmp_path / "scores.csv", pdf_dir=pdfs, measure=False,
                           progress=progress)
    assert summary.pdfs == 2
    assert counted == [(1, 1), (2, 2)]          # before: [(1, 2), (2, 2)], the first row after both PDFs
