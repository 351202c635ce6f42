"""Every text the PDF draws fits its page: long model names, fifteen interpretation statements, a
long patient name and ID. Measured with reportlab's own font metrics (``stringWidth`` of each
drawn string at its drawn size, read back with pypdf), against the page's printed margin; and
nothing the report means to say is cut with "...": what page 1 shortens, page 3 prints in full."""

from __future__ import annotations

import re

import pytest

pypdf = pytest.importorskip("pypdf")

import mirage_model as mm
from mirage_model.measure import SCALAR_KEYS, Measurements
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.report import ReportSettings, build_report
from mirage_model.review.report.text import register_fonts
from mirage_model.review.session import ReviewSession

PT_PER_MM = 72.0 / 25.4
MARGIN_PT = 10 * PT_PER_MM          # the header, the band and the footer end 10 mm from the right edge (the
                                    # sheet starts 9 mm from the left of a Letter page)
SUP_NAME = "mirage-ptbxl-superdiagnostic-base-ensemble2-smoothed-stage"
STMT_NAME = "mirage-ptbxl-statements-calibrated-with-a-rather-long-name"
# statements a tiny model with every threshold at 0 states; their rules and model texts do not collide
MANY = ("SR", "1AVB", "CLBBB", "LVH", "IMI", "NDT", "LNGQT", "DIG", "PVC", "ASMI", "LAFB", "ISC_", "STD_",
        "LAO/LAE", "QWAVE", "INJAS", "LMI", "ANEUR")
ABNORMAL = dict(heart_rate_bpm=45.0, rr_ms=1333.0, pr_ms=230.0, qrs_ms=130.0, qt_ms=460.0,
                qtc_bazett_ms=398.0, qtc_fridericia_ms=418.0, p_axis_deg=50.0, qrs_axis_deg=-45.0,
                t_axis_deg=40.0)


def _session(record, sup, stmt, measured) -> ReviewSession:
    s = ReviewSession(record)
    s.accept_measurements(s.id, Measurements(**{**dict.fromkeys(SCALAR_KEYS), **measured}, fs=100.0,
                                             method="test values"))
    s.set_model(sup.schema, sup.name)
    values = s.model_values()
    assert s.accept_prediction(s.ticket(), sup.predict(record, values, explain=False), None,
                               stmt.predict(record, values, explain=False))
    return s


def _spans(reader):
    """Per page: (text, x0, x1, y) of every drawn string, x1 from the font's own metrics."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    pages = []
    for page in reader.pages:
        spans = []

        def visit(text, cm, tm, font, size, spans=spans):
            text = text.rstrip()
            if text.strip():
                x = tm[4] * cm[0] + cm[4]
                name = str((font or {}).get("/BaseFont", "")).lstrip("/").split("+")[-1]
                spans.append((text, x, x + stringWidth(text, name, size * tm[0]), tm[5] * cm[3] + cm[5]))

        page.extract_text(visitor_text=visit)
        pages.append(spans)
    return pages


def _check_fits(path):
    reader = pypdf.PdfReader(str(path))
    width = float(reader.pages[0].mediabox.width)
    pages = _spans(reader)
    texts = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    for n, spans in enumerate(pages, 1):
        for text, x0, x1, _y in spans:
            assert x0 >= 8 * PT_PER_MM and x1 <= width - MARGIN_PT + 0.01, (n, text, x0, x1, width)
    # nothing cut, except on page 1 with a pointer to page 3 right after the cut (it prints it whole):
    # page 1's type stays at 7 pt or more rather than shrink a long institution to fit
    for n, text in enumerate(texts, 1):
        for after in re.findall(r"\.\.\.(.{0,40})", text):      # "... (page 3)", "... and 15 more, continued on page 3"
            assert n == 1 and "page 3" in after, (n, after)
    return texts


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_long_model_names_beside_four_statements_fit_page_1(tmp_path, record, page_size):
    """PTB-XL 00858_lr's page 1 in the app: four statements fill the band and the shipped models'
    names side by side did not fit its last line even at 5.5 pt; it ended "... 2 of 71 ab..." at the
    page's margin. The line is now whole (without the names, which page 3 prints with the line in full)."""
    from helpers_models import make_tiny_checkpoint

    sup = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup", name=SUP_NAME, thresholds=[0.0] * 5), device="cpu")
    stmt = mm.Predictor(make_tiny_checkpoint(tmp_path / "stmt", labels=("SR", "AFIB", "1AVB", "CLBBB", "NORM"),
                                             thresholds=(0.0, 1.01, 1.01, 1.01, 1.01), name=STMT_NAME),
                        device="cpu")
    session = _session(record, sup, stmt, ABNORMAL)
    assert len(session_interpretation(session).statements) == 4             # the band's four slots, full
    out = build_report(session, tmp_path / "r.pdf", settings=ReportSettings(page_size=page_size))
    texts = _check_fits(out)
    assert "1 of 5 above threshold" in texts[0]                              # the counts stay on page 1
    page3 = next(t for t in texts if "Interpretation (page 1, in full)" in t)
    assert f"Model {SUP_NAME}: positive" in page3 and f"Statements: model {STMT_NAME}, 1 of 5" in page3


