"""ECG paper in millimetres: the page layout of the traces (12x1, 6x2, 3x4) and the grid.

Scene coordinates are millimetres of paper (x to the right, y up). A trace sample (t s, v mV) of
a panel sits at ``x = x0 + (t - t0) * speed``, ``y = baseline + v * gain``, so 25 mm/s and 10 mm/mV
are properties of the paper. Which lead goes in which row and column over which seconds is
``render.page_cells``'s (the same page as the model's image and the PDF); this module only scales
the cells to millimetres.

The paper covers every trace: it grows above the top row and below the bottom row for tall waves
(up to MAX_GROW_MM), and the view clips the traces to the paper beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen

from mirage_model.render import PAGE_S, page_cells

SPEEDS = (12.5, 25.0, 50.0)          # mm/s
GAINS = (5.0, 10.0, 20.0)            # mm/mV
LAYOUTS = ("12x1", "6x2", "3x4")
CAL_MV, CAL_S = 1.0, 0.2             # calibration pulse: 1 mV x 200 ms
TOP_MM, BOTTOM_MM, RIGHT_MM = 10.0, 3.0, 5.0   # paper beyond the outer rows and after the traces
MAX_GROW_MM = 60.0                   # the paper grows at most this much above / below for tall traces
# 12x1 draws each lead over the whole record up to this long; a longer one (a Holter hour: 90 m of
# paper at 25 mm/s, its "Fit page" a smear) page by page, the page box's 10 s as in 6x2 and 3x4
WHOLE_12X1_S = 60.0

PAPER = QColor(255, 250, 247)
MINOR = QColor(246, 196, 196)
MAJOR = QColor(226, 120, 120)
OUTSIDE = QColor(214, 214, 214)
TRACE = QColor(15, 15, 25)


@dataclass(frozen=True)
class TracePanel:
    """One drawn trace in paper millimetres.

    lead: index 0..11 (STANDARD_LEADS); t0, t1: the record's seconds it shows; x0: paper x (mm) of
    t0; baseline: paper y (mm) of 0 mV; height: the row's height (mm); rhythm: the lead II strip.
    """
    lead: int
    t0: float
    t1: float
    x0: float
    baseline: float
    height: float
    rhythm: bool = False

    def x_of(self, t, speed: float):
        return self.x0 + (np.asarray(t) - self.t0) * speed

    def t_of(self, x, speed: float):
        return self.t0 + (np.asarray(x) - self.x0) / speed

    def y_of(self, mv, gain: float):
        return self.baseline + np.asarray(mv) * gain

    def mv_of(self, y, gain: float):
        return (np.asarray(y) - self.baseline) / gain

    def width(self, speed: float) -> float:
        return (self.t1 - self.t0) * speed

    def contains(self, x: float, y: float, speed: float) -> bool:
        return (self.x0 <= x <= self.x0 + self.width(speed)
                and self.baseline - self.height / 2 <= y <= self.baseline + self.height / 2)


@dataclass(frozen=True)
class PaperLayout:
    """All panels of a page, the page size (mm) and where each row's calibration pulse sits (the 12 leads' rows,
    then the extra leads'). ``extra``: a row a lead outside the 12 below them (``EcgRecord.extra_leads``), over the
    page's time; their ``lead`` indexes the record's extra leads, not STANDARD_LEADS."""
    panels: tuple[TracePanel, ...]
    width: float
    height: float
    trace_x0: float
    row_baselines: tuple[float, ...]
    extra: tuple[TracePanel, ...] = ()


def paged(layout: str, duration_s: float) -> bool:
    """Whether ``layout`` shows a record of ``duration_s`` one 10 s page at a time (6x2 and 3x4
    always; 12x1 past WHOLE_12X1_S), so that the page box chooses what is on the paper."""
    return layout != "12x1" or duration_s > WHOLE_12X1_S + 1e-9


def row_pitch(layout: str, gain: float) -> float:
    """Row height in mm: room for about 3 mV (2.5 mV in 12x1), never below 15 mm."""
    mv = 2.5 if layout == "12x1" else 3.0
    return max(15.0, mv * gain)


def _margin(excursion_mm: float, default: float) -> float:
    """Paper beyond the outer row: ``default`` mm, more (in 5 mm steps, up to MAX_GROW_MM more) when
    a trace reaches ``excursion_mm`` past its row's edge."""
    need = float(excursion_mm) + 2.0
    if not np.isfinite(need) or need <= default:
        return default
    return default + min(MAX_GROW_MM, 5.0 * np.ceil((need - default) / 5.0))


