"""MIRAGE: Graphormer lead encoder + FiLM, ViT image encoder + FiLM, fusion transformer.

CONTRACT (owned by the model helper; replace the stubs, keep the names and shapes).
Sub-modules live in graph_encoder.py, vit.py, film.py, fusion.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class MirageConfig:
    num_classes: int = 5            # K
    task: str = "multilabel"        # "multilabel" (sigmoid, weighted BCE) or "multiclass" (softmax, weighted CE)
    n_leads: int = 12               # L
    n_samples: int = 1000           # T (10 s at 100 Hz)
    n_clinical: int = 4             # C (0 allowed)
    lead_encoder: str = "conv"      # "linear" (paper: one linear projection of each lead) or "conv" (small 1D CNN)
    sig_width: int = 128            # D of the signal branch
    sig_depth: int = 4              # Graphormer layers
    sig_heads: int = 4              # H of the signal branch (lead bias is (H, L, L))
    img_size: int = 224
    patch_size: int = 16            # P = img_size // patch_size = 14
    img_width: int = 128
    img_depth: int = 4
    img_heads: int = 4
    fusion_width: int = 256         # paper: 256
    fusion_depth: int = 3           # paper: 3
    fusion_heads: int = 4           # paper: 4
    fusion_ffn: int = 1692          # paper: 1692
    embed_dim: int = 128            # E: InfoNCE projection width
    dropout: float = 0.1
    use_labs: bool = True           # False: "w/o labs"
    use_image: bool = True          # False: "w/o image"
    use_signal: bool = True         # False: "w/o signal"
    use_contrast: bool = True       # False: "w/o contrast" (lambda_con treated as 0)
    use_fusion: bool = True         # False: "w/o fusion" (concatenate the two CLS embeddings)
    late_concat: bool = False       # True: labs enter at fusion instead of FiLM
    shared_encoder: bool = False    # True: "all-shared" (one transformer encoder for both modalities)
    lambda_con: float = 0.445       # weight of the InfoNCE loss
    tau: float = 0.1                # InfoNCE temperature


@dataclass
class MirageOutput:
    logits: torch.Tensor                      # (B, K)
    z_signal: torch.Tensor | None = None      # (B, E) L2-normalised, None without signal or contrast
    z_image: torch.Tensor | None = None       # (B, E)
    lead_attn: torch.Tensor | None = None     # (B, H, L, L) last Graphormer layer's lead-to-lead attention (need_weights)
    vit_attn: list[torch.Tensor] | None = None  # per ViT layer (B, H, 1+P*P, 1+P*P) (need_weights)
    fusion_attn: list[torch.Tensor] | None = None  # per fusion layer (B, H, N, N) (need_weights)


class Mirage(nn.Module):
    def __init__(self, config: MirageConfig):
        super().__init__()
        self.config = config
        raise NotImplementedError

    @property
    def lead_bias(self) -> torch.Tensor:
        """The learned Graphormer bias (H, L, L) added to lead attention scores in every layer."""
        raise NotImplementedError

    def forward(self, signal: torch.Tensor, image: torch.Tensor, clinical: torch.Tensor,
                clinical_mask: torch.Tensor, need_weights: bool = False) -> MirageOutput:
        """signal (B, L, T) float; image (B, 1, S, S) float in [0, 1] (1 = white paper);
        clinical (B, C) normalised; clinical_mask (B, C) 1 = present. Returns MirageOutput."""
        raise NotImplementedError
