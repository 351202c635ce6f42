"""One row of the lab and clinical form (``lab_form.LabForm``): a feature's name, its value field, its unit box,
its reference range, where the value came from, its contribution, and the message under it.

The widgets a row is made of keep a narrow form readable: the value field asks for the width a typed value needs
(``ValueEdit``), the unit box for the width its feature's own unit needs and draws a wider unit chosen in a
smaller font, whole (``UnitBox``), and the reference puts its unit under its numbers where the column is narrow
(``RangeLabel``).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QStyle, QStyleOptionComboBox, QStylePainter, QWidget

from app.views.elided_label import ElidedLabel
from app.views.placeholder import set_placeholder

CONTRIBUTION_STYLE = "color: #555"
NOT_USED_COLOUR = "#666"        # a feature this model does not read (light grey #777 was 3.9:1 on the window)
# a value field shows this many digits beside its clear button and frame
VALUE_ROOM = "0000.0"
VALUE_CHROME_PX = 32          # its frame and clear button (measured: "1250.5" whole at 74 px)


class LabRow:
    """One feature's widgets, which ``LabForm`` lays out in its grid and fills from its session."""

    def __init__(self, feature, used: bool, model_known: bool = True):
        """``model_known``: a model is loaded, so a feature it does not read is starred ("not used by
        this model"); with none loaded, or one loading, nothing is starred (the caption says so)."""
        self.feature = feature
        self.used = used
        starred = model_known and not used
        self.name_label = QLabel(feature.label + (" *" if starred else ""))
        if starred:
            self.name_label.setToolTip("not used by this model; recorded for the report")
            self.name_label.setStyleSheet(f"color: {NOT_USED_COLOUR}")
        # these give way on a narrow form (hidden, told in the value's tooltip); the value and unit never do
        self.source = ElidedLabel("")
        self.source.setStyleSheet("color: #555")
        self.contribution = ElidedLabel("")
        self.contribution.setStyleSheet(CONTRIBUTION_STYLE)
        self.message_tip = ""          # the field's refusal or flag, first in its tooltip
        if feature.kind == "binary":
            self.editor = QComboBox()
            self.editor.addItems(["", "M", "F"])
            self.unit = None
        else:
            self.editor = ValueEdit()
            set_placeholder(self.editor, "not given")
            self.editor.setClearButtonEnabled(True)
            # a typed value stays readable beside its clear button however narrow the form
            self.editor.setMinimumWidth(self.editor.fontMetrics().horizontalAdvance(VALUE_ROOM) + VALUE_CHROME_PX)
            units = [feature.unit] + [u for u in feature.units if u != feature.unit]
            self.unit = UnitBox([u for u in units if u])
            self.unit.setAccessibleName(f"{feature.label} unit")
        # a screen reader read the fields by their contents alone ("F, combo box", "years, combo box")
        self.editor.setAccessibleName(feature.label)
        whole = feature.reference_text()
        # its numbers ("< 14"), beside a unit box that shows its unit; "" without a range
        self.reference_short = whole[:-len(feature.unit) - 1].rstrip() \
            if feature.unit and whole.endswith(" " + feature.unit) else whole
        self.reference = RangeLabel()
        self.reference.set_range(self.reference_short)
        self.reference.set_tip(f"reference range: {whole}" if whole else "")
        self.reference.setStyleSheet("color: #555")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")
        self.message.setVisible(False)
        # empty | ok | low | high (its reference range) | held (beyond the model's training data) | error
        self.status: str = "empty"

    def show_tip(self, columns_shown: bool) -> None:
        """The value field's tooltip: its refusal or flag, and, while the From and Contribution
        columns give way, what they would say."""
        parts = [self.message_tip] if self.message_tip else []
        if not columns_shown:
            if self.source.text():
                parts.append(f"from: {self.source.text()}")
            if self.contribution.text():
                parts.append(f"contribution: {self.contribution.text()} ({self.contribution.tip})")
        self.editor.setToolTip("\n".join(parts))

    def show_reference(self) -> None:
        """The range's numbers while the unit box shows its unit; with its unit otherwise, whole (on two
        lines where the column is narrow: a 1024 px window cut "<= 14 ng/L" to "<= 14 ...")."""
        whole = self.feature.reference_text()
        own = self.unit is None or self.unit.currentText() in ("", self.feature.unit)
        self.reference.set_range(self.reference_short, "" if own or whole == self.reference_short
                                 else self.feature.unit)


