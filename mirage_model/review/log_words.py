"""What a log may say of a record: never who its patient is. The app's log is kept for support (sent with a fault
report, read by whoever fixes it), so a message that names the patient on screen (the notice of an over-read kept for
another file, a reader's note on a birth date) is logged with the patient's ID, name and birth date replaced by the
record's file name (``unnamed``): "patient ID [patient ID of aecg_subject1_0]". A file that could not be read gives
no patient to replace, so what the log file writes (``log_file_text``) names a file by its name alone, never its
folders (a folder is often the patient's: "Doe John/ecg.xml"), and leaves out the text a message quotes from a file
(a reader's "the number of signals 'DOE' is not a whole number": "'[3 characters left out]'").
Research use only, not a diagnosis.
"""

from __future__ import annotations

import re

from mirage_model.review.file_info import file_patient
from mirage_model.words import counted

_LEAST_PART = 3     # a name's parts this long or longer are replaced alone too ("DOE^JOHN" for "JOHN DOE")


def unnamed(text: str, record) -> str:
    """``text`` with ``record``'s patient ID, name (whole, and each of its parts of 3 characters or more) and birth
    date, as its file gives them, replaced by "[patient ID of NAME]", "[patient name of NAME]", "[birth date of
    NAME]", NAME the record's file name (``record_id``), wherever they stand as words of their own (case ignored): one
    inside a longer word, as the ID in a file name "aecg_subject1_0", stays (the file name is what the log names)."""
    if record is None:
        return text
    facts = file_patient(record)
    birth = ((getattr(record, "meta", None) or {}).get("patient") or {}).get("birth_date")
    name = str(getattr(record, "record_id", "") or "this record")
    words = [(str(facts["id"]), "patient ID")] if facts.get("id") else []
    if facts.get("name"):
        words.append((str(facts["name"]), "patient name"))
        words += [(part, "patient name") for part in re.split(r"[\W_]+", str(facts["name"]))
                  if len(part) >= _LEAST_PART]
    if birth:
        words.append((str(birth), "birth date"))
    for word, what in sorted(words, key=lambda w: -len(w[0])):      # the whole name before its parts
        if word.strip():
            text = re.sub(rf"(?<![\w]){re.escape(word.strip())}(?![\w])", f"[{what} of {name}]", text,
                          flags=re.IGNORECASE)
    return text


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


def _no_folders(text: str) -> str:
    """``text`` with each absolute path's folders dropped, its file name kept; a program file's path kept whole."""
    def name(m: re.Match) -> str:
        rest = re.match(r"[^\s:\"',)]*", text[m.end():]).group(0)
        return m.group(0) if rest.lower().endswith(_CODE) else ""
    return _FOLDERS.sub(name, text)


def log_file_text(text: str) -> str:
    """``text`` as the app's log file writes it: every absolute path's folders dropped (its file name kept: the
    file the problem is met in), and each text quoted from a file (``'...'``, ``"..."``, ``&...;``) written as
    "'[N characters left out]'", a quoted path as its file name; a traceback's frame and source lines and a fault of
    code's last line kept as they are, as is a program file's path. The message on screen keeps them all."""
    def quoted(m: re.Match) -> str:
        inner = m.group(0)[1:-1]
        if re.search(r"[\\/]", inner):
            return m.group(0)[0] + _no_folders(inner) + m.group(0)[-1]
        return f"{m.group(0)[0]}[{counted(len(inner), 'character')} left out]{m.group(0)[-1]}" if inner else m.group(0)

    return "\n".join(line if _FRAME.match(line) else _no_folders(_QUOTED.sub(quoted, line))
                      for line in text.split("\n"))
