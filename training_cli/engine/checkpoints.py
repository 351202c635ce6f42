"""Checkpoints as the commands name them: a folder or a shipped model's name, loaded with typed errors."""

from __future__ import annotations

from mirage_model.checkpoint import CheckpointError, load_checkpoint
from mirage_model.inference import ModelNotFoundError, Predictor, resolve_model_path
from mirage_model.review.interpret import companion_statements_model
from training_cli.engine.errors import ConfigError, ModelLoadError


def model_path(spec):
    """A checkpoint folder, or the name of a shipped model ("default", "mi") -> its folder.

    Raises:
        ConfigError: with the message of ``inference.ModelNotFoundError``.
    """
    try:
        return resolve_model_path(spec)
    except ModelNotFoundError as err:
        raise ConfigError(f"error: {err}") from None


def load_model(spec, device: str = "cpu"):
    """``load_checkpoint`` of a folder or shipped model name -> ``LoadedModel``.

    Raises:
        ConfigError: no such model, or a checkpoint that cannot be read (the message names it).
    """
    try:
        return load_checkpoint(model_path(spec), device=device)
    except CheckpointError as err:
        raise ConfigError(f"error: {err}") from None


def load_predictor(model, device: str, quality: bool = True) -> Predictor:
    """A Predictor for ``--model`` (None: the shipped default).

    Raises:
        ModelLoadError: the model cannot be loaded (the message names it).
    """
    try:
        return Predictor(model, device=device, quality=quality)
    except (CheckpointError, ValueError, OSError) as err:
        where = "the default model" if model is None else str(model)
        raise ModelLoadError(f"error: cannot load {where}: {err}") from None


def load_statements_predictor(predictor, choice, device: str):
    """The statements model to run beside ``predictor`` for ``--statements-model CHOICE``
    (``interpret.companion_statements_model``: auto, none, or a folder / shipped name), loaded; None
    when there is none (or no ``predictor``).

    Raises:
        ModelLoadError: a statements model that cannot be loaded (the message names it).
    """
    if predictor is None:
        return None
    path = companion_statements_model(getattr(predictor, "labels", ()), choice)
    return load_predictor(path, device) if path is not None else None
