"""The files under a folder, as every folder search (``find_records``, ``formats.find_ecg_files``,
a batch's inputs) walks it: one walk, one rule for what is looked at."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Iterator

log = logging.getLogger(__name__)


def walk_files(root: str | Path, check: Callable[[], None] | None = None) -> Iterator[Path]:
    """The files under ``root``, recursively (in no particular order), that a folder search may
    open: regular files and links to them. Hidden files and folders (a leading dot) are skipped.

    Named pipes, sockets and devices are never listed: opening a FIFO blocks until a writer comes,
    so one such file in a folder would hang the search. A link whose target is missing is listed
    (reading it then says so, as a record's error). Linked folders are not followed (a link to a
    folder above would loop). A folder that cannot be listed is skipped with a warning naming it.

    Args:
        root: the folder.
        check: called once per folder before it is listed (e.g. a cancel flag that raises).
    """
    stack = [os.fspath(root)]
    while stack:
        if check is not None:
            check()
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file() or (entry.is_symlink() and not os.path.exists(entry.path)):
                            yield Path(entry.path)
                    except OSError:      # vanished or unreadable since it was listed: reading it says why
                        yield Path(entry.path)
        except OSError as err:
            log.warning("cannot list folder %s (%s): its records are not included", folder, err.strerror or err)
