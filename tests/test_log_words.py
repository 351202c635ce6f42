"""``review.log_words.unnamed``: a message logged with the record's patient ID, name (whole and in parts) and birth
date replaced by its file name; one inside a longer word (the file name itself) stays. Records made by hand."""

from __future__ import annotations

from types import SimpleNamespace

from mirage_model.review.log_words import unnamed


def test_unnamed_replaces_the_patient_by_the_file_name():
    rec = SimpleNamespace(record_id="r_081486213", meta={"patient": {"id": "081486213", "name": "JOHN DOE",
                                                                     "birth_date": "1979-07-08"}})
    said = unnamed("JOHN DOE (DOE^JOHN, john doe), ID 081486213, born 1979-07-08, in r_081486213.xml", rec)
    assert said == ("[patient name of r_081486213] ([patient name of r_081486213]^[patient name of r_081486213], "
                    "[patient name of r_081486213]), ID [patient ID of r_081486213], born [birth date of "
                    "r_081486213], in r_081486213.xml")
    assert unnamed("Joe at 10:00", SimpleNamespace(record_id="r", meta={"patient": {"name": "Jo Li"}})) == \
        "Joe at 10:00"         # parts under 3 characters alone are not words to replace; "Jo" in "Joe" stays
    assert unnamed("nothing", None) == "nothing"
