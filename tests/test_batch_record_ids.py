"""A batch output's ``record_id`` is unique: ``siteA/1.hea`` and ``siteB/1.hea`` were both "1", so a
reader keying rows by ``record_id`` ({r["record_id"]: r}, as many scripts and this project's own
tests do) kept one of them silently. A record whose name is its own keeps it. Truth: the ids written
out by hand from the folder's paths."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import score_folder
from mirage_model.review.batch.rows import record_ids


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture()
def sites(tmp_path) -> Path:
    """siteA/1 and siteB/1 (two LUDB records both named 1), 14 at the top, and siteC/14.dat, a
    signal file without a header (an error row of its own, also named 14)."""
    ludb = mm.resources_dir() / "samples" / "ludb"
    if not (ludb / "1.hea").is_file() or not (ludb / "14.hea").is_file():
        pytest.skip("bundled LUDB samples not present")
    root = tmp_path / "records"
    for site, stem in (("siteA", "1"), ("siteB", "1"), (".", "14")):
        (root / site).mkdir(parents=True, exist_ok=True)
        for ext in (".hea", ".dat"):
            shutil.copy(ludb / f"{stem}{ext}", root / site / f"{stem}{ext}")
    (root / "siteC").mkdir()
    shutil.copy(ludb / "14.dat", root / "siteC" / "14.dat")
    return root


EXPECTED = {"siteA/1.hea": "siteA/1", "siteB/1.hea": "siteB/1", "14.hea": "14", "siteC/14.dat": "siteC/14"}


def test_records_of_the_same_name_get_ids_that_tell_them_apart(sites, predictor, tmp_path):
    out = tmp_path / "out.csv"
    score_folder(sites, predictor, out, measure=False)
    rows = _rows(out)
    assert {r["record_path"]: r["record_id"] for r in rows} == EXPECTED     # before: "1", "1", "14", "14"
    assert [r["status"] for r in rows if r["record_path"] != "siteC/14.dat"] == ["ok"] * 3


def test_a_resumed_output_of_an_earlier_run_gets_the_same_ids(sites, predictor, tmp_path):
    """The rows a resumed run keeps, written by a run that named both records "1", are named as this
    run names them: the output is what one run writes."""
    out = tmp_path / "out.csv"
    done: list = []
    score_folder(sites, predictor, out, measure=False, chunk_size=1, progress=lambda d, t, r: done.append(r),
                 cancel=lambda: len(done) >= 2)
    kept = _rows(out)
    assert 2 <= len(kept) < 4
    with out.open("w", newline="", encoding="utf-8-sig") as fh:      # as an earlier version wrote it
        w = csv.DictWriter(fh, fieldnames=list(kept[0]))
        w.writeheader()
        w.writerows({**r, "record_id": Path(r["record_path"]).stem} for r in kept)
    again = score_folder(sites, predictor, out, measure=False, resume=True)
    assert again.skipped >= 1
    assert {r["record_path"]: r["record_id"] for r in _rows(out)} == EXPECTED


def test_record_ids_of_files_whose_paths_without_extension_are_shared_too():
    assert record_ids(["a.xml", "a.dcm", "b.hea", "x/b.hea", "c.hea"]) == {
        "a.xml": "a.xml", "a.dcm": "a.dcm", "b.hea": "b", "x/b.hea": "x/b"}
