"""Folder search on folders as users have them: named pipes, unreadable folders, links, and a
search that must stop when it is cancelled (``records.folder.walk_files`` under every search)."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest

from mirage_model import formats
from mirage_model.paths import resources_dir
from mirage_model.records import find_records
from mirage_model.review.batch import find_inputs

SAMPLE = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def _record(folder: Path, stem: str = "r1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, folder / f"{stem}.hea")
    shutil.copy(SAMPLE.with_suffix(".dat"), folder / f"{stem}.dat")
    return folder / f"{stem}.hea"


def _in_thread(fn):
    """``fn()``'s result, or "hung" when it has not returned after a generous while (a FIFO opened
    for reading blocks until a writer comes; the test then opens each pipe to release the thread)."""
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("v", fn()), daemon=True)
    t.start()
    t.join(60)
    return out.get("v", "hung"), t


def _release(fifos, thread):
    while thread.is_alive():
        for f in fifos:
            try:
                fd = os.open(f, os.O_WRONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
        thread.join(0.2)


def test_named_pipes_are_not_opened(tmp_path):
    """A FIFO under any name (no extension, an ECG format's, a header's) is no record: before, the
    search opened it to sniff its first bytes and hung there for good."""
    hea = _record(tmp_path / "a")
    fifos = [tmp_path / "pipe", tmp_path / "pipe.dcm", tmp_path / "a" / "pipe2.hea"]
    for f in fifos:
        os.mkfifo(f)
    for search in (lambda: formats.find_ecg_files(tmp_path), lambda: find_records(tmp_path),
                   lambda: find_inputs(tmp_path)[0]):
        found, thread = _in_thread(search)
        _release(fifos, thread)
        assert found == [hea]


def test_search_checks_between_folders_and_stops_when_cancelled(tmp_path):
    """The app's listing passes its cancel flag: a search of a large tree stops at the next folder."""
    for k in range(5):
        _record(tmp_path / f"d{k}")
    calls = []

    class Stop(Exception):
        pass

    def check():
        calls.append(1)
        if len(calls) == 3:
            raise Stop

    with pytest.raises(Stop):
        formats.find_ecg_files(tmp_path, check=check)
    assert len(formats.find_ecg_files(tmp_path, check=lambda: None)) == 5


def test_unreadable_folder_is_named_and_the_rest_is_listed(tmp_path, locked_folders, caplog):
    """A folder that cannot be listed is skipped with a warning naming it (as root, chmod 000 does
    not stop a listing, so the refusal is simulated)."""
    good = _record(tmp_path / "ok")
    _record(tmp_path / "locked")
    with caplog.at_level(logging.WARNING):
        assert formats.find_ecg_files(tmp_path) == [good]
    assert "locked" in caplog.text and "Permission denied" in caplog.text


def test_links_loops_and_dangling_links(tmp_path):
    """A link to a folder above is not followed (no loop); a link to a record file is listed; a
    dangling .hea link is listed, so that reading it says the file is missing."""
    hea = _record(tmp_path / "a")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "linked.hea").symlink_to(hea)
    (tmp_path / "b" / "linked.dat").symlink_to(hea.with_suffix(".dat"))
    (tmp_path / "gone.hea").symlink_to(tmp_path / "nowhere.hea")
    assert formats.find_ecg_files(tmp_path) == [hea, tmp_path / "b" / "linked.hea", tmp_path / "gone.hea"]


def test_a_linked_folder_is_followed_once(tmp_path):
    """A share that links a folder in ("2024 -> /archive/2024") holds its records; a second link to
    the same folder, or one to a folder above, lists nothing twice and does not loop."""
    archive = tmp_path / "archive"
    kept = _record(archive / "2024", "y2024")
    share = tmp_path / "share"
    own = _record(share / "local")
    (share / "2024").symlink_to(archive / "2024")
    (share / "again").symlink_to(archive / "2024")
    (share / "local" / "up").symlink_to(share)
    found = formats.find_ecg_files(share)
    assert len(found) == 2 and own in found
    assert sum(p.name == kept.name for p in found) == 1
    assert next(p for p in found if p.name == kept.name).resolve() == kept.resolve()


