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
from mirage_model.models.config import MirageConfig

# token type ids for the learned type embeddings
TYPE_FUSED, TYPE_LEAD, TYPE_PATCH, TYPE_LABS = 0, 1, 2, 3


class FusionTransformer(nn.Module):
    """Project branch tokens to width Df, add type embeddings, run pre-norm blocks.

    Built from the ``MirageConfig``: the branches' token widths (``sig_dim``, ``img_dim``; 0 for a
    branch that is off), ``fusion_width`` (Df), ``fusion_depth``, ``fusion_heads``, ``fusion_ffn``
    (paper: 256, 3, 4, 1692), ``dropout``, and ``n_late`` clinical features entering as one more
    token (late concatenation; 0 otherwise).
    """

    def __init__(self, config: MirageConfig):
        super().__init__()
        c = config
        width = c.fusion_width
        self.w_f = nn.Linear(c.sig_dim + c.img_dim, width)               # W_f [z_ts; z_img]
        self.lead_proj = nn.Linear(c.sig_dim, width) if c.sig_dim else None
        self.patch_proj = nn.Linear(c.img_dim, width) if c.img_dim else None
        self.labs_proj = nn.Linear(2 * c.n_late, width) if c.n_late else None
        self.type_embed = nn.Parameter(torch.zeros(4, width))            # fused, lead, patch, labs
        self.blocks = nn.ModuleList(Block(width, c.fusion_heads, c.fusion_ffn, c.dropout)
                                    for _ in range(c.fusion_depth))
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
