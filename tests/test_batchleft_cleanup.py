"""A batch run closed by its reader (an exception, Ctrl-C, a face that stops reading) after some rows removes the
PDFs that its loader processes wrote for rows it never handed on (``pipeline._remove_pdfs_without_rows``): no output
holds their rows, and a run resumed onto that output would find them in its PDF folder as another run's and refuse
them. With several loader processes the PDFs are written there, out of order, and the cleanup had no test.

Truth: the PDF files seen on disk (one per record, each written by a loader process) before the run was closed,
and the one row the reader took."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pytest

import mirage_model as mm

LUDB = mm.resources_dir() / "samples" / "ludb"
N = 4


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"))


def _folder(root: Path) -> list[Path]:
    """``N`` copies of the LUDB sample, each in a folder of its own (r0/1.hea ...): their headers."""
    if not (LUDB / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    heads = []
    for k in range(N):
        (root / f"r{k}").mkdir(parents=True)
        for ext in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{ext}", root / f"r{k}" / f"1{ext}")
        heads.append(root / f"r{k}" / "1.hea")
    return heads


def _first_row_then_every_pdf(gen, pdfs: Path) -> tuple[dict, list[str]]:
    """The first row of ``gen``, then (without taking another) the PDFs on disk once all ``N`` are written."""
    row = next(gen)
    deadline = time.monotonic() + 300
    while len(list(pdfs.rglob("*.pdf"))) < N and time.monotonic() < deadline:
        time.sleep(0.2)
    return row, sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf"))


def test_pdfs_of_rows_never_handed_on_are_removed_with_several_loader_processes(tmp_path, predictor):
    from mirage_model.review.batch.pipeline import iter_rows

    root, pdfs = tmp_path / "records", tmp_path / "pdfs"
    heads = _folder(root)
    gen = iter_rows(heads, predictor, root=root, pdf_dir=pdfs, workers=2, chunk_size=N, measure=False)
    row, seen = _first_row_then_every_pdf(gen, pdfs)
    assert seen == [f"r{k}/1.pdf" for k in range(N)]        # every PDF written, by the loader processes
    gen.close()                                             # the reader stops: N - 1 rows never handed on
    assert row["pdf"] == "r0/1.pdf"
    assert sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf")) == ["r0/1.pdf"]


def test_a_pdf_that_cannot_be_removed_is_named(tmp_path, predictor, monkeypatch, caplog):
    """Where a PDF of a row never handed on cannot be removed (a disk gone read-only, a reader holding it on
    Windows), the log names it and why: it is another run's to a resumed run."""
    from mirage_model.review.batch.pipeline import iter_rows

    root, pdfs = tmp_path / "records", tmp_path / "pdfs"
    heads = _folder(root)
    stuck = pdfs / "r2" / "1.pdf"
    unlink = Path.unlink

    def held(self, missing_ok=False):
        if self == stuck:
            raise PermissionError(13, "Permission denied", str(self))
        return unlink(self, missing_ok=missing_ok)

    gen = iter_rows(heads, predictor, root=root, pdf_dir=pdfs, workers=2, chunk_size=N, measure=False)
    _row, seen = _first_row_then_every_pdf(gen, pdfs)
    assert len(seen) == N
    monkeypatch.setattr(Path, "unlink", held)
    with caplog.at_level(logging.WARNING, logger="mirage_model.review.batch.pipeline"):
        gen.close()
    monkeypatch.undo()
    said = [r.getMessage() for r in caplog.records]
    assert any(f"could not remove {stuck}, a PDF whose row was not written" in line and "Permission denied" in line
               for line in said), said
    assert sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf")) == ["r0/1.pdf", "r2/1.pdf"]
