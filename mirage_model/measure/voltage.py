"""QRS voltage read off the median beats: the Sokolow-Lyon index, the Cornell voltage, the largest QRS
amplitude of the limb and of the precordial leads.

Each lead's QRS is its median beat (``MedianBeat.signal``, mV after the measurement's 0.5-100 Hz band-pass)
between the global QRS onset and offset, taken against the PR-segment level 10 ms before the onset (as the
measured features' ``r`` and ``s``, ``features``, but at the delineation rate, not at 100 Hz): R is its
largest positive deflection, S its largest negative one (each 0 when the QRS has none), the peak-to-peak
amplitude R + S.

* Sokolow-Lyon index: S in V1 + the larger R of V5 and V6 (Sokolow M, Lyon TP. Am Heart J 1949;37:161);
  left ventricular hypertrophy by voltage at >= 3.5 mV (Hancock EW, Deal BJ, Mirvis DM, et al.
  AHA/ACCF/HRS recommendations for the standardization and interpretation of the electrocardiogram,
  part V: electrocardiogram changes associated with cardiac chamber hypertrophy. Circulation
  2009;119:e251-61).
* Cornell voltage: R in aVL + S in V3 (Casale PN et al. Circulation 1987;75:565); above 2.8 mV in men,
  2.0 mV in women (Hancock et al. 2009).
* Low QRS voltage: a peak-to-peak QRS below 0.5 mV in every limb lead (I, II, III, aVR, aVL, aVF), below
  1.0 mV in every precordial lead (V1-V6): the statements "low voltage, extremity leads" and "precordial
  leads" of Mason JW, Hancock EW, Gettes LS, part II (Circulation 2007;115:1325-32), with the limits in use
  (J Electrocardiol 2008;41:281-6: "QRS voltage less than 5 mm in all limb leads and less than 10 mm in all
  precordial leads"). The table gives the largest amplitude of each group, low when below its limit.

A value needs every lead it reads (a lead without a median beat: None). Adult limits: below 16 years they
are not applied (``review.measurements``). Research use only, not a diagnosis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mirage_model.records import STANDARD_LEADS

LIMB_LEADS = STANDARD_LEADS[:6]
PRECORDIAL_LEADS = STANDARD_LEADS[6:]
BASELINE_MS = 10.0          # the PR-segment level is read this long before the QRS onset (as ``features``)


@dataclass(frozen=True)
class QrsVoltage:
    """One record's QRS voltages (mV); None where a lead they read has no median beat.

    Attributes:
        r: (L,) mV, each lead's R (its QRS's largest positive deflection, >= 0; NaN: no median beat).
        s: (L,) mV, each lead's S (the depth of its largest negative deflection, >= 0; NaN alike).
        sokolow_lyon_mv: SV1 + max(RV5, RV6).
        cornell_mv: RaVL + SV3.
        limb_mv: the largest peak-to-peak QRS (R + S) of the six limb leads.
        precordial_mv: the largest peak-to-peak QRS of V1-V6.
    """
    r: np.ndarray
    s: np.ndarray
    sokolow_lyon_mv: float | None
    cornell_mv: float | None
    limb_mv: float | None
    precordial_mv: float | None

    def as_dict(self) -> dict[str, float | None]:
        """The four values keyed as ``Measurements``' fields (``VOLTAGE_KEYS``)."""
        return dict(zip(VOLTAGE_KEYS, (self.sokolow_lyon_mv, self.cornell_mv, self.limb_mv, self.precordial_mv)))


VOLTAGE_KEYS = ("sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv")


def lead_amplitudes(signal: np.ndarray, fs: float, qrs_on: float, qrs_off: float) -> tuple[np.ndarray, np.ndarray]:
    """Each lead's R and S on a median beat.

    Args:
        signal: (L, K) mV median beats.
        fs: their sampling rate (Hz).
        qrs_on, qrs_off: the QRS onset and offset (sample indices of the median beat).

    Returns:
        (r, s), each (L,) mV >= 0, NaN for a lead with a missing sample in its QRS or at its baseline,
        and for every lead when the QRS bounds are missing or out of the beat.
    """
    L, K = signal.shape
    r, s = np.full(L, np.nan), np.full(L, np.nan)
    if not (math.isfinite(qrs_on) and math.isfinite(qrs_off)) or qrs_off <= qrs_on:
        return r, s
    on, off = int(qrs_on), int(qrs_off)
    base_at = on - int(round(BASELINE_MS * fs / 1000.0))
    if base_at < 0 or off >= K:
        return r, s
    for li in range(L):
        qrs = signal[li, on:off + 1] - signal[li, base_at]
        if np.isfinite(qrs).all():
            r[li], s[li] = max(0.0, float(qrs.max())), max(0.0, -float(qrs.min()))
    return r, s


def _value(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def qrs_voltage(median) -> QrsVoltage | None:
    """The QRS voltages of a ``MedianBeat`` (None: no median beat).

    Returns:
        QrsVoltage, with None for each value a lead it needs cannot give.
    """
    if median is None:
        return None
    fid = median.fiducials or {}
    r, s = lead_amplitudes(np.asarray(median.signal, dtype=np.float64), float(median.fs),
                           float(fid.get("qrs_on", math.nan)), float(fid.get("qrs_off", math.nan)))
    at = {ld: i for i, ld in enumerate(STANDARD_LEADS)}
    pp = r + s
    # max() of NaN is NaN here (np.max), so a missing lead leaves the value None rather than a smaller one
    return QrsVoltage(
        r=r, s=s,
        sokolow_lyon_mv=_value(s[at["V1"]] + np.max(r[[at["V5"], at["V6"]]])),
        cornell_mv=_value(r[at["aVL"]] + s[at["V3"]]),
        limb_mv=_value(float(np.max(pp[[at[ld] for ld in LIMB_LEADS]]))),
        precordial_mv=_value(float(np.max(pp[[at[ld] for ld in PRECORDIAL_LEADS]]))),
    )
