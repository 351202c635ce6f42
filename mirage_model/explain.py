"""Explanations: learned lead bias, per-record lead attention, lead importance, ViT patch saliency.

Methods (each named in ``Explanation.methods``):
    - Lead bias: the learned Graphormer bias ``(H, L, L)`` averaged over heads (Ying et al. 2021).
    - Lead attention: the last Graphormer layer's lead-to-lead attention for this record, mean over
      heads, restricted to the lead tokens (the CLS token dropped) and renormalised so that each
      row (the attending, query lead) sums to 1.
    - Lead importance: gradient x input (Shrikumar et al. 2016) of the summed logits of the predicted
      classes (the top class when none is predicted) w.r.t. the instance-normalised signal,
      ``|.|`` summed over time per lead, normalised to sum 1 (uniform 1/L if it vanishes, e.g. for
      a flat record). The zero baseline of gradient x input is a flat line, which is what
      instance-normalised signals are centred on.
    - Patch rollout: attention rollout (Abnar & Zuidema 2020) over the ViT layers: mean over heads,
      add the identity, renormalise rows, multiply layer by layer; the CLS row over the patches,
      reshaped to ``(P, P)`` and min-max scaled to [0, 1].
    - Patch gradient: gradient x (input - blank page) of the image w.r.t. the top class logit,
      ``|.|`` summed per patch and divided by its maximum (so 0 = no effect, 1 = strongest). The
      model image is 1 = white paper; measuring input from a blank page (rather than from a black
      image, the implicit baseline of plain gradient x input) credits the ink, not the paper.
    - Signal saliency: a patch saliency mapped back onto the record's time axis through the render
      layout. Each 3x4 panel shows one lead over a 2.5 s slice and the rhythm strip shows lead II
      over 10 s; a sample of lead ``l`` at time ``t`` takes the saliency of the patch column its
      pixel column falls in, averaged over the patch rows the panel's box spans (weighted by
      overlap). Where two views show the same sample (lead II) the larger value wins; samples no
      view shows (a lead outside its 2.5 s slice) are 0. Only the explained window's samples are
      kept (``Explanation.signal_start`` places them in the record): every other sample of the
      record would be 0, and for 1 h of 12 leads at 500 Hz the two whole-record maps took 173 MB.

With any patch saliency, the explanation also keeps the explained window's model image (uint8
(S, S)), so that whoever draws the saliency draws it over exactly the pixels the model saw.

Plain numpy out; no torch or Qt types cross into the GUI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from mirage_model.outputs import is_called, probabilities

METHOD_LEAD_BIAS = "learned Graphormer lead bias, mean over heads"
METHOD_LEAD_ATTENTION = "last Graphormer layer lead-to-lead attention, mean over heads"
METHOD_LEAD_IMPORTANCE = ("gradient x input of the predicted classes' summed logits w.r.t. the signal, "
                          "|.| summed over time per lead, normalised to sum 1")
METHOD_ROLLOUT = "attention rollout (Abnar & Zuidema 2020) over ViT layers, CLS row, min-max scaled"
METHOD_GRADIENT = ("gradient x (input - blank page) of the image w.r.t. the top class logit, "
                   "|.| summed per patch, divided by its maximum")
METHOD_SIGNAL = "patch saliency mapped onto (lead, time) through the render layout"


@dataclass(frozen=True)
class Explanation:
    """Why the model said what it said, for one record (one window of it).

    A field is None when the model has no such part (e.g. a baseline without an image branch,
    or an ablation without the signal branch). ``methods`` names the method behind every field
    that is present.
    """

    lead_bias: np.ndarray | None        # (L, L) learned Graphormer bias, mean over heads
    lead_attention: np.ndarray | None   # (L, L) this record's lead-to-lead attention (last layer, mean heads)
    lead_importance: np.ndarray | None  # (L,) sums to 1
    patch_rollout: np.ndarray | None    # (P, P) attention rollout saliency in [0, 1]
    patch_gradient: np.ndarray | None   # (P, P) gradient x input saliency in [0, 1]
    signal_saliency: np.ndarray | None  # (L, T_w) the rollout saliency on the explained window's samples
                                        # at the record's fs: record samples signal_start .. + T_w - 1
    methods: dict                       # which method made each field, e.g. {"lead_importance": "...", ...}
    signal_gradient: np.ndarray | None = None   # (L, T_w) the gradient saliency mapped the same way
    target_class: int | None = None     # index of the class the image gradient explains (the top class)
    window: int = 0                     # which window of the record was explained
    window_start_s: float = 0.0         # its start time in the record (s)
    extra: dict = field(default_factory=dict)
    image: np.ndarray | None = None     # (S, S) uint8 the model image of the explained window exactly
                                        # as the model saw it (255 = paper); None without patch saliency
    signal_start: int = 0               # the record sample of signal_saliency's / signal_gradient's column 0

    def signal_map(self, key: str, lead: int, a: int, b: int) -> np.ndarray:
        """Record samples ``a .. b - 1`` of lead ``lead`` of a signal map (``key``:
        "signal_saliency" or "signal_gradient"), 0 where the map does not reach (outside the
        explained window nothing is salient). float32 (b - a,); empty when ``b <= a``."""
        out = np.zeros(max(0, int(b) - int(a)), dtype=np.float32)
        sal = getattr(self, key)
        if sal is None or not out.size:
            return out
        lo, hi = max(int(a), self.signal_start), min(int(b), self.signal_start + sal.shape[1])
        if hi > lo:
            out[lo - int(a):hi - int(a)] = sal[lead, lo - self.signal_start:hi - self.signal_start]
        return out


def scale_unit(x: np.ndarray, mode: str = "minmax") -> np.ndarray:
    """Scale to [0, 1]. mode "minmax": (x - min) / (max - min); "max": x / max (x >= 0).

    A constant (or all-zero) input gives zeros, never NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    lo = float(x.min()) if mode == "minmax" else 0.0
    span = float(x.max()) - lo
    if not np.isfinite(span) or span <= 0:
        return np.zeros(x.shape, dtype=np.float32)
    return ((x - lo) / span).astype(np.float32)


