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


def test_the_status_bar_and_folder_row_say_90_or_older_and_a_cut_file(qtbot, tmp_path):
    """The status bar said "age 90" and the folder row "90" where the patient line said "Age: ≥90"; the folder row
    and status bar of a file cut short (half of the ISHNE Holter, 95.573 s declared) said its length as if whole.
    Truth: the source's 104 years (README) and the ISHNE header's samples a lead (test_cut_short_length)."""
    import types

    pytest.importorskip("ecgdatakit")
    from app.jobs import record_info
    from app.views.folder_browser import FolderBrowser
    from app.window.reading import ReadingMixin
    from mirage_model import formats
    from mirage_model.records import load_record
    from mirage_model.review.session import ReviewSession

    source = load_record(DATA / "welch-allyn-ECG_20170504_163507_123456789.SCP")
    back = load_record(formats.write_record(source, tmp_path / "a", "wfdb", anonymise=True))
    data = (DATA / "ECG_P28.01.ecg").read_bytes()
    (tmp_path / "cut.ecg").write_bytes(data[:len(data) // 2])
    cut = load_record(tmp_path / "cut.ecg")
    status = {k: ReadingMixin._record_status_text(types.SimpleNamespace(session=ReviewSession(r)))
              for k, r in (("back", back), ("source", source), ("cut", cut))}
    assert ", age ≥90, " in status["back"] and ", age 104, " in status["source"]
    assert f", {cut.duration_s:.1f} s (file cut short), " in status["cut"] and cut.duration_s < 95.573 / 2 + 1
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.paths = [tmp_path / "a.hea", tmp_path / "cut.ecg"]
    browser.table.setRowCount(2)
    browser._fill_row(0, record_info(back))
    browser._fill_row(1, record_info(cut))
    cells = [[browser.table.item(r, c).text() for c in range(browser.table.columnCount())] for r in (0, 1)]
    assert cells[0][1] == "≥90" and f"{cut.duration_s:.1f} s (file cut short)" in cells[1]
