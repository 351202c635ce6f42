"""A large folder of mixed files as research staff have them: records of several formats, broken and
zero-byte files, a header without its signal file, files without extension, hidden files, a link to
a folder above (a loop) and one to a sibling folder. Every file is scored, part of a scored record, or
named in the summary's ``not_read``, nothing twice, and the summary's counts add up. Truth: the folder
listed independently (``os.walk``, each real folder once, hidden files included)."""

from __future__ import annotations

import collections
import csv
import os
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.formats import named_files
from mirage_model.records.ptbxl import find_database
from mirage_model.review.batch import find_inputs, score_folder
from mirage_model.review.batch.run import not_read_line

TESTS_DATA = Path(__file__).resolve().parent / "data"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def _record(folder: Path, stem: str) -> Path:
    ludb = mm.resources_dir() / "samples" / "ludb"
    if not (ludb / "1.hea").is_file():
        pytest.skip("bundled LUDB sample not present")
    folder.mkdir(parents=True, exist_ok=True)
    text = (ludb / "1.hea").read_text().replace("1.dat", f"{stem}.dat")
    (folder / f"{stem}.hea").write_text(f"{stem} " + text.split(" ", 1)[1])
    shutil.copy(ludb / "1.dat", folder / f"{stem}.dat")
    return folder / f"{stem}.hea"


def _listing(root: Path) -> list[str]:
    """Every file under ``root`` (links followed, each real folder once), by its path under it."""
    seen, files = set(), []
    for d, dirs, names in os.walk(root, followlinks=True):
        st = os.stat(d)
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = [x for x in dirs if not x.startswith(".")]           # a hidden folder: named, not searched
        files += [os.path.relpath(os.path.join(d, n), root) for n in names]
        files += [os.path.relpath(os.path.join(d, x), root) + "/" for x in os.listdir(d)
                  if x.startswith(".") and os.path.isdir(os.path.join(d, x))]
    return files


def test_a_folder_reached_by_its_own_path_and_by_a_link_is_listed_by_its_own_path(tmp_path):
    """``a/to_b -> b/site`` and ``b/to_a -> a/site``: the search lists one branch first, and there met
    the link to the other branch's site before that branch, so one site's records were listed under
    the link (``a/to_b/rb.hea``), which one depending on the order a folder lists its entries in: a
    row's ``record_path``, which a resumed run matches rows by, followed that order."""
    root = tmp_path / "root"
    ra, rb = _record(root / "a" / "site", "ra"), _record(root / "b" / "site", "rb")
    (root / "a" / "to_b").symlink_to(root / "b" / "site", target_is_directory=True)
    (root / "b" / "to_a").symlink_to(root / "a" / "site", target_is_directory=True)
    headers, orphans, _ = find_inputs(root)
    assert headers == [ra, rb] and orphans == []


def test_hidden_files_and_folders_are_named_not_passed_over(tmp_path, predictor):
    """A hidden record (``.r2.hea``), ``.DS_Store`` and ``.git`` were skipped without a word; they
    are not searched still, but named in ``not_read`` and counted apart in its line."""
    root = tmp_path / "root"
    _record(root, "r1")
    _record(root / "sub", ".r2")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]\n")
    out = tmp_path / "out.csv"
    summary = score_folder(root, predictor, out, measure=False)
    assert summary.scored == 1 and summary.failed == 0
    assert summary.not_read == [".DS_Store", ".git/", "sub/.r2.dat", "sub/.r2.hea"]
    # .git/ a folder, not a file (its files are not looked at)
    assert summary.not_read_line() == "3 hidden files and 1 hidden folder not searched (a leading dot)"


