"""Whether the open record's files changed on disk since they were read (``ReviewSession.changed_on_disk``), asked off
the GUI thread and answered within a time limit, so that a record on a network share whose server is gone (NFS, SMB:
a stat that does not come back for minutes) never freezes the window.

The check runs in a daemon thread of its own, not on ``QThreadPool.globalInstance()``: a stat hung in the kernel
cannot be cancelled, and one pool thread held per try would soon leave none for reading records (two on a 2-core
machine). One check per session at a time: a try made while one still hangs waits on that one.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

ANSWER_S = 5.0      # how long an action waits for the record's folder to answer before it is refused
QUICK_S = 0.2       # waited without an event loop: a local disk answers in 2 ms (a busy machine: more); no re-entry
NO_ANSWER = "the record's folder does not answer (network share?)"


def no_answer(act: str) -> str:
    """Why ``act`` ("export") is refused when the record's folder did not answer within ``ANSWER_S``."""
    return f"{NO_ANSWER}: {act} refused until it does; try again"


class Check:
    """``session.changed_on_disk()`` run in a daemon thread; ``why`` is its answer once ``done`` is set."""

    def __init__(self, session):
        self.started = time.monotonic()
        self.done = threading.Event()
        self.why = ""
        threading.Thread(target=self._run, args=(session,), name="changed_on_disk", daemon=True).start()

    def _run(self, session) -> None:
        try:
            self.why = session.changed_on_disk()
        except Exception as err:  # noqa: BLE001 - a check that fails refuses, never lets an unverified report out
            self.why = f"whether its files changed on disk could not be told ({err})"
        finally:
            self.done.set()


_running: dict[int, Check] = {}      # id of the session -> its check still under way (at most one each)


def check_of(session) -> Check:
    """The check of ``session`` under way, else a new one."""
    key = id(session)       # a session's id is not reused while its check runs: the check's thread holds it
    held = _running.get(key)
    if held is not None and not held.done.is_set():
        return held
    for k in [k for k, c in _running.items() if c.done.is_set()]:
        del _running[k]
    check = _running[key] = Check(session)
    return check


def answered(check: Check, until: float) -> bool:
    """Wait for ``check`` until ``until`` (``time.monotonic``); True once it answered. Past ``QUICK_S`` the wait runs
    an event loop that leaves out the user's input: the window repaints and its timers and jobs' signals go on, while
    no click starts another action meanwhile (the input comes after); a busy cursor says that it waits."""
    if check.done.wait(min(QUICK_S, max(0.0, until - time.monotonic()))):
        return True
    if time.monotonic() >= until or QApplication.instance() is None:
        return check.done.wait(max(0.0, until - time.monotonic()))
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(lambda: (check.done.is_set() or time.monotonic() >= until) and loop.quit())
    poll.start()
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    try:
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    finally:
        QApplication.restoreOverrideCursor()
        poll.stop()
    return check.done.is_set()


def changed_on_disk(session, act: str = "export") -> str:
    """``session.changed_on_disk()`` ("" where its files are as read), or ``no_answer(act)`` where the record's folder
    did not answer within ``ANSWER_S``: ``act`` is then refused, never done unverified. Only an answer from a check
    started after this call counts (a check that hung since an earlier try may answer with files since changed)."""
    asked = time.monotonic()
    until = asked + ANSWER_S
    while True:
        check = check_of(session)
        if not answered(check, until):
            return no_answer(act)
        if check.started >= asked:
            return check.why


def when_answered(owner, session, then, late) -> None:
    """``session.changed_on_disk()`` without waiting for it: ``then(why)`` on the GUI thread once it answers (at once
    when it does within ``QUICK_S``); ``late()`` first where it has not answered within ``ANSWER_S``. Neither once
    ``owner`` (a QObject, the window) is gone."""
    check = check_of(session)
    if check.done.wait(QUICK_S):
        then(check.why)
        return
    poll = QTimer(owner)
    poll.setInterval(50)
    until = time.monotonic() + ANSWER_S

    def look() -> None:
        nonlocal until
        if check.done.is_set():
            poll.stop()
            poll.deleteLater()
            then(check.why)
        elif until is not None and time.monotonic() >= until:
            until = None
            late()

    poll.timeout.connect(look)
    poll.start()
