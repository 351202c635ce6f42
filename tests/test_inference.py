"""Predictor: tiny random checkpoints, real and synthetic records, explanations and errors."""

from __future__ import annotations

import numpy as np
import pytest
from pathlib import Path
import torch

from mirage_model.checkpoint import CheckpointError
from mirage_model.clinical import ClinicalError
from mirage_model.inference import ModelNotFoundError, Prediction, Predictor
from mirage_model.runtime import resolve_device
from mirage_model.records import EcgRecord, STANDARD_LEADS, load_record

from helpers_models import make_tiny_checkpoint, synthetic_record

LABELS = ("NORM", "MI", "STTC", "CD", "HYP")


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


@pytest.fixture(scope="module")
def predictor(ckpt):
    return Predictor(ckpt, device="cpu")


@pytest.fixture(scope="module")
def record():
    return synthetic_record(10, 500, seed=3)


def _rollout(maps: list[np.ndarray]) -> np.ndarray:
    """Abnar & Zuidema (2020) from (H, N, N) maps: mean heads, (A + I) row-normalised, product, CLS row."""
    r = np.eye(maps[0].shape[-1])
    for m in maps:
        a = m.mean(0) + np.eye(m.shape[-1])
        a /= a.sum(-1, keepdims=True)
        r = a @ r
    cls = r[0, 1:]
    return (cls - cls.min()) / (cls.max() - cls.min())


def test_prediction_basics(predictor, record):
    pred = predictor.predict(record, explain=False)
    assert isinstance(pred, Prediction)
    assert pred.labels == LABELS
    assert pred.probabilities.shape == (5,) and pred.probabilities.dtype == np.float32
    assert np.all((pred.probabilities >= 0) & (pred.probabilities <= 1))
    assert pred.window_probabilities.shape == (1, 5)
    assert pred.explanation is None
    assert {"preprocess", "predict", "total"} <= set(pred.timings)
    assert all(v >= 0 for v in pred.timings.values())


def test_predictions_are_deterministic(ckpt, predictor, record):
    a = predictor.predict(record, explain=False).probabilities
    b = Predictor(ckpt, device="cpu").predict(record, explain=False).probabilities
    c = predictor.predict(record, explain=True).probabilities
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, atol=1e-5)      # the explanation pass gives the same probabilities


def test_positive_follows_the_thresholds(tmp_path, record):
    # thresholds 0 and > 1 (saved clipped into (0, 1), as the loader requires) force the first
    # label positive and the second negative
    path = make_tiny_checkpoint(tmp_path / "th", thresholds=[0.0, 1.01, 0.5, 0.5, 0.5])
    pred = Predictor(path, device="cpu").predict(record, explain=False)
    np.testing.assert_allclose(pred.thresholds, [1e-6, 1 - 1e-6, 0.5, 0.5, 0.5], rtol=1e-6)
    expected = tuple(lab for lab, p, t in zip(LABELS, pred.probabilities, pred.thresholds) if p >= t and p >= 0.2)
    assert pred.positive == expected
    assert "NORM" in pred.positive and "MI" not in pred.positive


def test_a_class_above_a_tiny_threshold_is_not_called_below_20_percent(tmp_path, record):
    """Thresholds of rare classes (max F1 on 1-4 validation positives) can sit below 1 %: a class at
    0.7 % above such a threshold is not called (positive, explained, bolded), one at 99 % is."""
    from mirage_model.checkpoint import load_checkpoint, save_checkpoint
    from mirage_model.outputs import is_called

    path = make_tiny_checkpoint(tmp_path / "low", thresholds=[1e-6] * 5)
    ck = load_checkpoint(path)
    with torch.no_grad():
        ck.model.head.weight.zero_()
        ck.model.head.bias.copy_(torch.tensor([5.0, -5.0, 5.0, -5.0, 0.0]))   # p 0.993, 0.007, 0.993, 0.007, 0.5
    save_checkpoint(path, ck.model, model_type=ck.model_type, task=ck.task, labels=ck.labels, schema=ck.schema,
                    preprocess=ck.preprocess, render=ck.render, thresholds=ck.thresholds)
    pred = Predictor(path, device="cpu").predict(record, explain=True)
    np.testing.assert_allclose(pred.probabilities, [0.9933, 0.0067, 0.9933, 0.0067, 0.5], atol=1e-3)
    assert np.all(pred.probabilities >= pred.thresholds)
    assert pred.positive == pred.model_positive == (LABELS[0], LABELS[2], LABELS[4])
    assert is_called(0.0067, 1e-6) is False and is_called(0.2, 0.2) is True
    np.testing.assert_array_equal(is_called(np.array([0.1, 0.3, 0.3]), np.array([0.05, 0.05, 0.4])),
                                  [False, True, False])


