"""The measured stage of kind "trees": the record features (``measure.features``) against a median
beat built by hand and against the known gains of a synthetic record, the stage's fit where the
truth is known, its storage in a checkpoint (no pickled code), the Predictor applying it, and
``mirage calibrate --measured-stage`` end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers_models import make_tiny_checkpoint, synthetic_record
from sklearn.ensemble import HistGradientBoostingClassifier
from test_stacking import _rhythm_folder

from mirage_model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mirage_model.inference import Predictor
from mirage_model.measure import measure
from mirage_model.paths import sample_records
from mirage_model.measure.features import (FEATURES, GLOBAL_FEATURES, LEAD_FEATURES, _lead_features, at_feature_rate,
                                           record_features)
from mirage_model.records import STANDARD_LEADS
from mirage_model.stacking import RHYTHM_FEATURES, TREES_PREFIX, MeasuredStack, StackError, fit_trees, rhythm_features
from mirage_model.treemodel import from_sklearn
from training_cli.main import main


def test_lead_features_of_a_median_beat_built_by_hand():
    fs = 1000.0                                  # 1 sample per ms
    y = np.full(1200, 0.05)                      # PR-segment level 0.05 mV: every amplitude is against it
    y[100:180] += 0.12                           # P wave 0.12 mV (onset 100, offset 179)
    on, off = 300, 400
    y[on:on + 20] -= 0.1                         # Q wave: -0.1 mV in the first 20 ms
    y[on + 30:on + 50] += 1.4                    # R 1.4 mV, peak from 30 ms after the onset
    y[on + 60:on + 80] -= 0.5                    # S -0.5 mV
    y[off + 40:off + 80] += 0.08                 # ST level 0.08 mV at J + 60 ms
    y[off + 150:off + 250] -= 0.3                # an inverted T wave, -0.3 mV
    med = np.tile(y, (12, 1))
    med[3] = np.nan                              # a lead without a median beat
    fid = {"p_on": 100.0, "p_off": 179.0, "qrs_on": float(on), "qrs_off": float(off), "t_off": 700.0}
    f = dict(zip(LEAD_FEATURES, _lead_features(med, fs, fid)[0]))
    assert f["r"] == pytest.approx(1.4) and f["s"] == pytest.approx(-0.5) and f["q"] == pytest.approx(-0.1)
    assert f["r_time"] == pytest.approx(30.0)
    assert f["qrs_area"] == pytest.approx(1.4 * 20 - 0.5 * 20 - 0.1 * 20)          # mV ms
    assert f["st"] == pytest.approx(0.08) and f["t"] == pytest.approx(-0.3) and f["p"] == pytest.approx(0.12)
    assert np.isnan(_lead_features(med, fs, fid)[3]).all()
    no_p = _lead_features(med, fs, {**fid, "p_on": np.nan, "p_off": np.nan})[0]
    assert np.isnan(no_p[LEAD_FEATURES.index("p")]) and no_p[0] == pytest.approx(1.4)


def test_record_features_follow_the_synthetic_record_gains():
    rec = synthetic_record(seed=4)
    m = measure(rec, fiducials=False)
    f = record_features(m)
    assert f.shape == (len(FEATURES),) and len(FEATURES) == len(GLOBAL_FEATURES) + 12 * len(LEAD_FEATURES)
    np.testing.assert_allclose(f[:len(RHYTHM_FEATURES)], rhythm_features(m))
    g = dict(zip(GLOBAL_FEATURES, f[:len(GLOBAL_FEATURES)]))
    assert g["pr_ms"] == pytest.approx(m.pr_ms) and g["qrs_ms"] == pytest.approx(m.qrs_ms)
    assert np.hypot(g["qrs_axis_cos"], g["qrs_axis_sin"]) == pytest.approx(1.0)
    gains = np.random.default_rng(4).uniform(-1.2, 1.5, size=12)          # synthetic_record's own draw
    leads = f[len(GLOBAL_FEATURES):].reshape(12, len(LEAD_FEATURES))
    big = np.abs(gains) > 0.4
    col = {k: leads[:, LEAD_FEATURES.index(k)] for k in LEAD_FEATURES}
    # the wave is R 1.0 then S -0.2 (overlapping), T 0.3 and P 0.15 mV, times the lead's gain
    ptp = col["r"] - col["s"]
    np.testing.assert_allclose(ptp[big] / np.abs(gains[big]), np.median(ptp[big] / np.abs(gains[big])), rtol=0.1)
    assert np.all(np.sign(col["t"][big]) == np.sign(gains[big]))
    np.testing.assert_allclose(col["t"][big] / gains[big], 0.3, rtol=0.25)
    np.testing.assert_allclose(col["p"][big] / gains[big], 0.15, rtol=0.3)


def test_the_feature_rate_keeps_amplitudes_and_missing_leads():
    rec = synthetic_record(seed=5)
    rec.signal[4] = np.nan                                      # a missing lead stays missing
    low = at_feature_rate(rec)
    assert low.fs == 100.0 and np.isnan(low.signal[4]).all() and np.isfinite(low.signal[[0, 5]]).all()
    assert at_feature_rate(low) is low                          # 100 Hz records are read as they are
    a = record_features(measure(rec, fiducials=False))
    b = record_features(measure(low, fiducials=False))
    la, lb = a[len(GLOBAL_FEATURES):].reshape(12, -1), b[len(GLOBAL_FEATURES):].reshape(12, -1)
    ok = np.isfinite(la[:, 0]) & (np.abs(la[:, 0] - la[:, 1]) > 0.4)
    np.testing.assert_allclose(lb[ok, 0] - lb[ok, 1], la[ok, 0] - la[ok, 1], rtol=0.15)   # QRS peak to peak
    assert abs(b[GLOBAL_FEATURES.index("qrs_ms")] - a[GLOBAL_FEATURES.index("qrs_ms")]) < 12


def test_a_dropout_stays_a_dropout_of_the_same_length_at_the_feature_rate():
    """A 0.5 s gap in every lead of a 500 Hz record: the record at 100 Hz has the gap where it was
    (50 samples), the rest as without the gap, and its features are measured around it; a record with
    no stretch to measure says why instead of 'too few beats'."""
    from mirage_model.inference import record_stage_features

    rec = synthetic_record(seed=5)
    clean = at_feature_rate(rec).signal
    rec.signal[:, 2000:2250] = np.nan
    low = at_feature_rate(rec)
    gap = np.isnan(low.signal)
    assert gap.any(axis=0).sum() == 50 and gap[:, 400:450].all() and (gap.any(axis=0) == gap.all(axis=0)).all()
    far = np.r_[0:380, 470:1000]                                 # the mains fit and the filters are local
    np.testing.assert_allclose(low.signal[:, far], clean[:, far], atol=0.005)
    feats, why = record_stage_features(rec, kind="trees")
    assert np.isfinite(feats).sum() > 100 and why == ""
    for k in range(0, rec.signal.shape[1], 1000):                # 30 ms missing every 2 s: nothing long enough
        rec.signal[:, k:k + 15] = np.nan                         # (a lone missing sample is bridged)
    feats, why = record_stage_features(rec, kind="trees")
    assert feats is None and "usable independent leads" in why


def test_no_beats_no_features():
    assert record_features(None) is None
    flat = synthetic_record(duration_s=10.0)
    flat.signal[:] = 0.0
    assert record_features(measure(flat, fiducials=False)) is None


def _trees_and_data(n=600, seed=0):
    """Features where label A follows feature 7 (pr_ms) and label B nothing; a weak model for A."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES)))
    X[rng.random(X.shape) < 0.1] = np.nan
    ya = (np.nan_to_num(X[:, 7]) > 0.5).astype(int)
    yb = (rng.random(n) < 0.3).astype(int)
    return X, np.column_stack([ya, yb]), rng


