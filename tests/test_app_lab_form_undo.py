"""Ctrl+Z in a lab field after the model has run again.

Walked at 1280x800 (2026-12-05): a MUSE file's age 43, typed over as 50 and left with Tab; the model
re-ran, and Ctrl+Z in the field did nothing: the form had written every field's text anew on the
result (``refresh``), and a ``QLineEdit.setText`` forgets the field's undo history. The age read from
the file was gone but by typing it again from memory. A field whose text is already the session's is
left as it is, its history with it.
"""
from PySide6.QtCore import Qt

from helpers_lab_form import shown_lab_form, type_over


def test_ctrl_z_brings_back_the_value_typed_over_after_the_model_ran_again(qtbot):
    form = shown_lab_form(qtbot, 180, "age", "43", "years")
    field = form.editor("age")
    type_over(qtbot, field, "50")
    assert form.values()["age"] == (50.0, "years")
    form.refresh()                    # what the window does when the re-run's result arrives
    assert field.text() == "50"
    for _ in range(3):                # Qt may keep each typed character as its own step
        if field.text() == "43":
            break
        qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == "43"
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert form.values()["age"] == (43.0, "years")


def test_a_field_the_session_changed_still_shows_the_sessions_text(qtbot):
    """The text is still written where it differs (another record's values, a labs table's)."""
    form = shown_lab_form(qtbot, 180, "age", "43", "years")
    form.session.set_value("age", "61", None)
    form.refresh()
    assert form.editor("age").text() == "61"
