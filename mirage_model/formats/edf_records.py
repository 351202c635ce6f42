"""EDF and BDF data records read before and beside edfio: the fixed header checked before edfio is given the
file (``_check_header``: every field a reader relies on, and the part of a file longer than the limit that is
read, ``_Part``), and an EDF+D (BDF+D) recording's data records placed at the onsets of their first time-stamped
annotation lists (EDF+ spec, Kemp & Olivan 2003, section 2.2.4: ``_record_onsets``, ``_record_runs``,
``_place_records``). ``edf.read_edf`` reads a file with them."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import fail
from mirage_model.limits import MAX_SAMPLES, MAX_SIGNALS, length_words, read_part_note
from mirage_model.records.record import RecordError
from mirage_model.words import counted

# Header numbers are ASCII (EDF spec 2.1): no other script's digits, no "1_000".
_RX_INT = re.compile(r"[+-]?[0-9]+")
_RX_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# The timekeeping TAL that opens each data record's annotations in EDF+D (spec 2.2.4):
# "+onset" in seconds after the start time, then 0x14 (and, for a TAL of its own, 0x14 0x00).
_RX_ONSET = re.compile(rb"([+-][0-9]+(?:\.[0-9]+)?)\x14")
# Bytes of each record's annotations searched for that onset ("+86400.123456\x14\x14\x00" is 16):
# the onsets of a file of n records then cost at most 64 n bytes, n <= MAX_SAMPLES.
_ONSET_BYTES = 64
_ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")


def _record_onsets(path: Path, fmt: str, records: int | None = None, first: int = 0) -> np.ndarray | None:
    """Onset in seconds of each data record (n,) of an EDF+D or BDF+D file, from the first TAL of
    its first annotation signal (EDF+ spec 2.2.4); None for any other file (EDF+C, plain EDF/BDF).

    Reads only the first ``_ONSET_BYTES`` of each record's annotations, of ``records`` data records from
    data record ``first`` (0: the first) where given (a file read in part); the header's fields were checked
    by :func:`_check_header`.

    Raises:
        RecordError: no annotation signal, or a record whose annotations do not open with an onset.
    """
    with open(path, "rb") as f:
        head = f.read(256)
        if head[192:197] not in (b"EDF+D", b"BDF+D"):
            return None
        header_bytes, ns = int(head[184:192]), int(head[252:256])
        labels = [f.read(16).decode("latin-1").strip() for _ in range(ns)]
        f.seek(256 + 216 * ns)
        per_record = [int(f.read(8)) for _ in range(ns)]
    width = 3 if fmt == "bdf" else 2
    ann = next((k for k, label in enumerate(labels) if label in _ANNOTATION_LABELS), None)
    if ann is None:
        raise fail(path, fmt, f"the file is {head[192:197].decode()} (discontinuous) but has no "
                              "annotation signal to say when its data records start")
    record_bytes = sum(per_record) * width
    total = (path.stat().st_size - header_bytes) // record_bytes
    n_records = max(0, total - first)
    if records is not None:
        n_records = min(n_records, records)
    if n_records < 1:
        return None
    start = sum(per_record[:ann]) * width
    take = min(per_record[ann] * width, _ONSET_BYTES)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=header_bytes + first * record_bytes,
                     shape=(n_records, record_bytes))
    try:
        heads = np.array(data[:, start:start + take])   # (n, take): bounded copy
    finally:
        del data
    onsets = np.empty(n_records)
    for i, row in enumerate(heads):
        m = _RX_ONSET.match(row.tobytes())
        if m is None:
            text = row.tobytes()[:24].decode("latin-1").replace("\x00", "")
            raise fail(path, fmt, f"data record {first + i + 1} of {total} has no readable onset (its "
                                  f"annotations open with {text!r}, not '+seconds'), so where it "
                                  "belongs in time is unknown")
        onsets[i] = float(m.group(1))
    return onsets


def _record_runs(path: Path, fmt: str, onsets: np.ndarray, n: int,
                 fs: float) -> tuple[list[tuple[int, int, int]] | None, int]:
    """Where the data records of an EDF+D file go on one time axis.

    Args:
        onsets: onset of each data record in seconds (R,).
        n: ECG samples per data record.
        fs: ECG sampling frequency in Hz.

    Returns:
        (runs, length): ``runs`` lists (first record, records, first sample) for each stretch of
        records that follow each other within half a sample, each stretch placed at its first
        record's onset (to the nearest sample, counted from the first record's); None when all
        records follow each other (read as continuous). ``length``: samples a lead then spans.

    Raises:
        RecordError: a record that starts before the previous one ends (onsets going backwards
            or overlapping), or records spanning more than MAX_SAMPLES samples.
    """
    step = np.diff(onsets) * fs - n   # samples between one record's end and the next one's start (R-1,)
    back = np.flatnonzero(step < -0.5)
    if back.size:
        i = int(back[0]) + 1
        raise fail(path, fmt, f"data record {i + 1} starts at {onsets[i]:.6g} s, before data record {i} "
                              f"(from {onsets[i - 1]:.6g} s, {n / fs:g} s long) ends: the record onsets go "
                              "backwards or overlap")
    gaps = np.flatnonzero(step > 0.5)
    if not gaps.size:
        return None, len(onsets) * n
    span = (onsets[-1] - onsets[0]) * fs + n
    if not span <= MAX_SAMPLES:
        raise fail(path, fmt, f"its data records span {span / fs:.6g} s with their gaps, {span:,.0f} samples "
                              f"a lead; at most {MAX_SAMPLES:,} are read")
    firsts = np.concatenate([[0], gaps + 1, [len(onsets)]])
    at = np.rint((onsets[firsts[:-1]] - onsets[0]) * fs).astype(np.int64)
    runs, end = [], 0
    for first, stop, sample in zip(firsts[:-1].tolist(), firsts[1:].tolist(), at.tolist()):
        sample = max(sample, end)   # rounding never moves a stretch into the one before it
        runs.append((first, stop - first, sample))
        end = sample + (stop - first) * n
    return runs, end


def _place_records(values: np.ndarray, runs: list[tuple[int, int, int]], length: int, n: int,
                   path: Path, fmt: str, label: str) -> np.ndarray:
    """One lead's samples (R * n,) placed on the time axis of ``runs`` (length,), NaN between."""
    if len(values) != runs[-1][0] * n + runs[-1][1] * n:
        raise fail(path, fmt, f"lead {label}: {counted(len(values), 'sample')}, not {n} for each data record")
    out = np.full(length, np.nan)
    for first, count, sample in runs:
        out[sample:sample + count * n] = values[first * n:(first + count) * n]
    return out


