"""WFDB multi-segment records (PhysioNet ``header(5)``, "Multi-segment records"): a master header
``NAME/NSEG NSIG FS SIGLEN`` lists segments, each an ordinary single-segment record in the same
folder (or ``~``, a gap), that are played one after the other.

In a fixed-layout record every segment carries the same signals in the same order. A
variable-layout record starts with a layout segment of length 0 (``NAME_layout 0``) whose header
lists every signal of the record with no file (``~``); each later segment carries some of them,
matched by signal name (a name listed twice, occurrence by occurrence), each with its own gain and
baseline.

Here the segments' headers are read and checked against the master; their samples are read by the
single-segment path in ``wfdb_record``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from mirage_model.limits import MAX_SEGMENT_HEADERS_BYTES
from mirage_model.records.folder import link_problem, named_file, not_regular
from mirage_model.records.record import RecordError
from mirage_model.records.wfdb_header import _Header, _parse_header, _Segment, _Signal, frames_read
from mirage_model.words import counted


@dataclass
class _Part:
    """One stretch of a record's samples: a single-segment record, or a gap.

    Attributes:
        hea: the segment's header file; None for a gap.
        header: its parsed header; None for a gap.
        start: the record's sample at which the segment begins.
        sig_len: samples per signal the master header declares for the segment.
        source: for each of the record's signals, the index of the segment's signal that carries
            it, or None where the segment lacks it (a gap: all None).
    """

    hea: Path | None
    header: _Header | None
    start: int
    sig_len: int
    source: tuple[int | None, ...]


@dataclass
class _Joined:
    """A multi-segment record's signals and its parts in order.

    Attributes:
        signals: the record's signals (the layout segment's, or the first segment's in a fixed
            layout); ``_Part.source`` indexes them.
        parts: the segments in order, gaps included, the layout segment left out.
        layout: "fixed" or "variable".
    """

    signals: list[_Signal]
    parts: list[_Part]
    layout: str


def _single_part(hea: Path, header: _Header) -> _Part:
    """A single-segment record as the one part of itself (its length is known once read)."""
    return _Part(hea, header, 0, header.sig_len or 0, tuple(range(len(header.signals))))


def _join_segments(hea: Path, header: _Header) -> _Joined:
    """Open and check the segment headers of the master header ``header`` (read from ``hea``).

    Each distinct segment header is parsed once, however often the master names it. A record longer
    than ``frames_read()`` is read in part (``trim_parts``): the segments after its first frames are not
    opened.

    Raises:
        RecordError: a segment header missing or unreadable, nested multi-segment, sampled at
            another rate than the master, longer or shorter than the master declares, or with other
            signals than the first segment of a fixed layout; no segment with samples and no
            layout segment. The error names the file at fault.
    """
    segments = list(header.segments)
    signals = None
    layout = "fixed"
    if segments[0].sig_len == 0 and segments[0].name != "~":
        layout = "variable"
    # the headers read: the layout segment's, and each segment's that holds samples
    _check_header_bytes(hea, [seg.name for k, seg in enumerate(segments)
                              if seg.name != "~" and (seg.sig_len or (k == 0 and layout == "variable"))])
    if layout == "variable":
        _, layout_header = _segment_header(hea, header, segments[0], layout=True)
        if layout_header.n_sig != header.n_sig:
            raise RecordError(hea, f"declares {counted(header.n_sig, 'signal')}, its layout segment "
                                   f"{segments[0].name} lists {layout_header.n_sig}")
        signals = layout_header.signals
        segments = segments[1:]

    parsed: dict[str, tuple[Path, _Header]] = {}
    parts, start, first = [], 0, None
    for seg in segments:
        if start >= frames_read():   # after the part read
            break
        if seg.sig_len == 0:   # holds no sample: nothing to read or join
            continue
        if seg.name == "~":
            parts.append(_Part(None, None, start, seg.sig_len, (None,) * header.n_sig))
            start += seg.sig_len
            continue
        if seg.name not in parsed:
            parsed[seg.name] = _segment_header(hea, header, seg)
        seg_hea, seg_header = parsed[seg.name]
        declared = seg_header.sig_len
        if declared is not None and declared != seg.sig_len:
            more = "more" if declared > seg.sig_len else "fewer"
            raise RecordError(seg_hea, f"segment holds {counted(declared, 'sample', ',')} per signal, {more} than the "
                                       f"{seg.sig_len:,} that {hea.name} declares for it")
        if layout == "variable":
            source = _sources_by_name(signals, seg_header.signals)
        else:
            if signals is None:
                signals, first = seg_header.signals, seg.name
            _check_fixed_layout(hea, header, seg_hea, seg_header, signals, first)
            source = tuple(range(header.n_sig))
        parts.append(_Part(seg_hea, seg_header, start, seg.sig_len, source))
        start += seg.sig_len
    if signals is None:
        raise RecordError(hea, "every segment is a gap (~) and no layout segment names the signals: "
                               "the record holds no samples")
    joined = _Joined(signals, parts, layout)
    trim_parts(header, joined, frames_read())
    return joined


def trim_parts(header: _Header, joined: _Joined, frames: int) -> None:
    """A multi-segment record longer than ``frames`` cut to its first ``frames``: the master ``header``
    keeps its length in ``held`` and declares ``frames``; ``joined``'s parts after them are left out, and
    the one they end within is read to there alone (a copy of its header declaring that much, holding its
    own length in ``held``: its checksums, of all its samples, are not checked)."""
    if header.sig_len is None or header.sig_len <= frames:
        return
    if header.held is None:
        header.held = header.sig_len
    header.sig_len = frames
    kept = []
    for part in joined.parts:
        if part.start >= frames:
            break
        if part.start + part.sig_len > frames:
            cut = frames - part.start
            seg_header = None if part.header is None else dataclasses.replace(
                part.header, sig_len=cut, held=part.header.held or part.sig_len)
            part = dataclasses.replace(part, header=seg_header, sig_len=cut)
        kept.append(part)
    joined.parts = kept


def _sources_by_name(signals: list[_Signal], carried: list[_Signal]) -> tuple[int | None, ...]:
    """For each of a variable-layout record's ``signals``, the index of the segment's signal
    (``carried``) that holds it, matched by name; a name the layout lists twice (a lead named twice)
    is matched occurrence by occurrence: its second signal is the segment's second of that name,
    not its first again. None where the segment has no such signal (or no unnamed one is matched)."""
    index: dict[str, list[int]] = {}   # name -> the segment's signals of that name (linear, not quadratic)
    for j, s in enumerate(carried):
        index.setdefault(s.name, []).append(j)
    seen: dict[str, int] = {}
    source = []
    for s in signals:
        nth = seen.get(s.name, 0)
        seen[s.name] = nth + 1
        found = index.get(s.name, []) if s.name else []
        source.append(found[nth] if nth < len(found) else None)
    return tuple(source)


def _check_header_bytes(hea: Path, names: list[str]) -> None:
    """Refuse the master ``hea`` before any segment header is parsed when the distinct headers it
    names (``names``, the segments that will be read) hold more than ``MAX_SEGMENT_HEADERS_BYTES``
    of text together. A header that cannot be found is left for ``_segment_header`` to name."""
    total = 0
    for name in dict.fromkeys(names):
        try:
            total += named_file(hea.parent, f"{name}.hea").stat().st_size
        except OSError:
            continue
    if total > MAX_SEGMENT_HEADERS_BYTES:
        raise RecordError(hea, f"its segment headers hold more than {MAX_SEGMENT_HEADERS_BYTES >> 20} MiB "
                               "of text together (at most that much is read for one record)")


def _segment_header(hea: Path, header: _Header, seg: _Segment, layout: bool = False) -> tuple[Path, _Header]:
    """The header file of segment ``seg`` of the master ``hea`` and its parsed, checked header."""
    seg_hea = named_file(hea.parent, f"{seg.name}.hea")
    what = "layout segment" if layout else "segment"
    if not seg_hea.is_file():
        problem = link_problem(seg_hea) or not_regular(seg_hea)
        raise RecordError(seg_hea, f"{what} header " + (f"is {problem}" if problem
                                                         else f"not found (named in {hea.name})"))
    seg_header = _parse_header(seg_hea, layout=layout)
    if seg_header.segments is not None:
        raise RecordError(seg_hea, f"{what} of {hea.name} is itself a multi-segment record; the "
                                   "segments of a WFDB record are single-segment records")
    if not math.isclose(seg_header.fs, header.fs, rel_tol=1e-9):
        raise RecordError(seg_hea, f"{what} is sampled at {seg_header.fs:g} Hz, but {hea.name} at "
                                   f"{header.fs:g} Hz; the segments of one record share its rate")
    return seg_hea, seg_header


def _check_fixed_layout(hea: Path, header: _Header, seg_hea: Path, seg_header: _Header,
                        signals: list[_Signal], first: str) -> None:
    """Refuse a segment of a fixed-layout record whose signals are not the first segment's."""
    if seg_header.n_sig != header.n_sig:
        raise RecordError(seg_hea, f"segment has {counted(seg_header.n_sig, 'signal')}, but {hea.name} declares "
                                   f"{header.n_sig} (a fixed-layout record: every segment has them all)")
    names = [s.name for s in seg_header.signals]
    if names != [s.name for s in signals]:
        raise RecordError(seg_hea, f"segment's signals ({', '.join(names)}) are not those of the first "
                                   f"segment {first} ({', '.join(s.name for s in signals)}); in a "
                                   f"fixed-layout record ({hea.name}, no layout segment) they must be")
