"""The "Median beats" tab: MIRAGE's median beat of each lead on ECG paper, with the global
fiducials (P onset/offset, QRS onset/offset, T end) as coloured vertical marks.

It draws ``mirage_model.review.median_beats``: the same sheet as the PDF's median-beat page (the
cart's 3x4 order, 25 mm/s and 10 mm/mV in paper millimetres, or 5 or 2.5 mm/mV where the tallest beat would leave
its row, as on that page, so the aspect is true at any size),
and never the device's own median beats. The sheet is fitted to the tab, so its note says how
large it is drawn against true size (the screen's physical DPI, as the trace view's label does). It
follows the ``ReviewSession`` it is given: filled when the session's measurements arrive, emptied
when another record opens.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.views.dialog_focus import back_from_dialog
from app.views.ecg_plot import LABEL_MARGIN_PX, fit_label_font, screen_dpi
from app.views.following import FollowsSession
from app.views.paper import OUTSIDE, TRACE, PaperGrid
from app.views.plot_overlays import clear_spot, drawn_paths
from app.views.screen_room import resize_within_screen
from app.views.patient_line import PatientLine
from mirage_model.review.median_beats import (
    CELL_W_MM, FIDUCIAL_MARKS, GAIN_MM_MV, GRID_2X6, GRID_3X4, ROW_MM, SPEED_MM_S, cell_segments, fitting_gain,
    median_beat_view, sheet_cells, sheet_size, shown_ms, span_note,
    unavailable_reason,
)
from mirage_model.review.overread import research_notice

PRIOR_TRACE = (115, 115, 115)     # a prior ECG's beats, under the record's own (``ReviewSession.prior``)
PRIOR_LINE = "\u2014\u2014"       # its line in the legend


def prior_label(session) -> str:
    """What names ``session``'s prior ECG to a reader ("the ECG of 2024-03-01 09:12", else "the ECG in
    prior.edf"), as the comparison says it (``serial.ecg_label``); "" without a prior."""
    prior = getattr(session, "prior", None)
    if prior is None:
        return ""
    from mirage_model.review.serial import ecg_label

    return ecg_label(prior)


# a mark's dashed line in the legend: non-breaking hyphens (Qt broke "- - -" after a hyphen-minus), and
# short: two marks ("P onset -136 ms", "P offset -26 ms") fit one line of the tab at 1280x800
DASHES = "\u2011\u2011\u2011"


def _rgb(rgb: tuple[float, float, float]) -> QColor:
    return QColor.fromRgbF(*rgb)


