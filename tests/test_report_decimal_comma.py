"""The PDF's clinical table prints a value typed with a decimal comma with a decimal point, as it prints every
other number (measurements, probabilities, a labs table's values): "4,2" typed for potassium on a German
workstation had been printed "4,2 mmol/L" beside "12.5 mg/L" from the labs table, two conventions in one
clinical document. The value is the one read (4.2, 1.2 mg/dL = 106.08 umol/L by hand: 1.2 x 88.4); a censored
one keeps its mark; a refused value is printed as it was typed (what was refused).
"""
from mirage_model.review.report.clinical_table import session_clinical_rows
from mirage_model.review.session import ReviewSession


def _rows(values):
    s = ReviewSession()
    for name, text, unit in values:
        s.set_value(name, text, unit)
    return {r["name"]: r for r in session_clinical_rows(s)}


def test_a_typed_decimal_comma_is_printed_as_a_point():
    rows = _rows([("potassium", "4,2", None), ("troponin_t", "<0,3", None), ("creatinine", "1,2", "mg/dL"),
                  ("crp", "12.5", None)])
    assert (rows["potassium"]["value"], rows["potassium"]["unit"]) == ("4.2", "mmol/L")
    assert rows["troponin_t"]["value"] == "<0.3"
    assert rows["creatinine"]["value"] == "1.2 (= 106.1 umol/L)" and rows["creatinine"]["unit"] == "mg/dL"
    assert rows["crp"]["value"] == "12.5"


def test_a_refused_value_is_printed_as_typed():
    rows = _rows([("nt_probnp", "12,500", None)])
    assert rows["nt_probnp"]["value"] == "12,500" and rows["nt_probnp"]["flag"] == "refused"
