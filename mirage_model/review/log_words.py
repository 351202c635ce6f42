"""What a log may say of a record: never who its patient is. The app's log is kept for support (sent with a fault
report, read by whoever fixes it), so a message that names the patient on screen (the notice of an over-read kept for
another file, a reader's note on a birth date) is logged with the patient's ID, name and birth date replaced by the
record's file name (``unnamed``): "patient ID [patient ID of aecg_subject1_0]". What the log file writes
(``log_file_text``) names a file by a tag, never by its name or folders: clinical exports name files after the patient
("Doe John/DOE_JOHN_081486213.xml"), so that the file's name is written "file-3f2a9c1b.xml" (``file_tag``: a keyed
digest of its name without the extension, the extension kept; one file's lines share their tag, "1.hea" and "1.dat"
one tag), and the text a message quotes from a file is left out (a reader's "the number of signals 'DOE' is not a
whole number": "'[3 characters left out]'"). The message on screen and the user's own outputs keep the names.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from mirage_model.formats.registry import ECG_EXTENSIONS
from mirage_model.records.age import placeholder_birth
from mirage_model.review.file_info import file_patient
from mirage_model.words import counted

_LEAST_PART = 3     # a name's parts this long or longer are replaced alone too ("DOE^JOHN" for "JOHN DOE")
_LEAST_NAME = 4     # a record's name tagged as a word of its own from this long: LUDB's "1" names no one, and
                    # every "line 1" of a message had become a tag


def unnamed(text: str, record) -> str:
    """``text`` with ``record``'s patient ID, name (whole, and each of its parts of 3 characters or more) and birth
    date, as its file gives them, replaced by "[patient ID of NAME]", "[patient name of NAME]", "[birth date of
    NAME]", NAME the record's file name (``record_id``), wherever they stand as words of their own (case ignored): one
    inside a longer word, as the ID in a file name "aecg_subject1_0", stays (the file name is what the log names).
    A placeholder birth date (1900-01-01 or earlier: ``records.age.placeholder_birth``) names no one and stays: GE
    CardioSoft's anonymised export writes 0001-01-01 for its birth and acquisition dates both, and the log said its
    acquisition time "reads [birth date of NAME] 01:01:01". A birth date that is the acquisition's date too (a
    newborn's, or an export's filling) is "[birth and acquisition date of NAME]": which the text meant, a match of
    words cannot tell."""
    if record is None:
        return text
    facts = file_patient(record)
    meta = getattr(record, "meta", None) or {}
    birth = _birth_date(meta)
    name = str(getattr(record, "record_id", "") or "this record")
    words = [(str(facts["id"]), "patient ID")] if facts.get("id") else []
    if facts.get("name"):
        words.append((str(facts["name"]), "patient name"))
        words += [(part, "patient name") for part in re.split(r"[\W_]+", str(facts["name"]))
                  if len(part) >= _LEAST_PART]
    if birth:
        acquired = str(meta.get("acquired") or "")[:10]
        words.append((birth, "birth and acquisition date" if acquired == birth else "birth date"))
    for word, what in sorted(words, key=lambda w: -len(w[0])):      # the whole name before its parts
        if word.strip():
            text = re.sub(rf"(?<![\w]){re.escape(word.strip())}(?![\w])", f"[{what} of {name}]", text,
                          flags=re.IGNORECASE)
    return text


def _birth_date(meta: dict) -> str:
    """The birth date ``meta`` gives its patient as the file gives it, "" where none or a placeholder."""
    birth = str((meta.get("patient") or {}).get("birth_date") or "")
    try:
        day = date.fromisoformat(birth[:10])
    except ValueError:
        return birth            # not an ISO date: replaced as written
    return "" if placeholder_birth(day) else birth


# an absolute path's folders ("/data/Doe John/", "C:\\ECG\\Doe\\", "\\\\server\\share\\"): after a space, a quote or a
# bracket, or at a line's start; each folder a name that starts and ends with no space and holds no ':' (a message's
# own "FILE: problem" ends it) and no quote
_PART = r"""[^\\/\s:"'<>|](?:[^\\/\n:"'<>|]*[^\\/\s:"'<>|])?"""    # a folder's name: no space at its ends
_FOLDERS = re.compile(rf"""(?:(?<=^)|(?<=[\s"'(\[=]))(?:[A-Za-z]:)?[\\/]{{1,2}}(?:{_PART}[\\/])+""")
_CODE = (".py", ".pyc", ".pyd", ".so", ".dll")      # a traceback's source files: where the fault is, kept whole
# text a message quotes: '...' (an apostrophe in a word, "MIRAGE's", "O'Brien", is none of its quotes), "...", an XML
# entity (&DOE;); one that holds a path is named by its file name instead
_QUOTED = re.compile(r"""(?<!\w)'(?:[^'\n]|'(?=\w))*'(?!\w)|"[^"\n]*"|&[^\s;&]{1,80};""")
# kept as they are: a traceback's frame line, its source line, and the last line of a fault of code, whose quotes name
# the code's types and attributes, not a file's text ("AttributeError: 'NoneType' object has no attribute 'text'")
_FRAME = re.compile(r"^(?:  File \"|    |(?:AttributeError|TypeError|NameError): )")


TAG_HEX = 8        # hex digits of a file's tag: 4 bytes, one in 4 billion for two names to share one
# a file name's end, after a path's folders or standing alone: a record's, its signal file's, a report's or table's
_NAMED = (*ECG_EXTENSIONS, ".dat", ".mat", ".pdf", ".csv", ".tsv", ".txt", ".json", ".png", ".zip")
_EXT = r"\.[A-Za-z][A-Za-z0-9]{0,4}(?![\w.])"
# a path's file name after its folders: up to its extension (spaces inside: "ecg 1.xml"), else its first word
_AFTER = re.compile(rf"""[^\\/\n:"'<>|]*?{_EXT}|[^\s\\/:"'<>|,;)\]]*""")
# a file name standing alone ("DOE_JANE_123456.xml"), a relative path's folders ("Doe/", "in\\") before it dropped;
# not a tag (a line is tagged in more than one pass: a quoted path, then the line)
_BARE = re.compile(r"(?<![\w.\-\\/])(?!file-[0-9a-f]{%d}\.)(?:[\w\-]+[\\/])*([\w\-][\w.\-]*?(?:%s))(?![\w.])"
                   % (TAG_HEX, "|".join(re.escape(e) for e in _NAMED)), re.IGNORECASE)


_TAG = re.compile(r"file-[0-9a-f]{%d}(?:%s)?" % (TAG_HEX, _EXT))     # a name already tagged


def file_tag(name: str, key: bytes) -> str:
    """How the log file names the file ``name`` (its name alone, no folders): "file-" and the first ``TAG_HEX`` hex
    digits of the BLAKE2b digest, keyed by ``key`` (the installation's own, never in the log: a patient ID that names a
    file is not found by digesting every ID), of its name without its extension, then its extension as written
    ("DOE_JANE_123456.xml" -> "file-3f2a9c1b.xml"; "1.hea" and "1.dat" one digest)."""
    m = re.search(_EXT + "$", name)
    stem, ext = (name[:m.start()], m.group(0)) if m and m.start() > 0 else (name, "")
    digest = hashlib.blake2b(stem.encode("utf-8", "surrogatepass"), key=key[:64], digest_size=TAG_HEX // 2)
    return f"file-{digest.hexdigest()}{ext}"


def _tagged(text: str, key: bytes) -> str:
    """``text`` with each absolute path (its folders dropped) and each file name standing alone given as its
    ``file_tag``; a program file's path (a traceback's) kept whole."""
    out, at = [], 0
    for m in _FOLDERS.finditer(text):
        if m.start() < at:
            continue
        name = _AFTER.match(text, m.end()).group(0)
        code = name.lower().endswith(_CODE)
        tag = name if _TAG.fullmatch(name) else file_tag(name, key) if name else ""
        out.append(text[at:m.start()] + (m.group(0) + name if code else tag))
        at = m.end() + len(name)
    text = "".join(out) + text[at:]
    return _BARE.sub(lambda m: file_tag(m.group(1), key) if not m.group(1).lower().endswith(_CODE)
                     else m.group(0), text)


def log_file_text(text: str, key: bytes = b"", names: tuple[str, ...] = ()) -> str:
    """``text`` as the app's log file writes it: every absolute path, and every file name standing alone, as its
    ``file_tag`` keyed by ``key`` (its folders dropped: a folder is often the patient's), and each of ``names`` (the
    open record's file name and stem, as a message names it: "DOE_JANE_123456: ...", and the names with blanks the
    window showed, "Doe Jane 123456.xml") of 4 characters or more standing as a word of its own too; each text quoted
    from a file (``'...'``, ``"..."``, ``&...;``) written as "'[N characters left out]'", a quoted path as its tag; a
    traceback's frame and source lines and a fault of code's last line kept as they are, as is a program file's path.
    The message on screen keeps them all."""
    def quoted(m: re.Match) -> str:
        inner = m.group(0)[1:-1]
        if _TAG.fullmatch(inner):
            return m.group(0)
        if re.search(r"[\\/]", inner) or _BARE.fullmatch(inner):
            return m.group(0)[0] + _tagged(inner, key) + m.group(0)[-1]
        return f"{m.group(0)[0]}[{counted(len(inner), 'character')} left out]{m.group(0)[-1]}" if inner else m.group(0)

    def line_text(line: str) -> str:
        # the names first: one with blanks ("Doe Jane 123456.xml") is not found whole by the rules of a name alone
        for name in sorted({n for n in names if len(n) >= _LEAST_NAME}, key=len, reverse=True):   # name, then stem
            line = re.sub(rf"(?<![\w.\-]){re.escape(name)}(?![\w\-])", lambda _, n=name: file_tag(n, key), line)
        return _tagged(_QUOTED.sub(quoted, line), key)

    return "\n".join(line if _FRAME.match(line) else line_text(line) for line in text.split("\n"))
