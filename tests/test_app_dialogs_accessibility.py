"""The dialogs for every reader, as session 39 made the main window: what a screen reader says of each
control (WCAG 2.1 4.1.2), the focus seen (2.4.7), the keyboard alone (2.1.1: Esc closes, Enter accepts,
Alt+letter reaches a field by its label's underlined letter). Walked: Settings, Export PDF report, Batch
score folder, Keyboard shortcuts, Print preview and the batch's "Replace?" question. Truth: Qt's accessibility interface
(what an AT-SPI or UI Automation client is handed), key events sent with QTest, and the dialogs' grabbed
pixels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QRect, Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QFormLayout, QLabel, QLineEdit, QWidget,
)

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture
from test_app_accessibility import focus_ring_pixels, image_rgb  # noqa: E402
from test_app_print_preview import blank_preview  # noqa: E402


def _dialogs(qtbot, tmp_path) -> dict:
    """Each dialog, shown at its own size."""
    from PySide6.QtWidgets import QMenuBar

    from app.dialogs.batch import BatchDialog
    from app.dialogs.export import ExportDialog
    from app.dialogs.shortcuts import ShortcutsDialog
    from app.settings import Settings, SettingsDialog

    menubar = QMenuBar()
    menubar.addMenu("&File").addAction("Open").setShortcut("Ctrl+O")
    out = {"settings": SettingsDialog(Settings()), "export": ExportDialog(status="Not over-read"),
           "batch": BatchDialog(folder=str(tmp_path)), "shortcuts": ShortcutsDialog(menubar)}
    for dlg in out.values():
        qtbot.addWidget(dlg)
        dlg.show()
    qtbot.addWidget(menubar)
    qtbot.wait(20)
    return out


def tab_stops(dialog) -> list[QWidget]:
    """The controls Tab reaches, in order (a spin box's own line edit is the box)."""
    stops = []
    w = dialog.nextInFocusChain()
    while w is not dialog and w not in stops:
        if ((w.focusPolicy() & Qt.FocusPolicy.TabFocus) == Qt.FocusPolicy.TabFocus and w.isVisibleTo(dialog)
                and w.isEnabled() and not isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox))):
            stops.append(w)
        w = w.nextInFocusChain()
    return stops


def said_as(w: QWidget) -> str:
    """What a screen reader says a control is: the label its accessible interface is labelled by (a form
    label whose buddy it is: how Linux's AT-SPI names a combo box, whose name there is its value) and its
    name, "Device: auto"."""
    from PySide6.QtGui import QAccessible

    iface = QAccessible.queryAccessibleInterface(w)
    if iface is None:
        return ""
    labels = [other.text(QAccessible.Text.Name).strip() for other, _ in iface.relations(QAccessible.Relation.Label)]
    name = iface.text(QAccessible.Text.Name).strip()
    return ": ".join(t for t in dict.fromkeys((*labels, name)) if t)      # a name its label repeats: once


def badly_named(dialog) -> list[str]:
    """The dialog's tab stops a screen reader cannot tell apart by name: none ("edit"), only their value
    ("auto, combo box", the value and not what it is), or another control's ("Browse..." four times)."""
    stops = tab_stops(dialog)
    names = [said_as(w) for w in stops]
    out = []
    for w, name in zip(stops, names):
        value = w.currentText() if isinstance(w, QComboBox) else w.text() if isinstance(w, QLineEdit) else None
        if not name or (value and name == value) or names.count(name) > 1:
            out.append(f"{type(w).__name__} {name!r}")
    return out


def test_every_control_of_every_dialog_is_named(qtbot, tmp_path):
    """Before: Settings' model folder was said as nothing (its label's field is a row with a Browse button:
    no buddy); the batch dialog's four fields (the same) and its results table as nothing and its four
    buttons all "Browse..."; the shortcuts list as nothing: 11 of 29 stops."""
    bad = {name: badly_named(dlg) for name, dlg in _dialogs(qtbot, tmp_path).items()}
    assert sum(len(tab_stops(d)) for d in QApplication.topLevelWidgets() if d.isVisible()) > 25
    assert bad == {"settings": [], "export": [], "batch": [], "shortcuts": []}


