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
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QLabel, QWidget

from app import workers
from app.display_filters import display_filter
from app.views.calipers import MARKER_PEN, Calipers
from app.views.paper import (
    CAL_MV, CAL_S, LAYOUTS, OUTSIDE, TRACE, PaperGrid, PaperLayout, TracePanel, make_paper_layout,
)
from app.views.patient_line import NO_RECORD   # the patient line's words for the same state
from app.views.plot_overlays import PlotOverlays
from mirage_model.records import STANDARD_LEADS
from mirage_model.review.paced import PACER_RGB

OPEN_HINT = "File > Open record (Ctrl+O), or drop a record here."
TWIN_TRACE = (0, 90, 200)       # blue: a second channel of the same lead name
TWIN_WORD = "blue"
LABEL_MIN_PT = 6.5      # a lead name shrinks with the paper below true scale, to no less than this
LABEL_GAP_PX = 3.0      # screen pixels at least between a row's calibration pulse and its lead name
LABEL_MARGIN_PX = 1.0   # around a name's text (Qt's 4 px put a name at 0.30x a row's half lower than its place)
# leads x samples filtered on the GUI thread (about 30 ms: 30 s of 12 leads at 1 kHz); a longer
# record is filtered in a worker (1 h of 12 leads at 500 Hz held the GUI 1.8 s)
SYNC_FILTER_VALUES = 360_000


def screen_dpi(widget) -> float:
    """The physical dots per inch of the screen ``widget`` is on (the primary screen before it has
    one), in device-independent pixels; 96 when the screen reports none that is plausible."""
    screen = widget.screen() if widget.window() is not None else None
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    dpi = screen.physicalDotsPerInch() if screen is not None else 96.0
    return dpi if dpi and np.isfinite(dpi) and dpi > 20 else 96.0


def fit_label_font(item, base_pt: float, zoom: float) -> None:
    """A lead name (a ``pg.TextItem``) at ``base_pt`` from true scale up, smaller below it in step with
    the paper (``zoom``), down to LABEL_MIN_PT; its font is set only where its size changes."""
    pt = max(LABEL_MIN_PT, base_pt * min(1.0, zoom))
    font = item.textItem.font()
    if abs(font.pointSizeF() - pt) > 0.01:
        font.setPointSizeF(pt)
        item.setFont(font)


def _twin_rows(record, n: int) -> list[tuple[int, dict, np.ndarray]]:
    """(lead index, the file's twin entry, (T,) float32 samples) of each second channel the file
    gives a standard lead's name (``meta["named_twice"]``) that is as long as the record."""
    out = []
    for twin in (getattr(record, "meta", None) or {}).get("named_twice") or ():
        if twin.get("lead") not in STANDARD_LEADS or twin.get("signal") is None:
            continue
        row = np.asarray(twin["signal"], dtype=np.float32)
        if row.shape == (n,):
            out.append((STANDARD_LEADS.index(twin["lead"]), twin, row))
    return out


def filter_for_display(ctx, signal: np.ndarray, fs: float, highpass: bool, notch_hz: float | None,
                       twins: list) -> tuple[np.ndarray, list]:
    """The record's (L, T) and its twin rows (``_twin_rows``) through the display filters: a job
    (``ctx``: its ``JobContext``, checked before each lead; None on the GUI thread).

    Returns:
        ((L, T) float32 mV, [(lead, twin entry, (T,) float32 mV)]).
    """
    check = ctx.check if ctx is not None else None
    display = display_filter(signal, fs, highpass, notch_hz, check=check)
    shown = [(lead, t, display_filter(row[None, :], fs, highpass, notch_hz, check=check)[0])
             for lead, t, row in twins]
    return display, shown


