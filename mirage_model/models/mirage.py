"""MIRAGE: Graphormer lead encoder + FiLM, ViT image encoder + FiLM, fusion transformer.

Multimodal Integration via Representational Alignment using Graphormer and Encoders. The signal
branch (graph_encoder.py) treats the 12 leads as graph nodes with a learned lead-to-lead attention
bias; the image branch (vit.py) reads the 224x224 rendering of the same ECG; both are modulated
by the clinical vector through FiLM (film.py) after every layer; a fusion transformer (fusion.py)
attends over ``[W_f [z_ts; z_img]; lead tokens; patch tokens]`` and the head reads the fused
token. Training adds a symmetric InfoNCE (losses.py) between L2-normalised linear projections of
the two branch embeddings (``proj_signal``, ``proj_image``: CLIP's projection heads).

Every ablation of the paper is a config switch (``use_labs``, ``use_image``, ``use_signal``,
``use_contrast``, ``use_fusion``, ``late_concat``, ``shared_encoder``) of ``MirageConfig``
(config.py, with the size ``PRESETS``); every module is built from that one config.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from mirage_model.models.blocks import Dropout
from mirage_model.models.config import MirageConfig
from mirage_model.models.fusion import FusionTransformer
from mirage_model.models.graph_encoder import GraphEncoder
from mirage_model.models.vit import VisionTransformer


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
        self.sig_encoder = GraphEncoder(c) if c.use_signal else None
        # all-shared: the ViT only tokenises, the signal branch's stack encodes (no second stack)
        self.img_encoder = VisionTransformer(c) if c.use_image else None
        self.proj_signal = nn.Linear(c.sig_dim, c.embed_dim) if c.contrast else None   # InfoNCE heads
        self.proj_image = nn.Linear(c.img_dim, c.embed_dim) if c.contrast else None
        self.fusion = FusionTransformer(c) if c.use_fusion else None
        head_in = c.fusion_width if c.use_fusion else c.sig_dim + c.img_dim + 2 * c.n_late
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
        C = self.config.n_labs                             # C actually used
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
            shared = self.sig_encoder.encoder if c.shares_encoder else None
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
        if c.contrast:
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
        as present where ``clinical`` is finite. A branch that the config switches off ignores its
        input (it may be None); clinical may be None (all missing). ``need_weights`` takes the explicit attention path and fills the
        ``*_attn`` fields; otherwise attention is fused (scaled_dot_product_attention).
        """
        f = self.forward_features(signal, image, clinical, clinical_mask, need_weights)
        return MirageOutput(logits=self.forward_head(f["features"]), z_signal=f["z_signal"],
                            z_image=f["z_image"], lead_attn=f["lead_attn"], vit_attn=f["vit_attn"],
                            fusion_attn=f["fusion_attn"])
