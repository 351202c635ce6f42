"""scripts/quality_finding_counts.py: per finding, the records it fires on over a folder of records, and what
fires newly between two runs. Truth: two records shipped with the project copied into a folder, one with a
calibration pulse added by the script's own option (``test_quality_calibration_pulse`` checks the finding), and
two runs' results made by hand for the comparison."""

from __future__ import annotations

import shutil

import numpy as np

from helpers_scripts import load_script


def _folder(tmp_path):
    from mirage_model.paths import sample_records

    for p in sample_records():
        if p.name in ("1.hea", "00417_lr.hea"):
            for f in p.parent.glob(p.stem + ".*"):
                shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_with_pulse_adds_it_where_asked():
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    script = load_script("quality_finding_counts")
    record = load_record(next(p for p in sample_records() if p.name == "00417_lr.hea"))
    for start, where in ((0.2, slice(20, 40)), (-0.1, slice(970, 990))):
        diff = script.with_pulse(record, start).signal - record.signal
        assert np.allclose(diff[:, where], 1.0) and np.allclose(np.delete(diff, np.r_[where], axis=1), 0.0)


def test_counts_a_folder_and_names_what_fires_newly(tmp_path):
    script = load_script("quality_finding_counts")
    (tmp_path / "records").mkdir()
    folder = _folder(tmp_path / "records")
    clean = script.run([folder], None)
    pulsed = script.run([folder], 0.2)
    assert len(clean["records"]) == 2 and not clean["refused"]
    assert script.counts(clean)[("calibration_pulse", "info")] == 0
    assert script.counts(pulsed)[("calibration_pulse", "info")] == 2
    lines = script.compare(clean, pulsed)
    assert any(line.startswith("calibration_pulse") and line.split()[-3:] == ["0", "2", "*"] for line in lines)
    assert sum(line.startswith("new ") and "calibration_pulse (info)" in line for line in lines) == 2


def test_compare_names_a_finding_gone_and_a_severity_changed():
    script = load_script("quality_finding_counts")
    before = {"records": {"a": {"verdict": "unreliable", "findings": [["limb_inconsistent", "critical", ["I"]]]},
                          "b": {"verdict": "usable", "findings": []}}}
    after = {"records": {"a": {"verdict": "usable", "findings": [["limb_inconsistent", "warning", ["I"]]]},
                         "b": {"verdict": "usable", "findings": []}}}
    lines = script.compare(before, after)
    assert "new   a: limb_inconsistent (warning)" in lines and "gone  a: limb_inconsistent (critical)" in lines
    assert "verdicts: usable 1 -> 2, unreliable 1 -> 0, unscorable 0 -> 0" in lines


def test_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    script = load_script("quality_finding_counts")
    assert script.main([str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_noise_goes_into_one_lead_and_grades_are_compared(tmp_path):
    """--noise adds white noise of the RMS asked to one lead only; --compare counts the records whose lead grades
    changed (two runs made by hand)."""
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    script = load_script("quality_finding_counts")
    record = load_record(next(p for p in sample_records() if p.name == "00417_lr.hea"))
    diff = script.with_noise(record, 0.1, lead=4, seed=0).signal.astype(np.float64) - record.signal
    assert np.count_nonzero(np.abs(diff).max(axis=1) > 0) == 1 and 0.09 < diff[4].std() < 0.11
    before = {"records": {"a": {"verdict": "usable", "grade": ["good"] * 12, "findings": []}}}
    after = {"records": {"a": {"verdict": "usable", "grade": ["poor"] + ["good"] * 11, "findings": []}}}
    assert "lead grades changed in 1 of 1 records" in script.compare(before, after)
    assert "lead grades changed in 0 of 1 records" in script.compare(before, before)
