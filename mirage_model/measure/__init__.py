"""ECG interval measurements: HR, RR, PR, QRS, QT, QTc (Bazett, Fridericia, Framingham), frontal
axes, fiducials.

Method: every lead of a representative (median) beat is delineated on its own, as a cardiologist
reads each lead, and each global interval is the median over the leads of that lead's interval,
so that no single lead's outlier moves it; three constants calibrate the result to the LUDB
cardiologists' per-lead readings (fitted on LUDB records 1-50 only).

0. Gaps: when fewer than half the independent leads are complete (a dropout in most leads), the
   record is measured on its longest stretch where every present lead (finite on at least half its
   samples) is finite, if that stretch lasts at least 2.5 s (``gaps.finite_stretch``); the
   indices are the record's and a note names the stretch. Otherwise the leads with gaps are left
   out (step 1) and the whole record is measured on the others.
   Rate: records sampled below ``min_native_fs`` (250 Hz; PTB-XL's 100 Hz records) are resampled
   to ``work_fs`` (500 Hz, ``scipy.signal.resample_poly`` per lead) and delineated there; the
   fiducials are mapped back to the record's sample indices.
1. Conditioning: first, at the record's own rate, the mains lines each lead carries (50/60 Hz and
   their harmonics, ``preprocess.mains_lines``) are subtracted by ``preprocess.remove_mains`` with
   ``only_present`` (``MeasureConfig.mains_hz``; a lead without a line is left as it was, and a 100 Hz
   record has none below Nyquist): the band-pass below keeps 50 and 60 Hz, and their slope in the QRS
   velocity had left most LUDB records with 0.1 mV of either unmeasured. Then every lead is band-passed
   0.5-100 Hz (zero-phase Butterworth; the upper edge is lowered to 0.4 fs for low sampling rates).
   Leads that are flat, contain NaN (after step 0) or are flagged ``flat`` in ``record.quality`` are
   left out.
2. QRS detection (``beats``): neurokit2's ``ecg_findpeaks`` (method "neurokit", Makowski et al.
   2021) on the spatial magnitude of the independent leads (I, II, V1-V6, 5-30 Hz). Each beat is
   anchored at the maximum of that magnitude. A detection that is small in that band (< 0.7 of
   the typical QRS), 200-450 ms after the previous QRS and nearer to it than to the next one is a
   tall T wave and is dropped: a T wave is never counted as a beat.
3. Dominant beats: beats whose QRS (-80 ms to +100 ms around the anchor, all independent leads)
   correlates at least 0.9 with the median QRS form of the largest class of alike beats.
   Ectopic and noisy beats are left out of the median beat; all beats count for the heart rate.
   Fewer than 3 alike beats (or under 40 % of the detected ones): noise, no values at all.
4. Median beat per lead (sample-wise median of the dominant beats, -450 ms to +750 ms; kept with
   its fiducials as ``Measurements.median``, a ``MedianBeat``).
   Pacemaker spikes on it (raw spatial slope ``spike_ratio`` times the 40 Hz one, narrower than
   ``spike_max_s``) are bridged: the QRS starts after the spike, as cardiologists read it.
5. Boundaries (``delineate``), on each usable lead's median beat, and spatially (all leads):
   - QRS onset/offset: velocity (Gaussian derivative, -3 dB at 40 Hz; spatially
     ``sqrt(sum_l (dx_l/dt)^2)``). Walk out from the steep part of the QRS to where it stays
     below 5 % of its maximum, then take the knee of the log velocity between that crossing and
     the quietest sample beyond it; finally move each bound inwards (at most 12 ms) where a
     sharper (100 Hz) velocity is still quiet.
   - T offset: trapezium-area method (Vazquez-Seisdedos et al., BioMed Eng OnLine 2011) on the
     spatial magnitude of the baseline-corrected ST-T (smoothed, -3 dB at 10 Hz), which decides
     whether there is a T wave, then on each lead (its T upright or inverted).
   - P wave: the largest spatial deflection in the 330 ms before the QRS (and after the previous
     T wave); onset/offset at the knees of its log velocity (40 Hz). A P wave is accepted only
     if its largest deflection is at least ``p_min_amplitude_mv`` and it repeats beat to beat
     (median correlation of each beat's P segment with the median P >= ``p_corr_min``);
     otherwise PR and the P axis are None (atrial fibrillation, flutter, paced or junctional
     rhythm, noise). Each lead's P onset is then sought near the spatial one.
   By default (``MeasureConfig.delineator`` = "unet") the per-lead boundaries come from a small
   learned U-Net instead (``learned``; trained on LUDB 1-42, epoch chosen on 43-50; the rules
   take over, with a note, without torch or weights); "rules" keeps the rules' boundaries,
   "combined" takes their mean. The P and T presence decisions are always the rules'
   (docs/measurements.md compares the delineators).
6. Intervals: per lead, PR = its QRS onset - its P onset, QRS = its offset - onset, QT = its
   T offset - its QRS onset; the global value is the median over the leads that have it (at
   least ``min_leads``; else the spatial boundaries), plus ``pr_bias_ms`` / ``qrs_bias_ms`` /
   ``qt_bias_ms``. The global fiducials are the median QRS onset and the others placed from it
   by those intervals. ``MeasureConfig(intervals="global")`` (``combine``) takes them instead as carts and
   IEC 60601-2-25 do, from the earliest onset to the latest offset over the leads (the ``global_rank``-th:
   2, so one lead cannot stretch them), calibrated by ``global_bias_ms``; not the default, as it read
   PTB-XL's normal QRS long (docs/measurements.md). ``Measurements.lead_median_ms`` keeps the median over
   the leads either way. RR = mean RR of all detected beats, HR = 60000 / RR; ``rr_cv`` and
   ``rhythm_irregular`` (RR coefficient of variation > ``qtc_rr_cv_max``, 0.15) say whether the
   rhythm is irregular (with a note). QTc: Bazett QT / sqrt(RR s), Fridericia QT / cbrt(RR s),
   Framingham QT + 154 ms (1 - RR s). QTc is reported whenever QT is, with a note that it is
   unreliable when the rhythm is irregular, below ``qtc_hr_min`` (50 bpm) and, for Bazett, above
   ``qtc_bazett_hr_max`` (120 bpm). The T end of leads II and V5 is read again by the tangent method
   (``tangent``); where it and the delineator's differ by more than ``t_end_disagree_ms`` (40 ms) the QT
   keeps its value and a note calls it unreliable (``QT_UNRELIABLE_NOTE``).
7. Frontal axes: the net area of leads I and aVF over each wave (P, QRS, T) on the median beat
   (baseline: the PR segment).
   With the Einthoven/Goldberger geometry a frontal vector of angle a and size M projects as
   I = M cos a and aVF = (sqrt(3)/2) M sin a, so a = atan2(2 aVF / sqrt(3), I), in degrees in
   (-180, 180]. None when the net vector is too small to have a direction.
8. Per-lead fiducials for display (skipped with ``fiducials=False``; nothing else changes): each
   lead's boundaries from step 5 mapped back to every dominant beat (NaN for the others); the R
   peak is the largest deflection of the lead inside the global QRS of each beat (the S nadir in
   a QS lead). ``global_fiducials["r_peak"]`` is each beat's anchor.

9. Atrial activity (``atrial``), at the record's own rate: leads II, III, aVF and V1 with every QRS
   blanked, the largest spectral peak at a flutter rate (3.5-6 Hz) and the share of the 3-12 Hz
   power at it and its harmonic (``Measurements.atrial``; flutter waves vs fibrillation, decided by
   ``review.interpret``); and how well what is left between the complexes once the median QRS-T is
   subtracted repeats at a P-P interval of its own (``AtrialActivity.periodicity``: P waves of
   complete AV block, dissociated from the QRS, vs fibrillatory waves or none).
10. QRS voltage (``voltage``), on the median beat: each lead's R and S against the PR-segment level, the
   Sokolow-Lyon index (SV1 + max(RV5, RV6)), the Cornell voltage (RaVL + SV3) and the largest peak-to-peak
   QRS of the limb and of the precordial leads (mV; low voltage below 0.5 and 1.0 mV in every lead).

11. P waves beat by beat (``p_waves``): the median beat's P wave, where it has one, slid over the record once each
   dominant beat's median QRS-T is subtracted; every place it matches (correlation 0.8 or more at a like size) is a P
   wave, conducted (the last before a QRS) or not (the next P wave comes first): ``Measurements.p_waves``, the P rate
   apart from the QRS rate (second-degree AV block and AV dissociation, decided by ``review.interpret``). Where the
   median beat has no P wave (P waves marching through the QRS-T at their own rate blur away on it), the template is
   sought in the record itself, in II and V1 (``p_template``: the residue's autocorrelation at a steady atrial cycle
   apart from most RR intervals, the residue folded at it), and its P waves kept only where they march regularly
   (at most 1 in 5 matches off the march or P waves missing where no QRS hides them).

Accuracy against the LUDB cardiologists' annotations and speed: docs/measurements.md
(``scripts/eval_ludb.py``). Values are None where they cannot be measured; the reason is in
``Measurements.notes``. Research use only, not a diagnosis.
"""

