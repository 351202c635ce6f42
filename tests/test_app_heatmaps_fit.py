"""The Lead attention tab's two heat maps are never cut at the view's edge: where they need more width than the
tab gives, the tab scrolls to the rest.

Walked at 1280x800 (session 44): waveform_ecg.dcm, Lead attention tab, 599 px of view for the 619 px the two maps'
titles, axes and colour bars need; the QGraphicsView did not pass that minimum on to the tab's scroll area, so the
layout overflowed the view and "Lead attention (this record)"'s colour bar lost its figures ("0" of "0.20") at the
edge, with no scroll bar to reach them.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QScrollArea  # noqa: E402


def _heatmaps(qtbot, width: int):
    from app.views.explain import LeadHeatmaps

    maps = LeadHeatmaps()
    scroll = QScrollArea()                    # as the main window holds them (main_window.py: heat_scroll)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(maps)
    qtbot.addWidget(scroll)
    rng = np.random.default_rng(0)
    attention = rng.uniform(0.083, 0.226, (12, 12))           # the range the DICOM record's attention had
    maps.set_explanation(SimpleNamespace(lead_bias=rng.uniform(-0.35, 0.35, (12, 12)), lead_attention=attention,
                                         methods={}, window_start_s=0.0))
    scroll.resize(width, 220)
    scroll.show()
    qtbot.waitExposed(scroll)
    qtbot.wait(100)                           # the axes measure their tick figures when first drawn
    return maps, scroll


def _right_edges(maps) -> list[float]:
    """Where each colour bar's axis (its figures) ends, in the view's pixels."""
    view = maps.glw
    return [view.mapFromScene(bar.axis.mapRectToScene(bar.axis.boundingRect()).topRight()).x()
            for _img, bar in maps.images]


@pytest.mark.parametrize("width", [615, 700, 1000])     # 615: the tab's width in a 1280x800 window
def test_the_colour_bars_figures_lie_inside_the_view(qtbot, width):
    maps, scroll = _heatmaps(qtbot, width)
    view_width = maps.glw.viewport().width()
    assert all(0 < edge <= view_width for edge in _right_edges(maps))
    # what the viewport of the scroll area does not show, its scroll bar reaches
    shown = scroll.viewport().width()
    assert scroll.horizontalScrollBar().maximum() == max(0, maps.width() - shown)
    if width >= 700:
        assert scroll.horizontalScrollBar().maximum() == 0               # room enough: no scrolling
