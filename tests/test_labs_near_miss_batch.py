"""The hints a labs-table warning gives for rows that fit no record (a spreadsheet's number "417" beside
the record 00417_lr) reach ``mirage score`` and the batch dialog: they pass the run's record ids as a
generator, which ``near_miss_text`` used up in its first loop, so the hints after it were worked out over
no record and never said (``mirage score`` of 30 PTB-XL records with rows '385' and '1106' named them
with no word of 00385_lr, walked in session 46), or the wrong one was ('417' beside 00417 and 0417: "differs
only in leading zeros" where it fits two records).

Truth: the record names and table rows the test writes."""

from __future__ import annotations

from pathlib import Path

from mirage_model.clinical.labs import near_miss_text


def test_the_hint_is_the_same_for_ids_given_as_a_generator():
    ids = ["00417_lr", "00418_lr"]
    hint = near_miss_text(["417"], (i for i in ids))
    assert "'417' looks like a number a spreadsheet reformatted (leading zeros dropped?) and may mean the " \
           "record '00417_lr'" in hint, hint
    both = near_miss_text(["417"], (i for i in ["00417", "0417"]))
    assert "fits 2 records as one ('00417', '0417')" in both, both


def test_a_batch_s_labs_lookup_gives_the_hint(tmp_path):
    from mirage_model.review.batch.inputs import labs_lookup

    folder = tmp_path / "records"
    folder.mkdir()
    headers = [folder / "00385_lr.hea", folder / "00519_lr.hea"]
    table = tmp_path / "labs.csv"
    table.write_bytes("\ufeffDatensatz;Alter\r\n385;83\r\n00519_lr;59\r\n".encode("utf-8"))
    lookup = labs_lookup(table, folder, headers=headers)
    assert lookup.match.unmatched == ["385"], lookup.match.unmatched
    hint = lookup.unmatched_hint(Path(p) for p in headers)
    assert "may mean the record '00385_lr'" in hint, hint


def test_an_id_with_its_file_s_extension_is_said_to_be_one():
    """A table of the folder's file names pasted in ('1.hea', '10.HEA', 'siteA/2.xml') fits no record, as
    the README says; the warning now says which rows name a record with its extension and what to write."""
    hint = near_miss_text(["1.hea", "10.HEA", "siteA/2.xml", "x.hea", "1.5"], ["siteA/1", "10", "siteA/2"])
    assert "; '1.hea' names the record '1' with its file's extension: write '1' (3 ids so)" in hint, hint
    assert near_miss_text(["x.hea", "1.5"], ["siteA/1", "10"]) == ""      # no record of that name; a number
