"""Page 1's model line names both models beside a statements model, and a model alone
(``report.model_line.model_line_rows``).

Before: where both names did not fit the band's row (A4: 498.9 pt at ``READABLE``), the row kept the statements
model's name and dropped the classes' model's: a researcher's own model (session 55's own-data walk, CinC A0003
with ``--model models/own``) read "Model: positive AF 0.62, LVH 0.47, SR 0.51. Statements: mirage-ptbxl-statements,
2 of 71 above threshold (names: page 3)", as if one model had made every call. The texts below are the ones
``summary_band`` gave ``model_line_rows`` for that record (read off with a spy on it), and for the shipped
superclass model's 59-character name on PTB-XL record 307 (fold 1).
"""

from __future__ import annotations

import io
from pathlib import Path

from mirage_model.review.report.band_text import READABLE
from mirage_model.review.report.model_line import model_line_rows
from mirage_model.review.report.text import FONT_BOLD, register_fonts

A4_BAND = 498.89763779527567        # the interpretation column's width on A4, pt
TAIL = ", 2 of 71 above threshold (4 in the interpretation)"


def _canvas():
    from reportlab.pdfgen import canvas

    register_fonts()
    return canvas.Canvas(io.BytesIO())


def _rows(c, own: str, calls: str, coded_calls: str, counts: str = TAIL) -> list[str]:
    text = f"Model {own}: positive {calls}. Statements: model mirage-ptbxl-statements{counts}  (details from page 3)"
    return model_line_rows(
        c, text, A4_BAND, free_line=False,
        short=f"Model: positive {calls}. Statements: {counts[2:]}  (models named on page 3)",
        coded=text.replace(calls, coded_calls),
        named=f"Model: positive {calls}. Statements: model mirage-ptbxl-statements{counts}  (models named on page 3)")


def test_an_own_model_is_named_beside_the_statements_model():
    c = _canvas()
    rows = _rows(c, "mirage-folder-multilabel-tiny", "AF 0.62, LVH 0.47, SR 0.51", "AF 0.62, LVH 0.47, SR 0.51")
    assert len(rows) == 1 and c.stringWidth(rows[0], FONT_BOLD, READABLE) <= A4_BAND
    # the family "mirage-" dropped from both names (page 3 names them in full), every call and count kept
    assert rows[0] == ("Model folder-multilabel-tiny: positive AF 0.62, LVH 0.47, SR 0.51. Statements: "
                       "ptbxl-statements, 2 of 71 above threshold"), rows


def test_a_long_name_is_cut_with_dots_rather_than_dropped():
    c = _canvas()
    rows = _rows(c, "mirage-ptbxl-superdiagnostic-base-ensemble2-smoothed-stage",
                 "Myocardial infarction (MI) 0.95, ST/T change (STTC) 0.94, Hypertrophy (HYP) 0.94",
                 "MI 0.95, STTC 0.94, HYP 0.94", counts=", 6 of 71 above threshold (6 in the interpretation)")
    assert len(rows) == 1 and c.stringWidth(rows[0], FONT_BOLD, READABLE) <= A4_BAND
    assert rows[0].startswith("Model ptbxl-superdiagnostic")
    assert "...: positive MI 0.95, STTC 0.94, HYP 0.94. Statements: ptbxl-statements, 6 of 71" in rows[0], rows


def test_a_model_alone_keeps_its_name_on_page_1(tmp_path):
    """A researcher's own model with no statements model beside it (``--statements-model none``), whose four calls'
    words do not fit page 1's row beside its name: the line had dropped the name ("Model: positive QAb 0.51, LAnFB
    0.51, NSIVCB 0.52, AF 0.52  (models named on page 3)"), naming no model on page 1. Truth: the name written into
    the checkpoint here, and its labels (thresholds 0: every one called)."""
    import json

    from pypdf import PdfReader

    from tests.helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    words = {"QAb": "Q wave abnormal", "LAnFB": "left anterior fascicular block",
             "NSIVCB": "nonspecific intraventricular conduction disorder", "AF": "atrial fibrillation"}
    own = make_tiny_checkpoint(tmp_path / "own", labels=tuple(words), thresholds=[0.0] * 4, name="own-research-model")
    doc = json.loads((own / "config.json").read_text())
    doc["label_descriptions"] = words
    doc["provenance"].update(data="folder:mydata", data_kind="folder")
    (own / "config.json").write_text(json.dumps(doc))
    record = Path(__file__).resolve().parent.parent / "resources" / "samples" / "ludb" / "1.hea"
    assert main(["report", str(record), "--model", str(own), "--statements-model", "none", "--no-explain",
                 "--out", str(tmp_path / "r.pdf")]) == 0
    lines = (PdfReader(str(tmp_path / "r.pdf")).pages[0].extract_text() or "").splitlines()
    line = next(t for t in lines if t.startswith("Model"))
    assert line.startswith("Model own-research-model: positive "), line
    assert all(f"{lab} 0." in line for lab in words), line
