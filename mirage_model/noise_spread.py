"""How far noise moves a model's calls: per label, the spread of its calibrated logit under noise of a given load,
and which calls lie within it of their threshold.

At the noise warning level (the "noise" finding's noise load from ``QualityConfig.noise_calls_mv`` to
``noise_withhold_mv``) the quality line says the calls may change; the noise moves some calls and not others. A
checkpoint may carry its spread (config.json key "noise_spread", ``NoiseSpread.to_dict``): per band of noise load
(``BANDS``, mV) and label, the 90th percentile of |logit(p noisy) - logit(p as recorded)| over PTB-XL folds 1-8
records with white or muscle noise added (scripts/noise_spread.py). A call whose logit lies within that spread of its
threshold's (``outputs.is_called``: the threshold, at least ``MIN_CALLED_P``) is marked: the noise may change it.
Data read with the model, nothing run: scoring costs no extra model pass. The spread belongs to the logits it was
measured on: a new calibration or an averaged model leaves it behind (``mirage calibrate``, ``mirage ensemble``).

A call the noise took away is not said, so the mark cannot reach it (fold 9: the statements model lost 163 calls to
noise against 80 added). The labels it may hide are named instead, once per record, beside the quality and the
interpretation, never as calls ("Noise in V1, V2 may hide: Left bundle branch block (38%), ..."). The rule, written
before its figures, reuses the stored spread and fits nothing: at the warning level (calls not withheld, the "noise"
finding naming its leads) the labels within the spread of their threshold's (``marked``, the same test) that are not
called (``outputs.is_called``), of the loaded model and of the statements model beside it; not the normal class
(NORM: no finding to hide) nor a statement the interpretation already says (a rhythm it guessed below threshold);
a name said by both models once. Nearest first: by |logit(p) - logit(threshold, at least ``MIN_CALLED_P``)|, the
noise's way to the threshold. At most ``MAY_HIDE_NAMED`` (3) named where a line is short (the app, page 1 of the
PDF), the others counted ("and 2 more"); page 3 and the CSV name them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mirage_model.outputs import MIN_CALLED_P, is_normal

CONFIG_KEY = "noise_spread"             # its key in the checkpoint's config.json
BANDS = (0.08, 0.10, 0.12, 0.15)        # mV of noise load: the warning band's edges (QualityConfig), split in three
SPREAD_QUANTILE = 0.9
P_CLIP = 1e-4                           # the calibration's own ends (isotonic maps clip there): logits +-9.2
MAY_HIDE_NAMED = 3                      # labels a short "may hide" line names, the nearest; the others counted


class NoiseSpreadError(ValueError):
    """A noise spread that cannot be read: the message says what is wrong (the checkpoint's loader names the
    file)."""


def logit(p) -> np.ndarray:
    """log(p / (1 - p)) of probabilities ``p`` (any shape) clipped to ``P_CLIP``..1 - ``P_CLIP``."""
    p = np.clip(np.asarray(p, dtype=np.float64), P_CLIP, 1.0 - P_CLIP)
    return np.log(p / (1.0 - p))


@dataclass(frozen=True)
class NoiseSpread:
    """A model's spread of logits under noise.

    Attributes:
        labels: the K labels, the model's order.
        bands_mv: (B + 1,) edges of the noise-load bands, mV.
        spread_logit: (B, K) |delta logit| per band and label (NaN: not measured).
        quantile: the quantile of |delta logit| the spread is.
        conditions: (B,) noisy conditions measured per band.
        fitted_on: what it was measured on, in words.
    """

    labels: tuple[str, ...]
    bands_mv: np.ndarray
    spread_logit: np.ndarray
    quantile: float = SPREAD_QUANTILE
    conditions: tuple[int, ...] = ()
    fitted_on: str = ""

    @classmethod
    def from_dict(cls, doc, labels=None) -> "NoiseSpread":
        """The spread of a checkpoint's "noise_spread" ``doc`` (``to_dict``); ``labels``: the model's, which
        its labels must be (None: not checked).

        Raises:
            NoiseSpreadError: malformed, or measured for other labels.
        """
        if not isinstance(doc, dict) or not isinstance(doc.get("labels"), list) \
                or not isinstance(doc.get("spread_logit"), list):
            raise NoiseSpreadError("noise_spread must be a JSON object with lists labels and spread_logit")
        try:
            own = tuple(str(lab) for lab in doc["labels"])
            bands = np.asarray(doc["bands_mv"], dtype=np.float64)
            rows = doc["spread_logit"]
            spread = np.array([[np.nan] * len(own) if row is None else row for row in rows], dtype=np.float64)
            quantile = float(doc.get("quantile", SPREAD_QUANTILE))
            conditions = tuple(int(n) for n in doc.get("conditions") or ())
            fitted_on = str(doc.get("fitted_on") or "")
        except (ValueError, KeyError, TypeError) as err:
            raise NoiseSpreadError(f"noise_spread: cannot read it ({type(err).__name__}: {err})") from None
        if bands.ndim != 1 or len(bands) < 2 or spread.shape != (len(bands) - 1, len(own)) \
                or not np.all(np.isfinite(bands)) or np.any(np.diff(bands) <= 0):
            raise NoiseSpreadError(f"noise_spread: {spread.shape} spreads for {len(bands) - 1} bands of {len(own)} "
                                   "labels (bands increasing)")
        if np.any(spread[~np.isnan(spread)] < 0) or np.any(np.isinf(spread)):
            raise NoiseSpreadError("noise_spread: spreads must be finite and not negative (null: not measured)")
        if labels is not None and list(own) != [str(lab) for lab in labels]:
            raise NoiseSpreadError("noise_spread: its labels are not the model's")
        return cls(own, bands, spread, quantile, conditions, fitted_on)

    def to_dict(self) -> dict:
        """The JSON document of config.json's "noise_spread" (a band measured for no label: null)."""
        rows = [None if np.all(np.isnan(row)) else [None if np.isnan(v) else float(v) for v in row]
                for row in self.spread_logit]
        return {"version": 1, "labels": list(self.labels), "bands_mv": [float(b) for b in self.bands_mv],
                "quantile": float(self.quantile), "spread_logit": rows, "conditions": list(self.conditions),
                "fitted_on": self.fitted_on}

    def at(self, load: float) -> np.ndarray | None:
        """(K,) the spread of the band holding noise load ``load`` (mV), or None outside the bands."""
        k = int(np.searchsorted(self.bands_mv, load, side="right")) - 1
        return self.spread_logit[k] if 0 <= k < len(self.spread_logit) else None

    def marked(self, probabilities, thresholds, load: float) -> np.ndarray:
        """(K,) bool: the labels whose logit lies within the spread at ``load`` of their threshold's (the
        threshold, at least ``MIN_CALLED_P``), called or not; all False outside the bands or where not measured.
        ``probabilities``, ``thresholds``: (K,) calibrated, the model's order."""
        p = np.asarray(probabilities, dtype=np.float64)
        spread = self.at(load)
        if spread is None:
            return np.zeros(p.shape, dtype=bool)
        edge = np.maximum(np.asarray(thresholds, dtype=np.float64), MIN_CALLED_P)
        return np.abs(logit(p) - logit(edge)) <= np.nan_to_num(spread, nan=-1.0)


