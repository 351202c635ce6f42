"""What this user last saw of each over-read store (``review.store``), so that a store that lost what it held is
told apart from a new one: a store truncated to 0 bytes (a failed copy, a full disk, a sync tool), replaced by an
older copy or by another store, or removed, reads otherwise as a store that holds nothing yet, and every signature in
it would be gone unsaid. An empty file cannot be refused for being empty (an administrator makes a shared store as an
empty file, README), so the store is judged against what was seen of it here: its id (a random one it is given on its
first write), its count of writes (``changes``: never less in a later copy of it) and of signatures (only appended
to, never fewer). Kept beside the user's settings (``MEMORY_NAME``), one entry per store path; a store never seen
here is taken as it is. ``StoreMemory.accept`` takes a store as it now is, once the user chose so (``mirage
overreads --accept``, the app's Review store change...), keeping what was remembered of it before.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

MEMORY_NAME = "overread_stores_seen.json"
ID_TABLE = "store_id"       # the store's table of one row: its id and its count of writes
ID_SCHEMA = f"CREATE TABLE IF NOT EXISTS {ID_TABLE} (id TEXT, changes INTEGER)"
ACCEPTED = "accepted_over"  # in a store's entry: what was remembered of it before each accept, and when ("accepted")


def store_facts(con: sqlite3.Connection) -> dict:
    """What a store holds, as remembered: {"id": its id (None: a file of an earlier version, or none written yet),
    "changes": its count of writes, "overreads", "signatures": its rows}."""
    names = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    row = con.execute(f"SELECT id, changes FROM {ID_TABLE} LIMIT 1").fetchone() if ID_TABLE in names else None
    count = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] if t in names else 0
             for t in ("overread", "signature")}
    return {"id": row[0] if row else None, "changes": int(row[1] or 0) if row else 0,
            "overreads": count["overread"], "signatures": count["signature"]}


def held_words(facts: dict) -> str:
    """"2 over-reads and 1 signature": what ``facts`` (``store_facts``) count."""
    over, signed = facts.get("overreads", 0), facts.get("signatures", 0)
    return (f"{over} over-read{'' if over == 1 else 's'} and {signed} signature{'' if signed == 1 else 's'}")


class StoreMemory:
    """The file ``path`` (JSON: {store path: facts and when seen}) of the stores this user's MIRAGE Review read.
    ``accepting``: how the face that reads the store takes one refused as it is now, in words that follow "put the
    right file back, or " (the app: its Review store change... button); "": ``mirage overreads --accept``."""

    def __init__(self, path: str | Path, accepting: str = ""):
        self.path, self.accepting = Path(path), accepting

    def _all(self) -> dict:
        try:
            seen = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}       # none yet, or unreadable: nothing remembered (written anew on the next store read)
        return seen if isinstance(seen, dict) else {}

    def recall(self, store: Path) -> dict | None:
        """What was last seen of ``store`` here (``store_facts`` and "seen": when), None where it was never read."""
        got = self._all().get(_name(store))
        return got if isinstance(got, dict) else None

    def lost(self, store: Path, facts: dict | None) -> str:
        """Why ``store`` now holding ``facts`` (None: the file is not there) has lost what it held when last seen
        here, in words that follow "could not be read: "; "" where it has not (or was never seen, or held nothing)."""
        was = self.recall(store)
        if not was or not (was.get("signatures") or was.get("overreads")):
            return ""       # never seen, or held nothing: nothing of it can be lost
        when = f"when last read here ({was.get('seen', '?')})"
        if facts is None:
            why = "it is not there now (removed or moved?)"
        elif not (facts["overreads"] or facts["signatures"] or facts["changes"]):
            why = "it holds nothing now (emptied: a failed copy, a full disk, a sync tool?)"
        elif was.get("id") and facts["id"] != was["id"]:
            why = f"it is another store now ({held_words(facts)}: a file put in its place?)"
        elif facts["signatures"] < was.get("signatures", 0) or (
                was.get("id") and facts["changes"] < was.get("changes", 0)):
            why = f"it holds an earlier state of it now ({held_words(facts)}: an older copy put in its place?)"
        else:
            return ""
        how = self.accepting or f"run 'mirage overreads --store {store} --accept' to take it as it is now"
        return (f"it held {held_words(was)} {when}, and {why}; nothing is read from it or kept in it until you choose: "
                f"put the right file back, or {how}")

    def note(self, store: Path, facts: dict) -> None:
        """Remember ``facts`` of ``store`` (where they differ from what is remembered: a read costs no write), and
        what was accepted over before (``ACCEPTED``). A memory that cannot be written is passed over: the store is
        read as before."""
        seen = self._all()
        was = seen.get(_name(store))
        was = was if isinstance(was, dict) else {}
        if was and all(was.get(k) == v for k, v in facts.items()):
            return
        seen[_name(store)] = {**facts, "seen": _now()}
        if ACCEPTED in was:
            seen[_name(store)][ACCEPTED] = was[ACCEPTED]
        try:
            self._write(seen)
        except OSError:
            pass

    def accept(self, store: Path, facts: dict | None) -> str:
        """Take ``store`` as it now is (``facts``; None: not there, none remembered), the user having chosen so; what
        was remembered of it is kept, with when it was accepted over, in its entry's ``ACCEPTED`` list, never dropped:
        what a store held before it was given up stays on record beside the settings. Returns "" where taken, else
        why not: the memory could not be written (the store is judged on its next read as before, "taken" unsaid)."""
        seen = self._all()
        was = seen.pop(_name(store), None)
        was = dict(was) if isinstance(was, dict) else {}
        history = was.pop(ACCEPTED, None)
        history = list(history) if isinstance(history, list) else []
        if was:
            history.append({**was, "accepted": _now()})
        entry = {} if facts is None else {**facts, "seen": _now()}
        if history:
            entry[ACCEPTED] = history
        if entry:
            seen[_name(store)] = entry
        try:
            self._write(seen)
        except OSError as err:
            return (f"what was read of {store} is remembered in {self.path}, which could not be written "
                    f"({err.strerror or err})")
        return ""

    def _write(self, seen: dict) -> None:
        """Write ``seen`` whole, in place of the file (a temporary file replacing it); ``OSError`` where it cannot,
        the temporary file removed (a full disk, a replace refused: none left beside the settings)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(seen, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):      # not there, or a folder of that name: nothing of ours to remove
                tmp.unlink()
            raise


def _name(store: Path) -> str:
    return os.path.abspath(os.fspath(store))


def _now() -> str:
    return f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
