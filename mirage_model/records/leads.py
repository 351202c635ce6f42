"""Lead names and units: a file's lead spelling to the standard 12 (``canonical_lead``), units to
mV, and the limb leads that Einthoven's (III = II - I) and Goldberger's (aVR = -(I + II) / 2,
aVL = I - II / 2, aVF = II - I / 2) identities give from the ones a file has."""

from __future__ import annotations

import re

import numpy as np

from mirage_model.records.record import STANDARD_LEADS

_LEAD_KEYS = {name.lower(): name for name in STANDARD_LEADS}
_LEAD_KEYS.update({"di": "I", "dii": "II", "diii": "III"})


def canonical_lead(name: str) -> tuple[str, int] | None:
    """Map a file's lead name to (standard name, sign); None for a non-12-lead channel.

    Case and separators are ignored ("AVR", "aVR", "avr", "Lead II", "ECG_V1", "DII");
    "-aVR" (Cabrera display) maps to ("aVR", -1). "MLII" and the Frank leads map to None.
    """
    s = name.strip().lower()
    sign = 1
    if s.startswith("-"):
        sign, s = -1, s[1:]
    s = re.sub(r"[\s_.:-]+", "", s)
    for prefix in ("ecg", "lead"):
        if s.startswith(prefix) and s[len(prefix):] in _LEAD_KEYS:
            s = s[len(prefix):]
    std = _LEAD_KEYS.get(s)
    return (std, sign) if std else None


UNIT_SCALE = {  # factor to mV
    "mv": 1.0, "millivolt": 1.0, "millivolts": 1.0,
    "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "microvolt": 1e-3, "microvolts": 1e-3,
    "v": 1e3, "volt": 1e3, "volts": 1e3,
    "nv": 1e-6,
}


def derivable_leads(present: set[str]) -> set[str]:
    """Limb leads that Einthoven's and Goldberger's identities give from the ones present."""
    have = set(present)
    limb = {"I", "II", "III"}
    if len(have & limb) == 2:
        have |= limb
    if {"I", "II"} <= have:
        have |= {"aVR", "aVL", "aVF"}
    return have - present


def derive_leads(signal: np.ndarray, chosen: dict) -> list[int]:
    """Fill the missing limb leads of ``signal`` (12, T) in place; returns their indices."""
    idx = {lead: k for k, lead in enumerate(STANDARD_LEADS)}
    done = []
    have = set(chosen)

    def fill(lead: str, values: np.ndarray) -> None:
        signal[idx[lead]] = values
        have.add(lead)
        done.append(idx[lead])

    s = {lead: signal[idx[lead]] for lead in STANDARD_LEADS}
    if "III" not in have and {"I", "II"} <= have:
        fill("III", s["II"] - s["I"])                       # Einthoven: III = II - I
    if "II" not in have and {"I", "III"} <= have:
        fill("II", s["I"] + s["III"])
    if "I" not in have and {"II", "III"} <= have:
        fill("I", s["II"] - s["III"])
    if {"I", "II"} <= have:                                  # Goldberger's augmented leads
        if "aVR" not in have:
            fill("aVR", -(s["I"] + s["II"]) / 2)
        if "aVL" not in have:
            fill("aVL", s["I"] - s["II"] / 2)
        if "aVF" not in have:
            fill("aVF", s["II"] - s["I"] / 2)
    return sorted(done)


def lead_mapping_meta(dropped, duplicates, derived, chosen) -> dict:
    """What the lead matching did, for ``EcgRecord.meta``: the file's leads left out, duplicated,
    derived (indices into STANDARD_LEADS) and inverted (``chosen``: lead -> (file index, sign))."""
    meta = {}
    if dropped:
        meta["dropped_leads"] = tuple(dropped)
    if duplicates:
        meta["duplicate_leads"] = tuple(duplicates)
    if derived:
        meta["derived_leads"] = tuple(STANDARD_LEADS[k] for k in derived)
    if any(sign < 0 for _, sign in chosen.values()):
        meta["inverted_leads"] = tuple(lead for lead, (_, s) in chosen.items() if s < 0)
    return meta
