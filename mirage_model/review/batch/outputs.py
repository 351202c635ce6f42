"""The output file of a batch (CSV or JSON lines): written whole and atomically, read back for
``resume``, and locked against a second run writing it.

Writes are atomic: the whole file is rewritten to a temp file in the same folder and
``os.replace``d over the output, so a crash leaves the previous complete file, never a
half-written row. Text cells that would start a spreadsheet formula are prefixed with a quote
(``csvsafe``) and restored when read back; a file name's bytes that are not UTF-8 are written as
``\\xNN`` (``csvsafe.encodable``).

A CSV is UTF-8 with a byte order mark (``utf-8-sig``): Excel opens a CSV without one in the
system's ANSI code page, so "Ärztin/ЭКГ 1" would read "Ã„rztin/Ð­ÐšÐ“ 1"; with it Excel, pandas
and Python's ``csv`` (opened as ``utf-8-sig``) read the text as written. JSON lines stay plain
UTF-8 (RFC 8259: no byte order mark).

A CSV is written in one of two dialects (``CSV_DIALECTS``): "excel", commas between cells and decimal points, as
Python's ``csv``, pandas, R's ``read.csv`` and an English-locale Excel read it; or "excel-eu", semicolons and
decimal commas (in the number columns, ``cells.number_column``), as the Excel of a German, French, Dutch ...
locale opens a CSV in columns (its list separator is ";"), R's ``read.csv2`` and pandas' ``sep=";",
decimal=","``. A CSV's dialect is read from its header (``line_dialect``: the cell after ``record_path``), so
that a file written either way is read back, its numbers with decimal points.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import socket
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from mirage_model.csvsafe import encodable, neutralise, printable, restore
from mirage_model.paths import atomic_output
from mirage_model.review.batch.cells import number_column
from mirage_model.review.batch.errors import BatchError

try:
    import fcntl
except ImportError:   # not on POSIX: no output lock
    fcntl = None

FORMATS = ("csv", "jsonl")
LOCK_SUFFIX = ".lock"
# a CSV dialect's (cell separator, decimal mark)
CSV_DIALECTS = {"excel": (",", "."), "excel-eu": (";", ",")}
DEFAULT_DIALECT = "excel"
# a number as a number column's cell writes it, with the dialect's decimal mark
_POINT_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_COMMA_NUMBER = re.compile(r"-?[0-9]+(,[0-9]+)?")


def dialect_words(dialect: str) -> str:
    """A CSV dialect as a message names it: "excel-eu (';' between cells, decimal commas)"."""
    sep, mark = CSV_DIALECTS[dialect]
    return f"{dialect} ('{sep}' between cells, decimal {'points' if mark == '.' else 'commas'})"


def _cell(value, mark: str = ".") -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # never in exponent form: a probability rounded to 6 decimals had read "9e-06" beside "0.123457"
        return format(Decimal(repr(value)), "f").replace(".", mark) if math.isfinite(value) else ""
    if isinstance(value, (int, bool)):
        return str(value)
    return neutralise(encodable(str(value)))   # text from files or checkpoints: no formulas, UTF-8


def _row_cells(row: dict, cols: list[str], mark: str) -> list[str]:
    """A row's cells under ``cols``; a number column's number kept as text (a resumed run's kept row, as
    ``read_rows`` gave it: decimal points) written with the decimal ``mark``."""
    cells = [_cell(row.get(c), mark) for c in cols]
    if mark != ".":
        for k, c in enumerate(cols):
            if number_column(c) and isinstance(row.get(c), str) and _POINT_NUMBER.fullmatch(cells[k]):
                cells[k] = cells[k].replace(".", mark)
    return cells


def line_dialect(line: str) -> str:
    """The CSV dialect of an output whose header is ``line``: "excel-eu" when its first column,
    ``record_path``, is followed by a semicolon, else "excel"."""
    return "excel-eu" if line.lstrip("\ufeff").startswith("record_path;") else "excel"


def _json_value(value):
    return neutralise(encodable(value)) if isinstance(value, str) else value


def write_atomic(out_path: Path, cols: list[str], rows: list[dict], fmt: str,
                 dialect: str = DEFAULT_DIALECT) -> None:
    """The whole output file, ``rows`` under ``cols``, written atomically (``paths.atomic_output``); a CSV
    in the ``dialect`` of ``CSV_DIALECTS``."""
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    sep, mark = CSV_DIALECTS[dialect]
    with atomic_output(out_path) as tmp, open(tmp, "x", encoding=encoding, newline="") as fh:
        if fmt == "csv":
            writer = csv.writer(fh, delimiter=sep)
            writer.writerow(cols)
            for row in rows:
                writer.writerow(_row_cells(row, cols, mark))
        else:
            for row in rows:
                fh.write(json.dumps({c: _json_value(row.get(c)) for c in cols}, allow_nan=False) + "\n")


def read_rows(path, fmt: str | None = None) -> tuple[list[str], list[dict]]:
    """(columns, rows) of an output file written by :func:`score_folder` (CSV or JSON lines). A CSV of either
    dialect (``line_dialect``), the numbers of an "excel-eu" one given with decimal points ("0.873" for "0,873").

    Raises:
        BatchError: the file cannot be read or parsed (message names it).
    """
    path = Path(path)
    fmt = fmt or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    try:
        # utf-8-sig: a BOM (ours, or Excel's "CSV UTF-8" save) is not part of the first column's name
        with open(path, encoding="utf-8-sig", newline="") as fh:   # newline="": a CR in a name stays a CR
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise BatchError(f"{path}: cannot read ({err})") from None
    if fmt == "csv":
        dialect = line_dialect(text.split("\n", 1)[0])
        sep, mark = CSV_DIALECTS[dialect]
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sep)
        try:
            rows = [{k: _read_cell(k, v, mark) for k, v in row.items()} for row in reader]
        except csv.Error as err:
            raise BatchError(f"{path}: not a valid CSV ({err})") from None
        cols = list(reader.fieldnames or [])
        return cols, rows
    rows, cols = [], []
    for n, line in enumerate(text.split("\n"), 1):   # JSON escapes CR; only LF ends a line
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise BatchError(f"{path}: line {n} is not valid JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise BatchError(f"{path}: line {n} is not a JSON object")
        if not cols:
            cols = list(row)
        rows.append({k: restore(v) if isinstance(v, str) else v for k, v in row.items()})
    return cols, rows


def _read_cell(col, value, mark: str):
    """A CSV cell as ``read_rows`` gives it: its text restored (``csvsafe.restore``), a number column's decimal
    comma read as a point."""
    if not isinstance(value, str):
        return value
    if mark != "." and isinstance(col, str) and number_column(col) and _COMMA_NUMBER.fullmatch(value):
        return value.replace(mark, ".")
    return restore(value)


# how much of an existing output is read to tell what it is (its first line, and whether a row follows)
PROBE_BYTES = 1 << 16       # a results header with 200 statement columns is under 5 KiB


@dataclass(frozen=True)
class Head:
    """What a file's first bytes tell of it as a batch's output (``probe``).

    Its first line is the file's first line as written, not the first that is not blank: a batch writes
    its header (CSV) or first row (JSON lines) first, and ``read_rows`` takes a CSV's first line as its
    header, so a file whose first line is blank is no output of MIRAGE (its header read as columns ``[]``,
    a resume could not line its rows up), whatever follows.
    """

    first: str          # its first line (a byte order mark dropped; CR, LF or CRLF ends it)
    more: bool          # a line that is not blank follows it (a CSV's first row, a second JSON line)
    binary: bool        # a NUL byte among the bytes read: a signal file, no text
    empty: bool         # no byte at all
    blank: bool         # nothing but white space (or no byte)


def probe(path, limit: int = PROBE_BYTES) -> Head:
    """The ``Head`` of the file at ``path``, from its first ``limit`` bytes (the one reading of them:
    ``earlier_output``, ``own_files``).

    Raises:
        OSError: the file cannot be read.
    """
    with open(path, "rb") as fh:
        head = fh.read(limit)
    lines = head.decode("utf-8-sig", errors="replace").replace("\r", "\n").split("\n")
    more = any(line.strip() for line in lines[1:])
    return Head(first=lines[0], more=more, binary=b"\0" in head, empty=not head,
                blank=not more and not lines[0].strip())


def header_columns(line: str, fmt: str) -> list[str]:
    """The columns that an output's first line names: the cells of a CSV header, or the keys of a JSON
    object (``fmt`` "jsonl"); [] when it is no JSON object."""
    if fmt == "csv":
        return next(csv.reader([line], delimiter=CSV_DIALECTS[line_dialect(line)][0]), [])
    try:
        row = json.loads(line)
    except ValueError:
        return []
    return list(row) if isinstance(row, dict) else []


def earlier_output(out_path, fmt: str) -> bool:
    """Whether ``out_path`` holds rows an earlier run wrote (a run that is neither resumed nor told
    to overwrite replaces them: the faces refuse or ask first). False when it does not exist or is
    empty (white space only), or holds only the header. Only its first ``PROBE_BYTES`` are read (``probe``).

    Raises:
        BatchError: the file exists and is no output of a batch (its first line is not a header
            whose first column is ``record_path``, or a JSON object with that key; a blank first
            line is none, ``Head``): an ECG's signal file, the labs table, another program's CSV. It
            is never replaced, whatever the options, naming the file and what its first line is. Or
            it is read-only (``read_only``).
    """
    path = Path(out_path)
    if not path.exists():
        return False
    protected = read_only(path)
    if protected:
        raise BatchError(f"{path}: {protected}; it is left as it is: make it writable to resume or replace it, "
                         "or choose another output file")
    try:
        head = probe(path)
    except OSError as err:
        raise BatchError(f"{path}: cannot read the existing output ({err.strerror or err})") from None
    if head.blank:
        return False
    first = head.first
    cols = header_columns(first, fmt)
    ours = cols[:1] == ["record_path"] if fmt == "csv" else "record_path" in cols
    if not ours:
        if head.binary or "\ufffd" in first:
            what = "it holds binary data: a signal file?"
        elif not first.strip():
            what = "its first line is blank"
        else:
            what = f"its first line reads {printable(first[:60]) + ('...' if len(first) > 60 else '')!r}"
        raise BatchError(f"{path}: exists and is no output of mirage score ({what}); it is left as it is: "
                         "choose another output file")
    return head.more if fmt == "csv" else True


def output_dialect(out_path, asked: str | None = None, resume: bool = False) -> str:
    """The CSV dialect (``CSV_DIALECTS``) a run writes ``out_path`` in: ``asked``, else (None) that of the output
    a resumed run carries on (``line_dialect`` of its header), else ``DEFAULT_DIALECT``.

    Raises:
        BatchError: ``asked`` is no dialect, or a resumed output holds rows written in another dialect than
            ``asked`` (naming both): its rows and this run's would not be one table.
    """
    if asked is not None and asked not in CSV_DIALECTS:
        raise BatchError(f"unknown CSV dialect {asked!r} (use {' or '.join(CSV_DIALECTS)})")
    path = Path(out_path)
    found = None
    if resume and path.is_file():
        try:
            head = probe(path)
        except OSError:
            head = None             # earlier_output and read_rows say why it cannot be read
        if head is not None and head.first.startswith("record_path"):
            found = line_dialect(head.first)
            if asked is not None and found != asked and head.more:
                raise BatchError(f"{path}: cannot resume: its rows are written in the CSV dialect "
                                 f"{dialect_words(found)}, this run asks for {dialect_words(asked)}; give "
                                 f"--csv-dialect {found} to carry it on, or write to a new output file")
    return asked or found or DEFAULT_DIALECT


def read_only(path) -> str:
    """Why the existing file ``path`` must not be replaced though a run could (its folder is writable: a
    rename replaces a file whatever its mode), in words: "read-only (no one may write it)", "read-only to
    this user"; "" when it is writable or cannot be looked at. A resumed or overwriting run had replaced a
    results file its owner had made read-only to keep it (``chmod a-w``), and left it writable."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if not mode & 0o222:
        return "read-only (no one may write it)"
    if not os.access(path, os.W_OK):
        return "read-only to this user"
    return ""


