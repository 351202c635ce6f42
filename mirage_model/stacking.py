"""Measured-rhythm stage: rhythm statements re-estimated from the model's probability and the record's
measured rhythm.

A cardiologist names a rhythm from the strip: the rate, how regular it is, whether a P wave
precedes each QRS. The statements model sees the same signal but, on PTB-XL fold 9, ranks sinus
arrhythmia at AUROC 0.80 where its RR variation with P waves present is the definition. For each
chosen label k of a checkpoint, this stage combines the model's calibrated probability with the
record's ``rhythm_features`` (rate, RR variation, alternation, P wave found,
dominant-beat share) by logistic regression (a stacked generaliser, Wolpert 1992)::

    p'_k = sigmoid(w_k0 * logit(p_k) + sum_c v_kc * logit(p_c) + sum_j w_kj * (f_j - mean_j) / sd_j + b_k)

where c runs over the ``context`` labels (atrial fibrillation by default: sinus rhythm and its
variants exclude it, so each rhythm statement's stage also sees the model's AF estimate; a label's
own logit is not repeated) and all probabilities on the right are the model's calibrated ones.

Fitted on the validation split (PTB-XL fold 9; ``fit``), stored in the checkpoint
(``config.json`` key ``measured_stack``), applied by ``Predictor`` and ``mirage evaluate``. A label
is stacked only when it has at least ``MIN_POSITIVES`` positive records with features and the
stage's cross-validated AUROC there (5 folds x 3 seeds) beats the model's own by at least
``MIN_GAIN``; other labels keep the model's probability. A record without features (fewer than
5 beats detected, or measuring failed) keeps the model's probability for every label. The output
is itself a probability fitted on fold 9 (the stage's logistic loss calibrates it).

Features: ``rhythm_features(m)`` turns one ``Measurements`` into a float64 vector (``RHYTHM_FEATURES``, in that
order), or None when fewer than ``MIN_BEATS`` beats were detected (a rate and its variation need
them). Each is a quantity a cardiologist reads off a rhythm strip:

* ``log_hr``: natural log of the heart rate (bpm), from the mean RR of all detected beats;
* ``rr_cv``: RR standard deviation / mean RR (irregularity, slow drift included);
* ``rr_nrmssd``: RMSSD of successive RR / mean RR (beat-to-beat irregularity; Dash et al. 2009);
* ``rr_alternation``: share of successive RR differences that change sign (short-long-short:
  bigeminy and other alternating patterns near 1, a steady drift near 0, random near 2/3);
* ``rr_adjacent_ratio``: median over adjacent RR pairs of shorter / longer (1: regular; a premature
  beat and its pause well below 1);
* ``p_found``: 1 when a P wave that repeats beat to beat was found before the QRS (PR measured), else 0;
* ``dominant_share``: share of the beats alike in QRS form (ectopic beats lower it).

Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mirage_model.calibration import logit, sigmoid
from mirage_model.measure.formulas import rr_successive_variation

RHYTHM_FEATURES = ("log_hr", "rr_cv", "rr_nrmssd", "rr_alternation", "rr_adjacent_ratio", "p_found",
                   "dominant_share")
FEATURES_VERSION = 1        # bump when a feature's definition changes (cached features are keyed on it)
MIN_BEATS = 5               # 4 RR intervals, 3 successive differences


def rhythm_features(m) -> np.ndarray | None:
    """float64 (len(RHYTHM_FEATURES),) features of ``Measurements`` m, or None without ``MIN_BEATS`` beats."""
    beats = np.asarray(getattr(m, "beats", ()) if m is not None else (), dtype=np.float64)
    if beats.size < MIN_BEATS or not m.fs:
        return None
    rr = np.diff(beats) / float(m.fs) * 1000.0                   # (n_beats - 1,) ms
    if np.any(rr <= 0):
        return None
    mean = rr.mean()
    d = np.diff(rr)                                              # successive differences
    turns = np.sign(d[1:]) * np.sign(d[:-1])
    dominant = np.asarray(getattr(m, "dominant", ()), dtype=bool)
    return np.array([
        np.log(60000.0 / mean),
        rr.std() / mean,
        rr_successive_variation(beats),                          # as Measurements.rr_nrmssd
        float(np.mean(turns < 0)),
        float(np.median(np.minimum(rr[1:], rr[:-1]) / np.maximum(rr[1:], rr[:-1]))),
        1.0 if m.pr_ms is not None else 0.0,
        float(dominant.mean()) if dominant.size == beats.size else 1.0,
    ], dtype=np.float64)


MIN_POSITIVES = 5
MIN_GAIN = 0.003
C_DEFAULT = 0.3            # inverse L2 strength, as scikit-learn's C (chosen on fold 9 among 0.1, 0.3, 1)


class StackError(ValueError):
    """A measured-stack document that cannot be used; ``str(err)`` says what is wrong."""


def auroc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve of scores s (N,) for 0/1 outcomes y (N,) (Mann-Whitney, ties halved)."""
    y, s = np.asarray(y, dtype=bool), np.asarray(s, dtype=np.float64)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):                                     # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def fit_logistic(X: np.ndarray, y: np.ndarray, C: float = C_DEFAULT, iters: int = 100) -> tuple[np.ndarray, float]:
    """(w (D,), b) minimising sum log-loss + |w|^2 / (2 C) (intercept not penalised), by Newton's method."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    reg = np.full(d + 1, 1.0 / C)
    reg[-1] = 0.0
    for _ in range(iters):
        q = sigmoid(A @ theta)
        g = A.T @ (q - y) + reg * theta
        h = (A * (q * (1 - q))[:, None]).T @ A + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(h, g)
        theta -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return theta[:-1], float(theta[-1])


@dataclass(frozen=True)
class MeasuredStack:
    """The stage's per-label logistic models (see the module docstring).

    Attributes:
        labels: the stacked labels (a subset of the checkpoint's, in its order).
        features: the feature names (``RHYTHM_FEATURES`` when fitted).
        mean, sd: (F,) feature standardisation.
        weights: per label (1 + len(context) + F,): the model logit's weight, the context labels'
            logits' (0 for the label itself), then the features'.
        bias: per label.
        fitted_on: where it was fitted; metrics: per label the model's and the stage's cross-validated AUROC.
    """
    labels: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    sd: np.ndarray
    weights: tuple[np.ndarray, ...]
    bias: tuple[float, ...]
    fitted_on: str = ""
    metrics: dict = field(default_factory=dict)
    version: int = FEATURES_VERSION
    context: tuple[str, ...] = ()

    def design(self, probs: np.ndarray, k: int, all_labels, feats: np.ndarray) -> np.ndarray:
        """(N, 1 + len(context) + F): the logit of label k's model probability, the context labels'
        logits (zeros for label k itself), the standardised features, from the model's probabilities
        (N, K) of labels ``all_labels`` and the features (N, F)."""
        z = (np.asarray(feats, dtype=np.float64) - self.mean) / self.sd
        index = {c: j for j, c in enumerate(all_labels)}
        ctx = [logit(probs[:, index[c]]) if index[c] != k else np.zeros(len(probs)) for c in self.context]
        return np.column_stack([logit(probs[:, k]), *ctx, z])

    def apply(self, probs: np.ndarray, all_labels, feats: np.ndarray | None) -> np.ndarray:
        """(N, K) or (K,) calibrated probabilities of a checkpoint with labels ``all_labels`` and the
        records' features (N, F) or (F,) (None or NaN rows: unchanged) -> the same shape, float64."""
        p = np.asarray(probs, dtype=np.float64)
        single = p.ndim == 1
        p = np.atleast_2d(p).copy()
        if feats is None:
            return p[0] if single else p
        f = np.atleast_2d(np.asarray(feats, dtype=np.float64))
        if f.shape != (p.shape[0], len(self.features)):
            raise StackError(f"measured stack: features {f.shape} for {p.shape[0]} records "
                             f"and {len(self.features)} features")
        ok = np.isfinite(f).all(axis=1)
        if ok.any():
            index = {c: k for k, c in enumerate(all_labels)}
            if any(c not in index for c in self.context):
                raise StackError(f"measured stack: context {self.context} not among the labels")
            model = p[ok]                                   # every design reads the model's probabilities
            for lab, w, b in zip(self.labels, self.weights, self.bias):
                k = index[lab]
                p[ok, k] = sigmoid(self.design(model, k, all_labels, f[ok]) @ w + b)
        return p[0] if single else p

    def to_dict(self) -> dict:
        return {"version": self.version, "labels": list(self.labels), "features": list(self.features),
                "mean": [float(v) for v in self.mean], "sd": [float(v) for v in self.sd],
                "weights": [[float(v) for v in w] for w in self.weights], "bias": [float(b) for b in self.bias],
                "context": list(self.context), "fitted_on": self.fitted_on, "metrics": self.metrics}

    @classmethod
    def from_dict(cls, doc, labels) -> "MeasuredStack":
        """Validate and rebuild a stored stage for a checkpoint with ``labels``. Raises StackError."""
        if not isinstance(doc, dict):
            raise StackError("measured_stack must be a JSON object")
        if doc.get("version") != FEATURES_VERSION:
            raise StackError(f"measured_stack: features version {doc.get('version')!r}, this library computes "
                             f"version {FEATURES_VERSION}")
        feats = doc.get("features")
        if feats != list(RHYTHM_FEATURES):
            raise StackError(f"measured_stack: features {feats!r}, this library computes {list(RHYTHM_FEATURES)}")
        labs = doc.get("labels")
        if not isinstance(labs, list) or any(lab not in labels for lab in labs) or len(set(labs)) != len(labs):
            raise StackError("measured_stack: its labels must be distinct labels of the model")
        context = doc.get("context", [])
        if not isinstance(context, list) or any(c not in labels for c in context):
            raise StackError("measured_stack: its context must be labels of the model")
        F = len(feats) + len(context)

        def numbers(v, n, what):
            arr = np.asarray(v, dtype=np.float64) if isinstance(v, list) else None
            if arr is None or arr.shape != (n,) or not np.isfinite(arr).all():
                raise StackError(f"measured_stack: {what} must be {n} finite numbers")
            return arr

        mean, sd = numbers(doc.get("mean"), len(feats), "mean"), numbers(doc.get("sd"), len(feats), "sd")
        if np.any(sd <= 0):
            raise StackError("measured_stack: sd must be positive")
        ws, bs = doc.get("weights"), doc.get("bias")
        if not isinstance(ws, list) or not isinstance(bs, list) or len(ws) != len(labs) or len(bs) != len(labs):
            raise StackError("measured_stack: one weight vector and one bias per label")
        weights = tuple(numbers(w, F + 1, "each weight vector") for w in ws)
        bias = tuple(float(b) for b in numbers(bs, len(labs), "bias"))
        metrics = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else {}
        return cls(tuple(labs), tuple(feats), mean, sd, weights, bias, str(doc.get("fitted_on", "")), metrics,
                   FEATURES_VERSION, tuple(context))


def _cv_scores(X: np.ndarray, y: np.ndarray, C: float, seeds=(0, 1, 2), folds: int = 5) -> np.ndarray:
    """Out-of-fold decision values (S, N), one row per seed, stratified folds."""
    out = np.zeros((len(seeds), len(y)))
    for r, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        fold = np.empty(len(y), dtype=int)
        for cls in (0, 1):                                 # stratified: each class dealt round the folds
            idx = np.flatnonzero(y == cls)
            fold[rng.permutation(idx)] = np.arange(len(idx)) % folds
        for f in range(folds):
            tr, te = fold != f, fold == f
            w, b = fit_logistic(X[tr], y[tr], C)
            out[r, te] = X[te] @ w + b
    return out


def fit(y: np.ndarray, probs: np.ndarray, feats: np.ndarray, labels, candidates, C: float = C_DEFAULT,
        fitted_on: str = "", context=("AFIB",)) -> tuple[MeasuredStack, np.ndarray]:
    """Fit the stage on validation outcomes.

    Args:
        y: (N, K) 0/1 outcomes; probs: (N, K) the checkpoint's calibrated probabilities;
        feats: (N, F) rhythm features (NaN rows: records without them, left out of the fit).
        labels: the K labels; candidates: the labels that may be stacked (e.g. the rhythm statements).
        context: labels whose model logit every stacked label's fit also reads (those of ``labels`` only).

    Returns:
        (the stage, (N, K) out-of-fold probabilities: the model's where a label is not stacked or a
        record has no features, else the first seed's cross-validated stage output) - for choosing
        thresholds without reusing the records each was fitted on.
    """
    y, probs, feats = np.asarray(y), np.asarray(probs, dtype=np.float64), np.asarray(feats, dtype=np.float64)
    ok = np.isfinite(feats).all(axis=1)
    context = tuple(c for c in context if c in labels)
    if not ok.any():                        # nothing measured: nothing to fit, every record keeps the model's
        return MeasuredStack((), tuple(RHYTHM_FEATURES), np.zeros(len(RHYTHM_FEATURES)),
                             np.ones(len(RHYTHM_FEATURES)), (), (), fitted_on,
                             {"C": C, "min_gain": MIN_GAIN, "per_label": {}, "why": "no record measured"},
                             FEATURES_VERSION, context), probs.copy()
    mean, sd = feats[ok].mean(axis=0), feats[ok].std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    probe = MeasuredStack((), tuple(RHYTHM_FEATURES), mean, sd, (), (), context=context)
    oof = probs.copy()
    chosen, weights, bias, metrics = [], [], [], {}
    for k, lab in enumerate(labels):
        if lab not in candidates:
            continue
        yk = y[ok, k].astype(int)
        base = auroc(yk, probs[ok, k])
        if yk.sum() < MIN_POSITIVES or yk.sum() == len(yk):
            metrics[lab] = {"positives": int(yk.sum()), "model_auroc": base, "stacked": False,
                            "why": f"fewer than {MIN_POSITIVES} positive records" if yk.sum() < MIN_POSITIVES
                            else "every measured record positive"}
            continue
        X = probe.design(probs[ok], k, labels, feats[ok])
        cv = _cv_scores(X, yk, C)
        stacked = float(np.mean([auroc(yk, s) for s in cv]))
        use = stacked >= base + MIN_GAIN
        metrics[lab] = {"positives": int(yk.sum()), "model_auroc": base, "stacked_auroc_cv": stacked, "stacked": use}
        if use:
            w, b = fit_logistic(X, yk, C)
            chosen.append(lab), weights.append(w), bias.append(b)
            rows = np.flatnonzero(ok)
            oof[rows, k] = sigmoid(cv[0])
    stage = MeasuredStack(tuple(chosen), tuple(RHYTHM_FEATURES), mean, sd, tuple(weights), tuple(bias),
                          fitted_on, {"C": C, "min_gain": MIN_GAIN, "per_label": metrics}, FEATURES_VERSION, context)
    return stage, oof
