"""Checks of the paths a command will write, made before its work starts: an output that is an
existing file where a folder is wanted (or the reverse), or a place that cannot be written, is
refused at once with one line naming the option and the path, not after minutes of scoring with
an error about a hidden temporary file; and the outputs an earlier run left there, kept unless
``--overwrite``."""

from __future__ import annotations

import os
from pathlib import Path

from mirage_model.formats import guess_format
from mirage_model.paths import OutputFolderError, make_output_folder
from training_cli.engine.errors import TrainingError, UsageError


def _refusal(err: OutputFolderError, option: str, path: Path, blocker: Path | None = None) -> UsageError:
    """``err`` (about ``path``'s folder) as the command's one line about ``option`` ``path``."""
    if err.kind == "file" and blocker is None:
        return UsageError(f"error: {option} {path} is a file, not a folder")
    if err.kind in ("file", "blocked"):
        return UsageError(f"error: cannot write {option} {path}: {blocker or err.detail} is a file, not a folder")
    return UsageError(f"error: cannot write {option} {path}: {err.detail}")


def check_output_file(path, option: str = "--out") -> Path:
    """Refuse an output file that cannot be written (a folder, under a file, on a read-only or
    virtual file system); its folder is created when missing (``paths.make_output_folder``).

    Raises:
        UsageError: naming ``option`` and ``path``.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise UsageError(f"error: {option} {path} is a folder; give a file name")
    try:
        make_output_folder(path.parent)
    except OutputFolderError as err:
        raise _refusal(err, option, path, path.parent if err.kind == "file" else None) from None
    return path


def check_output_folder(path, option: str = "--out") -> Path:
    """Refuse an output folder that cannot be written (an existing file, under a file, on a
    read-only or virtual file system); it is created when missing (``paths.make_output_folder``).

    Raises:
        UsageError: naming ``option`` and ``path``.
    """
    path = Path(path).expanduser()
    try:
        make_output_folder(path)
    except OutputFolderError as err:
        raise _refusal(err, option, path) from None
    return path


def check_output_place(path, option: str = "--out", *, folder: bool = True) -> Path:
    """``check_output_folder`` (``folder``) or ``check_output_file``'s refusal of a file standing where
    ``path`` or one of its folders goes, or of a folder where the file goes, creating nothing: for a
    command whose later refusals (a bad model, a split that does not fit) leave no folder behind.

    Raises:
        UsageError: naming ``option`` and ``path``, in those checks' words.
    """
    path = Path(path).expanduser()
    if not folder and path.is_dir():
        raise UsageError(f"error: {option} {path} is a folder; give a file name")
    target = path if folder else path.parent
    for place in (target, *target.parents):
        if place.is_dir():
            break
        if place.exists():
            if place == path:
                raise UsageError(f"error: {option} {path} is a file, not a folder")
            raise UsageError(f"error: cannot write {option} {path}: {place} is a file, not a folder")
    return path


def same_path(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file or folder (through links, ``..``); False when either is missing."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _input_hit(path: Path, inputs, records) -> str | None:
    """What ``path`` (an existing file) is among the command's inputs, in words; None when it is none.

    Args:
        inputs: files the command reads (a predictions table, a labs table): ``path`` is one when it is
            the same file.
        records: record files or folders of records: ``path`` is one of a record's files when it is a
            record or signal file (``formats.guess_format``, ``.dat``, ``.mat``) of the record file's name
            beside it (``1.dat`` beside ``1.hea``), or under such a folder.
    """
    for given in inputs:
        if given is not None and same_path(path, Path(given).expanduser()):
            return "that is an input of this command"
    for given in records:
        if given is None:                   # an optional record not given (report's --prior)
            continue
        src = Path(given).expanduser()
        if same_path(path, src):
            return "that is the record being read"
        if not (path.suffix.lower() in (".dat", ".mat") or guess_format(path) is not None):
            continue       # a report or table beside the records is no record
        if src.is_dir() and any(same_path(parent, src) for parent in path.parents):
            return f"that is a file of the records under {given}"
        if path.stem == src.stem and same_path(path.parent, src.parent):
            return f"that is a file of the record {given}"
    return None


def refuse_earlier_outputs(command: str, given, paths, overwrite: bool, *, what: str | None = None,
                           option: str = "--out", error: type[TrainingError] = UsageError,
                           inputs=(), records=()) -> None:
    """Refuse, before any work, an ``option`` whose files an earlier run left unless ``overwrite``
    (the commands' ``--overwrite``): a run had replaced them at its end, without a word.

    Args:
        command: "mirage evaluate", as the line names it.
        given: the ``option``'s value as typed (a folder or a file).
        paths: the files the command writes there.
        what: what ``paths`` hold, when the file names do not say it ("a model already (...)");
            default: "an earlier run's" and the names of those found.
        error: the command's error type (its exit status).
        inputs, records: what the command reads (``_input_hit``): one of ``paths`` that is one of them is
            refused, ``overwrite`` or not (``mirage report REC.hea --out REC.hea --overwrite`` had written
            the PDF over the recording).

    Raises:
        ``error``: some of ``paths`` exist and ``overwrite`` is False; it names the folder, the files
            and --overwrite. Or one of ``paths`` is an input.
    """
    found = [Path(p) for p in paths if Path(p).exists()]
    given = Path(given).expanduser()
    for path in found:
        source = _input_hit(path, inputs, records)
        if source is not None:
            raise error(f"error: {command} {option} {given}: {source}; it is never replaced, --overwrite or "
                        f"not: give another {option}")
    if overwrite or not found:
        return
    folder = found[0].parent
    where = "" if folder == given else f"its folder {folder.resolve()} "
    what = what or "an earlier run's " + ", ".join(p.name for p in found)
    raise error(f"error: {command} {option} {given}: {where}holds {what}; give --overwrite to replace "
                f"{'them' if len(found) > 1 else 'it'}, or another {option}")
