"""scripts/poor_quality_bursts.py: the bursts it adds go into the leads asked, 0.3 s each, 1-3 mV peak, and
nowhere else; it refuses PTB-XL's fold 10. Truth: the difference from the record shipped with the project."""

from __future__ import annotations

import numpy as np

from helpers_scripts import load_script


def test_bursts_go_into_the_leads_asked_for_their_length():
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    script = load_script("poor_quality_bursts")
    record = load_record(next(p for p in sample_records() if p.name == "00417_lr.hea"))
    out = script.with_bursts(record.signal, float(record.fs), [2, 7, 9, 11], np.random.default_rng(0))
    diff = out - record.signal
    hit = np.abs(diff).max(axis=1) > 0
    assert list(np.flatnonzero(hit)) == [2, 7, 9, 11]
    for row in diff[hit]:
        span = np.flatnonzero(row)
        assert span[-1] - span[0] + 1 <= int(0.3 * record.fs) and 1.0 - 1e-6 <= np.abs(row).max() <= 3.0 + 1e-6
        assert 1.0 * record.fs <= span[0] and span[-1] < diff.shape[1] - 1.0 * record.fs


def test_fold_10_is_refused(tmp_path, capsys):
    script = load_script("poor_quality_bursts")
    assert script.main([str(tmp_path), "--folds", "9-10"]) == 2
    assert "fold 10" in capsys.readouterr().err
