"""Every text of every page is printed at 7 pt or more (a cardiologist reads it on paper, A4 landscape):
what has no room is cut with a pointer to page 3, which prints it whole, never made smaller.

The sizes are read back from the PDF's content stream (the font size of each text run times the
scale of its text and page matrices), not from the layout code."""

from __future__ import annotations

import math

import numpy as np
import pytest

pypdf = pytest.importorskip("pypdf")

from mirage_model.measure import SCALAR_KEYS, Measurements
from mirage_model.review.report import ReportSettings, build_report
from mirage_model.review.session import ReviewSession

READABLE_PT = 7.0
LONG_NAME = "Maximilian-Alexander Konstantin von Hohenzollern-Sigmaringen-Wittelsbach-Habsburg-Lothringen"
LONG_ID = "HOSP-2026-0000123456789-ABCDEFGHIJKLMNOP-QRSTUVWXYZ-0123456789"
CJK_NAME = "山田 太郎 (ヤマダ タロウ) Yamada Taro, also written with a very long romanised family name"
LONG_INSTITUTION = ("Universitätsklinikum Schleswig-Holstein, Campus Kiel, Klinik für Innere Medizin III "
                    "(Kardiologie und Angiologie), Arnold-Heller-Straße 3, Haus K3")
# every value outside its adult range: each bold with an arrow, the block at its widest
FLAGGED = dict(heart_rate_bpm=45.0, rr_ms=1333.0, pr_ms=230.0, qrs_ms=130.0, qt_ms=520.0,
               qtc_bazett_ms=450.0, qtc_fridericia_ms=470.0, p_axis_deg=-100.0, qrs_axis_deg=-145.0,
               t_axis_deg=-150.0)


def page_spans(out, page: int = 0) -> list[tuple[str, float, float, float, str]]:
    """(text, x, y, size in pt as printed, font name) of each text run on ``page`` of the PDF ``out``."""
    spans = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])       # the matrices' vertical scale
            spans.append((text.strip(), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], size * scale,
                          str((font or {}).get("/BaseFont", "")).lstrip("/").split("+")[-1]))

    pypdf.PdfReader(str(out)).pages[page].extract_text(visitor_text=visit)
    return spans


def _texts(out) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(out)).pages]


def _small(spans):
    return sorted((round(s[3], 2), s[0][:60]) for s in spans if s[3] < READABLE_PT - 1e-6)


def _session(record, measurements=None, edits=None):
    s = ReviewSession(record)
    if measurements is not None:
        base = dict.fromkeys(SCALAR_KEYS)
        base.update(measurements)
        s.accept_measurements(s.id, Measurements(**base, fs=100.0, method="test values"))
    for k, v in (edits or {}).items():
        s.set_measurement_edit(k, v)
    return s


