"""The input caches a cache folder holds (``cache``'s ``<kind>-<key>`` folders), and which a rebuild left behind.

A cache is built again when a record's file is rewritten or the transform changes (its key hashes them), and the
folder of the old key stays: no run of the same dataset with the same settings opens it again, and each holds the
dataset's arrays (PTB-XL's 21,388 records: 2.6 GB, 122 kB a record). They are told, never removed: another run (an
older checkout, a record put back as it was) may still use one, and only a folder whose own ``meta.json`` says it is
an input cache (``cache_meta``) is looked at, so that nothing of the user's that happens to sit in the cache folder
is named or measured.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from mirage_model.words import counted

# what each cache's meta.json holds (``cache._fill``): the marker of a folder that is MIRAGE's input cache
MARKER_KEYS = ("format", "dataset", "identity", "transform", "preprocess", "render", "record_ids")
FOLDER_NAME = re.compile(r"[A-Za-z0-9_]+-[0-9a-f]{20}")       # ``cache.build_or_load``: f"{kind}-{key}"
# what must be the same for an older cache to be one the same run can no longer open (its key's other parts: the
# records' files and the transform's fingerprint)
SAME = ("dataset", "identity", "preprocess", "render", "record_ids")


def cache_meta(folder: Path) -> dict | None:
    """The meta.json of ``folder`` where it is an input cache (a name ``<kind>-<20 hex>``, a meta.json holding
    ``MARKER_KEYS``, its signal.npy); None for anything else."""
    folder = Path(folder)
    if not FOLDER_NAME.fullmatch(folder.name) or folder.is_symlink() or not (folder / "signal.npy").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and all(k in meta for k in MARKER_KEYS) else None


def built_at(folder: Path, meta: dict) -> tuple[str, int]:
    """When the cache in ``folder`` was built, to order caches by: its meta.json's "created" (whole seconds) and,
    for two built within one second (a small dataset rebuilt at once), its meta.json's modification time in ns."""
    try:
        ns = (Path(folder) / "meta.json").stat().st_mtime_ns
    except OSError:
        ns = 0
    return str(meta.get("created") or ""), ns


def folder_bytes(folder: Path) -> int:
    """The bytes of the files in ``folder`` (a cache holds no sub-folder; links are not followed)."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        pass
    return total


def size_text(n: int) -> str:
    """``n`` bytes for the reader: "1.8 GB", "120.0 MB", "84 kB"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e3:.0f} kB"


def superseded(folder: Path) -> list[tuple[Path, int]]:
    """(path, bytes) of the input caches beside ``folder`` (an input cache just built or opened) of the same
    dataset, records and settings under another key: built from the records' files as they were before a rewrite,
    or by another transform; oldest first."""
    folder = Path(folder)
    meta = cache_meta(folder)
    if meta is None:
        return []
    out = []
    for other in sorted(folder.parent.glob(folder.name.split("-", 1)[0] + "-*")):
        if other.name == folder.name:
            continue
        old = cache_meta(other)
        if old is not None and all(old.get(k) == meta.get(k) for k in SAME):
            out.append((built_at(other, old), other))
    return [(path, folder_bytes(path)) for _, path in sorted(out)]


def superseded_line(folder: Path) -> str:
    """What ``superseded(folder)`` found, in one line with what to do: "2 older input caches of this dataset
    (3.6 GB), built before its records' files or the transform changed, are no longer opened: /c/ptbxl-ab..,
    /c/ptbxl-cd..; remove them (rm -r) where no other checkout or run uses them"; "" when there are none."""
    old = superseded(folder)
    if not old:
        return ""
    total = sum(n for _, n in old)
    named = ", ".join(f"{p} ({size_text(n)})" for p, n in old)
    return (f"{counted(len(old), 'older input cache')} of this dataset ({size_text(total)} in all), built before "
            f"its records' files or the transform changed, {'is' if len(old) == 1 else 'are'} no longer opened by "
            f"it: {named}; remove {'it' if len(old) == 1 else 'them'} (rm -r) where no other checkout or run uses "
            f"{'it' if len(old) == 1 else 'them'}")


def cache_lines(cache_dir: Path) -> list[str]:
    """``mirage info``'s lines on the input caches in ``cache_dir``: how many and their size, then each one that a
    newer cache of the same dataset, records and settings supersedes (``superseded``), with its size."""
    cache_dir = Path(cache_dir)
    try:
        folders = [p for p in sorted(cache_dir.iterdir()) if cache_meta(p) is not None]
    except OSError:
        folders = []
    if not folders:
        return [f"input caches in {cache_dir}: none"]
    sizes = {p: folder_bytes(p) for p in folders}
    lines = [f"input caches in {cache_dir}: {len(folders)} ({size_text(sum(sizes.values()))})"]
    metas = {p: cache_meta(p) for p in folders}
    newest: dict[str, tuple[tuple[str, int], Path]] = {}
    for p, meta in metas.items():
        group = json.dumps([meta.get(k) for k in SAME], sort_keys=True, default=str)
        created = built_at(p, meta)     # within one second: meta.json's time in ns, never the folders' names
        if group not in newest or created > newest[group][0]:
            newest[group] = (created, p)
    old = [p for p, meta in metas.items()
           if newest[json.dumps([meta.get(k) for k in SAME], sort_keys=True, default=str)][1] != p]
    if old:
        lines.append(f"  {counted(len(old), 'cache')} superseded by a newer one of the same dataset, records and "
                     f"settings ({size_text(sum(sizes[p] for p in old))}; rm -r where no other run uses them):")
        lines += [f"  {p} ({size_text(sizes[p])}, built {metas[p].get('created') or '?'})" for p in old]
    return lines
