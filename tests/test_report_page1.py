"""Page 1 of the PDF: the measurement block (the session's values, flags bold with an arrow) and the
interpretation (reading order, each statement's source, withheld with the reason) between the header
and the ECG sheet, and nothing of it drawn over the sheet."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

import mirage_model as mm
from mirage_model.measure import SCALAR_KEYS, Measurements
from mirage_model.review.report import build_report, report_layout
from mirage_model.review.report.summary_band import DETAILS, SIZE, SMALLEST, model_line_rows
from mirage_model.review.report.text import FONT_BOLD, register_fonts
from mirage_model.review.session import ReviewSession

PT_PER_MM = 72.0 / 25.4
# a statements model whose sinus rhythm is always above threshold and nothing else ever is
STATEMENT_LABELS = ("SR", "AFIB", "1AVB", "CLBBB", "NORM")
ALWAYS_SR = (0.0, 1.01, 1.01, 1.01, 1.01)


@pytest.fixture(scope="module")
def statements_predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    folder = make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "stmt", labels=STATEMENT_LABELS,
                                  thresholds=ALWAYS_SR, name="tiny-statements")
    return mm.Predictor(folder, device="cpu")


@pytest.fixture(scope="module")
def superclass_predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def _measurements(**values) -> Measurements:
    base = dict.fromkeys(SCALAR_KEYS)
    base.update(values)
    return Measurements(**base, fs=100.0, method="test values")


# slow rate, long PR, wide QRS, left axis: each outside its adult range and each a rule's statement
ABNORMAL = dict(heart_rate_bpm=45.0, rr_ms=1333.0, pr_ms=230.0, qrs_ms=130.0, qt_ms=460.0,
                qtc_bazett_ms=398.0, qtc_fridericia_ms=418.0, p_axis_deg=50.0, qrs_axis_deg=-45.0,
                t_axis_deg=40.0)


def _page1(out):
    page = pypdf.PdfReader(str(out)).pages[0]
    spans = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            spans.append((text.strip(), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], size,
                           str((font or {}).get("/BaseFont", ""))))

    text = page.extract_text(visitor_text=visit)
    return " ".join(text.split()), spans


def _session(record, predictor=None, measurements=None, edits=None, prediction=None):
    s = ReviewSession(record)
    if measurements is not None:
        s.accept_measurements(s.id, measurements)
    if edits:
        for k, v in edits.items():
            s.set_measurement_edit(k, v)
    if predictor is not None:
        s.set_model(predictor.schema, predictor.name)
        pred = prediction or predictor.predict(record, s.model_values(), explain=False)
        s.accept_prediction(s.ticket(), pred)
    return s


def test_measurements_and_interpretation_on_page_1(tmp_path, record, statements_predictor):
    out = build_report(_session(record, statements_predictor, _measurements(**ABNORMAL)), tmp_path / "r.pdf")
    text, spans = _page1(out)
    # the block's labels and the session's values, each with its unit
    for label, value in (("Heart rate", "45 bpm"), ("RR", "1333 ms"), ("PR", "230 ms"), ("QRS", "130 ms"),
                         ("QT", "460 ms"), ("QTc Bazett", "398 ms"), ("QTc Fridericia", "418 ms"),
                         ("P axis", "50 deg"), ("QRS axis", "-45 deg"), ("T axis", "40 deg")):
        assert re.search(rf"{label}\s*{value}", text), (label, value, text[:600])
    # outside the adult range (rate < 50, PR > 200, QRS >= 120, axis < -30): bold with an arrow after
    bold = {s[0] for s in spans if s[4].endswith("Bold")}
    for value in ("45 bpm", "230 ms", "130 ms", "-45 deg"):
        assert value in bold, value
        i = next(k for k, s in enumerate(spans) if s[0] == value)
        assert spans[i + 1][0] in ("\u2191", "\u2193") and spans[i + 1][4].endswith("Bold")   # the report's bold
    for value in ("1333 ms", "460 ms", "50 deg"):        # in range (or no range): plain
        assert value not in bold
    # reading order: rhythm (the measured rate under 50 bpm beats the model's sinus rhythm), conduction, axis
    first = text.index("Interpretation")
    order = [text.find(s, first) for s in ("Sinus bradycardia, 45 bpm", "First degree AV block (PR 230 ms)",
                                           "Wide QRS (130 ms)", "Left axis deviation (-45 deg)")]
    assert -1 not in order and order == sorted(order), order
    assert "[rule: rate 45 bpm < 50 bpm (Mason et al. 2007)]" in text
    assert "Sinus rhythm [model" not in text          # said as sinus bradycardia by the rule
    # the model's sinus rhythm is above threshold but said by the rate rule: counted apart
    assert (f"Model {statements_predictor.name}: 1 of its 5 statements above threshold "
            "(0 in the interpretation, 1 resolved)") in text
    assert "Research use only" in text


def test_the_band_reads_the_reviewed_values(tmp_path, record, statements_predictor):
    session = _session(record, statements_predictor, _measurements(**ABNORMAL), edits={"qrs_ms": 100.0})
    text, spans = _page1(build_report(session, tmp_path / "r.pdf"))
    assert re.search(r"QRS\s*100\* ms", text) and "*: reviewer's value." in text
    assert "Wide QRS" not in text                      # the reviewer's 100 ms is not wide
    assert "100* ms" not in {s[0] for s in spans if s[4].endswith("Bold")}
    # the model's sinus rhythm with its probability when the rate is normal
    normal = dict(ABNORMAL, heart_rate_bpm=72.0, rr_ms=833.0)
    text, _ = _page1(build_report(_session(record, statements_predictor, _measurements(**normal)),
                                  tmp_path / "n.pdf"))
    assert re.search(r"Sinus rhythm, 72 bpm \[model \d+%, \w+ confidence\]", text), text


# atrial fibrillation at 145 bpm (CinC A0003): the rate, QTc by both formulas and the QRS axis
# outside their ranges, bold with an arrow; the reviewer's QT and rate, starred
FLAGGED = dict(heart_rate_bpm=145.0, rr_ms=413.0, pr_ms=None, qrs_ms=95.0, qt_ms=332.0,
               qtc_bazett_ms=517.0, qtc_fridericia_ms=446.0, p_axis_deg=None, qrs_axis_deg=-144.0,
               t_axis_deg=-144.0)


@pytest.mark.parametrize("edits", [None, {"qt_ms": 420.0, "heart_rate_bpm": 146.0}])
def test_the_measurement_block_prints_every_value_whole_at_one_size(tmp_path, record, edits):
    """Bold values with their arrows (and a reviewer's *) are as wide as the block's columns allow:
    every label and value of the block at one size, each clear of the next by at least 1 mm.
    (Before, a flagged QTc was shrunk alone to 86 % of the band's size, and a rate's arrow
    touched the next column's "QT".)"""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out = build_report(_session(record, None, _measurements(**FLAGGED), edits=edits), tmp_path / "b.pdf")
    text, spans = _page1(out)
    assert re.search(r"QTc Bazett\s*\d+\*? ms", text) and "\u2191" in text
    lay = report_layout()
    block = [s for s in spans if s[1] < 10 * PT_PER_MM + 96 * PT_PER_MM and s[2] < lay.band_top - 4 * PT_PER_MM
             and s[2] > lay.band_top - 4 * PT_PER_MM - 4 * 3.2 * PT_PER_MM - 1 and s[3] > 6.6]
    assert len(block) >= 20, block            # 10 labels, 10 values (and the arrows)
    sizes = {round(s[3], 2) for s in block}
    assert len(sizes) == 1, sorted((s[3], s[0]) for s in block)
    for y in {round(s[2], 1) for s in block}:
        row = sorted((s for s in block if round(s[2], 1) == y), key=lambda s: s[1])
        for a, b in zip(row, row[1:]):
            end = a[1] + stringWidth(a[0], a[4].lstrip("/").split("+")[-1], a[3])
            room = 0.2 * PT_PER_MM if b[0] in ("\u2191", "\u2193") else 1.0 * PT_PER_MM   # " arrow" after its value
            assert end + room <= b[1], (a[0], b[0], (b[1] - end) / PT_PER_MM)
        assert row[-1][1] + stringWidth(row[-1][0], row[-1][4].lstrip("/").split("+")[-1], row[-1][3]) \
            <= 10 * PT_PER_MM + 96 * PT_PER_MM + 0.01


def test_superclass_model_and_withheld_result(tmp_path, record, superclass_predictor):
    pred = superclass_predictor.predict(record, None, explain=False)
    gated = dataclasses.replace(pred, positive=(), withheld="paced rhythm (pacemaker spikes)")
    session = _session(record, superclass_predictor, _measurements(**ABNORMAL), prediction=gated)
    text, _ = _page1(build_report(session, tmp_path / "w.pdf"))
    assert "Interpretation WITHHELD: paced rhythm (pacemaker spikes). The statements below are unreliable." in text
    assert f"Model {superclass_predictor.name}: RESULT WITHHELD - paced rhythm" in text
    # a superclass model states no rhythm: the rule says so beside the measured rate
    assert "Rhythm not classified, 45 bpm [rule: no model here states rhythm; measured rate only]" in text
    session = ReviewSession.from_results(record, prediction=pred, schema=superclass_predictor.schema)
    text, _ = _page1(build_report(session, tmp_path / "s.pdf"))
    assert "Measurements: not measured." in text
    shown = [f"{lab} {p:.2f}" for lab, p in zip(pred.labels, pred.probabilities) if lab in pred.positive]
    line = f"Model {superclass_predictor.name}: " + ("positive " + ", ".join(shown) if shown
                                                     else "no class above its threshold")
    assert line in text


def test_a_long_withheld_reason_of_several_parts_keeps_its_first_on_page_1(tmp_path, record, superclass_predictor):
    """A reason too long for the band's head line (the gate's finding; then why it may be wrong, as the
    wide QRS tachycardia's reversal caveat reads) keeps its first part there, the rest on page 3; before,
    the head said only "(why: page 3)"."""
    pred = superclass_predictor.predict(record, None, explain=False)
    reason = "limb lead reversal suspected (RA>LA>LL); " + "a long explanation of why that may be wrong " * 4
    session = _session(record, superclass_predictor, _measurements(**ABNORMAL),
                       prediction=dataclasses.replace(pred, positive=(), withheld=reason))
    text, _ = _page1(build_report(session, tmp_path / "w.pdf"))
    assert "Interpretation WITHHELD: limb lead reversal suspected (RA>LA>LL) (more on page 3)." in text
    assert "why: page 3" not in text


def test_a_doubted_rule_statement_keeps_why_on_page_1(tmp_path, record, monkeypatch):
    """A rule statement whose cited threshold text is too long for the line was printed '[rule] (?)': the
    mark without its reason (PTB-XL 13229_lr, 'Atrial fibrillation, 74 bpm, irregular [rule] (?)'). Now the
    source is shortened first and the reason kept; the threshold text is on page 3."""
    from mirage_model.review.interpret import Interpretation, Statement
    from mirage_model.review.report import summary_band

    af = Statement("rhythm", "Atrial fibrillation, 74 bpm, irregular", "measurement", "AFIB", 0.2, "low",
                   rule="RR irregular (RMSSD / mean RR 0.31 > 0.10, Dash et al. 2009) without a detectable P wave "
                        "(ESC definition, Hindricks et al. 2021) and the model's atrial fibrillation 20% >= 15%",
                   note="P-like waves before the QRS, alike beat to beat at correlation 0.73: check for P waves")
    monkeypatch.setattr(summary_band, "session_interpretation", lambda session: Interpretation((af,)))
    text, _ = _page1(build_report(_session(record, None, _measurements(**ABNORMAL)), tmp_path / "n.pdf"))
    assert ("Atrial fibrillation, 74 bpm, irregular [rule] (?) P-like waves before the QRS, alike beat to beat "
            "at correlation 0.73: check for P waves") in text
    assert "Dash et al." not in text


def test_the_band_stays_off_the_sheet_with_many_statements(tmp_path, record):
    """Eight statements (two to a line) and a long institution: nothing runs into the sheet or off the page."""
    from helpers_models import make_tiny_checkpoint

    labels = ("SR", "AFIB", "1AVB", "CLBBB", "LVH", "IMI", "NDT", "LNGQT", "DIG", "PVC")
    folder = make_tiny_checkpoint(tmp_path / "many", labels=labels, thresholds=[0.0] * len(labels))
    predictor = mm.Predictor(folder, device="cpu")
    from mirage_model.review.report import ReportSettings

    settings = ReportSettings(institution="Department of Cardiology, University Hospital of Somewhere Far Away")
    out = build_report(_session(record, predictor, _measurements(**ABNORMAL)), tmp_path / "m.pdf",
                       settings=settings)
    text, spans = _page1(out)
    assert "Atrial fibrillation" in text and re.search(r"\.\.\. and \d+ more \(all on page 3\)", text)
    lay = report_layout(settings)
    leads = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6", "II (rhythm)"}
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for t, x, y, size, font in spans:
        x1 = x + stringWidth(t, font.lstrip("/").split("+")[-1], size)     # the embedded font, as registered
        assert 0 <= x and x1 <= lay.page_width - 9 * PT_PER_MM, (t, x, x1)
        if t not in leads:
            inside = lay.grid_y0 - 1 <= y <= lay.grid_y0 + lay.grid_height
            assert not inside, (t, y)


def test_a_rhythm_too_long_for_half_the_band_gets_the_whole_line(tmp_path, record):
    """Six statements take two columns; the first, the rhythm, too long for half the band ("Sinus
    rhythm, 72 bpm, most probable rhythm (below its threshold)": ISHNE ECG_P28.01 printed it at
    5.5 pt with its source cut to "[model + measurements..."), gets the whole first line at the
    band's size with its probability, and the others stay two to a line under it."""
    from helpers_models import make_tiny_checkpoint

    labels = ("SR", "1AVB", "CLBBB", "LVH", "IMI", "NDT")         # sinus rhythm below its threshold
    folder = make_tiny_checkpoint(tmp_path / "six", labels=labels, thresholds=[1.01] + [0.0] * 5)
    predictor = mm.Predictor(folder, device="cpu")
    measured = _measurements(heart_rate_bpm=72.0, rr_ms=833.0, pr_ms=230.0, qrs_ms=130.0)
    text, spans = _page1(build_report(_session(record, predictor, measured), tmp_path / "six.pdf"))
    rhythm = next(sp for sp in spans if sp[0].startswith("Sinus rhythm, 72 bpm, most probable rhythm"))
    assert rhythm[3] == SIZE                                       # the band's size, not shrunk
    beside = [sp[0] for sp in spans if abs(sp[2] - rhythm[2]) < 0.5 and sp[1] > rhythm[1]]
    assert len(beside) == 1 and re.fullmatch(r"\[model \d+%\]", beside[0]), beside   # its source whole, alone
    for words in ("First degree AV block", "Left bundle branch block", "Left ventricular hypertrophy",
                  "Inferior infarct", "Nonspecific T wave abnormality"):
        assert words in text
    assert "more:" not in text


def test_out_of_date_and_missing_model_are_said(tmp_path, record, superclass_predictor):
    session = _session(record, superclass_predictor, _measurements(**ABNORMAL))
    session.set_value("age", 30)                      # the model ran with the file's age
    text, _ = _page1(build_report(session, tmp_path / "stale.pdf"))
    assert "OUT OF DATE: clinical values changed since the model ran" in text
    text, _ = _page1(build_report(ReviewSession.from_results(record), tmp_path / "none.pdf"))
    assert "Model: no model result (no model was loaded)" in text


def test_statements_model_beside_the_superclass_model_names_each(tmp_path, record, superclass_predictor,
                                                                  statements_predictor):
    """The interpretation comes from the statements model run beside the superclass model; page 1
    names the model of the statements and the model of the classes."""
    s = ReviewSession(record)
    s.accept_measurements(s.id, _measurements(heart_rate_bpm=72.0, pr_ms=160.0, qrs_ms=90.0, qrs_axis_deg=30.0))
    s.set_model(superclass_predictor.schema, superclass_predictor.name)
    values = s.model_values()
    pred = superclass_predictor.predict(record, values, explain=False)
    stmts = statements_predictor.predict(record, values, explain=False)
    assert s.accept_prediction(s.ticket(), pred, None, stmts)
    assert s.statements_prediction is stmts
    text, _ = _page1(build_report(s, tmp_path / "both.pdf"))
    first = text.index("Interpretation")
    assert text.find("Sinus rhythm, 72 bpm", first) > first         # the statements model's SR
    assert f"Statements: model {statements_predictor.name}" in text
    assert f"Model {superclass_predictor.name}:" in text
    # the same session without the statements model: the superclass model has no rhythm statement
    s2 = _session(record, superclass_predictor, _measurements(heart_rate_bpm=72.0), prediction=pred)
    text2, _ = _page1(build_report(s2, tmp_path / "one.pdf"))
    assert "Sinus rhythm, 72 bpm" not in text2 and "Statements: model" not in text2


def test_the_model_line_counts_what_the_interpretation_states():
    """A statements model beside the superclass model: "normal ECG" above threshold beside atrial
    fibrillation is resolved away, so the line says 2 above threshold and 1 in the interpretation
    (it said "2 of 5 stated" above an interpretation of one statement)."""
    from types import SimpleNamespace

    from mirage_model.review.interpret import interpret
    from mirage_model.review.report.summary_band import model_line

    probs, thresholds = (0.1, 0.9, 0.1, 0.1, 0.6), (0.5,) * 5
    it = interpret(STATEMENT_LABELS, probs, thresholds)
    assert [s.code for s in it.statements if s.source == "model"] == ["AFIB"]
    stmt = SimpleNamespace(labels=STATEMENT_LABELS, probabilities=probs, thresholds=thresholds,
                           model_name="stmt", positive=("AFIB", "NORM"))
    sup = SimpleNamespace(labels=("NORM", "CD"), probabilities=(0.2, 0.7), thresholds=(0.5, 0.5),
                          model_name="sup", positive=("CD",), withheld="")
    line = model_line(sup, stmt_pred=stmt, stated=len(it.statements))
    assert "Statements: model stmt, 2 of 5 above threshold (1 in the interpretation, 1 resolved)" in line
    assert "Model sup: positive CD 0.70" in line
    # nothing resolved: one count and no "resolved"
    assert "(2 in the interpretation)" in model_line(sup, stmt_pred=stmt, stated=2)


def test_a_model_line_too_long_for_one_line_takes_two(tmp_path, record):
    """The shipped models' names side by side do not fit the band's last line even at its smallest
    size: the classes' model goes on the free line above and the statements' model below, nothing
    cut with "..." (page 1 read back: both names, both counts and the pointer to page 3)."""
    from helpers_models import make_tiny_checkpoint

    sup = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup", name="mirage-ptbxl-superdiagnostic-base-ensemble2-robust"),
                       device="cpu")
    stmt = mm.Predictor(make_tiny_checkpoint(tmp_path / "stmt", labels=STATEMENT_LABELS, thresholds=ALWAYS_SR,
                                             name="mirage-ptbxl-statements-with-a-long-name"), device="cpu")
    s = ReviewSession(record)
    s.accept_measurements(s.id, _measurements(heart_rate_bpm=72.0, pr_ms=160.0, qrs_ms=90.0))
    s.set_model(sup.schema, sup.name)
    values = s.model_values()
    assert s.accept_prediction(s.ticket(), sup.predict(record, values, explain=False), None,
                               stmt.predict(record, values, explain=False))
    text, spans = _page1(build_report(s, tmp_path / "long.pdf"))
    assert f"Model {sup.name}:" in text and f"Statements: model {stmt.name}, 1 of 5 above threshold" in text
    assert "(details from page 3)" in text and "(..." not in text
    line_of = {t: y for t, x, y, size, font in spans}
    head = next(y for t, y in line_of.items() if t.startswith(f"Model {sup.name}"))
    tail = next(y for t, y in line_of.items() if t.startswith("Statements: model"))
    assert head > tail                                            # two lines, the classes' model first


def test_model_line_rows_keep_the_names_and_counts():
    from reportlab.pdfgen import canvas

    register_fonts()
    c = canvas.Canvas(io.BytesIO())
    text = ("Model mirage-ptbxl-superdiagnostic-base-ensemble2-robust: positive MI 0.86. Statements: model "
            "mirage-ptbxl-statements, 3 of 71 above threshold (4 in the interpretation)" + DETAILS)
    full = c.stringWidth(text, FONT_BOLD, SMALLEST)
    without = c.stringWidth(text[:-len(DETAILS)], FONT_BOLD, SMALLEST)
    assert model_line_rows(c, text, full + 1, free_line=False) == [text]                  # fits: as it is
    two = model_line_rows(c, text, without + 1, free_line=True)                          # a free line: two rows
    assert two == ["Model mirage-ptbxl-superdiagnostic-base-ensemble2-robust: positive MI 0.86.",
                   "Statements: model mirage-ptbxl-statements, 3 of 71 above threshold (4 in the interpretation)"
                   + DETAILS]
    # no free line: the pointer to the details gives way, the names and counts stay whole
    assert model_line_rows(c, text, without + 1, free_line=False) == [text[:-len(DETAILS)]]
    # narrower still: shorter wording, every name and count kept
    compact = ("Model mirage-ptbxl-superdiagnostic-base-ensemble2-robust: positive MI 0.86. Statements: "
               "mirage-ptbxl-statements, 3 of 71 above threshold (4 shown)")
    assert model_line_rows(c, text, without - 1, free_line=False) == [compact]
    assert c.stringWidth(compact, FONT_BOLD, SMALLEST) < without - 1


def test_a_record_with_no_signal_is_not_interpretable_on_page_1(record, tmp_path, capsys):
    """00417_lr with every lead zeroed, through ``mirage report`` with a model: the model refuses it
    (no usable signal). Page 1 had said "No statement: no measurement rule applies and the model states
    nothing above its threshold" (a negative finding) and "no model was loaded"; it now says the record
    is not interpretable, and why there is no model result."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    from mirage_model import formats
    from mirage_model.review.interpret import no_statement_text

    flat = dataclasses.replace(record, signal=record.signal * 0.0, quality={})
    hea = formats.write_record(flat, tmp_path, "wfdb", name="flat")
    model = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "flat.pdf"
    assert main(["report", str(hea), "--model", str(model), "--out", str(out)]) == 0
    assert "not scored: no usable signal" in capsys.readouterr().err
    page1 = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "Not interpretable: no usable signal: every lead is flat" in page1
    assert "No statement" not in page1 and "no model was loaded" not in page1
    assert "no model result (not scored: no usable signal" in page1
    # a readable record with nothing said keeps the plain sentence
    session = ReviewSession.from_results(record)
    assert no_statement_text(session).startswith("No statement: no measurement rule applies, and there is no model")


def test_a_record_too_short_to_measure_says_why_on_page_1(tmp_path):
    """PTB Diagnostic s0010_re is cut to 2 s, too short for measure() (at least 2.5 s): every value
    is None with the reason in its notes. Page 1's block showed "-" for each of the ten values and
    no reason; it now says why, and the app's panel says the same (``why_unmeasured``). Truth for
    the duration: wfdb's reading of the header (samples / fs)."""
    wfdb = pytest.importorskip("wfdb")
    from mirage_model.measure import measure
    from mirage_model.review.measurements import why_unmeasured

    hea = Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea"
    header = wfdb.rdheader(str(hea.with_suffix("")))
    seconds = header.sig_len / header.fs
    record = mm.load_record(hea)
    measurements = measure(record)
    assert all(v is None for v in measurements.as_dict().values())
    session = _session(record, measurements=measurements)
    text, spans = _page1(build_report(session, tmp_path / "short.pdf"))
    block = text[text.index("Measurements"):text.index("Interpretation")]
    assert f"not measured: record too short ({seconds:.1f} s) for measurement" in block, block
    assert "-" not in {s[0] for s in spans}                  # no value drawn as a bare dash
    assert why_unmeasured(measurements) == f"not measured: record too short ({seconds:.1f} s) for measurement"
    # a value the reviewer entered is a value: no reason then, the table is shown
    assert why_unmeasured(measurements, {"qt_ms": 400.0}) == ""