def make_paper_layout(layout: str, duration_s: float, speed: float, gain: float, page_start_s: float = 0.0,
                      extent_mv: tuple[float, float] | None = None, extra: int = 0) -> PaperLayout:
    """Place the panels of ``layout`` on paper.

    12x1: each lead over the whole record, or over the 10 s page starting at ``page_start_s`` for a
    record longer than WHOLE_12X1_S (``paged``). 6x2 / 3x4: columns are consecutive slices of a 10 s
    page starting at ``page_start_s`` (the page is shorter for shorter records), plus a lead II
    rhythm strip over the whole page.

    ``extent_mv``: (lowest mV drawn in the bottom row, highest mV drawn in the top row). The paper
    grows above and below so that it covers those traces (by at most MAX_GROW_MM each side; the
    view clips anything further out, e.g. a lead-off spike, at the paper's edge). Rows keep their
    pitch, so leads never move relative to each other.

    ``extra``: rows below the 12 (and the rhythm strip) for the file's leads outside them, each over the page's
    time (12x1's whole record, or its page), at the same pitch; ``extent_mv``'s lowest is then the last one's.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    pitch = row_pitch(layout, gain)
    trace_x0 = 5.0 + CAL_S * speed + 5.0
    if layout == "12x1":
        n_cols = 1
        t0, t1 = 0.0, duration_s
        if paged(layout, duration_s):
            t0 = min(max(0.0, page_start_s), max(0.0, duration_s - PAGE_S))
            t1 = min(duration_s, t0 + PAGE_S)
        cells = page_cells(1, t0, t1 - t0, rhythm=False)     # each lead over the record (or its page)
        n_rows = 12
    else:
        n_cols = 2 if layout == "6x2" else 4
        t0 = min(max(0.0, page_start_s), max(0.0, duration_s - PAGE_S))
        t1 = min(duration_s, t0 + PAGE_S)
        cells = page_cells(n_cols, t0, t1 - t0)             # the model's image's and the PDF's page
        n_rows = 12 // n_cols + 1                            # and the rhythm strip
    seg = (t1 - t0) / n_cols
    # paper above the first row (tall R waves stay on paper) and below the last
    top, bottom = TOP_MM, BOTTOM_MM
    if extent_mv is not None:
        lo_mv, hi_mv = extent_mv
        top = _margin(hi_mv * gain - pitch / 2, TOP_MM)
        bottom = _margin(-lo_mv * gain - pitch / 2, BOTTOM_MM)
    height = (n_rows + extra) * pitch + top + bottom
    baselines = tuple(height - top - (r + 0.5) * pitch for r in range(n_rows + extra))
    panels = tuple(TracePanel(c.lead, c.t0, c.t1, trace_x0 + c.col * seg * speed, baselines[c.row], pitch,
                              rhythm=c.rhythm) for c in cells)
    more = tuple(TracePanel(j, t0, t1, trace_x0, baselines[n_rows + j], pitch) for j in range(extra))
    width = trace_x0 + (t1 - t0) * speed + RIGHT_MM
    return PaperLayout(panels, width, height, trace_x0, baselines, more)


def line_width(step_mm: float, px_per_mm: float, dpr: float = 1.0) -> int:
    """Pen width of the grid's ``step_mm`` lines at ``px_per_mm`` (logical pixels) on a screen of
    device pixel ratio ``dpr``: a whole number of device pixels (a cosmetic pen's width is in device
    pixels, whatever the ratio).

    Drawn without antialiasing, a fractional width rounds to one or two pixels depending on where
    each line falls: the 5 mm lines came out of two weights at irregular intervals. 1 mm lines one
    device pixel (two from a ratio of 2); 5 mm lines the same, set apart by their colour, and one
    pixel heavier where a millimetre is at least 5 of those widths.
    """
    base = max(1, int(dpr))
    return base + 1 if step_mm >= 5.0 and px_per_mm * dpr >= 5.0 * base else base


def _device_pixel_ratio(p: QPainter) -> float:
    device = p.device()
    try:
        ratio = float(device.devicePixelRatioF()) if device is not None else 1.0
    except (AttributeError, RuntimeError):
        ratio = 1.0
    return ratio if np.isfinite(ratio) and ratio > 0 else 1.0


class PaperGrid(pg.GraphicsObject):
    """ECG paper: 1 mm minor and 5 mm major lines on a pale background, only the visible part."""

    def __init__(self):
        super().__init__()
        self._rect = QRectF(0, 0, 1, 1)
        self.setZValue(-100)

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, p: QPainter, *args) -> None:
        view = self.viewRect()
        rect = self._rect.intersected(view) if view is not None else QRectF(self._rect)
        if rect.isEmpty():
            return
        p.fillRect(rect, PAPER)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)   # axis-aligned lines: crisp and fast
        px_per_mm = 0.0
        vb = self.getViewBox()
        if vb is not None and view is not None and view.width() > 0:
            px_per_mm = vb.width() / view.width()
        dpr = _device_pixel_ratio(p)
        for step, colour, min_px in ((1.0, MINOR, 3.0), (5.0, MAJOR, 2.0)):
            if px_per_mm and px_per_mm * step < min_px:
                continue
            pen = QPen(colour)
            pen.setCosmetic(True)
            pen.setWidth(line_width(step, px_per_mm, dpr))
            p.setPen(pen)
            x = np.arange(np.ceil(rect.left() / step) * step, rect.right() + 1e-9, step)
            y = np.arange(np.ceil(rect.top() / step) * step, rect.bottom() + 1e-9, step)
            if step == 1.0:  # do not draw minor lines under major ones
                x = x[np.abs(x / 5.0 - np.round(x / 5.0)) > 1e-6]
                y = y[np.abs(y / 5.0 - np.round(y / 5.0)) > 1e-6]
            # plain Python floats: numpy scalars into Qt constructors are slow (and were unsafe)
            top, bottom, left, right = rect.top(), rect.bottom(), rect.left(), rect.right()
            lines = [QLineF(xv, top, xv, bottom) for xv in x.tolist()]
            lines += [QLineF(left, yv, right, yv) for yv in y.tolist()]
            if lines:
                p.drawLines(lines)

