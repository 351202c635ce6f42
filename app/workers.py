"""Background work for the GUI: a ``QRunnable`` on ``QThreadPool.globalInstance()``.

Each job's signals live on a separate ``QObject`` (``started/progress/result/error/finished``);
the job checks a cancel flag between items and never touches a widget. The jobs it runs (``app.jobs``)
are plain library calls (``mirage_model``), so nothing here knows about the main window.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mirage_model.checkpoint import CheckpointError
from mirage_model.clinical import ClinicalError
from mirage_model.csvsafe import encodable
from mirage_model.records import RecordError
from mirage_model.review.opening import not_assessed

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a job when its cancel flag is set; the worker then emits no result."""


class WorkerSignals(QObject):
    """Signals of one job. ``progress(done, total, payload)``; ``error(message)`` is user-facing."""

    started = Signal()
    progress = Signal(int, int, object)
    result = Signal(object)
    error = Signal(str)
    finished = Signal()


def _emit(signal, *args) -> None:
    # At application exit Qt may delete the signals object before the job returns; nobody listens then.
    try:
        signal.emit(*args)
    except RuntimeError:
        pass


class JobContext:
    """Handed to the job function: report progress, poll the cancel flag."""

    def __init__(self, signals: WorkerSignals, cancel_event: threading.Event):
        self._signals = signals
        self._cancel = cancel_event

    def progress(self, done: int, total: int, payload: Any = None) -> None:
        _emit(self._signals.progress, int(done), int(total), payload)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise Cancelled when the job was cancelled (call between items)."""
        if self._cancel.is_set():
            raise Cancelled()


def user_message(err: BaseException) -> str:
    """A one-line message for a dialog or status bar; library errors already name file and problem.
    A file name's bytes that are not UTF-8 (PEP 383's lone surrogates, which Qt drops from a signal's
    or a widget's text) read ``\\xNN``, as the CLI and the batch CSV write them (``csvsafe.encodable``)."""
    if _expected(err):
        return encodable(str(err))
    if isinstance(err, NotImplementedError):
        return "this feature is not available in this build yet"
    if isinstance(err, MemoryError):
        return "out of memory"
    text = str(err).strip() or type(err).__name__
    return encodable(f"{text} ({type(err).__name__})")


def quality_message(err: BaseException) -> str:
    """What the window says when a record's quality assessment raised: "signal quality not assessed:
    <what went wrong>" (``quality.AssessmentError.reason``; the open record is the file it names)."""
    return not_assessed(err, user_message)


def _expected(err: BaseException) -> bool:
    """Errors about the user's input (a bad record, checkpoint or lab value): no traceback in the log."""
    # --device cuda on a machine without a GPU; runtime imports torch: not before the first paint
    from mirage_model.runtime import DeviceError

    return isinstance(err, (RecordError, ClinicalError, CheckpointError, DeviceError, FileNotFoundError,
                            PermissionError)) \
        or type(err).__name__ in ("BatchError", "PreprocessError", "PrintError")


# Python owns the runnables it starts; keep them alive until they finish.
_LIVE: set["Worker"] = set()
_LIVE_LOCK = threading.Lock()