class MedianBeatsView(FollowsSession, QWidget):
    """The 12 median beats of the session's measurements, with the fiducials and their legend.

    ``enlarge`` is emitted when the reader asks for the sheet in a window of its own (the button
    under it, or a double-click on it): in the tab under the traces it is drawn at about a quarter
    of true size on a 1280x800 screen."""

    enlarge = Signal()

    def __init__(self, parent: QWidget | None = None, enlargeable: bool = True):
        super().__init__(parent)
        self.session = None
        self.view = None                      # review.median_beats.MedianBeatView shown (None: none)
        # callable -> the trace view's DPI (its Settings override); None: the screen's
        self.physical_dpi = None
        self.plot = pg.GraphicsView()
        self.plot.setBackground(OUTSIDE)
        self.plot.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.vb = pg.ViewBox(enableMenu=False, lockAspect=1.0, invertY=False)   # mm on both axes
        self.vb.setMouseEnabled(False, False)
        self.plot.setCentralItem(self.vb)
        self.grid = PaperGrid()
        self.vb.addItem(self.grid)
        # one reused curve and label per lead (NaN gaps break a curve), one line set per fiducial
        self.curves: dict[str, pg.PlotCurveItem] = {}
        self.labels: dict[str, pg.TextItem] = {}
        self.label_texts: dict[str, str] = {}     # lead -> its name in one line, "V4 (unusable)" (two where narrow)
        for lead in (name for row in GRID_3X4 for name in row):
            curve = pg.PlotCurveItem(pen=pg.mkPen(TRACE, width=1.2), connect="finite")
            curve.setZValue(10)
            self.vb.addItem(curve)
            self.curves[lead] = curve
            label = pg.TextItem(lead, color=(0, 0, 0), anchor=(0, 0))
            label.setFont(QFont("Sans Serif", 8, QFont.Weight.Bold))     # sized to the zoom by _place_labels
            label.textItem.document().setDocumentMargin(LABEL_MARGIN_PX)
            label.setZValue(20)
            self.vb.addItem(label)
            self.labels[lead] = label
        # the prior ECG's beats in grey under these (none without a prior), at the same gain and QRS onset
        self.prior_curves: dict[str, pg.PlotCurveItem] = {}
        for lead in self.curves:
            curve = pg.PlotCurveItem(pen=pg.mkPen(PRIOR_TRACE, width=1.2), connect="finite")
            curve.setZValue(8)
            self.vb.addItem(curve)
            self.prior_curves[lead] = curve
        self.prior_view = None                # review.median_beats.MedianBeatView of the prior (None: none)
        self.marks: dict[str, pg.PlotCurveItem] = {}
        for key, _label, rgb in FIDUCIAL_MARKS:
            item = pg.PlotCurveItem(pen=pg.mkPen(_rgb(rgb), width=1.3, style=Qt.PenStyle.DashLine),
                                    connect="pairs")
            item.setZValue(5)
            self.vb.addItem(item)
            self.marks[key] = item
        self.pulses = pg.PlotCurveItem(pen=pg.mkPen(TRACE, width=1.2), connect="finite")
        self.vb.addItem(self.pulses)
        # the amplitude scale: 10 mm/mV, or as the PDF's median page halves it where the tallest beat would
        # leave its row (``fitting_gain``); the pulses' height and the note say which (a label at each pulse,
        # in screen pixels, ran off the sheet's top when the tab draws it small)
        self.gain = GAIN_MM_MV
        self.grid_layout = GRID_3X4           # 3x4, or 2x6 when the tab is wide and short
        self.cells = sheet_cells(self.grid_layout)
        self.vb.sigResized.connect(self._fit)

        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #444")
        self.enlarge_btn = QPushButton("Open in a window")
        self.enlarge_btn.setToolTip("the median beats in a window of their own, as large as it is made "
                                    "(Ctrl+Shift+M; or double-click the sheet)")
        self.enlarge_btn.clicked.connect(self.enlarge)
        self.enlargeable = enlargeable
        self.enlarge_btn.setVisible(enlargeable)
        self.plot.mouseDoubleClickEvent = lambda event: (self.enlarge.emit() if enlargeable else None)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(0, 0, 0, 0)
        legend_row.addWidget(self.legend, 1)
        legend_row.addWidget(self.enlarge_btn, 0, Qt.AlignmentFlag.AlignTop)
        # the words under the sheet scroll: in the row under the traces of a 1024x768 window the legend and
        # the note asked for more height than the tab has, and Qt cut both (the legend's "T end", the note's
        # last lines)
        words = QWidget()
        words_lay = QVBoxLayout(words)
        words_lay.setContentsMargins(0, 0, 0, 0)
        words_lay.addLayout(legend_row)
        words_lay.addWidget(self.note)
        self.words = QScrollArea()
        self.words.setWidget(words)
        self.words.setWidgetResizable(True)
        self.words.setFrameShape(QScrollArea.Shape.NoFrame)
        self.words.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.words.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.words.setMinimumHeight(2 * self.fontMetrics().lineSpacing() + 4)
        self.words.setAccessibleName("Median beats legend and note")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.words)
        # it fits itself to the tab (its note says at what size): it must not hold the row below the
        # traces taller than a short screen can give it
        self.setMinimumHeight(150)
        self.refresh()

    # the view follows one ReviewSession (FollowsSession): its measurements arrive (or fail) through its events
    def redraws_on(self, name: str, info: dict) -> bool:
        return name in ("measurements", "prior") or (name == "state" and info.get("part") == "measurements")

    def _choose_layout(self):
        """The sheet layout that is drawn largest in the plot's current shape."""
        w, h = max(1, self.plot.width()), max(1, self.plot.height())

        def scale(grid):
            gw, gh = sheet_size(grid)
            return min(w / gw, h / gh)

        return max((GRID_3X4, GRID_2X6), key=scale)

    def _fit(self, *args) -> None:
        grid = self._choose_layout()
        if grid is not self.grid_layout:
            self.grid_layout = grid
            self.cells = sheet_cells(grid)
            self.refresh()
            return
        w, h = sheet_size(self.grid_layout)
        self.vb.setRange(QRectF(0, 0, w, h), padding=0.01)
        self._place_labels()
        self.refresh_note()

    def screen_zoom(self) -> float | None:
        """Millimetres on the glass per millimetre of the sheet as drawn now (1 = true size), or
        None before the view has a size."""
        view = self.vb.viewRect()
        if view.width() <= 0 or self.vb.width() <= 1:
            return None
        dpi = float(self.physical_dpi()) if self.physical_dpi is not None else screen_dpi(self)
        if not dpi > 20:
            dpi = 96.0
        return (self.vb.width() / view.width()) / (dpi / 25.4)

    def _place_labels(self) -> None:
        """Each lead's name at the app's font from true scale up, smaller below it down to LABEL_MIN_PT (as
        the trace view's names), in the nearest place to its cell's top-left corner where it meets no drawn
        beat (the record's or the prior's). At 0.69x under 200 % scaling and 0.33x with large text the fixed
        8 pt names stood on the P waves and QRS complexes of their cells. The name's left edge stays in the
        left half of its cell (it reads as that cell's); where no such place is clear, at the corner."""
        ppm = self.vb.width() / self.vb.viewRect().width() if self.vb.viewRect().width() > 0 else 0.0
        zoom = self.screen_zoom()
        paths = drawn_paths((*self.curves.values(), *self.prior_curves.values()))     # never hidden: all drawn
        for cell in self.cells:
            label = self.labels[cell.lead]
            fit_label_font(label, self.font().pointSizeF(), zoom if zoom is not None else 1.0)
            top = cell.baseline + cell.row_mm / 2.0 - 0.5
            x, y = cell.x0 + 1.0, top
            if ppm > 0 and self.vb.width() > 1:
                whole = self.label_texts.get(cell.lead, cell.lead)
                label.setText(whole)
                box = label.textItem.boundingRect()
                if box.width() / ppm > CELL_W_MM - 1.0 and " (" in whole:
                    # "V4 (unusable)" drawn small ran on into V5's cell ("V4 (unusaV5ble)"): two lines
                    label.setText(whole.replace(" (", "\n(", 1))
                    box = label.textItem.boundingRect()
                w, h = box.width() / ppm, box.height() / ppm
                spot = clear_spot(paths, (w, h), (cell.x0 + 0.5, min(cell.x0 + CELL_W_MM - 0.5,
                                                                     cell.x0 + CELL_W_MM / 2.0 + w)),
                                  (cell.baseline - cell.row_mm / 2.0 + 0.5, top), (x, y),
                                  step=max(0.25, 1.0 / ppm), pad=1.0 / ppm)
                if spot is not None:
                    x, y = spot
            label.setPos(x, y)

    def label_boxes(self) -> dict[str, QRectF]:
        """lead -> its name's box on the sheet now (mm, y up), for tests."""
        return {lead: self.vb.mapSceneToView(label.sceneBoundingRect()).boundingRect()
                for lead, label in self.labels.items()}

    def refresh_note(self) -> None:
        """The caption under the sheet: what it is and at what size it is drawn."""
        if self.view is None:
            return
        zoom = self.screen_zoom()
        g = self.gain
        size = ("" if zoom is None or abs(zoom - 1.0) < 0.005 else
                f", drawn at {zoom:.2f}x to fit the tab: {SPEED_MM_S * zoom:.3g} mm/s, "
                f"{g * zoom:.3g} mm/mV on screen")
        reduced = (f" Gain {g:g} mm/mV: at {GAIN_MM_MV:g} mm/mV the tallest beat would leave its row."
                   if g != GAIN_MM_MV else "")
        size = size.replace("to fit the tab", "to fit the tab" if self.enlargeable else "to fit the window")
        how = f"{self.view.intervals_how} " if self.view.intervals_how else ""
        self.note.setText(f"{self.view.caption} (not the device's). Times from the QRS onset. {how}"
                          f"{SPEED_MM_S:g} mm/s, {g:g} mm/mV{size}; grid 1 mm / 5 mm "
                          f"(40 ms / {1 / g:g} mV, 200 ms / {5 / g:g} mV).{reduced} " + span_note(self.view))

    def _place(self) -> None:
        """Sheet and calibration pulses for the current layout (the labels: ``_place_labels``, once the
        beats are drawn)."""
        w, h = sheet_size(self.grid_layout)
        self.grid.set_rect(QRectF(0, 0, w, h))
        xs, ys = [], []
        for base in sorted({c.baseline for c in self.cells}):
            xa, xb, top = 3.0, 3.0 + 0.2 * SPEED_MM_S, base + self.gain
            xs += [1.5, xa, xa, xb, xb, xb + 1.5, np.nan]
            ys += [base, base, top, top, base, base, np.nan]
        self.pulses.setData(np.array(xs), np.array(ys), connect="finite")
        self.vb.setRange(QRectF(0, 0, w, h), padding=0.01)

    def refresh(self) -> None:
        s = self.session
        self.view = median_beat_view(s.measurements) if s is not None else None
        v = self.view
        prior = getattr(s, "prior", None) if s is not None and v is not None else None
        pv = self.prior_view = median_beat_view(prior.measurements) if prior is not None else None
        # one gain for both, the one at which the taller of the two stays in its row
        self.gain = min(fitting_gain(v), fitting_gain(pv) if pv is not None else GAIN_MM_MV) if v is not None \
            else GAIN_MM_MV
        self._place()
        for cell in self.cells:
            segs = cell_segments(v, cell, self.gain) if v is not None else []
            if segs:   # runs joined with a NaN between them: one curve per lead
                x = np.concatenate([np.append(a, np.nan) for a, _ in segs])
                y = np.concatenate([np.append(b, np.nan) for _, b in segs])
                self.curves[cell.lead].setData(x, y, connect="finite", skipFiniteCheck=True)
            else:
                self.curves[cell.lead].setData([], [])
            psegs = cell_segments(pv, cell, self.gain) if pv is not None else []
            if psegs:
                x = np.concatenate([np.append(a, np.nan) for a, _ in psegs])
                y = np.concatenate([np.append(b, np.nan) for _, b in psegs])
                self.prior_curves[cell.lead].setData(x, y, connect="finite", skipFiniteCheck=True)
            else:
                self.prior_curves[cell.lead].setData([], [])
            usable = v is not None and bool(v.usable[v.leads.index(cell.lead)])
            self.label_texts[cell.lead] = cell.lead if usable or v is None else f"{cell.lead} (unusable)"
            self.labels[cell.lead].setText(self.label_texts[cell.lead])
        found = {key: ms for key, _l, ms, _c in v.marks} if v is not None else {}
        half = ROW_MM / 2.0 - 1.0
        lo, hi = shown_ms(v) if v is not None else (0.0, 0.0)
        for key, item in self.marks.items():
            ms = found.get(key)
            if ms is None or not lo <= ms <= hi:
                item.setData([], [])
                continue
            x = np.repeat([c.qrs_x + ms * SPEED_MM_S / 1000.0 for c in self.cells], 2)
            y = np.ravel([[c.baseline - half, c.baseline + half] for c in self.cells])
            item.setData(x, y, connect="pairs")
        self._place_labels()           # clear of the beats just drawn
        self.grid.setVisible(v is not None)
        self.pulses.setVisible(v is not None)
        self.enlarge_btn.setEnabled(v is not None)      # nothing to enlarge without a record's beats
        if v is None:
            self.legend.setText("")
            self.note.setText(unavailable_reason(s))
            return
        parts = []
        for key, label, rgb in FIDUCIAL_MARKS:
            if key in found:
                when = f"{found[key]:+.0f} ms" if round(found[key]) else "0 ms"
                part = (f'<span style="color:{_rgb(rgb).name()}"><b>{DASHES}</b></span> '
                        f"{html.escape(label)} {when}")
            else:
                part = f'<span style="color:#666">{html.escape(label)}: not found</span>'
            # lines break between the marks only: "P offset -26" above "ms" read as two values, and
            # a line that ended in "- -" left the mark's last dash, in its colour, to the next
            parts.append(f'<span style="white-space:nowrap">{part}</span>')
        if prior is not None:
            # named in words beside its grey line (not by its colour alone); no beats: said so
            label = html.escape(prior_label(s))
            part = (f'<span style="color:{QColor(*PRIOR_TRACE).name()}"><b>{PRIOR_LINE}</b></span> prior: {label}'
                    if pv is not None else f'<span style="color:#666">prior: {label}: no median beats</span>')
            parts.insert(0, f'<span style="white-space:nowrap">{part}</span>')
        self.legend.setText("&nbsp;&nbsp; ".join(parts))
        self.refresh_note()

    def mark_positions(self) -> dict[str, float]:
        """key -> ms from the QRS onset of each fiducial drawn now (what tests read back)."""
        if self.view is None:
            return {}
        return {key: ms for key, _l, ms, _c in self.view.marks if self.marks[key].xData is not None
                and len(self.marks[key].xData)}


