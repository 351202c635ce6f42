"""From the model's logits to probabilities: the one link function of every model type.

A ``task`` of "multiclass" (one label per record) takes the softmax over the K classes, so the
probabilities sum to 1; "multilabel" (any number of labels) takes each class's sigmoid.
"""

from __future__ import annotations

import sys

import numpy as np

TASKS = ("multilabel", "multiclass")


def probabilities(logits, task: str):
    """(..., K) logits -> (..., K) probabilities, softmax for "multiclass", sigmoid otherwise.

    Args:
        logits: a ``torch.Tensor`` (any dtype; computed in float32, on its device, gradients
            kept) or a numpy array / sequence (computed in float64: a stable softmax).
        task: "multilabel" or "multiclass".

    Returns:
        float32, the same kind as ``logits`` (a tensor for a tensor, else a numpy array).

    Raises:
        ValueError: an unknown ``task``.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    torch = sys.modules.get("torch")   # a tensor implies torch is loaded; numpy callers need not load it
    if torch is not None and isinstance(logits, torch.Tensor):
        z = logits.float()
        return torch.softmax(z, dim=-1) if task == "multiclass" else torch.sigmoid(z)
    z = np.asarray(logits, dtype=np.float64)
    if task == "multiclass":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


# A class is called (positive, a finding stated) at or above its decision threshold and at least
# this probability. Thresholds are max-F1 points on a validation fold; for a class with a handful
# of validation positives (PTB-XL's third-degree AV block, ST elevation, T-wave abnormality: 1-4
# on fold 9) that point can sit below 1 %, and a call at 0.4 % is no finding. The shipped default
# and MI models' thresholds are all above it (0.32-0.47), so their calls are the thresholds'.
MIN_CALLED_P = 0.20


def is_called(probability, threshold):
    """Whether a class is called: ``probability >= threshold`` and ``>= MIN_CALLED_P``.

    Scalars give a bool; arrays (broadcast together) a bool array.
    """
    p, t = np.asarray(probability, dtype=np.float64), np.asarray(threshold, dtype=np.float64)
    out = (p >= t) & (p >= MIN_CALLED_P)
    return bool(out) if out.ndim == 0 else out


NORMAL_LABELS = frozenset({"NORM"})      # PTB-XL's normal class: a positive result is reassuring, not an alarm


def is_normal(label: str, ptbxl: bool = True) -> bool:
    """Whether ``label`` names the normal class (drawn in a calm colour when positive; no finding for noise to hide);
    never for a model trained on other data than PTB-XL (``ptbxl`` False): its "NORM" is whatever its labels table
    meant by it."""
    return ptbxl and label in NORMAL_LABELS


def threshold_fallbacks(positives, n, classes) -> dict[str, str]:
    """{class: "positives" or "negatives"} for the classes whose threshold is training's 0.5 fallback
    (``training_cli.engine.metrics.best_f1_thresholds``): no positive, or no negative, record among the ``n`` it
    was chosen on (``positives``: (K,) counts, as ``compute_metrics``'s per_class gives them; None: not known).
    The model card and the PDF's result table mark those thresholds by it."""
    out = {}
    for c, pos in zip(classes, positives):
        if pos is not None and (pos == 0 or pos == n):
            out[c] = "positives" if pos == 0 else "negatives"
    return out


def unmeasured_thresholds(metrics: dict | None, labels) -> dict[str, str]:
    """``threshold_fallbacks`` of a checkpoint: {label: "positives" or "negatives"} for the labels whose stored
    threshold is the 0.5 fallback, read off its ``metrics`` (config.json's): the split the thresholds were chosen on,
    ``val_calibrated`` where ``mirage calibrate`` chose them again, else ``val``, and its ``n`` and per-class
    ``positives``. {} where the checkpoint records neither (an older config.json): nothing known to be unmeasured."""
    for split in ("val_calibrated", "val"):
        figures = (metrics or {}).get(split)
        if isinstance(figures, dict) and isinstance(figures.get("n"), (int, float)):
            per = figures.get("per_class") or {}
            positives = [(per.get(lab) or {}).get("positives") if isinstance(per.get(lab), dict) else None
                         for lab in labels]
            return threshold_fallbacks([p if isinstance(p, (int, float)) else None for p in positives],
                                       figures["n"], labels)
    return {}
