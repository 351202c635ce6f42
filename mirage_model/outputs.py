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
