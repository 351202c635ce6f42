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
from mirage_model.review.report.band_text import READABLE, SIZE
from mirage_model.review.report.model_line import DETAILS, model_line_rows
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
    # the tiny checkpoint has no calibration: its percentage is said without a confidence word
    assert re.search(r"Sinus rhythm, 72 bpm \[model \d+%, uncalibrated\]", text), text


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
    # not over-read (no one signed): said in the same sentence
    assert ("Interpretation WITHHELD: paced rhythm (pacemaker spikes). The statements below are unreliable, not "
            "over-read.") in text
    assert f"Model {superclass_predictor.name}: RESULT WITHHELD - paced rhythm" in text
    # a superclass model states no rhythm: the rule says so beside the measured rate
    assert "Rhythm not classified, 45 bpm [rule: no model here states rhythm; measured rate only]" in text
    session = ReviewSession.from_results(record, prediction=pred, schema=superclass_predictor.schema)
    text, _ = _page1(build_report(session, tmp_path / "s.pdf"))
    assert "Measurements: not measured." in text
    words = {"NORM": "Normal ECG", "MI": "Myocardial infarction", "STTC": "ST/T change", "CD": "Conduction disturbance",
             "HYP": "Hypertrophy"}      # PTB-XL's superclasses in Wagner et al. 2020's words
    shown = [f"{words[lab]} ({lab}) {p:.2f}" for lab, p in zip(pred.labels, pred.probabilities) if lab in pred.positive]
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
    mark without its reason (PTB-XL 13229_lr, 'Atrial fibrillation, 74 bpm, irregular [rule] (?)'); then
    with its reason, the threshold text given up and the line shrunk to 5.6 pt. Alone in the band, it now
    wraps at the band's size with its whole threshold text and its reason."""
    from mirage_model.review import interpret
    from mirage_model.review.interpret import Interpretation, Statement

    af = Statement("rhythm", "Atrial fibrillation, 74 bpm, irregular", "measurement", "AFIB", 0.2, "low",
                   rule="RR irregular (RMSSD / mean RR 0.31 > 0.10, Dash et al. 2009) without a detectable P wave "
                        "(ESC definition, Hindricks et al. 2021) and the model's atrial fibrillation 20% >= 15%",
                   note="P-like waves before the QRS, alike beat to beat at correlation 0.73: check for P waves")
    monkeypatch.setattr(interpret, "session_interpretation", lambda session: Interpretation((af,)))
    out = build_report(_session(record, None, _measurements(**ABNORMAL)), tmp_path / "n.pdf")
    text, band, _ = _band(out)
    assert f"Atrial fibrillation, 74 bpm, irregular [rule: {af.rule}] (?) {af.note}" in text
    assert min(s[3] for s in band) >= READABLE_PT


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
    assert "Atrial fibrillation" in text and re.search(r"\.\.\. and \d+ more, continued on page 3", text)
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
    from mirage_model.review.report.model_line import model_line

    probs, thresholds = (0.1, 0.9, 0.1, 0.1, 0.6), (0.5,) * 5
    it = interpret(STATEMENT_LABELS, probs, thresholds)
    assert [s.code for s in it.statements if s.source == "model"] == ["AFIB"]
    stmt = SimpleNamespace(labels=STATEMENT_LABELS, probabilities=probs, thresholds=thresholds,
                           model_name="stmt", positive=("AFIB", "NORM"))
    sup = SimpleNamespace(labels=("NORM", "CD"), probabilities=(0.2, 0.7), thresholds=(0.5, 0.5),
                          model_name="sup", positive=("CD",), withheld="")
    line = model_line(sup, stmt_pred=stmt, stated=len(it.statements))
    assert "Statements: model stmt, 2 of 5 above threshold (1 in the interpretation, 1 resolved)" in line
    assert "Model sup: positive Conduction disturbance (CD) 0.70" in line
    # nothing resolved: one count and no "resolved"
    assert "(2 in the interpretation)" in model_line(sup, stmt_pred=stmt, stated=2)


