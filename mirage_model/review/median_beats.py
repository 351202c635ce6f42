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

# The leads as the page geometry's owner places them (``render.grid_rows``): the cart's 3x4
# (columns I-III, aVR-aVF, V1-V3, V4-V6), and its 6x2 turned on its side (limb leads in one row,
# chest leads in the other) for a wide, short space.
GRID_3X4: tuple[tuple[str, ...], ...] = tuple(tuple(STANDARD_LEADS[i] for i in row) for row in GRID_ROWS)
GRID_2X6: tuple[tuple[str, ...], ...] = tuple(tuple(STANDARD_LEADS[i] for i in col) for col in zip(*grid_rows(2)))

BASELINE_BEFORE_QRS_S = 0.010    # the isoelectric level: 10 ms before the QRS onset (the measure's own)

# The median-beat sheet in millimetres of paper (x right, y up from the sheet's bottom edge), the
# same for the PDF page and the app's tab: always the standard scale.
SPEED_MM_S = 25.0                # paper speed
GAIN_MM_MV = 10.0                # amplitude
CAL_MM = 10.0                    # the calibration pulses' column at the left
CELL_W_MM = 40.0                 # one lead: 1.6 s of paper
ROW_MM = 40.0                    # one row: +-2 mV around its baseline
QRS_AT_MM = 15.0                 # each cell's QRS onset lies on this 5 mm line (the cells align)
# the part of a beat a cell shows, ms from the QRS onset (1 mm clear of the cell's edges)
SHOWN_MS = (-(QRS_AT_MM - 1.0) / SPEED_MM_S * 1000.0, (CELL_W_MM - QRS_AT_MM - 1.0) / SPEED_MM_S * 1000.0)


@dataclass(frozen=True)
class SheetCell:
    """One lead's cell on the median-beat sheet, in mm: its QRS onset at ``qrs_x``, 0 mV at
    ``baseline``; the cell spans x in [x0, x0 + CELL_W_MM], y in baseline +- ROW_MM / 2."""
    lead: str
    row: int
    col: int
    x0: float
    qrs_x: float
    baseline: float


def sheet_size(grid: tuple[tuple[str, ...], ...] = GRID_3X4) -> tuple[float, float]:
    """(width, height) in mm of the sheet of ``grid`` (pulses' column included)."""
    return CAL_MM + len(grid[0]) * CELL_W_MM, len(grid) * ROW_MM


def sheet_cells(grid: tuple[tuple[str, ...], ...] = GRID_3X4) -> tuple[SheetCell, ...]:
    """The 12 cells of ``grid`` (the cart's 3x4 by default), row by row."""
    height = sheet_size(grid)[1]
    out = []
    for i, row in enumerate(grid):
        for j, lead in enumerate(row):
            x0 = CAL_MM + j * CELL_W_MM
            out.append(SheetCell(lead, i, j, x0, x0 + QRS_AT_MM, height - (i + 0.5) * ROW_MM))
    return tuple(out)


def cell_segments(view: "MedianBeatView", cell: SheetCell,
                  gain_mm_mv: float = GAIN_MM_MV) -> list[tuple[np.ndarray, np.ndarray]]:
    """The lead's beat in ``cell`` as (x mm, y mm) runs of finite samples inside the shown window
    (a sample no beat covers breaks the line: nothing is invented), at ``gain_mm_mv``; amplitudes
    beyond the row are clipped to it (1 mm inside: ``fitting_gain`` picks a gain that needs none)."""
    y = view.lead(cell.lead)
    ok = _shown(view) & np.isfinite(y)
    half = ROW_MM / 2.0 - 1.0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    out = []
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a >= 2:
            out.append((cell.qrs_x + view.t_ms[a:b] * SPEED_MM_S / 1000.0,
                        cell.baseline + np.clip(y[a:b] * gain_mm_mv, -half, half)))
    return out


def _shown(view: "MedianBeatView") -> np.ndarray:
    return (view.t_ms >= SHOWN_MS[0]) & (view.t_ms <= SHOWN_MS[1])


def fitting_gain(view: "MedianBeatView", gains: tuple[float, ...] = (GAIN_MM_MV, 5.0, 2.5)) -> float:
    """The first of ``gains`` (mm/mV) at which every lead's shown beat stays inside its row (1 mm
    from its edges, where ``cell_segments`` would clip it); the last when none does. What the PDF's
    median page is drawn at: a 6 mV R wave is not flattened at 1.9 mV."""
    shown = view.signal[:, _shown(view)]
    peak = float(np.nanmax(np.abs(shown))) if np.isfinite(shown).any() else 0.0
    half = ROW_MM / 2.0 - 1.0
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
        marks: (key, label, ms from the QRS onset, RGB) of each global fiducial found, in beat order.
        n_beats: dominant beats the medians were taken over.
        fs: sampling rate of the median beat (Hz).
        caption: "Median beats computed by MIRAGE from N dominant beats".
        band_hz: the conditioning band-pass the beats went through (``MeasureConfig.band_hz``,
            its upper edge at most 0.4 fs as the measurement lowers it).
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
    marks = tuple((key, label, (float(med.fiducials[key]) - zero) * 1000.0 / fs, rgb)
                  for key, label, rgb in FIDUCIAL_MARKS
                  if np.isfinite(med.fiducials.get(key, np.nan)))
    n = int(med.n_beats)
    lo, hi = MeasureConfig.band_hz
    return MedianBeatView(
        leads=tuple(STANDARD_LEADS[:L]), t_ms=(np.arange(K) - zero) * 1000.0 / fs, signal=signal,
        usable=np.isfinite(x).any(axis=1), marks=marks, n_beats=n, fs=fs,
        caption=f"Median beats computed by MIRAGE from {n} dominant beat{'s' if n != 1 else ''}",
        band_hz=(lo, min(hi, 0.4 * fs)))


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
