"""Amplitudes not in mV ("amplitude_scaled"): LUDB stores every lead scaled to exactly 1.00 mV peak-to-peak over the
record (the truth: the files' own samples, read by wfdb). The quality check says so (a warning: the calls stand), the
QRS voltage rules are not read off such a record, its voltage rows carry no flag, and the model's amplitude
statements are marked as with a gain in doubt. A real record (PTB-XL) and the same record rescaled lead by lead
against each other."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mirage_model.paths import resources_dir, sample_records
from mirage_model.records import load_record

LUDB = resources_dir() / "samples" / "ludb"
NOTE = "unreliable: amplitudes in doubt"


def _scaled(report):
    return [f for f in report.findings if f.code == "amplitude_scaled"]


@pytest.fixture(scope="module")
def ludb1():
    """LUDB 1 (annotated left ventricular hypertrophy): the record, its measurements and its quality report."""
    from mirage_model.measure import measure
    from mirage_model.quality import assess

    record = load_record(LUDB / "1.hea")
    return record, measure(record), assess(record)


@pytest.fixture(scope="module")
def ptbxl():
    return load_record(next(p for p in sample_records() if "00417" in str(p)))


def test_the_bundled_ludb_records_are_found_scaled_and_the_calls_stand():
    import wfdb

    from mirage_model.quality import assess

    for rid in ("1", "14"):
        raw = wfdb.rdrecord(str(LUDB / rid)).p_signal                       # (T, 12) mV as the file says
        assert np.allclose(raw.max(axis=0) - raw.min(axis=0), 1.0, atol=1e-6)    # the truth: each lead 1.00 mV
        report = assess(load_record(LUDB / f"{rid}.hea"))
        found = _scaled(report)
        assert [(f.severity, f.name) for f in found] == [
            ("warning", "every lead scaled to the same size (1.00 mV peak-to-peak): amplitudes not in mV")], rid
        assert not report.gated, rid


def test_a_real_record_is_not_scaled_and_is_when_each_lead_is_scaled_to_one_size(ptbxl):
    from mirage_model.quality import assess

    assert not _scaled(assess(ptbxl))
    x = ptbxl.signal.astype(np.float64)
    one = x / (x.max(axis=1, keepdims=True) - x.min(axis=1, keepdims=True))     # every lead 1.00 mV peak-to-peak
    assert _scaled(assess(dataclasses.replace(ptbxl, signal=one.astype(np.float32))))
    # one lead 5 % larger: no longer one size (PTB-XL folds 1-8 lie at 1.40 and above)
    off = one.copy()
    off[7] *= 1.05
    assert not _scaled(assess(dataclasses.replace(ptbxl, signal=off.astype(np.float32))))


def test_ludb1_reads_no_low_voltage_and_its_voltage_rows_no_flag(ludb1):
    from mirage_model.review.interpret import interpret_prediction
    from mirage_model.review.measurements import amplitudes_not_in_mv, measurement_rows

    record, m, quality = ludb1
    # its largest precordial QRS reads under 1.0 mV only because every lead was scaled to 1.00 mV
    assert m.qrs_precordial_mv < 1.0
    before = {r["key"]: r for r in measurement_rows(m, sex="M", age=50)}
    assert before["qrs_precordial_mv"]["flag"] == "low"
    assert amplitudes_not_in_mv(quality) and not amplitudes_not_in_mv(None)
    rows = {r["key"]: r for r in measurement_rows(m, sex="M", age=50, scaled=amplitudes_not_in_mv(quality))}
    for key in ("sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv"):
        assert rows[key]["flag"] == "" and rows[key]["shown"], key                 # the value shown, no flag
        assert rows[key]["range"].startswith("amplitudes not in mV"), key          # why, on hover
    assert rows["qrs_ms"]["range"] == before["qrs_ms"]["range"]                   # the intervals' ranges as before
    it = interpret_prediction(None, m, "M", quality=quality, age=50)
    assert not any("voltage" in s.text.lower() for s in it.statements), [s.text for s in it.statements]
    assert any(r.startswith("low QRS voltage (precordial leads) not stated: a measurement from amplitudes not in mV")
               for r in it.resolved), it.resolved


def test_the_models_amplitude_statements_are_marked_on_ludb1(ludb1):
    from mirage_model.inference import Prediction
    from mirage_model.review.interpret import doubted_calls, interpret_prediction

    record, m, quality = ludb1
    labels = ("SR", "LVOLT", "LVH", "ISC_")
    pred = Prediction(labels=labels, probabilities=np.full(4, 0.9, np.float32),
                      thresholds=np.full(4, 0.5, np.float32), positive=labels, model_name="m", quality=quality,
                      model_positive=labels)
    marks = doubted_calls(pred)
    assert list(marks) == ["LVOLT", "LVH"] and all(v.startswith(NOTE) for v in marks.values())
    it = interpret_prediction(pred, m, "M", quality=quality, age=50)
    said = {s.code: s for s in it.statements if s.source == "model"}
    assert said["LVOLT"].note.startswith(NOTE) and said["LVH"].note.startswith(NOTE)
    assert said["ISC_"].note is None or NOTE not in said["ISC_"].note


@pytest.mark.slow
def test_every_ludb_record_is_found_scaled(ludb_data):
    from mirage_model.quality import assess

    paths = sorted(ludb_data.glob("*.hea"))
    assert len(paths) == 100
    assert [p.stem for p in paths if not _scaled(assess(load_record(p)))] == []


def test_the_axes_of_a_record_scaled_lead_by_lead_are_shown_unreliable(ludb1, ptbxl):
    """Seen in session 44: LUDB 1, which LUDB's cardiologists annotate "left axis deviation" (ludb.csv), showed a QRS
    axis of +27 deg unmarked in the app and the PDF. A frontal axis is read off the sizes of leads I and aVF against
    each other, and scaling every lead to one size makes those sizes the file's: its limb leads no longer keep
    Einthoven's law (II = I + III), which a real record keeps to its samples' rounding."""
    import dataclasses as dc

    from mirage_model.measure import measure
    from mirage_model.quality import assess
    from mirage_model.review.interpret import interpret_prediction
    from mirage_model.review.measurements import AXES_SCALED, UNRELIABLE, amplitudes_not_in_mv, measurement_rows

    def einthoven(x) -> float:          # what II - I - III leaves, against II's RMS
        x = np.asarray(x, np.float64)
        return float(np.sqrt(np.mean((x[1] - x[0] - x[2]) ** 2)) / np.sqrt(np.mean(x[1] ** 2)))

    record, m, quality = ludb1
    assert einthoven(record.signal) > 0.3 and einthoven(ptbxl.signal) < 0.05
    rows = {r["key"]: r for r in measurement_rows(m, sex="F", age=51, scaled=amplitudes_not_in_mv(quality))}
    for key in ("p_axis_deg", "qrs_axis_deg", "t_axis_deg"):
        assert (rows[key]["doubt"], rows[key]["doubt_why"], rows[key]["flag"]) == (UNRELIABLE, AXES_SCALED, ""), key
        assert rows[key]["shown"]                                                   # still shown, marked
    assert rows["qrs_ms"]["doubt"] == "" and rows["heart_rate_bpm"]["doubt"] == ""  # the intervals stand
    # the batch's CSV passes the quality report alone: the same marks
    # (and LUDB 1's QTc, at 45 bpm, by the measurement's own note: ``test_qtc_doubt``)
    axes = {"p_axis_deg", "qrs_axis_deg", "t_axis_deg"}
    marked = {r["key"]: r["doubt_why"] for r in measurement_rows(m, quality=quality) if r["doubt"]}
    assert {k for k, why in marked.items() if why == AXES_SCALED} == set(rows) & axes
    volts = {"sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv"}
    assert set(marked) - axes - volts <= {"qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms"}, marked
    # a real record: no mark; the same record scaled lead by lead: marked (its axis moves by the ratio its leads I
    # and aVF were scaled by against each other, here little: 18.6 -> 21.2 deg; LUDB 1's cardiologists read < -30)
    real = measure(ptbxl)
    assert not any(r["doubt"] for r in measurement_rows(real, quality=assess(ptbxl)))
    x = ptbxl.signal.astype(np.float64)
    one = dc.replace(ptbxl, signal=(x / (x.max(axis=1, keepdims=True) - x.min(axis=1, keepdims=True))).astype(
        np.float32))
    assert {r["key"]: r["doubt"] for r in measurement_rows(measure(one), quality=assess(one))}["qrs_axis_deg"] \
        == UNRELIABLE
    # an axis rule said off such a record carries the same mark
    it = interpret_prediction(None, dc.replace(m, qrs_axis_deg=-60.0), "F", quality=quality, age=51)
    said = next(s for s in it.statements if s.text.startswith("Left axis deviation"))
    assert said.note and f"unreliable: {AXES_SCALED}" in said.note


def test_the_voltages_of_a_record_scaled_lead_by_lead_are_shown_unreliable(ludb1):
    """Seen in the research staff's walk: LUDB 1's page 1 printed Sokolow-Lyon 1.59 mV and Cornell 1.05 mV with no
    mark, beside its axes marked "?" and pages 3-4 saying no voltage limit is applied (its leads each scaled to
    1.00 mV peak-to-peak). The four QRS voltages are marked as the axes are, with no limit and no flag, and the
    doubt's words name them once."""
    from mirage_model.review.measurements import UNRELIABLE, SCALED_VOLTAGES_WHY, doubt_text, measurement_rows

    _, m, quality = ludb1
    for rows in (measurement_rows(m, sex="F", age=51, scaled=True), measurement_rows(m, quality=quality)):
        by = {r["key"]: r for r in rows}
        for key in ("sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv"):
            doubt = (by[key]["doubt"], by[key]["doubt_why"], by[key]["flag"])
            assert doubt == (UNRELIABLE, SCALED_VOLTAGES_WHY, ""), key
            assert by[key]["shown"] and by[key]["ref_low"] is None and by[key]["ref_high"] is None
        assert SCALED_VOLTAGES_WHY == "every lead scaled to the same size: amplitudes not in mV"
        assert "Unreliable (?): Sokolow-Lyon, Cornell, QRS limb max, QRS V1-V6 max: every lead scaled to the same " \
               "size: amplitudes not in mV" in doubt_text(rows)


