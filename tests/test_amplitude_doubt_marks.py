"""The statements read off amplitudes are marked wherever the quality check puts the amplitudes in doubt: beats taller
than a heart gives in a lead ("amplitude_implausible"), in every lead ("amplitude_high"), or smaller than a heart
gives in every lead ("amplitude_low"), the one list the measurement table and the serial comparison read
(``limits.SCALE_FINDINGS``). Found: CinC 2020 E00018 (its header says 4880 adu/mV for samples in microvolts, so every
lead reads 4.88 times too small) read "Low QRS voltage (limb and precordial leads)" with no mark below its withheld
interpretation, while its QRS voltages in the table were marked with the "amplitude_low" finding's words.

Truth: records made from real ones shipped with the project (PTB-XL 00417, 04016, 10388, 11125; 100 Hz) by
multiplying their samples by 0.1 (a gain ten times the true one, as volts read as millivolts are a thousand times
too small) and by 30 (beats of 50-90 mV, more than any heart gives); the quality check names each so, and the
records as shipped have no such finding and no mark.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

MARK = "unreliable: amplitudes in doubt ("
LOW_WORDS = "beats smaller than any heart gives in every lead"
TALL_WORDS = "more than any heart gives (units or gain wrong?)"
PTBXL = ("00417", "04016", "10388", "11125")


@pytest.fixture(scope="module")
def scaled():
    """{ecg id: {factor: (quality report, measurements)}} for the shipped PTB-XL records at x1, x0.1 and x30."""
    from mirage_model.measure import measure
    from mirage_model.paths import sample_records
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    out = {}
    for ecg in PTBXL:
        clean = load_record(next(p for p in sample_records() if f"{ecg}_lr" in str(p)))
        out[ecg] = {}
        for k in (1.0, 0.1, 30.0):
            r = dataclasses.replace(clean, signal=(clean.signal * k).astype(np.float32))
            out[ecg][k] = (assess(r), measure(r))
    return out


def _voltage_statements(quality, measurements):
    from mirage_model.review.interpret.prediction import interpret_prediction

    it = interpret_prediction(None, measurements, "M", quality=quality, age=60)
    return [s for s in it.statements if s.rule_id in ("low_qrs_voltage", "voltage_lvh")]


def _finding(quality, code):
    return next(f for f in quality.findings if f.code == code)


def test_low_voltage_read_off_beats_a_tenth_of_their_size_is_marked_with_the_findings_words(scaled):
    from mirage_model.review.measurements import measurement_rows

    for ecg, by in scaled.items():
        quality, m = by[0.1]
        low = _finding(quality, "amplitude_low")          # the check names it (critical: the calls withheld)
        said = _voltage_statements(quality, m)
        assert [s.text for s in said] == ["Low QRS voltage (limb and precordial leads)"], ecg
        assert said[0].note == f"{MARK}{low.name})" and LOW_WORDS in said[0].note, ecg
        # the measurement table marks the voltages with the same words
        rows = {r["key"]: r for r in measurement_rows(m, sex="M", age=60, quality=quality)}
        assert rows["qrs_limb_mv"]["doubt"] == "unreliable" and low.name in rows["qrs_limb_mv"]["doubt_why"]
        # the record as shipped: no such finding, no voltage statement marked
        clean_q, clean_m = by[1.0]
        assert not {f.code for f in clean_q.findings} & {"amplitude_low", "amplitude_high", "amplitude_implausible"}
        assert all(s.note is None for s in _voltage_statements(clean_q, clean_m)), ecg


def test_lvh_by_voltage_read_off_beats_taller_than_a_heart_gives_is_marked(scaled):
    for ecg, by in scaled.items():
        quality, m = by[30.0]
        tall = _finding(quality, "amplitude_implausible")
        said = [s for s in _voltage_statements(quality, m) if s.rule_id == "voltage_lvh"]
        assert len(said) == 1 and said[0].note == f"{MARK}{tall.name})" and TALL_WORDS in said[0].note, ecg


@pytest.mark.parametrize("code", ["amplitude_implausible", "amplitude_high", "amplitude_low"])
def test_each_finding_of_the_one_list_marks_the_calls_read_off_amplitudes(code):
    """The superclass model's HYP and a statements model's LVOLT on a report with the finding (a gate that lets
    the calls through), marked with its words; the scaled leads' finding comes first, as it keeps the voltage
    rules unread."""
    from mirage_model.limits import SCALE_FINDINGS
    from mirage_model.review.interpret import doubted_calls, gain_evidence
    from mirage_model.review.serial import AMPLITUDE_DOUBT

    assert code in SCALE_FINDINGS and code in AMPLITUDE_DOUBT
    words = f"{code} words: units or gain wrong?"
    quality = SimpleNamespace(findings=(SimpleNamespace(code="noise", name="noise", leads=()),
                                        SimpleNamespace(code=code, name=words, detail="")))
    assert gain_evidence(quality) == words
    pred = SimpleNamespace(positive=("NORM", "HYP", "LVOLT"), quality=quality, noise_doubted=())
    assert doubted_calls(pred) == {"HYP": f"{MARK}{words})", "LVOLT": f"{MARK}{words})"}
    both = SimpleNamespace(findings=quality.findings + (SimpleNamespace(code="amplitude_scaled", name="scaled"),))
    assert gain_evidence(both) == "scaled"