def test_fit_trees_stacks_the_label_its_trees_explain():
    X, Y, rng = _trees_and_data()
    models = [HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X[:400], Y[:400, k]) for k in (0, 1)]
    trees = from_sklearn(models, len(FEATURES))
    yv = Y[400:]
    model_probs = np.clip(np.column_stack([0.5 + 0.1 * (yv[:, 0] - 0.5) + 0.3 * rng.standard_normal(200),
                                           0.3 + 0.3 * rng.standard_normal(200)]), 0.01, 0.99)
    stage, oof = fit_trees(yv, model_probs, X[400:], ["A", "B"], trees, ["A", "B"], context=())
    per = stage.metrics["per_label"]
    assert stage.labels == ("A",) and per["A"]["stacked_auroc_cv"] > per["A"]["model_auroc"] + 0.2
    assert not per["B"]["stacked"]
    assert stage.trees.n_outputs == 1                       # only the stacked label's trees are kept
    np.testing.assert_array_equal(oof[:, 1], model_probs[:, 1])
    out = stage.apply(model_probs, ["A", "B"], X[400:])
    w, b = stage.weights[0], stage.bias[0]
    z = np.log(model_probs[:, 0] / (1 - model_probs[:, 0])) * w[0] + models[0].decision_function(X[400:]) * w[1] + b
    np.testing.assert_allclose(out[:, 0], 1 / (1 + np.exp(-z)), atol=1e-9)
    unmeasured = np.full((1, len(FEATURES)), np.nan)         # a record not measured keeps the model's
    np.testing.assert_array_equal(stage.apply(model_probs[:1], ["A", "B"], unmeasured), model_probs[:1])


