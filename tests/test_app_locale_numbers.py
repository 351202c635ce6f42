"""``app.locale_numbers.decimal_comma``: the one rule the lab form and the batch dialog read a locale's numbers by.

Truth: the Unicode CLDR's decimal marks, as a person in each country writes them: a comma in Germany and France,
a point in the United States and in German-speaking Switzerland (the language alone does not tell)."""

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QLocale  # noqa: E402

from app.locale_numbers import decimal_comma  # noqa: E402


@pytest.mark.parametrize("language, country, comma", [
    (QLocale.German, QLocale.Germany, True), (QLocale.French, QLocale.France, True),
    (QLocale.English, QLocale.UnitedStates, False), (QLocale.German, QLocale.Switzerland, False)])
def test_the_system_locale_decides(locale, language, country, comma):
    locale(language, country)
    assert decimal_comma() is comma
    assert decimal_comma(QLocale(language, country)) is comma


def test_a_locale_given_is_read_not_the_system_one(locale):
    locale(QLocale.German, QLocale.Germany)
    assert decimal_comma(QLocale(QLocale.English, QLocale.UnitedStates)) is False
    from app.dialogs.batch_paths import locale_dialect

    assert locale_dialect() == "excel-eu" and locale_dialect(QLocale(QLocale.English, QLocale.UnitedStates)) == "excel"
