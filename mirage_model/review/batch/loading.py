"""Reading (and measuring) the records of a batch ahead of the model.

Each record's load and measurement runs under a time limit (``record_timeout_s``): a record that
takes longer becomes an error row and the batch goes on. With ``workers > 1`` the records are
loaded in a process pool that runs ahead of the model (:class:`RecordLoader`); a loader process
that dies is replaced a few times, then loading carries on in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import signal
import threading
import time
import warnings
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mirage_model.records import RecordError, load_record
from mirage_model.limits import head_note, record_head
from mirage_model.measure import measure

log = logging.getLogger(__name__)

MAX_POOL_RESTARTS = 3       # after that many crashed loader pools, records are loaded in this process
# a load a loader process has not started after this long (s; or the time limit, if longer) is
# stuck: the pool's processes could not start, or one is hung on a PDF
START_LIMIT_S = 120.0
POLL_S = 0.25               # how often a wait for a load looks whether its loader process started it


@dataclass
class LoadedRecord:
    path: str
    record: object = None             # EcgRecord
    measurements: object = None       # Measurements
    error: str = ""
    note: str = ""
    unscorable: str = ""              # why the record holds no usable signal (then not scored)
    prepared: object = None           # the model's Predictor.prepare of it (in the parent, once scored)


# --------------------------------------------------------------------------------------------
# work items (module level so that a process pool can run them)

# in a loader process: where it tells the batch that it starts a record (``_load_started``)
_STARTED = None
# in a loader process: set once the batch is cancelled (``RecordLoader.stop``): a job not begun is not begun
_STOP = None


class NotBegun(Exception):
    """A job the pool had not begun when the batch was cancelled (``RecordLoader.stop``): it did nothing."""


def _unless_stopped(fn: Callable, *args):
    """``fn(*args)`` in a loader process, unless the batch was cancelled before the process came to
    it. A job the pool has handed to its queue is marked running and can no longer be cancelled
    (``Future.cancel``), though no process has begun it: a cancelled batch waited for the next PDFs
    (a second or more each) and kept them."""
    if _STOP is not None and _STOP.is_set():
        raise NotBegun()
    return fn(*args)


def _worker_init(batch_pid: int | None = None, started=None, warm: bool = False, stop=None) -> None:
    global _STARTED, _STOP
    _STARTED, _STOP = started, stop
    # Ctrl-C is handled by the parent, which then shuts the pool down; workers must not die first
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if batch_pid is not None:
        _end_with(batch_pid)
    warnings.filterwarnings("ignore", category=RuntimeWarning)   # odd input is reported in its row
    try:
        import torch  # optional in a loader process, and heavy: only to keep it to one thread
        torch.set_num_threads(1)
    except Exception:
        pass
    if warm:
        _warm_up()


def _warm_up() -> None:
    """Read and measure a bundled sample once, so that a loader process's first record is not
    charged the process's own start (the delineator's weights, lazy imports: a first measurement
    took 9.8 s, the next 1.3 s, on a busy 2-core machine) against its time limit."""
    from mirage_model.paths import sample_records

    for path in sample_records()[:1]:
        _load_one(str(path), True)


def _end_with(batch_pid: int) -> None:
    """End this loader process as soon as the batch's process (``batch_pid``) is gone. A batch
    killed outright (kill -9, the out-of-memory killer) tells its pool nothing: the loaders, which
    hold the pool's queues and the fork server's liveness pipe themselves, waited for work forever
    (each with a measured record's memory, about 400 MB), and so did the fork server."""
    def watch() -> None:
        try:
            fd = os.pidfd_open(batch_pid)           # Linux 5.3+: readable once the process ends
        except ProcessLookupError:
            os._exit(0)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])
            os._exit(0)
        if os.name != "posix":                      # Windows' os.kill(pid, 0) would end the batch itself
            return
        while True:                                 # other POSIX systems: ask every second
            try:
                os.kill(batch_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except OSError:
                pass
            time.sleep(1.0)

    threading.Thread(target=watch, name="mirage-batch-watch", daemon=True).start()


def _pool_context(method: str | None):
    """The start method of the loader pool. "forkserver" by default: forking this process itself
    is unsafe once torch or Qt run threads, while the fork server is a clean single-threaded
    process that imports the loaders once (preload) and forks cheap workers from there."""
    if method is None:
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        # not the report package: it imports reportlab, which a batch without PDFs never needs
        ctx.set_forkserver_preload(["mirage_model.review.batch", "mirage_model.measure"])
    return ctx


def _load_one(path: str, do_measure: bool, orphan: bool = False) -> LoadedRecord:
    """Load (and measure) one record; never raises."""
    item = LoadedRecord(path)
    if orphan:
        item.error = "signal file without a header (.hea); cannot be read"
        return item
    try:
        item.record = load_record(path)
    except RecordError as err:
        item.error = error_naming_file(err, path)
        return item
    except Exception as err:  # an unforeseen reader failure must not stop the batch
        log.debug("unexpected error reading %s", path, exc_info=True)
        item.error = f"cannot read the record ({type(err).__name__}: {err})"
        return item
    item.unscorable = str((item.record.meta or {}).get("unscorable") or "")
    if do_measure and not item.unscorable:
        rec = record_head(item.record)
        item.note = head_note(item.record)
        try:
            item.measurements = measure(rec, fiducials=False)
        except Exception as err:  # measurements are extra information; the score still counts
            log.debug("measurement failed for %s", path, exc_info=True)
            item.note = f"measurements failed ({type(err).__name__}: {err})"
    return item


def not_ecg_reason(path) -> str:
    """Why the file at ``path``, passed over as no ECG (``formats.find_ecg_files``' ``passed_over``), is
    none, in the words of its batch row (read as a batch reads it: "the file is empty", "an XML file, but
    not an ECG MIRAGE reads ..."), for a face that lists such files without scoring them
    (``mirage-review --export-pdf``)."""
    return _load_one(str(path), False).error or "not an ECG file MIRAGE recognises"


def _load_started(token: int, path: str, do_measure: bool, orphan: bool) -> LoadedRecord:
    """``_load_one`` in a loader process, first telling the batch (``token``, the monotonic clock)
    that the record starts now: its time limit counts from here, not from when it was queued.
    Raises ``NotBegun`` once the batch is cancelled (``RecordLoader.stop``): the loads the pool had
    queued (up to ``workers + 1``, marked running, so ``Future.cancel`` failed on them) were read and
    measured all the same, half a second or more each, before a cancelled batch could stop."""
    if _STOP is not None and _STOP.is_set():
        raise NotBegun()
    if _STARTED is not None:
        try:
            _STARTED.put((token, time.monotonic()))
        except (OSError, ValueError):
            pass            # the batch is gone or closing: the load itself still answers
    return _load_one(path, do_measure, orphan)


def error_naming_file(err: RecordError, path) -> str:
    """``err``'s reason as a row gives it: prefixed with the name of the file at fault when that is
    another than the row's own and the reason does not name it ("trunc.dat: signal file is
    truncated ...", "A0003.mat: not a MATLAB v4/v5 file ..."), so that a header's row says which of
    its files is broken."""
    name = err.path.name
    if not name or name == Path(path).name or name in err.reason:
        return err.reason
    return f"{name}: {err.reason}"


def _load_in_thread(path: str, do_measure: bool, orphan: bool, timeout_s: float | None) -> LoadedRecord:
    """``_load_one`` under a time limit, in this process: a record that takes longer becomes an
    error row. The late thread is left to finish on its own (Python cannot stop it); everything
    it reads is bounded by ``mirage_model.limits``, so it ends."""
    if not timeout_s:
        return _load_one(path, do_measure, orphan)
    box: list = []
    worker = threading.Thread(target=lambda: box.append(_load_one(path, do_measure, orphan)),
                              name="mirage-load", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if box:
        return box[0]
    return LoadedRecord(path=path, error=_timeout_message(timeout_s))


def _timeout_message(timeout_s: float) -> str:
    return f"reading and measuring took longer than the {timeout_s:g} s time limit; skipped"


# --------------------------------------------------------------------------------------------
# the loader

class RecordLoader:
    """Hands out the loaded records of ``paths`` in order, loading up to ``ahead`` of them ahead
    in a process pool (``workers > 1``) or one at a time in this process.

    State: the pool (None: load here), the loads in flight (path, future) in order, the paths to
    load again after a pool broke (before the rest), and every pool made (all shut down by
    :meth:`close`).

    Args:
        paths: what to load, in output order.
        orphans: those of ``paths`` that are signal files without a header (an error row each).
        workers: loader processes; 1 (or a single path): none.
        do_measure: measure each record after loading it.
        ahead: how many loads the pool may run ahead of the consumer.
        timeout_s: time limit for one load (None: none).
        mp_context: process start method of the pool ("forkserver" by default on Linux).
    """

    def __init__(self, paths: list[Path], orphans: set[Path], *, workers: int, do_measure: bool,
                 ahead: int, timeout_s: float | None, mp_context: str | None):
        self.orphans = orphans
        self.workers = int(workers)
        self.do_measure = do_measure
        self.ahead = ahead
        self.timeout_s = timeout_s
        self.mp_context = mp_context
        self._todo = iter(paths)
        self._requeue: deque = deque()      # paths to load again after the pool broke
        self._in_flight: deque = deque()    # (path, (token, future)) submitted to the pool, in order
        self._restarts = 0
        self._token = 0                     # numbers the loads submitted (``_load_started``)
        self._start_times: dict[int, float] = {}
        self._started = None
        self.pools: list[ProcessPoolExecutor] = []
        self._stops: list = []              # each pool's stop event (``stop``)
        self.pool = self._new_pool() if workers > 1 and len(paths) > 1 else None

    def _new_pool(self) -> ProcessPoolExecutor:
        ctx = _pool_context(self.mp_context)
        self._started = ctx.SimpleQueue()     # (token, monotonic time) of each record a loader starts
        self._start_times.clear()
        stop = ctx.Event()                    # ``stop``: the jobs not begun are not begun
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                   # the warm-up only matters to a time limit (it is not charged the process's start)
                                   initializer=_worker_init,
                                   initargs=(os.getpid(), self._started, self.do_measure and bool(self.timeout_s),
                                             stop))
        self.pools.append(pool)
        self._stops.append(stop)
        return pool

    def _started_at(self, token: int) -> float | None:
        """When a loader process started the load ``token`` (monotonic clock); None: not yet."""
        try:
            while not self._started.empty():
                t, when = self._started.get()
                self._start_times[t] = when
        except (OSError, EOFError, ValueError):
            pass
        return self._start_times.pop(token, None)

    def _result(self, token: int, fut: Future) -> LoadedRecord:
        """The load ``token``'s result, waiting at most ``timeout_s`` from when a loader process
        started it. Time spent queued (behind a PDF, or while a new pool's processes start and
        import the readers: 7-12 s on a busy 2-core machine) does not count: a 3 s limit had made
        every record of a batch "take longer than 3 s", each timeout restarting the pool whose
        start the next record then waited for. A load not started within ``START_LIMIT_S`` (or
        the time limit, if longer) counts as stuck."""
        if not self.timeout_s:
            return fut.result()
        asked = time.monotonic()
        started = None
        while True:
            if started is None:
                started = self._started_at(token)
            now = time.monotonic()
            if started is not None:
                wait = started + self.timeout_s - now
            else:
                wait = asked + max(START_LIMIT_S, self.timeout_s) - now
            if wait <= 0:
                raise TimeoutError(started is not None)
            try:
                return fut.result(timeout=min(wait, POLL_S))
            except TimeoutError:
                continue

    def _next_path(self) -> Path | None:
        return self._requeue.popleft() if self._requeue else next(self._todo, None)

    def _requeue_in_flight(self) -> None:
        self._requeue.extendleft(reversed([p for p, _ in self._in_flight]))
        self._in_flight.clear()

    def _pool_broken(self, err) -> None:
        """A loader process died (out of memory, a crash in native code): restart the pool a
        few times, then carry on in this process."""
        self._requeue_in_flight()
        if self._restarts < MAX_POOL_RESTARTS:
            self._restarts += 1
            log.warning("a loader process failed (%s); restarting the loader pool", err)
            self.pool = self._new_pool()
        else:
            log.warning("loader processes keep failing (%s); loading in this process", err)
            self.pool = None

    def _submit_more(self) -> None:
        while self.pool is not None and len(self._in_flight) < self.ahead:
            p = self._next_path()
            if p is None:
                return
            self._token += 1
            try:
                fut = self.pool.submit(_load_started, self._token, str(p), self.do_measure, p in self.orphans)
            except (BrokenProcessPool, RuntimeError) as err:
                self._requeue.appendleft(p)
                self._pool_broken(err)
                continue
            self._in_flight.append((p, (self._token, fut)))

    def next_item(self) -> LoadedRecord | None:
        """The next record, loaded (or an error item); None when all are handed out."""
        self._submit_more()
        if self.pool is None:
            p = self._next_path()
            return None if p is None else _load_in_thread(str(p), self.do_measure, p in self.orphans,
                                                          self.timeout_s)
        if not self._in_flight:
            return None
        p, (token, fut) = self._in_flight.popleft()
        try:
            return self._result(token, fut)
        except TimeoutError as err:
            # a stuck loader: stop its processes, restart the pool, retry the others
            for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                proc.terminate()
            self._requeue_in_flight()
            self.pool = self._new_pool()
            if err.args and err.args[0] is False:
                limit = max(START_LIMIT_S, self.timeout_s)
                return LoadedRecord(path=str(p), error=f"the loader processes did not start reading it within "
                                                       f"{limit:g} s (stuck?); skipped")
            return LoadedRecord(path=str(p), error=_timeout_message(self.timeout_s))
        except BrokenProcessPool as err:
            # this record may be what killed the worker: report it, retry the others
            self._pool_broken(err)
            return LoadedRecord(path=str(p), error=f"the loader process crashed on this record ({err})")
        except Exception as err:
            return LoadedRecord(path=str(p), error=f"loader process failed ({type(err).__name__}: {err})")

    def run(self, fn: Callable, *args) -> Future:
        """``fn(*args)`` in the pool when there is one (a PDF), else here; its result as a Future.
        One a process has not begun when :meth:`stop` is called raises ``NotBegun``."""
        if self.pool is not None:
            try:
                return self.pool.submit(_unless_stopped, fn, *args)
            except (BrokenProcessPool, RuntimeError):
                pass
        fut = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as err:
            fut.set_exception(err)
        return fut

    def stop(self) -> None:
        """The batch was cancelled: the loads and the jobs of :meth:`run` that no loader process has
        begun yet end with ``NotBegun`` without doing anything (those begun finish)."""
        for event in self._stops:
            event.set()

    def close(self) -> None:
        """Cancel the loads in flight and shut every pool down, once the loads and jobs being run
        are done (none is begun after this: :meth:`stop`)."""
        self.stop()
        for _p, (_token, fut) in self._in_flight:
            fut.cancel()
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)
