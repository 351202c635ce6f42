"""The sinus statements against the measured P axis: a sinus P wave is upright in I and II, so a P axis outside
-30..+90 deg marks a sinus statement (an ectopic atrial rhythm, or limb leads misplaced?), unless the P axis itself is in
doubt (``p_axis_doubt``). Split from ``rhythm`` (which had grown past 500 lines); the interpretation (``assemble``)
applies it after the rhythm statements. Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mirage_model.review.interpret.reading import Reading
from mirage_model.review.interpret.statements import SINUS, Statement, _num
from mirage_model.review.measurements import AXES_SCALED, UNRELIABLE, shown

# a sinus P wave is upright in I and II, as teaching texts say it (upright in I, II and aVF, inverted in aVR;
# ECGpedia's "P wave morphology" after Spodick: positive in II and aVF), and Mason et al. 2007 list "ectopic atrial
# rhythm" apart from sinus rhythm. No source found gives a P axis range for it: a frontal P axis within -90..+90 deg
# projects upright on I (0 deg), within -30..+150 on II (+60 deg), so on both within -30..+90 (worked out by hand).
# The range the literature names the normal P axis, 0..+75 deg (ARIC: Maheshwari et al., Am J Cardiol
# 2017;120:1980-4; Chen & Soliman, Front Cardiovasc Med 2019;6:53), marks atrial remodelling (a risk of AF and
# stroke) in people in sinus rhythm, not where the rhythm starts: it would mark 80 of the 713 below ("Normal ECG"
# 389 -> 343), and 0..+90 (upright in aVF too) 24 (379). Outside -30..+90, with a P wave measured and the P axis not
# itself in doubt (mains left, limb leads inconsistent, every lead scaled to one size: ``p_axis_doubt``), a sinus
# statement is marked, not refuted: a low or ectopic atrial rhythm, or the limb leads misplaced (LA/RA reversed gives
# a P axis past +90). CinC 2021 JS45551 (labelled atrial rhythm, P axis -30.3 deg) had read "Sinus rhythm, 90 bpm".
# PTB-XL folds 1-8, the 717 records labelled SR among 300 SR and 500 NORM drawn at random: marked on 7 of the 713 that
# state sinus; 11570_lr, its report an AV nodal rhythm, is marked too
SINUS_P_AXIS_DEG = (-30.0, 90.0)
SINUS_P_AXIS_HEAD = "P wave not upright in I and II"
SINUS_P_AXIS_NOTE = (SINUS_P_AXIS_HEAD + " (P axis {a} deg, outside {lo:+.0f}..{hi:+.0f} deg): ectopic atrial rhythm "
                     "or limb lead misplacement?")
# With the P axis itself in doubt (``p_axis_doubt``) the mark is not made and "Normal ECG" is not withheld for it: the
# measurement table shows the P axis marked "?" with the same reason, and the resolved list says why the sinus statement
# stands unmarked. PTB-XL 00338_lr (fold 8, CLBBB, SR; P axis 13.5 deg) with 0.05 mV of 50 Hz mains added at its
# 100 Hz (on Nyquist, which the measurement cannot subtract: the quality check's "mains_left") measured a P axis of
# -64 deg and had read "Sinus rhythm (?) P wave not upright in I and II"; on 60 SR records of folds 1-8 with that
# mains added, 1 mark came and 1 (02681_lr, -64.9 deg clean, 77.6 deg with it) went, all 60 with "mains_left"
SINUS_P_AXIS_DOUBTED = ("P axis {a} deg (outside {lo:+.0f}..{hi:+.0f} deg) not read against the sinus rhythm: "
                        + UNRELIABLE + ": {why}")


def sinus_p_axis_marks(out: list[Statement], r: Reading, doubt: str | None, paced_rhythm: bool) -> list[Statement]:
    """``out`` with its sinus statements marked where the measured P axis is outside ``SINUS_P_AXIS_DEG``: a P wave
    measured (a PR), no other mark on them, not paced. Where the P axis is itself in doubt (``doubt``: why, as
    ``p_axis_doubt`` words it) no mark is made and ``r.resolved`` says so (``SINUS_P_AXIS_DOUBTED``)."""
    a = _num(r.measurements, "p_axis_deg")
    lo, hi = SINUS_P_AXIS_DEG
    if a is None or not np.isfinite(a) or lo <= a <= hi or r.pr is None or paced_rhythm:
        return out
    sinus_rules = ("sinus_rhythm", "sinus_bradycardia", "sinus_tachycardia")
    sinus = [s.note is None and s.group == "rhythm" and (s.code in SINUS or s.rule_id in sinus_rules) for s in out]
    if doubt and any(sinus):
        r.resolved.append(SINUS_P_AXIS_DOUBTED.format(a=shown(a, lo, hi), lo=lo, hi=hi, why=doubt))
    if doubt:
        return out
    note = SINUS_P_AXIS_NOTE.format(a=shown(a, lo, hi), lo=lo, hi=hi)
    return [replace(s, note=note) if is_sinus else s for s, is_sinus in zip(out, sinus)]


def p_axis_doubt(limb_leads: str | None, scaled: bool, mains_left: str | None) -> str | None:
    """Why the measured P axis is not the heart's, in the words the measurement table marks it with, or None: mains
    interference left after its subtraction (``mains_left``, ``measurements.mains_left_doubt``), every lead scaled to
    one size (``scaled``, ``AXES_SCALED``), the limb leads inconsistent (``limb_leads``, the finding's detail)."""
    if mains_left:
        return mains_left
    if scaled:
        return AXES_SCALED
    return f"limb leads inconsistent ({limb_leads})" if limb_leads else None