def test_fifteen_statements_and_a_long_patient_fit_every_page(tmp_path, record):
    """Fifteen and more statements, long names of both models, a long patient name and ID, a long
    institution: every drawn string inside the margins on every page, none cut; page 3 lists every
    statement the band had no room for."""
    from helpers_models import make_tiny_checkpoint

    sup = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup", name=SUP_NAME, thresholds=[0.0] * 5), device="cpu")
    stmt = mm.Predictor(make_tiny_checkpoint(tmp_path / "stmt", labels=MANY, thresholds=[0.0] * len(MANY),
                                             name=STMT_NAME), device="cpu")
    session = _session(record, sup, stmt, ABNORMAL)
    statements = session_interpretation(session).statements
    assert len(statements) >= 15
    settings = ReportSettings(
        institution="Department of Cardiology and Angiology, University Hospital of Somewhere Very Far Away",
        patient_name="Maximiliane Alexandra Konstantina von Hohenzollern-Sigmaringen-Brandenburg-Ansbach",
        patient_id="PID-2026-000000000000000000000000000000123456789-HOSPITAL-WIDE-MASTER-INDEX",
        reviewer="Dr. Reviewer")
    out = build_report(session, tmp_path / "many.pdf", settings=settings)
    texts = _check_fits(out)
    page3 = next(t for t in texts if "Interpretation (page 1, in full)" in t)
    for s in statements:
        assert s.text in page3, s.text
    assert settings.patient_name in texts[0]
    assert all(settings.patient_id in t for t in texts)             # every page's footer names the patient whole
    assert settings.institution in page3 or settings.institution in texts[0]


