"""A value written with its unit ("70 kg", "1.2 mg/dL") is read in that unit, in the lab form's entry
(``clinical.entry_status``), the review session and a labs table alike.

Seen in session 44: a cardiologist typed the weight as it stands on the request form, "70 kg", and the form
refused it as "'70 kg' is not a number"; "4.1 mmol/L" and "1.2 mg/dL" alike. A unit the feature takes is read
(case and spacing aside), converted as choosing it in the unit box would; one it does not take, or one of
another quantity (a weight in cm), is refused naming the units it takes.

The expected numbers are worked by hand from the units' definitions, not from the schema's factors:
creatinine's molar mass is 113.12 g/mol (C4H7N3O: 4 x 12.011 + 7 x 1.008 + 3 x 14.007 + 15.999), so 1 mg/dL
= 10 mg/L / 113.12 mg/mmol = 0.0884 mmol/L = 88.4 umol/L (the factor KDIGO 2012 gives), and 1.2 mg/dL is
106.08 umol/L; the international pound is 0.45359237 kg exactly (1959), so 150 lb is 68.0388555 kg;
1 ng/mL is 1000 ng/L; 18 months are 1.5 years.
"""
import pytest

from mirage_model.clinical import ClinicalError, default_schema, entry_status, read_labs_table
from mirage_model.review.report.clinical_table import session_clinical_rows
from mirage_model.review.session import ReviewSession
from test_clinical import write

SCHEMA = default_schema()


@pytest.mark.parametrize("name, text, box, expected, message", [
    ("weight", "70 kg", None, 70.0, "'70 kg' read as 70 kg"),
    ("weight", "70kg", None, 70.0, "'70kg' read as 70 kg"),
    ("weight", "70 KG", None, 70.0, "'70 KG' read as 70 kg"),
    ("weight", "70 kg", "lb", 70.0, "'70 kg' read as 70 kg"),           # the unit typed, not the box's
    ("weight", "150 lb", None, 68.0388555, "'150 lb' read as 150 lb (= 68.04 kg)"),
    ("height", "172 cm", None, 172.0, "'172 cm' read as 172 cm"),
    ("height", "1.72 m", None, 172.0, "'1.72 m' read as 1.72 m (= 172 cm)"),
    ("potassium", "4.1 mmol/L", None, 4.1, "'4.1 mmol/L' read as 4.1 mmol/L"),
    ("potassium", "5.2 mmol/l", None, 5.2, "'5.2 mmol/l' read as 5.2 mmol/L; high (reference 3.5-5 mmol/L)"),
    ("creatinine", "1.2 mg/dL", None, 106.08, "'1.2 mg/dL' read as 1.2 mg/dL (= 106.1 umol/L)"),
    ("troponin_t", "0.03 ng/mL", None, 30.0,
     "'0.03 ng/mL' read as 0.03 ng/mL (= 30 ng/L); high (reference \u2264 14 ng/L)"),
    ("age", "18 months", None, 1.5, "'18 months' read as 18 months (= 1.5 years)"),
    ("weight", "70,5 kg", None, 70.5, "'70,5 kg' read as 70.5 kg"),       # a decimal comma, as without a unit
    ("weight", "70.5 kgs", None, 70.5, "'70.5 kgs' read as 70.5 kg"),     # a plural, as "lbs" is
    ("height", "172 CMs", None, 172.0, "'172 CMs' read as 172 cm"),
])
def test_a_value_typed_with_a_unit_the_field_takes_is_read_in_it(name, text, box, expected, message):
    canonical, _status, said = entry_status(SCHEMA[name], text, box)
    assert canonical == pytest.approx(expected, rel=1e-12)
    assert said == message


@pytest.mark.parametrize("name, text, message", [
    ("weight", "70 st", "'70 st': unit 'st' not known for Weight; type kg (or g, lb, lbs)"),
    ("weight", "70 cm", "'70 cm': unit 'cm' not known for Weight; type kg (or g, lb, lbs)"),     # no guess
    ("potassium", "4.1 mg", "'4.1 mg': unit 'mg' not known for Potassium; type mmol/L (or mEq/L)"),
    ("height", "172 kg", "'172 kg': unit 'kg' not known for Height; type cm (or m, mm, in, inch, inches)"),
    ("height", "1.72 ms", "'1.72 ms': unit 'ms' not known for Height; type cm (or m, mm, in, inch, inches)"),
])
def test_a_unit_the_field_does_not_take_is_refused_naming_those_it_takes(name, text, message):
    with pytest.raises(ClinicalError) as err:
        entry_status(SCHEMA[name], text)
    assert str(err.value) == f"{name}: {message}" and err.value.reason == "unit"


@pytest.mark.parametrize("name, text, box, expected, message", [
    ("weight", "70", None, 70.0, ""),
    ("weight", "150", "lb", 68.0388555, ""),
    ("crp", ">20", None, 20.0, "high (reference \u2264 5 mg/L)"),         # an assay's limit, as before
    ("age", ">89 years", None, 90.0, "'>89 years' read as 90, the youngest the patient can be"),
    ("age", "300", None, 90.0, "PTB-XL age 300 means older than 89; shown as 90"),
])
def test_plain_numbers_and_written_limits_read_as_before(name, text, box, expected, message):
    canonical, _status, said = entry_status(SCHEMA[name], text, box)
    assert canonical == pytest.approx(expected, rel=1e-12) and said == message