@pytest.mark.slow
def test_a_mixed_folder_has_every_file_scored_or_named_once(tmp_path, predictor):
    root = tmp_path / "mixed"
    for src in (mm.resources_dir() / "samples", TESTS_DATA / "ludb", TESTS_DATA / "formats",
                TESTS_DATA / "cinc2020", TESTS_DATA / "cinc2021", TESTS_DATA / "ptbdb"):
        if not src.is_dir():
            pytest.skip(f"{src.name} test data not present")
        shutil.copytree(src, root / src.name)
    bad = root / "bad"
    bad.mkdir()
    _record(bad, "trunc")
    (bad / "trunc.dat").write_bytes((bad / "trunc.dat").read_bytes()[:300])
    (bad / "garbage.hea").write_text("garbage header line\n")
    for name in ("empty.hea", "empty.dat", "empty.xml", "empty.edf", "emptynoext"):
        (bad / name).write_bytes(b"")
    (bad / "random.xml").write_bytes(os.urandom(3000))
    (bad / "random.dcm").write_bytes(os.urandom(3000))
    (bad / "lonely.dat").write_bytes(os.urandom(3000))
    (bad / "README").write_text("no record\n")
    _record(bad / "deeper", "nodat").with_suffix(".dat").unlink()        # a header without its signal file
    (bad / "deeper" / "loop").symlink_to(root, target_is_directory=True)   # a folder loop
    (bad / "samples_again").symlink_to(root / "samples", target_is_directory=True)
    (bad / "dangling.hea").symlink_to(bad / "missing.hea")
    (bad / "self.hea").symlink_to(bad / "self.hea")
    (bad / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    _record(bad, ".hidden")
    _record(root / "siteA", "1")
    _record(root / "siteB", "1")

    out = tmp_path / "out.csv"
    summary = score_folder(root, predictor, out, measure=False)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    paths = [r["record_path"] for r in rows]
    # nothing twice: not by its path, not by the file it is (samples_again/ links to samples/)
    assert len(set(paths)) == len(paths) == len(rows)
    real = collections.Counter(os.path.realpath(root / p) for p in paths)
    assert max(real.values()) == 1
    assert not any(p.startswith("bad/samples_again/") or "/loop/" in p for p in paths)
    assert len({r["record_id"] for r in rows}) == len(rows)
    # the counts add up
    status = collections.Counter(r["status"] for r in rows)
    assert (summary.scored, summary.failed, summary.not_ecg) == \
        (status["ok"], status["error"] + status["unscorable"], status["not_ecg"])
    assert summary.handled == len(rows) and summary.skipped == 0
    # every file (the file it is, by whichever path it was reached): a row, a scored record's signal
    # file, or named as not read
    listed = _listing(root)

    def real(p: str) -> str:
        return os.path.realpath(root / p)

    # an annotation file beside its record is that record's, counted apart (LUDB's 65.i beside 65.hea; its 1.i
    # ... beside no 1.hea stay not read: test_batch_annotations)
    assert sorted(summary.annotations) == ["ludb/65.avf", "ludb/65.i"]
    named = {real(p) for p in paths} | {real(p) for p in summary.not_read} | {real(p) for p in summary.annotations}
    by_stem = {os.path.splitext(real(p))[0] for p in paths}
    # a file a scored record's header names as a signal file (ptbdb's s0010_re.xyz) is that record's
    signals = {real(str(Path(p).parent / n)) for p in paths if p.endswith(".hea") for n in named_files(root / p)}
    # and PTB-XL's table a scored record is read with (the bundled samples' ptbxl_database.csv)
    signals |= {os.path.realpath(t) for p in paths if p.endswith(".hea") and (t := find_database(root / p))}
    left = [f for f in listed if real(f) not in named | signals and not (f.endswith((".dat", ".mat")) and
                                                                         os.path.splitext(real(f))[0] in by_stem)]
    assert left == []
    assert len({real(p) for p in summary.not_read}) == len(summary.not_read)
    assert {real(p) for p in summary.not_read} <= {real(f) for f in listed}
    # what was broken says so in its row; the hidden ones are named
    assert {p: r["status"] for p, r in zip(paths, rows) if p.startswith("bad/")} == {
        "bad/dangling.hea": "error", "bad/deeper/nodat.hea": "error", "bad/empty.hea": "error",
        "bad/empty.edf": "not_ecg", "bad/empty.xml": "not_ecg", "bad/garbage.hea": "error",
        "bad/lonely.dat": "error", "bad/random.dcm": "not_ecg", "bad/random.xml": "not_ecg",
        "bad/self.hea": "error", "bad/trunc.hea": "error"}
    assert {"bad/.DS_Store", "bad/.hidden.hea", "bad/.hidden.dat", "bad/README", "bad/emptynoext"} \
        <= set(summary.not_read)
    assert "3 hidden files not searched (a leading dot)" in not_read_line(summary.not_read)


def _summary_lines(root: Path, checkpoint: Path, out: Path, *extra: str) -> tuple[int, list[str], list[str]]:
    """``mirage score``'s exit code, stdout and stderr lines."""
    import contextlib
    import io

    from training_cli.main import main

    so, se = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
        code = main(["score", str(root), "--model", str(checkpoint), "--out", str(out), "--no-progress",
                     "--no-measure", *extra])
    return code, so.getvalue().splitlines(), se.getvalue().splitlines()


def test_hidden_files_and_folders_are_counted_as_what_they_are(tmp_path):
    """A folder holding hidden files (``.DS_Store``, a hidden record ``sub/.r2.hea`` + ``.dat``, a
    zero-byte ``.empty``), hidden folders (``.git/`` of 3 files, ``sub/.cache/`` holding a record),
    links (to a .pdf, to nothing, a hidden one to a folder) and zero-byte files (``empty.txt``, ``empty.hea``).
    The summary had counted each hidden folder as one file and said of them all "(no ECG records)",
    ``sub/.r2.hea`` a record among them: now the files not read are the files that are not hidden,
    and the hidden files and folders are counted apart as what they are, not searched. Truth: the
    folder this test made."""
    from helpers_models import make_tiny_checkpoint

    root = tmp_path / "root"
    _record(root, "r1")
    _record(root / "sub", ".r2")
    _record(root / "sub" / ".cache", "r3")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / ".empty").write_bytes(b"")
    for name in ("config", "HEAD", "objects/pack.idx"):
        (root / ".git" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / ".git" / name).write_text("x\n")
    (root / "a.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "empty.hea").write_bytes(b"")
    (root / "link.pdf").symlink_to(root / "a.pdf")
    (root / "gone.txt").symlink_to(root / "missing.txt")
    (root / ".site").symlink_to(root / "sub", target_is_directory=True)
    checkpoint = make_tiny_checkpoint(tmp_path / "tiny")
    code, out, err = _summary_lines(root, checkpoint, tmp_path / "out.csv", "--list-not-read")
    assert code == 1                                     # empty.hea: an error row
    line = next(ln for ln in out if "not read" in ln or "not searched" in ln)
    # before: "11 files not read: 7 hidden (a leading dot: not searched), 2 .pdf, 2 .txt (no ECG records; ...)"
    assert line == ("4 files not read: 2 .pdf, 2 .txt (no ECG records; named above); 4 hidden files and "
                    "3 hidden folders not searched (a leading dot)"), line
    named = sorted(ln.split(": ", 1)[1] for ln in err if ln.startswith("not read: "))
    assert named == ["a.pdf", "empty.txt", "gone.txt", "link.pdf"]
    hidden = sorted(ln.split(": ", 1)[1] for ln in err if ln.startswith("not searched: "))
    assert hidden == [".DS_Store", ".empty", ".git/", ".site/", "sub/.cache/", "sub/.r2.dat", "sub/.r2.hea"]
    # only hidden ones: no "(no ECG records)" of a hidden record
    for name in ("a.pdf", "empty.txt", "link.pdf", "gone.txt", "empty.hea"):
        (root / name).unlink()
    code, out, _ = _summary_lines(root, checkpoint, tmp_path / "out2.csv")
    assert code == 0
    assert next(ln for ln in out if "not searched" in ln) == \
        "4 hidden files and 3 hidden folders not searched (a leading dot; --list-not-read names them)"


def test_not_read_line_counts_hidden_files_and_folders_apart():
    assert not_read_line([".git/"]) == "1 hidden folder not searched (a leading dot)"
    assert not_read_line(["a.pdf", "x/.DS_Store", ".git/", "x/.r.hea"], why="no ECG records") == \
        "1 file not read: 1 .pdf (no ECG records); 2 hidden files and 1 hidden folder not searched (a leading dot)"