def _stage_for(labels, seed=0):
    X, Y, _ = _trees_and_data(seed=seed)
    models = [HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, Y[:, 0])]
    trees = from_sklearn(models, len(FEATURES))
    return MeasuredStack((labels[0],), FEATURES, np.zeros(0), np.zeros(0), (np.array([1.0, 0.7]),), (0.2,),
                         "test", kind="trees", trees=trees), models[0]


def test_a_trees_stage_is_stored_as_numbers_and_applied_by_the_predictor(tmp_path):
    src = make_tiny_checkpoint(tmp_path / "plain", labels=("SR", "AFIB"))
    loaded = load_checkpoint(src)
    stage, model = _stage_for(("SR",))
    out = save_checkpoint(tmp_path / "stacked", loaded.model, model_type=loaded.model_type, task=loaded.task,
                          labels=loaded.labels, schema=loaded.schema, preprocess=loaded.preprocess,
                          render=loaded.render, thresholds=loaded.thresholds, measured_stack=stage, half=True)
    doc = json.loads((out / "config.json").read_text())["measured_stack"]
    assert doc["kind"] == "trees" and doc["trees"]["nodes"] == stage.trees.feature.shape[0]
    from safetensors import safe_open
    with safe_open(str(out / "model.safetensors"), "np") as fh:
        keys = list(fh.keys())
        assert fh.get_tensor(TREES_PREFIX + "threshold").dtype == np.float64     # never halved
    assert sum(k.startswith(TREES_PREFIX) for k in keys) == 9
    again = load_checkpoint(out).measured_stack
    assert again.kind == "trees" and again.labels == ("SR",)
    rec = synthetic_record(seed=3)                              # 500 Hz: the stage reads it at 100 Hz
    feats = record_features(measure(at_feature_rate(rec), fiducials=False))
    assert at_feature_rate(rec).fs == 100.0 and at_feature_rate(rec).signal.shape == (12, 1000)
    np.testing.assert_allclose(again.trees.raw(feats)[0], model.decision_function(feats[None]), atol=1e-10)
    plain = Predictor(src, device="cpu").predict(rec, explain=False)
    done = Predictor(out, device="cpu").predict(rec, explain=False)
    z = np.log(plain.probabilities[0] / (1 - plain.probabilities[0]))
    expected = 1 / (1 + np.exp(-(z + 0.7 * model.decision_function(feats[None])[0] + 0.2)))
    assert done.probabilities[0] == pytest.approx(expected, abs=2e-5)
    assert done.probabilities[1] == pytest.approx(plain.probabilities[1], abs=1e-6)
    assert done.measured_labels == ("SR",)
    short = synthetic_record(seed=3, duration_s=2.0)        # too short to measure: the model's probability
    none = Predictor(out, device="cpu").predict(short, explain=False)
    assert none.measured_labels == ()                       # the measurement's own reason, the labels named
    assert none.measured_note == ("SR from the model alone (measured stage not applied): "
                                  "record too short (2.0 s) for measurement")
    slow = synthetic_record(seed=3, fs=50.0)                     # too slow to measure: said so
    low = Predictor(out, device="cpu").predict(slow, explain=False)
    assert low.measured_labels == () and "50 Hz is below the 100 Hz" in low.measured_note


