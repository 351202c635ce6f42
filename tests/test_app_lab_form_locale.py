"""The lab form on a German or French workstation (a locale that writes decimal commas).

There "12.500" is twelve thousand five hundred: the point is the thousands point. The form had read it as
12.5 without a word, a value 1000 times too low (an NT-proBNP of 12500 pg/mL shown as normal). Where the
locale writes decimal commas, a point followed by exactly three digits after a non-zero whole part is refused
as ambiguous, as "12,500" is everywhere; "4,2" and "0,012" are read as 4.2 and 0.012 (by hand). Under US
English (the tests' default) "12.500" stays 12.5. A labs table's value, shown with its decimal point, is not
refused by the locale of the computer that shows it.
"""
import pytest
from PySide6.QtCore import QLocale

from helpers_lab_form import shown_lab_form, type_over
from mirage_model.clinical import default_schema, parse_entry


def _feature(name):
    return next(f for f in default_schema().features if f.name == name)


def test_parse_entry_refuses_a_thousands_point_only_where_commas_are_decimal():
    bnp = _feature("nt_probnp")
    assert parse_entry(bnp, "12.500") == 12.5
    for text in ("12.500", "1.234", "<1.234", "1.234 pg/mL"):
        with pytest.raises(Exception, match="ambiguous"):
            parse_entry(bnp, text, decimal_comma=True)
    assert parse_entry(bnp, "0.012", decimal_comma=True) == pytest.approx(0.012)    # no thousands before it
    assert parse_entry(bnp, "12.5", decimal_comma=True) == 12.5
    assert parse_entry(bnp, "1234", decimal_comma=True) == 1234.0
    for text, way_out, value in (("12.500", "12,5", 12.5), ("1.234", "1,2340", 1.234), ("3.000", "3,0", 3.0)):
        with pytest.raises(Exception, match=f"without the point \\({text.replace('.', '')}\\), or with a "
                                            f"decimal comma \\({way_out}\\)"):
            parse_entry(bnp, text, decimal_comma=True)
        assert parse_entry(bnp, way_out, decimal_comma=True) == pytest.approx(value)     # the message's way out


@pytest.mark.parametrize("language, country", [(QLocale.German, QLocale.Germany), (QLocale.French, QLocale.France)])
def test_typed_under_a_decimal_comma_locale(qtbot, locale, language, country):
    locale(language, country)
    form = shown_lab_form(qtbot, 600, "weight", "80", "kg")
    type_over(qtbot, form.editor("potassium"), "4,2")
    assert form.values()["potassium"] == (pytest.approx(4.2), "mmol/L")
    type_over(qtbot, form.editor("troponin_t"), "0,012")
    assert form.values()["troponin_t"][0] == pytest.approx(0.012)
    type_over(qtbot, form.editor("nt_probnp"), "12.500")
    assert "nt_probnp" not in form.values()
    assert form.status("nt_probnp") == "error"
    assert "12500" in form.message("nt_probnp") and "ambiguous" in form.message("nt_probnp")
    assert form.session.values["nt_probnp"].status == "refused"


def test_a_point_stays_a_decimal_point_in_english(qtbot):
    form = shown_lab_form(qtbot, 600, "weight", "80", "kg")
    type_over(qtbot, form.editor("nt_probnp"), "12.500")
    assert form.values()["nt_probnp"] == (12.5, "pg/mL")


def test_a_labs_tables_value_is_not_refused_by_the_locale(qtbot, locale):
    locale(QLocale.German, QLocale.Germany)
    form = shown_lab_form(qtbot, 600, "weight", "80", "kg")
    form.session.set_value("d_dimer", 1.234, source="table")
    form.refresh()
    assert form.values()["d_dimer"] == (pytest.approx(1.234), "mg/L FEU")
    assert form.status("d_dimer") != "error"
