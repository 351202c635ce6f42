"""The measured-rhythm stage (``mirage_model.stacking``): features against hand-computed values, the
logistic fit and AUROC against scikit-learn, the per-label choice on synthetic data where the truth
is known, the stored document, and the stage applied by the Predictor from a real checkpoint."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from helpers_models import make_tiny_checkpoint, synthetic_record
from helpers_training import make_folder
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mirage_model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mirage_model.inference import Predictor
from mirage_model.measure import measure
from mirage_model.review.interpret import interpret
from mirage_model.stacking import (FEATURES_VERSION, RHYTHM_FEATURES, MeasuredStack, StackError, auroc, fit,
                                   fit_logistic, rhythm_features)
from training_cli.main import main


def _meas(rr_ms, fs=500.0, pr_ms=160.0, dominant=None):
    beats = np.concatenate([[100.0], 100.0 + np.cumsum(np.asarray(rr_ms, dtype=float)) * fs / 1000.0])
    dom = np.ones(len(beats), dtype=bool) if dominant is None else np.asarray(dominant, dtype=bool)
    return SimpleNamespace(beats=beats.round().astype(np.int64), fs=fs, pr_ms=pr_ms, dominant=dom)


def test_features_of_a_regular_rhythm():
    f = dict(zip(RHYTHM_FEATURES, rhythm_features(_meas([1000] * 9))))
    assert f["log_hr"] == pytest.approx(np.log(60.0))
    assert f["rr_cv"] == pytest.approx(0.0) and f["rr_nrmssd"] == pytest.approx(0.0)
    assert f["rr_alternation"] == 0.0 and f["rr_adjacent_ratio"] == pytest.approx(1.0)
    assert f["p_found"] == 1.0 and f["dominant_share"] == 1.0


def test_features_of_bigeminy_by_hand():
    # RR 600, 1000, 600, ... ms: mean 800, SD 200, every successive difference 400 in size and of
    # alternating sign; each adjacent pair 600/1000; every third beat of 11 ectopic in form
    dominant = [k % 3 != 2 for k in range(11)]
    f = dict(zip(RHYTHM_FEATURES, rhythm_features(_meas([600, 1000] * 5, pr_ms=None, dominant=dominant))))
    assert f["log_hr"] == pytest.approx(np.log(60000 / 800))
    assert f["rr_cv"] == pytest.approx(200 / 800)
    assert f["rr_nrmssd"] == pytest.approx(400 / 800)
    assert f["rr_alternation"] == 1.0
    assert f["rr_adjacent_ratio"] == pytest.approx(0.6)
    assert f["p_found"] == 0.0
    assert f["dominant_share"] == pytest.approx(np.mean(dominant))


def test_too_few_beats_give_no_features():
    assert rhythm_features(_meas([800] * 3)) is None     # 4 beats
    assert rhythm_features(None) is None
    assert rhythm_features(_meas([800] * 4)) is not None  # 5 beats


def test_features_of_a_measured_synthetic_record():
    f = dict(zip(RHYTHM_FEATURES, rhythm_features(measure(synthetic_record(), fiducials=False))))
    assert np.exp(f["log_hr"]) == pytest.approx(72, abs=1.5)     # the record is built at 72 bpm
    assert f["rr_cv"] < 0.02 and f["rr_adjacent_ratio"] > 0.97


def test_logistic_fit_matches_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 4))
    y = (X @ [1.5, -1.0, 0.0, 0.5] + 0.3 + rng.standard_normal(400) > 0).astype(int)
    w, b = fit_logistic(X, y, C=0.3)
    ref = LogisticRegression(C=0.3, tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(w, ref.coef_[0], atol=1e-5)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-5)


def test_auroc_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.random(300) + 0.3 * y, 1)            # many ties
    assert auroc(y, s) == pytest.approx(roc_auc_score(y, s))
    assert np.isnan(auroc(np.zeros(5), np.arange(5)))


def _synthetic(n, seed):
    """Two labels: A is carried by a measured feature the model barely sees, B by nothing measured."""
    rng = np.random.default_rng(seed)
    feats = np.column_stack([rng.normal(4.3, 0.2, n), rng.gamma(2, 0.03, n), rng.gamma(2, 0.03, n),
                             rng.random(n), rng.uniform(0.7, 1, n), rng.integers(0, 2, n), rng.uniform(0.8, 1, n)])
    y_a = (feats[:, 1] + 0.02 * rng.standard_normal(n) > 0.09).astype(int)
    y_b = (rng.random(n) < 0.2).astype(int)
    p_a = 1 / (1 + np.exp(-(0.5 * (y_a - 0.5) + 1.5 * rng.standard_normal(n))))   # weak model
    p_b = 1 / (1 + np.exp(-(2.0 * (y_b - 0.5) + 1.0 * rng.standard_normal(n))))   # good model
    return np.column_stack([y_a, y_b]), np.column_stack([p_a, p_b]), feats


def test_fit_stacks_the_label_the_measurements_carry_and_generalises():
    y, p, f = _synthetic(1500, 0)
    f[:20] = np.nan                                          # unmeasured records: left out, kept as they were
    stage, oof = fit(y, p, f, ["A", "B"], candidates=["A", "B"])
    assert stage.labels == ("A",)
    assert stage.metrics["per_label"]["B"]["stacked"] is False
    np.testing.assert_array_equal(oof[:20], p[:20])
    np.testing.assert_array_equal(oof[:, 1], p[:, 1])
    y2, p2, f2 = _synthetic(1500, 1)                           # held-out records
    out = stage.apply(p2, ["A", "B"], f2)
    assert auroc(y2[:, 0], out[:, 0]) > auroc(y2[:, 0], p2[:, 0]) + 0.1
    np.testing.assert_array_equal(out[:, 1], p2[:, 1])
    assert abs(out[:, 0].mean() - y2[:, 0].mean()) < 0.03     # a probability, not just a score


def test_labels_not_candidates_or_with_few_positives_are_left():
    y, p, f = _synthetic(600, 2)
    y[:, 1] = 0
    y[:3, 1] = 1
    stage, _ = fit(y, p, f, ["A", "B"], candidates=["B"])
    assert stage.labels == () and "fewer than" in stage.metrics["per_label"]["B"]["why"]


def test_apply_leaves_records_without_features():
    y, p, f = _synthetic(800, 3)
    stage, _ = fit(y, p, f, ["A", "B"], candidates=["A"])
    rows = f[:4].copy()
    rows[1] = np.nan
    out = stage.apply(p[:4], ["A", "B"], rows)
    assert out[1, 0] == p[1, 0] and out[0, 0] != p[0, 0]
    np.testing.assert_array_equal(stage.apply(p[0], ["A", "B"], None), p[0])
    with pytest.raises(StackError):
        stage.apply(p[:4], ["A", "B"], f[:3])


def test_document_round_trip_and_refusals():
    y, p, f = _synthetic(800, 4)
    stage, _ = fit(y, p, f, ["A", "B"], candidates=["A"])
    again = MeasuredStack.from_dict(stage.to_dict(), ["A", "B"])
    np.testing.assert_allclose(again.apply(p, ["A", "B"], f), stage.apply(p, ["A", "B"], f))
    doc = stage.to_dict()
    for bad in ({**doc, "version": FEATURES_VERSION + 1}, {**doc, "labels": ["C"]},
                {**doc, "weights": [[float("nan")] * 8]}, {**doc, "sd": [0.0] * 7},
                {**doc, "features": ["log_hr"]}, [1, 2]):
        with pytest.raises(StackError):
            MeasuredStack.from_dict(bad, ["A", "B"])


def test_the_predictor_applies_a_stored_stage(tmp_path):
    src = make_tiny_checkpoint(tmp_path / "plain", labels=("SR", "AFIB"))
    loaded = load_checkpoint(src)
    rec = synthetic_record(seed=3)
    feats = rhythm_features(measure(rec, fiducials=False))
    # a stage that raises SR with the rate: its output computed here by hand
    w = np.array([1.0, 2.0, 0, 0, 0, 0, 0, 0])
    stage = MeasuredStack(("SR",), RHYTHM_FEATURES, np.full(7, 0.1), np.ones(7), (w,), (0.5,), "test")
    out = save_checkpoint(tmp_path / "stacked", loaded.model, model_type=loaded.model_type, task=loaded.task,
                          labels=loaded.labels, schema=loaded.schema, preprocess=loaded.preprocess,
                          render=loaded.render, thresholds=loaded.thresholds, measured_stack=stage)
    assert load_checkpoint(out).measured_stack.labels == ("SR",)
    plain = Predictor(src, device="cpu").predict(rec, explain=False)
    done = Predictor(out, device="cpu").predict(rec, explain=False)
    z = np.log(plain.probabilities[0] / (1 - plain.probabilities[0]))
    expected = 1 / (1 + np.exp(-(z + 2.0 * (feats[0] - 0.1) + 0.5)))
    assert done.probabilities[0] == pytest.approx(expected, abs=1e-5)
    assert done.probabilities[1] == pytest.approx(plain.probabilities[1], abs=1e-6)
    assert done.measured_labels == ("SR",) and plain.measured_labels == ()
    np.testing.assert_allclose(done.window_probabilities, plain.window_probabilities, atol=1e-6)
    # a record too short for 5 beats keeps the model's probability, and says why
    short = Predictor(out, device="cpu").predict(synthetic_record(duration_s=3.0), explain=False)
    assert short.measured_labels == () and "3 beats detected, 5 needed" in short.measured_note


def test_a_checkpoint_with_a_bad_stage_is_refused(tmp_path):
    src = make_tiny_checkpoint(tmp_path / "plain", labels=("SR", "AFIB"))
    cfg = json.loads((src / "config.json").read_text())
    cfg["measured_stack"] = {"version": FEATURES_VERSION, "labels": ["XYZ"]}
    (src / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="measured_stack"):
        load_checkpoint(src)


def test_the_interpretation_says_which_statements_the_stage_set():
    it = interpret(["SR", "PVC", "NORM"], [0.9, 0.7, 0.1], [0.4, 0.3, 0.5], {"heart_rate_bpm": 70.0},
                   measured=["SR"])
    sr = next(s for s in it.statements if s.code == "SR")
    pvc = next(s for s in it.statements if s.code == "PVC")
    assert sr.measured and sr.source_tag().startswith("model + measurements 90%")
    assert not pvc.measured and pvc.source_tag().startswith("model 70%")
    assert any("[model + measurements, 90%" in line for line in it.lines())


def _rhythm_folder(tmp_path, val_copies: int = 6, per_source=("SARRH", "SR;SARRH", "SR", "AFIB")):
    """The four shipped PTB-XL samples copied with rhythm labels per source record: copies 0-1 are
    train, the next ``val_copies`` the validation split (24 records by default), the last two test."""
    n = 4 + val_copies
    root, _ = make_folder(tmp_path / "data", n_copies=n)
    rows = ["record_id,labels,split"]
    for k in range(4 * n):
        c = k // 4
        split = "train" if c < 2 else "val" if c < 2 + val_copies else "test"
        rows.append(f"ecg{k:03d},{per_source[k % 4]},{split}")
    labels = root / "labels.csv"
    labels.write_text("\n".join(rows) + "\n")
    return root, labels


def test_calibrate_fits_the_stage_and_evaluate_applies_it(tmp_path):

    root, labels = _rhythm_folder(tmp_path)
    model = make_tiny_checkpoint(tmp_path / "m", labels=("SR", "SARRH", "AFIB"), clinical=())
    cache, out = tmp_path / "cache", tmp_path / "cal"
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(cache), "--workers", "1"]
    assert main(["calibrate", "--model", str(model), *data, "--measured-rhythm", "--out", str(out),
                 "--no-progress", "--threads", "1"]) == 0
    loaded = load_checkpoint(out)
    stage = loaded.measured_stack
    assert stage is not None and stage.labels and set(stage.labels) <= {"SR", "SARRH", "AFIB"}
    per = json.loads((out / "calibration.json").read_text())["measured_stack"]["metrics"]["per_label"]
    assert set(per) == {"SR", "SARRH", "AFIB"}
    for lab in stage.labels:                       # chosen only where the cross-validated AUROC gained
        assert per[lab]["stacked_auroc_cv"] >= per[lab]["model_auroc"] + 0.003
    oof = np.load(out / "val_out_of_fold.npz")
    assert oof["probabilities"].shape == (24, 3) and oof["targets"][:, 1].sum() == 12
    assert list(cache.glob("rhythm-features-*.npz"))          # measured once, cached beside the inputs
    ev = tmp_path / "ev" / "metrics.json"
    assert main(["evaluate", "--model", str(out), *data, "--split", "test", "--out", str(ev),
                 "--bootstrap", "0", "--no-progress"]) == 0
    assert json.loads(ev.read_text())["n"] == 8


def test_calibrate_refuses_the_stage_for_a_model_without_rhythm_statements(tmp_path, capsys):
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    model = make_tiny_checkpoint(tmp_path / "m", clinical=())
    rc = main(["calibrate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels),
               "--cache-dir", str(tmp_path / "cache"), "--measured-rhythm", "--out", str(tmp_path / "cal"),
               "--no-progress", "--workers", "1"])
    assert rc != 0 and "no rhythm statements" in capsys.readouterr().err
    assert not (tmp_path / "cal").exists()


def test_a_context_label_enters_with_the_model_probability():
    # label A's stage also reads the model's logit of B; B itself stacked too: A must see B's model
    # probability, not B's stacked one (computed here by hand)
    w_a = np.array([1.0, -2.0, 0.5, 0, 0, 0, 0, 0, 0])     # own, context B, then 7 features
    w_b = np.array([1.0, 0.0, 0, 0, 0, 0, 0, 0, 3.0])       # B's own context weight unused (0)
    stage = MeasuredStack(("A", "B"), RHYTHM_FEATURES, np.zeros(7), np.ones(7), (w_a, w_b), (0.1, -0.2),
                          context=("B",))
    p = np.array([[0.3, 0.8]])
    f = np.array([[0.4, 0, 0, 0, 0, 0, 0.9]])
    out = stage.apply(p, ["A", "B"], f)[0]
    lg = lambda q: np.log(q / (1 - q))                     # noqa: E731
    sig = lambda z: 1 / (1 + np.exp(-z))                   # noqa: E731
    assert out[0] == pytest.approx(sig(lg(0.3) - 2.0 * lg(0.8) + 0.5 * 0.4 + 0.1))
    assert out[1] == pytest.approx(sig(lg(0.8) + 3.0 * 0.9 - 0.2))
    again = MeasuredStack.from_dict(stage.to_dict(), ["A", "B"])
    assert again.context == ("B",) and again.apply(p, ["A", "B"], f)[0] == pytest.approx(out)
    with pytest.raises(StackError):
        MeasuredStack.from_dict({**stage.to_dict(), "context": ["Z"]}, ["A", "B"])


def test_calibrate_runs_again_into_its_own_output(tmp_path):
    root, labels = _rhythm_folder(tmp_path)
    model = make_tiny_checkpoint(tmp_path / "m", labels=("SR", "SARRH", "AFIB"), clinical=())
    argv = ["calibrate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels),
            "--cache-dir", str(tmp_path / "cache"), "--workers", "1", "--out", str(tmp_path / "cal"), "--no-progress"]
    assert main(argv + ["--measured-rhythm"]) == 0
    weights = (tmp_path / "cal" / "model.safetensors").read_bytes()
    assert main(argv) != 0                                    # an earlier run's model is not replaced unasked
    assert (tmp_path / "cal" / "model.safetensors").read_bytes() == weights
    assert load_checkpoint(tmp_path / "cal").measured_stack is not None
    assert main(argv + ["--overwrite"]) == 0                  # replaced: no stage, no out-of-fold file now
    assert load_checkpoint(tmp_path / "cal").measured_stack is None
    assert not (tmp_path / "cal" / "val_out_of_fold.npz").exists()
    (tmp_path / "cal" / "notes.txt").write_text("mine")       # a folder with a file of the user's is refused
    assert main(argv + ["--overwrite"]) != 0 and (tmp_path / "cal" / "notes.txt").read_text() == "mine"


def test_calibrate_refuses_to_write_over_the_model_it_reads(tmp_path, capsys):
    # --out pointed at --model replaced the uncalibrated checkpoint at the end of the run, unasked
    root, labels = _rhythm_folder(tmp_path)
    model = make_tiny_checkpoint(tmp_path / "m", labels=("SR", "SARRH", "AFIB"), clinical=())
    before = (model / "model.safetensors").read_bytes()
    assert main(["calibrate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels),
                 "--cache-dir", str(tmp_path / "cache"), "--workers", "1", "--out", str(model),
                 "--no-progress"]) != 0
    err = capsys.readouterr().err
    assert f"--out {model}: that is the model being read (--model {model}); it is never replaced" in err, err
    assert "Traceback" not in err and (model / "model.safetensors").read_bytes() == before
    assert not (tmp_path / "cache").exists()                   # refused before any work


def test_calibrate_stores_no_stage_when_no_statement_can_gain(tmp_path, capsys):
    # 4 validation copies: sinus arrhythmia and AF on 4 records each (< 5 positives), SR on all
    root, labels = _rhythm_folder(tmp_path, val_copies=4, per_source=("SR;SARRH", "SR", "SR;AFIB", "SR"))
    model = make_tiny_checkpoint(tmp_path / "m", labels=("SR", "SARRH", "AFIB"), clinical=())
    assert main(["calibrate", "--model", str(model), "--data", f"folder:{root}", "--labels", str(labels),
                 "--cache-dir", str(tmp_path / "cache"), "--workers", "1", "--measured-rhythm",
                 "--out", str(tmp_path / "cal"), "--no-progress"]) == 0
    assert "no stage stored" in capsys.readouterr().out
    assert load_checkpoint(tmp_path / "cal").measured_stack is None
    assert (tmp_path / "cal" / "val_out_of_fold.npz").is_file()


def test_fit_without_any_measured_record_keeps_the_model():
    y, p, f = _synthetic(300, 5)
    f[:] = np.nan
    stage, oof = fit(y, p, f, ["A", "B"], candidates=["A", "B"])
    assert stage.labels == () and stage.metrics["why"] == "no record measured"
    np.testing.assert_array_equal(oof, p)
    y[:, 1] = 1
    stage, _ = fit(y, p, _synthetic(300, 5)[2], ["A", "B"], candidates=["B"])
    assert stage.metrics["per_label"]["B"]["why"] == "every measured record positive"
