"""The Export PDF report dialog: what the report says of the over-read, and optional patient fields.

The reviewer and the comment are the over-read's (``app.views.overread``: Sign... and its comment box), shown here
read-only: the dialog had asked for a reviewer and a comment of its own, printed beside the over-read's, and a PDF
said "Over-read by A" above "Reviewer: B". The patient fields are for a name or ID the file does not hold, or holds
wrong: left empty, the report names whom the file names, and each empty field says so ("from the file: JOHN DOE"),
so that no reviewer types the name again, or wonders whether the PDF will name anyone (``file_info.patient_names``).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from app.dialogs.form_rows import add_row
from app.views.overread import GREEN, RED        # the over-read panel's colours for its status
from app.views.placeholder import set_placeholder
from app.views.focus_ring import FocusRing

# where the over-read is signed and commented, said under its lines
WHERE_SIGNED = ("The report prints the over-read as shown here: sign it and comment under the interpretation "
                "(Sign..., the comment box).")


def overread_text(status: str, comment: str, signed: bool) -> str:
    """The dialog's over-read lines (HTML): ``status`` (``OverRead.status``: who signed and when, or "Not over-read:
    ..."), in red unless ``signed``, the comment the report prints, and where both are made."""
    colour = GREEN if signed else RED
    lines = [f"<b style='color:{colour}'>{html.escape(status)}</b>"]
    if comment:
        lines.append(f"<b>Reviewer's comment</b>: {html.escape(' '.join(comment.split()))}")
    lines.append(f"<small>{html.escape(WHERE_SIGNED)}</small>")
    return "<br>".join(lines)


class ExportDialog(QDialog):
    """The over-read as the report prints it (read-only) and optional patient fields for the PDF report."""

    def __init__(self, parent: QWidget | None = None, file_name: str = "", file_id: str = "", status: str = "",
                 comment: str = "", signed: bool = False):
        """``file_name`` and ``file_id``: whom the record's file names (``file_info.patient_names``; "" where
        it names no one), said in the empty patient fields. ``status``, ``comment``, ``signed``: the record's
        over-read (``OverRead.status`` over the interpretation on screen, its comment, whether signed over it)."""
        super().__init__(parent)
        self.setWindowTitle("Export PDF report")
        self.focus_ring = FocusRing(self)         # the focused control outlined, as in the main window
        form = QFormLayout(self)
        self.overread = QLabel(overread_text(status or "Not over-read", comment, signed))
        self.overread.setTextFormat(Qt.TextFormat.RichText)
        self.overread.setWordWrap(True)
        self.overread.setAccessibleName("Over-read")
        form.addRow(self.overread)
        self.patient_name = QLineEdit()
        self.patient_id = QLineEdit()
        for edit, given in ((self.patient_name, file_name), (self.patient_id, file_id)):
            set_placeholder(edit, f"from the file: {given}" if given else "optional: the file gives none")
            # the placeholder whole: the fields alone set the dialog's width (the over-read's lines wrap)
            edit.setMinimumWidth(min(edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 24, 480))
        add_row(form, "Patient &name", self.patient_name)
        add_row(form, "Patient &ID", self.patient_id)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
