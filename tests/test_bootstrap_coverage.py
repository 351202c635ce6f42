"""Coverage of the 95% bootstrap intervals (``metrics.bootstrap_ci``, ``compare.paired_bootstrap``) against
truth known by construction: scores of positives drawn from N(mu, 1) and of negatives from N(0, 1), whose
AUROC is Phi(mu / sqrt 2) and whose average precision at prevalence pi is the integral of precision over
recall, computed by quadrature (and checked against sklearn on a population of 400,000 records).

Each split fixes each class's positives, so the quantity its intervals estimate is fixed too; an interval
quoted for 95% should hold it in about 95% of the splits, and its own point estimate in every one.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import ndtr

from training_cli.commands.compare import paired_bootstrap
from training_cli.engine import metrics as M

N = 500
POSITIVES = [1, 2, 3, 40, 120]          # three classes too rare for an interval of their own, two not
MUS = [1.0, 1.5, 2.0, 1.0, 1.5]         # true AUROC 0.76, 0.86, 0.92, 0.76, 0.86


def true_auroc(mu: float) -> float:
    return float(ndtr(mu / np.sqrt(2)))


@lru_cache
def true_auprc(mu: float, prevalence: float) -> float:
    """Average precision of the population: precision integrated over recall, recall = P(N(mu, 1) > t)."""
    def precision_density(t):
        tp, fp = prevalence * ndtr(mu - t), (1 - prevalence) * ndtr(-t)
        return tp / (tp + fp) * np.exp(-(t - mu) ** 2 / 2) / np.sqrt(2 * np.pi)
    return float(quad(precision_density, -12, 12 + mu, limit=200)[0])


def split(rng, positives=POSITIVES, mus=MUS, n=N):
    """Targets (n, K) with each class's positives at random records, and scores (n, K)."""
    Y = np.zeros((n, len(positives)))
    for k, pos in enumerate(positives):
        Y[rng.choice(n, pos, replace=False), k] = 1
    return Y, rng.normal(0, 1, Y.shape) + np.asarray(mus) * Y


def truth(keep, positives=POSITIVES, mus=MUS, n=N) -> dict[str, np.ndarray]:
    ks = [k for k in range(len(positives)) if keep[k]]
    return {"auroc": np.mean([true_auroc(mus[k]) for k in ks]),
            "auprc": np.mean([true_auprc(mus[k], positives[k] / n) for k in ks])}


def quoted_coverage(reps: int, n_boot: int) -> tuple[dict, dict]:
    """Over ``reps`` splits, the share of the quoted intervals (the macro's, or the macro of the classes
    with enough records, and each class's) that hold their true value, and that hold their point estimate."""
    rng = np.random.default_rng(0)
    K = len(POSITIVES)
    names = [f"c{k}" for k in range(K)]
    held, inside, quoted = {}, {}, {}
    every = np.ones(K, bool)
    for r in range(reps):
        Y, S = split(rng)
        point = M.compute_metrics(Y, S, names)
        boot = M.bootstrap_ci(Y, S, names, n_boot=n_boot, seed=r)
        checks = []
        for m in ("auroc", "auprc"):
            if boot["macro"][m] is not None:
                checks.append((f"macro {m}", boot["macro"][m], truth(every)[m], point["macro"][m]))
            enough = boot.get("macro_enough")
            if enough:
                keep = [c in enough["classes"] for c in names]
                checks.append((f"macro {m}", enough["ci"][m], truth(keep)[m], enough["point"][m]))
            for k, c in enumerate(names):
                if boot["per_class"][c][m] is not None:
                    one = truth([j == k for j in range(K)])[m]
                    checks.append((f"class {m}", boot["per_class"][c][m], one, point["per_class"][c][m]))
        for kind, (lo, hi), true, est in checks:
            quoted[kind] = quoted.get(kind, 0) + 1
            held[kind] = held.get(kind, 0) + (lo <= true <= hi)
            inside[kind] = inside.get(kind, 0) + (lo <= est <= hi)
    return ({k: held[k] / quoted[k] for k in quoted}, {k: inside[k] / quoted[k] for k in quoted})


def test_true_auprc_is_that_of_a_large_population():
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y = rng.random(400_000) < 0.02                        # 8000 positives: both within about 0.004 (2 SE)
    s = rng.normal(0, 1, len(y)) + 1.5 * y
    assert skm.average_precision_score(y, s) == pytest.approx(true_auprc(1.5, 0.02), abs=0.01)
    assert skm.roc_auc_score(y, s) == pytest.approx(true_auroc(1.5), abs=0.01)


def test_rare_classes_have_no_interval_and_the_macro_is_of_the_others():
    Y, S = split(np.random.default_rng(3))
    boot = M.bootstrap_ci(Y, S, list("abcde"), n_boot=20)
    assert boot["no_interval"] == ["a", "b", "c"] and boot["min_records"] == M.MIN_INTERVAL_RECORDS
    assert all(v is None for v in boot["per_class"]["a"].values()) and boot["per_class"]["d"]["auroc"]
    assert all(v is None for v in boot["macro"].values())
    enough = boot["macro_enough"]
    assert enough["classes"] == ["d", "e"]
    point = M.compute_metrics(Y, S, list("abcde"))["per_class"]
    assert enough["point"]["auroc"] == pytest.approx((point["d"]["auroc"] + point["e"]["auroc"]) / 2, abs=1e-6)
    assert boot["resamples"] == 20 and boot["draws"] >= 20


def test_quoted_intervals_hold_the_truth():
    """40 splits of 50 resamples. Where every class had an interval and each resample's macro averaged the
    classes it happened to hold, the quoted intervals held their truth in 68% (macro AUROC), 60% (macro
    AUPRC), 56% (a class's AUROC) and 72% (a class's AUPRC) of these splits; now 92%, 95%, 91%, 91%."""
    held, inside = quoted_coverage(reps=40, n_boot=50)
    assert set(held) == {"macro auroc", "macro auprc", "class auroc", "class auprc"}
    assert min(held.values()) >= 0.85, held
    assert min(inside.values()) == 1.0, inside


@pytest.mark.slow
def test_quoted_intervals_hold_the_truth_200_splits():
    held, inside = quoted_coverage(reps=200, n_boot=200)
    assert min(held.values()) >= 0.90, held
    assert min(inside.values()) == 1.0, inside


def test_paired_intervals_hold_the_true_difference():
    """Model B's scores are A's with mu halved: the true AUROC difference of each class is known."""
    rng = np.random.default_rng(5)
    K = len(POSITIVES)
    true_diff = np.array([true_auroc(m) - true_auroc(m / 2) for m in MUS])
    held = quoted = 0
    for r in range(30):
        Y = split(rng)[0]
        noise = rng.normal(0, 1, Y.shape)
        pa, pb = noise + np.asarray(MUS) * Y, noise + np.asarray(MUS) / 2 * Y
        out = paired_bootstrap(Y, pa, pb, n_boot=50, seed=r)
        assert out["no_interval"] == [0, 1, 2] and out["macro"]["diff_ci"] is None
        enough = out["macro_enough"]
        intervals = [(enough["diff_ci"], true_diff[enough["classes"]].mean())]
        intervals += [(out["per_class"][k]["diff_ci"], true_diff[k]) for k in range(K)
                      if out["per_class"][k]["diff_ci"] is not None]
        quoted += len(intervals)
        held += sum(lo <= t <= hi for (lo, hi), t in intervals)
    assert quoted == 30 * 3 and held / quoted >= 0.85
