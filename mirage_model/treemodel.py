"""Gradient-boosted decision trees as plain arrays: stored in safetensors, evaluated with numpy.

The measured stage of a checkpoint (``mirage_model.stacking``) reads, for each label it re-estimates,
the decision value of a gradient-boosted tree classifier over the record's measured features
(``measure.features``). The classifiers are trained by scikit-learn (``HistGradientBoostingClassifier``,
``training_cli``), but a checkpoint stores only their nodes as numbers, so loading one executes no
pickled code and the app needs no scikit-learn::

    raw_o(x) = baseline_o + sum over the trees t of output o of value[leaf_t(x)]

where ``leaf_t(x)`` follows tree t from its root: at a split node go left when
``x[feature] <= threshold``, right when greater, and to ``missing_left``'s side when x[feature] is NaN.

Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_NODES = 2_000_000        # a stored ensemble larger than this is refused (a few MB in practice)


class TreeError(ValueError):
    """Stored trees that cannot be used; ``str(err)`` says what is wrong."""


@dataclass(frozen=True)
class TreeEnsemble:
    """Binary tree classifiers, one output each, as flat node arrays (M nodes, T trees, O outputs).

    Attributes:
        feature: (M,) int32 split feature index; -1 at a leaf.
        threshold: (M,) float64 split value (x <= threshold goes left); 0 at a leaf.
        left, right: (M,) int32 child node indices (absolute, always greater than the node's own); -1 at a leaf.
        missing_left: (M,) bool, where a NaN feature value goes.
        value: (M,) float64 leaf contribution (0 at split nodes).
        roots: (T,) int32 root node of each tree.
        output: (T,) int32 the output each tree adds to.
        baseline: (O,) float64 each output's initial decision value.
        n_features: how many features a row has.
    """
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    missing_left: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    output: np.ndarray
    baseline: np.ndarray
    n_features: int

    @property
    def n_outputs(self) -> int:
        return int(self.baseline.shape[0])

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Decision values (N, O) of rows X (N, n_features) float (NaN: not measured)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if X.shape[1] != self.n_features:
            raise TreeError(f"trees read {self.n_features} features, got rows of {X.shape[1]}")
        n, t = X.shape[0], self.roots.shape[0]
        node = np.broadcast_to(self.roots, (n, t)).copy()                      # (N, T)
        rows = np.arange(n)[:, None]
        for _ in range(self.feature.shape[0]):                                  # depth bound (children > parent)
            f = self.feature[node]
            split = f >= 0
            if not split.any():
                break
            x = X[rows, np.where(split, f, 0)]
            left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            node = np.where(split, np.where(left, self.left[node], self.right[node]), node)
        contrib = self.value[node]                                              # (N, T)
        out = np.tile(self.baseline, (n, 1))
        for o in range(self.n_outputs):
            out[:, o] += contrib[:, self.output == o].sum(axis=1)
        return out

    def select(self, outputs) -> "TreeEnsemble":
        """The ensemble of the given outputs only (in that order), nodes renumbered."""
        outputs = [int(o) for o in outputs]
        ends = np.append(self.roots[1:], self.feature.shape[0])
        parts, roots, out, start = [], [], [], 0
        for new_o, o in enumerate(outputs):
            for i in np.flatnonzero(self.output == o):
                a, b = int(self.roots[i]), int(ends[i])
                parts.append((a, b, start))
                roots.append(start)
                out.append(new_o)
                start += b - a

        def cat(arr, shift=False):
            pieces = []
            for a, b, s in parts:
                piece = arr[a:b].copy()
                if shift:
                    piece = np.where(piece >= 0, piece - a + s, -1)
                pieces.append(piece)
            return np.concatenate(pieces) if pieces else arr[:0].copy()

        return TreeEnsemble(cat(self.feature), cat(self.threshold), cat(self.left, True), cat(self.right, True),
                            cat(self.missing_left), cat(self.value), np.asarray(roots, dtype=np.int32),
                            np.asarray(out, dtype=np.int32), self.baseline[outputs].copy(), self.n_features)

    # ------------------------------------------------------------------ storage
    def to_tensors(self, prefix: str) -> dict[str, np.ndarray]:
        """name -> array, for a safetensors file (int32, float64 and uint8 only)."""
        return {f"{prefix}feature": self.feature.astype(np.int32), f"{prefix}threshold": self.threshold.astype(np.float64),
                f"{prefix}left": self.left.astype(np.int32), f"{prefix}right": self.right.astype(np.int32),
                f"{prefix}missing_left": self.missing_left.astype(np.uint8), f"{prefix}value": self.value.astype(np.float64),
                f"{prefix}roots": self.roots.astype(np.int32), f"{prefix}output": self.output.astype(np.int32),
                f"{prefix}baseline": self.baseline.astype(np.float64)}

    @classmethod
    def from_tensors(cls, tensors: dict, prefix: str, n_features: int, n_outputs: int) -> "TreeEnsemble":
        """Validate and rebuild stored trees (numpy arrays or torch tensors). Raises TreeError naming the fault."""
        def get(name, kind):
            key = prefix + name
            if key not in tensors:
                raise TreeError(f"trees: {key} missing")
            a = tensors[key]
            a = a.numpy() if hasattr(a, "numpy") else np.asarray(a)
            if a.ndim != 1:
                raise TreeError(f"trees: {key} must be one-dimensional")
            if kind == "int" and a.dtype.kind not in "iu" or kind == "float" and a.dtype.kind != "f":
                raise TreeError(f"trees: {key} has dtype {a.dtype}")
            return a

        feature, left, right = get("feature", "int").astype(np.int64), get("left", "int").astype(np.int64), \
            get("right", "int").astype(np.int64)
        threshold, value = get("threshold", "float").astype(np.float64), get("value", "float").astype(np.float64)
        missing = get("missing_left", "int")
        roots, output = get("roots", "int").astype(np.int64), get("output", "int").astype(np.int64)
        baseline = get("baseline", "float").astype(np.float64)
        m = feature.shape[0]
        if m == 0 or m > MAX_NODES:
            raise TreeError(f"trees: {m} nodes (1 to {MAX_NODES} allowed)")
        if any(a.shape[0] != m for a in (left, right, threshold, value, missing)):
            raise TreeError("trees: node arrays of different lengths")
        if roots.shape[0] == 0 or roots.shape != output.shape:
            raise TreeError("trees: one output per tree root needed")
        if baseline.shape != (n_outputs,) or not np.isfinite(baseline).all():
            raise TreeError(f"trees: baseline must be {n_outputs} finite numbers")
        if np.isnan(threshold).any() or not np.isfinite(value).all():   # a threshold of +inf splits NaN off
            raise TreeError("trees: thresholds must be numbers and values finite")
        if np.any((output < 0) | (output >= n_outputs)) or np.any((roots < 0) | (roots >= m)):
            raise TreeError("trees: a root or an output index out of range")
        if np.any(np.diff(roots) <= 0) or roots[0] != 0:
            raise TreeError("trees: roots must start at node 0 and increase")
        split = feature >= 0
        if np.any(feature[split] >= n_features) or np.any(feature[~split] != -1):
            raise TreeError(f"trees: a split feature out of range (rows have {n_features})")
        idx = np.arange(m)
        ends = np.append(roots[1:], m)[np.searchsorted(roots, idx, side="right") - 1]
        for child in (left, right):
            if np.any(split & ((child <= idx) | (child >= ends))) or np.any(~split & (child != -1)):
                raise TreeError("trees: a child index outside its tree or not after its parent")
        return cls(feature.astype(np.int32), threshold, left.astype(np.int32), right.astype(np.int32),
                   missing.astype(bool), np.where(split, 0.0, value), roots.astype(np.int32),
                   output.astype(np.int32), baseline, int(n_features))


def from_sklearn(models, n_features: int) -> TreeEnsemble:
    """One output per fitted binary ``HistGradientBoostingClassifier`` of ``models`` (numeric features)."""
    feature, threshold, left, right, missing, value, roots, output = [], [], [], [], [], [], [], []
    baseline, start = [], 0
    for o, model in enumerate(models):
        if getattr(model, "n_trees_per_iteration_", 1) != 1:
            raise TreeError("from_sklearn: binary classifiers only")
        if getattr(model, "is_categorical_", None) is not None and np.any(model.is_categorical_):
            raise TreeError("from_sklearn: categorical features are not supported")
        baseline.append(float(np.ravel(model._baseline_prediction)[0]))
        for iteration in model._predictors:
            nodes = iteration[0].nodes
            leaf = nodes["is_leaf"].astype(bool)
            roots.append(start)
            output.append(o)
            feature.append(np.where(leaf, -1, nodes["feature_idx"]))
            threshold.append(np.where(leaf, 0.0, nodes["num_threshold"]))
            left.append(np.where(leaf, -1, nodes["left"].astype(np.int64) + start))
            right.append(np.where(leaf, -1, nodes["right"].astype(np.int64) + start))
            missing.append(nodes["missing_go_to_left"].astype(bool))
            value.append(np.where(leaf, nodes["value"], 0.0))
            start += len(nodes)
    return TreeEnsemble(np.concatenate(feature).astype(np.int32), np.concatenate(threshold).astype(np.float64),
                        np.concatenate(left).astype(np.int32), np.concatenate(right).astype(np.int32),
                        np.concatenate(missing), np.concatenate(value).astype(np.float64),
                        np.asarray(roots, dtype=np.int32), np.asarray(output, dtype=np.int32),
                        np.asarray(baseline, dtype=np.float64), int(n_features))
