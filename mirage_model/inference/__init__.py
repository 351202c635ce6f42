"""Inference: ``Predictor(path).predict(record, clinical) -> Prediction``.

One record goes through the one preprocessing path (``preprocess.model_inputs``: band-pass,
resample, instance-normalise, 10 s windows, render) and the model. Records longer than one window
give W windows; the record's probabilities are the mean of the window probabilities (each window
is an equally valid 10 s view of the same ECG; the per-window values are kept in
``Prediction.window_probabilities``). Explanations come from the window with the highest maximum
class probability (the first on ties) and are mapped back onto the record at that window's start:
the saliency in time holds that window's samples only (``Explanation.signal_start`` places them).

The model's forward passes run under ``torch.inference_mode``; only the explanation pass takes
gradients (with respect to the inputs, never the weights). Research use only, not a diagnosis.

One job per module: ``prediction`` (``Prediction``, the output), ``inputs`` (a record prepared for a model:
``record_inputs``, ``assess_record``, ``assess_later_windows``, ``RecordInputs``), ``stage_features`` (what a
measured stage reads of a record), ``aggregate`` (the windows' probabilities -> the record's ``Prediction``) and
``predictor`` (``Predictor``, ``resolve_model_path``). The names below are imported from here.
"""

from mirage_model.inference.inputs import (RecordInputs, assess_later_windows, assess_record, assessed,
                                           calibration_pulse_of, inputs_key, record_inputs, without_calibration_pulse)
from mirage_model.inference.prediction import Prediction
from mirage_model.inference.predictor import ModelNotFoundError, Predictor, resolve_model_path
from mirage_model.inference.stage_features import record_rhythm_features, record_stage_features
# names other modules and the tests have read from here (the one preprocessing path, the quality check's)
from mirage_model.preprocess import PreprocessConfig, model_inputs, windowed_model_inputs
from mirage_model.quality import AssessmentError, assess, calibration_pulse_step
from mirage_model.records import UnscorableRecordError
from mirage_model.render import RenderConfig

__all__ = [
    "ModelNotFoundError", "Prediction", "Predictor", "RecordInputs", "assess_later_windows", "assess_record",
    "assessed", "calibration_pulse_of", "inputs_key", "record_inputs", "record_rhythm_features",
    "record_stage_features", "resolve_model_path", "without_calibration_pulse",
    "AssessmentError", "PreprocessConfig", "RenderConfig", "UnscorableRecordError", "assess",
    "calibration_pulse_step", "model_inputs", "windowed_model_inputs",
]
