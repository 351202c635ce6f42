"""The lab form's choice boxes (sex, each value's unit) under a mouse wheel that scrolls the form.

Walked at 1280x800 (2026-12-05): the wheel turned over the form to reach the labs below the fold,
passing over the Sex box, set a man's record to "F" and re-ran the model with it, unasked; over the
Age unit it would read 55 years as 55 months. A box changes only once it has been clicked or
tabbed into; until then the wheel scrolls the form, as it does over the rest of it.
"""
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


def _wheel_down(widget, clicks: int = 3) -> None:
    """``clicks`` notches of a mouse wheel turned down over the middle of ``widget``."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    for _ in range(clicks):
        event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(widget, event)


def _form(qtbot):
    from app.views.lab_form import LabForm

    form = LabForm()
    qtbot.addWidget(form)
    form.resize(760, 180)          # the tab's size at 1280x800: age, sex, height, weight in view
    form.show()
    qtbot.waitExposed(form)
    form.set_value("sex", "M", emit=False)
    form.set_value("age", "55", "years", emit=False)
    return form


def test_wheel_over_an_unfocused_sex_box_scrolls_the_form_and_leaves_the_sex(qtbot):
    form = _form(qtbot)
    edits = []
    form.changed.connect(lambda: edits.append(1))
    box = form.editor("sex")
    assert not box.hasFocus()
    bar = form._scroll.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    _wheel_down(box)
    assert box.currentText() == "M" and form.values()["sex"] == "M" and edits == []
    assert bar.value() > 0             # the form scrolled instead, as over its labels


def test_wheel_over_an_unfocused_unit_box_leaves_the_unit(qtbot):
    form = _form(qtbot)
    unit = form.unit_box("age")
    assert not unit.hasFocus()
    _wheel_down(unit)
    assert unit.currentText() == "years" and form.values()["age"] == (55.0, "years")


def test_a_focused_box_still_takes_the_wheel(qtbot):
    """Clicked or tabbed into, the box is the reader's: the wheel steps its choices, as Qt's own do."""
    form = _form(qtbot)
    box = form.editor("sex")
    box.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(box.hasFocus)
    _wheel_down(box, 1)
    assert box.currentText() == "F"
