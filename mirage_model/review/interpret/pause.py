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
samples missing; a lead lost) is no pause: the check's finding is named instead, in the resolved list ("longest RR
interval 3.4 s (at 3.8 s) not called a pause: ..."). Such a finding hides only the long RR it meets (its
``Finding.span_s``): a pause 5 s away from a flat stretch is said. A flat stretch or missing samples in several places
carry no one span (one from the first to the last would cover the signal between them) and then hide every long RR:
which stretch a long RR meets is not known.
Noise over a pause makes beats of itself, and no pause is seen: beats within a noise stretch the check names
("artefact", "noise_burst") are set aside, but for those of the dominant QRS form (``Measurements.dominant``), real
beats the noise did not hide (a large artefact in two leads over 1.9-8.0 s had set aside every beat under it, PTB-XL
00651, fold 1-8) and those that end or start an RR over 3 s as it is (the pause is seen), and so are beats unlike
the dominant form
between two of that form more than 3 s apart, where the check names noise anywhere in the record (its burst's span, the
windows of the beats its own detector found, misses those the measurement found beside them; noise across every lead
alike names no time) or such a beat comes within 0.2 s of the one before it (no heart's RR). The long RR across the
noise is then said, marked "(?)" with the noise's words ("Pause of 3.5 s (at 2.7 s) (?)": "... over it (quality
check): its beats set aside, a beat hidden in the noise would shorten it"): a pause hidden is a sinus arrest or a
high-grade block missed, and one read across noise is marked, never stated plain. A long RR no gap or noise meets is
said before it. 200 PTB-XL records of folds 1-8 (100 Hz) with 3.3-3.8 s of their own TP baseline spliced after a
beat's T wave and a 1.5 s burst of 2-30 Hz noise (1-3 mV) over it in 4 leads: no long RR at all on 56 before (the
burst's span missed a noise beat, or the check named no noise), 18 after (17 where the check named no noise), 1 once
the check read the stretches between the beats' windows too (190 marked at the pause); the records as recorded (903
of folds 1-8, 503 with PTB-XL's burst_noise): no pause said plain, 2 marked (3 since: 04577, burst noise by
PTB-XL's notes, its V3 burst at 9.7 s now named).
An RR across the noise's beats set aside or across a flat stretch is none of the rhythm's: the rate, irregularity and
variation outside the pause leave it out.

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
# the quality findings of a stretch without signal: over the RR their span meets, or over every RR where they carry
# none (``Finding.span_s`` None: in several places)
GAP_ANYWHERE = ("flat_stretch", "samples_missing")
GAP_OVER = ("lead_lost",)
# the quality findings of noise over a stretch (its span): the beats within it are set aside, and a long RR it meets
# is said marked, not hidden
NOISE = ("artefact", "noise_burst")
# noise the quality check names, with a time or without one: beats unlike the dominant beat are set aside beside it
NOISY = NOISE + ("noise", "lead_noisy", "poor_quality")
# an RR this short is no heart's (300 bpm and faster; the ventricles' refractory period): a beat unlike the dominant
# beat so close to another is set aside without a noise finding
NO_HEART_RR_S = 0.2
# an RR across these is none of the rhythm's (beats set aside, or none seen in any lead): not in the rate outside it
UNSEEN = NOISE + ("flat_stretch",)
HIDDEN = "a beat hidden in the noise would shorten it"


@dataclass(frozen=True)
class Pause:
    """The longest RR interval of a record, longer than ``PAUSE_S``, and the rhythm of the other RR intervals."""
    rr_s: float                    # the longest RR interval (that no gap meets, where one is), s
    start_s: float                 # its start (the QRS before it), s from the record's start
    rate_bpm: float | None         # 60 / mean of the other RR intervals (at most PAUSE_S); None: fewer than 2
    irregular: bool | None         # the other RR intervals' coefficient of variation above the measurements' limit
    rr_nrmssd: float | None        # their RMSSD / mean RR, successive differences across the pause left out
    gap: str | None                # the quality finding of a stretch without signal there: not said
    doubt: str | None = None       # the noise over it, whose beats were set aside: said, marked "(?)" with these words


