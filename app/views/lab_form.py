"""The lab and clinical form: a view of one ``ReviewSession``'s patient values.

Every known feature (``default_schema()``) gets a row: value, unit (from the feature's accepted
units), reference range, source (file / table / user), a flag for out-of-range values, a refusal with a
message at the field for impossible values, and the value's contribution to the model's result.
The form holds no values and no rules of its own: an edit goes to the session
(``ReviewSession.set_value``), which decides (``clinical.entry_status``); the form shows what the
session then holds. A value typed with its unit ("1.2 mg/dL") is the session's 1.2 in mg/dL: the field keeps
the text, the unit box stays (``_with_its_unit``). Opening another record binds the form to a new session, so
nothing typed for one patient can reach the next. Features the model does not use are still recorded (they go into
the report) and marked "not used by this model".

On a narrow window (1024 px with the folder dock open) the value field keeps the width a typed value
needs and the unit box the width its feature's own unit needs (a wider unit chosen is drawn in a
smaller font, whole: ``lab_row.UnitBox``); the reference shows its numbers while the unit box
shows the range's own unit, and its unit too while the box shows another (under the numbers where the
column is narrow: ``lab_row.RangeLabel``), and the From and Contribution columns give way: taken out of the
grid, what they say added to the value field's tooltip, and the caption says where they went (at 1024x700 they had
gone with no word, as if cut off).

The wheel turned over the form scrolls it, over its choice boxes too (sex, the units): a box the reader has
not clicked or tabbed into ignores the wheel, which had set a man's record to "F", and would have read 55
years as 55 months, on the way to the labs below the fold.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QApplication, QComboBox, QGridLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from app.locale_numbers import decimal_comma
from app.views.elided_label import ElidedLabel
from app.views.lab_row import CONTRIBUTION_STYLE, NOT_USED_COLOUR, LabRow, ValueEdit
from mirage_model.clinical import ClinicalError, ClinicalSchema, default_schema, entry_status
from mirage_model.clinical.values import typed_unit
from mirage_model.records.age import AGE_CAPPED_SHOWN, shown_age
from mirage_model.review.labels import changes_said, label_words, model_words
from mirage_model.review.session import READY, STALE, ReviewSession
from mirage_model.words import signed

ERROR_STYLE = "QLineEdit { border: 2px solid #c0392b; background: #fdecea; }"
FLAG_STYLE = "QLineEdit { border: 2px solid #d68910; background: #fef5e7; }"
# a contribution of an earlier run, while the values have changed since or the model runs again: grey and
# in italics, as the probability bars are faded then (the light grey it was, 1.7:1 on the window, could not
# be read: WCAG 2.1 asks 4.5:1 of text)
OUT_OF_DATE_STYLE = "color: #666; font-style: italic"
FLAG_COLOUR = "#8a5a00"         # a value outside its reference range (amber #b9770e was 3.2:1): dark amber
# what a contribution is (``review.scoring.clinical_contributions``): "change in probability when the value is
# masked" had read the other way round, a 6-year-old's age that took MI from 69 % to 2 % shown "MI -0.669"
CONTRIBUTION_MEANS = "probability with the value minus with it masked as missing (+: the value raised it)"
GIVE_WAY = 4          # the first of the columns that give way (From, Contribution) in the form's grid
# the caption's words while From and Contribution give way: they had gone with no word, as if cut off (1024x700)
GAVE_WAY = "From and Contribution: hover a value (the window is too narrow for their columns)."


class LabForm(QWidget):
    """Clinical/lab values of a session. ``changed`` fires after an edit reached the session."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: dict[str, LabRow] = {}
        self._typed_in: dict[QWidget, str] = {}     # a text field -> its feature (Esc asks which row)
        self.model_schema: ClinicalSchema | None = None
        self.session = ReviewSession()           # detached until the window binds a record's session
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        outer.addWidget(self.caption)
        # the labs table the window has open: the row the values came from, or that it has none for this record
        # (``ReviewSession.labs_table``); nothing while no table is open
        self.table_line = QLabel("")
        self.table_line.setWordWrap(True)
        self.table_line.setTextFormat(Qt.TextFormat.PlainText)
        self.table_line.setVisible(False)
        outer.addWidget(self.table_line)
        # what the values' source said of them: a labs row that differs from the record's header
        # (``ReviewSession.labs_notes``: maybe another patient's row), above the values it gave
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet("color: #c0392b; font-weight: bold")
        self.warning.setVisible(False)
        outer.addWidget(self.warning)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QScrollArea.Shape.NoFrame)     # the tab's own frame is around it
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # its fields take the focus (and scroll it into view)
        self.tab_after: QWidget | None = None    # the window's widget before the form's fields in the Tab order
        outer.addWidget(self._scroll, 1)
        self._scroll.viewport().installEventFilter(self)      # its width decides which columns show
        self._heads: list[QLabel] = []
        self._columns_shown: bool | None = None
        self._loading_model = False
        self.set_schema(None)

    # -------------------------------------------------------------- building
    def set_session(self, session: ReviewSession) -> None:
        """Show ``session`` (and only it): rows for its model's schema, its values, its results."""
        self.session = session
        self.set_schema(session.schema)

    def set_loading_model(self, loading: bool) -> None:
        """While a model loads the caption says so (not "no model")."""
        self._loading_model = loading
        self._caption()

    def set_schema(self, model_schema: ClinicalSchema | None) -> None:
        """Rebuild the rows: the model's features first (in its order), then the other known ones,
        filled from the session."""
        self.model_schema = model_schema
        used_names = list(model_schema.names) if model_schema is not None else []
        features = list(model_schema.features) if model_schema is not None else []
        for f in default_schema().features:
            if f.name not in used_names:
                features.append(f)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(2, 4, 2, 4)
        grid.setHorizontalSpacing(4)
        self._heads = []
        for col, (head, tip) in enumerate((
                ("Feature", ""), ("Value", ""), ("Unit", ""),
                ("Reference", "reference range, in the unit beside it unless it names its own"),
                ("From", "where the value came from: the record's file, a labs table, or typed here"),
                ("Contribution", CONTRIBUTION_MEANS))):
            if head == "Reference":      # as narrow as its numbers ("45-110"): cut ("Refer..."), whole on hover
                label = ElidedLabel(head, least="Ref\N{HORIZONTAL ELLIPSIS}")
                font = label.font()
                font.setBold(True)
                label.setFont(font)
                label.set_tip(tip)
            else:
                label = QLabel(f"<b>{head}</b>")
                label.setToolTip(tip)
            self._heads.append(label)
            grid.addWidget(label, 0, col)
        self._rows = {}
        self._typed_in = {}
        r = 1
        for f in features:
            row = LabRow(f, f.name in used_names, model_schema is not None)
            self._rows[f.name] = row
            grid.addWidget(row.name_label, r, 0)
            grid.addWidget(row.editor, r, 1)
            if row.unit is not None:
                grid.addWidget(row.unit, r, 2)
            grid.addWidget(row.reference, r, 3)
            grid.addWidget(row.source, r, 4)
            grid.addWidget(row.contribution, r, 5)
            grid.addWidget(row.message, r + 1, 1, 1, 5)
            for box in (row.editor, row.unit):
                if isinstance(box, QComboBox):       # the wheel only once it is clicked or tabbed into
                    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                    box.installEventFilter(self)
            if isinstance(row.editor, QComboBox):
                row.editor.currentIndexChanged.connect(lambda _i, n=f.name: self._edited(n))
            else:
                row.editor.installEventFilter(self)      # Esc drops a value being typed
                self._typed_in[row.editor] = f.name
                row.editor.editingFinished.connect(lambda n=f.name: self._edited(n))
                row.editor.textChanged.connect(lambda _t, n=f.name: self._validate(n))
                row.unit.currentIndexChanged.connect(lambda _i, n=f.name: self._edited(n))
                row.unit.currentIndexChanged.connect(lambda _i, rw=row: rw.show_reference())
            r += 2
        grid.setRowStretch(r, 1)
        self._scroll.setWidget(body)
        self._columns_shown = None
        self._fit_columns()
        self.chain_tab_order()
        self._caption()
        self.refresh()

    def eventFilter(self, obj, event) -> bool:      # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize and obj is self._scroll.viewport():
            self._fit_columns()
        if isinstance(obj, ValueEdit) and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) \
                and event.key() == Qt.Key.Key_Escape and (name := self._typing(obj)) is not None:
            # Esc while a value is being typed drops it, as a table's cell editor does: the window's Esc
            # ("Cancelled.") left the 99 typed over a file's age 43 in the field, and leaving the field used it
            if event.type() == QEvent.Type.KeyPress:
                self._show_row(name)     # the session's value back (what was typed is not used)
            event.accept()
            return True
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QComboBox) and not obj.hasFocus():
            # passing over a box on the way down the form: scroll the form, leave the value
            QApplication.sendEvent(self._scroll.verticalScrollBar(), event)
            return True
        return super().eventFilter(obj, event)

    def _typing(self, editor) -> str | None:
        """The feature whose field ``editor`` is, where its text is not the session's (typed, not yet
        committed); None where it is."""
        name = self._typed_in.get(editor)
        if name is None:
            return None
        v = self.session.values.get(name)
        text = editor.text().strip()
        return name if text != ("" if v is None else v.text) and not self._with_its_unit(name, text, v) else None

    def _with_its_unit(self, name: str, text: str, v) -> bool:
        """Whether ``text`` is the session's value ``v`` typed with its unit ("1.2 mg/dL", which the session
        keeps as 1.2 in mg/dL). Such a field is left as typed: its unit, not the box's, is the value's, and
        undoing the text gives a text the box's unit fits again (the box had never moved)."""
        if v is None or not text:
            return False
        row = self._rows[name]
        try:
            number, unit = typed_unit(row.feature, text)
        except ClinicalError:
            return False
        return unit is not None and number == v.text and unit == (v.unit or row.feature.unit)

    def columns_shown(self) -> bool:
        """Whether the From and Contribution columns are shown (False: they gave way)."""
        return bool(self._columns_shown)

    def _fit_columns(self) -> None:
        """Show the From and Contribution columns only where the viewport has room for them beside
        the feature, value, unit and reference at their least (their headers whole): a 1024 px
        window with the folder dock open put the reference behind a horizontal scroll bar."""
        body = self._scroll.widget()
        if body is None or not self._rows:
            return
        grid = body.layout()
        m = grid.contentsMargins()
        least = [max(self._least(w) for w in self._column(c)) for c in range(len(self._heads))]
        core = sum(least[:GIVE_WAY]) + grid.horizontalSpacing() * (GIVE_WAY - 1) + m.left() + m.right()
        extra = sum(h.sizeHint().width() + grid.horizontalSpacing() for h in self._heads[GIVE_WAY:])
        shown = self._scroll.viewport().width() >= core + extra
        if shown == self._columns_shown:
            return
        self._columns_shown = shown
        self._caption()           # the caption says where the columns' words went while they give way
        # taken out of the grid, not only hidden: a hidden column's spacing would still count
        for c in range(GIVE_WAY, len(self._heads)):
            for r, w in enumerate(self._column(c)):
                if shown:
                    grid.addWidget(w, 2 * r - 1 if r else 0, c)
                else:
                    grid.removeWidget(w)
                w.setVisible(shown)
        for k, row in enumerate(self._rows.values()):
            row.show_tip(shown)
            grid.removeWidget(row.message)            # under the columns shown (its span keeps them apart)
            grid.addWidget(row.message, 2 * k + 2, 1, 1, len(self._heads) - 1 if shown else GIVE_WAY - 1)

    def _column(self, c: int) -> list[QWidget]:
        """The header and every row's widget of column ``c``."""
        cells = [self._heads[c]]
        for row in self._rows.values():
            cell = (row.name_label, row.editor, row.unit, row.reference, row.source, row.contribution)[c]
            if cell is not None:
                cells.append(cell)
        return cells

    @staticmethod
    def _least(w: QWidget) -> int:
        return max(w.minimumSizeHint().width(), w.minimumWidth())

    def chain_tab_order(self) -> None:
        """Tab walks the rows in order (value, unit, next row) from ``tab_after`` (the widget before
        the form in the window's order), wherever the window puts the form (fields made for a new
        schema would otherwise join the chain elsewhere)."""
        prev = self.tab_after
        if prev is None:
            return
        for row in self._rows.values():
            for w in (row.editor, row.unit):
                if w is not None:
                    QWidget.setTabOrder(prev, w)
                    prev = w

    def _caption(self) -> None:
        used = self.model_schema.names if self.model_schema is not None else []
        if self.model_schema is None:
            text = ("Loading the model: values are recorded now and used once it is loaded." if self._loading_model
                    else "No model loaded: values are recorded for the report only.")
        elif not used:
            text = "This model uses no clinical values; they are recorded for the report. * = not used by this model."
        else:
            text = ("* = not used by this model (recorded for the report). Orange: outside the reference range. "
                    "Red: impossible value, not used. Contribution: probability with the value minus with it masked.")
        self.caption.setText(text + ("" if self._columns_shown is not False else " " + GAVE_WAY))

    def refresh(self) -> None:
        """Show the session's values, sources, refusals and contributions in every row."""
        self._show_labs_notes()
        for name in self._rows:
            self._show_row(name)
        self.show_contributions()     # and each row's tooltip with them

    def _show_row(self, name: str) -> None:
        """Show the session's value of ``name`` in its row: the text, unit, source, and its refusal or
        "not used by this model" note."""
        row = self._rows[name]
        v = self.session.values.get(name)
        if v is None:
            self._set_raw(name, "", None)
        elif row.unit is not None and self._with_its_unit(name, row.editor.text().strip(), v):
            self._validate(name)             # "1.2 mg/dL" stays as typed, its undo with it
        else:
            self._set_raw(name, v.text, v.unit if row.unit is not None else None)
        row.source.setText("" if v is None else v.source)
        if v is not None and not v.accepted:
            self._show_status(row, "error", v.message)
        else:
            self._mark_unused(row, v)
            meta = getattr(self.session.record, "meta", None)
            if v is not None and v.name == "age" and shown_age(v.canonical, meta) == AGE_CAPPED_SHOWN:
                # an anonymised file's 90 for 90 or older (the patient line's "Age: ≥90"), over the 90 the model reads
                said = f"{AGE_CAPPED_SHOWN}: the file's age is 90 or older (HIPAA Safe Harbor), read as 90"
                alone = not row.message.isVisibleTo(self)
                row.message.setText(said if alone else f"{row.message.text()}; {said}")
                if alone:
                    row.message.setStyleSheet(f"color: {NOT_USED_COLOUR}")
                row.message.setVisible(True)

    def show_contributions(self) -> None:
        """Each row's contribution to the session's result; faded, and said out of date in its tooltip,
        while the values have changed since that result or the model runs again (as the bars are)."""
        contributions = self.session.contributions or {}
        labels = getattr(self.session.prediction, "labels", ())
        words = model_words(self.session.prediction)    # the bars' and the PDF's: "ABQRS": "Abnormal QRS"
        state = self.session.state["contributions"]
        why = ("" if state == READY else self.session.errors.get("contributions", "") if state == STALE
               else "the model is running again")
        for name, row in self._rows.items():
            delta = contributions.get(name)
            if delta is not None and len(labels):
                k = max(range(len(delta)), key=lambda i: abs(float(delta[i])))
                # the label and its number first: a narrow column cuts the words before them
                said = label_words(labels[k], words)
                row.contribution.setText(f"{labels[k]} {signed(delta[k])}" + (f" ({said})" if said else ""))
                row.contribution.set_tip((f"out of date ({why}): " if why else "") + CONTRIBUTION_MEANS + ": "
                                         + changes_said(delta, labels, words))
            else:
                row.contribution.setText("")
                row.contribution.set_tip("")
            row.contribution.setStyleSheet(OUT_OF_DATE_STYLE if why else CONTRIBUTION_STYLE)
            row.show_tip(self.columns_shown())

    def _show_labs_notes(self) -> None:
        """The session's ``labs_notes`` (a labs row that differs from the header, its bad cells left out) and
        its ``labs_table`` line above the values."""
        notes = tuple(getattr(self.session, "labs_notes", ()) or ())
        self.warning.setText("\n".join(f"Warning: {n}." for n in notes))
        self.warning.setVisible(bool(notes))
        table = getattr(self.session, "labs_table", "")
        self.table_line.setText(f"Labs table: {table}." if table else "")
        self.table_line.setVisible(bool(table))

    def _mark_unused(self, row: LabRow, v) -> None:
        """A given value the model does not read says so, beside its flag (never instead of it: a
        troponin 4x the limit said only "not used")."""
        if row.used or v is None or not v.accepted or self.model_schema is None:
            return
        flagged = row.status in ("low", "high", "held")
        row.message.setText(f"{row.message.text()}; not used by this model" if flagged
                            else "not used by this model")
        row.message.setStyleSheet(f"color: {FLAG_COLOUR if flagged else NOT_USED_COLOUR}")
        row.message.setVisible(True)

    # -------------------------------------------------------------- values
    def features(self) -> list[str]:
        return list(self._rows)

    def is_used(self, name: str) -> bool:
        return self._rows[name].used

    def editor(self, name: str):
        return self._rows[name].editor

    def unit_box(self, name: str) -> QComboBox | None:
        return self._rows[name].unit

    def status(self, name: str) -> str:
        return self._rows[name].status

    def message(self, name: str) -> str:
        return self._rows[name].message.text()

    def raw_values(self) -> dict[str, tuple[str, str | None]]:
        """What the fields show: name -> (text, unit)."""
        out = {}
        for name, row in getattr(self, "_rows", {}).items():
            text = row.editor.currentText() if isinstance(row.editor, QComboBox) else row.editor.text()
            if text.strip():
                out[name] = (text.strip(), row.unit.currentText() if row.unit is not None else None)
        return out

    def _set_raw(self, name: str, value, unit: str | None) -> None:
        row = self._rows[name]
        row.editor.blockSignals(True)
        if isinstance(row.editor, QComboBox):
            row.editor.setCurrentText(str(value))
        else:
            text = "" if value is None else str(value)
            if row.editor.text() != text:       # setText forgets the field's undo: Ctrl+Z after a re-run
                row.editor.setText(text)
            if row.unit is not None:
                i = row.unit.findText(unit) if unit else 0
                if i >= 0:
                    row.unit.blockSignals(True)
                    row.unit.setCurrentIndex(i)
                    row.unit.blockSignals(False)
                row.show_reference()
        row.editor.blockSignals(False)
        self._validate(name)

    def set_value(self, name: str, value, unit: str | None = None, emit: bool = True) -> None:
        """Type ``value`` (in ``unit``; None: the canonical one) into a field, as the user would."""
        if name not in self._rows:
            raise KeyError(f"unknown clinical feature {name!r}")
        if isinstance(value, float):
            value = f"{value:g}"
        self._set_raw(name, "" if value is None else value, unit)
        self._commit(name, emit)

    def values(self) -> dict[str, object]:
        """Accepted values (canonical unit): name -> (value, unit), or "M"/"F" for sex."""
        out = {}
        for name, v in self.session.values.items():
            if not v.accepted:
                continue
            feat = self.session.feature(name)
            out[name] = v.model_value() if feat.kind == "binary" else (v.canonical, feat.unit)
        return out

    def report_values(self) -> dict[str, object]:
        """All accepted values for the report (used and unused alike)."""
        return self.values()

    def errors(self) -> dict[str, str]:
        return {n: v.message for n, v in self.session.values.items() if not v.accepted}

    def clear(self) -> None:
        for name in list(self._rows):
            self._set_raw(name, "", None)

    # -------------------------------------------------------------- validation (the library decides)
    def _show_status(self, row: LabRow, status: str, message: str) -> None:
        style = {"error": ERROR_STYLE, "low": FLAG_STYLE, "high": FLAG_STYLE, "held": FLAG_STYLE}.get(status, "")
        row.status = status
        if isinstance(row.editor, QLineEdit):
            row.editor.setStyleSheet(style)
            row.message_tip = message
            row.show_tip(self.columns_shown())
        row.message.setText(message)
        row.message.setStyleSheet("color: #c0392b" if status == "error" else f"color: {FLAG_COLOUR}")
        row.message.setVisible(bool(message))

    def _validate(self, name: str) -> str:
        """Live feedback while typing (``clinical.entry_status`` decides, as the session will)."""
        row = self._rows[name]
        text = row.editor.currentText() if isinstance(row.editor, QComboBox) else row.editor.text()
        unit = row.unit.currentText() if row.unit is not None else None
        message, status = "", "empty"
        if text.strip():
            try:
                # a file's or labs table's value is shown with a decimal point: only typing is read by locale
                comma = decimal_comma() and self.session.source(name) not in ("file", "table")
                canonical, status, message = entry_status(row.feature, text.strip(), unit, comma)
            except ClinicalError as err:
                status = "error"
                message = str(err).split(": ", 1)[-1]
            else:
                # beyond the model's training data, read at its edge ("used as 210 kg"): flagged in
                # colour as a value outside its reference range is, not only said in words
                if status == "ok" and row.feature.training_note(canonical):
                    status = "held"
        self._show_status(row, status, message)
        return status

    def _commit(self, name: str, emit: bool = True) -> None:
        row = self._rows[name]
        text = row.editor.currentText() if isinstance(row.editor, QComboBox) else row.editor.text()
        unit = row.unit.currentText() if row.unit is not None else None
        current = self.session.values.get(name)
        same_unit = row.unit is None or (current is not None and (current.unit or row.feature.unit) == unit)
        if current is not None and (current.text == text.strip() and same_unit
                                    or self._with_its_unit(name, text.strip(), current)):
            return          # nothing changed (e.g. focus left a prefilled field)
        # "1.2 mg/dL" typed: read in mg/dL whatever the box says, as if chosen there; the message says so
        self.session.set_value(name, text, unit if row.unit is not None and unit != row.feature.unit else None,
                               decimal_comma=decimal_comma())     # "12.500" there is 12500
        self._validate(name)
        v = self.session.values.get(name)
        self._mark_unused(row, v)     # no model run follows (it does not read it) to refresh the form
        row.source.setText("" if v is None else v.source)
        self.show_contributions()     # out of date now, if the model reads it
        self._show_labs_notes()       # a corrected age or sex may leave the labs row's note nothing to say
        if emit:
            self.changed.emit()

    def _edited(self, name: str) -> None:
        self._commit(name)