from mirage_model.measure.atrial import AtrialActivity, atrial_activity
from mirage_model.measure.formulas import (
    frontal_axis_deg, qtc_bazett, qtc_framingham, qtc_fridericia, rr_successive_variation, rr_variation,
)
from mirage_model.measure.median_beat import QT_UNRELIABLE_NOTE
from mirage_model.measure.pipeline import BAZETT_FAST_NOTE, QTC_UNRELIABLE_NOTE, measure
from mirage_model.measure.results import (
    FIDUCIAL_KEYS, METHOD_NAME, QTC_KEYS, SCALAR_FIELDS, SCALAR_KEYS, LeadFiducials, MeasureConfig,
    Measurements, MedianBeat, ScalarField, empty_measurements,
)
from mirage_model.measure.voltage import VOLTAGE_KEYS, QrsVoltage, qrs_voltage

__all__ = [
    "AtrialActivity", "BAZETT_FAST_NOTE", "FIDUCIAL_KEYS", "METHOD_NAME", "QTC_KEYS", "QTC_UNRELIABLE_NOTE",
    "QT_UNRELIABLE_NOTE", "SCALAR_FIELDS", "SCALAR_KEYS", "LeadFiducials", "MeasureConfig", "Measurements",
    "MedianBeat", "QrsVoltage", "ScalarField", "VOLTAGE_KEYS",
    "atrial_activity", "empty_measurements", "frontal_axis_deg", "measure", "qtc_bazett", "qtc_framingham",
    "qtc_fridericia", "qrs_voltage", "rr_successive_variation", "rr_variation",
]