def pause_of(beats, fs: float, findings=(), cv_max: float = 0.15, dominant=None) -> Pause | None:
    """The ``Pause`` of the beats (n_beats,) sample indices at ``fs`` Hz (``Measurements.beats``, ``fs``), or None
    where no RR interval is longer than ``PAUSE_S``. ``findings``: the quality report's, for a gap over it and the
    noise whose beats are set aside; ``cv_max``: the RR coefficient of variation above which a rhythm is irregular
    (``MeasureConfig.qtc_rr_cv_max``); ``dominant``: (n_beats,) bool, the beats of the dominant QRS form
    (``Measurements.dominant``), for the beats unlike it that noise made (``_unlike``). The pause is the longest RR
    over ``PAUSE_S`` that no gap or noise meets; else the longest no gap meets, said with the noise's words
    (``Pause.doubt``); where a gap meets each of them, the longest, with that gap's name."""
    t = np.asarray(beats, dtype=float)
    if t.size < 2 or not fs or fs <= 0:
        return None
    t = t / fs
    gaps = [f for f in findings if f.code in GAP_ANYWHERE + GAP_OVER]
    noise = [f for f in findings if f.code in NOISE and f.span_s is not None]
    known = dominant is not None and len(dominant) == t.size and bool(np.any(dominant))
    dom = np.asarray(dominant, dtype=bool) if known else np.zeros(t.size, dtype=bool)
    aside = np.zeros(t.size, dtype=bool)
    for f in noise:                                            # the noise's beats set aside, none of the dominant form
        aside |= (t >= f.span_s[0]) & (t <= f.span_s[1]) & ~dom
    if known:                                                  # nor a beat that ends or starts a long RR seen as it is
        seen = np.diff(t) > PAUSE_S
        aside &= ~(np.r_[seen, False] | np.r_[False, seen])
    odd = _unlike(t, dom if known else None, aside, findings)
    t_odd = t[odd]
    t = t[~(aside | odd)]
    if t.size < 2:
        return None
    rr = np.diff(t)
    over = [next((f.name for f in gaps if (f.span_s is None and f.code in GAP_ANYWHERE)
                  or (f.span_s is not None and _meets(f.span_s, a, b))), None)
            for a, b in zip(t[:-1], t[1:])]
    noisy = [_noise_words(noise, t_odd, findings, a, b) for a, b in zip(t[:-1], t[1:])]
    long = rr > PAUSE_S
    if not long.any():
        return None
    clear = long & np.array([g is None for g in over])
    seen = clear & np.array([n is None for n in noisy])
    pick = np.flatnonzero(seen if seen.any() else clear if clear.any() else long)
    k = int(pick[np.argmax(rr[pick])])                         # a long RR no gap or noise meets, else ...
    # the other RR intervals: none over PAUSE_S, none across the noise's beats set aside or a flat stretch
    unseen = [f.span_s for f in findings if f.code in UNSEEN and f.span_s is not None]
    ok = (rr <= PAUSE_S) & ~np.array([any(_meets(span, a, b) for span in unseen) for a, b in zip(t[:-1], t[1:])])
    rest = rr[ok]
    rate = 60.0 / float(rest.mean()) if rest.size >= 2 else None
    irregular = bool(rest.std(ddof=1) / rest.mean() > cv_max) if rest.size >= 2 else None
    # successive differences of those, none across a pause, the noise or a flat stretch
    d = [rr[i + 1] - rr[i] for i in range(rr.size - 1) if ok[i] and ok[i + 1]]
    nrmssd = float(np.sqrt(np.mean(np.square(d))) / rest.mean()) if len(d) >= 2 else None
    return Pause(float(rr[k]), float(t[k]), rate, irregular, nrmssd, over[k], noisy[k] if over[k] is None else None)


def _unlike(t: np.ndarray, dominant, aside: np.ndarray, findings) -> np.ndarray:
    """(n_beats,) bool: the beats to set aside as noise's, of those at ``t`` s not yet ``aside``: a run of beats unlike
    the dominant QRS form (``dominant`` False) between two of that form more than ``PAUSE_S`` apart, where the quality
    check names noise in the record (``NOISY``, with its time or without) or a beat of the run lies within
    ``NO_HEART_RR_S`` of the one before it. A burst the check spans by the windows of the beats its own detector found
    misses those the measurement's found beside them, and noise across the leads alike names no time: such beats had
    hidden the pause between the two beats of the record's own form. A premature beat unlike the others in a clean
    record, one in a run shorter than ``PAUSE_S``, or a run with an RR longer than ``PAUSE_S`` in it already (the beat
    that ends a pause seen, its form changed: PTB-XL 18082 with a pause spliced in) stands."""
    odd = np.zeros(t.size, dtype=bool)
    if dominant is None or len(dominant) != t.size:
        return odd
    dom = np.asarray(dominant, dtype=bool) & ~aside
    noisy = any(f.code in NOISY for f in findings)
    at = np.flatnonzero(dom)
    for i, j in zip(at[:-1], at[1:]):
        run = np.arange(i + 1, j)
        run = run[~aside[run]]
        if not run.size or t[j] - t[i] <= PAUSE_S:
            continue                                           # no long RR between the two
        steps = np.diff(t[np.r_[i, run, j]])                   # the RRs across the run
        if steps.max() > PAUSE_S:
            continue                                           # a long RR seen without setting any aside
        if noisy or steps.min() < NO_HEART_RR_S:
            odd[run] = True
    return odd


def _meets(span: tuple[float, float], a: float, b: float) -> bool:
    """Whether a finding's ``span`` (start, end s) overlaps the RR interval from the beat at ``a`` s to ``b`` s."""
    return span[0] < b and span[1] > a


def _noise_words(noise, t_odd: np.ndarray, findings, a: float, b: float) -> str | None:
    """The words of the noise over the RR from the beat at ``a`` s to ``b`` s (a noise finding's span meets it, or
    beats unlike the dominant one were set aside within it: ``_unlike``); None without any."""
    named = [f.name for f in noise if _meets(f.span_s, a, b)]
    if named:
        return f"{'; '.join(named)} over it (quality check): its beats set aside, {HIDDEN}"
    inside = t_odd[(t_odd > a) & (t_odd < b)]
    if not inside.size:
        return None
    said = [f.name for f in findings if f.code in NOISY]
    where = f"at {inside[0]:.1f} s" if inside.size == 1 else f"at {inside[0]:.1f}-{inside[-1]:.1f} s"
    return (f"{inside.size} beat{'s' if inside.size > 1 else ''} unlike the dominant QRS {where} set aside as noise"
            + (f" ({'; '.join(said)}: quality check)" if said else "") + f", {HIDDEN}")


def pause_statement(p: Pause) -> Statement:
    """The statement of a pause said (``p.gap`` None): "Pause of 3.4 s (at 3.8 s)", marked with ``p.doubt`` (the
    noise over it) where it has one."""
    rr = shown(p.rr_s, PAUSE_S, decimals=1)
    return Statement("rhythm", f"Pause of {rr} s (at {p.start_s:.1f} s)", "measurement",
                     rule=f"longest RR interval {rr} s > {PAUSE_S:g} s ({PAUSE_SOURCE})", rule_id="pause", note=p.doubt)


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
