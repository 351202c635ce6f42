"""A labs table whose first column names patients (a hospital's export keyed by MUSE's or DICOM's patient
ID, "Patienten-ID", "MRN") is warned of before any record is scored, where its rows fit (almost) no
record of the run: its rows name patients, and a row fits the record whose file it names, so that such a
table fitted no record and ``mirage score`` said so only once the whole run had gone without its values
(a German Excel table of 30 PTB-XL records keyed by patient_id, walked in session 46). The header alone
does not tell: a 'Patient ID' column holding the records' names had been warned of too.

Truth: the tables this test writes (their header and their bytes, as Excel writes them)."""

from __future__ import annotations

from mirage_model.clinical.labs import read_labs_table
from mirage_model.review.batch.inputs import labs_lookup


def _records(folder, names):
    """The header paths of a run of ``names`` (their ids are all a lookup reads of them)."""
    return [folder / f"{n}.hea" for n in names]


def test_a_table_whose_first_column_names_patients_is_warned_of(tmp_path):
    path = tmp_path / "labor.csv"
    # Excel's "CSV UTF-8" in a German locale: a byte order mark, semicolons, decimal commas, CRLF
    path.write_bytes("\ufeffPatienten-ID;Alter;Gewicht [kg]\r\n15709;56;63,5\r\n".encode("utf-8"))
    lookup = labs_lookup(path, tmp_path, _records(tmp_path, ["00417_lr", "00519_lr"]))
    assert lookup.labs["15709"]["weight"] == (63.5, "kg")     # read as before, by its first column
    said = [w for w in lookup.warnings if "first column" in w]
    assert len(said) == 1, lookup.warnings
    assert said[0].startswith(f"{path}: its first column 'Patienten-ID' is read as record ids"), said
    assert "not of the patient with that ID" in said[0], said


def test_a_patient_column_of_the_records_names_is_not_warned_of(tmp_path):
    """'Patient ID' over the records' names (a spreadsheet's header, its rows the files' names) fits every
    record: no warning, whether read alone or by a batch of its records, of some of them, or of more."""
    path = tmp_path / "labs.csv"
    path.write_text("Patient ID;CRP [mg/dL]\n00417_lr;0,5\n00519_lr;0,7\nludb/1;0,2\n", encoding="utf-8")
    warnings: list[str] = []
    read_labs_table(path, warnings=warnings)
    assert warnings == []
    for names in (["00417_lr", "00519_lr", "ludb/1"], ["00417_lr"], ["ludb/1"] + [f"{k:05d}_lr" for k in range(20)]):
        lookup = labs_lookup(path, tmp_path, _records(tmp_path, names))
        assert lookup.warnings == [], (names, lookup.warnings)
    # a patient-keyed table one of whose 20 IDs happens to be a record's name: almost none fit, warned
    path.write_text("MRN;Age\n" + "".join(f"{15700 + k};{40 + k}\n" for k in range(19)) + "00417_lr;56\n",
                    encoding="utf-8")
    lookup = labs_lookup(path, tmp_path, _records(tmp_path, [f"{k:05d}_lr" for k in range(400, 420)]))
    assert [w for w in lookup.warnings if "its first column 'MRN'" in w], lookup.warnings


def test_a_table_of_record_ids_is_not_warned_of(tmp_path):
    path = tmp_path / "labs.csv"
    path.write_text("record_id,age,MRN\n00417_lr,56,15709\n", encoding="utf-8")
    warnings: list[str] = []
    read_labs_table(path, warnings=warnings)
    assert not [w for w in warnings if "first column" in w], warnings
    lookup = labs_lookup(path, tmp_path, _records(tmp_path, ["00519_lr"]))
    assert not [w for w in lookup.warnings if "first column" in w], lookup.warnings
