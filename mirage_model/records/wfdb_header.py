"""WFDB headers (PhysioNet ``header(5)``): the record line and one line per signal (or, in the
master header of a multi-segment record, one line per segment), parsed here rather than by
``wfdb.rdheader`` so that real-world quirks (Georgia 2020 headers whose record line wfdb rejects)
still load, and every declared value is checked against ``mirage_model.limits`` before a sample
is read."""

from __future__ import annotations

import codecs
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from mirage_model.limits import (MAX_HEADER_BYTES, MAX_LINE_CHARS, MAX_SAMPLES, MAX_SAMPLES_PER_FRAME, MAX_SEGMENTS,
                                 MAX_SIGNALS, MIN_FS, plausible_fs)
from mirage_model.records.record import RecordError
from mirage_model.words import counted

# bits per sample of each WFDB format (signal(5))
_BITS = {"8": 8, "16": 16, "24": 24, "32": 32, "61": 16, "80": 8, "160": 16, "212": 12,
         "310": 10, "311": 10, "508": 8, "516": 16, "524": 24}


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
_RX_ODD_GAIN = re.compile(r"[+-]?(nan|inf(inity)?)\b", re.IGNORECASE)
_RX_UINT = re.compile(r"[0-9]{1,20}")     # ASCII digits only: "١٢" and "1_000" are not lengths
# A record or segment name: no separators, so a segment line cannot name a file outside the folder.
_RX_NAME = re.compile(r"[-\w]+")


def frames_read(per_frame: int = 1) -> int:
    """Frames of a record that are read at most: MAX_SAMPLES samples a lead at ``per_frame`` samples a frame.
    A longer record is read in part, its first frames up to that many and nothing after them, and says so
    (``_Header.held``; docs/long_records.md), as an ISHNE Holter is."""
    return MAX_SAMPLES // per_frame


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
    uncalibrated: bool = False   # the header's ADC gain is 0 or absent: WFDB's 200 units per mV assumed
    init_stated: bool = False    # the header gives an initial value (the signal's first sample), not WFDB's default


@dataclass
class _Segment:
    """One segment line of a multi-segment master header: a single-segment record in the same
    folder, or a gap (``name == "~"``), and its length in samples per signal."""

    name: str
    sig_len: int


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
    # what reading found that the header and its signal file disagree on, for the record's reader notes
    notes: list[str] = field(default_factory=list)
    # a multi-segment master header: its segments in order (and no signals); None otherwise
    segments: list[_Segment] | None = None
    n_seg: int | None = None   # segments the record line declares (RECORD/NSEG)
    encoding: str = "utf-8"    # how the header's bytes were read: "utf-8", "utf-16" (with its BOM), or "latin-1"
    record_line: str = ""      # the record line as written (messages about a field it lost)
    # a record read in part (longer than ``frames_read``): the frames it holds (its header's length, or its
    # file's), of which the first ``frames_read`` alone are read, and its checksums (of all its samples) not
    # checked; None when it is read whole
    held: int | None = None
    # the frames its signal file holds where that is fewer than ``held`` (cut short after the part read)
    file_frames: int | None = None
    # the frames a signal file holds where that is more than the header's length (checksums then say it is wrong)
    file_longer: int | None = None


def _read_text(hea: Path) -> str:
    return _decode_header(hea)[0]


def _decode_header(hea: Path) -> tuple[str, str]:
    """The header's text and the encoding it was read in ("utf-8" or "latin-1")."""
    try:
        with open(hea, "rb") as fh:
            raw = fh.read(MAX_HEADER_BYTES + 1)
    except OSError as err:
        raise RecordError(hea, f"cannot read header file ({err.strerror or err})") from None
    if len(raw) > MAX_HEADER_BYTES:
        raise RecordError(hea, f"not a WFDB header (larger than {MAX_HEADER_BYTES // 1024} KB)")
    if not raw.strip():
        raise RecordError(hea, "header file is empty")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):   # Windows Notepad's "Unicode": text all the same
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise RecordError(hea, "not a WFDB header (it opens as UTF-16 text but does not decode as it)") from None
    if b"\x00" in raw[:4096]:
        raise RecordError(hea, "not a WFDB header (binary content, not text)")
    raw = raw.removeprefix(b"\xef\xbb\xbf")          # tolerate a UTF-8 BOM
    try:
        # UTF-8 first: a record named after a patient ("Müller_Änne") or a comment in any script, as
        # systems write text now; read as latin-1 it was "MÃ¼ller" and named no file
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"    # older headers: any byte is a character


