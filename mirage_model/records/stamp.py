"""Whether a record's files changed on disk, told without reading them: what a cache of something read from a file
keys on, and what the app asks before it signs or exports a record it holds open.

A clinical export folder is rewritten in place: the cart re-exports a corrected ECG under the same name, a sync tool
replaces a file, a user copies a newer export over the old one (``cp -p`` keeps the size of a fixed-length recording
and sets the old modification time back). A file's size and modification time alone miss the last: its change time
(``st_ctime_ns``, which no user call sets back) and its inode (a file put in its place by a rename) do not.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

FileStamp = tuple[int, int, int, int, int]     # (device, inode, size, mtime_ns, ctime_ns)


def file_stamp(path: str | Path) -> FileStamp | None:
    """(device, inode, size, modification time, change time) of the file at ``path`` (through links, ns); None when
    it cannot be looked at (missing, unreadable folder). Equal stamps: the file was not written since."""
    try:
        return stat_stamp(os.stat(path))
    except (OSError, ValueError):
        return None


def stat_stamp(st: os.stat_result) -> FileStamp:
    """``file_stamp`` of a file whose ``os.stat`` is ``st``."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def record_files(path: str | Path) -> list[Path]:
    """The files a record at ``path`` is read from: the file itself; for a WFDB header also the signal files its
    signal lines name beside it, of a multi-segment master each segment's header and its signal files, and the
    PTB-XL table its age, sex and diagnoses may come from (``ptbxl.find_database``)."""
    from mirage_model.records.ptbxl import find_database

    path = Path(path)
    header = path.suffix.lower() == ".hea"
    files = _named_files(path) if header else [path]
    table = find_database(path) if header else None
    return files + [table] if table is not None else files


def _named_files(path: Path) -> list[Path]:
    """The WFDB header at ``path`` and the files it is read from (``record_files`` less the PTB-XL table)."""
    from mirage_model.formats import signal_names     # here: mirage_model.formats imports this package
    from mirage_model.records.folder import named_file

    files, todo = [path], [path]
    while todo and len(files) < 10_000:
        head = todo.pop()
        for name in sorted(signal_names(head) or ()):
            if name.startswith("~") or "/" in name or "\\" in name:
                continue        # a gap of a multi-segment layout; a name outside the folder is not read
            found = named_file(head.parent, name)
            segment = named_file(head.parent, name + ".hea")
            if os.path.lexists(found) and found not in files:
                files.append(found)
            elif not os.path.lexists(found) and os.path.lexists(segment) and segment not in files:
                files.append(segment)
                todo.append(segment)
    return files


def record_stamp(path: str | Path) -> tuple:
    """The ``file_stamp`` of each of ``record_files(path)``, with its name: equal while none of them was written,
    replaced, added or removed."""
    return tuple((os.fspath(p), file_stamp(p)) for p in record_files(path))


def stamps_digest(paths) -> str:
    """A hex digest of ``files_digests(paths)``: what a cache built from all those records' files keys on."""
    return hashlib.blake2b("\n".join(files_digests(paths)).encode(), digest_size=16).hexdigest()


def files_digests(paths) -> list[str]:
    """For each record of ``paths``, a hex digest of its files as they are now, for a cache of something read from
    them: the ``file_stamp`` of each file it is read from (``record_file_stamps``). Cheaper than each
    ``record_stamp``: a header is read only where its files may be of other names (0.4-0.9 s for PTB-XL's 17,418
    records of folds 1-8, no header read, against 9-20 s)."""
    return [hashlib.blake2b(repr(files).encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
            for files in record_file_stamps(paths)]     # (name, [...]): the digests caches were built with


def changed_after(paths, when_ns: int) -> list:
    """The records of ``paths`` (in order) a file of which (``record_file_stamps``) was written, or had its status
    changed, after ``when_ns`` (ns since the epoch; its modification or change time later): rewritten since then,
    ``cp -p`` that set the time back included."""
    paths = list(paths)
    return [p for p, files in zip(paths, record_file_stamps(paths))
            if any(stamp is not None and max(stamp[3], stamp[4]) > when_ns for _, stamp in files[1])]


def record_file_stamps(paths):
    """For each record of ``paths``, (its file's name, [(name, ``file_stamp``)] of the files it is read from): each
    file in its folder with its stem, letter case aside (one listing per folder: "00001_lr.hea", "00001_lr.dat");
    and, of a WFDB header whose stem has no other file (a multi-segment record's master header, a header naming a
    signal file of another name), the files its lines name (``record_files``: each segment's header and signal
    files), the header read for them. A header beside its own signal file is not read (reading every header cost
    2.5-16 s for PTB-XL's 17,418 records of folds 1-8, against about 1 s for the listings): one that names another
    signal file as well is stamped by its stem's files alone."""
    listed: dict[str, dict[str, list]] = {}
    for p in paths:
        folder, name = os.path.split(os.path.abspath(os.fspath(p)))
        stems = listed.get(folder)
        if stems is None:
            stems = listed[folder] = _stems(folder)
        files = stems.get(_stem(name), [])
        if name.lower().endswith(".hea") and all(n.lower().endswith(".hea") for n, _ in files):
            own = {n for n, _ in files}
            files = files + [(os.fspath(f), file_stamp(f)) for f in _named_files(Path(folder) / name)[1:]
                             if f.parent != Path(folder) or f.name not in own]
        yield name, files


def _stem(name: str) -> str:
    return name.split(".", 1)[0].casefold()


def _stems(folder: str) -> dict[str, list]:
    """{stem: [(name, ``file_stamp``) of each file of ``folder`` with that stem]}; {} when it cannot be listed."""
    out: dict[str, list] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    stamp = stat_stamp(entry.stat())
                except OSError:
                    continue
                out.setdefault(_stem(entry.name), []).append((entry.name, stamp))
    except OSError:
        return {}
    for files in out.values():
        files.sort()
    return out


def changed_on_disk(path: str | Path | None, stamp: tuple | None, whose: str = "the file",
                    again: str = "reopen it to review what it holds now") -> str:
    """Why the record at ``path`` is no longer what was read as ``stamp`` (its ``record_stamp`` taken before it was
    read), for the reader: "the file changed on disk since it was opened (1.dat); reopen it ..."; "" where its
    files are as they were, or where nothing was stamped (a record read from no file). ``whose`` names the file ("the
    prior ECG's file"), ``again`` says what to do."""
    if path is None or stamp is None:
        return ""
    now = record_stamp(path)
    if now == stamp:
        return ""
    before, after = dict(stamp), dict(now)
    keys = [p for p in dict.fromkeys([*before, *after]) if before.get(p) != after.get(p)]
    gone = not os.path.lexists(path) or any(p in before and after.get(p) is None for p in keys)
    names = [Path(p).name for p in keys]
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    what = "is gone or cannot be read" if gone else "changed on disk"
    return f"{whose} {what} since it was opened ({shown}); {again}"
