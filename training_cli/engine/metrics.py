"""Metrics of the training CLI, as the PTB-XL benchmark (Strodthoff et al. 2020) computes them.

Macro AUROC over the classes of the task (classes without both a positive and a negative are left
out of the macro mean), AUPRC as average precision, F1 and accuracy at per-class thresholds chosen
on the validation split only, and percentile bootstrap 95% intervals over records (seeded).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.stats import rankdata
from tqdm import tqdm

logger = logging.getLogger(__name__)


def _rankdata(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of a 1D array; ties share their mean rank."""
    return rankdata(x, method="average")


def auroc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U). y (N,) {0,1}, p (N,) scores. NaN if one class only."""
    y = np.asarray(y).astype(bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    r = _rankdata(np.asarray(p, dtype=np.float64))
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auprc(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision (step-wise area under precision-recall, as sklearn's average_precision_score)."""
    y = np.asarray(y).astype(bool)
    n_pos = int(y.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-np.asarray(p, dtype=np.float64), kind="mergesort")
    ps = np.asarray(p, dtype=np.float64)[order]
    ys = y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    # one point per distinct threshold (last index of each run of equal scores)
    last = np.r_[np.flatnonzero(ps[1:] != ps[:-1]), len(ps) - 1]
    tp, fp = tp[last], fp[last]
    precision = tp / (tp + fp)
    recall = tp / n_pos
    recall_prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - recall_prev) * precision))


def roc_curve(y, p):
    """(fpr, tpr) arrays for plotting."""
    y = np.asarray(y).astype(bool)
    order = np.argsort(-np.asarray(p, dtype=np.float64), kind="mergesort")
    ys = y[order]
    tp = np.r_[0, np.cumsum(ys)]
    fp = np.r_[0, np.cumsum(~ys)]
    return fp / max(fp[-1], 1), tp / max(tp[-1], 1)


def pr_curve(y, p):
    """(recall, precision) arrays for plotting."""
    y = np.asarray(y).astype(bool)
    order = np.argsort(-np.asarray(p, dtype=np.float64), kind="mergesort")
    ys = y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    return tp / max(int(y.sum()), 1), tp / np.maximum(tp + fp, 1)


