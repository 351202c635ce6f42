"""Where files live: the shipped resources (models, sample records, icons), and how a file or a
folder is written atomically (the one owner of "temp next to the target, fsync, ``os.replace``").

A reader never sees a half-written file: the bytes go to a fresh temporary name in the target's
folder (same file system, so the final ``os.replace`` is atomic), are flushed to disk, then
replace the target in one step. On any error the temporary file or folder is removed and the
target is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from mirage_model.errors import MirageInputError


class OutputError(MirageInputError, OSError):
    """A file or folder that cannot be written: the message names the path the caller asked for
    ("cannot write OUT: Permission denied"), never the temporary name it was being written through.
    An ``OSError`` too, so callers that catch ``OSError`` keep doing so."""


def _output_error(err: OSError, path: Path, tmp: Path) -> OSError:
    """``err`` as an ``OutputError`` naming ``path`` when it is about ``tmp``, ``path`` or one of
    the folders above them; any other ``OSError`` (the body reading an input) as it is."""
    if isinstance(err, OutputError):
        return err
    ours = {str(tmp), str(path), *map(str, path.parents)}
    names = [str(n) for n in (getattr(err, "filename", None), getattr(err, "filename2", None)) if n is not None]
    # a full disk or quota shows on write(), whose error names no file: the output is what was written
    unnamed_write = not names and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    if not unnamed_write and not any(n in ours or n.startswith(str(tmp) + os.sep) for n in names):
        return err
    reason = err.strerror or str(err)
    if isinstance(err, FileExistsError) and err.filename is not None and str(err.filename) != str(tmp):
        reason = f"{err.filename} is a file, not a folder"      # mkdir of a folder above the target
    return OutputError(f"cannot write {path}: {reason}")


def resources_dir() -> Path:
    """The shipped resources folder (models, sample records, the reversal detector, icons).

    In a checkout (and an editable install) it is resources/ at the top of the project; an
    installed wheel carries the same folder inside this package as ``mirage_model/resources``
    (pyproject.toml maps one onto the other). ``MIRAGE_RESOURCES`` overrides both.
    """
    env = os.environ.get("MIRAGE_RESOURCES")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parent
    installed = package / "resources"
    return installed if installed.is_dir() else package.parent / "resources"


def default_model_path() -> Path | None:
    """The shipped default model folder, or None when no trained model ships yet."""
    return shipped_models().get("default")


def statements_model_path() -> Path | None:
    """The shipped statements model (PTB-XL's 71 SCP statements, the interpretation's source), or
    None when none ships. ``MIRAGE_STATEMENTS_MODEL`` overrides it: a checkpoint folder, or "none"
    (no statements model beside the loaded one; the test suite sets this)."""
    env = os.environ.get("MIRAGE_STATEMENTS_MODEL", "").strip()
    if env:
        return None if env.lower() == "none" else Path(env)
    return shipped_models().get("statements")


def shipped_models() -> dict[str, Path]:
    """Name -> folder of every model shipped in resources/models (e.g. "default", "mi")."""
    root = resources_dir() / "models"
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "config.json").is_file()}


def missing_model_text(path) -> str:
    """Why ``path`` names no model: "PATH: no such checkpoint (expected a folder with config.json
    and model.safetensors, or the name of a shipped model: default, mi, ...)" when it does not
    exist and names no shipped model; "" otherwise (whether what exists is a model is for the
    loader to say). Torch-free: the app asks before its window opens."""
    path = Path(path)
    if path.exists():
        return ""
    shipped = shipped_models()
    if str(path) in shipped:
        return ""
    return (f"{path}: no such checkpoint (expected a folder with config.json and model.safetensors, "
            f"or the name of a shipped model: {', '.join(shipped) or 'none'})")


def sample_records() -> list[Path]:
    """Header paths of the bundled sample records, sorted by name."""
    return sorted((resources_dir() / "samples").rglob("*.hea"))


def default_sample() -> Path | None:
    """The record the app opens when started without one, or None when no samples ship.

    resources/samples/ATTRIBUTION.md names it ("Default record of the app: `path`"); otherwise the
    first of ``sample_records()``.
    """
    samples_dir = resources_dir() / "samples"
    attribution = samples_dir / "ATTRIBUTION.md"
    if attribution.is_file():
        match = re.search(r"Default record of the app:\**\s*`([^`]+)`", attribution.read_text(encoding="utf-8"))
        if match and (samples_dir / match.group(1)).is_file():
            return samples_dir / match.group(1)
    samples = sample_records()
    return samples[0] if samples else None


# a temporary name: ".<name>.<12 hex>.tmp" (``temp_sibling``), told again by ``is_temp_sibling``
_TEMP_HEX = 12
_TEMP_NAME = re.compile(rf"\..+\.[0-9a-f]{{{_TEMP_HEX}}}\.tmp")


def temp_sibling(path: Path) -> Path:
    """A fresh temporary name in ``path``'s folder, to write to and then ``os.replace`` over ``path``.

    Not ``tempfile.mkstemp``: its 0600 mode would survive the replace.
    """
    path = Path(path)
    # keep the name within the 255 bytes most file systems allow (".", 12 hex, ".tmp": 18 more)
    # in the file system's bytes: a name that is no UTF-8 ("out\udcfc.pdf", PEP 383) cannot be encoded as UTF-8
    stem = os.fsdecode(os.fsencode(path.name)[:200])
    return path.parent / f".{stem}.{uuid.uuid4().hex[:_TEMP_HEX]}.tmp"


def is_temp_sibling(path) -> bool:
    """Whether ``path``'s name is one ``temp_sibling`` gives (".results.csv.0123456789ab.tmp"): an atomic
    write's temporary file, left behind only by a write that was killed."""
    return _TEMP_NAME.fullmatch(Path(path).name) is not None


