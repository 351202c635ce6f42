"""``mirage train`` stopped by Ctrl-C says what it leaves to continue from and the command that continues it.
A run stopped in its second epoch had said "interrupted" alone: its resume state (OUT/last, after epoch 1) waited
for ``--resume`` with the same options, which the user had to know of and to type again."""
from __future__ import annotations

import shlex

import pytest

import training_cli.engine.loop as loop
from helpers_training import make_folder, train_argv
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_run_stopped_by_ctrl_c_names_its_state_and_the_command_that_continues_it(tmp_path, monkeypatch, capsys):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=4, split_column=True)
    out = tmp_path / "runs" / "own"
    argv = train_argv(f"folder:{root}", out, tmp_path / "cache", labels=labels)
    epoch_of = loop.train_epoch

    def ctrl_c_in_epoch_2(s, loader, epoch, cfg, progress):
        if epoch == 1:
            raise KeyboardInterrupt
        return epoch_of(s, loader, epoch, cfg, progress)

    monkeypatch.setattr(loop, "train_epoch", ctrl_c_in_epoch_2)
    monkeypatch.setattr("sys.argv", ["mirage", "train", *argv])     # the command line the resume state records
    assert main(["train", *argv]) == 130
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "interrupted"
    said = err[-2]
    command = shlex.join(["mirage", "train", *argv, "--resume"])
    assert said == (f"{out / 'last'} keeps the run after epoch 1 of 2 ({out / 'model'}: the best model so far, "
                    f"epoch 1); continue it with: {command}")
    monkeypatch.setattr(loop, "train_epoch", epoch_of)
    monkeypatch.setattr("sys.argv", ["mirage", "train", *argv, "--resume"])
    assert main(shlex.split(command)[1:]) == 0          # the command said continues it


def test_a_run_stopped_before_its_first_epoch_ended_says_nothing_is_kept(tmp_path, monkeypatch, capsys):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=4, split_column=True)
    out = tmp_path / "runs" / "own"

    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "train_epoch", ctrl_c)
    assert main(["train", *train_argv(f"folder:{root}", out, tmp_path / "cache", labels=labels)]) == 130
    assert capsys.readouterr().err.splitlines()[-2:] == [
        f"{out}: no epoch had ended, nothing kept to resume: run the command again", "interrupted"]


def test_a_run_stopped_by_sigterm_says_what_ctrl_c_says(tmp_path, monkeypatch, capsys):
    """``kill PID`` (SIGTERM) in epoch 2 had ended the process at once, without a word; it now stops the run as
    Ctrl-C does, naming the state kept and the command that continues it, and exits 128 + 15."""
    import os
    import signal
    root, labels = make_folder(tmp_path / "ecgs", n_copies=4, split_column=True)
    out = tmp_path / "runs" / "own"
    argv = train_argv(f"folder:{root}", out, tmp_path / "cache", labels=labels)
    epoch_of = loop.train_epoch

    def kill_in_epoch_2(s, loader, epoch, cfg, progress):
        if epoch == 1:
            os.kill(os.getpid(), signal.SIGTERM)
        return epoch_of(s, loader, epoch, cfg, progress)

    monkeypatch.setattr(loop, "train_epoch", kill_in_epoch_2)
    monkeypatch.setattr("sys.argv", ["mirage", "train", *argv])
    before = signal.getsignal(signal.SIGTERM)
    assert main(["train", *argv]) == 143
    assert signal.getsignal(signal.SIGTERM) == before       # the handler is put back
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "interrupted (SIGTERM)"
    command = shlex.join(["mirage", "train", *argv, "--resume"])
    assert err[-2] == (f"{out / 'last'} keeps the run after epoch 1 of 2 ({out / 'model'}: the best model so far, "
                       f"epoch 1); continue it with: {command}")


def test_an_overwrite_run_stopped_before_its_first_epoch_does_not_speak_of_the_earlier_run_as_its_own(
        tmp_path, monkeypatch, capsys):
    """An --out holding a finished run (2 epochs), trained again with --overwrite and stopped before its first
    epoch ended: the earlier run's outputs are put back, its last/ among them. The note had read "OUT/last keeps
    the run after epoch 2 of 2 ...; continue it with: <the earlier command> --resume" as if of this run; it now
    says no epoch of this run ended and that last/ keeps the earlier run."""
    root, labels = make_folder(tmp_path / "ecgs", n_copies=4, split_column=True)
    out = tmp_path / "runs" / "own"
    argv = train_argv(f"folder:{root}", out, tmp_path / "cache", labels=labels)
    assert main(["train", *argv]) == 0
    capsys.readouterr()

    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "train_epoch", ctrl_c)
    assert main(["train", *argv, "--overwrite"]) == 130
    assert capsys.readouterr().err.splitlines()[-2:] == [
        f"{out}: no epoch of this run had ended, nothing of it kept to resume: run the command again "
        f"({out / 'last'} keeps an earlier run, after epoch 2 of 2: --resume would continue that run, not this one)",
        "interrupted"]
    assert (out / "model" / "config.json").is_file()        # the earlier run's, put back