def test_trees_without_their_stage_or_a_stage_without_trees_are_refused(tmp_path):
    src = make_tiny_checkpoint(tmp_path / "plain", labels=("SR", "AFIB"))
    loaded = load_checkpoint(src)
    stage, _ = _stage_for(("SR",))
    kw = dict(model_type=loaded.model_type, task=loaded.task, labels=loaded.labels, schema=loaded.schema,
              preprocess=loaded.preprocess, render=loaded.render, thresholds=loaded.thresholds)
    out = save_checkpoint(tmp_path / "stacked", loaded.model, measured_stack=stage, **kw)
    cfg = json.loads((out / "config.json").read_text())
    del cfg["measured_stack"]
    (out / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="no measured_stack"):
        load_checkpoint(out)
    with pytest.raises(StackError, match="missing"):
        MeasuredStack.from_dict(stage.to_dict(), ["SR", "AFIB"], {})
    with pytest.raises(CheckpointError, match="MeasuredStack"):
        save_checkpoint(tmp_path / "dict", loaded.model, measured_stack=stage.to_dict(), **kw)
    with pytest.raises(StackError, match="features"):
        MeasuredStack.from_dict({**stage.to_dict(), "features": list(RHYTHM_FEATURES)}, ["SR", "AFIB"],
                                stage.tensors())


@pytest.fixture
def small_trees_run(tmp_path, monkeypatch):
    """(model, data arguments, cache folder) of a tiny rhythm folder dataset, with the trees' settings
    made small enough for 8 training records."""
    import training_cli.commands.calibrate as cal
    monkeypatch.setattr(cal, "TREE_SETTINGS", {**cal.TREE_SETTINGS, "early_stopping": False, "max_iter": 10,
                                               "min_samples_leaf": 2})
    monkeypatch.setattr(cal, "MIN_TRAIN_POSITIVES", 2)
    root, labels = _rhythm_folder(tmp_path, val_copies=6)
    model = make_tiny_checkpoint(tmp_path / "m", labels=("SR", "SARRH", "AFIB"), clinical=())
    cache = tmp_path / "cache"
    args = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(cache), "--workers", "1"]
    return model, args, cache


