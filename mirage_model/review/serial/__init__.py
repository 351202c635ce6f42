"""Serial comparison: this ECG against the same patient's prior one, as GE MUSE and Philips print it
("Compared with the ECG of 2024-03-01: new atrial fibrillation, QRS now 132 ms").

Both sessions are read the one way the app and the PDF read a session: the measurement table with the
reviewer's edits in force (``ReviewSession.measurement_table``), the interpretation's statements
(``interpret.session_interpretation``) and what the files say about the patient (``file_info``).

The modules, one job each: ``changes`` (each measurement's change and the change at which it is said),
``statements`` (what a statement is compared by, and how sure each side is of it), ``left_out`` (what a side
cannot carry, left out of the comparison and said), ``patient`` (the patient, the recording dates, the same
recording) and ``comparison`` (``compare``, ``SerialComparison``). Every name is importable from here.

Research use only, not a diagnosis.
"""

from mirage_model.review.serial.changes import (COMPARED_KEYS, ICH_E14_QTC_MS, THRESHOLDS, MeasurementChange,
                                               measurement_change)
from mirage_model.review.serial.comparison import SerialComparison, compare
from mirage_model.review.serial.patient import (AGE_BACKWARDS_Y, BAD_DATE, DIFFERENT_PATIENTS, DIFFERENT_SEX,
                                               EPOCH_DATE, FUTURE_DATE, LAST_PLACEHOLDER_DATE, NEITHER_IDENTIFIES,
                                               ONE_IDENTIFIES, PLACEHOLDER_DATE, PLACEHOLDER_WORDS, PRIOR_LATER,
                                               PRIOR_OLDER, SAME_ID_CLASH, SAME_RECORDING, SAME_SIGNAL_MV,
                                               UNDATED_WHY, Identity, ecg_label, identity, identity_clash,
                                               patient_identity, placeholder_identity, recorded_at, recording_time,
                                               same_identity, same_patient, same_recording)
from mirage_model.review.serial.left_out import (_RULE_KEYS, AMPLITUDE_DOUBT, AXIS_KEYS, INTERVAL_KEYS, LIMB_LEADS,
                                                LIMB_REVERSAL, PACED, PACED_KEYS, VOLTAGE_RULES, said_once)
from mirage_model.review.serial.statements import NEAR_THRESHOLD, plain_words, statement_key

__all__ = ["AGE_BACKWARDS_Y", "AMPLITUDE_DOUBT", "AXIS_KEYS", "BAD_DATE", "COMPARED_KEYS", "DIFFERENT_PATIENTS",
           "DIFFERENT_SEX", "EPOCH_DATE", "FUTURE_DATE", "ICH_E14_QTC_MS", "INTERVAL_KEYS", "Identity",
           "LAST_PLACEHOLDER_DATE", "LIMB_LEADS", "LIMB_REVERSAL", "MeasurementChange", "NEAR_THRESHOLD",
           "NEITHER_IDENTIFIES", "ONE_IDENTIFIES", "PACED", "PACED_KEYS", "PLACEHOLDER_DATE", "PLACEHOLDER_WORDS",
           "PRIOR_LATER", "PRIOR_OLDER", "SAME_ID_CLASH", "SAME_RECORDING", "SAME_SIGNAL_MV", "SerialComparison",
           "THRESHOLDS", "UNDATED_WHY", "VOLTAGE_RULES", "_RULE_KEYS", "compare", "ecg_label", "identity",
           "identity_clash", "measurement_change", "patient_identity", "placeholder_identity", "plain_words",
           "recorded_at", "recording_time", "said_once", "same_identity", "same_patient", "same_recording",
           "statement_key"]
