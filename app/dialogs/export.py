"""The Export PDF report dialog: reviewer, comment and optional patient fields."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPlainTextEdit, QWidget

from app.dialogs.form_rows import add_row
from app.views.placeholder import set_placeholder
from app.views.focus_ring import FocusRing


class ExportDialog(QDialog):
    """Reviewer name, comment and optional patient fields for the PDF report."""

    def __init__(self, reviewer: str = "", parent: QWidget | None = None):
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
        add_row(form, "&Reviewer", self.reviewer)
        add_row(form, "&Comment", self.comment)
        add_row(form, "Patient &name", self.patient_name)
        add_row(form, "Patient &ID", self.patient_id)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
