"""WFDB annotation files beside their records, told from what they hold (the MIT format of WFDB's
annot(5), the one ``wfdb.rdann`` reads), not their extension: PhysioNet names them by annotator
(``.atr``, ``.qrs``, ``.ecg``; LUDB's per-lead ``.i``, ``.ii``, ... ``.v6``). They are no signal, so no
record, but they belong to one: a batch of LUDB had counted its 1200 among the files not read ("1202
files not read: 100 .avf, 100 .avl, ..."), as though records had been passed over. One line counts them
apart (``annotations_line``). A file that reads as annotations but has no record of its stem beside it
stays among the files not read.

MIT format: little-endian 16-bit words, each an annotation code (its 6 high bits, 1-49) and the samples
since the one before (its 10 low bits); code 59 (SKIP) takes the next two words as a longer interval,
60-62 (NUM, SUB, CHN) set a field of the annotation before, 63 (AUX) is followed by its low bits' number of
bytes of text (padded to a word); a word of 0 ends the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mirage_model.words import counted

ACMAX = 49                      # the highest annotation code (WFDB's ecgcodes.h); 50-58 are not written
SKIP, NUM, SUB, CHN, AUX = 59, 60, 61, 62, 63
MAX_BYTES = 16 << 20            # a day's beats and waves take a few MiB: a larger file is read as no annotations
HEAD = 4096                     # read first: another kind of file breaks the format within it


def is_annotation_file(path) -> bool:
    """Whether the file at ``path`` holds WFDB annotations in the MIT format: at least one annotation, every
    word a code of the format with what it takes after it, and the end-of-file word (0) its last. Text has
    no zero word, and another binary file breaks the format within a few words (its first ``HEAD`` bytes are
    read first: a large file of another kind is not read through). False for a file that cannot be read."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES or size < 4 or size % 2:
            return False
        with open(path, "rb") as fh:
            head = fh.read(HEAD)
            if len(head) == HEAD and _walk(head) is False:
                return False
            data = head + fh.read()
    except OSError:
        return False
    return _walk(data) is True


def _walk(data: bytes) -> bool | None:
    """Whether ``data`` (an even number of bytes) is an annotation file's (True), is not (False), or is the
    start of one that ends later (None: no end-of-file word, and no word that breaks the format)."""
    words = np.frombuffer(data[:len(data) - len(data) % 2], "<u2")
    codes = words >> 10
    if not (codes >= SKIP).any():       # annotations alone (LUDB's): no word to walk past
        if (codes > ACMAX).any():
            return False
        ends = np.flatnonzero(words == 0)
        if not len(ends):
            return None
        return bool(0 < ends[0] == len(words) - 1)
    lows = (words & 0x3FF).tolist()
    codes = codes.tolist()
    n, i, annotations = len(codes), 0, 0
    while i < n:
        code, low = codes[i], lows[i]
        if code == 0 and low == 0:                  # end of file: the last word, after an annotation
            return annotations > 0 and i == n - 1
        if code == SKIP:
            i += 3                                  # the interval in the next two words; an annotation follows
        elif code in (NUM, SUB, CHN, AUX):          # they set a field of the annotation before
            if not annotations:
                return False
            i += 1 + ((low + 1) // 2 if code == AUX else 0)     # AUX: its text's bytes, padded to a word
        elif code <= ACMAX:
            annotations += 1
            i += 1
        else:
            return False
    return None


def annotation_files(paths, headers) -> list[Path]:
    """The files among ``paths`` that are WFDB annotations (``is_annotation_file``) beside a record of their
    stem: a header among ``headers`` in the same folder whose name without ``.hea`` is theirs without their
    extension (as ``formats.record_key`` ties a signal file to its header: case aside), "1.ii" beside "1.hea".
    Hidden files are none."""
    # ``record_key`` by os.path: a folder of LUDB's 1200 files took 0.1 s of Path objects more
    keys = {os.path.splitext(os.fspath(h))[0].lower() for h in headers if os.fspath(h).lower().endswith(".hea")}
    out = []
    for p in paths:
        stem, ext = os.path.splitext(os.fspath(p))
        if ext and stem.lower() in keys and not os.path.basename(stem).startswith(".") and is_annotation_file(p):
            out.append(Path(p))
    return out


def annotations_line(paths, limit: int = 4) -> str:
    """The annotation files a batch found beside their records (``BatchSummary.annotations``), in one line,
    by extension, most first (the first ``limit``): "1200 annotation files beside their records (WFDB), not
    scored: annotations are not signals (100 .avf, 100 .avl, 100 .avr, 100 .i, ...)"; "" when there are none."""
    paths = [Path(os.fspath(p)) for p in paths]
    if not paths:
        return ""
    by_ext: dict[str, int] = {}
    for p in paths:
        by_ext[p.suffix.lower()] = by_ext.get(p.suffix.lower(), 0) + 1
    kinds = [f"{n} {ext}" for ext, n in sorted(by_ext.items(), key=lambda kv: (-kv[1], kv[0]))]
    kinds = ", ".join(kinds[:limit]) + (", ..." if len(kinds) > limit else "")
    return (f"{counted(len(paths), 'annotation file')} beside {'their records' if len(paths) != 1 else 'its record'}"
            f" (WFDB), not scored: annotations are not signals ({kinds})")
