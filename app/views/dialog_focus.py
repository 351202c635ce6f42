"""The window made active again after one of its modal dialogs, the focus given back where it was.

With no window manager (Xvfb, a kiosk session) nothing hands the activation back when a modal dialog closes: the
window had none, and its keys went nowhere until a click on it (Xvfb 1280x800, LUDB 1: after File > Open...,
Open folder..., Export PDF report..., Settings..., Print..., Save record as..., Compare with prior ECG..., the
keyboard shortcuts (F1) or About, each closed with Escape, Ctrl+0 and Ctrl+9 did nothing; the over-read panel's
Strike..., Sign... and Add statement... the same). A window manager does it itself; doing it again is harmless.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget


def back_from_dialog(owner: QWidget, widget: QWidget | None = None) -> None:
    """``owner``'s window made active again after a dialog of it closed, ``widget`` (the control that had the focus,
    or the one that opened the dialog) given the focus where it is still shown."""
    owner.window().activateWindow()
    if widget is not None and shiboken6.isValid(widget) and widget.isVisible():
        widget.setFocus(Qt.FocusReason.OtherFocusReason)


@contextmanager
def dialog_of(owner: QWidget, opener: QWidget | None = None) -> Iterator[None]:
    """Around a modal dialog of ``owner`` (``exec``, ``QFileDialog.getOpenFileName``, ``QMessageBox.question``...):
    once it has closed, accepted, cancelled or failed, ``back_from_dialog`` with the control of ``owner``'s window
    that had the focus before it, else ``opener``."""
    before = QApplication.focusWidget()
    if before is not None and before.window() is not owner.window():
        before = None           # the focus was in another window (a dialog over this one): not this one's
    try:
        yield
    finally:
        back_from_dialog(owner, before or opener)


def back_when_closed(dialog, opener: QWidget | None = None) -> None:
    """``dialog_of`` for a dialog shown with ``open()`` (no nested loop: Settings..., the print preview): when it
    finishes, its parent's window made active again and the focus given back to what had it before."""
    owner = dialog.parentWidget()
    before = QApplication.focusWidget()
    before = before if before is not None and before.window() is owner.window() else opener
    dialog.finished.connect(lambda *_: back_from_dialog(owner, before))
