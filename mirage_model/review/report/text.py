"""Text as the standard PDF fonts can show it (WinAnsi), escaped for reportlab's markup, and numbers."""

from __future__ import annotations

import math

_TEXT_FALLBACKS = {
    "\u03bc": "\u00b5", "\u2264": "<=", "\u2265": ">=", "\u2212": "-", "\u2013": "-", "\u2014": "-",
    "\u2070": "^0", "\u2074": "^4", "\u2075": "^5", "\u2076": "^6", "\u2077": "^7", "\u2078": "^8",
    "\u2079": "^9", "\u221a": "sqrt", "\u221b": "cbrt", "\u00d7": "x", "\u2248": "~",
}


def pdf_text(value) -> str:
    """Text the standard PDF fonts can show (WinAnsi); anything else becomes a readable fallback."""
    text = "" if value is None else str(value)
    out = []
    for ch in text:
        ch = _TEXT_FALLBACKS.get(ch, ch)
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def pdf_escape(value) -> str:
    """pdf_text() escaped for reportlab's Paragraph mini-markup."""
    return pdf_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fmt_num(value, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, never in exponent form for everyday sizes."""
    if value is None:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return ""
    if abs(v) >= 10 ** digits:
        return f"{v:.0f}"
    if v != 0 and abs(v) < 1e-3:
        return f"{v:.{digits}g}"
    return f"{v:.{digits}g}"