def test_every_form_field_has_an_underlined_letter_that_reaches_it(qtbot, tmp_path):
    """Alt+letter of each form label moves the focus to its field (no mnemonic before: reachable only by
    Tab); the letters of one dialog differ."""
    from PySide6.QtCore import QCoreApplication

    for name, dlg in _dialogs(qtbot, tmp_path).items():
        letters = []
        for form in dlg.findChildren(QFormLayout):
            for row in range(form.rowCount()):
                label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                label = label.widget() if label is not None else None
                if not isinstance(label, QLabel) or not label.text():
                    continue
                text = label.text()
                assert "&" in text and label.buddy() is not None, (name, text)
                letter = text[text.index("&") + 1].upper()
                letters.append(letter)
                dlg.activateWindow()
                qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=2000)
                dlg.setFocus()
                qtbot.keyClick(dlg, getattr(Qt.Key, f"Key_{letter}"), Qt.KeyboardModifier.AltModifier)
                QCoreApplication.processEvents()
                assert QApplication.focusWidget() is label.buddy(), (name, text, QApplication.focusWidget())
        assert len(letters) == len(set(letters)), (name, letters)


def test_esc_closes_and_enter_accepts(qtbot, tmp_path):
    from PySide6.QtWidgets import QDialog

    dialogs = _dialogs(qtbot, tmp_path)
    for name, dlg in dialogs.items():
        qtbot.keyClick(tab_stops(dlg)[0], Qt.Key.Key_Escape)
        assert not dlg.isVisible(), name
    for name in ("settings", "export"):
        dlg = dialogs[name]
        dlg.show()
        field = next(w for w in tab_stops(dlg) if isinstance(w, QLineEdit))
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_Return)
        assert not dlg.isVisible() and dlg.result() == QDialog.DialogCode.Accepted, name


def test_the_focused_control_of_every_dialog_is_outlined(qtbot, tmp_path):
    """Fusion's faint mark (4 to 20 changed pixels on a button, none on the shortcuts list): at every tab
    stop of every dialog the pixels around the control change on at least its perimeter's worth."""
    faint, checked = [], 0
    for name, dlg in _dialogs(qtbot, tmp_path).items():
        dlg.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=2000)
        for w in tab_stops(dlg):
            changed, rect = focus_ring_pixels(qtbot, dlg, w)
            checked += 1
            if changed < 2 * (rect.width() + rect.height()):
                faint.append(f"{name}: {type(w).__name__} {said_as(w)!r}: {changed} px")
    assert checked > 25
    assert faint == []


def test_the_replace_question_is_named_and_keyed(qtbot, monkeypatch):
    """The batch's "Replace the earlier output?" box: Cancel is the default and Esc's, Replace has its
    underlined letter, and the focus is seen."""
    from PySide6.QtWidgets import QMessageBox

    from app.dialogs import batch_questions

    boxes = []

    def shown(box):
        boxes.append(box)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", shown)
    assert batch_questions.ask_replace_output(None, "/data/out.csv") is False
    box = boxes[0]
    qtbot.addWidget(box)
    replace = next(b for b in box.buttons() if b.text().replace("&", "") == "Replace")
    assert replace.text() == "&Replace"
    assert box.escapeButton() is box.defaultButton() and box.defaultButton().text().replace("&", "") == "Cancel"
    assert box.findChildren(QAbstractButton) and badly_named(box) == []


