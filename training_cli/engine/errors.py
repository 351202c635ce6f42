"""The typed errors of the training CLI. Each message is the line a user reads (it names the option
or the file at fault); ``training_cli.main.main`` prints it and exits with ``exit_code``."""

from __future__ import annotations


class TrainingError(Exception):
    """A command that cannot go on; ``str()`` is the whole message shown to the user."""

    exit_code = 1


class ConfigError(TrainingError):
    """Options that do not fit together: a missing or out-of-range option, a config file or a
    resume state that cannot be used, a checkpoint that cannot be read."""


class DataError(TrainingError):
    """A dataset that cannot be used: missing folder or files, empty splits, no records that loaded."""


class ModelLoadError(TrainingError):
    """The model a scoring command names cannot be loaded (exit 2, as the library's typed errors)."""

    exit_code = 2
