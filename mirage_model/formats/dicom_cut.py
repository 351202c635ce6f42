"""Where a DICOM file ends inside one of its data elements (PS3.5 7.1, 7.5): the file is cut short.

pydicom reads a sequence whose stated length runs past the file's end without a word, so a file cut
inside its Waveform Sequence reached the parser as one without usable multiplex groups ("no usable
Waveform Sequence ..."); :func:`cut_inside` walks the file's element headers (tag, VR, length) and says
where the file ends inside one, which the refusal then names. A file cut inside its median beats' multiplex
group after a whole rhythm is read up to that group (:func:`read_before_cut_group`): the rhythm opens whole.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

# explicit VRs whose length is 4 bytes after 2 reserved ones (PS3.5 7.1.2)
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = (0xFFFE, 0xE000), (0xFFFE, 0xE00D), (0xFFFE, 0xE0DD)
_IMPLICIT_LE, _EXPLICIT_BE = "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"
_WAVEFORM_SEQUENCE = (0x5400, 0x0100)


class _Cut(Exception):
    """The file ends inside the element whose tag this holds."""


def cut_inside(path: Path) -> str | None:
    """Words for where ``path`` ends inside a data element ("the file is cut short: it ends inside element
    (5400,0100), which states 139,576 bytes from byte 3,816; the file has 4,000"), or None where it ends
    after a whole element (or its encoding, a deflated one, is not walked)."""
    return _walked(path)[1]


def cut_group(path: Path) -> tuple[int, int] | None:
    """Which item of the Waveform Sequence (5400,0100) (a multiplex group, from 0) ``path`` ends inside, and the
    byte its item tag starts at; None where it ends inside none (after the sequence, between two of its items,
    or elsewhere)."""
    walk, cut = _walked(path)
    if cut is None or _WAVEFORM_SEQUENCE not in walk.top:
        return None
    pos, length = walk.top[_WAVEFORM_SEQUENCE]
    end = len(walk.data) if length == _UNDEFINED else min(pos + length, len(walk.data))
    k = 0
    while pos < end:
        try:
            tag = walk._unpack("HH", pos, None, "")
            if tag != _ITEM:   # the sequence's delimiter, or no item: no group is cut
                return None
            (length,) = walk._unpack("I", pos + 4, tag, "")
            if length == _UNDEFINED:
                after = walk.elements(pos + 8, len(walk.data), _ITEM_END, " within an item")
            elif pos + 8 + length > len(walk.data):
                return k, pos
            else:
                after = pos + 8 + length
        except (_Cut, RecursionError):
            return k, pos
        pos, k = after, k + 1
    return None


def read_before_cut_group(path: Path, groups: list | None):
    """``path`` read by pydicom up to the multiplex group it ends inside, where that group is a median beat's
    (labelled one, of a beat's length by the fields read, or none of its fields readable) and the groups before
    it hold a whole 12-lead rhythm of MIN_RHYTHM_S or more: the rhythm opens, and the reader note that the file
    is cut short (``vendor``) says so, never a median beat in part. None otherwise (the file is read as it is).

    Args:
        groups: the Waveform Sequence's items (pydicom Datasets) as read from the whole file; None where they
            could not be read.

    Returns:
        (the Dataset read, its Waveform Sequence's items), or None.
    """
    import pydicom   # lazy: the formats extra

    from mirage_model.formats.dicom_groups import beat_group, rhythm_group, whole_rhythm

    cut = cut_group(path)
    if cut is None:
        return None
    k, start = cut
    if groups is not None and k < len(groups):
        try:
            beat = beat_group(groups[k])
        except Exception:   # its fields cut: nothing of the group can be read
            beat = True
        if not beat:
            return None
    try:
        ds = pydicom.dcmread(io.BytesIO(path.read_bytes()[:start]), force=True)
        before = list(ds.get("WaveformSequence") or [])
        pick = rhythm_group(before)
        if pick is None or not whole_rhythm(before[pick]):
            return None
    except Exception:   # the groups before it unreadable too: the file is read as it is, its own words stand
        return None
    return ds, before


def _walked(path: Path) -> tuple[_Walk | None, str | None]:
    """The walk of ``path``'s dataset (None for a deflated one, whose bytes are no element headers) and the words
    for where it ends inside an element (None where it does not, or its sequences are nested too deeply to walk:
    the parser's own words stand)."""
    data = path.read_bytes()
    start, syntax = _dataset_start(data)
    if syntax is None or syntax.endswith(".99"):   # deflated: its bytes are no element headers
        return None, None
    walk = _Walk(data, implicit=syntax == _IMPLICIT_LE, endian=">" if syntax == _EXPLICIT_BE else "<")
    try:
        walk.elements(start, len(data), until=None)
    except _Cut as cut:
        return walk, str(cut)
    except RecursionError:
        return walk, None
    return walk, None


def _dataset_start(data: bytes) -> tuple[int, str | None]:
    """Where the dataset starts (after the preamble and the file meta group, explicit VR little endian) and
    its transfer syntax UID; without a file meta group, from the first element's look (explicit VR when
    bytes 4-6 are letters)."""
    pos = 132 if data[128:132] == b"DICM" else 0
    syntax = None
    while len(data) >= pos + 8 and struct.unpack_from("<H", data, pos)[0] == 0x0002:
        element, vr = struct.unpack_from("<H", data, pos + 2)[0], data[pos + 4:pos + 6]
        if vr in _LONG_VRS:
            length, head = struct.unpack_from("<I", data, pos + 8)[0] if len(data) >= pos + 12 else 0, 12
        else:
            length, head = struct.unpack_from("<H", data, pos + 6)[0], 8
        if element == 0x0010:
            syntax = data[pos + head:pos + head + length].rstrip(b"\0 ").decode("latin-1")
        pos += head + length
    if syntax is None:
        syntax = "1.2.840.10008.1.2.1" if data[pos + 4:pos + 6].isalpha() else _IMPLICIT_LE
    return pos, syntax


class _Walk:
    """The element headers of a dataset in one encoding, walked from one byte to another."""

    def __init__(self, data: bytes, implicit: bool, endian: str):
        self.data, self.implicit, self.endian = data, implicit, endian
        self.top: dict[tuple[int, int], tuple[int, int]] = {}   # a top-level element: (its value's byte, length)

    def _unpack(self, fmt: str, pos: int, tag: tuple[int, int] | None, within: str):
        size = struct.calcsize(fmt)
        if pos + size > len(self.data):
            what = f"the header of element {_tag(tag)}" if tag else "an element's tag"
            raise _Cut(f"the file is cut short: it ends inside {what}{within}, at byte {len(self.data):,}")
        return struct.unpack_from(self.endian + fmt, self.data, pos)

    def elements(self, pos: int, end: int, until: tuple[int, int] | None, within: str = "") -> int:
        """Walks the elements from ``pos`` to ``end`` (or to the ``until`` delimiter, in a sequence or item of
        undefined length named by ``within``); returns the byte after them."""
        while pos < end:
            tag = self._unpack("HH", pos, None, within)
            if tag in (_ITEM_END, _SEQUENCE_END):
                self._unpack("I", pos + 4, tag, within)
                return pos + 8
            if tag == _ITEM or self.implicit:
                (length,), pos = self._unpack("I", pos + 4, tag, within), pos + 8
            else:
                vr = self.data[pos + 4:pos + 6]
                if vr in _LONG_VRS:
                    (length,), pos = self._unpack("I", pos + 8, tag, within), pos + 12
                else:
                    (length,), pos = self._unpack("H", pos + 6, tag, within), pos + 8
            if until is None and not within:
                self.top[tag] = (pos, length)
            if length == _UNDEFINED:   # a sequence, an item or encapsulated data, up to its delimiter
                inside = within if tag == _ITEM else f" within {_tag(tag)}"
                pos = self.elements(pos, len(self.data), _ITEM_END if tag == _ITEM else _SEQUENCE_END, inside)
                continue
            if pos + length > len(self.data):
                name = "an item" if tag == _ITEM else f"element {_tag(tag)}"
                raise _Cut(f"the file is cut short: it ends inside {name}{within}, whose {length:,} bytes from byte "
                           f"{pos:,} hold "
                           f"{len(self.data) - pos:,} in the file")
            pos += length
        if until is not None:   # the file ended before the delimiter of an undefined length
            raise _Cut(f"the file is cut short: it ends{within or ' inside a sequence'} before its end, at byte "
                       f"{len(self.data):,}")
        return pos


def _tag(tag: tuple[int, int]) -> str:
    """A tag as DICOM writes it: "(5400,0100)"."""
    return f"({tag[0]:04X},{tag[1]:04X})"
