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


def _ok_row(record_path: str, model: str) -> dict:
    return {"record_path": record_path, "record_id": Path(record_path).stem, "status": "ok", "model": model}


def test_a_kept_row_of_a_record_gone_from_the_folder_shares_no_id_with_a_new_record(sites, predictor, tmp_path):
    """An output holds siteA/1's row ("1": its name was its own then); siteA/1 has gone from the folder
    (its row stays), siteB/1 is new: both rows were "1". Each is now named by its path, as one run
    over both would name them; the kept row of the record gone keeps its place at the end."""
    out = tmp_path / "out.csv"
    score_folder(sites, predictor, out, measure=False)
    shutil.rmtree(sites / "siteB")                       # siteA/1 alone: the run names it "1"
    score_folder(sites, predictor, out, measure=False, overwrite=True)
    assert {r["record_path"]: r["record_id"] for r in _rows(out)}["siteA/1.hea"] == "1"
    shutil.move(sites / "siteA", sites / "siteB")        # siteA/1 gone, siteB/1 new
    again = score_folder(sites, predictor, out, measure=False, resume=True)
    rows = _rows(out)
    ids = {r["record_path"]: r["record_id"] for r in rows}
    assert ids == {"siteA/1.hea": "siteA/1", "siteB/1.hea": "siteB/1", "14.hea": "14", "siteC/14.dat": "siteC/14"}
    assert len({r["record_id"] for r in rows}) == len(rows)                  # before: "1" twice
    assert again.scored == 1 and rows[-1]["record_path"] == "siteA/1.hea"


def test_a_resumed_row_gets_its_own_name_back_once_the_name_is_its_own(sites, predictor, tmp_path):
    """A run named siteA/1 by its path (siteB/1 shared its name, and failed); siteB/1 has gone, and
    its error row with it: the resumed output names siteA/1 "1", as one run over the folder now does
    (before: "siteA/1", kept from the earlier output)."""
    out = tmp_path / "out.csv"
    score_folder(sites, predictor, out, measure=False)
    cols, rows = list(_rows(out)[0]), _rows(out)
    for r in rows:
        if r["record_path"] == "siteB/1.hea":
            r.update(status="error", error="cannot read")
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    shutil.rmtree(sites / "siteB")
    score_folder(sites, predictor, out, measure=False, resume=True)
    fresh = tmp_path / "fresh.csv"
    score_folder(sites, predictor, fresh, measure=False)
    resumed = {r["record_path"]: r["record_id"] for r in _rows(out)}
    assert resumed == {r["record_path"]: r["record_id"] for r in _rows(fresh)}
    assert resumed == {"siteA/1.hea": "1", "14.hea": "14", "siteC/14.dat": "siteC/14"}


def test_an_unreadable_folders_row_shares_no_id_with_a_record_of_its_name(sites, predictor, tmp_path,
                                                                          locked_folders):
    """A folder "locked/" that cannot be listed has a row; a record locked.hea beside it was also
    "locked". Both are named by their whole record_path."""
    ludb = mm.resources_dir() / "samples" / "ludb"
    for ext in (".hea", ".dat"):
        text = (ludb / f"14{ext}").read_bytes()
        if ext == ".hea":
            text = text.replace(b"14.dat", b"locked.dat").replace(b"14 ", b"locked ", 1)
        (sites / f"locked{ext}").write_bytes(text)
    (sites / "locked").mkdir()
    out = tmp_path / "out.csv"
    score_folder(sites, predictor, out, measure=False)
    rows = _rows(out)
    ids = {r["record_path"]: r["record_id"] for r in rows}
    assert ids["locked/"] == "locked/" and ids["locked.hea"] == "locked.hea", ids     # before: "locked" twice
    assert len(set(ids.values())) == len(rows)
    assert {r["record_path"]: r["status"] for r in rows}["locked.hea"] == "ok"


def test_record_ids_of_folders_and_records():
    assert record_ids(["sub/", "sub.hea", "x/a.b/", "a.hea"]) == {"sub/": "sub/", "sub.hea": "sub.hea"}
    assert record_ids(["x/sub/", "sub.hea"]) == {"x/sub/": "x/sub", "sub.hea": "sub"}
