"""FiLM: feature-wise linear modulation of token features by the clinical vector (Perez et al., AAAI 2018).

``h' = gamma * h + beta`` with ``(gamma, beta) = (1 + dg, db)`` computed by a bias-free MLP from
``[x * mask, mask]``. Without bias terms, an all-missing clinical vector (x = 0, mask = 0) gives
``dg = db = 0`` exactly, so FiLM is then exactly the identity: a record without labs is encoded
as if the model had no clinical input at all.
"""

from __future__ import annotations

import torch
from torch import nn


class FiLM(nn.Module):
    """Clinical FiLM for a token sequence.

    Args:
        n_clinical: C, number of clinical features.
        width: D, width of the modulated tokens.
        hidden: width of the MLP's hidden layer.
    """

    def __init__(self, n_clinical: int, width: int, hidden: int = 64):
        super().__init__()
        self.n_clinical = n_clinical
        self.width = width
        # bias=False on both layers: zero input -> exactly zero output (identity FiLM)
        self.fc1 = nn.Linear(2 * n_clinical, hidden, bias=False)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, 2 * width, bias=False)

    def params(self, clinical: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """clinical (B, C), mask (B, C) -> gamma (B, D), beta (B, D)."""
        inp = torch.cat([clinical * mask, mask], dim=-1)    # (B, 2C)
        d_gamma, beta = self.fc2(self.act(self.fc1(inp))).chunk(2, dim=-1)   # (B, D) each
        return 1.0 + d_gamma, beta

    def forward(self, h: torch.Tensor, clinical: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """h (B, N, D), clinical (B, C), mask (B, C) -> (B, N, D)."""
        gamma, beta = self.params(clinical, mask)
        return gamma.unsqueeze(1) * h + beta.unsqueeze(1)    # (B, 1, D) broadcast over tokens
