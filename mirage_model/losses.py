"""Losses: symmetric InfoNCE between branch embeddings and the weighted classification loss.

InfoNCE as in CLIP (Radford et al., ICML 2021): matching signal/image pairs of a batch are the
positives, every other pairing a negative, averaged over both directions. The classification loss
is BCE-with-logits with per-class positive weights (multi-label) or weighted cross-entropy
(single-label). MIRAGE trains on ``cls + lambda_con * InfoNCE``, the InfoNCE on its projection
heads' outputs (``MirageOutput.z_signal``, ``z_image``), not on the branch embeddings themselves.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def info_nce(z_a: torch.Tensor, z_b: torch.Tensor, tau: float) -> torch.Tensor:
    """Symmetric InfoNCE. z_a, z_b (B, E) (normalised inside). Returns a scalar:
    0.5 * (CE(z_a z_b^T / tau, arange(B)) + CE(z_b z_a^T / tau, arange(B)))."""
    if z_a.shape != z_b.shape or z_a.dim() != 2:
        raise ValueError(f"info_nce needs two (B, E) tensors of one shape, got {tuple(z_a.shape)} and {tuple(z_b.shape)}")
    if tau <= 0:
        raise ValueError(f"tau must be > 0, got {tau}")
    B, E = z_a.shape
    z_a = F.normalize(z_a, dim=-1)
    z_b = F.normalize(z_b, dim=-1)
    logits = z_a @ z_b.t() / tau                          # (B, B): row i = sample i of a vs all of b
    target = torch.arange(B, device=z_a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


def classification_loss(logits: torch.Tensor, target: torch.Tensor, task: str,
                        class_weights: torch.Tensor | None = None) -> torch.Tensor:
    """multilabel: target (B, K) {0,1}, weighted BCE-with-logits (pos_weight=class_weights);
    multiclass: target (B,) int64, weighted CE."""
    B, K = logits.shape
    if class_weights is not None:
        class_weights = torch.as_tensor(class_weights, dtype=logits.dtype, device=logits.device)
        if class_weights.shape != (K,):
            raise ValueError(f"class_weights has shape {tuple(class_weights.shape)}, expected ({K},)")
    if task == "multilabel":
        if target.shape != (B, K):
            raise ValueError(f"multilabel target has shape {tuple(target.shape)}, expected ({B}, {K})")
        return F.binary_cross_entropy_with_logits(logits, target.to(logits.dtype), pos_weight=class_weights)
    if task == "multiclass":
        if target.shape != (B,):
            raise ValueError(f"multiclass target has shape {tuple(target.shape)}, expected ({B},)")
        return F.cross_entropy(logits, target.long(), weight=class_weights)
    raise ValueError(f"unknown task {task!r} (use 'multilabel' or 'multiclass')")


def mirage_loss(output, target, config, class_weights=None) -> tuple[torch.Tensor, dict[str, float]]:
    """classification + lambda_con * InfoNCE (when both embeddings exist and use_contrast).
    Returns (total, {"cls": .., "con": .., "total": ..}).

    ``config`` is any model config with ``task`` (baselines lack the contrastive fields: no InfoNCE).
    """
    cls = classification_loss(output.logits, target, config.task, class_weights)
    total = cls
    con_value = 0.0
    use = getattr(config, "use_contrast", False) and getattr(config, "lambda_con", 0.0) > 0
    if use and output.z_signal is not None and output.z_image is not None and output.logits.shape[0] > 1:
        con = info_nce(output.z_signal, output.z_image, config.tau)
        total = cls + config.lambda_con * con
        con_value = float(con.detach())
    return total, {"cls": float(cls.detach()), "con": con_value, "total": float(total.detach())}
