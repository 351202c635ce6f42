"""The line under page 1's measurement block names both of its marks where it has one line: an irregular atrial
fibrillation has a PR and P axis not applicable (n/a) and its QTc unreliable (?), and the line read "Bold ↑↓: outside
the adult range. ?: unreliable (page 4). n/a: not ... (page 4)" (the bundled CPSC record A0003, 145 bpm, and
PTB-XL 00828_lr with the shipped models): "n/a" was left unexplained. Both marks now share one pointer where the
line is short of room: "?: unreliable, n/a: not applicable (page 4).".

Truth: the wordings written out here by hand, at the band's own width and type size."""

from __future__ import annotations

from types import SimpleNamespace

from reportlab.pdfgen.canvas import Canvas

from mirage_model.review.measurements import NOT_APPLICABLE, UNRELIABLE
from mirage_model.review.report.layout import MM
from mirage_model.review.report.measurement_block import BLOCK_KEYS, MEASURE_W, measurement_cells, note_rows

MORE = " ... (page 4)"


def _rows(doubts: dict) -> list[dict]:
    """A measurement table of a value in every row of the block, ``doubts`` {key: doubt} marked."""
    return [{"key": key, "value": 100.0, "shown": "100", "unit": "ms", "status": "", "flag": "",
             "doubt": doubts.get(key, "")} for keys in BLOCK_KEYS for key in keys]


def _note(age, doubts: dict, free: int) -> list[str]:
    session = SimpleNamespace(measurements=SimpleNamespace(heart_rate_bpm=145.0), measurement_edits={},
                              errors={}, state={}, age=age)
    _, notes = measurement_cells(session, rows=_rows(doubts), table="page 4")
    return note_rows(Canvas("unused.pdf"), notes, MEASURE_W - 2 * MM, free, MORE)


AF = {"pr_ms": NOT_APPLICABLE, "p_axis_deg": NOT_APPLICABLE, "qtc_bazett_ms": UNRELIABLE,
      "qtc_fridericia_ms": UNRELIABLE}


def test_both_marks_are_explained_on_one_line():
    assert _note(72.0, AF, 1) == ["Bold ↑↓: outside the adult range. ?: unreliable, n/a: not applicable (page 4)."]


def test_a_childs_line_names_both_marks_too():
    assert _note(4.0, AF, 1) == ["Age 4: paediatric limits (page 4). ?: unreliable, n/a: not applicable (page 4)."]


def test_with_room_each_mark_keeps_its_own_words():
    rows = _note(72.0, AF, 2)
    assert " ".join(rows) == ("QTc: Bazett QT/sqrt(RR), Fridericia QT/cbrt(RR). Bold, arrow: outside the adult range. "
                              "?: unreliable (page 4). n/a: not applicable (page 4).")


def test_one_mark_alone_reads_as_before():
    assert _note(72.0, {"qtc_bazett_ms": UNRELIABLE}, 1) == [
        "Bold ↑↓: outside the adult range. ?: unreliable (page 4). Formulas: page 4."]
