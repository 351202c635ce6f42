"""A labs table whose first column names patients (a hospital's export keyed by MUSE's or DICOM's patient
ID, "Patienten-ID", "MRN") is warned of when it is read, before any record is scored: its rows name
patients, and a row fits the record whose file it names, so that such a table fitted no record and
``mirage score`` said so only once the whole run had gone without its values (a German Excel table
of 30 PTB-XL records keyed by patient_id, walked in session 46).

Truth: the tables this test writes (their header and their bytes, as Excel writes them)."""

from __future__ import annotations

from mirage_model.clinical.labs import read_labs_table


def test_a_table_whose_first_column_names_patients_is_warned_of(tmp_path):
    path = tmp_path / "labor.csv"
    # Excel's "CSV UTF-8" in a German locale: a byte order mark, semicolons, decimal commas, CRLF
    path.write_bytes("\ufeffPatienten-ID;Alter;Gewicht [kg]\r\n15709;56;63,5\r\n".encode("utf-8"))
    warnings: list[str] = []
    table = read_labs_table(path, warnings=warnings)
    assert table["15709"]["weight"] == (63.5, "kg")           # read as before, by its first column
    said = [w for w in warnings if "first column" in w]
    assert len(said) == 1, warnings
    assert said[0].startswith(f"{path}: its first column 'Patienten-ID' is read as record ids"), said
    assert "not of the patient with that ID" in said[0], said


def test_a_table_of_record_ids_is_not_warned_of(tmp_path):
    path = tmp_path / "labs.csv"
    path.write_text("record_id,age,MRN\n00417_lr,56,15709\n", encoding="utf-8")
    warnings: list[str] = []
    read_labs_table(path, warnings=warnings)
    assert not [w for w in warnings if "first column" in w], warnings
