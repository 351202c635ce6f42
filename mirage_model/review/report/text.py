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


# --------------------------------------------------------------------------------------------
# Text the standard fonts cannot show: names and comments in any script
# --------------------------------------------------------------------------------------------
# What a person typed or a file carries (patient name, ID, reviewer, comment, institution, record id)
# is printed as written: characters outside WinAnsi come from DejaVu Sans (shipped with matplotlib, a
# dependency: Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic ...) and CJK / Hangul from
# the PDF's standard Asian fonts (Adobe CID fonts every reader provides; nothing is embedded). A
# character none of them holds still prints as "?".

UNICODE_FONTS = {"Helvetica": "MirageDejaVuSans", "Helvetica-Bold": "MirageDejaVuSans-Bold"}
_CJK_FONTS = (("HYSMyeongJo-Medium", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),   # Hangul
              ("HeiseiMin-W3", ((0x3040, 0x30FF), (0x31F0, 0x31FF))),                          # kana
              ("STSong-Light", ((0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                                (0xF900, 0xFAFF), (0xFF00, 0xFFEF))))                          # Han
_registered: dict[str, object] = {}


def _unicode_font(base: str):
    """The registered DejaVu font standing in for ``base`` (a Helvetica), or None when unavailable."""
    name = UNICODE_FONTS.get(base, UNICODE_FONTS["Helvetica"])
    if name not in _registered:
        font = None
        try:
            import os

            import matplotlib
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            file = "DejaVuSans-Bold.ttf" if name.endswith("Bold") else "DejaVuSans.ttf"
            font = TTFont(name, os.path.join(matplotlib.get_data_path(), "fonts", "ttf", file))
            pdfmetrics.registerFont(font)
        except Exception:   # noqa: BLE001 - no such font here: those characters print as "?"
            font = None
        _registered[name] = font
    return _registered[name]


def _cjk_font(ch: str) -> str | None:
    code = ord(ch)
    for name, blocks in _CJK_FONTS:
        if any(a <= code <= b for a, b in blocks):
            if name not in _registered:
                try:
                    from reportlab.pdfbase import pdfmetrics
                    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

                    pdfmetrics.registerFont(UnicodeCIDFont(name))
                    _registered[name] = True
                except Exception:   # noqa: BLE001
                    _registered[name] = None
            return name if _registered[name] else None
    return None


def font_runs(value, font: str = "Helvetica") -> list[tuple[str, str]]:
    """``value`` as (text, font name) runs: WinAnsi characters in ``font``, others in the Unicode font
    that holds them, else ``pdf_text``'s readable fallback ("?" where it has none)."""
    text = "" if value is None else str(value)
    runs: list[tuple[str, str]] = []
    uni = None
    for ch in text:
        try:
            ch.encode("cp1252")
            use = font
        except UnicodeEncodeError:
            uni = uni or _unicode_font(font)
            if uni is not None and ord(ch) in uni.face.charToGlyph:     # as typed: Greek mu stays mu
                use = uni.fontName
            else:
                use = _cjk_font(ch)
                if use is None:
                    ch, use = pdf_text(ch), font
        if runs and runs[-1][1] == use:
            runs[-1] = (runs[-1][0] + ch, use)
        else:
            runs.append((ch, use))
    return runs


def runs_width(c, runs: list[tuple[str, str]], size: float) -> float:
    """Width (pt) of ``font_runs`` output at ``size``."""
    return sum(c.stringWidth(t, f, size) for t, f in runs)


def draw_runs_text(c, x: float, y: float, runs: list[tuple[str, str]], size: float, right: bool = False) -> None:
    """Draw ``font_runs`` output from ``x`` (or ending at ``x`` with ``right``) on the canvas ``c``."""
    if right:
        x -= runs_width(c, runs, size)
    for t, f in runs:
        c.setFont(f, size)
        c.drawString(x, y, t)
        x += c.stringWidth(t, f, size)


def clip_runs(c, runs: list[tuple[str, str]], size: float, width: float) -> list[tuple[str, str]]:
    """``runs`` cut (with "...") to fit ``width`` at ``size``; whole when they fit."""
    if runs_width(c, runs, size) <= width:
        return runs
    runs = [list(r) for r in runs]
    base = runs[0][1] if runs else "Helvetica"
    while runs and runs_width(c, [tuple(r) for r in runs] + [("...", base)], size) > width:
        runs[-1][0] = runs[-1][0][:-1]
        if not runs[-1][0]:
            runs.pop()
    return [tuple(r) for r in runs] + [("...", base)]


def pdf_markup(value, font: str = "Helvetica") -> str:
    """``value`` for a reportlab Paragraph, escaped, in any script: runs outside WinAnsi wrapped in
    ``<font name=...>`` (see ``font_runs``)."""
    out = []
    for text, name in font_runs(value, font):
        esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(esc if name == font else f'<font name="{name}">{esc}</font>')
    return "".join(out)
