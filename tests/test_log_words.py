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


def test_log_file_text_drops_folders_and_quoted_text():
    """Hand-written lines: a path's folders go (POSIX, Windows, a network share), its file name stays; text quoted
    from a file is counted, not written; a program file's path and a traceback's frame and source lines stay."""
    from mirage_model.review.log_words import log_file_text

    assert log_file_text("job load: /data/Doe John 1931/ecg 1.xml: the number of signals 'DOE' is not a whole "
                         "number") == "job load: ecg 1.xml: the number of signals '[3 characters left out]' is not a " \
                                      "whole number"
    assert log_file_text(r"C:\ECG\Doe\a.scp and \\srv\share\Doe Jane\b.dcm: cut") == "a.scp and b.dcm: cut"
    assert log_file_text("No such file or directory: '/home/u/Doe/x.hea'") == "No such file or directory: 'x.hea'"
    assert log_file_text("row 'A' refused") == "row '[1 character left out]' refused"
    assert log_file_text("MIRAGE's reader: the file's field 'O'Brien' for Jones' record") == \
        "MIRAGE's reader: the file's field '[7 characters left out]' for Jones' record"
    assert log_file_text('undefined entity &DOE;: line 3; "JANE" at EDF/EDF+ 1 / 2 mV/s') == \
        'undefined entity &[3 characters left out];: line 3; "[4 characters left out]" at EDF/EDF+ 1 / 2 mV/s'
    frames = ('  File "/home/u/Doe/x.py", line 3, in f\n    a = load("/home/u/Doe/y.xml")\n'
              "AttributeError: 'NoneType' object has no attribute 'text'")
    assert log_file_text(frames) == frames
    assert log_file_text("at /opt/mirage/formats/muse.py line 3") == "at /opt/mirage/formats/muse.py line 3"
