"""A height written in feet and inches, as a US request form writes it (5'10", 5 ft 10 in, 6'), is read in the
lab form's entry (``clinical.entry_status``), the review session and a labs table alike; a lab field given no
number says what to type.

Seen in session 44: a tester typed the height 5'10" and the lab form refused it as "'5'10"' is not a number",
with no next step. The expected centimetres are worked by hand from the inch's definition, 2.54 cm exactly
(1959): 5'10" = 5 x 12 + 10 = 70 in = 177.8 cm; 6' = 72 in = 182.88 cm (182.9 to 4 significant digits);
5'11.5" = 71.5 in = 181.61 cm; 5'0" = 60 in = 152.4 cm; 4'11" = 59 in = 149.86 cm; 70" = 177.8 cm.
"""
import pytest

from mirage_model.clinical import ClinicalError, default_schema, entry_status, read_labs_table
from mirage_model.review.report.clinical_table import session_clinical_rows
from mirage_model.review.session import ReviewSession
from test_clinical import write

SCHEMA = default_schema()
HINT = "type the height in cm, or as 5'10\""


@pytest.mark.parametrize("text, cm, said", [
    ("5'10\"", 177.8, "'5'10\"' read as 5 ft 10 in (= 177.8 cm)"),
    ("5' 10\"", 177.8, "'5' 10\"' read as 5 ft 10 in (= 177.8 cm)"),
    ("5'10", 177.8, "'5'10' read as 5 ft 10 in (= 177.8 cm)"),
    ("5 ft 10 in", 177.8, "'5 ft 10 in' read as 5 ft 10 in (= 177.8 cm)"),
    ("5ft10in", 177.8, "'5ft10in' read as 5 ft 10 in (= 177.8 cm)"),
    ("5 FT 10 IN", 177.8, "'5 FT 10 IN' read as 5 ft 10 in (= 177.8 cm)"),
    ("5 feet 10 inches", 177.8, "'5 feet 10 inches' read as 5 ft 10 in (= 177.8 cm)"),
    ("5 ft 10", 177.8, "'5 ft 10' read as 5 ft 10 in (= 177.8 cm)"),
    ("5'10''", 177.8, "'5'10''' read as 5 ft 10 in (= 177.8 cm)"),            # two apostrophes for inches
    ("5\u203210\u2033", 177.8, "'5\u203210\u2033' read as 5 ft 10 in (= 177.8 cm)"),    # primes
    ("5\u201910\u201d", 177.8, "'5\u201910\u201d' read as 5 ft 10 in (= 177.8 cm)"),    # a word processor's quotes
    ("6'", 182.88, "'6'' read as 6 ft (= 182.9 cm)"),
    ("6 ft", 182.88, "'6 ft' read as 6 ft (= 182.9 cm)"),
    ("5'11.5\"", 181.61, "'5'11.5\"' read as 5 ft 11.5 in (= 181.6 cm)"),
    ("5'0\"", 152.4, "'5'0\"' read as 5 ft 0 in (= 152.4 cm)"),
    ("4'11\"", 149.86, "'4'11\"' read as 4 ft 11 in (= 149.9 cm)"),
    ("70\"", 177.8, "'70\"' read as 70 in (= 177.8 cm)"),                     # a bare inch mark
])
def test_a_height_in_feet_and_inches_is_read_in_cm_and_said(text, cm, said):
    canonical, status, message = entry_status(SCHEMA["height"], text)
    assert canonical == pytest.approx(cm, rel=1e-12) and status == "ok" and message == said


@pytest.mark.parametrize("text", [
    "5'13\"", "5'12", "5 ft 12 in",        # inches of 12 or more: a foot or more
    "5.10 ft", "5.5'",                     # feet with a fraction: 5 ft 10 in, or 5.1 ft?
    "5'10'", "5\"10", "5''10",             # the marks the other way round
    "5 ft 10 cm", "<5'10\"", "-5'10\"", "5'-10\"", "5 ft 10 in 2",
])
def test_a_height_in_feet_not_read_so_is_refused_saying_what_to_type(text):
    with pytest.raises(ClinicalError) as err:
        entry_status(SCHEMA["height"], text)
    assert str(err.value) == (f"height: '{text}' cannot be read as feet and inches (whole feet, then fewer than "
                              f"12 inches): {HINT}")


