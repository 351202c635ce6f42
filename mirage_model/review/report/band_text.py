"""The text of page 1's band: runs of one font, colour and size drawn along a line (made smaller
to fit it, never below ``READABLE`` pt, then cut), whether they fit, and wrapped onto several lines
under the first (a hanging indent). ``summary_band`` sets the measurement block and the
interpretation with them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mirage_model.review.report.header import clip
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import FONT, READABLE, pdf_text

SIZE = 7.5                                       # pt, the band's text
# READABLE (7 pt, text.READABLE): the least any run is drawn at; a statement wraps rather than shrink below it
INDENT = 3 * MM                                  # a wrapped statement's next lines, under its first (hanging indent)
GREY = (0.35, 0.35, 0.35)
RED = (0.65, 0.0, 0.0)


@dataclass(frozen=True)
class Run:
    """A piece of one line of text: its font, colour and size (scaled when the line is too long)."""
    text: str
    font: str = FONT
    colour: tuple = (0.0, 0.0, 0.0)
    size: float = SIZE


def _least_scale(runs: list[Run], smallest: float) -> float:
    """The factor that brings the smallest of ``runs`` to ``smallest`` pt (1 for runs already at or
    under it): no run is drawn under ``smallest`` pt, whatever its own size (a 7 pt run of a 7.5 pt
    line is not shrunk at all)."""
    return min(1.0, max(smallest / r.size for r in runs)) if runs else 1.0


def draw_runs(c, x: float, y: float, runs: list[Run], width: float, smallest: float = READABLE) -> float:
    """Draw ``runs`` left to right from (x, y) within ``width`` pt: shrunk (no run under
    ``smallest`` pt) when the line is too long, then cut with "...". Returns the x where it ended."""
    runs = [Run(pdf_text(r.text), r.font, r.colour, r.size) for r in runs]
    total = sum(c.stringWidth(r.text, r.font, r.size) for r in runs)
    scale = 1.0
    if total > width:
        scale = max(_least_scale(runs, smallest), width / total)
    end = x + width
    for r in runs:
        size = r.size * scale
        text = r.text
        w = c.stringWidth(text, r.font, size)
        if x + w > end + 0.01:       # (a line scaled to the width exactly can measure a hair over it)
            text = clip(c, text, r.font, size, end - x + 0.01)
            w = c.stringWidth(text, r.font, size)
        if text:
            c.setFont(r.font, size)
            c.setFillColorRGB(*r.colour)
            c.drawString(x, y, text)
        x += w
        if x >= end:
            break
    return x


def fits(c, runs: list[Run], width: float) -> bool:
    """Whether ``runs`` fit ``width`` pt at their own size (``draw_runs`` would neither shrink nor cut them)."""
    return sum(c.stringWidth(pdf_text(r.text), r.font, r.size) for r in runs) <= width


def fits_shrunk(c, runs: list[Run], width: float, smallest: float = READABLE) -> bool:
    """Whether ``draw_runs`` draws ``runs`` whole within ``width`` pt (shrunk, no run under ``smallest``)."""
    scale = _least_scale(runs, smallest)
    return sum(c.stringWidth(pdf_text(r.text), r.font, r.size * scale) for r in runs) <= width


def first_whole(c, variants: list[list[Run]], width: float) -> list[Run]:
    """The first of ``variants`` (longest wording first) that ``draw_runs`` draws whole in ``width``;
    the last when none does."""
    return next((v for v in variants if fits_shrunk(c, v, width)), variants[-1])


def wrap_runs(c, runs: list[Run], width: float, indent: float = INDENT) -> list[list[Run]]:
    """``runs`` broken at spaces into lines at their own size: the first within ``width`` pt, the
    others within ``width - indent`` (they are drawn ``indent`` in: a hanging indent). A word longer
    than a line is broken inside it."""
    lines: list[list[tuple[str, Run]]] = [[]]
    used, space = 0.0, None
    for run in runs:
        for word in re.findall(r" +|[^ ]+", pdf_text(run.text)):
            w = c.stringWidth(word, run.font, run.size)
            if word.startswith(" "):
                space = (word, run, w) if lines[-1] else None      # no space at a line's start
                continue
            room = width - (indent if len(lines) > 1 else 0.0)
            gap = space[2] if space else 0.0
            if lines[-1] and used + gap + w > room:
                lines.append([])
                used, space, room = 0.0, None, width - indent
            if space:
                lines[-1].append(space[:2])
                used += gap
            space = None
            while w > room and len(word) > 1:                     # a word wider than a line: broken inside
                k = len(word) - 1
                while k > 1 and c.stringWidth(word[:k], run.font, run.size) > room - used:
                    k -= 1
                lines[-1].append((word[:k], run))
                lines.append([])
                word, used, room = word[k:], 0.0, width - indent
                w = c.stringWidth(word, run.font, run.size)
            lines[-1].append((word, run))
            used += w
    out = []
    for line in lines:
        merged: list[Run] = []
        for text, run in line:
            if merged and merged[-1].font == run.font and merged[-1].colour == run.colour \
                    and merged[-1].size == run.size:
                merged[-1] = Run(merged[-1].text + text, run.font, run.colour, run.size)
            else:
                merged.append(Run(text, run.font, run.colour, run.size))
        out.append(merged)
    return out


