"""The lab and clinical form, built from the loaded model's ``ClinicalSchema``.

Every known feature (``default_schema()``) gets a row: value, unit (from the feature's accepted
units), reference range, a flag for out-of-range values, and a refusal with a message at the field
for impossible values (``ClinicalFeature.to_canonical`` decides; the form has no rules of its own).
Features the model does not use are still recorded (they go into the report) and marked so.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget,
)

from mirage_model.clinical import ClinicalError, ClinicalSchema, default_schema

ERROR_STYLE = "QLineEdit { border: 2px solid #c0392b; background: #fdecea; }"
FLAG_STYLE = "QLineEdit { border: 2px solid #d68910; background: #fef5e7; }"


class _Row:
    def __init__(self, feature, used: bool):
        self.feature = feature
        self.used = used
        self.name_label = QLabel(feature.label + ("" if used else " *"))
        if not used:
            self.name_label.setToolTip("not used by this model; recorded for the report")
            self.name_label.setStyleSheet("color: #777")
        if feature.kind == "binary":
            self.editor = QComboBox()
            self.editor.addItems(["", "M", "F"])
            self.unit = None
        else:
            self.editor = QLineEdit()
            self.editor.setPlaceholderText("not given")
            self.editor.setClearButtonEnabled(True)
            self.unit = QComboBox()
            units = [feature.unit] + [u for u in feature.units if u != feature.unit]
            self.unit.addItems([u for u in units if u])
            self.unit.setMinimumContentsLength(6)
        self.reference = QLabel(feature.reference_text())
        self.reference.setStyleSheet("color: #555")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")
        self.message.setVisible(False)
        self.status: str = "empty"          # empty | ok | low | high | error
        self.prefilled = False


class LabForm(QWidget):
    """Clinical/lab values. ``changed`` fires on every accepted edit (the window debounces it)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: dict[str, _Row] = {}
        self.model_schema: ClinicalSchema | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        outer.addWidget(self.caption)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        outer.addWidget(self._scroll, 1)
        self.set_schema(None)

    # -------------------------------------------------------------- building
    def set_schema(self, model_schema: ClinicalSchema | None) -> None:
        """Rebuild the rows: the model's features first (in its order), then the other known ones.

        Values already typed in are kept where the feature still exists.
        """
        old = self.raw_values()
        self.model_schema = model_schema
        used_names = list(model_schema.names) if model_schema is not None else []
        features = list(model_schema.features) if model_schema is not None else []
        for f in default_schema().features:
            if f.name not in used_names:
                features.append(f)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(6)
        for col, head in enumerate(("Feature", "Value", "Unit", "Reference")):
            label = QLabel(f"<b>{head}</b>")
            grid.addWidget(label, 0, col)
        self._rows = {}
        r = 1
        for f in features:
            row = _Row(f, f.name in used_names)
            self._rows[f.name] = row
            grid.addWidget(row.name_label, r, 0)
            grid.addWidget(row.editor, r, 1)
            if row.unit is not None:
                grid.addWidget(row.unit, r, 2)
            grid.addWidget(row.reference, r, 3)
            grid.addWidget(row.message, r + 1, 1, 1, 3)
            if isinstance(row.editor, QComboBox):
                row.editor.currentIndexChanged.connect(lambda _i, n=f.name: self._edited(n))
            else:
                row.editor.editingFinished.connect(lambda n=f.name: self._edited(n))
                row.editor.textChanged.connect(lambda _t, n=f.name: self._validate(n))
                row.unit.currentIndexChanged.connect(lambda _i, n=f.name: self._edited(n))
            r += 2
        grid.setRowStretch(r, 1)
        self._scroll.setWidget(body)
        if model_schema is None:
            self.caption.setText("No model loaded: values are recorded for the report only.")
        elif not used_names:
            self.caption.setText("This model uses no clinical values; they are recorded for the report. "
                                 "* = not used by the model.")
        else:
            self.caption.setText("* = not used by this model (recorded for the report). "
                                 "Orange: outside the reference range. Red: impossible value, not used.")
        for name, (value, unit) in old.items():
            if name in self._rows:
                self._set_raw(name, value, unit)

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
            row.editor.setText("" if value is None else str(value))
            if unit and row.unit is not None:
                i = row.unit.findText(unit)
                if i >= 0:
                    row.unit.blockSignals(True)
                    row.unit.setCurrentIndex(i)
                    row.unit.blockSignals(False)
        row.editor.blockSignals(False)
        self._validate(name)

    def set_value(self, name: str, value, unit: str | None = None, emit: bool = True) -> None:
        """Type ``value`` (in ``unit``; None: the canonical one) into a field, as the user would."""
        if name not in self._rows:
            raise KeyError(f"unknown clinical feature {name!r}")
        if isinstance(value, float):
            value = f"{value:g}"
        self._set_raw(name, "" if value is None else value, unit)
        self._rows[name].prefilled = False
        if emit:
            self.changed.emit()

    def prefill(self, record) -> None:
        """Age and sex from the record (only into empty or previously prefilled fields)."""
        for name, value in (("age", getattr(record, "age", None)), ("sex", getattr(record, "sex", None))):
            if name not in self._rows:
                continue
            row = self._rows[name]
            current = self.raw_values().get(name)
            if current is not None and not row.prefilled:
                continue
            if isinstance(value, float) and value == int(value):
                value = int(value)
            self._set_raw(name, "" if value is None else value, None if name == "sex" else row.feature.unit)
            row.prefilled = True

    def values(self) -> dict[str, object]:
        """Accepted values: name -> (value, unit) or "M"/"F" for sex. Impossible ones are left out."""
        out = {}
        for name, (text, unit) in self.raw_values().items():
            if self._rows[name].status == "error":
                continue
            # a censored result ("<3") counts as its limit, as ClinicalFeature.to_canonical reads it
            out[name] = text if unit is None else (float(text.strip().lstrip("<>≤≥=").strip()), unit)
        return out

    def report_values(self) -> dict[str, object]:
        """All accepted values for the report (used and unused alike)."""
        return self.values()

    def errors(self) -> dict[str, str]:
        return {n: r.message.text() for n, r in self._rows.items() if r.status == "error"}

    def clear(self) -> None:
        for name in list(self._rows):
            self._set_raw(name, "", None)
            self._rows[name].prefilled = False

    # -------------------------------------------------------------- validation
    def _validate(self, name: str) -> str:
        row = self._rows[name]
        text = row.editor.currentText() if isinstance(row.editor, QComboBox) else row.editor.text()
        unit = row.unit.currentText() if row.unit is not None else None
        style, message, status = "", "", "empty"
        if text.strip():
            try:
                flag = row.feature.flag(text.strip(), unit)
                status = flag or "ok"
                if flag:
                    style = FLAG_STYLE
                    message = f"{flag} (reference {row.feature.reference_text()})"
            except ClinicalError as err:
                status, style = "error", ERROR_STYLE
                message = str(err).split(": ", 1)[-1]
        row.status = status
        if isinstance(row.editor, QLineEdit):
            row.editor.setStyleSheet(style)
            row.editor.setToolTip(message)
        row.message.setText(message)
        row.message.setStyleSheet("color: #c0392b" if status == "error" else "color: #b9770e")
        row.message.setVisible(bool(message))
        return status

    def _edited(self, name: str) -> None:
        self._validate(name)
        self._rows[name].prefilled = False
        self.changed.emit()
