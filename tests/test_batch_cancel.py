"""A batch's cancel takes effect within a record or one forward call, not a chunk: the library checked
its cancel between chunks (32 records; 10 s on a busy 2-core machine) and scored the chunk it was in
whole. Truth: what the model was asked to do after the cancel was set, counted at the model itself."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import score_folder


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


@pytest.fixture()
def folder(tmp_path) -> Path:
    """The bundled sample records (7), each with its files."""
    samples = mm.sample_records()
    if len(samples) < 5:
        pytest.skip("bundled sample records not present")
    root = tmp_path / "records"
    for k, hea in enumerate(samples):
        (root / f"r{k}").mkdir(parents=True)
        for f in hea.parent.glob(hea.stem + ".*"):
            shutil.copy(f, root / f"r{k}" / f.name)
    return root


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_a_cancel_during_a_forward_pass_scores_nothing_after_it(folder, predictor, tmp_path, monkeypatch):
    """The cancel comes while the model scores its first windows; the model is asked for nothing
    after that call, which held about one forward call's windows (``batch_size`` 2 here), not the
    chunk's 4 records."""
    monkeypatch.setattr(predictor, "batch_size", 2)
    calls: list[int] = []
    cancel = []
    real = predictor.forward_windows

    def forward(signal, *args, **kwargs):
        calls.append(len(signal))
        cancel.append(True)                   # the user clicks Cancel while this pass runs
        return real(signal, *args, **kwargs)

    monkeypatch.setattr(predictor, "forward_windows", forward)
    out = tmp_path / "out.csv"
    summary = score_folder(folder, predictor, out, chunk_size=32, measure=False, cancel=lambda: bool(cancel))
    assert len(calls) == 1 and calls[0] <= 2, calls           # before: one pass of the first chunk's 4 records
    rows = _rows(out)
    assert summary.cancelled and len(rows) == summary.scored == calls[0]
    assert all(r["status"] == "ok" for r in rows)


def test_a_cancel_during_a_records_preparation_stops_before_the_next(folder, predictor, tmp_path, monkeypatch):
    """The cancel comes while the second record is prepared: no third record is prepared and no
    forward pass runs; the run's output is a valid CSV without rows, resumable."""
    prepared: list[str] = []
    forwarded: list[int] = []
    cancel = []
    real_prepare, real_forward = predictor.prepare, predictor.forward_windows

    def prepare(record, *args, **kwargs):
        prepared.append(str(record.path))
        if len(prepared) == 2:
            cancel.append(True)
        return real_prepare(record, *args, **kwargs)

    def forward(signal, *args, **kwargs):
        forwarded.append(len(signal))
        return real_forward(signal, *args, **kwargs)

    monkeypatch.setattr(predictor, "prepare", prepare)
    monkeypatch.setattr(predictor, "forward_windows", forward)
    out = tmp_path / "out.csv"
    summary = score_folder(folder, predictor, out, measure=False, cancel=lambda: bool(cancel))
    assert len(prepared) == 2 and forwarded == [], (prepared, forwarded)     # before: 4 prepared, 1 pass
    assert summary.cancelled and summary.handled == 0 and _rows(out) == []
    monkeypatch.undo()
    again = score_folder(folder, predictor, out, measure=False, resume=True)
    assert again.scored == len(mm.sample_records()) and len(_rows(out)) == again.scored


def test_a_cancel_during_a_pdf_writes_no_more_pdfs(folder, predictor, tmp_path, monkeypatch):
    """In this process (no loader processes) each scored row's PDF was written before the cancel
    was looked at again: a chunk's worth of PDFs (a second or more each). Now the cancel stops
    before the next PDF; the row whose PDF was written is kept, the others are left to a resume."""
    from mirage_model.review.batch import pipeline

    written: list[str] = []

    def pdf_one(out_path, *args, **kwargs):
        written.append(out_path)
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        Path(out_path).write_bytes(b"%PDF-1.4\n")
        return out_path

    monkeypatch.setattr(pipeline, "pdf_one", pdf_one)
    out = tmp_path / "out.csv"
    summary = score_folder(folder, predictor, out, measure=False, pdf_dir=tmp_path / "pdfs",
                           cancel=lambda: bool(written))
    assert len(written) == 1, written                        # before: the first chunk's 4
    rows = _rows(out)
    assert summary.cancelled and [r["pdf"] for r in rows] == ["r0/A0003.pdf"]
    assert sorted(p.relative_to(tmp_path / "pdfs").as_posix()
                  for p in (tmp_path / "pdfs").rglob("*.pdf")) == ["r0/A0003.pdf"]


# where ``_slow_pdf`` marks the PDFs it begins, and how long each takes (set before the pool forks: the
# loader processes inherit them)
_BEGUN: Path | None = None
_PDF_S = 0.0


def _slow_pdf(out_path, *args, **kwargs):
    """A PDF that takes ``_PDF_S`` seconds, marking (in a loader process) the moment it begins.
    Module level: the pool pickles it by name."""
    import time

    (_BEGUN / Path(out_path).name).write_text(repr(time.monotonic()))
    time.sleep(_PDF_S)
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    Path(out_path).write_bytes(b"%PDF-1.4\n")
    return out_path


