"""Clinical and laboratory features: schema with units, conversions, ranges and normalisation.

A ``ClinicalSchema`` is the ordered list of clinical features a model was trained with. It travels
inside every checkpoint (``to_dict``/``from_dict``) together with its normalisation statistics, so
the app, the CLI and the report encode a patient's values exactly as training did.

Units and conversion factors follow the units clinical laboratories report (SI and conventional):
troponin ng/L (= pg/mL; ng/mL x 1000), creatinine umol/L (mg/dL x 88.4), D-dimer mg/L FEU
(ug/L FEU x 0.001; D-dimer units DDU are about half of FEU, x 2), NT-proBNP pg/mL (= ng/L;
pmol/L x 8.457 for a molecular mass of 8.46 kDa), CK-MB mass ng/mL (= ug/L), CRP mg/L (mg/dL x 10),
WBC 10^9/L (= 10^3/uL), potassium mmol/L (= mEq/L). Reference ranges are typical adult upper
reference limits (99th percentile for hs-troponins, age < 75 cut-off for NT-proBNP); they flag
values for review and are not diagnostic thresholds.

Encoding: ``x = (t(v) - mean) / std`` with ``t = log1p`` for skewed labs, 0 where missing, and an
explicit mask (1 = present). Missing values are normal, never an error; impossible values and
unknown units raise ``ClinicalError`` naming the feature.
"""

from __future__ import annotations

import copy
import csv
import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

SCHEMA_VERSION = 1


class ClinicalError(ValueError):
    """An impossible value or unknown unit. ``feature`` names the field; str() is a user-facing sentence.

    ``reason``: "value" (not a number / not a valid category), "range" (physically impossible),
    "unit" (unknown unit), "feature" (unknown feature name) or "schema" (malformed schema).
    """

    def __init__(self, feature: str, message: str, reason: str = "value"):
        self.feature = feature
        self.reason = reason
        super().__init__(f"{feature}: {message}")


