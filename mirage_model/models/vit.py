"""Image branch: a plain-torch Vision Transformer over the grayscale ECG rendering.

Dosovitskiy et al., ICLR 2021 (as in timm's vision_transformer.py): patch embedding by a Conv2d
with stride = patch size, a CLS token, learned positions, pre-norm blocks, plus a clinical FiLM
after every layer (MIRAGE).
"""

from __future__ import annotations

import torch
from torch import nn

from mirage_model.models.blocks import Dropout, FilmEncoder
from mirage_model.models.config import MirageConfig


class PatchEmbed(nn.Module):
    """(B, 1, S, S) -> (B, P*P, D) with P = S // patch."""

    def __init__(self, img_size: int, patch: int, width: int, in_chans: int = 1):
        super().__init__()
        if img_size % patch:
            raise ValueError(f"img_size {img_size} is not a multiple of patch_size {patch}")
        self.grid = img_size // patch
        self.proj = nn.Conv2d(in_chans, width, kernel_size=patch, stride=patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)    # (B, D, P, P) -> (B, P*P, D)


class VisionTransformer(nn.Module):
    """ViT encoder returning the CLS embedding, the patch tokens and (optionally) attention.

    Built from the ``MirageConfig``: ``img_size`` (S), ``patch_size``, ``img_width`` (D),
    ``img_depth``, ``img_heads``, ``mlp_ratio``, ``dropout``, FiLM after every layer from
    ``n_film`` clinical features. With the all-shared ablation (``config.shares_encoder``) it only
    tokenises, at the signal width, and the caller passes the signal branch's stack to ``forward``.
    """

    def __init__(self, config: MirageConfig):
        super().__init__()
        c = config
        width = c.img_dim
        self.img_size = c.img_size
        self.patch_embed = PatchEmbed(c.img_size, c.patch_size, width)
        n = self.patch_embed.grid ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + n, width))
        self.drop = Dropout(c.dropout)
        self.encoder = None if c.shares_encoder else FilmEncoder(
            dim=width, depth=c.img_depth, heads=c.img_heads, hidden=int(width * c.mlp_ratio), dropout=c.dropout,
            n_film=c.n_film, film_hidden=c.film_hidden)

    def forward(self, image: torch.Tensor, clinical: torch.Tensor | None, mask: torch.Tensor | None,
                need_weights: bool = False, encoder: FilmEncoder | None = None):
        """image (B, 1, S, S) in [0, 1], 1 = white paper; clinical, mask (B, C) or None.

        Returns:
            cls (B, D), patches (B, P*P, D), attention per layer [(B, H, 1+P*P, 1+P*P)] or None.
        """
        B, _, S, _ = image.shape
        ink = 1.0 - image                                           # paper 0, trace ~1: sparse input
        x = self.patch_embed(ink)                                   # (B, P*P, D)
        x = torch.cat([self.cls_token.expand(B, -1, -1), x], 1)     # (B, 1+P*P, D)
        x = self.drop(x + self.pos_embed)
        enc = encoder if encoder is not None else self.encoder
        x, attn = enc(x, clinical, mask, None, need_weights)
        return x[:, 0], x[:, 1:], attn
