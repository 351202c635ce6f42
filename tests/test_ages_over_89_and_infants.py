"""PTB-XL's age 300 ("older than 89": PTB-XL 1.0.2+ removed the exact ages above 89 for privacy) is
90 on every path, as training reads PTB-XL's table (``training_cli.engine.ptbxl``: ``decode_age``): the
table itself, a WFDB header's "#Age: 300" (it was ignored as implausible: no age), a labs table's age
300 (the whole table was refused) and the lab form's typed 300 (refused); each says what 300 means.
A header's age no living patient has ("999", "-1") is no age, and said beside the record.

And a labs row's age against an infant's header: within a year was agreement, so 14 months in the
table and 3 months in the header passed as one patient's; below 2 years the ages now agree when the
spans they state come within a month (a table's whole-year 0 is any age of 0-11 months).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mirage_model.clinical import header_disagreement, read_labs_table
from mirage_model.records import load_record

DATA = Path(__file__).parent / "data" / "formats"
# PTB-XL's documented convention (its 1.0.2 changelog; the dataset's README): 300 stands for "older
# than 89", shown and used as 90
PTBXL_OVER_89, SHOWN = "300", 90.0


def _wfdb_with_age(tmp_path: Path, age: str) -> Path:
    """The shipped muse-sinus WFDB record with the comment "#Age: <age>" added to its header."""
    for suffix in (".hea", ".dat"):
        shutil.copy(DATA / f"muse-sinus{suffix}", tmp_path / f"ecg{suffix}")
    hea = tmp_path / "ecg.hea"
    text = (DATA / "muse-sinus.hea").read_text().replace("muse-sinus", "ecg")
    hea.write_text(text.rstrip("\n") + f"\n#Age: {age}\n#Sex: Female\n")
    return hea


def test_training_reads_ptbxl_300_as_90():
    """What the other paths must agree with: training's reading of PTB-XL's table."""
    from mirage_model.records.ptbxl import decode_age

    assert decode_age(PTBXL_OVER_89)[0] == SHOWN


def test_a_headers_age_300_is_90_and_said(tmp_path):
    rec = load_record(_wfdb_with_age(tmp_path, PTBXL_OVER_89))
    assert rec.age == SHOWN and rec.sex == "F"
    assert rec.meta["age_note"] == "the header's age '300': PTB-XL age 300 means older than 89; shown as 90"


@pytest.mark.parametrize("age, why", [("999", "older than anyone has lived (122.5 years)"), ("150", None),
                                      ("-1", "below 0"), ("301", None)])
def test_a_headers_impossible_age_is_no_age_and_said_beside_the_record(tmp_path, age, why):
    rec = load_record(_wfdb_with_age(tmp_path, age))
    assert rec.age is None
    why = why or "older than anyone has lived (122.5 years)"
    note = f"the header's age '{age}' is {why}, a placeholder: age unknown"
    assert rec.meta["age_note"] == note and note in rec.meta["reader_warnings"]


def test_a_headers_possible_age_is_unchanged(tmp_path):
    for age, years in (("45", 45.0), ("89", 89.0), ("122", 122.0), ("0.5", 0.5)):
        rec = load_record(_wfdb_with_age(tmp_path, age))
        assert rec.age == years and "age_note" not in rec.meta, age


def test_a_labs_tables_age_300_is_90_and_said(tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age,sex\na,300,M\nb,45,F\nc,89,M\n", encoding="utf-8")
    warnings: list[str] = []
    table = read_labs_table(labs, warnings=warnings)
    assert {rid: row["age"][0] for rid, row in table.items()} == {"a": SHOWN, "b": 45.0, "c": 89.0}
    assert warnings == [f"{labs}: age 300 on 1 row (line 2): PTB-XL age 300 means older than 89; shown as 90, "
                        "as training reads PTB-XL's own table"]
    # another impossible age still refuses the table, naming it
    labs.write_text("record_id,age\na,999\n", encoding="utf-8")
    from mirage_model.clinical import LabsTableError
    with pytest.raises(LabsTableError, match=r"line 2, column 'age': age: 999 years is not a possible Age"):
        read_labs_table(labs)


# an age written open above (a de-identified export's ">89", "90+") is the youngest the patient can be, 90,
# as a header's ">89" already read and as PTB-XL's "older than 89" trains; a labs table read it as a censored
# assay's limit, 89, a year younger than the patient (and the model card's training range then ended at 89)
OPEN_AGES = [(">89", 90.0), ("> 89", 90.0), ("over 89", 90.0), ("90+", 90.0), (">=90", 90.0), ("≥90", 90.0),
             (">89 years", 90.0)]


@pytest.mark.parametrize("written, years", OPEN_AGES)
def test_an_age_written_open_above_is_the_youngest_it_can_be_on_every_path(tmp_path, written, years):
    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,age,crp [mg/L]\na,{written},>20\nb,45,3\n", encoding="utf-8")
    warnings: list[str] = []
    table = read_labs_table(labs, warnings=warnings)
    assert table["a"]["age"][0] == years and table["b"]["age"][0] == 45.0
    assert f"{labs}: 1 age written open (line 2: {written!r} read as 90, the youngest the patient can be), as a " \
           "record header's age is read" in warnings
    assert table["a"]["crp"][0] == ">20"      # an assay's censored result is still its limit, marked
    assert load_record(_wfdb_with_age(tmp_path, written)).age == years
    from mirage_model.review.session import ReviewSession

    v = ReviewSession().set_value("age", written)
    assert (v.canonical, v.status) == (years, "ok")
    assert v.message == f"{written.strip()!r} read as 90, the youngest the patient can be"


# an infant's age written "<1" is under one year (months not given): 0, as a whole-year age of 0 is shown
# ("under 1 year") and judged (any age of 0-11 months); it read as an assay's censored limit, 1 (a child of a
# year and more), and a header's "<1" was no age at all
UNDER_ONE = ["<1", "< 1", "<1 year", "under 1"]


@pytest.mark.parametrize("written", UNDER_ONE)
def test_an_infants_age_under_one_is_under_one_year_on_every_path(tmp_path, written):
    from mirage_model.records.age import age_text
    from mirage_model.review.session import ReviewSession

    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,age,crp [mg/L]\na,{written},<1\nb,45,3\n", encoding="utf-8")
    warnings: list[str] = []
    table = read_labs_table(labs, warnings=warnings)
    assert table["a"]["age"][0] == 0.0 and table["b"]["age"][0] == 45.0
    assert f"{labs}: 1 age written open (line 2: {written!r} read as under 1 year (months not given)), as a " \
           "record header's age is read" in warnings
    assert table["a"]["crp"][0] == "<1"       # an assay's "<1" is still its limit, marked
    record = load_record(_wfdb_with_age(tmp_path, written))
    assert record.age == 0.0 and age_text(record.age) == "under 1 year"
    v = ReviewSession().set_value("age", written)
    assert (v.canonical, v.status) == (0.0, "ok")
    assert v.message == f"{written!r} read as under 1 year (months not given)"


# an age written open below anything but one year is no one age: "<2" is 0-23 months, "<18" a child of any age.
# It read as its limit, an age older than the patient (the lab form's 2, in silence; a labs table's 2 as an
# assay's censored limit), and a header's "<2" was no age without a word. Now unknown, and said, on every path.
UNDER_N = [("<2", "under 2 years"), ("< 2 years", "under 2 years"), ("under 2", "under 2 years"),
           ("<18", "under 18 years"), ("<=1", "up to 1 year"), ("≤1", "up to 1 year"), ("<0.5", "under 0.5 years")]


@pytest.mark.parametrize("written, meaning", UNDER_N)
def test_an_age_written_under_n_is_unknown_and_said_on_every_path(tmp_path, written, meaning):
    from mirage_model.review.file_info import reader_notes
    from mirage_model.review.session import ReviewSession

    said = f"{written!r} is an age {meaning}, not one age"
    labs = tmp_path / "labs.csv"
    labs.write_text(f"record_id,age,crp [mg/L]\na,{written},<2\nb,45,3\n", encoding="utf-8")
    warnings: list[str] = []
    table = read_labs_table(labs, warnings=warnings)
    assert "age" not in table["a"] and table["b"]["age"][0] == 45.0
    assert f"{labs}: 1 age written open (line 2: {said}: read as unknown), as a record header's age is read" \
        in warnings, warnings
    assert table["a"]["crp"][0] == "<2"       # an assay's "<2" is still its limit, marked
    record = load_record(_wfdb_with_age(tmp_path, written))
    assert record.age is None and record.meta["age_note"] == f"the header's age {said}: age unknown"
    assert f"the file reader noted: the header's age {said}: age unknown" in reader_notes(record)
    session = ReviewSession()
    v = session.set_value("age", written)
    assert v.status == "refused" and session.age is None
    assert v.message.startswith(f"{said}: type the age itself"), v.message


def test_an_age_under_n_months_in_a_months_column_says_months(tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age [months],sex\na,<6,M\nb,<1,F\n", encoding="utf-8")
    warnings: list[str] = []
    table = read_labs_table(labs, warnings=warnings)
    assert "age" not in table["a"] and "age" not in table["b"]
    assert "line 2: '<6' is an age under 6 months, not one age: read as unknown" in warnings[0], warnings
    assert "line 3: '<1' is an age under 1 month, not one age: read as unknown" in warnings[0], warnings


def test_the_app_lab_form_refuses_an_age_under_two(qtbot):
    pytest.importorskip("pytestqt")
    from app.views.lab_form import LabForm

    form = LabForm()
    qtbot.addWidget(form)
    form.set_value("age", "<2")
    assert "age" not in form.values(), form.values()
    assert "'<2' is an age under 2 years, not one age" in form.message("age"), form.message("age")


def test_the_app_lab_form_reads_under_one_as_an_infant(qtbot):
    pytest.importorskip("pytestqt")
    from app.views.lab_form import LabForm

    form = LabForm()
    qtbot.addWidget(form)
    form.set_value("age", "<1")
    assert form.status("age") == "ok" and form.values()["age"][0] == 0.0
    assert form.message("age") == "'<1' read as under 1 year (months not given)"
    form.set_value("age", "1")          # a year-old child: as typed
    assert form.values()["age"][0] == 1.0 and form.message("age") == ""


def test_the_lab_forms_typed_300_is_90_and_said():
    from mirage_model.review.session import ReviewSession

    session = ReviewSession()
    v = session.set_value("age", PTBXL_OVER_89)
    assert (v.text, v.canonical, v.status) == ("300", SHOWN, "ok") and session.age == SHOWN
    assert v.message == "PTB-XL age 300 means older than 89; shown as 90"
    v = session.set_value("age", "301")
    assert v.status == "refused" and session.age is None


def test_the_app_lab_form_says_what_300_means(qtbot):
    pytest.importorskip("pytestqt")
    from app.views.lab_form import LabForm

    form = LabForm()
    qtbot.addWidget(form)
    form.set_value("age", "300")
    assert form.status("age") == "ok" and form.values()["age"][0] == SHOWN
    assert form.message("age") == "PTB-XL age 300 means older than 89; shown as 90"
    form.set_value("age", "45")
    assert form.message("age") == ""


@pytest.mark.parametrize("table, header, differ", [
    # an infant of 3 months (0.25 y, from his dates) against a labs table's whole years
    (0, 0.25, ""),                                       # "0": any age of 0-11 months
    ((3, "months"), 0.25, ""),
    (0.3, 0.25, ""),                                     # 18 days apart: a draw of the same admission
    (1, 0.25, "age 1 in the labs table, 3 months in the header"),          # 12-23 months: not 3 months
    (1.2, 0.25, "age 14 months in the labs table, 3 months in the header"),   # was: within a year, agreed
    ((14, "months"), 0.25, "age 14 months in the labs table, 3 months in the header"),
    # 23 months (1.9 y) against whole years: "1" holds it; "0" does not
    (1, 1.9, ""),
    (0, 1.9, "age 0 in the labs table, 22 months in the header"),
    # adults: within a year, as before
    (43, 44, ""), (43.5, 44, ""), (42, 44, "age 42 in the labs table, 44 in the header"),
])
def test_an_infants_labs_age_is_compared_to_the_month(table, header, differ):
    assert header_disagreement("age", header, table) == differ