def test_a_cancel_drops_the_pdfs_the_loader_pool_has_not_begun(folder, predictor, tmp_path, monkeypatch):
    """With loader processes the PDFs are written in the pool. The cancel comes once both processes
    have begun a PDF and the first chunk's four are handed to the pool: no PDF begins after the run
    has seen it (the pool's queue had marked the next ones running, so they could not be cancelled
    and were written all the same), every PDF written has its row and every ok row its PDF, and a
    resumed run scores the rest. Truth: the moments the PDFs began, marked by the processes
    themselves (fork: the patched writer reaches them)."""
    import time

    from mirage_model.review.batch import loading, pipeline

    module = __import__(__name__)
    begun = tmp_path / "begun"
    begun.mkdir()
    monkeypatch.setattr(module, "_BEGUN", begun)
    monkeypatch.setattr(module, "_PDF_S", 1.0)
    monkeypatch.setattr(pipeline, "pdf_one", _slow_pdf)
    handed: list = []
    real_run = loading.RecordLoader.run

    def run(self, fn, *args):
        handed.append(fn)
        return real_run(self, fn, *args)

    monkeypatch.setattr(loading.RecordLoader, "run", run)
    seen: list[float] = []

    def cancel() -> bool:
        if not seen and len(handed) >= 4 and len(list(begun.iterdir())) >= 2:
            seen.append(time.monotonic())
        return bool(seen)

    out, pdfs = tmp_path / "out.csv", tmp_path / "pdfs"
    summary = score_folder(folder, predictor, out, measure=False, pdf_dir=pdfs, workers=2, chunk_size=32,
                           mp_context="fork", cancel=cancel)
    assert summary.cancelled and seen
    late = sorted(p.name for p in begun.iterdir() if float(p.read_text()) > seen[0])
    assert late == [], late                       # before: the two PDFs queued behind the two being written
    rows = _rows(out)
    written = sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf"))
    assert sorted(r["pdf"] for r in rows) == written and all(r["status"] == "ok" for r in rows)
    assert len(rows) == 2                         # the two PDFs begun before the cancel
    monkeypatch.setattr(module, "_PDF_S", 0.0)
    again = score_folder(folder, predictor, out, measure=False, pdf_dir=pdfs, resume=True)
    assert again.scored + len(rows) == len(mm.sample_records()) == len(_rows(out))
    assert len(list(pdfs.rglob("*.pdf"))) == len(mm.sample_records())


# where ``_slow_load`` marks the loads it begins, and how long each takes (set before the pool forks)
_LOAD_S = 0.0
_REAL_LOAD = None


def _slow_load(path, *args, **kwargs):
    """A record load that takes ``_LOAD_S`` seconds more, marking (in a loader process) the moment it
    begins. Module level: the loader processes reach it through the patched ``loading._load_one``."""
    import time

    (_BEGUN / Path(path).name).write_text(repr(time.monotonic()))
    time.sleep(_LOAD_S)
    return _REAL_LOAD(path, *args, **kwargs)


def test_a_cancel_begins_none_of_the_loads_the_loader_pool_has_queued(folder, predictor, tmp_path, monkeypatch):
    """With loader processes the records are read ahead in the pool, and the pool's queue marks the
    next loads running (up to ``workers + 1``; ``Future.cancel`` fails on them): a cancelled batch
    read them all the same, a record's time each, before it returned. The cancel comes once the first
    record is handed on and both processes have begun their second: no load begins after the run has
    seen it, and the run returns within about one load's time, not three. Truth: the moments the
    loads began, marked by the processes themselves (fork: the patched loader reaches them)."""
    import time

    from mirage_model.review.batch import loading

    module = __import__(__name__)
    begun = tmp_path / "begun"
    begun.mkdir()
    load_s = 1.0
    monkeypatch.setattr(module, "_BEGUN", begun)
    monkeypatch.setattr(module, "_LOAD_S", load_s)
    monkeypatch.setattr(module, "_REAL_LOAD", loading._load_one)
    monkeypatch.setattr(loading, "_load_one", _slow_load)
    handed: list = []
    real_next = loading.RecordLoader.next_item

    def next_item(self):
        item = real_next(self)
        handed.append(item)
        return item

    monkeypatch.setattr(loading.RecordLoader, "next_item", next_item)
    seen: list[float] = []

    def cancel() -> bool:
        if not seen and handed:
            # the two processes begin their second loads as they hand on their first: wait for both
            until = time.monotonic() + 20
            while len(list(begun.iterdir())) < 4 and time.monotonic() < until:
                time.sleep(0.02)
            seen.append(time.monotonic())
        return bool(seen)

    summary = score_folder(folder, predictor, tmp_path / "out.csv", measure=False, workers=2, chunk_size=32,
                           mp_context="fork", cancel=cancel)
    took = time.monotonic() - seen[0]
    assert summary.cancelled and len(list(begun.iterdir())) >= 4
    late = sorted(p.name for p in begun.iterdir() if float(p.read_text()) > seen[0])
    assert late == [], late             # before: the three loads queued behind the two being read
    assert took < 2 * load_s, took      # before: 3 s (the two begun, then the three queued, two at a time)
    monkeypatch.undo()
    again = score_folder(folder, predictor, tmp_path / "out.csv", measure=False, resume=True)
    assert again.scored + summary.scored == len(mm.sample_records()) == len(_rows(tmp_path / "out.csv"))