class EcgPlot(PlotOverlays, Calipers, pg.GraphicsView):
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
        self.caliper_points = None   # (lead, rhythm, t s, mV) of each marker since it last moved

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

    # ------------------------------------------------------------------ scale
    def physical_dpi(self) -> float:
        """Physical dots per inch in device-independent pixels: the screen's, or the settings' override.

        The override is the panel's own dots per inch (device pixels: its specification's, or a ruler's), so
        under display scaling it is divided by the device pixel ratio (at 200 %, 282 dpi on the glass is 141
        device-independent pixels an inch); taken as device-independent it drew the paper twice too large.
        """
        if self._dpi_override > 0:
            ratio = self.devicePixelRatioF()
            return self._dpi_override / (ratio if np.isfinite(ratio) and ratio > 0 else 1.0)
        return screen_dpi(self)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        handle = self.window().windowHandle()
        if handle is not None and handle is not self._screen_handle:
            # a window dragged onto another monitor (another physical DPI) is drawn true again there
            self._screen_handle = handle
            handle.screenChanged.connect(self._screen_changed)
            self._screen_changed(handle.screen())

    def _screen_changed(self, screen) -> None:
        if self._dpi_screen is not None:
            try:
                self._dpi_screen.physicalDotsPerInchChanged.disconnect(self._dpi_changed)
            except (RuntimeError, TypeError):
                pass
        self._dpi_screen = screen
        if screen is not None:
            screen.physicalDotsPerInchChanged.connect(self._dpi_changed)
        self.apply_scale()

    def _dpi_changed(self, *args) -> None:
        self.apply_scale()

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
        self.fitted = False
        if self.paper is not None:
            self.apply_scale(QPointF(-2.0, self.paper.height + 2.0))
        else:
            self.apply_scale()

    def fit_page(self) -> None:
        """Zoom so that the whole page fits (the scale label then says so, with the drawn scale); in
        12x1 so that the page's width fits, its rows scrolled as a rhythm strip's are.

        The twelve full-width rows of 12x1 make a page taller than wide: fitted whole in the trace view
        of a 1280x800 window (0.30x) it took a third of the view's width, the rest empty, each lead
        7.5 mm high. The page stays fitted, as a reader expects of "Fit page", when the window is resized
        or the layout, speed or gain changes the page, until a zoom, a drag or "True scale" leaves it."""
        self.fitted = True
        if self.paper is None or self.vb.width() <= 1:
            return
        zx = self.vb.width() / ((self.paper.width + 4) * self.px_per_mm())
        zy = self.vb.height() / ((self.paper.height + 4) * self.px_per_mm())
        self.zoom = zx if self.layout_name == "12x1" else min(zx, zy)
        self.apply_scale(QPointF(-2.0, self.paper.height + 2.0))

    def set_zoom(self, zoom: float) -> None:
        """Zoom about the view's centre (1 = true scale)."""
        view = self.vb.viewRect()
        centre = view.center()
        self.zoom = float(np.clip(zoom, 0.05, 40.0))
        self.fitted = False
        if view.width() > 0 and self.vb.width() > 0:
            mm_w = self.vb.width() / (self.px_per_mm() * self.zoom)
            mm_h = self.vb.height() / (self.px_per_mm() * self.zoom)
            self.apply_scale(QPointF(centre.x() - mm_w / 2, centre.y() + mm_h / 2))
        else:
            self.apply_scale()

    def _on_resized(self, *args) -> None:
        if self.fitted:
            self.fit_page()
        else:
            self.apply_scale()

    def _on_user_range(self, *args) -> None:
        # wheel zoom and drags: read the new zoom back from the range the ViewBox chose
        self.fitted = False
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
        """E.g. "25 mm/s, 10 mm/mV (true scale)" or "zoom 2.00x: 50 mm/s, 20 mm/mV on screen (page
        fitted)"; "" while no record is drawn (no paper: a zoom of a record no longer open is no scale)."""
        if self.record is None:
            return ""
        base = f"{self.speed:g} mm/s, {self.gain:g} mm/mV"
        if abs(self.zoom - 1.0) < 0.005:
            return f"{base} (true scale)"
        # zoomed: what is on screen, the paper's own speed and gain being in the boxes above; "(page
        # fitted)" last, so that where the line is cut (a 1024 px window with the folder dock open)
        # it goes first and the scale on screen stays whole
        return (f"zoom {self.zoom:.2f}x: {self.speed * self.zoom:.3g} mm/s, "
                f"{self.gain * self.zoom:.3g} mm/mV on screen{self._fitted_text()}")

    def _fitted_text(self) -> str:
        if not self.fitted:
            return ""
        return " (page width fitted)" if self.layout_name == "12x1" else " (page fitted)"

    def _fit_labels(self) -> None:
        """The lead names (and their flags and importance figures) at the app's font from true scale
        up, smaller below it, in step with the paper, down to LABEL_MIN_PT; each name LABEL_GAP_PX
        clear of its row's calibration pulse. At 0.30x in 12x1 a name at full size was as tall as half
        a row (12 mm of paper): it sat on the trace against the pulse, its importance figure on the next
        row's name. Run on every zoom (``_emit_scale`` -> ``_place_importance_labels``), before the figures
        are placed under the names."""
        if self._label_pt <= 0:
            self._label_pt = self.font().pointSizeF()
        ppm = self.px_per_paper_mm()
        gap = max(1.0, LABEL_GAP_PX / ppm) if ppm > 0 else 1.0
        for item in (*self.labels, *self.flag_labels, *getattr(self, "_imp_labels", ())):
            if item.textItem.document().documentMargin() != LABEL_MARGIN_PX:
                item.textItem.document().setDocumentMargin(LABEL_MARGIN_PX)
            fit_label_font(item, self._label_pt, self.zoom)
        for label in self.labels:
            at = getattr(label, "panel_top_left", None)
            if at is not None:
                label.setPos(at[0] + gap, at[1])

    def _emit_scale(self) -> None:
        self._place_importance_labels()     # the names fitted to the zoom, then the figures under them
        self.scaleChanged.emit(self.scale_text())

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

    def set_filters(self, highpass: bool, notch_hz: float | None) -> None:
        """Display filters: baseline high-pass and mains notch (view only; the model never sees them).

        A long record is filtered in a worker (``SYNC_FILTER_VALUES``): until it is done the trace
        stays as it was, all of it, and ``filter_state`` says what is shown and what is coming."""
        self.highpass, self.notch_hz = bool(highpass), (float(notch_hz) if notch_hz else None)
        if self.record is not None:
            self._refilter()
        else:
            self.filtersChanged.emit()

    def filters_wanted(self) -> tuple[bool, float | None]:
        """(high-pass, notch Hz or None) as asked for."""
        return self.highpass, self.notch_hz

    def shown_filters(self) -> tuple[bool, float | None]:
        """(high-pass, notch Hz or None) that the drawn trace went through (as asked when no record)."""
        return self._shown_filters if self.record is not None else self.filters_wanted()

    def filter_state(self) -> dict:
        """``wanted`` and ``shown`` filters, ``pending`` (a worker is filtering), ``error``."""
        return {"wanted": self.filters_wanted(), "shown": self.shown_filters(),
                "pending": self.filter_worker is not None, "error": self.filter_error}

    def _refilter(self, redraw: bool = True) -> None:
        """Make the displayed signal for the filters asked: at once when it is cheap (or nothing
        to filter), else in a worker whose result replaces the whole trace at once, unless it was
        asked for something else or another record since."""
        self._cancel_filtering()
        self.filter_error = ""
        sig, fs = self.record.signal, float(self.record.fs)
        hp, notch = self.filters_wanted()
        twins = _twin_rows(self.record, sig.shape[1])
        if not hp and not notch and sig.dtype == np.float32:
            # unfiltered: the record's own samples, read only here; a copy of a 4.9 h 12-lead
            # 500 Hz record held the GUI thread 1 s and 425 MB
            self._show_display((hp, notch), sig, twins, redraw)
        elif sig.size <= SYNC_FILTER_VALUES:
            self._show_display((hp, notch), *filter_for_display(None, sig, fs, hp, notch, twins), redraw=redraw)
        elif self._display is not None and self._shown_filters == (hp, notch):
            self.filtersChanged.emit()     # asked back for what is shown (the job under way is dropped)
        else:
            if self._display is None or self._display.shape != sig.shape:
                # a new record: drawn unfiltered meanwhile (and labelled so), all of it
                self._show_display((False, None), sig if sig.dtype == np.float32 else display_filter(sig, fs),
                                   twins, redraw=False)
            gen = self._filter_gen
            worker = workers.Worker(filter_for_display, sig, fs, hp, notch, twins, name="display filters",
                                    disposable=True)
            worker.signals.result.connect(workers.while_alive(self, lambda out: self._filtered(gen, (hp, notch), out)))
            worker.signals.error.connect(workers.while_alive(self, lambda msg: self._filter_failed(gen, msg)))
            self.filter_worker = worker
            worker.start()
            self.filtersChanged.emit()

    def _cancel_filtering(self) -> None:
        """Drop the filtering under way (its result, should it still come, is ignored)."""
        self._filter_gen += 1
        if self.filter_worker is not None:
            self.filter_worker.cancel()
            self.filter_worker = None

    def _filtered(self, gen: int, filters: tuple, out) -> None:
        if gen != self._filter_gen or self.record is None:
            return       # asked for other filters, or another record, since
        self.filter_worker = None
        self._show_display(filters, *out)

    def _filter_failed(self, gen: int, message: str) -> None:
        if gen != self._filter_gen:
            return
        self.filter_worker = None
        self.filter_error = message
        self.filtersChanged.emit()

    def _show_display(self, filters: tuple, display: np.ndarray, twins: list, redraw: bool = True) -> None:
        """Show ``display`` (L, T) mV, made with ``filters``, and the twin rows made alike."""
        self._display = display
        self._shown_filters = filters
        self._twins = twins
        if redraw:
            self.redraw()
        self.filtersChanged.emit()

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
        while len(self.cal_items) < 13:
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
        args = (self.layout_name, self.record.duration_s, self.speed, self.gain, self.page_start_s)
        self.paper = make_paper_layout(*args)
        self.paper = make_paper_layout(*args, extent_mv=self._outer_rows_mv(self.paper))
        panels = self.paper.panels
        full_width = max(p.width(self.speed) for p in panels)
        self._ensure_items(len(panels))
        page = QRectF(0, 0, self.paper.width, self.paper.height)
        self.grid.set_rect(page)
        self.grid.setVisible(True)
        self.placeholder.setVisible(False)
        self.trace_clip.setRect(page)
        for i, curve in enumerate(self.curves):
            if i >= len(panels):
                curve.setData([], [])
                curve.setVisible(False)
                self.labels[i].setVisible(False)
                self.flag_labels[i].setVisible(False)
                continue
            p = panels[i]
            s = self._panel_samples(p)
            x = p.x_of(self._time[s], self.speed)
            y = p.y_of(self._display[p.lead, s].astype(np.float64), self.gain)
            # the drawn samples only: a pass over the whole record held the GUI 160 ms when a 1 h
            # 12-lead 1 kHz record opened, 50 ms when its filtered trace arrived
            finite = bool(np.isfinite(y).all())
            curve.setData(x, y, skipFiniteCheck=finite, connect="all" if finite else "finite")
            curve.setVisible(True)
            label = self.labels[i]
            name = STANDARD_LEADS[p.lead] + (" (rhythm)" if p.rhythm else "")
            # in a column of a multi-column page (2.5 s of 3x4) the flags go to the panel's foot, each
            # on its own line, so that they run neither into the next column's lead name nor into the
            # lead-importance figure under the name
            column = p.width(self.speed) < 0.6 * full_width
            flags = [x for x in (self._lead_flags(p.lead), self.twin_label(p.lead, short=column)) if x]
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
        if "missing" in flags and hasattr(self.record, "missing_text"):     # a gap is not a missing lead
            flags[flags.index("missing")] = said = self.record.missing_text(lead) or "missing"
            if said.startswith("not derived") and "derived" in flags:    # blank: its source withheld or missing
                flags.remove("derived")
            if "flat" in flags and not said.endswith("% missing"):   # no samples: missing, not flat
                flags.remove("flat")
        return ", ".join(flags)

