"""The file's ECG leads outside the 12 (``EcgRecord.extra_leads``: PTB Diagnostic's Frank leads vx, vy, vz) drawn in
rows of their own below the 12 (pytest-qt, offscreen): the app had named them only. Truth: wfdb's own reading of the
record's samples, and the paper's scale (25 mm/s, 10 mm/mV: a sample's place is the row's baseline + mV x gain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
wfdb = pytest.importorskip("wfdb")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture

PTB = Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea"


def _viewer(qtbot, layout: str):
    from app.views.ecg_viewer import EcgViewer
    from mirage_model import load_record

    viewer = EcgViewer()
    viewer.resize(1200, 700)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.set_record(load_record(PTB))
    viewer.plot.set_layout(layout)
    return viewer


@pytest.mark.parametrize("layout, rows", [("12x1", 15), ("3x4", 7)])
def test_the_frank_leads_are_drawn_named_below_the_12_at_the_papers_scale(qtbot, layout, rows):
    plot = _viewer(qtbot, layout).plot
    truth = wfdb.rdrecord(str(PTB.with_suffix("")))
    names = truth.sig_name[12:]
    assert names == ["vx", "vy", "vz"]
    assert len(plot.paper.row_baselines) == rows                # the 12 (or 3x4's 4 rows), then vx, vy, vz
    shown = [(curve, label) for curve, label in zip(plot.curves, plot.labels) if curve.isVisible()]
    assert len(shown) == 12 + (layout != "12x1") + 3             # 3x4's rhythm strip
    extra = shown[-3:]
    lowest = min(p.baseline for p in plot.paper.panels)
    for k, (curve, label) in enumerate(extra):
        assert label.isVisible() and label.toPlainText().split()[0] == names[k]
        panel = plot.paper.extra[k]
        assert panel.baseline < lowest                           # below every one of the 12
        x, y = curve.xData, curve.yData                         # as set, not downsampled for the screen
        n = len(x)
        t = np.arange(n) / truth.fs
        np.testing.assert_allclose(x, panel.x0 + t * 25.0, atol=1e-6)                 # 25 mm/s
        np.testing.assert_allclose(y, panel.baseline + truth.p_signal[:n, 12 + k] * 10.0, atol=1e-4)   # 10 mm/mV
    # each row has its calibration pulse, the extra ones too
    assert sum(cal.isVisible() for cal in plot.cal_items) == rows
