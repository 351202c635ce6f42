"""The interval measurement table with the reviewer's corrections (one table for app, PDF and CSV).

``measurement_rows`` applies the reviewer's edits to the automatic measurements
(``mirage_model.measure``) and recomputes what follows from them: RR from an edited heart rate
(RR = 60000 / HR) and each QTc with its own formula (Bazett QT / sqrt(RR), Fridericia
QT / cbrt(RR); Framingham QT + 154 ms (1 - RR); ``measure.qtc_*``) from the reviewed QT and RR.

The modules, one job each: ``edits`` (the reviewer's corrections checked), ``ranges`` (the reference ranges, adults'
and a child's, and the flag a value gets), ``doubts`` (what puts a value in doubt, in words) and ``table``
(``measurement_rows``, ``why_unmeasured``, ``doubt_text``). Every name is importable from here.
"""

from mirage_model.review.measurements.doubts import (AMPLITUDE_DOUBT, ATRIAL_KEYS, AXES_SCALED, AXIS_KEYS, DOUBT_MARK,
                                                     MAINS_LEFT, MAINS_LEFT_KEYS, NOT_APPLICABLE, PACED_PR,
                                                     SCALED_VOLTAGES_WHY, UNRELIABLE, amplitude_doubt,
                                                     amplitudes_not_in_mv, atrial_doubt, atrial_reason, atrial_rhythm,
                                                     finding, mains_left_doubt, measurement_notes, paced_doubt,
                                                     qt_doubt, qtc_doubts, unsaid_notes)
from mirage_model.review.measurements.edits import EDIT_LIMITS, check_edit, clean_edits
from mirage_model.review.measurements.ranges import (ADULT_UPPER_KEPT, CHILD_BAZETT, CHILD_RATE_BPM, CORNELL_MV,
                                                     FLEMING, HANCOCK, INFANT_BELOW_Y, LOW_LIMB_MV, LOW_PRECORDIAL_MV,
                                                     LOW_VOLTAGE_SOURCE, PAEDIATRIC_BELOW_Y, PHAN, QTC_CHILD,
                                                     QTC_INFANT, QTC_LIMITS, QTC_SHORT, REFERENCE_RANGES, SCALED,
                                                     SOKOLOW_LYON_MV, VOLTAGE_CHILD, VOLTAGE_RANGES, VOLTAGE_SCALED,
                                                     WENNING, ReferenceRange, age_note, child_rate_limits, clean_age,
                                                     flag, is_paediatric, outside_range, reference_range)
from mirage_model.review.measurements.table import doubt_text, measurement_rows, short_labels, why_unmeasured
from mirage_model.words import shown  # noqa: F401 (its home was here; callers import it from here)

__all__ = ["ADULT_UPPER_KEPT", "AMPLITUDE_DOUBT", "ATRIAL_KEYS", "AXES_SCALED", "AXIS_KEYS", "CHILD_BAZETT",
           "CHILD_RATE_BPM", "CORNELL_MV", "DOUBT_MARK", "EDIT_LIMITS", "FLEMING", "HANCOCK", "INFANT_BELOW_Y",
           "LOW_LIMB_MV", "LOW_PRECORDIAL_MV", "LOW_VOLTAGE_SOURCE", "MAINS_LEFT", "MAINS_LEFT_KEYS", "NOT_APPLICABLE",
           "PACED_PR", "PAEDIATRIC_BELOW_Y", "PHAN", "QTC_CHILD", "QTC_INFANT", "QTC_LIMITS", "QTC_SHORT",
           "REFERENCE_RANGES", "SCALED", "SCALED_VOLTAGES_WHY", "SOKOLOW_LYON_MV", "UNRELIABLE", "VOLTAGE_CHILD",
           "VOLTAGE_RANGES", "VOLTAGE_SCALED", "WENNING", "ReferenceRange", "age_note", "amplitude_doubt",
           "amplitudes_not_in_mv", "atrial_doubt", "atrial_reason", "atrial_rhythm", "check_edit", "child_rate_limits",
           "clean_age", "clean_edits", "doubt_text", "finding", "flag", "is_paediatric", "mains_left_doubt",
           "measurement_notes", "measurement_rows", "outside_range", "paced_doubt", "qt_doubt", "qtc_doubts",
           "reference_range",
           "short_labels", "shown", "unsaid_notes", "why_unmeasured"]
