"""The line under page 1's measurement block, cut for want of room, ends at a word with its pointer: PTB-XL 02739_lr's
read "Bold ↑↓: outside the adult range (age unknown). ?: unreliable (p ... (page 4)" (session 44's PDFs)."""

from reportlab.pdfgen.canvas import Canvas

import pytest

from mirage_model.review.report.band_text import READABLE
from mirage_model.review.report.layout import MM
from mirage_model.review.report.measurement_block import MEASURE_W, note_rows
from mirage_model.review.report.text import FONT

NOTE = "Bold ↑↓: outside the adult range (age unknown). ?: unreliable (page 4). n/a: not applicable (page 4)."


def test_a_cut_line_ends_at_a_word(tmp_path):
    c = Canvas(str(tmp_path / "x.pdf"))
    rows = note_rows(c, [NOTE], MEASURE_W - 2 * MM, 1, " ... (page 4)")
    assert len(rows) == 1 and rows[0].endswith(" ... (page 4)"), rows
    kept = rows[0].removesuffix(" ... (page 4)")
    assert kept and NOTE.startswith(kept), rows          # the note's beginning, whole words
    assert NOTE[len(kept)] == " ", rows                  # the next character of the note is a blank: a word ended


def test_a_note_that_fits_is_whole(tmp_path):
    c = Canvas(str(tmp_path / "x.pdf"))
    assert note_rows(c, ["Bold ↑↓: outside the adult range."], MEASURE_W - 2 * MM, 1, " ... (page 4)") == [
        "Bold ↑↓: outside the adult range."]


@pytest.mark.parametrize("width", [150.0, 171.0, 192.0, 227.0, MEASURE_W - 2 * MM])
def test_a_cut_line_fits_and_keeps_every_word_that_fits(tmp_path, width):
    """At these widths the cut had landed just after a blank and backed off one whole word more than need be
    ("outside the ... (page 4)" where "adult" fitted: a reviewer's find)."""
    c = Canvas(str(tmp_path / "x.pdf"))
    rows = note_rows(c, [NOTE], width, 1, " ... (page 4)")
    assert c.stringWidth(rows[0], FONT, READABLE) <= width, rows
    kept = rows[0].removesuffix(" ... (page 4)")
    assert NOTE.startswith(kept) and NOTE[len(kept)] == " ", rows
    following = NOTE[len(kept):].split()[0]             # the next word would not have fitted
    assert c.stringWidth(f"{kept} {following} ... (page 4)", FONT, READABLE) > width, rows
