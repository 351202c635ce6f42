"""Missing samples in short runs (a dropped packet) are bridged before measuring; longer gaps are not.

Truth: the same record measured without the gaps, and LUDB's cardiologists' annotations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.measure import measure
from mirage_model.measure.pipeline import bridge_short_gaps

SAMPLE = mm.resources_dir() / "samples" / "ludb" / "1.hea"
needs = pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample not present")


def test_only_inner_runs_up_to_the_limit_are_bridged():
    x = np.arange(40, dtype=float).reshape(2, 20)
    x[0, 3:8] = np.nan         # 5 samples at 500 Hz: 10 ms, bridged on the line between 2 and 8
    x[0, 10:16] = np.nan       # 6 samples: 12 ms, kept missing
    x[1, 0:2] = np.nan         # at the start: kept missing
    x[1, 19] = np.nan          # at the end: kept missing
    assert bridge_short_gaps(x, 500.0) == 1
    assert np.array_equal(x[0, 3:8], np.arange(3, 8, dtype=float))
    assert np.isnan(x[0, 10:16]).all() and np.isnan(x[1, [0, 1, 19]]).all()


@needs
def test_one_percent_of_samples_missing_at_random_is_still_measured():
    """LUDB 1 with 1 % of its samples missing at random in every lead: nothing was measured ("fewer
    than 2 usable independent leads"); now the same values as the record without the gaps, within 2 ms,
    and said."""
    rec = mm.load_record(SAMPLE)
    clean = measure(rec)
    s = rec.signal.astype(np.float64)
    s[np.random.default_rng(0).random(s.shape) < 0.01] = np.nan
    holed = dataclasses.replace(rec, signal=s)
    before = s.copy()
    m = measure(holed)
    assert np.array_equal(np.isnan(holed.signal), np.isnan(before))          # the caller's record untouched
    for key in ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms"):
        assert getattr(m, key) == pytest.approx(getattr(clean, key), abs=2.0), key
    assert any("bridged linearly" in n for n in m.notes)
    # a 40 ms gap in every lead is no dropped sample: measured around, as before
    s2 = rec.signal.astype(np.float64)
    s2[:, 2500:2520] = np.nan
    m2 = measure(dataclasses.replace(rec, signal=s2))
    assert not any("bridged" in n for n in m2.notes)
