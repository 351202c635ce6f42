"""The text of a CSV table a user gives (a labs table, a labels table, a split file, a label map): UTF-8, and
Windows-1252 too when asked, the code page a Western-European spreadsheet writes its "CSV" in."""

from __future__ import annotations

import logging
from pathlib import Path

from mirage_model.clinical.features import LabsTableError

logger = logging.getLogger(__name__)

WINDOWS_1252_NOTE = "read as Windows-1252: not UTF-8"
# byte order marks of the wide Unicode encodings (UTF-32's first: UTF-16 LE's is the start of UTF-32 LE's), the codec
# that reads the text after its mark (Python's "utf-16"/"utf-32" take the mark and drop it) and the encoding's name
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
              (b"\xff\xfe", "utf-16", "UTF-16"), (b"\xfe\xff", "utf-16", "UTF-16"))
_SNIFF_BYTES = 4096     # the start of a file without a mark whose NUL bytes tell UTF-16 LE or BE


def read_table_text(path, warnings: list | None = None, windows_1252: bool = False, log: bool = True) -> str:
    """The text of a CSV table a user gives.

    UTF-8, with or without a byte order mark; UTF-16 and UTF-32 by their byte order mark (Excel's "Unicode text"
    save is UTF-16 LE with one), and UTF-16 without one by its NUL bytes (every other byte, in the text's first
    4096, and only there: LE at the odd offsets, BE at the even). A spreadsheet's "CSV" export in a Western locale is
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
    wide = _wide_encoding(raw)
    if wide:
        try:
            return raw.decode(wide[0])
        except UnicodeDecodeError as err:
            raise LabsTableError(path, f"saved as {wide[1]} (Excel's 'Unicode text'), but its bytes are not "
                                 f"{wide[1]} text from byte {err.start}: save it as 'CSV UTF-8'") from None
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


def _wide_encoding(raw: bytes) -> tuple[str, str] | None:
    """The codec and name of ``raw``'s UTF-16 or UTF-32 text ("utf-16", "UTF-16"), from its byte order mark or, with
    none, from where its NUL bytes stand (a text of ASCII characters in UTF-16 LE: each character's second byte);
    None for any other text."""
    for bom, codec, name in _WIDE_BOMS:
        if raw.startswith(bom):
            return codec, name
    head = raw[:_SNIFF_BYTES]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = len(head) // 2
    if pairs and odd * 2 >= pairs and even == 0:
        return "utf-16-le", "UTF-16 LE"
    if pairs and even * 2 >= pairs and odd == 0:
        return "utf-16-be", "UTF-16 BE"
    return None
