"""An over-read store that lost what it held since this user's MIRAGE Review last read it (truncated to 0 bytes by a
failed copy or a full disk, an older copy or another store put in its place, removed) is neither read as holding
nothing nor written, until the user takes it as it is (``mirage overreads --accept``); a store never seen here (an
administrator's empty file) is taken as it is (``review.store_memory``).

Had been: each read as a new store, empty: every signature gone and nothing said; the next save made a new store
there.

Truth: what each test saves and then does to the file by hand; the record LUDB 1 (bundled)."""

from __future__ import annotations

import shutil

import pytest

from mirage_model.paths import resources_dir
from mirage_model.records.load import load_record
from mirage_model.review.store import OverReadStore, StoreError, overread_key
from mirage_model.review.store_location import store_choice
from training_cli.main import main

LUDB1 = resources_dir() / "samples" / "ludb" / "1.hea"
SIGNED = {"decisions": [], "added": [], "comment": "Seen", "reader": "Dr A", "signed_at": "2026-12-06T10:38:00+00:00"}
DRAFT = {"decisions": [], "added": [], "comment": "half typed", "reader": "", "signed_at": None}
LOST = "nothing is read from it or kept in it until you choose"


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """A store named as the faces name it (``store_choice``: remembered beside the test's settings), holding a signed
    over-read of k1 and a draft of k2, read once since."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    store = store_choice(tmp_path / "shared" / "overreads.sqlite").store()
    store.path.parent.mkdir()
    store.save("k1", SIGNED, record="1")
    store.save("k2", DRAFT, record="2")
    assert store.load("k1")[0]["reader"] == "Dr A"
    return store


def _refused(store: OverReadStore, why: str) -> None:
    """Neither read nor written, the file left as it is, the message naming the file, what it held and ``why``."""
    before = store.path.read_bytes() if store.path.is_file() else None
    for doing, call in (("read", lambda: store.load("k1")), ("written", lambda: store.save("k3", SIGNED))):
        with pytest.raises(StoreError) as err:
            call()
        said = err.value.problem
        assert said.startswith(f"The over-read store {store.path} could not be {doing}: it held 2 over-reads and "
                               "1 signature when last read here (") and why in said and LOST in said, said
        assert f"'mirage overreads --store {store.path} --accept'" in said
    assert (store.path.read_bytes() if store.path.is_file() else None) == before


def test_a_store_truncated_to_nothing_is_refused_not_read_as_new(kept):
    kept.path.write_bytes(b"")
    _refused(kept, "it holds nothing now (emptied: a failed copy, a full disk, a sync tool?)")
    assert kept.path.stat().st_size == 0


def test_an_older_copy_put_in_its_place_is_refused(kept, tmp_path):
    shutil.copy(kept.path, tmp_path / "old.sqlite")
    kept.save("k3", SIGNED, record="3")
    shutil.copy(tmp_path / "old.sqlite", kept.path)
    with pytest.raises(StoreError, match="it held 3 over-reads and 2 signatures when last read here .* it holds an "
                       r"earlier state of it now \(2 over-reads and 1 signature: an older copy put in its place\?\)"):
        kept.load("k1")


def test_an_older_copy_of_as_many_rows_is_refused(kept, tmp_path):
    """The draft typed on since the copy was made: the same rows, one write fewer."""
    shutil.copy(kept.path, tmp_path / "old.sqlite")
    kept.save("k2", dict(DRAFT, comment="typed on"), record="2")
    shutil.copy(tmp_path / "old.sqlite", kept.path)
    with pytest.raises(StoreError, match=r"it holds an earlier state of it now \(2 over-reads and 1 signature"):
        kept.load("k2")


def test_another_store_put_in_its_place_or_the_file_removed_is_refused(kept, tmp_path):
    other = OverReadStore(tmp_path / "other.sqlite")
    for k in ("a", "b", "c"):
        other.save(k, SIGNED, record=k)
    shutil.copy(other.path, kept.path)
    _refused(kept, "it is another store now (3 over-reads and 3 signatures: a file put in its place?)")
    kept.path.unlink()
    _refused(kept, "it is not there now (removed or moved?)")
    assert not kept.path.exists()           # no new store made in its place


def test_what_a_reviewer_does_is_never_refused(kept):
    """A forgotten over-read (fewer over-reads, its signature kept), another MIRAGE Review's saves, a re-read."""
    assert kept.forget("k2") and kept.load("k2") is None
    OverReadStore(kept.path).save("k9", SIGNED, record="9")      # another user's, whose memory this is not
    assert kept.load("k9") is not None and [r["record"] for r in kept.listing()] == ["1", "9"]
    kept.save("k1", DRAFT, record="1")
    assert kept.load("k1")[0]["comment"] == "half typed"


