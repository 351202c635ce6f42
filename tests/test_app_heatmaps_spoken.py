"""The lead heat maps' values for a screen reader: the accessible description names each map's three strongest
lead-to-lead cells (a lead to itself left out) of the matrices drawn, again with each record's. The matrices here are
written by hand, their largest cells placed, so the words expected are known without the widget."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("pytestqt")

I, II, III, AVR, AVL, AVF, V1, V2, V3, V4, V5, V6 = range(12)


def _explanation(bias, attention):
    return SimpleNamespace(lead_bias=bias, lead_attention=attention, methods={}, window_start_s=0.0)


def test_the_strongest_cells_are_said_and_follow_the_record(qtbot):
    from app.views.explain import LeadHeatmaps

    maps = LeadHeatmaps()
    qtbot.addWidget(maps)
    said = []
    maps.described.connect(said.append)
    assert "No explanation" in maps.accessibleDescription()
    bias = np.full((12, 12), -0.1)
    bias[V2, V3], bias[I, II], bias[V1, V2], bias[AVR, AVR] = 0.41, 0.30, 0.25, 0.9     # the diagonal left out
    attention = np.full((12, 12), 0.05)
    attention[III, AVF], attention[V5, V6], attention[I, AVR], attention[II, II] = 0.45, 0.35, 0.20, 0.6
    maps.set_explanation(_explanation(bias, attention))
    first = ("Learned lead bias, strongest lead-to-lead: V2 -> V3 +0.41, I -> II +0.30, V1 -> V2 +0.25; "
             "Lead attention (this record), strongest lead-to-lead: III -> aVF 45%, V5 -> V6 35%, I -> aVR 20%")
    assert maps.accessibleDescription() == first
    assert maps.glw.accessibleDescription() == first and said[-1] == first
    # the next record: its own attention said, the model's bias as before
    attention = np.full((12, 12), 0.05)
    attention[V6, I], attention[AVL, V4], attention[V3, V1] = 0.70, 0.12, 0.10
    maps.set_explanation(_explanation(bias, attention))
    assert maps.accessibleDescription().endswith("strongest lead-to-lead: V6 -> I 70%, aVL -> V4 12%, V3 -> V1 10%")
    # a map switched off is not said; its values are not drawn
    maps.set_shown("lead_bias", False)
    assert maps.accessibleDescription().startswith("Lead attention (this record), strongest lead-to-lead: V6 -> I")
    maps.set_out_of_date("a value edited")
    assert maps.accessibleDescription().startswith("Lead attention out of date (a value edited); Lead attention")
    maps.set_explanation(None)
    assert "No explanation" in said[-1]
