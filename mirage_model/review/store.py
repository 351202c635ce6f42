"""The over-read store: each record's over-read (``review.overread``) kept in a small SQLite file, so the reader who
opens the record again finds their signed over-read, or their draft.

A record is found by its content, not its path (``overread_key``): a digest of its samples as read (mV, the standard
lead order), its sampling rate and lead names, its leads outside the 12 (V4R, ...: an over-read may rest on them),
when it was recorded and the patient the file names (ID, name, birth date, age and sex, where it says them). The same
file copied elsewhere finds its over-read; another file at the same path, a file whose samples were changed, the same
samples under another patient or of another day (two flat recordings of the same length are the same samples) finds
none, so one record's over-read is never shown on another. Each write is one SQLite transaction (all of it or none). A
store that cannot be read or written (locked, damaged, in a read-only folder) raises ``StoreError``, whose message
names the file; the app says it and goes on without it. Two reviewers at one record on one file: a save given
what its caller last read or wrote (``since``) writes nothing where another MIRAGE Review changed it since, and
raises ``StoreConflict`` saying what the file holds (one reviewer's over-read never replaces another's unseen).

Every signed over-read saved stays in the file, as a clinical reading system keeps a signed report: its second table
``signature`` (key, record, signer, signed_at, state) is only appended to, beside the over-read as it stands now
(``overread``: a draft or signed, one per record). An edit after signing replaces the current one with a draft, and a
forgotten over-read removes it; neither erases a signature, and an amendment names the one it amends. A file written
before the table was kept gains it on its first write, its signed over-reads copied in.

Beside the key each over-read keeps a looser identity (``loose_identity``: the record's name, the patient's ID, name,
birth date, age and sex, when it was recorded, its rate and length; a digest of them, in the table ``loose``), so that
a record re-exported or read by a changed reader (its samples rounded otherwise, a lead renamed) whose key finds
nothing is told that an over-read of a record so named is kept (``elsewhere``): it is never restored onto it, only
shown as another file's. An over-read saved before loose identities were kept gains its own when its record is
opened again (``keep_loose``); until then a changed copy finds none. A file that does not name both its patient and
when it was recorded has no loose identity: without the time, two recordings of one patient on two days, or two
patients' under an anonymised export's one ID, may share all the rest; without the patient, two patients' recorded at
once.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from mirage_model.errors import MirageInputError
from mirage_model.review.record_key import loose_identity, overread_key  # noqa: F401 - the store's keys, named here too
from mirage_model.review.store_memory import ID_SCHEMA, ID_TABLE, StoreMemory, store_facts
from mirage_model.review.store_words import changed_elsewhere

__all__ = ["STORE_NAME", "UNCHECKED", "OverReadStore", "StoreConflict", "StoreError", "loose_identity", "overread_key"]
STORE_NAME = "overreads.sqlite"
_TIMEOUT_S = 2.0        # how long a write waits for another MIRAGE Review holding the file before saying it is locked
_SCHEMA = "CREATE TABLE IF NOT EXISTS overread (key TEXT PRIMARY KEY, record TEXT, saved_at TEXT, state TEXT)"
_SIGNATURES = "CREATE TABLE signature (key TEXT, record TEXT, signer TEXT, signed_at TEXT, state TEXT)"
_LOOSE = "CREATE TABLE IF NOT EXISTS loose (key TEXT PRIMARY KEY, loose TEXT)"
_SIGN = ("INSERT INTO signature SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "      # the same signature saved again: once
         "(SELECT 1 FROM signature WHERE key = ? AND signed_at = ? AND state = ?)")


class StoreError(MirageInputError):
    """The store's file cannot be read or written; the message names it and what to do (in the app, where over-reads
    are kept as they are made); ``problem``: the file and what failed alone, for a face that only reads it (the CLI).
    """

    def __init__(self, message: str, problem: str = ""):
        super().__init__(message)
        self.problem = problem or message


class StoreConflict(StoreError):
    """Another MIRAGE Review on the file changed the record's over-read since this one read or wrote it (two
    reviewers at one record): nothing written, so as not to replace theirs unseen; the message says what is kept."""


UNCHECKED = object()    # ``save``'s ``since`` where what the file holds is replaced whatever it is


class OverReadStore:
    """The over-reads kept in the SQLite file ``path`` (made on the first save, with its folder where
    ``make_folder``).

    Every call opens the file and closes it again: another MIRAGE Review may write it meanwhile, and a file removed
    or replaced between calls is read as it now is. ``make_folder`` False (a file named in the settings, perhaps on a
    shared folder): a folder not there is not made, and reading or writing raises ``StoreError`` saying so (a share
    not mounted had got a new store there, which no colleague sees, and its over-reads read as none).
    ``memory`` (``store_memory.StoreMemory``: what this user last saw of it): a store that lost what it held since
    (emptied, an older copy or another store in its place, removed) is neither read nor written (``StoreError``
    saying so) until the user takes it as it is (``accept``); None: not judged.
    """

    def __init__(self, path: str | Path, make_folder: bool = True, memory: StoreMemory | None = None):
        self.path, self.make_folder, self.memory = Path(path), make_folder, memory

    def _there(self) -> bool:
        """Whether the file is there; OSError where its folder is not and is not to be made, or where it held
        over-reads when last read here (``memory``) and is gone."""
        if self.path.is_dir():      # SQLite's own words were "disk I/O error"
            raise IsADirectoryError(f"it is a folder, not a file: name the store's file ({STORE_NAME} in it?)")
        if self.path.exists():
            return True
        if not self.make_folder and not self.path.parent.is_dir():
            raise FileNotFoundError(f"its folder {self.path.parent} is not there (a shared folder not mounted?)")
        if self.memory is not None and (why := self.memory.lost(self.path, None)):
            raise FileNotFoundError(why)
        return False

    def _judge(self, con: sqlite3.Connection, note: bool) -> None:
        """sqlite3.DatabaseError where the store lost what it held when last read here (``memory``), else
        remembers what it holds where ``note``."""
        if self.memory is None:
            return
        facts = store_facts(con)
        if why := self.memory.lost(self.path, facts):
            raise sqlite3.DatabaseError(why)
        if note:
            self.memory.note(self.path, facts)

    def facts(self) -> dict | None:
        """What the file holds now (``store_memory.store_facts``; None: it is not there), read without writing and
        without being judged against ``memory`` (the app shows it before offering ``accept``); ``StoreError`` where
        the file cannot be read."""
        try:
            if not self.path.exists():
                return None
            con = self._connect(write=False, judged=False)
            try:
                return store_facts(con)
            finally:
                con.close()
        except (sqlite3.Error, OSError) as err:
            raise self._fail("read", err) from None

    def accept(self, shown=UNCHECKED) -> dict | None:
        """Take the store as it now is, the user having chosen so (``mirage overreads --accept``, the app's Review
        store change...): its ``facts`` remembered in place of what was (kept as accepted over), the file untouched.
        ``shown``: the ``facts`` the user was shown, which the file must still hold. ``StoreError`` (nothing taken)
        where the file cannot be read, no longer holds what was ``shown``, or the memory cannot be written."""
        facts = self.facts()
        if shown is not UNCHECKED and facts != shown:
            raise StoreError(f"The over-read store {self.path} changed since it was shown: nothing taken; look again")
        if self.memory is not None and (why := self.memory.accept(self.path, facts)):
            raise StoreError(f"The over-read store {self.path} could not be taken as it is: {why}", why)
        return facts

    def check(self) -> None:
        """Whether over-reads can be kept in the file, checked before a person chooses it (Settings), writing nothing
        (a file not there is not made): ``StoreError`` saying why not (its folder not there, a damaged file or another
        program's database, a file or folder that cannot be written, a file another program holds)."""
        try:
            if not self._there():
                with tempfile.TemporaryFile(dir=self.path.parent):      # the folder written to, and nothing left
                    return
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S)
            try:
                _ours(con)
                self._judge(con, note=False)
                if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("database disk image is malformed")
                con.execute("BEGIN IMMEDIATE")      # a write lock taken and given back: nothing written
                con.rollback()
            finally:
                con.close()
        except (sqlite3.Error, OSError) as err:
            raise self._fail("written", err) from None

    def _fail(self, doing: str, err: BaseException) -> StoreError:
        reason = str(err) or type(err).__name__
        if "not a database" in reason or "malformed" in reason:
            reason += " (the file is damaged: move it aside or delete it to keep over-reads again)"
        elif "locked" in reason:
            reason += " (another program holds it: close it, or another MIRAGE Review, and try again)"
        problem = f"The over-read store {self.path} could not be {doing}: {reason}"
        return StoreError(f"{problem}. Over-reads are not kept there until it can be.", problem)

    @contextmanager
    def _writing(self):
        """A connection in one write transaction (``with``: committed whole or rolled back), closed after;
        ``StoreError`` where the file or its folder cannot be written (nothing of it changed then)."""
        try:
            con = self._connect(write=True)
            try:
                with con:
                    con.execute(f"UPDATE {ID_TABLE} SET changes = changes + 1")     # never fewer in a later copy
                    yield con
                if self.memory is not None:
                    self.memory.note(self.path, store_facts(con))
            finally:
                con.close()
        except (sqlite3.Error, OSError) as err:
            raise self._fail("written", err) from None

    @contextmanager
    def _reading(self):
        """A read-only connection, closed after; None where the file is not there yet; ``StoreError`` where it
        cannot be read (a path the system refuses to look at too: it raises, not says "none")."""
        try:
            if not self._there():
                yield None
                return
            con = self._connect(write=False)
            try:
                yield con
            finally:
                con.close()
        except (sqlite3.Error, OSError) as err:
            raise self._fail("read", err) from None

    def _connect(self, write: bool, judged: bool = True) -> sqlite3.Connection:
        if write:
            self._there()       # raises where its folder is not there and is not to be made, or where it is gone
            if self.make_folder:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:    # patients' comments and names: the file is the user's alone (SQLite gives its journal its mode)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S)
            try:
                _ours(con)
                with con:
                    con.execute("BEGIN IMMEDIATE")      # another MIRAGE Review upgrading the file at once waits
                    con.execute(ID_SCHEMA)
                    self._judge(con, note=False)        # before anything of it is written
                    con.execute(f"INSERT INTO {ID_TABLE} SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM {ID_TABLE})",
                                (uuid.uuid4().hex,))
                    con.execute(_SCHEMA)
                    con.execute(_LOOSE)
                    if not _has(con, "signature"):      # a file of an earlier version: its signatures copied in
                        con.execute(_SIGNATURES)
                        for key, record, text in con.execute("SELECT key, record, state FROM overread").fetchall():
                            try:
                                state = json.loads(text)
                            except (TypeError, ValueError):
                                continue        # a damaged entry stays as it was, refused where it is read
                            if isinstance(state, dict) and state.get("signed_at"):
                                _append(con, key, record, state)
            except BaseException:
                con.close()
                raise
            return con
        con = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=_TIMEOUT_S)
        try:
            _ours(con)
            if judged:
                self._judge(con, note=True)
        except BaseException:
            con.close()
            raise
        return con

    def load(self, key: str) -> tuple[dict, datetime | None] | None:
        """The over-read kept under ``key``, as (``OverRead.state()``, when it was saved); None when none is.

        Raises:
            StoreError: the file cannot be read, or its entry for ``key`` is not an over-read.
        """
        try:
            # inside: a path the system refuses to look at (a folder not to be entered) raises, not says "none"
            if not self._there():
                return None
            con = self._connect(write=False)
            try:
                row = con.execute("SELECT saved_at, state FROM overread WHERE key = ?", (key,)).fetchone() \
                    if _has(con, "overread") else None
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

    def save(self, key: str, state: dict | None, record: str = "", now: datetime | None = None,
             loose: str | None = None, since=UNCHECKED) -> tuple[dict, datetime] | None:
        """Keep ``state`` (``OverRead.state()``) under ``key``, in place of what was; None forgets it. ``record``:
        the record's name, for whoever reads the file; ``loose``: its ``loose_identity`` (kept beside the key, also
        once forgotten: its signatures stay). ``since``: what the caller last read or wrote of ``key`` (``load``'s
        answer or this one's): where the file holds another (another MIRAGE Review saved it since), nothing is written.
        Returns what is kept now, as ``load`` gives it (None when forgotten): the next save's ``since``.

        Raises:
            StoreConflict: ``since`` is not what the file holds (nothing of it changed then).
            StoreError: the file or its folder cannot be written (nothing of it changed then).
        """
        when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        with self._writing() as con:        # one transaction: committed whole or rolled back
            if since is not UNCHECKED:      # read inside it: no other writer comes between the check and the write
                row = con.execute("SELECT saved_at, state FROM overread WHERE key = ?", (key,)).fetchone()
                if _mark(row) != (since and (since[1], _same(since[0]))):
                    raise self._conflict(record, row)
            if state is None:
                con.execute("DELETE FROM overread WHERE key = ?", (key,))
            else:
                con.execute("INSERT OR REPLACE INTO overread VALUES (?, ?, ?, ?)",
                            (key, record, when.isoformat(), json.dumps(state, ensure_ascii=False)))
                if state.get("signed_at"):
                    _append(con, key, record, state)
                if loose:
                    con.execute("INSERT OR REPLACE INTO loose VALUES (?, ?)", (key, loose))
        return None if state is None else (_same(state), when)

    def _conflict(self, record: str, row) -> StoreConflict:
        """A save refused by another MIRAGE Review's change (``row``: what the file holds), saying what it holds."""
        try:
            state = _state(row[1]) if row else None
        except (TypeError, ValueError):
            state = "damaged"
        problem = changed_elsewhere(self.path, record, state)
        return StoreConflict(f"{problem}: yours is not kept, so as not to replace it. Open the record again to see "
                             "it (yours is then lost: File > Export PDF report keeps it)", problem)

    def keep_loose(self, key: str, loose: str | None) -> bool:
        """Keep ``loose`` (the record's ``loose_identity``) beside the over-read kept under ``key`` where it has none
        (saved before loose identities were kept), so that a changed copy of its record is told of it
        (``elsewhere``); True where it was written. Nothing where ``loose`` is None, nothing is kept under ``key``
        (neither an over-read nor a signature), or its loose identity is kept already: a record opened again costs
        reads alone.

        Raises:
            StoreError: the file cannot be read, or written where it must be (nothing of it changed then).
        """
        if not loose:
            return False
        with self._reading() as con:        # one read: it had opened the file once per table asked
            kept = con is not None and not _keyed(con, "loose", key) and (
                _keyed(con, "overread", key) or _keyed(con, "signature", key))
        if not kept:
            return False
        with self._writing() as con:
            con.execute("INSERT OR IGNORE INTO loose VALUES (?, ?)", (key, loose))
        return True

    def forget(self, key: str) -> bool:
        """Remove the over-read kept under ``key`` as it stands (its signatures stay: ``signatures``); False when
        there was none.

        Raises:
            StoreError: the file cannot be read or written.
        """
        if self.load(key) is None:
            return False
        self.save(key, None)
        return True

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        """``sql``'s rows, [] where the file or its table is not there yet (``sql`` reads one table, named after
        FROM)."""
        with self._reading() as con:
            if con is None:
                return []
            table = sql.split(" FROM ")[1].split()[0]
            return con.execute(sql, args).fetchall() if _has(con, table) else []

    def signatures(self, key: str) -> list[tuple[str, datetime, dict]]:
        """Every signature kept under ``key``, oldest first: (signer, signed_at (UTC), ``OverRead.state()``).

        Raises:
            StoreError: the file cannot be read, or one of them is damaged.
        """
        rows = self._rows("SELECT signer, signed_at, state FROM signature WHERE key = ? ORDER BY signed_at, rowid",
                          (key,))
        try:
            return [(signer or "", datetime.fromisoformat(when), _state(text)) for signer, when, text in rows]
        except (TypeError, ValueError) as err:
            raise self._fail("read", ValueError(f"a signature kept for this record is damaged ({err})")) from None

    def signed(self, key: str) -> tuple[dict, datetime | None] | None:
        """The signed over-read of ``key`` a report prints (never a draft): the current one where it is signed,
        else the last signature kept where the current one is a draft of an amendment (the signed one stands until the
        amendment is signed); None when none is, or when it was forgotten (File > Forget: the reader withdrew it, and
        a report printed unattended had said "Over-read by ..." of a reading the window no longer shows; its
        signatures stay in the file, ``signatures``, ``listing``).

        Raises:
            StoreError: as ``load`` and ``signatures``.
        """
        kept = self.load(key)
        if kept is None:
            return None         # none, or forgotten
        if kept[0].get("signed_at"):
            return kept
        signed = self.signatures(key)
        return (signed[-1][2], signed[-1][1]) if signed else None

    def printed(self, key: str, drafts: bool = False) -> tuple[tuple[dict, datetime | None] | None, list]:
        """What a face restores for ``key``: (the over-read, the signatures kept of it as ``signatures`` gives them,
        for ``amendment.keep_signatures``: what an amendment changed is read from them). The
        over-read is ``signed`` (what a report prints, never a draft: ``mirage report``, ``--export-pdf``), or with
        ``drafts`` ``load``'s (the app, where a draft is worked on).

        Raises:
            StoreError: as ``load`` and ``signatures``.
        """
        kept = self.load(key) if drafts else self.signed(key)
        return kept, self.signatures(key)

    def elsewhere(self, key: str, loose: str | None) -> tuple[str, dict, datetime | None] | None:
        """An over-read kept of another record (not ``key``) whose ``loose_identity`` is ``loose``: (its record's name,
        its ``OverRead.state()``, when signed, else saved), the signed one where it was signed (as ``signed``), the
        latest of several; None where none is (or ``loose`` is None, or the file is of an earlier version). Never to
        be restored onto ``key``'s record: shown as another file's.

        Raises:
            StoreError: as ``load`` and ``signatures``.
        """
        if not loose:
            return None
        found = []
        for (other,) in self._rows("SELECT key FROM loose WHERE loose = ? AND key != ?", (loose, key)):
            kept = self.signed(other) or self.load(other)
            if kept is not None and kept[0].get("signed_at"):       # when signed, not when last saved
                try:
                    kept = (kept[0], datetime.fromisoformat(kept[0]["signed_at"]))
                except (TypeError, ValueError) as err:
                    raise self._fail("read", ValueError(f"a signature kept is damaged ({err})")) from None
            if kept is not None:
                name = self._rows("SELECT record FROM overread WHERE key = ?", (other,)) or \
                    self._rows("SELECT record FROM signature WHERE key = ?", (other,))
                found.append((kept[1] or datetime.min.replace(tzinfo=timezone.utc), (name[0][0] if name else "") or "",
                              kept))
        if not found:
            return None
        _, name, (state, when) = max(found, key=lambda f: f[0])
        return name, state, when

    def listing(self) -> list[dict]:
        """One row per record the file holds, by record name: ``record``, ``state`` ("signed", "draft", or
        "forgotten" where signatures alone are kept), ``signer`` and ``signed_at`` (the current signature, else
        the last kept), ``saved_at`` (the current one's; "" when forgotten), ``signatures`` (how many) and ``key``.

        Raises:
            StoreError: the file cannot be read, or an entry of it is damaged.
        """
        out: dict[str, dict] = {}
        for key, record, saved, text in self._rows("SELECT key, record, saved_at, state FROM overread"):
            try:
                state = _state(text)
            except ValueError as err:
                raise self._fail("read", ValueError(f"its entry for {record or key} is damaged ({err})")) from None
            out[key] = {"record": record or "", "state": "signed" if state.get("signed_at") else "draft",
                        "signer": state.get("reader", "") if state.get("signed_at") else "",
                        "signed_at": state.get("signed_at") or "", "saved_at": saved or "", "signatures": 0,
                        "key": key}
        for key, record, signer, when in self._rows("SELECT key, record, signer, signed_at FROM signature "
                                                     "ORDER BY signed_at, rowid"):
            row = out.setdefault(key, {"record": record or "", "state": "forgotten", "signer": "", "signed_at": "",
                                       "saved_at": "", "signatures": 0, "key": key})
            row["signatures"] += 1
            if row["state"] != "signed":
                row["signer"], row["signed_at"] = signer or "", when or ""
        return sorted(out.values(), key=lambda r: (r["record"], r["saved_at"] or r["signed_at"]))


