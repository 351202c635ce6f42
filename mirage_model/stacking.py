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

Since session 18 a stage can instead read a **feature model** (``kind="trees"``, or ``"trees2"`` over
233 features: these and the median beats' ST-T and QRS shape, ``measure.features.SHAPE_FEATURES``): for each label a
gradient-boosted tree classifier over the record's 113 measured features (``measure.features``:
the rhythm strip, the intervals, the axes and eight numbers per lead of the median beat), trained on
the training split (PTB-XL folds 1-8) by ``mirage calibrate --measured-stage`` and stored as numbers
(``treemodel``). Its decision value replaces the standardised rhythm features in the design::

    p'_k = sigmoid(w_k0 * logit(p_k) + sum_c v_kc * logit(p_c) + u_k * raw_k(features) + b_k)

and the same fold-9 rule chooses the labels. A record measured at all (two beats detected) is
stacked; a feature it lacks (no P wave, a lead without a median beat) is NaN, which the trees read
as "not measured".

Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mirage_model.calibration import logit, sigmoid
from mirage_model.measure import features as _features
from mirage_model.measure.features import FEATURES as TREE_FEATURES
from mirage_model.measure.features import SHAPE_FEATURES, record_shape_features
from mirage_model.measure.features import MIN_BEATS, RHYTHM_FEATURES, record_features, rhythm_features
from mirage_model.treemodel import TreeEnsemble, TreeError

FEATURES_VERSION = 1        # bump when a feature's definition changes (cached features are keyed on it)
# The stage's kinds: what each reads per record (feature names, their version, the function of one
# ``Measurements``) - the 7 rhythm features, or the 113 of measure.features for a tree model ("trees"),
# or those and the median beats' ST-T and QRS-shape features (233, "trees2").
KINDS = {"rhythm": (RHYTHM_FEATURES, FEATURES_VERSION, rhythm_features),
         "trees": (TREE_FEATURES, _features.FEATURES_VERSION, record_features),
         "trees2": (SHAPE_FEATURES, _features.FEATURES_VERSION, record_shape_features)}
TREE_KINDS = ("trees", "trees2")         # the kinds read by a tree model (``treemodel``)
TREES_PREFIX = "measured_stack.trees."   # tensor names of a "trees" stage in the checkpoint's safetensors


MIN_POSITIVES = 5
MIN_GAIN = 0.003
C_DEFAULT = 0.3            # inverse L2 strength, as scikit-learn's C (chosen on fold 9 among 0.1, 0.3, 1)


class StackError(ValueError):
    """A measured-stack document that cannot be used; ``str(err)`` says what is wrong."""


