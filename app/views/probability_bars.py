"""The probability bars: one bar per class (probability 0..1) against the class's decision threshold,
coloured and patterned by whether the class is called, with a legend.

They only draw what ``mirage_model`` computed (``Prediction``: plain numpy arrays).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mirage_model.outputs import MIN_CALLED_P, is_called
from mirage_model.review.labels import is_normal, label_name, label_words

NO_RESULT_COLOUR = "#5a5a5a"    # the bars' "no result": 6:1 on the window's grey (110 grey was 4.4:1)


class ProbabilityBars(QWidget):
    """One horizontal bar per class (probability 0..1) with the class threshold marked."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.labels: tuple[str, ...] = ()
        self.probabilities = np.zeros(0)
        self.thresholds = np.zeros(0)
        self.stale = False
        self.withheld = ""
        self.doubted: dict[str, str] = {}
        self.ptbxl_labels = True        # the labels are PTB-XL's classes, named in its words (``label_name``)
        self.descriptions: dict[str, str] = {}   # label -> its data's words (``Prediction.label_descriptions``)
        self.short_names = False        # the bars are named by their labels alone (no room for the full names)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Class probabilities")

    def set_prediction(self, labels, probabilities, thresholds, withheld: str = "", doubted=None,
                       ptbxl_labels: bool = True, descriptions=None) -> None:
        """Show the probabilities; ``withheld`` (the quality gate's reason) draws every bar grey and
        none as a finding: the calls are unreliable, the probabilities stay visible. ``doubted``: label
        -> why, the calls kept but marked "(?)" (``interpret.doubted_calls``: read off amplitudes in doubt, or
        within reach of the record's noise). ``ptbxl_labels``: False for a model trained on other data than
        PTB-XL (``Prediction.ptbxl_labels``): its labels are shown as named, never in PTB-XL's words.
        ``descriptions``: label -> the words its training data gave it (``Prediction.label_descriptions``), shown
        beside it ("QAb  Q wave abnormal")."""
        self.withheld = withheld
        self.ptbxl_labels = ptbxl_labels
        self.descriptions = dict(descriptions or {})
        self.doubted = dict(doubted or {})
        self.labels = tuple(labels)
        self.probabilities = np.asarray(probabilities, dtype=float)
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.stale = False
        self.setAccessibleDescription(self.spoken())
        self.updateGeometry()
        self.setMinimumHeight(self.sizeHint().height())
        self.update()

    def clear(self) -> None:
        self.set_prediction((), np.zeros(0), np.zeros(0))

    def full_name(self, label: str) -> str:
        """The class's full name ("MI" -> "Myocardial infarction"); a model trained on other data: the words its
        data gave the label ("QAb" -> "Q wave abnormal"), else the label."""
        if self.ptbxl_labels and label_name(label) != label:
            return label_name(label)
        return label_words(label, self.descriptions) or label

    def spoken(self) -> str:
        """The bars in words, for a screen reader (they are painted): "MI Myocardial infarction 90.3 %,
        threshold 50.0 %, called: finding; ..."."""
        if not len(self.labels):
            return "no result"
        parts = []
        for lab, prob, th in zip(self.labels, self.probabilities, self.thresholds):
            name = f"{lab} {self.full_name(lab)}" if self.full_name(lab) != lab else lab
            if self.withheld:
                call = "not called: calls withheld"
            elif is_called(prob, th):
                call = "called: " + ("normal" if is_normal(lab, self.ptbxl_labels) else "finding")
            else:
                call = "not called"
            doubt = f" (?) {self.doubted[lab]}" if lab in self.doubted and not self.withheld else ""
            parts.append(f"{name} {100 * prob:.1f} %, threshold {100 * th:.1f} %, {call}{doubt}")
        return "; ".join(parts) + (f". Withheld: {self.withheld}" if self.withheld else "")

    def set_stale(self, stale: bool) -> None:
        self.stale = stale
        self.setAccessibleDescription(("Out of date: " if stale else "") + self.spoken())
        self.update()

    LEGEND_H = 34

    def names(self, bold_fm: QFontMetrics) -> list[str]:
        """Each bar's name: the label and its full name ("CD  Conduction disturbance") where every one
        fits half the width in bold, else the label alone ("CD", the full names in the tooltip): cut
        to the width, they read "CD  Conduction distu..." in a 330 px column."""
        def mark(lab):
            return " (?)" if lab in self.doubted and not self.withheld else ""
        full = [(f"{lab}  {self.full_name(lab)}" if self.full_name(lab) != lab else lab) + mark(lab)
                for lab in self.labels]
        room = max(60, self.width() // 2) - 8
        self.short_names = any(bold_fm.horizontalAdvance(n) > room for n in full)
        return [lab + mark(lab) for lab in self.labels] if self.short_names else full

    def sizeHint(self) -> QSize:
        return QSize(320, 8 + 22 * max(1, len(self.labels)) + (self.LEGEND_H if self.labels else 0))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = p.fontMetrics()
        bold = QFont(p.font())
        bold.setBold(True)
        # a called class's name is drawn bold, which is wider: measured in the regular font, it ran
        # past its right-aligned box and lost its first letters ("orhofflimmern")
        bold_fm = QFontMetrics(bold)
        names = self.names(bold_fm)
        name_w = max([bold_fm.horizontalAdvance(n) for n in names] + [40]) + 8
        name_w = min(name_w, max(60, self.width() // 2))
        pct_w = fm.horizontalAdvance("100.0%") + 8
        x0, x1 = name_w, max(name_w + 40, self.width() - pct_w)
        if not self.labels:
            p.setPen(QColor(NO_RESULT_COLOUR))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no result")
            return
        for i, (lab, name, prob, th) in enumerate(zip(self.labels, names, self.probabilities, self.thresholds)):
            y = 4 + 22 * i
            positive = is_called(prob, th) and not self.withheld
            font = QFont(p.font())
            font.setBold(bool(positive))
            p.setFont(font)
            p.setPen(QColor(20, 20, 20))
            shown = p.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, name_w - 6)
            p.drawText(QRectF(0, y, name_w - 6, 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shown)
            p.fillRect(QRectF(x0, y + 2, x1 - x0, 14), QColor(232, 232, 232))
            self.fill(p, QRectF(x0, y + 2, (x1 - x0) * float(np.clip(prob, 0, 1)), 14), self.colour(lab, prob, th),
                      self.pattern(prob, th))
            tx = x0 + (x1 - x0) * float(np.clip(th, 0, 1))
            p.setPen(QPen(QColor(0, 0, 0), 2))
            p.drawLine(int(tx), y, int(tx), y + 18)
            p.setPen(QColor(20, 20, 20))
            p.drawText(QRectF(x1 + 4, y, pct_w, 18), Qt.AlignmentFlag.AlignVCenter, f"{100 * prob:.1f}%")
        # legend: what the tick and the colours mean
        y = 4 + 22 * len(self.labels) + 2
        font = QFont(p.font())
        font.setBold(False)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        x = x0
        p.setPen(QPen(QColor(0, 0, 0), 2))
        p.drawLine(int(x), y + 2, int(x), y + 14)
        p.setPen(QColor(60, 60, 60))
        p.drawText(QRectF(x + 5, y, max(10.0, self.width() - x - 5), 16), Qt.AlignmentFlag.AlignVCenter,
                   self.legend_text()[0])
        self.setToolTip("Bars: probability per class. Tick: the class's decision threshold stored with "
                        "the model. Orange, solid: a finding called (at or above its threshold and at least "
                        f"{MIN_CALLED_P:.0%}); green, solid: the normal class called; blue, hatched: not called."
                        + "".join(f"\n{lab} (?): {why}" for lab, why in self.doubted.items())
                        + ("".join(f"\n{lab}: {self.full_name(lab)}" for lab in self.labels
                                   if self.full_name(lab) != lab)
                           if self.short_names else ""))
        y += 16
        solid, hatched = Qt.BrushStyle.SolidPattern, self.HATCH
        for text, col, style in zip(self.legend_text()[1:], (self.FINDING, self.NORMAL, self.BELOW),
                                    (solid, solid, hatched)):
            self.fill(p, QRectF(x, y + 3, 11, 11), col, style)
            p.drawText(QRectF(x + 13, y, 200, 16), Qt.AlignmentFlag.AlignVCenter, text)
            x += 13 + p.fontMetrics().horizontalAdvance(text) + 12
        p.end()

    # Okabe-Ito colours (Okabe & Ito 2008, "Color Universal Design"): the red and green these replaced
    # read as one olive brown to a deuteranope or protanope (CIELAB distance 23 and 17 under Machado et
    # al. 2009's simulation, against 53 and 37 now). The colours are not the only cue: a class not
    # called is hatched, a called one solid and named in bold.
    FINDING = QColor(213, 94, 0)      # a positive finding (vermillion)
    NORMAL = QColor(0, 158, 115)      # a positive normal class: reassuring, not an alarm (bluish green)
    BELOW = QColor(0, 114, 178)       # below its threshold (blue), hatched
    WITHHELD = QColor(150, 150, 150)  # calls withheld by the quality gate: no colour says "finding"
    HATCH = Qt.BrushStyle.BDiagPattern

    def pattern(self, prob: float, threshold: float) -> Qt.BrushStyle:
        """A called class's bar is solid, one below its threshold hatched (so is every bar while the calls
        are withheld: none is called)."""
        return Qt.BrushStyle.SolidPattern if is_called(prob, threshold) and not self.withheld else self.HATCH

    @staticmethod
    def fill(p: QPainter, rect: QRectF, colour: QColor, style: Qt.BrushStyle) -> None:
        """Fill ``rect`` with ``colour``: solid, or hatched over a pale tint of it (its outline drawn, so
        that a short bar still shows its end)."""
        if style == Qt.BrushStyle.SolidPattern:
            p.fillRect(rect, colour)
            return
        tint = QColor(colour)
        tint.setAlpha(colour.alpha() * 70 // 255)
        p.fillRect(rect, tint)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(rect, QBrush(colour, style))
        p.setPen(QPen(colour, 1))
        p.drawRect(rect.adjusted(0, 0, -1, -1))
        p.restore()

    def colour(self, label: str, prob: float, threshold: float) -> QColor:
        """Bar colour: orange for a finding called (``outputs.is_called``: at or above its threshold and
        at least 20 %), green for a called normal class, blue otherwise (faded while the result is out
        of date)."""
        if self.withheld:
            c = QColor(self.WITHHELD)
        elif is_called(prob, threshold):
            c = QColor(self.NORMAL if is_normal(label, self.ptbxl_labels) else self.FINDING)
        else:
            c = QColor(self.BELOW)
        if self.stale:
            c.setAlpha(90)
        return c

    @staticmethod
    def legend_text() -> tuple[str, str, str, str]:
        return ("= decision threshold", "finding", "normal", "below")