def _resolved_interpretation(monkeypatch):
    """An interpretation with a statement resolved away (its "Resolved:" line was drawn at 6.5 pt)."""
    from mirage_model.review import interpret

    statements = (interpret.Statement("rhythm", "Sinus bradycardia, 45 bpm", "measurement",
                                      rule="rate 45 bpm < 50 bpm (Mason et al. 2007)"),
                  interpret.Statement("conduction", "First-degree AV block (PR 230 ms)", "measurement",
                                      rule="PR 230 ms > 200 ms (Surawicz et al. 2009)"))
    resolved = ("normal ECG (49%) not stated: sinus bradycardia, 45 bpm stands; first-degree AV block, "
                "PR 230 ms stands; left axis deviation -145 deg stands",)

    def fake(session):
        return interpret.Interpretation(statements, resolved)

    monkeypatch.setattr(interpret, "session_interpretation", fake)         # pages 1 and 3 (ReportContext)


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
@pytest.mark.parametrize("name", [LONG_NAME, CJK_NAME])
def test_page_1_prints_nothing_under_7_pt(tmp_path, record, monkeypatch, page_size, name):
    """A long name, ID and institution, every measurement flagged and two edited (the block's
    widest), a statement resolved away: page 1's header, band, caption and footer were fitted down
    to 5.5 pt (the patient line 6, the script note 5, the measurement note 6.5, "Resolved:" 6.5).
    Now every text of page 1 is at 7 pt or more, and what page 1 cut is whole on page 3."""
    _resolved_interpretation(monkeypatch)
    settings = ReportSettings(page_size=page_size, patient_name=name, patient_id=LONG_ID,
                              institution=LONG_INSTITUTION)
    session = _session(record, FLAGGED, edits={"qt_ms": 540.0, "heart_rate_bpm": 44.0})
    out = build_report(session, tmp_path / "p.pdf", settings=settings)
    spans = page_spans(out)
    assert len(spans) > 40
    assert not _small(spans), _small(spans)[:5]
    texts = _texts(out)
    page1 = texts[0]
    assert "Research use only" in page1 and "unconfirmed" in page1            # the label stays on page 1
    assert "QTc Bazett" in page1 and "\u2191" in page1 and "\u2193" in page1
    assert "Resolved:" in page1
    # what the header had no room for is named on page 1 and printed whole on page 3
    rest = " ".join(texts[2:])
    assert "page 3" in page1.split("Measurements")[0], page1[:300]
    for whole in (name, LONG_ID, LONG_INSTITUTION):
        assert whole.replace(" ", "") in rest.replace(" ", ""), whole
    assert "Patient:Patient:" not in rest.replace(" ", "")                  # the facts name themselves
    assert LONG_ID in page1                                                   # the ID is never cut on page 1


def test_a_reduced_gain_is_printed_at_every_pulse_at_7_pt(tmp_path):
    """Tall complexes put the sheet at 5 mm/mV; the gain printed over each calibration pulse was
    5.5 pt bold. It is now 7 pt, the number over the unit, inside the margin before the traces."""
    from helpers_models import synthetic_record

    from mirage_model.review.report import report_layout

    rec = synthetic_record(duration_s=10.0, fs=100.0, record_id="tall")
    t = np.arange(rec.signal.shape[1]) / 100.0
    shown = (t >= 4.0) & (t < 8.5)     # V1, V2's panels (5-7.5 s); 10 s of a cosine reads as an electrode off
    for lead in (6, 7):                # V1, V2 +-2.5 mV there: 5 mm/mV
        rec.signal[lead, shown] = 2.5 * np.cos(2 * np.pi * 5.0 * t[shown])
    out = build_report(ReviewSession(rec), tmp_path / "tall.pdf")
    spans = page_spans(out)
    assert "25 mm/s, 5 mm/mV" in _texts(out)[0]
    assert not _small(spans), _small(spans)[:5]
    lay = report_layout()
    trace_x0 = min(p.x0 for p in lay.panels)
    margin = [s for s in spans if s[1] < trace_x0 and lay.grid_y0 < s[2] < lay.grid_y0 + lay.grid_height]
    assert [s[0] for s in margin].count("mm/mV") == 4 and [s[0] for s in margin].count("5") == 4
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from mirage_model.review.report.text import register_fonts

    register_fonts()
    for text, x, _y, size, font in margin:        # within the margin: clear of the traces
        assert x >= lay.grid_x0 - 0.5 and x + stringWidth(text, font, size) <= trace_x0 + 0.01


