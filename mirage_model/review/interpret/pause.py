"""A pause: the longest RR interval, named where it is longer than ``PAUSE_S`` (3 s), with where it lies.

The threshold is the 3 s of the 2018 ACC/AHA/HRS bradycardia guideline (Kusumoto FM, Schoenfeld MH, Barrett C, et al.
2018 ACC/AHA/HRS guideline on the evaluation and management of patients with bradycardia and cardiac conduction
delay. Circulation 2019;140:e382-e482), whose criteria for sinus node dysfunction include sinus pauses longer than
3 s. That guideline's own text could not be read here: the 3 s is taken as it is quoted from it (and, as "> 3 s
ventricular pauses", from the ESC's pacing guidelines); nothing was tuned. The pause is said as a measurement
("Pause of 3.4 s (at 3.8 s)": its start, the QRS before it, in seconds from the record's start), not as sinus arrest
or AV block: a 10 s record does not tell the two apart, nor a blocked P wave from none.

The rhythm around a pause is judged on the other RR intervals: the rate said (and the sinus rate words) is theirs,
"72 bpm outside the pause (52 bpm mean with it)", and so are the irregularity and the beat-to-beat variation the AF
rule reads, so one pause makes neither a sinus bradycardia nor an irregular rhythm of a regular sinus rhythm at
72 bpm. The measurement table keeps the mean rate over every beat.

A long RR over a stretch the quality check names as without signal (no signal in any lead: "flat_stretch";
samples missing; a lead lost) or as noise (an artefact, a noise burst) is no pause: the check's finding is named
instead, in the resolved list ("longest RR interval 3.4 s (at 3.8 s) not called a pause: ..."). Such a finding
hides only the long RR it meets (its ``Finding.span_s``): a pause 5 s away from a flat stretch is said. A flat
stretch or missing samples in several places carry no one span (one from the first to the last would cover the
signal between them) and then hide every long RR: which stretch a long RR meets is not known.
Beats within a noise stretch the check names ("artefact", "noise_burst") are set aside: a burst over a pause makes
beats of the noise and no pause is seen. The RR across the stretch, from the beat before it to the beat after, is
then the long RR the noise hides, named with it in the resolved list, never said as a pause. Noise across every lead
alike names no stretch ("noise_burst" is a burst in some leads against the others; "noise" and "lead_noisy" carry
no time): its beats stand, as do those of the noise outside the span the check gives it (the windows of the beats it
found there). An RR across the noise's beats set aside or across a flat stretch is none of the rhythm's: the rate,
irregularity and variation outside the pause leave it out.

The QTc (Bazett's, Fridericia's, Framingham's) corrects the median beat's QT by the mean RR, which a pause said holds:
PTB-XL 00366 (fold 1) with a 3.6 s pause spliced in read "Short QTc (326 ms, Bazett)", short only because the mean RR
is long. The measured QTc stays as it is (the statements model reads it), but where a pause is said no QTc rule states
it (the resolved list says why) and the measurement table marks the QTc rows unreliable with the same words
(``qtc_doubt``, ``Interpretation.qtc_doubt``): "the mean RR holds a pause of 3.6 s (at 2.6 s)".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mirage_model.review.interpret.statements import Statement
from mirage_model.review.measurements import shown

PAUSE_S = 3.0
PAUSE_SOURCE = "Kusumoto et al. 2019 (2018 ACC/AHA/HRS bradycardia guideline)"
# the quality findings of a stretch without signal or of noise: over the RR their span meets, or over every RR where
# they carry none (``Finding.span_s`` None: in several places). Beats within a NOISE stretch are set aside
GAP_ANYWHERE = ("flat_stretch", "samples_missing")
GAP_OVER = ("lead_lost", "artefact", "noise_burst")
NOISE = ("artefact", "noise_burst")
# an RR across these is none of the rhythm's (beats set aside, or none seen in any lead): not in the rate outside it
UNSEEN = NOISE + ("flat_stretch",)


@dataclass(frozen=True)
class Pause:
    """The longest RR interval of a record, longer than ``PAUSE_S``, and the rhythm of the other RR intervals."""
    rr_s: float                    # the longest RR interval (that no gap meets, where one is), s
    start_s: float                 # its start (the QRS before it), s from the record's start
    rate_bpm: float | None         # 60 / mean of the other RR intervals (at most PAUSE_S); None: fewer than 2
    irregular: bool | None         # the other RR intervals' coefficient of variation above the measurements' limit
    rr_nrmssd: float | None        # their RMSSD / mean RR, successive differences across the pause left out
    gap: str | None                # the quality finding of a stretch without signal or of noise there: not said


def pause_of(beats, fs: float, findings=(), cv_max: float = 0.15) -> Pause | None:
    """The ``Pause`` of the beats (n_beats,) sample indices at ``fs`` Hz (``Measurements.beats``, ``fs``), or None
    where no RR interval is longer than ``PAUSE_S``. ``findings``: the quality report's, for a gap over it and the
    noise whose beats are set aside; ``cv_max``: the RR coefficient of variation above which a rhythm is irregular
    (``MeasureConfig.qtc_rr_cv_max``). The pause is the longest RR over ``PAUSE_S`` that no gap meets; where a gap
    meets each of them, the longest, with that gap's name."""
    t = np.asarray(beats, dtype=float)
    if t.size < 2 or not fs or fs <= 0:
        return None
    t = t / fs
    gaps = [f for f in findings if f.code in GAP_ANYWHERE + GAP_OVER]
    noise = [f.span_s for f in gaps if f.code in NOISE and f.span_s is not None]
    if noise:                                                  # the noise's beats set aside
        t = t[~np.any([(t >= a) & (t <= b) for a, b in noise], axis=0)]
    if t.size < 2:
        return None
    rr = np.diff(t)
    over = [next((f.name for f in gaps if (f.span_s is None and f.code in GAP_ANYWHERE)
                  or (f.span_s is not None and _meets(f.span_s, a, b))), None)
            for a, b in zip(t[:-1], t[1:])]
    long = rr > PAUSE_S
    if not long.any():
        return None
    clear = long & np.array([g is None for g in over])
    pick = np.flatnonzero(clear if clear.any() else long)      # a long RR no gap meets, else the longest of all
    k = int(pick[np.argmax(rr[pick])])
    # the other RR intervals: none over PAUSE_S, none across the noise's beats set aside or a flat stretch
    unseen = [f.span_s for f in gaps if f.code in UNSEEN and f.span_s is not None]
    ok = (rr <= PAUSE_S) & ~np.array([any(_meets(span, a, b) for span in unseen) for a, b in zip(t[:-1], t[1:])])
    rest = rr[ok]
    rate = 60.0 / float(rest.mean()) if rest.size >= 2 else None
    irregular = bool(rest.std(ddof=1) / rest.mean() > cv_max) if rest.size >= 2 else None
    # successive differences of those, none across a pause, the noise or a flat stretch
    d = [rr[i + 1] - rr[i] for i in range(rr.size - 1) if ok[i] and ok[i + 1]]
    nrmssd = float(np.sqrt(np.mean(np.square(d))) / rest.mean()) if len(d) >= 2 else None
    return Pause(float(rr[k]), float(t[k]), rate, irregular, nrmssd, over[k])


