"""No QTc is stated from a mean RR that holds a pause said (``review.interpret.pause.qtc_doubt``), and the measurement
table marks the QTc rows unreliable with the pause, where the app, the PDF and ``mirage score``'s CSV show them. The
QTc corrects the median beat's QT by the mean RR: PTB-XL 00366 (fold 1) with a 3.6 s pause spliced in had read
"Pause of 3.6 s (at 2.6 s); Short QTc (326 ms, Bazett)", short only because the mean RR is long. The measured QTc
stays as it is (the statements model reads it).

Truth: LUDB 1 with a pause put in after the beat LUDB marks at 2.684 s, its length and start from LUDB's marks; QTc
values and limits set by hand (Bazett 480 ms is prolonged in a man, >= 450 ms, Rautaharju et al. 2009).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mirage_model.measure import measure
from mirage_model.review.interpret import STATEMENTS, Interpretation, interpret
from mirage_model.review.interpret.pause import Pause
from mirage_model.review.measurements import UNRELIABLE, doubt_text, measurement_rows
from test_interpret_pause import _ludb_1_paused

CODES = list(STATEMENTS)
QTC = ("qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms")
PAUSE = Pause(3.6, 2.6, 81.0, False, 0.03, None)           # said: no gap over it
WHY = "the mean RR holds a pause of 3.6 s (at 2.6 s)"
# QTc Bazett 480 ms: prolonged in a man; Framingham 330 ms: short (<= 340 ms)
VALUES = dict(heart_rate_bpm=55.0, rr_ms=1091.0, pr_ms=160.0, qrs_ms=90.0, qt_ms=500.0, qtc_bazett_ms=480.0,
              qtc_fridericia_ms=470.0, qtc_framingham_ms=330.0, p_axis_deg=50.0, qrs_axis_deg=30.0, t_axis_deg=40.0)


def run(pos: dict, meas: dict, **kw):
    probs = [pos.get(c, 0.01) for c in CODES]
    return interpret(CODES, probs, [0.3] * len(CODES), meas, "M", age=None, **kw)


def _qtc_said(it) -> list[str]:
    return [s.text for s in it.statements if s.rule_id in ("prolonged_qtc", "short_qtc")]


def test_no_qtc_rule_beside_a_pause_said():
    without = run({"SR": 0.9}, VALUES)
    assert _qtc_said(without) == ["Prolonged QTc (480 ms, Bazett)"] and without.qtc_doubt == ""
    it = run({"SR": 0.9}, VALUES, pause=PAUSE)
    assert _qtc_said(it) == [] and it.qtc_doubt == WHY
    assert f"prolonged QTc (480 ms, Bazett) not stated: {WHY}, and the QTc corrects the QT by it" in it.resolved
    short = run({"SR": 0.9}, {**VALUES, "qtc_bazett_ms": 330.0}, pause=PAUSE)
    assert _qtc_said(short) == []
    assert f"short QTc (330 ms, Bazett) not stated: {WHY}, and the QTc corrects the QT by it" in short.resolved
    # a long RR over a gap the quality check names is no pause said: the QTc rule as before
    gap = run({"SR": 0.9}, VALUES, pause=dataclasses.replace(PAUSE, gap="no signal in any lead"))
    assert _qtc_said(gap) == ["Prolonged QTc (480 ms, Bazett)"] and gap.qtc_doubt == ""


def test_the_models_long_qt_is_not_judged_against_a_qtc_of_a_pause():
    """The model's long QT stands, without "not supported by the measured QTc 430 ms": that QTc is of the pause."""
    without = run({"SR": 0.9, "LNGQT": 0.8}, {**VALUES, "qtc_bazett_ms": 430.0})
    assert next(s for s in without.statements if s.code == "LNGQT").note.startswith("not supported by the measured")
    it = run({"SR": 0.9, "LNGQT": 0.8}, {**VALUES, "qtc_bazett_ms": 430.0}, pause=PAUSE)
    assert next(s for s in it.statements if s.code == "LNGQT").note is None


def test_the_table_marks_every_qtc_with_the_pause():
    from mirage_model.measure import Measurements

    m = Measurements(**VALUES)
    rows = {r["key"]: r for r in measurement_rows(m, sex="M", interpretation=Interpretation((), qtc_doubt=WHY))}
    for key in QTC:
        assert rows[key]["doubt"] == UNRELIABLE and rows[key]["doubt_why"] == WHY and rows[key]["value"] == VALUES[key]
    assert rows["qtc_bazett_ms"]["flag"] == "high"                           # the flag kept beside the mark
    assert [r["key"] for r in rows.values() if r["doubt"]] == list(QTC)
    assert not any(r["doubt"] for r in measurement_rows(m, sex="M", interpretation=Interpretation(())))
    # the reviewer's QT corrected by the measured mean RR, which holds the pause: still marked; their QTc is theirs
    edited = {r["key"]: r for r in measurement_rows(m, {"qt_ms": 450.0, "qtc_fridericia_ms": 440.0}, "M",
                                                    interpretation=Interpretation((), qtc_doubt=WHY))}
    assert edited["qtc_bazett_ms"]["status"] == "recomputed" and edited["qtc_bazett_ms"]["doubt_why"] == WHY
    assert edited["qtc_fridericia_ms"]["status"] == "edited" and edited["qtc_fridericia_ms"]["doubt"] == ""