def measured_rows(feats: np.ndarray, kind: str) -> np.ndarray:
    """(N,) bool: the rows of features (N, F) a stage of ``kind`` reads: "rhythm", every feature
    measured; "trees", any (the trees route a missing feature)."""
    f = np.isfinite(np.asarray(feats, dtype=np.float64))
    return f.any(axis=1) if kind in TREE_KINDS else f.all(axis=1)


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
        features: the feature names the stage reads per record (``RHYTHM_FEATURES``, or
            ``measure.features.FEATURES`` for kind "trees", ``SHAPE_FEATURES`` for "trees2").
        mean, sd: (F,) feature standardisation (kind "rhythm"; empty for the tree kinds).
        weights: per label (1 + len(context) + E,): the model logit's weight, the context labels'
            logits' (0 for the label itself), then the E extra columns' (the F standardised features,
            or the label's one tree decision value).
        bias: per label.
        fitted_on: where it was fitted; metrics: per label the model's and the stage's cross-validated AUROC.
        kind: "rhythm", "trees" or "trees2"; trees: for the tree kinds, one output per stacked label, in ``labels`` order.
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
    kind: str = "rhythm"
    trees: TreeEnsemble | None = None

    def features_of(self, m) -> np.ndarray | None:
        """The record features this stage reads, from one ``Measurements`` (float64 (F,)), or None
        when the record cannot be stacked (too few beats)."""
        return KINDS[self.kind][2](m)

    def usable(self, f: np.ndarray) -> np.ndarray:
        """(N,) bool: rows of features (N, F) the stage applies to (``measured_rows``)."""
        return measured_rows(f, self.kind)

    def _extra(self, feats: np.ndarray) -> np.ndarray:
        """(N, E) the design's columns after the logits: standardised features, or the trees' decision values."""
        f = np.asarray(feats, dtype=np.float64)
        if self.kind in TREE_KINDS:
            return self.trees.raw(f)
        return (f - self.mean) / self.sd

    def design(self, probs: np.ndarray, k: int, all_labels, feats: np.ndarray, extra: np.ndarray | None = None,
               j: int | None = None) -> np.ndarray:
        """(N, 1 + len(context) + E): the logit of label k's model probability, the context labels'
        logits (zeros for label k itself), then the extra columns, from the model's probabilities
        (N, K) of labels ``all_labels`` and the features (N, F). For kind "trees" the extra column is
        output j of the trees. ``extra``: ``_extra(feats)`` when already computed (then feats is not read)."""
        index = {c: i for i, c in enumerate(all_labels)}
        ctx = [logit(probs[:, index[c]]) if index[c] != k else np.zeros(len(probs)) for c in self.context]
        z = self._extra(feats) if extra is None else extra
        if self.kind in TREE_KINDS:
            z = z[:, [j if j is not None else self.labels.index(all_labels[k])]]
        return np.column_stack([logit(probs[:, k]), *ctx, z])

    def apply(self, probs: np.ndarray, all_labels, feats: np.ndarray | None) -> np.ndarray:
        """(N, K) or (K,) calibrated probabilities of a checkpoint with labels ``all_labels`` and the
        records' features (N, F) or (F,) (None, or rows the stage cannot read: unchanged) -> the same
        shape, float64."""
        p = np.asarray(probs, dtype=np.float64)
        single = p.ndim == 1
        p = np.atleast_2d(p).copy()
        if feats is None:
            return p[0] if single else p
        f = np.atleast_2d(np.asarray(feats, dtype=np.float64))
        if f.shape != (p.shape[0], len(self.features)):
            raise StackError(f"measured stack: features {f.shape} for {p.shape[0]} records "
                             f"and {len(self.features)} features")
        ok = self.usable(f)
        if ok.any() and self.labels:
            index = {c: k for k, c in enumerate(all_labels)}
            if any(c not in index for c in self.context):
                raise StackError(f"measured stack: context {self.context} not among the labels")
            model = p[ok]                                   # every design reads the model's probabilities
            extra = self._extra(f[ok])
            for j, (lab, w, b) in enumerate(zip(self.labels, self.weights, self.bias)):
                k = index[lab]
                p[ok, k] = sigmoid(self.design(model, k, all_labels, f[ok], extra, j) @ w + b)
        return p[0] if single else p

    def to_dict(self) -> dict:
        """The JSON part (config.json "measured_stack"); a "trees" stage's trees go to ``tensors()``."""
        doc = {"version": self.version, "kind": self.kind, "labels": list(self.labels),
               "features": list(self.features), "mean": [float(v) for v in self.mean],
               "sd": [float(v) for v in self.sd], "weights": [[float(v) for v in w] for w in self.weights],
               "bias": [float(b) for b in self.bias], "context": list(self.context), "fitted_on": self.fitted_on,
               "metrics": self.metrics}
        if self.kind in TREE_KINDS:
            doc["trees"] = {"tensors": TREES_PREFIX, "nodes": int(self.trees.feature.shape[0]),
                            "trees": int(self.trees.roots.shape[0])}
        return doc

    def tensors(self) -> dict[str, np.ndarray]:
        """The arrays a "trees" stage stores beside the model's weights (name -> array); {} otherwise."""
        return self.trees.to_tensors(TREES_PREFIX) if self.kind in TREE_KINDS and self.trees is not None else {}

    @classmethod
    def from_dict(cls, doc, labels, tensors: dict | None = None) -> "MeasuredStack":
        """Validate and rebuild a stored stage for a checkpoint with ``labels`` (``tensors``: the
        checkpoint's safetensors arrays, for a "trees" stage). Raises StackError."""
        if not isinstance(doc, dict):
            raise StackError("measured_stack must be a JSON object")
        kind = doc.get("kind", "rhythm")
        if kind not in KINDS:
            raise StackError(f"measured_stack: kind {kind!r}, this library knows {', '.join(KINDS)}")
        if doc.get("version") != FEATURES_VERSION:
            raise StackError(f"measured_stack: features version {doc.get('version')!r}, this library computes "
                             f"version {FEATURES_VERSION}")
        expected = list(KINDS[kind][0])
        feats = doc.get("features")
        if feats != expected:
            raise StackError(f"measured_stack: features {str(feats)[:80]!r}, this library computes "
                             f"{len(expected)} others")
        labs = doc.get("labels")
        if not isinstance(labs, list) or any(lab not in labels for lab in labs) or len(set(labs)) != len(labs):
            raise StackError("measured_stack: its labels must be distinct labels of the model")
        context = doc.get("context", [])
        if not isinstance(context, list) or any(c not in labels for c in context):
            raise StackError("measured_stack: its context must be labels of the model")
        n_std = len(feats) if kind == "rhythm" else 0
        width = 1 + len(context) + (len(feats) if kind == "rhythm" else 1)

        def numbers(v, n, what):
            arr = np.asarray(v, dtype=np.float64) if isinstance(v, list) else None
            if arr is None or arr.shape != (n,) or not np.isfinite(arr).all():
                raise StackError(f"measured_stack: {what} must be {n} finite numbers")
            return arr

        mean, sd = numbers(doc.get("mean"), n_std, "mean"), numbers(doc.get("sd"), n_std, "sd")
        if np.any(sd <= 0):
            raise StackError("measured_stack: sd must be positive")
        ws, bs = doc.get("weights"), doc.get("bias")
        if not isinstance(ws, list) or not isinstance(bs, list) or len(ws) != len(labs) or len(bs) != len(labs):
            raise StackError("measured_stack: one weight vector and one bias per label")
        weights = tuple(numbers(w, width, "each weight vector") for w in ws)
        bias = tuple(float(b) for b in numbers(bs, len(labs), "bias"))
        trees = None
        if kind in TREE_KINDS and labs:
            try:
                trees = TreeEnsemble.from_tensors(tensors or {}, TREES_PREFIX, len(feats), len(labs))
            except TreeError as err:
                raise StackError(f"measured_stack: {err}") from None
        metrics = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else {}
        return cls(tuple(labs), tuple(feats), mean, sd, weights, bias, str(doc.get("fitted_on", "")), metrics,
                   FEATURES_VERSION, tuple(context), kind, trees)


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


def _choose(y, probs, ok, labels, candidates, design_of, C):
    """The fold-9 rule over ``candidates``: per label, the stage's cross-validated AUROC against the
    model's on the records ``ok``; ``design_of(k)`` gives label k's design (n_ok, D). Returns
    (chosen labels, weights, biases, per-label metrics, (N, K) out-of-fold probabilities)."""
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
        X = design_of(k)
        cv = _cv_scores(X, yk, C)
        stacked = float(np.mean([auroc(yk, s) for s in cv]))
        use = stacked >= base + MIN_GAIN
        metrics[lab] = {"positives": int(yk.sum()), "model_auroc": base, "stacked_auroc_cv": stacked, "stacked": use}
        if use:
            w, b = fit_logistic(X, yk, C)
            chosen.append(lab), weights.append(w), bias.append(b)
            oof[np.flatnonzero(ok), k] = sigmoid(cv[0])
    return chosen, weights, bias, metrics, oof


def fit(y: np.ndarray, probs: np.ndarray, feats: np.ndarray, labels, candidates, C: float = C_DEFAULT,
        fitted_on: str = "", context=("AFIB",)) -> tuple[MeasuredStack, np.ndarray]:
    """Fit the stage (kind "rhythm") on validation outcomes.

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
    ok = measured_rows(feats, "rhythm")
    context = tuple(c for c in context if c in labels)
    if not ok.any():                        # nothing measured: nothing to fit, every record keeps the model's
        return MeasuredStack((), tuple(RHYTHM_FEATURES), np.zeros(len(RHYTHM_FEATURES)),
                             np.ones(len(RHYTHM_FEATURES)), (), (), fitted_on,
                             {"C": C, "min_gain": MIN_GAIN, "per_label": {}, "why": "no record measured"},
                             FEATURES_VERSION, context), probs.copy()
    mean, sd = feats[ok].mean(axis=0), feats[ok].std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    probe = MeasuredStack((), tuple(RHYTHM_FEATURES), mean, sd, (), (), context=context)
    z = probe._extra(feats[ok])
    chosen, weights, bias, metrics, oof = _choose(
        y, probs, ok, labels, candidates, lambda k: probe.design(probs[ok], k, labels, None, z), C)
    stage = MeasuredStack(tuple(chosen), tuple(RHYTHM_FEATURES), mean, sd, tuple(weights), tuple(bias),
                          fitted_on, {"C": C, "min_gain": MIN_GAIN, "per_label": metrics}, FEATURES_VERSION, context)
    return stage, oof


def fit_trees(y: np.ndarray, probs: np.ndarray, feats: np.ndarray, labels, trees: TreeEnsemble, tree_labels,
              C: float = C_DEFAULT, fitted_on: str = "", context=("AFIB",),
              trees_info: dict | None = None, kind: str = "trees") -> tuple[MeasuredStack, np.ndarray]:
    """Fit a "trees" stage on validation outcomes (the trees themselves trained on another split).

    Args:
        y, probs, labels, C, context: as ``fit``.
        feats: (N, F) ``measure.features`` rows (all-NaN rows: records not measured, left out).
        trees: one output per label of ``tree_labels`` (the candidates; each a label of ``labels``).
        trees_info: how the trees were trained, kept in the stage's metrics.
        kind: "trees" (feats: the 113 ``measure.features.FEATURES``) or "trees2" (the 233 ``SHAPE_FEATURES``).

    Returns:
        (the stage, carrying only the chosen labels' trees; (N, K) out-of-fold probabilities, as ``fit``).
    """
    y, probs, feats = np.asarray(y), np.asarray(probs, dtype=np.float64), np.asarray(feats, dtype=np.float64)
    if kind not in TREE_KINDS:
        raise StackError(f"fit_trees: kind {kind!r}, not one of {', '.join(TREE_KINDS)}")
    names = tuple(KINDS[kind][0])
    tree_labels = list(tree_labels)
    if trees.n_outputs != len(tree_labels) or trees.n_features != len(names):
        raise StackError(f"fit_trees: trees with {trees.n_outputs} outputs over {trees.n_features} features "
                         f"for {len(tree_labels)} labels and {len(names)} features")
    context = tuple(c for c in context if c in labels)
    empty = np.zeros(0)
    probe = MeasuredStack((), names, empty, empty, (), (), context=context, kind=kind, trees=trees)
    ok = probe.usable(feats)
    info = {"C": C, "min_gain": MIN_GAIN, **({"trees": trees_info} if trees_info else {})}
    if not ok.any():
        return MeasuredStack((), names, empty, empty, (), (), fitted_on,
                             {**info, "per_label": {}, "why": "no record measured"}, FEATURES_VERSION, context,
                             kind, None), probs.copy()
    raw = trees.raw(feats[ok])
    chosen, weights, bias, metrics, oof = _choose(
        y, probs, ok, labels, set(tree_labels),
        lambda k: probe.design(probs[ok], k, labels, None, raw, tree_labels.index(labels[k])), C)
    kept = trees.select([tree_labels.index(lab) for lab in chosen]) if chosen else None
    stage = MeasuredStack(tuple(chosen), names, empty, empty, tuple(weights), tuple(bias), fitted_on,
                          {**info, "per_label": metrics}, FEATURES_VERSION, context, kind, kept)
    return stage, oof
