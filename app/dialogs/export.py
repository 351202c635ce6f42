"""The Export PDF report dialog: reviewer, comment and optional patient fields."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPlainTextEdit, QWidget


class ExportDialog(QDialog):
    """Reviewer name, comment and optional patient fields for the PDF report."""

    def __init__(self, reviewer: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export PDF report")
        form = QFormLayout(self)
        self.reviewer = QLineEdit(reviewer)
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("reviewer's comment (printed in the report)")
        self.comment.setTabChangesFocus(True)      # Tab moves on to the patient fields, as in the others
        self.patient_name = QLineEdit()
        self.patient_id = QLineEdit()
        form.addRow("Reviewer", self.reviewer)
        form.addRow("Comment", self.comment)
        form.addRow("Patient name", self.patient_name)
        form.addRow("Patient ID", self.patient_id)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