def _ours(con: sqlite3.Connection) -> None:
    """sqlite3.DatabaseError where the file is another program's database (a wrong file named in the settings): its
    tables none of the store's, it is neither read as holding no over-read nor given the store's tables."""
    names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    if names and not {"overread", "signature", "loose", ID_TABLE} & set(names):
        raise sqlite3.DatabaseError(f"it is another program's database, not an over-read store (its tables: "
                                    f"{', '.join(names[:3])}{', ...' if len(names) > 3 else ''}): name another file")


def _has(con: sqlite3.Connection, table: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def _keyed(con: sqlite3.Connection, table: str, key: str) -> bool:
    """Whether ``table`` (one of the store's, which may not be there yet) has a row of ``key``."""
    return _has(con, table) and con.execute(f"SELECT 1 FROM {table} WHERE key = ? LIMIT 1", (key,)).fetchone() \
        is not None


def _append(con: sqlite3.Connection, key: str, record: str, state: dict) -> None:
    text = json.dumps(state, ensure_ascii=False)
    con.execute(_SIGN, (key, record, state.get("reader", ""), state["signed_at"], text, key, state["signed_at"], text))


def _same(state: dict) -> dict:      # ``state`` as the file gives it back (its tuples lists)
    return json.loads(json.dumps(state, ensure_ascii=False))


def _mark(row) -> tuple | None:     # the file's (saved_at, state) as ``load`` reads them, to compare with ``since``
    try:
        return row and ((datetime.fromisoformat(row[0]) if row[0] else None), json.loads(row[1]))
    except (TypeError, ValueError):
        return row      # damaged: never what was read (``load`` refused it)


def _state(text) -> dict:
    state = json.loads(text)
    if not isinstance(state, dict):
        raise ValueError("not an object")
    return state