class OutputFolderError(OutputError):
    """``make_output_folder`` could not provide the folder. ``kind`` says why, for the caller's
    own wording: "file" (``path`` is a file), "blocked" (``detail``, a folder above it, is a file),
    "create" (mkdir failed, ``detail`` the reason) or "write" (nothing can be created in it,
    ``detail`` the reason)."""

    def __init__(self, path: Path, kind: str, detail: str):
        self.path, self.kind, self.detail = path, kind, detail
        why = {"file": "is a file, not a folder", "blocked": f"{detail} is a file, not a folder"}.get(kind, detail)
        super().__init__(f"cannot write {path}: {why}")


def make_output_folder(path: str | Path) -> list[Path]:
    """Create the output folder ``path`` (and its missing parents) and make sure a file can be
    created in it, before a command's work starts: a write test, since ``os.access`` says yes to
    root even where nothing can be created (e.g. /proc).

    Returns:
        The folders this call created, outermost first (for a caller that removes them again when
        its work is abandoned before it wrote anything).

    Raises:
        OutputFolderError: ``path`` or a folder above it is a file, or the folder cannot be
            created or written in.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputFolderError(path, "file", "")
    missing = []
    parent = path
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise OutputFolderError(path, "blocked", str(parent))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputFolderError(path, "create", err.strerror or str(err)) from None
    probe = temp_sibling(path / "probe")
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except OSError as err:
        raise OutputFolderError(path, "write", err.strerror or str(err)) from None
    _remove(probe)
    return missing[::-1]


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _remove(path: Path) -> None:
    """Remove a temporary file or folder; never raises."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Write ``path`` atomically through a temporary file that the body creates.

    The body writes a file at the yielded path (``open(tmp, "w")``, ``savefig(tmp, format=...)``,
    a library that takes a file name); on success it is fsynced and ``os.replace``d over ``path``;
    on any error (or ``KeyboardInterrupt``) it is removed and ``path`` is untouched. The folder
    of ``path`` is created when missing. The temporary name ends in ``.tmp``: a writer that picks
    its format from the file name must be told the format.

    Yields:
        The temporary path (in ``path``'s folder, a fresh unique name, not yet created).
    """
    path = Path(path)
    tmp = temp_sibling(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
    except OSError as err:
        _remove(tmp)
        new = _output_error(err, path, tmp)
        if new is err:
            raise
        raise new from err
    except BaseException:
        _remove(tmp)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see ``atomic_output``). Returns ``path``."""
    path = Path(path)
    with atomic_output(path) as tmp:
        with open(tmp, "xb") as fh:
            fh.write(data)
    return path


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see ``atomic_output``); newlines are written as given
    (no platform translation). Returns ``path``."""
    return atomic_write_bytes(path, text.encode(encoding))


def atomic_write_json(path: str | Path, obj, *, indent: int | None = 2, default=None,
                      allow_nan: bool = True) -> Path:
    """``json.dumps(obj, indent=indent, default=default, allow_nan=allow_nan)`` written atomically
    as UTF-8. Returns ``path``."""
    return atomic_write_text(path, json.dumps(obj, indent=indent, default=default, allow_nan=allow_nan))


@contextlib.contextmanager
def atomic_folder(path: str | Path, *, overwrite: bool = True, fsync: bool = True) -> Iterator[Path]:
    """Build a folder atomically: the body fills the yielded (already created) temporary folder,
    which then replaces ``path`` in one ``os.replace``.

    Args:
        path: the folder to create or replace.
        overwrite: an existing ``path`` is moved aside, replaced, then deleted. False: the final
            ``os.replace`` raises ``OSError`` when a non-empty ``path`` appeared meanwhile (e.g.
            another process built the same cache first); the temporary folder is removed.
        fsync: flush every file in the folder to disk before the replace.

    Deciding whether an existing ``path`` may be replaced at all is the caller's job.
    On any error the temporary folder is removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = temp_sibling(path)
    old = None
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.mkdir()
        except OSError as err:
            raise _output_error(err, path, tmp) from err
        yield tmp
        if fsync:
            for f in sorted(tmp.rglob("*")):
                if f.is_file() and not f.is_symlink():
                    _fsync_file(f)
        if overwrite and path.exists():
            old = path.parent / (tmp.name + ".old")
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except OSError as err:
            raise _output_error(err, path, tmp) from err
    except BaseException:
        _remove(tmp)
        if old is not None and not path.exists():
            os.replace(old, path)    # put the previous folder back
            old = None
        raise
    finally:
        if old is not None:
            _remove(old)
