"""The line under page 1's measurement block, cut for want of room, ends at a word with its pointer: PTB-XL 02739_lr's
read "Bold ↑↓: outside the adult range (age unknown). ?: unreliable (p ... (page 4)" (session 44's PDFs)."""

from reportlab.pdfgen.canvas import Canvas

from mirage_model.review.report.summary_band import MEASURE_W, note_rows
from mirage_model.review.report.layout import MM

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
    assert note_rows(c, ["Bold ↑↓: outside the adult range."], MEASURE_W - 2 * MM, 1) == [
        "Bold ↑↓: outside the adult range."]
