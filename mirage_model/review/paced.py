"""A paced rhythm that the quality check's spike detector did not see, from the statements model's call.

A ventricular paced rhythm makes the infarct, ST-T and hypertrophy statements of a surface ECG
unreadable: the paced QRS is wide and its repolarisation secondary to it, so the usual criteria do
not apply (Sgarbossa EB, Pinski SL, Gates KB, Wagner GS. Early electrocardiographic diagnosis of
acute myocardial infarction in the presence of ventricular paced rhythm. Am J Cardiol
1996;77:423-4). For that reason, whatever records a model was trained on (PTB-XL's hold some labelled PACE; a
researcher's may hold paced ones; the model card says what is known), the quality check's
"paced_rhythm" finding (pacemaker spikes before at least a fifth of the beats) withholds their calls. Its detector
misses small bipolar spikes (LUDB 90) and looks for none below 500 Hz (PTB-XL's 100 Hz files).

The rule, one place for the app, the PDF and ``mirage score``: when the statements model calls its
paced rhythm (PTB-XL's PACE, ``outputs.is_called`` against its own calibrated threshold, as shipped)
and the quality check has no "paced_rhythm" finding, each prediction's quality report gets a
critical "paced_rhythm_model" finding (``quality.NOT_TRAINED_FOR``) that names the call, and the
calls of both models are withheld as the gate withholds them (``inference.Predictor``): ``positive``
empty, ``withheld`` the report's reason, the probabilities kept for reference.

The threshold is the model's own, as shipped (max F1 on PTB-XL fold 9). Written down before it was
measured, with a stricter probability to fall back on had it alarmed on more than 1 % of fold 9's
records without PACE; it did not. On fold 9 (validation; the threshold's own fold, so not a held-out
figure; ``mirage score`` of the whole fold before and after) 18 of the 29 records labelled PACE are
now handled as paced, none before (no spikes are looked for at 100 Hz): the calls of 21 of the 29
are withheld, 5 before (electrode reversal, poor signal). Of the 2154 records without PACE one more
is withheld (a false alarm: ecg 13820, complete left bundle branch block, P=0.69). On LUDB (500 Hz)
record 90 is the one change: the 7 other paced records were already gated by their spikes, and none
of the 92 without a pacemaker changes (the most probable of them, 44, P=0.44).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mirage_model.outputs import is_called

PACE = "PACE"                      # the statements model's label of a paced rhythm (PTB-XL SCP code)
FINDING = "paced_rhythm_model"     # the finding's code (one of quality.NOT_TRAINED_FOR)
SPIKE_FINDING = "paced_rhythm"     # the quality check's own paced-rhythm finding (pacemaker spikes)
SPIKE_CODES = (SPIKE_FINDING, "pacing_spikes")   # the quality findings that place pacing stimuli

# Pacer marks, as electrocardiographs print them: a short vertical tick at each detected pacing
# stimulus, drawn over the traces of the PDF and the app. The display low-pass (75 Hz) shrinks a
# 0.5 ms stimulus to a fraction of its height (LUDB 8: 0.5 mV to ~0.1 mV); the mark shows where it was.
PACER_RGB = (0.0, 0.55, 0.65)      # teal: not the trace's black, the grid's red or a fiducial's colour
PACER_MARK_MM = (-3.0, 5.0)        # the tick, mm below and above the trace at the stimulus
PACER_LEGEND = "teal ticks: pacing stimuli found by the quality check (pacer marks)"
# the key where the spikes precede a few beats only ("pacing_spikes"): the finding leaves it open whether they are a
# pacemaker's, and "pacing stimuli found" had said they were (ECG_P28.01: a baseline step before 3 of 102 beats)
# (no longer than PACER_LEGEND: page 1's caption line has the room for it)
SPIKES_LEGEND = "teal ticks: spikes before a few beats (pacing or artefact: check)"


def pacer_level(row: np.ndarray, fs: float, t: float) -> float:
    """The trace's level (mV) where a pacer mark at ``t`` s crosses it: the median of ``row`` ((T,)
    mV at ``fs``) from 30 to 10 ms before the stimulus, clear of the spike and of the display
    filter's ringing around it (the spike's own sample would put the mark up to 2 mV off the
    trace); 0 where that stretch has no finite sample."""
    a, b = int(round((t - 0.030) * fs)), int(round((t - 0.010) * fs))
    seg = np.asarray(row[max(0, a):max(0, b) + 1], dtype=np.float64)
    seg = seg[np.isfinite(seg)]
    return float(np.median(seg)) if seg.size else 0.0


def pacer_times(quality) -> np.ndarray:
    """(n,) s from the record's start of each pacing stimulus ``quality`` (a ``quality.QualityReport``
    or None) found: its "paced_rhythm" or "pacing_spikes" finding's ``times_s``; empty when none."""
    times = [t for f in getattr(quality, "findings", ()) or () if f.code in SPIKE_CODES
             for t in getattr(f, "times_s", ()) or ()]
    return np.unique(np.asarray(times, dtype=np.float64))