def _parse_header(hea: Path, layout: bool = False) -> _Header:
    """Parse the header at ``hea``.

    Args:
        hea: the header file.
        layout: ``hea`` is the layout segment of a variable-layout multi-segment record, whose
            signal lines name no file (``~``).
    """
    # NFC: a header written on a Mac spells "Müller" decomposed ("u" and a combining diaeresis, which
    # is no word character of a record or file name); the files it names are found in either form
    # (folder.named_file)
    text, encoding = _decode_header(hea)
    text = unicodedata.normalize("NFC", text)
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
    header.encoding = encoding
    if header.n_sig == 0:
        raise RecordError(hea, "header declares no signals")
    if header.n_sig > MAX_SIGNALS:
        raise RecordError(hea, f"header declares {header.n_sig} signals; at most {MAX_SIGNALS} "
                               "are read")
    if header.n_seg is not None:
        _parse_segment_lines(hea, header, lines[1:])
        return header
    if len(lines) - 1 < header.n_sig:
        raise RecordError(hea, f"header cannot be parsed: it declares {counted(header.n_sig, 'signal')} but "
                               f"describes only {len(lines) - 1}")
    header.signals = [_parse_signal_line(hea, line, i, layout)
                      for i, line in enumerate(lines[1:header.n_sig + 1])]
    extra = sum(_is_signal_line(hea, line, header.n_sig + i, layout) for i, line in enumerate(lines[header.n_sig + 1:]))
    if extra:   # read as declared, the file's samples had been split into too few signals: "checksums do not match"
        raise RecordError(hea, f"header cannot be parsed: it declares {counted(header.n_sig, 'signal')} but describes "
                               f"{header.n_sig + extra} (a signal line for each): the record line's signal count is "
                               "wrong, or a signal line is one too many")
    if header.fs < MIN_FS and header.fs * max(sig.spf for sig in header.signals) < MIN_FS:
        raise RecordError(hea, plausible_fs(header.fs))
    return header


def _is_signal_line(hea: Path, line: str, i: int, layout: bool) -> bool:
    """Whether a header's ``line`` after its declared signal lines reads as one more signal line."""
    try:
        _parse_signal_line(hea, line, i, layout)
    except RecordError:
        return False
    return True


def _parse_segment_lines(hea: Path, header: _Header, lines: list[str]) -> None:
    """Read a master header's segment lines (``SEGNAME SEGLEN``) into ``header.segments`` and check
    that their lengths add up to the record line's (which the segments' lengths give when it
    declares none)."""
    n_seg = header.n_seg
    if len(lines) < n_seg:
        raise RecordError(hea, f"header cannot be parsed: it declares {n_seg} segments but lists "
                               f"only {len(lines)}")
    segments = []
    for i, line in enumerate(lines[:n_seg]):
        tokens = line.split()
        if (len(tokens) != 2 or not (tokens[0] == "~" or _RX_NAME.fullmatch(tokens[0]))
                or not _RX_UINT.fullmatch(tokens[1])):
            raise RecordError(hea, f"header cannot be parsed: segment line {i + 1} ({line[:60]!r}) is "
                                   "not 'NAME LENGTH'")
        segments.append(_Segment(tokens[0], int(tokens[1])))
    total = sum(seg.sig_len for seg in segments)
    if total == 0:
        raise RecordError(hea, "signal has zero length (no samples): the segments' lengths add up to 0")
    if header.sig_len is None:
        header.sig_len = total
    elif header.sig_len != total:
        raise RecordError(hea, f"the segments' lengths add up to {counted(total, 'sample', ',')}, but the record "
                               f"line declares {header.sig_len:,}")
    header.segments = segments


