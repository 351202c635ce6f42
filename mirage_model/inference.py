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
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch

from mirage_model.averaging import average_copies, noisy_copies
from mirage_model.calibration import label_support
from mirage_model.checkpoint import CheckpointError, load_checkpoint
from mirage_model.checkpoint.format import trained_on_ptbxl
from mirage_model.clinical import KNOWN_FEATURES, ClinicalError
from mirage_model.explain import Explanation, explain_window
from mirage_model.limits import HEAD_S, WINDOWED_MIN_SAMPLES, record_head, record_unscorable
from mirage_model.measure import measure
from mirage_model.models import reads_image
from mirage_model.outputs import is_called, probabilities
from mirage_model.paths import default_model_path, missing_model_text, resources_dir, shipped_models
from mirage_model.preprocess import PreprocessConfig, model_inputs, windowed_model_inputs
from mirage_model.quality import (AssessmentError, Finding, QualityConfig, assess, calibration_pulse_finding,
                                  calibration_pulse_step, pulse_in, without_step)
from mirage_model.records import STANDARD_LEADS, UnscorableRecordError, load_record
from mirage_model.render import RenderConfig, make_layout
from mirage_model.runtime import resolve_device, set_threads
from mirage_model.measure.features import FEATURE_FS, at_feature_rate
from mirage_model.measure.pipeline import MIN_FS
from mirage_model.stacking import KINDS, MIN_BEATS, TREE_KINDS

log = logging.getLogger(__name__)


class ModelNotFoundError(CheckpointError):
    """No checkpoint where one was asked for (or no default model ships). ``str()`` says what to do."""


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
        calibration_support: label -> (positive records, AUROC or None) on the split the checkpoint's calibration was
            fitted on (``calibration.label_support``), for the interpretation's confidence word; {} where its
            config.json does not say.
        label_descriptions: label -> the words the model's training data gave it ("QAb": "Q wave abnormal", a
            Challenge label map's), shown as "Q wave abnormal (QAb)" (``review.labels.label_name``); {} where the
            checkpoint records none.
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
    calibration_support: dict = field(default_factory=dict)   # label -> (positives, AUROC) where calibrated
    label_descriptions: dict = field(default_factory=dict)    # label -> its training data's words, where recorded

    @property
    def gated(self) -> bool:
        """True when the quality gate withholds the positive calls."""
        return bool(self.withheld)

    @property
    def top_label(self) -> str:
        """The most probable label."""
        return self.labels[int(np.argmax(self.probabilities))]


def _assess(record, part, window_s: float, pulse):
    """``quality.assess`` of ``part`` (a stretch of ``record``) with the calibration pulse ``pulse`` found in it
    (``pulse_in``); whatever it raises comes as an ``AssessmentError`` naming ``record``'s file: a record
    without a verdict is never scored."""
    try:
        return assess(part, QualityConfig(window_s=float(window_s)), pulse=pulse)
    except Exception as err:  # noqa: BLE001 - any failure leaves the record without a verdict
        raise AssessmentError.of(record, err) from err


def assess_record(record, window_s: float = QualityConfig.window_s, pulse="search"):
    """``quality.assess`` of the record's first minute (``limits.record_head``) -> QualityReport;
    ``window_s``: the input length of the model that scores it (a shorter record is a finding);
    ``pulse``: the record's calibration pulse (``calibration_pulse_of``), found already, or "search".

    Raises:
        AssessmentError: the assessment failed (a RecordError naming the file: "signal quality not
            assessed: ..."); the gate cannot pass such a record, so it is not scored.
    """
    if isinstance(pulse, str):
        pulse = calibration_pulse_of(record)
    head = record_head(record)
    in_head = pulse_in(pulse, 0.0, head.signal.shape[1] / float(record.fs))
    report = _assess(record, head, window_s, in_head)
    if pulse is not None and in_head is None:   # at the end of a long record: the record's report says so too
        report = report.with_finding(calibration_pulse_finding(pulse))
    return report


def assess_later_windows(record, starts_s, window_s: float, pulse="search") -> tuple:
    """Per model window, ``quality.assess`` of that window's own stretch of the record when it
    reaches past the first minute (which ``assess_record`` covers), else None. A lead that comes
    off, an artefact or noise after the first minute is seen in the windows it spoils. At most
    ``max_windows`` windows are scored (16), so this costs at most about 15 assessments of 10 s.
    ``pulse``: the record's calibration pulse (``calibration_pulse_of``), found already, or "search": each
    window is assessed with the part of it that falls in the window (a window's edges are not the record's
    start or end, where a cart writes one)."""
    fs, n = float(record.fs), record.signal.shape[1]
    if isinstance(pulse, str) and any(start + window_s > HEAD_S + 1e-9 for start in np.asarray(starts_s)):
        pulse = calibration_pulse_of(record)
    out = []
    for start in np.asarray(starts_s, dtype=np.float64):
        if start + window_s <= HEAD_S + 1e-9:
            out.append(None)
            continue
        a, b = int(round(start * fs)), min(n, int(round((start + window_s) * fs)))
        out.append(_assess(record, dataclasses.replace(record, signal=record.signal[:, a:b]), window_s,
                           pulse_in(pulse, a / fs, b / fs)))
    return tuple(out)


