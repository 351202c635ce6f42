"""A value typed again as the record's file gave it keeps its source "file".

Walked at 1280x800 (2026-12-06): muse-sinus.xml's age 43 typed over as 50, then typed back as 43
(or 43.0); the form's "From" column, the PDF and the CSV said "user", as if the age had been typed
from memory rather than read from the header. A value equal to the file's (same number, same unit)
is the file's value.
"""
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers_lab_form import type_over

MUSE = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"


def _header_age() -> str:
    """The age the MUSE XML itself gives, read with ElementTree (the truth, not the app's reader)."""
    demo = ET.parse(MUSE).getroot().find("PatientDemographics")
    assert demo.findtext("AgeUnits") == "YEARS"
    return demo.findtext("PatientAge")


def _form(qtbot):
    pytest.importorskip("ecgdatakit")
    from app.views.lab_form import LabForm
    from mirage_model.records import load_record
    from mirage_model.review.session import ReviewSession

    form = LabForm()
    qtbot.addWidget(form)
    form.resize(760, 240)
    form.set_session(ReviewSession(load_record(MUSE), path=MUSE))
    form.show()
    qtbot.waitExposed(form)
    return form


@pytest.mark.parametrize("again", ["{age}", "{age}.0", " {age} "])
def test_the_files_age_typed_again_is_still_the_files(qtbot, again):
    age = _header_age()
    assert age == "43"
    form = _form(qtbot)
    field = form.editor("age")
    assert field.text() == age and form.session.source("age") == "file"
    type_over(qtbot, field, "50")
    assert form.session.source("age") == "user"
    type_over(qtbot, field, again.format(age=age))
    assert form.values()["age"] == (43.0, "years")
    assert form.session.source("age") == "file"
    assert form._rows["age"].source.text() == "file"


def test_the_same_number_in_another_unit_or_another_number_is_typed(qtbot):
    form = _form(qtbot)
    field = form.editor("age")
    type_over(qtbot, field, "44")
    assert form.session.source("age") == "user"
    form.unit_box("age").setCurrentText("months")
    type_over(qtbot, field, "43")                     # 43 months: not the header's 43 years
    assert form.session.source("age") == "user"
