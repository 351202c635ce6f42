"""The files under a folder, as every folder search (``find_records``, ``formats.find_ecg_files``,
a batch's inputs) walks it: one walk, one rule for what is looked at; and a file a record names,
found as the folder spells it (``named_file``) or said to be what it is (``link_problem``,
``not_regular``)."""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from mirage_model.csvsafe import printable

log = logging.getLogger(__name__)


def walk_files(root: str | Path, check: Callable[[], None] | None = None,
               unreadable: list | None = None, hidden: list | None = None,
               skip_suffixes: tuple[str, ...] = (), file_links: list | None = None,
               special: list | None = None) -> Iterator[Path]:
    """The files under ``root``, recursively (in no particular order), that a folder search may
    open: regular files and links to them. Hidden files and folders (a leading dot) are skipped,
    and told to ``hidden``.

    Named pipes, sockets and devices are never listed: opening a FIFO blocks until a writer comes,
    so one such file in a folder would hang the search. A link whose target is missing is listed
    (reading it then says so, as a record's error). A linked folder is followed (a share that links
    "2024 -> /mnt/archive/2024" in holds those records too) unless it leads to a folder already
    listed or being listed (a link to a folder above would loop; one to a sibling would list its
    records twice): every folder is listed once, by its own path when it lies under ``root``
    (linked folders are followed only once every folder reached without a link is listed, so that
    ``sub/ptbxl_again -> ../ptbxl`` does not take ``ptbxl``'s records as its own, as it did when it
    happened to be listed first: their ``record_path``, which a resumed run matches rows by, followed
    the order of a folder's listing), else by the first link that reaches it, in sorted order. A
    folder that cannot be listed is skipped with a warning naming it, and told to ``unreadable`` so
    that the search's caller can tell its user.

    Args:
        root: the folder.
        check: called once per folder before it is listed (e.g. a cancel flag that raises).
        unreadable: when a list, receives (folder, reason) of each folder that cannot be listed.
        hidden: when a list, receives the path of each hidden file or folder (a folder's files are
            not looked at: a ``.git`` holds thousands), so that the caller can say they were passed over.
        skip_suffixes: lower-case endings of file names not to list (a search that never opens a
            WFDB signal file: PTB-XL's 21,799 .dat files had each been made a Path, a quarter of its listing).
        file_links: when a list, receives each file listed that is a symbolic link, and each that may be a
            hard link: one whose inode number another file listed shares (the listing knows both without a
            look at the file, POSIX's ``d_ino``; not looked for elsewhere; on another device a number may recur, so
            a caller tells them apart by ``os.stat``'s device and inode), so that a caller can tell one file
            listed under two names.
        special: when a list, receives each named pipe, socket or device (or link to one) that is not listed,
            never opened, so that the caller can say it was not read (``not_regular`` says what it is).
    """
    stack = [os.fspath(root)]
    inodes: dict[int, Path | None] = {}         # inode number -> the first file of it (None: told already)
    posix = os.name == "posix"                  # the inode number free there (d_ino); on Windows a call per file
    links: list[str] = []                       # linked folders, followed once the others are listed
    seen: set[tuple[int, int]] = set()          # (device, inode) of each folder listed
    while stack or links:
        if check is not None:
            check()
        if not stack:
            links.sort(reverse=True)            # the first link in sorted order first
            stack.append(links.pop())
        folder = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        if hidden is not None:
                            hidden.append(Path(entry.path))
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_symlink() and entry.is_dir():
                            target = entry.stat()
                            if (target.st_dev, target.st_ino) not in seen:
                                links.append(entry.path)
                        elif skip_suffixes and entry.name.lower().endswith(skip_suffixes):
                            continue
                        elif entry.is_file() or (entry.is_symlink() and not os.path.exists(entry.path)):
                            path = Path(entry.path)
                            if file_links is not None:
                                if entry.is_symlink():
                                    file_links.append(path)
                                elif posix and inodes.setdefault(entry.inode(), path) is not path:
                                    _same_inode(entry.inode(), path, inodes, file_links)    # a hard link?
                            yield path
                        elif special is not None:
                            special.append(Path(entry.path))
                    except OSError:      # vanished or unreadable since it was listed: reading it says why
                        yield Path(entry.path)
        except OSError as err:
            reason = str(err.strerror or err)
            log.warning("cannot list folder %s (%s): its records are not included", folder, reason)
            if unreadable is not None:
                unreadable.append((folder, reason))


def _same_inode(ino: int, path: Path, inodes: dict, file_links: list) -> None:
    """Tell ``path``, whose inode number ``ino`` a file listed before has, to ``file_links``, and that
    file too the first time (a hard link's two names: a batch had scored them as two records)."""
    first = inodes[ino]
    if first is not None:
        file_links.append(first)
        inodes[ino] = None
    file_links.append(path)


