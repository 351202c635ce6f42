"""A batch ties a WFDB signal file to the header that names it, not to the header of its stem:
the header's signal lines are the truth of which files are its record's."""

from __future__ import annotations

import csv
import shutil
import unicodedata
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import find_inputs, score_folder


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def _ludb(stem: str) -> Path:
    hea = mm.resources_dir() / "samples" / "ludb" / f"{stem}.hea"
    if not hea.is_file():
        pytest.skip(f"bundled LUDB sample {stem} not present")
    return hea


def _header_naming(donor: Path, dest: Path, dat_name: str) -> None:
    """``dest``: the donor's header with its signal lines naming ``dat_name``."""
    lines = donor.read_text().splitlines()
    lines = [dat_name + ln[len(donor.stem + ".dat"):] if ln.startswith(donor.stem + ".dat") else ln for ln in lines]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n")


def _folder(root: Path) -> Path:
    one, other = _ludb("1"), _ludb("14")
    (root / "plain").mkdir(parents=True)
    for f in (one, one.with_suffix(".dat")):
        shutil.copy(f, root / "plain" / f.name)
    # zero.hea names other.dat, which is missing; zero.dat beside it is no file it names
    _header_naming(other, root / "missing" / "zero.hea", "other.dat")
    shutil.copy(other.with_suffix(".dat"), root / "missing" / "zero.dat")
    # zero.hea names other.dat, which is there; zero.dat beside it is another file
    _header_naming(other, root / "both" / "zero.hea", "other.dat")
    shutil.copy(other.with_suffix(".dat"), root / "both" / "other.dat")
    shutil.copy(one.with_suffix(".dat"), root / "both" / "zero.dat")
    # x.hea names signals.dat: a signal file of another stem that is the record's
    _header_naming(one, root / "shared" / "x.hea", "signals.dat")
    shutil.copy(one.with_suffix(".dat"), root / "shared" / "signals.dat")
    # a header that cannot be parsed (a blank in its file name): its row says so, its .dat has none
    _header_naming(one, root / "unparsed" / "rec.hea", "rec 1.dat")
    shutil.copy(one.with_suffix(".dat"), root / "unparsed" / "rec.dat")
    # names stored decomposed (a Mac), the header naming its file composed: the same name
    nfd = unicodedata.normalize("NFD", "Müller")
    _header_naming(one, root / "mac" / f"{nfd}.hea", unicodedata.normalize("NFC", "Müller") + ".dat")
    shutil.copy(one.with_suffix(".dat"), root / "mac" / f"{nfd}.dat")
    return root


def test_a_signal_file_belongs_to_the_header_that_names_it(tmp_path):
    """Before: zero.dat was taken for zero.hea's (no row of its own) and signals.dat, named by
    x.hea, got a 'signal file without a header' row. Truth: the signal lines this test wrote."""
    folder = _folder(tmp_path / "records")
    headers, orphans, not_ecg = find_inputs(folder)
    rel = lambda ps: sorted(p.relative_to(folder).as_posix() for p in ps)    # noqa: E731
    assert [unicodedata.normalize("NFC", h) for h in rel(headers)] == [
        "both/zero.hea", "mac/Müller.hea", "missing/zero.hea", "plain/1.hea", "shared/x.hea", "unparsed/rec.hea"]
    assert rel(orphans) == ["both/zero.dat", "missing/zero.dat"]
    assert not_ecg == []


def test_rows_of_a_signal_file_no_header_names(tmp_path, predictor):
    folder = _folder(tmp_path / "records")
    out = tmp_path / "r.csv"
    score_folder(folder, predictor, out, measure=False)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_path"]: r for r in csv.DictReader(fh)}
    rows = {unicodedata.normalize("NFC", k): r for k, r in rows.items()}
    assert sorted(rows) == ["both/zero.dat", "both/zero.hea", "mac/Müller.hea", "missing/zero.dat", "missing/zero.hea",
                            "plain/1.hea", "shared/x.hea", "unparsed/rec.hea"]
    assert rows["unparsed/rec.hea"]["error"].startswith("header cannot be parsed")
    for ok in ("plain/1.hea", "shared/x.hea", "both/zero.hea"):
        assert rows[ok]["status"] == "ok", rows[ok]["error"]
    assert rows["both/zero.dat"]["status"] == "error"
    assert rows["both/zero.dat"]["error"].startswith("signal file without a header")
    assert rows["both/zero.dat"]["error"].endswith("zero.hea beside it names other.dat, not this file")
    # the header whose named file is missing says so, and names the loose file beside it
    assert rows["missing/zero.hea"]["error"].startswith("signal file other.dat not found (named in zero.hea)")
    assert "zero.dat beside it bears this header's name" in rows["missing/zero.hea"]["error"]
    assert rows["missing/zero.dat"]["error"].startswith("signal file without a header")
    assert rows["missing/zero.dat"]["error"].endswith(
        "zero.hea beside it names other.dat, not this file, and that is missing: if this is its signal file, "
        "edit zero.hea's signal lines to name zero.dat")
