"""Losses: symmetric InfoNCE between branch embeddings and the weighted classification loss.

CONTRACT (owned by the model helper).
"""

from __future__ import annotations

import torch


def info_nce(z_a: torch.Tensor, z_b: torch.Tensor, tau: float) -> torch.Tensor:
    """Symmetric InfoNCE. z_a, z_b (B, E) (normalised inside). Returns a scalar:
    0.5 * (CE(z_a z_b^T / tau, arange(B)) + CE(z_b z_a^T / tau, arange(B)))."""
    raise NotImplementedError


def classification_loss(logits: torch.Tensor, target: torch.Tensor, task: str,
                        class_weights: torch.Tensor | None = None) -> torch.Tensor:
    """multilabel: target (B, K) {0,1}, weighted BCE-with-logits (pos_weight=class_weights);
    multiclass: target (B,) int64, weighted CE."""
    raise NotImplementedError


def mirage_loss(output, target, config, class_weights=None) -> tuple[torch.Tensor, dict[str, float]]:
    """classification + lambda_con * InfoNCE (when both embeddings exist and use_contrast).
    Returns (total, {"cls": .., "con": .., "total": ..})."""
    raise NotImplementedError
