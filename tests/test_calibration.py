"""calibration: ECE, Platt, isotonic (against scikit-learn), the fitted choice, storage and use.

Truth: outcomes drawn from known probabilities (so a calibrated predictor is known exactly),
scikit-learn's IsotonicRegression, and the uncalibrated model output mapped by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.calibration import (PLATT_MIN_SLOPE, TIE_BREAK, Calibration, CalibrationError, chance_ece, ece,
                                      ece_against_chance, fit, fit_isotonic, fit_platt)


def _logit(p):
    return np.log(p) - np.log1p(-p)


def _data(n=20000, seed=0, sharpen=3.0):
    rng = np.random.default_rng(seed)
    true_p = rng.beta(0.6, 1.5, size=n).clip(1e-4, 1 - 1e-4)
    y = (rng.random(n) < true_p).astype(float)
    over = 1 / (1 + np.exp(-sharpen * _logit(true_p)))          # an over-confident model of the same ranking
    return y, true_p, over


def test_ece_tells_calibrated_from_overconfident():
    y, p, over = _data()
    assert ece(y, p) < 0.015
    assert ece(y, over) > 0.05
    assert ece(np.array([1, 0, 1, 0.0]), np.array([1, 0, 1, 0.0])) == 0.0
    assert ece(np.array([1, 1.0]), np.array([0.05, 0.05])) == pytest.approx(0.95)


def _expected_abs_dev(n: int, q: float) -> float:
    """E|B/n - q| for B ~ Binomial(n, q), exactly from the probability mass function."""
    from math import comb
    return sum(comb(n, k) * q ** k * (1 - q) ** (n - k) * abs(k / n - q) for k in range(n + 1))


def test_chance_ece_matches_the_exact_binomial_expectation():
    # two bins: 100 records at 0.05 and 30 at 0.55; a calibrated model's ECE is the count-weighted
    # mean absolute deviation of each bin's observed frequency, known exactly from the binomial law
    p = np.r_[np.full(100, 0.05), np.full(30, 0.55)]
    exact = 100 / 130 * _expected_abs_dev(100, 0.05) + 30 / 130 * _expected_abs_dev(30, 0.55)
    draws = chance_ece(p, draws=4000, seed=3)
    assert draws.shape == (4000,)
    assert draws.mean() == pytest.approx(exact, abs=4 * draws.std() / np.sqrt(len(draws)))
    assert np.array_equal(chance_ece(p, draws=10, seed=1), chance_ece(p, draws=10, seed=1))   # seeded


def test_ece_against_chance_tells_sampling_scatter_from_miscalibration():
    y, p, over = _data(n=2000, seed=7)
    calibrated = ece_against_chance(y, p, seed=1)
    assert calibrated["chance_mean"] <= calibrated["chance_p95"]
    assert calibrated["p_value"] > 0.01                 # outcomes drawn from p: consistent with p
    overconfident = ece_against_chance(y, over, seed=1)
    assert overconfident["ece"] > overconfident["chance_p95"]
    assert overconfident["p_value"] == pytest.approx(1 / 1001)   # no perfectly calibrated draw comes near
    with pytest.raises(CalibrationError):
        chance_ece(np.zeros(0))


def test_platt_recovers_the_inverse_sharpening():
    y, _, over = _data(sharpen=3.0)
    a, b = fit_platt(y, over)
    assert a == pytest.approx(1 / 3, rel=0.1) and abs(b) < 0.1


def test_isotonic_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn.isotonic")
    y, _, over = _data(n=3000, seed=1)
    x, v = fit_isotonic(y, over)
    ref = sklearn.IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4).fit(over, y)
    grid = np.sort(over)
    np.testing.assert_allclose(np.interp(grid, x, v), ref.predict(grid), atol=1e-9)


def test_fit_on_one_half_calibrates_the_other():
    y, _, over = _data(n=20000, seed=2)
    Y, P = np.stack([y, y], 1), np.stack([over, over], 1)
    cal = fit(Y[:10000], P[:10000])
    after = cal.apply(P[10000:])
    for k in range(2):
        assert ece(Y[10000:, k], after[:, k]) < 0.02 < ece(Y[10000:, k], P[10000:, k])
        assert cal.methods[k] in ("platt", "isotonic")
    assert len(cal.metrics["ece_after_cv"]) == 2


def _auroc(y, p):
    """Mann-Whitney AUROC with ties counted half (the independent truth the tests compare with)."""
    pos, neg = p[y > 0.5], p[y <= 0.5]
    return float(((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (len(pos) * len(neg)))


def test_an_isotonic_map_keeps_the_ranking_of_held_out_records():
    # a rare class (20 positives in 2000): pool-adjacent-violators makes wide flat steps, and every
    # held-out record inside one step (or below the first) would tie with the others
    rng = np.random.default_rng(4)
    y, _, over = _data(n=4000, seed=4)
    y = (rng.random(4000) < 0.1 * over).astype(float)
    x, v = fit_isotonic(y[:2000], over[:2000])
    cal = Calibration(("isotonic",), ({"x": x.tolist(), "y": v.tolist()},))
    held = over[2000:]
    after = cal.apply(held[:, None])[:, 0]
    step = np.interp(held, x, v)
    assert len(np.unique(step)) < len(held) // 10                     # the step function ties most records
    o = np.argsort(held, kind="stable")
    distinct = np.diff(held[o]) > 0
    assert distinct.sum() > len(held) // 2
    assert np.all(np.diff(after[o])[distinct] > 0) and np.all(np.diff(after[o]) >= 0)
    assert _auroc(y[2000:], after) == pytest.approx(_auroc(y[2000:], held), abs=1e-12)
    assert _auroc(y[2000:], step) != pytest.approx(_auroc(y[2000:], held), abs=1e-3)
    assert np.max(np.abs(after - step)) <= TIE_BREAK


def test_platt_never_flattens_or_reverses_a_class():
    y, _, over = _data(n=2000, seed=5)
    a, b = fit_platt(1 - y, over)                                    # outcomes against the model: a would be < 0
    assert a == pytest.approx(PLATT_MIN_SLOPE)
    q = 1 / (1 + np.exp(-(a * _logit(over.clip(1e-6, 1 - 1e-6)) + b)))
    assert q.mean() == pytest.approx((1 - y).mean(), abs=0.01)       # b still fits the base rate
    assert np.all(np.diff(q[np.argsort(over)]) >= 0)


def test_platt_refit_of_b_never_steps_uphill():
    """The 1-D refit halves its Newton step until the loss does not rise; where it still rises at a millionth of
    the step it stops. Four records at logit 0 with targets 0.9: the step is (4 * (0.5 - 0.9)) / (4 * 0.25) =
    -1.6, but the loss given here rises away from b = 0 either way, so b stays 0 (it had crept 1.5e-4 in 100 steps)."""
    from mirage_model.calibration import _refit_intercept

    z, t = np.zeros(4), np.full(4, 0.9)
    assert _refit_intercept(PLATT_MIN_SLOPE, 0.0, z, t, lambda a, b: abs(b), iters=100) == 0.0
    # a loss that falls along the step: it is taken, to the minimum (logit 0.9 = 2.1972)
    def logloss(a, b):
        q = 1 / (1 + np.exp(-b))
        return -np.sum(t * np.log(q) + (1 - t) * np.log(1 - q))

    assert _refit_intercept(PLATT_MIN_SLOPE, 0.0, z, t, logloss, iters=100) == pytest.approx(2.1972, abs=1e-4)


def test_platt_on_scores_close_together_fits_the_base_rate():
    # a tiny model's first epoch: one positive of 9 validation records, scores 0.45-0.48 (an own Challenge run's
    # AFL). Platt's targets are 2/3 for the positive and 1/10 for the negatives, so at a slope of ~0 the fitted
    # probability is their mean, (2/3 + 8/10) / 9 = 0.16296, b = logit(0.16296) = -1.6364. b had run to
    # 1.2e12 (every record 1.0), and other such splits to -3e12 (every record 0: AUROC 0.5)
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    for p in ([0.4531, 0.4573, 0.4596, 0.4588, 0.4699, 0.4684, 0.4633, 0.4564, 0.4787],
              [0.455, 0.4777, 0.4539, 0.4727, 0.4754, 0.4651, 0.4747, 0.4769, 0.46]):
        p = np.array(p)
        a, b = fit_platt(y, p)
        assert a == pytest.approx(PLATT_MIN_SLOPE)
        assert b == pytest.approx(-1.6364, abs=1e-3)
        q = 1 / (1 + np.exp(-(a * _logit(p) + b)))
        assert np.all(np.diff(q[np.argsort(p)]) > 0)                 # the ranking kept, no ties


def test_fitted_calibration_leaves_every_class_auroc_unchanged():
    rng = np.random.default_rng(6)
    n = 3000
    ys, ps = [], []
    for prevalence in (0.3, 0.02, 0.004):                            # common, rare, very rare (12 positives)
        _, true_p, over = _data(n=n, seed=int(1000 * prevalence))
        ys.append((rng.random(n) < prevalence * 2 * true_p).astype(float))
        ps.append(over)
    Y, P = np.stack(ys, 1), np.stack(ps, 1)
    cal = fit(Y[:2000], P[:2000])
    after = cal.apply(P[2000:])
    for k in range(3):
        if 0 < Y[2000:, k].sum() < 1000:
            assert _auroc(Y[2000:, k], after[:, k]) == pytest.approx(_auroc(Y[2000:, k], P[2000:, k]), abs=1e-12)


def test_a_class_without_a_validation_positive_keeps_its_probabilities():
    """A folder dataset's val split with no AF record: both maps sent every AF probability to the one
    outcome seen (isotonic: 1e-4 for all 65 records, the 7 AF ones too), so the calibrated model never
    called AF, and its ECE read 0. Such a class is left as the model gives it; the others are fitted."""
    y, _, over = _data(n=400, seed=9)
    rng = np.random.default_rng(1)
    raw = np.stack([rng.uniform(0.05, 0.95, 400), over, rng.uniform(0.05, 0.95, 400)], 1)
    Y = np.stack([np.zeros(400), y, np.ones(400)], 1)                 # no positive, both, no negative
    cal = fit(Y, raw)
    assert cal.methods[0] == cal.methods[2] == "identity" and cal.methods[1] != "identity"
    held_out = rng.uniform(0.01, 0.99, (50, 3))
    after = cal.apply(held_out)
    np.testing.assert_array_equal(after[:, [0, 2]], held_out[:, [0, 2]])
    assert cal.metrics["ece_after_cv"][0] == cal.metrics["ece_before"][0] == pytest.approx(ece(Y[:, 0], raw[:, 0]))


def test_temperature_for_softmax_models():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(5000, 3)) * 2
    true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(3, p=q) for q in true])
    over = np.exp(2 * logits) / np.exp(2 * logits).sum(1, keepdims=True)
    cal = fit(y, over, multiclass=True)
    assert cal.methods == ("temperature",) and cal.params[0]["t"] == pytest.approx(2.0, rel=0.1)
    np.testing.assert_allclose(cal.apply(over).sum(1), 1.0)


@pytest.mark.parametrize("doc", [
    {"methods": ["platt"], "params": [{"a": float("nan"), "b": 0}]},
    {"methods": ["platt", "platt"], "params": [{"a": 1, "b": 0}]},
    {"methods": ["magic"], "params": [{}]},
    {"methods": ["isotonic"], "params": [{"x": [0, 1], "y": [0.9, 0.1]}]},
    {"methods": ["temperature"], "params": [{"t": -1}]},
    [1, 2],
])
def test_bad_documents_are_refused(doc):
    with pytest.raises(CalibrationError):
        Calibration.from_dict(doc, 1)


def test_round_trip_through_a_checkpoint_and_the_predictor(tmp_path):
    from helpers_models import make_tiny_checkpoint

    from mirage_model.checkpoint import load_checkpoint, save_checkpoint
    from mirage_model.inference import Predictor
    from mirage_model.records import load_record
    from mirage_model.paths import sample_records

    src = make_tiny_checkpoint(tmp_path / "plain")
    loaded = load_checkpoint(src)
    K = len(loaded.labels)
    cal = Calibration(tuple(["platt"] * K), tuple({"a": 0.5, "b": -0.2} for _ in range(K)), "test")
    out = save_checkpoint(tmp_path / "cal", loaded.model, model_type=loaded.model_type, task=loaded.task,
                          labels=loaded.labels, schema=loaded.schema, preprocess=loaded.preprocess,
                          render=loaded.render, thresholds=loaded.thresholds, calibration=cal)
    again = load_checkpoint(out)
    assert again.calibration.methods == cal.methods
    rec = load_record(sample_records()[0])
    raw = Predictor(src, device="cpu").predict(rec, explain=False).probabilities
    done = Predictor(out, device="cpu").predict(rec, explain=False).probabilities
    np.testing.assert_allclose(done, 1 / (1 + np.exp(-(0.5 * _logit(raw.astype(np.float64)) - 0.2))), atol=1e-5)


def test_the_explained_classes_are_chosen_on_the_calibrated_scale(tmp_path):
    # thresholds are chosen on calibrated probabilities, so the classes an explanation explains
    # must be picked the same way: here raw and calibrated probabilities fall on opposite sides
    from helpers_models import make_tiny_checkpoint

    from mirage_model.checkpoint import load_checkpoint, save_checkpoint
    from mirage_model.inference import Predictor
    from mirage_model.records import load_record
    from mirage_model.paths import sample_records

    loaded = load_checkpoint(make_tiny_checkpoint(tmp_path / "plain"))
    K = len(loaded.labels)
    rec = load_record(sample_records()[0])
    raw = Predictor(loaded.path, device="cpu", quality=False).predict(rec, explain=False).probabilities
    cal = Calibration(tuple(["platt"] * K), tuple({"a": 1.0, "b": 3.0} for _ in range(K)))   # pushes every p up
    th = np.clip(np.asarray(raw, dtype=np.float64) + 0.02, 0.01, 0.99)       # raw just below, calibrated above
    out = save_checkpoint(tmp_path / "cal", loaded.model, model_type=loaded.model_type, task=loaded.task,
                          labels=loaded.labels, schema=loaded.schema, preprocess=loaded.preprocess,
                          render=loaded.render, thresholds=th, calibration=cal)
    p = Predictor(out, device="cpu", quality=False)
    ew = p._explain_window(p.prepare(rec), 0, None)
    expected = [k for k in range(K) if cal.apply(1 / (1 + np.exp(-ew.logits.astype(np.float64))))[k] >= th[k]]
    assert len(expected) == K and list(ew.predicted) == expected


def _calibrated_and_overconfident(seed=0):
    """(Y (400, 2), P (400, 2)): class 0 already calibrated to the record (at each of its four
    probabilities the share of positives is exactly that probability: ECE 0, which no map can
    lower); class 1 over-confident (a map helps)."""
    rng = np.random.default_rng(seed)
    p0, y0 = [], []
    for level in (0.05, 0.25, 0.55, 0.85):
        pos = round(level * 100)
        p0 += [level] * 100
        y0 += list(rng.permutation([1.0] * pos + [0.0] * (100 - pos)))
    y1, _, over = _data(n=400, seed=seed + 7)
    order = rng.permutation(400)
    return np.stack([np.asarray(y0)[order], y1], 1), np.stack([np.asarray(p0)[order], over], 1)


def test_a_class_no_map_improves_keeps_the_models_probabilities():
    """fit chose Platt or isotonic for every class with both outcomes, even where both made the
    cross-validated ECE worse (6 validation records: Platt, 0.240 -> 0.438). A class whose
    probabilities are already calibrated (ECE 0 on the split) keeps them."""
    Y, P = _calibrated_and_overconfident()
    assert ece(Y[:, 0], P[:, 0]) == pytest.approx(0.0, abs=1e-12)
    cal = fit(Y, P)
    assert cal.methods[0] == "identity" and cal.methods[1] in ("platt", "isotonic")
    by = cal.metrics["ece_cv_by_method"]
    assert set(by[0]) == {"platt"} and min(by[0].values()) > 0       # 400 records: isotonic not tried
    assert cal.metrics["ece_after_cv"][0] == cal.metrics["ece_before"][0]
    assert cal.metrics["ece_after_cv"][1] < cal.metrics["ece_before"][1]
    held = np.random.default_rng(1).uniform(0.01, 0.99, (50, 2))
    np.testing.assert_array_equal(cal.apply(held)[:, 0], held[:, 0])
    again = Calibration.from_dict(cal.to_dict(), 2)                  # stored and read back as fitted
    assert again.methods == cal.methods and again.metrics["ece_cv_by_method"] == by


def test_calibrate_says_why_a_class_keeps_its_probabilities():
    from training_cli.commands.calibrate import method_lines

    Y, P = _calibrated_and_overconfident()
    Y = np.concatenate([Y, np.zeros((400, 1))], 1)                    # a third class without a positive
    P = np.concatenate([P, np.full((400, 1), 0.1)], 1)
    cal = fit(Y, P)
    lines = method_lines(cal, Y, ["NORM", "MI", "HYP"], [0.5, 0.5, 0.5])
    by = cal.metrics["ece_cv_by_method"][0]
    assert lines[0] == (f"    NORM: identity    ECE 0.000 kept: the model's own probabilities, as no map lowered the "
                        f"cross-validated ECE (platt {by['platt']:.3f}); threshold 0.500")
    assert lines[1].startswith(f"      MI: {cal.methods[1]:<11} ECE ") and "cross-validated" in lines[1]
    assert "no positive record in the validation split" in lines[2]
    assert lines[3] == ("          (isotonic not tried: 400 records, under 1000 (Niculescu-Mizil & Caruana 2005: it "
                        "overfits so few; Platt alone))")


def test_a_small_split_gets_platt_and_its_few_outcomes_are_said(caplog):
    """A researcher's 19 validation records, 2 positives for a class (its two highest scores): fit chose an isotonic
    map on them (a step from 1e-4 to near 1), which made one class's age worth +0.267. Below 1000 records isotonic
    is not tried (Niculescu-Mizil & Caruana 2005), and mirage calibrate says the class was fitted on 2 positives."""
    from mirage_model.calibration import ISOTONIC_MIN_RECORDS, few_outcomes
    from training_cli.commands.calibrate import method_lines, warn_few_outcomes

    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 19)
    y = np.zeros(19)
    y[np.argsort(p)[-2:]] = 1                                         # by construction: 2 positive, 17 negative
    cal = fit(y[:, None], p[:, None])
    assert cal.methods[0] in ("platt", "identity")
    assert set(cal.metrics["ece_cv_by_method"][0]) == {"platt"}
    assert "19 records, under 1000" in cal.metrics["isotonic_left_out"]
    if cal.methods[0] == "platt":
        assert few_outcomes(cal) == {0: (2, 17)}
        line = method_lines(cal, y[:, None], ["AF"], [0.5])[0]
        assert line.endswith("; fitted on 2 positive and 17 negative records, under 10 of one: a rough map"), line
        with caplog.at_level("WARNING"):
            warn_few_outcomes(few_outcomes(cal), ["AF"], "own val split, 19 records")
        assert "1 of 1 classes calibrated on fewer than 10 positive or negative records: AF (2 positive, 17 " \
               "negative)" in caplog.text
    # a split of 1000 records or more still tries both maps, and one with 10 of each says nothing
    Y, _, over = _data(n=ISOTONIC_MIN_RECORDS, seed=3)
    big = fit(Y[:, None], over[:, None])
    assert set(big.metrics["ece_cv_by_method"][0]) == {"platt", "isotonic"} and "isotonic_left_out" not in big.metrics
    assert few_outcomes(big) == {}
