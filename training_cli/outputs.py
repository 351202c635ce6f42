"""Checks of the paths a command will write, made before its work starts: an output that is an
existing file where a folder is wanted (or the reverse), or a place that cannot be written, is
refused at once with one line naming the option and the path, not after minutes of scoring with
an error about a hidden temporary file."""

from __future__ import annotations

import os
from pathlib import Path

from mirage_model.paths import temp_sibling
from training_cli.engine.errors import UsageError


def _reason(err: OSError) -> str:
    return err.strerror or str(err)


def _probe(folder: Path, option: str, path: Path) -> None:
    """Create and remove a temporary file in ``folder``: the one sure test that it can be written
    (``os.access`` says yes to root even where nothing can be created, e.g. /proc)."""
    tmp = temp_sibling(folder / "probe")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except OSError as err:
        raise UsageError(f"error: cannot write {option} {path}: {_reason(err)}") from None
    os.close(fd)
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _make_folder(folder: Path, option: str, path: Path) -> None:
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"error: cannot write {option} {path}: {parent} is a file, not a folder")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"error: cannot write {option} {path}: {_reason(err)}") from None


def check_output_file(path, option: str = "--out") -> Path:
    """Refuse an output file that cannot be written (a folder, under a file, on a read-only or
    virtual file system); its folder is created when missing.

    Raises:
        UsageError: naming ``option`` and ``path``.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise UsageError(f"error: {option} {path} is a folder; give a file name")
    _make_folder(path.parent, option, path)
    _probe(path.parent, option, path)
    return path


def check_output_folder(path, option: str = "--out") -> Path:
    """Refuse an output folder that cannot be written (an existing file, under a file, on a
    read-only or virtual file system); it is created when missing.

    Raises:
        UsageError: naming ``option`` and ``path``.
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"error: {option} {path} is a file, not a folder")
    _make_folder(path, option, path)
    _probe(path, option, path)
    return path