def test_multiclass_probabilities_sum_to_one(tmp_path, record):
    path = make_tiny_checkpoint(tmp_path / "mc", labels=("a", "b", "c"), task="multiclass")
    pred = Predictor(path, device="cpu").predict(record)
    assert pred.probabilities.shape == (3,)
    assert pred.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert pred.explanation is not None


def test_explanation_shapes_and_normalisation(predictor, record):
    e = predictor.predict(record, {"age": 61, "sex": "F"}).explanation
    T = record.signal.shape[1]
    assert e.lead_bias.shape == (12, 12)
    assert e.lead_attention.shape == (12, 12)
    np.testing.assert_allclose(e.lead_attention.sum(axis=1), 1.0, rtol=1e-5)
    assert e.lead_importance.shape == (12,)
    assert e.lead_importance.sum() == pytest.approx(1.0, abs=1e-5) and np.all(e.lead_importance >= 0)
    for m in (e.patch_rollout, e.patch_gradient):
        assert m.shape == (14, 14) and m.min() >= 0 and m.max() == pytest.approx(1.0)
    assert e.signal_saliency.shape == (12, T) and e.signal_gradient.shape == (12, T)
    assert 0 <= e.signal_saliency.min() and e.signal_saliency.max() <= 1
    for key in ("lead_bias", "lead_attention", "lead_importance", "patch_rollout", "patch_gradient",
                "signal_saliency"):
        assert isinstance(e.methods[key], str) and e.methods[key]
    for v in (e.lead_bias, e.lead_attention, e.lead_importance, e.patch_rollout, e.signal_saliency):
        assert isinstance(v, np.ndarray) and np.all(np.isfinite(v))


def test_rollout_and_lead_attention_match_the_returned_attention_maps(predictor, record):
    pred = predictor.predict(record, {"age": 61})
    prep = predictor.prepare(record, {"age": 61})
    sig = torch.from_numpy(prep.inputs.signal)
    img = torch.from_numpy(prep.inputs.image).float().div(255).unsqueeze(1)
    with torch.no_grad():
        out = predictor.model(sig, img, torch.from_numpy(prep.x[None]), torch.from_numpy(prep.mask[None]),
                              need_weights=True)
    maps = [a[0].double().numpy() for a in out.vit_attn]
    np.testing.assert_allclose(pred.explanation.patch_rollout, _rollout(maps).reshape(14, 14), atol=1e-5)
    la = out.lead_attn[0].double().numpy().mean(0)
    np.testing.assert_allclose(pred.explanation.lead_attention, la / la.sum(1, keepdims=True), atol=1e-6)
    np.testing.assert_allclose(pred.explanation.lead_bias,
                               predictor.model.lead_bias.double().numpy().mean(0), atol=1e-7)


