"""MIRAGE Review on a high-density screen under display scaling (a 4K laptop at 150 % or 200 %).

Truth: the drawn pixels. The ECG paper's 5 mm lines, read off a grab in device pixels, are 5 mm of glass
apart at the screen's density: 5 x dpi / 25.4 device pixels.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

ROOT = Path(__file__).resolve().parent.parent

GRID_PROBE = r"""
import sys
import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from app.views.ecg_plot import EcgPlot
from app.views.paper import MAJOR
from mirage_model.paths import resources_dir
from mirage_model.records.load import load_record

plot = EcgPlot()
plot.resize(900, 600)
plot.show()
plot.set_record(load_record(resources_dir() / "samples" / "ludb" / "1.hea"))
plot.set_dpi_override(float(sys.argv[1]))
plot.reset_scale()
for _ in range(5):
    app.processEvents()
img = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
w, h = img.width(), img.height()
rgb = np.frombuffer(img.constBits(), np.uint8, count=h * img.bytesPerLine()).reshape(h, -1, 4)[:, :w, 2::-1]
major = np.abs(rgb.astype(int) - [MAJOR.red(), MAJOR.green(), MAJOR.blue()]).sum(-1) <= 12
row = int(np.argmin(np.where(major.sum(1) > 0, major.sum(1), 10 ** 6)))   # a row the 5 mm lines only cross
xs = np.flatnonzero(major[row])
starts = xs[np.r_[True, np.diff(xs) > 1]]
gaps = np.diff(starts)
print(img.devicePixelRatio(), len(starts), gaps[gaps < 1.5 * np.median(gaps)].mean())   # a trace hides a few
"""


@pytest.mark.parametrize("scale", ["1.5", "2"])
def test_a_screen_dpi_set_by_hand_is_the_panels_own(scale, tmp_path):
    """Settings > Screen DPI ("physical dots per inch of this screen", for a screen that reports a wrong
    size) was taken in device-independent pixels: at 200 % a 192 dpi panel entered as 192 drew the paper twice
    too large (75.6 device pixels between 5 mm lines where the glass has 37.8), at 150 % 1.5 times. The
    panel's dots per inch are its device pixels', whatever the scaling."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path),
           "QT_SCALE_FACTOR": scale}
    out = subprocess.run([sys.executable, "-c", GRID_PROBE, "192"], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    ratio, lines, spacing = map(float, out.stdout.split()[-3:])
    assert ratio == pytest.approx(float(scale))
    assert lines >= 10
    assert spacing == pytest.approx(5 * 192 / 25.4, abs=0.2)


def _text_height(label, width: int) -> float:
    """The height ``label``'s text takes laid out in ``width`` px in its font (a text document of its own)."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setDefaultFont(label.font())
    doc.setHtml(label.text())
    doc.setTextWidth(width)
    return doc.size().height()


@pytest.mark.parametrize("factor", [1.0, 1.5])
def test_the_model_image_column_shows_its_text_whole_under_larger_text(qtbot, text_scale, factor):
    """The column beside the model's image (its title, the saliency controls, the caption) in the row under the
    traces of a 1600x1000 window (205 px tall). With the text at 150 % the title "What the model sees
    (224x224)" kept two of its four lines (42 of 84 px) and the caption ran off the row's bottom. Every label
    shown is now as tall as its text at its width, inside the row and over no other control; the caption, also
    the image's tooltip, is left out where it does not fit (and kept at 100 %)."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from app.views.explain import ModelImageView

    text_scale(factor)
    row = QWidget()
    qtbot.addWidget(row)
    view = ModelImageView()
    QVBoxLayout(row).addWidget(view)
    row.layout().setContentsMargins(0, 0, 0, 0)
    row.setFixedSize(330, 205)
    row.show()
    qtbot.waitExposed(row)
    qtbot.wait(20)
    assert view.stacked is False
    shown = [w for w in (view.title, view.show_box, view.method, view.opacity_label, view.opacity, view.caption)
             if w.isVisible()]
    for w in shown:
        g = w.geometry().translated(view.controls.pos())
        assert g.bottom() < view.height(), f"{type(w).__name__} {g} beyond the row's {view.height()} px"
        if isinstance(w, QLabel):
            assert w.height() >= _text_height(w, w.width()) - 1, f"{w.text()!r}: {w.height()} px"
    for a, b in zip(shown, shown[1:]):
        assert a.geometry().bottom() < b.geometry().top(), (a.text() if isinstance(a, QLabel) else a, b)
    if factor == 1.0:
        assert view.caption in shown


@pytest.mark.parametrize("factor", [1.0, 1.5])
def test_the_lead_heat_maps_titles_show_both_lines(qtbot, text_scale, factor):
    """Each lead heat map's title names the map and, under it in small type, the method that made it; pyqtgraph
    gave the title a 30 px row whatever it held, and the method's line was cut by the map (38 px of text at
    100 %, 43 at 150 %). Truth: the title's text laid out on its own (a QTextDocument of its HTML in its font)
    against the height of the row it is drawn in."""
    import numpy as np
    from PySide6.QtGui import QTextDocument

    from app.views.explain import LeadHeatmaps
    from mirage_model.explain import Explanation

    text_scale(factor)
    heat = LeadHeatmaps()
    qtbot.addWidget(heat)
    heat.resize(640, 300)
    heat.show()
    qtbot.waitExposed(heat)
    rng = np.random.default_rng(0)
    heat.set_explanation(Explanation(
        lead_bias=rng.uniform(size=(12, 12)).astype(np.float32),
        lead_attention=np.full((12, 12), 1 / 12, np.float32), lead_importance=np.full(12, 1 / 12, np.float32),
        patch_rollout=None, patch_gradient=None, signal_saliency=None,
        methods={"lead_bias": "learned Graphormer lead bias",
                 "lead_attention": "last Graphormer layer lead-to-lead attention, mean over heads"}))
    qtbot.wait(20)
    for plot in heat.plots:
        item = plot.titleLabel.item
        assert "<br>" in plot.titleLabel.text
        doc = QTextDocument()
        doc.setDefaultFont(item.font())
        size = plot.titleLabel.opts.get("size") or f"{item.font().pointSizeF():g}pt"     # the label's type size
        doc.setHtml(f"<span style='font-size: {size}'>{plot.titleLabel.text}</span>")
        row = plot.titleLabel.geometry().height()
        assert row >= doc.size().height() - 1, f"{plot.titleLabel.text!r}: {row} px for {doc.size().height()}"


def test_the_lead_heat_maps_text_reads_at_4_5_to_1(qtbot):
    """The heat maps' titles, lead names, axis names and colour scales were pyqtgraph's grey #969696 on white:
    3.0:1, under WCAG 2.1's 4.5:1. Read off the drawn pixels: the darkest pixel of each item's text against the
    white it is drawn on."""
    import numpy as np
    from PySide6.QtGui import QImage

    from app.views.explain import LeadHeatmaps
    from test_app_accessibility import contrast

    heat = LeadHeatmaps()
    qtbot.addWidget(heat)
    heat.resize(640, 300)
    heat.show()
    qtbot.waitExposed(heat)
    heat.set_explanation(explanation_with_maps())
    qtbot.wait(20)
    img = heat.glw.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    rgb = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, :3 * w].reshape(h, w, 3)
    ratio = img.devicePixelRatio()
    plot, bar = heat.plots[0], heat.images[0][1]
    items = {"title": plot.titleLabel.item, "lead names and axis name": plot.getAxis("left"),
             "colour scale": bar}
    for name, item in items.items():
        r = heat.glw.mapFromScene(item.sceneBoundingRect()).boundingRect()
        part = rgb[int(r.top() * ratio):int(r.bottom() * ratio), int(r.left() * ratio):int(r.right() * ratio)]
        part = part.reshape(-1, 3).astype(int)
        grey = part[(part.max(1) - part.min(1)) < 12]             # text and white; not the map's colours
        darkest = grey[grey.sum(1).argmin()]
        assert contrast(darkest, (255, 255, 255)) >= 4.5, (name, darkest)


def explanation_with_maps():
    """Both lead maps and their methods, as a model gives them."""
    import numpy as np

    from mirage_model.explain import Explanation

    rng = np.random.default_rng(0)
    return Explanation(
        lead_bias=rng.uniform(size=(12, 12)).astype(np.float32),
        lead_attention=np.full((12, 12), 1 / 12, np.float32), lead_importance=np.full(12, 1 / 12, np.float32),
        patch_rollout=None, patch_gradient=None, signal_saliency=None,
        methods={"lead_bias": "learned Graphormer lead bias",
                 "lead_attention": "last Graphormer layer lead-to-lead attention, mean over heads"})