@pytest.mark.parametrize("name, text, refusal", [
    ("age", "<2", "'<2' is an age under 2 years, not one age"),
    ("weight", "12 500", "'12 500' is not a number"),              # a digit after a blank is no unit
    ("weight", "1,500 kg", "'1,500' is ambiguous"),
    ("weight", "1e3", "1000 kg is not a possible Weight"),         # an exponent is no unit
    ("weight", "2-3", "'2-3' is not a number"),
    ("potassium", "mmol/L", "'mmol/L' is not a number"),
])
def test_the_refusals_stay(name, text, refusal):
    with pytest.raises(ClinicalError, match=refusal.replace("(", r"\(")):
        entry_status(SCHEMA[name], text)


def test_the_session_keeps_the_number_in_its_unit_and_the_report_converts_it():
    """Kept as 1.2 in mg/dL, as if typed in the unit box: the PDF's table then prints "1.2 mg/dL (= 106.1
    umol/L)", not the text typed beside a unit ("1.2 mg/dL umol/L")."""
    session = ReviewSession()
    v = session.set_value("creatinine", "1.2 mg/dL")
    assert (v.text, v.unit, v.canonical, v.status) == ("1.2", "mg/dL", pytest.approx(106.08), "ok")
    w = session.set_value("weight", "70 KG", "lb")          # the canonical unit: no unit kept
    assert (w.text, w.unit, w.canonical) == ("70", None, 70.0)
    rows = {r["name"]: r for r in session_clinical_rows(session)}
    assert (rows["creatinine"]["value"], rows["creatinine"]["unit"]) == ("1.2 (= 106.1 umol/L)", "mg/dL")
    assert (rows["weight"]["value"], rows["weight"]["unit"]) == ("70", "kg")
    refused = session.set_value("potassium", "4.1 mg")
    assert refused.status == "refused" and refused.message.startswith("'4.1 mg': unit 'mg' not known")


@pytest.mark.parametrize("name, text, said", [
    ("weight", "154 lb", "69.85 kg"),            # 154 x 0.45359237 = 69.8532 kg, 4 significant digits: 69.85
    ("creatinine", "1.2 mg/dL", "106.1 umol/L"),  # 1.2 x 88.4 = 106.08 umol/L: 106.1
    ("nt_probnp", "12.5 ng/mL", "12500 pg/mL"),   # 12.5 x 1000 = 12500 pg/mL, in whole units, not 1.25e+04
])
def test_the_form_says_a_converted_value_as_the_pdf_prints_it(name, text, said):
    """Seen in session 44: a cardiologist typed the weight "154 lb" and the form said "(= 69.8532 kg)", a
    precision no scale has, while the PDF's values table printed the same value "(= 69.85 kg)". Both now say
    the 4 significant digits (a number of 10,000 or more in whole units)."""
    _canonical, _status, message = entry_status(SCHEMA[name], text)
    assert message.startswith(f"{text!r} read as {text} (= {said})")
    session = ReviewSession()
    session.set_value(name, text)
    row = {r["name"]: r for r in session_clinical_rows(session)}[name]
    assert row["value"].endswith(f"(= {said})")


def test_a_labs_table_reads_a_cell_in_its_own_unit_and_says_so_where_it_is_not_the_columns(tmp_path):
    path = write(tmp_path, "record_id,weight,creatinine [umol/L],potassium,age,crp\n"
                            "r1,70 kg,1.2 mg/dL,4.1 mmol/L,18 months,2 mg/L\n"
                            "r2,70kg,100,5.2 mmol/l,43,3\n"
                            "r3,70 KG,88.4 umol/L,4.0,>89 years,\n")
    warnings = []
    table = read_labs_table(path, warnings=warnings)
    assert table["r1"] == {"weight": (70.0, "kg"), "creatinine": (1.2, "mg/dL"), "potassium": (4.1, "mmol/L"),
                           "age": (18.0, "months"), "crp": (2.0, "mg/L")}
    assert table["r2"]["weight"] == (70.0, "kg") and table["r2"]["creatinine"] == (100.0, "umol/L")
    assert table["r3"]["creatinine"] == (88.4, "umol/L") and table["r3"]["age"] == (90.0, "years")
    schema = default_schema()
    assert schema["creatinine"].to_canonical(table["r1"]["creatinine"]) == pytest.approx(106.08)
    assert schema["age"].to_canonical(table["r1"]["age"]) == pytest.approx(1.5)
    assert (f"{path}: 2 values written with a unit other than the column's, read in the unit written "
            "(line 2, creatinine [umol/L]: '1.2 mg/dL' read as 1.2 mg/dL (= 106.1 umol/L); "
            "line 2, age: '18 months' read as 18 months (= 1.5 years))") in warnings
    # crp had a bare 3 (read in the schema's unit): said; weight's every cell had its own: not said
    assert any("no unit given for crp: read in the schema's unit (crp mg/L)" in w for w in warnings)
    assert not any("no unit given" in w and "weight" in w for w in warnings)


def test_a_labs_table_refuses_a_unit_its_column_does_not_take_naming_file_line_and_column(tmp_path):
    path = write(tmp_path, "record_id,weight,potassium\nr1,70 st,4.1\nr2,70,4.1 mg\n")
    with pytest.raises(ClinicalError) as err:
        read_labs_table(path)
    assert str(err.value) == (f"{path}, line 2, column 'weight': weight: '70 st': unit 'st' not known for Weight; "
                              "type kg (or g, lb, lbs); 1 more problem: line 3, column 'potassium': potassium: "
                              "'4.1 mg': unit 'mg' not known for Potassium; type mmol/L (or mEq/L)")
    errors = {}
    table = read_labs_table(path, row_errors=errors)         # a batch: the other rows go on
    assert table == {} and set(errors) == {"r1", "r2"}
    assert "'70 st': unit 'st' not known for Weight" in errors["r1"]
