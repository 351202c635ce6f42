"""The median beats' ST-T and QRS-shape features (``measure.features.SHAPE_FEATURES``) and the
measured stage that reads them (kind "trees2"), against hand-built beats and the stored checkpoint."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers_models import make_tiny_checkpoint, synthetic_record
from test_measured_stage import small_trees_run  # noqa: F401 - the fixture

from mirage_model.checkpoint import load_checkpoint
from mirage_model.inference import Predictor, record_rhythm_features
from mirage_model.measure import measure
from mirage_model.measure.features import (FEATURES, SHAPE_FEATURES, SHAPE_LEAD_FEATURES, _shape_features, _turns,
                                           at_feature_rate, record_features, record_shape_features)
from mirage_model.stacking import KINDS, MeasuredStack, StackError
from training_cli.main import main


def _beat():
    """A median beat at 1000 Hz (1 sample per ms) with known ST-T course: PR level 0.05 mV, QRS 300-400,
    ST rising linearly from 0.02 mV at J to 0.10 mV at J + 80 ms, T of 0.3 mV on 480-600."""
    y = np.full(1200, 0.05)
    on, off = 300, 400
    y[on + 30:on + 50] += 1.4                    # R 1.4 mV for 20 ms
    y[on + 60:on + 80] -= 0.5                    # S -0.5 mV for 20 ms
    y[off:off + 81] += 0.02 + 0.08 * np.arange(81) / 80.0
    y[off + 81:off + 200] += 0.3                 # T plateau 0.3 mV to J + 200 ms
    y[off + 200:off + 260] += 0.0
    fid = {"p_on": np.nan, "p_off": np.nan, "qrs_on": float(on), "qrs_off": float(off), "t_off": 660.0}
    return y, fid


def test_shape_features_of_a_median_beat_built_by_hand():
    y, fid = _beat()
    med = np.tile(y, (12, 1))
    med[5] = np.nan                              # a lead without a median beat
    out = _shape_features(med, 1000.0, fid)
    assert out.shape == (12, len(SHAPE_LEAD_FEATURES)) and np.isnan(out[5]).all()
    f = dict(zip(SHAPE_LEAD_FEATURES, out[0]))
    assert f["st_j"] == pytest.approx(0.02) and f["st_20"] == pytest.approx(0.04)
    assert f["st_40"] == pytest.approx(0.06) and f["st_80"] == pytest.approx(0.10)
    assert f["st_slope"] == pytest.approx(0.08 / 80 * 1000)               # mV/s
    # T window: J + 80 ms (480) to the T offset (660); 0.10 at 480, 0.3 on 481-599, 0 on 600-659
    assert f["t_max"] == pytest.approx(0.3) and f["t_min"] == pytest.approx(0.0)
    assert f["t_area"] == pytest.approx(0.10 + 0.3 * 119)                  # mV ms
    assert f["qrs_notches"] == 2                                           # an R then an S
    assert f["qrs_abs_area"] == pytest.approx(1.4 * 20 + 0.5 * 20 + 0.02)   # mV ms (J itself is 0.02)
    no_t = dict(zip(SHAPE_LEAD_FEATURES, _shape_features(med, 1000.0, {**fid, "t_off": np.nan})[0]))
    assert no_t["t_max"] == pytest.approx(0.3)                             # window to QRS onset + 450 ms
    none = _shape_features(med, 1000.0, {**fid, "qrs_on": np.nan})
    assert np.isnan(none).all()


@pytest.mark.parametrize("y, turns", [
    ([0, 1, 2, 1, 0], 1),                 # monophasic R
    ([0, 1, -1, 0], 2),                   # RS
    ([0, 1, 0.5, 1, 0], 3),               # notched R (M shape): R, notch, R'
    ([0, 1, 0.97, 1, 0], 1),              # a wiggle of 0.03 mV is not a notch
    ([0, 0.01, 0.02, 0.0], 0),            # nothing above 0.05 mV
    ([0, 0.6, -0.2, 0.5, -0.4, 0], 4),    # fragmented
])
def test_qrs_notches_count_reversals_of_at_least_50_microvolts(y, turns):
    assert _turns(np.asarray(y, dtype=float)) == turns


def test_record_shape_features_extend_the_basic_ones():
    rec = synthetic_record(seed=4)
    m = measure(at_feature_rate(rec), fiducials=False)
    full, basic = record_shape_features(m), record_features(m)
    assert full.shape == (len(SHAPE_FEATURES),) == (len(FEATURES) + 12 * len(SHAPE_LEAD_FEATURES),)
    np.testing.assert_array_equal(full[:len(FEATURES)], basic)
    assert np.isfinite(full[len(FEATURES):]).mean() > 0.9
    np.testing.assert_array_equal(record_rhythm_features(rec, kind="trees2"), full)
    assert KINDS["trees2"][0] == SHAPE_FEATURES
    assert record_shape_features(None) is None


def test_calibrate_trains_a_shape_stage_that_is_stored_and_applied(tmp_path, small_trees_run):  # noqa: F811
    model, data, cache = small_trees_run
    out = tmp_path / "cal"
    assert main(["calibrate", "--model", str(model), *data, "--measured-stage", "--tree-features", "shape",
                 "--out", str(out), "--no-progress", "--threads", "1"]) == 0
    doc = json.loads((out / "config.json").read_text())["measured_stack"]
    assert doc["kind"] == "trees2" and doc["features"] == list(SHAPE_FEATURES)
    assert list(cache.glob("trees2-features-*.npz")) and not list(cache.glob("trees-features-*.npz"))
    loaded = load_checkpoint(out)
    stage = loaded.measured_stack
    if stage.labels:
        assert stage.kind == "trees2" and stage.trees.n_features == len(SHAPE_FEATURES)
        rec = synthetic_record(seed=3)
        done = Predictor(out, device="cpu").predict(rec, explain=False)
        assert set(done.measured_labels) == set(stage.labels)
        with pytest.raises(StackError, match="features"):             # a trees2 stage with the basic features
            MeasuredStack.from_dict({**stage.to_dict(), "features": list(FEATURES)}, list(loaded.labels),
                                    stage.tensors())
    ev = tmp_path / "ev" / "metrics.json"
    assert main(["evaluate", "--model", str(out), *data, "--split", "test", "--out", str(ev),
                 "--bootstrap", "0", "--no-progress"]) == 0
    assert main(["calibrate", "--model", str(model), *data, "--tree-features", "shape", "--out",
                 str(tmp_path / "x"), "--no-progress"]) != 0                 # needs --measured-stage
