"""Clinical and laboratory features: schema with units, conversions, ranges and normalisation.

CONTRACT (owned by the model helper; replace the stubs, keep the names and shapes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np


class ClinicalError(ValueError):
    """An impossible value or unknown unit. ``feature`` names the field; str() is a user-facing sentence."""

    def __init__(self, feature: str, message: str):
        self.feature = feature
        super().__init__(f"{feature}: {message}")


@dataclass
class ClinicalFeature:
    name: str                       # key, e.g. "troponin_t"
    label: str                      # human label, e.g. "hs-Troponin T"
    unit: str                       # canonical unit, e.g. "ng/L"
    units: dict[str, float] = field(default_factory=dict)   # accepted unit -> factor to canonical (value*factor)
    valid: tuple[float, float] = (float("-inf"), float("inf"))   # physically possible range (outside: error)
    reference: tuple[float | None, float | None] | None = None   # normal reference range (outside: flagged)
    mean: float = 0.0               # normalisation statistics (canonical unit), fitted on training data
    std: float = 1.0
    kind: str = "continuous"        # "continuous" or "binary" (sex: M=1, F=0)
    log: bool = False               # normalise log1p(value) (skewed labs such as troponin, NT-proBNP)


@dataclass
class ClinicalSchema:
    """The ordered features a model uses. Serialised into every checkpoint (to_dict/from_dict)."""
    features: list[ClinicalFeature]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def encode(self, values: Mapping[str, object] | None) -> tuple[np.ndarray, np.ndarray]:
        """values: name -> number (canonical unit), (number, unit) tuple, "M"/"F" for sex, or None/NaN/missing.

        Returns:
            x: float32 (C,) normalised, 0 where missing; mask: float32 (C,) 1 = present, 0 = missing.
        Raises:
            ClinicalError: impossible value or unknown unit (naming the feature).
        """
        raise NotImplementedError

    def to_dict(self) -> dict: raise NotImplementedError

    @classmethod
    def from_dict(cls, d: dict) -> "ClinicalSchema": raise NotImplementedError

    def fit(self, rows: list[Mapping[str, object]]) -> "ClinicalSchema":
        """New schema with mean/std fitted on the present values of rows (training split only)."""
        raise NotImplementedError

    def subset(self, names: list[str]) -> "ClinicalSchema": raise NotImplementedError


def default_schema(names: list[str] | None = None) -> ClinicalSchema:
    """Known features: age, sex, height, weight, troponin_t, troponin_i, d_dimer, ck_mb,
    nt_probnp, wbc, crp, creatinine, potassium (subset by ``names``)."""
    raise NotImplementedError