def spare_output(out_path) -> Path:
    """Where a run's rows go when its output cannot be written in the middle of the run (another program
    holds it, it was made read-only): ``results.unsaved.csv`` beside ``results.csv`` (the same format,
    so that ``--resume`` carries on from it), ``results.unsaved-2.csv`` ... when that name is taken."""
    path = Path(out_path)
    stem, suffix = path.stem, path.suffix
    spare = path.with_name(f"{stem}.unsaved{suffix}")
    n = 2
    while spare.exists() or spare.is_symlink():
        spare = path.with_name(f"{stem}.unsaved-{n}{suffix}")
        n += 1
    return spare


def earlier_output_refusal(out_path) -> str:
    """Why a run neither resumed nor told to overwrite does not start on ``out_path``, which holds
    an earlier run's rows (``earlier_output``), with what to do instead."""
    return (f"{out_path} holds the rows of an earlier run, which this run would replace: give --resume to "
            "keep them and score only the other records, --overwrite to replace them, or another --out")


class OutputLock:
    """An exclusive ``flock`` on ``.<name>.lock`` next to an output, the file holding its owner's
    ``pid=N host=NAME``; ``close()`` releases it and removes the lock file.

    Attributes:
        path: the lock file.
        stale_note: "" or one line saying that a lock left by a run that is gone (killed, power cut)
            was taken over, naming the file and that run's PID.
    """

    def __init__(self, path: Path, fh, stale_note: str = ""):
        self.path, self.fh, self.stale_note = path, fh, stale_note

    def close(self) -> None:
        if self.fh is None:
            return
        try:
            os.unlink(self.path)     # while still held: a waiting run then finds a fresh file
        except OSError:
            pass
        self.fh.close()
        self.fh = None


