"""EDF, EDF+ and BDF in and EDF+ out, through edfio (Apache-2.0, the Siesta Group).

Follows the EDF specification (Kemp et al. 1992), EDF+ (Kemp & Olivan 2003: the structured
patient field "code sex birthdate name additional" and recording field "Startdate date hospital
technician equipment additional"; the discontinuous "EDF+D" recording, whose data records start at
the onsets of their first time-stamped annotation lists, section 2.2.4) and BioSemi's 24-bit BDF
variant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import unicodedata
import warnings
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import build_record, fail, fail_unless_ours, format_name
from mirage_model.formats.extra import require
from mirage_model.formats.fields import acquired_datetime, header_fields
from mirage_model.limits import MAX_MV_PER_UNIT, MAX_SAMPLES, MAX_SIGNALS, length_words, read_part_note
from mirage_model.records.extra_leads import is_extra_lead, whole_extra_leads
from mirage_model.records.flags import RunLength, clip_samples, clipped
from mirage_model.records.leads import match_leads, unit_scale
from mirage_model.records.metadata import (WRITTEN_IDENTITY, WRITTEN_PATIENT, WRITTEN_RECORDING, apply_source_comments,
                                           apply_written_fields, comment_fields)
from mirage_model.records.record import STANDARD_LEADS, EcgRecord, RecordError, fault_words, raise_own_fault
from mirage_model.words import counted

_RX_AGE = re.compile(r"^age[_:=]?(\d+(?:\.\d+)?)$", re.I)
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
# EDF has no code for a missing sample. MIRAGE writes one at the digital minimum, which its written
# samples never reach (their physical range is 0.1% wider than the record's peak), and names it in
# the recording field ("MIRAGE missing=-32768"); other readers show such samples at the lead's
# negative limit, this reader makes them NaN again (the "missing" quality flag).
EDF_MISSING = -32768
_MARK = "MIRAGE"
_RX_MISSING = re.compile(r"^missing=(-?[0-9]+)$")
# A record whose length is no whole number of data records is padded (at EDF_MISSING) to the next
# one, and the recording field gives its true length ("samples=3601"): read back, it is cut there.
_RX_SAMPLES = re.compile(r"^samples=([0-9]+)$")
# Data record durations tried when none divides the record: the nearest to 1 s that makes the
# sampling frequency exact is used (a record of 1 s or so is what EDF readers expect).
_DURATIONS = (1, 2, 0.5, 4, 5, 0.25, 0.2, 8, 10, 0.125, 0.1, 16, 20, 25, 0.05, 0.04, 50, 100, 0.02, 0.01,
              200, 1000, 10000)


def _header_encoding(path: Path) -> str:
    """How to read the fixed header's text (256 bytes: patient and recording fields). EDF says
    ASCII, but carts write a name in their own code page ("Müller" in windows-1252) or in UTF-8
    ("Иванов"), which edfio's ASCII turned into U+FFFD, one per byte: UTF-8 when the bytes are
    valid UTF-8, else windows-1252 (undefined bytes still print as U+FFFD)."""
    with open(path, "rb") as fh:
        head = fh.read(256)
    if head.isascii():
        return "ascii"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as err:
        # a multi-byte character cut by the end of the 256 bytes is still UTF-8
        if err.start >= len(head) - 3 and err.reason == "unexpected end of data":
            return "utf-8"
        return "cp1252"


def _field_text(raw: bytes) -> str:
    """A signal header field's text (EDF says ASCII): UTF-8 when its bytes are UTF-8 (a character cut
    by the field's end dropped), else windows-1252, as for the fixed header (``_header_encoding``)."""
    if raw.isascii():
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start >= len(raw) - 3 and err.reason == "unexpected end of data":
            return raw[:err.start].decode("utf-8")
        return raw.decode("cp1252", errors="replace")


def signal_label(s) -> str:
    """An EDF signal's label as written: edfio reads the signal headers in the fixed header's
    encoding, ASCII when that is ASCII, so a label in UTF-8 ("ЭКГ II") or a code page ("SpO²")
    became U+FFFD, one per byte, and no lead."""
    raw = getattr(s, "_label", None)   # edfio's bytes
    return _field_text(raw).strip() if isinstance(raw, bytes) else s.label


# A channel label that says "ECG" and no lead: "ECG", "EKG", "ECG1", "ECG 2", "ECG-A", a sleep study's "ECG L"
_UNNAMED_ECG = re.compile(r"(?i)(ECG|EKG)[ _-]?([0-9]{0,2}|[A-C]|[LR])")


