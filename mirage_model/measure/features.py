"""Measured features of one record: the numbers a cardiologist reads off the strip and the median beats.

``record_features(m)`` turns one ``Measurements`` (``measure.measure``) into a float64 vector
(``FEATURES``, in that order) with NaN where a quantity was not measured (no P wave, no T offset,
too few beats for a rhythm figure, a lead without a median beat). It is the input of the feature
model of the measured stage (``mirage_model.treemodel``, ``mirage_model.stacking``): gradient-boosted
trees read NaN as "not measured" and learn where such records go.

Global (17):
* the rhythm strip (``RHYTHM_FEATURES``, 7, as the rhythm stage reads them): log heart rate, RR coefficient of variation,
  RMSSD / mean RR, RR alternation, median adjacent RR ratio, P wave found, dominant-beat share;
* the intervals PR, QRS, QT (ms) and Bazett's QTc (ms);
* the frontal P, QRS and T axes as (cos, sin) pairs (an angle's two sides of +-180 are neighbours).

Per lead (12 leads x 8, ``STANDARD_LEADS`` order), on the lead's median beat (mV after the
measurement's 0.5 Hz high-pass), each amplitude taken against the PR-segment level (10 ms before
the QRS onset), boundaries the global ones of the median beat:
* ``r``: the QRS's largest positive deflection; ``s``: its largest negative one (both mV);
* ``q``: the most negative value in the first 40 ms of the QRS (a Q wave; 0 when none);
* ``r_time``: ms from the QRS onset to the R peak (the intrinsicoid deflection; late in bundle
  branch block and hypertrophy);
* ``qrs_area``: net QRS area (mV ms);
* ``st``: the level 60 ms after the QRS offset (J + 60 ms; ST elevation or depression, mV);
* ``t``: the T wave's signed extreme between J + 80 ms and the T offset (mV);
* ``p``: the P wave's signed extreme between its onset and offset (mV; NaN without a P wave).

The shape features (``SHAPE_FEATURES``, the stage kind "trees2"): the 113 above, then per lead
(12 leads x 10, ``SHAPE_LEAD_FEATURES``) the ST-T course and the QRS's shape on the same median beat
and baseline: the level at the J point (the QRS offset) and at J + 20, 40 and 80 ms (mV), the ST slope
from J to J + 80 ms (mV/s), the T wave's signed area (mV ms), highest and lowest value (mV) between
J + 80 ms and the T offset, the QRS's notches (turns of its slope that reverse at least 0.05 mV:
fragmented or notched QRS) and its absolute area (mV ms).

The features are measured on the record **at 100 Hz** (``at_feature_rate``: mains lines subtracted and
resampled with an anti-aliasing polyphase filter when sampled faster), the rate of the PTB-XL records the feature
model was trained on, so a 500 Hz clinical export and a 100 Hz training record are read alike (on
LUDB's 500 Hz records the QRS amplitudes measured at 100 Hz are 1-4 % smaller than at 500 Hz, the
intervals within 3 ms).

Research use only, not a diagnosis.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from mirage_model.measure.formulas import rr_successive_variation
from mirage_model.measure.pipeline import mains_subtracted
from mirage_model.preprocess import PreprocessConfig, resample
from mirage_model.records import STANDARD_LEADS

RHYTHM_FEATURES = ("log_hr", "rr_cv", "rr_nrmssd", "rr_alternation", "rr_adjacent_ratio", "p_found",
                   "dominant_share")
MIN_BEATS = 5               # the rhythm features need 4 RR intervals, 3 successive differences

GLOBAL_FEATURES = RHYTHM_FEATURES + ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms",
                                      "p_axis_cos", "p_axis_sin", "qrs_axis_cos", "qrs_axis_sin", "t_axis_cos", "t_axis_sin")
LEAD_FEATURES = ("r", "s", "q", "r_time", "qrs_area", "st", "t", "p")
FEATURES = GLOBAL_FEATURES + tuple(f"{lead}_{f}" for lead in STANDARD_LEADS for f in LEAD_FEATURES)
SHAPE_LEAD_FEATURES = ("st_j", "st_20", "st_40", "st_80", "st_slope", "t_area", "t_max", "t_min",
                       "qrs_notches", "qrs_abs_area")
SHAPE_FEATURES = FEATURES + tuple(f"{lead}_{f}" for lead in STANDARD_LEADS for f in SHAPE_LEAD_FEATURES)
FEATURES_VERSION = 1        # bump when a feature's definition changes
NOTCH_MV = 0.05             # a turn of the QRS's slope counts as a notch when it reverses this much
FEATURE_FS = 100.0          # the rate the features are measured at (PTB-XL's 100 Hz records)
MAINS_HZ = PreprocessConfig().mains_hz   # subtracted before a faster record is brought to FEATURE_FS


def at_feature_rate(record):
    """The record at ``FEATURE_FS`` when sampled faster: mains (50/60 Hz and harmonics) subtracted at
    the native rate first (``pipeline.mains_subtracted``, the measurement's own, made once per record:
    50 Hz would otherwise sit on the 100 Hz rate's Nyquist), only the lines each lead carries
    (``only_present``; fitting every frequency, as the model's preprocessing does, moved LUDB 65 at
    100 Hz by 22 uV, the line test by 2 uV, and moves the features of most 500 Hz records), then
    ``preprocess.resample`` (polyphase, anti-aliased). As it is otherwise. Missing (NaN) samples are
    bridged for the filters (``preprocess.bridge_missing``) and missing again afterwards: a sample at
    100 Hz is NaN where the nearest native sample was, so a gap stays a gap of the same length and a
    missing lead stays missing."""
    fs = float(record.fs)
    if fs <= FEATURE_FS + 1e-9:
        return record
    fitted, bad, _ = mains_subtracted(record, MAINS_HZ)
    y = resample(fitted, fs, FEATURE_FS)
    if bad.any():
        nearest = np.minimum(np.rint(np.arange(y.shape[1]) * (fs / FEATURE_FS)).astype(np.int64), bad.shape[1] - 1)
        y[bad[:, nearest]] = np.nan
    return dataclasses.replace(record, signal=y.astype(np.float32), fs=FEATURE_FS)


def _num(v) -> float:
    return float(v) if v is not None and math.isfinite(float(v)) else math.nan


def _angle(deg) -> tuple[float, float]:
    if deg is None or not math.isfinite(float(deg)):
        return math.nan, math.nan
    r = math.radians(float(deg))
    return math.cos(r), math.sin(r)


def _bounds(fs: float, fid: dict, K: int):
    """The median beat's sample bounds from its global fiducials: (on, off, base_at, t_a, t_b) with
    the QRS onset and offset, the PR-segment level's sample (10 ms before the onset) and the T window
    (J + 80 ms to the T offset, or to the onset + 450 ms without one); None without a QRS."""
    on, off = fid.get("qrs_on", math.nan), fid.get("qrs_off", math.nan)
    if not (math.isfinite(on) and math.isfinite(off)) or off <= on:
        return None
    on, off = int(on), int(off)
    ms = fs / 1000.0
    t_off = fid.get("t_off", math.nan)
    t_b = int(t_off) if math.isfinite(t_off) else min(K, on + int(round(450 * ms)))
    return on, off, max(0, on - int(round(10 * ms))), off + int(round(80 * ms)), t_b


def _per_lead(med: np.ndarray, fs: float, fid: dict, width: int, one) -> np.ndarray:
    """(12, width): ``one(y, on, off, t_a, t_b)`` of each lead's median beat y (K,) taken against its
    PR-segment level, for the leads whose QRS and baseline sample are measured (NaN rows otherwise,
    and everywhere without a QRS); the bounds as ``_bounds``."""
    out = np.full((med.shape[0], width), np.nan)
    bounds = _bounds(fs, fid, med.shape[1])
    if bounds is None:
        return out
    on, off, base_at, t_a, t_b = bounds
    for li in range(med.shape[0]):
        y = med[li]
        if np.isfinite(y[on:off + 1]).all() and math.isfinite(y[base_at]):
            out[li] = one(y - y[base_at], on, off, t_a, t_b)
    return out


def _lead_features(med: np.ndarray, fs: float, fid: dict) -> np.ndarray:
    """(12, 8) per-lead features of the median beat med (12, K) mV at fs with global fiducials fid."""
    K, ms = med.shape[1], fs / 1000.0
    p_on, p_off = fid.get("p_on", math.nan), fid.get("p_off", math.nan)

    def one(y, on, off, t_a, t_b):
        st_at = off + int(round(60 * ms))
        q_b = min(off, on + int(round(40 * ms)))
        qrs = y[on:off + 1]
        k = int(np.argmax(qrs))
        q = float(min(0.0, np.min(y[on:q_b + 1])))
        st = float(y[st_at]) if st_at < K and math.isfinite(y[st_at]) else math.nan
        t = math.nan
        if t_b > t_a and np.isfinite(y[t_a:t_b]).all():
            seg = y[t_a:t_b]
            t = float(seg[int(np.argmax(np.abs(seg)))])
        p = math.nan
        if math.isfinite(p_on) and math.isfinite(p_off) and p_off > p_on:
            seg = y[int(p_on):int(p_off) + 1]
            if seg.size and np.isfinite(seg).all():
                p = float(seg[int(np.argmax(np.abs(seg)))])
        return (float(qrs.max()), float(qrs.min()), q, k / ms, float(np.sum(qrs)) / ms, st, t, p)

    return _per_lead(med, fs, fid, len(LEAD_FEATURES), one)


def _turns(y: np.ndarray, min_mv: float = NOTCH_MV) -> int:
    """Turning points of y (K,) (mV) that it leaves by at least min_mv on both sides (a zigzag with
    that threshold): a monophasic QRS has 1, an RS complex 2, a notched R or an RSR' 3 or more."""
    turns, direction, ext, y0 = 0, 0, float(y[0]), float(y[0])
    for v in map(float, y[1:]):
        if direction == 0:
            if abs(v - y0) >= min_mv:
                direction, ext = (1 if v > y0 else -1), v
        elif direction * (v - ext) > 0:                  # the swing goes on: a new extreme
            ext = v
        elif abs(v - ext) >= min_mv:                     # it reverses by min_mv: ext was a turning point
            turns, direction, ext = turns + 1, -direction, v
    return turns


def _shape_features(med: np.ndarray, fs: float, fid: dict) -> np.ndarray:
    """(12, 10) ``SHAPE_LEAD_FEATURES`` of the median beat med (12, K) mV at fs with global fiducials fid."""
    K, ms = med.shape[1], fs / 1000.0

    def one(y, on, off, t_a, t_b):
        st = [float(y[a]) if a < K and math.isfinite(y[a]) else math.nan
              for a in (off + int(round(d * ms)) for d in (0, 20, 40, 80))]
        t_area = t_max = t_min = math.nan
        if t_b > t_a and np.isfinite(y[t_a:t_b]).all():
            seg = y[t_a:t_b]
            t_area, t_max, t_min = float(np.sum(seg)) / ms, float(seg.max()), float(seg.min())
        qrs = y[on:off + 1]
        return (*st, (st[3] - st[0]) / 80.0 * 1000.0, t_area, t_max, t_min, float(_turns(qrs)),
                float(np.sum(np.abs(qrs))) / ms)

    return _per_lead(med, fs, fid, len(SHAPE_LEAD_FEATURES), one)


def rhythm_features(m) -> np.ndarray | None:
    """float64 (len(RHYTHM_FEATURES),) rhythm-strip features of ``Measurements`` m (documented in
    ``mirage_model.stacking``), or None without ``MIN_BEATS`` beats."""
    beats = np.asarray(getattr(m, "beats", ()) if m is not None else (), dtype=np.float64)
    if beats.size < MIN_BEATS or not m.fs:
        return None
    rr = np.diff(beats) / float(m.fs) * 1000.0                   # (n_beats - 1,) ms
    if np.any(rr <= 0):
        return None
    mean = rr.mean()
    d = np.diff(rr)                                              # successive differences
    turns = np.sign(d[1:]) * np.sign(d[:-1])
    dominant = np.asarray(getattr(m, "dominant", ()), dtype=bool)
    return np.array([
        np.log(60000.0 / mean),
        rr.std() / mean,
        rr_successive_variation(beats),                          # as Measurements.rr_nrmssd
        float(np.mean(turns < 0)),
        float(np.median(np.minimum(rr[1:], rr[:-1]) / np.maximum(rr[1:], rr[:-1]))),
        1.0 if m.pr_ms is not None else 0.0,
        float(dominant.mean()) if dominant.size == beats.size else 1.0,
    ], dtype=np.float64)


def record_features(m) -> np.ndarray | None:
    """float64 (len(FEATURES),) features of ``Measurements`` m (NaN where not measured), or None
    when no beat was detected (nothing to read)."""
    if m is None or len(getattr(m, "beats", ())) < 2 or not m.fs:
        return None
    rhythm = rhythm_features(m)
    if rhythm is None:
        rhythm = np.full(len(RHYTHM_FEATURES), np.nan)
        rhythm[0] = math.log(m.heart_rate_bpm) if m.heart_rate_bpm else math.nan
        rhythm[5] = 1.0 if m.pr_ms is not None else 0.0
    glob = [*rhythm, _num(m.pr_ms), _num(m.qrs_ms), _num(m.qt_ms), _num(m.qtc_bazett_ms),
            *_angle(m.p_axis_deg), *_angle(m.qrs_axis_deg), *_angle(m.t_axis_deg)]
    med = getattr(m, "median", None)
    if med is None:
        leads = np.full((len(STANDARD_LEADS), len(LEAD_FEATURES)), np.nan)
    else:
        leads = _lead_features(np.asarray(med.signal, dtype=np.float64), float(med.fs), med.fiducials)
    return np.concatenate([np.asarray(glob, dtype=np.float64), leads.ravel()])


def record_shape_features(m) -> np.ndarray | None:
    """float64 (len(SHAPE_FEATURES),): ``record_features`` then the per-lead shape features of the
    median beat (NaN where not measured), or None when no beat was detected."""
    base = record_features(m)
    if base is None:
        return None
    med = getattr(m, "median", None)
    if med is None:
        shape = np.full((len(STANDARD_LEADS), len(SHAPE_LEAD_FEATURES)), np.nan)
    else:
        shape = _shape_features(np.asarray(med.signal, dtype=np.float64), float(med.fs), med.fiducials)
    return np.concatenate([base, shape.ravel()])