def attention_rollout(attentions: Sequence[np.ndarray], grid: int) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) of a ViT with a leading CLS token.

    Args:
        attentions: per layer, first to last, ``(H, N, N)`` or ``(N, N)`` attention probabilities
            with N = 1 + grid * grid (any extra tokens sit before the patches).
        grid: P, patches per side.

    Returns:
        float32 (P, P): the CLS token's rolled-out attention to each patch, min-max scaled to [0, 1].
    """
    if not len(attentions):
        raise ValueError("attention rollout needs at least one layer")
    # Only the CLS row of R = A_L ... A_1 is needed: e0^T R = ((e0^T A_L) A_{L-1}) ... A_1, a chain
    # of vector-matrix products (O(N^2) per layer instead of O(N^3)).
    row = None
    for attn in reversed(attentions):
        a = np.asarray(attn, dtype=np.float64)
        if a.ndim == 3:
            a = a.mean(axis=0)                               # (N, N) mean over heads
        a = a + np.eye(a.shape[0])                           # residual connection
        a = a / a.sum(axis=-1, keepdims=True)                # rows sum to 1 again
        row = a[0] if row is None else row @ a               # (N,)
    cls_to_patches = row[-grid * grid:]                      # (P*P,)
    return scale_unit(cls_to_patches.reshape(grid, grid), "minmax")


def patch_sum(pixel_map: np.ndarray, grid: int) -> np.ndarray:
    """Sum an (S, S) pixel map over a ``grid x grid`` patch grid -> (P, P)."""
    s = pixel_map.shape[0]
    p = s // grid
    return pixel_map[: grid * p, : grid * p].reshape(grid, p, grid, p).sum(axis=(1, 3))


def window_samples(layout, n_samples: int, fs: float, start_s: float = 0.0) -> tuple[int, int]:
    """The record samples ``[a, b)`` that some view of the rendered window shows.

    Args:
        layout: the ``EcgLayout`` of the rendered window (see ``saliency_to_signal``).
        n_samples: T, the record's own length in samples.
        fs: the record's own sampling rate (Hz).
        start_s: where the rendered window starts in the record (s).

    Returns:
        (a, b) with 0 <= a <= b <= T: a sample's margin either side of the panels' times (about
        10 s: 5000 samples at 500 Hz); every sample outside maps to 0.
    """
    origin = float(getattr(layout, "start_s", 0.0) or 0.0)
    t0 = min(p.t0 for p in layout.panels) - origin + start_s      # record time of the first view's start
    t1 = max(p.t1 for p in layout.panels) - origin + start_s
    a = int(np.clip(np.floor(t0 * fs) - 1, 0, n_samples))
    b = int(np.clip(np.ceil(t1 * fs) + 1, a, n_samples))
    return a, b


def saliency_to_signal(patch_saliency: np.ndarray, layout, n_samples: int, fs: float,
                       start_s: float = 0.0, first: int = 0) -> np.ndarray:
    """Map a patch saliency back onto the record's time axis through the render layout.

    Args:
        patch_saliency: (P, P) saliency over the image's patch grid (rows = y).
        layout: the ``EcgLayout`` of the rendered image (its panels, width and height): the
            window's own (``render_ecg(..., start_s).layout``, panels in record time) or one made
            at 0 s (panels in window time, as ``Predictor.layout``); both map alike.
        n_samples: T_out, how many samples to map: the record's own length for the whole record
            (``first`` 0), or ``b - a`` of ``window_samples`` for the window's samples alone.
        fs: the record's own sampling rate (Hz).
        start_s: where the rendered window starts in the record (s).
        first: the record sample of the output's column 0.

    Returns:
        float32 (L, T_out) with L = 12: the saliency of record samples ``first .. first + T_out - 1``
        (see the module docstring), 0 where no view of the image shows them.
    """
    sal = np.asarray(patch_saliency, dtype=np.float64)
    grid_y, grid_x = sal.shape
    patch_h = layout.height / grid_y
    patch_w = layout.width / grid_x
    out = np.zeros((12, n_samples), dtype=np.float32)
    # (T_out,) each sample's time on the layout's clock: a layout made at start_s already counts in
    # record time, one made at 0 s counts within the window
    samples = np.arange(int(first), int(first) + n_samples)
    t_rel = samples / float(fs) - start_s + float(getattr(layout, "start_s", 0.0) or 0.0)
    row_edges = np.arange(grid_y + 1) * patch_h
    for panel in layout.panels:
        ya, yb = sorted((panel.y0, panel.y1))
        # overlap of the panel's rows with each patch row, as weights summing to 1
        overlap = np.clip(np.minimum(row_edges[1:], yb) - np.maximum(row_edges[:-1], ya), 0, None)
        if overlap.sum() <= 0:
            continue
        profile = (overlap / overlap.sum()) @ sal             # (P,) per patch column
        inside = (t_rel >= panel.t0) & (t_rel < panel.t1)
        if not inside.any():
            continue
        frac = (t_rel[inside] - panel.t0) / (panel.t1 - panel.t0)
        x = panel.x0 + frac * (panel.x1 - panel.x0)
        col = np.clip(np.floor(x / patch_w).astype(int), 0, grid_x - 1)
        lead_row = out[panel.lead]
        lead_row[inside] = np.maximum(lead_row[inside], profile[col])
    return out


@dataclass(frozen=True)
class ExplainedWindow:
    """What one explanation pass gives: the explanation and the window's logits from the same pass."""
    explanation: Explanation | None   # None when nothing applies to the model
    logits: np.ndarray                # float32 (K,) logits of the explained window
    predicted: tuple[int, ...]        # the classes whose logits the lead importance explains
    forward_s: float                  # seconds in the forward pass
    explain_s: float                  # seconds in the backward passes and the numpy work


