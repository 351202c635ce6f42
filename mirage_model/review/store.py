"""The over-read store: each record's over-read (``review.overread``) kept in a small SQLite file, so the reader who
opens the record again finds their signed over-read, or their draft.

A record is found by its content, not its path (``overread_key``): a digest of its samples as read (mV, the standard
lead order), its sampling rate and lead names, its leads outside the 12 (V4R, ...: an over-read may rest on them),
when it was recorded and the patient the file names (ID, name, birth date, age and sex, where it says them). The same
file copied elsewhere finds its over-read; another file at the same path, a file whose samples were changed, the same
samples under another patient or of another day (two flat recordings of the same length are the same samples) finds
none, so one record's over-read is never shown on another. Each write is one SQLite transaction (all of it or none). A
store that cannot be read or written (locked, damaged, in a read-only folder) raises ``StoreError``, whose message
names the file; the app says it and goes on without it. Research use only, not a diagnosis.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from mirage_model.errors import MirageInputError
from mirage_model.review.file_info import file_patient, record_date

STORE_NAME = "overreads.sqlite"
_TIMEOUT_S = 2.0        # how long a write waits for another MIRAGE Review holding the file before saying it is locked
_SCHEMA = "CREATE TABLE IF NOT EXISTS overread (key TEXT PRIMARY KEY, record TEXT, saved_at TEXT, state TEXT)"


class StoreError(MirageInputError):
    """The store's file cannot be read or written; the message names it and what to do."""


def overread_key(record) -> str:
    """The over-read's key of ``record`` (an ``EcgRecord``): a hex digest of its samples (float32 (L, T), NaN where
    missing), sampling rate, lead names, extra leads (each one's name and (T,) samples), the recording's date and time
    (``file_info.record_date``) and the patient's ID, name, birth date, age and sex as the file gives them."""
    meta = getattr(record, "meta", None) or {}
    patient = meta.get("patient") or {}
    facts = file_patient(record)
    said = (facts.get("id"), facts.get("name"), patient.get("birth_date"), getattr(record, "age", None),
            getattr(record, "sex", None))
    who = [" ".join(("" if x is None else str(x)).split()) for x in said]
    signal = np.ascontiguousarray(np.asarray(record.signal, dtype=np.float32))     # (L, T)
    extra = [(str(e.name), np.ascontiguousarray(np.asarray(e.signal, dtype=np.float32)))
             for e in getattr(record, "extra_leads", ()) or ()]
    head = json.dumps({"fs": float(record.fs), "leads": list(record.sig_name), "shape": list(signal.shape),
                       "patient": who, "recorded": " ".join(record_date(record).split()),
                       "extra": [[name, list(x.shape)] for name, x in extra]})
    h = hashlib.blake2b(head.encode("utf-8"), digest_size=20)
    h.update(signal)        # the array's own buffer: tobytes() had copied it (86 MB for 1 h of 12 leads at 500 Hz)
    for _, x in extra:
        h.update(x)
    return h.hexdigest()


class OverReadStore:
    """The over-reads kept in the SQLite file ``path`` (made on the first save, with its folder).

    Every call opens the file and closes it again: another MIRAGE Review may write it meanwhile, and a file removed
    or replaced between calls is read as it now is.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _fail(self, doing: str, err: BaseException) -> StoreError:
        reason = str(err) or type(err).__name__
        if "not a database" in reason or "malformed" in reason:
            reason += " (the file is damaged: move it aside or delete it to keep over-reads again)"
        elif "locked" in reason:
            reason += " (another program holds it: close it, or another MIRAGE Review, and try again)"
        return StoreError(f"The over-read store {self.path} could not be {doing}: {reason}. Over-reads are not kept "
                          "there until it can be.")

    def _connect(self, write: bool) -> sqlite3.Connection:
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:    # patients' comments and names: the file is the user's alone (SQLite gives its journal its mode)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S)
            con.execute(_SCHEMA)
            return con
        return sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=_TIMEOUT_S)

    def load(self, key: str) -> tuple[dict, datetime | None] | None:
        """The over-read kept under ``key``, as (``OverRead.state()``, when it was saved); None when none is.

        Raises:
            StoreError: the file cannot be read, or its entry for ``key`` is not an over-read.
        """
        try:
            # inside: a path the system refuses to look at (a folder not to be entered) raises, not says "none"
            if not self.path.exists():
                return None
            con = self._connect(write=False)
            try:
                tables = con.execute("SELECT name FROM sqlite_master WHERE name = 'overread'").fetchall()
                row = con.execute("SELECT saved_at, state FROM overread WHERE key = ?", (key,)).fetchone() \
                    if tables else None
            finally:
                con.close()
        except (sqlite3.Error, OSError) as err:
            raise self._fail("read", err) from None
        if row is None:
            return None
        try:
            state = json.loads(row[1])
            saved = datetime.fromisoformat(row[0]) if row[0] else None
            if not isinstance(state, dict):
                raise ValueError("not an object")
        except (TypeError, ValueError) as err:
            raise self._fail("read", ValueError(f"its entry for this record is damaged ({err})")) from None
        return state, saved

    def save(self, key: str, state: dict | None, record: str = "", now: datetime | None = None) -> None:
        """Keep ``state`` (``OverRead.state()``) under ``key``, in place of what was; None forgets it. ``record``:
        the record's name, for whoever reads the file.

        Raises:
            StoreError: the file or its folder cannot be written (nothing of it changed then).
        """
        when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        try:
            con = self._connect(write=True)
            try:
                with con:       # one transaction: committed whole or rolled back
                    if state is None:
                        con.execute("DELETE FROM overread WHERE key = ?", (key,))
                    else:
                        con.execute("INSERT OR REPLACE INTO overread VALUES (?, ?, ?, ?)",
                                    (key, record, when.isoformat(), json.dumps(state, ensure_ascii=False)))
            finally:
                con.close()
        except (sqlite3.Error, OSError) as err:
            raise self._fail("written", err) from None

    def forget(self, key: str) -> bool:
        """Remove the over-read kept under ``key``; False when there was none.

        Raises:
            StoreError: the file cannot be read or written.
        """
        if self.load(key) is None:
            return False
        self.save(key, None)
        return True
