"""Text drawn on the traces stands where no trace is (pytest-qt, offscreen): the median beats' lead names at
the sizes the tab draws them (0.69x under 200 % scaling, 0.33x with large text: the fixed 8 pt names stood
on the P waves and QRS complexes), the lead-importance figures on the paper (muse-sinus at true scale: "16%"
on lead I's first R wave). Truth: each text item's box on screen and every drawn line's vertices, mapped
to the same pixels, the line's segments walked in steps of a quarter pixel.
The lead heat maps say, per cell, how to read it; truth: the matrix written here and the model's attention
as ``mirage_model.explain`` builds it (row = the attending lead, softmax over the columns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.records import STANDARD_LEADS  # noqa: E402

LUDB1 = resources_dir() / "samples" / "ludb" / "1.hea"
MUSE = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"     # licence: data/formats/ATTRIBUTION.md


def _scene_path(vb, xs, ys) -> list[np.ndarray]:
    """A drawn line's runs of finite vertices in scene pixels, (K, 2) each."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    runs, run = [], []
    for x, y, good in zip(xs, ys, ok):
        if good:
            p = vb.mapViewToScene(QPointF(float(x), float(y)))
            run.append((p.x(), p.y()))
        elif run:
            runs.append(np.array(run))
            run = []
    if run:
        runs.append(np.array(run))
    return runs


def _meets(box: QRectF, runs: list[np.ndarray]) -> bool:
    """Whether a polyline (scene px) passes through ``box``: every segment walked in 0.25 px steps."""
    for run in runs:
        inside_x = (run[:, 0] >= box.left() - 50) & (run[:, 0] <= box.right() + 50)
        if not inside_x.any():
            continue
        idx = np.flatnonzero(inside_x)
        seg = run[max(0, idx[0] - 1):idx[-1] + 2]
        if len(seg) == 1:
            pts = seg
        else:
            a, b = seg[:-1], seg[1:]
            n = int(np.ceil(np.abs(b - a).max() / 0.25)) + 1
            t = np.linspace(0.0, 1.0, n)[:, None, None]
            pts = (a[None] + t * (b - a)[None]).reshape(-1, 2)
        if ((pts[:, 0] >= box.left()) & (pts[:, 0] <= box.right())
                & (pts[:, 1] >= box.top()) & (pts[:, 1] <= box.bottom())).any():
            return True
    return False


@pytest.mark.skipif(not LUDB1.is_file(), reason="bundled samples not present")
@pytest.mark.parametrize("zoom, factor", [(0.33, 1.0), (0.33, 1.5), (0.69, 1.5), (1.0, 1.0)])
def test_the_median_beats_lead_names_stand_clear_of_the_beats(qtbot, text_scale, zoom, factor):
    from app.views.median_beats import MedianBeatsView
    from mirage_model.measure.pipeline import measure
    from mirage_model.records import load_record
    from mirage_model.review.median_beats import sheet_size
    from mirage_model.review.session import ReviewSession

    text_scale(factor)
    record = load_record(LUDB1)
    session = ReviewSession.from_results(record, measurements=measure(record), file_values=False)
    view = MedianBeatsView()
    view.physical_dpi = lambda: 96.0
    qtbot.addWidget(view)
    view.set_session(session)
    w, h = sheet_size(view.grid_layout)
    ppm = zoom * 96.0 / 25.4                               # screen px per sheet mm at this zoom
    view.plot.setFixedSize(int(w * ppm * 1.03) + 2, int(h * ppm * 1.03) + 2)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(20)
    assert view.screen_zoom() == pytest.approx(zoom, rel=0.03)
    lines = [run for c in (*view.curves.values(), *view.prior_curves.values()) if c.xData is not None
             for run in _scene_path(view.vb, c.xData, c.yData)]
    assert len(lines) >= 12                                # every lead's beat is drawn
    grid = QRectF(*(lambda a, b: (a.x(), b.y(), b.x() - a.x(), a.y() - b.y()))(
        view.vb.mapViewToScene(QPointF(0, 0)), view.vb.mapViewToScene(QPointF(w, h))))
    for cell in view.cells:
        label = view.labels[cell.lead]
        box = label.sceneBoundingRect()
        assert box.width() > 0 and label.textItem.font().pointSizeF() >= 6.5, cell.lead       # a readable name
        assert not _meets(box, lines), (cell.lead, zoom, factor, box)
        # in its own cell, its left edge in the cell's left half (it reads as this cell's name)
        at = view.vb.mapSceneToView(box).boundingRect()
        assert cell.x0 <= at.left() <= cell.x0 + 20.0 and at.right() <= cell.x0 + 40.0, (cell.lead, at)
        assert cell.baseline - 20.0 <= at.top() - at.height() and at.top() <= cell.baseline + 20.0
        assert grid.contains(box)


def _explanation(imp):
    from mirage_model.explain import Explanation

    return Explanation(lead_bias=None, lead_attention=None, lead_importance=np.asarray(imp, np.float32),
                       patch_rollout=None, patch_gradient=None, signal_saliency=None,
                       methods={"lead_importance": "gradient x input"}, window=0, window_start_s=0.0,
                       signal_start=0)


