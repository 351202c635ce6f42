"""Signal quality per lead and per record, lead-set consistency, electrode reversal and pacing.

``assess(record) -> QualityReport``: findings (name, severity, leads, machine code), per-lead
quality indices and a record verdict ("usable", "unreliable", "unscorable"), with the "not trained
for" gate (paced rhythm, a lead missing or flat, an electrode reversal suspected, poor quality):
a caller shows the model's probabilities but withholds or marks its positive calls whenever
``report.gated`` is true. Qt-free; about 25 ms for a 10 s, 500 Hz record.

Indices and rules, each from the literature:
- kSQI (Pearson kurtosis), pSQI (power share 5-15 Hz of 5-40 Hz) and basSQI (1 - power share
  0-1 Hz of 0-40 Hz) with the fusion rule of Zhao & Zhang 2018, "SQI quality evaluation mechanism
  of single-lead ECG signal based on simple heuristic fusion and fuzzy comprehensive evaluation"
  (Front. Physiol. 9:727), as NeuroKit2's ``ecg_quality(method="zhao2018")`` computes them.
- bSQI-like beat-to-beat correlation: each beat against the lead's median beat (Orphanidou et al.
  2015, "Signal-quality indices for the electrocardiogram and photoplethysmogram", IEEE JBHI 19(3);
  NeuroKit2's "averageQRS"), and high-frequency noise in mV from the signal's first difference
  outside the QRS complexes (a MAD estimate, as in wavelet denoising's noise level).
- Einthoven's law (I + III = II) and Goldberger's definitions (aVR = -(I + II)/2, aVL = I - II/2,
  aVF = II - I/2): each identity's residual relative to the limb leads' size names the lead that
  breaks them.
- Electrode reversal (Batchvarov et al. 2007, Europace 9(7); Kors & van Herpen 2001, "Accurate
  automatic detection of electrode interchange in the electrocardiogram", Am J Cardiol 88): a
  multinomial logistic regression over median-beat features (polarity of P, QRS and T per lead,
  limb-to-precordial correlations, the precordial R-wave progression) says which swap, if any, a
  record was made with; trained on PTB-XL folds 1-8 with every limb and adjacent precordial swap
  applied synthetically, thresholds chosen on fold 9 (weights: resources/quality/reversal.json,
  JSON, built by scripts/train_reversal_detector.py). Neutral-electrode swaps (RA/RL, LA/RL) by the flat lead II
  or III they leave while I = -III or I = II holds.
- Every lead inverted in the signal under positive gains (samples stored negated, ``polarity``): the QRS of I,
  II, V5 and V6 down and of aVR and V1 up on the median beat, with the T waves; no heart gives it.
- Pacing spikes (where fs >= 500 Hz): narrow (< 2 ms) deflections seen at the same instant in
  several leads, repeating, each followed by a QRS complex.
- Isolated spikes no heart gives (``spikes``): one sample or a few, 15 mV and 5 times the lead's own range off its
  running median over 10 ms on either side, two samples at least (20 ms at 100 Hz), and back (a flipped byte),
  named with lead and time; critical with its span (the model's windows with one are left out); the measurement
  and the other checks read the record with them bridged (said once), and the pacing detector does not read one
  lead's (a stored lead's with the limb leads derived from it). Samples past the impossible values' 50 mV are read
  so too, said by that finding alone.
- Mains interference (50/60 Hz, also at exactly Nyquist), and the part of it the measurement cannot subtract
  (``indices.mains_left``: the intervals and the calls would be read through it, so they are withheld),
  high-frequency (muscle) noise (and, from the root sum of squares of the noisy leads' noise at which added noise
  changed the default model's calls on PTB-XL folds 1-8, that the calls may change with it, or are withheld), flat,
  missing and saturated leads.
- Records that lie about themselves (``consistency``): a lead's level that jumps and stays, a lead's
  gain switched mid-record, leads shifted in time against each other (sequential acquisition shown
  as simultaneous; a chest lead from 20 ms, by how the other leads predict it), a signal that
  repeats itself to the sample (a simulator), every lead constant for part of the record, beats too
  small or too tall in every lead for a heart (units or gain), or (``gain``) a record whose QRS, P waves
  and noise floor are all several times their usual size (a wrong gain, where a hypertrophy's QRS alone is).
- A calibration pulse written into the samples (a 1 mV, 200 ms square step in every lead at once, at the
  start or end): named, and taken off the signal the check and the model read (found once per record).
"""

from mirage_model.quality.assess import assess
from mirage_model.quality.beats import detected_rate_bpm, record_median_beat
from mirage_model.quality.electrode_off import electrode_off_leads, record_electrode_off
from mirage_model.quality.pulse import calibration_pulse_finding, calibration_pulse_step, pulse_in, without_step
from mirage_model.quality.consistency import (baseline_steps, beat_height, block_lag, calibration_pulse,
                                              chest_lead_lags, flat_seconds, gain_changes, lead_lags, repeat_residual)
from mirage_model.quality.findings import (CHEST, LIMB, NOT_ASSESSED, NOT_TRAINED_FOR, SEVERITIES, VERDICTS,
                                           AssessmentError, Finding, QualityConfig, QualityError, QualityReport,
                                           lead_group, leads_text)
from mirage_model.quality.indices import (detect_beats, hf_noise, high_band_ratio, mains_amplitude, mains_left,
                                          median_beats, spectrum, sqi_indices, template_noise)
from mirage_model.quality.pacing import pacing_spikes
from mirage_model.quality.reversal import (CHEST_SWAPS, LIMB_SWAPS, ROTATION_PRIOR, ReversalModel,
                                           default_reversal_path, load_reversal_model, reversal_features)

__all__ = ["AssessmentError", "CHEST", "CHEST_SWAPS", "Finding", "LIMB", "LIMB_SWAPS", "NOT_ASSESSED",
           "NOT_TRAINED_FOR", "QualityConfig", "QualityError", "QualityReport", "ROTATION_PRIOR", "ReversalModel",
           "SEVERITIES", "VERDICTS", "assess", "baseline_steps", "beat_height", "block_lag", "calibration_pulse",
           "calibration_pulse_finding", "calibration_pulse_step", "chest_lead_lags", "default_reversal_path",
           "detect_beats", "detected_rate_bpm", "electrode_off_leads", "flat_seconds", "gain_changes", "hf_noise",
           "high_band_ratio", "lead_group", "lead_lags", "leads_text", "load_reversal_model", "mains_amplitude",
           "mains_left", "median_beats", "pacing_spikes", "pulse_in", "record_electrode_off", "record_median_beat",
           "repeat_residual", "reversal_features", "spectrum", "sqi_indices", "template_noise", "without_step"]
