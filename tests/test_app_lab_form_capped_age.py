"""An anonymised file's age 90 that stands for 90 or older (HIPAA Safe Harbor) says so in the lab form, as the
patient line's "Age: ≥90" does. The Welch Allyn SCP's patient is 104 (README: "the Welch Allyn sample's 104
years"); anonymised and reopened, the Age field held "90" with nothing under it, the patient line "Age: ≥90"."""
import dataclasses
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "formats"


def _form(qtbot, record):
    from app.views.lab_form import LabForm
    from mirage_model.review.session import ReviewSession

    form = LabForm()
    qtbot.addWidget(form)
    form.resize(760, 240)
    form.set_session(ReviewSession(record))
    form.show()
    qtbot.waitExposed(form)
    return form


def test_the_age_field_of_an_anonymised_age_over_89_says_90_or_older(qtbot, tmp_path):
    pytest.importorskip("ecgdatakit")
    from mirage_model import formats
    from mirage_model.records import load_record

    source = load_record(DATA / "welch-allyn-ECG_20170504_163507_123456789.SCP")
    assert source.age == 104.0
    back = load_record(formats.write_record(source, tmp_path / "a", "wfdb", anonymise=True))
    form = _form(qtbot, back)
    assert form.editor("age").text() == "90"                     # what the model reads
    assert form.message("age").startswith("≥90: the file's age is 90 or older")
    # the same 90 in a file that is not anonymised, and the source's 104, are ages as they are: nothing said
    for record in (dataclasses.replace(source, age=90.0), source):
        assert "≥90" not in _form(qtbot, record).message("age")
