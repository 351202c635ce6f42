"""Esc in a lab field drops the value being typed, as a table's cell editor does.

Walked at 1920x1080 (2026-12-05) on muse-sinus.xml: 99 typed over the file's age 43, then Esc. The
window's Esc (Model > Cancel running work) said "Cancelled." in the status bar, but the field kept 99,
and leaving it committed 99: the model re-ran for a 99-year-old and the patient line said "Age: 99".
Now Esc in a field whose text is not the session's puts the session's value back (the window's Esc does
not fire); in a field with nothing typed it is the window's Esc, as before.
"""
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QVBoxLayout, QWidget


def _window(qtbot):
    """The form in a window with a window-wide Esc action (the main window's Cancel running work)."""
    from app.views.lab_form import LabForm

    window = QWidget()
    qtbot.addWidget(window)
    form = LabForm()
    QVBoxLayout(window).addWidget(form)
    cancels = []
    action = QAction("Cancel running work", window)
    action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda: cancels.append(1))
    window.addAction(action)
    window.resize(760, 240)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)     # window shortcuts reach an active window only
    form.set_value("age", "43", "years", emit=False)       # as a record's file gives it
    form.refresh()
    return window, form, cancels       # the window too: its Python object keeps the form alive


def test_esc_puts_back_the_sessions_value_and_leaving_the_field_keeps_it(qtbot):
    _keep, form, cancels = _window(qtbot)
    edits = []
    form.changed.connect(lambda: edits.append(1))
    field = form.editor("age")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "99")
    assert field.text() == "99"
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == "43"
    assert cancels == []                        # the field took the key, not the window's action
    field.clearFocus()                          # leaving the field: editingFinished
    form.editor("sex").setFocus()
    assert form.values()["age"] == (43.0, "years") and edits == []
    assert form.message("age") == ""            # no flag left of the 99 (above the training range)


def test_esc_in_an_empty_field_drops_what_was_typed(qtbot):
    _keep, form, _ = _window(qtbot)
    field = form.editor("weight")
    field.setFocus()
    qtbot.keyClicks(field, "900")
    assert form.status("weight") == "error"    # live feedback: not a possible weight
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == "" and form.status("weight") == "empty" and "weight" not in form.values()


def test_esc_in_a_field_with_nothing_typed_is_the_windows(qtbot):
    _keep, form, cancels = _window(qtbot)
    field = form.editor("age")
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert cancels == [1] and field.text() == "43"


def test_esc_in_a_field_the_model_does_not_read_keeps_its_note(qtbot):
    """Esc put the session's value back but not the row's "not used by this model" note (refresh's
    note, left out of Esc's own copy of the row): a troponin typed over went blank beside its value."""
    from mirage_model.clinical import ClinicalSchema, default_schema

    _keep, form, cancels = _window(qtbot)
    form.set_schema(ClinicalSchema([default_schema()["age"]]))      # a model that reads the age alone
    form.set_value("troponin_t", "9", "ng/L", emit=False)           # within range: the note alone
    assert not form.is_used("troponin_t") and form.message("troponin_t") == "not used by this model"
    field = form.editor("troponin_t")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "20")
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == "9" and cancels == []
    assert form.message("troponin_t") == "not used by this model"