def _meets(span: tuple[float, float], a: float, b: float) -> bool:
    """Whether a finding's ``span`` (start, end s) overlaps the RR interval from the beat at ``a`` s to ``b`` s."""
    return span[0] < b and span[1] > a


def pause_statement(p: Pause) -> Statement:
    """The statement of a pause said (``p.gap`` None): "Pause of 3.4 s (at 3.8 s)"."""
    rr = shown(p.rr_s, PAUSE_S, decimals=1)
    return Statement("rhythm", f"Pause of {rr} s (at {p.start_s:.1f} s)", "measurement",
                     rule=f"longest RR interval {rr} s > {PAUSE_S:g} s ({PAUSE_SOURCE})", rule_id="pause")


def rate_words(rate_s: str, mean_s: str) -> str:
    """What the rhythm's rate says beside a pause: "72 bpm outside the pause (52 bpm mean with it)"; without a
    mean rate measured (``mean_s`` ""), "72 bpm outside the pause"."""
    return f"{rate_s} bpm outside the pause" + (f" ({mean_s} bpm mean with it)" if mean_s else "")


def qtc_doubt(p: Pause | None) -> str:
    """Why the QTc is in doubt beside a pause said (``p.gap`` None): "the mean RR holds a pause of 3.6 s (at 2.6 s)";
    "" without one (no pause, or a long RR over a gap)."""
    if p is None or p.gap is not None:
        return ""
    return f"the mean RR holds a pause of {shown(p.rr_s, PAUSE_S, decimals=1)} s (at {p.start_s:.1f} s)"


def gap_resolved(p: Pause) -> str:
    """The resolved line of a long RR over a gap the quality check names (``p.gap``)."""
    return (f"longest RR interval {p.rr_s:.1f} s (at {p.start_s:.1f} s) not called a pause: {p.gap} "
            "(quality check)")
