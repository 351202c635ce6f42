"""Metrics of the training CLI, as the PTB-XL benchmark (Strodthoff et al. 2020) computes them.

Macro AUROC over the classes of the task (classes without both a positive and a negative are left out of the macro
mean), AUPRC as average precision, F1 and accuracy at per-class thresholds chosen on the validation split only, a
class counted positive as the product calls it (``outputs.is_called``: at or above its threshold and at least
``outputs.MIN_CALLED_P``), and percentile bootstrap 95% intervals over records (seeded; Efron and Tibshirani 1993,
ch. 13). An interval is given only for a class with at least ``MIN_INTERVAL_RECORDS`` positive and negative
records, and for the macro over those classes: with a few positives the bootstrap cannot see how far a class's
figure would move on other records (its positives are the only ones it has), so an interval of such a class, or of
a macro holding it, held its true value far less often than it claims (simulated, below). Every resample holds a
positive and a negative record of each of those classes, as the PTB-XL benchmark's code draws them (Strodthoff et
al. 2020, ``get_appropriate_bootstrap_samples``), so every resample's macro averages the same classes. ``mirage
compare``'s paired intervals are drawn the same way.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.stats import rankdata
from tqdm import tqdm

from mirage_model.calibration import FEW_OUTCOMES, few_outcomes
from mirage_model.outputs import MIN_CALLED_P, is_called, threshold_fallbacks

logger = logging.getLogger(__name__)

# A class's own interval needs at least this many positive and this many negative records. Simulated (scores
# from two normal distributions, true AUROC 0.9, 2000 records, 200 splits of 200 resamples each), the 95%
# percentile interval of one class's AUROC held its true value in 6%, 42%, 60%, 74%, 84%, 94% and 92% of the
# splits with 1, 2, 3, 5, 10, 20 and 40 positives: 20 is the fewest tried at which it held it in 90% or more
# (tests/test_bootstrap_coverage.py measures it again). A macro over classes with 1, 2, 3, 30, 100 and 300
# positives of 1000 records held its true AUROC in 80% of such splits when each resample averaged the classes it
# happened to hold, 52% when every resample held all six: the few positives' own spread is missing either way.
MIN_INTERVAL_RECORDS = 20
# a resampling that keeps fewer than one draw in this many stops there (the classes with one or two positives
# of a large label set can make the kept draws rare); the intervals then rest on the resamples kept, as said
MAX_DRAWS_PER_RESAMPLE = 100


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


def calibration_maps_words(cal, labels) -> str:
    """Each label's calibration map as the model card names it, with the positive and negative records it was fitted
    on where ``calibration.fit`` counted them ("AF platt 1/9": a researcher's card had said "AF platt" alone), and the
    maps fitted on fewer than ``calibration.FEW_OUTCOMES`` of one named rough, as ``mirage calibrate`` prints them."""
    pos, neg = cal.metrics.get("positives"), cal.metrics.get("negatives")
    if not (isinstance(pos, list) and isinstance(neg, list)
            and len(pos) == len(neg) == len(labels) == len(cal.methods)):
        return ", ".join(f"{lab} {m}" for lab, m in zip(labels, cal.methods))     # a temperature, an older config
    rough = [labels[k] for k in few_outcomes(cal)]
    return ("each label's map, then its positive/negative records there: "
            + ", ".join(f"{lab} {m} {p}/{n}" for lab, m, p, n in zip(labels, cal.methods, pos, neg))
            + (f"; fitted on fewer than {FEW_OUTCOMES} positive or negative records, a rough map: {', '.join(rough)}"
               if rough else ""))


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
    """Per class, the threshold on p that maximises F1 on (y, p) of the calls the product makes. (N, K) -> (K,).

    The product calls a class at or above its threshold and at least ``MIN_CALLED_P`` (``outputs.is_called``), so
    the candidates are the distinct scores at or above that floor: max F1 over every score had chosen thresholds
    below it (34 of the statements model's 71), called from the floor, a threshold nobody chose. The chosen
    threshold is the midpoint between the best score and the next lower one (so it generalises rather than sitting
    on a training point), and at least the floor: a class whose best is to call every record from the floor gets
    the floor. So does a class no positive record of which reaches the floor: every threshold the product can make
    has F1 0 there, and the floor calls it as before rather than from the highest score, a tie's accident.
    Classes without positives, or without negatives, get 0.5 (``threshold_fallbacks``): with every record
    positive, F1 is highest at a threshold that calls every record positive.
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
        last = last[ps[last] >= MIN_CALLED_P]              # the cuts the product can make
        f1 = 2 * tp[last] / (tp[last] + fp[last] + yk.sum())
        if not (f1 > 0).any():                             # no positive at or above the floor
            out[k] = MIN_CALLED_P
            continue
        j = int(np.argmax(f1))
        hi = ps[last[j]]
        lo = ps[last[j] + 1] if last[j] + 1 < len(ps) else hi - 1e-6      # below the lowest score: a little below
        out[k] = max(float(0.5 * (hi + lo)), MIN_CALLED_P)
    return out


def threshold_metrics(y: np.ndarray, p: np.ndarray, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class F1, accuracy, sensitivity, specificity at thresholds. y, p (N, K) -> each (K,).

    A record is counted positive for a class where the app, the PDF and ``mirage score`` call it
    (``outputs.is_called``): at or above the threshold and at least ``MIN_CALLED_P``, so that a threshold
    below it (max F1 on the validation split can choose one) is scored as the product uses it.
    """
    pred = is_called(p, np.asarray(thresholds, dtype=np.float64)[None, :])
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
        {"macro": {auroc, auprc, f1, accuracy[, subset_accuracy]}, "per_class": {name: {...}}, "n": N,
        and (multilabel) "min_called_p": the floor the calls were made with (``threshold_metrics``)}
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
        pred = is_called(p, thr[None, :])
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
    out = {"n": int(len(Y)), "macro": macro, "per_class": per}
    if task_type != "multiclass":
        out["min_called_p"] = MIN_CALLED_P
    return out


def _f(v) -> float | None:
    v = float(v)
    return None if np.isnan(v) else round(v, 6)


def _nanmean(a) -> float | None:
    a = np.asarray(a, dtype=np.float64)
    a = a[~np.isnan(a)]
    return round(float(a.mean()), 6) if len(a) else None


def interval_classes(Y: np.ndarray) -> np.ndarray:
    """(K,) bool: the classes of Y (N, K) {0,1} with at least ``MIN_INTERVAL_RECORDS`` positive and as many
    negative records, those given an interval of their own."""
    pos = np.asarray(Y).sum(0)
    return (pos >= MIN_INTERVAL_RECORDS) & (len(Y) - pos >= MIN_INTERVAL_RECORDS)


def no_interval_words(names, K: int) -> str:
    """What the outputs say beside the classes without an interval of their own (``interval_classes``)."""
    return (f"classes with fewer than {MIN_INTERVAL_RECORDS} positive or negative records: no interval "
            f"({len(names)} of {K}: {', '.join(names)})")


def no_interval_why(names, K: int, macro: str = "the macro row") -> str:
    """Which classes have no interval and why, in the words of the model card, metrics.md and ``mirage
    evaluate``'s printed line alike; ``macro`` names the macro figure that has none either."""
    return (f"{no_interval_words(names, K)}: with so few, the bootstrap cannot tell how far their figures would "
            f"move on other records, so {macro} has none either")


def intervals_words(metrics: dict) -> str:
    """What a split's figures carry, for the model card's table: "with percentile bootstrap 95% intervals"; "without
    intervals (below)" where the bootstrap gave none (a split of a few records: ``no_interval_why``, said under the
    table); "without intervals (no bootstrap run)" where ``metrics`` hold no bootstrap section (``mirage evaluate
    --bootstrap 0``: the table's figures carry none, which the card had called intervals)."""
    boot = metrics.get("bootstrap")
    if boot is None:
        return "without intervals (no bootstrap run)"
    parts = (boot.get("macro") or {}, *(boot.get("per_class") or {}).values())
    return ("with percentile bootstrap 95% intervals" if any(v for part in parts for v in part.values())
            else "without intervals (below)")


def resampling_words(boot: dict) -> str:
    """How ``bootstrap_ci``'s or ``paired_bootstrap``'s resamples were drawn, for a report line."""
    kept, drawn = boot.get("resamples", boot["n_boot"]), boot.get("draws")
    text = f"{kept} resamples"
    if kept < boot["n_boot"]:
        text += f" (of the {boot['n_boot']} asked for: the draws stopped at {drawn})"
    if drawn:
        text += (f", each holding a positive and a negative record of every class given an interval "
                 f"({drawn - kept} of {drawn} draws set aside)")
    return text + f", seed {boot['seed']}"


def enough_words(n_classes: int, K: int) -> str:
    """The name of the macro over the classes given an interval, where some are not ("macro of the 37 of
    71 classes with 20 or more positive and negative records")."""
    return f"macro of the {n_classes} of {K} classes with {MIN_INTERVAL_RECORDS} or more positive and negative records"


def bootstrap_resamples(Y: np.ndarray, n_boot: int, rng: np.random.Generator, counts: dict):
    """Yield ``n_boot`` resamples of the records of Y (N, K) {0,1}: each (N,) record indices drawn with
    replacement, kept only when it holds a positive and a negative record of every class given an interval
    (``interval_classes``; Strodthoff et al. 2020's practice for PTB-XL), so that every resample's macro
    averages the same classes. With 20 or more of each, a draw is almost never set aside. Stops after
    ``MAX_DRAWS_PER_RESAMPLE * n_boot`` draws, whatever was kept.

    ``counts`` receives "draws" (drawn in all) and "resamples" (kept), up to date after each yield.
    """
    Y = np.asarray(Y, dtype=np.float64)
    N = len(Y)
    need = interval_classes(Y)
    counts["draws"] = counts["resamples"] = 0
    while counts["resamples"] < n_boot and counts["draws"] < MAX_DRAWS_PER_RESAMPLE * n_boot:
        idx = rng.integers(0, N, N)
        counts["draws"] += 1
        drawn_pos = np.bincount(idx, minlength=N) @ Y                  # (K,) positives in the resample
        if np.all(drawn_pos[need] > 0) and np.all(drawn_pos[need] < N):
            counts["resamples"] += 1
            yield idx
    if counts["resamples"] < n_boot:
        logger.warning("bootstrap: %d of %d draws held a positive and a negative record of every class; the "
                       "intervals rest on those %d resamples, not %d", counts["resamples"], counts["draws"],
                       counts["resamples"], n_boot)


def percentile_interval(values: np.ndarray, alpha: float = 0.05) -> list[float] | None:
    """The percentile interval [lo, hi] of resampled values (B,), NaN left out; None if none."""
    a = np.asarray(values, dtype=np.float64)
    a = a[~np.isnan(a)]
    if not len(a):
        return None
    lo, hi = np.percentile(a, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return [round(float(lo), 6), round(float(hi), 6)]


def bootstrap_ci(y: np.ndarray, p: np.ndarray, classes: list[str], thresholds=None,
                 task_type: str = "multilabel", n_boot: int = 1000, seed: int = 0,
                 alpha: float = 0.05, progress: bool = False) -> dict:
    """Percentile bootstrap intervals of macro and per-class AUROC, AUPRC, F1 and accuracy.

    Records are resampled with replacement (numpy Generator seeded by ``seed``; ``bootstrap_resamples``).
    Only the classes with at least ``MIN_INTERVAL_RECORDS`` positive and negative records
    (``interval_classes``) get intervals; the macro's is of the macro over those. Where that is every class,
    "macro" holds the intervals of ``compute_metrics``' macro; else "macro" holds None and "macro_enough"
    the macro over those classes, its point estimate beside its interval.

    Args:
        y: multilabel (N, K) {0,1} or multiclass (N,) int; p: (N, K) probabilities; as ``compute_metrics``.

    Returns:
        {"macro": {metric: [lo, hi] or None}, "per_class": {name: {metric: [lo, hi] or None}}, "n_boot" (asked
        for), "resamples" (kept), "draws", "seed", "level", "min_records", "no_interval": [names]}, and where
        "no_interval" is not empty, "macro_enough": {"classes": [names], "point": {metric: value},
        "ci": {metric: [lo, hi]}} (None where no class has enough records).
    """
    K = len(classes)
    Y = as_multilabel(np.asarray(y), K)
    p = np.asarray(p, dtype=np.float64)
    rng = np.random.default_rng(seed)
    names = ("auroc", "auprc", "f1", "accuracy")
    thr = np.full(K, 0.5) if thresholds is None else np.asarray(thresholds, dtype=np.float64)
    shown = interval_classes(Y)
    per = {m: np.full((n_boot, K), np.nan) for m in names}
    macro = {m: np.full(n_boot, np.nan) for m in names}

    def scores(yb, pb) -> dict[str, np.ndarray]:
        """Each metric's (K,) values on one set of records; NaN for the classes not given an interval."""
        if task_type == "multiclass":
            th = threshold_metrics(yb, one_hot(np.argmax(pb, 1), K), np.full(K, 0.5))
        else:
            th = threshold_metrics(yb, pb, thr)
        out = {"auroc": np.array([auroc(yb[:, k], pb[:, k]) if shown[k] else np.nan for k in range(K)]),
               "auprc": np.array([auprc(yb[:, k], pb[:, k]) if shown[k] else np.nan for k in range(K)]),
               "f1": th["f1"], "accuracy": th["accuracy"]}
        return {m: np.where(shown, v, np.nan) for m, v in out.items()}

    counts: dict = {}
    for b, idx in enumerate(tqdm(bootstrap_resamples(Y, n_boot, rng, counts), total=n_boot, desc="bootstrap",
                                 disable=not progress, mininterval=2.0)):
        for m, v in scores(Y[idx], p[idx]).items():
            per[m][b] = v
            if shown.any():
                # every resample holds a positive and a negative record of each shown class: all defined
                macro[m][b] = v[shown].mean()
    macro_ci = {m: percentile_interval(macro[m], alpha) for m in names}
    out = {
        "n_boot": n_boot, "resamples": counts["resamples"], "draws": counts["draws"], "seed": seed,
        "level": 1 - alpha, "min_records": MIN_INTERVAL_RECORDS,
        "no_interval": [c for k, c in enumerate(classes) if not shown[k]],
        "macro": macro_ci if shown.all() else dict.fromkeys(names),
        "per_class": {c: {m: percentile_interval(per[m][:, k], alpha) if shown[k] else None for m in names}
                      for k, c in enumerate(classes)},
    }
    if not shown.all():
        point = scores(Y, p)
        out["macro_enough"] = None if not shown.any() else {
            "classes": [c for k, c in enumerate(classes) if shown[k]],
            "point": {m: round(float(point[m][shown].mean()), 6) for m in names}, "ci": macro_ci}
    return out


def auroc_text(value) -> str:
    """An AUROC for a message: four decimals, or "undefined" (None or NaN: a split without a positive
    or a negative record of every class)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "undefined"
    return f"{v:.4f}" if v == v else "undefined"