@pytest.mark.skipif(not MUSE.is_file(), reason="test record not present")
@pytest.mark.parametrize("zoom", [1.0, 0.69])
def test_the_lead_importance_figures_stand_clear_of_the_traces(qtbot, zoom):
    """muse-sinus (GE MUSE, 90 bpm) in 3x4: its first R wave in lead I stands 1.5 mm after the bar, under
    the "16%" the walk saw at true scale; at 0.69x four figures stood on a trace."""
    from app.views.ecg_viewer import EcgViewer
    from mirage_model import load_record

    viewer = EcgViewer()
    viewer.resize(1500, 800)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.set_record(load_record(MUSE))
    plot = viewer.plot
    plot.set_layout("3x4")
    imp = np.array([16, 11, 8, 2, 3, 5, 37, 5, 5, 2, 2, 4], float)
    plot.set_explanation(_explanation(imp / imp.sum()))
    plot.set_zoom(zoom)
    qtbot.wait(20)
    lines = [run for c in plot.curves if c.isVisible() and c.xData is not None
             for run in _scene_path(plot.vb, c.xData, c.yData)]
    shown = [(i, b, f) for i, (b, f) in enumerate(zip(plot._bands, plot._imp_labels)) if f.isVisible()]
    assert len(shown) == 13                               # the 12 leads and the rhythm strip
    for i, bar, figure in shown:
        box, rect, name = figure.sceneBoundingRect(), bar.sceneBoundingRect(), plot.labels[i].sceneBoundingRect()
        p = plot.panels()[i]
        assert figure.toPlainText() == f"{imp[p.lead] / imp.sum() * 100:.0f}%"
        assert not _meets(box, lines), (zoom, STANDARD_LEADS[p.lead], figure.toPlainText(), box)
        assert box.left() >= rect.right() + 2.5 and box.top() < rect.bottom() and box.bottom() > rect.top()
        assert not box.intersects(name)
        assert box.top() >= name.bottom() - 1 or box.left() >= name.right() + 2     # under its name, or after it


class _Hover:
    """A pointer over an item at ``pos`` (item coordinates), as pyqtgraph's HoverEvent gives it."""

    def __init__(self, pos: QPointF, exit_: bool = False):
        self._pos, self._exit = pos, exit_

    def isExit(self) -> bool:
        return self._exit

    def pos(self) -> QPointF:
        return self._pos

    def screenPos(self) -> QPointF:
        return QPointF(0.0, 0.0)


def test_a_lead_heat_map_cell_says_how_to_read_it(qtbot):
    """The tooltip named the method only ("learned Graphormer lead bias, mean over heads"). Over a cell it now
    says which lead attends to which, what the number is and its value, read from the matrix written here:
    row = the attending (query) lead, as the model's softmax runs over the columns (``blocks.Attention``)."""
    from app.views.explain import LeadHeatmaps
    from mirage_model.explain import Explanation

    bias = (np.arange(144, dtype=np.float32).reshape(12, 12) - 75.0) / 100.0
    att = np.random.default_rng(0).random((12, 12)).astype(np.float32)
    att /= att.sum(axis=1, keepdims=True)
    e = Explanation(lead_bias=bias, lead_attention=att, lead_importance=None, patch_rollout=None,
                    patch_gradient=None, signal_saliency=None,
                    methods={"lead_bias": "learned Graphormer lead bias, mean over heads",
                             "lead_attention": "last Graphormer layer lead-to-lead attention, mean over heads"},
                    window=0, window_start_s=0.0, signal_start=0)
    heat = LeadHeatmaps()
    heat.resize(700, 350)
    qtbot.addWidget(heat)
    heat.show()
    heat.set_explanation(e)
    qtbot.wait(20)
    v1, ii = STANDARD_LEADS.index("V1"), STANDARD_LEADS.index("II")
    for i, (img, _bar) in enumerate(heat.images):
        # the pointer over the cell drawn at row V1, column II of the plot, mapped onto the image's own pixels
        at = img.mapFromScene(heat.plots[i].vb.mapViewToScene(QPointF(ii + 0.5, v1 + 0.5)))
        img.hoverEvent(_Hover(at))
        tip = img.toolTip()
        assert tip.startswith("row V1, column II: ") and tip.endswith("brighter = more"), tip
        if i == 0:
            assert "learned bias" in tip and "V1's token attending to II's" in tip and "every record" in tip
            assert f"{bias[v1, ii]:+.3g}" in tip and f"{bias[v1, ii]:+.3g}" == "-0.02"     # (6 * 12 + 1 - 75) / 100
        else:
            assert "share of V1's token's attention that goes to II's" in tip and "each row sums to 1" in tip
            assert f"{100 * att[v1, ii]:.1f}%" in tip
        assert heat.plots[i].toolTip() == e.methods[("lead_bias", "lead_attention")[i]]    # off the cells
        img.hoverEvent(_Hover(at, exit_=True))
        assert img.toolTip() == ""
