"""Writing a run's rows while it goes: ``RowSaver`` (atomically, to a spare file beside the output when
that cannot be written, and said), and how long a checkpoint waits (``checkpoint_wait``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Callable

from mirage_model.paths import OutputError
from mirage_model.review.batch.outputs import DEFAULT_DIALECT, read_only, spare_output, write_atomic
from mirage_model.words import counted


class RowSaver:
    """Writes a run's rows to its output, atomically (``outputs.write_atomic``), and keeps them when the
    output cannot be written in the middle of the run: another program holds it (Windows refuses to
    replace a file open in Excel), it was made read-only (``outputs.read_only``: never replaced, as at the
    start), the disk is full. The rows then go to a spare file beside it (``outputs.spare_output``), and
    the output is tried again at each later write; when the last write reaches it, the spare is removed.
    A batch had ended on the first such error, its rows since the last checkpoint lost.

    Attributes:
        saved_in: the file the last write that succeeded went to (None: none yet).
        spare: the spare file, once one was needed.
        why: why the output was not written at the last write ("" when it was).
        failed: why the spare could not be written either at the last write ("" when it was, or not tried).
    """

    def __init__(self, out_path: Path, cols: list[str], fmt: str, notice: Callable[[str], None] | None = None,
                 dialect: str = DEFAULT_DIALECT):
        self.out_path, self.cols, self.fmt, self.notice = Path(out_path), cols, fmt, notice
        self.dialect = dialect         # a CSV's (``outputs.CSV_DIALECTS``): the spare file's too
        self.saved_in: Path | None = None
        self.saved_rows = 0
        self.spare: Path | None = None
        self.why = ""
        self.failed = ""

    def write(self, rows: list[dict]) -> None:
        """``rows`` to the output, else to the spare; never raises an ``OSError`` (what went wrong is kept)."""
        self.why = _not_writable(self.out_path) or self._try(self.out_path, rows)
        if not self.why:
            self.failed = ""
            if self.spare is not None and self.spare.exists():
                with contextlib.suppress(OSError):
                    os.remove(self.spare)        # its rows are all in the output now
            return
        first = self.spare is None
        if first:
            self.spare = spare_output(self.out_path)
        self.failed = self._try(self.spare, rows)
        if first and self.notice is not None:
            self.notice(self.unsaved_line(ending=False) + f"; {self.out_path} is tried again at each save")

    def _try(self, path: Path, rows: list[dict]) -> str:
        try:
            write_atomic(path, self.cols, rows, self.fmt, self.dialect)
        except OSError as err:
            return _reason(err)
        self.saved_in, self.saved_rows = path, len(rows)
        return ""

    def unsaved_line(self, ending: bool = True) -> str:
        """What became of the rows when the output could not be written ("" when it was, last time):
        "cannot write results.csv: Permission denied; its rows (120 rows) are in results.unsaved.csv
        instead, none lost"."""
        if not self.why:
            return ""
        line = f"cannot write {self.out_path}: {self.why}"
        if not self.failed:
            return line + (f"; its rows ({counted(self.saved_rows, 'row')}) are in {self.spare} instead, none lost"
                           if ending else f"; its rows are saved in {self.spare} meanwhile")
        line += f", nor the spare file {self.spare}: {self.failed}"
        if self.saved_in is None:
            return line + "; no row of this run could be saved"
        return line + f"; {self.saved_in} holds the {self.saved_rows} rows saved last, the rows since are lost"

    @contextlib.contextmanager
    def told_on_interrupt(self):
        """A ``KeyboardInterrupt`` out of the block carries ``saved_in`` (the file holding the rows, once
        the last write is made by the caller's ``finally``) and ``unsaved`` (``unsaved_line``)."""
        try:
            yield
        except KeyboardInterrupt as stop:
            stop.saver = self           # read after the final write: see ``interrupted_saves``
            raise


def interrupted_saves(stop: BaseException) -> tuple[Path | None, str]:
    """(the file holding an interrupted run's rows, ``RowSaver.unsaved_line``) of the ``KeyboardInterrupt``
    a ``score_folder`` ended with; (None, "") when it carries none (stopped before scoring began)."""
    saver = getattr(stop, "saver", None)
    if saver is None:
        return None, ""
    return saver.saved_in, saver.unsaved_line()


def _not_writable(path: Path) -> str:
    """Why the output must not be replaced now, though it was at the start: it was made read-only
    during the run (``outputs.read_only``); "" otherwise."""
    protected = read_only(path)
    return f"made {protected} during the run, so left as it is" if protected else ""


def _reason(err: OSError) -> str:
    """The system's words for a write that failed ("Permission denied"), without the path
    (``paths.OutputError`` names it: "cannot write OUT: Permission denied")."""
    cause = err.__cause__ if isinstance(err, OutputError) and isinstance(err.__cause__, OSError) else err
    return str(cause.strerror or cause)


# a checkpoint waits at least this many times as long as the last one took to write
CHECKPOINT_COST = 10.0


def checkpoint_wait(checkpoint_s: float, last_write_s: float) -> float:
    """Seconds to wait after a checkpoint before the next: ``checkpoint_s``, or ``CHECKPOINT_COST``
    times the last rewrite's duration when that is longer (a rewrite of the whole output grows with
    its rows; without this a 100,000-row batch would spend a third of its time rewriting)."""
    return max(float(checkpoint_s), CHECKPOINT_COST * max(0.0, float(last_write_s)))
