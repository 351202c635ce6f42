"""ECG interval measurements: HR, RR, PR, QRS, QT, QTc (Bazett, Fridericia), frontal axes, fiducials.

CONTRACT (owned by the measurement helper).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LeadFiducials:
    """Sample indices (at the record's fs) per beat for one lead; NaN where not found. Each (n_beats,)."""
    p_on: np.ndarray
    p_off: np.ndarray
    qrs_on: np.ndarray
    qrs_off: np.ndarray
    t_off: np.ndarray
    r_peak: np.ndarray


@dataclass(frozen=True)
class Measurements:
    heart_rate_bpm: float | None
    rr_ms: float | None
    pr_ms: float | None
    qrs_ms: float | None
    qt_ms: float | None
    qtc_bazett_ms: float | None
    qtc_fridericia_ms: float | None
    p_axis_deg: float | None
    qrs_axis_deg: float | None
    t_axis_deg: float | None
    fiducials: dict = field(default_factory=dict)   # lead name -> LeadFiducials
    global_fiducials: dict = field(default_factory=dict)  # "p_on","qrs_on",... -> sample index arrays (n_beats,)
    fs: float = 0.0
    method: str = ""
    notes: tuple[str, ...] = ()                      # why a value is None, e.g. "PR: no P waves found (AF?)"

    def as_dict(self) -> dict[str, float | None]:
        """Scalar measurements only, keyed as the CSV columns (heart_rate_bpm, rr_ms, pr_ms, ...)."""
        raise NotImplementedError


def measure(record) -> Measurements:
    """Measure an EcgRecord (12, T) mV at fs. Values are None where not measurable, never invented."""
    raise NotImplementedError
