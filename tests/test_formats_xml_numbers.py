"""One count parser for the vendor XML readers: GE CardioSoft's strict (a whole number or none), GE MUSE's
accepting decimals (a count written "5000.0" is 5000), chosen by an explicit option."""

from __future__ import annotations

import pytest

from mirage_model.formats.xml_numbers import whole_count


@pytest.mark.parametrize("text, strict, decimals", [
    ("5000", 5000, 5000), (" 12\n", 12, 12), ("-3", -3, -3), ("+7", 7, 7),
    ("5000.0", None, 5000), ("5000,0", None, 5000), ("4.7", None, 4), ("5e3", None, 5000),
    ("", None, None), (None, None, None), ("x", None, None), ("nan", None, None), ("inf", None, None),
])
def test_a_count_field_is_read_strictly_or_with_decimals_as_asked(text, strict, decimals):
    assert whole_count(text) == strict
    assert whole_count(text, decimals=True) == decimals
