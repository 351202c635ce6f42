"""A paced rhythm the spike detector missed, from the statements model's own call (review.paced).

Truth: LUDB's diagnoses (ludb.csv, "Cardiac pacing"): record 90 has bipolar ventricular pacing whose
spikes the quality check does not find; its interpretation had gone on to infarct statements and the
superclass model's MI stood as a finding. Record 44 has no pacemaker and the highest PACE probability
of LUDB's records without one (0.44, below the threshold): nothing of it changes.
"""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest

from mirage_model.inference import Prediction
from mirage_model.quality import Finding, QualityReport
from mirage_model.review import ReviewSession
from mirage_model.review.interpret import interpret_prediction, session_interpretation
from mirage_model.review.paced import FINDING, paced_by_model, withhold_paced

STMT_LABELS = ("SR", "PACE", "IMI", "NORM")
SUPER_LABELS = ("NORM", "MI", "STTC", "CD", "HYP")


def _quality(*findings: Finding, fs: float = 500.0) -> QualityReport:
    return QualityReport("usable", "", tuple(findings), fs=fs)


def _pred(labels, probs, thresholds, quality, name="m"):
    probs = np.asarray(probs, np.float32)
    thresholds = np.asarray(thresholds, np.float32)
    called = tuple(lab for lab, p, t in zip(labels, probs, thresholds) if p >= t and p >= 0.2)
    return Prediction(labels=tuple(labels), probabilities=probs, thresholds=thresholds, positive=called,
                      model_name=name, quality=quality, model_positive=called)


def _pair(pace_p: float, quality=None):
    quality = quality if quality is not None else _quality()
    stmts = _pred(STMT_LABELS, [0.9, pace_p, 0.6, 0.1], [0.68, 0.51, 0.34, 0.44], quality, "statements")
    sup = _pred(SUPER_LABELS, [0.1, 0.8, 0.3, 0.7, 0.2], [0.4] * 5, quality, "default")
    return sup, stmts


def test_a_paced_call_without_spikes_withholds_both_models_calls_with_its_reason():
    sup, stmts = _pair(0.93)
    sup2, stmts2 = withhold_paced(sup, stmts)
    reason = "paced rhythm (statements model, P=0.93; pacemaker spikes not detected)"
    for before, after in ((sup, sup2), (stmts, stmts2)):
        assert after.positive == () and after.model_positive == before.model_positive
        assert after.withheld == reason
        assert after.quality.has(FINDING) and after.quality.verdict == "unreliable"
        np.testing.assert_array_equal(after.probabilities, before.probabilities)   # kept for reference
    assert "MI" in sup2.model_positive
    it = interpret_prediction(stmts2, {"heart_rate_bpm": 60.0})
    assert it.withheld == reason and it.text().startswith(f"WITHHELD ({reason}): ")
    assert withhold_paced(sup2, stmts2) == (sup2, stmts2)          # applied again: nothing more
    # a model that carries PACE itself (no statements model beside it)
    assert withhold_paced(stmts, None)[0].withheld == reason


@pytest.mark.parametrize("pace_p, threshold", [(0.45, 0.51), (0.19, 0.10)])
def test_a_paced_probability_that_is_no_call_changes_nothing(pace_p, threshold):
    """Below its threshold, or below the 20 % every call needs (outputs.is_called)."""
    sup, stmts = _pair(pace_p)
    stmts = dataclasses.replace(stmts, thresholds=np.asarray([0.68, threshold, 0.34, 0.44], np.float32))
    assert paced_by_model(stmts) is None
    assert withhold_paced(sup, stmts) == (sup, stmts)
    assert interpret_prediction(stmts, {"heart_rate_bpm": 60.0}).withheld is None


def test_spikes_found_already_gate_the_record_and_no_second_reason_is_added():
    spikes = Finding("paced_rhythm", "paced rhythm (pacemaker spikes)", "critical", ("II",),
                     "9 stimuli before 10 beats")
    gated = QualityReport("unreliable", spikes.name, (spikes,), fs=500.0)
    sup, stmts = _pair(0.93, gated)
    assert paced_by_model(stmts) is None and withhold_paced(sup, stmts) == (sup, stmts)