def record_rhythm_features(record, measurements=None, kind: str = "rhythm"):
    """The features a measured stage of ``kind`` reads (``stacking.KINDS``: "rhythm",
    ``stacking.rhythm_features``; "trees", ``measure.features.record_features``; "trees2",
    ``record_shape_features``) of the record's
    first minute (``limits.record_head``) measured without fiducials, as ``mirage score`` measures
    it, or of ``measurements`` already made that way: float64 (F,), or None with too few beats.
    A tree stage's features are measured at ``measure.features.FEATURE_FS`` (the record resampled
    to 100 Hz; ``measurements`` of a record at another rate are not used). Raises what
    ``measure.measure`` raises."""
    return record_stage_features(record, measurements, kind)[0]


def record_stage_features(record, measurements=None, kind: str = "rhythm") -> tuple:
    """``record_rhythm_features`` with the reason when there are none: (float64 (F,), "") or (None, why),
    why the measurement's own first note (e.g. "fewer than 2 usable independent leads (flat, missing
    or NaN)") or the beats it lacked."""
    if kind in TREE_KINDS and float(record.fs) != FEATURE_FS:       # measured at the feature rate (100 Hz)
        measurements = None
    if measurements is None:
        head = record_head(record)                               # the first minute, then the feature rate
        measurements = measure(at_feature_rate(head) if kind in TREE_KINDS else head, fiducials=False)
    feats = KINDS[kind][2](measurements)
    if feats is not None:
        return feats, ""
    n = len(getattr(measurements, "beats", ()))
    notes = [t for t in getattr(measurements, "notes", ()) if not t.startswith("sampling rate")]
    need = MIN_BEATS if kind == "rhythm" else 2
    return None, (notes[0] if notes and n < 2 else f"{n} beat{'s' if n != 1 else ''} detected, {need} needed")


@dataclass
class _Prepared:
    record: object            # EcgRecord
    inputs: object            # preprocess.ModelInputs
    x: np.ndarray             # (C,) encoded clinical
    mask: np.ndarray          # (C,)
    clinical_used: dict
    timings: dict
    quality: object = None    # quality.QualityReport
    key: tuple = ()           # (preprocess config, render config, quality on?) of the Predictor that made it
    window_quality: tuple = ()  # per window: its own QualityReport past the first minute, else None
    rhythm: tuple | None = None  # (features (F,) or None, note) for a measured-rhythm stage; None: not measured


def inputs_key(preprocess_cfg, render_cfg, quality: bool) -> tuple:
    """What makes two preparations of a record the same: (PreprocessConfig, RenderConfig, assessed?),
    None configs as the defaults ``model_inputs`` then uses (frozen dataclasses: equal by value)."""
    return (preprocess_cfg if preprocess_cfg is not None else PreprocessConfig(),
            render_cfg if render_cfg is not None else RenderConfig(), bool(quality))


@dataclass(frozen=True)
class RecordInputs:
    """One record preprocessed, rendered and (when asked) assessed, before any clinical value: the
    part of ``Predictor.prepare`` that depends only on the record and the configs in ``key``.

    Made by ``record_inputs``; the app's record-load job makes it for the "What the model sees"
    image and the pacer marks, and ``Predictor.prepare(..., inputs=)`` reuses it when ``record`` is
    the record being scored and ``key`` is the Predictor's (else it prepares the record itself).
    """
    record: object            # the EcgRecord it was made from (reused only for that very object)
    inputs: object            # preprocess.ModelInputs (W windows)
    quality: object           # quality.QualityReport of the first minute, or None (not assessed)
    window_quality: tuple     # per window: its own QualityReport past the first minute, else None
    key: tuple                # inputs_key(preprocess config, render config, assessed?)
    timings: dict             # seconds: "preprocess", "quality" (when assessed)
    # the record's calibration pulse (``calibration_pulse_of``: start s, end s, (12,) step mV) or None: found
    # once, taken off the model's inputs and handed to the quality check (``assessed``)
    pulse: tuple | None = None


