"""What stops a long command from outside as Ctrl-C does: ``kill PID`` (SIGTERM) and a closed terminal (SIGHUP).

``mirage`` runs every command inside ``stop_signals_interrupt`` (``training_cli.main``: from its own imports on,
before a command's modules load), and ``mirage score`` and ``mirage train`` their work inside one of their own:
either signal raises KeyboardInterrupt there, so the command says what it kept and how to carry on, as it does for
Ctrl-C, where the signal had ended the process at once and without a word.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

# what else stops a run from outside, as Ctrl-C does: kill's default signal, a closed terminal
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def stop_signals_interrupt():
    """Inside the block, SIGTERM (``kill PID``) and SIGHUP (the terminal closed) stop the run as
    Ctrl-C does (KeyboardInterrupt): ``score_folder`` then writes the rows done and the user is told
    how to resume; ``mirage train`` says what its --out keeps and the command that continues it. They ended the
    process at once before, and the terminal said nothing. Yields a list that holds the signal that stopped the
    run (empty for Ctrl-C). Only in the main thread (Python's rule)."""
    stopped: list = []
    if threading.current_thread() is not threading.main_thread():
        yield stopped
        return
    own = os.getpid()

    def stop(signum, _frame):
        if os.getpid() != own:      # a process forked inside the block (a data loader's worker): ended as before
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if not stopped:             # a second signal while the rows are written must not cut it short
            stopped.append(signum)
            raise KeyboardInterrupt

    before = {}
    for sig in STOP_SIGNALS:
        try:
            before[sig] = signal.signal(sig, stop)
        except (OSError, ValueError):
            pass
    try:
        yield stopped
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def signal_words(sig) -> str:
    """How the user stopped a run: "Ctrl-C", "SIGTERM", "SIGHUP"."""
    return "Ctrl-C" if sig == signal.SIGINT else signal.Signals(sig).name
