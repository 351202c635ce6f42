"""The optional ``formats`` extra (pyproject's ``[project.optional-dependencies]``): its modules are
imported when a file of their format is read, and a missing one is an error naming the extra to
install, not an ImportError."""

from __future__ import annotations

import importlib
from pathlib import Path

from mirage_model.formats.registry import FORMATS
from mirage_model.records.record import RecordError


class MissingExtraError(RecordError):
    """The file's format needs an optional dependency group that is not installed."""


def require(module: str, path: Path, fmt: str):
    """Import ``module`` or raise MissingExtraError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = FORMATS[fmt].extra or "formats"
        raise MissingExtraError(
            path, f"this is a {FORMATS[fmt].name} file; reading it needs the optional "
                  f"'{extra}' extra: pip install 'mirage-review[{extra}]'") from None