def calibration_pulse_of(record) -> tuple[float, float, np.ndarray] | None:
    """The record's calibration pulse (a cart's 1 mV, 200 ms square step in every lead at once, at the record's
    start or end: ``quality.calibration_pulse_step``, which reads a long record's first and last minute) ->
    (start s, end s, (12,) each lead's step in mV), or None without one. ``record_inputs`` finds it once per
    record, for the model's inputs and the quality check (``RecordInputs.pulse``)."""
    return calibration_pulse_step(record.signal, float(record.fs))   # it reads a long record's ends as float64


def without_calibration_pulse(record, pulse="search") -> np.ndarray:
    """The record's (12, T) mV signal with its calibration pulse (``calibration_pulse_of``, or ``pulse`` found
    already) taken off, as the quality check takes it off; the record's own array when it has none (PTB-XL:
    none of 21,799). Left in, the model read it as the heart's: LUDB 1-30 with a pulse at 0.2-0.4 s moved the
    default model's probabilities by up to 0.21 and its positive classes on 4 of 30."""
    found = calibration_pulse_of(record) if isinstance(pulse, str) else pulse
    return record.signal if found is None else without_step(record.signal, float(record.fs), found)


def record_inputs(record, preprocess_cfg=None, render_cfg=None, quality: bool = True) -> RecordInputs:
    """The record's model inputs (``model_inputs``; ``windowed_model_inputs`` past
    ``limits.WINDOWED_MIN_SAMPLES`` samples) and, with ``quality``, its quality reports
    (``assess_record``, ``assess_later_windows``): the one way a record is prepared for a model.

    Args:
        record: an ``EcgRecord``, signal (12, T) mV.
        preprocess_cfg, render_cfg: the model's configs (None: the defaults).
        quality: also assess the record.

    Raises:
        PreprocessError: the signal cannot be preprocessed.
        AssessmentError: with ``quality``, the assessment failed (``assess_record``).
    """
    pcfg = preprocess_cfg if preprocess_cfg is not None else PreprocessConfig()
    t0 = time.perf_counter()
    pulse = calibration_pulse_of(record)
    signal = without_calibration_pulse(record, pulse)
    if signal.shape[1] > WINDOWED_MIN_SAMPLES:   # long record: window by window
        inputs = windowed_model_inputs(signal, record.fs, pcfg, render_cfg)
    else:
        inputs = model_inputs(signal, record.fs, pcfg, render_cfg)
    made = RecordInputs(record, inputs, None, (), inputs_key(pcfg, render_cfg, False),
                        {"preprocess": time.perf_counter() - t0}, pulse)
    return assessed(made) if quality else made


def assessed(made: RecordInputs) -> RecordInputs:
    """``made`` with the record's quality reports (``assess_record`` of the first minute,
    ``assess_later_windows`` of its windows), as ``record_inputs(..., quality=True)`` makes them."""
    if made.key[2]:
        return made
    pcfg, rcfg, _ = made.key
    t0 = time.perf_counter()
    report = assess_record(made.record, pcfg.window_s, made.pulse)
    window_quality = assess_later_windows(made.record, made.inputs.starts_s, pcfg.window_s, made.pulse)
    timings = {**made.timings, "quality": time.perf_counter() - t0}
    return dataclasses.replace(made, quality=report, window_quality=window_quality,
                               key=inputs_key(pcfg, rcfg, True), timings=timings)


def resolve_model_path(path=None) -> Path:
    """The checkpoint to load: ``path``; the name of a shipped model ("default", "mi") when no
    such file or folder exists; or, when None, the shipped default model.

    Raises:
        ModelNotFoundError: no such file/folder or shipped model, or no default model ships.
    """
    if path is None:
        default = default_model_path()
        if default is None:
            raise ModelNotFoundError(
                f"no trained model ships with this installation ({resources_dir() / 'models' / 'default'} "
                "has no config.json); open a checkpoint folder or train one with `mirage train`")
        return default
    path = Path(path)
    problem = missing_model_text(path)
    if problem:
        raise ModelNotFoundError(problem)
    return path if path.exists() else shipped_models()[str(path)]


def _load_record(record, timings: dict):
    if isinstance(record, (str, os.PathLike)):
        t0 = time.perf_counter()
        record = load_record(record)
        timings["load"] = time.perf_counter() - t0
    return record


