"""ECG interval measurements: HR, RR, PR, QRS, QT, QTc (Bazett, Fridericia), frontal axes, fiducials.

Method (global measurements on a median beat of the 12 leads, the approach of computerised
electrocardiographs and of the CSE / IEC 60601-2-25 "global interval" definitions):

0. Rate: records sampled below ``min_native_fs`` (250 Hz; PTB-XL's 100 Hz records) are resampled
   to ``work_fs`` (500 Hz, ``scipy.signal.resample_poly`` per lead) and delineated there; the
   fiducials are mapped back to the record's sample indices. (Delineating 10 ms samples directly
   read the QRS ~18 ms long on LUDB decimated to 100 Hz; resampled, +2.5 ms, as at 500 Hz.)
1. Conditioning: every lead is band-passed 0.5-100 Hz (zero-phase Butterworth; the upper edge
   is lowered to 0.4 fs for low sampling rates). Leads that are flat, contain NaN or are flagged
   ``missing``/``flat`` in ``record.quality`` are left out.
2. QRS detection: neurokit2's ``ecg_findpeaks`` (method "neurokit", Makowski et al. 2021) on the
   spatial magnitude of the independent leads (I, II, V1-V6), so no single lead decides. Each
   beat is anchored at the maximum of that magnitude.
3. Dominant beats: beats whose QRS (-80 ms to +100 ms around the anchor, all independent leads)
   correlates at least 0.9 with the median QRS form of the largest class of alike beats.
   Ectopic and noisy beats are left out of the median beat; all beats count for the heart rate.
   Fewer than 3 alike beats (or under 40 % of the detected ones): noise, no values at all.
4. Median beat per lead (sample-wise median of the dominant beats, -450 ms to +750 ms).
5. Global fiducials on the median beat, from the 8 independent leads together:
   - QRS onset/offset: spatial velocity ``sqrt(sum_l (dx_l/dt)^2)`` (Gaussian derivative, -3 dB
     at 40 Hz). Walk out from the steep part of the QRS to where it stays below 5 % of its
     maximum, then take the knee of the log velocity between that crossing and the quietest
     sample beyond it; finally move each bound inwards (at most 12 ms) where a sharper (100 Hz)
     velocity is still quiet, which undoes the smoothing's spread on clean signals. Being
     spatial, the first deflection in any lead starts the QRS and the last one ends it.
   - T offset: trapezium-area method (Vazquez-Seisdedos et al., BioMed Eng OnLine 2011) on the
     spatial magnitude of the baseline-corrected ST-T segment (smoothed, -3 dB at 10 Hz): where
     the T wave of all leads has returned to baseline.
   - P wave: the largest spatial deflection in the 330 ms before the QRS (and after the previous
     T wave); onset/offset at the knees of its log velocity (40 Hz). A P wave is accepted only
     if its largest deflection is at least ``p_min_amplitude_mv`` and it repeats beat to beat
     (median correlation of each beat's P segment with the median P >= ``p_corr_min``);
     otherwise PR and the P axis are None (atrial fibrillation, flutter, paced or junctional
     rhythm, noise).
6. Intervals: PR = QRS onset - P onset, QRS = QRS offset - QRS onset, QT = T offset - QRS onset,
   RR = mean RR of all detected beats, HR = 60000 / RR. QTc: Bazett QT / sqrt(RR s),
   Fridericia QT / cbrt(RR s). QTc is reported whenever QT is, with a note that it is unreliable
   when the rhythm is irregular (RR coefficient of variation > ``qtc_rr_cv_max``, 0.15: atrial
   fibrillation, frequent ectopy) and, for Bazett, above ``qtc_bazett_hr_max`` (120 bpm).
7. Frontal axes: the net area of leads I and aVF over each wave (P, QRS, T) on the median beat
   (baseline: the PR segment).
   With the Einthoven/Goldberger geometry a frontal vector of angle a and size M projects as
   I = M cos a and aVF = (sqrt(3)/2) M sin a, so a = atan2(2 aVF / sqrt(3), I), in degrees in
   (-180, 180]. None when the net vector is too small to have a direction.
8. Per-lead fiducials for display (skipped with ``fiducials=False``; nothing else changes): the
   same rules on each lead's own median beat, mapped back to
   every dominant beat (NaN for the others); the R peak is the largest deflection of the lead
   inside the global QRS of each beat (the S nadir in a QS lead). ``global_fiducials["r_peak"]``
   is each beat's anchor (maximum of the spatial magnitude).

Accuracy against the LUDB cardiologists' annotations and speed: docs/measurements.md
(``scripts/eval_ludb.py``). Values are None where they cannot be measured; the reason is in
``Measurements.notes``. Research use only, not a diagnosis.
"""

from mirage_model.measure.formulas import (
    frontal_axis_deg, qtc_bazett, qtc_framingham, qtc_fridericia, rr_variation,
)
from mirage_model.measure.pipeline import measure
from mirage_model.measure.results import (
    FIDUCIAL_KEYS, METHOD_NAME, SCALAR_KEYS, LeadFiducials, MeasureConfig, Measurements,
    empty_measurements,
)

__all__ = [
    "FIDUCIAL_KEYS", "METHOD_NAME", "SCALAR_KEYS", "LeadFiducials", "MeasureConfig", "Measurements",
    "empty_measurements", "frontal_axis_deg", "measure", "qtc_bazett", "qtc_framingham",
    "qtc_fridericia", "rr_variation",
]
