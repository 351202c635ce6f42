"""How far noise moves a model's calls: per label, the spread of its calibrated logit under noise of a given load,
and which calls lie within it of their threshold.

At the noise warning level (the "noise" finding's noise load from ``QualityConfig.noise_calls_mv`` to
``noise_withhold_mv``) the quality line says the calls may change; the noise moves some calls and not others. A
checkpoint folder may carry ``noise_spread.json`` (``SPREAD_FILE``): per band of noise load (``BANDS``, mV) and
label, the 90th percentile of |logit(p noisy) - logit(p as recorded)| over PTB-XL folds 1-8 records with white or
muscle noise added (scripts/noise_spread.py). A call whose logit lies within that spread of its threshold's
(``outputs.is_called``: the threshold, at least ``MIN_CALLED_P``) is marked: the noise may change it. Data read
beside the model, nothing run: scoring costs no extra model pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mirage_model.outputs import MIN_CALLED_P

SPREAD_FILE = "noise_spread.json"
BANDS = (0.08, 0.10, 0.12, 0.15)        # mV of noise load: the warning band's edges (QualityConfig), split in three
SPREAD_QUANTILE = 0.9
P_CLIP = 1e-4                           # the calibration's own ends (isotonic maps clip there): logits +-9.2


class NoiseSpreadError(ValueError):
    """A ``noise_spread.json`` that cannot be read: the message names the file."""


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
    """

    labels: tuple[str, ...]
    bands_mv: np.ndarray
    spread_logit: np.ndarray

    @classmethod
    def read(cls, folder) -> "NoiseSpread | None":
        """The ``SPREAD_FILE`` of checkpoint ``folder``, or None where it has none.

        Raises:
            NoiseSpreadError: the file is there but unreadable or malformed (the message names it).
        """
        path = Path(folder) / SPREAD_FILE
        if not path.is_file():
            return None
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            labels = tuple(str(lab) for lab in doc["labels"])
            bands = np.asarray(doc["bands_mv"], dtype=np.float64)
            spread = np.array([[np.nan] * len(labels) if row is None else row for row in doc["spread_logit"]],
                              dtype=np.float64)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise NoiseSpreadError(f"{path}: cannot read the noise spread ({err})") from None
        if bands.ndim != 1 or spread.shape != (len(bands) - 1, len(labels)) or np.any(np.diff(bands) <= 0):
            raise NoiseSpreadError(f"{path}: {spread.shape} spreads for {len(bands) - 1} bands of {len(labels)} "
                                   "labels (bands increasing)")
        return cls(labels, bands, spread)

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