def _lock_owner(fh) -> tuple[int | None, str]:
    """(PID, host) written in an open lock file by the run that made it; (None, "") when it holds
    none (a lock of an older MIRAGE, or one whose owner had not written it yet)."""
    try:
        fh.seek(0)
        text = fh.read(200).decode("ascii", "replace")
    except OSError:
        return None, ""
    fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
    try:
        pid = int(fields.get("pid", ""))
    except ValueError:
        pid = None
    return (pid if pid and pid > 0 else None), fields.get("host", "")


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (POSIX: signal 0 checks without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:           # EPERM: it exists, owned by another user
        return True
    return True


def _describe_owner(pid: int | None, host: str) -> str:
    if pid is None:
        return "a process that wrote no PID in it"
    return f"process {pid}" + (f" on {host}" if host and host != socket.gethostname() else "")


def lock_file_of(out_path: Path) -> Path:
    """The lock file of an output: ``.<name>.lock`` beside it."""
    return Path(out_path).parent / f".{Path(out_path).name[:200]}{LOCK_SUFFIX}"


def is_lock_file(path) -> bool:
    """Whether ``path``'s name is one ``lock_file_of`` gives (".results.csv.lock"); its content not looked at."""
    name = Path(path).name
    return name.startswith(".") and name.endswith(LOCK_SUFFIX) and len(name) > len(LOCK_SUFFIX) + 1


def lock_output(out_path: Path) -> OutputLock:
    """Lock ``out_path`` against a second run writing it (two runs rewriting one output would each
    replace the other's rows). Without ``fcntl`` (not POSIX) nothing is locked.

    The lock file holds its owner's PID and host. A run killed outright (SIGKILL, a power cut)
    leaves it behind: its lock is free (the system drops a dead process's ``flock``) and is taken
    over, the returned lock's ``stale_note`` naming the file and the dead run's PID. A lock still
    held whose owner PID is not alive on this host (held by a process that inherited the file,
    the dead run's orphaned worker) is stale too: the file is replaced. A live owner refuses.

    Raises:
        BatchError: another live process holds the lock (naming the lock file and its PID), or the
            lock file cannot be made.
    """
    lock_path = lock_file_of(out_path)
    note = ""
    for _ in range(5):
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            existed = lock_path.exists()
            fh = open(lock_path, "a+b")
        except OSError as err:
            raise BatchError(f"{out_path}: cannot write there ({err.strerror or err})") from None
        if fcntl is None:
            return OutputLock(lock_path, fh)
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid, host = _lock_owner(fh)
            fh.close()
            if pid is not None and host == socket.gethostname() and not _pid_alive(pid):
                # held by a descendant of a dead run: the dead run's lock, not a live one
                note = (f"lock file {lock_path} was left by 'mirage score' process {pid}, which is no "
                        "longer running; taken over")
                try:
                    os.unlink(lock_path)
                except OSError:
                    pass
                continue
            said = (f"{out_path}: another 'mirage score' run ({_describe_owner(pid, host)}) is writing this "
                    f"file (lock file {lock_path}); wait for it to finish or choose another")
            raise BatchError(f"{said} --out", dialog=f"{said} output CSV") from None
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fh.fileno()).st_ino
        except OSError:
            same = False
        if not same:     # a file that the previous holder removed as we opened it
            fh.close()
            continue
        pid, host = _lock_owner(fh)
        if not note and existed:
            # a lock file nobody holds: its run ended without removing it (killed, power cut)
            note = (f"lock file {lock_path} was left by 'mirage score' {_describe_owner(pid, host)}, which "
                    "is no longer running (killed?); taken over")
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid={os.getpid()} host={socket.gethostname()}\n".encode("ascii", "replace"))
            fh.flush()
        except OSError:
            pass         # the lock holds without its note of the owner
        return OutputLock(lock_path, fh, note)
    raise BatchError(f"{out_path}: cannot lock the output (its lock file keeps changing)")
