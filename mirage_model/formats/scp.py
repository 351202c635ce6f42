"""SCP-ECG (EN 1064:2005+A1:2007, ISO 11073-91064): a binary file of numbered sections; Section 3
gives each lead's first and last sample number, Section 6 the rhythm's samples. Read by
ecgdatakit's parser.

This module refuses a file whose leads declare more samples than are read before the decoder
allocates them, and places leads recorded one group after another (a cart recording three leads at
a time) at their own time in the record. It reads Section 1's age in months, weeks, days or hours
as a fraction of a year, and a lead whose first sample Section 3 numbers 0 (EN 1064 numbers them
from 1; ECG Viewer's files state 0-10000 for 10,000 samples) as starting at sample 1, with a reader note.
Section 1 dates that are stated but are no date (ecgdatakit drops them silently), and a sex code the standard
does not define (an anonymiser's 'R'), are said in a reader note.
"""

from __future__ import annotations

import struct
import warnings
from datetime import date
from pathlib import Path

from mirage_model.formats.assemble import fail
from mirage_model.limits import MAX_SAMPLES
from mirage_model.records.age import YEAR_DAYS


# Section 1 tag 4's age units (EN 1064 Table 6: 1 years, 2 months, 3 weeks, 4 days, 5 hours) per year
_AGE_UNITS = {1: 1.0, 2: 12.0, 3: YEAR_DAYS / 7, 4: YEAR_DAYS, 5: YEAR_DAYS * 24}


def adapt_parser(parser):
    """ecgdatakit's SCP-ECG parser, made to read a lead whose first sample Section 3 states as 0 (the
    parser refused it: 'invalid sample range 0-10000') as samples 1 to its stated last: the count the
    lead's uncompressed data holds in the one real file seen (ECG Viewer's demo.scp, SCP-ECG 1.3, 8
    leads of 20,000 bytes in Section 6 for 0-10000); the parser still checks that count against the
    data. A reader note says so."""

    class FirstSampleZero(type(parser)):
        def _parse_section3(self, ctx):
            section = ctx.sections[3]
            body = section.body(ctx.data)
            count = body[0] if len(body) >= 2 else 0
            ranges = [struct.unpack_from("<II", body, 2 + 9 * k) for k in range(count) if 2 + 9 * k + 9 <= len(body)]
            zero = [k for k, (first, last) in enumerate(ranges) if first == 0 and last >= 1]
            if zero:
                data = bytearray(ctx.data)       # (the CRCs were checked on the file as it is)
                for k in zero:
                    struct.pack_into("<I", data, section.offset + 16 + 2 + 9 * k, 1)
                ctx.data = bytes(data)
                last = sorted({ranges[k][1] for k in zero})
                which = "every lead" if len(zero) == count else "lead " + ", ".join(str(k + 1) for k in zero)
                warnings.warn(f"SCP-ECG: Section 3 numbers the first sample of {which} 0 (EN 1064 numbers "
                              f"samples from 1): read as samples 1 to {', '.join(f'{n:,}' for n in last)}")
            super()._parse_section3(ctx)

    return FirstSampleZero()


def _section_pointers(data: bytes) -> dict[int, tuple[int, int]]:
    """Section 0's pointers: section id -> (offset of its 16-byte header in ``data``, its length)."""
    end = 6 + struct.unpack_from("<I", data, 10)[0]
    pos, out = 6 + 16, {}
    while pos + 10 <= min(end, len(data)):
        sid, length, index = struct.unpack_from("<HII", data, pos)
        pos += 10
        if length and index >= 1:
            out.setdefault(sid, (index - 1, length))
    return out


