"""A labs row's bad cells, left out of it, stay named on the session after the reviewer corrects the age or sex.

``mirage score``'s sessions (``batch.record_session``) and ``mirage report``'s put the notes of a labs row's bad
cells into ``labs_notes`` after the session was built, beside ``set_labs_row``'s ``left_out``: an age typed later
re-made ``labs_notes`` from the header note and ``left_out`` alone, and the bad cells' notes went.

Truth: LUDB 1's header says age 51, sex F; a labs row saying age 70 is another age (the header note), and the
note of its bad cell is the text given here.
"""

from __future__ import annotations


def test_the_left_out_notes_outlive_an_age_edit():
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record
    from mirage_model.review.batch.rows import record_session

    record = load_record(next(p for p in sample_records() if "ludb" in str(p) and p.stem == "1"))
    assert (record.age, record.sex) == (51.0, "F")
    bad = "crp 'high': not a number, left out"
    session = record_session(record, None, {"age": 70.0, "sex": "F"}, None, None,
                             labs_row={"age": 70.0, "sex": "F"}, labs_left_out=(bad,))
    assert len(session.labs_notes) == 2 and session.labs_notes[1] == bad, session.labs_notes
    assert "70" in session.labs_notes[0] and "51" in session.labs_notes[0]
    session.set_value("age", 51.0)          # the reviewer corrects the age: the header note has nothing left to say
    assert session.labs_notes == (bad,)
