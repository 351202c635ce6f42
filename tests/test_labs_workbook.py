"""A labs table given as the spreadsheet workbook itself, not its CSV export."""

import zipfile

import pytest

from mirage_model.clinical import LabsTableError, read_labs_table, read_table_text


def test_an_xlsx_workbook_is_called_one_and_how_to_save_it_said(tmp_path):
    """mirage score --labs labs.xlsx had said "line 1: not UTF-8 text (byte 0x86; a file saved as Latin-1 or
    Windows-1252?)": the staff member's table is no Latin-1 text, it is the workbook Excel saves by default."""
    book = tmp_path / "labs.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:        # an .xlsx is a zip of XML parts
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 50 + "</worksheet>")
    for read in (read_table_text, read_labs_table):
        with pytest.raises(LabsTableError) as info:
            read(book)
        assert str(info.value) == (f"{book}: a zipped spreadsheet workbook (.xlsx or .ods), not a CSV table: open "
                                   "it in the spreadsheet program and save it as 'CSV UTF-8 (comma delimited)'")


def test_an_xls_workbook_too(tmp_path):
    book = tmp_path / "labs.xls"
    book.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))   # the OLE2 compound file signature
    with pytest.raises(LabsTableError, match=r"labs.xls: an Excel 97-2003 workbook \(.xls\), not a CSV table"):
        read_table_text(book)
