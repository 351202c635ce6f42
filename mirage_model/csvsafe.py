"""Spreadsheet-safe text cells (OWASP "CSV Injection").

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets. Text that comes from outside (file names, record
ids, header comments in error messages, a checkpoint's labels or name) is therefore prefixed with
a single quote before it lands in a CSV or JSON-lines output, as OWASP recommends. A text that
already starts with a quote gets one more, so that :func:`restore` undoes :func:`neutralise`
exactly (``--resume`` reads its own output back and must see the original names).
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