def test_signal_saliency_agrees_with_the_patch_grid(predictor, record):
    e = predictor.predict(record).explanation
    layout = predictor.layout()
    fs = record.fs
    checked = 0
    for lead in range(12):
        panel = layout.panels[lead]
        for t in np.linspace(panel.t0, panel.t1, 9, endpoint=False)[1:]:
            k = int(round(t * fs))
            x, y = layout.to_pixel(lead, k / fs)
            rows = [r for r in range(14) if r * 16 < panel.y1 and (r + 1) * 16 > panel.y0]
            weights = [min(panel.y1, (r + 1) * 16) - max(panel.y0, r * 16) for r in rows]
            col = int(x // 16)
            grid_value = np.average([e.patch_rollout[r, col] for r in rows], weights=weights)
            if lead == 1:   # lead II is also on the rhythm strip: the larger view wins
                xr, _ = layout.to_pixel(1, k / fs, rhythm=True)
                rp = layout.rhythm_panel
                rrows = [r for r in range(14) if r * 16 < rp.y1 and (r + 1) * 16 > rp.y0]
                rw = [min(rp.y1, (r + 1) * 16) - max(rp.y0, r * 16) for r in rrows]
                grid_value = max(grid_value, np.average([e.patch_rollout[r, int(xr // 16)] for r in rrows],
                                                        weights=rw))
            assert e.signal_saliency[lead, k] == pytest.approx(grid_value, abs=1e-5)
            checked += 1
    assert checked == 12 * 8


def test_predict_batch_equals_predict(predictor):
    records = [synthetic_record(10, 500, seed=1), synthetic_record(30, 100, seed=2),
               synthetic_record(5, 250, seed=4), synthetic_record(10, 1000, seed=5)]
    clinicals = [{"age": 70, "sex": "M"}, None, {"weight": (80, "kg")}, {}]
    batch = predictor.predict_batch(records, clinicals)
    assert len(batch) == len(records)
    for rec, clin, b in zip(records, clinicals, batch):
        single = predictor.predict(rec, clin, explain=False)
        np.testing.assert_allclose(b.probabilities, single.probabilities, atol=1e-6)
        np.testing.assert_allclose(b.window_probabilities, single.window_probabilities, atol=1e-6)
        assert b.positive == single.positive
        assert b.clinical_used == single.clinical_used
    assert predictor.predict_batch([]) == []
    with pytest.raises(ValueError, match="clinical"):
        predictor.predict_batch(records, [None])


def test_predict_batch_with_explanations(predictor):
    records = [synthetic_record(10, 500, seed=1), synthetic_record(30, 100, seed=2)]
    out = predictor.predict_batch(records, explain=True)
    for rec, pred in zip(records, out):
        _check_window_map(pred.explanation, rec)


def _check_window_map(e, rec):
    """The signal maps hold the explained window's samples only: (12, T_w) from record sample
    ``signal_start``, every sample of [window_start_s, + 10 s) in the record and at most one more
    either side."""
    T_w = e.signal_saliency.shape[1]
    assert e.signal_saliency.shape == e.signal_gradient.shape == (12, T_w)
    t = (e.signal_start + np.arange(T_w)) / rec.fs                       # (T_w,) record times
    all_t = np.arange(rec.signal.shape[1]) / rec.fs
    in_window = all_t[(all_t >= e.window_start_s) & (all_t < e.window_start_s + 10)]
    assert np.isin(in_window, t).all()
    assert T_w <= in_window.size + 2 and e.signal_start >= 0 and e.signal_start + T_w <= rec.signal.shape[1]
    return t


def _check_long(pred: Prediction, rec: EcgRecord):
    w = pred.window_probabilities.shape[0]
    assert w > 1
    np.testing.assert_allclose(pred.probabilities, pred.window_probabilities.mean(0), rtol=1e-6)
    e = pred.explanation
    best = int(np.argmax(pred.window_probabilities.max(1)))
    assert e.window == best
    assert e.window_start_s == pytest.approx(pred.window_starts_s[best])
    t = _check_window_map(e, rec)
    outside = (t < e.window_start_s) | (t >= e.window_start_s + 10)
    assert np.all(e.signal_saliency[:, outside] == 0)
    assert np.any(e.signal_saliency[:, ~outside] > 0)


def test_long_synthetic_record_gives_windows(predictor):
    rec = synthetic_record(30, 250, seed=7)
    pred = predictor.predict(rec)
    _check_long(pred, rec)
    assert np.all(np.diff(pred.window_starts_s) > 0)


def test_ptb_diagnostic_38s_record(predictor, shared_datasets):
    hea = shared_datasets / "ptbdb" / "s0010_re.hea"
    if not hea.is_file():
        pytest.skip("PTB Diagnostic sample not present")
    rec = load_record(hea)
    assert rec.duration_s > 30
    pred = predictor.predict(rec)
    _check_long(pred, rec)


def test_predict_from_a_path_times_loading(predictor, tmp_path):
    wfdb = pytest.importorskip("wfdb")
    rec = synthetic_record(10, 500, seed=9)
    wfdb.wrsamp("rec1", fs=500, units=["mV"] * 12, sig_name=list(STANDARD_LEADS),
                p_signal=rec.signal.T.astype(np.float64), fmt=["16"] * 12, adc_gain=[1000.0] * 12,
                baseline=[0] * 12, write_dir=str(tmp_path))
    from_path = predictor.predict(tmp_path / "rec1.hea", explain=False)
    assert "load" in from_path.timings
    direct = predictor.predict(rec, explain=False)
    np.testing.assert_allclose(from_path.probabilities, direct.probabilities, atol=1e-3)


def test_clinical_used_and_ignored(predictor, record):
    pred = predictor.predict(record, {"age": 55, "sex": "M", "troponin_t": (14, "ng/L"), "height": None,
                                      "weight": "n/a", "crp": 3.0}, explain=False)
    used = pred.clinical_used
    assert set(used["used"]) == {"age", "sex"}
    assert set(used["ignored"]) == {"troponin_t", "crp"}
    assert set(used["missing"]) == {"height", "weight"}
    with pytest.raises(ClinicalError, match="eye_colour"):      # not a clinical feature at all: a typo
        predictor.predict(record, {"eye_colour": "blue"}, explain=False)


def test_clinical_values_change_the_output(predictor, record):
    a = predictor.predict(record, None, explain=False).probabilities
    b = predictor.predict(record, {"age": 90, "sex": "M", "height": 150, "weight": 120}, explain=False).probabilities
    assert not np.allclose(a, b)


def test_bad_clinical_value_raises_clinical_error(predictor, record):
    with pytest.raises(ClinicalError) as err:
        predictor.predict(record, {"age": -5})
    assert err.value.feature == "age"
    with pytest.raises(ClinicalError):
        predictor.predict(record, {"weight": (80, "furlongs")})
    # an unused feature is never validated
    predictor.predict(record, {"troponin_t": -1}, explain=False)


def test_missing_checkpoint_is_a_clear_error(tmp_path, monkeypatch):
    missing = tmp_path / "nope"
    with pytest.raises(ModelNotFoundError, match="nope"):
        Predictor(missing)
    assert issubclass(ModelNotFoundError, CheckpointError)
    monkeypatch.setenv("MIRAGE_RESOURCES", str(tmp_path / "empty"))
    with pytest.raises(ModelNotFoundError, match="no trained model ships"):
        Predictor(None)


def test_shipped_models_are_found_by_name(tmp_path, monkeypatch):
    from mirage_model.inference import resolve_model_path
    from mirage_model.paths import shipped_models

    res = tmp_path / "res"
    make_tiny_checkpoint(res / "models" / "default")
    make_tiny_checkpoint(res / "models" / "mi", labels=("MI",))
    (res / "models" / "notes").mkdir()                       # a folder without config.json is no model
    monkeypatch.setenv("MIRAGE_RESOURCES", str(res))
    monkeypatch.chdir(tmp_path)
    assert list(shipped_models()) == ["default", "mi"]
    assert resolve_model_path("mi") == res / "models" / "mi"
    assert Predictor("mi", device="cpu").labels == ("MI",)
    (tmp_path / "mi").mkdir()                                # a folder of that name in the working directory wins
    assert resolve_model_path("mi") == Path("mi")
    with pytest.raises(ModelNotFoundError, match="shipped model: default, mi"):
        resolve_model_path("rhythm")


def test_default_model_is_used_when_path_is_none(tmp_path, monkeypatch, record):
    make_tiny_checkpoint(tmp_path / "res" / "models" / "default")
    monkeypatch.setenv("MIRAGE_RESOURCES", str(tmp_path / "res"))
    pred = Predictor(None, device="cpu").predict(record, explain=False)
    assert pred.probabilities.shape == (5,)


def test_device_resolution():
    assert resolve_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            resolve_device("cuda")


@pytest.mark.parametrize("model_type", ["resnet1d_wang", "patchtst"])
def test_baseline_checkpoints_explain_only_what_applies(tmp_path, record, model_type):
    path = make_tiny_checkpoint(tmp_path / model_type, model_type=model_type, clinical=())
    p = Predictor(path, device="cpu")
    pred = p.predict(record, {"age": 50})
    assert np.all((pred.probabilities >= 0) & (pred.probabilities <= 1))
    assert pred.clinical_used["ignored"] == {"age": 50}
    e = pred.explanation
    assert e.lead_importance.shape == (12,) and e.lead_importance.sum() == pytest.approx(1.0, abs=1e-5)
    assert e.patch_rollout is None and e.lead_bias is None and e.signal_saliency is None
    assert set(e.methods) == {"lead_importance"}
    np.testing.assert_allclose(p.predict_batch([record])[0].probabilities,
                               p.predict(record, explain=False).probabilities, atol=1e-6)


def test_ablation_without_image_has_no_patch_saliency(tmp_path, record):
    path = make_tiny_checkpoint(tmp_path / "noimg", use_image=False)
    e = Predictor(path, device="cpu").predict(record).explanation
    assert e.patch_rollout is None and e.patch_gradient is None and e.signal_saliency is None
    assert e.lead_bias.shape == (12, 12) and e.lead_importance.shape == (12,)


def test_ablation_without_labs_ignores_clinical(tmp_path, record):
    path = make_tiny_checkpoint(tmp_path / "nolabs", use_labs=False)
    pred = Predictor(path, device="cpu").predict(record, {"age": 50}, explain=False)
    assert pred.clinical_used["used"] == {} and pred.clinical_used["ignored"] == {"age": 50}


def test_thread_policy():
    from mirage_model.runtime import default_threads, set_threads

    assert [default_threads(c) for c in (1, 2, 3, 4, 8, 64)] == [1, 1, 1, 2, 4, 4]
    before = torch.get_num_threads()
    try:
        assert set_threads(2) == 2 == torch.get_num_threads()
        assert set_threads() == 2            # an explicit choice is kept by later Predictors
    finally:
        torch.set_num_threads(before)


def test_set_threads_holds_numpys_blas_to_the_same_count():
    # numpy's OpenBLAS starts with a thread per core (2 here); one waiting for a core spins, as torch's do
    from threadpoolctl import threadpool_info, threadpool_limits

    from mirage_model.runtime import set_threads

    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    if not blas:
        pytest.skip("numpy here has no BLAS threadpoolctl can see")
    before, torch_before = {p["filepath"]: p["num_threads"] for p in blas}, torch.get_num_threads()
    try:
        set_threads(1)
        assert [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"] == [1] * len(blas)
    finally:
        torch.set_num_threads(torch_before)
        threadpool_limits(limits=max(before.values()), user_api="blas")


def test_explanation_keeps_the_image_the_model_saw(ckpt, record):
    """The explained window's image is the checkpoint's own rendering, not a default redraw."""
    from mirage_model.preprocess import model_inputs
    from mirage_model.render import RenderConfig

    p = Predictor(ckpt, device="cpu")
    p.render_cfg = RenderConfig(mv_range=5.0, line_width=2.0)     # as a checkpoint could store it
    long_rec = synthetic_record(25, 500, seed=5)
    pred = p.predict(long_rec, explain=True)
    expl = pred.explanation
    assert isinstance(expl.image, np.ndarray) and expl.image.dtype == np.uint8
    own = model_inputs(long_rec.signal, long_rec.fs, p.preprocess_cfg, p.render_cfg).image
    assert expl.image.shape == own.shape[1:]
    np.testing.assert_array_equal(expl.image, own[expl.window])
    default = model_inputs(long_rec.signal, long_rec.fs).image[expl.window]
    assert not np.array_equal(expl.image, default)
