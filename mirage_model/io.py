"""Records in: WFDB (.hea + .dat, any wfdb format incl. FLAC) and PhysioNet Challenge (.hea + .mat).

Follows the WFDB header and signal specification (PhysioNet, ``header(5)``, ``signal(5)``) and the
PhysioNet/CinC Challenge 2020/2021 record form (a WFDB header whose signal file is a MATLAB v4
``.mat`` with a 24-byte preamble, ``#Age``/``#Sex``/``#Dx`` comments). The header text is parsed
here rather than by ``wfdb.rdheader`` so that real-world quirks (Georgia 2020 headers whose record
line wfdb rejects) still load and so that a 100 Hz PTB-XL record loads in about a millisecond;
common sample formats are read with numpy, every other format (212, 310, FLAC 508/516/524 ...)
through wfdb's own reader.

This is the one place where wfdb's time-major ``(T, L)`` layout becomes lead-first ``(L, T)``.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mirage_model.clinical import parse_sex
from mirage_model.limits import (MAX_HEADER_BYTES, MAX_LINE_CHARS, MAX_MV_PER_UNIT, MAX_SAMPLES,
                                 MAX_SAMPLES_PER_FRAME, MAX_SIGNALS, MIN_MV_PER_UNIT, plausible_fs,
                                 unscorable_reason)
from mirage_model.records import ptbxl

STANDARD_LEADS: tuple[str, ...] = (
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
)

QUALITY_FLAGS: tuple[str, ...] = ("flat", "saturated", "missing", "derived")

# A lead whose peak-to-peak amplitude over the whole record is below this is flagged flat (mV).
FLAT_PTP_MV = 0.02
# A lead that sits at its own extreme value for this long (or 4 samples, whichever is more) is
# flagged saturated: real waves do not plateau at their extreme for 80 ms.
SATURATION_RUN_S = 0.08


class RecordError(Exception):
    """A record that cannot be read. ``str(err)`` names the file and what is wrong.

    Attributes:
        path: the file (or record stem) at fault.
        reason: a short human sentence, e.g. "signal file is truncated (expected 12000 samples, found 5000)".
    """

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnscorableRecordError(RecordError):
    """A record that was read but holds no signal a model can judge (flat, constant, saturated,
    missing or too short). ``reason`` says which; it is an outcome to report, not a finding."""


@dataclass
class EcgRecord:
    """One 12-lead ECG.

    Attributes:
        signal: float32 (12, T) in mV, leads in STANDARD_LEADS order. Missing samples are NaN only
            if ``quality["missing"]`` flags that lead; loaders never invent values silently.
        fs: sampling frequency in Hz.
        sig_name: lead names as in STANDARD_LEADS (after mapping from the file's spelling).
        record_id: the record's name (file stem), e.g. "00001_lr".
        path: path of the header file.
        age: years or None; sex: "M", "F" or None.
        dx: diagnosis codes/labels the file carries (SNOMED-CT codes from ``#Dx``, PTB-XL scp codes, PTB notes).
        quality: per-lead boolean flags, each a (12,) bool array: "flat", "saturated", "missing", "derived".
        comments: raw header comment lines; meta: any other fields (acquisition date, original leads, units...).
    """

    signal: np.ndarray
    fs: float
    record_id: str
    path: Path | None = None
    sig_name: tuple[str, ...] = STANDARD_LEADS
    age: float | None = None
    sex: str | None = None
    dx: tuple[str, ...] = ()
    quality: dict[str, np.ndarray] = field(default_factory=dict)
    comments: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.signal.shape[1] / self.fs

    def flagged_leads(self, flag: str) -> tuple[str, ...]:
        """Names of the leads carrying quality ``flag`` ("flat", "saturated", "missing", "derived")."""
        mask = self.quality.get(flag)
        if mask is None:
            return ()
        return tuple(name for name, bad in zip(self.sig_name, mask) if bad)


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------

def load_record(path: str | Path) -> EcgRecord:
    """Read one record. ``path`` may name the .hea, the .dat/.mat or the record stem, or a clinical
    ECG file (GE MUSE, Philips or HL7 aECG XML, DICOM, SCP-ECG, EDF/BDF, ISHNE, MFER), whose
    format is recognised from its content and read by :mod:`mirage_model.formats`.

    Leads are matched case-insensitively ("AVR", "aVR", "avr", "Lead II", "DII"); channels that are
    not one of the 12 standard leads (Frank vx/vy/vz, MLII, ...) are dropped and listed in
    ``meta["dropped_leads"]``. Records with I, II and V1-V6 get III, aVR, aVL and aVF derived
    (Einthoven/Goldberger) and flagged ``quality["derived"]``. PTB-XL age, sex and scp codes come
    from a ``ptbxl_database.csv`` found up to three folders above the header.

    Quality flags, each (12,) bool: "flat" (peak-to-peak below FLAT_PTP_MV), "saturated" (samples
    at the digital range limit, or stuck at the lead's extreme for SATURATION_RUN_S), "missing"
    (NaN where the file marks samples invalid), "derived" (computed from other leads).

    Records with no usable signal (all leads flat, constant, zero, saturated or missing, or
    shorter than ``limits.MIN_SCORABLE_S``) load, with ``meta["unscorable"]`` saying why; the
    Predictor refuses to score them (``UnscorableRecordError``).

    Every input costs bounded time and memory: sampling frequency, length, gains, baselines and
    channel counts are checked against ``mirage_model.limits`` before samples are read.

    ``meta`` keys: "format" ("wfdb" or "challenge-mat"), "sample_format" (WFDB format code),
    "file_leads" (channel names as in the file), "units" and "adc_gain" (of the 12 leads read), and
    when they apply: "base_time", "base_date", "dropped_leads", "duplicate_leads", "derived_leads",
    "inverted_leads", "checksum_mismatch" (a minority of signals), "stuck_at_limit" (flat leads
    at the digital limit), "unscorable", "header_quirks", "dx_system" ("SNOMED-CT", "PTB-XL SCP",
    "LUDB", "PTB"), "age_note", "rx", "hx", "sx", "ecg_date", and for PTB-XL "height", "weight",
    "recording_date" and "ptbxl" (scp_codes with likelihoods, ecg_id, patient_id, strat_fold,
    report, noise notes).

    Args:
        path: the header (``.hea``), a signal file (``.dat``, ``.mat`` ...) or the record stem.

    Returns:
        The record; ``signal`` is float32 (12, T) in mV.

    Raises:
        RecordError: missing/truncated signal file, unparsable header, fewer leads than needed,
            unknown units, zero-length signal, implausible or too large declared values,
            checksums that do not fit the samples (message names the file and the problem). No
            other exception escapes for a malformed file.
    """
    from mirage_model import formats  # clinical formats (MUSE, DICOM, EDF ...); it imports this module

    fmt = formats.detect(Path(path).expanduser())
    if fmt is not None:
        return formats.read(Path(path).expanduser(), fmt)
    hea = _header_path(Path(path).expanduser())
    try:
        with np.errstate(all="ignore"):   # numpy warnings are not messages for a user
            header = _parse_header(hea)
            record = _build_record(hea, header)
    except RecordError:
        raise
    except MemoryError:
        raise RecordError(hea, "not enough memory to read this record") from None
    except RecursionError:
        raise RecordError(hea, "cannot be read (nested too deeply)") from None
    except Exception as err:  # any other failure of a reader on a malformed file is still a RecordError
        raise RecordError(hea, f"cannot be read ({type(err).__name__}: {err})") from None
    reason = unscorable_reason(record)
    if reason:
        record.meta["unscorable"] = reason
    return record


def find_records(folder: str | Path) -> list[Path]:
    """All header files (.hea) under ``folder``, recursively, sorted. Files that are not headers are ignored.

    Raises:
        RecordError: ``folder`` does not exist or is not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise RecordError(root, "not a folder" if root.exists() else "folder not found")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(Path(dirpath) / f for f in filenames
                     if f.lower().endswith(".hea") and not f.startswith("."))
    return sorted(found)


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------

def _header_path(path: Path) -> Path:
    """The .hea for whatever the user named: the header, a signal file, or the stem."""
    if path.is_dir():
        raise RecordError(path, "is a folder, not a record (pick a .hea file)")
    if path.suffix.lower() == ".hea":
        if not path.is_file():
            raise RecordError(path, "header file not found")
        return path
    candidates = [path.with_name(path.name + ".hea")]
    if path.suffix:
        candidates.append(path.with_suffix(".hea"))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if path.is_file():
        raise RecordError(path, f"no header file {candidates[-1].name} next to it; a record needs "
                                "its .hea to be read")
    raise RecordError(path, "record not found (no such file and no .hea for it)")


# --------------------------------------------------------------------------------------------
# Header parsing (WFDB header(5))
# --------------------------------------------------------------------------------------------

# FILE FORMATxSPF:SKEW+OFFSET GAIN(BASELINE)/UNITS ADC_RES ADC_ZERO INIT CHECKSUM BLOCK DESCRIPTION
# The file name's parts match atomically (a lookahead capture, then a backreference: Python
# 3.10 has no atomic groups): a file name never holds blanks, so giving characters back cannot
# help the match, and on a long run of word characters backtracking was quadratic (4,000
# characters: 1.1 s).
_RX_SIGNAL = re.compile(
    r"""
    [ \t]* (?P<file_name>~?(?=(?P<_f1>[-\w]*))(?P=_f1)\.?(?=(?P<_f2>[\w]*))(?P=_f2))
    [ \t]+ (?P<fmt>[0-9]+)
           x?(?P<spf>[0-9]*)
           :?(?P<skew>[0-9]*)
           \+?(?P<byte_offset>[0-9]*)
    [ \t]* (?P<adc_gain>-?[0-9]*\.?[0-9]*(?:e[\+-]?[0-9]+)?)
           \(?(?P<baseline>-?[0-9]*)\)?
           /?(?P<units>[^\s]*)
    [ \t]* (?P<adc_res>[0-9]*)
    [ \t]* (?P<adc_zero>-?[0-9]*)
    [ \t]* (?P<init_value>-?[0-9]*)
    [ \t]* (?P<checksum>-?[0-9]*)
    [ \t]* (?P<block_size>[0-9]*)
    [ \t]* (?P<sig_name>[^\t\n\r\f\v]*)
    """,
    re.VERBOSE,
)
# A comment "key: value" (Challenge "#Age: 54", LUDB "#<age>: 54", PTB "#Reason for admission: ...").
# Parsed by _comment_field in linear time; a single regex with a lazy key and optional spaces
# backtracked cubically on a long run of spaces (a 3.6 KB comment took 18 s).
_RX_COMMENT_KEY = re.compile(r"[A-Za-z][\w ()/.-]*")
_RX_ODD_GAIN = re.compile(r"[+-]?(nan|inf(inity)?)\b", re.IGNORECASE)
_RX_UINT = re.compile(r"[0-9]{1,20}")     # ASCII digits only: "١٢" and "1_000" are not lengths


def _check_length(where: Path, sig_len: int, fs: float) -> None:
    """Refuse a record longer than MAX_SAMPLES per lead before anything is read."""
    if sig_len > MAX_SAMPLES:
        raise RecordError(where, f"record too long: {sig_len:,} samples per lead "
                                 f"({sig_len / fs / 3600:.3g} h at {fs:g} Hz); at most "
                                 f"{MAX_SAMPLES:,} are read (25 h at 100 Hz)")


@dataclass
class _Signal:
    """One signal line of a header."""

    file_name: str
    fmt: str
    spf: int
    skew: int
    byte_offset: int
    adc_gain: float
    baseline: int
    units: str
    adc_res: int
    adc_zero: int
    init_value: int
    checksum: int | None
    name: str


@dataclass
class _Header:
    record_name: str
    n_sig: int
    fs: float
    sig_len: int | None
    signals: list[_Signal]
    comments: list[str]
    base_time: str | None = None
    base_date: str | None = None
    quirks: list[str] = field(default_factory=list)


def _read_text(hea: Path) -> str:
    try:
        with open(hea, "rb") as fh:
            raw = fh.read(MAX_HEADER_BYTES + 1)
    except OSError as err:
        raise RecordError(hea, f"cannot read header file ({err.strerror or err})") from None
    if len(raw) > MAX_HEADER_BYTES:
        raise RecordError(hea, f"not a WFDB header (larger than {MAX_HEADER_BYTES // 1024} KB)")
    if not raw.strip():
        raise RecordError(hea, "header file is empty")
    if b"\x00" in raw[:4096]:
        raise RecordError(hea, "not a WFDB header (binary content, not text)")
    return raw.removeprefix(b"\xef\xbb\xbf").decode("latin-1")  # tolerate a UTF-8 BOM


def _parse_header(hea: Path) -> _Header:
    text = _read_text(hea)
    lines, comments = [], []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            comments.append(line.lstrip("#").strip())
        elif line:
            if len(line) > MAX_LINE_CHARS:
                raise RecordError(hea, f"header cannot be parsed: a line of {len(line)} characters "
                                       f"(at most {MAX_LINE_CHARS})")
            lines.append(line)
    if not lines:
        raise RecordError(hea, "header cannot be parsed: it has no record line")
    header = _parse_record_line(hea, lines[0])
    header.comments = [c for c in comments if c]
    if header.n_sig == 0:
        raise RecordError(hea, "header declares no signals")
    if header.n_sig > MAX_SIGNALS:
        raise RecordError(hea, f"header declares {header.n_sig} signals; at most {MAX_SIGNALS} "
                               "are read")
    if len(lines) - 1 < header.n_sig:
        raise RecordError(hea, f"header cannot be parsed: it declares {header.n_sig} signals but "
                               f"describes only {len(lines) - 1}")
    header.signals = [_parse_signal_line(hea, line, i) for i, line in enumerate(lines[1:header.n_sig + 1])]
    return header


def _parse_record_line(hea: Path, line: str) -> _Header:
    # RECORD[/NSEG] NSIG [FS[/COUNTER[(BASE)]] [SIGLEN [BASETIME [BASEDATE]]]]
    tokens = line.split()
    bad = f"header cannot be parsed: first line {line[:60]!r} is not a WFDB record line"
    if len(tokens) < 2:
        raise RecordError(hea, bad)
    name = tokens[0]
    quirks = []
    if "/" in name:
        raise RecordError(hea, "multi-segment WFDB records are not supported")
    if "." in name:
        # Georgia (CinC 2020) headers name the record "E00009.mat"; wfdb rejects the line.
        quirks.append(f"record name {name!r} carries a file extension")
        name = name.split(".", 1)[0]
    if not re.fullmatch(r"[-\w]+", name) or not _RX_UINT.fullmatch(tokens[1]):
        raise RecordError(hea, bad)
    n_sig = int(tokens[1])
    fs = 250.0  # WFDB default when the header gives none
    if len(tokens) > 2:
        fs_text = re.match(r"[0-9.eE+-]+", tokens[2])
        try:
            fs = float(fs_text.group(0)) if fs_text else float("nan")
        except ValueError:
            fs = float("nan")
        if not math.isfinite(fs) or fs <= 0:
            raise RecordError(hea, f"header cannot be parsed: sampling frequency {tokens[2]!r} is not "
                                   "a positive number")
    implausible = plausible_fs(fs)
    if implausible:
        raise RecordError(hea, implausible)
    sig_len = None
    if len(tokens) > 3:
        if not _RX_UINT.fullmatch(tokens[3]):
            raise RecordError(hea, f"header cannot be parsed: signal length {tokens[3]!r} is not a "
                                   "whole number")
        sig_len = int(tokens[3])
        _check_length(hea, sig_len, fs)
    base_time = base_date = None
    for token in tokens[4:6]:  # WFDB puts the time first; Challenge headers put the date first
        if ":" in token and base_time is None:
            base_time = token
        elif base_date is None:
            base_date = token
    return _Header(name, n_sig, fs, sig_len, [], [], base_time, base_date, quirks)


def _parse_signal_line(hea: Path, line: str, index: int) -> _Signal:
    m = _RX_SIGNAL.match(line)
    bad = f"header cannot be parsed: signal line {index + 1} ({line[:60]!r}) is not valid"
    if m is None or not m.group("file_name").strip("~"):
        raise RecordError(hea, bad)
    g = m.groupdict()

    def as_int(key: str, default: int | None) -> int | None:
        return int(g[key]) if g[key] not in ("", "-") else default

    try:
        gain = float(g["adc_gain"]) if g["adc_gain"] not in ("", "-") else 0.0
        adc_zero = as_int("adc_zero", 0)
        baseline = as_int("baseline", adc_zero)
        spf = as_int("spf", 1) or 1
    except ValueError:
        raise RecordError(hea, bad) from None
    name = g["sig_name"].strip() or f"signal {index + 1}"
    odd_gain = _RX_ODD_GAIN.match(g["units"])
    if not g["adc_gain"] and odd_gain:   # "NaN(0)/mV": the number pattern stops at "NaN"
        raise RecordError(hea, f"signal {name}: ADC gain {odd_gain.group(0)!r} is not a finite number")
    if not math.isfinite(gain):
        raise RecordError(hea, f"signal {name}: ADC gain {g['adc_gain']!r} is not a finite number")
    if spf > MAX_SAMPLES_PER_FRAME:
        raise RecordError(hea, f"signal {name}: {spf} samples per frame (at most "
                               f"{MAX_SAMPLES_PER_FRAME})")
    bits = _BITS.get(g["fmt"], 32)
    for key, value in (("baseline", baseline), ("ADC zero", adc_zero)):
        if abs(value) > 2 ** bits:
            raise RecordError(hea, f"signal {name}: {key} {value} is outside the {bits}-bit range of "
                                   f"format {g['fmt']}")
    try:
        return _Signal(
            file_name=g["file_name"],
            fmt=g["fmt"],
            spf=spf,
            skew=as_int("skew", 0),
            byte_offset=as_int("byte_offset", 0),
            adc_gain=gain if gain != 0 else 200.0,  # WFDB: a gain of 0 means 200 units per mV
            baseline=baseline,
            units=g["units"] or "mV",
            adc_res=as_int("adc_res", 0),
            adc_zero=adc_zero,
            init_value=as_int("init_value", 0),
            checksum=as_int("checksum", None),
            name=g["sig_name"].strip(),
        )
    except ValueError:
        raise RecordError(hea, bad) from None


# --------------------------------------------------------------------------------------------
# Leads and units
# --------------------------------------------------------------------------------------------

_LEAD_KEYS = {name.lower(): name for name in STANDARD_LEADS}
_LEAD_KEYS.update({"di": "I", "dii": "II", "diii": "III"})


def canonical_lead(name: str) -> tuple[str, int] | None:
    """Map a file's lead name to (standard name, sign); None for a non-12-lead channel.

    Case and separators are ignored ("AVR", "aVR", "avr", "Lead II", "ECG_V1", "DII");
    "-aVR" (Cabrera display) maps to ("aVR", -1). "MLII" and the Frank leads map to None.
    """
    s = name.strip().lower()
    sign = 1
    if s.startswith("-"):
        sign, s = -1, s[1:]
    s = re.sub(r"[\s_.:-]+", "", s)
    for prefix in ("ecg", "lead"):
        if s.startswith(prefix) and s[len(prefix):] in _LEAD_KEYS:
            s = s[len(prefix):]
    std = _LEAD_KEYS.get(s)
    return (std, sign) if std else None


_UNIT_SCALE = {  # factor to mV
    "mv": 1.0, "millivolt": 1.0, "millivolts": 1.0,
    "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "microvolt": 1e-3, "microvolts": 1e-3,
    "v": 1e3, "volt": 1e3, "volts": 1e3,
    "nv": 1e-6,
}


# --------------------------------------------------------------------------------------------
# Samples
# --------------------------------------------------------------------------------------------

# numpy dtype and offset added after reading, for the formats read here without wfdb.
_SIMPLE_FORMATS = {"16": ("<i2", 0), "61": (">i2", 0), "32": ("<i4", 0),
                   "80": ("<u1", -128), "160": ("<u2", -32768)}
_BITS = {"8": 8, "16": 16, "24": 24, "32": 32, "61": 16, "80": 8, "160": 16, "212": 12,
         "310": 10, "311": 10, "508": 8, "516": 16, "524": 24}
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


def _read_digital(hea: Path, header: _Header, wanted: list[int]) -> tuple[dict[int, np.ndarray], int]:
    """Digital samples of the ``wanted`` signal indices, each (T,) int; also T."""
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
        fpath = hea.parent / fname
        if fname.startswith("~"):
            raise RecordError(hea, f"signal {first.name or members[0] + 1} has no signal file")
        if not fpath.is_file():
            raise RecordError(fpath, f"signal file not found (named in {hea.name})")
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
            layout = _mat_layout(fpath, len(members))
            if isinstance(layout, np.ndarray):  # MATLAB 5 file: only a MATLAB reader can unpack it
                if sig_len is None:
                    sig_len = layout.shape[1]
                if layout.shape[1] < sig_len:
                    raise RecordError(fpath, f"signal file is truncated (expected {sig_len} samples "
                                             f"per lead, found {layout.shape[1]})")
                out.update({i: layout[j, :sig_len] for j, i in enumerate(members) if i in wanted})
                header.quirks.append(f"{fname} is a MATLAB 5 file; read with scipy")
                continue
            if layout != byte_offset:
                header.quirks.append(f"{fname}: header gives byte offset {byte_offset}, the MATLAB "
                                     f"preamble ends at {layout}")
                byte_offset = layout
        if sig_len is None:  # header without a length: infer it from the file size
            if fmt in _COMPRESSED:
                raise RecordError(hea, "header gives no signal length and the signal file is compressed")
            sig_len = int(max(size - byte_offset, 0) / (_BYTES_PER_SAMPLE[fmt] * frame))
            _check_length(fpath, sig_len, header.fs)
        if sig_len == 0:
            raise RecordError(hea, "signal has zero length (no samples)")
        if size == 0:
            raise RecordError(fpath, f"signal file is empty (expected {sig_len} samples per lead)")
        need = _bytes_needed(fmt, frame * sig_len)
        if need is not None and size < byte_offset + need:
            have = max(size - byte_offset, 0) / (need / sig_len)
            raise RecordError(fpath, f"signal file is truncated (expected {sig_len} samples per lead, "
                                     f"found {int(have)})")
        simple = fmt in _SIMPLE_FORMATS and all(
            header.signals[i].spf == 1 and header.signals[i].skew == 0 for i in members)
        if simple:
            dtype, shift = _SIMPLE_FORMATS[fmt]
            block = _FileBlock(fpath, np.dtype(dtype), len(members), byte_offset)
            for j, i in enumerate(members):
                if i in wanted:
                    out[i] = _FileColumn(block, shift, j)
        else:
            out.update(_read_with_wfdb(hea, fpath, header, members, wanted, sig_len, byte_offset))
    return out, int(sig_len)


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


_CHUNK = 1 << 18   # samples converted at a time (bounds the float64 temporaries)


def _mat_layout(fpath: Path, n_sig: int) -> int | np.ndarray:
    """Byte offset of the samples in a MATLAB v4 file, or the (n_sig, T) 'val' of a MATLAB 5 file."""
    with open(fpath, "rb") as f:
        head = f.read(128)
    if head.startswith(b"MATLAB 5.0"):
        import scipy.io

        if fpath.stat().st_size > 8 * n_sig * MAX_SAMPLES + (1 << 20):
            raise RecordError(fpath, f"MATLAB file too large for {n_sig} signals of at most "
                                     f"{MAX_SAMPLES:,} samples")
        try:
            val = np.asarray(scipy.io.loadmat(str(fpath), variable_names=["val"])["val"])
        except KeyError:
            raise RecordError(fpath, "MATLAB file holds no variable 'val'") from None
        except Exception as err:
            raise RecordError(fpath, f"MATLAB file cannot be read ({type(err).__name__}: {err})") from None
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
            return int(20 + namelen)
    raise RecordError(fpath, "not a MATLAB v4/v5 file that holds the record's samples")


def _read_with_wfdb(hea: Path, fpath: Path, header: _Header, members: list[int], wanted: list[int],
                    sig_len: int, byte_offset: int) -> dict[int, np.ndarray]:
    """Formats other than the simple ones (212, 310, 311, 24, 8, FLAC, multi-frame): wfdb's reader."""
    from wfdb.io import _signal  # wfdb's low-level reader; the header is already parsed here

    sigs = [header.signals[i] for i in members]
    channels = [j for j, i in enumerate(members) if i in wanted]
    try:
        read = _signal._rd_segment(
            file_name=[s.file_name for s in sigs], dir_name=str(hea.parent), pn_dir=None,
            fmt=[s.fmt for s in sigs], n_sig=len(sigs), sig_len=sig_len,
            byte_offset=[byte_offset] * len(sigs), samps_per_frame=[s.spf for s in sigs],
            skew=[s.skew for s in sigs], init_value=[s.init_value for s in sigs],
            sampfrom=0, sampto=sig_len, channels=channels, ignore_skew=False,
        )
    except ModuleNotFoundError as err:
        raise RecordError(fpath, f"reading format {sigs[0].fmt} needs the Python package "
                                 f"'{err.name}', which is not installed") from None
    except Exception as err:  # wfdb raises bare exceptions for corrupt files
        raise RecordError(fpath, f"signal file cannot be read ({type(err).__name__}: {err})") from None
    out = {}
    for j, samples in zip(channels, read):
        spf = sigs[j].spf
        samples = np.asarray(samples)
        if samples.size < sig_len * spf:
            raise RecordError(fpath, f"signal file is truncated (expected {sig_len} samples per lead, "
                                     f"found {samples.size // spf})")
        samples = samples[: sig_len * spf]
        if spf > 1:  # several samples per frame: average them to the frame rate (wfdb smooth_frames)
            invalid = _INVALID.get(sigs[j].fmt)
            block = samples.reshape(sig_len, spf).astype(np.float64)
            if invalid is not None:
                block[block == invalid] = np.nan
            samples = np.nanmean(block, axis=1)
            samples = np.where(np.isnan(samples), invalid if invalid is not None else 0,
                               np.round(samples)).astype(np.int64)
        out[members[j]] = samples
    return out


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------

def _build_record(hea: Path, header: _Header) -> EcgRecord:
    # Which file channel feeds each standard lead (first occurrence wins).
    chosen: dict[str, tuple[int, int]] = {}
    dropped, duplicates = [], []
    for i, sig in enumerate(header.signals):
        mapped = canonical_lead(sig.name) if sig.name else None
        if mapped is None:
            dropped.append(sig.name or f"signal {i + 1}")
        elif mapped[0] in chosen:
            duplicates.append(sig.name)
        else:
            chosen[mapped[0]] = (i, mapped[1])
    derivable = _derivable(set(chosen))
    missing = [lead for lead in STANDARD_LEADS if lead not in chosen and lead not in derivable]
    if missing:
        present = [lead for lead in STANDARD_LEADS if lead in chosen]
        names = ", ".join(s.name or "?" for s in header.signals)
        raise RecordError(hea, f"not enough ECG leads: has {len(present)} of the 12 standard leads "
                               f"({names or 'none'}); missing {', '.join(missing)}")

    scale = {}
    for lead, (i, _) in chosen.items():
        units = header.signals[i].units
        factor = _UNIT_SCALE.get(units.lower())
        if factor is None:
            raise RecordError(hea, f"unknown units {units!r} for lead {header.signals[i].name} "
                                   "(expected mV, uV or V)")
        scale[lead] = factor
        mv_per_unit = factor / abs(header.signals[i].adc_gain)
        if not MIN_MV_PER_UNIT <= mv_per_unit <= MAX_MV_PER_UNIT:
            raise RecordError(hea, f"implausible ADC gain {header.signals[i].adc_gain:g} per {units} for "
                                   f"lead {header.signals[i].name}: one digital unit would be "
                                   f"{mv_per_unit:.3g} mV")

    wanted = sorted(i for i, _ in chosen.values())
    digital, sig_len = _read_digital(hea, header, wanted)

    T = sig_len
    signal = np.empty((12, T), dtype=np.float32)
    flags = {name: np.zeros(12, dtype=bool) for name in QUALITY_FLAGS}
    at_limit = np.zeros(12, dtype=bool)
    checksum_bad, checked = [], 0
    totals = np.zeros(12, dtype=np.int64)
    for a in range(0, T, _CHUNK):   # chunk by chunk (each file block read once): bounded temporaries
        b = min(a + _CHUNK, T)
        for k, lead in enumerate(STANDARD_LEADS):
            if lead not in chosen:
                continue
            i, sign = chosen[lead]
            sig = header.signals[i]
            source = digital[i]
            d = source.read(a, b) if isinstance(source, _FileColumn) else source[a:b]
            totals[k] += int(d.sum(dtype=np.int64)) % 65536
            phys = (d.astype(np.float64) - sig.baseline) * (sign * scale[lead] / sig.adc_gain)
            invalid = _INVALID.get(sig.fmt)
            valid = d
            if invalid is not None:
                nan_mask = d == invalid
                if nan_mask.any():
                    phys[nan_mask] = np.nan
                    flags["missing"][k] = True
                    valid = d[~nan_mask]
            if sig.fmt != "8" and valid.size:  # format 8 stores differences: no fixed digital range
                bits = sig.adc_res if 0 < sig.adc_res <= _BITS[sig.fmt] else _BITS[sig.fmt]
                lo, hi = -(2 ** (bits - 1)) + 1, 2 ** (bits - 1) - 1
                at_limit[k] |= int(valid.max()) >= hi or int(valid.min()) <= lo
            signal[k, a:b] = phys
    for k, lead in enumerate(STANDARD_LEADS):
        if lead in chosen:
            sig = header.signals[chosen[lead][0]]
            if sig.checksum is not None and sig.spf == 1:
                checked += 1
                if int(totals[k]) % 65536 != sig.checksum % 65536:
                    checksum_bad.append(lead)
    del digital
    if checked and len(checksum_bad) * 2 > checked:
        raise RecordError(hea, f"checksums of {len(checksum_bad)} of {checked} signals do not match "
                               f"the samples: the signal file does not fit its header (wrong format "
                               f"{header.signals[chosen[checksum_bad[0]][0]].fmt}?)")

    derived = _derive(signal, chosen)
    limb_at_limit = bool(at_limit[:3].any())  # a derived lead inherits its sources' clipping
    for k in derived:
        flags["derived"][k] = True
        at_limit[k] = limb_at_limit
        flags["missing"][k] = bool(np.isnan(signal[k]).any())

    _quality(signal, header.fs, flags, at_limit)

    read = [header.signals[chosen[lead][0]] for lead in STANDARD_LEADS if lead in chosen]
    meta = {
        "format": "challenge-mat" if read[0].file_name.lower().endswith(".mat") else "wfdb",
        "sample_format": read[0].fmt,
        "file_leads": tuple(s.name for s in header.signals),
        "units": tuple(s.units for s in read),
        "adc_gain": tuple(s.adc_gain for s in read),
    }
    if header.base_time:
        meta["base_time"] = header.base_time
    if header.base_date:
        meta["base_date"] = header.base_date
    meta.update(lead_mapping_meta(dropped, duplicates, derived, chosen))
    if checksum_bad:
        meta["checksum_mismatch"] = tuple(checksum_bad)
    if (at_limit & flags["flat"]).any():   # stuck at the ADC's limit: saturated, not merely flat
        meta["stuck_at_limit"] = tuple(STANDARD_LEADS[k] for k in np.flatnonzero(at_limit & flags["flat"]))
    if header.quirks:
        meta["header_quirks"] = tuple(header.quirks)

    rec = EcgRecord(signal=signal, fs=float(header.fs), record_id=hea.stem, path=hea,
                    quality=flags, comments=tuple(header.comments), meta=meta)
    _apply_comments(rec, header.comments)
    ptbxl.apply_metadata(rec, hea)
    return rec


def _derivable(present: set[str]) -> set[str]:
    """Limb leads that Einthoven's and Goldberger's identities give from the ones present."""
    have = set(present)
    limb = {"I", "II", "III"}
    if len(have & limb) == 2:
        have |= limb
    if {"I", "II"} <= have:
        have |= {"aVR", "aVL", "aVF"}
    return have - present


def _derive(signal: np.ndarray, chosen: dict) -> list[int]:
    """Fill the missing limb leads of ``signal`` (12, T) in place; returns their indices."""
    idx = {lead: k for k, lead in enumerate(STANDARD_LEADS)}
    done = []
    have = set(chosen)

    def fill(lead: str, values: np.ndarray) -> None:
        signal[idx[lead]] = values
        have.add(lead)
        done.append(idx[lead])

    s = {lead: signal[idx[lead]] for lead in STANDARD_LEADS}
    if "III" not in have and {"I", "II"} <= have:
        fill("III", s["II"] - s["I"])                       # Einthoven: III = II - I
    if "II" not in have and {"I", "III"} <= have:
        fill("II", s["I"] + s["III"])
    if "I" not in have and {"II", "III"} <= have:
        fill("I", s["II"] - s["III"])
    if {"I", "II"} <= have:                                  # Goldberger's augmented leads
        if "aVR" not in have:
            fill("aVR", -(s["I"] + s["II"]) / 2)
        if "aVL" not in have:
            fill("aVL", s["I"] - s["II"] / 2)
        if "aVF" not in have:
            fill("aVF", s["II"] - s["I"] / 2)
    return sorted(done)


def lead_mapping_meta(dropped, duplicates, derived, chosen) -> dict:
    """What the lead matching did, for ``EcgRecord.meta``: the file's leads left out, duplicated,
    derived (indices into STANDARD_LEADS) and inverted (``chosen``: lead -> (file index, sign))."""
    meta = {}
    if dropped:
        meta["dropped_leads"] = tuple(dropped)
    if duplicates:
        meta["duplicate_leads"] = tuple(duplicates)
    if derived:
        meta["derived_leads"] = tuple(STANDARD_LEADS[k] for k in derived)
    if any(sign < 0 for _, sign in chosen.values()):
        meta["inverted_leads"] = tuple(lead for lead, (_, s) in chosen.items() if s < 0)
    return meta


def _quality(signal: np.ndarray, fs: float, flags: dict, at_limit: np.ndarray) -> None:
    """Set the "flat" and "saturated" flags of ``signal`` (12, T) in place (one lead at a time:
    memory of a few (T,) arrays, whatever the record's length)."""
    L, T = signal.shape
    run = max(4, int(round(SATURATION_RUN_S * fs)))
    if T <= _CHUNK:   # a short record: all leads at once (fast); memory is a few (12, T) arrays
        _quality_short(signal, run, flags, at_limit)
        return
    for k in range(L):
        lead = signal[k]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN lead is flagged, not warned
            if flags["missing"][k]:
                vmax, vmin = np.nanmax(lead), np.nanmin(lead)
            else:
                vmax, vmin = lead.max(), lead.min()
        flat = not (vmax - vmin >= FLAT_PTP_MV)  # all-NaN leads count as flat too
        flags["flat"][k] = flat
        if flat:
            flags["saturated"][k] = False
            continue
        plateau = T >= run and (_longest_run(lead == vmax) >= run or _longest_run(lead == vmin) >= run)
        flags["saturated"][k] = bool(plateau or at_limit[k])


def _quality_short(signal: np.ndarray, run: int, flags: dict, at_limit: np.ndarray) -> None:
    """``_quality`` vectorised over the leads of a short (12, T) record (same flags)."""
    L, T = signal.shape
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN lead is flagged, not warned
        if flags["missing"].any():
            vmax, vmin = np.nanmax(signal, axis=1), np.nanmin(signal, axis=1)
        else:
            vmax, vmin = signal.max(axis=1), signal.min(axis=1)
    flat = ~(vmax - vmin >= FLAT_PTP_MV)  # all-NaN leads count as flat too
    flags["flat"][:] = flat
    if T < run:
        flags["saturated"][:] = at_limit & ~flat
        return
    at_extreme = (signal == vmax[:, None]) | (signal == vmin[:, None])  # (12, T)
    # a run of `run` samples at the lead's extreme, via a sliding window sum
    csum = np.cumsum(at_extreme, axis=1, dtype=np.int32)
    window = csum[:, run - 1:] - np.concatenate([np.zeros((L, 1), np.int32), csum[:, :-run]], axis=1)
    plateau = (window >= run).any(axis=1)
    flags["saturated"][:] = (plateau | at_limit) & ~flat


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True in a (T,) bool array."""
    if not mask.any():
        return 0
    pad = np.zeros(1, np.int8)
    edges = np.diff(np.concatenate((pad, mask.view(np.int8), pad)))   # int8: 1 byte per sample
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())


# --------------------------------------------------------------------------------------------
# Clinical fields from the header and PTB-XL metadata
# --------------------------------------------------------------------------------------------

def _parse_age(text: str) -> tuple[float | None, str | None]:
    t = " ".join(text.split()).lower()   # one blank between words: the pattern below stays linear
    if len(t) > 40:
        return None, None
    m = re.fullmatch(r"(>|over\s*)?\s*(\d+(?:\.\d+)?)\s*(\+|years?|y)?", t)
    if not m:
        return None, None
    age = float(m.group(2))
    if m.group(1) or m.group(3) == "+":
        return max(age + (1 if m.group(1) else 0), 0), f"age given as {text.strip()!r}"
    if not 0 <= age <= 130:
        return None, f"implausible age {text.strip()!r} ignored"
    return age, None


def _comment_field(line: str) -> tuple[str, str] | None:
    """("key" lower-cased, "value") of a comment "key: value" or "<key>: value", else None.

    Linear in the line's length (see _RX_COMMENT_KEY for why this is not one regex).
    """
    head, sep, value = line.partition(":")
    if not sep:
        return None
    head = head.strip()
    if head.startswith("<"):
        head = head[1:].lstrip()
    if head.endswith(">"):
        head = head[:-1].rstrip()
    if not _RX_COMMENT_KEY.fullmatch(head):
        return None
    return head.strip().lower(), value.strip()


_PTB_DX_KEYS = ("reason for admission", "acute infarction (localization)",
                "former infarction (localization)", "additional diagnoses")
_NO_VALUE = {"", "n/a", "na", "no", "none", "unknown", "nan", "-"}


def _apply_comments(rec: EcgRecord, comments: list[str]) -> None:
    """Age, sex and diagnoses from ``#Age/#Sex/#Dx`` (Challenge), ``#<age>`` (LUDB) or PTB notes."""
    fields: dict[str, str] = {}
    ludb_dx: list[str] = []
    in_ludb_dx = False
    for line in comments:
        if in_ludb_dx:
            ludb_dx.append(line.rstrip(" ."))
            continue
        parsed = _comment_field(line)
        if parsed is None:
            continue
        key, value = parsed
        if key == "diagnoses" and line.lstrip().startswith("<"):
            in_ludb_dx = True  # LUDB: every line after "#<diagnoses>:" is one diagnosis
            continue
        fields.setdefault(key, value)

    if "age" in fields:
        rec.age, note = _parse_age(fields["age"])
        if note:
            rec.meta["age_note"] = note
    if "sex" in fields:
        rec.sex = parse_sex(fields["sex"])
    if "dx" in fields:
        rec.dx = tuple(c.strip() for c in fields["dx"].split(",") if c.strip())
        rec.meta["dx_system"] = "SNOMED-CT"
    elif ludb_dx:
        rec.dx = tuple(d for d in ludb_dx if d)
        rec.meta["dx_system"] = "LUDB"
    elif "reason for admission" in fields:
        dx = []
        for key in _PTB_DX_KEYS:
            value = fields.get(key, "")
            if value.lower() not in _NO_VALUE:
                dx.append(value if key == "reason for admission" else f"{key.capitalize()}: {value}")
        rec.dx = tuple(dx)
        rec.meta["dx_system"] = "PTB"
    for key in ("rx", "hx", "sx", "ecg date"):
        if key in fields and fields[key].lower() not in _NO_VALUE:
            rec.meta[key.replace(" ", "_")] = fields[key]
