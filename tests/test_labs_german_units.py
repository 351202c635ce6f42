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


def test_a_model_saved_before_the_german_units_converts_them_as_the_reader_does(tmp_path):
    """The reader takes "Alter (Jahre)"; a checkpoint's schema keeps the units of its day, and a model saved
    before them had failed every record of mirage score ("clinical values: age: unknown unit 'Jahre' for Age").
    The checkpoint's age feature, as such a model's config.json holds it (no German unit), converts them."""
    from mirage_model.clinical import ClinicalSchema

    stored = {"version": 1, "features": [
        {"name": "age", "label": "Age", "unit": "years", "units": {"years": 1.0, "y": 1.0, "yr": 1.0, "yrs": 1.0,
         "year": 1.0, "months": 1 / 12, "mo": 1 / 12}, "valid": [0.0, 130.0], "mean": 59.0, "std": 17.0,
         "aliases": ["alter", "lebensalter"]},
        {"name": "own_score", "label": "Own score", "unit": "points", "units": {}}]}
    schema = ClinicalSchema.from_dict(stored)
    age, own = schema.features
    assert age.factor("Jahre") == 1.0 and age.factor("Monate") == pytest.approx(1 / 12)
    assert age.to_canonical(("61", "Jahre")) == 61.0
    with pytest.raises(Exception, match="unknown unit 'kg' for Age"):
        age.factor("kg")
    with pytest.raises(Exception, match="unknown unit 'Jahre' for Own score"):
        own.factor("Jahre")
