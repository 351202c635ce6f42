"""Help > Keyboard shortcuts: every menu command's keys, read from the menus themselves (so the
list cannot drift from what the keys do), and the keys of the controls."""

from __future__ import annotations

import html

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenuBar

from app.views.calipers import CALIPER_KEYS

# keys that belong to Qt's widgets rather than to a menu command
CONTROL_KEYS = (
    ("Tab / Shift+Tab", "move between the controls (toolbars, trace view, results, measurements, tabs, lab form)"),
    ("Space", "press the focused button or tick the focused box (Calipers, Fiducials, ...)"),
    ("Up / Down, Alt+Down", "choose in the focused list (speed, gain, layout, page, units); open it"),
    ("Ctrl+Tab / Ctrl+Shift+Tab", "next / previous tab (Labs & clinical, Lead attention, Median beats) "
                                  "when the tabs have the focus"),
    ("Alt+letter", "open a menu by its underlined letter (Alt+F: File, Alt+V: View ...)"),
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
