"""A record on a network share whose server is gone (NFS, SMB): a stat of its files does not come back for minutes.
The check that its files did not change since they were opened (``ReviewSession.changed_on_disk``) must not freeze
the window meanwhile: a timer of the GUI thread fires within 0.5 s while the stat hangs, and the action that needed the
check (Export PDF, Save as, Print, Sign) is refused, saying the folder does not answer, once the check's time is up.
Window activation's check answers late, when it comes.

The hang: ``os.stat`` of any path under the record's folder waits (up to 30 s) until the test releases it. Truth: the
clock (``time.monotonic``) and the timer's ticks; LUDB 1's files rewritten with LUDB 14's (``helpers_stale``).
"""

from __future__ import annotations

import os
import threading
import time

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from helpers_stale import LUDB, fourteen_over_one, ludb_pair  # noqa: E402

pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled samples not present")

ANSWER_S = 1.0          # the check's time, short for the test (the app's is 5 s)
NO_ANSWER = "the record's folder does not answer (network share?)"


@pytest.fixture
def hung(monkeypatch, tmp_path):
    """(folder, hang): ``hang()`` makes each ``os.stat`` of a path under ``folder`` wait up to 30 s, until the
    test ends (or ``hang.release.set()``)."""
    from app import disk_check

    monkeypatch.setattr(disk_check, "ANSWER_S", ANSWER_S, raising=False)
    folder = ludb_pair(tmp_path / "share")
    release = threading.Event()
    real = os.stat

    def stat(path, *args, **kwargs):
        if isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(str(folder)):
            release.wait(30)
        return real(path, *args, **kwargs)

    def hang():
        monkeypatch.setattr(os, "stat", stat)

    hang.release = release
    yield folder, hang
    release.set()


class Ticks:
    """A 50 ms timer of the GUI thread and the times (``time.monotonic``) it fired at."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.at: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(lambda: self.at.append(time.monotonic()))
        self.timer.start()

    def first_after(self, t0: float) -> float:
        """Seconds from ``t0`` to the first tick after it (inf: none)."""
        return min((t - t0 for t in self.at if t > t0), default=float("inf"))

    def longest_gap(self, t0: float, t1: float) -> float:
        """The longest time between ticks from ``t0`` to ``t1``: how long the GUI thread was blocked."""
        at = [t0] + [t for t in self.at if t0 < t < t1] + [t1]
        return max(b - a for a, b in zip(at, at[1:]))


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)


def test_export_on_a_hung_share_is_refused_and_the_window_keeps_going(qtbot, tmp_path, hung):
    import mirage_model.review.report  # noqa: F401 - reportlab's first import (0.7 s) is not the check's time

    folder, hang = hung
    window = shown_window(qtbot)
    _open(qtbot, window, folder / "1.hea")
    ticks = Ticks()
    hang()
    t0 = time.monotonic()
    with qtbot.waitSignal(window.reportFailed, timeout=WAIT_MS) as failed:
        out = window.export_pdf(tmp_path / "out.pdf", wait=False)
    took = time.monotonic() - t0
    assert ticks.first_after(t0) < 0.5 and ticks.longest_gap(t0, t0 + took) < 0.5, \
        f"the GUI thread was blocked {ticks.longest_gap(t0, t0 + took):.1f} s by the check"
    assert out is None and not (tmp_path / "out.pdf").exists()
    assert ANSWER_S <= took < ANSWER_S + 1.0, took
    assert failed.args[1].startswith(NO_ANSWER) and "export refused until it does; try again" in failed.args[1]
    said = window.message_bar.text()
    assert said.startswith("Report not written: out.pdf: record 1: " + NO_ANSWER), said

    hang.release.set()                  # the server back: the next try goes ahead
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        assert window.export_pdf(tmp_path / "out.pdf", wait=False) not in (None, False)
    assert (tmp_path / "out.pdf").stat().st_size > 0


def test_save_print_and_sign_on_a_hung_share_are_refused_each_within_its_time(qtbot, tmp_path, hung, monkeypatch):
    """Save as, Print (before the printer is asked for) and Sign: each refused after the check's time, the window's
    timer firing throughout; no copy written, no printer asked, no signature."""
    folder, hang = hung
    window = shown_window(qtbot)
    asked = []
    monkeypatch.setattr(window, "_ask_printer", lambda printer: asked.append("printer") or False)
    _open(qtbot, window, folder / "1.hea")
    ticks = Ticks()
    hang()
    overread = window.results.interpretation.overread
    for act, said_of in [
            (lambda: window.save_record_as(tmp_path / "copy.hea", "wfdb"), lambda: window.message_bar.text()),
            (window.print_dialog, lambda: window.message_bar.text()),
            (lambda: overread.sign("Dr A"), lambda: window.session.overread.note)]:
        t0 = time.monotonic()
        out = act()
        took = time.monotonic() - t0
        assert ticks.longest_gap(t0, t0 + took) < 0.5, ticks.longest_gap(t0, t0 + took)
        assert ANSWER_S <= took < ANSWER_S + 1.0, took
        assert NO_ANSWER in said_of(), said_of()
        assert not out or str(out).startswith("Not signed: " + NO_ANSWER), out
    assert window.message_bar.text().startswith("Not printed: record 1: " + NO_ANSWER)
    assert "refused until it does; try again" in window.session.overread.note
    assert not (tmp_path / "copy.hea").exists() and asked == [] and window.session.overread.signed_at is None


def test_coming_back_to_the_window_checks_in_the_background_and_says_when_the_answer_comes(qtbot, hung):
    """Activated again with the share hung: the event returns at once; after the check's time the message bar says
    the folder does not answer; the server back, the answer comes: the file changed on disk."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    folder, hang = hung
    window = shown_window(qtbot)
    _open(qtbot, window, folder / "1.hea")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    fourteen_over_one(folder)
    ticks = Ticks()
    hang()
    t0 = time.monotonic()
    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))
    assert time.monotonic() - t0 < 0.5
    qtbot.waitUntil(lambda: NO_ANSWER in window.message_bar.text(), timeout=int(ANSWER_S * 1000) + 2000)
    assert time.monotonic() - t0 >= ANSWER_S
    assert ticks.longest_gap(t0, time.monotonic()) < 0.5
    hang.release.set()
    qtbot.waitUntil(lambda: "changed on disk" in window.message_bar.text(), timeout=5000)
    assert window.message_bar.text() == ("Record 1: the file changed on disk since it was opened (1.hea, 1.dat); "
                                         "reopen it to review what it holds now.")


def test_an_answer_from_a_check_asked_before_the_try_does_not_count(qtbot, monkeypatch):
    """A check that hung since an earlier try answers late: a new try waits on it (no second thread on a hung share),
    then asks again, and what counts is the answer of a check started after the try, files changed since included."""
    from app import disk_check

    monkeypatch.setattr(disk_check, "ANSWER_S", 0.3)
    release, calls = threading.Event(), []

    class Session:
        def changed_on_disk(self):
            calls.append(time.monotonic())
            if len(calls) == 1:
                release.wait(30)
                return ""                               # as read when the stat was sent
            return "the file changed on disk since it was opened (1.dat); reopen it"

    s = Session()
    assert disk_check.changed_on_disk(s, "export") == disk_check.no_answer("export")
    assert disk_check.changed_on_disk(s, "printing") == disk_check.no_answer("printing") and len(calls) == 1
    t0 = time.monotonic()
    threading.Timer(0.1, release.set).start()
    assert disk_check.changed_on_disk(s, "export") == "the file changed on disk since it was opened (1.dat); reopen it"
    assert len(calls) == 2 and calls[1] >= t0
