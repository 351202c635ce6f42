"""MIRAGE: Graphormer lead encoder + FiLM, ViT image encoder + FiLM, fusion transformer.

Multimodal Integration via Representational Alignment using Graphormer and Encoders. The signal
branch (graph_encoder.py) treats the 12 leads as graph nodes with a learned lead-to-lead attention
bias; the image branch (vit.py) reads the 224x224 rendering of the same ECG; both are modulated
by the clinical vector through FiLM (film.py) after every layer; a fusion transformer (fusion.py)
attends over ``[W_f [z_ts; z_img]; lead tokens; patch tokens]`` and the head reads the fused
token. Training adds a symmetric InfoNCE between the two branch embeddings (losses.py).

Every ablation of the paper is a config switch (``use_labs``, ``use_image``, ``use_signal``,
``use_contrast``, ``use_fusion``, ``late_concat``, ``shared_encoder``); ``PRESETS`` holds sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch
from torch import nn

from mirage_model.models.blocks import Dropout
from mirage_model.models.graph_encoder import GraphEncoder
from mirage_model.models.fusion import FusionTransformer
from mirage_model.models.vit import VisionTransformer

TASKS = ("multilabel", "multiclass")


@dataclass
class MirageConfig:
    num_classes: int = 5            # K
    task: str = "multilabel"        # "multilabel" (sigmoid, weighted BCE) or "multiclass" (softmax, weighted CE)
    n_leads: int = 12               # L
    n_samples: int = 1000           # T (10 s at 100 Hz)
    n_clinical: int = 4             # C (0 allowed)
    lead_encoder: str = "conv"      # "linear" (paper: one linear projection of each lead), "conv" (small 1D CNN)
                                    # or "resnet" (residual 1D CNN, stride-2 stem)
    sig_width: int = 128            # D of the signal branch
    sig_depth: int = 4              # Graphormer layers
    sig_heads: int = 4              # H of the signal branch (lead bias is (H, L, L))
    img_size: int = 224             # S: side of the square grayscale rendering (pixels)
    patch_size: int = 16            # P = img_size // patch_size = 14
    img_width: int = 128            # D of the image branch (ignored with shared_encoder: sig_width)
    img_depth: int = 4              # ViT layers (shared_encoder: sig_depth)
    img_heads: int = 4              # H of the image branch (shared_encoder: sig_heads)
    fusion_width: int = 256         # paper: 256
    fusion_depth: int = 3           # paper: 3
    fusion_heads: int = 4           # paper: 4
    fusion_ffn: int = 1692          # paper: 1692
    embed_dim: int = 128            # E: InfoNCE projection width
    dropout: float = 0.1            # on tokens, attention output, MLP output and head input
    use_labs: bool = True           # False: "w/o labs"
    use_image: bool = True          # False: "w/o image"
    use_signal: bool = True         # False: "w/o signal"
    use_contrast: bool = True       # False: "w/o contrast" (lambda_con treated as 0)
    use_fusion: bool = True         # False: "w/o fusion" (concatenate the two CLS embeddings)
    late_concat: bool = False       # True: labs enter at fusion instead of FiLM
    shared_encoder: bool = False    # True: "all-shared" (one transformer encoder for both modalities)
    lambda_con: float = 0.445       # weight of the InfoNCE loss
    tau: float = 0.1                # InfoNCE temperature
    # additions (not in the paper's table)
    mlp_ratio: float = 4.0          # MLP width / D in the signal and image branches
    conv_channels: int = 32         # channels of the "conv" lead encoder's 1D CNN ("resnet": c, 2c, 4c)
    conv_segments: int = 8          # time segments each CNN lead token keeps (adaptive pooling)
    film_hidden: int = 64           # hidden width of each FiLM MLP

    def validate(self) -> "MirageConfig":
        """Raise ValueError for an impossible combination; returns self."""
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r} (use one of {TASKS})")
        if not (self.use_signal or self.use_image):
            raise ValueError("use_signal and use_image cannot both be False")
        if self.num_classes < 1 or self.n_clinical < 0 or self.n_leads < 1 or self.n_samples < 40:
            raise ValueError(f"bad sizes: num_classes={self.num_classes}, n_clinical={self.n_clinical}, "
                             f"n_leads={self.n_leads}, n_samples={self.n_samples}")
        if self.tau <= 0:
            raise ValueError(f"tau must be > 0, got {self.tau}")
        for w, h, what in ((self.sig_width, self.sig_heads, "sig"), (self.img_width, self.img_heads, "img"),
                           (self.fusion_width, self.fusion_heads, "fusion")):
            if w % h:
                raise ValueError(f"{what}_width {w} is not divisible by {what}_heads {h}")
        if self.img_size % self.patch_size:
            raise ValueError(f"img_size {self.img_size} is not a multiple of patch_size {self.patch_size}")
        return self


# Config overrides by name; "paper" is the contract defaults (fusion 256 / 3 layers / 4 heads / FFN 1692).
PRESETS: dict[str, dict] = {
    "paper": {},
    # trains on PTB-XL on a 2-core CPU (see the model report for measured speed)
    "small": dict(sig_width=64, sig_depth=3, sig_heads=4, img_width=64, img_depth=2, img_heads=2,
                  fusion_width=96, fusion_depth=1, fusion_heads=2, fusion_ffn=192, embed_dim=64,
                  mlp_ratio=2.0, conv_channels=16, film_hidden=32),
    # a residual lead CNN that keeps the QRS shape (stride-2 stem) and 8x8 image patches: more accuracy per CPU
    # second than "small" (attention over 196 patches dominated its step time)
    "base": dict(lead_encoder="resnet", conv_channels=16, sig_width=128, sig_depth=3, sig_heads=4,
                 patch_size=28, img_width=64, img_depth=2, img_heads=2, fusion_width=128, fusion_depth=1,
                 fusion_heads=4, fusion_ffn=256, embed_dim=64, mlp_ratio=2.0, film_hidden=32),
    # unit tests: a training step in a few ms (use with img_size 224 or smaller images)
    "tiny": dict(sig_width=16, sig_depth=1, sig_heads=2, img_width=16, img_depth=1, img_heads=2,
                 fusion_width=16, fusion_depth=1, fusion_heads=2, fusion_ffn=32, embed_dim=8,
                 conv_channels=8, film_hidden=8, mlp_ratio=2.0, dropout=0.0),
}


def preset_config(name: str, **overrides) -> MirageConfig:
    """``MirageConfig`` of preset ``name`` with ``overrides`` (e.g. num_classes, n_clinical)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})")
    known = {f.name for f in fields(MirageConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown MirageConfig fields: {sorted(unknown)}")
    return replace(MirageConfig(), **{**PRESETS[name], **overrides}).validate()


@dataclass
class MirageOutput:
    logits: torch.Tensor                      # (B, K)
    z_signal: torch.Tensor | None = None      # (B, E) L2-normalised, None without signal or contrast
    z_image: torch.Tensor | None = None       # (B, E)
    lead_attn: torch.Tensor | None = None     # (B, H, L, L) last Graphormer layer's lead-to-lead attention (need_weights)
    vit_attn: list[torch.Tensor] | None = None  # per ViT layer (B, H, 1+P*P, 1+P*P) (need_weights)
    fusion_attn: list[torch.Tensor] | None = None  # per fusion layer (B, H, N, N) (need_weights)


class Mirage(nn.Module):
    """The MIRAGE classifier; see the module docstring. ``config`` rebuilds it exactly."""

    def __init__(self, config: MirageConfig):
        super().__init__()
        c = self.config = config.validate()
        self.n_labs = c.n_clinical if c.use_labs else 0                   # C actually used
        film_c = 0 if c.late_concat else self.n_labs
        shared = c.shared_encoder and c.use_signal and c.use_image
        sig_w = c.sig_width if c.use_signal else 0
        img_w = (c.sig_width if shared else c.img_width) if c.use_image else 0
        self.sig_encoder = GraphEncoder(
            c.n_leads, c.n_samples, c.sig_width, c.sig_depth, c.sig_heads,
            int(c.sig_width * c.mlp_ratio), c.dropout, c.lead_encoder, c.conv_channels,
            film_c, c.film_hidden, c.conv_segments) if c.use_signal else None
        if c.use_image and shared:
            # all-shared: the ViT tokenises, the signal branch's stack encodes (no second stack)
            self.img_encoder = VisionTransformer(
                c.img_size, c.patch_size, c.sig_width, 0, c.sig_heads, 0, c.dropout, build_encoder=False)
        elif c.use_image:
            self.img_encoder = VisionTransformer(
                c.img_size, c.patch_size, c.img_width, c.img_depth, c.img_heads,
                int(c.img_width * c.mlp_ratio), c.dropout, film_c, c.film_hidden)
        else:
            self.img_encoder = None
        self.shared = shared
        self.contrast = c.use_contrast and c.use_signal and c.use_image
        self.proj_signal = nn.Linear(sig_w, c.embed_dim) if self.contrast else None
        self.proj_image = nn.Linear(img_w, c.embed_dim) if self.contrast else None
        late_c = self.n_labs if c.late_concat else 0
        if c.use_fusion:
            self.fusion = FusionTransformer(sig_w, img_w, c.fusion_width, c.fusion_depth, c.fusion_heads,
                                            c.fusion_ffn, c.dropout, late_c)
            head_in = c.fusion_width
        else:
            self.fusion = None
            head_in = sig_w + img_w + 2 * late_c
        self.head_drop = Dropout(c.dropout)
        self.head = nn.Linear(head_in, c.num_classes)
        self.init_weights()

    @staticmethod
    def no_weight_decay() -> set[str]:
        """Parameters the optimiser must not shrink (timm's rule), besides every bias and norm scale:
        the learned lead-to-lead bias (an explanation users read), tokens and embeddings."""
        return {"lead_bias", "cls_token", "lead_embed", "pos_embed", "type_embed"}

    def init_weights(self) -> None:
        """All initialisation in one place: trunc_normal_(std=.02) for linear maps and tokens."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):      # Conv2d = ViT patch embedding (a linear map per patch)
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Conv1d):                 # CNN lead encoder (followed by BatchNorm + GELU)
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            elif isinstance(m, (nn.LayerNorm, nn.BatchNorm1d)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for enc in (self.sig_encoder, self.img_encoder):
            if enc is None:
                continue
            nn.init.trunc_normal_(enc.cls_token, std=0.02)
            nn.init.trunc_normal_(enc.lead_embed if enc is self.sig_encoder else enc.pos_embed, std=0.02)
        if self.sig_encoder is not None:
            nn.init.zeros_(self.sig_encoder.lead_bias)     # no prior preference between leads
        if self.fusion is not None:
            nn.init.trunc_normal_(self.fusion.type_embed, std=0.02)

    @property
    def lead_bias(self) -> torch.Tensor | None:
        """The learned Graphormer bias (H, L, L) added to lead attention scores in every layer
        (None without the signal branch)."""
        return None if self.sig_encoder is None else self.sig_encoder.lead_bias

    def _clinical(self, clinical, mask, B: int, device) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Validate the clinical inputs -> (x, mask) (B, C) float, or (None, None) without labs."""
        C = self.n_labs
        if C == 0:
            return None, None
        if clinical is None:                               # nothing known: all missing
            z = torch.zeros(B, C, device=device)
            return z, z.clone()
        if clinical.shape != (B, C):
            raise ValueError(f"clinical has shape {tuple(clinical.shape)}, expected ({B}, {C})")
        if mask is None:
            mask = torch.isfinite(clinical).float()
        elif mask.shape != (B, C):
            raise ValueError(f"clinical_mask has shape {tuple(mask.shape)}, expected ({B}, {C})")
        clinical = torch.nan_to_num(clinical.float(), nan=0.0, posinf=0.0, neginf=0.0)
        return clinical, mask.float()

    def forward_features(self, signal: torch.Tensor | None, image: torch.Tensor | None,
                         clinical: torch.Tensor | None, clinical_mask: torch.Tensor | None,
                         need_weights: bool = False) -> dict:
        """The branches and the fusion, up to the head's input.

        Returns:
            dict with "features" (B, F) for the head, "z_signal"/"z_image" (B, E) or None, and
            "lead_attn", "vit_attn", "fusion_attn" (see ``MirageOutput``).
        """
        c = self.config
        if c.use_signal:
            B, L, T = signal.shape
            if (L, T) != (c.n_leads, c.n_samples):
                raise ValueError(f"signal has shape {tuple(signal.shape)}, "
                                 f"expected (B, {c.n_leads}, {c.n_samples})")
            device = signal.device
        if c.use_image:
            if image.dtype == torch.uint8:                 # a raw rendering (255 = paper)
                image = image.float() / 255.0
            B, one, S, S2 = image.shape
            if (one, S, S2) != (1, c.img_size, c.img_size):
                raise ValueError(f"image has shape {tuple(image.shape)}, "
                                 f"expected (B, 1, {c.img_size}, {c.img_size})")
            device = image.device
        if c.use_signal and c.use_image and signal.shape[0] != image.shape[0]:
            raise ValueError(f"signal batch {signal.shape[0]} != image batch {image.shape[0]}")
        x, mask = self._clinical(clinical, clinical_mask, B, device)
        film_x, film_m = (None, None) if c.late_concat else (x, mask)

        cls, leads, patches = [], None, None
        lead_attn = vit_attn = None
        if self.sig_encoder is not None:
            z_ts, leads, lead_attn = self.sig_encoder(signal, film_x, film_m, need_weights)  # (B, D), (B, L, D)
            cls.append(z_ts)
        if self.img_encoder is not None:
            shared = self.sig_encoder.encoder if self.shared else None
            # (B, D), (B, P*P, D)
            z_img, patches, vit_attn = self.img_encoder(image, film_x, film_m, need_weights, shared)
            cls.append(z_img)
        labs = torch.cat([x * mask, mask], dim=-1) if (c.late_concat and x is not None) else None  # (B, 2C)

        fusion_attn = None
        if self.fusion is not None:
            tokens, fusion_attn = self.fusion(cls, leads, patches, labs, need_weights)    # (B, N, Df)
            features = tokens[:, 0]                                                      # (B, Df)
        else:
            features = torch.cat(cls + ([labs] if labs is not None else []), dim=-1)    # (B, F)

        z_signal = z_image = None
        if self.contrast:
            z_signal = nn.functional.normalize(self.proj_signal(cls[0]), dim=-1)        # (B, E)
            z_image = nn.functional.normalize(self.proj_image(cls[1]), dim=-1)          # (B, E)
        return dict(features=features, z_signal=z_signal, z_image=z_image, lead_attn=lead_attn,
                    vit_attn=vit_attn, fusion_attn=fusion_attn)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """(B, F) -> logits (B, K)."""
        return self.head(self.head_drop(features))

    def forward(self, signal: torch.Tensor, image: torch.Tensor, clinical: torch.Tensor,
                clinical_mask: torch.Tensor, need_weights: bool = False) -> MirageOutput:
        """signal (B, L, T) float; image (B, 1, S, S) float in [0, 1] (1 = white paper);
        clinical (B, C) normalised; clinical_mask (B, C) 1 = present. Returns MirageOutput.

        A uint8 image (255 = paper) is scaled to [0, 1]. Without ``clinical_mask`` a value counts
        as present where ``clinical`` is finite. A branch that the config switches off ignores its input (it may be None); clinical may be
        None (all missing). ``need_weights`` takes the explicit attention path and fills the
        ``*_attn`` fields; otherwise attention is fused (scaled_dot_product_attention).
        """
        f = self.forward_features(signal, image, clinical, clinical_mask, need_weights)
        return MirageOutput(logits=self.forward_head(f["features"]), z_signal=f["z_signal"],
                            z_image=f["z_image"], lead_attn=f["lead_attn"], vit_attn=f["vit_attn"],
                            fusion_attn=f["fusion_attn"])