def test_feet_are_a_height_alone():
    """A weight or an age in feet is no number, as before (with a next step now); a height in cm as before."""
    with pytest.raises(ClinicalError, match="is not a number"):
        entry_status(SCHEMA["weight"], "5'10\"")
    assert entry_status(SCHEMA["height"], "172")[0] == 172.0
    assert entry_status(SCHEMA["height"], "70 in")[:2] == (pytest.approx(177.8), "ok")


def test_a_height_in_feet_out_of_range_is_refused_as_a_height():
    with pytest.raises(ClinicalError, match=r"108 in is not a possible Height \(possible range 30-260 cm\)"):
        entry_status(SCHEMA["height"], "9'0\"")                  # 108 in = 274.32 cm


@pytest.mark.parametrize("name, text, refusal", [
    ("weight", "abc", "'abc' is not a number: type a number, optionally with its unit (kg, g, lb)"),
    ("weight", "12 500", "'12 500' is not a number: type a number, optionally with its unit (kg, g, lb)"),
    ("age", "old", "'old' is not a number: type a number, optionally with its unit (years, months)"),
    ("crp", "pos", "'pos' is not a number: type a number, optionally with its unit (mg/L, mg/dL)"),
    ("potassium", "mmol/L", "'mmol/L' is not a number: type a number, optionally with its unit (mmol/L)"),
    ("height", "5 10", f"'5 10' is not a number: {HINT}"),
])
def test_a_lab_field_given_no_number_says_what_to_type(name, text, refusal):
    with pytest.raises(ClinicalError) as err:
        entry_status(SCHEMA[name], text)
    assert str(err.value) == f"{name}: {refusal}" and err.value.reason == "value"


def test_the_session_keeps_inches_and_the_report_converts_them():
    session = ReviewSession()
    v = session.set_value("height", "5'10\"")
    assert (v.text, v.unit, v.canonical, v.status) == ("70", "in", pytest.approx(177.8), "ok")
    assert v.message == "'5'10\"' read as 5 ft 10 in (= 177.8 cm)"
    rows = {r["name"]: r for r in session_clinical_rows(session)}
    assert (rows["height"]["value"], rows["height"]["unit"]) == ("70 (= 177.8 cm)", "in")
    refused = session.set_value("height", "5'13\"")
    assert refused.status == "refused" and refused.message.endswith(HINT)


def test_a_labs_table_reads_feet_and_inches_and_says_so(tmp_path):
    # r2 as a spreadsheet quotes it ("5'10"""); r1 and r3 as typed into a text file
    p = write(tmp_path, "record_id,height [cm]\nr1,5'10\"\nr2,\"5'10\"\"\"\nr3,6 ft\nr4,172\nr5,5'13\"\n")
    errors, warnings = {}, []
    table = read_labs_table(p, row_errors=errors, warnings=warnings)
    heights = {rid: SCHEMA["height"].to_canonical(*row["height"]) for rid, row in table.items()}
    assert heights == {"r1": pytest.approx(177.8), "r2": pytest.approx(177.8), "r3": pytest.approx(182.88),
                       "r4": 172.0}
    assert errors["r5"].endswith(f"line 6, column 'height [cm]': height: '5'13\"' cannot be read as feet and "
                                 f"inches (whole feet, then fewer than 12 inches): {HINT}")
    said = " ".join(warnings)
    assert "line 2, height [cm]: '5'10\"' read as 5 ft 10 in (= 177.8 cm)" in said
    assert "line 4, height [cm]: '6 ft' read as 6 ft (= 182.9 cm)" in said


def test_feet_in_an_inches_column_are_said_too(tmp_path):
    p = write(tmp_path, "record_id,height [in]\nr1,5'10\"\nr2,70\n")
    warnings = []
    table = read_labs_table(p, warnings=warnings)
    assert table["r1"]["height"] == (70.0, "in") and table["r2"]["height"] == (70.0, "in")
    assert "1 value written with a unit other than the column's" in " ".join(warnings)
    assert "line 2, height [in]: '5'10\"' read as 5 ft 10 in (= 177.8 cm)" in " ".join(warnings)


def test_a_height_without_inches_in_its_schema_reads_no_feet():
    """A schema saved by hand whose height takes cm alone: 5'10" is no number there (no KeyError for the
    inches it lacks), and the hint offers no feet."""
    from dataclasses import replace

    cm_only = replace(SCHEMA["height"], units={"cm": 1.0, "m": 100.0})
    with pytest.raises(ClinicalError) as err:
        entry_status(cm_only, "5'10\"")
    assert str(err.value).endswith("is not a number: type a number, optionally with its unit (cm, m)")
