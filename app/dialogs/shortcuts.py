"""Help > Keyboard shortcuts: every menu command's keys, read from the menus themselves (so the
list cannot drift from what the keys do), and the keys of the controls."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenuBar, QTextBrowser, QVBoxLayout, QWidget

from app.views.calipers import CALIPER_KEYS
from app.views.focus_ring import FocusRing
from app.views.screen_room import resize_within_screen

# keys that belong to Qt's widgets rather than to a menu command
CONTROL_KEYS = (
    ("Tab / Shift+Tab", "move between the controls (toolbars, trace view, results, measurements, tabs, lab form)"),
    ("Space", "press the focused button or tick the focused box (Calipers, Fiducials, ...)"),
    ("Up / Down, Alt+Down", "choose in the focused list (speed, gain, layout, page, units); open it"),
    ("Ctrl+Tab / Ctrl+Shift+Tab", "next / previous tab (Labs & clinical, Lead attention, Median beats, Prior ECG "
                                  "when one is compared) when the tabs have the focus"),
    ("Alt+letter", "open a menu by its underlined letter (Alt+F: File, Alt+V: View ...)"),
    ("Esc, Ctrl+W", "close the median beats window (View > Median beats in a window) or a dialog"),
    ("Esc (in a lab field)", "drop the value being typed: the field shows the value in use again"),
    ("Ctrl+Z (in a lab field)", "undo the field's last edit"),
    ("F2, double-click", "correct the selected measurement (Enter keeps it, Esc drops it; cleared, the automatic "
                         "value is back)"),
)


def menu_shortcuts(menubar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu path, command, keys) of every menu command that has keys, in menu order."""
    out = []

    def walk(menu, path):
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} > {action.text().replace('&', '')}")
            elif not action.isSeparator():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
                if keys:
                    out.append((path, action.text().replace("&", "").rstrip("."), keys))

    for action in menubar.actions():
        if action.menu() is not None:
            walk(action.menu(), action.text().replace("&", ""))
    return out


def shortcuts_html(menubar: QMenuBar) -> str:
    """The Help > Keyboard shortcuts text (HTML table)."""
    rows = [f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(path)} &gt; {html.escape(text)}</td></tr>"
            for path, text, keys in menu_shortcuts(menubar)]
    rows += [f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
             for keys, what in CONTROL_KEYS]
    rows.append("<tr><td colspan='2'><b>Calipers</b> (View &gt; Calipers, Ctrl+K)</td></tr>")
    rows += [f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
             for keys, what in CALIPER_KEYS]
    return "<table cellspacing='4'>" + "".join(rows) + "</table>"


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts: the list in a scrolling view, never taller than the screen (a
    message box of it was 880 px high, and at 1024x768 its last rows and its Close button were off
    the screen), and a Close button that Esc presses too."""

    def __init__(self, menubar: QMenuBar, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.focus_ring = FocusRing(self)         # the focused control outlined, as in the main window
        self.text = QTextBrowser()
        self.text.setAccessibleName("Keyboard shortcuts")     # a screen reader said nothing of the list
        self.text.setHtml(shortcuts_html(menubar))
        self.text.setFrameShape(QTextBrowser.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)
        # as large as the list, within the screen's free area (the rest scrolls)
        doc = self.text.document()
        doc.setTextWidth(560)
        want = QSize(int(doc.idealWidth()) + 60, int(doc.size().height()) + 90)
        resize_within_screen(self, parent, want)
