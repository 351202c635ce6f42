""""-0" in a labs table or the lab form is 0, not -0.0: read as -0.0 it had been written "age=-0 years" and
"troponin_t=-0 ng/L" in mirage score's labs_used column (and its age_used "-0.0")."""

from __future__ import annotations

import math

from mirage_model.clinical import default_schema
from mirage_model.clinical.labs import read_labs_table
from mirage_model.clinical.values import parse_entry


def _positive_zero(x) -> bool:
    return x == 0 and math.copysign(1.0, x) == 1.0


def test_a_labs_tables_minus_zero_is_zero(tmp_path):
    table = tmp_path / "labs.csv"
    table.write_text("record_id,age,sex,height,weight,troponin_t\nr1,-0,M,170,70,-0.0\n")
    row = read_labs_table(table)["r1"]
    assert _positive_zero(row["age"][0]) and _positive_zero(row["troponin_t"][0])


def test_a_minus_zero_typed_in_the_lab_form_is_zero():
    age = next(f for f in default_schema().features if f.name == "age")
    assert _positive_zero(parse_entry(age, "-0"))
    assert _positive_zero(parse_entry(age, "-0,0", decimal_comma=True))
