"""Where a DICOM file ends inside one of its data elements (PS3.5 7.1, 7.5): the file is cut short.

pydicom reads a sequence whose stated length runs past the file's end without a word, so a file cut
inside its Waveform Sequence reached the parser as one without usable multiplex groups ("no usable
Waveform Sequence ..."); :func:`cut_inside` walks the file's element headers (tag, VR, length) and says
where the file ends inside one, which the refusal then names.
"""

from __future__ import annotations

import struct
from pathlib import Path

# explicit VRs whose length is 4 bytes after 2 reserved ones (PS3.5 7.1.2)
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = (0xFFFE, 0xE000), (0xFFFE, 0xE00D), (0xFFFE, 0xE0DD)
_IMPLICIT_LE, _EXPLICIT_BE = "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"


class _Cut(Exception):
    """The file ends inside the element whose tag this holds."""


def cut_inside(path: Path) -> str | None:
    """Words for where ``path`` ends inside a data element ("the file is cut short: it ends inside element
    (5400,0100), which states 139,576 bytes from byte 3,816; the file has 4,000"), or None where it ends
    after a whole element (or its encoding, a deflated one, is not walked)."""
    data = path.read_bytes()
    start, syntax = _dataset_start(data)
    if syntax is None or syntax.endswith(".99"):   # deflated: its bytes are no element headers
        return None
    walk = _Walk(data, implicit=syntax == _IMPLICIT_LE, endian=">" if syntax == _EXPLICIT_BE else "<")
    try:
        walk.elements(start, len(data), until=None)
    except _Cut as cut:
        return str(cut)
    except RecursionError:   # sequences nested too deeply to walk: the parser's own words stand
        return None
    return None


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
