"""Reading what a PDF page draws, for tests that check the report's drawings against independent truth."""

from __future__ import annotations


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
