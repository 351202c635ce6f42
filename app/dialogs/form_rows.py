"""A dialog's form rows for the keyboard and a screen reader (WCAG 2.1 2.1.1 and 4.1.2): each label
carries an underlined letter (Alt+letter moves to its field) and names its field, which a row whose field
is a box with a Browse button beside it (a layout, no widget to be a label's buddy) had left nameless."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLayout, QWidget


def add_row(form: QFormLayout, text: str, field: QWidget | QLayout, buddy: QWidget | None = None) -> QLabel:
    """Add the row ``text`` (with its ``&`` letter) | ``field`` to ``form``; ``buddy`` (``field`` when it is
    a widget) is reached by the letter and named by the text. Returns the label."""
    label = QLabel(text)
    buddy = buddy if buddy is not None else field
    label.setBuddy(buddy)
    buddy.setAccessibleName(text.replace("&", ""))
    form.addRow(label, field)
    return label