def _parse_record_line(hea: Path, line: str) -> _Header:
    # RECORD[/NSEG] NSIG [FS[/COUNTER[(BASE)]] [SIGLEN [BASETIME [BASEDATE]]]]
    tokens = line.split()
    bad = f"header cannot be parsed: first line {line[:60]!r} is not a WFDB record line"
    stem = hea.stem
    if len(stem.split()) > 1 and line.split()[:len(stem.split())] == stem.split():
        # "rec 12 12 500 5000" read as record "rec" of 12 signals at 12 Hz: say what is wrong instead
        raise RecordError(hea, f"header cannot be parsed: its record name {stem!r} holds a space, which WFDB "
                               f"record and file names cannot (its first line {line[:60]!r} then reads as other "
                               "fields); "
                               "rename the files and the names in the header without spaces, e.g. "
                               f"{'_'.join(stem.split())!r}")
    if len(tokens) < 2:
        raise RecordError(hea, bad)
    name = tokens[0]
    quirks = []
    n_seg = None
    if "/" in name:   # RECORD/NSEG: the master header of a multi-segment record
        name, _, n_seg_text = name.partition("/")
        if not _RX_UINT.fullmatch(n_seg_text):
            raise RecordError(hea, bad)
        n_seg = int(n_seg_text)
        if n_seg == 0:
            raise RecordError(hea, "header declares a multi-segment record of no segments")
        if n_seg > MAX_SEGMENTS:
            raise RecordError(hea, f"header declares {n_seg:,} segments; at most {MAX_SEGMENTS:,} are read")
    if "." in name:
        # Georgia (CinC 2020) headers name the record "E00009.mat"; wfdb rejects the line.
        quirks.append(f"record name {name!r} carries a file extension")
        name = name.split(".", 1)[0]
    if not _RX_NAME.fullmatch(name) or not _RX_UINT.fullmatch(tokens[1]):
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
    # a frame rate below an ECG's may still carry one at several samples a frame ("16x8" in 31.25 Hz
    # frames is 250 Hz): checked once the signal lines are read (_parse_header) and the record's
    # rate is known (wfdb_record)
    if implausible and not (n_seg is None and fs < MIN_FS):
        if len(tokens) == 3 and _RX_UINT.fullmatch(tokens[2]):
            # "s0010_re 15 38400" (its rate lost) read 38400 as the rate; which field is lost is not guessed
            implausible += (f"; the record line {line[:60]!r} holds three of the fields NAME NSIG FS NSAMP: "
                            "if it has lost one, the others moved into its place")
        raise RecordError(hea, implausible)
    sig_len = None
    if len(tokens) > 3:
        if not _RX_UINT.fullmatch(tokens[3]):
            if _day_month_year(tokens[3]) or re.fullmatch(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?", tokens[3]):
                # "A0001 12 7500 12-May-2020 12:33:59" (a Challenge header, its rate lost): a date where the
                # length belongs means a field before it is missing, not a length that is no number
                raise RecordError(hea, f"header cannot be parsed: its record line {line[:60]!r} has a "
                                       f"{'date' if _day_month_year(tokens[3]) else 'time'} ({tokens[3]}) where "
                                       "the signal length belongs: a field before it is missing (the line "
                                       "reads NAME NSIG FS NSAMP, then the time and date)")
            raise RecordError(hea, f"header cannot be parsed: signal length {tokens[3]!r} is not a "
                                   "whole number")
        sig_len = int(tokens[3])     # longer than frames_read: read in part (wfdb_record)
    base_time = base_date = None
    for token in tokens[4:6]:  # WFDB puts the time first; Challenge headers put the date first
        if ":" in token and base_time is None:
            base_time = token
        elif base_date is None:
            base_date = token
    return _Header(name, n_sig, fs, sig_len, [], [], base_time, base_date, quirks, n_seg=n_seg, record_line=line)


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _day_month_year(text: str) -> tuple[int, int, int] | None:
    """(day, month, year) as a date written DD/MM/YYYY or with a month name ("12-May-2020") gives
    them, whether or not that day exists; None for text of another form."""
    text = text.strip()
    dmy = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if dmy:
        return int(dmy.group(1)), int(dmy.group(2)), int(dmy.group(3))
    named = re.fullmatch(r"(\d{1,2})[-/ ]([A-Za-z]{3})[A-Za-z]*[-/ ](\d{4})", text)
    if named and named.group(2).lower() in _MONTHS:
        return int(named.group(1)), _MONTHS.index(named.group(2).lower()) + 1, int(named.group(3))
    return None


def iso_base_date(text: str) -> str | None:
    """A header's base date as ISO 8601 (2020-04-03), or None when it is no valid date. WFDB writes
    DD/MM/YYYY (header(5); "03/04/2020" is 3 April, which a reader used to month/day takes for 4
    March); the PhysioNet Challenge headers write a month name ("12-May-2020"); PTB's "ECG date"
    comment is day/month/year too."""
    import datetime as dt

    parts = _day_month_year(text)
    if parts is None:
        return None
    day, month, year = parts
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:     # 31/02/2020: no such day
        return None


def date_text(text: str, time: str = "") -> str:
    """A date (and the time of day beside it, as written) as a person reads it beside the others:
    ISO 8601 when ``iso_base_date`` reads it ("03/04/2020", "10:20:30" -> "2020-04-03 10:20:30");
    one of its forms naming no real day as what the file holds, said so ("31/02/2020 10:20:30 (not
    a valid date)"), never as an ISO date; other text as given."""
    text, time = text.strip(), (time or "").strip()
    iso = iso_base_date(text)
    shown = " ".join(t for t in (iso or text, time) if t)
    return f"{shown} (not a valid date)" if iso is None and _day_month_year(text) else shown


def iso_base_datetime(date: str | None, time: str | None) -> str | None:
    """The header's base date and time as ISO 8601 text ("2020-04-03 10:20:30", as the other readers
    give ``meta["acquired"]``); the date alone when the time is absent or not HH:MM:SS[.fff]; None
    without a valid date."""
    day = iso_base_date(date) if date else None
    if day is None:
        return None
    m = re.fullmatch(r"(\d{1,2}):(\d{2}):(\d{2})(\.\d+)?", (time or "").strip())
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60 and int(m.group(3)) < 60:
        return f"{day} {int(m.group(1)):02d}:{m.group(2)}:{m.group(3)}{m.group(4) or ''}"
    return day


def _parse_signal_line(hea: Path, line: str, index: int, layout: bool = False) -> _Signal:
    m = _RX_SIGNAL.match(line)
    bad = f"header cannot be parsed: signal line {index + 1} ({line[:60]!r}) is not valid"
    # a layout segment's signals name no file ("~"); every other signal line names one
    if m is None or not (m.group("file_name").strip("~") or (layout and m.group("file_name") == "~")):
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
    _check_lost_numbers(hea, g, index, line)
    odd_gain = _RX_ODD_GAIN.match(g["units"])
    if not g["adc_gain"] and odd_gain:   # "NaN(0)/mV": the number pattern stops at "NaN"
        raise RecordError(hea, f"signal {name}: ADC gain {odd_gain.group(0)!r} is not a finite number")
    no_number = re.match(r"([^(/\s]+)[(/]", g["units"])
    if not g["adc_gain"] and no_number:  # "x(6)/mV": the number pattern matched nothing, the rest passed for units
        raise RecordError(hea, f"signal {name}: ADC gain {no_number.group(1)!r} is not a number")
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
            uncalibrated=gain == 0,
            init_stated=g["init_value"] not in ("", "-"),
        )
    except ValueError:
        raise RecordError(hea, bad) from None


