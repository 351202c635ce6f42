"""A labs table saved by Excel as "Unicode text" (UTF-16 LE with a byte order mark, tab-delimited) had been read as
Windows-1252 and refused in confusing words; UTF-16 (LE and BE, with a mark, or LE and BE without one, told by its NUL
bytes) and UTF-32 with a mark are read, their values those of the same table in UTF-8, and no warning is given.

Truth: the table's values as written by hand below (the German Excel table of test_labs_windows_1252, tabs for its
semicolons).
"""

from __future__ import annotations

import codecs

import pytest

from mirage_model.clinical import LabsTableError, read_labs_table

TABLE = "EKG\tAlter\tGeschlecht\tGröße [cm]\tGewicht [kg]\ths-TnT [ng/L]\r\n00417_lr\t61\tmännlich\t172\t80,5\t12,5\r\n"
VALUES = {"00417_lr": {"age": (61.0, None), "sex": (1.0, None), "height": (172.0, "cm"), "weight": (80.5, "kg"),
                       "troponin_t": (12.5, "ng/L")}}


@pytest.mark.parametrize("saved", [codecs.BOM_UTF16_LE + TABLE.encode("utf-16-le"),      # Excel's "Unicode text"
                                   codecs.BOM_UTF16_BE + TABLE.encode("utf-16-be"),
                                   TABLE.encode("utf-16-le"), TABLE.encode("utf-16-be"),        # no mark
                                   codecs.BOM_UTF32_LE + TABLE.encode("utf-32-le"),
                                   codecs.BOM_UTF32_BE + TABLE.encode("utf-32-be")],
                         ids=["utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf32le-bom", "utf32be-bom"])
def test_a_unicode_text_table_reads_as_its_utf8_twin(tmp_path, saved):
    labs = tmp_path / "labs.csv"
    labs.write_bytes(TABLE.encode("utf-8"))
    assert read_labs_table(labs) == VALUES
    labs.write_bytes(saved)
    warnings: list = []
    assert read_labs_table(labs, warnings=warnings) == VALUES
    assert warnings == []


def test_a_damaged_utf16_table_says_what_it_is(tmp_path):
    """A UTF-16 table cut inside a character (an odd count of bytes) is refused naming the encoding and how to save
    it, not read as Windows-1252."""
    labs = tmp_path / "labs.csv"
    labs.write_bytes((codecs.BOM_UTF16_LE + TABLE.encode("utf-16-le"))[:-1])
    with pytest.raises(LabsTableError) as err:
        read_labs_table(labs)
    said = str(err.value)
    assert said.startswith(f"{labs}: saved as UTF-16 (Excel's 'Unicode text')") and "save it as 'CSV UTF-8'" in said, \
        said
    assert "Windows-1252" not in said
