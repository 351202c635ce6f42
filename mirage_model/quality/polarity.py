"""Every lead upside down, read from the signal: a file whose samples are stored negated (a writer's sign error, a
converter that flips polarity, a device exporting inverted data) while its header's gains are positive.

No heart gives it. Dextrocardia inverts I and aVL and reverses the precordial progression, an LA/RA reversal
inverts I; neither turns II, V5 and V6 down with aVR upright. The rule reads the QRS polarity of I, II, V5, V6
and aVR (and V1, which a negated record turns upright and dextrocardia does not) and the T waves of the same
leads on the 100 Hz median beat (``beats._beats``; the electrocardiographic conventions: aVR "looks at" the heart
from the right shoulder, its P, QRS and T negative in sinus rhythm with a normal axis)."""

from __future__ import annotations

import numpy as np

from mirage_model.quality.findings import Finding
from mirage_model.records import STANDARD_LEADS

_LEAD = {n: k for k, n in enumerate(STANDARD_LEADS)}
UPRIGHT = ("I", "II", "V5", "V6")          # leads a heart's QRS points up in, each turned down by a negation
READ = UPRIGHT + ("aVR", "V1")             # the leads the rule reads; each must be present
# QRS polarity (R + S) / (R - S) past which a lead counts as turned over, and the T waves (of UPRIGHT and aVR)
# turned over with them. Chosen on PTB-XL folds 1-8 (17,415 records with beats): none of the records trips it
# (one at 0.3, three with two T waves turned), 50.5 % of the same records negated do (77 % of those labelled NORM).
QRS_TURNED = 0.4
T_TURNED = 3


def polarities(med: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """QRS and T polarity of a median beat (12, 70) at 100 Hz (R at sample 25): each (12,) in [-1, 1].

    Each lead is read against its flattest 40 ms before the QRS (the PR or TP segment; a wide complex's median
    beat, aligned at its largest deflection, has no baseline at a fixed place). QRS: (max + min) / (max - min)
    from R - 100 ms to R + 120 ms (an R wave 1, a QS -1); T: the sign of the mean from R + 130 ms to the end.
    """
    med = np.nan_to_num(np.asarray(med, dtype=np.float64))
    pre = np.lib.stride_tricks.sliding_window_view(med[:, :22], 4, axis=-1)          # (12, 19, 4)
    flat = np.ptp(pre, axis=-1).argmin(axis=-1)
    x = med - np.take_along_axis(pre.mean(axis=-1), flat[:, None], axis=-1)
    qrs = x[:, 15:37]
    hi, lo = qrs.max(axis=-1), qrs.min(axis=-1)
    size = np.maximum(hi - lo, 1e-6)
    return np.clip((hi + lo) / size, -1.0, 1.0), np.tanh(4.0 * x[:, 38:70].mean(axis=-1) / size)


def inverted_signal(med: np.ndarray, usable: np.ndarray) -> Finding | None:
    """The "inverted_signal" finding (critical) where the median beat (12, 70) has every lead upside down: the
    QRS of I, II, V5 and V6 down and of aVR and V1 up past ``QRS_TURNED``, and the T wave turned over with it in
    ``T_TURNED`` or more of I, II, V5, V6 and aVR; None otherwise, or where a lead it reads is not ``usable``
    (12,) bool."""
    if not all(usable[_LEAD[n]] for n in READ):
        return None
    q, t = polarities(med)
    sign = {n: -1.0 if n == "aVR" else 1.0 for n in UPRIGHT + ("aVR",)}
    down = all(sign[n] * q[_LEAD[n]] < -QRS_TURNED for n in sign) and q[_LEAD["V1"]] > 0
    turned = sum(sign[n] * t[_LEAD[n]] < 0 for n in sign)
    if not down or turned < T_TURNED:
        return None
    leads = tuple(n for n in STANDARD_LEADS if n in READ)
    said = ", ".join(f"{n} {q[_LEAD[n]]:+.2f}" for n in leads)
    return Finding("inverted_signal", "every lead inverted in the signal: check the file's polarity (no heart "
                   "inverts all leads)", "critical", leads,
                   f"QRS polarity (R + S) / (R - S) {said}; T turned over in {turned} of I, II, V5, V6, aVR. "
                   "Dextrocardia or an arm-electrode reversal inverts I, not II, V5 and V6 with aVR upright: the "
                   "samples were written negated (a writer's or converter's sign error), or, rarely, a dextrocardia on "
                   "a left axis reads so; the calls are withheld")