class LabsTableError(ClinicalError):
    """A bad labs CSV: str() names the file, the line and the column."""

    def __init__(self, path, message: str, line: int | None = None, column: str | None = None):
        self.feature = column or ""
        self.reason = "table"
        self.path = Path(path)
        self.line = line
        self.column = column
        where = [str(self.path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        ValueError.__init__(self, f"{', '.join(where)}: {message}")


def _unit_key(unit: str) -> str:
    """Normalised spelling of a unit for matching ("µg/L" == "ug/l", "x10^9/L" == "10^9/l")."""
    u = unit.strip().lower().replace("µ", "u").replace("μ", "u").replace("mcg", "ug")
    u = u.replace("×", "x").replace("**", "^").replace(" ", "")
    for sup, plain in (("³", "^3"), ("⁶", "^6"), ("⁹", "^9"), ("¹²", "^12")):
        u = u.replace(sup, plain)
    u = u.replace("mm^3", "ul").replace("mm3", "ul").replace("cmm", "ul")
    if u.startswith("x10"):
        u = u[1:]
    return u


_MISSING_STRINGS = {"", "na", "n/a", "nan", "none", "null", "missing", "-", "?"}
_SEX_WORDS = {"m": "M", "male": "M", "man": "M", "masculine": "M",
              "f": "F", "female": "F", "woman": "F", "feminine": "F"}
_BINARY_CODES = {"1": 1.0, "0": 0.0}   # a binary feature written as a number in a labs table
SEX_CODE = {"M": 1.0, "F": 0.0}          # the model's encoding of sex


def parse_sex(value) -> str | None:
    """Sex as written in a header, a labs table, a file's patient field or a command line ->
    "M", "F" or None (anything else, including "1"/"0": which number means what differs by
    source, e.g. PTB-XL's 0 is male).

    Accepted, in any case and with blanks around: M, male, man, masculine; F, female, woman,
    feminine.
    """
    if not isinstance(value, str):
        return None
    return _SEX_WORDS.get(value.strip().lower())


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _MISSING_STRINGS
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    return False


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
    aliases: tuple[str, ...] = ()   # other column names accepted in labs tables ("hs_tnt", "gender")

    def factor(self, unit: str | None) -> float:
        """Multiplier from ``unit`` to the canonical unit (None or "" = canonical).

        Raises:
            ClinicalError: the unit is not one this feature accepts.
        """
        if unit is None or (isinstance(unit, str) and unit.strip() == ""):
            return 1.0
        key = _unit_key(str(unit))
        table = {_unit_key(self.unit): 1.0} if self.unit else {}
        table.update({_unit_key(u): f for u, f in self.units.items()})
        if key not in table:
            accepted = ", ".join([self.unit] + [u for u in self.units if u != self.unit]) or "none"
            raise ClinicalError(self.name, f"unknown unit {unit!r} for {self.label} (accepted: {accepted})",
                                "unit")
        return float(table[key])

    def to_canonical(self, value, unit: str | None = None) -> float | None:
        """One raw value -> float in the canonical unit, or None when missing.

        Args:
            value: a number, a numeric string (a censored result such as "<3" counts as its
                limit), "M"/"F" for a binary feature, a ``(value, unit)`` tuple, or None/NaN/"".
            unit: the unit of a bare value (None: canonical).

        Raises:
            ClinicalError: not a number, an unknown unit or a physically impossible value.
        """
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ClinicalError(self.name, f"expected (value, unit), got {value!r}")
            value, unit = value
        if _is_missing(value):
            return None
        if self.kind == "binary":
            key = str(value).strip().lower()
            if isinstance(value, (bool, np.bool_)):
                return 1.0 if value else 0.0
            if isinstance(value, (int, float, np.integer, np.floating)) and float(value) in (0.0, 1.0):
                return float(value)
            sex = parse_sex(key)
            if sex is not None:
                return SEX_CODE[sex]
            if key in _BINARY_CODES:
                return _BINARY_CODES[key]
            raise ClinicalError(self.name, f"{value!r} is not a valid {self.label} (use M/F or 1/0)")
        if isinstance(value, str):
            text = value.strip().lstrip("<>≤≥=").strip()
            try:
                if not _RX_NUMBER.fullmatch(text) and text.lower() not in ("nan", ""):
                    raise ValueError(text)
                number = float(text)
            except ValueError:
                raise ClinicalError(self.name, f"{value!r} is not a number") from None
        elif isinstance(value, (bool, np.bool_)):
            raise ClinicalError(self.name, f"{value!r} is not a number")
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ClinicalError(self.name, f"{value!r} is not a number") from None
        if math.isnan(number):
            return None
        canonical = number * self.factor(unit)
        lo, hi = self.valid
        if not math.isfinite(canonical) or canonical < lo or canonical > hi:
            shown = f"{number:g} {unit}" if unit else f"{number:g} {self.unit}".rstrip()
            raise ClinicalError(
                self.name, f"{shown} is not a possible {self.label} "
                f"(possible range {lo:g}-{hi:g} {self.unit})".rstrip(), "range")
        return canonical

    def normalise(self, canonical: float) -> float:
        """Canonical value -> model input ``(t(v) - mean) / std``."""
        v = math.log1p(max(canonical, 0.0)) if self.log else canonical
        return (v - self.mean) / self.std

    def flag(self, value, unit: str | None = None) -> str | None:
        """"low" / "high" against the reference range, None when normal, missing or no range."""
        v = self.to_canonical(value, unit)
        if v is None or self.reference is None:
            return None
        lo, hi = self.reference
        if lo is not None and v < lo:
            return "low"
        if hi is not None and v > hi:
            return "high"
        return None

    def reference_text(self) -> str:
        """Reference range as shown in the app and the report, e.g. "< 14 ng/L" or "3.5-5 mmol/L"."""
        if self.reference is None:
            return ""
        lo, hi = self.reference
        if lo is not None and hi is not None:
            return f"{lo:g}-{hi:g} {self.unit}"
        if hi is not None:
            return f"< {hi:g} {self.unit}"
        return f"> {lo:g} {self.unit}"

    def matches(self, column: str) -> bool:
        """Whether a table column name refers to this feature (case, spaces and dashes ignored)."""
        key = re.sub(r"[^a-z0-9]", "", column.lower())
        names = (self.name, self.label) + tuple(self.aliases)
        return key in {re.sub(r"[^a-z0-9]", "", n.lower()) for n in names}


def _ng_per_l() -> dict[str, float]:
    return {"ng/L": 1.0, "pg/mL": 1.0, "ng/mL": 1000.0, "ug/L": 1000.0}


def _known_features() -> list[ClinicalFeature]:
    # mean/std are rough adult priors (in the transformed space) until ``fit`` on training data.
    inf = float("inf")
    return [
        ClinicalFeature("age", "Age", "years", {"years": 1.0, "y": 1.0, "yr": 1.0, "yrs": 1.0,
                                                 "year": 1.0, "months": 1 / 12, "mo": 1 / 12},
                        valid=(0.0, 130.0), mean=60.0, std=17.0),
        ClinicalFeature("sex", "Sex", "", {}, valid=(0.0, 1.0), mean=0.5, std=0.5, kind="binary",
                        aliases=("gender", "sex_m")),
        ClinicalFeature("height", "Height", "cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54,
                                                   "inch": 2.54, "inches": 2.54},
                        valid=(30.0, 260.0), mean=168.0, std=10.0),
        ClinicalFeature("weight", "Weight", "kg", {"kg": 1.0, "g": 0.001, "lb": 0.45359237,
                                                   "lbs": 0.45359237},
                        valid=(0.3, 500.0), mean=75.0, std=15.0),
        ClinicalFeature("troponin_t", "hs-Troponin T", "ng/L", _ng_per_l(), valid=(0.0, 1e5),
                        reference=(None, 14.0), mean=2.6, std=1.2, log=True,
                        aliases=("hs_troponin_t", "hstnt", "tnt", "ctnt", "hs_ctnt", "troponin t")),
        ClinicalFeature("troponin_i", "hs-Troponin I", "ng/L", _ng_per_l(), valid=(0.0, 1e6),
                        reference=(None, 26.0), mean=2.3, std=1.5, log=True,
                        aliases=("hs_troponin_i", "hstni", "tni", "ctni", "hs_ctni", "troponin i")),
        ClinicalFeature("d_dimer", "D-dimer", "mg/L FEU",
                        {"mg/L FEU": 1.0, "ug/mL FEU": 1.0, "ug/L FEU": 0.001, "ng/mL FEU": 0.001,
                         # an unqualified mass unit is read as FEU, the commonest reporting form
                         "mg/L": 1.0, "ug/mL": 1.0, "ug/L": 0.001, "ng/mL": 0.001,
                         # D-dimer units (DDU) are about half of FEU (conversion is approximate)
                         "mg/L DDU": 2.0, "ug/mL DDU": 2.0, "ug/L DDU": 0.002, "ng/mL DDU": 0.002},
                        valid=(0.0, 200.0), reference=(None, 0.5), mean=0.5, std=0.5, log=True,
                        aliases=("ddimer", "dd")),
        ClinicalFeature("ck_mb", "CK-MB", "ng/mL", {"ng/mL": 1.0, "ug/L": 1.0, "ng/L": 0.001},
                        valid=(0.0, 5000.0), reference=(None, 5.0), mean=1.3, std=0.9, log=True,
                        aliases=("ckmb", "ck_mb_mass")),
        ClinicalFeature("nt_probnp", "NT-proBNP", "pg/mL", {"pg/mL": 1.0, "ng/L": 1.0,
                                                           "ng/mL": 1000.0, "pmol/L": 8.457},
                        valid=(0.0, 2e5), reference=(None, 125.0), mean=5.5, std=1.8, log=True,
                        aliases=("ntprobnp", "nt_pro_bnp", "probnp")),
        ClinicalFeature("wbc", "WBC", "10^9/L", {"10^9/L": 1.0, "G/L": 1.0, "10^3/uL": 1.0,
                                                 "K/uL": 1.0, "10^3/mm3": 1.0, "/uL": 0.001,
                                                 "cells/uL": 0.001, "/nL": 1.0},
                        valid=(0.0, 1000.0), reference=(4.0, 11.0), mean=2.1, std=0.35, log=True,
                        aliases=("leukocytes", "white_cell_count", "white_blood_cells")),
        ClinicalFeature("crp", "CRP", "mg/L", {"mg/L": 1.0, "ug/mL": 1.0, "mg/dL": 10.0},
                        valid=(0.0, 1000.0), reference=(None, 5.0), mean=1.8, std=1.3, log=True,
                        aliases=("c_reactive_protein", "hs_crp", "hscrp")),
        ClinicalFeature("creatinine", "Creatinine", "umol/L", {"umol/L": 1.0, "mmol/L": 1000.0,
                                                               "mg/dL": 88.4, "mg/L": 8.84},
                        valid=(5.0, 3000.0), reference=(45.0, 110.0), mean=4.5, std=0.35, log=True,
                        aliases=("crea", "creat", "scr")),
        ClinicalFeature("potassium", "Potassium", "mmol/L", {"mmol/L": 1.0, "mEq/L": 1.0},
                        valid=(1.0, 12.0), reference=(3.5, 5.0), mean=4.2, std=0.5,
                        aliases=("k", "k+", "serum_potassium")),
    ]


KNOWN_FEATURES: tuple[str, ...] = tuple(f.name for f in _known_features())


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
            except (TypeError, ValueError) as err:
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
        """New schema with mean/std fitted on the present values of rows (training split only).

        A feature with fewer than two present values (or no spread) keeps its prior statistics.
        ``errors`` as in ``canonical``.
        """
        new = copy.deepcopy(self)
        canon = [self.canonical(r, errors) for r in rows]
        for f in new.features:
            vals = np.array([c[f.name] for c in canon if c[f.name] is not None], dtype=np.float64)
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


def _header_unit(cell: str) -> tuple[str, str | None]:
    """("name", "unit" or None) of a header cell "name [unit]" or "name (unit)".

    Parsed by hand in linear time: the equivalent regex (a lazy name before optional blanks)
    backtracked cubically on a crafted cell (2,000 blanks and a "(": two minutes).
    """
    text = cell.strip()
    if "\n" not in text and text[-1:] in ("]", ")"):
        close = text[-1]
        open_ = "[" if close == "]" else "("
        last = text.rfind(close, 0, len(text) - 1)      # the unit holds no closing bracket
        start = text.find(open_, last + 1)
        if start != -1:
            return text[:start].strip(), text[start + 1:-1]
    return cell, None


# A number as people write it in ASCII; Python's float() also takes "1_000", "١٢" and "nan".
_RX_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _parse_number(text: str, decimal_comma: bool) -> float:
    t = text.strip().lstrip("<>≤≥=").strip()
    if decimal_comma and re.fullmatch(r"[+-]?[0-9]+,[0-9]+", t):
        t = t.replace(",", ".")
    if not _RX_NUMBER.fullmatch(t):
        raise ValueError(f"{text!r} is not a number")
    return float(t)


def read_labs_table(path, schema: ClinicalSchema | None = None,
                    row_errors: dict | None = None) -> dict[str, dict[str, tuple[float, str | None]]]:
    """Read a researcher's labs CSV into ``{record_id: {feature: (value, unit or None)}}``.

    Layout: the first column is the record id, the other columns are features (matched to the
    schema by name, label or alias, case-insensitively). Units either in the header
    (``troponin_t [ng/L]`` or ``troponin_t (ng/L)``) or in a second row whose first cell is
    ``unit``/``units``; without a unit a value is in the canonical unit (unit None). Empty cells
    are missing (left out). Separators ``,``, ``;`` or tab; with ``;``/tab a decimal comma is
    accepted. Sex cells ("M"/"F") become 1.0/0.0. Every value is checked with its unit.

    ``row_errors``: when a dict is given, a data row with a bad value is left out and recorded
    there as {record_id: message} instead of raising (a batch refuses that record alone).

    Raises:
        LabsTableError: (a ``ClinicalError``) naming the file, line and column: unreadable file,
            unknown column (listing the known names), unknown unit, non-numeric or impossible
            value, duplicate record ids or columns.
    """
    path = Path(path)
    schema = schema if schema is not None else default_schema()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise LabsTableError(path, f"cannot read the file ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise LabsTableError(path, "not a UTF-8 text file") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise LabsTableError(path, "the file is empty")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    if len(header) < 2:
        raise LabsTableError(path, "expected a record id column followed by feature columns", line=1)

    columns: list[tuple[ClinicalFeature, str | None]] = []
    seen: dict[str, str] = {}
    for cell in header[1:]:
        name, unit = _header_unit(cell)
        feat = next((f for f in schema.features if f.matches(name)), None)
        if feat is None:
            raise LabsTableError(path, f"unknown feature column (known: {', '.join(schema.names)})",
                                 line=1, column=cell)
        if feat.name in seen:
            raise LabsTableError(path, f"{feat.name} appears twice (also as {seen[feat.name]!r})",
                                 line=1, column=cell)
        seen[feat.name] = cell
        columns.append((feat, unit.strip() if unit and unit.strip() else None))

    first_data = 1
    if len(rows) > 1 and rows[1] and rows[1][0].strip().lower() in ("unit", "units"):
        first_data = 2
        for j, (feat, unit) in enumerate(columns):
            cell = rows[1][j + 1].strip() if j + 1 < len(rows[1]) else ""
            if cell:
                if unit is not None and _unit_key(unit) != _unit_key(cell):
                    raise LabsTableError(path, f"unit {cell!r} contradicts the header's {unit!r}",
                                         line=2, column=header[j + 1])
                columns[j] = (feat, cell)
    for j, (feat, unit) in enumerate(columns):
        try:
            feat.factor(unit)
        except ClinicalError as err:
            raise LabsTableError(path, str(err), line=2 if first_data == 2 else 1,
                                 column=header[j + 1]) from None

    out: dict[str, dict[str, tuple[float, str | None]]] = {}
    decimal_comma = delimiter != ","
    for i in range(first_data, len(rows)):
        row, line = rows[i], i + 1
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            raise LabsTableError(path, f"{len(row)} cells but the header has {len(header)} columns",
                                 line=line)
        rid = row[0].strip()
        if not rid:
            raise LabsTableError(path, "empty record id", line=line, column=header[0])
        if rid in out:
            raise LabsTableError(path, f"record id {rid!r} appears twice", line=line, column=header[0])
        values: dict[str, tuple[float, str | None]] = {}
        for j, (feat, unit) in enumerate(columns):
            cell = row[j + 1].strip() if j + 1 < len(row) else ""
            if _is_missing(cell):
                continue
            try:
                if feat.kind == "binary":
                    number = feat.to_canonical(cell)
                else:
                    try:
                        number = _parse_number(cell, decimal_comma)
                    except ValueError:
                        raise ClinicalError(feat.name, f"{cell!r} is not a number") from None
                    feat.to_canonical(number, unit)  # range check in canonical units
            except ClinicalError as err:
                bad = LabsTableError(path, str(err), line=line, column=header[j + 1])
                if row_errors is None:
                    raise bad from None
                row_errors[rid] = str(bad)
                break
            values[feat.name] = (float(number), unit if feat.kind != "binary" else None)
        else:
            out[rid] = values
    return out


# --------------------------------------------------------------------------------------------
# the one answer to "which clinical values does this record carry"

RECORD_FEATURES: tuple[str, ...] = ("age", "sex", "height", "weight")


def record_values(record) -> dict[str, object]:
    """The clinical values a record itself carries: name -> value in the canonical unit.

    The one definition used by the app, ``mirage score``, ``mirage report``, ``mirage bench`` and
    evaluation alike, so that the same record with the same extra inputs gets the same
    probabilities everywhere. Age and sex come from the header (``record.age``, ``record.sex``:
    "M"/"F"), height (cm) and weight (kg) from ``record.meta`` (PTB-XL's database carries them).
    A value that is absent, not finite or impossible (outside ``ClinicalFeature.valid``) is left
    out: it counts as missing, as training treats it (``ClinicalSchema.canonical(errors="missing")``).

    Args:
        record: an ``EcgRecord`` (anything with ``age``, ``sex`` and ``meta``).

    Returns:
        dict with a subset of ``RECORD_FEATURES``; sex as "M" or "F", the others as float.
    """
    features = {f.name: f for f in _known_features()}
    raw: dict[str, object] = {
        "age": getattr(record, "age", None),
        "sex": getattr(record, "sex", None),
    }
    meta = getattr(record, "meta", None) or {}
    for key in ("height", "weight"):
        raw[key] = meta.get(key)
    out: dict[str, object] = {}
    for name in RECORD_FEATURES:
        value = raw.get(name)
        if name == "sex":
            sex = parse_sex(value)
            if sex is not None:
                out["sex"] = sex
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            continue
        try:
            canonical = features[name].to_canonical(float(value))
        except ClinicalError:
            continue
        if canonical is not None:
            out[name] = float(canonical)
    return out


def parse_entry(feature: ClinicalFeature, text, unit: str | None = None) -> float | None:
    """A value as a person types it -> canonical float (None when empty).

    Accepts a decimal comma ("1,5" is 1.5, as many laboratories print it) and a censored result
    ("<3" counts as its limit). Everything else as ``ClinicalFeature.to_canonical``.

    Raises:
        ClinicalError: not a number, an unknown unit or an impossible value.
    """
    if isinstance(text, str) and feature.kind != "binary":
        t = text.strip()
        core = t.lstrip("<>≤≥=").strip()
        if re.fullmatch(r"[+-]?\d+,\d+", core):
            t = t.replace(",", ".")
        text = t
    return feature.to_canonical(text, unit)
