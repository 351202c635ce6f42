"""Signal branch: leads as graph nodes, Graphormer attention with a learned lead-to-lead bias.

Each of the L leads becomes a token (``MirageConfig.lead_encoder``: the MIRAGE paper's linear
projection of the whole lead, or a 1D CNN shared by all leads, a small plain one or a residual
one). A learned bias ``(H, L, L)`` is added to the attention scores of every layer (Graphormer's
spatial encoding, Ying et al., NeurIPS 2021: one ``attn_bias`` built once and handed to every
layer). A CLS token (Graphormer's virtual node, zero bias) is a node of the graph: it attends to
the leads and they to it in every layer, and its output summarises the leads (z_ts); FiLM from
the clinical vector follows every layer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mirage_model.models.blocks import Dropout, FilmEncoder
from mirage_model.models.config import LEAD_ENCODERS, MirageConfig


class ConvLeadEncoder(nn.Module):
    """One lead's samples -> one token with a small 1D CNN shared by all leads.

    Four conv layers (strides 5, 2, 2, 2 with BatchNorm and GELU: 0.4 s per position at 100 Hz),
    then adaptive average pooling to ``segments``
    time segments (keeps coarse timing), flattened and projected to D.
    (B, L, T) -> (B, L, D); any T >= 40 works.
    """

    def __init__(self, width: int, channels: int = 32, segments: int = 8):
        super().__init__()
        layers, c_in = [], 1
        for k, stride in ((9, 5), (5, 2), (5, 2), (3, 2)):
            layers += [nn.Conv1d(c_in, channels, k, stride=stride, padding=k // 2, bias=False),
                       nn.BatchNorm1d(channels), nn.GELU()]
            c_in = channels
        self.conv = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool1d(segments)
        self.proj = nn.Linear(channels * segments, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, L, T = x.shape
        h = self.conv(x.reshape(B * L, 1, T))        # (B*L, c, T/40)
        h = self.pool(h).flatten(1)                   # (B*L, c*segments)
        return self.proj(h).reshape(B, L, -1)         # (B, L, D)


class _ResBlock1d(nn.Module):
    """Two k-5 convolutions with BatchNorm, the first strided, plus a (pooled, 1x1) shortcut.
    (N, c_in, T) -> (N, c_out, ceil(T / stride)).

    The same block as ``baselines.BasicBlock1d`` except the shortcut: average pooling (no weights
    where the channels match) instead of a strided 1x1 convolution. The shipped checkpoints hold
    this block's weights, so the two stay separate.
    """

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv1d(c_in, c_out, 5, stride=stride, padding=2, bias=False)
        self.bn1 = nn.BatchNorm1d(c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, 5, padding=2, bias=False)
        self.bn2 = nn.BatchNorm1d(c_out)
        short = []
        if stride > 1:
            short.append(nn.AvgPool1d(stride, stride, ceil_mode=True))
        if c_in != c_out:
            short += [nn.Conv1d(c_in, c_out, 1, bias=False), nn.BatchNorm1d(c_out)]
        self.shortcut = nn.Sequential(*short)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return self.act(h + self.shortcut(x))


class ResLeadEncoder(nn.Module):
    """One lead's samples -> one token with a residual 1D CNN shared by all leads.

    Unlike ``ConvLeadEncoder`` (stride 5 in its first layer) it downsamples gently so that a QRS
    complex (about 10 samples at 100 Hz) keeps its shape: a k-7 stem at stride 2, then three
    residual blocks at stride 2 (channels c, 2c, 4c; 0.16 s per position at 100 Hz), adaptive
    average pooling to ``segments`` time segments, flattened and projected to D.
    (B, L, T) -> (B, L, D); any T >= 16.
    """

    def __init__(self, width: int, channels: int = 32, segments: int = 8):
        super().__init__()
        c = channels
        self.stem = nn.Sequential(nn.Conv1d(1, c, 7, stride=2, padding=3, bias=False), nn.BatchNorm1d(c),
                                  nn.ReLU())
        self.blocks = nn.Sequential(_ResBlock1d(c, c, 2), _ResBlock1d(c, 2 * c, 2), _ResBlock1d(2 * c, 4 * c, 2))
        self.pool = nn.AdaptiveAvgPool1d(segments)
        self.proj = nn.Linear(4 * c * segments, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, L, T = x.shape
        h = self.blocks(self.stem(x.reshape(B * L, 1, T)))   # (B*L, 4c, T/16)
        h = self.pool(h).flatten(1)                          # (B*L, 4c*segments)
        return self.proj(h).reshape(B, L, -1)                # (B, L, D)


class LinearLeadEncoder(nn.Module):
    """The paper's lead tokens: one shared linear projection of each lead's T samples. (B, L, T) -> (B, L, D)."""

    def __init__(self, n_samples: int, width: int):
        super().__init__()
        self.proj = nn.Linear(n_samples, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)                           # (B, L, D)


def make_lead_encoder(config: MirageConfig) -> nn.Module:
    """The ``config.lead_encoder`` tokeniser: (B, L, T) -> (B, L, D) with D = ``config.sig_width``."""
    c = config
    if c.lead_encoder == "linear":
        return LinearLeadEncoder(c.n_samples, c.sig_width)
    if c.lead_encoder == "conv":
        return ConvLeadEncoder(c.sig_width, c.conv_channels, c.conv_segments)
    if c.lead_encoder == "resnet":
        return ResLeadEncoder(c.sig_width, c.conv_channels, c.conv_segments)
    raise ValueError(f"unknown lead_encoder {c.lead_encoder!r} (use one of {LEAD_ENCODERS})")


class GraphEncoder(nn.Module):
    """Lead tokens -> Graphormer layers with lead bias and FiLM -> (CLS, lead tokens).

    Built from the ``MirageConfig``: ``lead_encoder`` (the tokeniser), ``sig_width`` (D),
    ``sig_depth``, ``sig_heads`` (H), ``mlp_ratio``, ``dropout``, ``n_leads`` (L), and FiLM after
    every layer from ``n_film`` clinical features (none w/o labs or with late concatenation).
    """

    def __init__(self, config: MirageConfig):
        super().__init__()
        c = config
        self.tokenizer = make_lead_encoder(c)
        self.n_leads = c.n_leads
        self.heads = c.sig_heads
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c.sig_width))
        self.lead_embed = nn.Parameter(torch.zeros(1, c.n_leads, c.sig_width))       # lead identity
        self.lead_bias = nn.Parameter(torch.zeros(c.sig_heads, c.n_leads, c.n_leads))  # (H, L, L), all layers
        self.drop = Dropout(c.dropout)
        self.encoder = FilmEncoder(dim=c.sig_width, depth=c.sig_depth, heads=c.sig_heads,
                                   hidden=int(c.sig_width * c.mlp_ratio), dropout=c.dropout,
                                   n_film=c.n_film, film_hidden=c.film_hidden)

    def attn_bias(self) -> torch.Tensor:
        """(H, 1+L, 1+L): the lead bias with a zero row/column for the CLS token."""
        return F.pad(self.lead_bias, (1, 0, 1, 0))

    def forward(self, signal: torch.Tensor, clinical: torch.Tensor | None, mask: torch.Tensor | None,
                need_weights: bool = False, encoder: FilmEncoder | None = None):
        """signal (B, L, T); clinical, mask (B, C) or None; encoder: use this stack instead of ours.

        Returns:
            cls (B, D), leads (B, L, D), lead_attn (B, H, L, L) of the last layer or None. The
            lead attention is the lead-to-lead block of the softmax over CLS + leads.
        """
        B, L, T = signal.shape
        tokens = self.tokenizer(signal) + self.lead_embed             # (B, L, D)
        cls = self.cls_token.expand(B, -1, -1)                         # (B, 1, D)
        x = self.drop(torch.cat([cls, tokens], dim=1))                 # (B, 1+L, D)
        enc = encoder if encoder is not None else self.encoder
        x, attn = enc(x, clinical, mask, self.attn_bias(), need_weights)
        lead_attn = attn[-1][:, :, 1:, 1:] if attn else None           # (B, H, L, L)
        return x[:, 0], x[:, 1:], lead_attn
