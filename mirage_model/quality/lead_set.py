"""The twelve leads as one heart's: Einthoven's law (I + III = II) and Goldberger's definitions
(aVR = -(I + II)/2, aVL = (I - III)/2, aVF = (II + III)/2) on the mean beat, and leads whose samples are one
channel written twice."""

from __future__ import annotations

import numpy as np

from mirage_model.quality.findings import LIMB, Finding, QualityConfig
from mirage_model.quality.indices import _rms
from mirage_model.records import STANDARD_LEADS


def _duplicates(x: np.ndarray, absent: np.ndarray, rel: float, limb_pairs: bool = True) -> list[tuple[str, ...]]:
    """Groups of leads (each 2 or more, STANDARD_LEADS names) whose samples are the same signal:
    (L, T) mV, baseline removed; RMS of the difference under ``rel`` of the larger lead's RMS.
    Absent (flat or missing) leads are left out: equal zeros are the "lead missing" finding's.
    ``limb_pairs`` False: two limb leads are never paired (a limb lead is flat, and the others follow
    from two leads, some equal by the lead identities)."""
    L = x.shape[0]
    rms = np.sqrt(np.mean(x ** 2, axis=1)) if x.shape[1] else np.zeros(L)
    groups: list[list[int]] = []
    seen: set[int] = set()
    for i in range(L):
        if absent[i] or i in seen:
            continue
        group = [i]
        for j in range(i + 1, L):
            if absent[j] or j in seen or (not limb_pairs and i < len(LIMB) and j < len(LIMB)):
                continue
            diff = float(np.sqrt(np.mean((x[i] - x[j]) ** 2)))
            if diff <= rel * max(rms[i], rms[j]):
                group.append(j)
        if len(group) > 1:
            seen.update(group)
            groups.append(group)
    return [tuple(STANDARD_LEADS[k] for k in g) for g in groups]


def _einthoven(med: np.ndarray, cfg: QualityConfig) -> list[Finding]:
    """Residuals of Einthoven's and Goldberger's identities on the mean beat (12, S) (less noise than
    the raw signal, and linear, so identities that hold sample by sample hold on it). A lead whose
    gain alone is wrong breaks exactly the identities it appears in: that lead is named; otherwise
    every lead of a broken identity is."""
    i, ii, iii, avr, avl, avf = med[:6]
    size = max(float(_rms(med[:6]).max()), 1e-3)
    identities = {
        "I + III = II": (ii - i - iii, {"I", "II", "III"}),
        "aVR = -(I + II)/2": (avr + (i + ii) / 2, {"aVR", "I", "II"}),
        "aVL = (I - III)/2": (avl - (i - iii) / 2, {"aVL", "I", "III"}),
        "aVF = (II + III)/2": (avf - (ii + iii) / 2, {"aVF", "II", "III"}),
    }
    res = {k: float(_rms(v)) / size for k, (v, _) in identities.items()}
    broken = [k for k, r in res.items() if r > cfg.einthoven_warn]
    if not broken:
        return []
    # the lead to blame breaks every identity it appears in, and those are all the broken ones
    blamed = tuple(n for n in LIMB
                   if {k for k, (_, ls) in identities.items() if n in ls} == set(broken))
    leads = blamed or tuple(n for n in LIMB if any(n in identities[k][1] for k in broken))
    worst = max(res[k] for k in broken)
    sev = "critical" if worst > cfg.einthoven_critical else "warning"
    detail = "; ".join(f"{k}: residual {res[k]:.0%}" for k in broken)
    return [Finding("limb_inconsistent", "limb leads inconsistent (Einthoven/Goldberger)", sev, leads, detail)]
