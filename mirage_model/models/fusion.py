"""Fusion transformer: joint attention over the fused embedding, the lead tokens and the patch tokens.

MIRAGE fuses ``[W_f [z_ts; z_img]; lead tokens; patch tokens]``: the first token is a linear map
of the two branch CLS embeddings, the others are the branches' tokens projected to the fusion
width, each with a learned type embedding. The class head reads the fused first token. With late
concatenation the clinical vector enters here as one more token.
"""

from __future__ import annotations

import torch
from torch import nn

from mirage_model.models.blocks import Block

# token type ids for the learned type embeddings
TYPE_FUSED, TYPE_LEAD, TYPE_PATCH, TYPE_LABS = 0, 1, 2, 3


class FusionTransformer(nn.Module):
    """Project branch tokens to width Df, add type embeddings, run pre-norm blocks.

    Args:
        sig_width: D of the signal branch (0: no signal branch).
        img_width: D of the image branch (0: no image branch).
        width, depth, heads, ffn, dropout: fusion geometry (paper: 256, 3, 4, 1692).
        n_labs: C when labs enter as a token (late concatenation), else 0.
    """

    def __init__(self, sig_width: int, img_width: int, width: int, depth: int, heads: int, ffn: int,
                 dropout: float, n_labs: int = 0):
        super().__init__()
        self.w_f = nn.Linear(sig_width + img_width, width)           # W_f [z_ts; z_img]
        self.lead_proj = nn.Linear(sig_width, width) if sig_width else None
        self.patch_proj = nn.Linear(img_width, width) if img_width else None
        self.labs_proj = nn.Linear(2 * n_labs, width) if n_labs else None
        self.type_embed = nn.Parameter(torch.zeros(4, width))         # fused, lead, patch, labs
        self.blocks = nn.ModuleList(Block(width, heads, ffn, dropout) for _ in range(depth))
        self.norm = nn.LayerNorm(width)

    def forward(self, cls: list[torch.Tensor], leads: torch.Tensor | None, patches: torch.Tensor | None,
                labs: torch.Tensor | None = None, need_weights: bool = False):
        """cls: the branch CLS embeddings [(B, D_sig)] and/or [(B, D_img)], in that order;
        leads (B, L, D_sig) or None; patches (B, P*P, D_img) or None; labs (B, 2C) = [x*mask, mask].

        Returns:
            tokens (B, N, Df) after the final norm (token 0 is the fused token), and per-layer
            attention [(B, H, N, N)] with ``need_weights``.
        """
        fused = self.w_f(torch.cat(cls, dim=-1)).unsqueeze(1)           # (B, 1, Df)
        parts = [fused + self.type_embed[TYPE_FUSED]]
        if leads is not None:
            parts.append(self.lead_proj(leads) + self.type_embed[TYPE_LEAD])      # (B, L, Df)
        if patches is not None:
            parts.append(self.patch_proj(patches) + self.type_embed[TYPE_PATCH])  # (B, P*P, Df)
        if labs is not None:
            parts.append(self.labs_proj(labs).unsqueeze(1) + self.type_embed[TYPE_LABS])  # (B, 1, Df)
        x = torch.cat(parts, dim=1)                                     # (B, N, Df)
        attn = [] if need_weights else None
        for block in self.blocks:
            x, w = block(x, None, need_weights)
            if need_weights:
                attn.append(w)
        return self.norm(x), attn