def _section1_tags(path: Path) -> dict[int, bytes]:
    """Section 1's tags (patient and acquisition data, EN 1064 5.5): tag -> its value, the first of
    each; {} when the section cannot be followed."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    tags: dict[int, bytes] = {}
    try:
        start, length = _section_pointers(data)[1]
        pos, end = start + 16, min(start + length, len(data))
        while pos + 3 <= end:
            tag, size = data[pos], struct.unpack_from("<H", data, pos + 1)[0]
            if tag == 255:
                break
            tags.setdefault(tag, data[pos + 3: pos + 3 + size])
            pos += 3 + size
    except (struct.error, IndexError, KeyError):
        return {}
    return tags


def amplitude_field(path: Path) -> str:
    """The field that scales the rhythm data's samples, as a reason names it: Section 6's amplitude value
    multiplier (EN 1064 5.10.2: nanovolts a count; carts write 2500 or 5000) in "the file's SCP-ECG Section 6
    amplitude value multiplier (65535 nV a count)"; "" when Section 6 cannot be followed."""
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    try:
        start, _ = _section_pointers(data)[6]
        avm = struct.unpack_from("<H", data, start + 16)[0]
    except (struct.error, IndexError, KeyError):
        return ""
    return f"the file's SCP-ECG Section 6 amplitude value multiplier ({avm} nV a count)"


def section1(path: Path) -> tuple[float | None, tuple[str, ...]]:
    """(stated age, reader notes) of the file's Section 1, its tags read once: :func:`stated_age`,
    :func:`date_notes` and :func:`sex_notes`."""
    tags = _section1_tags(path)
    return stated_age(tags), (*date_notes(tags), *sex_notes(tags))


# Section 1 tag 8's sex codes (EN 1064 5.5.3.3; as PixelMed's SCP-ECG reader, Section1.java, names them)
_SEX_CODES = {0: "not known", 1: "male", 2: "female", 9: "unspecified"}


def sex_notes(tags: dict[int, bytes]) -> tuple[str, ...]:
    """A reader note for a Section 1 sex code (tag 8; its ``tags``, ``_section1_tags``) that SCP-ECG does
    not define: ecgdatakit reads it as unknown without a word (SCP-Tools' anonymiser writes the "R" of
    "REMOVED" there). The codes it defines (0 and 9 among them: not known, unspecified) need no note."""
    value = tags.get(8, b"")
    if not value or value[0] in _SEX_CODES:
        return ()
    code = value[0]
    shown = f"{chr(code)!r} ({code}; Section 1 tag 8)" if 32 < code < 127 else f"{code} (Section 1 tag 8)"
    defined = ", ".join(f"{k} {name}" for k, name in _SEX_CODES.items())
    return f"SCP-ECG: the file's sex code {shown} is not one SCP-ECG defines ({defined}): sex unknown",


def stated_age(tags: dict[int, bytes]) -> float | None:
    """The age Section 1 (patient data; its ``tags``, ``_section1_tags``) states in tag 4 (EN 1064
    5.5.3.3: age, units), in years as a fraction (3 months: 0.25), or None when it states none (an age
    of 0 is "not set") or the section cannot be followed. The parser's ``int()`` made an infant's age
    of months 0 years."""
    value = tags.get(4, b"")
    if len(value) < 3:
        return None
    age, unit = struct.unpack_from("<H", value, 0)[0], value[2]
    return age / _AGE_UNITS[unit] if age and unit in _AGE_UNITS else None


# Section 1's date tags (EN 1064 5.5.3.3: year as 2 bytes, little endian, then month and day)
_DATE_TAGS = {5: ("date of birth", "birth date unknown"), 25: ("date of acquisition", "acquisition date unknown")}


