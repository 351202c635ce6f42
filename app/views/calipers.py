"""Calipers on the ECG paper: two markers, their interval, rate and amplitude, snapped onto the
trace (and onto a fiducial mark close by on the screen while the marks are shown).

The keyboard moves them as well as the mouse: one marker is the selected one (drawn thicker, in
orange); Left/Right move it by one sample, Shift+Left/Right by one large box (5 mm of paper: 200 ms
at 25 mm/s), Up/Down by 0.05 mV, Shift+Up/Down by one large box (0.5 mV at 10 mm/mV). A marker on
the trace stays on the trace as it moves (as a released mouse marker snaps onto it); one moved off
it (Up/Down, to read a level) keeps its height. Tab selects the other marker, and from the second one
moves on to the next control (Shift+Tab back), so the trace view is two stops in the Tab order and
never a trap. Help > Keyboard shortcuts lists the keys (``CALIPER_KEYS``).

The rate (60000 / the interval) is read only for a span that can be a cycle, ``RATE_MIN_MS`` or longer: a
QRS of 90 ms had read "667 bpm". 300 bpm is the top of the ventricular rates (atrial flutter conducted 1:1),
the rate beside the interval a cart's calipers give for an RR; a shorter span (a QRS, a PR, a flutter wave
of 180 ms) reads in ms alone.

A row of a lead outside the 12 (V4R, V7, Frank's vx: ``paper.extra``) is measured as one of the 12 is (its own
samples, baseline and name: ST elevation in V4R); its panels' ``lead`` index the record's extra leads, so every
read of a panel's samples or name goes through ``panel_rows`` / ``panel_name``.

``Calipers`` holds the methods; ``EcgPlot`` composes it and owns the marker items (made in its
``__init__``) and the ``caliperChanged`` signal.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

from mirage_model.records import STANDARD_LEADS

SNAP_SCREEN_MM = 3.0   # a drawn fiducial this close on the glass (mm, whatever the zoom) pulls a marker onto it
LARGE_STEP_MM = 5.0    # Shift+arrow: one large box of the paper
SMALL_STEP_MV = 0.05   # Up/Down: the amplitude step (the readout shows hundredths of a mV)
RATE_MIN_MS = 200.0    # a span this long or longer (300 bpm or slower) can be a cycle: its rate is read too
ON_TRACE_MM = 0.01     # a marker this close to the trace (paper mm) is on it, and follows it when moved
MARKER_PEN = pg.mkPen((0, 90, 200), width=2)
SELECTED_PEN = pg.mkPen((230, 110, 0), width=3.5)

# (keys, what they do) for Help > Keyboard shortcuts
CALIPER_KEYS = (
    ("Left / Right", "calipers on, trace view focused: move the selected marker by one sample"),
    ("Shift+Left / Shift+Right", "move the selected marker by one large box (5 mm: 200 ms at 25 mm/s)"),
    ("Up / Down", "move the selected marker by 0.05 mV (off the trace, to read a level)"),
    ("Shift+Up / Shift+Down", "move the selected marker by one large box (0.5 mV at 10 mm/mV)"),
    ("Tab / Shift+Tab", "in the trace view with calipers on: select the other marker (orange), then on "
                        "to the next control"),
)
ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}


class Calipers:
    """The caliper methods of ``EcgPlot`` (a mixin: ``EcgPlot`` makes the markers)."""

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
        self.select_caliper(0)
        self._caliper_moved()

    def select_caliper(self, index: int) -> None:
        """Make marker ``index`` (0: the first, 1: the second) the one the arrow keys move."""
        self.selected_caliper = int(index)
        for i, item in enumerate((self.caliper_a, self.caliper_b)):
            item.setPen(SELECTED_PEN if i == self.selected_caliper else MARKER_PEN)

    def nudge_caliper(self, dx: int, dy: int, large: bool = False) -> None:
        """Move the selected marker ``dx`` steps in time and ``dy`` steps in amplitude (see the
        module docstring for the steps); the readout follows."""
        if not self.calipers_visible() or self.record is None or self._display is None:
            return
        item = (self.caliper_a, self.caliper_b)[self.selected_caliper]
        x, y = item.pos().x(), item.pos().y()
        fs = float(self.record.fs)
        n = self._display.shape[1]
        panel = self.panel_at(x, y)
        if dx:
            if panel is None:       # in the margin: plain paper steps
                x += dx * (LARGE_STEP_MM if large else self.speed / fs)
            else:
                t = float(panel.t_of(x, self.speed))
                s = int(np.clip(round(t * fs), 0, n - 1))
                rows = self.panel_rows(panel)
                v = rows[panel.lead, s]
                on_trace = bool(np.isfinite(v)) and abs(float(panel.y_of(v, self.gain)) - y) <= ON_TRACE_MM
                s_new = s + dx if not large else round((t + dx * LARGE_STEP_MM / self.speed) * fs)
                # a row is one time axis across its columns (same baseline, same kind): stay on it,
                # stopping at its first and last sample
                row = [p for p in self.panels() if p.baseline == panel.baseline and p.rhythm == panel.rhythm] \
                    if not self.is_extra_panel(panel) else [panel]
                first = int(np.ceil(min(p.t0 for p in row) * fs - 1e-9))
                last = min(n - 1, int(np.floor(max(p.t1 for p in row) * fs + 1e-9)))
                s_new = int(np.clip(s_new, first, last))
                t_new = s_new / fs
                here = next((p for p in row if p.t0 <= t_new <= p.t1), panel)
                x = float(here.x_of(t_new, self.speed))
                v_new = rows[here.lead, s_new]
                if on_trace and np.isfinite(v_new):
                    y = float(here.y_of(v_new, self.gain))
        if dy:
            y += dy * (LARGE_STEP_MM if large else SMALL_STEP_MV * self.gain)
        item.setPos(QPointF(x, y))

    def caliper_key(self, event) -> bool:
        """Handle an arrow key for the calipers (True: used)."""
        step = ARROWS.get(event.key())
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if (step is None or not self.calipers_visible()
                or mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)):
            return False
        self.nudge_caliper(*step, large=mods == Qt.KeyboardModifier.ShiftModifier)
        return True

    def caliper_tab(self, forward: bool) -> bool:
        """Tab / Shift+Tab inside the trace view: the other marker, if there is one that way (True:
        used; False: the focus moves on)."""
        if not self.calipers_visible():
            return False
        if forward and self.selected_caliper == 0:
            self.select_caliper(1)
            return True
        if not forward and self.selected_caliper == 1:
            self.select_caliper(0)
            return True
        return False

    def is_extra_panel(self, panel) -> bool:
        """Whether ``panel`` is the row of a lead outside the 12 (its ``lead`` indexes the extra leads)."""
        return self.paper is not None and any(panel is e for e in self.paper.extra)

    def _extra_rows(self) -> np.ndarray:
        """(E, T) mV of the extra leads as drawn; no rows before they are made for this record."""
        if self._extra[0] is self.record and self._display is not None:
            return self._extra[2]
        return np.zeros((0, 0 if self._display is None else self._display.shape[1]), np.float32)

    def panel_rows(self, panel) -> np.ndarray:
        """The (rows, T) mV ``panel.lead`` indexes: the 12 as displayed, or the extra leads."""
        return self._extra_rows() if self.is_extra_panel(panel) else self._display

    def panel_name(self, panel) -> str:
        """The name of the lead ``panel`` draws: one of the 12, or the file's name of an extra lead ("V4R")."""
        if self.is_extra_panel(panel):
            return str(self._extra[1][panel.lead])
        return STANDARD_LEADS[panel.lead]

    def panel_at(self, x: float, y: float):
        """The panel a point on the paper belongs to: of the panels drawn at x, the one whose trace
        passes nearest (a tall R wave reaches into the row above: its tip is still its own lead's),
        else the one whose box holds the point; None off the traces. An extra lead's row (V4R, vx:
        drawn below the 12) is one of them: ``is_extra_panel`` tells it from the 12's."""
        rows = self._extra_rows()
        extra = tuple(e for e in (self.paper.extra if self.paper is not None else ()) if e.lead < len(rows))
        boxed = next((p for p in (*self.panels(), *extra) if p.contains(x, y, self.speed)), None)
        if self._display is None or self.record is None:
            return boxed
        best, best_d = None, np.inf
        for p in (*self.panels(), *extra):
            if not p.x0 <= x <= p.x0 + p.width(self.speed):
                continue
            s = int(np.clip(round(float(p.t_of(x, self.speed)) * self.record.fs), 0, self._display.shape[1] - 1))
            d = abs(float(p.y_of(self.panel_rows(p)[p.lead, s], self.gain)) - y)
            if d < best_d:
                best, best_d = p, d
        # within half a row of its trace: that lead; farther from every trace: the box it lies in
        return best if best is not None and best_d <= best.height / 2 else boxed

    def caliper_anchors(self) -> list[tuple[int, bool, float, float, bool]] | None:
        """(lead, rhythm strip, t s, mV, on an extra lead's row) of each marker on the paper as drawn
        now; None when the calipers are hidden or a marker is off the traces."""
        if not self.calipers_visible():
            return None
        out = []
        for item in (self.caliper_a, self.caliper_b):
            pos = item.pos()
            panel = self.panel_at(pos.x(), pos.y())
            if panel is None:
                return None
            out.append((panel.lead, panel.rhythm, float(panel.t_of(pos.x(), self.speed)),
                        float(panel.mv_of(pos.y(), self.gain)), self.is_extra_panel(panel)))
        return out

    def restore_calipers(self, anchors) -> None:
        """Put the markers back on the same leads, times and mV after the paper was laid out again
        (another speed, gain, layout or page): the reading stays that of the same two points. A
        point the new paper does not show puts both markers back at their start."""
        if anchors is None:
            if self.calipers_visible():
                self.show_calipers()
            return
        places = []
        for lead, rhythm, t, mv, extra in anchors:
            same = [p for p in (self.paper.extra if extra else self.panels()) if p.lead == lead and p.t0 <= t <= p.t1]
            same.sort(key=lambda p: p.rhythm != rhythm)       # the same kind of panel first
            if not same:
                self.show_calipers()
                return
            places.append(QPointF(float(same[0].x_of(t, self.speed)), float(same[0].y_of(mv, self.gain))))
        for item, pos in zip((self.caliper_a, self.caliper_b), places):
            item.blockSignals(True)
            item.setPos(pos)
            item.blockSignals(False)
        self._caliper_moved()

    def hide_calipers(self) -> None:
        for item in (self.caliper_a, self.caliper_b, self.caliper_line, self.caliper_text):
            item.setVisible(False)
        self.caliperChanged.emit(None)

    def calipers_visible(self) -> bool:
        return self.caliper_a.isVisible()

    def caliper_reading(self) -> dict | None:
        """dt_ms, rate_bpm (60000 / dt; None for a span under RATE_MIN_MS, no cycle), dmv (b minus a) and the
        leads of the panels under the markers.

        Each marker's mV is read against the baseline of its own panel, so markers on two leads
        (R in V1, S in V5) give the difference of the two amplitudes, not of the rows' heights.
        """
        if not self.calipers_visible():
            return None
        a, b = self.caliper_a.pos(), self.caliper_b.pos()
        dt_ms = abs(b.x() - a.x()) / self.speed * 1000.0
        pa, pb = self.panel_at(a.x(), a.y()), self.panel_at(b.x(), b.y())
        if pa is not None and pb is not None:
            dmv = float(pb.mv_of(b.y(), self.gain) - pa.mv_of(a.y(), self.gain))
        else:   # a marker off the traces (the margin): the plain height between the two
            dmv = (b.y() - a.y()) / self.gain
        return {"dt_ms": dt_ms, "rate_bpm": 60000.0 / dt_ms if dt_ms >= RATE_MIN_MS - 1e-6 else None, "dmv": dmv,
                "lead": self.panel_name(pa) if pa is not None else None,
                "lead_b": self.panel_name(pb) if pb is not None else None}

    def _caliper_moved(self, *args) -> None:
        r = self.caliper_reading()
        if r is None:
            return
        # where the markers stand, kept in lead, time and mV: a new speed or gain is set before the
        # paper is laid out again, when the markers' millimetres no longer read as before
        self.caliper_points = self.caliper_anchors()
        a, b = self.caliper_a.pos(), self.caliper_b.pos()
        self.caliper_line.setData(np.array([a.x(), b.x()]), np.array([a.y(), b.y()]))
        rate = f"  {r['rate_bpm']:.0f} bpm" if r["rate_bpm"] else ""
        self.caliper_text.setText(f"{r['dt_ms']:.0f} ms{rate}  {r['dmv']:+.2f} mV")
        self.caliper_text.setPos(max(a.x(), b.x()) + 1.0, max(a.y(), b.y()) + 1.0)
        self.caliperChanged.emit(r)

    def snap_point(self, x: float, y: float) -> tuple[float, float]:
        """Snap x to the nearest fiducial mark within SNAP_SCREEN_MM of glass in the same panel, then
        onto the trace there: the nearest sample, its time and its value, so that the interval read
        is one of whole samples and the mV read are those of the times read (a marker let go between
        two samples read the height of one at the time of neither: "100 ms  601 bpm").

        Only marks the reader sees pull a marker: none while the fiducials are hidden (a marker let
        go 60 ms after the J point, to read the ST level there, stayed at the hidden J point), and
        the pull is measured on the screen, so zooming in lets a marker sit beside a mark.
        """
        panel = self.panel_at(x, y)
        if panel is None or self._display is None:
            return x, y
        best = None
        if self.show_fiducials:
            radius = SNAP_SCREEN_MM * self.px_per_mm() / self.px_per_paper_mm()    # paper mm
            for fx, fy, _kind in self.fiducial_points():
                if (abs(fx - x) <= radius and self.panel_at(fx, fy) is panel
                        and (best is None or abs(fx - x) < abs(best - x))):
                    best = fx
        if best is not None:
            x = best
        t = float(panel.t_of(x, self.speed))
        s = int(np.clip(round(t * self.record.fs), 0, self._display.shape[1] - 1))
        v = self.panel_rows(panel)[panel.lead, s]
        if np.isfinite(v):
            x, y = float(panel.x_of(s / self.record.fs, self.speed)), float(panel.y_of(v, self.gain))
        return x, y

    def _caliper_snap(self, item) -> None:
        self.select_caliper(0 if item is self.caliper_a else 1)    # the marker just dragged is the selected one
        if not self.snap:
            return
        pos = item.pos()
        x, y = self.snap_point(pos.x(), pos.y())
        item.blockSignals(True)
        item.setPos(QPointF(x, y))
        item.blockSignals(False)
        self._caliper_moved()


