"""The per-lead quality flags a reader sets on the signal it read: "flat" (peak-to-peak below
``FLAT_PTP_MV``) and "saturated" (clipped: runs of ``clip_samples`` consecutive samples at the ends
of the file's digital range on ``CLIP_MIN_RUNS`` occasions, or one as long as ``SATURATION_RUN_S``;
or stuck at the lead's own extreme for ``SATURATION_RUN_S``). Whether a record is good enough to
judge is ``mirage_model.quality``'s question, not this one."""

from __future__ import annotations

import warnings

import numpy as np

from mirage_model.records.record import (_CHUNK, CLIP_MIN_RUNS, CLIP_MIN_SAMPLES, CLIP_RUN_S, FLAT_PTP_MV,
                                         SATURATION_RUN_S)


def clip_samples(fs: float) -> int:
    """Consecutive samples at one end of the digital range that make a lead clipped at sampling
    rate ``fs`` (``CLIP_RUN_S`` worth, at least ``CLIP_MIN_SAMPLES``): 4 at 100 Hz, 5 at 500 Hz,
    20 at 2000 Hz."""
    return max(CLIP_MIN_SAMPLES, int(round(CLIP_RUN_S * fs)))


def plateau_samples(fs: float) -> int:
    """Samples a lead must stay at one value to be stuck there at sampling rate ``fs``
    (``SATURATION_RUN_S`` worth, at least 4)."""
    return max(4, int(round(SATURATION_RUN_S * fs)))


class RunLength:
    """Runs of True in a (T,) bool mask that arrives in consecutive pieces (a reader's chunks): a
    run that crosses a piece's end is counted whole.

    Attributes:
        min_len: runs at least this long are counted.
        longest: the longest run so far (samples), the one still open included.
        count: runs of at least ``min_len`` so far, the one still open included.
    """

    def __init__(self, min_len: int) -> None:
        self.min_len = min_len
        self._longest = 0   # of the closed runs
        self._count = 0     # closed runs of at least min_len
        self._open = 0      # the run open at the end of the last piece

    @property
    def longest(self) -> int:
        return max(self._longest, self._open)

    @property
    def count(self) -> int:
        return self._count + (self._open >= self.min_len)

    def feed(self, mask: np.ndarray) -> None:
        """Take the next piece (T_piece,) bool of the mask."""
        if mask.size == 0:
            return
        pad = np.zeros(1, np.int8)
        edges = np.diff(np.concatenate((pad, np.asarray(mask, dtype=bool).view(np.int8), pad)))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        lengths = ends - starts   # (runs in this piece,)
        if starts.size and starts[0] == 0:
            lengths[0] += self._open   # the open run goes on
        else:
            self._close(np.array([self._open]))
        self._open = 0
        if ends.size and ends[-1] == mask.size:   # a run still open at this piece's end
            self._open = int(lengths[-1])
            lengths = lengths[:-1]
        self._close(lengths)

    def _close(self, lengths: np.ndarray) -> None:
        if lengths.size:
            self._longest = max(self._longest, int(lengths.max()))
            self._count += int(np.count_nonzero(lengths >= self.min_len))


def clipped(runs: list[RunLength], fs: float) -> bool:
    """Whether a lead is clipped, from ``runs``, its ``RunLength(clip_samples(fs))`` at the top and
    at the bottom of its digital range (per segment, where a record has them): ``CLIP_MIN_RUNS``
    runs of ``clip_samples`` in all (cut beats), or one as long as a plateau (stuck at its limit)."""
    count = sum(r.count for r in runs)
    return count >= CLIP_MIN_RUNS or max((r.longest for r in runs), default=0) >= plateau_samples(fs)


def set_flags(signal: np.ndarray, fs: float, flags: dict, at_limit: np.ndarray) -> None:
    """Set the "flat" and "saturated" flags of ``signal`` (12, T) in place (one lead at a time:
    memory of a few (T,) arrays, whatever the record's length)."""
    L, T = signal.shape
    run = plateau_samples(fs)
    if T <= _CHUNK:   # a short record: all leads at once (fast); memory is a few (12, T) arrays
        _quality_short(signal, run, flags, at_limit)
        return
    for k in range(L):
        lead = signal[k]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN lead is flagged, not warned
            if flags["missing"][k]:
                vmax, vmin = np.nanmax(lead), np.nanmin(lead)
            else:
                vmax, vmin = lead.max(), lead.min()
        flat = not (vmax - vmin >= FLAT_PTP_MV)  # all-NaN leads count as flat too
        flags["flat"][k] = flat
        if flat:
            flags["saturated"][k] = False
            continue
        plateau = T >= run and (longest_run(lead == vmax) >= run or longest_run(lead == vmin) >= run)
        flags["saturated"][k] = bool(plateau or at_limit[k])


def _quality_short(signal: np.ndarray, run: int, flags: dict, at_limit: np.ndarray) -> None:
    """``set_flags`` vectorised over the leads of a short (12, T) record (same flags)."""
    L, T = signal.shape
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN lead is flagged, not warned
        if flags["missing"].any():
            vmax, vmin = np.nanmax(signal, axis=1), np.nanmin(signal, axis=1)
        else:
            vmax, vmin = signal.max(axis=1), signal.min(axis=1)
    flat = ~(vmax - vmin >= FLAT_PTP_MV)  # all-NaN leads count as flat too
    flags["flat"][:] = flat
    if T < run:
        flags["saturated"][:] = at_limit & ~flat
        return
    at_extreme = (signal == vmax[:, None]) | (signal == vmin[:, None])  # (12, T)
    # a run of `run` samples at the lead's extreme, via a sliding window sum
    csum = np.cumsum(at_extreme, axis=1, dtype=np.int32)
    window = csum[:, run - 1:] - np.concatenate([np.zeros((L, 1), np.int32), csum[:, :-run]], axis=1)
    plateau = (window >= run).any(axis=1)
    flags["saturated"][:] = (plateau | at_limit) & ~flat


def longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True in a (T,) bool array."""
    if not mask.any():
        return 0
    pad = np.zeros(1, np.int8)
    edges = np.diff(np.concatenate((pad, mask.view(np.int8), pad)))   # int8: 1 byte per sample
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())