# the numeric fields after the gain, in order, and their names in header(5)
_NUMERIC_FIELDS = (("adc_res", "ADC resolution"), ("adc_zero", "ADC zero"), ("init_value", "initial value"),
                   ("checksum", "checksum"), ("block_size", "block size"))
_RX_INT = re.compile(r"-?[0-9]+")


def _check_lost_numbers(hea: Path, g: dict, index: int, line: str) -> None:
    """Refuse a signal line whose numeric fields stop at a word that numbers follow: "1.dat 16 1716(6)/mV x
    0 -120 -32198 0 i" is an ADC resolution that is no number, and the regex took it and the fields after
    it for the description (the lead's name): the lead was lost and derived from the others, unsaid. A
    line that ends its fields early and then names its signal ("1.dat 16 200 II") has no number after
    the name's first word, and reads."""
    missing = [(key, label) for key, label in _NUMERIC_FIELDS if g[key] in ("", "-")]
    if not missing:
        return
    words = g["sig_name"].split()
    after = words[1:len(missing)]
    if words and not _RX_INT.fullmatch(words[0]) and after and all(_RX_INT.fullmatch(w) for w in after):
        raise RecordError(hea, f"header cannot be parsed: signal line {index + 1} ({line[:60]!r}): its "
                               f"{missing[0][1]} {words[0]!r} is not a whole number")


def segment_headers(headers) -> set[Path]:
    """The segment headers (and layout headers) that the multi-segment master headers among
    ``headers`` name, as paths beside their master: a folder listing shows such a record once, by
    its master. A header that cannot be read names nothing (loading it gives the error)."""
    parts = set()
    for hea in headers:
        # every header of a folder is asked: a raw read of its start (PTB-XL's 21,799 headers: 0.08 s,
        # against 0.55 s through open() and a decoded text), and its record line alone looked at
        try:
            fd = os.open(hea, os.O_RDONLY)
            try:
                head = os.read(fd, 4096)
            finally:
                os.close(fd)
        except OSError:
            continue
        first = next((line.split() for line in head.splitlines()
                      if line.strip() and not line.lstrip().startswith(b"#")), [])
        if not first or b"/" not in first[0]:     # cheap test first: only a master's record line has NAME/NSEG
            continue
        hea = Path(hea)
        try:
            header = _parse_header(hea)
        except RecordError:
            continue
        parts.update(hea.with_name(seg.name + ".hea") for seg in header.segments or [] if seg.name != "~")
    return parts
