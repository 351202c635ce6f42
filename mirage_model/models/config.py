"""MIRAGE's configuration: one dataclass that rebuilds the model, and the named size presets.

``asdict(MirageConfig)`` goes into every checkpoint, so a checkpoint alone rebuilds its model
(nanoGPT's ``GPTConfig``). The defaults are the paper's model (Multimodal Integration via
Representational Alignment using Graphormer and Encoders): a linear projection of each lead,
fusion 256 wide x 3 layers x 4 heads with FFN 1692, InfoNCE weight 0.445 at temperature 0.1.
The branch sizes, which the paper does not fix, are this project's. ``PRESETS`` holds the other
sizes; every module of the model takes this config (``GraphEncoder(config)``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

TASKS = ("multilabel", "multiclass")
LEAD_ENCODERS = ("linear", "conv", "resnet")   # how each lead becomes a token (graph_encoder.py)


@dataclass
class MirageConfig:
    num_classes: int = 5            # K
    task: str = "multilabel"        # "multilabel" (sigmoid, weighted BCE) or "multiclass" (softmax, weighted CE)
    n_leads: int = 12               # L
    n_samples: int = 1000           # T (10 s at 100 Hz)
    n_clinical: int = 4             # C (0 allowed)
    lead_encoder: str = "linear"    # "linear" (paper: one linear projection of each lead), "conv" (small 1D CNN)
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

    # -- what the switches above imply for the modules (derived, never stored) --------------

    @property
    def n_labs(self) -> int:
        """C the model reads (0 w/o labs)."""
        return self.n_clinical if self.use_labs else 0

    @property
    def n_film(self) -> int:
        """C the branches' FiLM layers read (0 w/o labs or with late concatenation)."""
        return 0 if self.late_concat else self.n_labs

    @property
    def n_late(self) -> int:
        """C that enters the fusion as a token (late concatenation only)."""
        return self.n_labs if self.late_concat else 0

    @property
    def shares_encoder(self) -> bool:
        """True when the image tokens go through the signal branch's transformer stack."""
        return self.shared_encoder and self.use_signal and self.use_image

    @property
    def sig_dim(self) -> int:
        """D of the signal branch's tokens (0 w/o signal)."""
        return self.sig_width if self.use_signal else 0

    @property
    def img_dim(self) -> int:
        """D of the image branch's tokens (0 w/o image; the signal width when the encoder is shared)."""
        if not self.use_image:
            return 0
        return self.sig_width if self.shares_encoder else self.img_width

    @property
    def contrast(self) -> bool:
        """True when the model has the two projection heads of the InfoNCE term."""
        return self.use_contrast and self.use_signal and self.use_image

    def validate(self) -> "MirageConfig":
        """Raise ValueError for an impossible combination; returns self."""
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r} (use one of {TASKS})")
        if self.lead_encoder not in LEAD_ENCODERS:
            raise ValueError(f"unknown lead_encoder {self.lead_encoder!r} (use one of {LEAD_ENCODERS})")
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


# Config overrides by name. "paper" is the dataclass defaults: the paper's model (linear lead tokens,
# fusion 256 / 3 layers / 4 heads / FFN 1692). The others name their lead encoder explicitly.
PRESETS: dict[str, dict] = {
    "paper": {},
    # trains on PTB-XL on a 2-core CPU (see the model report for measured speed)
    "small": dict(lead_encoder="conv", sig_width=64, sig_depth=3, sig_heads=4, img_width=64, img_depth=2,
                  img_heads=2, fusion_width=96, fusion_depth=1, fusion_heads=2, fusion_ffn=192, embed_dim=64,
                  mlp_ratio=2.0, conv_channels=16, film_hidden=32),
    # a residual lead CNN that keeps the QRS shape (stride-2 stem) and 8x8 image patches: more accuracy per CPU
    # second than "small" (attention over 196 patches dominated its step time); the shipped models' preset
    "base": dict(lead_encoder="resnet", conv_channels=16, sig_width=128, sig_depth=3, sig_heads=4,
                 patch_size=28, img_width=64, img_depth=2, img_heads=2, fusion_width=128, fusion_depth=1,
                 fusion_heads=4, fusion_ffn=256, embed_dim=64, mlp_ratio=2.0, film_hidden=32),
    # unit tests: a training step in a few ms (use with img_size 224 or smaller images)
    "tiny": dict(lead_encoder="conv", sig_width=16, sig_depth=1, sig_heads=2, img_width=16, img_depth=1,
                 img_heads=2, fusion_width=16, fusion_depth=1, fusion_heads=2, fusion_ffn=32, embed_dim=8,
                 conv_channels=8, film_hidden=8, mlp_ratio=2.0, dropout=0.0),
}


def preset_config(name: str, **overrides) -> MirageConfig:
    """``MirageConfig`` of preset ``name`` with ``overrides`` (e.g. num_classes, n_clinical, lead_encoder)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})")
    known = {f.name for f in fields(MirageConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown MirageConfig fields: {sorted(unknown)}")
    return replace(MirageConfig(), **{**PRESETS[name], **overrides}).validate()
