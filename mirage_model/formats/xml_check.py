"""An XML ECG's safety and text checked before any parser reads it (``vendor.read_vendor``).

defusedxml parses the file first: entity declarations and external references are refused (the
"billion laughs" and XXE attacks). Text that is not in the encoding its prolog declares (XML 1.0
section 4.3.3, Appendix F: UTF-16 without a byte-order mark under a UTF-8 prolog, Latin-1 under none,
UTF-8 declared as Latin-1) is read as the parsers read it and said in a reader note; an XML parser's
error is put in words.
"""

from __future__ import annotations

import re
from pathlib import Path

from mirage_model.formats.assemble import fail, format_name
from mirage_model.formats.extra import require
from mirage_model.formats.registry import read_head, utf16_without_bom
from mirage_model.records.record import fault_words, raise_own_fault

# An XML ECG larger than this is refused before it is parsed: a 10 s ECG is under 1 MB, and
# parsing costs about ten times the file's size in memory (text digits become Python strings).
MAX_XML_BYTES = 64 << 20


def check_xml(path: Path, fmt: str) -> str | None:
    """Parse ``path`` with defusedxml: entity declarations and external references are refused.

    Returns:
        A reader note when the text is not in the encoding the file declares (UTF-8 when it
        declares none: a Latin-1 patient name in a file that declares no encoding): the text, read
        as ecgdatakit's parsers read it then (as UTF-8, else Latin-1), passed the same checks; or
        when it is UTF-16 without a byte-order mark under a prolog that declares another encoding
        (``utf16_declared_otherwise``: ``read_vendor`` parses it from a UTF-8 copy); else None.

    Raises:
        RecordError: the XML declares entities, refers to external ones, or is not well formed.
    """
    defused = require("defusedxml.ElementTree", path, fmt)
    from defusedxml import DefusedXmlException  # lazy: the formats extra (require() checked it above)

    try:
        defused.parse(str(path), forbid_dtd=False, forbid_entities=True, forbid_external=True)
        return _utf8_declared_as_latin1(path)
    except DefusedXmlException:
        raise fail(path, fmt, _UNSAFE_XML) from None
    except Exception as err:  # xml.etree.ElementTree.ParseError, UnicodeDecodeError, OSError
        raise_own_fault(err, path, format_name(fmt))
        problem = str(err)
    misread = _misdeclared_encoding(path)
    if misread is not None:
        declared, used, text = misread
        try:
            defused.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        except DefusedXmlException:
            raise fail(path, fmt, _UNSAFE_XML) from None
        except Exception:  # not well formed either way: the first error is the one to name
            pass
        else:
            return (f"the XML {declared}, but its text is not in it; it was read as {used} (check the "
                    "patient's name and other text fields)")
    codec = utf16_without_bom(read_head(path, 4096))
    if codec is not None:
        # parsers take UTF-16 without its mark by the prolog's first bytes (XML 1.0 Appendix F) unless
        # the prolog declares another encoding: then read as UTF-16 when that is well formed
        order = "little" if codec.endswith("le") else "big"
        misdeclared = utf16_declared_otherwise(path)
        if misdeclared is not None:
            declared, text = misdeclared
            try:
                defused.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
            except DefusedXmlException:
                raise fail(path, fmt, _UNSAFE_XML) from None
            except Exception as err:  # not well formed as UTF-16 either: said below, with this error
                problem = str(err)
            else:
                return (f"the XML declares the {declared} encoding, but its text is UTF-16 ({order} endian) "
                        "without a byte-order mark (one byte of every two in its prolog is 0); it was read "
                        "as UTF-16")
        raise fail(path, fmt, f"UTF-16 text without a byte-order mark ({order} endian) that cannot be read as "
                              f"XML ({problem}); export it again as UTF-8, or as UTF-16 with its byte-order mark")
    raise fail(path, fmt, xml_problem(problem))


_UNSAFE_XML = "the XML declares entities or refers to external ones, which are refused for safety"