def test_an_empty_file_never_seen_here_is_a_new_store(tmp_path, monkeypatch):
    """The README's shared store: an administrator makes it an empty file; its first user keeps over-reads in it."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    path = tmp_path / "srv" / "overreads.sqlite"
    path.parent.mkdir()
    path.write_bytes(b"")
    store = store_choice(path).store()
    assert store.load("k1") is None
    store.save("k1", SIGNED, record="1")
    assert store.load("k1")[0]["reader"] == "Dr A"


def test_a_folder_in_the_stores_place_is_said_as_such(kept):
    kept.path.unlink()
    kept.path.mkdir()
    with pytest.raises(StoreError, match="could not be read: it is a folder, not a file"):
        kept.load("k1")


def test_overreads_accept_takes_it_as_it_is_and_report_refuses_it_until_then(kept, tmp_path, capsys):
    key = overread_key(load_record(LUDB1))
    kept.save(key, SIGNED, record="1")
    kept.load(key)
    kept.path.write_bytes(b"")
    out = tmp_path / "r.pdf"
    report = ["report", str(LUDB1), "--out", str(out), "--no-model", "--statements-model", "none",
              "--overreads", str(kept.path)]
    assert main(report) == 2 and not out.exists()
    err = capsys.readouterr().err
    assert str(kept.path) in err and "it holds nothing now" in err and "--no-overreads" in err, err
    assert main(["overreads", "--store", str(kept.path)]) == 1
    assert "it holds nothing now" in capsys.readouterr().err
    assert main(["overreads", "--store", str(kept.path), "--accept"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"{kept.path}: taken as it is now (0 over-reads, 0 signatures)"), said
    assert kept.load(key) is None
    assert main(report) == 0 and out.is_file()


def test_overreads_accept_says_nothing_was_taken_where_the_memory_cannot_be_written(kept, capsys):
    """The memory beside the settings written by way of a temporary file beside it: a folder in that file's place
    (a path that cannot be a file, whoever runs the test) keeps the memory from being written, as a read-only settings
    folder does. Had been: "taken as it is now", exit 0, and the store refused again on its next read."""
    import os

    kept.path.write_bytes(b"")
    memory = kept.memory.path
    before = memory.read_bytes()
    memory.with_name(f".{memory.name}.{os.getpid()}.tmp").mkdir()
    assert main(["overreads", "--store", str(kept.path), "--accept"]) == 1
    said = capsys.readouterr()
    assert "taken as it is now" not in said.out, said.out
    assert said.err.startswith(f"error: what was read of {kept.path} is remembered in {memory}, which could not be "
                               "written (") and said.err.rstrip().endswith("; not taken."), said.err
    assert memory.read_bytes() == before
    assert main(["overreads", "--store", str(kept.path)]) == 1
    assert "it holds nothing now" in capsys.readouterr().err


def test_a_memory_whose_replace_fails_leaves_no_temporary_file_beside_it(kept, monkeypatch):
    """The memory written to a temporary file, then ``os.replace``d over it: a replace that fails (a full disk) takes
    nothing and removes the temporary file. Had been: ".overread_stores_seen.json.PID.tmp" left beside the settings
    after every failed write."""
    import errno
    import os

    kept.path.write_bytes(b"")
    memory = kept.memory.path
    before = memory.read_bytes()

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(StoreError) as err:
        kept.accept()
    monkeypatch.undo()
    assert str(err.value).endswith(f"is remembered in {memory}, which could not be written (No space left on device)")
    assert [p.name for p in memory.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert memory.read_bytes() == before
    with pytest.raises(StoreError, match="it holds nothing now"):
        kept.load("k1")
