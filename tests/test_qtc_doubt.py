"""A QTc the measurement itself calls unreliable is marked where it is shown: the one measurement table
(``review.measurements.measurement_rows``) as the app's panel, the PDF's page 1 block and measurement table and
``mirage score``'s CSV show it.

``measure()`` notes a QTc it reports but calls unreliable ("QTc unreliable: irregular rhythm ...", "QTc unreliable:
heart rate 45.4 bpm < 50 ...", "QTc Bazett unreliable: heart rate 130 bpm > 120 ..."). Found: PTB-XL 12774_lr (atrial
fibrillation) and LUDB 1 (sinus bradycardia, 45 bpm) showed their QTc plainly, high or low flag and all, on page 1 and
in the app; only the notes said it. Truth: notes written here in measure's words, and LUDB 1, which LUDB's
cardiologists call sinus bradycardia (its header), whose measured rate is below the 50 bpm under which measure calls
every QTc unreliable.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import mirage_model as mm
from mirage_model.measure import Measurements
from mirage_model.review.measurements import UNRELIABLE, doubt_text, measurement_rows, unsaid_notes

ROOT = Path(__file__).resolve().parent.parent
LUDB_1 = ROOT / "resources" / "samples" / "ludb" / "1.hea"
QTC = ("qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms")
# measure's own words (``measure.median_beat._qtc_caveats``), as a record at 82 bpm with an RR CV of 0.46 gets them
IRREGULAR = ("irregular rhythm (RR coefficient of variation 0.46 > 0.15; e.g. atrial fibrillation): QT and the mean "
             "RR do not belong to the same cycle")
SLOW = "heart rate 45.4 bpm < 50 (the corrections extrapolate at slow rates; Bazett under-corrects)"
FAST = "heart rate 130 bpm > 120 (Bazett over-corrects at high rates; Fridericia is less affected)"
# QTc Bazett 480 ms is prolonged in a man (>= 450 ms), Fridericia 440 ms is not, Framingham 330 ms is short (<= 340)
VALUES = dict(heart_rate_bpm=82.0, rr_ms=732.0, pr_ms=160.0, qrs_ms=90.0, qt_ms=400.0, qtc_bazett_ms=480.0,
              qtc_fridericia_ms=440.0, qtc_framingham_ms=330.0, p_axis_deg=50.0, qrs_axis_deg=30.0, t_axis_deg=40.0)


def _by_key(rows) -> dict:
    return {r["key"]: r for r in rows}


def _measured(*notes, **values) -> Measurements:
    return Measurements(**{**VALUES, **values}, notes=tuple(notes))


# ---------------------------------------------------------------------- the table (Qt-free)
def test_an_irregular_rhythm_marks_every_qtc_and_keeps_its_flag():
    # marked and flagged both, as a cart prints a doubtful value past its limit: Bazett 480 ms >= 450 (men), Fridericia
    # 440 ms within, Framingham 330 ms <= 340
    plain = _by_key(measurement_rows(_measured(), sex="M", age=60))
    assert (plain["qtc_bazett_ms"]["flag"], plain["qtc_framingham_ms"]["flag"]) == ("high", "low")
    assert not any(r["doubt"] for r in plain.values())
    rows = _by_key(measurement_rows(_measured("PR: P wave boundaries not found", f"QTc unreliable: {IRREGULAR}"),
                                    sex="M", age=60))
    for key, flag in zip(QTC, ("high", "", "low")):
        r = rows[key]
        assert (r["doubt"], r["flag"], r["doubt_why"]) == ("unreliable", flag, IRREGULAR), r
        assert r["value"] == VALUES[key] and r["shown"]                 # still there for the reviewer
    assert not any(r["doubt"] for k, r in rows.items() if k not in QTC)
    assert doubt_text(list(rows.values())) == [f"Unreliable (?): QTc Bazett, QTc Fridericia, QTc Framingham: "
                                                f"{IRREGULAR}"]


def test_a_slow_rate_marks_every_qtc_a_fast_one_bazetts_alone():
    slow = _by_key(measurement_rows(_measured(f"QTc unreliable: {SLOW}", heart_rate_bpm=45.4), sex="M", age=60))
    assert all(slow[k]["doubt"] == "unreliable" and slow[k]["doubt_why"] == SLOW for k in QTC)
    fast = _by_key(measurement_rows(_measured(f"QTc Bazett unreliable: {FAST}", heart_rate_bpm=130.0), sex="M",
                                    age=60))
    assert (fast["qtc_bazett_ms"]["doubt"], fast["qtc_bazett_ms"]["doubt_why"]) == ("unreliable", FAST)
    assert fast["qtc_fridericia_ms"]["doubt"] == "" and fast["qtc_framingham_ms"]["flag"] == "low"
    # both: Bazett's row says both reasons
    both = _by_key(measurement_rows(_measured(f"QTc unreliable: {IRREGULAR}", f"QTc Bazett unreliable: {FAST}"),
                                    sex="M", age=60))
    assert both["qtc_bazett_ms"]["doubt_why"] == f"{IRREGULAR}; {FAST}"
    assert both["qtc_fridericia_ms"]["doubt_why"] == IRREGULAR


def test_a_childs_bazett_qtc_at_a_fast_rate_is_not_marked():
    # a child's QTc is Bazett's at any rate (Phan et al. 2015): the note is said as a child's, and marks nothing
    m = _measured(f"QTc Bazett unreliable: {FAST}", heart_rate_bpm=130.0)
    rows = _by_key(measurement_rows(m, sex="M", age=4))
    assert not any(rows[k]["doubt"] for k in QTC)
    assert unsaid_notes(m, 4, list(rows.values()))[0].startswith("QTc Bazett at any rate below 16 years")


def test_the_reviewers_values_and_mains_left():
    m = _measured(f"QTc unreliable: {IRREGULAR}", f"QTc Bazett unreliable: {FAST}", heart_rate_bpm=130.0)
    # a QTc from the reviewer's own QT is still corrected by the machine's RR: the irregular rhythm's and the rate's
    # doubts are the RR's and stand (a reviewer's find: a QT typed at 130 bpm in AF had read a firm long QTc); a QTc
    # the reviewer types is theirs
    own = _by_key(measurement_rows(m, {"qt_ms": 380.0}, sex="M", age=60))
    assert own["qtc_bazett_ms"]["status"] == "recomputed" and all(own[k]["doubt"] == UNRELIABLE for k in QTC)
    assert all(own[k]["flag"] == "" for k in QTC)
    typed = _by_key(measurement_rows(m, {"qtc_bazett_ms": 470.0}, sex="M", age=60))
    assert typed["qtc_bazett_ms"]["status"] == "edited" and typed["qtc_bazett_ms"]["doubt"] == ""
    # the reviewer's rate replaces the one the rate's note judged: the irregular rhythm alone stands
    rate = _by_key(measurement_rows(m, {"heart_rate_bpm": 90.0}, sex="M", age=60))
    assert all(rate[k]["doubt_why"] == IRREGULAR for k in QTC)
    assert unsaid_notes(m, 60, list(rate.values())) == [f"QTc Bazett unreliable: {FAST}"]
    # mains left: the QT itself is read through it; its reason stands, the QTc's note stays a note
    from mirage_model.quality.findings import Finding

    mains = Finding("mains_left", "mains interference (50 Hz) left after its subtraction: intervals and calls "
                    "unreliable", "critical", ("II",), "up to 0.050 mV of 50 Hz")
    laden = _by_key(measurement_rows(m, sex="M", age=60, quality=SimpleNamespace(findings=(mains,))))
    assert all(laden[k]["doubt_why"].startswith("mains interference (50 Hz)") for k in QTC)
    assert len(unsaid_notes(m, 60, list(laden.values()))) == 2


def test_a_note_the_doubt_says_is_not_said_again():
    m = _measured("PR: P wave boundaries not found", f"QTc unreliable: {IRREGULAR}")
    rows = measurement_rows(m, sex="M", age=60)
    assert unsaid_notes(m, 60, rows) == ["PR: P wave boundaries not found"]
    assert unsaid_notes(m, 60, None) == list(m.notes)


# ---------------------------------------------------------------------- LUDB 1: sinus bradycardia
@pytest.fixture(scope="module")
def ludb1():
    """The bundled LUDB 1 measured and assessed as the app does it."""
    from mirage_model.measure import measure
    from mirage_model.quality import assess
    from mirage_model.review.session import ReviewSession

    if not LUDB_1.is_file():
        pytest.skip("bundled LUDB samples not present")
    assert "#Rhythm: Sinus bradycardia." in LUDB_1.read_text()
    rec = mm.load_record(LUDB_1)
    s = ReviewSession.from_results(rec, measurements=measure(rec))
    s.set_quality(assess(rec))
    return s


def test_ludb1s_qtc_is_marked_by_its_slow_rate(ludb1):
    rows = _by_key(ludb1.measurement_table())
    hr = rows["heart_rate_bpm"]["value"]
    assert hr < 50 and rows["heart_rate_bpm"]["flag"] == "low" and rows["heart_rate_bpm"]["doubt"] == ""
    for key in QTC:
        assert rows[key]["doubt"] == "unreliable" and rows[key]["flag"] == "", rows[key]
        assert rows[key]["doubt_why"].startswith(f"heart rate {hr:g} bpm < 50"), rows[key]["doubt_why"]
    assert rows["qt_ms"]["doubt"] == ""


def test_the_app_marks_ludb1s_qtc(qtbot, ludb1):
    pytest.importorskip("pytestqt")
    from app.views.measurements import ROWS, MeasurementsPanel

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    panel.set_session(ludb1)
    keys = [k for k, *_ in ROWS]
    m = ludb1.measurements
    for key in ("qtc_bazett_ms", "qtc_fridericia_ms"):
        value, source = panel.table.item(keys.index(key), 1), panel.table.item(keys.index(key), 2)
        assert value.text() == f"{getattr(m, key):.0f} ?", value.text()
        assert value.toolTip().startswith(f"unreliable: heart rate {m.heart_rate_bpm:g} bpm < 50"), value.toolTip()
        assert source.text() == "unreliable"
    note = panel.note.text()
    assert note.startswith("Unreliable (?): QTc Bazett, QTc Fridericia, QTc Framingham: heart rate"), note
    assert note.count("bpm < 50") == 1, note                      # said once: not again among the notes
    panel.set_session(None)


def test_the_pdf_marks_ludb1s_qtc(tmp_path, ludb1):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report

    out = build_report(ludb1, tmp_path / "ludb1.pdf")
    pages = [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(out)).pages]
    m = ludb1.measurements
    b, f = f"{m.qtc_bazett_ms:.0f}", f"{m.qtc_fridericia_ms:.0f}"
    assert re.search(rf"QTc Bazett {b}\? ms", pages[0]) and re.search(rf"QTc Fridericia {f}\? ms", pages[0]), pages[0]
    # page 1 points to the page holding the table (``test_report_page_refs``)
    table_page = next(i + 1 for i, text in enumerate(pages) if "Adult reference ranges" in text)
    assert f"?: unreliable (page {table_page})" in pages[0], pages[0]
    text = " ".join(pages)
    assert re.search(rf"QTc \(Bazett[^)]*\)\)? {b} \? ms", text), text
    said = f"heart rate {m.heart_rate_bpm:g} bpm < 50"
    assert f"Unreliable (?): QTc Bazett, QTc Fridericia, QTc Framingham: {said}" in text, text
    assert text.count(said) == 1, text


def test_the_csv_notes_say_ludb1s_qtc_is_unreliable_once(tmp_path, ludb1):
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch import columns
    from mirage_model.review.batch.loading import LoadedRecord
    from mirage_model.review.batch.rows import Scorer

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    pred = dataclasses.replace(predictor.predict(ludb1.record, None, explain=False), quality=ludb1.quality)
    scorer = Scorer(predictor, LUDB_1.parent, {}, True, None, False, None, columns(predictor.labels))
    row = scorer.ok_row(LoadedRecord(path=str(LUDB_1), record=ludb1.record, measurements=ludb1.measurements), pred, {})
    m = ludb1.measurements
    assert row["qtc_bazett_ms"] == round(m.qtc_bazett_ms, 1)          # the value stays
    said = f"heart rate {m.heart_rate_bpm:g} bpm < 50"
    assert f"Unreliable (?): QTc Bazett, QTc Fridericia, QTc Framingham: {said}" in row["notes"], row["notes"]
    assert row["notes"].count(said) == 1, row["notes"]


# ---------------------------------------------------------------------- a doubtful value keeps its flag
# The Challenge sample A0003 (Dx 164889003, atrial fibrillation; a woman of 81) reads an irregular rhythm at 145 bpm:
# its QTc Bazett past the women's 460 ms, its Fridericia within it, both unreliable. A cart prints a doubtful value
# past its limit marked and flagged both; the "?" had taken the flag's place (arrow, bold), so a long QTc lost its
# flag where the cardiologist must look. Truth: the header's diagnosis and sex, the 460 ms limit (Rautaharju 2009).
A0003 = ROOT / "resources" / "samples" / "cinc2021" / "A0003.hea"
WOMEN_QTC = 460.0


@pytest.fixture(scope="module")
def a0003():
    from mirage_model.measure import measure
    from mirage_model.quality import assess
    from mirage_model.review.session import ReviewSession

    if not A0003.is_file():
        pytest.skip("bundled Challenge sample A0003 not present")
    head = A0003.read_text()
    assert "#Dx: 164889003" in head and "#Sex: Female" in head
    rec = mm.load_record(A0003)
    s = ReviewSession.from_results(rec, measurements=measure(rec))
    s.set_quality(assess(rec))
    m = s.measurements
    # the case: both formulas marked by the irregular rhythm, Bazett's past the limit, Fridericia's within it
    assert s.sex == "F" and m.qtc_bazett_ms > WOMEN_QTC + 20 and m.qtc_fridericia_ms < WOMEN_QTC - 5
    return s


def test_a0003s_long_qtc_is_marked_and_flagged(a0003):
    rows = _by_key(a0003.measurement_table())
    for key, flag in (("qtc_bazett_ms", "high"), ("qtc_fridericia_ms", "")):
        assert rows[key]["doubt"] == UNRELIABLE and rows[key]["doubt_why"].startswith("irregular rhythm"), rows[key]
        assert rows[key]["flag"] == flag, rows[key]      # doubtful and within its range: no flag


def test_the_app_keeps_a0003s_qtc_flag_beside_its_mark(qtbot, a0003):
    pytest.importorskip("pytestqt")
    from app.views.measurements import ROWS, MeasurementsPanel

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    panel.set_session(a0003)
    keys = [k for k, *_ in ROWS]
    m = a0003.measurements
    r = keys.index("qtc_bazett_ms")
    value, source = panel.table.item(r, 1), panel.table.item(r, 2)
    assert value.text() == f"{m.qtc_bazett_ms:.0f} ?" and value.font().bold(), value.text()
    assert panel.table.item(r, 0).font().bold()
    assert source.text() == "unreliable \u2191", source.text()
    tip = source.toolTip()
    assert "high: outside the adult reference range (> 340 and < 460 ms, women" in tip, tip
    assert "unreliable: irregular rhythm" in tip, tip
    assert "reference: > 340 and < 460 ms, women" in value.toolTip(), value.toolTip()
    r = keys.index("qtc_fridericia_ms")       # doubtful, within its range: marked, not flagged
    value, source = panel.table.item(r, 1), panel.table.item(r, 2)
    assert value.text() == f"{m.qtc_fridericia_ms:.0f} ?" and not value.font().bold()
    assert source.text() == "unreliable" and not source.toolTip().startswith("high")
    panel.set_session(None)


def test_the_pdf_keeps_a0003s_qtc_flag_beside_its_mark(tmp_path, a0003):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report
    from mirage_model.review.report.measurement_block import measurement_cells
    from mirage_model.review.report.text import FONT_BOLD

    m = a0003.measurements
    b, f = f"{m.qtc_bazett_ms:.0f}", f"{m.qtc_fridericia_ms:.0f}"
    # page 1's block: the value with its mark, bold, and the arrow
    columns, _ = measurement_cells(a0003)
    cells = {label: runs for col in columns for label, runs in col}
    runs = [(run.text, run.font) for run in cells["QTc Bazett"] if run.text.strip()]
    assert runs == [(f"{b}? ms", FONT_BOLD), ("\u2191", FONT_BOLD)], cells["QTc Bazett"]
    assert [run.text for run in cells["QTc Fridericia"]] == [f"{f}? ms"]
    out = build_report(a0003, tmp_path / "a0003.pdf")
    pages = [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(out)).pages]
    assert re.search(rf"QTc Bazett {b}\? ms \u2191", pages[0]), pages[0]
    text = " ".join(pages)
    # the measurement table: "517 ? ↑ high" beside its range, Fridericia's "446 ?" alone
    assert re.search(rf"QTc \(Bazett[^)]*\)\)? {b} \? \u2191 high ms", text), text
    assert re.search(rf"QTc \(Fridericia[^)]*\)\)? {f} \? ms", text), text


def test_the_resolved_list_says_outside_range_only_as_the_table_flags_it():
    """The interpretation's "normal ECG not stated: ... is high (outside its reference range in the measurement table)"
    is said of a doubtful QTc past its limit (Bazett 470 ms >= 450, a man; irregular rhythm): the table now flags it
    too, beside its mark; a doubtful QTc within its range is said outside nothing, and "normal ECG" stands."""
    from mirage_model.review.interpret import interpret

    values = {**VALUES, "qtc_bazett_ms": 470.0, "qtc_framingham_ms": 430.0}
    for bazett, said in ((470.0, "high"), (440.0, None)):
        m = _measured(f"QTc unreliable: {IRREGULAR}", **{**values, "qtc_bazett_ms": bazett})
        rows = _by_key(measurement_rows(m, sex="M", age=60))
        it = interpret(["NORM", "SR"], [0.9, 0.9], [0.5, 0.5], m.as_dict(), "M", age=60, irregular=True)
        outside = [r for r in it.resolved if "outside its reference range in the measurement table" in r]
        assert rows["qtc_bazett_ms"]["doubt"] == UNRELIABLE
        if said:
            assert len(outside) == 1 and f"470 ms is {said}" in outside[0], it.resolved
            assert rows["qtc_bazett_ms"]["flag"] == said           # the table says what the sentence says of it
        else:
            assert not outside and rows["qtc_bazett_ms"]["flag"] == "", it.resolved
            assert any(s.text == "Normal ECG" for s in it.statements), it.text()


def test_the_resolved_list_says_a_flagged_value_s_doubt_as_the_table_marks_it():
    """The resolved list said of a doubtful value "QTc Bazett 470 ms is high (outside its reference range in the
    measurement table)", as though sure, while the table marks it "?" beside its flag: it now says why it is doubted,
    in the table's words. An irregular rhythm puts every QTc in doubt; leads each scaled to one size, the axes (QRS
    axis -60 degrees, below the adult -30: flagged low)."""
    from mirage_model.review.interpret import interpret
    from mirage_model.review.measurements import AXES_SCALED

    m = {**VALUES, "qtc_bazett_ms": 470.0, "qtc_framingham_ms": 430.0}
    head = "normal ECG (90%) not stated: "

    def resolved(values, **kw):
        it = interpret(["NORM", "SR"], [0.9, 0.9], [0.5, 0.5], values, "M", age=60, **kw)
        return [r for r in it.resolved if r.startswith(head)]

    assert resolved(m, irregular=True) == [f"{head}QTc (Bazett: QT / sqrt(RR in s)) 470 ms is high (outside its "
                                           f"reference range in the measurement table; unreliable: irregular rhythm)"]
    axis = {**VALUES, "qtc_bazett_ms": 430.0, "qtc_framingham_ms": 400.0, "qrs_axis_deg": -60.0}
    said = resolved(axis, irregular=False, scaled=True)
    assert said == [f"{head}QRS axis (frontal) -60 deg is low (outside its reference range in the measurement "
                    f"table; unreliable: {AXES_SCALED})"], said