def test_the_model_line_counts_the_rhythm_said_below_its_threshold():
    """No rhythm above its threshold: the most probable one is said, marked below its threshold
    (the ISHNE sample, PTB s0010_re). The line read "3 of 71 above threshold (4 in the
    interpretation)", one more stated than called and no word why; now it counts that one. Truth:
    the probabilities against the thresholds given here (CLBBB alone above; SR the likeliest rhythm)."""
    from types import SimpleNamespace

    from mirage_model.review.interpret import GUESSED, interpret
    from mirage_model.review.report.model_line import model_line, stated_counts

    probs, thresholds = (0.4, 0.1, 0.1, 0.9, 0.1), (0.5,) * 5
    above = sum(p >= t for p, t in zip(probs, thresholds))
    it = interpret(STATEMENT_LABELS, probs, thresholds)
    model = [s for s in it.statements if s.source == "model"]
    assert [s.code for s in model] == ["SR", "CLBBB"] and GUESSED in model[0].text
    assert stated_counts(it.statements) == (2, 1)
    stmt = SimpleNamespace(labels=STATEMENT_LABELS, probabilities=probs, thresholds=thresholds,
                           model_name="stmt", positive=("CLBBB",))
    sup = SimpleNamespace(labels=("NORM", "CD"), probabilities=(0.2, 0.7), thresholds=(0.5, 0.5),
                          model_name="sup", positive=("CD",), withheld="")
    line = model_line(sup, stmt_pred=stmt, stated=2, guessed=1)
    assert f"{above} of 5 above threshold (2 in the interpretation, 1 below threshold)" in line
    # one called statement resolved away beside the guess: both said
    assert "(2 in the interpretation, 1 below threshold, 1 resolved)" in model_line(
        sup, stmt_pred=SimpleNamespace(**{**vars(stmt), "probabilities": (0.4, 0.1, 0.1, 0.9, 0.9)}),
        stated=2, guessed=1)


def test_a_guessed_rhythm_is_known_by_its_flag_not_its_words(monkeypatch):
    """The rhythm said below its threshold is counted on the model line by the statement's ``guessed`` flag (set
    where the interpretation says the guess), not by finding ``interpret.GUESSED``'s words in its text: with the
    words changed, the count had read 0 below threshold beside the guess said. Truth: the probabilities against
    the thresholds given here (CLBBB alone above; SR the likeliest rhythm, a guess), as above."""
    from mirage_model.review import interpret as interpret_module
    from mirage_model.review.report.model_line import stated_counts

    from mirage_model.review.interpret import reading, rhythm

    reworded = ", the likeliest rhythm (under its threshold)"
    for module in (reading, rhythm):      # the modules that say the guess's words
        monkeypatch.setattr(module, "GUESSED", reworded)
    it = interpret_module.interpret(STATEMENT_LABELS, (0.4, 0.1, 0.1, 0.9, 0.1), (0.5,) * 5)
    model = [s for s in it.statements if s.source == "model"]
    assert [s.code for s in model] == ["SR", "CLBBB"] and model[0].text.endswith(reworded)
    assert [s.guessed for s in model] == [True, False]
    assert stated_counts(it.statements) == (2, 1)
    # SR above its threshold: no guess, none counted
    called = interpret_module.interpret(STATEMENT_LABELS, (0.6, 0.1, 0.1, 0.9, 0.1), (0.5,) * 5)
    assert not any(s.guessed for s in called.statements) and stated_counts(called.statements) == (2, 0)


def test_a_model_line_too_long_for_one_line_takes_two(tmp_path, record):
    """The shipped models' names side by side do not fit the band's last line even at its smallest
    size: the classes' model goes on the free line above and the statements' model below, nothing
    cut with "..." (page 1 read back: both names, both counts and the pointer to page 3)."""
    from helpers_models import make_tiny_checkpoint

    sup = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup",
                                            name="mirage-ptbxl-superdiagnostic-base-ensemble2-robust"),
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
    assert "(..." not in text
    line_of = {t: y for t, x, y, size, font in spans}
    head = next(y for t, y in line_of.items() if t.startswith(f"Model {sup.name}"))
    tail = next(y for t, y in line_of.items() if t.startswith("Statements: model"))
    assert head > tail                                            # two lines, the classes' model first


def test_model_line_rows_keep_the_names_and_counts():
    """Widths at ``READABLE``, the least size the model line is drawn at (it was ``SMALLEST``, 5.5 pt)."""
    from reportlab.pdfgen import canvas

    register_fonts()
    c = canvas.Canvas(io.BytesIO())
    text = ("Model mirage-ptbxl-superdiagnostic-base-ensemble2-robust: positive MI 0.86. Statements: model "
            "mirage-ptbxl-statements, 3 of 71 above threshold (4 in the interpretation)" + DETAILS)
    full = c.stringWidth(text, FONT_BOLD, READABLE)
    without = c.stringWidth(text[:-len(DETAILS)], FONT_BOLD, READABLE)
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
    assert c.stringWidth(compact, FONT_BOLD, READABLE) < without - 1


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


