"""A field's placeholder ("not given", "optional: ...") in a grey that reads (WCAG 2.1 1.4.3, 4.5:1): Qt
draws it in the text colour at half opacity, #7f7f7f on a field's white, 4.0:1."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

PLACEHOLDER_COLOUR = QColor("#6b6b6b")     # 5.3:1 on white


def set_placeholder(edit: QLineEdit | QPlainTextEdit, text: str) -> None:
    """Show ``text`` in the empty ``edit``, in ``PLACEHOLDER_COLOUR``."""
    edit.setPlaceholderText(text)
    palette = edit.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, PLACEHOLDER_COLOUR)
    edit.setPalette(palette)
