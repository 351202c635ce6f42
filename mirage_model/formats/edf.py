"""EDF, EDF+ and BDF in and EDF+ out, through edfio (Apache-2.0, the Siesta Group).

Follows the EDF specification (Kemp et al. 1992), EDF+ (Kemp & Olivan 2003: the structured
patient field "code sex birthdate name additional" and recording field "Startdate date hospital
technician equipment additional"; the discontinuous "EDF+D" recording, whose data records start at
the onsets of their first time-stamped annotation lists, section 2.2.4) and BioSemi's 24-bit BDF
variant. The fixed header's check and EDF+D's data records are ``edf_records``'s, the writer ``edf_write``'s.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from pathlib import Path

import numpy as np

from mirage_model.formats.assemble import build_record, fail, fail_unless_ours, format_name
from mirage_model.formats.edf_records import (_check_header, _first_bytes, _note_part, _place_records, _record_onsets,
                                              _record_runs, _span)
from mirage_model.formats.edf_write import _MARK, EDF_MISSING, write_edf
from mirage_model.formats.extra import require
from mirage_model.limits import MAX_MV_PER_UNIT
from mirage_model.records.extra_leads import is_extra_lead
from mirage_model.records.flags import RunLength, clip_samples, clipped
from mirage_model.records.leads import match_leads, unit_scale
from mirage_model.records.metadata import apply_source_comments, apply_written_fields, comment_fields
from mirage_model.records.record import STANDARD_LEADS, EcgRecord, RecordError, fault_words, raise_own_fault
from mirage_model.words import counted

# the reader, and the writer's names imported from here before it moved to its module
__all__ = ["EDF_MISSING", "read_edf", "signal_label", "write_edf"]

_RX_AGE = re.compile(r"^age[_:=]?(\d+(?:\.\d+)?)$", re.I)
_RX_MISSING = re.compile(r"^missing=(-?[0-9]+)$")
# A record whose length is no whole number of data records is padded (at EDF_MISSING) to the next
# one, and the recording field gives its true length ("samples=3601"): read back, it is cut there.
_RX_SAMPLES = re.compile(r"^samples=([0-9]+)$")


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
    notes: list[str] = []   # the header check's reader notes (an incomplete last data record left out)
    part = _check_header(path, fmt, notes)
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
        notes.append(f"{', '.join(f'{labels[i]} ({float(signals[i].sampling_frequency):g} Hz)' for i in slower)} "
                     f"sampled slower than the other ECG leads: interpolated to {fs:g} Hz")
    if notes:
        info["meta"]["reader_warnings"] = tuple(notes)
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
