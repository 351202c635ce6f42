"""Reading what a PDF page draws, for tests that check the report's drawings against independent truth."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def pdftotext_page(path, page: int) -> str:
    """Page ``page`` (1-based) of the PDF at ``path`` as poppler's pdftotext reads it, whitespace runs made one
    space; the test is skipped where pdftotext is not installed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.split())


def drawing_ops(page):
    """(stroke colour (r, g, b rounded), operator, operands) of each operator on ``page`` (a pypdf
    page), the colour as set by RG and saved/restored by q/Q."""
    from pypdf.generic import ContentStream

    colour, stack = (0.0, 0.0, 0.0), []
    for args, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op == b"q":
            stack.append(colour)
        elif op == b"Q" and stack:
            colour = stack.pop()
        elif op == b"RG":
            colour = tuple(round(float(a), 2) for a in args)
        yield colour, op, args


def text_spans(page) -> list[tuple[float, float, float, str, str, float]]:
    """(x start, x end, y, text, font name, font size) in pt of each non-blank text run on ``page`` (a
    pypdf page), its end from reportlab's width of the text in that font: where a table's text ends."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    spans = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            font = str((font_dict or {}).get("/BaseFont", "")).lstrip("/").split("+")[-1]
            x = tm[4] * (cm[0] or 1.0) + cm[4]
            spans.append((x, x + stringWidth(text.strip(), font, font_size), tm[5] * (cm[3] or 1.0) + cm[5],
                          text.strip(), font, font_size))

    page.extract_text(visitor_text=visit)
    return spans
