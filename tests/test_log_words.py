"""``review.log_words.unnamed``: a message logged with the record's patient ID, name (whole and in parts) and birth
date replaced by its file name; one inside a longer word (the file name itself) stays. Records made by hand."""

from __future__ import annotations

import hashlib
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


def test_unnamed_keeps_a_placeholder_birth_date_and_names_a_date_that_is_both():
    """A birth date of 1900-01-01 or earlier is what exports write for none (GE CardioSoft's 0001-01-01, its
    acquisition date too): it names no one and stays, so a message on the acquisition time says the time it read. A
    birth date on the acquisition's day is labelled as both, since a match of words cannot tell which was meant."""
    placeholder = SimpleNamespace(record_id="c", meta={"patient": {"id": "001", "birth_date": "0001-01-01"}})
    said = "the acquisition time <ObservationDateTime> reads 0001-01-01 01:01:01, a placeholder; ID 001"
    assert unnamed(said, placeholder) == ("the acquisition time <ObservationDateTime> reads 0001-01-01 01:01:01, "
                                          "a placeholder; ID [patient ID of c]")
    newborn = SimpleNamespace(record_id="n", meta={"patient": {"birth_date": "2024-03-05"},
                                                   "acquired": "2024-03-05 10:00:00"})
    assert unnamed("recorded 2024-03-05 10:00", newborn) == "recorded [birth and acquisition date of n] 10:00"


KEY = bytes(range(16))


def _tag(stem: str, ext: str) -> str:
    """The tag the log file gives a file, worked out here from its rule: BLAKE2b of the name without its extension,
    keyed, 4 bytes in hex, then the extension."""
    return "file-" + hashlib.blake2b(stem.encode(), key=KEY, digest_size=4).hexdigest() + ext


def test_log_file_text_tags_file_names_and_drops_folders_and_quoted_text():
    """Hand-written lines: a path's folders go (POSIX, Windows, a network share) and its file name is its tag, as is a
    file name standing alone, with a relative path's folders; text quoted from a file is counted, not written; a
    program file's path and a traceback's frame and source lines stay."""
    from mirage_model.review.log_words import log_file_text

    assert log_file_text("job load: /data/Doe John 1931/ecg 1.xml: the number of signals 'DOE' is not a whole "
                         "number", KEY) == f"job load: {_tag('ecg 1', '.xml')}: the number of signals " \
                                           "'[3 characters left out]' is not a whole number"
    assert log_file_text(r"C:\ECG\Doe\a.scp and \\srv\share\Doe Jane\b.dcm: cut", KEY) == \
        f"{_tag('a', '.scp')} and {_tag('b', '.dcm')}: cut"
    assert log_file_text("No such file or directory: '/home/u/Doe/x.hea'", KEY) == \
        f"No such file or directory: '{_tag('x', '.hea')}'"
    assert log_file_text("Could not open DOE_JANE_123456.xml (Doe/DOE_JANE_123456.dat): cut short", KEY) == \
        f"Could not open {_tag('DOE_JANE_123456', '.xml')} ({_tag('DOE_JANE_123456', '.dat')}): cut short"
    assert log_file_text("DOE_JANE_123456: over-read kept [patient ID of DOE_JANE_123456]", KEY,
                         names=("DOE_JANE_123456.xml", "DOE_JANE_123456")) == \
        f"{_tag('DOE_JANE_123456', '')}: over-read kept [patient ID of {_tag('DOE_JANE_123456', '')}]"
    assert log_file_text("1: line 1 of 1.hea", KEY, names=("1.hea", "1")) == f"1: line 1 of {_tag('1', '.hea')}"
    assert log_file_text("Could not open Doe Jane 1.xml: cut; '/d/Doe/Doe Jane 1.xml'", KEY,
                         names=("Doe Jane 1.xml",)) == f"Could not open {_tag('Doe Jane 1', '.xml')}: cut; " \
                                                       f"'{_tag('Doe Jane 1', '.xml')}'"
    assert log_file_text("row 'A' refused") == "row '[1 character left out]' refused"
    assert log_file_text("MIRAGE's reader: the file's field 'O'Brien' for Jones' record") == \
        "MIRAGE's reader: the file's field '[7 characters left out]' for Jones' record"
    assert log_file_text('undefined entity &DOE;: line 3; "JANE" at EDF/EDF+ 1 / 2 mV/s, 1.5 mV') == \
        'undefined entity &[3 characters left out];: line 3; "[4 characters left out]" at EDF/EDF+ 1 / 2 mV/s, 1.5 mV'
    frames = ('  File "/home/u/Doe/x.py", line 3, in f\n    a = load("/home/u/Doe/y.xml")\n'
              "AttributeError: 'NoneType' object has no attribute 'text'")
    assert log_file_text(frames) == frames
    assert log_file_text("at /opt/mirage/formats/muse.py line 3") == "at /opt/mirage/formats/muse.py line 3"
