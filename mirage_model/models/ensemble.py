"""An ensemble: several trained models that read the same inputs, their probabilities averaged.

Members are any of the zoo's models (MIRAGE or a baseline) with the same task and clinical
inputs. The ensemble's probability is the plain mean of the members' probabilities (sigmoid per
class for multi-label tasks, softmax for multi-class ones), returned as logits of that mean so that
every caller (training metrics, ``Predictor``, explanations) applies its usual sigmoid / softmax and
gets the mean back. One checkpoint holds the members' weights under ``members.<i>.``;
``EnsembleConfig.members`` holds each member's type and config.

A multi-label member may predict a subset of the ensemble's classes (a form-statement network
beside a 71-statement one): its entry's ``"classes"`` lists the ensemble's class index of each of
its outputs (null for an output left out of the ensemble), and each class's probability is the mean
over the members that predict it. Every class needs at least one member.

A member trained on another subset of records (PTB-XL's form task) normalised its clinical features
with that subset's means and standard deviations: its entry's ``"clinical"`` holds, per feature,
``[a, b]`` with ``x_member = (a * x + b) * mask``, which re-expresses the ensemble's normalised input
``x = (t(v) - mean) / std`` in the member's own (exact: missing values stay 0).

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
    # [{"model_type": str, "config": dict[, "classes": [int]][, "clinical": [[a, b], ...]]}, ...]
    members: list = field(default_factory=list)
    num_classes: int = 5            # K: every member's, or the ensemble's classes its "classes" names
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
        members, classes, rescale = [], [], []
        for i, m in enumerate(config.members):
            if not isinstance(m, dict) or not {"model_type", "config"} <= set(m) <= MEMBER_KEYS:
                raise ValueError(f"member {i} must be {{'model_type': ..., 'config': {{...}}[, 'classes': [...]]"
                                 f"[, 'clinical': [[a, b], ...]]}}")
            if m["model_type"] == "ensemble":
                raise ValueError(f"member {i} is itself an ensemble; list its members instead")
            net = build(m["model_type"], m["config"])
            c = net.config
            idx, scale = member_layout(i, m, config)
            if c.num_classes != len(idx) or c.task != config.task:
                raise ValueError(f"member {i} ({m['model_type']}) predicts {c.num_classes} {c.task} classes, "
                                 f"the ensemble {len(idx)} {config.task} of its {config.num_classes} to it")
            classes.append(idx)
            rescale.append(scale)
            if c.n_clinical not in (0, config.n_clinical):
                raise ValueError(f"member {i} reads {c.n_clinical} clinical features, the ensemble "
                                 f"{config.n_clinical}")
            members.append(net)
        missing = sorted(set(range(config.num_classes)) - {k for idx in classes for k in idx if k is not None})
        if missing:
            raise ValueError(f"classes {missing} of the ensemble are predicted by no member")
        self.config = config
        self.members = nn.ModuleList(members)
        self._partial = any(idx != list(range(config.num_classes)) for idx in classes)
        # _covers (M, K): 1 where member m predicts class k (not saved: the config holds it)
        self.register_buffer("_covers", torch.zeros(len(classes), config.num_classes), persistent=False)
        for i, idx in enumerate(classes):
            self._covers[i, [k for k in idx if k is not None]] = 1.0
        # per member: (its outputs that are used, the ensemble class of each)
        self._classes = [(torch.tensor([j for j, k in enumerate(idx) if k is not None], dtype=torch.long),
                          torch.tensor([k for k in idx if k is not None], dtype=torch.long)) for idx in classes]
        self._rescale = rescale                 # per member None or (a (C,), b (C,)) tensors

    @property
    def lead_bias(self) -> torch.Tensor | None:
        """Mean learned lead bias (H, L, L) of the members that have one (None if none does)."""
        return _mean_same_shape([getattr(m, "lead_bias", None) for m in self.members])

    def forward(self, signal: torch.Tensor, image: torch.Tensor | None, clinical: torch.Tensor | None,
                clinical_mask: torch.Tensor | None, need_weights: bool = False) -> MirageOutput:
        """Inputs as ``Mirage.forward``. Returns MirageOutput with logits (B, K) of the mean
        probability, and (need_weights) the members' mean lead and ViT attention."""
        outs = [m(signal, image, self._clinical_of(i, clinical, clinical_mask), clinical_mask,
                  need_weights=need_weights) for i, m in enumerate(self.members)]
        if self._partial:                       # multi-label only: each class's mean over its members
            total = torch.zeros(signal.shape[0], self.config.num_classes, device=signal.device)
            for o, (used, idx) in zip(outs, self._classes):
                total[:, idx.to(signal.device)] += torch.sigmoid(o.logits.float()[:, used.to(signal.device)])
            p = (total / self._covers.sum(0)).clamp(_EPS, 1 - _EPS)
            out_logits = torch.log(p) - torch.log1p(-p)
            return MirageOutput(logits=out_logits, **self._mean_weights(outs, need_weights))
        logits = torch.stack([o.logits.float() for o in outs])                  # (M, B, K)
        if self.config.task == "multiclass":
            mean_logp = torch.logsumexp(torch.log_softmax(logits, -1), dim=0) - math.log(len(outs))
            out_logits = mean_logp                                               # softmax gives the mean back
        else:
            p = torch.sigmoid(logits).mean(0).clamp(_EPS, 1 - _EPS)
            out_logits = torch.log(p) - torch.log1p(-p)                          # sigmoid gives the mean back
        return MirageOutput(logits=out_logits, **self._mean_weights(outs, need_weights))

    def _clinical_of(self, i: int, clinical: torch.Tensor | None, mask: torch.Tensor | None) -> torch.Tensor | None:
        """The clinical input (B, C) in member ``i``'s normalisation."""
        if clinical is None or self._rescale[i] is None:
            return clinical
        a, b = (t.to(clinical.device, clinical.dtype) for t in self._rescale[i])
        x = clinical * a + b
        return x * mask if mask is not None else x

    @staticmethod
    def _mean_weights(outs, need_weights: bool) -> dict:
        """The members' mean lead attention and ViT attention maps (None without ``need_weights``)."""
        lead_attn = vit_attn = None
        if need_weights:
            lead_attn = _mean_same_shape([o.lead_attn for o in outs])
            layers = [o.vit_attn for o in outs if o.vit_attn]
            if layers and all(len(v) == len(layers[0]) for v in layers):
                vit_attn = [_mean_same_shape(list(per_layer)) for per_layer in zip(*layers)]
            elif layers:                      # members of different depths: the first one's maps
                vit_attn = layers[0]
        return {"lead_attn": lead_attn, "vit_attn": vit_attn}