@dataclasses.dataclass(frozen=True)
class _Part:
    """The first data records of a file longer than the limits, the part of it that is read.

    Attributes:
        records: data records read from the start.
        held: whole data records the file holds.
        declared: data records its header declares (``held`` where it says -1, not known).
        header_bytes: bytes of its header.
        record_bytes: bytes of one data record.
        duration: seconds of one data record.
    """

    records: int
    held: int
    declared: int
    header_bytes: int
    record_bytes: int
    duration: float


def _first_bytes(path: Path, part: _Part) -> bytes:
    """The header and the first ``part.records`` data records of ``path``: the file edfio reads."""
    with open(path, "rb") as f:
        return f.read(part.header_bytes + part.records * part.record_bytes)


def _span(path: Path, fmt: str, part: _Part, onsets: np.ndarray, n: int, fs: float) -> int:
    """Samples a lead that the data records an EDF+D file holds span with their gaps, from its first
    record's onset to its last record's end (that record's onset alone read); where the last record's onset
    cannot be read, the samples its records hold."""
    try:
        last = _record_onsets(path, fmt, 1, part.held - 1)
    except RecordError:
        last = None
    if last is None or not last[0] >= onsets[0]:
        return part.held * n
    return max(part.held * n, int(round((last[0] - onsets[0]) * fs)) + n)


def _note_part(meta: dict, part: _Part, n: int, fs: float, read: int, held: int) -> None:
    """What a record read in part says of it (``limits.read_part_note``, as an ISHNE Holter's), its whole
    length (``meta["recording_s"]``: what the file holds) and, when the file holds fewer data records than
    its header declares (cut short after the part read), that too (``declared_length_note``).

    Args:
        meta: the record's meta, updated.
        part: what was read of the file.
        n: ECG samples a lead in one data record; ``fs``: their rate in Hz.
        read: samples a lead read (an EDF+D file's with its gaps); ``held``: the samples a lead the file holds
            (with its gaps).
    """
    meta["read_part_note"] = read_part_note(read, held, fs, MAX_SAMPLES)
    meta["recording_s"] = held / fs
    if part.held < part.declared:
        meta["declared_length_note"] = (
            f"the file holds {length_words(held / fs)} of the {length_words(part.declared * n / fs)} its header "
            f"declares ({part.held:,} of {part.declared:,} data records): it is cut short after the part read, "
            "which is whole")