def pacer_legend(quality) -> str:
    """The key to the pacer marks of ``quality`` (``pacer_times``): ``PACER_LEGEND`` where its "paced_rhythm"
    finding places them, ``SPIKES_LEGEND`` where only its "pacing_spikes" finding does."""
    codes = {f.code for f in getattr(quality, "findings", ()) or () if getattr(f, "times_s", ())}
    return PACER_LEGEND if SPIKE_FINDING in codes or not codes & set(SPIKE_CODES) else SPIKES_LEGEND


def paced_by_model(prediction):
    """The critical ``quality.Finding`` that ``prediction`` (of a model carrying PACE, as the statements
    model does) calls a paced rhythm that its quality report has not found, or None: PACE not called
    (below its threshold or ``outputs.MIN_CALLED_P``), no PACE label, or the spikes found (the quality
    check's "paced_rhythm" finding already gates the record).

    Its name says where it comes from and what the spike check saw, e.g. "paced rhythm (statements
    model, P=0.85; pacemaker spikes not detected)".
    """
    labels = [str(lab) for lab in getattr(prediction, "labels", ()) or ()]
    if PACE not in labels:
        return None
    k = labels.index(PACE)
    p, th = float(prediction.probabilities[k]), float(prediction.thresholds[k])
    if not is_called(p, th):      # as shipped: on fold 9, 18 of 29 PACE records, 1 of 2154 others
        return None
    quality = getattr(prediction, "quality", None)
    codes = set(getattr(quality, "codes", ()) or ())
    if SPIKE_FINDING in codes:
        return None
    if quality is None:
        spikes = "pacemaker spikes not checked"
    elif "pacing_unchecked" in codes:
        spikes = f"pacemaker spikes not checked at {getattr(quality, 'fs', 0.0):g} Hz"
    elif "pacing_spikes" in codes:
        spikes = "pacing-like spikes before a few beats only"
    else:
        spikes = "pacemaker spikes not detected"
    # here, not at the top: the quality package imports scipy, and the review session stays light
    # before a model is loaded (test_review_session); a prediction to read means it is loaded already
    from mirage_model.quality import Finding

    return Finding(FINDING, f"paced rhythm (statements model, P={p:.2f}; {spikes})", "critical", (),
                   f"{PACE} {p:.2f} >= its threshold {th:.2f}")


def withhold_paced(prediction, statements=None):
    """(prediction, statements) with the rule applied: when the statements model's prediction
    (``statements``; None: ``prediction`` itself, for a model that carries PACE) calls a paced rhythm
    that the quality check did not find (:func:`paced_by_model`), both predictions come back with
    that finding in their quality reports and their calls withheld with the report's reason
    (``positive`` empty, ``model_positive`` and the probabilities as they were); otherwise both as
    given. Applying it again changes nothing.

    Args:
        prediction: the loaded model's ``inference.Prediction`` (None: not scored).
        statements: the statements model's prediction of the same record (None: none ran).
    """
    source = statements if statements is not None else prediction
    finding = paced_by_model(source) if source is not None else None
    if finding is None:
        return prediction, statements
    return _withheld(prediction, finding), _withheld(statements, finding)


def _withheld(prediction, finding):
    """``prediction`` with ``finding`` in its quality report and its calls withheld, as
    ``inference.Predictor`` withholds them on a gated report (None stays None)."""
    if prediction is None:
        return None
    quality = getattr(prediction, "quality", None)
    if quality is not None:
        if quality.has(finding.code):
            return prediction
        # its words say the spikes were not checked at this rate ("pacemaker spikes not checked at 100 Hz"): the
        # info finding that says so too is left out, so a warnings column says it once
        told = quality.has("pacing_unchecked") and "not checked at" in finding.name
        quality = (quality.without("pacing_unchecked") if told else quality).with_finding(finding)
        reason = quality.reason
    else:
        reason = finding.name
    withheld = reason if prediction.model_positive else ""
    return replace(prediction, quality=quality, withheld=withheld,
                   positive=() if withheld else prediction.positive)