def read_edf(path: Path, fmt: str) -> EcgRecord:
    """Read an EDF/EDF+ (``fmt`` "edf") or BDF ("bdf") file.

    Channels named after a standard lead ("ECG I", "EKG II", "V1") are kept; others (EEG,
    annotations, respiration ...) are listed in ``meta["dropped_leads"]``. The record's rate is
    its fastest ECG lead's; a lead with fewer samples per data record is interpolated to it at
    its true sample times (``meta["resampled_leads"]``, and a reader warning).

    A file longer than ``limits.MAX_SAMPLES`` samples a signal (a 24 h Holter) is read in part: its first
    data records up to that many (``_Part``), nothing after them, and the record says so
    (``meta["read_part_note"]``, ``meta["recording_s"]``), as an ISHNE Holter is (docs/long_records.md).

    Raises:
        RecordError: a damaged or cut header, data shorter (or longer) than the header says (within the
            part read, for a file read in part), too few ECG leads, unknown units, a physical or digital
            range that cannot scale a lead.
    """
    edfio = require("edfio", path, fmt)
    part = _check_header(path, fmt)
    onsets = _record_onsets(path, fmt, None if part is None else part.records)
    if part is not None and onsets is not None:
        # EDF+D read in part: the data records that lie, with their gaps, within as many records' time
        beyond = np.flatnonzero((onsets - onsets[0]) / part.duration + 1 > part.records + 1e-6)
        within = int(beyond[0]) if beyond.size else len(onsets)
        part = dataclasses.replace(part, records=max(1, within))
        onsets = onsets[:part.records]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # edfio warns about odd but readable headers
            encoding = _header_encoding(path)
            # a file read in part: its header and first data records alone go to edfio (which reads a BDF
            # whole, and says the header's count of data records is not what it was given: ignored above)
            source = path if part is None else _first_bytes(path, part)
            edf = (edfio.read_bdf(source, header_encoding=encoding) if fmt == "bdf"
                   else edfio.read_edf(source, header_encoding=encoding))
            signals = list(edf.signals)
    except Exception as err:  # edfio raises ValueError and others on damaged headers or data
        raise fail_unless_ours(path, fmt, err, f"the header or data is damaged ({fault_words(err, path)})") from None

    labels = [signal_label(s) for s in signals]
    is_ecg = set(match_leads(labels).matched)
    ecg = [s for i, s in enumerate(signals) if i in is_ecg]
    # EDF gives each signal its own samples per data record: ECG leads at a lower rate than the
    # fastest are interpolated to it (a note says which), never refused or laid out at the wrong rate
    per_record = {i: int(s.samples_per_data_record) for i, s in enumerate(signals) if i in is_ecg}
    n = max(per_record.values(), default=0)
    fs = (max(float(s.sampling_frequency) for s in ecg) if ecg
          else (float(signals[0].sampling_frequency) if signals else 0.0))
    slower = [i for i, k in per_record.items() if k != n]
    # EDF+D: records placed at their onsets, NaN (missing) between (runs None: they follow each other)
    runs, length, discontinuous = None, 0, None
    if onsets is not None and ecg:
        runs, length = _record_runs(path, fmt, onsets, n, fs)
        discontinuous = {"records": len(onsets), "gaps": len(runs) - 1 if runs else 0,
                         "gap_s": round((length - len(onsets) * n) / fs, 6)}
    missing_code, keep = _missing_code(edf), _true_length(edf)
    channels, at_limit, gaps, reversed_range, scales = [], {}, False, {}, {}
    for i, s in enumerate(signals):
        if i not in is_ecg:   # kept by name only (an extra lead, V4R, read): build_record lists it as dropped
            channels.append((labels[i], _extra_values(s, labels[i], n, keep if runs is None and part is None else None,
                                                      runs, length, missing_code, path, fmt)))
            continue
        gain, offset, (dmin, dmax), scale = _calibration(s, labels[i], path, fmt)
        scales[labels[i]] = scale
        if gain < 0:   # a physical maximum below the minimum: read upside down, as the spec maps it
            reversed_range[len(channels)] = scale     # keyed by its place among the channels
        try:
            digital = s.digital
        except Exception as err:
            raise fail_unless_ours(path, fmt, err, f"lead {labels[i]}: data cannot be read ({err})") from None
        if keep is not None and runs is None and part is None:   # the writer's padding of the last data record
            if keep > len(digital):
                raise fail(path, fmt, f"lead {labels[i]}: {counted(len(digital), 'sample')}, fewer than the {keep} its "
                                      "recording field names")
            digital = digital[:keep]
        values = digital.astype(np.float64) * gain + offset
        missing = digital == missing_code if missing_code is not None else np.zeros(len(digital), dtype=bool)
        if missing.any():
            values[missing] = np.nan
            gaps = True
        if per_record[i] != n:
            values = _to_rate(values, per_record[i], n, [first for first, _, _ in runs[1:]] if runs else [])
        if runs:
            values = _place_records(values, runs, length, n, path, fmt, labels[i])
        channels.append((labels[i], values))
        # clipped: runs at the range's ends (a missing sample breaks a run), not peaks that a writer
        # scaling to the data put there
        clip = clip_samples(float(s.sampling_frequency))
        at_hi, at_lo = RunLength(clip), RunLength(clip)
        at_hi.feed((digital >= dmax) & ~missing)
        at_lo.feed((digital <= dmin) & ~missing)
        at_limit[labels[i]] = clipped([at_hi, at_lo], float(s.sampling_frequency))
    if not ecg:
        # a channel named only "ECG" (EKG, ECG1 ...) holds an ECG but names none of the 12 leads
        unnamed = [label for label in labels if _UNNAMED_ECG.fullmatch(label.strip())]
        why = (f": {', '.join(repr(x) for x in unnamed)} {'names' if len(unnamed) == 1 else 'name'} no lead of the "
               "12 (a one-channel or monitoring ECG; MIRAGE reads leads it can name)" if unnamed else "")
        raise fail(path, fmt, f"no ECG leads among its {counted(len(signals), 'channel')} "
                              f"({', '.join(labels) or 'none'}){why}")
    info = _edf_info(edf)
    info["meta"]["amplitude_field"] = _amplitude_field(scales, fmt)
    if slower:
        info["meta"]["resampled_leads"] = tuple(labels[i] for i in slower)
        info["meta"]["reader_warnings"] = (
            f"{', '.join(f'{labels[i]} ({float(signals[i].sampling_frequency):g} Hz)' for i in slower)} "
            f"sampled slower than the other ECG leads: interpolated to {fs:g} Hz",)
    if discontinuous is not None:
        info["meta"]["edf_discontinuous"] = discontinuous
    if part is not None:
        _note_part(info["meta"], part, n, fs, length if runs else part.records * n,
                   _span(path, fmt, part, onsets, n, fs) if onsets is not None else part.held * n)
    rec = build_record(path, fmt, channels, fs, at_limit=at_limit, info=info, nan_is_missing=bool(runs) or gaps)
    if reversed_range:
        _note_reversed_ranges(rec, [label for label, _ in channels], reversed_range)
    if _MARK in _recording_marks(edf):   # a file MIRAGE wrote: the device's analysis, what its source's reader found
        texts = _annotation_texts(edf)
        rec.comments = tuple(texts)        # as a WFDB header's: what a conversion of this file keeps again
        apply_written_fields(rec, comment_fields(texts), texts)
        apply_source_comments(rec, texts)
    return rec


