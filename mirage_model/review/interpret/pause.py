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
samples missing; or a finding confined in time over the RR: a lead lost, an artefact, a noise burst) is no pause: the
check's finding is named instead, in the resolved list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mirage_model.review.interpret.statements import Statement
from mirage_model.review.measurements import shown

PAUSE_S = 3.0
PAUSE_SOURCE = "Kusumoto et al. 2019 (2018 ACC/AHA/HRS bradycardia guideline)"
# the quality findings of a stretch without signal: across the record (no time given), or confined in time
# (``Finding.span_s``) and then only where that span meets the long RR
GAP_ANYWHERE = ("flat_stretch", "samples_missing")
GAP_OVER = ("lead_lost", "artefact", "noise_burst")


@dataclass(frozen=True)
class Pause:
    """The longest RR interval of a record, longer than ``PAUSE_S``, and the rhythm of the other RR intervals."""
    rr_s: float                    # the longest RR interval, s
    start_s: float                 # its start (the QRS before it), s from the record's start
    rate_bpm: float | None         # 60 / mean of the other RR intervals (at most PAUSE_S); None: fewer than 2
    irregular: bool | None         # the other RR intervals' coefficient of variation above the measurements' limit
    rr_nrmssd: float | None        # their RMSSD / mean RR, successive differences across the pause left out
    gap: str | None                # the quality finding naming a stretch without signal there: no pause is said


def pause_of(beats, fs: float, findings=(), cv_max: float = 0.15) -> Pause | None:
    """The ``Pause`` of the beats (n_beats,) sample indices at ``fs`` Hz (``Measurements.beats``, ``fs``), or None
    where no RR interval is longer than ``PAUSE_S``. ``findings``: the quality report's, for a gap over it;
    ``cv_max``: the RR coefficient of variation above which a rhythm is irregular (``MeasureConfig.qtc_rr_cv_max``)."""
    beats = np.asarray(beats, dtype=float)
    if beats.size < 2 or not fs or fs <= 0:
        return None
    rr = np.diff(beats) / fs
    k = int(np.argmax(rr))
    if not rr[k] > PAUSE_S:
        return None
    start, end = beats[k] / fs, beats[k + 1] / fs
    rest = rr[rr <= PAUSE_S]
    rate = 60.0 / float(rest.mean()) if rest.size >= 2 else None
    irregular = bool(rest.std(ddof=1) / rest.mean() > cv_max) if rest.size >= 2 else None
    # successive differences, none across a pause (an RR over PAUSE_S on either side)
    d = [b - a for a, b in zip(rr[:-1], rr[1:]) if a <= PAUSE_S and b <= PAUSE_S]
    nrmssd = float(np.sqrt(np.mean(np.square(d))) / rest.mean()) if len(d) >= 2 else None
    gap = next((f.name for f in findings
                if f.code in GAP_ANYWHERE or (f.code in GAP_OVER and f.span_s is not None
                                              and f.span_s[0] < end and f.span_s[1] > start)), None)
    return Pause(float(rr[k]), float(start), rate, irregular, nrmssd, gap)


def pause_statement(p: Pause) -> Statement:
    """The statement of a pause said (``p.gap`` None): "Pause of 3.4 s (at 3.8 s)"."""
    rr = shown(p.rr_s, PAUSE_S, decimals=1)
    return Statement("rhythm", f"Pause of {rr} s (at {p.start_s:.1f} s)", "measurement",
                     rule=f"longest RR interval {rr} s > {PAUSE_S:g} s ({PAUSE_SOURCE})", rule_id="pause")


def rate_words(rate_s: str, mean_s: str) -> str:
    """What the rhythm's rate says beside a pause: "72 bpm outside the pause (52 bpm mean with it)"; without a
    mean rate measured (``mean_s`` ""), "72 bpm outside the pause"."""
    return f"{rate_s} bpm outside the pause" + (f" ({mean_s} bpm mean with it)" if mean_s else "")


def gap_resolved(p: Pause) -> str:
    """The resolved line of a long RR over a gap the quality check names (``p.gap``)."""
    return (f"longest RR interval {p.rr_s:.1f} s (at {p.start_s:.1f} s) not called a pause: {p.gap} "
            "(quality check)")
