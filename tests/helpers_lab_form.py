"""The lab form shown as the window shows it, and a field typed into as a user does, for the lab form's test
modules (the module sets QT_QPA_PLATFORM before it imports this: tests/conftest.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt


def shown_lab_form(qtbot, height: int, name: str, text: str, unit: str):
    """A shown ``LabForm``, 760 x ``height`` px, its field ``name`` holding ``text`` in ``unit`` as a record's file
    gives it (set without an edit, then the fields written)."""
    from app.views.lab_form import LabForm

    form = LabForm()
    qtbot.addWidget(form)
    form.resize(760, height)
    form.show()
    qtbot.waitExposed(form)
    form.set_value(name, text, unit, emit=False)
    form.refresh()
    return form


def type_over(qtbot, field, text: str) -> None:
    """``text`` typed over all of ``field``'s text, then Return."""
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)               # editingFinished: the form commits it
