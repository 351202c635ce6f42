"""What an over-read store refused for having lost what it held (``store_memory``: emptied, an older copy or another
store in its place, removed) held when last read here and holds now, in words, for the person who chooses whether to
take it as it is (the app's Review store change..., then ``OverReadStore.accept``, as ``mirage overreads --accept``).
Qt-free: the app's dialog shows these lines. Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mirage_model.review.store import OverReadStore
from mirage_model.review.store_memory import MEMORY_NAME, held_words
from mirage_model.words import counted


@dataclass(frozen=True)
class StoreChange:
    """A store as remembered here and as it is now."""

    path: Path              # the store's file
    was: dict | None        # what was seen of it when last read here (``StoreMemory.recall``); None: never read here
    now: dict | None        # what it holds now (``OverReadStore.facts``); None: the file is not there
    size: int | None        # its size now, in bytes (None: not there)
    modified: str           # when the file was last changed, UTC ("": not there)
    why: str                # why it is refused (``StoreMemory.lost``'s words); "": it is not

    @property
    def judged(self) -> bool:
        """Whether this user's MIRAGE Review read anything in it before: a store never read here (or that held
        nothing then) cannot be judged, and is taken as it is."""
        return bool(self.was and (self.was.get("overreads") or self.was.get("signatures")))

    def lines(self) -> list[str]:
        """What it held and holds, one line each, then whether its id is the same, for the dialog."""
        out = []
        if self.judged:
            was = self.was
            out.append(f"When last read here ({was.get('seen', 'time not kept')}): {held_words(was)}, written "
                       f"{counted(was.get('changes', 0), 'time')}, store id {_short(was.get('id'))}.")
        else:
            out.append("It was never read here, or held nothing when it was: MIRAGE Review cannot judge whether it "
                       "lost anything, and takes it as it is.")
        if self.now is None:
            out.append("Now: the file is not there.")
        else:
            out.append(f"Now: {held_words(self.now)}, written {counted(self.now['changes'], 'time')}, store id "
                       f"{_short(self.now['id'])}; the file is {self.size} byte{'' if self.size == 1 else 's'}, "
                       f"last changed {self.modified}.")
        if self.judged and self.was.get("id"):
            now_id = self.now and self.now.get("id")
            out.append("Its id is the same: it is this store, in an earlier or emptied state." if now_id ==
                       self.was["id"] else "Its id is another: it is another store's file." if now_id else
                       "It has no id now: it was emptied, or is not there.")
        return out

    def accepting(self) -> str:
        """What "Accept the store as it is now" does, in words."""
        lost = f"the {held_words(self.was)} it held when last read here" if self.judged else "what it held"
        then = "the file is made" if self.now is None else "it is written"
        return (f"Accepting takes it as it is now: MIRAGE Review no longer looks for {lost} (accepting does not bring "
                f"them back), and reads and keeps over-reads in it from now on ({then} when an over-read is next "
                f"saved, not before). What was remembered of it stays on record in {MEMORY_NAME} beside your "
                "settings. Put the right file back first where you have it (a backup, the shared folder's previous "
                "version): it is then read again as it was.")

    @staticmethod
    def choosing() -> str:
        """What "Choose another store file..." does, and what a file never read here is."""
        return ("Choose another store file... opens Settings at the over-read store. A file this user's MIRAGE Review "
                "never read cannot be judged: it is taken as it is, whatever it lost before.")


def store_change(store: OverReadStore) -> StoreChange:
    """``store`` as remembered here (its ``memory``) and as it is now; ``StoreError`` where its file cannot be read
    (damaged, locked: refused for that, not for a change)."""
    now = store.facts()
    memory = store.memory
    try:
        stat = store.path.stat() if now is not None else None
    except OSError:
        stat = None
    modified = "" if stat is None else f"{datetime.fromtimestamp(stat.st_mtime, timezone.utc):%Y-%m-%d %H:%M} UTC"
    return StoreChange(store.path, memory.recall(store.path) if memory else None, now,
                       None if stat is None else stat.st_size, modified,
                       memory.lost(store.path, now) if memory else "")


def _short(store_id: str | None) -> str:
    return store_id[:12] if store_id else "none"