@pytest.mark.parametrize("finding, fs, words", [
    (Finding("pacing_unchecked", "pacing spikes not checked at 100 Hz", "info"), 100.0,
     "pacemaker spikes not checked at 100 Hz"),
    (Finding("pacing_spikes", "pacing-like spikes before a few beats", "warning"), 500.0,
     "pacing-like spikes before a few beats only"),
])
def test_the_reason_says_what_the_spike_check_saw(finding, fs, words):
    sup, stmts = _pair(0.80, _quality(finding, fs=fs))
    assert withhold_paced(sup, stmts)[0].withheld == f"paced rhythm (statements model, P=0.80; {words})"


def test_a_100_hz_record_says_once_that_its_spikes_were_not_checked():
    """A paced 100 Hz record's warnings column said it twice: "paced rhythm (statements model, P=0.93; pacemaker
    spikes not checked at 100 Hz); pacing spikes not checked at 100 Hz"."""
    unchecked = Finding("pacing_unchecked", "pacing spikes not checked at 100 Hz", "info")
    wander = Finding("baseline_wander", "baseline wander", "warning", ("V1",))
    sup, stmts = _pair(0.93, _quality(wander, unchecked, fs=100.0))
    for out in withhold_paced(sup, stmts):
        warnings = out.quality.as_columns()["warnings"]
        assert warnings.count("not checked at 100 Hz") == 1, warnings
        assert out.withheld == "paced rhythm (statements model, P=0.93; pacemaker spikes not checked at 100 Hz)"
        assert out.quality.has("baseline_wander") and out.quality.verdict == "unreliable"
    assert withhold_paced(*withhold_paced(sup, stmts)) == withhold_paced(sup, stmts)   # again: nothing more
    # no paced call: the info finding stays, the only words on the spikes
    sup, stmts = _pair(0.10, _quality(unchecked, fs=100.0))
    assert withhold_paced(sup, stmts)[0].quality.as_columns()["warnings"] == "pacing spikes not checked at 100 Hz"


def test_another_gate_reason_stays_and_the_paced_one_joins_it():
    flat = Finding("lead_missing", "leads missing or flat", "critical", ("V1",))
    q = QualityReport("unreliable", flat.name, (flat,), fs=500.0)
    sup, stmts = _pair(0.93, q)
    sup = dataclasses.replace(sup, positive=(), withheld=flat.name)
    out, _ = withhold_paced(sup, stmts)
    assert out.withheld.startswith("leads missing or flat; paced rhythm (statements model, P=0.93")


def test_the_review_session_stores_the_predictions_withheld():
    """The app and the PDF read the session: its predictions and interpretation say withheld."""
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record
    from mirage_model.review.report.model_line import model_line

    record = load_record(next(p for p in sample_records() if p.stem == "1"))
    sup, stmts = _pair(0.93)
    sup, stmts = (dataclasses.replace(p, record_id=record.record_id) for p in (sup, stmts))
    s = ReviewSession.from_results(record, prediction=sup, statements=stmts)
    assert s.prediction.positive == () and "statements model, P=0.93" in s.prediction.withheld
    assert "statements model, P=0.93" in session_interpretation(s).withheld
    assert model_line(s.prediction).startswith("Model default: RESULT WITHHELD - paced rhythm (statements model")


# -- LUDB through the shipped models ---------------------------------------------------------------------