def _extra_values(s, label: str, n: int, keep: int | None, runs, length: int, missing_code: int | None,
                  path: Path, fmt: str) -> np.ndarray | str:
    """An extra lead's samples in mV (``records.extra_leads``: V4R, vx; none for another channel, which is not
    read), placed as the ECG leads are (``n`` samples a data record, the writer's padding cut to ``keep``,
    EDF+D's ``runs`` over ``length``), or why they cannot be (another rate, units that are no voltage)."""
    if not is_extra_lead(label):
        return np.zeros(0)
    if int(s.samples_per_data_record) != n:
        rate = float(s.sampling_frequency)
        return f"sampled at {rate:g} Hz, not the leads' {rate * n / int(s.samples_per_data_record):g} Hz"
    try:
        gain, offset, _, _ = _calibration(s, label, path, fmt)
        digital = s.digital if keep is None else s.digital[:keep]
        values = digital.astype(np.float64) * gain + offset
        if missing_code is not None:
            values[digital == missing_code] = np.nan
        return _place_records(values, runs, length, n, path, fmt, label) if runs else values
    except RecordError as err:      # "read as EDF: lead V4R: ...": the format is the record's
        return err.reason.split(": ", 1)[-1] if err.reason.startswith("read as ") else err.reason
    except Exception as err:        # a damaged file's, unless MIRAGE's own fault (raised as such)
        raise_own_fault(err, path, format_name(fmt))
        return fault_words(err, path)


