"""What the ECG plot draws over the traces: the measurements' fiducial marks and the model's
explanations (lead importance bars, saliency in time), with the caption that names their methods.

``PlotOverlays`` holds the methods; ``EcgPlot`` composes it and owns the items' state (made in its
``__init__``) and the ``overlayChanged`` signal.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen, QTransform

from mirage_model.records import STANDARD_LEADS
from mirage_model.render import PAGE_S
from mirage_model.review.paced import PACER_MARK_MM, pacer_legend, pacer_level, pacer_times

BAR_LEFT_MM, BAR_MM = 0.2, 2.2  # a lead-importance bar: from 0.2 mm before its part's start, 2.2 mm wide (paper)
FIGURE_GAP_PX = 3.0             # screen pixels between a bar and its importance figure (as a name from its pulse)

FIDUCIAL_STYLE = {                   # name -> (symbol, colour)
    "p_on": ("t1", (40, 120, 220)), "p_off": ("t1", (40, 120, 220)),
    "qrs_on": ("t", (20, 150, 60)), "qrs_off": ("t", (20, 150, 60)),
    "r_peak": ("o", (230, 120, 0)), "t_off": ("t1", (150, 50, 180)),
}


# pyqtgraph symbols: "t1" a triangle pointing up, "t" one pointing down, "o" a dot. The dot is each
# lead's largest QRS deflection (``measure``, step 8): the R wave, or the S where the QRS is negative
# (aVR, an rS V1): "R peak" named an S nadir in V1-V3 an R.
FIDUCIAL_NAMES = (("p_on", "P on/off", "\u25b2"), ("qrs_on", "QRS on/off", "\u25bc"),
                  ("r_peak", "QRS peak", "\u25cf"), ("t_off", "T end", "\u25b2"))
FIDUCIAL_TIP = ("fiducial marks of the measurements (median beat mapped onto each beat); QRS peak: the lead's "
                "largest QRS deflection, the R wave, or the S in a lead whose QRS is negative (aVR, an rS or QS V1)")


def fiducial_legend_html() -> str:
    """What each fiducial mark means, in its own symbol and colour (the legend beside "Fiducials")."""
    parts = []
    for key, name, glyph in FIDUCIAL_NAMES:
        r, g, b = FIDUCIAL_STYLE[key][1]
        parts.append(f"<span style='color:rgb({r},{g},{b})'>{glyph}</span> {name}")
    return "&nbsp;&nbsp;".join(parts)


OUT_OF_DATE_OPACITY = 0.3     # an explanation of the previous values: faded, as the bars of its result are


def _heat_lut(rgb=(150, 40, 200), max_alpha=120, floor=0.25) -> np.ndarray:
    """(256, 4) uint8 lookup: transparent up to ``floor``, then ``rgb`` rising to ``max_alpha`` at 1."""
    lut = np.zeros((256, 4), np.uint8)
    lut[:, :3] = rgb
    ramp = np.clip((np.linspace(0.0, 1.0, 256) - floor) / (1.0 - floor), 0.0, 1.0)
    lut[:, 3] = (max_alpha * ramp).astype(np.uint8)
    return lut


def clear_spot(paths, size: tuple[float, float], x_span: tuple[float, float], y_span: tuple[float, float],
               prefer: tuple[float, float], step: float, pad: float = 0.0) -> tuple[float, float] | None:
    """Where a box of ``size`` (w, h) can stand without meeting any of the drawn ``paths``: the top-left
    corner (x, y) nearest ``prefer`` (by |dx| + |dy|), on a grid of ``step``, with the box inside ``x_span``
    (its left and right edges) and ``y_span`` (its bottom and top; y up, as on the paper); None where every
    place meets a path. All in the same unit (paper mm).

    A path is a line: over the x a box covers, it passes through every y between its lowest and highest
    there, so a box meets it unless it stands wholly above or wholly below that stretch of it (taken per bin
    of ``step``; a segment longer than two bins counts at its whole height in each: never less ink, some more).

    Args:
        paths: (x, y) arrays of drawn polylines, x increasing; NaN breaks a line.
        pad: the clearance kept around the box (a pixel's worth: the pen has a width).
    """
    w, h = size
    x_lo, x_hi = x_span
    if x_hi - x_lo < w - 1e-9 or y_span[1] - y_span[0] < h - 1e-9 or step <= 0:
        return None
    xs_c = x_lo + step * np.arange(int(np.floor((x_hi - x_lo - w) / step + 1e-9)) + 1)     # (n,) left edges
    tops = y_span[1] - step * np.arange(int(np.floor((y_span[1] - y_span[0] - h) / step + 1e-9)) + 1)  # (m,)
    # bins of ``step`` from x_lo - pad - step; a box at each candidate covers bins first..first + width - 1
    edge0 = x_lo - pad - step
    nb = int(np.ceil((x_hi + pad + step - edge0) / step)) + 1
    first = np.floor((xs_c - pad - edge0) / step).astype(np.int64)
    width = int((np.floor((xs_c + w + pad - edge0) / step).astype(np.int64) - first).max()) + 1
    free = np.ones((xs_c.size, tops.size), dtype=bool)
    for px, py in paths:
        px = np.asarray(px, dtype=np.float64)
        py = np.asarray(py, dtype=np.float64)
        if px.size == 0 or px[0] > edge0 + nb * step or px[-1] < edge0:
            continue          # beside the span (another column's trace)
        a, b = np.searchsorted(px, [edge0, edge0 + nb * step])
        a, b = max(0, a - 1), min(px.size, b + 1)        # one sample beyond: the segment into the span
        px, py = px[a:b], py[a:b]
        ok = np.isfinite(px) & np.isfinite(py)
        if not ok.any() or py[ok].max() < y_span[0] - pad or py[ok].min() > y_span[1] + pad:
            continue          # nowhere near the boxes (another row's trace)
        px, py = px[ok], py[ok]
        # the lowest and highest y the path reaches in each bin: each sample with the segments to its
        # neighbours (a NaN between two samples broke the line: fmin/fmax pass over it), then per bin
        k = np.clip(np.floor((px - edge0) / step), 0, nb - 1).astype(np.int64)
        gap = np.flatnonzero(np.diff(np.flatnonzero(ok)) > 1)       # a NaN run between samples gap, gap + 1
        before, after = np.r_[np.nan, py[:-1]], np.r_[py[1:], np.nan]
        before[gap + 1] = np.nan
        after[gap] = np.nan
        near_lo = np.fmin(py, np.fmin(before, after))
        near_hi = np.fmax(py, np.fmax(before, after))
        starts = np.r_[0, np.flatnonzero(np.diff(k)) + 1]          # x increases: each bin's samples in a run
        lo = np.full(nb + width, np.inf)
        hi = np.full(nb + width, -np.inf)
        lo[k[starts]] = np.minimum.reduceat(near_lo, starts)
        hi[k[starts]] = np.maximum.reduceat(near_hi, starts)
        seg = np.ones(py.size - 1, dtype=bool)
        seg[gap] = False
        k0, k1 = k[:-1][seg], k[1:][seg]
        y_min, y_max = np.minimum(py[:-1], py[1:])[seg], np.maximum(py[:-1], py[1:])[seg]
        for j in np.flatnonzero(np.abs(k1 - k0) > 1):     # a segment over more than two bins (rare)
            c0, c1 = sorted((int(k0[j]), int(k1[j])))
            lo[c0:c1 + 1] = np.minimum(lo[c0:c1 + 1], y_min[j])
            hi[c0:c1 + 1] = np.maximum(hi[c0:c1 + 1], y_max[j])
        under_lo = np.lib.stride_tricks.sliding_window_view(lo, width)[first].min(axis=1)     # (n,)
        under_hi = np.lib.stride_tricks.sliding_window_view(hi, width)[first].max(axis=1)
        free &= ((tops[None, :] - h - pad > under_hi[:, None])          # (n, m): the box above this path
                 | (tops[None, :] + pad < under_lo[:, None]))           # or under it
    if not free.any():
        return None
    cost = np.abs(xs_c - prefer[0])[:, None] + np.abs(tops - prefer[1])[None, :]
    i, j = np.unravel_index(np.argmin(np.where(free, cost, np.inf)), free.shape)
    return float(xs_c[i]), float(tops[j])


def drawn_paths(curves) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (x, y) data of each shown curve that has any: the ``paths`` ``clear_spot`` keeps a box off."""
    return [(c.xData, c.yData) for c in curves if c.isVisible() and c.xData is not None and len(c.xData)]


def _box_path(rect: QRectF) -> tuple[np.ndarray, np.ndarray]:
    """A rectangle (view units) as a path ``clear_spot`` keeps clear of: it reaches every y of the
    rectangle over all its x."""
    x0, x1, y0, y1 = rect.left(), rect.right(), rect.top(), rect.bottom()
    return np.array([x0, x0, x1, x1]), np.array([y0, y1, y0, y1])


def short_method(text: str) -> str:
    """The first clause of a method description, for captions (the full text goes in tooltips)."""
    text = str(text)
    depth = 0
    for i, ch in enumerate(text):   # cut at the first comma or semicolon outside parentheses
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch in ",;":
            return text[:i]
    return text


class PlotOverlays:
    """Fiducials, explanation overlays and quality (artefact) shading of ``EcgPlot`` (a mixin:
    ``EcgPlot`` makes the items)."""

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
            self._imp_at.append(None)

    # ------------------------------------------------------------------ artefacts
    def set_quality(self, quality) -> None:
        """Shade, on the leads it names, each stretch of the record that the quality report places
        in time (a large artefact: ``Finding.span_s``), grey and hatched, with the finding's words
        on hover; None or no such finding clears them."""
        self.artefacts = [(float(f.span_s[0]), float(f.span_s[1]), tuple(f.leads), f.name)
                          for f in getattr(quality, "findings", ()) if getattr(f, "span_s", None) is not None]
        self.pacer_times = pacer_times(quality)
        self.pacer_legend = pacer_legend(quality)
        self._draw_artefacts()
        self._draw_pacer_marks()

    # ------------------------------------------------------------------ pacer marks
    def pacer_mark_positions(self) -> list[tuple[float, float, float]]:
        """(x mm, y0 mm, y1 mm) of each pacer mark on the page now: one per pacing stimulus the
        quality report found (``review.paced.pacer_times``) on every panel showing its moment, a
        vertical tick across the displayed trace's level there (``PACER_MARK_MM``, ``pacer_level``)."""
        if self.record is None or self.paper is None or self._display is None or not len(self.pacer_times):
            return []
        lo, hi = PACER_MARK_MM
        out = []
        for p in self.paper.panels:
            for t in self.pacer_times[(self.pacer_times >= p.t0) & (self.pacer_times < p.t1)]:
                y = float(p.y_of(pacer_level(self._display[p.lead], self.record.fs, float(t)), self.gain))
                out.append((float(p.x_of(float(t), self.speed)), y + lo, y + hi))
        return out

    def _draw_pacer_marks(self) -> None:
        marks = self.pacer_mark_positions()
        if marks:
            x = np.repeat([m[0] for m in marks], 2)
            y = np.ravel([[m[1], m[2]] for m in marks])
            self.pacer_marks.setData(x, y, connect="pairs")
        else:
            self.pacer_marks.setData([], [])
        self.pacer_marks.setVisible(bool(marks))
        self._update_caption()

    def _draw_artefacts(self) -> None:
        boxes = []
        if self.record is not None and self.paper is not None:
            for t0, t1, leads, note in self.artefacts:
                for p in self.paper.panels:
                    if leads and STANDARD_LEADS[p.lead] not in leads:
                        continue
                    a, b = max(t0, p.t0), min(t1, p.t1)
                    if b <= a:
                        continue
                    x0, x1 = p.x_of(np.array([a, b]), self.speed)
                    boxes.append((QRectF(x0, p.baseline - p.height / 2, x1 - x0, p.height), note))
        while len(self._artefact_items) < len(boxes):
            item = pg.QtWidgets.QGraphicsRectItem()
            item.setPen(QPen(QColor(90, 90, 90, 200), 0))
            item.setBrush(QBrush(QColor(110, 110, 110, 90), Qt.BrushStyle.BDiagPattern))
            item.setZValue(-30)
            self.vb.addItem(item, ignoreBounds=True)
            self._artefact_items.append(item)
        for i, item in enumerate(self._artefact_items):
            item.setVisible(i < len(boxes))
            if i < len(boxes):
                item.setRect(boxes[i][0])
                item.setToolTip(f"Signal quality: {boxes[i][1]}")

    def artefact_boxes(self) -> list[QRectF]:
        """The shaded stretches drawn now (paper mm), for tests."""
        return [item.rect() for item in self._artefact_items if item.isVisible()]

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
        """Draw ``explanation`` (None: none) as current: whatever made the previous one out of date is over."""
        self.explanation = explanation
        self.out_of_date = ""
        self._draw_overlays()

    def set_out_of_date(self, why: str) -> None:
        """The explanation drawn is that of the previous values (``why``, in a few words; "" once current
        again): faded, as the probability bars are, and said so in the caption."""
        self.out_of_date = str(why)
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
            "out_of_date": self.out_of_date if e is not None else "",
        }

    def explained_span(self) -> tuple[float, float] | None:
        """(start s, end s) of the record the explanation was computed on (its 10 s window), None
        without an explanation."""
        e = self.explanation
        if e is None or self.record is None:
            return None
        t0 = float(getattr(e, "window_start_s", 0.0) or 0.0)
        return t0, min(t0 + PAGE_S, max(t0, float(self.record.duration_s)))

    def _explained_part(self, p) -> tuple[float, float] | None:
        """The seconds of panel ``p`` inside the explained window (None: it shows none of them).
        The overlays are drawn over these only: an explanation says nothing of the rest."""
        span = self.explained_span()
        if span is None:
            return None
        a, b = max(p.t0, span[0]), min(p.t1, span[1])
        return (a, b) if b > a else None

    @staticmethod
    def _saliency_top(sal: np.ndarray | None) -> float:
        """The largest finite value of a saliency map (1 when none is positive): the strips are
        drawn relative to it. The map is the explained window's alone, (12, T_w)."""
        if sal is None or not np.isfinite(sal).any():
            return 1.0
        top = float(np.nanmax(sal))
        return top if top > 0 else 1.0

    def _draw_overlays(self) -> None:
        e = self.explanation
        panels = self.panels()
        parts = [self._explained_part(p) for p in panels]
        imp = None
        sal = None
        if e is not None:
            imp = np.asarray(e.lead_importance, dtype=float)
            if imp.shape != (12,) or not np.isfinite(imp).all():
                imp = None
            # (12, T_w): the explained window's samples from record sample e.signal_start
            sal = getattr(e, self._saliency_key(), None)
            sal = np.asarray(sal) if sal is not None else None
            if sal is None or sal.ndim != 2 or sal.shape[0] != 12:
                sal = None
        if e is not None:
            self._ensure_overlay_items(len(panels))
        top = float(imp.max()) if imp is not None and imp.max() > 0 else 1.0
        top_s = self._saliency_top(sal)
        fade = OUT_OF_DATE_OPACITY if self.out_of_date else 1.0     # the previous values' explanation
        for i, band in enumerate(self._bands):
            part = parts[i] if i < len(panels) else None
            show_i = imp is not None and self.show_importance and part is not None
            band.setVisible(bool(show_i))
            self._imp_labels[i].setVisible(bool(show_i))
            show_s = sal is not None and self.show_saliency and part is not None
            self._sal_items[i].setVisible(bool(show_s))
            for item in (band, self._imp_labels[i], self._sal_items[i]):
                item.setOpacity(fade)
            if part is None:
                continue
            p = panels[i]
            x_a, x_b = (float(x) for x in p.x_of(np.array(part), self.speed))
            if show_i:      # at the start of the explained part (the panel's start on the explained page)
                alpha = int(30 + 170 * max(0.0, imp[p.lead]) / top)
                # the whole row: a column's bars meet, their shades telling the leads apart (a 0.5 mm
                # inset each side left a 1 mm gap between rows, which read as a fault once zoomed)
                band.setRect(QRectF(x_a - BAR_LEFT_MM, p.baseline - p.height / 2, BAR_MM, p.height))
                band.setBrush(QBrush(QColor(235, 110, 0, alpha)))
                self._imp_labels[i].setText(f"{100 * imp[p.lead]:.0f}%")
                # the figure stands clear of the bar, whose orange it is written in (at x_a + 1 mm its first
                # digit was on the bar at every zoom); it may move right to x_b to stand clear of the trace
                self._imp_at[i] = (x_a - BAR_LEFT_MM + BAR_MM, p.baseline + p.height / 2, x_b,
                                   p.baseline - p.height / 2)
            if show_s:
                # the explained part's record samples; e.signal_map gives 0 past the map's ends
                a = int(round(part[0] * self.record.fs))
                b = max(a + 1, int(round(part[1] * self.record.fs)))
                row = e.signal_map(self._saliency_key(), p.lead, a, b)
                if row.size > 2000:  # one pixel column per ~0.1 mm is plenty
                    k = int(np.ceil(row.size / 2000))
                    row = np.pad(row, (0, (-row.size) % k)).reshape(-1, k).max(axis=1)
                img = self._sal_items[i]
                img.setImage(np.nan_to_num(row / top_s)[None, :].astype(np.float32), levels=(0.0, 1.0))
                h = p.height * 0.7
                tr = QTransform()
                tr.translate(x_a, p.baseline - h / 2)
                tr.scale((x_b - x_a) / max(1, row.size), h)
                img.setTransform(tr)
        self._place_importance_labels()
        self._update_caption()

    def _place_importance_labels(self) -> None:
        """Each lead-importance figure under its lead's name: 4.5 mm under the panel's top, or lower
        where the name's line of text is taller than that on screen (a fitted 6x2 or 12x1 page: at
        0.42x the figure sat on the name). Where the trace reaches up into it there (muse-sinus at true
        scale: "16%" on lead I's first R wave, 1.5 mm after the bar), it moves right along the same
        line to the nearest stretch the trace leaves free, within the explained part; failing that, onto
        the name's own line right of the name (a small zoom, where the line under the name is the
        trace's); failing both, it stays under the name. Run again on every zoom (``EcgPlot._emit_scale``)."""
        self._fit_labels()      # the names' size and place at this zoom first
        ppm = self.px_per_paper_mm() if self.paper is not None else 0.0
        paths = None
        for i, (label, at) in enumerate(zip(getattr(self, "_imp_labels", ()), getattr(self, "_imp_at", ()))):
            if not label.isVisible() or at is None:
                continue
            bar_x, panel_top, slide_to, panel_foot = at
            box = label.textItem.boundingRect()       # px: the name's line, in the same font
            drop = max(4.5, 0.5 + (box.height() + 1.0) / ppm) if ppm > 0 else 4.5
            x, top = bar_x + (FIGURE_GAP_PX / ppm if ppm > 0 else 0.5), panel_top - drop
            if ppm > 0:
                if paths is None:      # every trace drawn (a tall wave of the next row is ink here too)
                    paths = drawn_paths((*self.curves, *self.twin_curves))
                w, h = box.width() / ppm, box.height() / ppm
                end = max(x + w, slide_to)
                # (left edge, right end, top, lowest bottom) of each place tried in turn: the line under the
                # name, the name's own line right of it, lower in the row near the bar (the flags at its foot
                # kept clear: a figure after them read as theirs)
                tries = [(x, end, top, top - h)]
                name = self.labels[i]
                if name.isVisible():
                    x_n = name.pos().x() + (name.textItem.boundingRect().width() + FIGURE_GAP_PX) / ppm
                    tries.append((x_n, end, name.pos().y(), name.pos().y() - h))
                tries.append((x, min(end, x + 2.0 * w), top, panel_foot))
                foot = self.flag_labels[i]
                keep_off = []
                if foot.isVisible():
                    keep_off.append(_box_path(self.vb.mapSceneToView(foot.sceneBoundingRect()).boundingRect()))
                for x0, x1, y0, bottom in tries:
                    spot = clear_spot([*paths, *keep_off], (w, h), (x0, max(x1, x0 + w)), (bottom, y0), (x0, y0),
                                      step=max(0.2, 1.0 / ppm), pad=1.0 / ppm)
                    if spot is not None:
                        x, top = spot
                        break
            label.setPos(x, top)

    def _update_caption(self) -> None:
        state = self.overlay_state()
        parts = []
        span = self.explained_span()
        panels = self.panels()
        where = ""
        if span is not None and self.record.duration_s > PAGE_S + 1e-6:
            where = f" for the explained window {span[0]:g}-{span[0] + PAGE_S:g} s"
            if panels and (span[0] < min(p.t0 for p in panels) - 1e-6 or span[1] > max(p.t1 for p in panels) + 1e-6):
                where += ", drawn over its part on this page"
        if state["importance"]:
            parts.append(f"orange bar + %: lead importance{where} ({short_method(state['importance_method'])})")
        if state["saliency"]:
            parts.append(f"purple shading: saliency in time{where} ({short_method(state['saliency_method'])})")
        if (span is not None and (self.show_importance or self.show_saliency)
                and not any(self._explained_part(p) for p in panels)):
            # drawn only over the window it was computed on, which this page does not show
            parts.append(f"lead importance and saliency not drawn: they are of the explained window "
                         f"{span[0]:g}-{span[0] + PAGE_S:g} s, not on this page "
                         "(Ctrl+Shift+E, or \"explained\" in the page box, shows it)")
        if state["out_of_date"] and (state["importance"] or state["saliency"]):
            parts.insert(0, f"out of date ({state['out_of_date']}): drawn faded")
        if self.pacer_marks.isVisible():     # first: the caption is elided at its end
            parts.insert(0, self.pacer_legend)
        self.overlay_text = "; ".join(parts)
        self.overlayChanged.emit(self.overlay_text)