MEMBER_KEYS = {"model_type", "config", "classes", "clinical"}


def member_layout(i: int, entry: dict, config: EnsembleConfig):
    """Member ``i``'s entry -> (ensemble class of each of its outputs, None where left out; its
    clinical rescaling (a (C,), b (C,)) or None). Checked against ``config`` alone, so a checkpoint's
    config can be checked before any member is built (``checkpoint.validate``).

    Raises:
        ValueError: a malformed "classes" or "clinical" (see ``_member_classes``, ``_member_rescale``).
    """
    return _member_classes(i, entry.get("classes"), config), _member_rescale(i, entry.get("clinical"), config)


def _member_rescale(i: int, pairs, config: EnsembleConfig):
    """Member ``i``'s ``"clinical"`` ([[a, b]] * C) -> (a (C,), b (C,)) tensors, or None.

    Raises:
        ValueError: not C pairs of finite numbers of at most 1e6 in size.
    """
    if pairs is None:
        return None
    ok = (isinstance(pairs, (list, tuple)) and len(pairs) == config.n_clinical
          and all(isinstance(p, (list, tuple)) and len(p) == 2
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                          and abs(v) <= 1e6 for v in p)
                  for p in pairs))
    if not ok:
        raise ValueError(f"member {i}: 'clinical' must be {config.n_clinical} pairs [a, b] of finite numbers "
                         "(at most 1e6 in size)")
    t = torch.tensor(pairs, dtype=torch.float32)
    return t[:, 0].clone(), t[:, 1].clone()


def _member_classes(i: int, classes, config: EnsembleConfig) -> list[int | None]:
    """Member ``i``'s output -> ensemble class index, None for an output left out (all K in order
    when ``classes`` is None).

    Raises:
        ValueError: not a list of distinct indices within K (or None) with one index at least, or a
            subset in a multi-class ensemble.
    """
    if classes is None:
        return list(range(config.num_classes))
    used = [k for k in classes if k is not None] if isinstance(classes, (list, tuple)) else []
    if (not used or not all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < config.num_classes
                            for k in used) or len(set(used)) != len(used)):
        raise ValueError(f"member {i}: 'classes' must list distinct class indices in 0..{config.num_classes - 1} "
                         "(null: an output left out), one at least")
    if config.task != "multilabel" and list(classes) != list(range(config.num_classes)):
        raise ValueError(f"member {i}: a multi-class ensemble's members predict all its classes")
    return [None if k is None else int(k) for k in classes]


def _mean_same_shape(tensors: list) -> torch.Tensor | None:
    """Mean of the tensors that share the first one's shape (None if there are none)."""
    ts = [t for t in tensors if isinstance(t, torch.Tensor)]
    if not ts:
        return None
    same = [t for t in ts if t.shape == ts[0].shape]
    return torch.stack([t.float() for t in same]).mean(0)
