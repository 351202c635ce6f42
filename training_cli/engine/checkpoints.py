"""Checkpoints as the commands name them: a folder or a shipped model's name, loaded with typed errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mirage_model.checkpoint import CONFIG_NAME, WEIGHTS_NAME, CheckpointError, load_checkpoint
from mirage_model.inference import ModelNotFoundError, Predictor, resolve_model_path
from mirage_model.review.interpret import companion_statements_model
from mirage_model.review.labels import ptbxl_coded
from mirage_model.runtime import DeviceError
from training_cli.engine.errors import ConfigError, ModelLoadError, UsageError
from training_cli.engine.split_record import DATA_KEYS
from training_cli.outputs import check_output_place, refuse_earlier_outputs, same_path


def model_path(spec):
    """A checkpoint folder, or the name of a shipped model ("default", "mi") -> its folder.

    Raises:
        ConfigError: with the message of ``inference.ModelNotFoundError``.
    """
    try:
        return resolve_model_path(spec)
    except ModelNotFoundError as err:
        raise ConfigError(f"error: {err}") from None


def refuse_earlier_checkpoint(out, overwrite: bool, command: str, reads=()) -> None:
    """Refuse, before any work, an ``--out`` folder that holds a checkpoint unless ``overwrite``, and
    one that is a model the command reads, ``overwrite`` or not: an --out is never an input (as
    ``outputs.refuse_earlier_outputs`` has it for the other commands). ``mirage calibrate --model X
    --out X --overwrite`` had replaced the model it read, warned only without --overwrite.

    ``mirage calibrate`` and ``mirage ensemble`` wrote their checkpoint over any earlier one at the
    end of their run, without a word (``mirage train`` refuses the same, see its ``--overwrite``).

    Args:
        reads: (its option, spec) of each model the command reads: ("--model", "RUN/model"), ("", "a#1")
            (an ensemble's member, named by its place on the line; ``CHECKPOINT#MEMBER`` is the checkpoint's).

    Raises:
        ConfigError: ``out`` holds a MIRAGE checkpoint (its config.json) and ``overwrite`` is False;
            ``out`` is one of ``reads``; one of ``reads`` names no model (``read_model_path``).
        UsageError: ``out`` is a file, or lies under one (``outputs.check_output_place``).
    """
    # "error: --out X is a file, not a folder" had said neither whose --out nor what to give
    if Path(out).expanduser().is_file():
        raise UsageError(f"error: {command} --out {out}: a file, not a folder; the model is written as a folder "
                         f"({CONFIG_NAME}, {WEIGHTS_NAME}): give a folder's name")
    folder = check_output_place(out, "--out")     # a file there: refused before the model is read
    for option, spec in reads:
        source = read_model_path(spec, command, option)
        if same_path(folder, source):
            named = f"{option} {spec}".strip()
            raise ConfigError(f"error: {command} --out {out}: that is the model being read ({named}); "
                              "it is never replaced, --overwrite or not: give another --out")
    refuse_earlier_outputs(command, folder, [folder / CONFIG_NAME], overwrite, error=ConfigError,
                           what="a model already (an earlier run's)")


def read_model_path(spec, command: str, option: str = "--model") -> Path:
    """``model_path`` of ``spec`` (``CHECKPOINT[#MEMBER]``: the checkpoint's), refused in the words of the
    command's other refusals: "error: mirage export --model RUN/modle: no such checkpoint (expected ...)".

    Raises:
        ConfigError: ``spec`` names no folder and no shipped model.
    """
    path = str(spec).partition("#")[0]
    try:
        return Path(resolve_model_path(path))
    except ModelNotFoundError as err:
        reason, said = str(err), f"{Path(path)}: "
        reason = reason[len(said):] if reason.startswith(said) else reason
        named = " ".join(part for part in (command, option, str(spec)) if part)
        raise ConfigError(f"error: {named}: {reason}") from None


def load_model(spec, device: str = "cpu"):
    """``load_checkpoint`` of a folder or shipped model name -> ``LoadedModel``.

    Raises:
        ConfigError: no such model, or a checkpoint that cannot be read (the message names it).
    """
    try:
        return load_checkpoint(model_path(spec), device=device)
    except CheckpointError as err:
        raise ConfigError(f"error: {err}") from None


def load_members(spec: str, device: str = "cpu") -> list:
    """``CHECKPOINT[#MEMBER]`` -> the single models it names, as ``LoadedModel`` s.

    A single model is itself; an ensemble (a folder or a shipped name such as "default") is its
    members, or only member MEMBER with ``#MEMBER`` ("default#1"). A member comes without the
    ensemble's calibration, measured-rhythm stage, noise spread and thresholds (they were fitted on the mean); its
    provenance is the ensemble's record of it, beside the ensemble's data and splits.

    Raises:
        ConfigError: no such model, an unreadable checkpoint, or a MEMBER it does not have.
    """
    path, _, member = str(spec).partition("#")
    loaded = load_model(path, device=device)
    if loaded.model_type != "ensemble":
        if member:
            raise ConfigError(f"error: {spec}: {path} is a single model, not an ensemble; it has no member {member!r}")
        return [loaded]
    n = len(loaded.model.members)
    if member and (not member.isdigit() or int(member) >= n):
        raise ConfigError(f"error: {spec}: {path} has {n} members (#0 to #{n - 1}), not {member!r}")
    picks = [int(member)] if member else range(n)
    configs = loaded.model_config.get("members", [])
    recorded = (loaded.provenance or {}).get("members") or [{}] * n
    shared = {k: v for k, v in (loaded.provenance or {}).items() if k in DATA_KEYS}

    def labels_of(i):            # a member of a subset of the labels (models.ensemble) carries its own
        classes = configs[i].get("classes")
        if classes is not None and None in classes:
            raise ConfigError(f"error: {spec}: member {i} of {path} leaves some of its outputs out of the "
                              "ensemble, whose labels the checkpoint does not record; name that member's own "
                              "checkpoint instead")
        return list(loaded.labels) if classes is None else [loaded.labels[k] for k in classes]

    def schema_of(i):            # a member fitted on other records: its own normalisation back
        pairs = configs[i].get("clinical")
        return loaded.schema if pairs is None else member_schema(loaded.schema, pairs, f"{spec}: member {i}")

    return [dataclasses.replace(
        loaded, model=loaded.model.members[i], model_type=configs[i]["model_type"], labels=labels_of(i),
        schema=schema_of(i),
        model_config=dict(configs[i]["config"]), thresholds=[], calibration=None, measured_stack=None,
        noise_spread=None, provenance={**shared, **(recorded[i] if i < len(recorded) else {})}, metrics={},
        model_card=None,
        name=f"{loaded.name or path}#{i}", path=Path(f"{loaded.path}#{i}")) for i in picks]


def clinical_rescale(ref_schema, schema) -> list[list[float]] | None:
    """Per feature [a, b] with ``x_member = a * x_ref + b`` (``models.ensemble``), or None when the
    member's normalisation is the first member's; ``member_schema`` is its inverse."""
    pairs = [[f_ref.std / f.std, (f_ref.mean - f.mean) / f.std] for f_ref, f in zip(ref_schema.features, schema.features)]
    return None if all(a == 1.0 and b == 0.0 for a, b in pairs) else pairs


def member_schema(schema, pairs, where: str):
    """The clinical schema of an ensemble member whose entry rescales the ensemble's ``schema`` by
    ``pairs`` ([a, b] per feature): std / a and mean - b * std / a, the member's own normalisation.

    Raises:
        ConfigError: a factor a that is not positive (no normalisation gives it).
    """
    if any(a <= 0 for a, _ in pairs):
        raise ConfigError(f"error: {where}: a clinical rescaling factor is not positive")
    feats = [dataclasses.replace(f, std=f.std / a, mean=f.mean - b * f.std / a) for f, (a, b) in zip(schema.features, pairs)]
    return dataclasses.replace(schema, features=feats)


def load_predictor(model, device: str, quality: bool = True) -> Predictor:
    """A Predictor for ``--model`` (None: the shipped default).

    Raises:
        ModelLoadError: the model cannot be loaded (the message names it).
    """
    try:
        return Predictor(model, device=device, quality=quality)
    except DeviceError as err:
        # the option, not the model: "cannot load the default model: device 'gpu'" had misled
        raise ModelLoadError(f"error: --{err}") from None
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
    path = companion_statements_model(ptbxl_coded(predictor), choice)    # an own "AFIB" is no statement
    return load_predictor(path, device) if path is not None else None