@pytest.fixture(scope="module")
def paused():
    """LUDB 1 with a 3.8 s pause put in after its beat at 2.684 s, measured and assessed as the app opens it, and the
    words of its pause from LUDB's marks."""
    from mirage_model.quality import assess
    from mirage_model.review.session import ReviewSession

    rec, x, start, end, _ = _ludb_1_paused(pause_s=3.8)
    rec = dataclasses.replace(rec, signal=x.astype(np.float32))
    s = ReviewSession.from_results(rec, measurements=measure(rec))
    s.set_quality(assess(rec))
    return s, f"the mean RR holds a pause of {end - start:.1f} s (at {start:.1f} s)"


def test_ludb1_with_a_pause_states_no_qtc_and_the_table_marks_it(paused):
    """Its mean RR holds the pause: Bazett's QTc reads short (at most 340 ms), and "Short QTc" had been said. The
    app's and the PDF's interpretation and table (the session's) and ``mirage score``'s (the measurements') agree."""
    from mirage_model.review.interpret import interpret_prediction, session_interpretation

    session, why = paused
    assert why == "the mean RR holds a pause of 3.8 s (at 2.7 s)"
    m = session.measurements
    assert m.qtc_bazett_ms <= 340.0                       # the value stays as measured
    for it, rows in ((session_interpretation(session), None),
                     (interpret_prediction(None, m, None, quality=session.quality_report), m)):
        texts = [s.text for s in it.statements]
        assert "Pause of 3.8 s (at 2.7 s)" in texts and not any("QTc" in t for t in texts), texts
        assert any(line.startswith("short QTc (") and f"not stated: {why}" in line for line in it.resolved)
        table = (session.measurement_table(it) if rows is None
                 else measurement_rows(rows, quality=session.quality_report, interpretation=it))
        marked = {r["key"]: r for r in table if r["doubt"]}
        for key in QTC:
            assert marked[key]["doubt"] == UNRELIABLE and marked[key]["doubt_why"].startswith(why), marked[key]
        assert not any("pause" in r["doubt_why"] for k, r in marked.items() if k not in QTC)
        assert any(line.startswith(f"Unreliable (?): QTc Bazett, QTc Fridericia, QTc Framingham: {why}")
                   for line in doubt_text(table))


def test_the_app_marks_the_qtc_of_ludb1_with_a_pause(qtbot, paused):
    pytest.importorskip("pytestqt")
    from app.views.measurements import ROWS, MeasurementsPanel

    session, why = paused
    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    panel.set_session(session)
    keys = [k for k, *_ in ROWS]
    value = panel.table.item(keys.index("qtc_bazett_ms"), 1)
    assert value.text() == f"{session.measurements.qtc_bazett_ms:.0f} ?", value.text()
    assert value.toolTip().startswith(f"unreliable: {why}"), value.toolTip()
    panel.set_session(None)


def test_ludb1_as_recorded_has_no_pause_doubt():
    import mirage_model as mm
    from mirage_model.paths import resources_dir
    from mirage_model.quality import assess
    from mirage_model.review.interpret import interpret_prediction

    rec = mm.load_record(resources_dir() / "samples" / "ludb" / "1")
    m, q = measure(rec), assess(rec)
    it = interpret_prediction(None, m, None, quality=q)
    assert it.qtc_doubt == "" and not any("pause" in r["doubt_why"]
                                          for r in measurement_rows(m, quality=q, interpretation=it))


def test_the_csv_marks_the_qtc_of_ludb1_with_a_pause(tmp_path, paused):
    import mirage_model as mm
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch import columns
    from mirage_model.review.batch.loading import LoadedRecord
    from mirage_model.review.batch.rows import Scorer

    session, why = paused
    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    pred = dataclasses.replace(predictor.predict(session.record, None, explain=False), quality=session.quality)
    scorer = Scorer(predictor, tmp_path, {}, True, None, False, None, columns(predictor.labels))
    row = scorer.ok_row(LoadedRecord(path=str(tmp_path / "1.hea"), record=session.record,
                                     measurements=session.measurements), pred, {})
    assert row["qtc_bazett_ms"] == round(session.measurements.qtc_bazett_ms, 1)          # the value stays
    assert f"Unreliable (?): QTc Bazett, QTc Fridericia, QTc Framingham: {why}" in row["notes"], row["notes"]
    assert "Pause of 3.8 s" in row["interpretation"] and "QTc" not in row["interpretation"], row["interpretation"]