def _ludb_pacing(ludb) -> dict[str, str]:
    with open(ludb / "ludb.csv", newline="", encoding="utf-8") as fh:
        return {row["ID"]: " ".join(row["Cardiac pacing"].split()) for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def shipped(shared_datasets):
    from mirage_model.inference import Predictor
    from mirage_model.paths import shipped_models

    models = shipped_models()
    if "default" not in models or "statements" not in models:
        pytest.skip("the default and statements models do not ship")
    ludb = shared_datasets / "ludb"
    if not (ludb / "data" / "90.hea").is_file():
        pytest.skip("LUDB absent")
    return (ludb, Predictor(models["default"], device="cpu"),
            Predictor(models["statements"], device="cpu"))


def test_ludb_90_paced_without_detected_spikes_is_withheld_in_the_session_and_the_csv(shipped, tmp_path):
    from mirage_model.measure import measure
    from mirage_model.records import load_record
    from mirage_model.review.batch.pipeline import iter_rows
    from mirage_model.review.scoring import score_session

    ludb, default, statements = shipped
    pacing = _ludb_pacing(ludb)
    assert "ventricular pacing" in pacing["90"].lower() and pacing["44"] == ""    # LUDB's own diagnoses
    # the app's and the PDF's way: a review session
    record = load_record(ludb / "data" / "90.hea")
    session = ReviewSession(record)
    session.accept_measurements(session.id, measure(record))
    assert score_session(session, default, explain=False, contributions=False, statements_predictor=statements)
    pred, stmts = session.prediction, session.statements_prediction
    assert not pred.quality.has("paced_rhythm")                 # the spikes are too small for the check
    assert "PACE" in stmts.model_positive and "MI" in pred.model_positive
    assert pred.positive == () and stmts.positive == ()
    assert pred.withheld.startswith("paced rhythm (statements model, P=")
    assert pred.withheld.endswith("; pacemaker spikes not detected)")
    it = session_interpretation(session)
    assert it.withheld == pred.withheld
    # `mirage score`'s rows: 90 withheld with that reason, 44 (no pacemaker) as it was
    rows = {r["record_id"]: r for r in iter_rows([ludb / "data" / "90.hea", ludb / "data" / "44.hea"], default,
                                                 statements_predictor=statements, all_statements=True)}
    assert rows["90"]["positive"] == "" and "MI" in rows["90"]["withheld_positive"].split(";")
    assert rows["90"]["interpretation"].startswith("WITHHELD (paced rhythm (statements model, P=")
    assert "paced_rhythm_model" in rows["90"]["quality_codes"]
    assert rows["44"]["stmt_PACE"] < 0.5 and not rows["44"]["withheld_positive"]
    assert "paced_rhythm_model" not in (rows["44"]["quality_codes"] or "")


@pytest.mark.slow
def test_ludb_gives_no_axis_on_its_paced_records_and_nor_does_the_interpretation(shared_datasets):
    """Truth: LUDB's cardiologists (ludb.csv) give an electric axis on every record but the 8 paced ones, whose
    QRS is the pacemaker's. The rules alone (no model) on the paced records whose spikes the quality check finds and
    whose QRS is 120 ms or more: no axis deviation and no "Wide QRS" stated (LUDB 8 had read "Wide QRS (158 ms); Left
    axis deviation (-75 deg)"), each named in the resolved list; a record with an axis given keeps its rule."""
    from mirage_model.measure import measure
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    ludb = shared_datasets / "ludb"
    if not (ludb / "ludb.csv").is_file():
        pytest.skip("LUDB absent")
    with open(ludb / "ludb.csv", newline="", encoding="utf-8") as fh:
        axis = {row["ID"]: row["Electric axis of the heart"].strip() for row in csv.DictReader(fh)}
    pacing = _ludb_pacing(ludb)
    paced = sorted((i for i, v in pacing.items() if v), key=int)
    assert paced == ["8", "34", "45", "72", "74", "90", "93", "95"]
    assert not any(axis[i] for i in paced) and all(axis[i] for i in axis if i not in paced)
    read = []
    for rid in paced:
        record = load_record(ludb / "data" / f"{rid}.hea")
        m = measure(record, fiducials=False)
        it = interpret_prediction(None, m, quality=assess(record))
        if not it.first.text.startswith("Paced rhythm") or m.qrs_ms is None or m.qrs_ms < 120:
            continue
        read.append(rid)
        said = [s.text for s in it.statements if s.group == "axis" or s.text.startswith("Wide QRS")]
        assert said == [], (rid, said)
        assert any("ventricular-paced QRS" in r for r in it.resolved), (rid, it.resolved)
    assert read == ["8", "34", "45", "74", "93", "95"]      # 72: QRS under 120 ms; 90: its spikes are not found
    # LUDB 10, left axis deviation by its cardiologists, no pacing: the axis rule stands
    assert axis["10"].endswith("left axis deviation")
    record = load_record(ludb / "data" / "10.hea")
    it = interpret_prediction(None, measure(record, fiducials=False), quality=assess(record))
    assert [s.text.split(" (")[0] for s in it.statements if s.group == "axis"] == ["Left axis deviation"]
