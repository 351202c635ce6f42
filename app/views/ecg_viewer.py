"""The ECG plot with its controls: speed, gain, layout, page, display filters, fiducials,
calipers, overlays and the honest scale label."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QLabel, QMenu, QPushButton, QScrollBar, QSizePolicy, QStyle, QStyleOptionButton,
    QToolBar, QVBoxLayout, QWidget,
)

from app.views.ecg_plot import NO_RECORD, EcgPlot
from app.views.elided_label import ElidedLabel
from app.views.paper import GAINS, LAYOUTS, SPEEDS, paged
from app.views.plot_overlays import FIDUCIAL_TIP, fiducial_legend_html
from mirage_model.render import PAGE_S

EXPLAINED_ROLE = Qt.ItemDataRole.UserRole + 1    # a page box entry's "added" / "marked" explained page
PAGE_MARGIN_MM = 2.0        # the paper shown above and below the page when it is fitted or scrolled to an end
SCROLL_STEPS_PER_MM = 10    # the rows' scroll bar counts tenths of a millimetre of paper
CALIPER_LEAST = "10000 ms, 300 bpm, -10.00 mV"   # the caliper line is never narrower: a long reading, whole


class BarButton(QPushButton):
    """A framed tool bar button as wide as its word needs. The style gives every push button with a
    text 80 px at least (Fusion): "Fit page", "True scale" and "Calipers" at 80 px each made the first
    row ask 503 px of the 494 px a 1024x768 screen's window leaves the traces with the folder dock
    open, and Calipers went into the row's overflow menu."""

    def sizeHint(self) -> QSize:                    # noqa: N802 (Qt's name)
        hint = super().sizeHint()
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        opt.text = ""           # the style's frame and margins around the text, without its least width
        fm = self.fontMetrics()
        need = self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, opt,
                                             QSize(fm.horizontalAdvance(self.text()), fm.height()), self)
        return QSize(min(hint.width(), need.width()), hint.height())

    def minimumSizeHint(self) -> QSize:             # noqa: N802
        return self.sizeHint()


