"""The column axis of the lead heat maps: the 12 lead names under a map, standing on end (read upwards, their
ends at the axis, as matplotlib's ``rotation=90`` does) when side by side they would run together.

At 1280x800 the learned lead bias map has 13 px per column for names up to about 19 px wide ("aVR" in 7 pt), which
pyqtgraph's ``AxisItem`` drew into one another ("IIIaVRaVLaVF"); standing, each takes its line height (11 px).
Axes made ``together`` stand or lie alike, so that the rows of maps side by side stay level.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF

NAME_GAP_PX = 3      # the least clear space between two names lying side by side


class LeadNamesAxis(pg.AxisItem):
    """A bottom axis whose tick names (set with ``setTicks``) stand on end where they do not fit side by side."""

    # class-wide defaults: pyqtgraph's __init__ resizes and measures the axis before this class's could set them
    together: tuple = ()        # the axes that stand their names alike (this one among them); () this one alone
    standing = False            # the names stood on end at the last paint
    _measuring = False

    def __init__(self, *args, **kwargs):
        super().__init__("bottom", *args, **kwargs)

    def crowded(self) -> bool:
        """Whether any two neighbouring names would touch (closer than NAME_GAP_PX) lying side by side, at the
        axis's width now."""
        levels = self._tickLevels or [[]]
        lo, hi = sorted(self.range)
        width = self.geometry().width()
        if hi <= lo or width <= 0:
            return False
        metrics = QFontMetricsF(self.style["tickFont"] or self.font())
        shown = sorted(((v - lo) * width / (hi - lo), metrics.horizontalAdvance(name))
                       for v, name in levels[0] if lo <= v <= hi)
        return any(x1 - x0 < (w0 + w1) / 2 + NAME_GAP_PX for (x0, w0), (x1, w1) in zip(shown, shown[1:]))

    def upright(self) -> bool:
        """The names stand: this axis's or one of its companions' (``together``) would run together lying."""
        return any(axis.crowded() for axis in self.together or (self,))

    def resizeEvent(self, ev=None):
        super().resizeEvent(ev)
        for axis in self.together:       # a companion may stand its names, or lay them down, at this width
            if axis is not self:
                axis.picture = None
                axis.update()

    def _updateMaxTextSize(self, x):
        if not self._measuring:           # the depth of lying names, measured by pyqtgraph: set once decided
            super()._updateMaxTextSize(x)

    def generateDrawSpecs(self, p):
        self._measuring = True
        try:
            specs = super().generateDrawSpecs(p)
        finally:
            self._measuring = False
        if specs is None:
            return None
        axis_spec, tick_specs, text_specs = specs
        self.standing = bool(text_specs) and self.upright()
        if not self.standing:
            super()._updateMaxTextSize(max((rect.height() for rect, _f, _t in text_specs), default=0))
            return specs
        # standing: a name's length goes down from the axis, its height across its column, centred on the tick
        top = min(rect.top() for rect, _f, _t in text_specs)
        height = QFontMetricsF(p.font()).height()
        standing = [(QRectF(rect.center().x() - height / 2, top, height, rect.width()), flags, text)
                    for rect, flags, text in text_specs]
        super()._updateMaxTextSize(max(rect.height() for rect, _f, _t in standing))
        return axis_spec, tick_specs, standing

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):
        if not self.standing:
            return super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        super().drawPicture(p, axisSpec, tickSpecs, [])
        p.setPen(self.textPen())
        for rect, _flags, text in textSpecs:
            p.save()
            p.translate(QPointF(rect.center().x(), rect.top()))
            p.rotate(-90)            # reads upwards; its end at the axis
            p.drawText(QRectF(-rect.height(), -rect.width() / 2, rect.height(), rect.width()),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
            p.restore()
