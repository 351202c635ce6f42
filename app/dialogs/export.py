"""The Export PDF report dialog: reviewer, comment and optional patient fields.

The patient fields are for a name or ID the file does not hold, or holds wrong: left empty, the report names
whom the file names, and each empty field says so ("from the file: JOHN DOE"), so that no reviewer types the
name again, or wonders whether the PDF will name anyone (``file_info.patient_names``)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPlainTextEdit, QWidget

from app.dialogs.form_rows import add_row
from app.views.placeholder import set_placeholder
from app.views.focus_ring import FocusRing


class ExportDialog(QDialog):
    """Reviewer name, comment and optional patient fields for the PDF report."""

    def __init__(self, reviewer: str = "", parent: QWidget | None = None, file_name: str = "", file_id: str = ""):
        """``file_name`` and ``file_id``: whom the record's file names (``file_info.patient_names``; "" where
        it names no one), said in the empty patient fields."""
        super().__init__(parent)
        self.setWindowTitle("Export PDF report")
        self.focus_ring = FocusRing(self)         # the focused control outlined, as in the main window
        form = QFormLayout(self)
        self.reviewer = QLineEdit(reviewer)
        self.comment = QPlainTextEdit()
        set_placeholder(self.comment, "reviewer's comment (printed in the report)")
        self.comment.setTabChangesFocus(True)      # Tab moves on to the patient fields, as in the others
        self.patient_name = QLineEdit()
        self.patient_id = QLineEdit()
        for edit, given in ((self.patient_name, file_name), (self.patient_id, file_id)):
            set_placeholder(edit, f"from the file: {given}" if given else "optional: the file gives none")
        add_row(form, "&Reviewer", self.reviewer)
        add_row(form, "&Comment", self.comment)
        add_row(form, "Patient &name", self.patient_name)
        add_row(form, "Patient &ID", self.patient_id)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
