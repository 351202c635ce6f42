"""How the app's process ends once its window has closed: at once, without Python's slow teardown, once every
job has stopped (``end_without_teardown``), or leaving a job that cannot be interrupted (``end_leaving_jobs``),
after ``workers.stop_for_exit`` has waited EXIT_WAIT_MS (EXIT_GRACE_MS for a job that only shows something).
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger("app")
# how long the closed app waits for its jobs to stop. A job stops at its next cancel check, but one
# step cannot be interrupted (measuring a long record's first minute took 5 s here, more at 1 kHz):
# past this the process ends without it (end_leaving_jobs). A job that only shows something (a
# measurement, a model run: ``Worker.disposable``) gets EXIT_GRACE_MS; one that writes files, EXIT_WAIT_MS
EXIT_WAIT_MS = 10000
EXIT_GRACE_MS = 500


def end_without_teardown(rc: int) -> None:
    """End the process now, with ``rc``, once every job has stopped: the exit handlers run (the
    log is flushed and closed, PySide6 deletes the QApplication and its windows), then the process
    ends without Python's own teardown, which took 2.8-3.6 s after the window had closed (its
    garbage collection over every module torch, scipy and the measurements had imported; measured
    with a LUDB record scored). Nothing is lost: the settings are synced, every file a job writes is
    written by then (``stop_for_exit`` waited for it) and stdout and stderr are flushed.

    Returns (and Python ends as usual) while a Python thread other than this one is still running:
    Python would wait for it.
    """
    import atexit
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.current_thread()):
        return
    atexit._run_exitfuncs()     # the handlers Python would run (logging.shutdown, PySide6's, finalizers)
    _flush_and_end(rc)


def end_leaving_jobs(rc: int, jobs: list[str] | None = None) -> None:
    """End the process now, with ``rc``, leaving the pool's jobs that are still running (``jobs``,
    their names, for the log).

    Returning instead lets Python shut down under a job that is still running Python code in a Qt
    pool thread, which Python neither knows of nor waits for: closing the window while a 1 h record
    was measured printed "RuntimeError: can't register atexit after shutdown" (its measurement
    imported neurokit2 during the shutdown) and could crash the interpreter. Nothing is lost: the
    settings are saved when the window closes, and every file a job writes is written to a
    temporary name first and replaced in one step.
    """
    log.info("ending with jobs still running: %s", ", ".join(jobs or []) or "none named")
    logging.shutdown()
    _flush_and_end(rc)


def _flush_and_end(rc: int) -> None:
    """Flush stdout and stderr (a closed or missing stream is passed over), then end the process
    with ``rc`` at once."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(rc)
