"""After each modal dialog the main window opens (File > Open..., Open folder..., Compare with prior ECG..., Open labs
table..., Export PDF report..., Print..., Save record as..., Settings..., Model > Choose model..., Help's keyboard
shortcuts, Where over-reads are kept and About, Forget this record's over-read...) the window is made active again and
the control that had the focus has it again (``views.dialog_focus``, the over-read panel's dialogs' helper too). With
no window manager (Xvfb 1280x800, LUDB 1) nothing else hands the activation back: each of them closed with Escape left
Ctrl+0 and Ctrl+9 dead until a click on the window. The offscreen platform hands it back itself, as a window manager
does, so the test counts the window's activateWindow calls and checks the focus, each dialog cancelled."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

LUDB_1 = resources_dir() / "samples" / "ludb" / "1.hea"
pytestmark = pytest.mark.skipif(not LUDB_1.is_file(), reason="bundled LUDB sample absent")


class _Cancelled:
    """Qt's print dialog, cancelled."""

    def __init__(self, *a, **k):
        pass

    def __getattr__(self, name):
        return lambda *a, **k: None

    def exec(self):
        return QDialog.DialogCode.Rejected


def test_window_active_and_focus_back_after_each_dialog(qtbot, monkeypatch):
    import app.window.printing as printing
    from app.dialogs.export import ExportDialog
    from app.dialogs.shortcuts import ShortcutsDialog
    from app.settings import SettingsDialog

    for name, answer in (("getOpenFileName", ("", "")), ("getSaveFileName", ("", "")), ("getExistingDirectory", "")):
        monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *a, _r=answer, **k: _r))
    for name in ("about", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    for dialog in (ExportDialog, ShortcutsDialog):
        monkeypatch.setattr(dialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    monkeypatch.setattr(SettingsDialog, "open", lambda self: self.reject())       # Escape: finished, rejected
    monkeypatch.setattr(printing, "QPrintDialog", _Cancelled)

    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(LUDB_1)
    window.session.overread.set_comment("kept")         # Forget... asks
    activated = []
    monkeypatch.setattr(window, "activateWindow", lambda: activated.append(1))
    actions = {a.text().replace("&", ""): a for a in window.findChildren(type(window.open_action))}
    names = ["Open record...", "Open folder...", "Compare with prior ECG...", "Open labs table...",
             "Export PDF report...", "Print report...", "Save record as WFDB/EDF+...", "Settings...", "Choose model...",
             "Keyboard shortcuts", "Where over-reads are kept", "About MIRAGE Review",
             "Forget this record's over-read..."]
    for k, name in enumerate(names, 1):
        window.viewer.plot.setFocus()
        assert QApplication.focusWidget() is window.viewer.plot
        actions[name].trigger()
        assert (name, len(activated)) == (name, k)           # the window asked to be active once the dialog had gone
        assert (name, QApplication.focusWidget()) == (name, window.viewer.plot)
    assert window.session.overread.comment == "kept"            # Forget... answered No


def test_window_active_after_the_error_box_and_the_batch_dialog(qtbot, monkeypatch):
    """The unexpected-error box (``run_logging``'s hook, shown with open()) and the batch dialog (not modal; made
    active as it opens: with no window manager Esc went to the window under it), once closed, make the window active
    again (with none, Esc closed neither, and F1 or Ctrl+O after them did nothing until a click)."""
    import sys

    from app.dialogs.batch import BatchDialog
    from app.run_logging import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)         # put back after the test
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(LUDB_1)
    activated = []
    monkeypatch.setattr(window, "activateWindow", lambda: activated.append("window"))

    install_excepthook(lambda: window)
    window.viewer.plot.setFocus()
    sys.excepthook(RuntimeError, RuntimeError("a slot failed"), None)
    box = next(b for b in window.findChildren(QMessageBox) if "a slot failed" in b.text())
    assert box.isVisible() and activated == []
    box.reject()
    assert activated == ["window"]
    assert QApplication.focusWidget() is window.viewer.plot

    monkeypatch.setattr(BatchDialog, "activateWindow", lambda self: activated.append("batch"))
    batch = window.batch_dialog_open()
    assert batch.isVisible() and activated == ["window", "batch"]     # it takes the keys (Esc closes it)
    batch.close()
    assert activated == ["window", "batch", "window"]



def test_window_active_and_focus_back_after_the_median_beats_window(qtbot, monkeypatch):
    """View > Median beats in a window (a window of its own, not a dialog), closed with Esc or Ctrl+W, makes the window
    that opened it active again with the focus where it was: with no window manager (Xvfb 1280x800, PTB-XL muse-sinus
    in the main window) the X focus went to the root window when it closed, and Ctrl+1 after it did nothing until a
    click. A plain window stands for the main window here (built in 0.1 s, the main window in 4 s)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from app.views.median_beats import MedianBeatsWindow

    owner = QWidget()
    qtbot.addWidget(owner)
    field, other = QLineEdit(owner), QLineEdit(owner)
    QVBoxLayout(owner).addWidget(field), owner.layout().addWidget(other)
    activated = []
    monkeypatch.setattr(owner, "activateWindow", lambda: (activated.append(1), QWidget.activateWindow(owner)))
    owner.show()
    for key, mod in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                     (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)):
        owner.activateWindow()
        other.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is other)
        beats = MedianBeatsWindow(owner)
        beats.show()
        beats.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is beats)       # its keys are its own
        before = len(activated)
        qtbot.keyClick(beats, key, mod)
        assert not beats.isVisible()
        assert len(activated) == before + 1, key       # asked to be active once the median beats had gone
        qtbot.waitUntil(lambda: QApplication.focusWidget() is other)
