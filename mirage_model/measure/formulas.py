"""Formulas on measured intervals: QTc (Bazett, Fridericia, Framingham), frontal axis, RR variation."""

from __future__ import annotations

import math

import numpy as np

def qtc_bazett(qt_ms: float, rr_ms: float) -> float:
    """Bazett (1920): QTc = QT / sqrt(RR in seconds), in ms."""
    return qt_ms / math.sqrt(rr_ms / 1000.0)


def qtc_fridericia(qt_ms: float, rr_ms: float) -> float:
    """Fridericia (1920): QTc = QT / cbrt(RR in seconds), in ms."""
    return qt_ms / (rr_ms / 1000.0) ** (1.0 / 3.0)


def qtc_framingham(qt_ms: float, rr_ms: float) -> float:
    """Framingham (Sagie et al., Am J Cardiol 1992): QTc = QT + 154 ms (1 - RR in seconds), in ms."""
    return qt_ms + 154.0 * (1.0 - rr_ms / 1000.0)


def frontal_axis_deg(net_i: float, net_avf: float) -> float:
    """Frontal-plane axis from the net deflections (amplitude or area) of leads I and aVF.

    Lead I sees M cos(a), aVF sees (sqrt(3)/2) M sin(a) (Einthoven triangle, Goldberger leads).

    Returns:
        degrees in (-180, 180]; 0 points to the left arm, +90 to the feet.
    """
    deg = math.degrees(math.atan2(2.0 * net_avf / math.sqrt(3.0), net_i))
    return 180.0 if deg == -180.0 else deg


def rr_variation(beats: np.ndarray) -> float | None:
    """Coefficient of variation (SD / mean) of the RR intervals between consecutive beats (n_beats,)."""
    rr = np.diff(np.asarray(beats, dtype=float))
    if rr.size < 2 or rr.mean() <= 0:
        return None
    return float(rr.std(ddof=1) / rr.mean())


def rr_successive_variation(beats: np.ndarray) -> float | None:
    """Normalised RMSSD: the root mean square of successive RR differences over the mean RR, of the
    beats (n_beats,) (an atrial-fibrillation feature of Dash et al., Ann Biomed Eng 2009;37:1701-9).
    Beat-to-beat irregularity, where the coefficient of variation also counts a slow drift of the
    rate. None with fewer than 4 beats (2 successive differences)."""
    rr = np.diff(np.asarray(beats, dtype=float))
    if rr.size < 3 or rr.mean() <= 0:
        return None
    return float(np.sqrt(np.mean(np.diff(rr) ** 2)) / rr.mean())

