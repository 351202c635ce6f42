"""The files MIRAGE itself wrote into a folder it scores, told from what they hold, not their names: a
batch's results (CSV or JSON lines: their first line holds the columns every version of ``cells.columns``
writes), the PDF reports of ``review.report`` (``/Creator (MIRAGE Review)`` in the PDF's document
information), and what a killed run leaves (its output's lock file ``.<name>.lock``, ``outputs.lock_file_of``,
and an atomic write's temporary file ``.<name>.<12 hex>.tmp``, ``paths.temp_sibling``). A folder scored
twice, its results CSV and PDF folder inside it, had counted them among the files not read ("6 files not
read: 5 .pdf, 1 .csv") as though a record had been passed over; they are left out of the records and told
in one line (``own_files_line``). A CSV that is not MIRAGE's (a labs table, another tool's) is not.

Only the first line of a table is read (``outputs.probe``, the reading ``outputs.earlier_output`` makes of an
output: a table whose first line is blank is not MIRAGE's), and at most ``PDF_TAIL`` + a few KiB of a PDF (its
trailer, the cross-reference entry of its document information, and that object).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mirage_model.paths import is_temp_sibling
from mirage_model.review.batch.outputs import header_columns, is_lock_file, probe
from mirage_model.words import counted

# the columns every version of the batch's writer put in its header (``cells.columns``), the first first
RESULT_COLUMNS = ("record_path", "record_id", "status", "error", "positive", "model")
RESULT_SUFFIXES = (".csv", ".jsonl", ".ndjson")
# the report's document information (``report.write``: BaseDocTemplate's creator)
REPORT_CREATOR = b"/Creator (MIRAGE Review"
PDF_TAIL = 4096                  # the trailer (/Info n 0 R) and startxref lie in a PDF's last bytes
LOCK_PROBE = 200                 # a lock file holds one short line (``outputs.lock_output``)


def is_results_file(path) -> bool:
    """Whether ``path`` is a batch's output (CSV or JSON lines, ``outputs.write_atomic``), by its first line
    (``outputs.probe``: a blank first line is none): a header whose first column is ``record_path`` and that
    holds ``RESULT_COLUMNS``, or a JSON object with those keys. A labs table (first column the record id),
    another program's CSV are not."""
    try:
        head = probe(path)
    except OSError:
        return False
    if head.binary:
        return False
    first = head.first.strip()
    cols = header_columns(first, "jsonl" if first.startswith("{") else "csv")
    return cols[:1] == ["record_path"] and set(RESULT_COLUMNS) <= set(cols)


def _pdf_info(path) -> bytes:
    """The document information object of the PDF at ``path`` (its first 2 KiB), found through the last
    trailer's ``/Info`` and the cross-reference table ``startxref`` points to; b"" when it is no PDF, has
    none, or keeps its cross-references in a stream (PDF 1.5: not ReportLab's)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                return b""
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - PDF_TAIL))
            tail = fh.read()
            infos = re.findall(rb"/Info\s+(\d+)\s+(\d+)\s+R", tail)
            starts = re.findall(rb"startxref\s+(\d+)", tail)
            if not infos or not starts:
                return b""
            num, gen = (int(x) for x in infos[-1])
            fh.seek(int(starts[-1]))
            head = fh.read(64)
            table = re.match(rb"xref\s+(\d+)\s+(\d+)\s*", head)
            if table is None or not int(table[1]) <= num < int(table[1]) + int(table[2]):
                return b""
            fh.seek(int(starts[-1]) + table.end() + 20 * (num - int(table[1])))   # 20 bytes an entry
            entry = fh.read(20)
            if not entry[:10].isdigit():
                return b""
            fh.seek(int(entry[:10]))
            obj = fh.read(2048)
    except (OSError, ValueError, OverflowError):
        return b""
    return obj if re.match(rb"\s*%d\s+%d\s+obj" % (num, gen), obj) else b""


def is_report_pdf(path) -> bool:
    """Whether ``path`` is a PDF report MIRAGE wrote (``review.report``: a batch's ``--pdf-dir``, the app's
    export), by the creator in its document information."""
    return REPORT_CREATOR in _pdf_info(path).split(b"endobj", 1)[0]


def is_partial_file(path) -> bool:
    """Whether ``path`` is what a killed run left beside its output: an atomic write's temporary file
    (``paths.is_temp_sibling``: ".results.csv.0123456789ab.tmp") or an output's lock file
    (``outputs.is_lock_file``: ".results.csv.lock", holding its run's ``pid=N host=NAME``, or nothing)."""
    if is_temp_sibling(path):
        return True
    if not is_lock_file(path):
        return False
    try:
        head = probe(path, LOCK_PROBE)
    except OSError:
        return False
    return head.empty or (not head.binary and head.first.startswith("pid="))


def written_by_mirage(path) -> bool:
    """Whether the file at ``path`` is one MIRAGE wrote (``is_results_file``, ``is_report_pdf``,
    ``is_partial_file``); only files of those kinds' suffixes or names are opened."""
    name = Path(path).name
    low = name.lower()
    if name.startswith("."):
        return is_partial_file(path)
    if low.endswith(RESULT_SUFFIXES):
        return is_results_file(path)
    if low.endswith(".pdf"):
        return is_report_pdf(path)
    return False


def own_files_line(paths, limit: int = 4) -> str:
    """The files MIRAGE wrote that a batch left out of its records (their paths under the folder), in one
    line: "6 files MIRAGE wrote (results.csv, 5 in pdfs/) not scored"; a sub-folder's are counted in it
    (by its first part under the folder) where it holds more than one. "" when there are none."""
    paths = [os.fspath(p) for p in paths]
    if not paths:
        return ""
    groups: dict[str, list[str]] = {}
    for p in paths:
        top, sep, _rest = p.partition("/")
        groups.setdefault(top + sep if sep else p, []).append(p)
    names = [f"{len(files)} in {top}" if top.endswith("/") and len(files) > 1 else files[0]
             for top, files in groups.items()]
    shown = ", ".join(names[:limit]) + (" ..." if len(names) > limit else "")
    return f"{counted(len(paths), 'file')} MIRAGE wrote ({shown}) not scored"


def own_outputs_text(paths, limit: int = 2) -> str:
    """What the files MIRAGE wrote are (``written_by_mirage``; their paths under the folder), by kind, in a
    few words: "results.csv, 3 PDF reports, 1 lock file"; the results files named (counted when more than
    ``limit``), then the PDF reports, lock files and temporary files counted. "" when there are none."""
    results, pdfs, locks, temps = [], 0, 0, 0
    for p in map(os.fspath, paths):
        if is_lock_file(p):
            locks += 1
        elif is_temp_sibling(p):
            temps += 1
        elif p.lower().endswith(".pdf"):
            pdfs += 1
        else:
            results.append(p)
    parts = results if len(results) <= limit else [counted(len(results), "results file")]
    parts += [counted(n, noun) for n, noun in ((pdfs, "PDF report"), (locks, "lock file"), (temps, "temporary file"))
              if n]
    return ", ".join(parts)