def _held_lines(record: EcgRecord, fields: dict, written: dict, birth, acquired) -> set[str]:
    """The lines of ``formats.write.field_lines`` ("Patient name: ...") whose value the EDF+ header
    holds as written, as :func:`read_edf` gives it back (a subfield's "_" read as a blank): the others
    (a name outside ASCII, "Иванов" written "X"; an ID with "_"; a device name cut at the field's 80
    characters) stay annotations, read back over the header's.

    Args:
        fields: ``formats.fields.header_fields``' patient fields; ``written``: the subfields as written
            ({"id", "name", "admin_code", "device"}); ``birth``, ``acquired``: the birth date and start written.
    """
    values = {WRITTEN_PATIENT["id"]: (fields.get("patient_id"), written["id"]),
              WRITTEN_PATIENT["name"]: (fields.get("patient_name"), written["name"]),
              WRITTEN_IDENTITY["admin_code"]: (record.meta.get("admin_code"), written["admin_code"]),
              WRITTEN_RECORDING["device"]: (record.meta.get("device"), written["device"])}
    held = {f"{label}: {value}" for label, (value, sub) in values.items()
            if value is not None and sub.replace("_", " ") == str(value)}
    if birth is not None and birth.isoformat() == str(fields.get("birth_date")):
        held.add(f"{WRITTEN_PATIENT['birth_date']}: {fields['birth_date']}")
    if acquired is not None and acquired.isoformat(sep=" ", timespec="seconds") == str(record.meta.get("acquired")):
        held.add(f"{WRITTEN_RECORDING['acquired']}: {record.meta['acquired']}")
    return held