def one_hot(y: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((len(y), k), dtype=np.float32)
    out[np.arange(len(y)), y] = 1
    return out


def as_multilabel(y: np.ndarray, k: int) -> np.ndarray:
    """Targets as (N, K) {0,1}: multiclass int (N,) becomes one-hot."""
    return one_hot(y, k) if y.ndim == 1 else y


def macro_auroc(y: np.ndarray, p: np.ndarray) -> float:
    """Mean AUROC over classes that have positives and negatives. y, p (N, K)."""
    vals = [auroc(y[:, k], p[:, k]) for k in range(y.shape[1])]
    vals = [v for v in vals if not np.isnan(v)]
    return float(np.mean(vals)) if vals else float("nan")


def fallback_words(why: str) -> str:
    """What the card and the CLI say beside a fallback threshold: "a fallback, not measured: no
    validation negatives" (``why``: "positives" or "negatives", as ``threshold_fallbacks`` gives it)."""
    return f"a fallback, not measured: no validation {why}"


def threshold_fallbacks(positives, n: int, classes) -> dict[str, str]:
    """{class: "positives" or "negatives"} for the classes whose threshold is ``best_f1_thresholds``'s
    0.5 fallback: no positive, or no negative, record among the ``n`` it was chosen on (``positives``:
    (K,) counts, as ``compute_metrics``'s per_class gives them)."""
    out = {}
    for c, pos in zip(classes, positives):
        if pos is not None and (pos == 0 or pos == n):
            out[c] = "positives" if pos == 0 else "negatives"
    return out


def warn_no_positives(y: np.ndarray, classes, where: str, thresholds: bool = True) -> list[str]:
    """Warn about the classes without a positive record in ``y`` (N, K), and those without a negative
    one: their AUROC is undefined and (``thresholds``) their threshold is ``best_f1_thresholds``'s 0.5
    fallback, not a measured one. Returns the classes without a positive record's names."""
    y = np.asarray(y)
    fallbacks = threshold_fallbacks(y.sum(0), len(y), classes)
    for none in ("positive", "negative"):
        missing = [c for c, why in fallbacks.items() if why == none + "s"]
        if missing:
            logger.warning("%s: no %s record of %s (%d of %d classes): AUROC undefined%s", where, none,
                           ", ".join(missing), len(missing), len(classes),
                           f"; threshold 0.5 is {fallback_words(none + 's')}" if thresholds else "")
    return [c for c, why in fallbacks.items() if why == "positives"]


def best_f1_thresholds(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per class, the threshold on p that maximises F1 on (y, p). (N, K) -> (K,).

    Candidates are the distinct scores; the chosen threshold is the midpoint between the best
    score and the next lower one (so it generalises rather than sitting on a training point).
    Classes without positives, or without negatives, get 0.5 (``threshold_fallbacks``): with every
    record positive, F1 is highest below the lowest score, a threshold that calls every record positive.
    """
    K = y.shape[1]
    out = np.full(K, 0.5, dtype=np.float64)
    for k in range(K):
        yk = y[:, k].astype(bool)
        if yk.sum() == 0 or yk.all():
            continue
        order = np.argsort(-p[:, k], kind="mergesort")
        ps, ys = p[order, k], yk[order]
        tp = np.cumsum(ys)
        fp = np.cumsum(~ys)
        last = np.r_[np.flatnonzero(ps[1:] != ps[:-1]), len(ps) - 1]
        f1 = 2 * tp[last] / (tp[last] + fp[last] + yk.sum())
        j = int(np.argmax(f1))
        hi = ps[last[j]]
        # below the lowest score (every record positive): a little below it, but never below 0, where a
        # lowest probability under 1e-6 (a sigmoid's output for a confident negative) had given a threshold such as
        # -5e-7, which mirage calibrate printed "-0.000"
        lo = ps[last[j] + 1] if last[j] + 1 < len(ps) else max(hi - 1e-6, 0.0)
        out[k] = float(0.5 * (hi + lo))
    return out


def threshold_metrics(y: np.ndarray, p: np.ndarray, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class F1, accuracy, sensitivity, specificity at thresholds. y, p (N, K) -> each (K,)."""
    pred = p >= thresholds[None, :]
    yb = y.astype(bool)
    tp = (pred & yb).sum(0).astype(float)
    fp = (pred & ~yb).sum(0).astype(float)
    fn = (~pred & yb).sum(0).astype(float)
    tn = (~pred & ~yb).sum(0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        sens = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        spec = np.where(tn + fp > 0, tn / (tn + fp), np.nan)
    acc = (tp + tn) / max(len(y), 1)
    return {"f1": f1, "accuracy": acc, "sensitivity": sens, "specificity": spec}


def compute_metrics(y: np.ndarray, p: np.ndarray, classes: list[str], thresholds=None,
                    task_type: str = "multilabel") -> dict:
    """All metrics of one split.

    Args:
        y: multilabel (N, K) {0,1} or multiclass (N,) int; p: (N, K) probabilities.
        classes: K names. thresholds: (K,) from validation (multilabel), None: 0.5.
        task_type: "multilabel" or "multiclass" (F1/accuracy at the argmax).

    Returns:
        {"macro": {auroc, auprc, f1, accuracy[, subset_accuracy]}, "per_class": {name: {...}}, "n": N}
    """
    K = len(classes)
    Y = as_multilabel(np.asarray(y), K)
    p = np.asarray(p, dtype=np.float64)
    if task_type == "multiclass":
        pred = one_hot(np.argmax(p, 1), K).astype(bool)
        th = threshold_metrics(Y, pred.astype(float), np.full(K, 0.5))
    else:
        thr = np.full(K, 0.5) if thresholds is None else np.asarray(thresholds, dtype=np.float64)
        th = threshold_metrics(Y, p, thr)
        pred = p >= thr[None, :]
    au = np.array([auroc(Y[:, k], p[:, k]) for k in range(K)])
    ap = np.array([auprc(Y[:, k], p[:, k]) for k in range(K)])
    per = {}
    for k, c in enumerate(classes):
        per[c] = {"auroc": _f(au[k]), "auprc": _f(ap[k]), "f1": _f(th["f1"][k]), "accuracy": _f(th["accuracy"][k]),
                  "sensitivity": _f(th["sensitivity"][k]), "specificity": _f(th["specificity"][k]),
                  "positives": int(Y[:, k].sum())}
    macro = {"auroc": _nanmean(au), "auprc": _nanmean(ap), "f1": _nanmean(th["f1"]),
             "accuracy": _nanmean(th["accuracy"])}
    if task_type == "multiclass":
        macro["accuracy_top1"] = float((np.argmax(p, 1) == np.argmax(Y, 1)).mean()) if len(Y) else float("nan")
    else:
        macro["subset_accuracy"] = float((pred == Y.astype(bool)).all(1).mean()) if len(Y) else float("nan")
    return {"n": int(len(Y)), "macro": macro, "per_class": per}


def _f(v) -> float | None:
    v = float(v)
    return None if np.isnan(v) else round(v, 6)


def _nanmean(a) -> float | None:
    a = np.asarray(a, dtype=np.float64)
    a = a[~np.isnan(a)]
    return round(float(a.mean()), 6) if len(a) else None


def bootstrap_ci(y: np.ndarray, p: np.ndarray, classes: list[str], thresholds=None,
                 task_type: str = "multilabel", n_boot: int = 1000, seed: int = 0,
                 alpha: float = 0.05, progress: bool = False) -> dict:
    """Percentile bootstrap intervals of macro and per-class AUROC, AUPRC, F1 and accuracy.

    Records are resampled with replacement ``n_boot`` times (numpy Generator seeded by ``seed``).
    Returns {"macro": {metric: [lo, hi]}, "per_class": {name: {metric: [lo, hi]}}, "n_boot", "seed"}.
    """
    K = len(classes)
    Y = as_multilabel(np.asarray(y), K)
    p = np.asarray(p, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n = len(Y)
    names = ("auroc", "auprc", "f1", "accuracy")
    per = {m: np.full((n_boot, K), np.nan) for m in names}
    macro = {m: np.full(n_boot, np.nan) for m in names}
    thr = np.full(K, 0.5) if thresholds is None else np.asarray(thresholds, dtype=np.float64)
    for b in tqdm(range(n_boot), desc="bootstrap", disable=not progress, mininterval=2.0):
        idx = rng.integers(0, n, n)
        yb, pb = Y[idx], p[idx]
        if task_type == "multiclass":
            th = threshold_metrics(yb, one_hot(np.argmax(pb, 1), K), np.full(K, 0.5))
        else:
            th = threshold_metrics(yb, pb, thr)
        per["auroc"][b] = [auroc(yb[:, k], pb[:, k]) for k in range(K)]
        per["auprc"][b] = [auprc(yb[:, k], pb[:, k]) for k in range(K)]
        per["f1"][b] = th["f1"]
        per["accuracy"][b] = th["accuracy"]
        for m in names:
            row = per[m][b]
            if np.any(~np.isnan(row)):
                macro[m][b] = np.nanmean(row)
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)

    def ci(a):
        a = a[~np.isnan(a)]
        return [round(float(np.percentile(a, lo)), 6), round(float(np.percentile(a, hi)), 6)] if len(a) else None

    return {
        "n_boot": n_boot, "seed": seed, "level": 1 - alpha,
        "macro": {m: ci(macro[m]) for m in names},
        "per_class": {c: {m: ci(per[m][:, k]) for m in names} for k, c in enumerate(classes)},
    }


def auroc_text(value) -> str:
    """An AUROC for a message: four decimals, or "undefined" (None or NaN: a split without a positive
    or a negative record of every class)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "undefined"
    return f"{v:.4f}" if v == v else "undefined"
