"""WFDB samples (PhysioNet ``signal(5)``) and Challenge MATLAB files: the common formats read with
numpy chunk by chunk, every other format (212, 310, FLAC 508/516/524, several samples per frame)
through wfdb's own reader."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from mirage_model.limits import MAX_SAMPLES
from mirage_model.records.folder import link_problem, named_file, not_regular
from mirage_model.records.leads import canonical_lead
from mirage_model.records.record import RecordError, fault_words, raise_own_fault
from mirage_model.records.wfdb_header import _BITS, _Header, frames_read
from mirage_model.words import counted, first_few

# numpy dtype and offset added after reading, for the formats read here without wfdb.
_SIMPLE_FORMATS = {"16": ("<i2", 0), "61": (">i2", 0), "32": ("<i4", 0),
                   "80": ("<u1", -128), "160": ("<u2", -32768)}
_INVALID = {"80": -(2**7), "508": -(2**7), "310": -(2**9), "311": -(2**9), "212": -(2**11),
            "16": -(2**15), "61": -(2**15), "160": -(2**15), "516": -(2**15),
            "24": -(2**23), "524": -(2**23), "32": -(2**31)}
_COMPRESSED = {"508", "516", "524"}


_BYTES_PER_SAMPLE = {"8": 1, "80": 1, "16": 2, "61": 2, "160": 2, "24": 3, "32": 4, "212": 1.5,
                     "310": 4 / 3, "311": 4 / 3}


def _bytes_needed(fmt: str, n_samples: int) -> int | None:
    """Bytes that ``n_samples`` interleaved samples take in format ``fmt`` (None: compressed)."""
    if fmt in _COMPRESSED:
        return None
    if fmt == "212":
        return math.ceil(n_samples * 1.5)
    if fmt in ("310", "311"):
        return math.ceil(n_samples * 4 / 3)
    return n_samples * _BYTES_PER_SAMPLE[fmt]


def _signal_file(hea: Path, header: _Header, fname: str) -> Path:
    """The file the header names ``fname``, beside ``hea``. A header that is not UTF-8 was read as
    Latin-1, which may not be how the file system spells the name: the file whose name is the header's
    own bytes is opened first ("r\\xff1.dat" read as "rÿ1.dat" is not the file "rÿ1.dat" a UTF-8 file
    system holds), then the file the Latin-1 reading names (a guess, said in the header's quirks)."""
    if header.encoding != "latin-1" or fname.isascii():
        return named_file(hea.parent, fname)
    as_written = hea.parent / os.fsdecode(fname.encode("latin-1"))   # the header's bytes, as the file system has them
    if os.path.lexists(as_written):
        note = (f"the header is not UTF-8 and was read as Latin-1: its signal file, shown as {fname}, was "
                "opened by the header's own bytes")
        found = as_written
    else:
        found = named_file(hea.parent, fname)
        note = (f"the header is not UTF-8: signal file {fname} is the file of that name when the header is "
                "read as Latin-1 (a guess; no file has the header's own bytes as its name)")
    if os.path.lexists(found) and note not in header.quirks:
        header.quirks.append(note)
    return found


def _read_digital(hea: Path, header: _Header, wanted: list[int],
                  per_frame: int = 1) -> tuple[dict[int, np.ndarray], int]:
    """Digital samples of the ``wanted`` signal indices, each (T * per_frame,) int; also T, the
    record's length in frames: at most ``frames_read(per_frame)``, the first of a longer record, whose
    length is then kept in ``header.held`` (and the frames its file holds, when fewer, in
    ``header.file_frames``); nothing after them is read.

    Args:
        per_frame: samples per frame to return for every wanted signal. A signal stored at that
            many is returned as stored; one stored at fewer is interpolated to it; with 1, one
            stored at more is averaged to the frame rate (as wfdb's ``smooth_frames``).
    """
    # Group signals by file, as WFDB interleaves all signals of one file frame by frame.
    files: dict[str, list[int]] = {}
    for i, sig in enumerate(header.signals):
        files.setdefault(sig.file_name, []).append(i)
    out: dict[int, np.ndarray] = {}
    sig_len = header.sig_len
    for fname, members in files.items():
        if not any(i in wanted for i in members):
            continue
        first = header.signals[members[0]]
        if fname.startswith("~"):
            raise RecordError(hea, f"signal {first.name or members[0] + 1} has no signal file")
        fpath = _signal_file(hea, header, fname)
        if not fpath.is_file():
            problem = link_problem(fpath) or not_regular(fpath)
            raise RecordError(fpath, f"signal file {fname} " + (f"is {problem}" if problem else
                                                                  f"not found (named in {hea.name})"))
        if any(header.signals[i].fmt != first.fmt for i in members):
            raise RecordError(fpath, "signals in one file use different formats")
        fmt = first.fmt
        if fmt not in _BITS:
            raise RecordError(hea, f"sample format {fmt} is not a WFDB format this reader knows")
        size = fpath.stat().st_size
        frame = sum(header.signals[i].spf for i in members)  # samples per frame in this file
        byte_offset = first.byte_offset
        if fname.lower().endswith(".mat") and size:
            # Challenge .mat: MATLAB v4 whose samples follow a preamble (the header's "+24"). Check
            # the preamble rather than trust the header, and unpack MATLAB 5 files with scipy.
            layout = _mat_layout(fpath, len(members), sig_len,
                                 listed=(hea, [header.signals[i].name for i in members]))
            if isinstance(layout, np.ndarray):  # MATLAB 5 file: only a MATLAB reader can unpack it
                if sig_len is None:
                    sig_len = layout.shape[1]
                if layout.shape[1] < sig_len:
                    raise RecordError(fpath, f"signal file is truncated (expected {counted(sig_len, 'sample')} "
                                             f"per lead, found {layout.shape[1]})")
                out.update({i: layout[j, :sig_len] for j, i in enumerate(members) if i in wanted})
                header.quirks.append(f"{fname} is a MATLAB 5 file; read with scipy")
                continue
            if layout != byte_offset:
                header.quirks.append(f"{fname}: header gives byte offset {byte_offset}, the MATLAB "
                                     f"preamble ends at {layout}")
                byte_offset = layout
        names = [header.signals[i].name for i in members]
        if sig_len is None:  # header without a length: infer it from the file size
            if fmt in _COMPRESSED:
                raise RecordError(hea, "header gives no signal length and the signal file is compressed")
            if _listed_twice(names):   # a frame of the signals listed, some perhaps twice: out of step
                raise RecordError(hea, f"the header lists {counted(len(members), 'signal')} in {fname}"
                                       f"{_listed_twice(names)} and no signal length: how many signals its "
                                       f"{size - byte_offset:,} bytes hold cannot be told, and read as "
                                       f"{len(members)} a frame they could be out of step")
            sig_len = int(max(size - byte_offset, 0) / (_BYTES_PER_SAMPLE[fmt] * frame))
            _check_lost_rate(hea, header, fpath, sig_len)
        if sig_len == 0:
            raise RecordError(hea, "signal has zero length (no samples)")
        if sig_len > frames_read(per_frame):   # read in part: the first frames, before any is read
            if header.held is None:
                header.held = sig_len
            sig_len = frames_read(per_frame)
        if size == 0:
            raise RecordError(fpath, f"signal file is empty (expected {counted(sig_len, 'sample')} per lead)")
        need = _bytes_needed(fmt, frame * sig_len)
        if need is not None and size < byte_offset + need:
            have = max(size - byte_offset, 0) / (need / sig_len)
            if header.held is not None:   # within the part read
                raise RecordError(fpath, f"signal file is truncated (expected {counted(header.held, 'sample', ',')} "
                                         f"per lead, found {int(have):,}; the first {sig_len:,} are read of a "
                                         "record this long, and the file ends within them)")
            held = _dat_signals_held(fmt, sig_len, size - byte_offset, frame) if _listed_twice(names) else None
            if held is not None and held == len(_signal_keys(names)) and frame == len(members):
                # the file is whole, one signal a name; the header lists too many
                holds = f"its {size - byte_offset:,} bytes hold {counted(held, 'signal')} of {sig_len:,} samples"
                raise _signals_not_held(fpath, frame, f"{holds} (format {fmt})", held, hea, names)
            if _listed_twice(names) and frame == len(members):   # both faults: the doubling first, the likelier
                raise RecordError(hea, _listed_twice_and_cut(fname, names, fmt, sig_len, size - byte_offset))
            raise RecordError(fpath, f"signal file is truncated (expected {counted(sig_len, 'sample')} per lead, "
                                     f"found {int(have)})")
        if need is not None and header.held is not None and fmt in _BYTES_PER_SAMPLE:
            in_file = int((size - byte_offset) / (_BYTES_PER_SAMPLE[fmt] * frame))   # cut short after the part?
            if in_file < header.held:
                header.file_frames = min(in_file, header.file_frames or in_file)
        if need is not None and header.sig_len is not None and header.held is None and fmt in _BYTES_PER_SAMPLE:
            # a length that is too short reads the record's start as all of it; with no checksum to tell,
            # the file's size is the one witness (a wrong length with checksums fails them: _convert, which
            # names the length, not the format, from ``file_longer``)
            held = int((size - byte_offset) / (_BYTES_PER_SAMPLE[fmt] * frame))
            if held > sig_len and any(header.signals[i].checksum is not None for i in members):
                header.file_longer = max(held, header.file_longer or 0)
            elif held > sig_len:
                header.notes.append(f"{fname} holds {counted(held, 'sample', ',')} per signal, but the header "
                                    f"declares {sig_len:,}, and nothing in it to check the samples against: only "
                                    f"the first {sig_len:,} were read")
        simple = fmt in _SIMPLE_FORMATS and all(
            header.signals[i].spf == 1 and header.signals[i].skew == 0 for i in members)
        if simple:
            dtype, shift = _SIMPLE_FORMATS[fmt]
            block = _FileBlock(fpath, np.dtype(dtype), len(members), byte_offset)
            for j, i in enumerate(members):
                if i in wanted:
                    out[i] = _FileColumn(block, shift, j)
        else:
            out.update(_read_with_wfdb(hea, fpath, header, members, wanted, sig_len, byte_offset, per_frame))
    if per_frame > 1:
        for i in out:
            spf = header.signals[i].spf
            if spf != per_frame:
                samples = out[i].read(0, sig_len) if isinstance(out[i], _FileColumn) else out[i]
                out[i] = _to_rate(samples, spf, per_frame, _INVALID.get(header.signals[i].fmt))
    return out, int(sig_len)


def _check_lost_rate(hea: Path, header: _Header, fpath: Path, sig_len: int) -> None:
    """Refuse a record line that gives a rate but no length ("1 12 5000") whose signal file holds exactly
    that many samples per signal: header(5) lets the line end after the rate, so it parses, but it is
    "1 12 500 5000" with the rate lost, which read as written is a 1-second ECG at 5000 Hz. The rate
    it lost is not guessed."""
    tokens = header.record_line.split()
    if len(tokens) == 3 and header.segments is None and sig_len == header.fs:
        raise RecordError(hea, f"its record line {header.record_line[:60]!r} gives "
                               f"{header.fs:g} as the sampling frequency and no length, and {fpath.name} holds "
                               f"exactly {counted(sig_len, 'sample', ',')} per signal: {tokens[2]} is the length, "
                               "and the sampling frequency before it is missing (the line reads NAME NSIG FS NSAMP)")


def _to_rate(samples: np.ndarray, spf: int, per_frame: int, invalid: int | None) -> np.ndarray:
    """One signal's digital samples at ``spf`` per frame, linearly interpolated to ``per_frame``
    per frame, rounded to whole units (half a unit at most: microvolts).

    WFDB (``signal(5)``) places sample j of frame i at ``(i + j / spf) / fs``; sample m of the
    result is at ``m / (per_frame * fs)``, so both start at the frame's start. A sample next to an
    invalid one is invalid; past the last sample the last is held.
    """
    n = len(samples)
    pos = np.arange(n // spf * per_frame) * (spf / per_frame)   # result's samples in source samples
    lo = np.minimum(np.floor(pos).astype(np.int64), n - 1)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    x = samples.astype(np.float64)
    out = np.round(x[lo] * (1 - frac) + x[hi] * frac).astype(np.int64)
    if invalid is not None:
        bad = samples == invalid
        out[bad[lo] | (bad[hi] & (frac > 0))] = invalid
    return out


class _FileBlock:
    """Frames a:b of a time-major interleaved file (a simple sample format), read once per chunk
    and shared by the file's columns. Reading chunk by chunk keeps memory at one chunk of the
    file instead of the whole file (a 24 h record at 100 Hz is 207 MB of int16)."""

    def __init__(self, fpath: Path, dtype: np.dtype, n_cols: int, offset: int):
        self.fpath, self.dtype, self.n_cols, self.offset = fpath, dtype, n_cols, offset
        self._span: tuple[int, int] | None = None
        self._rows: np.ndarray | None = None

    def rows(self, a: int, b: int) -> np.ndarray:
        """(b - a, n_cols) samples as stored."""
        if self._span != (a, b):
            start = self.offset + a * self.n_cols * self.dtype.itemsize
            data = np.fromfile(self.fpath, dtype=self.dtype, count=(b - a) * self.n_cols, offset=start)
            self._rows, self._span = data.reshape(-1, self.n_cols), (a, b)
        return self._rows


class _FileColumn:
    """One signal of a ``_FileBlock``: ``read(a, b)`` gives its digital samples a:b."""

    def __init__(self, block: _FileBlock, shift: int, col: int):
        self.block, self.shift, self.col = block, shift, col

    def read(self, a: int, b: int) -> np.ndarray:
        """(b - a,) int32 (int16 formats stay int16)."""
        col = self.block.rows(a, b)[:, self.col]
        if self.shift or self.block.dtype != np.dtype("<i2"):
            return col.astype(np.int32) + self.shift
        return np.ascontiguousarray(col)


def _mat_layout(fpath: Path, n_sig: int, sig_len: int | None = None,
                listed: tuple[Path, list[str]] | None = None) -> int | np.ndarray:
    """Byte offset of the samples in a MATLAB v4 file, or the (n_sig, T) 'val' of a MATLAB 5 file.

    A v4 file is read as frames of ``n_sig`` int16 samples: its preamble must declare an int16
    matrix of ``n_sig`` rows (MATLAB stores column by column, so each column is one frame) and at
    least ``sig_len`` columns, all of them in the file. A (T, n_sig) matrix would hold the samples
    lead by lead, and read as frames it would give a wrong signal, not an error. ``listed``: the header
    and the names of the signals it lists in this file, named when a v4 matrix holds another number of them.
    """
    with open(fpath, "rb") as f:
        head = f.read(128)
    if head.startswith(b"MATLAB 5.0"):
        import scipy.io  # lazy: 170 ms to import, for the rare MATLAB 5 file only

        if fpath.stat().st_size > 8 * n_sig * MAX_SAMPLES + (1 << 20):
            raise RecordError(fpath, f"MATLAB file too large for {counted(n_sig, 'signal')} of at most "
                                     f"{MAX_SAMPLES:,} samples")
        try:
            val = np.asarray(scipy.io.loadmat(str(fpath), variable_names=["val"])["val"])
        except KeyError:
            raise RecordError(fpath, "MATLAB file holds no variable 'val'") from None
        except Exception as err:
            raise_own_fault(err, fpath, "WFDB")
            unread = f"MATLAB file cannot be read ({fault_words(err, fpath)})"
            if listed is not None and _listed_twice(listed[1]):    # both faults: the doubling first, the likelier
                raise RecordError(listed[0], f"the header lists {counted(n_sig, 'signal')} in {fpath.name}"
                                             f"{_listed_twice(listed[1])}, and {fpath.name} is unreadable as well: "
                                             f"{unread}") from None
            raise RecordError(fpath, unread) from None
        if val.ndim == 2 and n_sig not in val.shape and listed is not None:
            rows, cols = val.shape   # samples outnumber signals: the shorter side is one per signal
            held, per = (rows, "row") if rows <= cols else (cols, "column")
            raise _signals_not_held(fpath, n_sig, f"its MATLAB variable 'val' is {rows} x {cols} (one {per} per "
                                                  f"signal: {counted(held, 'signal')})", held, *listed)
        if val.ndim != 2 or n_sig not in val.shape:
            raise RecordError(fpath, f"MATLAB variable 'val' has shape {val.shape}, expected "
                                     f"({n_sig}, samples)")
        if np.iscomplexobj(val):
            raise RecordError(fpath, "MATLAB variable 'val' holds complex numbers; an ECG is real")
        if not np.issubdtype(val.dtype, np.number) or val.dtype == np.bool_:
            raise RecordError(fpath, f"MATLAB variable 'val' holds {val.dtype}, not numbers")
        val = val if val.shape[0] == n_sig else val.T
        if val.shape[1] > MAX_SAMPLES:
            raise RecordError(fpath, f"record too long: {val.shape[1]:,} samples per lead; at most "
                                     f"{MAX_SAMPLES:,} are read")
        if np.issubdtype(val.dtype, np.floating):
            if not np.isfinite(val).all():
                raise RecordError(fpath, "MATLAB variable 'val' holds NaN or infinite samples; "
                                         "digital samples must be finite whole numbers")
            if np.abs(val).max(initial=0) > 2 ** 31 - 1 or (val != np.round(val)).any():
                raise RecordError(fpath, "MATLAB variable 'val' holds values that are not 32-bit "
                                         "whole numbers (digital samples)")
            val = val.astype(np.int32)
        return val
    if len(head) >= 20:
        # MATLAB v4 preamble: five int32 (type, rows, cols, imaginary, name length), then the name.
        mtype, rows, cols, imag, namelen = np.frombuffer(head[:20], dtype="<i4")
        if mtype == 30 and imag != 0:
            raise RecordError(fpath, "MATLAB variable holds complex numbers; an ECG is real")
        if mtype == 30 and imag == 0 and 0 < namelen < 64 and n_sig in (rows, cols):
            if rows != n_sig:
                raise RecordError(fpath, f"MATLAB matrix is {rows} x {cols}, expected {n_sig} x samples "
                                         "(one row per signal); its samples are not stored frame by frame")
            start = int(20 + namelen)
            if sig_len is not None and cols < sig_len:
                raise RecordError(fpath, f"MATLAB matrix holds {counted(cols, 'sample')} per signal, but the header "
                                         f"declares {sig_len}")
            if start + 2 * int(rows) * int(cols) > fpath.stat().st_size:
                raise RecordError(fpath, f"signal file is truncated (its MATLAB matrix declares {cols} "
                                         f"samples per signal, the file holds fewer)")
            return start
        if mtype == 30 and imag == 0 and 0 < namelen < 64 and listed is not None:
            cut = _mat4_cut(fpath)
            raise _signals_not_held(fpath, n_sig, f"its MATLAB matrix is {rows} x {cols} (one row per signal: "
                                                  f"{counted(int(rows), 'signal')})", int(rows), *listed,
                                    also=f", and {cut}" if cut else "")
    raise RecordError(fpath, "not a MATLAB v4/v5 file that holds the record's samples")


def _signals_not_held(fpath: Path, n_sig: int, holds: str, held: int, hea: Path, names: list[str],
                      also: str = "") -> RecordError:
    """The header's fault where it lists ``n_sig`` signals (``names``) in a signal file that holds ``held`` (what
    ``holds`` says of it, "its MATLAB matrix is 12 x 5000 (...)"): a header listing its signals twice, or more;
    ``also``: the file's own fault, said after (", and A0003.mat is cut short as well: ...")."""
    return RecordError(hea, f"the header lists {counted(n_sig, 'signal')} in {fpath.name}, but {holds}"
                            f"{_listed_twice(names, held)}{also}")


def _mat4_cut(fpath: Path) -> str:
    """"A0003.mat is cut short as well: ..." where the MATLAB v4 file ``fpath`` holds less than the int16 matrix its
    preamble declares; "" where it holds it all, or is no such file."""
    with open(fpath, "rb") as f:
        head = f.read(20)
    if len(head) < 20:
        return ""
    mtype, rows, cols, imag, namelen = (int(v) for v in np.frombuffer(head, dtype="<i4"))
    need = 20 + namelen + 2 * rows * cols
    size = fpath.stat().st_size
    if mtype != 30 or imag != 0 or not 0 < namelen < 64 or size >= need:
        return ""
    return (f"{fpath.name} is cut short as well: its {size:,} bytes hold less than the {rows} x {cols} matrix of "
            f"int16 samples its preamble declares ({need:,} bytes)")


def files_cut(hea: Path, header: _Header) -> str:
    """What is wrong with ``header``'s signal files as well ("1.dat is cut short as well: ..."), for a refusal made
    before the samples are read (a header naming leads twice: ``wfdb_record``): each file shorter than the signals
    the header lists in it need, or a MATLAB file that holds less than its preamble declares, or cannot be read;
    "" where none is, or it cannot be told (no signal length, a compressed format, a file not there: said when the
    file is read)."""
    files: dict[str, list[int]] = {}
    for i, sig in enumerate(header.signals):
        files.setdefault(sig.file_name, []).append(i)
    said = []
    for fname, members in files.items():
        first = header.signals[members[0]]
        try:
            fpath = _signal_file(hea, header, fname)
            size = fpath.stat().st_size
            if fname.lower().endswith(".mat"):   # one not read beyond ``_mat_layout``'s bound: said when read
                big = size > 8 * len(members) * MAX_SAMPLES + (1 << 20)
                said.append(_mat4_cut(fpath) or ("" if big else _mat5_unread(fpath)))
                continue
        except OSError:
            continue
        need = _bytes_needed(first.fmt, header.sig_len * len(members)) if (
            header.sig_len and first.fmt in _BYTES_PER_SAMPLE and all(header.signals[i].spf == 1 for i in members)
        ) else None
        if need is not None and size - first.byte_offset < need:
            said.append(f"{fname} is cut short as well: its {size - first.byte_offset:,} bytes hold less than the "
                        f"{counted(len(members), 'signal')} of {header.sig_len:,} samples the header lists in it "
                        f"(format {first.fmt}: {need:,} bytes)")
    return "; ".join(w for w in said if w)


def _mat5_unread(fpath: Path) -> str:
    """"A0003.mat is unreadable as well: ..." where the MATLAB 5 file ``fpath`` cannot be read; "" otherwise."""
    with open(fpath, "rb") as f:
        if not f.read(10).startswith(b"MATLAB 5.0"):
            return ""
    import scipy.io  # lazy: as ``_mat_layout``

    try:
        scipy.io.loadmat(str(fpath), variable_names=["val"])
    except Exception as err:
        raise_own_fault(err, fpath, "WFDB")
        return f"{fpath.name} is unreadable as well: MATLAB file cannot be read ({fault_words(err, fpath)})"
    return ""


def _signal_keys(names: list[str]) -> dict[str, list[str]]:
    """The signals ``names`` by what they name: the standard lead (``canonical_lead``: "V1" and "v1" are one),
    else the name as written, stripped, case aside -> the names listed for it, in order."""
    keys: dict[str, list[str]] = {}
    for name in names:
        lead = canonical_lead(name) if name else None
        keys.setdefault(lead[0] if lead else (name or "").strip().lower(), []).append(name)
    return keys


def _listed_twice(names: list[str], held: int | None = None) -> str:
    """What the header's repeated signal ``names`` in one file show (": it lists each signal twice (I, II, III,
    ...)" where all are listed twice over the ``held`` the file holds, " (V6 listed more than once)"), or "".
    Names that name one lead are a repetition ("V1" and "v1"): one of those signals is not that lead."""
    twice = [listed[0] for listed in _signal_keys(names).values() if len(listed) > 1]
    if twice and held is not None and len(twice) * 2 == len(names) == 2 * held:
        return f": it lists each signal twice ({first_few(twice, 3)})"
    if twice:
        return f" ({first_few(twice, 3)} listed more than once)"
    return ""


def _listed_twice_and_cut(fname: str, names: list[str], fmt: str, sig_len: int, in_file: int) -> str:
    """The header's two faults where it lists some of ``names`` more than once in ``fname`` and the file's
    ``in_file`` bytes are no whole number of signals of ``sig_len`` samples in format ``fmt`` one a name: the
    repetition first (one of those signals is not the lead it names), then the file cut short."""
    named = len(_signal_keys(names))
    whole = _bytes_needed(fmt, named * sig_len)
    cut = (f"{fname} is cut short as well: its {in_file:,} bytes hold less than {counted(named, 'signal')} of "
           f"{sig_len:,} samples, one a name (format {fmt}: {whole:,} bytes)" if in_file < whole else
           f"{fname}'s {in_file:,} bytes are no whole number of signals of {sig_len:,} samples (format {fmt})")
    return f"the header lists {counted(len(names), 'signal')} in {fname}{_listed_twice(names)}, and {cut}"


def _dat_signals_held(fmt: str, sig_len: int, in_file: int, frame: int) -> int | None:
    """How many signals of ``sig_len`` samples in format ``fmt`` make exactly ``in_file`` bytes, fewer than the
    ``frame`` listed; None when no whole number does (a file cut short)."""
    return next((n for n in range(1, frame) if _bytes_needed(fmt, n * sig_len) == in_file), None)


def _read_with_wfdb(hea: Path, fpath: Path, header: _Header, members: list[int], wanted: list[int],
                    sig_len: int, byte_offset: int, per_frame: int = 1) -> dict[int, np.ndarray]:
    """Formats other than the simple ones (212, 310, 311, 24, 8, FLAC, multi-frame): wfdb's reader.
    With ``per_frame`` 1 a signal of several samples per frame is averaged to one per frame;
    otherwise its samples are returned as stored (``_read_digital`` brings them to ``per_frame``)."""
    from wfdb.io import _signal  # lazy: wfdb imports pandas; its low-level reader, the header is parsed here

    sigs = [header.signals[i] for i in members]
    channels = [j for j, i in enumerate(members) if i in wanted]
    try:
        read = _signal._rd_segment(
            file_name=[fpath.name] * len(sigs), dir_name=str(fpath.parent), pn_dir=None,   # the name on disk
            fmt=[s.fmt for s in sigs], n_sig=len(sigs), sig_len=sig_len,
            byte_offset=[byte_offset] * len(sigs), samps_per_frame=[s.spf for s in sigs],
            skew=[s.skew for s in sigs], init_value=[s.init_value for s in sigs],
            sampfrom=0, sampto=sig_len, channels=channels, ignore_skew=False,
        )
    except ModuleNotFoundError as err:
        raise RecordError(fpath, f"reading format {sigs[0].fmt} needs the Python package "
                                 f"'{err.name}', which is not installed") from None
    except Exception as err:  # wfdb raises bare exceptions for corrupt files
        raise_own_fault(err, fpath, "WFDB")
        raise RecordError(fpath, f"signal file cannot be read ({fault_words(err, fpath)})") from None
    out = {}
    for j, samples in zip(channels, read):
        spf = sigs[j].spf
        samples = np.asarray(samples)
        if samples.size < sig_len * spf:
            raise RecordError(fpath, f"signal file is truncated (expected {counted(sig_len, 'sample')} per lead, "
                                     f"found {samples.size // spf})")
        samples = samples[: sig_len * spf]
        if spf > 1 and per_frame == 1:  # several samples per frame: averaged to the frame rate (wfdb smooth_frames)
            invalid = _INVALID.get(sigs[j].fmt)
            block = samples.reshape(sig_len, spf).astype(np.float64)
            if invalid is not None:
                block[block == invalid] = np.nan
            samples = np.nanmean(block, axis=1)
            samples = np.where(np.isnan(samples), invalid if invalid is not None else 0,
                               np.round(samples)).astype(np.int64)
        out[members[j]] = samples
    return out
