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


class UsageError(TrainingError):
    """Options or inputs a scoring, reporting, benchmarking or conversion command cannot use; these
    commands document exit status 2 for them (1 means some records failed)."""

    exit_code = 2


class ModelLoadError(UsageError):
    """The model a scoring command names cannot be loaded."""
