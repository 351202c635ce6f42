"""Explanations: learned lead bias, per-record lead attention, lead importance, ViT patch saliency.

CONTRACT (owned by the inference helper). Plain numpy out; no torch or Qt types cross into the GUI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Explanation:
    lead_bias: np.ndarray            # (L, L) learned Graphormer bias, mean over heads
    lead_attention: np.ndarray       # (L, L) this record's lead-to-lead attention (last layer, mean heads)
    lead_importance: np.ndarray      # (L,) sums to 1
    patch_rollout: np.ndarray        # (P, P) attention rollout saliency in [0, 1]
    patch_gradient: np.ndarray       # (P, P) gradient x input saliency in [0, 1]
    signal_saliency: np.ndarray      # (L, T) the rollout saliency mapped back onto the record's time axis (record fs)
    methods: dict                    # which method made each field, e.g. {"lead_importance": "...", ...}
