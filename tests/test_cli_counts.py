"""Counts a user types (--threads, --batch-size, --epochs, --workers, --chunk-size): a value the command
cannot use is the usage error a non-number is (exit 2, naming the option and the value), before any
work. Before, a negative --threads ran on one thread without a word (``mirage ablate --threads -3``
trained every variant), and a negative --workers reached torch's DataLoader ("error: ValueError:
num_workers option should be non-negative ...") after train and ablate had written their config.json."""

from __future__ import annotations

import pytest

from training_cli.engine.data import DataOptions
from training_cli.engine.errors import ConfigError
from training_cli.main import get_args_parser, main

REQUIRED = {"train": [], "ablate": [], "evaluate": [], "bench": [], "robustness": ["--data", "d"],
            "calibrate": ["--model", "m", "--out", "o"], "ensemble": ["m", "--out", "o"],
            "score": ["folder", "--out", "o.csv"]}
REFUSED = [("train", "--threads", "-1"), ("train", "--epochs", "0"), ("train", "--batch-size", "0"),
           ("train", "--workers", "-1"), ("ablate", "--threads", "-3"), ("ablate", "--epochs", "-1"),
           ("ablate", "--batch-size", "0"), ("evaluate", "--threads", "-1"), ("evaluate", "--batch-size", "0"),
           ("calibrate", "--threads", "-2"), ("calibrate", "--batch-size", "-1"), ("ensemble", "--threads", "-1"),
           ("ensemble", "--batch-size", "0"), ("bench", "--threads", "0"),
           ("robustness", "--threads", "0"), ("robustness", "--chunk-size", "0"), ("score", "--workers", "0"),
           ("score", "--threads", "-1"), ("score", "--chunk-size", "0")]


@pytest.mark.parametrize("command, option, value", REFUSED)
def test_a_count_below_its_least_is_a_usage_error(capsys, command, option, value):
    with pytest.raises(SystemExit) as info:
        get_args_parser([command]).parse_args([command, *REQUIRED[command], option, value])
    assert info.value.code == 2
    assert f"mirage {command}: error: argument {option}: {value}: give " in capsys.readouterr().err


@pytest.mark.parametrize("command, option, value", [("train", "--threads", "0"), ("evaluate", "--threads", "0"),
                                                    ("train", "--workers", "0"), ("score", "--workers", "1")])
def test_the_counts_that_mean_a_default_stay(command, option, value):
    args = get_args_parser([command]).parse_args([command, *REQUIRED[command], option, value])
    assert getattr(args, option[2:].replace("-", "_")) == int(value)


def test_a_negative_workers_count_from_a_config_file_is_refused():
    with pytest.raises(ConfigError, match=r"--workers must be at least 1, or 0 for all cores \(got -1\)"):
        DataOptions(data="ptbxl:x", workers=-1)


def test_the_command_line_says_it_in_one_usage_line(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        main(["train", "--data", f"folder:{tmp_path}", "--workers", "-1", "--out", str(out)])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == \
        "mirage train: error: argument --workers: -1: give 0 or more"
    assert not out.exists()