def _limb_inconsistent(report):
    return [f for f in report.findings if f.code == "limb_inconsistent"]


def test_leads_scaled_one_by_one_are_not_judged_by_einthoven_s_law(ptbxl):
    """Leads scaled one by one break I + III = II whatever the electrodes did: a real record's own leads keep it (no
    finding); the bundled LUDB records' leads, each 1.00 mV as the file says, break it (it had named them, as on every
    LUDB file), and the scaled finding alone now says why their sizes are not the heart's."""
    import wfdb

    from mirage_model.quality import assess

    assert not _limb_inconsistent(assess(ptbxl))
    for rid in ("1", "14"):
        raw = wfdb.rdrecord(str(LUDB / rid)).p_signal.T                    # (12, T) mV as the file says
        i, ii, iii = raw[0] - np.median(raw[0]), raw[1] - np.median(raw[1]), raw[2] - np.median(raw[2])
        assert np.sqrt(np.mean((ii - i - iii) ** 2)) > 0.1 * np.sqrt(np.mean(ii ** 2)), rid   # broken by the sizes
        report = assess(load_record(LUDB / f"{rid}.hea"))
        assert _scaled(report) and not _limb_inconsistent(report), rid


def test_a_ludb_record_is_not_withheld_for_the_limb_leads_its_scaling_breaks(ludb_data):
    """LUDB 70 (its cardiologists: sinus rhythm, no lead fault; every lead 1.00 mV) had its interpretation withheld,
    "limb leads inconsistent (Einthoven/Goldberger)", critical: a lead fault the file's sizes alone make."""
    from mirage_model.quality import assess

    report = assess(load_record(ludb_data / "70.hea"))
    assert _scaled(report) and not _limb_inconsistent(report) and not report.gated