def natural_key(path) -> tuple:
    """Sort key of a path that orders numbers by value: 1, 2, 10, 11, 100 (not 1, 10, 100, 11, 2),
    letter case aside; paths alike but for case or a number's leading zeros ("a01", "a1") in text
    order, so that the order is total. The one order of records: the app's folder dock, a batch's
    rows (its output, its progress, the batch dialog's table) and its PDFs' names."""
    text = str(path)
    parts = re.split(r"(\d+)", text.lower())
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in parts), text


def unreadable_line(unreadable: list[tuple[str, str]], limit: int = 3) -> str:
    """What a search's user is told of the folders it could not list, e.g. "1 folder could not
    be read: /data/locked (Permission denied)" ("" when none); names escaped for one line."""
    if not unreadable:
        return ""
    n = len(unreadable)
    named = ", ".join(f"{printable(folder)} ({printable(reason)})" for folder, reason in unreadable[:limit])
    return f"{n} folder{'s' if n != 1 else ''} could not be read: {named}{' ...' if n > limit else ''}"


def link_problem(path: str | Path) -> str:
    """Why ``path``, a symbolic link, leads to no file: "a symbolic link that loops (a.hea ->
    b.hea -> a.hea); nothing to read", "a symbolic link to gone.hea, which does not exist"; "" when
    ``path`` is no link or leads somewhere. A folder listing shows such a link as a file, so "not
    found" would contradict what the user sees."""
    path = Path(path)
    if not path.is_symlink():
        return ""
    try:
        os.stat(path)
        return ""
    except OSError as err:
        code, reason = err.errno, err.strerror or str(err)
    chain, here, seen = [path.name], path, {os.path.abspath(path)}
    for _ in range(8):                          # the first few steps name the loop
        try:
            target = os.readlink(here)
        except OSError:
            break
        here = here.parent / target
        chain.append(target)
        if os.path.abspath(here) in seen or not here.is_symlink():
            break
        seen.add(os.path.abspath(here))
    if code == errno.ELOOP:
        return f"a symbolic link that loops ({' -> '.join(chain)}); nothing to read"
    if code == errno.ENOENT:
        return f"a symbolic link to {chain[-1]}, which does not exist"
    return f"a symbolic link that cannot be followed ({' -> '.join(chain)}: {reason})"


def named_file(folder: str | Path, name: str) -> Path:
    """The file ``name`` (as a header names it) in ``folder``: as spelled, else as spelled in the
    other Unicode normal form when only that exists, else the one file whose name differs only in
    letter case. macOS stores "Müller.dat" decomposed (NFD: "u" and a combining diaeresis) whatever
    a header written elsewhere spells (NFC, "ü"), and a header written on a Mac names its files
    decomposed; on Linux the two are different names. Records copied from a FAT medium or a DOS-era
    cart arrive as "1.HEA" + "1.DAT" while the header names "1.dat"; Windows and macOS find it, Linux
    does not. ``folder / name`` when none exists, or when several names differ only in case (the
    caller says it is not found).
    """
    path = Path(folder) / name
    if os.path.lexists(path):
        return path
    for form in ("NFC", "NFD"):
        other = Path(folder) / unicodedata.normalize(form, name)
        if other != path and os.path.lexists(other):
            return other
    same = _names_by_case(os.fspath(folder)).get(_case_key(name), ())
    return Path(folder) / same[0] if len(same) == 1 else path


def _case_key(name: str) -> str:
    """``name`` with letter case and Unicode normal form folded away."""
    return unicodedata.normalize("NFC", name).casefold()


def _names_by_case(folder: str) -> dict[str, tuple[str, ...]]:
    """{case-folded name: the names in ``folder`` that fold to it}; {} when it cannot be listed.
    Listed again only when the folder changes (its mtime): a folder of 100,000 records whose headers
    all name their files in the other case is listed once, not once per record."""
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return {}
    return _listing(folder, mtime)


@lru_cache(maxsize=8)
def _listing(folder: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    """``_names_by_case`` for ``folder`` as it was at ``mtime_ns`` (the cache key)."""
    names: dict[str, list[str]] = {}
    try:
        with os.scandir(folder) as it:
            for entry in it:
                names.setdefault(_case_key(entry.name), []).append(entry.name)
    except OSError:
        return {}
    return {key: tuple(sorted(found)) for key, found in names.items()}


# what a path that exists but is no regular file is, in words (stat's file types)
_FILE_TYPES = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def not_regular(path: str | Path) -> str:
    """What ``path`` is when it exists (through any link) but is no regular file: "a named pipe
    (FIFO), not a regular file", "a folder, not a regular file"; "" for a regular file or when
    nothing is there. Only stat is asked: opening a FIFO would block until a writer came."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode):
        return ""
    what = next((words for test, words in _FILE_TYPES if test(mode)), "something other than a file")
    return f"{what}, not a regular file"
