"""``kill PID`` (SIGTERM) in the first second or two of ``mirage score``, while Python imports its modules (before
the command holds the stop signals for its work), had ended the process without a word (exit -15: a death by the
signal). ``mirage`` holds them from its own first imports on: it says that it was stopped while starting and that
nothing was written, and ends with 128 + the signal, as Ctrl-C there does (130).

Truth: the child's exit status and stderr, and the output file that is not there. No timing: the child holds the
import, says so on stderr, and the signal is sent once that line is read."""

from __future__ import annotations

import os
import signal

import pytest

from test_cli_main import stopped_while_importing


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM as kill sends it")
@pytest.mark.parametrize("way", ["-m", "script"])
@pytest.mark.parametrize("held", ["training_cli.engine.errors", "training_cli.commands.score"])
def test_sigterm_while_mirage_score_starts_says_so(tmp_path, way, held):
    """``held``: one of ``training_cli.main``'s own imports (before ``main`` runs), and ``mirage score``'s module
    (torch and the library: imported by ``main`` as it parses the line)."""
    returncode, stdout, stderr = stopped_while_importing(tmp_path, held, way, signal.SIGTERM)
    # before: -15 and nothing said
    assert (returncode, stderr.strip()) == (128 + signal.SIGTERM,
                                            "interrupted (SIGTERM) while starting: nothing was written")
    assert stdout == "" and not (tmp_path / "x.csv").exists()


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM as kill sends it")
def test_sigterm_during_a_command_run_in_process_stops_it_and_puts_the_handlers_back(monkeypatch, capsys):
    """``main`` run in its caller's process (a test, a notebook): a SIGTERM during a command's run stops it as
    Ctrl-C does ("interrupted (SIGTERM)", 128 + 15), and the caller's own SIGTERM and SIGHUP handlers are there
    again after. Truth: the exit status, stderr, and the handlers read back. The caller's handler here only counts
    (before the change it got the signal, and the command ran on to its end: 0)."""
    import time

    from training_cli.commands import info
    from training_cli.main import main

    got: list = []

    def caller(signum, _frame):
        got.append(signum)

    def stopped_run(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)               # the handler runs at once; a run that sleeps on ended unstopped
        return 0

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        signal.signal(signal.SIGTERM, caller)
        monkeypatch.setattr(info, "run", stopped_run)
        assert main(["info"]) == 128 + signal.SIGTERM
        assert capsys.readouterr().err.strip() == "interrupted (SIGTERM)"
        assert signal.getsignal(signal.SIGTERM) is caller and got == []
        assert signal.getsignal(signal.SIGHUP) == before[signal.SIGHUP]
    finally:
        signal.signal(signal.SIGTERM, before[signal.SIGTERM])