def date_notes(tags: dict[int, bytes]) -> tuple[str, ...]:
    """Reader notes for Section 1 dates (its ``tags``, ``_section1_tags``: tag 5, birth; tag 25,
    acquisition) that are stated but are no date: ecgdatakit drops them without a word, so that the
    record showed no acquisition date and no birth date, and nothing said why. A year of 0 is "not set"
    (no note). An anonymiser that wrote the year big endian (1900 as 0x076C read as 27655) is named by
    the year read that way."""
    notes = []
    for tag, (field, unknown) in _DATE_TAGS.items():
        value = tags.get(tag, b"")
        if len(value) < 4:
            continue
        year, month, day = struct.unpack_from("<H", value, 0)[0], value[2], value[3]
        if not year:
            continue
        try:
            date(year, month, day)
            continue
        except ValueError:
            pass
        swapped = struct.unpack_from(">H", value, 0)[0]
        try:
            hint = f" (its year's bytes read the other way round give {date(swapped, month, day).isoformat()})"
        except ValueError:
            hint = ""
        notes.append(f"SCP-ECG: Section 1 states the {field} as year {year}, month {month}, day {day}, "
                     f"which is no date{hint}: {unknown}")
    return tuple(notes)


def check_scp_lengths(path: Path) -> None:
    """An SCP-ECG file's leads (Section 3, EN 1064 5.6) must not declare more than MAX_SAMPLES
    samples: the decoder allocates what they declare before it finds the data short. A file
    whose pointers cannot be followed is left to the parser, which says what is wrong."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)   # Sections 0 and 3 come first and are small
    try:
        end = 6 + struct.unpack_from("<I", data, 10)[0]
        pos = 6 + 16
        while pos + 10 <= min(end, len(data)):
            sid, length, index = struct.unpack_from("<HII", data, pos)
            pos += 10
            if sid == 3 and length >= 18 and index >= 1:
                break
        else:
            return
        body = index - 1 + 16
        for k in range(data[body]):
            start, stop = struct.unpack_from("<II", data, body + 2 + 9 * k)
            if stop - start + 1 > MAX_SAMPLES:
                raise fail(path, "scp-ecg", f"lead {k + 1} declares samples {start:,} to {stop:,}; "
                                            f"at most {MAX_SAMPLES:,} samples a lead are read")
    except (struct.error, IndexError):
        return


def lead_starts(path: Path, ecg) -> dict[int, int]:
    """Where each ECG lead's first sample lies (``id`` of the lead -> samples after the record's
    start), for an SCP-ECG file whose leads were not all recorded together: Section 3
    gives each lead's first and last sample number (EN 1064 5.6; a cart that records three leads at
    a time writes 1-1250, 1251-2500 ...), which ecgdatakit keeps as the lead's "start_sample"
    and otherwise drops, so that leads recorded 2.5 s apart were drawn as simultaneous. Counted
    from the earliest lead's first sample (a file whose leads all start at sample 101 is read from
    there). {} when every lead starts at the same sample.

    Raises:
        RecordError: a lead that starts or ends past MAX_SAMPLES.
    """
    firsts = {}
    for lead in ecg:
        try:
            firsts[id(lead)] = int((lead.annotations or {}).get("start_sample", 1)) - 1
        except (TypeError, ValueError):
            firsts[id(lead)] = 0
    origin = min(firsts.values(), default=0)
    starts = {}
    for lead in ecg:
        first = firsts[id(lead)] - origin
        if first > 0:
            if first + len(lead.samples) > MAX_SAMPLES:
                raise fail(path, "scp-ecg", f"lead {lead.label} starts at sample {first + 1:,}; at most "
                                            f"{MAX_SAMPLES:,} samples a lead are read")
            starts[id(lead)] = first
    return starts


def sequential_note(leads, starts: dict[int, int], fs: float) -> str:
    """The leads' own stretches in words: "I, II, III 0-2.5 s; aVR, aVL, aVF 2.5-5 s ..."."""
    spans: dict[tuple[float, float], list[str]] = {}
    for lead in leads:
        first = starts.get(id(lead), 0)
        spans.setdefault((first / fs, (first + len(lead.samples)) / fs), []).append(lead.label)
    return ("leads recorded one group after another (SCP-ECG Section 3): " + "; ".join(
        f"{', '.join(names)} {a:g}-{b:g} s" for (a, b), names in sorted(spans.items()))
        + "; each lead is missing outside its own stretch")
