"""The 12 lead names under each lead heat map can be read apart: where lying side by side they would run
together, they stand on end, each in its own column.

Walked at 1280x800 (session 44): waveform_ecg.dcm, Lead attention tab (617 px wide), the learned lead bias map
had 13 px per column and its names ran together, "IIIaVRaVLaVF" ("aVR" is 19 px wide in the axes' 7 pt).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QScrollArea  # noqa: E402

NAMES = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def _heatmaps(qtbot, width: int):
    from app.views.explain import LeadHeatmaps

    maps = LeadHeatmaps()
    scroll = QScrollArea()                    # as the main window holds them (main_window.py: heat_scroll)
    scroll.setWidgetResizable(True)
    scroll.setWidget(maps)
    qtbot.addWidget(scroll)
    rng = np.random.default_rng(0)
    maps.set_explanation(SimpleNamespace(lead_bias=rng.uniform(-0.35, 0.35, (12, 12)),
                                         lead_attention=rng.uniform(0.083, 0.226, (12, 12)),
                                         methods={}, window_start_s=0.0))
    scroll.resize(width, 600)                 # tall enough to show the names without scrolling
    scroll.show()
    qtbot.waitExposed(scroll)
    qtbot.wait(200)                           # the axes measure their names when first drawn, then re-lay
    maps.scroll = scroll                      # kept: pytest-qt holds the widgets it closes weakly
    return maps


def _name_boxes(maps, plot) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(name, (left, top, right, bottom) in the view's pixels) of each name as the axis lays it out to draw."""
    axis = plot.getAxis("bottom")
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.setFont(axis.style["tickFont"])   # as AxisItem.paint does
    try:
        _spec, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    out = []
    for rect, _flags, text in texts:
        r = maps.glw.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
        out.append((text, (r.left(), r.top(), r.right(), r.bottom())))
    return out


def _ink(maps, plot) -> np.ndarray:
    """(y, x) of the dark pixels (the names' #444 text) between each map's axis line and its "key lead"."""
    axis = plot.getAxis("bottom")
    shot = maps.glw.viewport().grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    grey = np.array([[QColor(shot.pixel(x, y)).value() for x in range(shot.width())] for y in range(shot.height())])
    line = maps.glw.mapFromScene(axis.mapToScene(QPointF(0, 0))).y()       # the axis line is its top edge
    under = maps.glw.mapFromScene(axis.label.mapToScene(axis.label.boundingRect().topLeft())).y()
    span = maps.glw.mapFromScene(axis.mapRectToScene(axis.boundingRect())).boundingRect()
    strip = grey[line + 2:under, span.left():span.right()] < 150
    ys, xs = np.nonzero(strip)
    return np.stack([ys + line + 2, xs + span.left()], axis=1)


def test_the_lead_names_do_not_run_together_at_1280x800(qtbot):
    maps = _heatmaps(qtbot, 615)              # 615: the tab's width in a 1280x800 window
    for plot in maps.plots:
        boxes = _name_boxes(maps, plot)
        assert [name for name, _box in boxes] == NAMES
        # each name's box holds its column's middle, and no two boxes meet
        vb = plot.vb
        for i, (_name, (left, _top, right, _bottom)) in enumerate(boxes):
            x = maps.glw.mapFromScene(vb.mapViewToScene(QPointF(i + 0.5, 12))).x()
            assert left <= x <= right
        for (a, (_l, _t, right, _b)), (b, (left, *_r)) in zip(boxes, boxes[1:]):
            assert right < left, f"{a} and {b} overlap"
        # what is drawn lies in those boxes (the text is where the boxes say), and every box has its name's ink
        ink = _ink(maps, plot)
        inside = np.zeros(len(ink), dtype=bool)
        for name, (left, top, right, bottom) in boxes:
            here = ((ink[:, 1] >= left - 1) & (ink[:, 1] <= right + 1)
                    & (ink[:, 0] >= top - 1) & (ink[:, 0] <= bottom + 1))
            assert here.any(), f"{name} not drawn in its box"
            inside |= here
        assert inside.all(), f"ink outside the names' boxes at {ink[~inside][:5].tolist()}"


def test_the_names_lie_where_there_is_room_and_both_maps_alike(qtbot):
    for width, standing in ((615, True), (953, False)):     # 953: the tab's width in a 1920x1080 window
        maps = _heatmaps(qtbot, width)
        axes = [plot.getAxis("bottom") for plot in maps.plots]
        assert [axis.standing for axis in axes] == [standing, standing]
        for plot in maps.plots:
            for name, (left, top, right, bottom) in _name_boxes(maps, plot):
                if name.startswith("aV"):     # longer than a line is high: standing, the box is taller than wide
                    assert (bottom - top > right - left) == standing, name
        # the rows of the two maps stay level: their cells are as tall
        assert maps.plots[0].vb.height() == pytest.approx(maps.plots[1].vb.height(), abs=0.5)