# PTB-XL 00298_lr's interpretation as the shipped statements model states it: seven statements, the fourth
# ("Voltage criteria for left ventricular hypertrophy [model + measurements 67%]") too long for half the band
def _statements_00298():
    from mirage_model.review.interpret import Statement

    def model(group, text, code, p, conf, measured=True):
        return Statement(group, text, "model", code, p, conf, measured=measured)

    return (model("rhythm", "Sinus rhythm, 98 bpm", "SR", 0.958, "high"),
            Statement("conduction", "Short PR interval (PR 107 ms)", "measurement",
                      rule="PR 107 ms < 120 ms (Surawicz et al. 2009)"),
            model("hypertrophy", "Left ventricular hypertrophy", "LVH", 0.976, "high"),
            model("hypertrophy", "Voltage criteria for left ventricular hypertrophy", "VCLVH", 0.669, "moderate"),
            model("ischaemia", "Nonspecific ischaemic changes", "ISC_", 0.891, "high", measured=False),
            model("ischaemia", "Nonspecific ST depression", "STD_", 0.822, "high"),
            model("repolarisation", "Inverted T waves", "INVT", 0.203, "low", measured=False))


# PTB-XL 13229_lr's: atrial fibrillation by the rule, doubted with a reason longer than the band's line
def _statements_13229():
    from mirage_model.review.interpret import Statement

    af = Statement("rhythm", "Atrial fibrillation, 74 bpm, irregular", "measurement", "AFIB", 0.154, "low",
                   rule="RR irregular (RR coefficient of variation > 0.15) without a detectable P wave (ESC "
                        "definition, Hindricks et al. 2021) and the model's atrial fibrillation 15% >= 15%",
                   note="P-like waves before the QRS, alike beat to beat at correlation 0.73: check for P waves "
                        "(premature atrial beats can read as AF)")
    return (af, Statement("conduction", "Abnormal QRS", "model", "ABQRS", 0.516, "moderate", measured=True),
            Statement("ischaemia", "Inferior infarct", "model", "IMI", 0.702, "moderate", measured=True),
            Statement("repolarisation", "Nonspecific T wave abnormality", "model", "NDT", 0.305, "low", measured=True))


READABLE_PT = 7.0       # the least size a printed page is read at; the band's statements were shrunk to 5.5 pt


def _band(out, settings=None):
    """(page 1's text, the interpretation column's spans (text, x, y, size, font)) of ``out``."""
    text, spans = _page1(out)
    lay = report_layout(settings)
    split = (10 + 98) * PT_PER_MM
    band = [s for s in spans if s[1] > split and lay.band_bottom - 1 < s[2] < lay.band_top]
    return text, band, lay


def _interpretation_of(monkeypatch, statements, resolved=()):
    from mirage_model.review import interpret

    def fake(session):
        return interpret.Interpretation(tuple(statements), tuple(resolved))

    monkeypatch.setattr(interpret, "session_interpretation", fake)         # pages 1 and 3 (ReportContext)


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_a_long_statement_is_not_shrunk_below_a_readable_size(tmp_path, record, monkeypatch, page_size):
    """00298_lr: "Voltage criteria for left ventricular hypertrophy [model + measurements 67%]" did not fit
    half the band and was printed at 5.5 pt. Every statement of the band is now printed at 7 pt or more,
    whole or wrapped; what has no room is named on a line that says where it continues, never dropped;
    the band stays above the sheet."""
    from mirage_model.review.report import ReportSettings

    statements = _statements_00298()
    _interpretation_of(monkeypatch, statements)
    settings = ReportSettings(page_size=page_size)
    out = build_report(_session(record, None, _measurements(**ABNORMAL)), tmp_path / "lvh.pdf", settings=settings)
    text, band, lay = _band(out, settings)
    assert band and min(s[3] for s in band) >= READABLE_PT, sorted((s[3], s[0]) for s in band)[:3]
    assert min(s[2] for s in band) > lay.grid_y0 + lay.grid_height          # nothing on the sheet
    page1 = text[text.index("Interpretation"):]
    vclvh = next(s for s in band if s[0].startswith("Voltage criteria for left ventricular"))
    assert vclvh[3] >= READABLE_PT
    for s in statements:
        assert s.text in page1, s.text                    # each statement named on page 1
    # with its source, or on the line that says the interpretation continues on page 3
    told = page1[page1.find("continued on page 3"):] if "continued on page 3" in page1 else ""
    for s in statements:
        tag = s.source_tag(compact=True)
        assert f"{s.text} [{tag}" in page1 or s.text in told, (s.text, page1)


