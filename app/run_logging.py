"""The app's log: warnings to the terminal (one line each in the scripted runs), everything from INFO to the log
file, and the hook that logs an unexpected error's traceback and says it in a short dialog (or, in a scripted
run, on one line that ends it). Qt is imported inside the functions: ``app.main`` imports this module before
its platform check.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from pathlib import Path

log = logging.getLogger("app")


class _OneLine(logging.Formatter):
    """The terminal's log format in the headless modes: the first line of a message, no traceback
    (the log file keeps the details)."""

    def __init__(self, fmt: str, log_file: Path | None):
        super().__init__(fmt)
        self.where = f" (details in {log_file})" if log_file else ""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        first = text.strip().splitlines()[0] if text.strip() else text
        multi = "\n" in text.strip() or record.exc_info
        line = logging.Formatter.format(self, logging.makeLogRecord(
            {**record.__dict__, "msg": first.rstrip(":") + (self.where if multi else ""), "args": None,
             "exc_info": None, "exc_text": None}))
        return line


SHOWN_KEPT = 1000                   # names with blanks remembered (``name_shown``), the newest
_shown: dict[str, None] = {}        # in the order shown, the newest last
_shown_lock = threading.Lock()      # shown in the window's thread, logged from any


def name_shown(name: str) -> str:
    """``name``, a file's name as the window shows it (``window.records.shown_name``), remembered where it holds a
    blank ("Doe Jane 123456.xml"), so that the log file tags it whole where a message names it: the log's rule for a
    name standing alone (``log_words.log_file_text``) finds "123456.xml" alone."""
    if any(c.isspace() for c in name):
        with _shown_lock:
            _shown.pop(name, None)
            _shown[name] = None
            while len(_shown) > SHOWN_KEPT:
                del _shown[next(iter(_shown))]
    return name


class _LogFile(logging.Formatter):
    """The log file's format: each line as ``log_words.log_file_text`` writes it (a file named by its tag, keyed by
    ``key``, never its name or folders; text quoted from a file left out), traceback included; a message's
    ``record_names`` (``extra``: the open record's file name and stem) and the names with blanks the window showed
    (``name_shown``) tagged too. The terminal's lines are the user's own."""

    def __init__(self, fmt: str, key: bytes):
        super().__init__(fmt)
        self.key = key

    def format(self, record: logging.LogRecord) -> str:
        from mirage_model.review.log_words import log_file_text     # here: app.main imports this module early

        with _shown_lock:
            shown = tuple(_shown)
        return log_file_text(super().format(record), self.key,
                             tuple(getattr(record, "record_names", ()) or ()) + shown)


KEY_BYTES = 16


def log_key(path: Path) -> bytes:
    """The key of the log file's file tags (``log_words.file_tag``), kept beside it (``mirage-review.log-key``,
    readable by its owner alone) so that a file keeps its tag from one run to the next; never written into the log,
    so that whoever reads a log sent for support cannot try patient IDs against its tags. A new key for this run
    where that file cannot be read or written."""
    import secrets

    where = path.with_name(path.name + "-key")
    try:
        kept = where.read_bytes()
        if len(kept) == KEY_BYTES:
            return kept
    except OSError:
        pass
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
    except OSError:
        pass
    return key


def log_path() -> Path:
    """Where the app's log (and any unexpected error's traceback) is written."""
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    folder = Path(base) if base else Path.home() / ".mirage-review"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(os.environ.get("TMPDIR", "/tmp"))
    return folder / "mirage-review.log"


def setup_logging(verbose: bool = False, headless: bool = False) -> Path | None:
    """Warnings to the terminal, everything from INFO to the log file (``log_path``). ``headless``
    (--export-pdf, --screenshot): the terminal gets one line per message, never a traceback, unless
    ``verbose``."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    text = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    fmt = logging.Formatter(text)
    stream = logging.StreamHandler()
    stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(stream)
    path = None
    try:
        path = log_path()
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(_LogFile(text, log_key(path)))
        root.addHandler(handler)
    except OSError:
        path = None
    stream.setFormatter(_OneLine(text, path) if headless and not verbose else fmt)
    return path


class QuietLogs(logging.Handler):
    """No log record printed while in a ``with`` block: a ``--labs`` table's warnings (units assumed ...), read before
    the log is set up (``setup_logging``: its file needs Qt), had gone to the terminal alone; the window says them
    (``_labs_table_read``), its message bar logging them to the terminal and the log file, once."""

    def emit(self, record: logging.LogRecord) -> None:
        pass

    def __enter__(self) -> "QuietLogs":
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)


def install_excepthook(parent_getter=lambda: None, log_file: Path | None = None, on_fatal=None) -> None:
    """Unexpected errors: log the traceback, show a short dialog, keep the app running.

    ``on_fatal`` (the headless modes, where no one could close a dialog and the run would never end):
    called with a one-line message instead of the dialog; it ends the run."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if on_fatal is not None:
            from app.workers import user_message
            on_fatal(f"unexpected error: {user_message(exc)}")
            return
        try:
            from PySide6.QtCore import Qt
            from PySide6.QtWidgets import QApplication, QMessageBox

            if QApplication.instance() is None:
                return
            from app.views.dialog_focus import back_when_closed
            from app.workers import user_message
            where = f"\n\nDetails were written to {log_file}." if log_file else ""
            parent = parent_getter()
            box = QMessageBox(QMessageBox.Icon.Warning, "MIRAGE Review",
                              f"Something went wrong: {user_message(exc)}{where}\n\nThe app is still usable.",
                              parent=parent)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            if parent is not None:
                back_when_closed(box)       # its window active again once it is closed, as after every dialog
            box.open()
        except Exception:  # noqa: BLE001 (never raise from the hook itself)
            pass

    sys.excepthook = hook
