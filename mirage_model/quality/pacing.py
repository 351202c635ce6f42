"""Pacing stimuli in the raw signal: where they are (``pacing_spikes``, at 500 Hz or more) and how many of the
detected beats they precede (``paced_beats``). The "paced_rhythm" and "pacing_spikes" findings and the pacer
marks are said from them."""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from mirage_model.quality.findings import Finding, QualityConfig
from mirage_model.records import STANDARD_LEADS


# Pacing stimuli (``pacing_spikes``), the one detector whose spikes are said (the "paced_rhythm" finding, the pacer
# marks). A stimulus lasts 0.1-2 ms; a QRS slope is nearly straight over 4 ms.
PACE_HALF_S = 0.002            # a sample is compared with the mean of its neighbours this far on either side
PACE_MIN_MV = 0.25             # it is spiky when it stands out of that mean by more than this (mV) ...
PACE_LEAD_RATIO = 3.0          # ... and by this many times the lead's own 99th percentile of the same
PACE_MIN_SAMPLES = 2           # spiky samples (across leads, within PACE_HALF_S) that make a stimulus
PACE_MIN_GAP_S = 0.1           # candidates at least this far apart (s)
PACE_DELAY_S = (0.02, 0.35)    # a detected beat follows a stimulus within this (s): ventricular or AV pacing


def pacing_spikes(x: np.ndarray, fs: float, beats_s: np.ndarray,
                  usable: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Times (s) of pacing stimuli in (L, T) at ``fs`` >= 500 Hz, and the leads that show them.

    A sample is spiky in a lead when it stands out from the mean of its neighbours ``PACE_HALF_S``
    on either side by more than ``PACE_MIN_MV`` and by ``PACE_LEAD_RATIO`` times the lead's own
    99th percentile of that measure. A stimulus is a spot with ``PACE_MIN_SAMPLES`` spiky samples
    or more (across leads, within ``PACE_HALF_S``) that a detected beat follows within
    ``PACE_DELAY_S``; candidates are at least ``PACE_MIN_GAP_S`` apart.

    Two other narrow-spike detectors do other jobs, and neither can stand in for this one:
    ``preprocess.mains._spike_mask`` marks, lead by lead, the samples a mains fit must not follow (0.3 mV
    and 8 robust SD out of an 11 ms running median: the model's inputs are made with it, so it stays
    as it is). Its samples (before it widens them) in this rule's place, grouped and checked against
    the beats alike, found 5 of LUDB 8's 8 stimuli, 5 of 45's 8, 8 of 72's 10 and 2 of 93's 5 (its
    paced rhythm no longer said), and 14 and 28 in two unpaced CinC 2021 records (JS00005, atrial
    flutter; JS45547): a paced rhythm said of each. ``review.report.layout``'s reads the
    display-filtered trace (a stimulus widened to 5-9 ms) for excursions narrower than 10 ms at half
    height, and their bases, to cut them from the drawn sheet.

    Args:
        x: (L, T) mV. fs: Hz. beats_s: (N,) beat times in s. usable: (L,) bool.
    """
    L, T = x.shape
    k = max(1, int(round(PACE_HALF_S * fs)))
    if T <= 2 * k + 1:
        return np.zeros(0), ()
    dev = np.abs(x[:, k:-k] - 0.5 * (x[:, :-2 * k] + x[:, 2 * k:]))     # (L, T - 2k)
    base = np.percentile(dev, 99.0, axis=1, keepdims=True)
    spiky = (dev > PACE_MIN_MV) & (dev > PACE_LEAD_RATIO * base) & usable[:, None]
    count = spiky.sum(axis=0)
    # merge within PACE_HALF_S and across leads
    count = np.convolve(count, np.ones(2 * k + 1), mode="same")
    cand, _ = find_peaks(count, height=PACE_MIN_SAMPLES, distance=int(PACE_MIN_GAP_S * fs))
    times = (cand + k) / fs
    if len(beats_s) == 0 or len(times) == 0:
        return np.zeros(0), ()
    soon, late = PACE_DELAY_S
    nxt = np.searchsorted(beats_s, times + soon)
    ok = nxt < len(beats_s)
    delay = np.where(ok, beats_s[np.minimum(nxt, len(beats_s) - 1)] - times, np.inf)
    stim = times[(delay >= soon) & (delay <= late)]
    leads = tuple(int(i) for i in np.nonzero(spiky.any(axis=1))[0])
    return stim, leads


def paced_beats(stim_s: np.ndarray, beats_s: np.ndarray) -> int:
    """How many of the beats ``beats_s`` (N,) s a stimulus of ``stim_s`` (n,) s (``pacing_spikes``) precedes:
    each stimulus's beat is the first from ``PACE_DELAY_S[0]`` after it. Two stimuli before one beat (an atrial
    and a ventricular one) count that beat once."""
    if len(stim_s) == 0 or len(beats_s) == 0:
        return 0
    nxt = np.searchsorted(beats_s, np.asarray(stim_s) + PACE_DELAY_S[0])
    return int(len(np.unique(nxt[nxt < len(beats_s)])))


def pacing_finding(x: np.ndarray, fs: float, beats_s: np.ndarray, usable: np.ndarray,
                   cfg: QualityConfig) -> Finding | None:
    """The quality check's finding of the pacing stimuli (``pacing_spikes``) in (L, T) mV ``x`` (its lone spikes
    bridged: ``spikes.without_lone_spikes``) at ``fs`` before the beats ``beats_s`` (N,) s, in the ``usable`` (L,)
    leads: "paced_rhythm" where they precede ``cfg.pace_min_share`` of the beats, "pacing_spikes" where fewer, None
    under ``cfg.pace_min_events`` stimuli; below ``cfg.pace_min_fs`` "pacing_unchecked"."""
    if fs < cfg.pace_min_fs:
        return Finding("pacing_unchecked", f"pacing spikes not checked at {fs:g} Hz", "info", ())
    stim, leads = pacing_spikes(x, fs, beats_s, usable)
    if len(stim) < cfg.pace_min_events:
        return None
    lead_names = tuple(STANDARD_LEADS[i] for i in leads)
    # how many of the beats a stimulus precedes, said as such ("8 stimuli before 12 beats" left the reader to guess
    # whether 8 of the 12 beats were paced)
    paced = paced_beats(stim, beats_s)
    detail = (f"a stimulus before {paced} of {len(beats_s)} beats" if paced == len(stim) else
              f"{len(stim)} stimuli before {paced} of {len(beats_s)} beats (more than one before some)")
    times = tuple(float(t) for t in stim)        # the review's pacer marks
    if len(stim) >= cfg.pace_min_share * len(beats_s):
        return Finding("paced_rhythm", "paced rhythm (pacemaker spikes)", "critical", lead_names, detail,
                       times_s=times)
    # too few of the beats for a paced rhythm: artefact, or intermittent pacing to check
    return Finding("pacing_spikes", "pacing-like spikes before a few beats (check for intermittent pacing or "
                   "artefact)", "warning", lead_names, detail, times_s=times)
