"""What each record's files were when a batch scored it, kept beside the output (``.<name>.stamps``), so that a
resumed run tells exactly which kept rows are of content their files no longer hold.

Each record's files are stamped (``records.stamp.files_digests``: device, inode, size, modification and change time
of every file it is read from) once, as a run starts, before any is read; the stamps file is written after each
write of the output and names that output (device, inode, size), so that stamps of another output (one copied over
it, a write that a crash cut between the two) are not taken for its rows'. A kept
row is of its file's content where its record's stamp now is the one stored. An output without a stamps file of its
own (written by an older version, or put in place by another program) is checked as before: a kept record whose
files were written after the output was (``records.stamp.changed_after``). Research use only, not a diagnosis.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from mirage_model.paths import atomic_write_json
from mirage_model.records.stamp import changed_after, files_digests

FORMAT = "mirage-batch-stamps"      # the stamps file's first key: what it is (``is_stamps_file``)
VERSION = 1


def stamps_file_of(out_path) -> Path:
    """The stamps file of an output: ``.<name>.stamps`` beside it (hidden, as its lock file is)."""
    path = Path(out_path)
    return path.with_name(f".{path.name}.stamps")


def is_stamps_file(path) -> bool:
    """Whether ``path`` is an output's stamps file: a name ``stamps_file_of`` gives (".results.csv.stamps") and
    the first bytes it writes. A folder scored holding another run's output and its stamps file: the stamps file is
    part of that output, neither a record nor a file of its own to tell of."""
    name = Path(path).name
    if not (name.startswith(".") and name.endswith(".stamps") and len(name) > len("..stamps")):
        return False
    head = '{"format": "' + FORMAT + '"'
    try:
        with open(path, "rb") as fh:
            return fh.read(len(head)) == head.encode()
    except OSError:
        return False


def record_digests(files: Mapping[str, Path]) -> dict[str, str]:
    """{record_path: the digest of its files now} of ``files`` (record_path -> its file)."""
    rels = list(files)
    return dict(zip(rels, files_digests(files[rel] for rel in rels)))


def _output_stamp(out_path) -> list | None:
    """(device, inode, size) of the output: which file it is, one each write (``outputs.write_atomic`` puts a new
    file in its place). Its times are left out: a ``chmod`` or ``touch`` of it, a share whose clock runs ahead, do
    not make its rows' stamps another file's. None when it cannot be looked at."""
    try:
        st = os.stat(out_path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size]


def write_stamps(out_path, folder, digests: Mapping[str, str]) -> None:
    """The stamps file of ``out_path``, just written with rows of the records of ``digests`` under ``folder``; a
    failure to write it is passed over (the resume then checks as for an output without one)."""
    own = _output_stamp(out_path)
    if own is None:
        return
    try:
        atomic_write_json(stamps_file_of(out_path), {"format": FORMAT, "version": VERSION, "output": own,
                                                     "folder": os.path.abspath(folder), "stamps": dict(digests)},
                          indent=None)
    except (OSError, TypeError, ValueError):
        pass


def read_stamps(out_path) -> tuple[dict[str, str], str] | None:
    """({record_path: digest}, the folder scored) stored for ``out_path`` as it is now; None where there is none (no
    stamps file, one unreadable or of another kind, or of the output as it was at another write)."""
    try:
        data = json.loads(stamps_file_of(out_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        return None
    stamps = data.get("stamps")
    if data.get("output") != _output_stamp(out_path) or not isinstance(stamps, dict):
        return None
    return {str(k): str(v) for k, v in stamps.items()}, str(data.get("folder") or "")


def changed_since_scored(out_path, rels: list[str], files: Mapping[str, Path],
                         now: Mapping[str, str]) -> tuple[list[Path], bool, str]:
    """(the files of the records of ``rels`` (kept rows' record_paths, each in ``files``) changed since their rows
    were scored, in order; whether that was told by stored stamps; the folder they were scored in, "" where not
    stored): by the stamps ``read_stamps`` gives against ``now`` (``record_digests``); a row without a stored stamp
    by its files' times against the output's modification time (``changed_after``)."""
    stored, folder = read_stamps(out_path) or ({}, "")
    changed = {rel for rel in rels if rel in stored and stored[rel] != now.get(rel)}
    unstamped = [rel for rel in rels if rel not in stored]
    if unstamped:
        try:
            written = os.stat(out_path).st_mtime_ns
        except OSError:
            written = None
        if written is not None:
            late = set(map(os.fspath, changed_after([files[rel] for rel in unstamped], written)))
            changed |= {rel for rel in unstamped if os.fspath(files[rel]) in late}
    return [files[rel] for rel in rels if rel in changed], not unstamped, folder
