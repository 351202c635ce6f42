"""The median beats tab names a lead without a usable beat "V4 (unusable)"; drawn small (the tab under the traces at
1280x800, about 0.32x) that name ran on into the next cell's, "V4 (unusaV5ble)", seen on a CinC record with V4 all
missing. Where a name is wider than its cell it takes two lines. Truth: the names' boxes on the sheet (mm) against
each other, and their height in lines of a one-line name (pytest-qt, offscreen)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from mirage_model.measure import measure  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.records import load_record  # noqa: E402
from mirage_model.review.session import ReviewSession  # noqa: E402

LUDB1 = resources_dir() / "samples" / "ludb" / "1.hea"
pytestmark = pytest.mark.skipif(not LUDB1.is_file(), reason="bundled LUDB sample not present")


def _view(qtbot, width: int, height: int):
    from app.views.median_beats import MedianBeatsView

    record = load_record(LUDB1)
    signal = np.array(record.signal, dtype=np.float32)
    signal[list(record.sig_name).index("V4")] = np.nan          # every sample of V4 missing
    record = replace(record, signal=signal)
    session = ReviewSession.from_results(record, measurements=measure(record))
    view = MedianBeatsView(enlargeable=False)
    view.physical_dpi = lambda: 96.0
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    view.set_session(session)
    qtbot.wait(50)
    return view


@pytest.mark.parametrize("size", [(470, 190), (1200, 700)], ids=["tab at 1280x800", "a window"])
def test_an_unusable_leads_name_stays_in_its_cell(qtbot, size):
    view = _view(qtbot, *size)
    assert not view.view.usable[view.view.leads.index("V4")]
    assert "unusable" in view.labels["V4"].textItem.toPlainText()
    boxes = view.label_boxes()
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not boxes[a].intersects(boxes[b]), f"{a} {boxes[a]} runs into {b} {boxes[b]}"
    # two lines where one would be wider than its cell, one where there is room
    one_line = view.label_boxes()["V5"].height()
    lines = round(boxes["V4"].height() / one_line)
    assert lines == (2 if size[0] < 800 else 1), (boxes["V4"], one_line)
