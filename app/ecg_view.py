"""The 12-lead trace view: ECG paper at true physical scale, layouts, calipers and overlays.

Scene coordinates are millimetres of paper (x to the right, y up). A trace sample (t s, v mV) of
a panel sits at ``x = x0 + (t - t0) * speed``, ``y = baseline + v * gain``, so 25 mm/s and 10 mm/mV
are properties of the paper, and the view maps 1 mm of paper to 1 mm of glass using the screen's
physical DPI (``QScreen.physicalDotsPerInch``, in device-independent pixels). Zoom is a separate
factor on top of that, always shown in the scale label; "reset to true scale" sets it back to 1.

Speed: one reused ``PlotDataItem`` (one ``PlotCurveItem``) per panel, ``skipFiniteCheck=True``,
``setClipToView(True)`` and automatic peak downsampling, so a 2-minute record pans as smoothly as
a 10 s one. The grid paints only the lines that are visible.

The paper covers every trace: it grows above the top row and below the bottom row for tall waves
(up to MAX_GROW_MM), and the traces are clipped to the paper beyond that (a lead-off spike), so no
ink ever lands on the grey outside the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QTransform
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QGraphicsItem, QGraphicsRectItem, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
    QToolBar, QToolButton, QVBoxLayout, QWidget,
)

from app.display_filters import display_filter
from mirage_model.records import STANDARD_LEADS
from mirage_model.render import PAGE_S, RHYTHM_LEAD, grid_rows

SPEEDS = (12.5, 25.0, 50.0)          # mm/s
GAINS = (5.0, 10.0, 20.0)            # mm/mV
LAYOUTS = ("12x1", "6x2", "3x4")
CAL_MV, CAL_S = 1.0, 0.2             # calibration pulse: 1 mV x 200 ms
TOP_MM, BOTTOM_MM, RIGHT_MM = 10.0, 3.0, 5.0   # paper beyond the outer rows and after the traces
MAX_GROW_MM = 60.0                   # the paper grows at most this much above / below for tall traces

PAPER = QColor(255, 250, 247)
MINOR = QColor(246, 196, 196)
MAJOR = QColor(226, 120, 120)
OUTSIDE = QColor(214, 214, 214)
TRACE = QColor(15, 15, 25)

FIDUCIAL_STYLE = {                   # name -> (symbol, colour)
    "p_on": ("t1", (40, 120, 220)), "p_off": ("t1", (40, 120, 220)),
    "qrs_on": ("t", (20, 150, 60)), "qrs_off": ("t", (20, 150, 60)),
    "r_peak": ("o", (230, 120, 0)), "t_off": ("t1", (150, 50, 180)),
}


# pyqtgraph symbols: "t1" a triangle pointing up, "t" one pointing down, "o" a dot
FIDUCIAL_NAMES = (("p_on", "P on/off", "\u25b2"), ("qrs_on", "QRS on/off", "\u25bc"),
                  ("r_peak", "R peak", "\u25cf"), ("t_off", "T end", "\u25b2"))


def fiducial_legend_html() -> str:
    """What each fiducial mark means, in its own symbol and colour (the legend beside "Fiducials")."""
    parts = []
    for key, name, glyph in FIDUCIAL_NAMES:
        r, g, b = FIDUCIAL_STYLE[key][1]
        parts.append(f"<span style='color:rgb({r},{g},{b})'>{glyph}</span> {name}")
    return "&nbsp;&nbsp;".join(parts)


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
    """All panels of a page, the page size (mm) and where each row's calibration pulse sits."""
    panels: tuple[TracePanel, ...]
    width: float
    height: float
    trace_x0: float
    row_baselines: tuple[float, ...]


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
                      extent_mv: tuple[float, float] | None = None) -> PaperLayout:
    """Place the panels of ``layout`` on paper.

    12x1: each lead over the whole record. 6x2 / 3x4: columns are consecutive slices of a 10 s page
    starting at ``page_start_s`` (the page is shorter for shorter records), plus a lead II rhythm
    strip over the whole page.

    ``extent_mv``: (lowest mV drawn in the bottom row, highest mV drawn in the top row). The paper
    grows above and below so that it covers those traces (by at most MAX_GROW_MM each side; the
    view clips anything further out, e.g. a lead-off spike, at the paper's edge). Rows keep their
    pitch, so leads never move relative to each other.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    pitch = row_pitch(layout, gain)
    trace_x0 = 5.0 + CAL_S * speed + 5.0
    panels: list[TracePanel] = []
    if layout == "12x1":
        n_rows = 12
        t0, t1 = 0.0, duration_s
        rows = [[lead] for lead in range(12)]
        n_cols, seg, rhythm = 1, t1 - t0, False
    else:
        n_cols = 2 if layout == "6x2" else 4
        n_per_col = 12 // n_cols
        t0 = min(max(0.0, page_start_s), max(0.0, duration_s - PAGE_S))
        t1 = min(duration_s, t0 + PAGE_S)
        seg = (t1 - t0) / n_cols
        rows = grid_rows(n_cols)                  # the same lead order as the model's image and the PDF
        n_rows, rhythm = n_per_col + 1, True
    # paper above the first row (tall R waves stay on paper) and below the last
    top, bottom = TOP_MM, BOTTOM_MM
    if extent_mv is not None:
        lo_mv, hi_mv = extent_mv
        top = _margin(hi_mv * gain - pitch / 2, TOP_MM)
        bottom = _margin(-lo_mv * gain - pitch / 2, BOTTOM_MM)
    height = n_rows * pitch + top + bottom
    baselines = tuple(height - top - (r + 0.5) * pitch for r in range(n_rows))
    for r, leads in enumerate(rows):
        for c, lead in enumerate(leads):
            a = t0 + c * seg
            panels.append(TracePanel(lead, a, a + seg, trace_x0 + c * seg * speed, baselines[r], pitch))
    if rhythm:
        panels.append(TracePanel(RHYTHM_LEAD, t0, t1, trace_x0, baselines[-1], pitch, rhythm=True))
    width = trace_x0 + (t1 - t0) * speed + RIGHT_MM
    return PaperLayout(tuple(panels), width, height, trace_x0, baselines)


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
        for step, colour, min_px in ((1.0, MINOR, 3.0), (5.0, MAJOR, 2.0)):
            if px_per_mm and px_per_mm * step < min_px:
                continue
            pen = QPen(colour)
            pen.setCosmetic(True)
            pen.setWidthF(1.0 if step == 1.0 else 1.25)
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


def _heat_lut(rgb=(150, 40, 200), max_alpha=120, floor=0.25) -> np.ndarray:
    """(256, 4) uint8 lookup: transparent up to ``floor``, then ``rgb`` rising to ``max_alpha`` at 1."""
    lut = np.zeros((256, 4), np.uint8)
    lut[:, :3] = rgb
    ramp = np.clip((np.linspace(0.0, 1.0, 256) - floor) / (1.0 - floor), 0.0, 1.0)
    lut[:, 3] = (max_alpha * ramp).astype(np.uint8)
    return lut


def short_method(text: str) -> str:
    """The first clause of a method description, for captions (the full text goes in tooltips)."""
    text = str(text)
    depth = 0
    for i, ch in enumerate(text):   # cut at the first comma or semicolon outside parentheses
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch in ",;":
            return text[:i]
    return text


class EcgPlot(pg.GraphicsView):
    """The paper and its traces. See the module docstring for coordinates and scale."""

    scaleChanged = Signal(str)        # the honest scale label text
    overlayChanged = Signal(str)      # which overlays are on and the methods that made them
    caliperChanged = Signal(object)   # dict: dt_ms, rate_bpm, dmv, lead or None when hidden

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground(OUTSIDE)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.vb = pg.ViewBox(enableMenu=False, lockAspect=1.0, invertY=False)
        self.vb.setMouseMode(pg.ViewBox.PanMode)
        self.setCentralItem(self.vb)
        self.vb.disableAutoRange()
        self.grid = PaperGrid()
        self.vb.addItem(self.grid, ignoreBounds=True)
        # The traces are children of a paper-sized item that clips them: whatever a trace does (a
        # lead-off spike of 20 mV), nothing is drawn off the paper, which itself grows to cover
        # ordinary tall waves (make_paper_layout's extent_mv).
        self.trace_clip = QGraphicsRectItem(0, 0, 1, 1)
        self.trace_clip.setPen(QPen(Qt.PenStyle.NoPen))
        self.trace_clip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, True)
        self.trace_clip.setZValue(10)
        self.vb.addItem(self.trace_clip, ignoreBounds=True)

        self.record = None
        self.speed = 25.0
        self.gain = 10.0
        self.layout_name = "3x4"
        self.page_start_s = 0.0
        self.highpass = False
        self.notch_hz: float | None = None
        self._display: np.ndarray | None = None   # (L, T) mV after display filters
        self._time: np.ndarray | None = None      # (T,) s
        self.paper: PaperLayout | None = None
        self.zoom = 1.0
        self._dpi_override = 0.0
        self._applying = False
        self._anchor: QPointF | None = None   # paper point (mm) at the view's top-left corner

        self.curves: list[pg.PlotDataItem] = []   # one per panel, reused across records
        self.labels: list[pg.TextItem] = []
        self.cal_items: list[pg.PlotCurveItem] = []
        self.band_items: list[QRectF] = []
        self._bands: list = []
        self._sal_items: list[pg.ImageItem] = []
        self._imp_labels: list[pg.TextItem] = []
        self.fiducials = pg.ScatterPlotItem(size=7, pxMode=True)
        self.fiducials.setZValue(20)
        self.vb.addItem(self.fiducials)
        self.fiducials.setVisible(False)
        self.measurements = None
        self.show_fiducials = False
        self.explanation = None
        self.show_importance = True
        self.show_saliency = True
        self.saliency_method = "rollout"    # "rollout" (signal_saliency) or "gradient" (signal_gradient)
        self.overlay_text = ""

        self.caliper_a = pg.TargetItem(size=14, pen=pg.mkPen((0, 90, 200), width=2), movable=True)
        self.caliper_b = pg.TargetItem(size=14, pen=pg.mkPen((0, 90, 200), width=2), movable=True)
        self.caliper_line = pg.PlotCurveItem(pen=pg.mkPen((0, 90, 200), width=1.5, style=Qt.PenStyle.DashLine))
        self.caliper_text = pg.TextItem(color=(0, 60, 160), fill=pg.mkBrush(255, 255, 255, 220), anchor=(0, 1))
        for item in (self.caliper_a, self.caliper_b, self.caliper_line, self.caliper_text):
            item.setZValue(40)
            item.setVisible(False)
            self.vb.addItem(item, ignoreBounds=True)
        self.caliper_a.sigPositionChanged.connect(self._caliper_moved)
        self.caliper_b.sigPositionChanged.connect(self._caliper_moved)
        self.caliper_a.sigPositionChangeFinished.connect(self._caliper_snap)
        self.caliper_b.sigPositionChangeFinished.connect(self._caliper_snap)
        self.snap = True

        self.vb.sigResized.connect(self._on_resized)
        self.vb.sigRangeChangedManually.connect(self._on_user_range)
        self.vb.sigRangeChanged.connect(self._on_range)

    # ------------------------------------------------------------------ scale
    def physical_dpi(self) -> float:
        """Physical dots per inch in device-independent pixels (settings override, else the screen's)."""
        if self._dpi_override > 0:
            return self._dpi_override
        screen = self.screen() if self.window() is not None else None
        if screen is None:
            from PySide6.QtGui import QGuiApplication
            screen = QGuiApplication.primaryScreen()
        dpi = screen.physicalDotsPerInch() if screen is not None else 96.0
        return dpi if dpi and np.isfinite(dpi) and dpi > 20 else 96.0

    def set_dpi_override(self, dpi: float) -> None:
        self._dpi_override = float(dpi or 0.0)
        self.apply_scale()

    def px_per_mm(self) -> float:
        """Screen pixels (device-independent) per millimetre of glass."""
        return self.physical_dpi() / 25.4

    def px_per_paper_mm(self) -> float:
        """Screen pixels per millimetre of paper as currently drawn (true scale: == px_per_mm())."""
        view = self.vb.viewRect()
        if view.width() <= 0 or self.vb.width() <= 0:
            return self.px_per_mm() * self.zoom
        return self.vb.width() / view.width()

    def apply_scale(self, anchor: QPointF | None = None) -> None:
        """Set the view range so that 1 mm of paper is ``zoom`` mm on screen, keeping the top-left corner."""
        w, h = self.vb.width(), self.vb.height()
        if w <= 1 or h <= 1:
            return
        view = self.vb.viewRect()
        mm_w = w / (self.px_per_mm() * self.zoom)
        mm_h = h / (self.px_per_mm() * self.zoom)
        if anchor is None:
            if self._anchor is not None:
                anchor = self._anchor
            elif self.paper is not None and (view.width() <= 0 or not np.isfinite(view.left()) or view.width() > 1e6):
                anchor = QPointF(0.0, self.paper.height)
            else:
                anchor = QPointF(view.left(), view.bottom())  # ViewBox y is up: bottom() is the top edge
        self._anchor = QPointF(anchor)
        self._applying = True
        try:
            self.vb.setRange(xRange=(anchor.x(), anchor.x() + mm_w), yRange=(anchor.y() - mm_h, anchor.y()), padding=0)
        finally:
            self._applying = False
        self._emit_scale()

    def reset_scale(self) -> None:
        """Zoom 1 (true scale) with the page's top-left corner in the view's top-left corner."""
        self.zoom = 1.0
        if self.paper is not None:
            self.apply_scale(QPointF(-2.0, self.paper.height + 2.0))
        else:
            self.apply_scale()

    def fit_page(self) -> None:
        """Zoom so that the whole page fits (the scale label then says so)."""
        if self.paper is None or self.vb.width() <= 1:
            return
        zx = self.vb.width() / ((self.paper.width + 4) * self.px_per_mm())
        zy = self.vb.height() / ((self.paper.height + 4) * self.px_per_mm())
        self.zoom = min(zx, zy)
        self.apply_scale(QPointF(-2.0, self.paper.height + 2.0))

    def set_zoom(self, zoom: float) -> None:
        """Zoom about the view's centre (1 = true scale)."""
        view = self.vb.viewRect()
        centre = view.center()
        self.zoom = float(np.clip(zoom, 0.05, 40.0))
        if view.width() > 0 and self.vb.width() > 0:
            mm_w = self.vb.width() / (self.px_per_mm() * self.zoom)
            mm_h = self.vb.height() / (self.px_per_mm() * self.zoom)
            self.apply_scale(QPointF(centre.x() - mm_w / 2, centre.y() + mm_h / 2))
        else:
            self.apply_scale()

    def _on_resized(self, *args) -> None:
        self.apply_scale()

    def _on_user_range(self, *args) -> None:
        # wheel zoom and drags: read the new zoom back from the range the ViewBox chose
        view = self.vb.viewRect()
        if view.width() > 0 and self.vb.width() > 0:
            self.zoom = self.vb.width() / (view.width() * self.px_per_mm())
            self._anchor = QPointF(view.left(), view.bottom())
        self._emit_scale()

    def _on_range(self, *args) -> None:
        # Programmatic and resize-driven range changes keep the zoom factor; only the user's wheel
        # and drags change it (sigRangeChangedManually -> _on_user_range).
        pass

    def scale_text(self) -> str:
        """E.g. "25 mm/s, 10 mm/mV (true scale)" or "... zoom 2.00x: 50 mm/s, 20 mm/mV on screen"."""
        base = f"{self.speed:g} mm/s, {self.gain:g} mm/mV"
        if abs(self.zoom - 1.0) < 0.005:
            return f"{base} (true scale)"
        return (f"{base}, zoom {self.zoom:.2f}x: {self.speed * self.zoom:.3g} mm/s, "
                f"{self.gain * self.zoom:.3g} mm/mV on screen")

    def _emit_scale(self) -> None:
        self.scaleChanged.emit(self.scale_text())

    # ------------------------------------------------------------------ data
    def set_record(self, record) -> None:
        """Show an EcgRecord; keeps speed, gain, layout, filters and zoom."""
        self.record = record
        self.measurements = None
        self.explanation = None
        self.page_start_s = 0.0
        self._time = np.arange(record.signal.shape[1], dtype=np.float64) / float(record.fs)
        self._refilter()
        self.hide_calipers()
        self.redraw(reset_view=True)

    def set_filters(self, highpass: bool, notch_hz: float | None) -> None:
        """Display filters: baseline high-pass and mains notch (view only; the model never sees them)."""
        self.highpass, self.notch_hz = bool(highpass), (float(notch_hz) if notch_hz else None)
        if self.record is not None:
            self._refilter()
            self.redraw()

    def _refilter(self) -> None:
        self._display = display_filter(self.record.signal, self.record.fs, self.highpass, self.notch_hz)
        self._finite = np.isfinite(self._display).all(axis=1)

    def displayed_signal(self) -> np.ndarray | None:
        """(L, T) mV as drawn (after the display filters)."""
        return self._display

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        self.redraw()

    def set_gain(self, gain: float) -> None:
        self.gain = float(gain)
        self.redraw()

    def set_layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout {name!r}")
        self.layout_name = name
        self.redraw(reset_view=True)

    def set_page_start(self, t: float) -> None:
        self.page_start_s = max(0.0, float(t))
        self.redraw()

    def _ensure_items(self, n: int) -> None:
        while len(self.curves) < n:
            # autoDownsampleFactor 1: about one peak pair (min, max) per screen pixel
            curve = pg.PlotDataItem(pen=pg.mkPen(TRACE, width=1.0), antialias=True, autoDownsampleFactor=1.0)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            curve.setParentItem(self.trace_clip)   # no ink off the paper
            self.curves.append(curve)
            label = pg.TextItem(color=(20, 20, 20), anchor=(0, 0))
            label.setZValue(15)
            self.vb.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        while len(self.cal_items) < 13:
            cal = pg.PlotCurveItem(pen=pg.mkPen(TRACE, width=1.0))
            cal.setZValue(10)
            self.vb.addItem(cal, ignoreBounds=True)
            self.cal_items.append(cal)

    def _ensure_overlay_items(self, n: int) -> None:
        # made on the first explanation only: a record without a model result draws faster
        while len(self._bands) < n:
            band = pg.QtWidgets.QGraphicsRectItem()
            band.setPen(QPen(Qt.PenStyle.NoPen))
            band.setZValue(-50)
            self.vb.addItem(band, ignoreBounds=True)
            self._bands.append(band)
            sal = pg.ImageItem(axisOrder="row-major")
            sal.setLookupTable(_heat_lut())
            sal.setLevels((0.0, 1.0))
            sal.setZValue(-40)
            self.vb.addItem(sal, ignoreBounds=True)
            self._sal_items.append(sal)
            imp = pg.TextItem(color=(150, 60, 0), anchor=(0, 0))
            imp.setZValue(15)
            self.vb.addItem(imp, ignoreBounds=True)
            self._imp_labels.append(imp)

    def panels(self) -> tuple[TracePanel, ...]:
        return self.paper.panels if self.paper is not None else ()

    def panel_curves(self) -> list[tuple[TracePanel, pg.PlotDataItem]]:
        """(panel, its curve item) for every drawn panel."""
        return list(zip(self.panels(), self.curves))

    def redraw(self, reset_view: bool = False) -> None:
        """Lay out the page and set every curve's data (mm) from the displayed signal."""
        if self.record is None:
            return
        args = (self.layout_name, self.record.duration_s, self.speed, self.gain, self.page_start_s)
        self.paper = make_paper_layout(*args)
        self.paper = make_paper_layout(*args, extent_mv=self._outer_rows_mv(self.paper))
        panels = self.paper.panels
        self._ensure_items(len(panels))
        page = QRectF(0, 0, self.paper.width, self.paper.height)
        self.grid.set_rect(page)
        self.trace_clip.setRect(page)
        for i, curve in enumerate(self.curves):
            if i >= len(panels):
                curve.setData([], [])
                curve.setVisible(False)
                self.labels[i].setVisible(False)
                continue
            p = panels[i]
            s = self._panel_samples(p)
            x = p.x_of(self._time[s], self.speed)
            y = p.y_of(self._display[p.lead, s].astype(np.float64), self.gain)
            finite = bool(self._finite[p.lead])
            curve.setData(x, y, skipFiniteCheck=finite, connect="all" if finite else "finite")
            curve.setVisible(True)
            label = self.labels[i]
            name = STANDARD_LEADS[p.lead] + (" (rhythm)" if p.rhythm else "")
            flags = self._lead_flags(p.lead)
            label.setText(name + (f"  [{flags}]" if flags else ""))
            label.setPos(p.x0 + 1.0, p.baseline + p.height / 2 - 0.5)
            label.setVisible(True)
        for r, cal in enumerate(self.cal_items):
            if r >= len(self.paper.row_baselines):
                cal.setVisible(False)
                continue
            yb = self.paper.row_baselines[r]
            x0 = self.paper.trace_x0 - CAL_S * self.speed - 2.5
            w, h = CAL_S * self.speed, CAL_MV * self.gain
            cal.setData(np.array([x0 - 2.5, x0, x0, x0 + w, x0 + w, x0 + w + 2.5]),
                        np.array([yb, yb, yb + h, yb + h, yb, yb]))
            cal.setVisible(True)
        self._draw_fiducials()
        self._draw_overlays()
        if reset_view:
            self.reset_scale()
        else:
            self.apply_scale()

    def _panel_samples(self, p: TracePanel) -> slice:
        """The samples a panel draws: [t0, t1), plus the one at t1 where the next column starts."""
        fs, n = float(self.record.fs), self._display.shape[1]
        a = int(round(p.t0 * fs))
        b = min(n, int(round(p.t1 * fs)) + (0 if p.rhythm or p.t1 >= self.record.duration_s else 1))
        return slice(a, b)

    def _outer_rows_mv(self, paper: PaperLayout) -> tuple[float, float]:
        """(lowest mV in the bottom row, highest mV in the top row) of the displayed signal."""
        lo, hi = 0.0, 0.0
        for p in paper.panels:
            if p.baseline not in (paper.row_baselines[0], paper.row_baselines[-1]):
                continue
            seg = self._display[p.lead, self._panel_samples(p)]
            if seg.size == 0 or not np.isfinite(seg).any():
                continue
            if p.baseline == paper.row_baselines[0]:
                hi = max(hi, float(np.nanmax(seg)))
            if p.baseline == paper.row_baselines[-1]:
                lo = min(lo, float(np.nanmin(seg)))
        return lo, hi

    def _lead_flags(self, lead: int) -> str:
        quality = getattr(self.record, "quality", None) or {}
        flags = [name for name in ("flat", "saturated", "missing", "derived")
                 if name in quality and np.asarray(quality[name]).shape == (12,) and bool(quality[name][lead])]
        return ", ".join(flags)

    # ------------------------------------------------------------------ fiducials
    def set_measurements(self, measurements) -> None:
        self.measurements = measurements
        self._draw_fiducials()

    def set_show_fiducials(self, on: bool) -> None:
        self.show_fiducials = bool(on)
        self._draw_fiducials()

    def fiducial_points(self) -> list[tuple[float, float, str]]:
        """(x mm, y mm, kind) of every fiducial mark that falls inside a drawn panel."""
        m = self.measurements
        if m is None or self.record is None or self.paper is None:
            return []
        fs = float(getattr(m, "fs", 0.0) or self.record.fs)
        per_lead = getattr(m, "fiducials", {}) or {}
        glob = getattr(m, "global_fiducials", {}) or {}
        out = []
        n = self._display.shape[1]
        for p in self.paper.panels:
            source = per_lead.get(STANDARD_LEADS[p.lead])
            for kind in FIDUCIAL_STYLE:
                idx = getattr(source, kind, None) if source is not None else glob.get(kind)
                if idx is None:
                    continue
                idx = np.asarray(idx, dtype=float)
                idx = idx[np.isfinite(idx)]
                t = idx / fs
                keep = (t >= p.t0) & (t < p.t1)
                for ti in t[keep]:
                    s = int(min(n - 1, max(0, round(ti * self.record.fs))))
                    v = self._display[p.lead, s]
                    if np.isfinite(v):
                        out.append((float(p.x_of(ti, self.speed)), float(p.y_of(v, self.gain)), kind))
        return out

    def _draw_fiducials(self) -> None:
        points = self.fiducial_points() if self.show_fiducials else []
        if not points:
            self.fiducials.setData([])
            self.fiducials.setVisible(False)
            return
        spots = [{"pos": (x, y), "symbol": FIDUCIAL_STYLE[k][0], "brush": pg.mkBrush(*FIDUCIAL_STYLE[k][1]),
                  "pen": pg.mkPen(None), "data": k} for x, y, k in points]
        self.fiducials.setData(spots)
        self.fiducials.setVisible(True)

    # ------------------------------------------------------------------ overlays
    def set_explanation(self, explanation) -> None:
        self.explanation = explanation
        self._draw_overlays()

    def set_show_importance(self, on: bool) -> None:
        self.show_importance = bool(on)
        self._draw_overlays()

    def set_show_saliency(self, on: bool) -> None:
        self.show_saliency = bool(on)
        self._draw_overlays()

    def set_saliency_method(self, name: str) -> None:
        self.saliency_method = "gradient" if name == "gradient" else "rollout"
        self._draw_overlays()

    def _saliency_key(self) -> str:
        return "signal_gradient" if self.saliency_method == "gradient" else "signal_saliency"

    def overlay_state(self) -> dict:
        """Which overlays are drawn now and the method that made each (for tests and the caption)."""
        e = self.explanation
        methods = dict(getattr(e, "methods", {}) or {}) if e is not None else {}
        return {
            "importance": bool(e is not None and self.show_importance and any(b.isVisible() for b in self._bands)),
            "saliency": bool(e is not None and self.show_saliency and any(s.isVisible() for s in self._sal_items)),
            "importance_method": methods.get("lead_importance", "lead importance"),
            "saliency_method": methods.get(self._saliency_key(), self._saliency_key().replace("_", " ")),
        }

    def _draw_overlays(self) -> None:
        e = self.explanation
        panels = self.panels()
        imp = None
        sal = None
        if e is not None:
            imp = np.asarray(e.lead_importance, dtype=float)
            if imp.shape != (12,) or not np.isfinite(imp).all():
                imp = None
            sal = getattr(e, self._saliency_key(), None)
            sal = np.asarray(sal, dtype=float) if sal is not None else None
            if sal is None or sal.ndim != 2 or sal.shape[0] != 12:
                sal = None
        if e is not None:
            self._ensure_overlay_items(len(panels))
        top = float(imp.max()) if imp is not None and imp.max() > 0 else 1.0
        for i, band in enumerate(self._bands):
            show_i = imp is not None and self.show_importance and i < len(panels)
            band.setVisible(bool(show_i))
            self._imp_labels[i].setVisible(bool(show_i))
            show_s = sal is not None and self.show_saliency and i < len(panels)
            self._sal_items[i].setVisible(bool(show_s))
            if i >= len(panels):
                continue
            p = panels[i]
            if show_i:
                alpha = int(30 + 170 * max(0.0, imp[p.lead]) / top)
                band.setRect(QRectF(p.x0 - 0.2, p.baseline - p.height / 2 + 0.5, 2.2, p.height - 1.0))
                band.setBrush(QBrush(QColor(235, 110, 0, alpha)))
                label = self._imp_labels[i]
                label.setText(f"{100 * imp[p.lead]:.0f}%")
                label.setPos(p.x0 + 1.0, p.baseline + p.height / 2 - 4.5)
            if show_s:
                T = sal.shape[1]
                # the saliency lies on the record's time axis at record.fs (its own length if it differs)
                fs_s = T / self.record.duration_s if self.record.duration_s > 0 else self.record.fs
                a = int(np.clip(round(p.t0 * fs_s), 0, T - 1))
                b = int(np.clip(round(p.t1 * fs_s), a + 1, T))
                row = sal[p.lead, a:b]
                if row.size > 2000:  # one pixel column per ~0.1 mm is plenty
                    k = int(np.ceil(row.size / 2000))
                    row = np.pad(row, (0, (-row.size) % k)).reshape(-1, k).max(axis=1)
                top_s = float(np.nanmax(sal)) if np.isfinite(sal).any() and np.nanmax(sal) > 0 else 1.0
                img = self._sal_items[i]
                img.setImage(np.nan_to_num(row / top_s)[None, :].astype(np.float32), levels=(0.0, 1.0))
                h = p.height * 0.7
                tr = QTransform()
                tr.translate(p.x0, p.baseline - h / 2)
                tr.scale(p.width(self.speed) / max(1, row.size), h)
                img.setTransform(tr)
        self._update_caption()

    def _update_caption(self) -> None:
        state = self.overlay_state()
        parts = []
        if state["importance"]:
            parts.append(f"orange bar + %: lead importance ({short_method(state['importance_method'])})")
        if state["saliency"]:
            e = self.explanation
            where = ""
            if self.record is not None and self.record.duration_s > PAGE_S + 1e-6:
                t0 = float(getattr(e, "window_start_s", 0.0) or 0.0)
                where = f" for the explained window {t0:g}-{t0 + PAGE_S:g} s"
            parts.append(f"purple shading: saliency in time{where} ({short_method(state['saliency_method'])})")
        self.overlay_text = "; ".join(parts)
        self.overlayChanged.emit(self.overlay_text)

    # ------------------------------------------------------------------ calipers
    def show_calipers(self) -> None:
        """Put two markers on the first visible panel, 1 s apart (on paper), and show the readout."""
        if self.paper is None:
            return
        view = self.vb.viewRect()
        p = next((p for p in self.paper.panels if view.contains(QPointF(p.x0 + 5, p.baseline))), self.paper.panels[0])
        self.caliper_a.setPos(QPointF(p.x0 + 5.0, p.baseline))
        self.caliper_b.setPos(QPointF(p.x0 + 5.0 + 1.0 * self.speed, p.baseline + 1.0 * self.gain))
        for item in (self.caliper_a, self.caliper_b, self.caliper_line, self.caliper_text):
            item.setVisible(True)
        self._caliper_moved()

    def hide_calipers(self) -> None:
        for item in (self.caliper_a, self.caliper_b, self.caliper_line, self.caliper_text):
            item.setVisible(False)
        self.caliperChanged.emit(None)

    def calipers_visible(self) -> bool:
        return self.caliper_a.isVisible()

    def caliper_reading(self) -> dict | None:
        """dt_ms, rate_bpm (60000 / dt), dmv (b minus a) and the panel lead under marker a."""
        if not self.calipers_visible():
            return None
        a, b = self.caliper_a.pos(), self.caliper_b.pos()
        dt_ms = abs(b.x() - a.x()) / self.speed * 1000.0
        dmv = (b.y() - a.y()) / self.gain
        lead = None
        for p in self.panels():
            if p.contains(a.x(), a.y(), self.speed):
                lead = STANDARD_LEADS[p.lead]
                break
        return {"dt_ms": dt_ms, "rate_bpm": 60000.0 / dt_ms if dt_ms > 1e-6 else None, "dmv": dmv, "lead": lead}

    def _caliper_moved(self, *args) -> None:
        r = self.caliper_reading()
        if r is None:
            return
        a, b = self.caliper_a.pos(), self.caliper_b.pos()
        self.caliper_line.setData(np.array([a.x(), b.x()]), np.array([a.y(), b.y()]))
        rate = f"{r['rate_bpm']:.0f} bpm" if r["rate_bpm"] else "- bpm"
        self.caliper_text.setText(f"{r['dt_ms']:.0f} ms  {rate}  {r['dmv']:+.2f} mV")
        self.caliper_text.setPos(max(a.x(), b.x()) + 1.0, max(a.y(), b.y()) + 1.0)
        self.caliperChanged.emit(r)

    def snap_point(self, x: float, y: float) -> tuple[float, float]:
        """Snap x to the nearest fiducial within 3 mm in the same panel, then y onto the trace there."""
        panel = next((p for p in self.panels() if p.contains(x, y, self.speed)), None)
        if panel is None or self._display is None:
            return x, y
        best = None
        for fx, fy, _kind in self.fiducial_points():
            if panel.contains(fx, fy, self.speed) and abs(fx - x) <= 3.0 and (best is None or abs(fx - x) < abs(best - x)):
                best = fx
        if best is not None:
            x = best
        t = float(panel.t_of(x, self.speed))
        s = int(np.clip(round(t * self.record.fs), 0, self._display.shape[1] - 1))
        v = self._display[panel.lead, s]
        if np.isfinite(v):
            y = float(panel.y_of(v, self.gain))
        return x, y

    def _caliper_snap(self, item) -> None:
        if not self.snap:
            return
        pos = item.pos()
        x, y = self.snap_point(pos.x(), pos.y())
        item.blockSignals(True)
        item.setPos(QPointF(x, y))
        item.blockSignals(False)
        self._caliper_moved()


class EcgViewer(QWidget):
    """EcgPlot with its controls: speed, gain, layout, page, display filters, fiducials, calipers,
    overlays and the scale label."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = EcgPlot(self)
        bar = QToolBar()   # overflows into a ">>" menu when the window is narrow
        bar.setIconSize(QSize(16, 16))

        def combo(items, current, tip):
            box = QComboBox()
            box.addItems(items)
            box.setCurrentText(current)
            box.setToolTip(tip)
            return box

        self.speed = combo([f"{s:g} mm/s" for s in SPEEDS], "25 mm/s", "paper speed")
        self.gain = combo([f"{g:g} mm/mV" for g in GAINS], "10 mm/mV", "gain")
        self.layout_box = combo(list(LAYOUTS), "3x4", "lead layout")
        self.page = combo(["0 s"], "0 s", "start of the 10 s page (6x2 and 3x4)")
        self.highpass = QCheckBox("Baseline 0.5 Hz")
        self.highpass.setToolTip("display-only high-pass for baseline wander; the model never sees it")
        self.notch = combo(["No notch", "50 Hz notch", "60 Hz notch"], "No notch",
                           "display-only mains notch; the model never sees it")
        self.fid_box = QCheckBox("Fiducials")
        self.caliper_btn = QToolButton()
        self.caliper_btn.setText("Calipers")
        self.caliper_btn.setCheckable(True)
        self.importance_box = QCheckBox("Lead importance")
        self.importance_box.setChecked(True)
        self.saliency_box = QCheckBox("Saliency in time")
        self.saliency_box.setChecked(True)
        self.reset_btn = QPushButton("True scale")
        self.reset_btn.setToolTip("reset to true scale (1 mm of paper = 1 mm on screen)")
        self.fit_btn = QPushButton("Fit page")
        # two short rows, the scale buttons first: at 1280 px nothing goes into an overflow menu
        for w in (self.reset_btn, self.fit_btn, QLabel("Speed"), self.speed, QLabel("Gain"), self.gain,
                  QLabel("Layout"), self.layout_box, QLabel("Page"), self.page):
            bar.addWidget(w)
        bar2 = QToolBar()
        bar2.setIconSize(QSize(16, 16))
        self.fid_legend = QLabel(fiducial_legend_html())
        self.fid_legend.setToolTip("fiducial marks of the measurements (median beat mapped onto each beat)")
        self.fid_legend.setVisible(False)
        for w in (self.highpass, self.notch, self.caliper_btn, self.importance_box, self.saliency_box,
                  self.fid_box, self.fid_legend):
            bar2.addWidget(w)
        self.toolbars = (bar, bar2)
        self.scale_label = QLabel(self.plot.scale_text())
        self.scale_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.filter_label = QLabel("")
        self.filter_label.setStyleSheet("color: #a04000; font-weight: bold")
        self.caliper_label = QLabel("")
        self.overlay_label = QLabel("")
        self.overlay_label.setStyleSheet("color: #444")
        self.overlay_label.setWordWrap(True)
        info = QHBoxLayout()
        info.setContentsMargins(4, 0, 4, 0)
        info.addWidget(self.scale_label)
        info.addWidget(self.filter_label)
        info.addStretch(1)
        info.addWidget(self.caliper_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(bar)
        lay.addWidget(bar2)
        lay.addLayout(info)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.overlay_label)

        self.speed.currentIndexChanged.connect(lambda i: self.plot.set_speed(SPEEDS[i]))
        self.gain.currentIndexChanged.connect(lambda i: self.plot.set_gain(GAINS[i]))
        self.layout_box.currentTextChanged.connect(self._layout_changed)
        self.page.currentIndexChanged.connect(self._page_changed)
        self.highpass.toggled.connect(self._filters_changed)
        self.notch.currentIndexChanged.connect(self._filters_changed)
        self.fid_box.toggled.connect(self.plot.set_show_fiducials)
        self.fid_box.toggled.connect(self.fid_legend.setVisible)
        self.caliper_btn.toggled.connect(self._calipers_toggled)
        self.importance_box.toggled.connect(self.plot.set_show_importance)
        self.saliency_box.toggled.connect(self.plot.set_show_saliency)
        self.reset_btn.clicked.connect(self.plot.reset_scale)
        self.fit_btn.clicked.connect(self.plot.fit_page)
        self.plot.scaleChanged.connect(self.scale_label.setText)
        self.plot.caliperChanged.connect(self._caliper_text)
        self.plot.overlayChanged.connect(self._overlay_text)
        self._filters_changed()

    def set_record(self, record) -> None:
        self.plot.set_record(record)
        pages = max(1, int(np.ceil(max(0.0, record.duration_s - PAGE_S) / PAGE_S)) + 1)
        self.page.blockSignals(True)
        self.page.clear()
        self.page.addItems([f"{min(i * PAGE_S, max(0.0, record.duration_s - PAGE_S)):g} s" for i in range(pages)])
        self.page.setEnabled(pages > 1 and self.plot.layout_name != "12x1")
        self.page.blockSignals(False)
        self.caliper_btn.setChecked(False)

    def _layout_changed(self, name: str) -> None:
        self.plot.set_layout(name)
        self.page.setEnabled(self.page.count() > 1 and name != "12x1")

    def _page_changed(self, i: int) -> None:
        if i >= 0:
            self.plot.set_page_start(i * PAGE_S)

    def _filters_changed(self, *args) -> None:
        notch = {1: 50.0, 2: 60.0}.get(self.notch.currentIndex())
        self.plot.set_filters(self.highpass.isChecked(), notch)
        parts = []
        if self.highpass.isChecked():
            parts.append("high-pass 0.5 Hz")
        if notch:
            parts.append(f"notch {notch:g} Hz")
        self.filter_label.setText(("Display filters ON: " + ", ".join(parts) + " (model input unchanged)")
                                  if parts else "Display filters off")

    def _calipers_toggled(self, on: bool) -> None:
        if on:
            self.plot.show_calipers()
        else:
            self.plot.hide_calipers()

    def _overlay_text(self, text: str) -> None:
        self.overlay_label.setText(text)
        self.overlay_label.setVisible(bool(text))
        state = self.plot.overlay_state()
        self.overlay_label.setToolTip(f"lead importance: {state['importance_method']}\n"
                                      f"saliency in time: {state['saliency_method']}")

    def _caliper_text(self, r) -> None:
        if not r:
            self.caliper_label.setText("")
            return
        rate = f"{r['rate_bpm']:.0f} bpm" if r["rate_bpm"] else "-"
        lead = f" ({r['lead']})" if r["lead"] else ""
        self.caliper_label.setText(f"Calipers{lead}: {r['dt_ms']:.0f} ms, {rate}, {r['dmv']:+.2f} mV")