class MedianBeatsWindow(FollowsSession, QWidget):
    """The median beats in a window of their own (View > Median beats in a window), for reading
    them larger than the tab allows; resizable, the sheet fitted to it and its size said in the note.

    It follows the main window's session as the tab does: another record opened replaces its beats
    and its patient line at once (nothing of an earlier patient's ECG is left in it), no record
    empties it. Its title and the patient line above the sheet name whose beats they are; the
    research-use notice under it is the main window's (``set_notice``: "over-read" once signed)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.session = None
        self.patient_line = PatientLine()
        self.beats = MedianBeatsView(enlargeable=False)
        self.notice = QLabel(research_notice(None, None))
        self.notice.setStyleSheet("color: #7a4b00; font-weight: bold")
        lay = QVBoxLayout(self)
        lay.addWidget(self.patient_line)
        lay.addWidget(self.beats, 1)
        lay.addWidget(self.notice)
        # 900 x 720 within 90 % of the screen's free area: a fixed 900 x 720 had its research-use notice and note
        # past the foot of a 1280x720 laptop's screen under its task bar, and past both edges of 1366x768 with
        # larger text (QT_FONT_DPI=144: 911 x 512 logical px)
        resize_within_screen(self, parent, QSize(900, 720))
        # closed from the keyboard as the dialogs are (Esc) and as a document window is (Ctrl+W): it had
        # no key of its own, and a reader without a mouse had it over the main window for good
        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            QShortcut(keys, self, self.close, context=Qt.ShortcutContext.WindowShortcut)
        self.refresh()

    def set_session(self, session) -> None:
        """Show ``session``'s median beats and patient (None: none)."""
        self.patient_line.set_session(session)
        self.beats.set_session(session)
        FollowsSession.set_session(self, session)

    def closeEvent(self, event) -> None:
        # its opener active again, the focus where it was (``back_from_dialog``): with no window manager nothing
        # hands the activation back, and the main window's keys (Ctrl+1, F1 ...) went nowhere until a click
        super().closeEvent(event)
        owner = self.parentWidget()
        if event.isAccepted() and owner is not None:
            back_from_dialog(owner, owner.window().focusWidget())

    def set_notice(self, notice: str) -> None:
        """The research-use notice (``review.overread.research_notice``), as the main window's banner says it."""
        self.notice.setText(notice)

    def redraws_on(self, name: str, info: dict) -> bool:
        return name == "record"

    def refresh(self) -> None:
        """The title names the record shown (none while no record is open)."""
        record = getattr(self.session, "record", None) if self.session is not None else None
        rid = getattr(record, "record_id", "") if record is not None else ""
        self.setWindowTitle(f"Median beats - {rid} - MIRAGE Review" if rid else "Median beats - MIRAGE Review")