class RangeLabel(ElidedLabel):
    """A row's reference range: its numbers, and its unit when the unit box shows another. On one line
    where it fits ("<= 14 ng/L"), else the numbers over the unit (a unit of two words over two lines
    where it must: "mg/L" over "FEU"), each whole: the column is never narrower than the widest of
    these (``least``), so the range never reads without its unit."""

    parts: tuple[str, str] = ("", "")

    def set_range(self, numbers: str, unit: str = "") -> None:
        self.parts = (numbers, unit)
        fm = self.fontMetrics()
        self.least = max((numbers, *unit.split()), key=fm.horizontalAdvance)
        self.setText(f"{numbers} {unit}" if numbers and unit else numbers)

    def _elide(self) -> None:
        numbers, unit = self.parts
        room = self.contentsRect().width()
        fm = self.fontMetrics()
        lines = QLabel.text(self).count("\n")
        if unit and numbers and room > 0 and fm.horizontalAdvance(self.full_text) > room:
            rows = [numbers, ""]
            for word in unit.split():       # the unit's words on as few lines as the room allows
                if rows[-1] and fm.horizontalAdvance(f"{rows[-1]} {word}") > room:
                    rows.append("")
                rows[-1] = f"{rows[-1]} {word}".strip()
            QLabel.setText(self, "\n".join(rows))
            self.setToolTip(self.tip)
        else:
            super()._elide()
        if QLabel.text(self).count("\n") != lines:
            self.updateGeometry()          # a line more or less: the row's height


class ValueEdit(QLineEdit):
    """A row's value field. It asks for the width a typed value needs (its minimum), not a line
    edit's 17 characters, and grows (Expanding) into the room left: asking for 125 px, it squeezed
    the Reference header to "Referen..." in a 1280x800 window, where the form had room for both."""

    def sizeHint(self) -> QSize:                    # noqa: N802 (Qt's name)
        return QSize(self.minimumWidth(), super().sizeHint().height())


class UnitBox(QComboBox):
    """A row's unit chooser, at least as wide as its first (the feature's own) unit needs ("mg/L FEU"
    whole, not "mg/L FE"), wider where its column has room. A chosen unit wider than the box
    ("ug/mL DDU" beside "mg/L FEU" at 1024 px) is drawn whole in a smaller font, down to
    ``SMALLEST`` of the box's, cut with "..." only past that; the whole unit is then on hover. The
    box never widens the form for the unit chosen: the grid kept the room the widest choice needed,
    behind a horizontal scroll bar at 1024 px.
    """

    SMALLEST = 0.75      # of the box's font size: still legible, never cut for the units offered

    def __init__(self, units: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.addItems(units)
        self.setMinimumContentsLength(4)
        self.setMinimumWidth(self._need(units[0] if units else ""))
        self.currentIndexChanged.connect(lambda _i: self._tip())

    def _need(self, text: str) -> int:
        """The box's width that shows ``text`` whole in its own font (the style's frame and arrow)."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        fm = self.fontMetrics()
        return self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, opt,
                                             QSize(fm.horizontalAdvance(text), fm.height()), self).width()

    def _field(self, opt: QStyleOptionComboBox) -> int:
        return self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                           QStyle.SubControl.SC_ComboBoxEditField, self).width()

    def shown(self) -> tuple[QFont, str]:
        """The font and the text the box draws its chosen unit in."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        room, text, font = self._field(opt), self.currentText(), QFont(self.font())
        size = font.pointSizeF()
        if size <= 0 or QFontMetrics(font).horizontalAdvance(text) <= room:
            return font, text
        step = size / 36                   # a quarter point at 9 pt
        while size - step >= self.SMALLEST * font.pointSizeF() - 1e-6:
            size -= step
            smaller = QFont(font)
            smaller.setPointSizeF(size)
            if QFontMetrics(smaller).horizontalAdvance(text) <= room:
                return smaller, text
        smaller = QFont(font)
        smaller.setPointSizeF(self.SMALLEST * font.pointSizeF())
        return smaller, QFontMetrics(smaller).elidedText(text, Qt.TextElideMode.ElideMiddle, room)

    def _tip(self) -> None:
        font, text = self.shown()
        smaller = text != self.currentText() or font.pointSizeF() != self.font().pointSizeF()
        self.setToolTip(f"unit: {self.currentText()}" if smaller else "")

    def paintEvent(self, event) -> None:          # noqa: N802 (Qt's name)
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        font, opt.currentText = self.shown()
        painter.setFont(font)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)

    def resizeEvent(self, event) -> None:         # noqa: N802
        super().resizeEvent(event)
        self._tip()