def test_a_doubted_statement_wraps_under_itself_with_its_reason_whole(tmp_path, record, monkeypatch):
    """13229_lr: the doubted atrial fibrillation with its reason was one line shrunk to 5.5 pt. It now wraps
    at the band's size, its second line indented under the first (a hanging indent), the reason whole, and
    the three statements after it stay on page 1 with their sources."""
    statements = _statements_13229()
    _interpretation_of(monkeypatch, statements)
    out = build_report(_session(record, None, _measurements(**ABNORMAL)), tmp_path / "af.pdf")
    text, band, lay = _band(out)
    assert min(s[3] for s in band) >= READABLE_PT, sorted((s[3], s[0]) for s in band)[:3]
    af = statements[0]
    assert f"{af.text} [rule" in text and f"(?) {af.note}" in text
    first = next(s for s in band if s[0] == af.text)
    # the statement's next line: the nearest line under it, within one line pitch (3.2 mm), indented
    below = [s for s in band if 0 < first[2] - s[2] < 3.3 * PT_PER_MM + 0.5]
    assert below, band
    left = min(s[1] for s in below)
    assert 2 * PT_PER_MM <= left - first[1] <= 5 * PT_PER_MM, (left - first[1]) / PT_PER_MM
    for s in statements[1:]:
        assert f"{s.text} [{s.source_tag(compact=True)}" in text, s.text
    assert "continued on page 3" not in text


def test_many_statements_continue_on_page_3_at_a_readable_size(tmp_path, record, monkeypatch):
    """Fifteen statements cannot all be on page 1: the band prints what fits at 7 pt or more and says
    where the rest continue (page 3, which lists every statement), naming as many as fit."""
    from mirage_model.review.interpret import Statement

    statements = [Statement("other", f"Finding number {k} of a long interpretation", "model", f"X{k}",
                            0.9, "high") for k in range(15)]
    _interpretation_of(monkeypatch, statements)
    out = build_report(_session(record, None, _measurements(**ABNORMAL)), tmp_path / "many.pdf")
    text, band, lay = _band(out)
    assert min(s[3] for s in band) >= READABLE_PT, sorted((s[3], s[0]) for s in band)[:3]
    m = re.search(r"\.\.\. and (\d+) more, continued on page 3", text)
    assert m, text
    shown = sum(1 for s in statements if f"{s.text} [model" in text)
    assert shown >= 4 and shown + int(m.group(1)) == len(statements)
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages]
    assert all(s.text in pages[2] for s in statements)


def test_wrapped_lines_keep_every_word_within_their_width():
    """``wrap_runs``: each line within its width by reportlab's own metrics (the first the whole width,
    the others less the hanging indent), the words in order and none lost; a word wider than a line
    (a long identifier) is broken inside it rather than run over the margin."""
    from reportlab.pdfgen import canvas

    from mirage_model.review.report.summary_band import INDENT, Run, wrap_runs

    register_fonts()
    c = canvas.Canvas(io.BytesIO())
    runs = [Run("Atrial fibrillation, 74 bpm, irregular", FONT_BOLD), Run("  [rule]  "),
            Run("(?) P-like waves before the QRS, alike beat to beat at correlation 0.73: check for P waves")]
    words = " ".join(r.text for r in runs).split()
    for width in (120.0, 200.0, 499.0):
        lines = wrap_runs(c, runs, width)
        for k, line in enumerate(lines):
            w = sum(c.stringWidth(r.text, r.font, r.size) for r in line)
            assert w <= width - (INDENT if k else 0) + 1e-6, (width, k, w)
            assert not line[0].text.startswith(" ")
        assert " ".join("".join(r.text for r in line) for line in lines).split() == words
    long = [Run("X" * 200)]
    lines = wrap_runs(c, long, 100.0)
    assert len(lines) > 1 and "".join(r.text for line in lines for r in line) == "X" * 200
    assert all(c.stringWidth(line[0].text, line[0].font, line[0].size) <= 100.0 for line in lines)


