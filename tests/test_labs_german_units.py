"""A German laboratory writes an age's unit in German: "Alter (Jahre)", "Alter [J]", "Alter [a]" (annus, the
SI symbol), an infant's "Alter [Monate]". The column's name was read (Alter) and its unit refused ("unknown unit
'Jahre' for Age"), so the table the README's German example stands for stopped the run."""
import pytest

from mirage_model.clinical import read_labs_table
from mirage_model.clinical.labs import LabsTableError


@pytest.mark.parametrize("header, years", [("Alter (Jahre)", 61.0), ("Alter [J]", 61.0), ("Alter [a]", 61.0),
                                           ("Alter [Jahr]", 61.0), ("Alter [Monate]", 61 / 12)])
def test_an_age_in_german_units_is_read_in_years(tmp_path, header, years):
    labs = tmp_path / "labs.csv"
    labs.write_text(f"Fallnummer;{header};Geschlecht\nH-000123;61;w\n", encoding="utf-8")
    table = read_labs_table(labs)
    value, unit = table["H-000123"]["age"]
    from mirage_model.clinical import default_schema
    age = {f.name: f for f in default_schema().features}["age"]
    assert value * age.factor(unit) == pytest.approx(years)


def test_a_unit_of_no_age_is_still_refused(tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text("Fallnummer;Alter [kg]\nH-000123;61\n", encoding="utf-8")
    with pytest.raises(LabsTableError, match="unknown unit 'kg' for Age"):
        read_labs_table(labs)