def while_alive(owner: QObject, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as a slot that does nothing once ``owner`` (a window) has been deleted.

    A job's signals reach their slots queued, on the GUI thread; a lambda connected to them keeps
    its window alive in Python but not in C++, so a result that arrives after the window was
    closed and deleted (a model run finishing as the window goes) called into deleted widgets
    ("Internal C++ object already deleted"). Bound methods of a QObject are disconnected by Qt
    itself; lambdas need this.
    """
    from shiboken6 import isValid

    def slot(*args):
        if isValid(owner):
            return fn(*args)
        return None

    return slot


class Worker(QRunnable):
    """Run ``fn(ctx, *args, **kwargs)`` on the global thread pool.

    ``fn`` gets a :class:`JobContext` first. Its return value is emitted by ``signals.result``
    (after a cancel only with ``keep_result``); an exception becomes ``signals.error`` with a
    user-facing message (the traceback is logged); :class:`Cancelled` emits neither. ``finished``
    always comes last.
    """

    def __init__(self, fn: Callable[..., Any], *args, name: str = "", disposable: bool = False,
                 keep_result: bool = False, errors_said: bool = False, **kwargs):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.name = name or getattr(fn, "__name__", "job")
        # True: what the job makes is only shown (a record read and measured, a model run, a
        # listing, a filtered trace) and is made again when the record is opened again, so the app
        # ends without waiting for it (``stop_for_exit``); False: it writes files (a PDF, a batch)
        self.disposable = bool(disposable)
        # True: a job that stops early on its cancel flag returns what it did (a batch's summary of the
        # rows it wrote), emitted as its result; False: a cancelled job's value is dropped
        self.keep_result = bool(keep_result)
        # True: whoever takes ``signals.error`` says the message and logs it (the load job's: the window's
        # message bar), so an expected error is logged here at INFO, for the log file, not twice on the terminal
        self.errors_said = bool(errors_said)
        self.signals = WorkerSignals()
        self._cancel = threading.Event()
        self.elapsed_s: float | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # noqa: D401 (Qt API)
        t0 = time.perf_counter()
        try:
            _emit(self.signals.started)
            ctx = JobContext(self.signals, self._cancel)
            value = self.fn(ctx, *self.args, **self.kwargs)
            if self.keep_result or not self._cancel.is_set():
                _emit(self.signals.result, value)
        except Cancelled:
            log.debug("job %s cancelled", self.name)
        except BaseException as err:  # noqa: BLE001 (a worker must never take the app down)
            if _expected(err):
                log.log(logging.INFO if self.errors_said else logging.WARNING, "job %s: %s", self.name, err)
                if getattr(err, "fault", None) is not None:   # a reader's bug (ReaderFaultError): its
                    # traceback for the report the message asks for, in the log file (INFO), not the terminal
                    log.info("job %s: the reader's traceback", self.name, exc_info=err.fault)
            else:
                log.error("job %s failed:\n%s", self.name, traceback.format_exc())
            if not self._cancel.is_set():
                _emit(self.signals.error, user_message(err))
        finally:
            self.elapsed_s = time.perf_counter() - t0
            _emit(self.signals.finished)
            with _LIVE_LOCK:
                _LIVE.discard(self)

    def start(self, pool: QThreadPool | None = None) -> "Worker":
        with _LIVE_LOCK:
            _LIVE.add(self)
        (pool or QThreadPool.globalInstance()).start(self)
        return self


def cancel_all_and_wait(timeout_ms: int = 10000) -> bool:
    """Cancel every live job and wait for the global pool, every job alike (tests and benchmarks;
    the application's exit uses ``stop_for_exit``). True if all finished."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for w in live:
        w.cancel()
    return QThreadPool.globalInstance().waitForDone(timeout_ms)


def stop_for_exit(wait_ms: int = 10000, grace_ms: int = 500) -> list[str]:
    """Cancel every live job and wait for it to stop (application exit).

    A job stops at its next cancel check, but one step of it may not be interruptible (measuring
    the first minute of a long record takes seconds). A disposable job gets ``grace_ms`` to reach
    its check: what it made is made again when the record is opened again, so past that the app
    ends without it, at once and without a word. A job that writes files gets ``wait_ms``.

    Returns:
        the names of the jobs still running, [] when every job has stopped.
    """
    t0 = time.monotonic()
    with _LIVE_LOCK:
        live = list(_LIVE)
    for w in live:
        w.cancel()
    while True:
        with _LIVE_LOCK:
            live = list(_LIVE)
        waited_ms = (time.monotonic() - t0) * 1000.0
        if not live:
            # leaving _LIVE is each job's last step: its pool thread is back in Qt a moment later
            done = QThreadPool.globalInstance().waitForDone(max(100, int(wait_ms - waited_ms)))
            return [] if done else ["a pool thread"]
        if waited_ms >= wait_ms or (waited_ms >= grace_ms and all(w.disposable for w in live)):
            return sorted(w.name for w in live)
        time.sleep(0.02)


def live_jobs() -> list[str]:
    """The names of the jobs started and not yet finished."""
    with _LIVE_LOCK:
        return sorted(w.name for w in _LIVE)


def start(fn: Callable[..., Any], *args, name: str = "", **kwargs) -> Worker:
    """Create a Worker for ``fn`` and start it at once, for jobs whose signals nobody needs. To
    listen, build ``Worker(...)``, connect to ``worker.signals`` and only then call ``start()``:
    a signal emitted before its connection exists is lost."""
    return Worker(fn, *args, name=name, **kwargs).start()
