"""The 12-lead trace view: ECG paper at true physical scale, layouts, calipers and overlays.

Scene coordinates are millimetres of paper (x to the right, y up). A trace sample (t s, v mV) of
a panel sits at ``x = x0 + (t - t0) * speed``, ``y = baseline + v * gain``, so 25 mm/s and 10 mm/mV
are properties of the paper, and the view maps 1 mm of paper to 1 mm of glass using the screen's
physical DPI (``QScreen.physicalDotsPerInch``, in device-independent pixels). Zoom is a separate
factor on top of that, always shown in the scale label; "reset to true scale" sets it back to 1.

Speed: one reused ``PlotDataItem`` (one ``PlotCurveItem``) per panel, ``skipFiniteCheck=True``,
``setClipToView(True)`` and automatic peak downsampling, so a 2-minute record pans as smoothly as
a 10 s one. The grid paints only the lines that are visible.

Display filters (``display_filters``) of a record longer than ``SYNC_FILTER_VALUES`` run in a
worker: the trace stays what it was, all of it, until the filtered one replaces it whole, and
``filtersChanged`` / ``filter_state`` let the viewer say which it is.

The paper covers every trace: it grows above the top row and below the bottom row for tall waves
(up to MAX_GROW_MM), and the traces are clipped to the paper beyond that (a lead-off spike), so no
ink ever lands on the grey outside the page.

``EcgPlot`` is composed of mixins, one job each, as the window is: ``plot_scale`` (true scale, zoom, the scale label,
the lead names fitted to it), ``plot_filters`` (the display filters, in a worker for a long record),
``plot_overlays`` (fiducials, explanations, artefacts, pacing marks) and ``calipers``; this module lays out the paper
and draws the traces. The names the app and tests import from here are here as before.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QLabel, QWidget

from app import workers
from app.views.calipers import MARKER_PEN, Calipers
from app.views.paper import (
    CAL_MV, CAL_S, LAYOUTS, OUTSIDE, TRACE, PaperGrid, PaperLayout, TracePanel, make_paper_layout,
)
from app.views.patient_line import NO_RECORD   # the patient line's words for the same state
from app.views.plot_filters import SYNC_FILTER_VALUES, PlotFilters, filter_for_display
from app.views.plot_overlays import PlotOverlays
from app.views.plot_scale import LABEL_GAP_PX, LABEL_MARGIN_PX, LABEL_MIN_PT, PlotScale, fit_label_font, screen_dpi
from mirage_model.records import STANDARD_LEADS
from mirage_model.review.paced import PACER_RGB

OPEN_HINT = "File > Open record (Ctrl+O), or drop a record here."
TWIN_TRACE = (0, 90, 200)       # blue: a second channel of the same lead name
TWIN_WORD = "blue"

__all__ = ["LABEL_GAP_PX", "LABEL_MARGIN_PX", "LABEL_MIN_PT", "NO_RECORD", "OPEN_HINT", "SYNC_FILTER_VALUES",
           "TWIN_TRACE", "TWIN_WORD", "EcgPlot", "filter_for_display", "fit_label_font", "screen_dpi"]


class EcgPlot(PlotScale, PlotFilters, PlotOverlays, Calipers, pg.GraphicsView):
    """The paper and its traces. See the module docstring for coordinates and scale."""

    scaleChanged = Signal(str)        # the honest scale label text
    overlayChanged = Signal(str)      # which overlays are on and the methods that made them
    caliperChanged = Signal(object)   # dict: dt_ms, rate_bpm, dmv, lead or None when hidden
    filtersChanged = Signal()         # the display filters asked for or shown changed (filter_state)

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
        self._shown_filters: tuple[bool, float | None] = (False, None)   # the filters _display went through
        self._filter_gen = 0          # bumped by every request: a worker's older result is dropped
        self.filter_worker: workers.Worker | None = None
        self.filter_error = ""        # why the filters asked for could not be applied ("" when they were)
        self._time: np.ndarray | None = None      # (T,) s
        self.paper: PaperLayout | None = None
        self.zoom = 1.0
        self.fitted = False       # "Fit page" holds until the user zooms, pans or asks for true scale
        self._dpi_override = 0.0
        self._screen_handle = None    # the window's QWindow, once shown (its screenChanged re-applies the scale)
        self._dpi_screen = None       # the screen whose physicalDotsPerInchChanged is followed
        self._applying = False
        self._anchor: QPointF | None = None   # paper point (mm) at the view's top-left corner

        self.curves: list[pg.PlotDataItem] = []   # one per panel, reused across records
        self.labels: list[pg.TextItem] = []
        self.flag_labels: list[pg.TextItem] = []   # a column's lead flags, at the panel's foot
        self._label_pt = 0.0          # the names' font size at true scale (the widget's), set on first use
        # a second channel the file gives one lead's name (meta["named_twice"]), drawn in its lead's
        # panel in TWIN_TRACE: which of the two is the lead is unknown, so both are shown
        self.twin_curves: list[pg.PlotDataItem] = []
        self._twins: list[tuple[int, dict, np.ndarray]] = []
        # the file's leads outside the 12, in rows below them: (record, filters, (names, (E, T) mV)) last made
        # (the record, the names of its extra leads, (E, T) mV through the filters _display went through)
        self._extra: tuple = (None, [], np.zeros((0, 0), np.float32))
        self.cal_items: list[pg.PlotCurveItem] = []
        self.band_items: list[QRectF] = []
        self._bands: list = []
        self._sal_items: list[pg.ImageItem] = []
        self._imp_labels: list[pg.TextItem] = []
        # each figure's (bar's right edge, panel's top, right end of the explained part, panel's foot) mm
        self._imp_at: list[tuple[float, float, float, float] | None] = []
        self.artefacts: list[tuple[float, float, tuple[str, ...], str]] = []   # (t0 s, t1 s, leads, note)
        self._artefact_items: list = []
        self.pacer_times = np.zeros(0)   # s of each pacing stimulus the quality report found
        self.pacer_legend = ""           # their key under the traces (review.paced.pacer_legend)
        # the pacer marks: one thin tick per stimulus and panel, in their own colour (review.paced)
        self.pacer_marks = pg.PlotCurveItem(pen=pg.mkPen(QColor.fromRgbF(*PACER_RGB), width=1.5), connect="pairs")
        self.pacer_marks.setZValue(12)
        self.pacer_marks.setVisible(False)
        self.vb.addItem(self.pacer_marks, ignoreBounds=True)
        self.fiducials = pg.ScatterPlotItem(size=7, pxMode=True)
        self.fiducials.setZValue(20)
        self.vb.addItem(self.fiducials)
        self.fiducials.setVisible(False)
        self.measurements = None
        self.show_fiducials = False
        self.explanation = None
        self.out_of_date = ""     # why the explanation drawn is the previous values' (faded), "" while current
        self.show_importance = True
        self.show_saliency = True
        self.saliency_method = "rollout"    # "rollout" (signal_saliency) or "gradient" (signal_gradient)
        self.overlay_text = ""

        self.caliper_a = pg.TargetItem(size=14, pen=MARKER_PEN, movable=True)
        self.caliper_b = pg.TargetItem(size=14, pen=MARKER_PEN, movable=True)
        self.selected_caliper = 0     # the marker the arrow keys move (Calipers.select_caliper)
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
        self.caliper_points = None   # (lead, rhythm, t s, mV, extra row) of each marker since it last moved

        self.vb.sigResized.connect(self._on_resized)
        self.vb.sigRangeChangedManually.connect(self._on_user_range)
        self.vb.sigRangeChanged.connect(self._on_range)

        # no record: no paper either (blank paper with calibration pulses reads as an ECG without
        # signal); the view says that no record is open, and why when a file failed to open
        self.placeholder = QLabel(self)
        self.placeholder.setObjectName("no_record")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.placeholder.setStyleSheet("color: #333; background: transparent; padding: 24px;")
        self.placeholder_text = ""
        self.clear_record(NO_RECORD, OPEN_HINT)

    # ------------------------------------------------------------------ data
    def set_record(self, record) -> None:
        """Show an EcgRecord; keeps speed, gain, layout, filters and zoom."""
        self.record = record
        self.measurements = None
        self.explanation = None
        self.page_start_s = 0.0
        self._time = np.arange(record.signal.shape[1], dtype=np.float64) / float(record.fs)
        self._display = None      # another record's filtered trace is never shown over this one
        self._refilter(redraw=False)
        self.hide_calipers()
        self.redraw(reset_view=True)

    def clear_record(self, title: str = NO_RECORD, detail: str = "") -> None:
        """Draw nothing, no paper either: no record is open (the next one is being read, or could
        not be). ``title`` and ``detail`` (e.g. why a file could not be opened) say so in the view."""
        self.record = None
        self.explanation = None
        self.page_start_s = 0.0
        self.hide_calipers()
        self.set_measurements(None)
        for curve, label, flags in zip(self.curves, self.labels, self.flag_labels):
            curve.setData([], [])
            curve.setVisible(False)
            label.setVisible(False)
            flags.setVisible(False)
        for cal in self.cal_items:
            cal.setVisible(False)
        for curve in self.twin_curves:
            curve.setData([], [])
            curve.setVisible(False)
        self._twins = []
        self.grid.setVisible(False)
        self.paper = None
        self.artefacts = []
        self._draw_artefacts()
        self.pacer_times = np.zeros(0)
        self._draw_pacer_marks()
        self._time = np.zeros(0)
        self._cancel_filtering()
        self._display = None
        self.filter_error = ""
        self.filtersChanged.emit()
        self._emit_scale()        # the previous record's zoom is said of no record
        self.set_placeholder(title, detail)

    def set_placeholder(self, title: str = NO_RECORD, detail: str = "") -> None:
        """What the empty view says (shown only while no record is drawn)."""
        self.placeholder_text = title + (f"\n{detail}" if detail else "")
        self.placeholder.setText(f"<div style='font-size: 16pt; font-weight: bold'>{html.escape(title)}</div>"
                                 + (f"<div style='font-size: 11pt; color: #444'>{html.escape(detail)}</div>"
                                    if detail else ""))
        self.placeholder.setToolTip(detail)
        self.placeholder.setGeometry(self.rect())
        self.placeholder.setVisible(self.record is None)

    # ------------------------------------------------------------------ keyboard
    def keyPressEvent(self, event) -> None:
        if self.caliper_key(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, forward: bool) -> bool:
        if self.hasFocus() and self.caliper_tab(forward):
            return True
        return super().focusNextPrevChild(forward)

    def focusInEvent(self, event) -> None:
        # tabbing in selects the first marker, tabbing back in the second: Tab walks A, B, onwards
        if self.calipers_visible():
            if event.reason() == Qt.FocusReason.TabFocusReason:
                self.select_caliper(0)
            elif event.reason() == Qt.FocusReason.BacktabFocusReason:
                self.select_caliper(1)
        super().focusInEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        placeholder = getattr(self, "placeholder", None)    # GraphicsView resizes once while being built
        if placeholder is not None:
            placeholder.setGeometry(self.rect())

    def twin_label(self, lead: int, short: bool = False) -> str:
        """What a lead's label adds when the file names it twice: which trace is which file channel
        ("named twice: black = ch 1, blue = ch 2"; ``short``, for a column of a multi-column page:
        "named twice:\nblack ch 1, blue ch 2"; "" for a lead named once)."""
        twins = [t for t in (getattr(self.record, "meta", None) or {}).get("named_twice") or ()
                 if t.get("lead") == STANDARD_LEADS[lead]]
        if not twins:
            return ""
        drawn = {id(t) for _, t, _ in self._twins}
        eq = " " if short else " = "
        parts = [f"black{eq}ch {twins[0]['first_channel']}"]
        for t in twins:
            parts.append(f"{TWIN_WORD}{eq}ch {t['channel']}" if id(t) in drawn else f"ch {t['channel']} not drawn")
        return f"named twice:{chr(10) if short else ' '}{', '.join(parts)}"

    def _draw_twins(self, panels) -> None:
        """The second channel of a lead named twice, in its lead's panels (TWIN_TRACE)."""
        items = [(p, shown) for p in panels for lead, _, shown in self._twins if lead == p.lead]
        while len(self.twin_curves) < len(items):
            curve = pg.PlotDataItem(pen=pg.mkPen(TWIN_TRACE, width=1.0), antialias=True, autoDownsampleFactor=1.0)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            curve.setParentItem(self.trace_clip)
            self.twin_curves.append(curve)
        for k, curve in enumerate(self.twin_curves):
            if k >= len(items):
                curve.setData([], [])
                curve.setVisible(False)
                continue
            p, shown = items[k]
            s = self._panel_samples(p)
            curve.setData(p.x_of(self._time[s], self.speed), p.y_of(shown[s].astype(np.float64), self.gain),
                          connect="finite")
            curve.setVisible(True)

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
            flags = pg.TextItem(color=(20, 20, 20), anchor=(0, 1))
            flags.setZValue(15)
            self.vb.addItem(flags, ignoreBounds=True)
            self.flag_labels.append(flags)
        while len(self.cal_items) < max(13, len(self.paper.row_baselines) if self.paper is not None else 0):
            cal = pg.PlotCurveItem(pen=pg.mkPen(TRACE, width=1.0))
            cal.setZValue(10)
            self.vb.addItem(cal, ignoreBounds=True)
            self.cal_items.append(cal)

    def panels(self) -> tuple[TracePanel, ...]:
        return self.paper.panels if self.paper is not None else ()

    def panel_curves(self) -> list[tuple[TracePanel, pg.PlotDataItem]]:
        """(panel, its curve item) for every drawn panel."""
        return list(zip(self.panels(), self.curves))

    def redraw(self, reset_view: bool = False) -> None:
        """Lay out the page and set every curve's data (mm) from the displayed signal."""
        if self.record is None:
            return
        anchors = self.caliper_points if self.calipers_visible() else None
        names, extra = self._extra[1:] if self._extra[0] is self.record else ([], np.zeros((0, 0), np.float32))
        args = (self.layout_name, self.record.duration_s, self.speed, self.gain, self.page_start_s)
        self.paper = make_paper_layout(*args, extra=len(names))
        self.paper = make_paper_layout(*args, extent_mv=self._outer_rows_mv(self.paper), extra=len(names))
        panels = self.paper.panels
        drawn = (*panels, *self.paper.extra)       # the 12 leads' panels, then a row a lead outside them
        full_width = max(p.width(self.speed) for p in panels)
        self._ensure_items(len(drawn))
        page = QRectF(0, 0, self.paper.width, self.paper.height)
        self.grid.set_rect(page)
        self.grid.setVisible(True)
        self.placeholder.setVisible(False)
        self.trace_clip.setRect(page)
        for i, curve in enumerate(self.curves):
            if i >= len(drawn):
                curve.setData([], [])
                curve.setVisible(False)
                self.labels[i].setVisible(False)
                self.flag_labels[i].setVisible(False)
                continue
            p, std = drawn[i], i < len(panels)
            s = self._panel_samples(p)
            x = p.x_of(self._time[s], self.speed)
            y = p.y_of((self._display if std else extra)[p.lead, s].astype(np.float64), self.gain)
            # the drawn samples only: a pass over the whole record held the GUI 160 ms when a 1 h
            # 12-lead 1 kHz record opened, 50 ms when its filtered trace arrived
            finite = bool(np.isfinite(y).all())
            curve.setData(x, y, skipFiniteCheck=finite, connect="all" if finite else "finite")
            curve.setVisible(True)
            label = self.labels[i]
            name = STANDARD_LEADS[p.lead] + (" (rhythm)" if p.rhythm else "") if std else names[p.lead]
            # in a column of a multi-column page (2.5 s of 3x4) the flags go to the panel's foot, each
            # on its own line, so that they run neither into the next column's lead name nor into the
            # lead-importance figure under the name
            column = p.width(self.speed) < 0.6 * full_width
            flags = [x for x in (self._lead_flags(p.lead), self.twin_label(p.lead, short=column)) if x] if std else \
                ["extra lead: read by no model or measurement"]
            foot = self.flag_labels[i]
            if flags and column:
                label.setText(name)
                # the foot names its lead: it stands right above the next row's name (a MUSE file's III:
                # "[derived]" over "II (rhythm)" read as the rhythm strip's)
                foot.setText("\n".join(f"[{STANDARD_LEADS[p.lead]}: {f}]" if k == 0 else f"[{f}]"
                                       for k, f in enumerate(flags)))
                foot.setPos(p.x0 + 1.0, p.baseline - p.height / 2 + 0.5)
            else:
                label.setText(name + (f"  [{', '.join(flags)}]" if flags else ""))
            foot.setVisible(bool(flags and column))
            label.panel_top_left = (p.x0, p.baseline + p.height / 2 - 0.5)    # (x, y) mm; _fit_labels places it
            label.setPos(p.x0 + 1.0, p.baseline + p.height / 2 - 0.5)
            label.setVisible(True)
        self._draw_twins(panels)
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
        self._draw_artefacts()
        self._draw_pacer_marks()
        if self.calipers_visible():    # the same two points on the new paper, read again
            self.restore_calipers(anchors)
        if self.fitted:        # a fitted page stays fitted on its new size
            self.fit_page()
        elif reset_view:
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
        if paper.extra:          # the bottom row is the last extra lead's
            last = paper.extra[-1]
            seg = self._extra[2][last.lead, self._panel_samples(last)]
            lo = min(lo, float(np.nanmin(seg))) if np.isfinite(seg).any() else lo
        for p in paper.panels:
            if p.baseline not in (paper.row_baselines[0], paper.row_baselines[-1]):
                continue
            seg = self._display[p.lead, self._panel_samples(p)]
            if seg.size == 0 or not np.isfinite(seg).any():
                continue
            if p.baseline == paper.row_baselines[0]:
                hi = max(hi, float(np.nanmax(seg)))
            if p.baseline == paper.row_baselines[-1] and not paper.extra:
                lo = min(lo, float(np.nanmin(seg)))
        return lo, hi

    def _lead_flags(self, lead: int) -> str:
        quality = getattr(self.record, "quality", None) or {}
        flags = [name for name in ("flat", "saturated", "missing", "derived")
                 if name in quality and np.asarray(quality[name]).shape == (12,) and bool(quality[name][lead])]
        if "missing" in flags and hasattr(self.record, "missing_text"):     # a gap is not a missing lead
            flags[flags.index("missing")] = said = self.record.missing_text(lead) or "missing"
            if said.startswith("not derived") and "derived" in flags:    # blank: its source withheld or missing
                flags.remove("derived")
            if "flat" in flags and not said.endswith("% missing"):   # no samples: missing, not flat
                flags.remove("flat")
        return ", ".join(flags)

