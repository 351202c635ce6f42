"""An ensemble: several trained models that read the same inputs, their probabilities averaged.

Members are any of the zoo's models (MIRAGE or a baseline) with the same classes, task and
clinical inputs. The ensemble's probability is the plain mean of the members' probabilities
(sigmoid per class for multi-label tasks, softmax for multi-class ones), returned as logits of
that mean so that every caller (training metrics, ``Predictor``, explanations) applies its usual
sigmoid / softmax and gets the mean back. One checkpoint holds the members' weights under
``members.<i>.``; ``EnsembleConfig.members`` holds each member's type and config.

Explanations see one model: input gradients flow through every member; the learned lead bias
and the attention maps are averaged over the members that have them (and agree in shape).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from mirage_model.models.mirage import MirageOutput
from mirage_model.models.zoo import build, reads_image

_EPS = 1e-7


@dataclass
class EnsembleConfig:
    members: list = field(default_factory=list)   # [{"model_type": str, "config": dict}, ...]
    num_classes: int = 5            # K, the same for every member
    task: str = "multilabel"        # "multilabel" (sigmoid) or "multiclass" (softmax)
    n_clinical: int = 0             # C, the same for every member that reads clinical features

    @property
    def use_signal(self) -> bool:
        return any(m["config"].get("use_signal", True) for m in self.members)

    @property
    def patch_size(self) -> int:
        """The first image-reading member's ViT patch size (the grid explanations are shown on)."""
        for m in self.members:
            if reads_image(m["model_type"], m["config"]):
                return int(m["config"].get("patch_size", 16))
        return 16


class Ensemble(nn.Module):
    """Mean of the members' probabilities; see the module docstring."""

    def __init__(self, config: EnsembleConfig):
        super().__init__()
        if not config.members:
            raise ValueError("an ensemble needs at least one member")
        if config.task not in ("multilabel", "multiclass"):
            raise ValueError(f"unknown task {config.task!r}")
        members = []
        for i, m in enumerate(config.members):
            if not isinstance(m, dict) or set(m) != {"model_type", "config"}:
                raise ValueError(f"member {i} must be {{'model_type': ..., 'config': {{...}}}}")
            if m["model_type"] == "ensemble":
                raise ValueError(f"member {i} is itself an ensemble; list its members instead")
            net = build(m["model_type"], m["config"])
            c = net.config
            if c.num_classes != config.num_classes or c.task != config.task:
                raise ValueError(f"member {i} ({m['model_type']}) predicts {c.num_classes} {c.task} classes, "
                                 f"the ensemble {config.num_classes} {config.task}")
            if c.n_clinical not in (0, config.n_clinical):
                raise ValueError(f"member {i} reads {c.n_clinical} clinical features, the ensemble "
                                 f"{config.n_clinical}")
            members.append(net)
        self.config = config
        self.members = nn.ModuleList(members)

    @property
    def lead_bias(self) -> torch.Tensor | None:
        """Mean learned lead bias (H, L, L) of the members that have one (None if none does)."""
        return _mean_same_shape([getattr(m, "lead_bias", None) for m in self.members])

    def forward(self, signal: torch.Tensor, image: torch.Tensor | None, clinical: torch.Tensor | None,
                clinical_mask: torch.Tensor | None, need_weights: bool = False) -> MirageOutput:
        """Inputs as ``Mirage.forward``. Returns MirageOutput with logits (B, K) of the mean
        probability, and (need_weights) the members' mean lead and ViT attention."""
        outs = [m(signal, image, clinical, clinical_mask, need_weights=need_weights) for m in self.members]
        logits = torch.stack([o.logits.float() for o in outs])                  # (M, B, K)
        if self.config.task == "multiclass":
            mean_logp = torch.logsumexp(torch.log_softmax(logits, -1), dim=0) - math.log(len(outs))
            out_logits = mean_logp                                               # softmax gives the mean back
        else:
            p = torch.sigmoid(logits).mean(0).clamp(_EPS, 1 - _EPS)
            out_logits = torch.log(p) - torch.log1p(-p)                          # sigmoid gives the mean back
        lead_attn = vit_attn = None
        if need_weights:
            lead_attn = _mean_same_shape([o.lead_attn for o in outs])
            layers = [o.vit_attn for o in outs if o.vit_attn]
            if layers and all(len(v) == len(layers[0]) for v in layers):
                vit_attn = [_mean_same_shape(list(per_layer)) for per_layer in zip(*layers)]
            elif layers:                      # members of different depths: the first one's maps
                vit_attn = layers[0]
        return MirageOutput(logits=out_logits, lead_attn=lead_attn, vit_attn=vit_attn)


def _mean_same_shape(tensors: list) -> torch.Tensor | None:
    """Mean of the tensors that share the first one's shape (None if there are none)."""
    ts = [t for t in tensors if isinstance(t, torch.Tensor)]
    if not ts:
        return None
    same = [t for t in ts if t.shape == ts[0].shape]
    return torch.stack([t.float() for t in same]).mean(0)
