"""The one base class of the library's user-facing errors.

Every error the library raises for input that cannot be used (a record, a checkpoint, a clinical
value, a batch, a signal that cannot be preprocessed) derives from ``MirageInputError``, and its
message names the file at fault. A front end catches this one class and shows the message (the
``mirage`` command line exits 2 with it) without importing the modules that raise it.
"""

from __future__ import annotations


class MirageInputError(Exception):
    """Input that cannot be used; the message says which file and why (never a bug of the program)."""
