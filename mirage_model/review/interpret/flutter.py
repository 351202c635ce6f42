"""Flutter waves in the measured atrial activity (``measure.atrial``: every QRS blanked in II, III, aVF and V1, the
largest spectral peak at 3.5-6 Hz and the share of the 3-12 Hz power within 0.5 Hz of it and of its harmonic):
the criteria the flutter rules of ``atrial`` read (``flutter_waves``, ``inferior_flutter_waves``; their figures in
``atrial``'s docstring), the mark on atrial fibrillation said over regular atrial activity at a flutter rate
(``af_flutter_note``) and the atrial periodicity between paced complexes (``_measured_periodicity``).

* Atrial fibrillation said where the flutter waves' one peak (each lead's the fundamental) lies at 240-350/min holding
  half the 3-12 Hz power (median of II, III, aVF, V1: ``AF_FLUTTER_MEDIAN``), not paced, is marked "atrial flutter?",
  not changed: fibrillatory waves are disorganised, flutter waves regular at 240-350/min (Saoudi et al. 2001). Set on
  the 9 PTB-XL AFLT records of folds 1-8 read AF unmarked (medians 57-85 %), then measured once: all 9 marked; AFIB
  (1,211) AF first 1,176 before and after, 31 newly marked, Normal ECG on 1 as before; 60 SR: none; LUDB: no change.
"""

from __future__ import annotations

import numpy as np

# atrial flutter from the measured atrial activity (``measure.atrial``): one spectral peak in every one of
# II, III, aVF and V1, within this of their median (Hz) ...
FLUTTER_SPREAD_HZ = 0.25
# ... holding at least this share of each lead's 3-12 Hz power (chosen on PTB-XL folds 1-8, ``atrial``'s docstring)
FLUTTER_MIN_CONCENTRATION = 0.75
# ... each peak the fundamental: the power at its second harmonic at most this many times its own. A sawtooth's
# fundamental holds the most power (the n-th harmonic's amplitude 1/n of it); the concentration counts the peak and
# its second harmonic, so fibrillatory waves at 7.3 Hz beside the T wave's residue at twice a near-regular 110 bpm
# read "Atrial flutter, atrial rate 220/min" (synthetic, test_atrial). Written before the figures (rule of 2026-12-05)
FLUTTER_MAX_HARMONIC_RATIO = 1.0
# ... and for possible 2:1 flutter over a sinus guess (``atrial``), the flutter waves' criteria met in the inferior
# leads (each holding at least this share of its power) with V1 short of FLUTTER_MIN_CONCENTRATION, its peak at the
# same rate (``atrial``'s docstring; chosen on PTB-XL folds 1-8)
FLUTTER_INFERIOR = ("II", "III", "aVF")
FLUTTER_2TO1_INFERIOR_CONCENTRATION = 0.80
# atrial fibrillation marked over one peak at a flutter rate holding half the power or more (module docstring)
AF_FLUTTER_RATE = (240.0, 350.0)     # per minute (Saoudi et al. 2001)
AF_FLUTTER_MEDIAN = 0.5
AF_FLUTTER_MARK = "regular atrial activity"
AF_FLUTTER_NOTE = (AF_FLUTTER_MARK + " at {r:.0f}/min: one spectral peak in II, III, aVF and V1 holding "
                   "{lo:.0%}-{hi:.0%} of the 3-12 Hz power (median >= 50 %), atrial flutter? Fibrillatory waves are "
                   "disorganised, flutter waves regular at 240-350/min (Saoudi et al. 2001)")


def _measured_periodicity(atrial_activity) -> tuple[float, float] | None:
    """(periodicity, P-P interval in s) of a ``measure.AtrialActivity`` (its organised atrial activity between
    the complexes, ``measure.atrial.atrial_periodicity``); None where it was not measured."""
    v = getattr(atrial_activity, "periodicity", None)
    lag = getattr(atrial_activity, "period_s", None)
    if v is None or lag is None or not (np.isfinite(v) and np.isfinite(lag) and lag > 0):
        return None
    return float(v), float(lag)


def _one_flutter_peak(a) -> bool:
    """Whether a ``measure.AtrialActivity`` ``a`` (None: not measured) has the flutter waves' one peak, which
    ``flutter_waves`` and ``inferior_flutter_waves`` both ask for: a dominant peak in every one of II, III, aVF and V1,
    within ``FLUTTER_SPREAD_HZ`` of their median, each the fundamental (its second harmonic holding at most
    ``FLUTTER_MAX_HARMONIC_RATIO`` times its power, where measured)."""
    if a is None or not a.complete or a.spread_hz > FLUTTER_SPREAD_HZ:
        return False
    harmonic = getattr(a, "max_harmonic_ratio", None)
    return harmonic is None or not harmonic > FLUTTER_MAX_HARMONIC_RATIO


def af_flutter_note(atrial_activity, paced_rhythm: bool) -> str | None:
    """The mark for atrial fibrillation said over regular atrial activity at a flutter rate (module docstring), from a
    ``measure.AtrialActivity`` (None: not measured); None where it has no such peak, or the rhythm is paced."""
    a = atrial_activity
    if paced_rhythm or not _one_flutter_peak(a) or not AF_FLUTTER_RATE[0] <= a.rate_per_min <= AF_FLUTTER_RATE[1]:
        return None
    c = np.asarray(a.concentration, dtype=float)       # (4,) II, III, aVF, V1
    if np.median(c) < AF_FLUTTER_MEDIAN:
        return None
    return AF_FLUTTER_NOTE.format(r=a.rate_per_min, lo=c.min(), hi=c.max())


def flutter_waves(atrial_activity) -> tuple[float, float] | None:
    """(atrial rate per minute, lowest concentration) when a ``measure.AtrialActivity`` shows flutter
    waves: a dominant peak in the flutter band in every one of II, III, aVF and V1, within
    ``FLUTTER_SPREAD_HZ`` of their median, each holding at least ``FLUTTER_MIN_CONCENTRATION`` of its
    lead's 3-12 Hz power, and each the fundamental: its second harmonic holding at most
    ``FLUTTER_MAX_HARMONIC_RATIO`` times its power (where measured). None otherwise (or when not measured)."""
    a = atrial_activity
    if not _one_flutter_peak(a):
        return None
    lowest = a.min_concentration
    return (a.rate_per_min, lowest) if lowest >= FLUTTER_MIN_CONCENTRATION else None


def inferior_flutter_waves(atrial_activity) -> tuple[float, float, float] | None:
    """(atrial rate per minute, lowest concentration in II, III and aVF, V1's concentration) when a
    ``measure.AtrialActivity`` shows flutter waves in the inferior leads only: ``flutter_waves``' criteria, one peak in
    all four leads within ``FLUTTER_SPREAD_HZ`` of their median, each the fundamental, II, III and aVF each holding at
    least ``FLUTTER_2TO1_INFERIOR_CONCENTRATION`` of their power, and V1, its peak at that rate, less than
    ``FLUTTER_MIN_CONCENTRATION`` (where V1 holds that too, ``flutter_waves`` says so). None otherwise."""
    a = atrial_activity
    if not _one_flutter_peak(a) or getattr(a, "harmonic_ratio", None) is None:
        return None
    inferior = [a.leads.index(ld) for ld in FLUTTER_INFERIOR]
    lowest, v1 = float(np.min(a.concentration[inferior])), float(a.concentration[a.leads.index("V1")])
    if lowest < FLUTTER_2TO1_INFERIOR_CONCENTRATION or v1 >= FLUTTER_MIN_CONCENTRATION:
        return None
    return a.rate_per_min, lowest, v1