def test_the_caption_under_the_sheet_keeps_every_part_whole(tmp_path):
    """A 4 s record with aVL missing and 4 mV waves in V1 and V2: the caption under the sheet and its
    notes (the lowered gain, the leads cut at the sheet's edge, the short record, the quality flags)
    did not fit the line and the caption was cut ("shown: first 4.0 s of..."). Every part is now
    whole, what has no room is counted ("N more notes on page 3"), page 3 prints them all, and the
    blank aVL panel says "aVL (missing)"."""
    import numpy as np
    from helpers_models import synthetic_record

    from mirage_model import formats

    rec = synthetic_record(duration_s=4.0, fs=500.0, record_id="notes")
    t = np.arange(rec.signal.shape[1]) / 500.0
    # aVL blank: with I and II whole it would be rebuilt from them (records.leads.derive_leads), so II is blank
    # too, and III, from which II would be rebuilt
    rec.signal[[1, 2, 4]] = np.nan                                           # II, III, aVL
    swing = t < 0.3         # the rest keeps its beats (the whole 4 s of it reads as an electrode off, left out)
    for lead in (0, 6, 7, 9):                                                # I, V1, V2, V4: 8 mV swings
        rec.signal[lead, swing] = 4.0 * np.cos(2 * np.pi * 5.0 * t[swing])
    record = mm.load_record(formats.write_record(rec, tmp_path, "wfdb", name="notes"))
    out = build_report(ReviewSession.from_results(record, file_values=False), tmp_path / "notes.pdf")
    texts = _check_fits(out)
    assert "aVL (missing)" in texts[0] and "V1 (missing)" not in texts[0]   # V1 shows 5-7.5 s: after the end
    # whole, with its label or, where the caption is compacted to give a note its room, without it
    assert "25 mm/s, 5 mm/mV" in texts[0] and "first 4.0 s of 4.0 s" in texts[0]
    page3 = next(t for t in texts if "ECG sheet (page 1)" in t)
    for words in ("gain 5 mm/mV: at 10 mm/mV the tallest complexes would run into the next row",
                  "record shorter than 10 s: blank after its end", "aVL", "grid 1 mm / 5 mm"):
        assert words in page3, words


def test_the_attention_map_keeps_its_legend_inside_its_drawing():
    """The lead-to-lead attention map's legend ("row: query lead, column: key lead; scale 0 (white)
    to 0.276 (red); uniform = 0.083") was one line 96 mm long in an 80 mm drawing and ran into the
    saliency image beside it (PTB-XL 00858_lr, page 5); in two lines it was 5.5 pt. It is now the
    caption's first words (``heatmap_legend``), and every string of the drawing, the lead names at
    7 pt, measured with reportlab's stringWidth at its size and anchor, lies inside it."""
    import numpy as np
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from mirage_model.review.report.explanations import heatmap_drawing, heatmap_legend

    register_fonts()
    m = np.random.default_rng(0).uniform(0.02, 0.276, (12, 12))
    assert heatmap_legend(m) == f"rows: query lead, columns: key lead; white 0 to red {m.max():.3f}, uniform 0.083"
    for size in (80 * PT_PER_MM, 80 * PT_PER_MM * 255.4 / 271):       # A4; Letter's share of its width
        d = heatmap_drawing(m, size)
        strings = [s for s in d.contents if hasattr(s, "text")]
        assert len(strings) == 24
        for s in strings:
            w = stringWidth(s.text, s.fontName, s.fontSize)
            x0 = s.x - {"start": 0.0, "middle": w / 2, "end": w}[s.textAnchor]
            assert s.fontSize >= 7 and 0 <= x0 and x0 + w <= size and 0 <= s.y <= size, (s.text, x0, x0 + w, size)


def test_the_interpretation_head_keeps_the_band_size(tmp_path, record):
    """With the shipped statements model's name ("mirage-ptbxl-statements") the interpretation's head
    ("research use, unconfirmed; the source of each: ...") did not fit the band at 7.5 pt and was
    shrunk to 5.5 pt on every real record (CinC A0003, LUDB 1); it now keeps 7.5 pt in fewer words."""
    from helpers_models import make_tiny_checkpoint

    sup = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup", name="mirage-ptbxl-superdiagnostic-base"), device="cpu")
    stmt = mm.Predictor(make_tiny_checkpoint(tmp_path / "stmt", labels=("SR", "AFIB", "1AVB", "CLBBB", "NORM"),
                                             thresholds=(0.0, 1.01, 1.01, 1.01, 1.01), name="mirage-ptbxl-statements"),
                        device="cpu")
    out = build_report(_session(record, sup, stmt, ABNORMAL), tmp_path / "head.pdf")
    sizes = []

    def visit(text, cm, tm, font, size):
        if "Not over-read" in text:      # the head's words (research use: the foot's on every page)
            sizes.append(size * tm[0])

    pypdf.PdfReader(str(out)).pages[0].extract_text(visitor_text=visit)
    assert sizes and sizes[0] == pytest.approx(7.5, abs=0.01), sizes
