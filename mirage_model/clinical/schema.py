"""``ClinicalSchema``: the ordered features a model was trained with, their normalisation and the
encoding ``x = (t(v) - mean) / std`` with its presence mask; it travels inside every checkpoint."""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, fields
from typing import Iterable, Mapping

import numpy as np

from mirage_model.clinical.features import (KNOWN_FEATURES, SCHEMA_VERSION, ClinicalError, ClinicalFeature,
                                            _known_features)


@dataclass
class ClinicalSchema:
    """The ordered features a model uses. Serialised into every checkpoint (to_dict/from_dict)."""
    features: list[ClinicalFeature]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, name: str) -> ClinicalFeature:
        for f in self.features:
            if f.name == name:
                return f
        raise ClinicalError(name, f"not in this schema (features: {', '.join(self.names) or 'none'})")

    def canonical(self, values: Mapping[str, object] | None, errors: str = "raise") -> dict[str, float | None]:
        """Raw values -> {name: canonical float or None} for this schema's features (validated).

        Keys that are known features outside this schema are ignored (a model uses its subset);
        unknown keys raise ``ClinicalError`` so that a typo is not silently dropped.

        Args:
            errors: "raise" (default: an impossible or non-numeric value raises) or "missing"
                (such a value counts as missing: for cleaning registry data such as PTB-XL's
                few impossible heights). Unknown units and unknown features always raise.
        """
        if errors not in ("raise", "missing"):
            raise ValueError(f"errors must be 'raise' or 'missing', got {errors!r}")
        values = dict(values or {})
        known = set(KNOWN_FEATURES) | set(self.names)
        for key in values:
            if key not in known:
                raise ClinicalError(str(key), "unknown clinical feature "
                                    f"(known: {', '.join(sorted(known))})", "feature")
        out = {}
        for f in self.features:
            try:
                out[f.name] = f.to_canonical(values.get(f.name))
            except ClinicalError as err:
                if errors == "raise" or err.reason not in ("value", "range"):
                    raise
                out[f.name] = None
        return out

    def encode(self, values: Mapping[str, object] | None, errors: str = "raise") -> tuple[np.ndarray, np.ndarray]:
        """values: name -> number (canonical unit), (number, unit) tuple, "M"/"F" for sex, or None/NaN/missing.

        Returns:
            x: float32 (C,) normalised, 0 where missing; mask: float32 (C,) 1 = present, 0 = missing.
            With errors="missing", impossible or non-numeric values count as missing (see ``canonical``).
        Raises:
            ClinicalError: impossible value or unknown unit (naming the feature).
        """
        canon = self.canonical(values, errors)
        x = np.zeros(len(self.features), dtype=np.float32)
        mask = np.zeros(len(self.features), dtype=np.float32)
        for i, f in enumerate(self.features):
            v = canon[f.name]
            if v is not None:
                x[i] = f.normalise(v)
                mask[i] = 1.0
        return x, mask

    def encode_batch(self, rows: Iterable[Mapping[str, object] | None],
                     errors: str = "raise") -> tuple[np.ndarray, np.ndarray]:
        """Many records: x (B, C) float32, mask (B, C) float32."""
        pairs = [self.encode(r, errors) for r in rows]
        if not pairs:
            return (np.zeros((0, len(self.features)), np.float32),) * 2
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

    def flags(self, values: Mapping[str, object] | None) -> dict[str, str | None]:
        """{name: "low"|"high"|None} for this schema's features."""
        values = dict(values or {})
        return {f.name: f.flag(values.get(f.name)) for f in self.features}

    def to_dict(self) -> dict:
        """JSON-ready dict (infinite bounds written as null)."""
        out = []
        for f in self.features:
            d = asdict(f)
            d["valid"] = [None if not math.isfinite(v) else v for v in f.valid]
            d["reference"] = None if f.reference is None else list(f.reference)
            d["aliases"] = list(f.aliases)
            d["trained"] = None if f.trained is None else list(f.trained)
            out.append(d)
        return {"version": SCHEMA_VERSION, "features": out}

    @classmethod
    def from_dict(cls, d: dict) -> "ClinicalSchema":
        """Inverse of ``to_dict``. Raises ``ValueError`` (a ``ClinicalError``) on a malformed dict."""
        if not isinstance(d, dict) or not isinstance(d.get("features"), list):
            raise ClinicalError("schema", "malformed clinical schema (expected {'features': [...]})", "schema")
        if d.get("version", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise ClinicalError("schema", f"unsupported clinical schema version {d.get('version')!r}", "schema")
        allowed = {f.name for f in fields(ClinicalFeature)}
        feats = []
        for i, fd in enumerate(d["features"]):
            name = fd.get("name", f"feature #{i}") if isinstance(fd, dict) else f"feature #{i}"
            if not isinstance(fd, dict) or not {"name", "label", "unit"} <= set(fd):
                raise ClinicalError(str(name), "malformed schema entry (needs name, label, unit)", "schema")
            unknown = set(fd) - allowed
            if unknown:
                raise ClinicalError(str(name), f"unknown schema fields {sorted(unknown)}", "schema")
            fd = dict(fd)
            try:
                lo, hi = fd.get("valid") or (None, None)
                fd["valid"] = (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))
                ref = fd.get("reference")
                fd["reference"] = None if ref is None else tuple(None if r is None else float(r) for r in ref)
                fd["units"] = {str(k): float(v) for k, v in (fd.get("units") or {}).items()}
                fd["aliases"] = tuple(fd.get("aliases") or ())
                fd["mean"] = float(fd.get("mean", 0.0))
                fd["std"] = float(fd.get("std", 1.0))
                seen = fd.get("trained")
                fd["trained"] = None if seen is None else (float(seen[0]), float(seen[1]))
                if fd["trained"] is not None and not (math.isfinite(fd["trained"][0]) and
                                                      fd["trained"][0] <= fd["trained"][1] < math.inf):
                    raise ValueError(f"trained range {seen!r} is not two finite numbers, the smaller first")
            except (TypeError, ValueError, IndexError) as err:
                raise ClinicalError(str(name), f"malformed schema entry ({err})", "schema") from None
            if not (math.isfinite(fd["std"]) and fd["std"] > 0 and math.isfinite(fd["mean"])):
                raise ClinicalError(str(name), "normalisation statistics must be finite with std > 0", "schema")
            if fd.get("kind", "continuous") not in ("continuous", "binary"):
                raise ClinicalError(str(name), f"unknown kind {fd.get('kind')!r}", "schema")
            feats.append(ClinicalFeature(**fd))
        names = [f.name for f in feats]
        if len(set(names)) != len(names):
            raise ClinicalError("schema", f"duplicate feature names in {names}", "schema")
        return cls(feats)

    def fit(self, rows: list[Mapping[str, object]], errors: str = "raise") -> "ClinicalSchema":
        """New schema with mean/std fitted on the present values of rows (training split only), and
        each continuous feature's ``trained`` range (their smallest and largest; None with none).

        A feature with fewer than two present values (or no spread) keeps its prior statistics.
        ``errors`` as in ``canonical``.
        """
        new = copy.deepcopy(self)
        canon = [self.canonical(r, errors) for r in rows]
        for f in new.features:
            vals = np.array([c[f.name] for c in canon if c[f.name] is not None], dtype=np.float64)
            f.trained = (float(vals.min()), float(vals.max())) if vals.size and f.kind == "continuous" else None
            if f.log:
                vals = np.log1p(np.maximum(vals, 0.0))
            if vals.size >= 2 and float(vals.std()) > 1e-8:
                f.mean, f.std = float(vals.mean()), float(vals.std())
        return new

    def subset(self, names: list[str]) -> "ClinicalSchema":
        """The features ``names`` in that order (statistics kept)."""
        by_name = {f.name: f for f in self.features}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ClinicalError(missing[0], f"unknown clinical feature (known: {', '.join(self.names)})",
                                "feature")
        if len(set(names)) != len(names):
            raise ClinicalError("schema", f"duplicate feature names in {list(names)}", "schema")
        return ClinicalSchema([copy.deepcopy(by_name[n]) for n in names])


def default_schema(names: list[str] | None = None) -> ClinicalSchema:
    """Known features: age, sex, height, weight, troponin_t, troponin_i, d_dimer, ck_mb,
    nt_probnp, wbc, crp, creatinine, potassium (subset by ``names``)."""
    schema = ClinicalSchema(_known_features())
    return schema if names is None else schema.subset(list(names))