def _check_header(path: Path, fmt: str, notes: list[str] | None = None) -> _Part | None:
    """The fixed header must hold whole numbers in range that agree with each other and with the
    file's size (EDF spec 2.1), checked before edfio reads: edfio takes the data's offset from the
    header-length field and the number of data records from the file's size, so a wrong field
    there would shift or stretch the signal without a word.

    Returns:
        None when the file is read whole; the part read of a file longer than ``limits.MAX_SAMPLES``
        samples a signal (or 12 times that in all): its first data records up to that many, which must
        all be in the file (one cut short after them is read, and says so).

    ``notes`` (where given) gets a reader note when the header says -1 data records (not known, as while
    recording) and the file ends inside a data record: that incomplete last record is not read.
    """
    def number(raw: bytes, what: str, kind=int):
        text = raw.decode("latin-1").strip()
        if not (_RX_INT if kind is int else _RX_FLOAT).fullmatch(text):
            raise fail(path, fmt, f"the header is damaged or cut short ({what} {text!r} is not a "
                                  f"{'number' if kind is float else 'whole number'})")
        return kind(text)

    with open(path, "rb") as f:
        head = f.read(256)
        if len(head) < 256:
            raise fail(path, fmt, f"the header is cut short ({len(head)} of 256 bytes)")
        header_bytes = number(head[184:192], "the header length")
        n_records = number(head[236:244], "the number of data records")
        duration = number(head[244:252], "the data record duration", float)
        ns = number(head[252:256], "the number of signals")
        if not 1 <= ns <= MAX_SIGNALS:
            raise fail(path, fmt, f"the header declares {ns} signals (1 to {MAX_SIGNALS} are read)")
        labels = f.read(16 * ns)
        f.seek(256 + ns * 216)
        raw = f.read(8 * ns)
    if len(raw) < 8 * ns:
        raise fail(path, fmt, f"the header is cut short (it declares {counted(ns, 'signal')})")
    per_record = [number(raw[8 * k: 8 * k + 8], f"signal {k + 1}'s samples per data record") for k in range(ns)]
    if header_bytes != 256 * (ns + 1):
        raise fail(path, fmt, f"the header length field says {header_bytes} bytes, but a header of {ns} "
                              f"signals has {256 * (ns + 1)}")
    bad = next((k for k, n in enumerate(per_record) if n < 1), None)
    if bad is not None:
        raise fail(path, fmt, f"signal {bad + 1} declares {per_record[bad]} samples per data record")
    if duration == 0 and all(labels[16 * k:16 * k + 16].decode("latin-1").strip() in _ANNOTATION_LABELS
                             for k in range(ns)):
        # EDF+ (section 2.2.4) allows a duration of 0 for a file that holds annotations alone
        raise fail(path, fmt, "it holds annotations only (data record duration 0), no ECG signal")
    if not (math.isfinite(duration) and duration > 0):
        raise fail(path, fmt, f"the data record duration {duration:g} s is not a positive number"
                              + (" (EDF+ allows 0 only in a file of annotations alone)" if duration == 0 else ""))
    if n_records == 0 or n_records < -1:
        raise fail(path, fmt, f"the header declares {n_records} data records")
    record_bytes = sum(per_record) * (3 if fmt == "bdf" else 2)
    size = path.stat().st_size
    held = max(size - header_bytes, 0) // record_bytes
    # bounded before edfio reads (a BDF is read whole into memory, at about 12 bytes a sample): a longer
    # file is read in part, its first data records up to MAX_SAMPLES samples a signal, and 12 times that
    # in all but for the annotations' (a few bytes a data record, never decoded as samples)
    signal_samples = sum(k for j, k in enumerate(per_record)
                         if labels[16 * j:16 * j + 16].decode("latin-1").strip() not in _ANNOTATION_LABELS)
    most = min(MAX_SAMPLES // max(per_record), 12 * MAX_SAMPLES // max(signal_samples, 1))
    if most < 1:
        raise fail(path, fmt, f"a data record holds {max(per_record):,} samples of one signal; at most "
                              f"{MAX_SAMPLES:,} are read")
    declared = held if n_records == -1 else n_records   # EDF+ -1: "not known" (the recording was not closed)
    if n_records == -1:
        n_records = held
        left = max(size - header_bytes, 0) - held * record_bytes
        if left and notes is not None:
            notes.append(f"{fmt.upper()}: the file ends {left:,} bytes into a data record of {record_bytes:,} "
                         f"({duration:g} s; its header's number of data records is -1, not known, as while "
                         "recording): that incomplete last data record was left out, the "
                         f"{counted(held, 'whole one', ',')} before it read")
    elif held > n_records:
        raise fail(path, fmt, f"the file holds {held} data records, but its header declares {n_records}")
    elif size < header_bytes + record_bytes * min(n_records, most):   # cut short within what is read
        within = (f"; it holds {held:,}, fewer than the first {most:,} read of a file this long"
                  if n_records > most else "")
        raise fail(path, fmt, f"the file is cut short ({size} bytes; its header describes "
                              f"{n_records} data records, {header_bytes + record_bytes * n_records} bytes{within})")
    if n_records <= most:
        return None
    return _Part(most, min(held, n_records), declared, header_bytes, record_bytes, duration)
