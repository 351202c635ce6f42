"""A record prepared for a model: its model inputs (``preprocess.model_inputs``, the one preprocessing path),
its calibration pulse taken off them, and its quality reports (``quality.assess`` of the first minute and of
each later window), made once and shared (``RecordInputs``, ``inputs_key``); ``_Prepared`` adds a model's
encoded clinical values (``Predictor.prepare``).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from mirage_model.limits import HEAD_S, WINDOWED_MIN_SAMPLES, record_head
from mirage_model.preprocess import PreprocessConfig, model_inputs, record_mains_search, windowed_model_inputs
from mirage_model.quality import (AssessmentError, QualityConfig, assess, calibration_pulse_finding,
                                  calibration_pulse_step, pulse_in, without_step)
from mirage_model.render import RenderConfig


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
        inputs = model_inputs(signal, record.fs, pcfg, render_cfg, _kept_mains(record, signal, pcfg, pulse))
    made = RecordInputs(record, inputs, None, (), inputs_key(pcfg, render_cfg, False),
                        {"preprocess": time.perf_counter() - t0}, pulse)
    return assessed(made) if quality else made


def _kept_mains(record, signal: np.ndarray, pcfg: PreprocessConfig, pulse=None):
    """The record's mains search (``preprocess.record_mains_search``), where the model's inputs are made of a record
    of ``HEAD_S`` or less: of the record's own signal, which the measurement of its first minute reads too
    (``measure.pipeline.mains_subtracted``), or of ``signal``, the record's with its calibration ``pulse`` taken off
    (``without_calibration_pulse``), which the quality check reads (``quality.noise.mains_removed``; the measurement
    reads the record with its pulse: other samples, searched apart). Else None (``model_inputs`` searches it itself:
    a longer record's head is another record, which the measurement and the quality check search apart)."""
    if signal.shape[1] > int(HEAD_S * float(record.fs)) or not pcfg.mains_hz:
        return None
    if signal is record.signal:
        return record_mains_search(record, pcfg.mains_hz, pcfg.mains_window_s)
    if pulse is None:
        return None
    return record_mains_search(record, pcfg.mains_hz, pcfg.mains_window_s, pulse=pulse, signal=signal)


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