class Predictor:
    """A loaded model ready to score records. Holds the model; create once, reuse.

    Args:
        path: checkpoint folder or file (None: the shipped default, see ``paths.default_model_path``).
        device: "auto" (CUDA when present, else CPU), "cpu" or "cuda".
        batch_size: windows per forward pass in ``predict_batch``.
        threads: torch intra-op threads (process-wide). None: leave a count that
            ``runtime.set_threads`` already set in this process, else ``MIRAGE_THREADS`` or
            ``default_threads()`` (1 on 2-core machines).

    Raises:
        ModelNotFoundError: no checkpoint at ``path`` / no default model ships.
        CheckpointError: the checkpoint is corrupt or mismatched (message names the file).
    """

    def __init__(self, path=None, device: str = "auto", batch_size: int = 32, threads: int | None = None,
                 quality: bool = True):
        resolved = resolve_model_path(path)
        self.device = str(resolve_device(device))   # "cpu", "cuda", "cuda:1": what the app shows
        set_threads(threads)
        self.assess_quality = bool(quality)
        self._setup(load_checkpoint(resolved, device=self.device), batch_size)

    @classmethod
    def from_loaded(cls, loaded, device: str = "auto", batch_size: int = 32,
                    threads: int | None = None, quality: bool = True) -> "Predictor":
        """Wrap an in-memory ``LoadedModel`` (e.g. a freshly built model for benchmarks)."""
        self = cls.__new__(cls)
        self.assess_quality = bool(quality)
        self.device = str(resolve_device(device))   # "cpu", "cuda", "cuda:1": what the app shows
        set_threads(threads)
        loaded.model.to(self.device)
        self._setup(loaded, batch_size)
        return self

    def _setup(self, loaded, batch_size: int) -> None:
        self.loaded = loaded
        self.model = loaded.model.eval()
        self.model.requires_grad_(False)    # inference only: gradients are taken w.r.t. inputs
        self.model_type = loaded.model_type
        self.task = loaded.task
        self.labels = tuple(loaded.labels)
        k = len(self.labels)
        th = loaded.thresholds if loaded.thresholds is not None and len(loaded.thresholds) else [0.5] * k
        self.thresholds = np.asarray(th, dtype=np.float32).reshape(-1)
        if self.thresholds.shape != (k,):
            raise CheckpointError(f"{loaded.path}: {self.thresholds.size} thresholds for {k} labels")
        self.schema = loaded.schema
        self.preprocess_cfg = loaded.preprocess
        self.render_cfg = loaded.render
        self.name = loaded.name or (Path(loaded.path).name if loaded.path else self.model_type)
        self.ptbxl_labels = trained_on_ptbxl(loaded.provenance) is not False
        self.calibration_support = label_support(loaded.calibration, loaded.metrics, self.labels)
        self.label_descriptions = dict(getattr(loaded, "label_descriptions", None) or {})
        self.batch_size = int(batch_size)
        cfg = getattr(self.model, "config", None)
        self._uses_labs = bool(getattr(cfg, "use_labs", True)) and int(getattr(cfg, "n_clinical", 0) or 0) > 0
        self._n_clinical = len(self.schema.names) if self.schema is not None else 0
        self._layout = None
        self.noise_average = getattr(loaded, "noise_average", None)   # averaging.NoiseAverage (on) or None

    @property
    def clinical_read(self) -> tuple[str, ...]:
        """The clinical features the model reads (its schema's, none when it uses no labs): a bad
        labs value of another feature changes none of its outputs."""
        return tuple(self.schema.names) if self._uses_labs and self.schema is not None else ()

    # -- inputs ------------------------------------------------------------------------------

    def encode_clinical(self, clinical: Mapping[str, object] | None) -> tuple[np.ndarray, np.ndarray, dict]:
        """Encode clinical values with the checkpoint's schema.

        Args:
            clinical: name -> value or (value, unit); None for none.

        Returns:
            x float32 (C,), mask float32 (C,), and the used/ignored/missing report.

        Raises:
            ClinicalError: an impossible value or unknown unit for a feature the model uses, or a
                name that is no known clinical feature (a typo). Known features that the model
                does not use are ignored (reported, never validated).
        """
        clinical = dict(clinical or {})
        names = list(self.schema.names) if self.schema is not None else []
        known = set(KNOWN_FEATURES) | set(names)
        for key in clinical:
            if key not in known:     # a typo must not be dropped silently (as ClinicalSchema.canonical)
                raise ClinicalError(str(key), f"unknown clinical feature (known: {', '.join(sorted(known))})",
                                    "feature")
        used_names = names if self._uses_labs else []
        ignored = {k: v for k, v in clinical.items() if k not in used_names}
        if not self._n_clinical:
            empty = np.zeros(0, dtype=np.float32)
            return empty, empty.copy(), {"used": {}, "ignored": ignored, "missing": []}
        x, mask = self.schema.encode({k: v for k, v in clinical.items() if k in used_names})
        x = np.asarray(x, dtype=np.float32)
        mask = np.asarray(mask, dtype=np.float32)
        # the schema's mask is the one definition of "present" (None, NaN, "", "n/a" ... are missing)
        used = {n: clinical[n] for n, m in zip(names, mask) if m > 0 and n in used_names}
        missing = [n for n, m in zip(names, mask) if m == 0 and n in used_names]
        # values outside the training data's range, held within it (ClinicalFeature.normalise): name -> words
        canonical = self.schema.canonical({k: v for k, v in clinical.items() if k in used})
        held = {n: note for n in used if (note := self.schema[n].training_note(canonical.get(n)))}
        return x, mask, {"used": used, "ignored": ignored, "missing": missing, "held": held}

    @property
    def prepare_key(self) -> tuple:
        """The ``RecordInputs.key`` (and ``_Prepared.key``) of the records this Predictor prepares:
        inputs made with another key are not reused, the record is prepared again."""
        return inputs_key(self.preprocess_cfg, self.render_cfg, self.assess_quality)

    def prepare(self, record, clinical: Mapping[str, object] | None = None, like: _Prepared | None = None,
                measurements=None, inputs: RecordInputs | None = None) -> _Prepared:
        """Load (if a path), preprocess and render one record and encode its clinical values.

        ``like``: the record already prepared by another Predictor (a statements model beside the
        superclass model): its model inputs and quality report are reused when both Predictors
        preprocess, render and assess alike (the shipped models do), so a record is filtered,
        rendered and assessed once; only the clinical values are encoded again, for this model.
        ``measurements``: the record's first minute already measured (``measure.measure``, as
        ``mirage score`` does), for a checkpoint with a measured-rhythm stage; None: it measures.
        ``inputs``: ``record_inputs`` of this very record already made (the app's record-load job),
        reused when made with this Predictor's preprocessing, rendering and assessment
        (``RecordInputs.key``); otherwise the record is prepared again with the model's own.
        """
        if like is not None and like.key == self.prepare_key:
            x, mask, report = self.encode_clinical(clinical)
            timings = {k: v for k, v in like.timings.items() if k in ("load", "preprocess", "quality")}
            prep = _Prepared(like.record, like.inputs, x, mask, report, timings, like.quality, like.key,
                             like.window_quality, like.rhythm)
            self._measure_rhythm(prep, measurements)
            like.rhythm = prep.rhythm     # a third model preparing like it measures nothing again
            return prep
        if like is not None:
            record = like.record
        timings: dict = {}
        record = _load_record(record, timings)
        # never score a record with no usable signal: the model answers zeros with confident findings
        reason = record_unscorable(record)
        if reason:
            raise UnscorableRecordError(getattr(record, "path", None) or record.record_id, reason)
        x, mask, report = self.encode_clinical(clinical)
        made = inputs
        if made is None or made.record is not record or made.key != self.prepare_key:
            made = record_inputs(record, self.preprocess_cfg, self.render_cfg, self.assess_quality)
        timings.update(made.timings)
        prep = _Prepared(record, made.inputs, x, mask, report, timings, made.quality, made.key,
                         made.window_quality)
        self._measure_rhythm(prep, measurements)
        return prep

    def _measure_rhythm(self, prep: _Prepared, measurements=None) -> None:
        """Measure the record's rhythm (first minute, ``measure.measure``; or take ``measurements``)
        into ``prep.rhythm`` when this checkpoint has a measured-rhythm stage and nobody measured it yet."""
        if self.loaded.measured_stack is None or prep.rhythm is not None:
            return
        t0 = time.perf_counter()
        try:
            stack = self.loaded.measured_stack
            feats, why = record_stage_features(prep.record, measurements, stack.kind)
            fs = float(prep.record.fs)
            note = ("" if feats is not None else
                    f"sampling rate {fs:g} Hz is below the {MIN_FS:g} Hz the measurements need" if fs < MIN_FS else why)
        except Exception as err:  # noqa: BLE001 - the model's own probabilities stand
            log.warning("measuring the rhythm of %s failed", getattr(prep.record, "record_id", ""), exc_info=True)
            feats, note = None, f"measuring failed ({type(err).__name__})"
        prep.rhythm = (feats, note)
        prep.timings["measure"] = time.perf_counter() - t0

    def _tensors(self, signal: np.ndarray, image: np.ndarray, x: np.ndarray, mask: np.ndarray):
        """numpy windows -> model tensors: signal (N, L, T), image (N, 1, S, S) in [0, 1], clinical (N, C)."""
        dev = self.device
        sig = torch.from_numpy(np.ascontiguousarray(signal, dtype=np.float32)).to(dev)
        img = torch.from_numpy(np.ascontiguousarray(image)).to(dev)
        img = (img.float() / 255.0 if img.dtype == torch.uint8 else img.float()).unsqueeze(1)
        cx = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(dev)
        cm = torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32)).to(dev)
        return sig, img, cx, cm

    @property
    def windows_per_call(self) -> int:
        """Windows one forward call of ``forward_windows`` scores (with ``mv``): ``batch_size`` model rows, a
        window's noisy copies among them when the checkpoint averages over copies (4 for the shipped model:
        32 rows, 8 copies)."""
        avg = self.noise_average
        return max(1, self.batch_size // (avg.copies if avg is not None else 1))

    @torch.inference_mode()
    def forward_windows(self, signal: np.ndarray, image: np.ndarray, x: np.ndarray,
                        mask: np.ndarray, mv: np.ndarray | None = None) -> np.ndarray:
        """Probabilities for a stack of windows, in chunks of ``batch_size`` windows.

        Args:
            signal: float32 (N, L, T) instance-normalised windows.
            image: uint8 (N, S, S) renderings (255 = white).
            x, mask: float32 (N, C) encoded clinical values and presence mask.
            mv: float32 (N, L, T) the same windows in mV (``ModelInputs.mv``). Used when the
                checkpoint averages over noisy copies (``noise_average``; ``mirage_model.averaging``):
                each window's probability is then the mean over its copies. Without it such a
                checkpoint scores each window once (benchmarks of the model alone).

        Returns:
            float32 (N, K), uncalibrated.
        """
        avg = self.noise_average
        copies = avg.copies if avg is not None and mv is not None else 1
        step = self.windows_per_call if copies > 1 else max(1, self.batch_size)    # batch_size model rows
        out = []
        for i in range(0, len(signal), step):
            sl = slice(i, i + step)
            sig, img, cx, cm = signal[sl], image[sl], x[sl], mask[sl]
            if copies > 1:
                sig = noisy_copies(sig, mv[sl], avg, self.preprocess_cfg)
                img, cx, cm = (np.repeat(a, copies, axis=0) for a in (img, cx, cm))
            logits = self.model(*self._tensors(sig, img, cx, cm)).logits
            out.append(average_copies(probabilities(logits, self.task).cpu().numpy(), copies))
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, len(self.labels)), np.float32)

    def layout(self):
        """The render layout of the model image (geometry only; cached)."""
        if self._layout is None:
            cfg = self.render_cfg if self.render_cfg is not None else RenderConfig()
            self._layout = make_layout(cfg.width, cfg.height, cfg)
        return self._layout

    # -- prediction --------------------------------------------------------------------------

    def _explain_window(self, prep: _Prepared, w: int, predicted):
        inp = prep.inputs
        sig, img, cx, cm = self._tensors(inp.signal[w:w + 1], inp.image[w:w + 1], prep.x[None], prep.mask[None])
        layout = self.layout() if reads_image(self.model_type, self.model.config) else None
        rec = prep.record
        return explain_window(self.model, sig, img, cx, cm, predicted, thresholds=self.thresholds,
                              task=self.task, layout=layout, n_samples=rec.signal.shape[1],
                              fs=float(rec.fs), start_s=float(inp.starts_s[w]), window=w, calibrate=self.calibrate)

    def calibrate(self, probs: np.ndarray) -> np.ndarray:
        """(..., K) model probabilities -> the checkpoint's calibrated probabilities (float32; unchanged without one)."""
        cal = self.loaded.calibration
        return probs if cal is None else cal.apply(probs).astype(np.float32)

    def _finish(self, prep: _Prepared, window_probs: np.ndarray | None, explain: bool) -> Prediction:
        """Aggregate windows, explain if asked, and build the Prediction.

        ``window_probs`` None (a one-window record being explained): the explanation pass is also
        the prediction pass, which saves a forward pass.
        """
        explanation = None
        if window_probs is None:
            ew = self._explain_window(prep, 0, None)
            window_probs = probabilities(ew.logits, self.task)[None]           # (1, K)
            explanation = ew.explanation
            prep.timings["predict"] = ew.forward_s
            prep.timings["explain"] = ew.explain_s
            explain = False
        window_probs = self.calibrate(window_probs)
        used, quality, why = self._windows_used(prep)
        if explain:
            t0 = time.perf_counter()
            conf = np.where(used[:, None], window_probs, -1.0)
            w = int(np.argmax(conf.max(axis=1)))               # most confident window used, first on ties
            predicted = [k for k in range(len(self.labels)) if is_called(window_probs[w, k], self.thresholds[k])]
            explanation = self._explain_window(prep, w, predicted).explanation
            prep.timings["explain"] = time.perf_counter() - t0
        probs, measured, note = self._measured(prep, window_probs[used].mean(axis=0).astype(np.float32))   # (K,)
        model_positive = tuple(lab for lab, p, th in zip(self.labels, probs, self.thresholds) if is_called(p, th))
        withheld = ""
        if quality is not None and quality.gated and model_positive:
            withheld = quality.reason or f"signal quality {quality.verdict}"
        positive = () if withheld else model_positive
        return Prediction(
            labels=self.labels, probabilities=probs, thresholds=self.thresholds.copy(), positive=positive,
            model_name=self.name, timings=prep.timings, explanation=explanation,
            window_probabilities=window_probs, clinical_used=prep.clinical_used,
            window_starts_s=np.asarray(prep.inputs.starts_s, dtype=np.float64),
            record_id=str(getattr(prep.record, "record_id", "")),
            quality=quality, model_positive=model_positive, withheld=withheld,
            windows_left_out=tuple(int(k) for k in np.flatnonzero(~used)), windows_left_out_why=why,
            measured_labels=measured, measured_note=note, noise_doubted=self._noise_doubted(probs, quality),
            ptbxl_labels=self.ptbxl_labels, calibration_support=self.calibration_support,
            label_descriptions=self.label_descriptions,
        )

    def _measured(self, prep: _Prepared, probs: np.ndarray) -> tuple[np.ndarray, tuple, str]:
        """(K,) calibrated probabilities -> (them through the measured stage, its labels, why it was not applied)."""
        stack = self.loaded.measured_stack
        if stack is None:
            return probs, (), ""
        feats, why = prep.rhythm if prep.rhythm is not None else (None, "not measured")
        if feats is None:
            return probs, (), (f"{', '.join(stack.labels) if len(stack.labels) <= 6 else 'statements'} from the "
                               f"model alone (measured stage not applied): {why}")
        return stack.apply(probs, self.labels, feats).astype(np.float32), stack.labels, ""

    def record_probabilities(self, prep: _Prepared, window_probs: np.ndarray) -> np.ndarray:
        """(W, K) ``forward_windows`` probabilities of ``prep``'s windows -> the (K,) record probabilities
        ``predict`` makes of them: calibrated, averaged over the windows it uses, through the measured stage.
        For the record scored with other clinical values (``review.scoring.clinical_contributions``)."""
        used, _, _ = self._windows_used(prep)
        return self._measured(prep, self.calibrate(window_probs)[used].mean(axis=0).astype(np.float32))[0]

    def _noise_doubted(self, probs: np.ndarray, quality) -> tuple[str, ...]:
        """``Prediction.noise_doubted`` of the (K,) calibrated ``probs`` of a record with ``quality``: data read
        with the checkpoint, no model run."""
        spread = getattr(self.loaded, "noise_spread", None)
        if spread is None or quality is None or quality.gated:
            return ()
        load, cfg = quality.noise_load, QualityConfig()
        if not cfg.noise_calls_mv <= load < cfg.noise_withhold_mv:
            return ()
        return tuple(lab for lab, near in zip(self.labels, spread.marked(probs, self.thresholds, load)) if near)

    def _windows_used(self, prep: _Prepared):
        """(used (W,) bool, quality report, why): which windows make the prediction, ``prep.quality``
        saying what was left out, and why in a few words ("" when nothing was).

        Left out, when at least one window remains: the windows that overlap a critical large
        artefact of the first minute (the finding "artefact" with its time span; the finding
        becomes a warning naming them), and the windows past the first minute whose own
        assessment is not usable (``_Prepared.window_quality``; a warning finding "later_windows"
        names them and why). The model normalises each lead per window, so an artefact of several
        mV rescales the whole window, and a lead that came off is a zero lead to it. Otherwise
        every window and the report unchanged: the first minute's verdict gates."""
        quality = prep.quality
        starts = np.asarray(prep.inputs.starts_s, dtype=np.float64)
        ends = starts + self.preprocess_cfg.window_s
        n = len(starts)
        spans = [f.span_s for f in getattr(quality, "findings", ())
                 if f.code == "artefact" and f.severity == "critical" and f.span_s is not None]
        artefact = np.zeros(n, dtype=bool)
        for a, b in spans:
            artefact |= (starts < b) & (ends > a)
        later = np.zeros(n, dtype=bool)
        for k, q in enumerate(prep.window_quality[:n]):
            later[k] = q is not None and q.gated
        used = ~(artefact | later)
        if n < 2 or used.all() or not used.any():
            return np.ones(n, dtype=bool), quality, ""

        def windows(mask) -> str:
            k = np.flatnonzero(mask)
            return (f"the window{'s' if len(k) > 1 else ''} at "
                    + ", ".join(f"{starts[i]:.0f}-{ends[i]:.0f} s" for i in k) + " left out of the prediction")

        why = []
        if artefact.any():
            quality = quality.with_artefact_left_out(windows(artefact))
            why.append("overlapping a large artefact")
        late = later & ~artefact
        if late.any():
            why.append(f"with signal not usable after the first {HEAD_S:.0f} s")
            reasons = sorted({q.reason for q, m in zip(prep.window_quality, late) if m and q.reason})
            leads = sorted({lead for q, m in zip(prep.window_quality, late) if m
                            for f in q.findings if f.severity == "critical" for lead in f.leads},
                           key=STANDARD_LEADS.index)
            quality = quality.with_finding(Finding(
                "later_windows", f"after the first {HEAD_S:.0f} s: {windows(late)} ({'; '.join(reasons)})",
                "warning", tuple(leads)))
        return used, quality, " or ".join(why)

    def predict(self, record, clinical: Mapping[str, object] | None = None, explain: bool = True,
                prepared: _Prepared | None = None) -> Prediction:
        """Score one record.

        Args:
            record: an ``EcgRecord`` or a path to one.
            clinical: name -> value or (value, unit) (see ``encode_clinical``); None for none.
            explain: also compute the explanation (slower: a forward pass with attention weights
                and backward passes to the inputs; for a one-window record that pass also gives
                the probabilities, which then agree with ``explain=False`` to float rounding).
            prepared: ``self.prepare(record, clinical)`` (or with ``like=``) already made, so the
                caller that also needs the inputs (``review.scoring``) prepares the record once.

        Returns:
            Prediction (probabilities (K,), window_probabilities (W, K), explanation or None).

        Raises:
            RecordError: the record cannot be read; UnscorableRecordError (a RecordError): it
                holds no usable signal (flat, saturated, missing, too short) and is not scored.
                ClinicalError: a bad clinical value.
            PreprocessError: the signal cannot be preprocessed (e.g. not 12 leads).
            AssessmentError (a RecordError): the quality assessment failed; without a verdict the
                gate cannot pass the record, so there is no prediction (never calls without the gate).
        """
        t0 = time.perf_counter()
        prep = prepared if prepared is not None else self.prepare(record, clinical)
        inp = prep.inputs
        w = len(inp.signal)
        if explain and w == 1 and self.noise_average is None:
            pred = self._finish(prep, None, True)
        else:
            t1 = time.perf_counter()
            probs = self.forward_windows(inp.signal, inp.image, np.repeat(prep.x[None], w, 0),
                                         np.repeat(prep.mask[None], w, 0), inp.mv)
            prep.timings["predict"] = time.perf_counter() - t1
            pred = self._finish(prep, probs, explain)
        prep.timings["total"] = time.perf_counter() - t0
        return pred

    def predict_batch(self, records: Sequence, clinicals: Sequence[Mapping | None] | None = None,
                      explain: bool = False, prepared: Sequence[_Prepared] | None = None) -> list[Prediction]:
        """Score many records with batched forward passes across all their windows.

        Args:
            records: EcgRecords or paths. A record that cannot be read raises RecordError
                (callers that must carry on load records first and skip the bad ones).
            clinicals: one mapping (or None) per record, or None for none at all.
            explain: also explain every record (one extra pass each).
            prepared: ``self.prepare`` of each record already made (see ``predict``), or None.

        Returns:
            One Prediction per record, in order; equal to ``predict`` on each record.
        """
        records = list(records)
        if clinicals is None:
            clinicals = [None] * len(records)
        clinicals = list(clinicals)
        if len(clinicals) != len(records):
            raise ValueError(f"{len(clinicals)} clinical entries for {len(records)} records")
        t_start = time.perf_counter()
        if prepared is not None and len(prepared) != len(records):
            raise ValueError(f"{len(prepared)} prepared entries for {len(records)} records")
        preps = (list(prepared) if prepared is not None
                 else [self.prepare(r, c) for r, c in zip(records, clinicals)])
        if not preps:
            return []
        counts = [len(p.inputs.signal) for p in preps]
        signal = np.concatenate([p.inputs.signal for p in preps])
        image = np.concatenate([p.inputs.image for p in preps])
        mv = np.concatenate([p.inputs.mv for p in preps])
        x = np.concatenate([np.repeat(p.x[None], n, 0) for p, n in zip(preps, counts)])
        mask = np.concatenate([np.repeat(p.mask[None], n, 0) for p, n in zip(preps, counts)])
        t1 = time.perf_counter()
        probs = self.forward_windows(signal, image, x, mask, mv)
        t_fwd = time.perf_counter() - t1
        total_w = sum(counts)
        out, i = [], 0
        for p, n in zip(preps, counts):
            p.timings["predict"] = t_fwd * n / total_w        # this record's share of the batch
            out.append(self._finish(p, probs[i:i + n], explain))
            p.timings["total"] = sum(v for k, v in p.timings.items() if k != "total")
            i += n
        log.debug("scored %d records (%d windows) in %.3f s", len(out), total_w, time.perf_counter() - t_start)
        return out

