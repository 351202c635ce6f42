"""The report's fonts and text: DejaVu Sans embedded for every script it holds, the PDF's standard
Asian CID fonts for CJK and Hangul, a visible marker for anything else; escaped for reportlab's markup.

A patient name is printed as written ("Łukasz Wójcik", "Иванов Сергей", "Nguyễn Văn An"): the report
writes all its text in DejaVu Sans (Bitstream Vera licence, fonts/LICENSE_DEJAVU; Latin, Greek,
Cyrillic, Armenian, Georgian, Hebrew, Arabic letters ...), subset and embedded in the PDF. DejaVu
has no CJK: runs of Han, kana and Hangul are drawn in reportlab's ``UnicodeCIDFont``\\ s, which a
PDF does not embed; a reader shows them with its own Asian fonts and the text itself (copy, search,
extraction) stays exact. A character neither holds prints as ``MISSING`` (never a silent "?") and
``unprintable`` says so, so the page can say the name is incomplete.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

FONT = "DejaVuSans"                    # the report's text
FONT_BOLD = "DejaVuSans-Bold"          # headings, flagged values, the notice
FONT_DIR = Path(__file__).resolve().parent / "fonts"
MISSING = "\ufffd"                     # printed for a character no font of the report holds
# The least size any text of the report is printed at (pt): it is read on paper, A4 landscape. What
# does not fit at this size is shortened (page 1: with a pointer to the page that prints it in full),
# never made smaller.
READABLE = 7.0
# the Asian fonts every PDF reader knows (Adobe's CID collections), by Unicode block
_CJK_FONTS = (("HYSMyeongJo-Medium", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),   # Hangul
              ("HeiseiKakuGo-W5", ((0x3040, 0x30FF), (0x31F0, 0x31FF))),                       # kana
              ("STSong-Light", ((0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                                (0xF900, 0xFAFF), (0xFF00, 0xFFEF))))                          # Han


@functools.cache
def register_fonts() -> frozenset[int]:
    """Register DejaVu Sans (regular, bold) with reportlab once, as the family ``FONT`` (so that
    ``<b>`` in a Paragraph picks the bold); returns the code points both faces hold (each has some
    140 rare ones the other lacks: mathematical letters, Arabic presentation forms).

    Raises:
        FileNotFoundError: the installation lacks its fonts (a broken install; named).
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    faces = {}
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        path = FONT_DIR / file
        if not path.is_file():
            raise FileNotFoundError(f"the report's font {path} is missing: reinstall MIRAGE Review")
        faces[name] = TTFont(name, str(path))
        pdfmetrics.registerFont(faces[name])
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return frozenset(faces[FONT].face.charToGlyph).intersection(faces[FONT_BOLD].face.charToGlyph)


@functools.cache
def _cid_font(name: str) -> bool:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(name))
    return True


def _cjk_font(ch: str, kana: bool) -> str | None:
    """The CID font for ``ch`` (Han in a name with kana in the Japanese font), or None."""
    code = ord(ch)
    for name, blocks in _CJK_FONTS:
        if any(a <= code <= b for a, b in blocks):
            if name == "STSong-Light" and kana:
                name = "HeiseiKakuGo-W5"
            _cid_font(name)
            return name
    return None


def _clean(value) -> str:
    """``value`` as text in composed form (NFC: "ễ" one character, as the font holds it), without
    control characters (a tab or line break from a file would print as a box)."""
    text = "" if value is None else unicodedata.normalize("NFC", str(value))
    return "".join(" " if unicodedata.category(ch) == "Cc" and ch != "\n" else ch for ch in text)


def font_runs(value, font: str = FONT) -> list[tuple[str, str]]:
    """``value`` as (text, font name) runs: what DejaVu holds in ``font``, CJK / Hangul in a CID
    font, anything else as ``MISSING`` in ``font``."""
    covered = register_fonts()
    text = _clean(value)
    kana = any(0x3040 <= ord(ch) <= 0x30FF for ch in text)
    runs: list[tuple[str, str]] = []
    for ch in text:
        use = font
        if ord(ch) not in covered and ch != "\n":      # a line break: the Paragraph's, or a space on the canvas
            use = _cjk_font(ch, kana) or font
            if use == font:
                ch = MISSING
        if runs and runs[-1][1] == use:
            runs[-1] = (runs[-1][0] + ch, use)
        else:
            runs.append((ch, use))
    return runs


def unprintable(value) -> bool:
    """Whether ``value`` holds a character the report prints as ``MISSING``."""
    covered = register_fonts()
    return any(ord(ch) not in covered and _cjk_font(ch, False) is None for ch in _clean(value))


def pdf_text(value) -> str:
    """``value`` for one font (``FONT``): characters it lacks as ``MISSING``. For the program's own
    words; what a file or a person wrote goes through ``font_runs`` / ``pdf_markup``."""
    covered = register_fonts()
    return "".join(ch if ord(ch) in covered else " " if ch == "\n" else MISSING for ch in _clean(value))


def runs_width(c, runs: list[tuple[str, str]], size: float) -> float:
    """Width (pt) of ``font_runs`` output at ``size``."""
    return sum(c.stringWidth(t.replace("\n", " "), f, size) for t, f in runs)


def draw_runs_text(c, x: float, y: float, runs: list[tuple[str, str]], size: float, right: bool = False) -> None:
    """Draw ``font_runs`` output from ``x`` (or ending at ``x`` with ``right``) on the canvas ``c``."""
    if right:
        x -= runs_width(c, runs, size)
    for t, f in runs:
        t = t.replace("\n", " ")
        c.setFont(f, size)
        c.drawString(x, y, t)
        x += c.stringWidth(t, f, size)


def clip_runs(c, runs: list[tuple[str, str]], size: float, width: float) -> list[tuple[str, str]]:
    """``runs`` cut (with "...") to fit ``width`` at ``size``; whole when they fit."""
    if runs_width(c, runs, size) <= width:
        return runs
    runs = [list(r) for r in runs]
    base = runs[0][1] if runs else FONT
    while runs and runs_width(c, [tuple(r) for r in runs] + [("...", base)], size) > width:
        runs[-1][0] = runs[-1][0][:-1]
        if not runs[-1][0]:
            runs.pop()
    return [tuple(r) for r in runs] + [("...", base)]


def pdf_markup(value, font: str = FONT) -> str:
    """``value`` for a reportlab Paragraph, escaped, in any script: CJK / Hangul runs wrapped in
    ``<font name=...>`` (see ``font_runs``)."""
    out = []
    for text, name in font_runs(value, font):
        esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(esc if name == font else f'<font name="{name}">{esc}</font>')
    return "".join(out)


pdf_escape = pdf_markup      # every Paragraph's text goes through the font runs
