"""The features a checkpoint's measured stage (``stacking``) reads of a record: its first minute measured
without fiducials (``measure.measure``), as ``mirage score`` measures it; or why there are none.
"""

from __future__ import annotations

from mirage_model.limits import record_head
from mirage_model.measure import measure
from mirage_model.measure.features import FEATURE_FS, at_feature_rate
from mirage_model.stacking import KINDS, MIN_BEATS, TREE_KINDS


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
