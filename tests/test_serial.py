"""Serial comparison (review.serial): this ECG against the same patient's prior one."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.inference import Prediction
from mirage_model.records.record import EcgRecord
from mirage_model.review.serial import (
    NEITHER_IDENTIFIES, THRESHOLDS, compare, measurement_change, same_patient,
)
from mirage_model.review.session import ReviewSession


def _record(rid="r", **meta):
    return EcgRecord(np.zeros((12, 5000), np.float32), 500.0, rid, meta=dict(meta))


def _pred(probs: dict, thresholds: dict | None = None):
    labels = tuple(probs)
    thr = [0.5 if thresholds is None else thresholds.get(k, 0.5) for k in labels]
    return Prediction(labels=labels, probabilities=np.asarray([probs[k] for k in labels], np.float32),
                      thresholds=np.asarray(thr, np.float32), positive=(), model_name="m")


def _session(record, edits, prediction=None):
    return ReviewSession.from_results(record, measurement_edits=edits, prediction=prediction,
                                      model_name="m" if prediction is not None else None)


def test_axis_change_is_the_shortest_signed_angle():
    # +170 deg to -170 deg is 20 deg clockwise, not -340; -170 to +170 is -20
    assert measurement_change("qrs_axis_deg", 170.0, -170.0).change == pytest.approx(20.0)
    assert measurement_change("qrs_axis_deg", -170.0, 170.0).change == pytest.approx(-20.0)
    assert not measurement_change("qrs_axis_deg", 170.0, -170.0).significant
    c = measurement_change("qrs_axis_deg", 60.0, -45.0)
    assert c.change == pytest.approx(-105.0) and c.significant and c.words == "QRS axis shifted 60 -> -45 deg"


def test_measurement_change_at_and_below_its_threshold():
    t = THRESHOLDS["qrs_ms"]
    assert measurement_change("qrs_ms", 100.0, 100.0 + t).significant            # at the threshold: said
    below = measurement_change("qrs_ms", 100.0, 100.0 + t - 1)
    assert not below.significant and below.words == ""
    wide = measurement_change("qrs_ms", 98.0, 132.0)
    assert wide.change == pytest.approx(34.0) and wide.words == "QRS widened 98 -> 132 ms"
    missing = measurement_change("qrs_ms", None, 132.0)
    assert missing.change is None and not missing.significant


def test_same_patient_from_ids_then_name_and_birth_date():
    a = _record(patient={"id": "081486213", "name": "DOE^JOHN"})
    assert same_patient(a, _record(patient={"id": " 081486213 "})) == (True, "")
    same, words = same_patient(a, _record(patient={"id": "999"}))
    assert same is False and "different patients" in words
    # no IDs: name and birth date decide
    n1 = _record(patient={"name": "Jane Roe", "birth_date": "1950-01-02"})
    assert same_patient(n1, _record(patient={"name": "JANE  ROE", "birth_date": "1950-01-02"}))[0] is True
    assert same_patient(n1, _record(patient={"name": "Jane Roe", "birth_date": "1951-01-02"}))[0] is False
    # a name alone identifies no one; an anonymised file neither
    assert same_patient(_record(patient={"name": "Jane Roe"}), _record()) == (None, NEITHER_IDENTIFIES)
    same, words = same_patient(a, _record(anonymised=True, patient={"id": "081486213"}))
    assert same is None and "anonymised" in words
    # PTB-XL's patient_id ties its records together
    assert same_patient(_record(ptbxl={"patient_id": 15709.0}), _record(ptbxl={"patient_id": 15709.0}))[0] is True


def test_compare_says_the_changes_beyond_their_thresholds_with_the_reviewed_values():
    prior = _session(_record("p", patient={"id": "7"}, acquired="2024-03-01 09:12:00"),
                     {"heart_rate_bpm": 60, "qrs_ms": 98, "qt_ms": 400, "pr_ms": 160})
    current = _session(_record("c", patient={"id": "7"}, acquired="2025-01-10 10:00:00"),
                       {"heart_rate_bpm": 64, "qrs_ms": 132, "qt_ms": 410, "pr_ms": 240})
    x = compare(prior, current)
    assert x.same_patient is True and x.patient_words == "" and x.date_words == ""
    assert x.prior_label == "the ECG of 2024-03-01 09:12:00"
    said = {m.key: m for m in x.significant}
    assert set(said) == {"qrs_ms", "pr_ms"}                   # rate +4 bpm and QT +10 ms are within repeat noise
    assert said["pr_ms"].words == "PR lengthened 160 -> 240 ms"
    assert x.summary.startswith("Compared with the ECG of 2024-03-01 09:12:00: ")
    assert "QRS widened 98 -> 132 ms" in x.summary and x.summary.endswith("No other significant change.")
    # the rules' statements the new values call are new ("Wide QRS", first degree AV block)
    assert "Wide QRS" in x.new_statements and "First degree AV block" in x.new_statements
    # a reviewer's edit of the current's QRS is the value compared
    current.set_measurement_edit("qrs_ms", 100.0)
    assert not compare(prior, current).measurements[2].significant


def test_no_change_and_prior_dated_after_the_current():
    edits = {"heart_rate_bpm": 70, "qrs_ms": 90, "qt_ms": 390}
    prior = _session(_record("p", acquired="2025-06-01 08:00:00"), edits)
    current = _session(_record("c", acquired="2024-06-01 08:00:00"), edits)
    x = compare(prior, current)
    assert x.summary == "Compared with the ECG of 2025-06-01 08:00:00: no significant change."
    assert "dated after this one" in x.date_words and x.date_words in x.warnings
    assert x.same_patient is None and x.patient_words == NEITHER_IDENTIFIES


def test_statements_new_gone_and_possibly():
    edits = {"heart_rate_bpm": 70, "qrs_ms": 90, "qt_ms": 390, "pr_ms": 160}
    prior = _session(_record("p"), edits, _pred({"SR": 0.95, "AFIB": 0.02, "LAFB": 0.9, "IRBBB": 0.05, "LVH": 0.45}))
    current = _session(_record("c"), {k: v for k, v in edits.items() if k != "pr_ms"},
                       _pred({"SR": 0.03, "AFIB": 0.97, "LAFB": 0.1, "IRBBB": 0.92, "LVH": 0.55}))
    x = compare(prior, current)
    assert x.rhythm_words == "Rhythm changed: sinus rhythm -> atrial fibrillation"
    assert "Incomplete right bundle branch block" in x.new_statements
    assert "Left anterior fascicular block" in x.gone_statements
    # LVH: 45 % against its 50 % threshold before, 55 % (low confidence) now: possibly new, not plainly
    assert [w for w in x.possibly_new if "hypertrophy" in w] and not [w for w in x.new_statements if "hypertrophy" in w]
    assert "new atrial fibrillation (was sinus rhythm)" in x.summary


def test_set_prior_keeps_a_snapshot_and_emits():
    prior = _session(_record("p"), {"qrs_ms": 90})
    current = _session(_record("c"), {"qrs_ms": 91})
    seen = []
    current.events.connect(lambda name, info: seen.append(name))
    current.set_prior(prior)
    assert seen == ["prior"] and current.prior is not None and current.prior is not prior
    prior.set_measurement_edit("qrs_ms", 150.0)           # a later edit of the prior's session does not reach it
    assert not compare(current.prior, current).measurements[2].significant
    with pytest.raises(ValueError):
        current.set_prior(current)
    current.clear_prior()
    assert current.prior is None and seen == ["prior", "prior"]


def test_threshold_script_pairs_same_day_identical_codes_and_never_fold_10():
    import pandas as pd

    from helpers_scripts import load_script

    script = load_script("serial_thresholds")
    table = pd.DataFrame({
        "patient_id": [1, 1, 1, 2, 2, 3, 3, 4, 4],
        "recording_date": ["2000-01-01 08:00:00", "2000-01-01 09:00:00", "2000-01-02 08:00:00",   # a day apart
                           "2001-05-05 10:00:00", "2001-05-05 10:30:00",                          # codes differ
                           "2002-01-01 07:00:00", "2002-01-01 07:05:00",                          # fold 10
                           "2003-03-03 03:00:00", "2003-03-03 04:00:00"],
        "scp_codes": ["{'NORM': 100.0, 'SR': 0.0}", "{'SR': 0.0, 'NORM': 100.0}", "{'NORM': 100.0, 'SR': 0.0}",
                      "{'NORM': 100.0}", "{'NORM': 80.0}", "{'AFIB': 100.0}", "{'AFIB': 100.0}",
                      "{'LVH': 50.0}", "{'LVH': 50.0}"],
        "strat_fold": [1, 1, 1, 2, 2, 10, 10, 9, 9],
        "filename_lr": [f"r{i}" for i in range(9)]})
    assert sorted(script.stable_pairs(table)) == [("r0", "r1"), ("r7", "r8")]
    assert script.difference("qrs_axis_deg", 175.0, -175.0) == pytest.approx(10.0)
    assert script.difference("qrs_ms", 90.0, None) is None
    # the 95th percentile of 0..100 is 95: at a step already; of 0..20 it is 19, rounded up to 20
    assert script.threshold(range(101)) == 95.0 and script.threshold(range(21)) == 20.0
