"""Clinical schema: unit conversions against reference factors, encoding, flags, fit, labs tables."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mirage_model.clinical import (KNOWN_FEATURES, ClinicalError, ClinicalFeature, ClinicalSchema,
                                   LabsTableError, default_schema, read_labs_table)


@pytest.fixture()
def schema():
    return default_schema()


def test_known_features():
    assert KNOWN_FEATURES == ("age", "sex", "height", "weight", "troponin_t", "troponin_i", "d_dimer",
                              "ck_mb", "nt_probnp", "wbc", "crp", "creatinine", "potassium")
    s = default_schema()
    units = {f.name: f.unit for f in s.features}
    assert units["troponin_t"] == units["troponin_i"] == "ng/L"
    assert units["creatinine"] == "umol/L" and units["d_dimer"] == "mg/L FEU"
    assert units["wbc"] == "10^9/L" and units["potassium"] == "mmol/L" and units["crp"] == "mg/L"


# (feature, value, unit, expected canonical): published conversion factors
CONVERSIONS = [
    ("troponin_t", 0.014, "ng/mL", 14.0),             # 1 ng/mL = 1000 ng/L
    ("troponin_t", 14, "pg/mL", 14.0),
    ("troponin_i", 0.026, "µg/L", 26.0),
    ("creatinine", 1.0, "mg/dL", 88.4),               # 1 mg/dL = 88.4 umol/L
    ("creatinine", 0.1, "mmol/L", 100.0),
    ("crp", 1.2, "mg/dL", 12.0),                      # 1 mg/dL = 10 mg/L
    ("wbc", 7500, "/uL", 7.5),                        # 10^9/L = 10^3/uL
    ("wbc", 7.5, "x10³/µL", 7.5),
    ("wbc", 7.5, "K/uL", 7.5),
    ("d_dimer", 500, "ug/L FEU", 0.5),
    ("d_dimer", 0.5, "µg/mL FEU", 0.5),
    ("d_dimer", 250, "ng/mL DDU", 0.5),               # DDU ~ half of FEU
    ("nt_probnp", 125, "ng/L", 125.0),
    ("nt_probnp", 10, "pmol/L", 84.57),               # 8.457 pg/mL per pmol/L (8.46 kDa)
    ("ck_mb", 4, "ug/L", 4.0),
    ("potassium", 4.1, "mEq/L", 4.1),
    ("height", 70, "in", 177.8),
    ("height", 1.75, "m", 175.0),
    ("weight", 154, "lb", 69.853),
    ("age", 18, "months", 1.5),
]


@pytest.mark.parametrize("name,value,unit,expected", CONVERSIONS)
def test_unit_conversions(schema, name, value, unit, expected):
    assert schema[name].to_canonical(value, unit) == pytest.approx(expected, rel=1e-4)
    assert schema[name].to_canonical((value, unit)) == pytest.approx(expected, rel=1e-4)


def test_encode_normalises_and_masks(schema):
    s = schema.subset(["age", "sex", "troponin_t", "potassium", "height"])
    x, m = s.encode({"age": 65, "sex": "F", "troponin_t": (0.05, "ng/mL"), "potassium": None,
                     "height": float("nan")})
    assert x.dtype == m.dtype == np.float32 and x.shape == m.shape == (5,)
    assert m.tolist() == [1, 1, 1, 0, 0]
    age, sex, tnt = s["age"], s["sex"], s["troponin_t"]
    assert x[0] == pytest.approx((65 - age.mean) / age.std)
    assert x[1] == pytest.approx((0 - sex.mean) / sex.std)                     # F = 0
    assert x[2] == pytest.approx((math.log1p(50.0) - tnt.mean) / tnt.std)       # log1p of 50 ng/L
    assert x[3] == 0 and x[4] == 0
    x_none, m_none = s.encode(None)
    assert not x_none.any() and not m_none.any()
    x_blank, m_blank = s.encode({"age": "", "sex": "NA"})
    assert not m_blank.any()
    assert np.isfinite(x).all()


def test_sex_encodings(schema):
    f = schema["sex"]
    assert [f.to_canonical(v) for v in ("M", "male", "F", "female", 1, 0, "1")] == [1, 1, 0, 0, 1, 0, 1]
    with pytest.raises(ClinicalError, match="sex"):
        f.to_canonical("X")
    with pytest.raises(ClinicalError):
        f.to_canonical(2)


@pytest.mark.parametrize("values,feature,message", [
    ({"potassium": 40}, "potassium", "not a possible"),
    ({"age": -3}, "age", "not a possible"),
    ({"age": 300}, "age", "not a possible"),               # PTB-XL's code for > 89: loaders map it
    ({"troponin_t": (3, "mmol/L")}, "troponin_t", "unknown unit"),
    ({"creatinine": "high"}, "creatinine", "not a number"),
    ({"crp": float("inf")}, "crp", "not a possible"),
    ({"tropnin_t": 3}, "tropnin_t", "unknown clinical feature"),
    ({"weight": (200, "kg"), "height": (3, "m")}, "height", "not a possible"),
])
def test_bad_values_raise_clinical_error(schema, values, feature, message):
    with pytest.raises(ClinicalError, match=message) as info:
        schema.encode(values)
    assert info.value.feature == feature
    assert str(info.value).startswith(feature)


def test_known_feature_outside_subset_is_ignored(schema):
    s = schema.subset(["age"])
    x, m = s.encode({"age": 50, "troponin_t": 12})
    assert m.tolist() == [1]


def test_censored_results_count_at_their_limit(schema):
    assert schema["troponin_t"].to_canonical("<3") == 3.0
    assert schema["crp"].to_canonical("> 300") == 300.0


def test_flags(schema):
    assert schema["troponin_t"].flag((0.05, "ng/mL")) == "high"
    assert schema["troponin_t"].flag(14) is None
    assert schema["potassium"].flag(3.1) == "low"
    assert schema["potassium"].flag(5.6) == "high"
    assert schema["potassium"].flag(None) is None
    assert schema["age"].flag(99) is None                 # no reference range
    assert schema["creatinine"].flag((2.0, "mg/dL")) == "high"
    assert schema["potassium"].reference_text() == "3.5-5 mmol/L"
    assert schema["troponin_t"].reference_text() == "\u2264 14 ng/L"
    # each bound is within the range its text gives: the bound itself is not flagged
    for feat in schema.features:
        if feat.kind == "continuous" and feat.reference is not None:
            for bound in feat.reference:
                if bound is not None:
                    assert feat.flag(bound) is None and f"{bound:g}" in feat.reference_text(), feat.name
                    assert "<" not in feat.reference_text() and ">" not in feat.reference_text(), feat.name
    assert schema.flags({"potassium": 6.0, "wbc": 7})["potassium"] == "high"


def test_dict_round_trip_is_json(schema):
    fitted = schema.fit([{"age": 50, "troponin_t": 10}, {"age": 70, "troponin_t": 100}])
    text = json.dumps(fitted.to_dict(), allow_nan=False)
    back = ClinicalSchema.from_dict(json.loads(text))
    assert back == fitted
    x1, m1 = fitted.encode({"age": 61, "troponin_t": (0.02, "ng/mL"), "sex": "M"})
    x2, m2 = back.encode({"age": 61, "troponin_t": (0.02, "ng/mL"), "sex": "M"})
    assert np.array_equal(x1, x2) and np.array_equal(m1, m2)


@pytest.mark.parametrize("bad", [
    {"features": "x"},
    {"features": [{"name": "age"}]},
    {"features": [{"name": "age", "label": "Age", "unit": "y", "std": 0}]},
    {"features": [{"name": "age", "label": "Age", "unit": "y", "colour": 1}]},
    {"version": 99, "features": []},
    {"features": [{"name": "age", "label": "Age", "unit": "y", "trained": [90, 2]}]},
    {"features": [{"name": "age", "label": "Age", "unit": "y", "trained": [2, None]}]},
    {"features": [{"name": "age", "label": "Age", "unit": "y", "trained": [2]}]},
])
def test_from_dict_rejects_malformed(bad):
    with pytest.raises(ClinicalError):
        ClinicalSchema.from_dict(bad)


def test_fit_uses_present_values_only(schema):
    s = schema.subset(["age", "troponin_t", "potassium"])
    rows = [{"age": 40, "troponin_t": 5}, {"age": 60, "troponin_t": None}, {"age": 80, "troponin_t": (0.1, "ng/mL")},
            {"age": None}]
    fitted = s.fit(rows)
    assert fitted["age"].mean == pytest.approx(60.0) and fitted["age"].std == pytest.approx(np.std([40, 60, 80]))
    logs = np.log1p([5.0, 100.0])
    assert fitted["troponin_t"].mean == pytest.approx(logs.mean())
    assert fitted["troponin_t"].std == pytest.approx(logs.std())
    assert fitted["potassium"].mean == s["potassium"].mean      # no data: prior kept
    assert s["age"].std != fitted["age"].std                    # original untouched


def test_subset_order_and_errors(schema):
    s = schema.subset(["potassium", "age"])
    assert s.names == ["potassium", "age"] and len(s) == 2
    with pytest.raises(ClinicalError, match="unknown clinical feature"):
        schema.subset(["age", "bmi"])
    assert default_schema(["sex"]).names == ["sex"]


def test_errors_missing_drops_impossible_values(schema):
    s = schema.subset(["height", "weight"])
    with pytest.raises(ClinicalError, match="height"):
        s.encode({"height": 6, "weight": 70})
    x, m = s.encode({"height": 6, "weight": 70}, errors="missing")
    assert m.tolist() == [0, 1] and x[0] == 0
    with pytest.raises(ClinicalError, match="unknown unit"):        # a unit is never guessed away
        s.encode({"height": (6, "ft")}, errors="missing")


def test_ptbxl_metadata_encodes_and_fits(shared_datasets):
    """Real PTB-XL age/sex/height/weight: the few impossible entries (heights of 6 cm) raise by
    default and are dropped with errors="missing" (ages > 89 are coded 300 there); the fitted
    statistics equal pandas' on the same plausible values."""
    import pandas as pd

    db = pd.read_csv(shared_datasets / "ptbxl" / "ptbxl_database.csv")
    age = db["age"].where(db["age"] < 300, 90.0)
    rows = [{"age": a, "sex": {0: "M", 1: "F"}.get(int(s)) if s == s else None, "height": h, "weight": w}
            for a, s, h, w in zip(age, db["sex"], db["height"], db["weight"])]
    s = default_schema(["age", "sex", "height", "weight"])
    with pytest.raises(ClinicalError, match="height: 6 cm is not a possible Height"):
        s.encode_batch(rows)
    x, m = s.encode_batch(rows, errors="missing")
    assert x.shape == (len(db), 4) and np.isfinite(x).all()
    h = db["height"].where(db["height"] >= 30)
    assert m[:, 2].sum() == h.notna().sum() == db["height"].notna().sum() - 3
    fitted = s.fit(rows, errors="missing")
    assert fitted["height"].mean == pytest.approx(h.mean())
    assert fitted["height"].std == pytest.approx(h.std(ddof=0))
    assert fitted["sex"].mean == pytest.approx(1 - db["sex"].mean())       # PTB-XL codes male = 0
    assert 55 < fitted["age"].mean < 65