class EcgViewer(QWidget):
    """EcgPlot with its controls: speed, gain, layout, page, display filters, fiducials, calipers,
    overlays and the scale label."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = EcgPlot(self)
        self.plot.setAccessibleName("ECG traces")
        bar = QToolBar()   # overflows into a ">>" menu when the window is narrow
        bar.setIconSize(QSize(16, 16))

        def combo(items, current, tip):
            box = QComboBox()
            box.addItems(items)
            box.setCurrentText(current)
            box.setToolTip(tip)
            return box

        # the combos' own texts say what they set (mm/s, mm/mV, 3x4, 0-10 s): no words beside them,
        # so that both rows fit the trace view of a 1024 px window with the folder dock open
        self.speed = combo([f"{s:g} mm/s" for s in SPEEDS], "25 mm/s", "paper speed")
        self.gain = combo([f"{g:g} mm/mV" for g in GAINS], "10 mm/mV", "gain (amplitude scale)")
        self.layout_box = combo(list(LAYOUTS), "3x4", "lead layout (Ctrl+1 ...)")
        self.page = combo([_page_text(0.0)], _page_text(0.0), "the 10 s page shown (6x2 and 3x4); "
                          "\"explained\": the window the model's explanation was computed on")
        # as wide as its longest entry: fitted to "0-10 s" when first shown, it cut a long record's
        # pages to "3590-3" and the explained window's to "3350.6"
        self.page.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._explained_start: float | None = None   # the page box's "explained" entry starts here
        for box, name in ((self.speed, "Paper speed"), (self.gain, "Gain"), (self.layout_box, "Lead layout"),
                          (self.page, "Page")):
            box.setAccessibleName(name)
        self.highpass = QCheckBox("Baseline 0.5 Hz")
        self.highpass.setToolTip("display-only high-pass for baseline wander; the model never sees it")
        self.notch = combo(["No notch", "50 Hz notch", "60 Hz notch"], "No notch",
                           "display-only mains notch; the model never sees it")
        self.notch.setAccessibleName("Mains notch filter")
        # a push button, not a QToolButton: a tool bar makes its tool buttons flat (auto-raise), and
        # off, that one read as a plain word beside the check boxes. Framed, it looks like a button
        # when off and pressed in when on, as "True scale" and "Fit page" do.
        self.caliper_btn = BarButton("Calipers")
        self.caliper_btn.setCheckable(True)
        # on: the calipers' own blue, plainly pressed (the style's checked shade is a faint grey); its
        # padding the style's own margins, so that the word fits the button's width off and on alike
        self.caliper_btn.setStyleSheet("QPushButton:checked { background: #cfe0f7; color: #0a3d8f;"
                                       " border: 1px solid #0058c8; border-radius: 3px; padding: 3px 6px; }")
        self.caliper_btn.setToolTip("Calipers: two markers that read interval, rate and amplitude (Ctrl+K)")
        # what is drawn over the traces, one menu button: three check boxes in a row pushed Saliency
        # and Fiducials into the tool bar's overflow menu on a 1024 px window; the same switches are
        # in the View menu with their keys
        self.importance_box = self._switch("Lead importance", "Ctrl+Shift+I", True,
                                           "orange bar and % per lead: how much each lead moved the result")
        self.saliency_box = self._switch("Saliency in time", "Ctrl+Shift+T", True,
                                         "purple shading: where in time the model looked")
        self.fid_box = self._switch("Fiducials", "Ctrl+Shift+F", False,
                                    "the measurements' P, QRS and T marks on every beat")
        # the explained window of a long record, one key away: among a 1 h record's 360 pages it was
        # an entry to scroll to (or an overlay to switch off and on again)
        self.explained_action = QAction("Go to the &explained window", self)
        self.explained_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.explained_action.setToolTip("show the 10 s window the model's explanation was computed on, "
                                         "where the lead importance and the saliency are drawn (Ctrl+Shift+E)")
        self.explained_action.triggered.connect(self.show_explained)
        self.addAction(self.explained_action)
        # the next and previous 10 s page, as a reader pages through a long record; keys of the
        # trace view (the tables and text beside it keep their own Page Up / Page Down)
        self.next_page_action = QAction("&Next page", self)
        self.prev_page_action = QAction("&Previous page", self)
        for action, key, step in ((self.next_page_action, "PgDown", 1), (self.prev_page_action, "PgUp", -1)):
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, k=step: self.step_page(k))
            self.addAction(action)
        self.overlay_btn = QPushButton("Overlays")      # framed, as Calipers (a tool button reads as a word)
        self.overlay_btn.setAccessibleName("Overlays")
        menu = QMenu(self.overlay_btn)
        menu.setToolTipsVisible(True)
        menu.addActions([self.importance_box, self.saliency_box, self.fid_box])
        menu.addSeparator()
        menu.addAction(self.explained_action)
        self.overlay_btn.setMenu(menu)
        self.reset_btn = BarButton("True scale")
        self.reset_btn.setToolTip("reset to true scale (1 mm of paper = 1 mm on screen) (Ctrl+0)")
        self.fit_btn = BarButton("Fit page")
        self.fit_btn.setToolTip("zoom so that the whole page fits; in 12x1 its width, the rows scrolled (Ctrl+9)")
        # two short rows, the scale buttons first: at 1024 px nothing goes into an overflow menu. The
        # page box ends the second row, which leaves it the room of a long record's explained window
        # ("3350.67-3360.67 s explained"): at the end of the first it had 130 px of a 1024 px window
        # with the folder dock open and showed "2393.33-2403.33", without the word
        for w in (self.reset_btn, self.fit_btn, self.speed, self.gain, self.layout_box, self.caliper_btn):
            bar.addWidget(w)
        bar2 = QToolBar()
        bar2.setIconSize(QSize(16, 16))
        for w in (self.highpass, self.notch, self.overlay_btn, self.page):
            bar2.addWidget(w)
        # the marks' legend, a line of its own under the traces while they are drawn (in the tool
        # bar it took 260 px and went into the overflow menu)
        self.fid_legend = QLabel(fiducial_legend_html())
        self.fid_legend.setToolTip(FIDUCIAL_TIP)
        self.fid_legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.fid_legend.setVisible(False)
        self._overlay_tip()
        self.toolbars = (bar, bar2)
        # texts that change with the record, the zoom and the markers: cut with "..." rather than
        # widening the window's minimum (which the main window took from the folder dock)
        self.scale_label = ElidedLabel("")
        self.scale_label.set_forms(self.plot.scale_forms())
        # never cut below "Display filters off": whether the trace is filtered is read at a glance
        # (at 1024 px with the folder dock it showed "Display fil...")
        self.filter_label = ElidedLabel("", least="Display filters off")
        self.filter_label.setStyleSheet("color: #a04000; font-weight: bold")
        # the caliper's reading is never cut: shorter wordings down to the reading alone, its leads then in the
        # tooltip (at 1024x700 with the folder dock it read "Calipers (I to II): 100..."); while shown, never
        # narrower than a long reading (``CALIPER_LEAST``), so that the scale's line gives way first
        self.caliper_label = ElidedLabel("")
        self.overlay_label = QLabel("")
        self.overlay_label.setStyleSheet("color: #444")
        # one line under the traces, cut with "..." where the window is narrow (all of it on hover):
        # wrapped, it took three lines of a 1024x700 window's trace height
        # It keeps its line while empty: shown only once a model's result came, it took that line from the
        # traces then, and a fitted page shrank under the reader's eye (0.74x to 0.71x at 1280x800)
        self.overlay_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.overlay_full = ""
        info = QHBoxLayout()
        info.setContentsMargins(4, 0, 4, 0)
        info.addWidget(self.scale_label)
        info.addWidget(self.filter_label)
        info.addStretch(1)
        info.addWidget(self.caliper_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(bar)
        lay.addWidget(bar2)
        lay.addLayout(info)
        # the page's rows out of view (12x1 fitted to its width: 4 of 12 leads at 1280x800, or any page taller
        # than the view) are shown by a scroll bar beside them, as a cart's review screen scrolls its 12x1 page:
        # none had said that 8 leads were below
        self.rows_scroll = QScrollBar(Qt.Orientation.Vertical)
        self.rows_scroll.setAccessibleName("Scroll the page's rows")
        self.rows_scroll.setToolTip("the page's rows out of view: scroll to them")
        self.rows_scroll.setVisible(False)
        self.rows_scroll.valueChanged.connect(self._rows_scrolled)
        self._syncing_rows = False
        traces = QHBoxLayout()
        traces.setContentsMargins(0, 0, 0, 0)
        traces.setSpacing(0)
        traces.addWidget(self.plot, 1)
        traces.addWidget(self.rows_scroll)
        lay.addLayout(traces, 1)
        lay.addWidget(self.fid_legend)
        lay.addWidget(self.overlay_label)

        self.speed.currentIndexChanged.connect(lambda i: self.plot.set_speed(SPEEDS[i]))
        self.gain.currentIndexChanged.connect(lambda i: self.plot.set_gain(GAINS[i]))
        self.layout_box.currentTextChanged.connect(self._layout_changed)
        self.page.currentIndexChanged.connect(self._page_changed)
        self.highpass.toggled.connect(self._filters_changed)
        self.notch.currentIndexChanged.connect(self._filters_changed)
        self.fid_box.toggled.connect(self.plot.set_show_fiducials)
        self.fid_box.toggled.connect(self.fid_legend.setVisible)
        self.caliper_btn.toggled.connect(self._calipers_toggled)
        self.importance_box.toggled.connect(self.plot.set_show_importance)
        self.saliency_box.toggled.connect(self.plot.set_show_saliency)
        self.reset_btn.clicked.connect(self.plot.reset_scale)
        self.fit_btn.clicked.connect(self.plot.fit_page)
        self.plot.scaleChanged.connect(lambda _text: self.scale_label.set_forms(self.plot.scale_forms()))
        self.plot.vb.sigRangeChanged.connect(self._follow_rows)
        self.plot.caliperChanged.connect(self._caliper_text)
        self.plot.overlayChanged.connect(self._overlay_text)
        self.plot.overlayChanged.connect(self._explained_page)
        self.importance_box.toggled.connect(self._overlay_switched)
        self.saliency_box.toggled.connect(self._overlay_switched)
        self.plot.filtersChanged.connect(self._filter_text)
        self._filters_changed()
        # every control here acts on the record on screen: none is offered while none is shown
        # (in the order they are on screen: Tab walks them so)
        self.record_controls = (self.reset_btn, self.fit_btn, self.speed, self.gain, self.layout_box,
                                self.caliper_btn, self.highpass, self.notch, self.overlay_btn, self.page)
        self.overlay_actions = (self.importance_box, self.saliency_box, self.fid_box)
        self.set_controls_enabled(False)

    def _switch(self, text: str, key: str, on: bool, tip: str) -> QAction:
        """A checkable overlay switch (in the Overlays menu and the View menu)."""
        a = QAction(text, self)
        a.setCheckable(True)
        a.setChecked(on)
        a.setShortcut(QKeySequence(key))
        a.setToolTip(f"{tip} ({key})")
        a.toggled.connect(self._overlay_tip)
        return a

    def _overlay_tip(self, *args) -> None:
        on = [a.text() for a in (self.importance_box, self.saliency_box, self.fid_box) if a.isChecked()]
        self.overlay_btn.setToolTip("Drawn over the traces: " + (", ".join(on) if on else "nothing")
                                    + " (View menu: Ctrl+Shift+I, T, F)")

    def set_controls_enabled(self, on: bool) -> None:
        """Offer the trace controls (``on``: a record is shown) or grey them all out. The page box
        is offered only where there is more than one page to choose from."""
        for w in (*self.record_controls, *self.overlay_actions):
            w.setEnabled(on)
        self.page.setEnabled(on and self.page.count() > 1 and self._paged())
        self._page_actions()

    def _page_actions(self) -> None:
        """Offer page stepping while the page box chooses, and the explained window while there is one."""
        pages = self.page.isEnabled()
        i = self.page.currentIndex()
        self.next_page_action.setEnabled(pages and i < self.page.count() - 1)
        self.prev_page_action.setEnabled(pages and i > 0)
        self.explained_action.setEnabled(pages and self._explained_index() >= 0)

    def _explained_index(self) -> int:
        return next((i for i in range(self.page.count()) if self.page.itemData(i, EXPLAINED_ROLE)), -1)

    def step_page(self, step: int) -> bool:
        """Show the next (``step`` 1) or previous (-1) entry of the page box; False at either end."""
        i = self.page.currentIndex() + int(step)
        if not self.page.isEnabled() or not 0 <= i < self.page.count():
            return False
        self.page.setCurrentIndex(i)
        return True

    def show_explained(self) -> bool:
        """Show the explained window's page; False when there is none (a record of one page shows it all)."""
        i = self._explained_index()
        if i < 0 or not self.page.isEnabled():
            return False
        self.page.setCurrentIndex(i)
        return True

    def _paged(self) -> bool:
        """Whether the layout shows the record page by page (``paper.paged``): the page box chooses."""
        record = self.plot.record
        return record is not None and paged(self.plot.layout_name, record.duration_s)

    def set_record(self, record) -> None:
        self.plot.set_record(record)
        pages = max(1, int(np.ceil(max(0.0, record.duration_s - PAGE_S) / PAGE_S)) + 1)
        self.page.blockSignals(True)
        self.page.clear()
        self._explained_start = None
        for i in range(pages):
            start = min(i * PAGE_S, max(0.0, record.duration_s - PAGE_S))
            self.page.addItem(_page_text(start), start)
        self.page.blockSignals(False)
        self.caliper_btn.setChecked(False)
        self.set_controls_enabled(True)

    def clear_record(self, title: str = NO_RECORD, detail: str = "") -> None:
        """No record shown, and the view says so (see ``EcgPlot.clear_record``)."""
        self.plot.clear_record(title, detail)
        self.page.blockSignals(True)
        self.page.clear()
        self._explained_start = None
        self.page.blockSignals(False)
        self.caliper_btn.setChecked(False)
        self.set_controls_enabled(False)

    def _page_rows(self):
        """(page top, page height, view top, view height) in paper mm (y up), the page with its margins; None
        with no page drawn."""
        paper = self.plot.paper if self.plot.record is not None else None
        view = self.plot.vb.viewRect()
        if paper is None or view.height() <= 0:
            return None
        height = float(paper.height)
        return height + PAGE_MARGIN_MM, height + 2 * PAGE_MARGIN_MM, view.bottom(), view.height()

    def _follow_rows(self, *args) -> None:
        """The rows' scroll bar as the view stands: shown while the page is taller than the view."""
        rows = self._page_rows()
        taller = rows is not None and rows[1] - rows[3] > 0.5
        self._syncing_rows = True
        try:
            if taller:
                top, page_h, view_top, view_h = rows
                self.rows_scroll.setRange(0, round((page_h - view_h) * SCROLL_STEPS_PER_MM))
                self.rows_scroll.setPageStep(max(1, round(view_h * SCROLL_STEPS_PER_MM)))
                self.rows_scroll.setSingleStep(max(1, round(view_h * SCROLL_STEPS_PER_MM / 12)))
                self.rows_scroll.setValue(round((top - view_top) * SCROLL_STEPS_PER_MM))
        finally:
            self._syncing_rows = False
        if self.rows_scroll.isHidden() == taller:
            self.rows_scroll.setVisible(taller)

    def _rows_scrolled(self, value: int) -> None:
        rows = self._page_rows()
        if self._syncing_rows or rows is None:
            return
        self.plot.scroll_rows_to(rows[0] - value / SCROLL_STEPS_PER_MM)

    def _layout_changed(self, name: str) -> None:
        self.plot.set_layout(name)
        self.set_controls_enabled(self.plot.record is not None)

    def _page_changed(self, i: int) -> None:
        if i >= 0:
            start = self.page.itemData(i)
            self.plot.set_page_start(float(start) if start is not None else i * PAGE_S)
        self._page_actions()

    def _explained_page(self, *args) -> None:
        """Keep the page box's "explained" entry on the explained window of a long record: a page of
        its own where no page starts there (windows spread over a long record start on 5 s steps,
        pages on 10 s), the page's own entry marked where one does."""
        record = self.plot.record
        span = self.plot.explained_span()
        start = span[0] if span is not None and record is not None and record.duration_s > PAGE_S + 1e-6 else None
        if start == self._explained_start:
            return
        self._explained_start = start
        shown = self.page.itemData(self.page.currentIndex())
        self.page.blockSignals(True)
        for i in reversed(range(self.page.count())):
            if self.page.itemData(i, EXPLAINED_ROLE) == "added":
                self.page.removeItem(i)
            elif self.page.itemData(i, EXPLAINED_ROLE) == "marked":
                self.page.setItemText(i, _page_text(self.page.itemData(i)))
                self.page.setItemData(i, None, EXPLAINED_ROLE)
        if start is not None:
            starts = [self.page.itemData(i) for i in range(self.page.count())]
            same = [i for i, t in enumerate(starts) if t is not None and abs(t - start) < 1e-6]
            if same:
                i, role = same[0], "marked"
                self.page.setItemText(i, _page_text(start) + " explained")
            else:
                i, role = sum(1 for t in starts if t is not None and t < start), "added"
                self.page.insertItem(i, _page_text(start) + " explained", start)
            self.page.setItemData(i, role, EXPLAINED_ROLE)
        at = self.page.findData(shown) if shown is not None else -1
        self.page.setCurrentIndex(max(0, at))
        self.page.blockSignals(False)
        self.page.setEnabled(record is not None and self.page.count() > 1 and self._paged())
        self._page_actions()
        if at < 0 and record is not None:    # the page shown was the old explained window's
            self._page_changed(self.page.currentIndex())

    def _overlay_switched(self, on: bool) -> None:
        """An explanation overlay switched on: show the window it was computed on (the overlays are
        drawn over that window only) unless the page shows it already, or the layout shows it all."""
        start = self._explained_start
        if not on or start is None or not self._paged():
            return
        i = self._explained_index()
        if i >= 0 and i != self.page.currentIndex():
            self.page.setCurrentIndex(i)

    def _filters_changed(self, *args) -> None:
        notch = {1: 50.0, 2: 60.0}.get(self.notch.currentIndex())
        self.plot.set_filters(self.highpass.isChecked(), notch)

    def _filter_text(self) -> None:
        """The filter label says what the trace drawn went through: while a long record is being
        filtered, or when that failed, it says that the trace is not yet (or not) what was asked."""
        state = self.plot.filter_state()
        wanted, shown = _filter_words(*state["wanted"]), _filter_words(*state["shown"])
        if state["wanted"] == state["shown"]:
            text = f"Display filters ON: {wanted} (model input unchanged)" if wanted else "Display filters off"
        else:
            now = f"shown: {shown}" if shown else "shown unfiltered"
            asked = wanted or "filters off"
            text = (f"Display filters ({asked}) failed: {state['error']}; {now}" if state["error"]
                    else f"Applying display filters ({asked})... {now}")
        self.filter_label.setText(text)

    def _calipers_toggled(self, on: bool) -> None:
        if on:
            self.plot.show_calipers()
            self.plot.setFocus(Qt.FocusReason.OtherFocusReason)     # the arrow keys move the first marker at once
        else:
            self.plot.hide_calipers()

    def _overlay_text(self, text: str) -> None:
        self.overlay_full = text
        state = self.plot.overlay_state()
        self.overlay_label.setToolTip(f"{text}\n\nlead importance: {state['importance_method']}\n"
                                      f"saliency in time: {state['saliency_method']}" if text else "")
        self._elide_overlay()

    def _elide_overlay(self) -> None:
        width = max(40, self.width() - 8)
        metrics = self.overlay_label.fontMetrics()
        self.overlay_label.setText(metrics.elidedText(self.overlay_full, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide_overlay()

    def _caliper_text(self, r) -> None:
        # the line's room is the scale's while the calipers are hidden
        self.caliper_label.least = CALIPER_LEAST if r else ""
        if not r:
            self.caliper_label.setText("")
            return
        rate = f", {r['rate_bpm']:.0f} bpm" if r["rate_bpm"] else ""      # none for a span shorter than a cycle
        leads = [r["lead"]] + ([r["lead_b"]] if r.get("lead_b") not in (None, r["lead"]) else [])
        lead = " to ".join(x or "margin" for x in leads) if any(leads) else ""
        reading = f"{r['dt_ms']:.0f} ms{rate}, {r['dmv']:+.2f} mV"
        # narrower: without "Calipers", then the reading alone (the leads in the tooltip)
        forms = (f"Calipers ({lead}): {reading}", f"{lead}: {reading}") if lead else (f"Calipers: {reading}",)
        self.caliper_label.set_forms((*forms, reading))


def _filter_words(highpass: bool, notch_hz: float | None) -> str:
    """"high-pass 0.5 Hz, notch 50 Hz", "" for none."""
    parts = (["high-pass 0.5 Hz"] if highpass else []) + ([f"notch {notch_hz:g} Hz"] if notch_hz else [])
    return ", ".join(parts)


def _page_text(start_s: float) -> str:
    """The page box's entry for the 10 s page from ``start_s``: "0-10 s"."""
    return f"{start_s:g}-{start_s + PAGE_S:g} s"
