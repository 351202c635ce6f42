"""A warning box that asks a question with one safe answer (the default and the Escape key) and others beside it,
its text shown as written (paths are the disk's) and its focused button outlined: the batch dialog's Replace or
Cancel questions, the over-read store's Review store change...."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.views.dialog_focus import dialog_of
from app.views.focus_ring import FocusRing


def warning_box(parent: QWidget | None, title: str) -> QMessageBox:
    """A warning box titled ``title`` whose text is shown as written (paths are the disk's)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.focus_ring = FocusRing(box)          # the focused button outlined, as in the main window
    return box


def ask(box: QMessageBox, safe: str, *others: tuple[str, QMessageBox.ButtonRole]) -> int:
    """Ask ``box`` with the buttons ``others`` ((text, role) each) and ``safe`` (the default and the Escape key);
    the index in ``others`` of the one clicked, -1 for ``safe`` or the box closed otherwise."""
    buttons = [box.addButton(text, role) for text, role in others]
    keep = box.addButton(safe, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    with dialog_of(box.parentWidget() or box):
        box.exec()
    clicked = box.clickedButton()
    return next((i for i, b in enumerate(buttons) if b is clicked), -1)
