"""What a refused over-read store held when last read here and holds now (``review.store_change``), for the app's
Review store change... dialog, and taking it as it is (``OverReadStore.accept``, the one function ``mirage overreads
--accept`` and the app call): what was remembered of it is kept in the memory file (had been dropped), and a store
that changed since it was shown is not taken.

Truth: what each test saves into the store (``test_store_memory``'s fixture: 2 over-reads, 1 signature, 2 writes) and
does to the file by hand; the file's size from the system."""

from __future__ import annotations

import json
import shutil

import pytest

from mirage_model.review.store import OverReadStore, StoreError
from mirage_model.review.store_change import store_change
from mirage_model.review.store_location import store_choice
from test_store_memory import SIGNED, kept  # noqa: F401 - fixture
from training_cli.main import main


def _memory(store: OverReadStore) -> dict:
    return json.loads(store.memory.path.read_text(encoding="utf-8"))[str(store.path)]


def test_an_older_copy_is_described_as_held_then_and_now_and_nothing_is_written(kept, tmp_path):
    shutil.copy(kept.path, tmp_path / "old.sqlite")
    kept.save("k3", SIGNED, record="3")        # 3 over-reads, 2 signatures (k1's signature and k3's), 3 writes
    seen_id = _memory(kept)["id"]
    shutil.copy(tmp_path / "old.sqlite", kept.path)
    store_bytes, memory_bytes = kept.path.read_bytes(), kept.memory.path.read_bytes()
    change = store_change(kept)
    assert "it holds an earlier state of it now" in change.why and change.judged
    assert change.now == {"id": seen_id, "changes": 2, "overreads": 2, "signatures": 1}
    lines = change.lines()
    assert lines[0].startswith("When last read here (") and lines[0].endswith(
        f"): 3 over-reads and 2 signatures, written 3 times, store id {seen_id[:12]}."), lines
    assert lines[1].startswith(f"Now: 2 over-reads and 1 signature, written 2 times, store id {seen_id[:12]}; the "
                               f"file is {kept.path.stat().st_size} bytes, last changed "), lines
    assert lines[2] == "Its id is the same: it is this store, in an earlier or emptied state."
    assert "no longer looks for the 3 over-reads and 2 signatures it held" in change.accepting()
    assert (kept.path.read_bytes(), kept.memory.path.read_bytes()) == (store_bytes, memory_bytes)


def test_another_store_emptied_or_removed_says_its_id(kept, tmp_path):
    other = OverReadStore(tmp_path / "other.sqlite")
    other.save("a", SIGNED, record="a")
    shutil.copy(other.path, kept.path)
    assert store_change(kept).lines()[2] == "Its id is another: it is another store's file."
    kept.path.write_bytes(b"")
    change = store_change(kept)
    assert change.lines()[1:] == ["Now: 0 over-reads and 0 signatures, written 0 times, store id none; the file is "
                                  f"0 bytes, last changed {change.modified}.",
                                  "It has no id now: it was emptied, or is not there."]
    kept.path.unlink()
    assert store_change(kept).lines()[1:] == ["Now: the file is not there.",
                                              "It has no id now: it was emptied, or is not there."]


def test_a_store_never_read_here_cannot_be_judged_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    OverReadStore(tmp_path / "s.sqlite").save("k1", SIGNED, record="1")     # written by no one who remembers
    change = store_change(store_choice(tmp_path / "s.sqlite").store())
    assert not change.judged and change.why == "" and change.was is None
    assert change.lines()[0].startswith("It was never read here, or held nothing when it was: MIRAGE Review cannot "
                                        "judge whether it lost anything")
    assert "never read cannot be judged" in change.choosing()


def test_accept_keeps_what_was_remembered_in_the_memory_file(kept, capsys):
    before = _memory(kept)
    kept.path.write_bytes(b"")
    assert main(["overreads", "--store", str(kept.path), "--accept"]) == 0
    entry = _memory(kept)
    assert (entry["overreads"], entry["signatures"], entry["id"]) == (0, 0, None)
    [was] = entry["accepted_over"]
    assert {k: was[k] for k in ("id", "changes", "overreads", "signatures", "seen")} == \
        {k: before[k] for k in ("id", "changes", "overreads", "signatures", "seen")}
    assert (was["overreads"], was["signatures"]) == (2, 1) and was["accepted"].endswith(" UTC")
    kept.save("k5", SIGNED, record="5")         # written since: the memory notes it, the history stays
    entry = _memory(kept)
    assert entry["overreads"] == 1 and entry["accepted_over"] == [was]


def test_a_store_changed_since_it_was_shown_is_not_taken(kept, tmp_path):
    kept.path.write_bytes(b"")
    shown = store_change(kept)
    other = OverReadStore(tmp_path / "other.sqlite")
    other.save("a", SIGNED, record="a")
    shutil.copy(other.path, kept.path)          # a sync tool puts another file there while the dialog is open
    memory_bytes = kept.memory.path.read_bytes()
    with pytest.raises(StoreError, match="changed since it was shown: nothing taken"):
        kept.accept(shown=shown.now)
    assert kept.memory.path.read_bytes() == memory_bytes
    with pytest.raises(StoreError, match="it is another store now"):
        kept.load("k1")