def xml_problem(problem: str) -> str:
    """What an XML parser's error (expat's "no element found: line 3, column 0") says of the file, in words."""
    where = re.search(r"line (\d+), column (\d+)", problem)
    at = f"line {where[1]}, column {where[2]}" if where else ""
    if problem.startswith("no element found"):
        return f"the XML ends before its elements are closed ({at}): the file is cut short"
    said = {"not well-formed (invalid token)": "a character XML does not allow there",
            "mismatched tag": "an end tag that does not match its start tag",
            "unclosed token": "a tag left open at the end",
            "junk after document element": "text after the document's last element",
            "syntax error": "text that is no XML"}
    what = next((words for key, words in said.items() if problem.startswith(key)), None)
    if what is None:
        return f"the XML is not well formed ({fault_words(ValueError(problem))}): the file is damaged or cut short"
    return f"the XML is not well formed: {what} at {at or 'its start'}; the file is damaged or cut short"


def utf16_declared_otherwise(path: Path) -> tuple[str, str] | None:
    """(the encoding the prolog declares; the text without its prolog) when ``path`` is UTF-16 without
    a byte-order mark (``registry.utf16_without_bom``) whose XML prolog declares another encoding
    (UTF-8, Latin-1: an export that wrote UTF-16 under a UTF-8 prolog), which no parser reads as it
    is; else None (one declaring UTF-16, or none, the parsers read by its first bytes)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    codec = utf16_without_bom(raw[:4096])
    if codec is None:
        return None
    try:
        text = raw[: len(raw) & ~1].decode(codec)
    except UnicodeDecodeError:
        return None
    match = re.match(r"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["'][^>]*\?>""", text)
    if match is None or match.group(1).lower().replace("_", "-") in ("utf-16", "utf16", "utf-16le", "utf-16be"):
        return None
    return match.group(1), text[match.end():]


def utf8_copy(path: Path, text: str, folder: Path) -> Path:
    """``text`` (the text of ``path`` without its prolog: ``utf16_declared_otherwise``) as UTF-8 under a
    prolog that says so, in ``folder`` under the name of ``path``, for the parsers to read."""
    copy = folder / path.name
    copy.write_bytes(('<?xml version="1.0" encoding="UTF-8"?>' + text).encode("utf-8"))
    return copy


_LATIN1_NAMES = ("iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "windows-1252", "cp1252")


def _utf8_declared_as_latin1(path: Path) -> str | None:
    """A reader note when the file declares Latin-1 (or Windows-1252) but its text beyond ASCII is
    UTF-8 (a MUSE export passed through a UTF-8 tool): the text is read as declared, so "é" shows
    as "Ã©"; else None. Latin-1 text whose every byte beyond ASCII pairs up into UTF-8 letters is
    all but unknown ("É€" pairs up, into U+0240, which is no letter of a name: not counted)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    match = _XML_DECLARED_ENCODING.match(body)
    if match is None or match.group(1).decode("ascii").lower() not in _LATIN1_NAMES or body.isascii():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not any("\u00c0" <= ch <= "\u017f" or ch >= "\u0370" for ch in text):
        return None           # no letter of a name (é, ł, Ж, 李) among what UTF-8 would read: not shown to be UTF-8
    return (f"the XML declares the {match.group(1).decode('ascii')} encoding, but its text is UTF-8: it was "
            "read as declared, so letters beyond ASCII in the patient's name and other text fields may "
            "show garbled (Ã© for é)")


_XML_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _misdeclared_encoding(path: Path) -> tuple[str, str, str] | None:
    """(the encoding declared, in words; the one that decodes the text; the text without its declaration)
    when the bytes are not in the encoding the file declares (UTF-8 when none: XML's default),
    else None. Files with a UTF-16 byte order mark are left to the parser."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    match = _XML_DECLARED_ENCODING.match(body)
    declared = match.group(1).decode("ascii") if match else "UTF-8"
    try:
        body.decode(declared)
        return None                        # the bytes are what they declare: the error lies elsewhere
    except LookupError:
        return None
    except UnicodeDecodeError:
        pass
    for used in ("UTF-8", "Latin-1"):      # as ecgdatakit's parse_xml_root and Philips parser decode
        try:
            text = body.decode(used)
            break
        except UnicodeDecodeError:
            continue
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    words = f"declares the {declared} encoding" if match else "declares no encoding (XML's default is UTF-8)"
    return words, used, text