def may_hide(prediction) -> list[tuple[str, float, float]]:
    """The labels the record's noise may have taken away, (label, probability, way), nearest their threshold
    first: ``prediction.noise_doubted`` (within the spread, at the warning level) less its calls
    (``model_positive``) and PTB-XL's normal class; way: |logit(p) - logit(threshold, at least ``MIN_CALLED_P``)|, how
    far the noise has to move it. [] where nothing is doubted. ``prediction``: an ``inference.Prediction``, or
    anything with its ``labels``, ``probabilities`` and ``thresholds`` (K,), ``noise_doubted`` and
    ``model_positive``."""
    doubted = set(getattr(prediction, "noise_doubted", ()) or ())
    called = set(getattr(prediction, "model_positive", ()) or ())
    if not doubted - called:
        return []
    p = np.asarray(prediction.probabilities, dtype=np.float64)
    edge = np.maximum(np.asarray(prediction.thresholds, dtype=np.float64), MIN_CALLED_P)
    way = np.abs(logit(p) - logit(edge))            # (K,)
    ptbxl = getattr(prediction, "ptbxl_labels", True)     # a model trained on other data: its "NORM" is its own
    # the normal class: no finding for noise to hide
    rows = [(str(lab), float(p[k]), float(way[k])) for k, lab in enumerate(prediction.labels)
            if lab in doubted and lab not in called and not is_normal(lab, ptbxl)]
    return sorted(rows, key=lambda r: r[2])


def may_hide_text(leads: str, named, limit: int | None = MAY_HIDE_NAMED) -> str:
    """The line naming what the noise in ``leads`` (their words, ``review.interpret.noise_evidence``: "V1, V2",
    "all 12 leads") may hide: ``named``, (name, probability) nearest first, at most ``limit`` of them (None: all),
    the others counted: "Noise in V1, V2 may hide: Left bundle branch block (38%), ST/T change (12%) and 2 more";
    "" when ``named`` is empty."""
    named = list(named)
    if not named:
        return ""
    shown = named if limit is None else named[:limit]
    text = ", ".join(f"{name} ({p:.0%})" for name, p in shown)
    if len(named) > len(shown):
        n = len(named) - len(shown)
        text += f" and {n} more" if shown else f"{n} finding{'s' if n > 1 else ''} below threshold"
    return f"Noise in {leads} may hide: {text}"
