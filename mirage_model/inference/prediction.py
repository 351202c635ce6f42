"""The model's output for one record (``Prediction``), as ``Predictor.predict`` makes it.

Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mirage_model.explain import Explanation


@dataclass(frozen=True)
class Prediction:
    """The model's output for one record.

    Attributes:
        labels: the K class names, in the model's order.
        probabilities: float32 (K,) mean over the record's windows, those of ``windows_left_out``
            excepted (sigmoid for multi-label checkpoints, softmax for multi-class ones: then they
            sum to 1).
        thresholds: float32 (K,) the checkpoint's decision thresholds.
        positive: the labels called (``outputs.is_called``: probability >= threshold and >= 20 %), in
            label order; empty when the quality gate withholds them (see ``withheld``).
        model_name: the checkpoint's name.
        timings: seconds per stage: "load" (when a path was given), "preprocess" (filter, resample,
            normalise, window and render: ``model_inputs``), "predict", "explain", "total".
            predict_batch reports each record's share of the batched forward as "predict"; for an
            explained one-window record "predict" is the explanation pass's forward.
        explanation: for the explained window (see module docstring), or None. Its ``image`` is
            that window's model image exactly as the model saw it (the checkpoint's preprocessing
            and rendering), so the report and the app draw the saliency over the right pixels.
        window_probabilities: float32 (W, K) per window.
        quality: the record's ``quality.QualityReport`` (None when the Predictor was made with
            ``quality=False``).
        model_positive: the labels the model calls (``outputs.is_called``), before the quality gate.
        windows_left_out: indices of the windows not in ``probabilities`` (still in
            ``window_probabilities``): those overlapping a large artefact of the first minute and
            those past it whose own quality is not usable; the quality report names them.
        windows_left_out_why: why in a few words ("overlapping a large artefact", "with signal not
            usable after the first 60 s", or both); "" when none was left out.
        withheld: why ``positive`` is empty although ``model_positive`` is not: the quality gate's
            reason (poor signal, or a record the model was not trained for: paced rhythm, a lead
            missing, electrode reversal); "" when the calls stand. The probabilities are kept.
        clinical_used: {"used": {name: value}, "ignored": {name: value}, "missing": [name], "held": {name:
            words}}: which given values the model read, which it does not use, which of its features were
            absent, and which values lay outside its training data's range and were read at its edge.
        measured_labels: the labels whose probability the checkpoint's measured-rhythm stage set from
            the model's probability and the record's measured rhythm (``stacking``; the window
            probabilities stay the model's); () without a stage or when the rhythm could not be
            measured (then ``measured_note`` says so).
        measured_note: why a checkpoint with a measured-rhythm stage left it out for this record, or "".
        noise_doubted: the labels, called or not, whose probability lies within the checkpoint's spread under
            noise of its threshold (``noise_spread.NoiseSpread.marked``) at the record's noise load, where that
            load is at the warning level (``QualityConfig.noise_calls_mv`` to ``noise_withhold_mv``: the calls
            stand, "may change"); () below it, at or above it (withheld), or where the checkpoint has no noise
            spread.
        ptbxl_labels: whether the labels are PTB-XL's classes, named in its words ("MI": myocardial infarction,
            ``review.labels``): a checkpoint trained on PTB-XL, or one whose provenance names no data. False for
            a model trained on other data: a researcher's "MI" is shown as "MI", whatever it means to them.
        calibration_support: label -> (positive records, AUROC or None, whether a map was fitted) on the split the
            checkpoint's calibration was fitted on (``calibration.label_support``), for the interpretation's
            confidence word; {} where its config.json does not say.
        label_descriptions: label -> the words the model's training data gave it ("QAb": "Q wave abnormal", a
            Challenge label map's), shown as "Q wave abnormal (QAb)" (``review.labels.label_name``); {} where the
            checkpoint records none.
        calibrated: whether the checkpoint's probabilities went through a fitted calibration (``mirage calibrate``);
            False for one without (a first ``mirage train`` run): its 52 % is the network's score, no likelihood,
            and the interpretation gives it no confidence word (``interpret.statements.UNCALIBRATED``).
        unmeasured_thresholds: label -> "positives" or "negatives": the labels whose threshold is training's 0.5
            fallback, never measured, the split it was chosen on holding no positive (or no negative) record of
            them (``outputs.unmeasured_thresholds``); a call of one is kept and marked "(?)"
            (``interpret.doubted_calls``). {} where the checkpoint's metrics do not say.
        in_training: "train" or "val" where the record is one the model was trained on or selected and calibrated
            on (its files' fingerprint among those its checkpoint keeps: ``records.fingerprint``), so its
            probabilities are optimistic; "" where not, or where the checkpoint keeps none (one trained before
            they were kept).
    """

    labels: tuple[str, ...]
    probabilities: np.ndarray          # (K,) aggregated over windows (mean)
    thresholds: np.ndarray             # (K,)
    positive: tuple[str, ...]          # labels called: >= threshold and >= outputs.MIN_CALLED_P
    model_name: str
    timings: dict = field(default_factory=dict)    # seconds: load, preprocess (incl. render), predict, explain, total
    explanation: Explanation | None = None
    window_probabilities: np.ndarray | None = None  # (W, K)
    clinical_used: dict = field(default_factory=dict)
    window_starts_s: np.ndarray | None = None      # (W,) start of each window in the record (s)
    record_id: str = ""
    quality: object = None                         # quality.QualityReport
    model_positive: tuple[str, ...] = ()
    withheld: str = ""
    windows_left_out: tuple[int, ...] = ()          # windows not in ``probabilities`` (poor quality)
    windows_left_out_why: str = ""                  # why, e.g. "overlapping a large artefact"
    measured_labels: tuple[str, ...] = ()           # set by the measured-rhythm stage (stacking)
    measured_note: str = ""
    noise_doubted: tuple[str, ...] = ()             # within the noise's spread of their threshold (noise_spread)
    ptbxl_labels: bool = True                       # labels named in PTB-XL's words (False: trained on other data)
    calibration_support: dict = field(default_factory=dict)   # label -> (positives, AUROC, fitted) where calibrated
    label_descriptions: dict = field(default_factory=dict)    # label -> its training data's words, where recorded
    calibrated: bool = True                         # False: the checkpoint has no calibration (scores, no likelihoods)
    unmeasured_thresholds: dict = field(default_factory=dict)  # label -> "positives"/"negatives": 0.5 fallbacks
    in_training: str = ""                           # "train"/"val": a record the model was trained/selected on

    @property
    def gated(self) -> bool:
        """True when the quality gate withholds the positive calls."""
        return bool(self.withheld)

    @property
    def top_label(self) -> str:
        """The most probable label."""
        return self.labels[int(np.argmax(self.probabilities))]
