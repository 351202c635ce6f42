"""The list ``mirage convert`` writes of the records it wrote under another name than their input's
(``RENAMED_CSV`` in its output folder): a WFDB name holds only ASCII letters, digits, '-' and '_', so "Müller.xml"
is written as the record Muller, and a second input of one name is numbered (Muller_2). Each row is the input file,
the id its name gave it and the id written (both as a labs table names records in the output folder). Kept in the
folder, it is what lets the labs matcher give the record Muller a table's row "Müller"
(``labs_ids.match_labs_rows``'s ``renamed``), and training's labels table its row alike (``labs_ids.renamed_rows``):
the names are never guessed."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from mirage_model.csvsafe import encodable, neutralise, printable, restore
from mirage_model.paths import atomic_write_text
from mirage_model.records.stamp import stat_stamp

RENAMED_CSV = "renamed_records.csv"
RENAMED_COLUMNS = ("input_file", "input_id", "record_id")


def _read_rows(path: Path) -> list[tuple[str, ...]] | None:
    """The list's rows under its header, or None where the file is no such list."""
    with open(path, newline="", encoding="utf-8") as fh:
        old = list(csv.reader(fh))
    if not old or tuple(old[0]) != RENAMED_COLUMNS or any(len(row) != len(RENAMED_COLUMNS) for row in old):
        return None
    return [tuple(map(restore, row)) for row in old[1:]]


def read_renamed(folder) -> tuple[list[tuple[str, str]], str]:
    """The (input id, record id) pairs of the list in ``folder``, and "" or why it was not read (a file of that
    name that cannot be read or is no such list, named). No list: ([], "")."""
    path = Path(folder) / RENAMED_CSV
    if not path.is_file():
        return [], ""
    try:
        rows = _read_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        why = getattr(err, "strerror", None) or err
        return [], f"{printable(path)}: cannot read it ({why}): no labs row matched by it"
    if rows is None:
        return [], (f"{printable(path)} is no list of {', '.join(RENAMED_COLUMNS)} (mirage convert's): "
                    "no labs row matched by it")
    return [(source, record) for _, source, record in rows if source and record], ""


def _on_disk(folder, record: str) -> bool:
    """Whether a file of ``folder`` holds the record ``record`` (its id: "siteA/1_2"), as a header or a file of
    another ECG format (``formats.same_name_records``)."""
    from mirage_model.formats import same_name_records      # here: mirage_model.formats imports this package

    path = Path(folder, record + ".hea")
    return path.is_file() or bool(same_name_records(path))


def folder_ids(folder, renamed, record_ids) -> list[str] | None:
    """The ids of every record under ``folder`` (``labs_ids.labs_record_id``), where its list ``renamed`` names a
    record of it that the run (``record_ids``: a few of its records scored, one opened) left out: so that
    ``labs_ids.match_labs_rows`` (its ``folder_ids``) matches the list's records by the folder's records, not the
    run's. None where every record the list names is in the run or in no file of the folder (the folder is walked
    only then, and again only once a folder under it changed: ``_stamp``; File > Open of one record of a converted
    folder of 20,000 files had walked it for each record, 1.2-1.9 s in the window's thread)."""
    from mirage_model.records import RecordError

    ours = set(record_ids)
    there = [record for record in dict.fromkeys(r for _, r in renamed)
             if record not in ours and _on_disk(folder, record)]
    if not there:
        return None
    try:
        return records_under(folder)
    except RecordError:
        return [*record_ids, *there]


def records_under(folder) -> list[str]:
    """The ids of every record under ``folder`` (``labs_ids.labs_record_id``), walked again only once a folder under
    it changed (``_stamp``).

    Raises:
        RecordError: the folder cannot be listed.
    """
    return list(_folder_records(os.fspath(folder), _stamp(folder)))


def _stamp(folder) -> tuple:
    """The modification time of ``folder`` and of each folder under it (hidden ones passed by, as the walk passes
    them; a linked one's own, not followed): a record added, removed or renamed anywhere in it changes one; and of each
    folder a digest of the ``records.stamp`` of its files whose content decides whether they are records (every name
    but a WFDB header's, signal's or annotation's: an XML, a DICOM file, a file of no extension, ``find_ecg_files``
    reads their first bytes), so that one rewritten in place (a CT image written over by a DICOM ECG of its name)
    is found (it had been missed until a folder changed). A listing of folders and a stat of those files: 70 ms for
    PTB-XL's records100 (21,799 headers, their .dat files), where the walk takes a second or more."""
    from mirage_model.formats import _WFDB_SUFFIXES     # here: mirage_model.formats imports this package

    stamps, stack = [], [os.fspath(folder)]
    while stack:
        here = stack.pop()
        try:
            mtime, read = os.stat(here).st_mtime_ns, hashlib.blake2b(digest_size=12)
            with os.scandir(here) as entries:
                for e in entries:
                    if e.name.startswith("."):
                        continue
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    elif not e.name.lower().endswith(_WFDB_SUFFIXES):
                        with suppress(OSError):
                            read.update(repr((e.name, stat_stamp(e.stat()))).encode("utf-8", "surrogateescape"))
            stamps.append((here, mtime, read.hexdigest()))
        except OSError:
            stamps.append((here, -1, ""))
    return tuple(sorted(stamps))


@lru_cache(maxsize=4)
def _folder_records(folder: str, stamp: tuple) -> tuple[str, ...]:
    """The ids of every record under ``folder`` (``labs_record_id``) as it was at ``stamp`` (the cache key)."""
    from mirage_model.clinical.labs_ids import labs_record_id
    from mirage_model.formats import find_ecg_files

    return tuple(labs_record_id(p, folder) for p in find_ecg_files(folder, unreadable=[]))


def write_renamed(out_dir: Path, written: list[tuple[str, str, str]]) -> tuple[Path, str]:
    """List the records of ``written`` (every record a run wrote: its input file, the id its input's name gave
    it and the id written, as a labs table names records in OUT_DIR) whose ids differ in OUT_DIR/``RENAMED_CSV``,
    after the rows of an earlier run there whose records this run did not write again. Nothing is written where
    nothing is to be listed. Returns the file and "", or the file and why it was not written (it cannot be, or a
    file of that name is there that is no such list)."""
    path = out_dir / RENAMED_CSV
    ours = {record for _, _, record in written}
    rows = [row for row in written if row[1] != row[2]]
    try:
        if path.exists():
            old = _read_rows(path)
            if old is None:
                if not rows:
                    return path, ""
                return path, f"{printable(path)} is there and is no list of {', '.join(RENAMED_COLUMNS)}: not replaced"
            kept = [row for row in old if row[2] not in ours]
            if len(kept) == len(old) and not rows:
                return path, ""
            rows = kept + rows        # written even with no row left: its records were written again as named
        elif not rows:
            return path, ""
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(RENAMED_COLUMNS)
        writer.writerows([neutralise(encodable(cell)) for cell in row] for row in rows)
        atomic_write_text(path, text.getvalue())
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        return path, f"cannot write {printable(path)}: {getattr(err, 'strerror', None) or err}"
    return path, ""
