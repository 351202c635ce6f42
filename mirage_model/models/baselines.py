"""In-harness baselines: resnet1d_wang (PTB-XL benchmark, Wang et al. 2017) and PatchTST (Nie et al. 2023).

Both take the same ``forward(signal, image, clinical, clinical_mask, need_weights=False)`` as
MIRAGE and return a ``MirageOutput`` with logits only; image and clinical inputs are ignored, so
training, evaluation and inference treat every model alike.

- ``ResNet1dWang``: the 1D ResNet of Wang et al. 2017 ("Time series classification from scratch
  with deep neural networks") as configured by the PTB-XL benchmark (Strodthoff et al. 2020,
  helme/ecg_ptbxl_benchmarking ``resnet1d_wang``): a stem conv (kernel 7, stride 1, no pooling)
  of 128 channels, three basic blocks of 128 channels with kernels (5, 3) and stride 2 in blocks 2
  and 3, a concat-pool head (max + mean) with BN/dropout/linear layers (128 hidden units).
- ``PatchTST``: channel-independent patch transformer. Each lead is cut into patches (16 samples,
  stride 8, the last value repeated ``stride`` times as padding), linearly embedded with learned
  positions and encoded by one transformer shared by all leads; per-lead mean-pooled tokens are
  concatenated for the class head.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from mirage_model.models.mirage import MirageOutput
from mirage_model.words import counted


@dataclass
class ResNet1dConfig:
    num_classes: int = 5            # K
    task: str = "multilabel"        # "multilabel" (sigmoid) or "multiclass" (softmax)
    n_leads: int = 12               # L (input channels)
    n_samples: int = 1000           # T (any length works: the head pools over time)
    n_clinical: int = 0             # C (ignored: the baselines read the signal only)
    inplanes: int = 128             # channels of the stem and of every block (fix_feature_dim)
    blocks: int = 3                 # basic blocks ([1, 1, 1] in the benchmark)
    kernel_size: tuple[int, int] = (5, 3)   # kernels of the two convs in each block
    kernel_size_stem: int = 7       # stem kernel (stride 1, no pooling)
    lin_ftrs_head: int = 128        # hidden units of the head (0: linear head)
    ps_head: float = 0.5            # dropout of the last head layer (half of it before the hidden one)


@dataclass
class PatchTSTConfig:
    num_classes: int = 5            # K
    task: str = "multilabel"        # "multilabel" or "multiclass"
    n_leads: int = 12               # L (each lead is encoded independently)
    n_samples: int = 1000           # T
    n_clinical: int = 0             # C (ignored)
    patch_len: int = 16             # samples per patch
    stride: int = 8                 # hop between patches
    d_model: int = 128              # D
    n_heads: int = 8                # H
    depth: int = 3                  # transformer layers
    d_ff: int = 256                 # feed-forward width
    dropout: float = 0.2            # dropout in the encoder
    head_dropout: float = 0.2       # dropout before the class head

    @property
    def n_patches(self) -> int:
        """N patches per lead, including the end padding of ``stride`` samples."""
        return (self.n_samples + self.stride - self.patch_len) // self.stride + 1


def _conv(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Conv1d:
    return nn.Conv1d(cin, cout, kernel, stride=stride, padding=(kernel - 1) // 2, bias=False)


class BasicBlock1d(nn.Module):
    """conv-BN-ReLU-conv-BN + (downsampled) identity, ReLU."""

    def __init__(self, cin: int, cout: int, stride: int, kernel_size: tuple[int, int]):
        super().__init__()
        self.conv1 = _conv(cin, cout, kernel_size[0], stride)
        self.bn1 = nn.BatchNorm1d(cout)
        self.conv2 = _conv(cout, cout, kernel_size[1])
        self.bn2 = nn.BatchNorm1d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv1d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm1d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet1dWang(nn.Module):
    """resnet1d_wang of the PTB-XL benchmark. See the module docstring."""

    def __init__(self, config: ResNet1dConfig):
        super().__init__()
        self.config = config
        c = config
        ks = tuple(c.kernel_size)
        self.stem = nn.Sequential(_conv(c.n_leads, c.inplanes, c.kernel_size_stem), nn.BatchNorm1d(c.inplanes),
                                  nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(*[BasicBlock1d(c.inplanes, c.inplanes, 1 if i == 0 else 2, ks)
                                      for i in range(c.blocks)])
        nf = 2 * c.inplanes                       # concat pooling: max and mean
        head: list[nn.Module] = []
        if c.lin_ftrs_head:
            head += [nn.BatchNorm1d(nf), nn.Dropout(c.ps_head / 2), nn.Linear(nf, c.lin_ftrs_head), nn.ReLU(inplace=True)]
            nf = c.lin_ftrs_head
        head += [nn.BatchNorm1d(nf), nn.Dropout(c.ps_head), nn.Linear(nf, c.num_classes)]
        self.head = nn.Sequential(*head)
        self.init_weights()

    def init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.Linear):
                nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward_features(self, signal: torch.Tensor) -> torch.Tensor:
        """signal (B, L, T) -> pooled features (B, 2 * inplanes)."""
        B, L, T = signal.shape
        if L != self.config.n_leads:
            raise ValueError(f"signal has {counted(L, 'lead')}, expected {self.config.n_leads}")
        h = self.blocks(self.stem(signal))                                 # (B, D, T')
        return torch.cat([h.amax(dim=-1), h.mean(dim=-1)], dim=-1)          # (B, 2D)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(features)

    def forward(self, signal: torch.Tensor, image=None, clinical=None, clinical_mask=None,
                need_weights: bool = False) -> MirageOutput:
        """signal (B, L, T); other inputs ignored. Returns MirageOutput(logits (B, K))."""
        return MirageOutput(logits=self.forward_head(self.forward_features(signal)))


class _EncoderLayer(nn.Module):
    """Pre-norm transformer layer: x + attn(norm1(x)), x + mlp(norm2(x))."""

    def __init__(self, d: int, heads: int, d_ff: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.drop(self.attn(h, h, h, need_weights=False)[0])
        return x + self.drop(self.mlp(self.norm2(x)))


class PatchTST(nn.Module):
    """Channel-independent patch transformer (Nie et al. 2023). See the module docstring."""

    def __init__(self, config: PatchTSTConfig):
        super().__init__()
        self.config = config
        c = config
        if c.d_model % c.n_heads:
            raise ValueError(f"d_model {c.d_model} is not divisible by n_heads {c.n_heads}")
        if c.n_samples < c.patch_len:
            raise ValueError(f"n_samples {c.n_samples} is shorter than one patch ({c.patch_len})")
        self.pad = nn.ReplicationPad1d((0, c.stride))
        self.embed = nn.Linear(c.patch_len, c.d_model)
        self.pos = nn.Parameter(torch.zeros(1, c.n_patches, c.d_model))
        self.drop = nn.Dropout(c.dropout)
        self.layers = nn.ModuleList([_EncoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout) for _ in range(c.depth)])
        self.norm = nn.LayerNorm(c.d_model)
        self.head_drop = nn.Dropout(c.head_dropout)
        self.head = nn.Linear(c.n_leads * c.d_model, c.num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        nn.init.trunc_normal_(self.pos, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward_features(self, signal: torch.Tensor) -> torch.Tensor:
        """signal (B, L, T) -> (B, L * D)."""
        c = self.config
        B, L, T = signal.shape
        if (L, T) != (c.n_leads, c.n_samples):
            raise ValueError(f"signal has shape {tuple(signal.shape)}, expected (B, {c.n_leads}, {c.n_samples})")
        x = self.pad(signal)                                                # (B, L, T + stride)
        x = x.unfold(-1, c.patch_len, c.stride)                             # (B, L, N, patch_len)
        x = x.reshape(B * L, -1, c.patch_len)                               # (B*L, N, patch_len)
        x = self.drop(self.embed(x) + self.pos)                             # (B*L, N, D)
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x).mean(dim=1)                                        # (B*L, D)
        return x.reshape(B, L * c.d_model)                                  # (B, L*D)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(self.head_drop(features))

    def forward(self, signal: torch.Tensor, image=None, clinical=None, clinical_mask=None,
                need_weights: bool = False) -> MirageOutput:
        """signal (B, L, T); other inputs ignored. Returns MirageOutput(logits (B, K))."""
        return MirageOutput(logits=self.forward_head(self.forward_features(signal)))