def test_the_model_line_is_never_under_7_pt(tmp_path, record):
    """The model line with the shipped models' long names and three positive classes beside four
    statements was drawn down to 5.6 pt (64 of 198 PTB-XL records under 7 pt, e.g. 00026_lr at 6.6 pt:
    "Model: positive MI 0.51, STTC 0.76, CD 0.55. Statements: 4 of 71 above threshold (4 in the
    interpretation)  (models named on page 3)"). It is now 7 pt or more, in fewer words or on two
    lines; its classes and counts stay on page 1 and nothing is cut with "..."."""
    from helpers_models import make_tiny_checkpoint

    sup = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup",
                                            name="mirage-ptbxl-superdiagnostic-base-ensemble2-smoothed-stage",
                                            thresholds=[0.0] * 5), device="cpu")
    stmt = mm.Predictor(make_tiny_checkpoint(tmp_path / "stmt", labels=STATEMENT_LABELS, thresholds=ALWAYS_SR,
                                             name="mirage-ptbxl-statements"), device="cpu")
    s = ReviewSession(record)
    s.accept_measurements(s.id, _measurements(**ABNORMAL))
    s.set_model(sup.schema, sup.name)
    values = s.model_values()
    pred = sup.predict(record, values, explain=False)
    assert s.accept_prediction(s.ticket(), pred, None, stmt.predict(record, values, explain=False))
    text, band, _ = _band(build_report(s, tmp_path / "m.pdf"))
    model = [sp for sp in band if sp[0].startswith(("Model", "Statements")) or "above threshold" in sp[0]]
    assert model and min(sp[3] for sp in band) >= READABLE_PT, sorted((sp[3], sp[0]) for sp in band)[:2]
    assert all(f"{lab} {p:.2f}" in text for lab, p in zip(pred.labels, pred.probabilities))     # every class
    assert "1 of 5 above threshold" in text and not any(sp[0].endswith("...") for sp in band)


def test_a_withheld_reason_is_not_cut_inside_its_parentheses(tmp_path, record, superclass_predictor):
    """The paced-rhythm gate's reason, as mirage score gave it for PTB-XL 17506_lr, holds a "; " inside its
    parentheses: page 1's head had cut it there, "paced rhythm (statements model, P=0.93 (more on page 3).",
    its parenthesis left open. Too long for the head line, it keeps its words before the detail."""
    pred = superclass_predictor.predict(record, None, explain=False)
    reason = "paced rhythm (statements model, P=0.93; pacemaker spikes not checked at 100 Hz)"
    session = _session(record, superclass_predictor, _measurements(**ABNORMAL),
                       prediction=dataclasses.replace(pred, positive=(), withheld=reason))
    text, _ = _page1(build_report(session, tmp_path / "w.pdf"))
    assert "Interpretation WITHHELD: paced rhythm (more on page 3)." in text
    assert "P=0.93 (more on page 3)" not in text


def test_page_1_and_the_batch_cell_shorten_a_withheld_reason_alike(tmp_path, record, superclass_predictor):
    """A reason of two findings too long for the head line, "lead V5 missing; noise in II (...)": page 1 kept its
    first finding alone ("lead V5 missing"), the batch dialog's cell both without their detail ("lead V5 missing;
    noise in II"). Both now say the findings without their detail (``review.withheld_words``), page 1 falling back
    to fewer only where they do not fit; an unbalanced ")" in the detail cuts nothing."""
    from mirage_model.review.batch.rows import withheld_words

    pred = superclass_predictor.predict(record, None, explain=False)
    detail = "0.3 mV RMS above the warning level " * 5
    for reason in (f"lead V5 missing; noise in II ({detail})", f"lead V5 missing; noise in II ({detail}))"):
        session = _session(record, superclass_predictor, _measurements(**ABNORMAL),
                           prediction=dataclasses.replace(pred, positive=(), withheld=reason))
        text, _ = _page1(build_report(session, tmp_path / "w.pdf"))
        assert "Interpretation WITHHELD: lead V5 missing; noise in II (more on page 3)." in text, reason
        row = {"positive": "", "withheld_positive": "MI", "quality": f"unreliable ({reason})"}
        assert withheld_words(row) == ("withheld: lead V5 missing; noise in II", f"withheld: MI: {reason}")
