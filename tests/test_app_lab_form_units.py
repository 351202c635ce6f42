"""The lab form reads a value typed with its unit, as it stands on a request form ("70 kg", "1.2 mg/dL").

Seen in session 44: "70 kg" typed into Weight was refused as "'70 kg' is not a number". The unit typed is
the value's: read in it as choosing it in the unit box would, the message under the field saying what was
read. The field keeps what was typed and the box stays as it was, so Esc and Ctrl+Z still give back a text
whose unit is its own or the box's (a box moved for the typed unit would have read an undone "80" in lb).
Expected numbers by hand (tests/test_clinical_typed_units.py): 1.2 mg/dL x 88.4 = 106.08 umol/L;
150 lb x 0.45359237 = 68.0388555 kg.
"""
import pytest
from PySide6.QtCore import Qt

from helpers_lab_form import shown_lab_form, type_over


def test_a_weight_typed_with_its_unit_is_read(qtbot):
    form = shown_lab_form(qtbot, 300, "weight", "80", "kg")
    type_over(qtbot, form.editor("weight"), "70 kg")
    assert form.values()["weight"] == (70.0, "kg")
    assert form.status("weight") == "ok" and form.message("weight") == "'70 kg' read as 70 kg"
    assert "weight" not in form.errors()


def test_another_unit_the_field_offers_is_converted_and_said(qtbot):
    form = shown_lab_form(qtbot, 300, "weight", "80", "kg")
    edits = []
    form.changed.connect(lambda: edits.append(1))
    field, box = form.editor("creatinine"), form.unit_box("creatinine")
    assert box.currentText() == "umol/L"
    type_over(qtbot, field, "1.2 mg/dL")
    canonical, unit = form.values()["creatinine"]
    assert canonical == pytest.approx(106.08) and unit == "umol/L"
    assert form.message("creatinine") == "'1.2 mg/dL' read as 1.2 mg/dL (= 106.1 umol/L)"
    assert field.text() == "1.2 mg/dL" and box.currentText() == "umol/L" and edits == [1]
    form.refresh()                    # the model's re-run: the field, its message and its undo stay
    assert field.text() == "1.2 mg/dL" and form.message("creatinine").startswith("'1.2 mg/dL' read as")
    qtbot.keyClick(field, Qt.Key.Key_Return)               # nothing changed: no second edit
    assert edits == [1]


def test_ctrl_z_after_a_typed_unit_gives_back_the_value_in_the_boxs_unit(qtbot):
    form = shown_lab_form(qtbot, 300, "weight", "80", "kg")
    field = form.editor("weight")
    type_over(qtbot, field, "150 lb")
    assert form.values()["weight"][0] == pytest.approx(68.0388555)
    assert form.unit_box("weight").currentText() == "kg"
    form.refresh()
    for _ in range(8):                # Qt may keep each typed character as its own step
        if field.text() == "80":
            break
        qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == "80"
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert form.values()["weight"] == (80.0, "kg")            # 80 kg again, not 80 lb


def test_a_height_typed_in_feet_and_inches_is_read_in_cm(qtbot):
    """5'10" = 70 in x 2.54 = 177.8 cm (by hand; tests/test_clinical_feet_inches.py): it had been refused as
    "'5'10"' is not a number"."""
    form = shown_lab_form(qtbot, 300, "weight", "80", "kg")
    edits = []
    form.changed.connect(lambda: edits.append(1))
    field = form.editor("height")
    type_over(qtbot, field, "5'10\"")
    canonical, unit = form.values()["height"]
    assert canonical == pytest.approx(177.8) and unit == "cm"
    assert form.status("height") == "ok" and form.message("height") == "'5'10\"' read as 5 ft 10 in (= 177.8 cm)"
    assert field.text() == "5'10\"" and form.unit_box("height").currentText() == "cm" and edits == [1]
    form.refresh()
    qtbot.keyClick(field, Qt.Key.Key_Return)               # nothing changed: no second edit
    assert field.text() == "5'10\"" and edits == [1]


@pytest.mark.parametrize("name, text, message", [
    # a unit the field does not take is refused naming those it takes
    ("weight", "70 st", "'70 st': unit 'st' not known for Weight; type kg (or g, lb, lbs)"),
    ("potassium", "4.1 mg", "'4.1 mg': unit 'mg' not known for Potassium; type mmol/L (or mEq/L)"),
    ("height", "5'13\"", "'5'13\"' cannot be read as feet and inches (whole feet, then fewer than 12 inches): "
                         "type the height in cm, or as 5'10\""),
    ("weight", "abc", "'abc' is not a number: type a number, optionally with its unit (kg, g, lb)"),
])
def test_a_value_not_read_says_why_and_what_to_type(qtbot, name, text, message):
    form = shown_lab_form(qtbot, 300, "weight", "80", "kg")
    type_over(qtbot, form.editor(name), text)
    assert form.status(name) == "error" and form.message(name) == message
    assert name not in form.values() and form.errors()[name] == message