def explain_window(model, signal, image, clinical, clinical_mask, predicted: Sequence[int] | None = None, *,
                   thresholds: Sequence[float] | None = None, task: str = "multilabel",
                   layout=None, n_samples: int | None = None, fs: float | None = None,
                   start_s: float = 0.0, window: int = 0, calibrate=None) -> ExplainedWindow:
    """Explain one window: one forward pass with attention weights, then input gradients.

    Args:
        model: a model with the Mirage forward signature, in eval mode.
        signal: float tensor (1, L, T_model) instance-normalised window.
        image: float tensor (1, 1, S, S) in [0, 1], 1 = white paper.
        clinical, clinical_mask: float tensors (1, C).
        predicted: indices of the predicted classes (the lead-importance target); None: the classes
            whose probability from this very pass reaches ``thresholds`` (sigmoid, or softmax for
            ``task="multiclass"``). Empty: the top class.
        thresholds: (K,) decision thresholds, used when ``predicted`` is None (default 0.5).
        calibrate: the checkpoint's map of (K,) probabilities to calibrated ones, applied before
            they are compared with ``thresholds`` (which are chosen on the calibrated scale).
        task: "multilabel" or "multiclass".
        layout: the render layout used to map patch saliency onto the signal (None: not mapped).
        n_samples, fs: the record's own length (T) and sampling rate, for the mapping; the signal
            maps cover the window's samples only (``window_samples``, ``Explanation.signal_start``).
        start_s: the window's start in the record (s).
        window: the window's index (recorded in the result).

    Returns:
        ExplainedWindow (the Explanation, or None when nothing applies to this model).
    """
    t0 = time.perf_counter()
    with torch.inference_mode(False), torch.enable_grad():
        sig = signal.detach().clone().requires_grad_(True)
        img = image.detach().clone().requires_grad_(True)
        out = model(sig, img, clinical.detach().clone(), clinical_mask.detach().clone(), need_weights=True)
        logits = out.logits[0]                                  # (K,)
        logits_np = logits.detach().float().cpu().numpy()
        t1 = time.perf_counter()
        top = int(np.argmax(logits_np))
        if predicted is None:
            probs = probabilities(logits.detach(), task).cpu().numpy()
            if calibrate is not None:
                probs = np.asarray(calibrate(probs), dtype=np.float64)
            th = np.full(probs.shape, 0.5) if thresholds is None else np.asarray(thresholds, dtype=np.float64)
            predicted = [k for k in range(probs.size) if is_called(probs[k], th[k])]
        targets = sorted(set(int(k) for k in predicted)) or [top]
        if targets == [top]:
            g_sig, g_img = torch.autograd.grad(logits[top], (sig, img), allow_unused=True)
        else:
            (g_img,) = torch.autograd.grad(logits[top], (img,), retain_graph=True, allow_unused=True)
            (g_sig,) = torch.autograd.grad(logits[targets].sum(), (sig,), allow_unused=True)

    methods: dict[str, str] = {}
    fields: dict[str, np.ndarray | None] = dict(lead_bias=None, lead_attention=None, lead_importance=None,
                                                 patch_rollout=None, patch_gradient=None,
                                                 signal_saliency=None, signal_gradient=None)
    uses_signal = getattr(getattr(model, "config", None), "use_signal", True)
    bias = getattr(model, "lead_bias", None) if uses_signal else None
    if isinstance(bias, torch.Tensor):
        b = bias.detach().float().cpu().numpy()
        fields["lead_bias"] = (b.mean(axis=0) if b.ndim == 3 else b).astype(np.float32)   # (L, L)
        methods["lead_bias"] = METHOD_LEAD_BIAS
    if out.lead_attn is not None:
        a = out.lead_attn[0].detach().float().cpu().numpy()    # (H, L', L')
        a = a.mean(axis=0) if a.ndim == 3 else a
        if a.shape[-1] == a.shape[-2] == 13:                    # a CLS token first: keep the lead block
            a = a[1:, 1:]
        # the lead block of an attention that also covers the CLS token: renormalise each row
        a = a / np.maximum(a.sum(axis=-1, keepdims=True), 1e-12)
        fields["lead_attention"] = a.astype(np.float32)
        methods["lead_attention"] = METHOD_LEAD_ATTENTION
    if g_sig is not None:
        contrib = (g_sig[0] * sig[0]).detach().abs().sum(dim=-1).double().cpu().numpy()   # (L,)
        total = contrib.sum()
        fields["lead_importance"] = (contrib / total if total > 0 else
                                     np.full(contrib.shape, 1.0 / contrib.size)).astype(np.float32)
        methods["lead_importance"] = METHOD_LEAD_IMPORTANCE
    grid = None
    if out.vit_attn:
        n_patches = out.vit_attn[0].shape[-1] - 1
        grid = int(round(np.sqrt(n_patches)))
        maps = [a[0].detach().float().cpu().numpy() for a in out.vit_attn]
        fields["patch_rollout"] = attention_rollout(maps, grid)
        methods["patch_rollout"] = METHOD_ROLLOUT
    if g_img is not None:
        if grid is None:
            grid = image.shape[-1] // int(getattr(getattr(model, "config", None), "patch_size", 16))
        ink = (g_img[0, 0] * (img[0, 0] - 1.0)).detach().abs().double().cpu().numpy()  # (S, S)
        fields["patch_gradient"] = scale_unit(patch_sum(ink, grid), "max")
        methods["patch_gradient"] = METHOD_GRADIENT
    signal_start = 0
    if layout is not None and n_samples is not None and fs is not None:
        signal_start, stop = window_samples(layout, int(n_samples), float(fs), float(start_s))
        for src, dst in (("patch_rollout", "signal_saliency"), ("patch_gradient", "signal_gradient")):
            if fields[src] is not None:
                fields[dst] = saliency_to_signal(fields[src], layout, stop - signal_start, fs, start_s,
                                                 first=signal_start)                # (L, T_w)
                methods[dst] = f"{METHOD_SIGNAL} ({src})"
    explanation = None
    if methods:
        model_image = None
        if fields["patch_rollout"] is not None or fields["patch_gradient"] is not None:
            # the model reads uint8 / 255, so this gives back the very pixels it saw
            model_image = np.rint(image[0, 0].detach().float().cpu().numpy() * 255.0).clip(0, 255)
            model_image = model_image.astype(np.uint8)                          # (S, S)
        explanation = Explanation(methods=methods, target_class=top, window=window,
                                  window_start_s=float(start_s), image=model_image,
                                  signal_start=signal_start, **fields)
    return ExplainedWindow(explanation, logits_np.astype(np.float32), tuple(targets), t1 - t0,
                           time.perf_counter() - t1)
