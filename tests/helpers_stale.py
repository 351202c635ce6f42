"""Records rewritten in place, as a clinical export folder is: the bundled LUDB 14's content written over LUDB 1's
files under LUDB 1's names, each file keeping its size and its modification time (``cp -p`` of a fixed-length
recording, a sync tool that sets the time back), so that only its change time tells."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"


def ludb_pair(folder: Path) -> Path:
    """``folder`` (made) holding copies of the bundled LUDB records 1 and 14 (.hea, .dat)."""
    folder.mkdir(parents=True, exist_ok=True)
    for rid in ("1", "14"):
        for ext in (".hea", ".dat"):
            shutil.copy(LUDB / f"{rid}{ext}", folder / f"{rid}{ext}")
    return folder


def rewrite_in_place(path: Path, data: bytes) -> None:
    """Write ``data`` over the file at ``path`` (same inode), then set its modification time back; ``data`` is
    padded with spaces before its last line's end to the file's size, which must not be less."""
    st = os.stat(path)
    if len(data) < st.st_size:
        data = data[:-1] + b" " * (st.st_size - len(data)) + data[-1:]
    assert len(data) == st.st_size, (path, len(data), st.st_size)
    time.sleep(0.02)        # past the coarse clock's tick (a few ms), or the change time may not move
    with open(path, "r+b") as f:
        f.write(data)
        f.truncate()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (st.st_ino, st.st_size, st.st_mtime_ns)


def fourteen_over_one(folder: Path) -> None:
    """LUDB 14's header (its record and signal file named 1) and samples written over ``folder``'s 1.hea and 1.dat
    in place (``rewrite_in_place``)."""
    head = (LUDB / "14.hea").read_text().splitlines()
    head = ["1 " + head[0].split(" ", 1)[1]] + [line.replace("14.dat", "1.dat", 1) for line in head[1:]]
    rewrite_in_place(folder / "1.hea", ("\n".join(head) + "\n").encode())
    rewrite_in_place(folder / "1.dat", (LUDB / "14.dat").read_bytes())
