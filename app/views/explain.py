"""Explanation widgets: the image the model saw with ViT patch saliency, and the lead-to-lead heatmaps
(the class probabilities against their thresholds are ``probability_bars``).

They only draw what ``mirage_model`` computed (``Explanation``, ``ModelInputs``: plain numpy arrays);
every overlay names the method that made it and can be switched off.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QBoxLayout, QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel, QSlider, QToolTip, QVBoxLayout,
    QWidget,
)

from app.views.lead_axis import LeadNamesAxis
from app.views.plot_overlays import OUT_OF_DATE_OPACITY, short_method
from mirage_model.records import STANDARD_LEADS

NO_RESULT_YET = "no model result yet"    # why no explanation is shown, unless told another reason
SALIENCY_METHODS = {"rollout": ("patch_rollout", "signal_saliency"), "gradient": ("patch_gradient", "signal_gradient")}


CONTROLS_LEAST_PX = 90       # the model image's controls column (its title wraps in it)
IMAGE_LEAST_PX = 64          # the model image itself: small on a 1024 px screen, never gone
IMAGE_PX = 224               # and its size in the model (the rendering's side)
QWIDGETSIZE_MAX = (1 << 24) - 1     # Qt's "no maximum" for a widget's size


class ModelImageView(QWidget):
    """The rendered image the model got (the explained window) with ViT patch saliency on top."""

    methodChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.vb.setMouseEnabled(False, False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.sal_item = pg.ImageItem(axisOrder="row-major")
        self.sal_item.setLookupTable(pg.colormap.get("inferno").getLookupTable(nPts=256))
        self.sal_item.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        self.vb.addItem(self.image_item)
        self.vb.addItem(self.sal_item)
        self.show_box = QCheckBox("Saliency")
        self.show_box.setToolTip("Patch saliency: the patches of the image the model relied on most")
        self.show_box.setChecked(True)
        self.method = QComboBox()
        self.method.addItems(list(SALIENCY_METHODS))
        self.method.setToolTip("rollout: attention rollout over the ViT layers; gradient: gradient x input")
        self.method.setAccessibleName("Saliency method")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(45)
        self.opacity.setToolTip("saliency opacity")
        self.opacity.setAccessibleName("Saliency opacity")
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444")
        # the image as tall as the row under the traces lets it be (210 px on a 1280x800 screen), its title
        # and controls in a narrow column beside it: stacked under it they took 100 px of that height. Where
        # the panel is too narrow for that column (1024 px, the tabs at their least), two rows under it
        self.opacity_label = QLabel("Opacity")
        self.opacity_label.setBuddy(self.opacity)
        self.title = QLabel("<b>What the model sees</b> (224x224)")
        self.title.setToolTip("the 224x224 rendering of the 12 leads: exactly the image the model got")
        self.title.setWordWrap(True)
        self.controls = QWidget()
        self._grid = QGridLayout(self.controls)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._column_px = max(CONTROLS_LEAST_PX, self.show_box.sizeHint().width(), self.method.sizeHint().width())
        self.glw.setMinimumSize(IMAGE_LEAST_PX, IMAGE_LEAST_PX)
        self.glw.ci.layout.setContentsMargins(0, 0, 0, 0)      # the image to the widget's edges
        lay = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw, 1)
        lay.addWidget(self.controls)
        # its own least width whichever the arrangement: the splitter it sits in never widens it for one
        self.setMinimumWidth(IMAGE_LEAST_PX + lay.spacing() + self._column_px)
        self.stacked: bool | None = None
        self._arrange(False)
        self.image: np.ndarray | None = None
        self.explanation = None
        self.missing = NO_RESULT_YET
        self.out_of_date = ""     # why the saliency drawn is the previous values' (faded), "" while current
        self.show_box.toggled.connect(self._update)
        self.method.currentTextChanged.connect(self._method_changed)
        self.opacity.valueChanged.connect(self._update)
        self._update()

    def width_for_height(self, height: int) -> int:
        """The width at which the image is ``height`` px square beside its controls, at most its own
        224 px (the model's image size: larger would only enlarge its pixels)."""
        side = min(height, self.image.shape[1] if self.image is not None else IMAGE_PX)
        return side + self.layout().spacing() + self._column_px

    def _arrange(self, stacked: bool) -> None:
        """The controls in a column beside the image, or (``stacked``) in two rows under it, the title
        over them and the caption on hover."""
        if stacked == self.stacked:
            return
        self.stacked = stacked
        grid = self._grid
        parts = (self.title, self.show_box, self.method, self.opacity_label, self.opacity, self.caption)
        for w in parts:
            grid.removeWidget(w)
        if stacked:
            for w, r, c, span in ((self.title, 0, 0, 2), (self.show_box, 1, 0, 1), (self.method, 1, 1, 1),
                                  (self.opacity_label, 2, 0, 1), (self.opacity, 2, 1, 1)):
                grid.addWidget(w, r, c, 1, span)
            grid.setRowStretch(len(parts), 0)
            self.controls.setMinimumWidth(0)
            self.controls.setMaximumWidth(QWIDGETSIZE_MAX)
        else:
            for r, w in enumerate(parts):
                grid.addWidget(w, r, 0, 1, 2)
            grid.setRowStretch(len(parts), 1)
            self.controls.setFixedWidth(self._column_px)
        self.layout().setDirection(QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight)
        self._fit_column()

    def resizeEvent(self, event) -> None:         # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        w, h, sp = self.width(), self.height(), self.layout().spacing()
        beside = min(h, w - sp - self._column_px)
        under = min(w, h - sp - self._rows_height())
        self._arrange(under > beside + sp or self._column_height(caption=False) > h)
        self._fit_column()

    def _column_height(self, caption: bool) -> int:
        """The height the column beside the image needs for its controls (and the caption), each label as
        many lines as its words wrap to at the column's width."""
        parts = [self.title, self.show_box, self.method, self.opacity_label, self.opacity]
        parts += [self.caption] if caption else []
        need = sum(w.heightForWidth(self._column_px) if w.hasHeightForWidth() else w.sizeHint().height()
                   for w in parts)
        return need + max(0, self._grid.verticalSpacing()) * (len(parts) - 1)

    def _fit_column(self) -> None:
        """The title in the column on all its lines, and the caption there only where it fits under the
        controls (it is the image's tooltip too). The grid gives a wrapped label the height of its text at
        the grid's width hint, not at the column's: under a larger text size (Windows' "Make text bigger",
        150 %) the title kept two of its four lines and the caption ran off the bottom."""
        column = self.stacked is False
        self.title.setMinimumHeight(self.title.heightForWidth(self._column_px) if column else 0)
        self.caption.setVisible(column and self._column_height(caption=True) <= self.height())

    def _rows_height(self) -> int:
        """The height of the title and two rows of controls under the image at this width."""
        g = self._grid
        rows = [self.show_box, self.opacity]
        return (self.title.heightForWidth(self.width()) + sum(max(r.sizeHint().height(), 20) for r in rows)
                + 2 * max(0, g.verticalSpacing()))

    def _enable_controls(self) -> None:
        # the saliency switch and method act on a shown image: greyed out while there is none
        for w in (self.show_box, self.method):
            w.setEnabled(self.image is not None)
        # the opacity acts on the overlay alone: offered while one is drawn (a record with no model
        # result showed it live over a plain image, where it did nothing), its label greyed with it
        drawn = self.image is not None and self.current_saliency()[0] is not None
        for w in (self.opacity, self.opacity_label):
            w.setEnabled(drawn)

    def set_image(self, image: np.ndarray | None) -> None:
        """uint8 (S, S), 255 = white paper: exactly the array the model got."""
        self.image = None if image is None else np.asarray(image)
        if self.image is None:
            self.image_item.clear()
        else:
            self.image_item.setImage(self.image, levels=(0, 255))
            self.vb.setRange(QRectF(0, 0, self.image.shape[1], self.image.shape[0]), padding=0.01)
        self._update()

    def set_explanation(self, explanation, missing: str = NO_RESULT_YET) -> None:
        """``explanation`` (None: none; ``missing`` says why in a few words, "model run cancelled"), current."""
        self.explanation = explanation
        self.missing = missing
        self.out_of_date = ""
        self._update()

    def set_out_of_date(self, why: str) -> None:
        """The saliency drawn is that of the previous values (``why``, in a few words; "" once current
        again): faded, as the probability bars are, and said so in the caption."""
        self.out_of_date = str(why)
        self._update()

    def saliency_method(self) -> str:
        return self.method.currentText()

    def _method_changed(self, name: str) -> None:
        self._update()
        self.methodChanged.emit(name)

    def current_saliency(self) -> tuple[np.ndarray | None, str]:
        """The (P, P) saliency being drawn (None when off or absent) and the method that made it."""
        e = self.explanation
        if e is None or not self.show_box.isChecked():
            return None, ""
        key = SALIENCY_METHODS[self.method.currentText()][0]
        sal = getattr(e, key, None)
        return (None, "") if sal is None else (np.asarray(sal, dtype=float), (e.methods or {}).get(key, key))

    def _update(self, *args) -> None:
        self._enable_controls()
        sal, method = self.current_saliency()
        if sal is None or self.image is None:
            self.sal_item.setVisible(False)
            self.caption.setToolTip("")
            if self.explanation is None:
                self.caption.setText(f"No explanation ({self.missing}).")
            elif not self.show_box.isChecked():
                self.caption.setText("Patch saliency off.")
            else:
                self.caption.setText(f"No {self.method.currentText()} saliency for this model.")
            self.glw.setToolTip(self.caption.text())       # the caption is not shown where stacked
            self._fit_column()
            return
        S = self.image.shape[0]
        self.sal_item.setImage(np.clip(sal, 0, 1).astype(np.float32), levels=(0.0, 1.0))
        self.sal_item.setRect(QRectF(0, 0, S, self.image.shape[1]))   # (P, P) patches stretched over the image
        fade = OUT_OF_DATE_OPACITY if self.out_of_date else 1.0     # the previous values' saliency
        self.sal_item.setOpacity(fade * self.opacity.value() / 100.0)
        self.sal_item.setVisible(True)
        e = self.explanation
        where = f" (window at {e.window_start_s:g} s)" if getattr(e, "window_start_s", 0) else ""
        old = f"Out of date ({self.out_of_date}): faded. " if self.out_of_date else ""
        # the column beside the image is narrow: the method in full (its source cited) on hover, and
        # why the saliency is out of date
        self.caption.setText("Out of date: faded." if old else f"Bright = more salient{where}.")
        self.caption.setToolTip(f"{old}Overlay: {method}{where}. Bright = more salient.")
        self.glw.setToolTip(self.caption.toolTip())
        self._fit_column()


HEATMAP_TEXT = "#444444"     # the heat maps' titles, lead names and scales on white (pyqtgraph's #969696: 3.0:1)
HEATMAPS = (  # Explanation field, title, checkbox text
    ("lead_bias", "Learned lead bias", "Learned lead bias (all records)"),
    ("lead_attention", "Lead attention (this record)", "Lead attention (this record)"),
)


def cell_tip(key: str, m: np.ndarray, row: int, col: int) -> str:
    """How to read one cell of a lead heat map, in a sentence with its value: ``m`` is the (L, L) matrix drawn,
    ``row`` the attending (query) lead, ``col`` the lead attended to (key), as ``mirage_model.explain`` makes them."""
    a, b, v = STANDARD_LEADS[row], STANDARD_LEADS[col], float(m[row, col])
    if key == "lead_bias":
        return (f"row {a}, column {b}: the learned bias added to the score of {a}'s token attending to {b}'s, "
                f"before softmax (mean over heads; the same for every record): {v:+.3g}; brighter = more")
    return (f"row {a}, column {b}: the share of {a}'s token's attention that goes to {b}'s in this record "
            f"(last layer, mean over heads; each row sums to 1): {100 * v:.1f}%; brighter = more")


def strongest_pairs(key: str, m: np.ndarray, n: int = 3) -> str:
    """The ``n`` largest lead-to-lead cells of a heat map's (L, L) matrix ``m`` as drawn, the diagonal (a lead to
    itself) left out, in words a screen reader reads: "V2 -> V3 +0.41" (query lead -> key lead; the bias signed, this
    record's attention a share in %)."""
    L = m.shape[0]
    off = np.where(np.eye(L, dtype=bool), -np.inf, m).ravel()
    order = np.argsort(-off, kind="stable")[:n]
    cells = [divmod(int(k), L) for k in order]
    if key == "lead_bias":
        return ", ".join(f"{STANDARD_LEADS[a]} -> {STANDARD_LEADS[b]} {float(m[a, b]):+.2f}" for a, b in cells)
    return ", ".join(f"{STANDARD_LEADS[a]} -> {STANDARD_LEADS[b]} {100 * float(m[a, b]):.0f}%" for a, b in cells)


def set_plot_title(plot: pg.PlotItem, title: str) -> None:
    """``plot``'s title, in HEATMAP_TEXT, in a row as tall as its text. pyqtgraph's title row is 30 px whatever
    it holds: the heat maps' second line (the method, in small type) needs 38 px at 100 % text and 43 at 150 %,
    and was cut by the map under it."""
    plot.setTitle(title, color=HEATMAP_TEXT)
    height = max(30, int(np.ceil(plot.titleLabel.item.boundingRect().height())))
    plot.titleLabel.setMaximumHeight(height)
    plot.layout.setRowFixedHeight(0, height)


class LeadHeatmaps(QWidget):
    """The learned lead-attention bias and this record's lead attention, 12x12 with lead names (of
    the explained window when it starts past 0 s: its title and caption say which).

    Each heatmap has its own switch and names the method that made it (``Explanation.methods``) in
    its title (short) and tooltip (full). The values, in the tooltips under the pointer alone, are said for a screen
    reader in the accessible description: each map's three strongest lead-to-lead cells (``strongest_pairs``, of the
    matrices drawn), sent with ``described`` for the scroll area the Tab key reaches.
    """

    described = Signal(str)     # the accessible description, again with each record's (or model's) matrices

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.plots = []
        self.images = []
        self.boxes: list[QCheckBox] = []
        self.matrices: list[np.ndarray | None] = [None, None]
        self.methods: list[str] = ["", ""]
        self.explanation = None
        self.missing = NO_RESULT_YET
        self.out_of_date = ""     # why the matrices drawn are the previous values' (faded), "" while current
        ticks = [[(i + 0.5, name) for i, name in enumerate(STANDARD_LEADS)]]
        switches = QHBoxLayout()
        switches.setContentsMargins(4, 0, 4, 0)
        for col, (key, title, box_text) in enumerate(HEATMAPS):
            plot = self.glw.addPlot(row=0, col=2 * col, axisItems={"bottom": LeadNamesAxis()})
            set_plot_title(plot, title)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.invertY(True)   # row 0 (lead I) at the top, as a matrix is read
            # not aspect-locked: the cells stretch to the room there is; the names under the columns stand on end
            # where they would run together lying (LeadNamesAxis)
            for axis in ("left", "bottom"):
                ax = plot.getAxis(axis)
                ax.setTicks(ticks)
                ax.setStyle(tickFont=QFont("Sans Serif", 7))
                ax.setTextPen(HEATMAP_TEXT)
            plot.getAxis("left").setLabel("query lead")
            plot.getAxis("bottom").setLabel("key lead")
            img = pg.ImageItem(axisOrder="row-major")
            img.setAcceptHoverEvents(True)
            img.hoverEvent = lambda ev, i=col, item=img: self._hover_cell(i, item, ev)
            plot.addItem(img)
            bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=10)
            bar.setImageItem(img, insert_in=None)
            bar.axis.setTextPen(HEATMAP_TEXT)
            self.glw.addItem(bar, row=0, col=2 * col + 1)
            self.plots.append(plot)
            self.images.append((img, bar))
            box = QCheckBox(box_text)
            box.setChecked(True)
            box.toggled.connect(self._redraw)
            switches.addWidget(box)
            self.boxes.append(box)
        switches.addStretch(1)
        columns = tuple(plot.getAxis("bottom") for plot in self.plots)
        for axis in columns:        # both maps' names stand, or lie, alike: their rows stay level
            axis.together = columns
        for plot in self.plots:       # an axis measures its figures when drawn, and the maps' minimum follows
            plot.geometryChanged.connect(self._fit_width)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(switches)
        lay.addWidget(self.glw, 1)
        lay.addWidget(self.caption)
        self.setMinimumHeight(240)
        self.set_explanation(None)

    def _hover_cell(self, i: int, img: pg.ImageItem, ev) -> None:
        """The tooltip of heat map ``i`` under the pointer: how to read the cell it is over (``cell_tip``); the
        map's method (the plot's tooltip) off the cells."""
        m = self.matrices[i]
        if ev.isExit() or m is None or not img.isVisible():
            img.setToolTip("")
            return
        col, row = int(np.floor(ev.pos().x())), int(np.floor(ev.pos().y()))     # image pixels: one per cell
        if not (0 <= row < m.shape[0] and 0 <= col < m.shape[1]):
            img.setToolTip("")
            return
        text = cell_tip(HEATMAPS[i][0], m, row, col)
        if img.toolTip() != text:
            img.setToolTip(text)
            if QToolTip.isVisible():           # moved to another cell with the tip up: it follows
                QToolTip.showText(ev.screenPos().toPoint(), text)

    def set_explanation(self, explanation, missing: str = NO_RESULT_YET) -> None:
        """Show the explanation's (L, L) lead matrices (None: clear, and the switches greyed out;
        ``missing`` says why in a few words, "model run cancelled"), current."""
        self.explanation = explanation
        self.missing = missing
        self.out_of_date = ""
        for box in self.boxes:
            box.setEnabled(explanation is not None)
        self._redraw()

    def set_out_of_date(self, why: str) -> None:
        """The lead attention drawn is that of the previous values (``why``, in a few words; "" once
        current again): faded, as the probability bars are, and said so in the caption."""
        self.out_of_date = str(why)
        self._redraw()

    def set_shown(self, key: str, on: bool) -> None:
        """Switch one heatmap ("lead_bias" or "lead_attention") on or off."""
        self.boxes[[k for k, *_ in HEATMAPS].index(key)].setChecked(bool(on))

    def state(self) -> dict:
        """key -> {"shown": drawn now, "method": the method that made it ("" when absent)}."""
        return {key: {"shown": bool(self.images[i][0].isVisible() and self.matrices[i] is not None),
                      "method": self.methods[i]} for i, (key, *_r) in enumerate(HEATMAPS)}

    def _redraw(self, *args) -> None:
        e = self.explanation
        methods = dict(getattr(e, "methods", {}) or {}) if e is not None else {}
        texts, spoken = [], []
        start = float(getattr(e, "window_start_s", 0.0) or 0.0) if e is not None else 0.0
        for i, (key, title, _box) in enumerate(HEATMAPS):
            if key == "lead_attention" and start:
                # a long record's attention is that of its explained 10 s window, as the model image's
                title = f"Lead attention (window at {start:g} s)"
            img, bar = self.images[i]
            plot = self.plots[i]
            m = None if e is None else getattr(e, key, None)
            m = None if m is None else np.asarray(m, dtype=np.float32)
            if m is not None and (m.shape != (12, 12) or not np.isfinite(m).all()):
                m = None
            self.matrices[i] = m
            self.methods[i] = str(methods.get(key, "")) if m is not None else ""
            on = self.boxes[i].isChecked()
            shown = m is not None and on
            img.setVisible(shown)
            bar.setVisible(shown)
            # this record's attention is the previous values'; the learned bias is the model's own, current
            img.setOpacity(OUT_OF_DATE_OPACITY if self.out_of_date and key == "lead_attention" else 1.0)

            if m is None:
                img.clear()
                set_plot_title(plot, title)
                plot.setToolTip("")
                continue
            if not on:
                set_plot_title(plot, f"{title}: off")
                plot.setToolTip(self.methods[i])
                texts.append(f"{title.lower()}: switched off")
                continue
            lo, hi = float(np.min(m)), float(np.max(m))
            if hi <= lo:
                hi = lo + 1e-6
            img.setImage(m, levels=(lo, hi))
            img.setRect(QRectF(0, 0, 12, 12))
            bar.setLevels((lo, hi))
            plot.setRange(QRectF(0, 0, 12, 12), padding=0)
            method = self.methods[i] or "method not stated by the model"
            set_plot_title(plot, f"{title}<br><small>{short_method(method)}</small>")
            plot.setToolTip(method)
            texts.append(f"{title.lower()}: {method}")
            spoken.append(f"{title}, strongest lead-to-lead: {strongest_pairs(key, m)}")
        # this record's attention drawn faded, said first in the caption and in the description alike
        stale = bool(self.out_of_date) and self.matrices[1] is not None and self.boxes[1].isChecked()
        if e is None:
            self.caption.setText(f"No explanation ({self.missing}).")
        elif not any(mat is not None for mat in self.matrices):
            self.caption.setText("No lead attention for this model.")
        else:
            old = [f"lead attention out of date ({self.out_of_date}): drawn faded"] if stale else []
            self.caption.setText("; ".join(old + texts))
        said = "; ".join(spoken) if spoken else self.caption.text()
        if spoken and stale:
            said = f"Lead attention out of date ({self.out_of_date}); {said}"
        if said != self.glw.accessibleDescription():
            self.glw.setAccessibleDescription(said)
            self.setAccessibleDescription(said)
            self.described.emit(said)
        self._fit_width()

    def _fit_width(self) -> None:
        """The view at least as wide as its maps, titles and colour bars need, so that the tab's scroll area
        scrolls to what does not fit. A QGraphicsView does not pass its layout's minimum on: the two maps
        overflowed the view and were cut at its edge (at 1280x800, 599 px for the 619 px the titles need, this
        record's colour bar lost its figures)."""
        need = self.glw.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        self.glw.setMinimumWidth(int(np.ceil(need)) + 2 * self.glw.frameWidth())
