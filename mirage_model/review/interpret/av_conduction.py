"""AV conduction read beat by beat: second-degree AV block and AV dissociation (complete AV block?) from the P waves
that the median beat's own P wave finds across the record (``measure.p_waves``), each said as a suggestion, marked
"(?)", with its criteria cited; the PR withheld where P waves do not conduct at a fixed PR; atrial fibrillation
marked where P waves march at a constant rate with non-conducted ones (AF has no P waves: Hindricks et al. 2021).

Criteria (the 2018 ACC/AHA/HRS bradycardia guideline, Kusumoto FM, Schoenfeld MH, Barrett C, et al. Circulation
2019;140:e382-e482, as its definitions are quoted; Barold SS, Herweg B. Mobitz type II second-degree atrioventricular
block: a commonly overdiagnosed and misinterpreted arrhythmia. Front Cardiovasc Med 2024;11:1450705):

* every one needs P waves at a constant rate (Barold and Herweg: a stable sinus rate), here every P-P interval within
  0.16 s of one or two P-P cycles (``measure.p_waves.PP_TOLERANCE_S``: the P-P variation that makes sinus
  arrhythmia), and at least ``MIN_BLOCKED`` non-conducted P waves (a P wave the next P wave follows before any QRS);
  one such P wave in a 10 s record is as likely a missed QRS or a blocked premature beat as a block. Not in a paced
  rhythm.
* 2:1 AV block: every other P wave conducts, the atrial rate twice the ventricular (within ``RATIO_TOLERANCE``) at a
  constant PR (interquartile range at most ``PR_VARIES_MS``). A 2:1 block is neither type I nor type II (Barold and
  Herweg 2024).
* High-grade AV block (3:1, 4:1): the atrial rate at least ``HIGH_GRADE_RATIO`` (2.5) times the ventricular at a
  constant PR: two or more P waves in a row not conducted, with AV conduction at a fixed PR (Kusumoto et al.). A P
  wave on the T wave after a QRS is often not found; the rates still count it (a P-P interval of two cycles).
* Mobitz I and II only below 1.8 times the ventricular rate (single non-conducted P waves: 4:3, 3:2).
* Mobitz I (Wenckebach): the PR after each non-conducted P wave is shorter than the PR before it, by at least
  ``PR_VARIES_MS`` (the PR lengthens before the dropped beat and shortens with the first conducted beat after it).
* Mobitz II: the PR before and after each single non-conducted P wave the same, within ``PR_FIXED_MS`` (an unchanged PR
  after the block is its sine qua non: Barold and Herweg 2024).
* AV dissociation, complete AV block?: more P waves than QRS complexes, the atrial rate above the ventricular by more
  than ``RATIO_TOLERANCE``, the PR of the complexes varying (interquartile range above ``PR_VARIES_MS``): the P waves
  march through the QRS rhythm. A 10 s record does not tell complete block from AV dissociation with capture beats,
  so both are named.

* Atrial fibrillation at a regular slow ventricular rate: where atrial fibrillation is said (the model's or the AF
  rule's), the ventricular rate below the bradycardia limit (``reading.BRADY_BPM``, 60 bpm), every RR interval within
  ``REGULAR_RR_S`` (0.16 s, the variation below which a rhythm is not sinus arrhythmia:
  ``measure.p_waves.PP_TOLERANCE_S``) of every other (at least ``REGULAR_MIN_RR`` of them), not paced and not measured
  irregular (the RR coefficient of variation), the AF statement is marked ("regular ventricular rhythm at 37 bpm (RR
  1.59-1.62 s): atrial fibrillation with complete AV block, or another rhythm? (check the P waves)"). In atrial
  fibrillation the ventricular response is irregularly irregular (Hindricks et al. 2021); a regular slow ventricular
  rhythm means the AV node conducts none of the fibrillation, with a junctional or ventricular escape rhythm
  (complete AV block, or digitalis toxicity), or that the rhythm is not atrial fibrillation (Surawicz B, Knilans TK.
  Chou's Electrocardiography in Clinical Practice, 6th ed. Saunders 2008, atrial fibrillation; Kusumoto et al. 2019,
  complete AV block). A faster regular rhythm keeps the mark that asks for flutter or tachycardia
  (``rhythm.AF_REGULAR_MARK``). PTB-XL folds 1-8 (scripts/av_conduction.py's cached sets and 300 AFIB records at
  random, seed 53): no AFIB, AFLT or SR record meets it (the 22 AFIB records read AF under 60 bpm vary by 0.33 s or
  more); 16271 (3AVB, 37 bpm, RR 1.59-1.62 s) does.

* Atrial fibrillation in a regularly irregular rhythm: where atrial fibrillation is said (the model's, its most
  probable rhythm or the AF rule's), not paced, and the RR intervals alternate short and long over at least
  ``ALTERNATING_MIN_RR`` of them in a row and at least half of the record's, the short ones within ``REGULAR_RR_S`` of
  each other, the long ones too, every long one longer than every short one by more than ``REGULAR_RR_S``, the AF
  statement is marked ("RR intervals alternate short and long ... group beating"). Atrial fibrillation is
  irregularly irregular (Hindricks et al. 2021); a fixed short-long alternation is group beating, a regularly
  irregular rhythm: bigeminy (a premature beat after each conducted one) or AV block at a fixed conduction ratio
  (3:2 Wenckebach periods) (Surawicz and Knilans 2008, bigeminy and group beating). The AF rule reads an RR
  coefficient of variation, which such a rhythm has as much as AF. PTB-XL folds 1-8 (scripts/rhythm_agreement.py,
  60 records per rhythm label at random, seed 55): 14 of 60 BIGU records read atrial fibrillation first, 8 of them
  unmarked; 6 of those are now marked (05786, 16162, 17408, 21579, 19610; 18783 is labelled AFIB too), 02411 (5
  alternating intervals of 16) is not; 07688 (3AVB, group beating at 1.15 and 1.77-1.87 s) is marked. Of the 1,211
  AFIB records of folds 1-8, 1,176 read AF first before and after (Normal ECG on 1, 15632, labelled NORM too, before
  and after); 13 of them are newly marked (5 labelled PVC or BIGU too; others AF with a near-alternating response:
  10044, 1.06-1.10 and 0.80-0.82 s). The tolerances are the module's own; nothing was tuned.

``PR_VARIES_MS`` (40 ms) is the limit tried on the per-beat PR before (a larger spread than the measurement's own in
sinus rhythm, four samples at PTB-XL's 100 Hz); ``PR_FIXED_MS`` two samples there; ``RATIO_TOLERANCE`` as the flutter
rule's 2:1 (0.1). All were fixed before any figure (PTB-XL folds 1-8, LUDB; scripts/av_conduction.py).

Where the P waves conduct at no fixed PR (Wenckebach, dissociation) the PR and the P axis in the measurement table are
marked unreliable and no PR rule is said. Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mirage_model.measure.p_waves import PP_TOLERANCE_S
from mirage_model.review.interpret.statements import Statement

MIN_BLOCKED = 2          # non-conducted P waves needed for any statement
PR_VARIES_MS = 40.0      # PR interquartile range above this: not conducted at a fixed PR; Wenckebach's shortening
PR_FIXED_MS = 20.0       # Mobitz II: the PR before and after a non-conducted P wave within this
RATIO_TOLERANCE = 0.1    # 2:1: the atrial rate within this share of twice the ventricular; dissociation: above 1 + it
HIGH_GRADE_RATIO = 2.5   # the atrial rate at least this many times the ventricular at a fixed PR: 3:1, 4:1
SUGGESTED = "suggested from the P waves found beat by beat"
SUGGESTED_NOTE = SUGGESTED + " ({n} found, atrial rate {a:.0f}/min, {b} seen not conducted): check a rhythm strip"
AF_MARK = "P waves at a constant rate"
AF_NOTE = (AF_MARK + " found beat by beat ({a:.0f}/min, {b} seen not conducted): atrial fibrillation has no P waves "
           "(Hindricks et al. 2021); AV block?")
# sinus bradycardia said by the ventricular rate where a statement here stands and the P waves come at the bradycardia
# limit or faster (``reading.BRADY_BPM``): the sinus node's rate is the P waves', the slow rate the AV block's
SLOW_QRS_NOTE = "the ventricular rate: P waves at {a:.0f}/min, not all conducted (AV block?)"
PR_DOUBT = "P waves not conducted at a fixed PR ({why}; PR {lo:.0f}-{hi:.0f} ms beat by beat)"
CITED = "Kusumoto et al. 2019; Barold and Herweg 2024"
REGULAR_RR_S = PP_TOLERANCE_S     # a regular slow ventricular rhythm under AF: every RR within this of every other (s)
REGULAR_MIN_RR = 3       # ... of at least this many RR intervals
ALTERNATING_MIN_RR = 6   # a regularly irregular rhythm: at least this many RR intervals alternating short and long
ALTERNATING_MARK = "RR intervals alternate short and long"
ALTERNATING_NOTE = (ALTERNATING_MARK + " ({n} of {m}: {s_lo:.2f}-{s_hi:.2f} s and {l_lo:.2f}-{l_hi:.2f} s), group "
                    "beating: bigeminy or AV block at a fixed ratio? Atrial fibrillation is irregularly irregular "
                    "(Hindricks et al. 2021)")
AF_SLOW_MARK = "regular ventricular rhythm"
AF_SLOW_NOTE = (AF_SLOW_MARK + " at {hr:.0f} bpm (RR {lo:.2f}-{hi:.2f} s): atrial fibrillation with complete AV block, "
                "or another rhythm? (check the P waves)")


@dataclass(frozen=True)
class AvConduction:
    """What the P waves found beat by beat say of AV conduction.

    Attributes:
        statement: the rule's statement (marked "(?)", ``SUGGESTED``), None where no criteria are met.
        pr_doubt: why the PR is not a conducted P wave's at a fixed interval ("" where it is, or not read).
        af_note: the mark for an atrial fibrillation statement (None: no P waves marching with non-conducted ones).
    """
    statement: Statement | None = None
    pr_doubt: str = ""
    af_note: str | None = None


def _pr_spread(pr: np.ndarray) -> float | None:
    """Interquartile range (ms) of the finite PRs (n,); None under 3."""
    pr = pr[np.isfinite(pr)]
    return float(np.subtract(*np.percentile(pr, [75, 25]))) if len(pr) >= 3 else None


def _around_drops(w, beat_on_s: np.ndarray) -> list[tuple[float, float]]:
    """(PR before, PR after) each non-conducted P wave: the PR of the last beat before it and of the first after
    it (ms), where both have one. ``beat_on_s``: (n,) the beats' times (s; their anchors: a non-conducted P wave lies
    well away from any), ``w.pr_ms`` (n,) their PR."""
    out = []
    for t in w.onset_s[w.blocked]:
        before = np.flatnonzero(beat_on_s < t)
        after = np.flatnonzero(beat_on_s > t)
        if len(before) and len(after):
            a, b = w.pr_ms[before[-1]], w.pr_ms[after[0]]
            if np.isfinite(a) and np.isfinite(b):
                out.append((float(a), float(b)))
    return out


def av_conduction(w, beats_s, hr: float | None, paced_rhythm: bool) -> AvConduction:
    """AV conduction from ``w`` (``measure.p_waves.BeatPWaves``, None: not measured), its beats at ``beats_s`` (n,)
    s (``Measurements.beats`` / fs: ``w.pr_ms``'s beats), at the ventricular rate ``hr`` (bpm; module docstring)."""
    if (w is None or beats_s is None or len(beats_s) != len(w.pr_ms) or paced_rhythm or hr is None or not w.regular
            or w.pp_s is None or w.n_blocked < MIN_BLOCKED):
        return AvConduction()
    atrial = float(w.atrial_rate_per_min)
    n, b = len(w.onset_s), w.n_blocked
    af_note = AF_NOTE.format(a=atrial, b=b)
    note = SUGGESTED_NOTE.format(n=n, a=atrial, b=b)
    pr = np.asarray(w.pr_ms, dtype=float)
    spread = _pr_spread(pr)
    if spread is None:
        return AvConduction(af_note=af_note)
    finite = pr[np.isfinite(pr)]
    lo, hi = float(finite.min()), float(finite.max())
    ratio = atrial / hr
    drops = _around_drops(w, np.asarray(beats_s, dtype=float))
    alternate = _every_other(w)
    rates = f"atrial rate {atrial:.0f}/min, ventricular rate {hr:.0f} bpm"
    pairs = ", ".join(f"{x:.0f} -> {y:.0f}" for x, y in drops)

    def said(text: str, rule: str, pr_doubt: str = "", rule_id: str = "second_degree_av_block") -> AvConduction:
        return AvConduction(Statement("conduction", f"{text} ({rates})", "measurement", note=note,
                                      rule=f"{rule} ({CITED})", rule_id=rule_id), pr_doubt, af_note)

    if alternate and abs(ratio - 2.0) <= 2.0 * RATIO_TOLERANCE and spread <= PR_VARIES_MS:
        return said("Second degree AV block, 2:1",
                    f"every other P wave not conducted, atrial rate {ratio:.2f} times the ventricular (2 +/- "
                    f"{2 * RATIO_TOLERANCE:g}), PR interquartile range {spread:.0f} ms <= {PR_VARIES_MS:g} ms")
    if ratio >= HIGH_GRADE_RATIO and spread <= PR_VARIES_MS:
        return said(f"High-grade AV block, {int(round(ratio))}:1",
                    f"atrial rate {ratio:.2f} times the ventricular (>= {HIGH_GRADE_RATIO:g}: two or more P waves in a "
                    f"row not conducted), PR interquartile range {spread:.0f} ms <= {PR_VARIES_MS:g} ms")
    if ratio >= 2.0 - 2.0 * RATIO_TOLERANCE:
        pass                        # neither single dropped beats nor two in a row: Mobitz I and II not read
    elif drops and all(x - y >= PR_VARIES_MS for x, y in drops):
        return said("Second degree AV block, Mobitz I (Wenckebach)",
                    f"{b} P waves not conducted, the PR before each longer than the PR after it by >= "
                    f"{PR_VARIES_MS:g} ms ({pairs} ms)",
                    PR_DOUBT.format(why="PR lengthening before each non-conducted P wave", lo=lo, hi=hi))
    single = not np.any(w.blocked[:-1] & w.blocked[1:])
    fixed = all(abs(x - y) <= PR_FIXED_MS for x, y in drops)
    if ratio < 2.0 - 2.0 * RATIO_TOLERANCE and drops and single and fixed and spread <= PR_VARIES_MS:
        return said("Second degree AV block, Mobitz II",
                    f"{b} single P waves not conducted, the PR before and after each within {PR_FIXED_MS:g} ms "
                    f"({pairs} ms)")
    if ratio > 1.0 + RATIO_TOLERANCE and spread > PR_VARIES_MS:
        return said("AV dissociation, complete AV block?",
                    f"{b} of {n} P waves not conducted, atrial rate {ratio:.2f} times the ventricular (> "
                    f"{1 + RATIO_TOLERANCE:g}), PR interquartile range {spread:.0f} ms > {PR_VARIES_MS:g} ms",
                    PR_DOUBT.format(why="P waves marching through the QRS rhythm", lo=lo, hi=hi), "av_dissociation")
    return AvConduction(af_note=af_note)


def _every_other(w) -> bool:
    """Whether the P waves between the first and the last non-conducted one alternate conducted, non-conducted."""
    k = np.flatnonzero(w.blocked)
    seq = w.blocked[k[0]:k[-1] + 1]
    return bool(len(k) >= MIN_BLOCKED and np.all(seq[::2]) and not np.any(seq[1::2]))


def slow_regular_note(beats_s, hr: float | None, paced_rhythm: bool, brady_bpm: float) -> str | None:
    """The mark for atrial fibrillation said at a regular ventricular rate below ``brady_bpm`` (module docstring),
    from the beats' times ``beats_s`` (n,) s and the measured rate ``hr`` (bpm); None where the rhythm is not that."""
    if beats_s is None or hr is None or paced_rhythm or hr >= brady_bpm:
        return None
    rr = np.diff(np.asarray(beats_s, dtype=float))
    if len(rr) < REGULAR_MIN_RR or rr.max() - rr.min() > REGULAR_RR_S:
        return None
    return AF_SLOW_NOTE.format(hr=hr, lo=float(rr.min()), hi=float(rr.max()))


def alternating_note(beats_s, paced_rhythm: bool) -> str | None:
    """The mark for atrial fibrillation said where the RR intervals alternate short and long (group beating: module
    docstring), from the beats' times ``beats_s`` (n,) s; None where they do not (or paced, or too few beats)."""
    if beats_s is None or paced_rhythm:
        return None
    rr = np.diff(np.asarray(beats_s, dtype=float))             # (n - 1,) s
    # the longest run of alternating intervals: a part of such a run fits too, so the run's end only moves on as
    # its start does (linear in the beats, not cubic: a 10-minute record's 700 beats had taken seconds)
    best, j = None, 0
    for i in range(len(rr)):
        j = max(j, i)
        while j < len(rr) and _fits(rr[i:j + 1]):
            j += 1
        if j - i >= ALTERNATING_MIN_RR and (best is None or j - i > best[1] - best[0]):
            best = (i, j)
    if best is None or 2 * (best[1] - best[0]) < len(rr):
        return None
    w = rr[best[0]:best[1]]
    a, b = w[0::2], w[1::2]
    short, long = (a, b) if a.max() < b.min() else (b, a)
    return ALTERNATING_NOTE.format(n=len(w), m=len(rr), s_lo=short.min(), s_hi=short.max(), l_lo=long.min(),
                                   l_hi=long.max())


def _fits(rr: np.ndarray) -> bool:
    """Whether the RR intervals ``rr`` (k,) s may alternate short and long: each parity's intervals within
    ``REGULAR_RR_S`` of each other, and every one of one parity longer than every one of the other by more than it
    (so does every part of them)."""
    a, b = rr[0::2], rr[1::2]
    if np.ptp(a) > REGULAR_RR_S or (len(b) and np.ptp(b) > REGULAR_RR_S):
        return False
    return not len(b) or bool(b.min() - a.max() > REGULAR_RR_S or a.min() - b.max() > REGULAR_RR_S)