def test_a_search_lists_no_signal_file_and_still_finds_every_format(tmp_path, monkeypatch):
    """Listing PTB-XL's 21,799 records had made a Path of each of its 21,799 .dat files too (and read
    each header through a decoded text), 1.95 s against 0.40 s for a glob of its headers: the search
    now leaves WFDB signal and annotation files out of the walk. Records of other formats under any
    name stay found, a folder named like a signal file is still walked, hidden files still told."""
    from mirage_model.records.folder import walk_files

    hea = _record(tmp_path / "a")
    (tmp_path / "a" / "r1.atr").write_bytes(b"\0\0")
    inside = _record(tmp_path / "b.dat", "r2")                   # a folder, not a signal file
    scp = tmp_path / "c" / "IM000001"                           # an SCP-ECG under a PACS name
    scp.parent.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "formats" / "Example.scp", scp)
    (tmp_path / "a" / ".r3.dat").write_bytes(b"\0")
    hidden = []
    listed = set(walk_files(tmp_path, hidden=hidden, skip_suffixes=(".dat", ".atr")))
    assert listed == {hea, inside, scp} and hidden == [tmp_path / "a" / ".r3.dat"]
    walked = []

    def spy(*args, **kwargs):
        for p in walk_files(*args, **kwargs):
            walked.append(p)
            yield p

    monkeypatch.setattr(formats, "walk_files", spy)
    assert formats.find_ecg_files(tmp_path) == [hea, inside, scp]
    assert not [p for p in walked if p.suffix in (".dat", ".atr")]


def test_a_search_with_nothing_passed_over_makes_no_header_key(tmp_path, monkeypatch):
    """``passed_over`` had made every header's record key (a Path parsed again: 0.7 s of PTB-XL's
    listing) when no file was passed over, which alone needs them; with one passed over they are made,
    and a .xml beside a header that does not name it is still told."""
    hea = _record(tmp_path / "a")
    asked = []
    real = formats.record_key
    monkeypatch.setattr(formats, "record_key", lambda p: asked.append(p) or real(p))
    passed: list = []
    assert formats.find_ecg_files(tmp_path, passed) == [hea] and passed == [] and asked == []
    (tmp_path / "a" / "r1.xml").write_text("<notes/>")
    assert formats.find_ecg_files(tmp_path, passed) == [hea] and passed == [tmp_path / "a" / "r1.xml"]
    assert asked


def test_find_records_lists_no_signal_file(tmp_path, monkeypatch):
    """``find_records`` (mirage bench, mirage robustness) still made a Path of every WFDB signal file it
    walked past (PTB-XL's 21,799 .dat files: 0.61 s of CPU against 0.48 s) while the other searches had
    left them out; it now lists the folder as they do (``formats.listed_files``). Truth: the headers
    written here, in path order, and the names the walk made."""
    from mirage_model.records import folder as folder_module

    hea = _record(tmp_path / "a")
    (tmp_path / "a" / "r1.atr").write_bytes(b"\0\0")
    (tmp_path / "a" / "A0001.mat").write_bytes(b"\0" * 24)               # a Challenge signal file
    inside = _record(tmp_path / "b.dat", "r2")                          # a folder, not a signal file
    upper = _record(tmp_path / "C", "R3").rename(tmp_path / "C" / "R3.HEA")
    made = []
    real = folder_module.Path
    monkeypatch.setattr(folder_module, "Path", lambda p: made.append(os.fspath(p)) or real(p))
    assert find_records(tmp_path) == [upper, hea, inside]
    assert made and not [p for p in made if p.lower().endswith((".dat", ".mat", ".atr"))], made
