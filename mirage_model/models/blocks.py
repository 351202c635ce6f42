"""Transformer building blocks shared by the Graphormer, the ViT and the fusion transformer.

Pre-norm blocks as in timm's vision_transformer.py (``x = x + attn(norm1(x))``). Attention takes
an optional additive bias on the scores (Graphormer, Ying et al., NeurIPS 2021) and uses the fused
``F.scaled_dot_product_attention`` unless the weights are asked for.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mirage_model.models.film import FiLM


class Dropout(nn.Module):
    """Inverted dropout drawn with ``rand_like`` (same distribution as ``nn.Dropout``; on CPU
    ``bernoulli_`` is about 4x slower and was a tenth of a training step)."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand_like(x) >= self.p                        # (same shape as x)
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Attention(nn.Module):
    """Multi-head self-attention with an optional additive score bias.

    Args:
        dim: D, token width (divisible by ``heads``).
        heads: H.
        dropout: dropout on the output projection. The attention weights are not dropped
            (as timm's default attn_drop=0): on CPU a dropout mask over (B, H, N, N) costs more
            than the attention itself and forces the unfused path.
    """

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        if dim % heads:
            raise ValueError(f"width {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = Dropout(dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None,
                need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x (B, N, D); bias (H, N, N) or (B, H, N, N) added to the scores before softmax.

        Returns:
            out (B, N, D) and, with ``need_weights``, the attention weights (B, H, N, N).
        """
        B, N, D = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, self.head_dim)   # (B, N, 3, H, D/H)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)                  # 3 x (B, H, N, D/H)
        weights = None
        if need_weights:
            scores = (q @ k.transpose(-2, -1)) * self.scale             # (B, H, N, N)
            if bias is not None:
                scores = scores + bias
            weights = scores.softmax(dim=-1)                            # (B, H, N, N)
            out = weights @ v                                           # (B, H, N, D/H)
        else:
            mask = None if bias is None else bias.to(q.dtype)
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)   # (B, H, N, D/H)
        out = out.transpose(1, 2).reshape(B, N, D)                      # (B, N, D)
        return self.proj_drop(self.proj(out)), weights


class Mlp(nn.Module):
    """Linear -> GELU -> Linear -> dropout (nanoGPT's MLP: no dropout on the wide hidden layer,
    whose mask would dominate CPU training time). (B, N, D) -> (B, N, D)."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.act(self.fc1(x))))


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm1(x))`` then ``x + mlp(norm2(x))``."""

    def __init__(self, dim: int, heads: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, hidden, dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None,
                need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x (B, N, D) -> (B, N, D), weights (B, H, N, N) or None."""
        a, w = self.attn(self.norm1(x), bias, need_weights)
        x = x + a
        x = x + self.mlp(self.norm2(x))
        return x, w


class FilmEncoder(nn.Module):
    """A stack of blocks, each followed by its own clinical FiLM, then a final LayerNorm.

    Args:
        dim, depth, heads, hidden, dropout: block geometry (hidden = MLP width).
        n_film: C for FiLM after every layer, 0 for none (w/o labs, late concatenation).
        film_hidden: hidden width of each FiLM MLP.
    """

    def __init__(self, dim: int, depth: int, heads: int, hidden: int, dropout: float = 0.0,
                 n_film: int = 0, film_hidden: int = 64):
        super().__init__()
        self.blocks = nn.ModuleList(Block(dim, heads, hidden, dropout) for _ in range(depth))
        self.films = nn.ModuleList(FiLM(n_film, dim, film_hidden) for _ in range(depth)) if n_film else None
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, clinical: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, bias: torch.Tensor | None = None,
                need_weights: bool = False) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """x (B, N, D); clinical, mask (B, C); bias (H, N, N) shared by every layer.

        Returns:
            (B, N, D) normalised tokens, and per-layer weights [(B, H, N, N)] with ``need_weights``.
        """
        attn = [] if need_weights else None
        for i, block in enumerate(self.blocks):
            x, w = block(x, bias, need_weights)
            if self.films is not None:
                x = self.films[i](x, clinical, mask)
            if need_weights:
                attn.append(w)
        return self.norm(x), attn