def test_a_caption_with_many_notes_stays_at_7_pt_and_counts_the_rest(tmp_path, record, monkeypatch):
    """Notes too many for the line under the sheet: the caption was shrunk to 5.5 pt first. Now it
    stays at 7 pt or more and counts the notes page 3 prints, and page 3 prints every one."""
    from mirage_model.review.report import waveforms

    real = waveforms.caption_parts
    notes = [f"note {k}: lead quality flags - baseline wander in V{k}, contact noise in aVL and aVF" for k in range(6)]

    def many(ctx):
        caption, _ = real(ctx)
        return caption, notes

    monkeypatch.setattr(waveforms, "caption_parts", many)
    out = build_report(ReviewSession(record), tmp_path / "notes.pdf")
    spans = page_spans(out)
    assert not _small(spans), _small(spans)[:5]
    texts = _texts(out)
    assert "more notes on page 3" in texts[0] and "25 mm/s, 10 mm/mV" in texts[0]
    assert all(n in " ".join(texts[2:]) for n in notes)


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_a_very_long_id_is_whole_on_page_1_or_named_there_and_whole_on_page_3(tmp_path, record, page_size):
    """An ID too long for the patient line beside a name: the footer and the header were shrunk to
    5.5 and 6 pt. Both are now 7 pt or more; the name gives way (cut, page 3 says it whole)."""
    pid = "ID-" + "0123456789" * 9
    settings = ReportSettings(page_size=page_size, patient_name=LONG_NAME, patient_id=pid)
    out = build_report(ReviewSession(record), tmp_path / "id.pdf", settings=settings)
    assert not _small(page_spans(out)), _small(page_spans(out))[:5]
    texts = _texts(out)
    assert pid in texts[0].replace(" ", "")
    assert LONG_NAME.replace(" ", "") in " ".join(texts[2:]).replace(" ", "")


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_the_file_named_in_every_footer_keeps_7_pt_and_the_id_whole(tmp_path, record, page_size):
    """Every footer names the file the record was read from: a long folder and file name beside a
    long ID shrink it to 7 pt, no less; the folder gives way, then the name is cut in its middle (its
    end, the extension, tells 3.xml from 3.dcm), never the ID."""
    import dataclasses

    folder = "Cardiology department export of the resting ECGs, March"
    name = "resting ECG of the patient, device 4, acquired at 08.15, second attempt after artefact.xml"
    rec = dataclasses.replace(record, path=tmp_path / folder / name)
    settings = ReportSettings(page_size=page_size, patient_id=LONG_ID)
    out = build_report(ReviewSession(rec), tmp_path / "f.pdf", settings=settings)
    n_pages = len(pypdf.PdfReader(str(out)).pages)
    for i in range(n_pages):
        assert not _small(page_spans(out, i)), (i + 1, _small(page_spans(out, i))[:5])
    for i, text in enumerate(_texts(out)):
        footer = text[text.index("unconfirmed."):]
        assert LONG_ID in footer and f"page {i + 1} of {n_pages}" in footer, footer
        assert "file rest" in footer and ".xml | page" in footer, footer
        assert str(tmp_path) not in footer and folder not in footer
    short = dataclasses.replace(record, path=tmp_path / "dupe" / "3.xml")
    text = _texts(build_report(ReviewSession(short), tmp_path / "s.pdf",
                               settings=ReportSettings(page_size=page_size)))[0]
    assert "file dupe/3.xml | MIRAGE Review" in text, text[-200:]


# ------------------------------------------------------------------------------ every page

def _extents(out):
    """Per page: (text, x0, x1, y, size) of each text run, its width in its own font at its printed size."""
    from reportlab.pdfbase.pdfmetrics import getRegisteredFontNames, stringWidth

    from mirage_model.review.report.text import register_fonts

    register_fonts()
    known = set(getRegisteredFontNames())
    pages = []
    for i in range(len(pypdf.PdfReader(str(out)).pages)):
        runs = []
        for text, x, y, size, font in page_spans(out, i):
            w = stringWidth(text, font if font in known else "DejaVuSans", size)
            runs.append((text, x, x + w, y, size))
        pages.append(runs)
    return pages


