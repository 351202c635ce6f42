"""Median beats as a reviewer reads them: one representative beat per lead with the global
fiducials, the way electrocardiographs print them beside the 12-lead sheet.

The beats are MIRAGE's own (``measure.MedianBeat``: the median of the dominant beats the
intervals are measured on), never the device's median beats that a clinical file may carry
(``record.meta["device_median_beats"]``). The PDF page (``report.median_beats``) and the app's
"Median beats" tab both draw :func:`median_beat_view`; :func:`unavailable_reason` says why a
session has none. Qt-free. Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mirage_model.measure import MeasureConfig
from mirage_model.measure.combine import how_measured
from mirage_model.preprocess import mains_frequencies
from mirage_model.records import STANDARD_LEADS
from mirage_model.render import GRID_ROWS, grid_rows

# (key in MedianBeat.fiducials, label, RGB colour 0-1), in the order a beat runs
FIDUCIAL_MARKS: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("p_on", "P onset", (0.10, 0.35, 0.85)),
    ("p_off", "P offset", (0.45, 0.65, 0.95)),
    ("qrs_on", "QRS onset", (0.85, 0.10, 0.10)),
    ("qrs_off", "QRS offset", (0.95, 0.55, 0.05)),
    ("t_off", "T end", (0.50, 0.15, 0.65)),
)

# The marks that end an interval, and that interval in ``Measurements`` (its sign from the QRS onset).
# The fiducials are whole samples and the intervals are not (a median over the leads' own lengths):
# drawn at the fiducial, the QRS offset read "+96 ms" beside page 1's "QRS 97 ms".
MARK_INTERVALS: dict[str, tuple[str, float]] = {"p_on": ("pr_ms", -1.0), "qrs_off": ("qrs_ms", 1.0),
                                                "t_off": ("qt_ms", 1.0)}

# The leads as the page geometry's owner places them (``render.grid_rows``): the cart's 3x4
# (columns I-III, aVR-aVF, V1-V3, V4-V6), and its 6x2 turned on its side (limb leads in one row,
# chest leads in the other) for a wide, short space.
GRID_3X4: tuple[tuple[str, ...], ...] = tuple(tuple(STANDARD_LEADS[i] for i in row) for row in GRID_ROWS)
GRID_2X6: tuple[tuple[str, ...], ...] = tuple(tuple(STANDARD_LEADS[i] for i in col) for col in zip(*grid_rows(2)))

BASELINE_BEFORE_QRS_S = 0.010    # the isoelectric level: 10 ms before the QRS onset (the measure's own)
# One beat, as a cart prints it: the drawn run stops short of the neighbouring beats (``beat_span``)
NEXT_BEAT_CLEAR_MS = 20.0        # it ends this long before the next beat's P onset (QRS onset: no P)
NEXT_QRS_CLEAR_MS = 40.0         # ... and never nearer the next QRS onset than this
PREV_T_CLEAR_MS = 20.0           # it starts this long after the previous beat's T end
OWN_WAVES_CLEAR_MS = 20.0        # ... but always this much before its own P onset (the baseline point)
                                 # and after its own T end: a P wave on the previous T keeps its onset

# The median-beat sheet in millimetres of paper (x right, y up from the sheet's bottom edge), the
# same for the PDF page and the app's tab: always the standard scale.
SPEED_MM_S = 25.0                # paper speed
GAIN_MM_MV = 10.0                # amplitude
CAL_MM = 10.0                    # the calibration pulses' column at the left
CELL_W_MM = 40.0                 # one lead: 1.6 s of paper
ROW_MM = 40.0                    # one row: +-2 mV around its baseline (the app's tab)
PAGE_ROW_MM = 50.0               # the PDF page's rows, which have the room: +-2.5 mV at 10 mm/mV
QRS_AT_MM = 15.0                 # each cell's QRS onset lies on this 5 mm line (the cells align)
# the part of a beat a cell shows, ms from the QRS onset (1 mm clear of the cell's edges)
SHOWN_MS = (-(QRS_AT_MM - 1.0) / SPEED_MM_S * 1000.0, (CELL_W_MM - QRS_AT_MM - 1.0) / SPEED_MM_S * 1000.0)


@dataclass(frozen=True)
class SheetCell:
    """One lead's cell on the median-beat sheet, in mm: its QRS onset at ``qrs_x``, 0 mV at
    ``baseline``; the cell spans x in [x0, x0 + CELL_W_MM], y in baseline +- row_mm / 2."""
    lead: str
    row: int
    col: int
    x0: float
    qrs_x: float
    baseline: float
    row_mm: float = ROW_MM


def sheet_size(grid: tuple[tuple[str, ...], ...] = GRID_3X4, row_mm: float = ROW_MM) -> tuple[float, float]:
    """(width, height) in mm of the sheet of ``grid`` (pulses' column included), rows ``row_mm`` high."""
    return CAL_MM + len(grid[0]) * CELL_W_MM, len(grid) * row_mm


def sheet_cells(grid: tuple[tuple[str, ...], ...] = GRID_3X4, row_mm: float = ROW_MM) -> tuple[SheetCell, ...]:
    """The 12 cells of ``grid`` (the cart's 3x4 by default), row by row, rows ``row_mm`` high."""
    height = sheet_size(grid, row_mm)[1]
    out = []
    for i, row in enumerate(grid):
        for j, lead in enumerate(row):
            x0 = CAL_MM + j * CELL_W_MM
            out.append(SheetCell(lead, i, j, x0, x0 + QRS_AT_MM, height - (i + 0.5) * row_mm, row_mm))
    return tuple(out)


def cell_segments(view: "MedianBeatView", cell: SheetCell,
                  gain_mm_mv: float = GAIN_MM_MV) -> list[tuple[np.ndarray, np.ndarray]]:
    """The lead's beat in ``cell`` as (x mm, y mm) runs of finite samples inside the shown window
    (a sample no beat covers breaks the line: nothing is invented), at ``gain_mm_mv``; amplitudes
    beyond the row are clipped to it (1 mm inside: ``fitting_gain`` picks a gain that needs none)."""
    y = view.lead(cell.lead)
    ok = _shown(view) & np.isfinite(y)
    half = cell.row_mm / 2.0 - 1.0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    out = []
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a >= 2:
            out.append((cell.qrs_x + view.t_ms[a:b] * SPEED_MM_S / 1000.0,
                        cell.baseline + np.clip(y[a:b] * gain_mm_mv, -half, half)))
    return out


def shown_ms(view: "MedianBeatView") -> tuple[float, float]:
    """(first, last) ms from the QRS onset that a cell draws: the cell's room (``SHOWN_MS``) cut
    to the beat's own span (``view.span_ms``: not the neighbouring beats)."""
    return max(SHOWN_MS[0], view.span_ms[0]), min(SHOWN_MS[1], view.span_ms[1])


def span_note(view: "MedianBeatView") -> str:
    """What part of the beat a cell draws, in a sentence ("" when the beat is not cut)."""
    lo, hi = shown_ms(view)
    if view.span_ms == (-np.inf, np.inf):
        return ""
    return f"One beat drawn ({lo:+.0f} to {hi:+.0f} ms), not its neighbours."


def conditioning_notes(view: "MedianBeatView") -> list[str]:
    """What the drawn beats went through before the median was taken, in sentences: the mains lines
    subtracted (at the record's rate, ``measure.pipeline``), the resampling of a low-rate record and the
    band-pass. A record resampled from 100 Hz holds nothing above 50 Hz, whatever the band-pass's
    upper edge at 500 Hz; 50 and 60 Hz cannot be told from a signal sampled at 100 Hz, so none is removed."""
    lo, hi = view.band_hz
    record_fs = view.record_fs or view.fs
    if record_fs < view.fs:
        nyquist = record_fs / 2.0
        notes = [f"Filter {lo:g}-{min(hi, nyquist):g} Hz in effect: recorded at {record_fs:g} Hz (nothing above "
                 f"{nyquist:g} Hz), resampled to {view.fs:g} Hz, band-passed {lo:g}-{hi:g} Hz."]
    else:
        notes = [f"Filter {lo:g}-{hi:g} Hz; sampled at {view.fs:g} Hz."]
    mains = "/".join(f"{f:g}" for f in MeasureConfig.mains_hz)
    if not mains_frequencies(record_fs, MeasureConfig.mains_hz):
        notes.append(f"No mains filter: {mains} Hz cannot be told from a {record_fs:g} Hz signal.")
    elif view.mains_leads:
        where = ("every lead" if len(view.mains_leads) == len(view.leads)
                 else ", ".join(view.mains_leads) + "; not in the other leads")
        notes.append(f"Mains lines ({mains} Hz and harmonics) subtracted in {where}.")
    else:
        # page 1's traces pass the preprocessing's mains filter on every record: said, or the two pages
        # ("mains and harmonics removed", "none subtracted") read as contradicting each other
        notes.append(f"No mains line ({mains} Hz) found in this record: none subtracted before measuring "
                     f"(page 1's mains filter runs on every record).")
    return notes


def _shown(view: "MedianBeatView") -> np.ndarray:
    lo, hi = shown_ms(view)
    return (view.t_ms >= lo) & (view.t_ms <= hi)


def fitting_gain(view: "MedianBeatView", gains: tuple[float, ...] = (GAIN_MM_MV, 5.0, 2.5),
                 row_mm: float = ROW_MM) -> float:
    """The first of ``gains`` (mm/mV) at which every lead's shown beat stays inside its row of
    ``row_mm`` (1 mm from its edges, where ``cell_segments`` would clip it); the last when none
    does. What the PDF's median page and the app's tab are drawn at: a 6 mV R wave is not flattened
    at 1.9 mV."""
    shown = view.signal[:, _shown(view)]
    peak = float(np.nanmax(np.abs(shown))) if np.isfinite(shown).any() else 0.0
    half = row_mm / 2.0 - 1.0
    return next((g for g in gains if peak * g <= half), gains[-1])


@dataclass(frozen=True)
class MedianBeatView:
    """What a median-beat display draws, time in ms from the global QRS onset.

    Attributes:
        leads: the lead names, STANDARD_LEADS order (L,).
        t_ms: (K,) ms of each sample from the global QRS onset.
        signal: (L, K) mV, each lead's isoelectric level (10 ms before the QRS onset) at 0; NaN for
            unusable leads and samples no dominant beat covers.
        usable: (L,) bool, leads with a median beat.
        marks: (key, label, ms from the QRS onset, RGB) of each global fiducial found, in beat order;
            P onset, QRS offset and T end at the measured PR, QRS and QT (``MARK_INTERVALS``).
        n_beats: dominant beats the medians were taken over.
        fs: sampling rate of the median beat (Hz).
        caption: "Median beats computed by MIRAGE from N dominant beats".
        band_hz: the conditioning band-pass the beats went through (``MeasureConfig.band_hz``,
            its upper edge at most 0.4 fs as the measurement lowers it).
        span_ms: (first, last) ms of the beat itself (``beat_span``): the median window reaches
            into the previous T wave and the next beat at rates above ~65 bpm; (-inf, inf) when
            the RR is unknown.
        record_fs: the record's own sampling rate (Hz; 0: ``fs``), below ``fs`` when it was resampled
            for the measurement.
        mains_leads: the leads whose mains lines were subtracted before measuring
            (``Measurements.mains_leads``).
        intervals_how: how PR, QRS and QT were combined over the leads (``measure.combine.how_measured``:
            "Global PR, QRS and QT: earliest onset to latest offset over 12 leads ..."); "" unknown.
    """
    leads: tuple[str, ...]
    t_ms: np.ndarray
    signal: np.ndarray
    usable: np.ndarray
    marks: tuple[tuple[str, str, float, tuple[float, float, float]], ...]
    n_beats: int
    fs: float
    caption: str
    band_hz: tuple[float, float] = MeasureConfig.band_hz
    span_ms: tuple[float, float] = (-np.inf, np.inf)
    record_fs: float = 0.0
    mains_leads: tuple[str, ...] = ()
    intervals_how: str = ""

    def lead(self, name: str) -> np.ndarray:
        """(K,) mV of one lead by name."""
        return self.signal[self.leads.index(name)]


def median_beat_view(measurements) -> MedianBeatView | None:
    """The display of ``measurements.median`` (a ``measure.Measurements``); None when there is no
    median beat (no measurements, or measuring found too few alike beats)."""
    med = getattr(measurements, "median", None) if measurements is not None else None
    if med is None or np.asarray(med.signal).size == 0:
        return None
    x = np.asarray(med.signal, dtype=np.float64)                          # (L, K)
    L, K = x.shape
    fs = float(med.fs)
    qrs_on = med.fiducials.get("qrs_on", np.nan)
    zero = float(qrs_on) if np.isfinite(qrs_on) else float(med.anchor)
    # isoelectric level per lead, as the measurement takes it (the PR segment's end)
    k0 = int(np.clip(round(zero - BASELINE_BEFORE_QRS_S * fs), 0, K - 1))
    level = x[:, k0:k0 + 1]
    signal = x - np.where(np.isfinite(level), level, 0.0)
    marks = tuple((key, label, _mark_ms(measurements, key, (float(med.fiducials[key]) - zero) * 1000.0 / fs,
                                        fs, np.isfinite(qrs_on)), rgb)
                  for key, label, rgb in FIDUCIAL_MARKS
                  if np.isfinite(med.fiducials.get(key, np.nan)))
    n = int(med.n_beats)
    found = {key: ms for key, _label, ms, _rgb in marks}
    rr_before, rr_after = _dominant_rr_ms(measurements)
    lo, hi = MeasureConfig.band_hz
    return MedianBeatView(
        leads=tuple(STANDARD_LEADS[:L]), t_ms=(np.arange(K) - zero) * 1000.0 / fs, signal=signal,
        usable=np.isfinite(x).any(axis=1), marks=marks, n_beats=n, fs=fs,
        caption=f"Median beats computed by MIRAGE from {n} dominant beat{'s' if n != 1 else ''}",
        band_hz=(lo, min(hi, 0.4 * fs)), span_ms=beat_span(found, rr_before, rr_after),
        record_fs=float(getattr(measurements, "fs", 0.0) or 0.0),
        mains_leads=tuple(getattr(measurements, "mains_leads", ())), intervals_how=how_measured(measurements))


def _mark_ms(measurements, key: str, at_sample_ms: float, fs: float, from_qrs_onset: bool) -> float:
    """Where the ``key`` mark goes, ms from the QRS onset: at the interval it ends as measured (PR,
    QRS, QT: what pages 1 and 3 and the app's table print) when that lies within a sample of the
    fiducial ``at_sample_ms``, else at the fiducial."""
    field, sign = MARK_INTERVALS.get(key, (None, 0.0))
    value = getattr(measurements, field, None) if field and from_qrs_onset else None
    if value is None or not np.isfinite(value) or abs(sign * value - at_sample_ms) > 1000.0 / fs:
        return at_sample_ms
    return sign * float(value)


def _dominant_rr_ms(measurements) -> tuple[float | None, float | None]:
    """Median RR (ms) before and after the median's dominant beats (their neighbours need not be
    dominant); ``measurements.rr_ms`` where a side has none, None when that is unknown too."""
    beats = np.asarray(getattr(measurements, "beats", ()), dtype=np.float64)
    dominant = np.asarray(getattr(measurements, "dominant", ()), dtype=bool)
    fs = float(getattr(measurements, "fs", 0.0) or 0.0)
    fallback = getattr(measurements, "rr_ms", None)
    if len(beats) < 2 or len(dominant) != len(beats) or not fs > 0:
        return fallback, fallback
    rr = np.diff(beats) * 1000.0 / fs                                    # (n - 1,)
    before, after = rr[dominant[1:]], rr[dominant[:-1]]
    return (float(np.median(before)) if len(before) else fallback,
            float(np.median(after)) if len(after) else fallback)


def beat_span(marks_ms: dict[str, float], rr_before_ms: float | None,
              rr_after_ms: float | None) -> tuple[float, float]:
    """(first, last) ms from the QRS onset of one beat on its own, as a cart prints a median beat.

    The median window (``MeasureConfig.pre_s``/``post_s``) is 1.2 s, longer than the RR above
    ~65 bpm, so its ends hold the neighbours: the next beat's P and QRS, the previous beat's T.
    The next beat's waves sit one RR on from this beat's (its QRS onset at ``rr_after_ms``), the
    previous beat's one RR back. The span ends ``NEXT_BEAT_CLEAR_MS`` before the next P onset
    (the next QRS onset when there is no P; never nearer it than ``NEXT_QRS_CLEAR_MS``) and starts
    ``PREV_T_CLEAR_MS`` after the previous T end (the previous QRS offset when no T end was
    found), always keeping this beat's own P onset, baseline point and T end with room to spare.

    Args:
        marks_ms: fiducial key ("p_on", "qrs_off", "t_off", ...) -> ms from the QRS onset.
        rr_before_ms, rr_after_ms: the RR before and after the beat in ms; None: no cut on that side.

    Returns:
        (first, last) ms; -inf / inf on a side with no RR.
    """
    first, last = -np.inf, np.inf
    own_first = min(marks_ms.get("p_on", 0.0), -BASELINE_BEFORE_QRS_S * 1000.0) - OWN_WAVES_CLEAR_MS
    own_last = max(marks_ms.get("t_off", marks_ms.get("qrs_off", 0.0)), 0.0) + OWN_WAVES_CLEAR_MS
    if rr_after_ms is not None and np.isfinite(rr_after_ms) and rr_after_ms > 0:
        last = rr_after_ms - NEXT_QRS_CLEAR_MS
        if "p_on" in marks_ms:
            last = min(last, rr_after_ms + marks_ms["p_on"] - NEXT_BEAT_CLEAR_MS)
        last = max(last, min(own_last, rr_after_ms - NEXT_QRS_CLEAR_MS))
    if rr_before_ms is not None and np.isfinite(rr_before_ms) and rr_before_ms > 0:
        prev_end = marks_ms.get("t_off", marks_ms.get("qrs_off"))
        if prev_end is not None:
            first = min(prev_end - rr_before_ms + PREV_T_CLEAR_MS, own_first)
    return float(first), float(last)


def unavailable_reason(session) -> str:
    """Why ``session`` (a ``ReviewSession``) has no median beats, in a sentence; "" when it has."""
    if session is None:
        return "Open a record to see its median beats."
    m = session.measurements
    if m is not None and median_beat_view(m) is not None:
        return ""
    state = session.state.get("measurements")
    why = session.errors.get("measurements", "")
    if state == "pending":
        return "Median beats: still being computed."
    if m is None:
        return f"No median beats: the record was not measured ({why})." if why else \
            "No median beats: the record was not measured."
    notes = "; ".join(str(n) for n in (getattr(m, "notes", ()) or ()))
    return f"No median beats: {notes}." if notes else "No median beats could be built for this record."