# ---------------------------------------------------------------------------------------------
# labs tables

def write(tmp_path, text, name="labs.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_labs_header_units(tmp_path):
    p = write(tmp_path, "record,troponin_t [ng/mL],Creatinine (mg/dL),sex,potassium\n"
                        "00001_lr,0.05,1.1,F,4.2\n"
                        "00002_lr,,0.9,M,\n")
    labs = read_labs_table(p)
    assert labs["00001_lr"] == {"troponin_t": (0.05, "ng/mL"), "creatinine": (1.1, "mg/dL"),
                                "sex": (0.0, None), "potassium": (4.2, None)}
    assert labs["00002_lr"] == {"creatinine": (0.9, "mg/dL"), "sex": (1.0, None)}
    x, m = default_schema(["troponin_t", "creatinine"]).encode(labs["00001_lr"])
    assert m.tolist() == [1, 1]
    assert default_schema()["troponin_t"].to_canonical(labs["00001_lr"]["troponin_t"]) == pytest.approx(50.0)


def test_labs_unit_row_semicolons_decimal_comma(tmp_path):
    p = write(tmp_path, "id;hs-Troponin T;CRP;WBC\nunits;ng/L;mg/dL;10^3/uL\nA1;12,5;0,8;7\nA2;;;\n")
    labs = read_labs_table(p)
    assert labs == {"A1": {"troponin_t": (12.5, "ng/L"), "crp": (0.8, "mg/dL"), "wbc": (7.0, "10^3/uL")},
                    "A2": {}}


def test_labs_subset_schema(tmp_path):
    p = write(tmp_path, "id,age\nr1,50\n")
    assert read_labs_table(p, default_schema(["age"])) == {"r1": {"age": (50.0, None)}}
    p = write(tmp_path, "id,age,crp\nr1,50,3\n")
    warnings = []                                   # a model that reads no CRP: the column is not used
    assert read_labs_table(p, default_schema(["age"]), warnings=warnings) == {"r1": {"age": (50.0, None)}}
    assert warnings == [f"{p}: not used: 'crp' (a column of no feature the model reads, nor a patient column; "
                        "known: age); the other columns are read"]


@pytest.mark.parametrize("text,line,column,message", [
    ("id,troponin_t\nr1,abc\n", 2, "troponin_t", "not a number"),
    ("id,troponin_t,troponine\nr1,3,22\n", 1, "troponine", "unknown feature column"),
    ("id,troponin_t [mmol/L]\nr1,3\n", 1, "troponin_t [mmol/L]", "unknown unit"),
    ("id,potassium\nr1,4\nr2,45\n", 3, "potassium", "not a possible"),
    ("id,age\nr1,40\nr1,41\n", 3, "id", "twice"),
    ("id,age,Age\nr1,40,40\n", 1, "Age", "twice"),
    ("id,age\nunits,kg\nr1,40\n", 2, "age", "unknown unit"),
    ("id,sex\nr1,X\n", 2, "sex", "not a sex we read"),
    ("id,sex\nr1,v\n", 2, "sex", "ambiguous"),
])
def test_labs_errors_name_file_line_column(tmp_path, text, line, column, message):
    p = write(tmp_path, text)
    with pytest.raises(LabsTableError, match=message) as info:
        read_labs_table(p)
    err = info.value
    assert isinstance(err, ClinicalError)
    assert (err.line, err.column) == (line, column)
    assert str(p) in str(err) and f"line {line}" in str(err) and repr(column) in str(err)


def test_labs_unknown_column_lists_known_names(tmp_path):
    p = write(tmp_path, "id,lactate\nr1,2\n")
    with pytest.raises(LabsTableError) as info:
        read_labs_table(p)
    for name in ("troponin_t", "nt_probnp", "potassium"):
        assert name in str(info.value)


def test_labs_unreadable_files(tmp_path):
    with pytest.raises(LabsTableError, match="cannot read"):
        read_labs_table(tmp_path / "absent.csv")
    with pytest.raises(LabsTableError, match="empty"):
        read_labs_table(write(tmp_path, "\n\n"))
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(LabsTableError):
        read_labs_table(tmp_path / "bin.csv")


def test_feature_matching():
    f = ClinicalFeature("troponin_t", "hs-Troponin T", "ng/L", aliases=("hstnt",))
    assert f.matches("Troponin-T") and f.matches("HS-TROPONIN T") and f.matches("hsTnT")
    assert not f.matches("troponin_i")


def test_a_thousands_separator_is_never_read_as_a_decimal(tmp_path):
    """NT-proBNP typed "12,500" had been stored as 12.5 pg/mL (a decimal comma), below the 125 pg/mL
    limit and unflagged, while the PDF printed "12,500": a comma before exactly three digits is refused
    as ambiguous, as is a point before three digits in a decimal-comma (semicolon) table; decimal
    commas otherwise, and a leading zero ("0,125"), are still read."""
    from mirage_model.clinical import parse_entry

    feat = default_schema()["nt_probnp"]
    for text in ("12,500", "1,500", "<1,500"):
        with pytest.raises(ClinicalError, match="ambiguous"):
            parse_entry(feat, text, "pg/mL")
    assert parse_entry(feat, "1,5", "pg/mL") == pytest.approx(1.5)
    assert parse_entry(feat, "0,125", "pg/mL") == pytest.approx(0.125)
    assert parse_entry(feat, "12500", "pg/mL") == pytest.approx(12500.0)
    p = write(tmp_path, "id;NT-proBNP\nunits;pg/mL\nA1;12.500\n")
    with pytest.raises(LabsTableError, match="ambiguous"):
        read_labs_table(p)
    p = write(tmp_path, "id;NT-proBNP\nunits;pg/mL\nA1;12,5\n")
    assert read_labs_table(p) == {"A1": {"nt_probnp": (12.5, "pg/mL")}}
    # a tab-separated export (either locale's spreadsheets write tabs): "1,234" pg/mL had been read as
    # 1.234, a thousandth of a US export's value, silently; refused for its row, as the lab form does
    p = write(tmp_path, "id\tNT-proBNP\tPotassium\nunits\tpg/mL\tmmol/L\nA1\t1,234\t4,5\nA2\t0,125\t4,25\n")
    errors: dict = {}
    assert read_labs_table(p, row_errors=errors) == {"A2": {"nt_probnp": (0.125, "pg/mL"),
                                                            "potassium": (4.25, "mmol/L")}}
    assert "'1,234' is ambiguous in a tab-separated table" in errors["A1"] and "(1234)" in errors["A1"]


def test_thousands_points_in_a_decimal_comma_table_say_how_to_write_the_value(tmp_path):
    """A German Excel export of a cell formatted with thousands points writes NT-proBNP 1234.5 pg/mL as "1.234,5":
    its row was refused with "'1.234,5' is not a number" and no word of what to write. It is refused still (the lab
    form refuses it too), saying how to write it; "1.250" stays ambiguous."""
    p = write(tmp_path, "id;NT-proBNP [pg/mL];Troponin T [ng/L]\nA1;1.234,5;12\nA2;<1.234.567;12\nA3;1.250;12\n")
    errors: dict = {}
    assert read_labs_table(p, row_errors=errors) == {}
    assert "'1.234,5' is not a number: write it without the thousands points (1234,5)" in errors["A1"]
    assert "'<1.234.567' is not a number: write it without the thousands points (<1234567)" in errors["A2"]
    assert "'1.250' is ambiguous" in errors["A3"]


@pytest.mark.parametrize("cell, hint", [
    ("weight_kg", "write the unit in brackets: 'weight [kg]'"),
    ("CRP mg/dL", "write the unit in brackets: 'CRP [mg/dL]'"),
    ("troponin_t_ng_per_L", "write the unit in brackets: 'troponin_t [ng/L]'"),
    ("creatinine_umol_L", "write the unit in brackets: 'creatinine [umol/L]'"),
    ("record_id", "the record id must be the first column"),
])
def test_labs_header_that_runs_a_unit_into_the_name_is_told_how_to_write_it(tmp_path, cell, hint):
    """'weight_kg' or 'CRP mg/dL' (units in the header, not in brackets) and an id column that is not
    the first were refused as 'unknown feature column' with the list of names, which all looked
    right to the user; the message now says what to write."""
    p = write(tmp_path, f"patient,{cell}\nr1,70\n")
    with pytest.raises(LabsTableError) as info:
        read_labs_table(p)
    assert str(info.value).startswith(f"{p}, line 1, column {cell!r}: unknown feature column (known: age,")
    assert str(info.value).endswith(f"; {hint}")
    fixed = hint.split("'")[1] if "[" in hint else None
    if fixed:                                            # the header as the hint writes it is read
        value = read_labs_table(write(tmp_path, f"patient,{fixed}\nr1,70\n", "fixed.csv"))["r1"]
        assert list(value.values()) == [(70.0, fixed.split("[")[1][:-1])]


@pytest.mark.parametrize("cell, hint, fixed, value", [
    # Roche's own name for the assay, as a German laboratory exports it: the refusal had said only
    # "unknown feature column" and listed the names, troponin_t among them, leaving the user to guess
    ("Troponin T hs [ng/L]", "'Troponin T' is troponin_t (hs-Troponin T), but 'hs' after it is no part of its "
                             "name: name the column 'Troponin T [ng/L]'", "Troponin T [ng/L]", "12"),
    ("Troponin T hs", "'Troponin T' is troponin_t (hs-Troponin T), but 'hs' after it is no unit of it: write its "
                      "unit in brackets, as 'Troponin T [ng/L]' (accepted: ng/L, pg/mL, ng/mL, ug/L), or leave "
                      "the column out", "Troponin T [ng/L]", "12"),
    ("weight_stones", "'weight' is weight (Weight), but 'stones' after it is no unit of it: write its unit in "
                      "brackets, as 'weight [kg]' (accepted: kg, g, lb, lbs), or leave the column out",
     "weight [kg]", "70"),
    ("sex_xyz", "'sex' is sex (Sex), but 'xyz' after it is no part of its name: name the column 'sex'", "sex", "F"),
])
def test_labs_header_of_a_feature_and_words_of_no_unit_names_the_feature(tmp_path, cell, hint, fixed, value):
    """A column whose name begins with a feature's and goes on with words of no unit is refused (the lab
    would be left out in silence), and the refusal now says which feature it read and which words kept it
    from the column; the column as the hint writes it is read."""
    with pytest.raises(LabsTableError) as info:
        read_labs_table(write(tmp_path, f"id;{cell}\nr1;{value}\n"))
    assert str(info.value).startswith(f"{tmp_path / 'labs.csv'}, line 1, column {cell!r}: unknown feature column")
    assert str(info.value).endswith(f"; {hint}")
    assert f"'{fixed}'" in hint
    read = read_labs_table(write(tmp_path, f"id;{fixed}\nr1;{value}\n", "fixed.csv"))["r1"]
    assert list(read) == [{"Troponin T [ng/L]": "troponin_t", "weight [kg]": "weight", "sex": "sex"}[fixed]]


def test_labs_header_of_no_feature_is_not_used(tmp_path):
    # no feature's name: a column of its own, not used (the rest read); alone, no feature at all
    assert read_labs_table(write(tmp_path, "id,comment,age\nr1,1,50\n")) == {"r1": {"age": (50.0, None)}}
    with pytest.raises(LabsTableError) as info:
        read_labs_table(write(tmp_path, "id,comment\nr1,1\n"))
    assert "line 1: no feature column: 1 unknown feature column ('comment'; known: age," in str(info.value)


def test_labs_decimal_comma_in_a_comma_separated_table_is_explained(tmp_path):
    """'12,5' unquoted in a comma-separated table split into two cells and was refused as '3 cells but
    the header has 2 columns', which said nothing of the comma; the message now says what happened."""
    p = write(tmp_path, "record_id,troponin_t [ng/L]\nr1,12\nr2,12,5\n")
    with pytest.raises(LabsTableError) as info:
        read_labs_table(p)
    assert str(info.value) == (f"{p}, line 3: 3 cells but the header has 2 columns; a decimal comma splits a value "
                               "in two in a comma-separated file: write a decimal point (12.5), or separate the "
                               "columns with ';'")
    p = write(tmp_path, "record_id;troponin_t [ng/L]\nr1;12\nr2;12,5\n", "semi.csv")      # as the hint says
    assert read_labs_table(p)["r2"] == {"troponin_t": (12.5, "ng/L")}
    p = write(tmp_path, "record_id,troponin_t [ng/L]\nr1,12,note\n", "text.csv")          # not a number: no hint
    with pytest.raises(LabsTableError) as info:
        read_labs_table(p)
    assert str(info.value).endswith("line 2: 3 cells but the header has 2 columns")


def test_labs_censored_values_are_counted_and_named(tmp_path, caplog):
    """An Excel export (BOM, ';', decimal commas) with results below or above the assay's range:
    "<5" and ">35000" count as their limits, as the lab form reads them. That had happened in
    silence, so a model learnt the limits as measured values; now one warning counts them and names
    the first three by line, column and cell. A table without any says nothing. The cells keep
    their mark ("<0,3" is "<0.3", not 0.3, which reads as measured wherever it is shown); the model
    reads the limit (``to_canonical``)."""
    from mirage_model.clinical import read_labs_table

    path = tmp_path / "labs_excel.csv"
    path.write_bytes("\ufeffid;troponin_t [ng/L];crp [mg/dL];nt_probnp [pg/mL]\r\n"
                     "1;<5;0,5;>35000\r\n2;12;<0,3;\r\n3;n/a;;125\r\n".encode("utf-8"))
    with caplog.at_level("WARNING"):
        table = read_labs_table(path)
    assert table["1"] == {"troponin_t": ("<5", "ng/L"), "crp": (0.5, "mg/dL"), "nt_probnp": (">35000", "pg/mL")}
    assert table["2"] == {"troponin_t": (12.0, "ng/L"), "crp": ("<0.3", "mg/dL")}
    schema = default_schema()
    assert [schema[n].to_canonical(table["1"][n]) for n in ("troponin_t", "nt_probnp")] == [5.0, 35000.0]
    assert schema["crp"].to_canonical(table["2"]["crp"]) == pytest.approx(3.0)     # 0.3 mg/dL
    assert table["3"] == {"nt_probnp": (125.0, "pg/mL")}
    assert "labs_excel.csv: 3 censored values read as their limit" in caplog.text
    assert "line 2, troponin_t [ng/L]: '<5' read as 5" in caplog.text
    assert "line 3, crp [mg/dL]: '<0,3' read as 0.3" in caplog.text
    caplog.clear()
    plain = tmp_path / "plain.csv"
    plain.write_text("id,troponin_t [ng/L]\n1,5\n")
    with caplog.at_level("WARNING"):
        read_labs_table(plain)
    assert "censored" not in caplog.text


@pytest.mark.parametrize("cell", ["unit", "Einheit CRP", "crp_unit", "Units"])
def test_labs_a_column_of_units_is_told_where_units_go(tmp_path, cell):
    """Units in a column of their own beside the values ("crp;unit", as a lab system exports them)
    are no layout the reader takes; the error had listed the feature names alone, leaving the
    researcher to guess. It now says where units go, and still names file, line and column."""
    from mirage_model.clinical import LabsTableError, read_labs_table

    path = tmp_path / "labs.csv"
    path.write_bytes(f"\ufeffid;crp;{cell}\r\n1;0,5;mg/dL\r\n".encode("utf-8"))
    with pytest.raises(LabsTableError) as err:
        read_labs_table(path)
    text = str(err.value)
    assert text.startswith(f"{path}, line 1, column '{cell}': unknown feature column")
    assert "units go in the header ('crp [mg/dL]') or in a second row whose first cell is 'unit'" in text


def test_labs_columns_without_a_unit_are_named_with_the_unit_assumed(tmp_path, caplog):
    """Troponin T written 0,012 (ng/mL, as many laboratories print it) under a header without a
    unit is read in the schema's ng/L: 0.012 ng/L, a thousand times too low, within the possible
    range and so taken in silence. The values stay as the docstring says (canonical unit), and a
    warning names each such column with the unit assumed and how to write another; columns with a
    unit, age, sex and a lab with one unit only (potassium: mmol/L = mEq/L) are not named."""
    from mirage_model.clinical import read_labs_table

    path = tmp_path / "labs.csv"
    path.write_text("id;age;sex;troponin_t;crp [mg/dL];potassium\n1;64;M;0,012;0,5;4,1\n2;70;F;0,5;;3,9\n")
    with caplog.at_level("WARNING"):
        table = read_labs_table(path)
    assert table["1"]["troponin_t"] == (0.012, None)
    assert ("labs.csv: no unit given for troponin_t: read in the schema's unit (troponin_t ng/L); if the "
            "laboratory's differ, write them in the header, e.g. 'troponin_t [ng/mL]'") in caplog.text
    (message,) = [m for m in caplog.messages if "no unit" in m]
    named = message.split("no unit given for ")[1].split(":")[0]
    assert named == "troponin_t"                    # not crp (its header has a unit), potassium, age or sex
    caplog.clear()
    path.write_text("id;troponin_t [ng/L];potassium\n1;12;4,1\n")
    with caplog.at_level("WARNING"):
        read_labs_table(path)
    assert "no unit" not in caplog.text


# sex as hospital tables write it: (cell, sex); the words' meanings from each language's dictionary
SEX_SPELLINGS = [("w", "F"), ("W.", "F"), ("weiblich", "F"), ("Männlich", "M"), ("ma\u0308nnlich", "M"),
                 ("männl.", "M"), ("femme", "F"), ("Homme", "M"), ("H", "M"), ("mujer", "F"), ("hombre", "M"),
                 ("donna", "F"), ("uomo", "M"), ("vrouw", "F"), ("man", "M"), ("mulher", "F"),
                 ("homem", "M"), ("kvinna", "F"), ("kobieta", "F"), ("mężczyzna", "M"), (" Feminin ", "F")]


@pytest.mark.parametrize("cell,sex", SEX_SPELLINGS)
def test_parse_sex_reads_the_words_of_european_languages(cell, sex):
    """PTB-XL's German 'w'/'weiblich', French 'femme', Spanish 'mujer'... had been refused."""
    from mirage_model.clinical import parse_sex

    assert parse_sex(cell) == sex


def test_parse_sex_keeps_what_it_read_and_refuses_what_is_ambiguous():
    from mirage_model.clinical import parse_sex
    from mirage_model.clinical.features import sex_refusal

    # what was read before is read alike
    for cell, sex in [("M", "M"), ("m", "M"), (" male ", "M"), ("Man", "M"), ("masculine", "M"), ("F", "F"),
                      ("female", "F"), ("WOMAN", "F"), ("feminine", "F")]:
        assert parse_sex(cell) == sex, cell
    # and what was refused, other than words of a language, stays refused
    for cell in ("1", "0", "", "x", "u", "unknown", "mf", "m/f", "d", None, 1, 0.0):
        assert parse_sex(cell) is None, cell
    # Dutch 'v' (vrouw) is female, Spanish 'v' (varón) male: refused, saying why
    assert parse_sex("v") is None and parse_sex("V.") is None
    assert sex_refusal("v") == "'v' is ambiguous (Dutch vrouw, female; Spanish varón, male): write M or F"
    assert sex_refusal("w") == ""


def test_a_labs_table_and_a_header_read_sex_in_german(tmp_path):
    """A table exported from a German hospital system ('w', 'm', 'weiblich') and a header's
    '#Sex: weiblich' give the model's codes (M 1, F 0), through the one parser."""
    from mirage_model.clinical import read_labs_table, record_values
    from mirage_model.records import load_header

    labs = tmp_path / "labs.csv"
    labs.write_text("Patient ID;sex;age\na;w;61\nb;M;70\nc;Weiblich;50\nd;männl.;40\n", encoding="utf-8")
    table = read_labs_table(labs)
    assert {rid: row["sex"][0] for rid, row in table.items()} == {"a": 0.0, "b": 1.0, "c": 0.0, "d": 1.0}
    hea = tmp_path / "r.hea"
    hea.write_text("r 1 500 1000\nr.dat 16 1000 16 0 0 0 0 I\n#Age: 61\n#Sex: weiblich\n")
    assert record_values(load_header(hea))["sex"] == "F"


def test_a_labs_table_with_german_headers_is_read_to_its_features(tmp_path):
    """A German laboratory's export heads its columns Alter, Geschlecht, Größe (or Groesse), Gewicht,
    Kreatinin, Kalium: each was an unknown column ("Kreatinin": "did you mean creatinine?") or, umlauts
    dropped from the name, no column at all. Natrium, Harnstoff, Glukose and Hämoglobin are no feature
    of the schema: not used, named."""
    labs = tmp_path / "labs.csv"
    labs.write_text("ECG;Alter;Geschlecht;Größe;Gewicht;Kreatinin [mg/dL];Kalium;Natrium;Harnstoff;Glukose;"
                    "Hämoglobin\n1;61;w;172;70,5;1,1;4,2;140;30;90;14\n", encoding="utf-8")
    not_read = []
    assert read_labs_table(labs, not_read=not_read) == {"1": {
        "age": (61.0, None), "sex": (0.0, None), "height": (172.0, None), "weight": (70.5, None),
        "creatinine": (1.1, "mg/dL"), "potassium": (4.2, None)}}
    assert not_read == ["Natrium", "Harnstoff", "Glukose", "Hämoglobin"]
    # without umlauts, in capitals, as longer names
    labs.write_text("ECG,GROESSE,Körpergewicht,Leukozyten,D-Dimere\n1,180,80,7.5,0.4\n", encoding="utf-8")
    assert read_labs_table(labs) == {"1": {"height": (180.0, None), "weight": (80.0, None), "wbc": (7.5, None),
                                           "d_dimer": (0.4, None)}}


def test_a_short_lab_name_with_two_letters_swapped_under_its_unit_is_refused(tmp_path):
    """"CPR [mg/dL]" (CRP typed with r and p swapped) was named "not used" in a warning and the model trained
    without CRP; its unit says a lab was meant: refused, naming crp, as "troponine" is. "CPR" with no unit (a
    resuscitation flag) and a lab no model reads ("Cholesterol [mg/dL]") stay columns of their own."""
    labs = tmp_path / "labs.csv"
    labs.write_text("ECG;CPR [mg/dL];WCB [10^9/L];age\n1;0,5;7;61\n")
    with pytest.raises(LabsTableError) as info:
        read_labs_table(labs)
    text = str(info.value)
    assert text.startswith(f"{labs}, line 1, column 'CPR [mg/dL]': unknown feature column (known: ")
    assert "); did you mean crp? Write a feature's name as listed, or leave the column out; 1 more problem: " in text
    assert text.endswith("column 'WCB [10^9/L]': unknown feature column (known: age, sex, height, weight, troponin_t, "
                         "troponin_i, d_dimer, ck_mb, nt_probnp, wbc, crp, creatinine, potassium); did you mean wbc? "
                         "Write a feature's name as listed, or leave the column out")
    labs.write_text("ECG;CPR;Cholesterol [mg/dL];CRP [mg/dL]\n1;ja;200;0,5\n")
    not_read: list = []
    assert read_labs_table(labs, not_read=not_read) == {"1": {"crp": (0.5, "mg/dL")}}
    assert not_read == ["CPR", "Cholesterol [mg/dL]"]


def test_a_bare_troponin_column_names_both_troponins(tmp_path):
    """"Troponin", as a German report heads it, is troponin T or I: no alias, and the refusal had
    guessed "did you mean troponin_t?"; it names both."""
    labs = tmp_path / "labs.csv"
    labs.write_text("ECG,Troponin\n1,12\n")
    with pytest.raises(LabsTableError) as info:
        read_labs_table(labs)
    assert str(info.value).endswith("; did you mean troponin_t or troponin_i? Write a feature's name as listed, "
                                    "or leave the column out")


def test_the_shipped_models_read_a_labs_table_in_the_readers_units():
    """A labs table is read with ``default_schema`` whatever the model, and a model takes its features
    by name: a column with no unit means the same to a shipped model only where its feature's unit is the
    reader's. The shipped models' features and units, as their config.json files hold them."""
    from pathlib import Path

    reader = {f.name: f.unit for f in default_schema().features}
    models = Path(__file__).resolve().parents[1] / "resources" / "models"
    for config in sorted(models.glob("*/config.json")):
        units = {f["name"]: f["unit"] for f in json.loads(config.read_text())["clinical"]["features"]}
        assert units == {"age": "years", "sex": "", "height": "cm", "weight": "kg"}, config
        assert all(reader[name] == unit for name, unit in units.items()), config


def test_a_sex_written_as_a_number_is_read_as_the_models_code_and_said_so(tmp_path):
    """0/1 mean different sexes in different tables: PTB-XL's ptbxl_database.csv writes 0 for male and
    1 for female, the model (``SEX_CODE``) 1 for male. A bare number is read as the model's, with a
    warning naming the column and the lines; a column named sex_m says which, and words need no warning."""
    from mirage_model.clinical.features import SEX_CODE
    from mirage_model.clinical.labs import read_labs_table

    (tmp_path / "n.csv").write_text("record_id,age,Sex\n1,60,1\n14,55,0\n15,50,F\n")
    warned: list[str] = []
    table = read_labs_table(tmp_path / "n.csv", warnings=warned)
    assert table["1"]["sex"][0] == SEX_CODE["M"] and table["14"]["sex"][0] == SEX_CODE["F"]
    assert len(warned) == 1 and "column 'Sex' gives sex as a number on 2 rows (lines 2, 3)" in warned[0]
    assert "PTB-XL's own table codes 0 = male" in warned[0]
    for text in ("record_id,age,sex_m\n1,60,1\n14,55,0\n", "record_id,age,sex\n1,60,M\n14,55,weiblich\n"):
        (tmp_path / "q.csv").write_text(text)
        quiet: list[str] = []
        read_labs_table(tmp_path / "q.csv", warnings=quiet)
        assert quiet == []


def test_a_value_beyond_the_training_data_is_read_at_its_edge(schema):
    """``fit`` keeps the training values' smallest and largest; a value beyond them reaches the model
    as the edge (a weight of 450 kg, possible but never seen, is read as the heaviest seen), with
    words saying so; inside, or with no range (a schema saved before), it is read as given."""
    s = schema.subset(["weight", "sex", "troponin_t"])
    fitted = s.fit([{"weight": 52, "sex": "F", "troponin_t": 3}, {"weight": 140, "sex": "M", "troponin_t": 900},
                    {"weight": (154.32, "lb")}])
    assert fitted["weight"].trained == (52.0, 140.0) and fitted["troponin_t"].trained == (3.0, 900.0)
    assert fitted["sex"].trained is None and s["weight"].trained is None
    back = ClinicalSchema.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert back == fitted
    edge = fitted.encode({"weight": 140})[0][0]
    assert fitted.encode({"weight": 450})[0][0] == edge != fitted.encode({"weight": 139})[0][0]
    assert fitted.encode({"weight": (30, "kg")})[0][0] == fitted.encode({"weight": 52})[0][0]
    assert fitted.encode({"troponin_t": 5000})[0][2] == fitted.encode({"troponin_t": 900})[0][2]
    assert fitted["weight"].training_note(450.0) == ("above the range of the model's training data (52-140 kg): "
                                                     "used as 140 kg")
    assert fitted["weight"].training_note(30.0).startswith("below the range") and "used as 52 kg" in \
        fitted["weight"].training_note(30.0)
    assert fitted["weight"].training_note(100.0) == "" == s["weight"].training_note(450.0)
    assert s.encode({"weight": 450})[0][0] == pytest.approx((450 - s["weight"].mean) / s["weight"].std)


def test_a_spreadsheets_not_available_cell_is_a_missing_value(tmp_path):
    """A labs table merged in a spreadsheet by lookup writes "#N/A" (German Excel "#NV") where the
    lookup found no result: Excel's "value not available". It had refused the table ("'#N/A' is not a
    number"); it is a missing value, as "NA" is. A formula's error ("#VALUE!", "#DIV/0!") says the
    cell's formula is wrong, not that no value exists: still refused, naming the cell."""
    from mirage_model.clinical import read_labs_table

    path = tmp_path / "labs.csv"
    path.write_text("id,troponin_t [ng/L],crp [mg/L]\n1,#N/A,3\n2,12,#NV\n3, #n/a ,4\n")
    assert read_labs_table(path) == {"1": {"crp": (3.0, "mg/L")}, "2": {"troponin_t": (12.0, "ng/L")},
                                     "3": {"crp": (4.0, "mg/L")}}
    for error in ("#VALUE!", "#DIV/0!"):
        path.write_text(f"id,crp [mg/L]\n1,{error}\n")
        with pytest.raises(ClinicalError, match=f"line 2, column 'crp \\[mg/L\\]': crp: '{error}' is not a number"):
            read_labs_table(path)


def test_a_decimal_comma_in_a_comma_table_is_refused_saying_how_to_write_it(tmp_path):
    """A comma-separated table whose potassium is a quoted "4,5" (a spreadsheet of a decimal-comma
    locale saved as CSV) was refused as "'4,5' is not a number", which it reads as: the refusal stays
    (the comma table says nothing of a decimal comma), and now says what the cell looks like and how to
    write it. Truth: the values this test writes."""
    p = write(tmp_path, 'id,potassium\nr1,"4,5"\n')
    with pytest.raises(LabsTableError) as info:
        read_labs_table(p)
    said = str(info.value)
    assert "'4,5'" in said and "decimal comma (4.5)" in said and "decimal point (4.5)" in said
    assert "semicolons" in said and "thousands" not in said
    p = write(tmp_path, 'id,nt_probnp [pg/mL]\nr1,"12,500"\n')      # twelve and a half, or 12500?
    with pytest.raises(LabsTableError, match=r"decimal comma \(12\.500\) or a thousands separator \(12500\)"):
        read_labs_table(p)