@pytest.fixture(scope="module")
def full_session(tmp_path_factory):
    """00417_lr three times its size (page 1 and the median beats at 5 mm/mV), measured, scored by a
    tiny model with every explanation, QT and heart rate edited out of range (their flag words)."""
    import mirage_model as mm
    from helpers_models import make_tiny_checkpoint

    from mirage_model.measure import measure
    from mirage_model.review.scoring import score_session

    path = next((p for p in mm.sample_records() if p.stem == "00417_lr"), None)
    if path is None:
        pytest.skip("bundled PTB-XL sample 00417_lr not present")
    rec = mm.load_record(path)
    rec.signal = rec.signal * 3.0
    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")
    session = ReviewSession(rec)
    session.accept_measurements(session.id, measure(rec))
    score_session(session, predictor, explain=True)
    session.set_measurement_edit("qt_ms", 540.0)
    session.set_measurement_edit("heart_rate_bpm", 44.0)
    expl = session.prediction.explanation
    assert expl.lead_importance is not None and expl.lead_attention is not None and expl.image is not None
    return session


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_every_page_prints_nothing_under_7_pt(tmp_path, full_session, page_size):
    """Pages 2 on printed 5.5 pt: the reduced gain at each median-beat pulse, the explanation page's
    lead names and values (5.5 / 6.5 pt, 5.2 / 6.1 on Letter, whose figures were scaled down whole),
    the heat map's legend, the measurement table's high / low word (6 pt). Now every text run of
    every page is at 7 pt or more, and none runs over another."""
    import re

    out = build_report(full_session, tmp_path / "all.pdf", settings=ReportSettings(page_size=page_size))
    pages = _extents(out)
    texts = _texts(out)
    assert len(pages) >= 4
    for i, runs in enumerate(pages):
        small = sorted((round(size, 2), text[:40]) for text, *_, size in runs if size < READABLE_PT - 1e-6)
        assert not small, (i + 1, small[:5])
    # what the small type said is still there
    assert "Gain " in texts[1] and texts[1].count("mm/mV") >= 3 + 3     # each pulse's, the legend's
    table = next(t for t in texts if "Adult reference ranges" in t)       # the measurement table's page
    assert re.search("\u2191 ?high", table) and re.search("\u2193 ?low", table), table[:400]
    expl = texts.index(next(t for t in texts if t.startswith("Explanations")))
    assert "rows: query lead, columns: key lead" in texts[expl] and "uniform 0.083" in texts[expl]
    for lead in ("aVR", "V6"):
        assert texts[expl].count(lead) >= 3                # under its bar, beside and under the heat map
    # no run overprints another on the same line (lead names under narrow bars and columns, values;
    # the gain at the pulses); the drawn pages only: pypdf places a Paragraph's later lines at its first
    for i in (1, expl):
        runs = pages[i]
        for a in range(len(runs)):
            for b in range(a + 1, len(runs)):
                ta, xa0, xa1, ya, sa = runs[a]
                tb, xb0, xb1, yb, sb = runs[b]
                if abs(ya - yb) < 0.7 * min(sa, sb) and min(xa1, xb1) - max(xa0, xb0) > 0.3:
                    # a line's runs in several fonts abut; they never cover one another
                    raise AssertionError((i + 1, ta, tb, round(xa0), round(xa1), round(xb0), round(xb1), ya))


def test_the_reduced_gain_on_the_median_page_is_inside_the_pulse_column(tmp_path, full_session):
    """Each row's gain ("2.5") over "mm/mV" (5.5 pt on one line before) lies in the 10 mm column of the
    calibration pulses (each beat starts 1 mm after it), at 7 pt."""
    from mirage_model.review.median_beats import CAL_MM

    import re

    out = build_report(full_session, tmp_path / "gain.pdf")
    gain = re.search(r"25 mm/s, ([\d.]+) mm/mV; grid", _texts(out)[1]).group(1)     # the legend's
    assert float(gain) < 10
    runs = _extents(out)[1]
    x0 = 10 * 72 / 25.4
    col = [r for r in runs if r[0] in (gain, "mm/mV")]
    assert [r[0] for r in col].count(gain) == 3 and [r[0] for r in col].count("mm/mV") == 3
    for text, a, b, _y, size in col:
        assert size >= READABLE_PT and x0 - 0.01 <= a and b <= x0 + CAL_MM * 72 / 25.4 + 0.01, (text, a, b)
