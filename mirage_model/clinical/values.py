"""The one answer to "which clinical values does this record carry" (``record_values``) and the
parsing of one typed entry (``parse_entry``)."""

from __future__ import annotations

import re

import numpy as np

from mirage_model.clinical.features import ClinicalError, ClinicalFeature, _known_features, parse_sex

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
    ("<3" counts as its limit). A comma followed by exactly three digits after a non-zero whole part
    ("12,500", "1,500") is refused: it is as likely a thousands separator (12500) as a decimal comma
    (12.5), and reading it wrong hides a value 1000 times too high. Everything else as
    ``ClinicalFeature.to_canonical``.

    Raises:
        ClinicalError: not a number, an ambiguous comma, an unknown unit or an impossible value.
    """
    if isinstance(text, str) and feature.kind != "binary":
        t = text.strip()
        core = t.lstrip("<>≤≥=").strip()
        m = re.fullmatch(r"[+-]?(\d+),(\d+)", core)
        if m:
            whole, frac = m.groups()
            if len(frac) == 3 and whole.lstrip("0"):
                raise ClinicalError(feature.name,
                    f"{text.strip()!r} is ambiguous: a thousands separator "
                    f"({whole}{frac}) or a decimal comma ({whole}.{frac})? Type the number without the "
                    f"comma, or with a decimal point")
            t = t.replace(",", ".")
        text = t
    return feature.to_canonical(text, unit)