def test_esc_in_the_batch_dialog_closes_it_as_close_does(qtbot, tmp_path):
    """QDialog's Esc hid the batch dialog without a close: a run went on unseen, never asked about and never
    stopped, where the Close button (and the title bar's) asks and stops it. Esc now closes it."""
    from app.dialogs.batch import BatchDialog

    class Running:                       # a run under way, as the dialog's worker is
        is_cancelled = False
        cancelled = 0

        def cancel(self):
            self.cancelled += 1
            self.is_cancelled = True

    dlg = BatchDialog(folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.worker = run = Running()
    qtbot.keyClick(dlg.folder, Qt.Key.Key_Escape)
    assert not dlg.isVisible() and run.cancelled == 1
    dlg.worker = None


def test_every_dialog_opens_within_the_screen(qtbot, tmp_path):
    """The batch dialog opened at 900 x 560 whatever the screen: at 1280x800 under QT_SCALE_FACTOR=1.5 (853 x
    533 logical px; the offscreen test screen is 800 x 600) its Browse and Close buttons were past the screen's
    edge. Each dialog fits the screen's free area, and its list of shortcuts is there."""
    dialogs = _dialogs(qtbot, tmp_path)
    for name, dlg in dialogs.items():
        room = dlg.screen().availableGeometry()
        assert dlg.width() <= room.width() and dlg.height() <= room.height(), (name, dlg.size(), room.size())
    assert "Ctrl+O" in dialogs["shortcuts"].text.toPlainText()


def _placeholder_contrast(edit) -> float:
    """Contrast of a field's placeholder against its white, read off its grab: the glyphs' darkest pixels
    (their fully covered cores) against the commonest colour (the frame's 3 px left out)."""
    from test_app_accessibility import contrast

    rgb = image_rgb(edit)[3:-3, 3:-3].reshape(-1, 3).astype(int)
    colours, counts = np.unique(rgb, axis=0, return_counts=True)
    base = colours[counts.argmax()]
    darkest = colours[np.argmin(colours @ [0.2126, 0.7152, 0.0722])]
    return contrast(darkest, base)


def test_placeholders_read_at_4_5_to_1(qtbot, tmp_path):
    """"optional: write one PDF report per record", "bundled default model", the lab form's "not given":
    Qt's placeholder grey (the text at half opacity) was 4.0:1 on the field's white."""
    from app.views.lab_form import LabForm

    dialogs = _dialogs(qtbot, tmp_path)
    form = LabForm()
    qtbot.addWidget(form)
    form.show()
    qtbot.wait(20)
    fields = [dialogs["batch"].pdf_dir, dialogs["batch"].labs, dialogs["settings"].model_path]
    fields.append(next(r.editor for r in form._rows.values() if isinstance(r.editor, QLineEdit)))
    for edit in fields:
        assert edit.placeholderText() and not edit.text(), edit.placeholderText()
        assert _placeholder_contrast(edit) >= 4.5, edit.placeholderText()


def test_the_message_boxes_qt_makes_are_outlined_too(qtbot):
    """Help > About (``QMessageBox.about``, made inside Qt) had no ring: Fusion's faint mark on its OK.
    With the main window's ``ring_every_dialog``, the box the focus enters gets one, around its button."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from app.views.focus_ring import FocusRing
    from helpers_app import shown_window

    window = shown_window(qtbot)
    seen = {}

    def look():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, look)
            return
        qtbot.wait(50)
        rings = box.findChildren(FocusRing)
        focused = QApplication.focusWidget()
        seen["ring"] = bool(rings) and rings[0].target is focused and rings[0].ring.isVisible()
        seen["around"] = rings[0].ring.geometry().contains(
            QRect(focused.mapTo(box, focused.rect().topLeft()), focused.size())) if rings else False
        qtbot.keyClick(focused, Qt.Key.Key_Escape)

    QTimer.singleShot(0, look)
    window.about()
    assert seen == {"ring": True, "around": True}


def test_tab_reaches_every_control_of_the_print_preview(qtbot):
    """File > Print preview's tool bar (Fit page, Fit width, Zoom in, Zoom out, Previous and Next page) took no
    focus: Fit page and Fit width, which have no keys, were out of a keyboard's reach, the pages were an unnamed
    stop, and Tab from them skipped Close. Tab (QTest key events) from the pages walks the tool bar in reading order,
    the pages (named), Close and Print..., round to the pages again; Space on Fit width fits the page's width."""
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    dlg, printer = blank_preview(qtbot)
    dlg.activateWindow()
    dlg.sheets.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dlg.sheets)
    said = []
    for _ in range(12):
        w = QApplication.focusWidget()
        said.append(said_as(w))
        qtbot.keyClick(w, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is dlg.sheets:
            break
    # Previous page is greyed out on page 1: not a stop
    assert said == ["Report pages", "Close", "Print...", "Fit page", "Fit width", "Zoom in", "Zoom out", "Next page"]
    fit_width = next(w for w in dlg.findChildren(QAbstractButton) if w.text() == "Fit width")
    fit_width.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(fit_width, Qt.Key.Key_Space)
    assert dlg.view.zoomMode() == QPrintPreviewWidget.ZoomMode.FitToWidth


def test_the_median_beats_window_opens_within_the_screen(qtbot):
    """View > Median beats in a window opened at 900 x 720 whatever the screen: on a 1280x720 laptop its foot, the
    research-use notice, lay under the task bar, and with larger text (1366x768 at QT_FONT_DPI=144, 911 x 512
    logical px) past both edges. It fits the screen's free area (the offscreen test screen: 800 x 800), notice
    and all."""
    from app.views.median_beats import MedianBeatsWindow
    from helpers_app import shown_window

    window = shown_window(qtbot)
    beats = MedianBeatsWindow(window)
    beats.show()
    qtbot.wait(20)
    room = beats.screen().availableGeometry()
    assert beats.width() <= room.width() and beats.height() <= room.height(), (beats.size(), room.size())
    notice = beats.notice
    assert notice.mapTo(beats, notice.rect().bottomLeft()).y() < room.height()
    beats.close()
