"""Spreadsheet-safe text cells (OWASP "CSV Injection").

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets. Text that comes from outside (file names, record
ids, header comments in error messages, a checkpoint's labels or name) is therefore prefixed with
a single quote before it lands in a CSV or JSON-lines output, as OWASP recommends. A text that
already starts with a quote gets one more, so that :func:`restore` undoes :func:`neutralise`
exactly (``--resume`` reads its own output back and must see the original names).

A file name whose bytes are not UTF-8 (an archive unpacked from a Latin-1 system) reaches Python
as lone surrogates (PEP 383), which no UTF-8 file can hold: :func:`encodable` writes those bytes
as ``\\xNN``, so that one such name cannot stop an output from being written. :func:`printable`
does the same for a console line and also escapes control characters, so that a file name with a
newline in it cannot break its line (or forge one, e.g. a "failed:" line of another record).
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def encodable(text: str) -> str:
    """``text`` as it can be written in UTF-8: a file name's undecodable byte (``\\udcNN``, PEP 383)
    as ``\\xNN``, any other lone surrogate as ``\\uXXXX``; other text unchanged."""
    return _SURROGATE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators (a terminal or a log
# viewer may break a line at any of them)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text) -> str:
    """``text`` (a file name, a path, a message that quotes one) as one console line can show it:
    control characters as ``\\xNN`` (``\\u2028`` for the line separators) and undecodable bytes
    as :func:`encodable` writes them; other text unchanged."""
    return _CONTROL.sub(_escape_control, encodable(str(text)))


def _escape_control(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# A plain number ("-30.0", "+1e-3") is no formula; leaving it alone keeps numeric columns numeric.
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: prefixed with ``'`` when it starts with a
    formula character (or with a quote, to keep the mapping reversible)."""
    if text and (text[0] in FORMULA_START or text[0] == "'") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The original of a :func:`neutralise` d text."""
    if text and text[0] == "'" and len(text) > 1 and (text[1] in FORMULA_START or text[1] == "'"):
        return text[1:]
    return text