def test_calibrate_trains_the_trees_and_evaluate_applies_them(tmp_path, small_trees_run):
    model, data, cache = small_trees_run
    out = tmp_path / "cal"
    assert main(["calibrate", "--model", str(model), *data, "--measured-stage", "--out", str(out),
                 "--no-progress", "--threads", "1"]) == 0
    doc = json.loads((out / "calibration.json").read_text())["measured_stack"]
    per, info = doc["metrics"]["per_label"], doc["metrics"]["trees"]
    assert set(info["iterations"]) == {"SR", "SARRH", "AFIB"} and "8 measured records" in info["trained_on"]
    assert set(per) == {"SR", "SARRH", "AFIB"}
    for lab in doc["labels"]:
        assert per[lab]["stacked_auroc_cv"] >= per[lab]["model_auroc"] + 0.003
    assert list(cache.glob("trees-features-*.npz"))
    loaded = load_checkpoint(out)
    if doc["labels"]:
        assert loaded.measured_stack.kind == "trees" and loaded.measured_stack.trees is not None
    ev = tmp_path / "ev" / "metrics.json"
    assert main(["evaluate", "--model", str(out), *data, "--split", "test", "--out", str(ev),
                 "--bootstrap", "0", "--no-progress"]) == 0
    assert json.loads(ev.read_text())["n"] == 8
    assert main(["calibrate", "--model", str(model), *data, "--measured-stage", "--measured-rhythm",
                 "--out", str(tmp_path / "both"), "--no-progress"]) != 0


def test_the_trees_fault_recipe_is_seeded_and_of_the_stated_size():
    from training_cli.engine.measured import fault_seed, faulty_copy

    rec = synthetic_record(seed=6, fs=100.0)
    seeds = [fault_seed("/data/r1.hea", s) for s in range(40)]
    assert len(set(seeds)) == 40 and fault_seed("/data/r1.hea", 3) == seeds[3]
    for s in seeds:
        a, b = faulty_copy(rec, s), faulty_copy(rec, s)
        np.testing.assert_array_equal(a.signal, b.signal)                 # the same record, the same fault
        d = a.signal.astype(np.float64) - rec.signal
        assert a.signal.shape == rec.signal.shape and a.fs == rec.fs
        assert 0.003 < np.sqrt(np.mean(d ** 2)) < 0.6                     # 0.01-0.05 mV noise, <= 0.5 mV steps/wander
        # Einthoven holds for the added fault as for a real recording: III = II - I
        np.testing.assert_allclose(d[2], d[1] - d[0], atol=1e-4)


def test_calibrate_with_tree_faults_trains_on_clean_and_faulty_rows(tmp_path, small_trees_run):
    model, data, cache = small_trees_run
    out = tmp_path / "cal"
    assert main(["calibrate", "--model", str(model), *data, "--measured-stage", "--tree-faults", "--out", str(out),
                 "--no-progress", "--threads", "1"]) == 0
    info = json.loads((out / "calibration.json").read_text())["measured_stack"]["metrics"]["trees"]
    assert "16 measured rows" in info["trained_on"] and "faulty copy" in info["trained_on"]
    assert list(cache.glob("trees-faulty0-features-*.npz")) and list(cache.glob("trees-features-*.npz"))
    assert main(["calibrate", "--model", str(model), *data, "--tree-faults", "--out", str(tmp_path / "x"),
                 "--no-progress"]) != 0


def test_a_change_to_the_measured_features_is_not_served_from_a_stale_cache(tmp_path, monkeypatch):
    """The feature cache is keyed on what the code measures on the bundled samples (as the input cache's
    ``transform_version``): features measured by changed code are measured again, not read back."""
    import mirage_model.stacking as stacking
    import training_cli.engine.measured as measured

    rec_path = str(sample_records()[0].with_suffix(""))
    monkeypatch.setattr(measured, "_FINGERPRINTS", {})
    before = measured.cache_file(tmp_path, "rhythm")
    first = measured.split_features([rec_path], tmp_path, kind="rhythm")
    assert before.exists() and np.isfinite(first).all()
    assert measured.cache_file(tmp_path, "rhythm") == before          # unchanged code: the same file, reused

    names, version, fn = stacking.KINDS["rhythm"]
    monkeypatch.setitem(stacking.KINDS, "rhythm", (names, version, lambda m: fn(m) + 1.0))
    monkeypatch.setattr(measured, "_FINGERPRINTS", {})
    after = measured.cache_file(tmp_path, "rhythm")
    assert after != before and after.name.startswith("rhythm-features-v1-")
    np.testing.assert_allclose(measured.split_features([rec_path], tmp_path, kind="rhythm"), first + 1.0)
