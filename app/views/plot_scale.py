"""The ECG plot's scale (``PlotScale``, a mixin of ``ecg_plot.EcgPlot``): 1 mm of paper drawn as 1 mm of glass from
the screen's physical dots per inch (or the settings' override, followed onto another monitor), the zoom on top of it
(true scale, fit page, the user's wheel and drags), the scale label's words, and the lead names fitted to the zoom.

``PlotScale`` holds the methods; ``EcgPlot`` composes it and owns the state (``zoom``, ``fitted``, the view box, the
labels: made in its ``__init__``) and the ``scaleChanged`` signal.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication

LABEL_MIN_PT = 6.5      # a lead name shrinks with the paper below true scale, to no less than this
LABEL_GAP_PX = 3.0      # screen pixels at least between a row's calibration pulse and its lead name
LABEL_MARGIN_PX = 1.0   # around a name's text (Qt's 4 px put a name at 0.30x a row's half lower than its place)


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


class PlotScale:
    """The scale's part of ``EcgPlot``."""

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
        or the layout, speed or gain changes the page, until a zoom, a drag or "True scale" leaves it.

        The rows of the file's leads outside the 12 (PTB Diagnostic's vx, vy, vz) are left below, scrolled to as
        12x1's rows are: fitted with them, the 12 had shrunk to 0.40x (4 mm/mV) in a 1280x800 window."""
        self.fitted = True
        if self.paper is None or self.vb.width() <= 1:
            return
        below = sum(p.height for p in self.paper.extra)          # the extra rows: scrolled to, not fitted
        zx = self.vb.width() / ((self.paper.width + 4) * self.px_per_mm())
        zy = self.vb.height() / ((self.paper.height - below + 4) * self.px_per_mm())
        self.zoom = zx if self.layout_name == "12x1" else min(zx, zy)
        self.apply_scale(QPointF(-2.0, self.paper.height + 2.0))

    def scroll_rows_to(self, top_mm: float) -> None:
        """The page's rows from ``top_mm`` (paper mm, y up) at the view's top, the zoom and a fitted page's fit
        kept (the rows' scroll bar beside the view)."""
        self.apply_scale(QPointF(self.vb.viewRect().left(), top_mm))

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

    def scale_forms(self) -> tuple[str, ...]:
        """``scale_text`` and shorter wordings of it for a narrow window, each keeping the scale on screen whole
        (what is dropped, the paper's own scale being in the boxes above, is in the label's tooltip):
        "zoom 0.47x: 11.8 mm/s, 4.71 mm/mV on screen (page fitted)" down to "11.8 mm/s, 4.71 mm/mV"."""
        full = self.scale_text()
        if not full:
            return ("",)
        base = f"{self.speed:g} mm/s, {self.gain:g} mm/mV"
        if abs(self.zoom - 1.0) < 0.005:
            return (full, base)
        on_screen = f"{self.speed * self.zoom:.3g} mm/s, {self.gain * self.zoom:.3g} mm/mV"
        zoomed = f"{self.zoom:.2f}x: {on_screen}"
        return tuple(dict.fromkeys((full, f"zoom {zoomed} on screen", f"zoom {zoomed}", zoomed, on_screen)))

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