def note_annotations(edfio, notes: list[str], duration: float, records: int) -> list:
    """``notes`` as EDF+ annotations, in order, spread over the first data records: each data record's
    annotation signal is as long as the fullest one's, so that the 50 lines of a PTB header, all in the
    first, had made every data record 4 KB longer. One after another within a data record, 1 ms apart
    (less where a data record is shorter): readers (edfio) sort annotations by time, then by text.

    Args:
        notes: the texts, in order.
        duration: seconds of one data record; ``records``: data records in the file.

    Returns:
        [edfio.EdfAnnotation] (onset in seconds, no duration, text), one per note.
    """
    if not notes:
        return []
    per = -(-len(notes) // max(1, records))              # notes in a data record
    step = min(0.001, duration / (per + 1))
    return [edfio.EdfAnnotation((k // per) * duration + (k % per) * step, None, text) for k, text in enumerate(notes)]


def _annotation_texts(edf) -> list[str]:
    """The texts of an EDF+ file's annotations ([] where they cannot be read)."""
    try:
        return [str(a.text) for a in edf.annotations]
    except Exception:   # a damaged annotation signal: the ECG read stands, without the notes
        return []


def _to_rate(values: np.ndarray, k: int, n: int, breaks: list[int]) -> np.ndarray:
    """One signal's samples (R * k,) at ``k`` per data record, linearly interpolated to ``n`` per
    data record (R * n,).

    EDF places sample j of data record r at ``(r + j / k)`` record durations, so sample m of the
    result (``m / n`` durations) lies ``m * k / n`` samples in. A sample next to a missing (NaN) one
    is missing; the last sample is held to the end, and to the end of each data record before one
    of ``breaks`` (the first data record of each stretch of an EDF+D file after the first): a
    stretch recorded later is never blended into the one before it.
    """
    pos = np.arange(len(values) // k * n) * (k / n)   # the result's samples in source samples
    lo = np.minimum(np.floor(pos).astype(np.int64), len(values) - 1)
    hi = np.minimum(lo + 1, len(values) - 1)
    if breaks:
        at_break = np.isin(hi, np.asarray(breaks, dtype=np.int64) * k)
        hi[at_break] = lo[at_break]
    w = np.where(hi == lo, 0.0, pos - lo)
    out = values[lo]
    between = w > 0   # on a sample: that sample, even beside a missing one
    out[between] = values[lo[between]] * (1 - w[between]) + values[hi[between]] * w[between]
    return out


def _note_reversed_ranges(rec: EcgRecord, labels: list[str], ranges: dict[int, str]) -> None:
    """Name the leads that a reversed physical range turns upside down, as the WFDB reader names
    those of a negative ADC gain (``meta["negative_gain_leads"]`` and ``["negative_gain_note"]``,
    which the quality findings report as "negative_gain"): the values stay as the spec maps them.

    Args:
        rec: the record ``build_record`` made of the channels named ``labels`` (file order).
        ranges: index into ``labels`` -> that channel's calibration in words, for the channels
            whose range is reversed.
    """
    chosen = match_leads(labels).chosen               # the leads build_record took, as it matched them
    inverted = tuple(lead for lead in STANDARD_LEADS if lead in chosen and chosen[lead][0] in ranges)
    if not inverted:
        return
    rec.meta["negative_gain_leads"] = inverted
    sources = [lead for lead in ("I", "II") if lead in inverted]
    follow = list(rec.meta.get("derived_leads") or ()) if sources else []
    rec.meta["negative_gain_note"] = (
        "the header gives " + ", ".join(f"{lead} {ranges[chosen[lead][0]]}" for lead in inverted)
        + ": a physical maximum below its minimum is a negative gain, which reads the stored samples upside down"
        + (f" (and {', '.join(follow)}, derived from {' and '.join(sources)})" if follow else "")
        + "; if the waveform looks inverted, the header's range is wrong")


def _recording_marks(edf) -> tuple[str, ...]:
    """The additional subfields of an EDF+ recording field, () for plain EDF."""
    try:
        return tuple(edf.recording.additional)
    except Exception:  # plain EDF: the field is free text
        return ()


def _true_length(edf) -> int | None:
    """Samples a lead holds in a file MIRAGE wrote with its last data record padded ("MIRAGE
    samples=N" in its recording field), or None (every sample of every data record is data)."""
    return _mark_number(edf, _RX_SAMPLES)


def _duration_text(d: float) -> str | None:
    """``d`` seconds as the 8-character duration field writes it (edfio: an integer, else
    ``str(float)``), or None when it does not fit or needs an exponent."""
    text = str(int(d)) if float(d).is_integer() else str(float(d))
    return text if len(text) <= 8 and "e" not in text else None


def record_layout(fs: float, T: int) -> tuple[float, int, int]:
    """The data records that hold ``T`` samples at ``fs`` Hz exactly in EDF.

    EDF gives each signal's samples per data record (an integer) and the record's duration (8
    characters); a reader's sampling frequency is their quotient, so ``n / duration`` must be
    ``fs`` exactly. A duration of 0.1 to 10 s whose ``n`` divides ``T`` is used when one exists
    (the nearest to 1 s); else the last data record is padded, with the duration nearest to 1 s
    that gives ``fs`` exactly (360 Hz x 3601: 11 records of 1 s; 499.5 Hz: 2 s of 999 samples).

    Args:
        fs: sampling frequency in Hz.
        T: samples a lead.

    Returns:
        (duration in seconds, samples per data record n, data records R), R * n >= T.

    Raises:
        ValueError: no duration of 8 characters gives ``fs`` exactly.
    """
    def exact(d: float) -> tuple[float, int] | None:
        text = _duration_text(d)
        if text is None or float(text) <= 0:
            return None
        n = round(fs * float(text))
        return (float(text), n) if n >= 1 and n / float(text) == fs else None

    whole = []   # (duration, n) with n dividing T
    for n in _divisors(T):
        d = n / fs
        if 0.1 <= d <= 10:
            for digits in range(1, 9):   # the shortest decimal that gives fs back
                found = exact(float(f"{d:.{digits}g}"))
                if found and found[1] == n:
                    whole.append(found)
                    break
    if whole:
        d, n = min(whole, key=lambda dn: abs(math.log(dn[0])))
        return d, n, T // n
    for d in _DURATIONS:
        found = exact(d)
        if found:
            d, n = found
            return d, n, -(-T // n)
    raise ValueError(f"no data record duration of 8 characters holds a whole number of samples at {fs!r} Hz")


def _divisors(T: int) -> list[int]:
    """The divisors of ``T`` (T >= 1)."""
    small = [k for k in range(1, math.isqrt(T) + 1) if T % k == 0]
    return sorted(set(small + [T // k for k in small]))


def _missing_code(edf) -> int | None:
    """The digital value that marks a missing sample in a file MIRAGE wrote ("MIRAGE missing=N" in
    its recording field), or None: other writers' files have none, every sample is a sample."""
    return _mark_number(edf, _RX_MISSING)


def _mark_number(edf, pattern) -> int | None:
    """The number of the first of MIRAGE's marks in the recording field that ``pattern`` matches
    (group 1), or None: not a file MIRAGE wrote, or no such mark."""
    marks = _recording_marks(edf)
    if _MARK not in marks:
        return None
    for mark in marks:
        m = pattern.match(mark)
        if m:
            return int(m.group(1))
    return None


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


def _calibration(s, label: str, path: Path, fmt: str) -> tuple[float, float, tuple[int, int], str]:
    """(mV per count, mV at count 0, digital range, the ranges in words) of one ECG signal, from
    its header's physical and digital ranges and units (EDF spec 2.1: the ranges map linearly; a
    physical minimum above the maximum is an inverted lead, a negative mV per count). edfio returns
    the counts uncalibrated when a range is empty or not a number, which would pass counts for
    millivolts: such a range (an equal digital minimum and maximum included) is refused here.
    """
    raw = getattr(s, "_physical_dimension", None)   # edfio's bytes: its text drops a non-ASCII "µ"
    unit = (raw.decode("latin-1") if isinstance(raw, bytes) else s.physical_dimension).strip()
    to_mv = unit_scale(unit)
    if to_mv is None:
        raise fail(path, fmt, f"unknown units {unit!r} for lead {label} (expected mV, uV or V)")
    try:
        dmin, dmax = s.digital_min, s.digital_max
    except ValueError:
        raise fail(path, fmt, f"lead {label}: its digital minimum or maximum is not a whole number") from None
    try:
        pmin, pmax = s.physical_min, s.physical_max
    except ValueError:
        raise fail(path, fmt, f"lead {label}: its physical minimum or maximum is not a number") from None
    bits = 24 if fmt == "bdf" else 16
    if not -(1 << (bits - 1)) <= dmin < dmax < (1 << (bits - 1)):
        raise fail(path, fmt, f"lead {label}: digital range {dmin} to {dmax} is not a rising range of "
                              f"{bits}-bit samples")
    if not (math.isfinite(pmin) and math.isfinite(pmax)) or pmin == pmax:
        raise fail(path, fmt, f"lead {label}: physical range {pmin:g} to {pmax:g} {unit} cannot scale "
                              "its samples (empty or not finite)")
    # No lower bound: a 24-bit writer that spreads a small ECG over the whole range (pyedflib does)
    # gives 1e-7 mV per count or less, and a range too small for any ECG leaves the lead flat.
    gain = (pmax - pmin) / (dmax - dmin) * to_mv
    scale = f"physical range {pmin:.8g} to {pmax:.8g} {unit} over digital {dmin} to {dmax}"   # 8-character fields
    if not abs(gain) <= MAX_MV_PER_UNIT:
        raise fail(path, fmt, f"lead {label}: {abs(gain):.3g} mV per count ({scale}) is implausible for an ECG "
                              f"(at most {MAX_MV_PER_UNIT:g})")
    return gain, pmin * to_mv - gain * dmin, (dmin, dmax), scale


def _amplitude_field(scales: dict[str, str], fmt: str) -> str:
    """The header fields that scale the ECG leads' samples (label -> ``_calibration``'s scale) of a file of ``fmt``
    ("edf" or "bdf"), as a reason names them: "the EDF header's physical range -3.2768 to 3.2767 mV over digital
    -32768 to 32767", the first lead's, said "(lead I; the others' differ)" where they are not all alike; "" with
    no lead."""
    if not scales:
        return ""
    (label, first), *_ = scales.items()
    alike = len(set(scales.values())) == 1
    return f"the {fmt.upper()} header's {first}" + ("" if alike else f" (lead {label}; the others' differ)")


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


def _check_header(path: Path, fmt: str) -> _Part | None:
    """The fixed header must hold whole numbers in range that agree with each other and with the
    file's size (EDF spec 2.1), checked before edfio reads: edfio takes the data's offset from the
    header-length field and the number of data records from the file's size, so a wrong field
    there would shift or stretch the signal without a word.

    Returns:
        None when the file is read whole; the part read of a file longer than ``limits.MAX_SAMPLES``
        samples a signal (or 12 times that in all): its first data records up to that many, which must
        all be in the file (one cut short after them is read, and says so).
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


# EDF+ (Kemp & Olivan 2003, 2.1.3.3-2.1.3.4): the patient field is "code sex birthdate name ...", the
# recording field "Startdate dd-MMM-yyyy code technician equipment ..."; "X" for one not known
_EDF_PLUS_DATE = re.compile(r"^(?:X|\d{2}-[A-Za-z]{3}-\d{4})$")


def _structured_fields(edf) -> tuple[bool, bool]:
    """Whether the patient and the recording fields are EDF+'s subfields. An EDF+ or BDF+ file (its
    reserved field says so) has them; in a plain EDF both are free text, read as subfields only where
    they follow EDF+'s layout (many writers of plain EDF do). edfio reads any text as subfields, so that
    a plain EDF's "Roe, Jane; ward 3" had been patient ID "Roe," and name "3", and a writer's unfilled
    "dd-MMM-yyyy" the patient ID."""
    if str(getattr(edf, "reserved", "") or "").startswith(("EDF+", "BDF+")):
        return True, True
    patient = edf.local_patient_identification.split()
    recording = edf.local_recording_identification.split()
    return (len(patient) >= 4 and patient[1] in ("M", "F", "X") and bool(_EDF_PLUS_DATE.match(patient[2])),
            len(recording) >= 5 and recording[0] == "Startdate" and bool(_EDF_PLUS_DATE.match(recording[1])))


def _patient_free_text(edf, info: dict) -> None:
    """A patient field read as free text (a plain EDF's, or subfields edfio cannot read), kept as the file has it."""
    text = edf.local_patient_identification.strip()
    if text and text != "X":
        info["meta"]["edf_patient_field"] = text


def _recording_free_text(edf, info: dict) -> None:
    """A recording field read as free text, kept as the file has it."""
    text = edf.local_recording_identification.strip()
    if text:
        info["meta"]["edf_recording_field"] = text


def _edf_info(edf) -> dict:
    info: dict = {"meta": {"reader": "edfio"}}
    patient_fields, recording_fields = _structured_fields(edf)
    if patient_fields:
        try:
            p = edf.patient
            info["patient_id"] = "" if p.code == "X" else p.code.replace("_", " ")
            info["patient_name"] = "" if p.name == "X" else p.name.replace("_", " ")
            info["sex"] = p.sex if p.sex in ("M", "F") else None
            try:
                info["birth_date"] = p.birthdate
            except ValueError:  # "X": not given
                pass
            for field in p.additional:
                m = _RX_AGE.match(field)
                if m:
                    info["age"] = float(m.group(1))
                if field.lower().startswith("anonymised"):
                    info["anonymised"] = "the file says it was anonymised"
        except Exception:  # subfields edfio cannot read: the field as free text
            _patient_free_text(edf, info)
    else:  # plain EDF: the field is free text
        _patient_free_text(edf, info)
    if recording_fields:
        try:
            r = edf.recording
            if r.equipment_code != "X":
                info["device"] = r.equipment_code.replace("_", " ")
            # EDF+ 2.1.3.3: "the hospital administration code of the investigation, i.e. EEG number or PSG
            # number", no site (it had been shown as "Site: PSG-1234/2002"): the site stays unknown
            if r.hospital_administration_code != "X":
                info["meta"]["admin_code"] = r.hospital_administration_code.replace("_", " ")
        except Exception:
            _recording_free_text(edf, info)
    else:
        _recording_free_text(edf, info)
    try:
        info["acquired"] = edf.startdatetime
    except Exception:
        pass
    return info


_LATIN_FOLDS = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D",
                              "ð": "d", "Þ": "Th", "þ": "th", "ß": "ss", "Æ": "AE", "æ": "ae",
                              "Œ": "OE", "œ": "oe", "ı": "i", "Ħ": "H", "ħ": "h"})


def ascii_letters(text: str) -> str | None:
    """``text`` in ASCII for an EDF header: accents dropped ("Wójcik" -> "Wojcik", "Łukasz" ->
    "Lukasz"); None when a letter has no ASCII form (Cyrillic, Greek, CJK ...): such a name or ID
    is written as not given ("X") rather than as the fragment that is ASCII ("ID-Ω7" had been
    written "ID-7", another patient's ID; "Иванов" an empty name)."""
    folded = unicodedata.normalize("NFKD", text.translate(_LATIN_FOLDS))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return folded if folded.isascii() else None


def write_edf(record: EcgRecord, out_path: Path, *, anonymise: bool = False, notes: list[str] = ()) -> Path:
    """Write ``record`` as EDF+ (16-bit, one "ECG <lead>" signal per standard lead, then one per extra lead under
    its name, "V4R", "vx": ``EcgRecord.extra_leads``; mV).

    The physical range is the 12 leads' own, and each extra lead's its own (symmetric, at least +-1 mV, 0.1% wider
    than its peak),
    so the resolution is range / 65535, a few microvolts for an ordinary ECG. Missing samples (NaN)
    are written at the digital minimum ``EDF_MISSING``, which no written sample reaches, and the
    recording field says so ("MIRAGE missing=-32768"): :func:`read_edf` makes them NaN again.
    The data records are laid out by :func:`record_layout`; when the last one is padded (with
    missing samples) the recording field gives the true length ("samples=3601"), where
    :func:`read_edf` cuts it. ``notes`` (``formats.write.field_lines`` and ``carried_notes``: the header's
    fields as written, the file's diagnoses and notes, the device's statements and measurements, what the
    source's reader found of the file) are written as annotations (:func:`note_annotations`), which
    :func:`read_edf` reads back.

    Returns:
        ``out_path``.
    """
    edfio = require("edfio", out_path, "edf")

    extra = whole_extra_leads(record)
    x = np.asarray(record.signal, dtype=np.float64)   # (12, T)
    T = x.shape[1]
    try:
        duration, n, records = record_layout(float(record.fs), T)
    except ValueError as err:
        raise RecordError(out_path, f"cannot write EDF+: {err}") from None
    x = np.concatenate([x, np.asarray([e.signal for e in extra], dtype=np.float64).reshape(len(extra), T)])
    L = len(x)    # the 12, then the extra leads
    padded = records * n > T
    if padded:   # the last data record filled up with missing samples, cut off again on reading
        x = np.concatenate([x, np.full((L, records * n - T), np.nan)], axis=1)   # (L, R * n)
    nan = np.isnan(x)
    x = np.where(nan, 0.0, x)
    signals = []
    twelve = max(1.0, float(np.abs(x[:12]).max()) * 1.001)   # samples stay above the digital minimum
    # the 12 share a physical range, each extra lead (labelled by its name: "V4R", "vx") has its own
    for k, label in enumerate([f"ECG {lead}" for lead in STANDARD_LEADS] + [e.name for e in extra]):
        span = twelve if k < 12 else max(1.0, float(np.abs(x[k]).max()) * 1.001)
        sig = edfio.EdfSignal(x[k], record.fs, label=label, physical_dimension="mV",
                              physical_range=(-span, span), transducer_type="ECG electrode")
        if nan[k].any():   # the same calibration, missing samples at the reserved code
            digital = sig.digital.copy()
            digital[nan[k]] = EDF_MISSING
            sig = edfio.EdfSignal.from_digital(
                digital, record.fs, label=sig.label, physical_dimension="mV", transducer_type="ECG electrode",
                physical_range=(sig.physical_min, sig.physical_max), digital_range=sig.digital_range)
        signals.append(sig)
    fields = header_fields(record, anonymise)

    def sub(text) -> str:  # EDF headers are ASCII; subfields hold no spaces
        ascii_text = ascii_letters(str(text))
        # a field of spaces alone (a cart's blank patient ID) is not given: edfio refuses an empty subfield
        return (re.sub(r"\s+", "_", ascii_text.strip())[:40] if ascii_text else "") or "X"

    additional = []
    if record.age is not None:
        additional.append(f"Age:{record.age:g}")
    if anonymise or record.meta.get("anonymised"):    # an anonymised source's copy is no less so
        additional.append("anonymised:name_ID_birthdate_removed")
    birth = None
    if not anonymise and fields.get("birth_date"):
        try:
            birth = dt.date.fromisoformat(str(fields["birth_date"])[:10])
        except ValueError:
            birth = None
    # EDF's patient field holds 80 characters: the name is shortened to fit
    code, name = sub(fields.get("patient_id") or "X"), sub(fields.get("patient_name") or "X")
    room = 80 - len(" ".join([code, "X", "01-JAN-2000", *additional])) - 2
    name = name[:max(1, room)]
    patient = edfio.Patient(code=code, sex=record.sex if record.sex in ("M", "F") else "X",
                            birthdate=birth, name=name, additional=additional)
    acquired = acquired_datetime(record.meta.get("acquired"))
    rec_extra = [_MARK] + ([f"missing={EDF_MISSING}"] if nan.any() else []) + ([f"samples={T}"] if padded else [])
    # EDF's recording field holds 80 characters: "Startdate dd-MMM-yyyy admincode X device extras"; the
    # admin code is EDF+'s own (an anonymised file drops it), the site no subfield's: an annotation
    room = 80 - len("Startdate 01-JAN-2000 X ") - len(" ".join(rec_extra)) - 2
    admin = sub(("" if anonymise else record.meta.get("admin_code")) or "X")
    device = sub(record.meta.get("device") or "X")
    if len(admin) + len(device) > room:
        device = device[:max(1, room // 2)]
        admin = admin[:max(1, room - len(device))]
    recording = edfio.Recording(startdate=acquired.date() if acquired else None,
                                hospital_administration_code=admin, equipment_code=device,
                                additional=rec_extra)
    held = _held_lines(record, fields, {"id": code, "name": name, "admin_code": admin, "device": device},
                       birth, acquired)
    notes = [note for note in notes if note not in held]
    try:
        edf = edfio.Edf(signals, patient=patient, recording=recording,
                        starttime=acquired.time() if acquired else None, data_record_duration=duration,
                        annotations=note_annotations(edfio, notes, duration, records))
        edf.write(out_path)
    except ValueError as err:
        raise RecordError(out_path, f"cannot write EDF+: {err}") from None
    except OSError as err:   # a folder of that name, a full disk, no permission: this input fails, not the batch
        raise RecordError(out_path, f"cannot write EDF+: {err.strerror or err}") from None
    return out_path
