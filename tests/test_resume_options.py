"""``mirage train --resume`` with other options than the stopped run's: refused, naming them.

A researcher who resumed a stopped ``--preset tiny`` run without repeating ``--preset tiny`` (or
without its ``--labs``) had got torch's state-dict error: dozens of parameter names and shapes, no
option named, and the run's config.json already replaced by the failed attempt's options.
"""

from __future__ import annotations

import json
import shutil

import pytest

from helpers_training import make_folder, train_argv
from training_cli.commands.train import config_from_args, train_command_parser
from training_cli.engine.errors import ConfigError
from training_cli.engine.loop import train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_train(argv: list[str]) -> int:
    return train(config_from_args(train_command_parser().parse_args(argv)))


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    """A tiny run stopped after its first epoch of two: (its OUT/last, data root, labels, cache)."""
    root, labels = make_folder(tmp_path_factory.mktemp("folder") / "ecgs", n_copies=4, split_column=True)
    cache = tmp_path_factory.mktemp("cache")
    out = tmp_path_factory.mktemp("runs") / "stopped"
    assert run_train(train_argv(f"folder:{root}", out, cache, "--stop-after", "1", labels=labels)) == 0
    return out / "last", root, labels, cache


def copy_of(last, tmp_path, drop_args: bool = False):
    out = tmp_path / "run"
    shutil.copytree(last, out / "last")
    if drop_args:            # a run stopped before its state kept its options
        state = json.loads((out / "last" / "state.json").read_text())
        del state["args"]
        (out / "last" / "state.json").write_text(json.dumps(state))
    return out


def test_resume_without_the_preset_is_refused_naming_it(stopped, tmp_path):
    last, root, labels, cache = stopped
    out = copy_of(last, tmp_path)
    with pytest.raises(ConfigError) as info:
        run_train(train_argv(f"folder:{root}", out, cache, "--resume", "--preset", "small", labels=labels))
    msg = str(info.value)
    assert "--preset tiny (this command: small)" in msg
    assert "--weight-decay 0.0 (this command: 0.05)" in msg          # the tiny recipe's 0 against small's
    assert "--overwrite" in msg
    assert not (out / "config.json").exists()                       # refused before the run wrote anything


def test_resume_with_another_switch_is_refused_naming_it(stopped, tmp_path):
    last, root, labels, cache = stopped
    out = copy_of(last, tmp_path)
    with pytest.raises(ConfigError, match=r"--augment off \(this command: on\)"):
        run_train(train_argv(f"folder:{root}", out, cache, "--resume", "--augment", labels=labels))


def test_resume_with_free_options_goes_on(stopped, tmp_path):
    """Threads, progress and the test scoring may differ: the run goes on to its second epoch."""
    last, root, labels, cache = stopped
    out = copy_of(last, tmp_path)
    argv = train_argv(f"folder:{root}", out, cache, "--resume", "--no-test", "--bootstrap", "0", labels=labels)
    assert run_train([a for a in argv if a != "--no-progress"]) == 0
    assert json.loads((out / "last" / "state.json").read_text())["epoch"] == 2


def test_resume_of_an_older_state_of_another_model_says_what_to_give(stopped, tmp_path):
    """A state without its options (an older run) resumed with another preset: the model's shapes differ."""
    last, root, labels, cache = stopped
    out = copy_of(last, tmp_path, drop_args=True)
    with pytest.raises(ConfigError, match="not the model this command builds .*another --preset"):
        run_train(train_argv(f"folder:{root}", out, cache, "--resume", "--preset", "small", labels=labels))
