"""Inference: ``Predictor(path).predict(record, clinical) -> Prediction``.

CONTRACT (owned by the inference helper).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mirage_model.explain import Explanation


@dataclass(frozen=True)
class Prediction:
    labels: tuple[str, ...]
    probabilities: np.ndarray          # (K,) aggregated over windows (mean)
    thresholds: np.ndarray             # (K,)
    positive: tuple[str, ...]          # labels with probability >= threshold
    model_name: str
    timings: dict = field(default_factory=dict)    # seconds: preprocess, render, predict, explain, total
    explanation: Explanation | None = None
    window_probabilities: np.ndarray | None = None  # (W, K)
    clinical_used: dict = field(default_factory=dict)


class Predictor:
    def __init__(self, path=None, device: str = "auto"):
        """path: checkpoint folder/file (None: the shipped default). device: "auto" (CUDA when present), "cpu", "cuda"."""
        raise NotImplementedError

    def predict(self, record, clinical=None, explain: bool = True) -> Prediction:
        raise NotImplementedError

    def predict_batch(self, records, clinicals=None, explain: bool = False) -> list[Prediction]:
        raise NotImplementedError
