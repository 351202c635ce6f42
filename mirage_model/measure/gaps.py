"""Missing samples (step 0 of the package docstring): short gaps bridged linearly, the longest stretch without
gaps a record with many is measured on, and the measurement of such a stretch moved to the record's indices."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from mirage_model.measure.beats import INDEPENDENT
from mirage_model.measure.results import FIDUCIAL_KEYS, LeadFiducials, Measurements

# Missing samples in runs this short (a dropped packet, a sample the recorder flagged) are bridged
# linearly before measuring: 1 % of samples missing at random in every lead had left no stretch
# without a gap, and no value was measured (hostile-file sweep, 2026-12-05). A 10 ms line lies within
# one 100 Hz sample and shorter than any wave; a longer gap is measured around (``finite_stretch``).
BRIDGE_GAP_S = 0.01


def bridge_short_gaps(x: np.ndarray, fs: float, max_s: float = BRIDGE_GAP_S) -> int:
    """Bridge, in place, each run of non-finite samples of (L, T) ``x`` no longer than ``max_s`` seconds
    (at least one sample) with a line between its finite neighbours; a run at either end, or longer,
    stays missing. Returns how many runs were bridged."""
    bad = ~np.isfinite(x)
    if not bad.any():
        return 0
    longest = max(1, int(math.floor(max_s * fs + 1e-9)))
    n = 0
    idx = np.arange(x.shape[1])
    for lead in np.flatnonzero(bad.any(axis=1)):
        edges = np.diff(np.concatenate([[0], bad[lead].astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        inner = (starts > 0) & (ends < x.shape[1]) & (ends - starts <= longest)
        if not inner.any():
            continue
        fill = np.zeros(x.shape[1], dtype=bool)
        for a, b in zip(starts[inner], ends[inner]):
            fill[a:b] = True
        ok = ~bad[lead]
        x[lead, fill] = np.interp(idx[fill], idx[ok], x[lead, ok])
        n += int(inner.sum())
    return n


def finite_stretch(x: np.ndarray, fs: float, min_s: float = 2.5) -> tuple[int, int] | None:
    """Where to measure a record with gaps: the longest run of samples [a, b) in which every lead that is
    present (finite on at least half its samples) is finite, when fewer than half the independent leads
    (``beats.INDEPENDENT``) are complete and that run lasts at least ``min_s`` seconds. None otherwise:
    no gap, or enough complete leads to measure the whole record on (the leads with gaps are then left
    out, as before), or no run long enough. ``x``: (L, T) signal with NaN for missing samples."""
    finite = np.isfinite(x)
    if finite.all(axis=1)[list(INDEPENDENT)].sum() >= len(INDEPENDENT) / 2:
        return None
    present = finite.mean(axis=1) >= 0.5
    if not present.any():
        return None
    ok = finite[present].all(axis=0)
    if ok.all():
        return None
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not len(starts):
        return None
    k = int(np.argmax(ends - starts))
    a, b = int(starts[k]), int(ends[k])
    return (a, b) if b - a >= int(round(min_s * fs)) else None



def _shifted(m: Measurements, a: int, note: str) -> Measurements:
    """Measurements of a stretch starting at sample ``a``, with its sample indices moved to the record's."""
    return replace(
        m,
        beats=np.asarray(m.beats, dtype=np.int64) + a,
        global_fiducials={k: np.asarray(v, dtype=float) + a for k, v in m.global_fiducials.items()},
        fiducials={ld: LeadFiducials(*(np.asarray(getattr(f, k), dtype=float) + a for k in FIDUCIAL_KEYS))
                   for ld, f in m.fiducials.items()},
        p_waves=None if m.p_waves is None else m.p_waves.shifted(a / m.fs),
        notes=m.notes + (note,),
    )

