"""The text of a CSV table a user gives (a labs table, a labels table, a split file, a label map): UTF-8, and
Windows-1252 too when asked, the code page a Western-European spreadsheet writes its "CSV" in."""

from __future__ import annotations

import logging
from pathlib import Path

from mirage_model.clinical.features import LabsTableError

logger = logging.getLogger(__name__)

WINDOWS_1252_NOTE = "read as Windows-1252: not UTF-8"


def read_table_text(path, warnings: list | None = None, windows_1252: bool = False, log: bool = True) -> str:
    """The text of a CSV table a user gives.

    UTF-8, with or without a byte order mark. A spreadsheet's "CSV" export in a Western locale is
    Windows-1252 or Latin-1 ("Männlich", "µg/L", "é" in a name): with ``windows_1252`` (a labs table, and
    the training CLI's labels tables, split files and label maps: German Excel's "CSV
    (Trennzeichen-getrennt)" is written so) such a file is read as Windows-1252, whose characters are
    Latin-1's and more, and a warning says so once, naming the first byte that is not UTF-8 (logged unless
    ``log`` is False, and appended to ``warnings`` when it is a list); a byte Windows-1252 has no
    character for (0x81, 0x8d, 0x8f, 0x90, 0x9d: another code page) is refused, naming its line. Without
    it a file that is not UTF-8 is refused naming the line and the byte, and how to save it. A spreadsheet
    workbook itself (.xlsx, .ods, .xls) is refused as one, saying how to save it as CSV.

    Raises:
        LabsTableError: the file cannot be read or is not text of those encodings (naming the line).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise LabsTableError(path, f"cannot read the file ({err.strerror or err})") from None
    # a workbook (.xlsx/.ods: a zip; .xls: an OLE2 file) had been called "not UTF-8 text ... Latin-1?"
    book = {b"PK\x03\x04": "a zipped spreadsheet workbook (.xlsx or .ods)",
            b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)"}.get(raw[:4])
    if book:
        raise LabsTableError(path, f"{book}, not a CSV table: open it in the spreadsheet program and save it "
                             "as 'CSV UTF-8 (comma delimited)'")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, byte = raw[:err.start].count(b"\n") + 1, raw[err.start]
        if not windows_1252:
            raise LabsTableError(path, f"not UTF-8 text (byte 0x{byte:02x}; a file saved as Latin-1 or "
                                 "Windows-1252?): save it as 'CSV UTF-8'", line=line) from None
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as err:
        raise LabsTableError(path, f"neither UTF-8 nor Windows-1252 text (byte 0x{raw[err.start]:02x} is no "
                             "Windows-1252 character; a file of another code page?): save it as 'CSV UTF-8'",
                             line=raw[:err.start].count(b"\n") + 1) from None
    # the first byte that is not UTF-8 and the character it is read as: a reader sees whether it is the one meant
    message = (f"{path}: {WINDOWS_1252_NOTE} (line {line}: byte 0x{byte:02x} read as "
               f"'{bytes([byte]).decode('cp1252')}'); if a name or unit reads wrong, save it as 'CSV UTF-8'")
    if log:
        logger.warning(message)
    if warnings is not None:
        warnings.append(message)
    return text
