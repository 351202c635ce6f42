"""A labs table saved by a German Excel as "CSV (Trennzeichen-getrennt)": Windows-1252, umlauts in its headers
and cells. It was refused ("not UTF-8 text (byte 0xf6 ...)"); it is read as Windows-1252, said once in a warning
naming the encoding, the line and the byte, and a byte Windows-1252 has no character for is still refused.

Truth: the table's values as written by hand below; the bytes of 'ö' (0xf6) and of the undefined 0x81 from the
Windows-1252 code chart.
"""

from __future__ import annotations

import pytest

from mirage_model.clinical import LabsTableError, read_labs_table, read_table_text
from mirage_model.review.batch.inputs import labs_lookup

GERMAN = "EKG;Alter;Geschlecht;Größe [cm];Gewicht [kg];hs-TnT [ng/L]\r\n00417_lr;61;männlich;172;80,5;12,5\r\n"
WARNING = ("read as Windows-1252: not UTF-8 (line 1: byte 0xf6 read as 'ö'); if a name or unit reads wrong, "
           "save it as 'CSV UTF-8'")


def test_a_german_excel_table_is_read_as_windows_1252_and_said_once(tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_bytes(GERMAN.encode("cp1252"))
    warnings: list = []
    table = read_labs_table(labs, warnings=warnings)
    assert table == {"00417_lr": {"age": (61.0, None), "sex": (1.0, None), "height": (172.0, "cm"),
                                  "weight": (80.5, "kg"), "troponin_t": (12.5, "ng/L")}}
    assert warnings == [f"{labs}: {WARNING}"]
    # the same table in UTF-8: the same values, no word of the encoding
    labs.write_bytes(GERMAN.encode("utf-8"))
    warnings.clear()
    assert read_labs_table(labs, warnings=warnings) == table and warnings == []


def test_a_batch_says_it_once(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    labs = tmp_path / "labs.csv"
    labs.write_bytes(GERMAN.encode("cp1252"))
    lookup = labs_lookup(labs, folder, headers=[])
    assert [w for w in lookup.warnings if "Windows-1252" in w] == [f"{labs}: {WARNING}"]


def test_a_byte_windows_1252_cannot_map_is_refused_naming_its_line(tmp_path):
    labs = tmp_path / "labs.csv"
    # 0xe4 ('ä') is Windows-1252; 0x81 on line 3 is no character of it (a file of another code page)
    labs.write_bytes("EKG;Alter\r\n00417_lr;61\r\nb".encode("cp1252") + b"\x81" + "ä;70\r\n".encode("cp1252"))
    with pytest.raises(LabsTableError) as info:
        read_labs_table(labs)
    assert str(info.value) == (f"{labs}, line 3: neither UTF-8 nor Windows-1252 text (byte 0x81 is no Windows-1252 "
                               "character; a file of another code page?): save it as 'CSV UTF-8'")


def test_a_labels_table_is_still_refused_when_not_utf8(tmp_path):
    # read_table_text without windows_1252 does not guess (the training CLI asks for it: test_datasets)
    table = tmp_path / "labels.csv"
    table.write_bytes("record_id,labels\necg000,Infarkt_é\n".encode("cp1252"))
    with pytest.raises(LabsTableError, match=r"labels.csv, line 2: not UTF-8 text \(byte 0xe9"):
        read_table_text(table)
