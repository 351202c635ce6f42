"""What a batch's folder holds that it does not score, said, never passed over: the files that are no
record (by extension; hidden ones not searched), MIRAGE's own outputs apart, and why a folder has
nothing to score."""

from __future__ import annotations

import os
from pathlib import Path

from mirage_model.csvsafe import printable
from mirage_model.records.folder import unreadable_line
from mirage_model.review.batch.inputs import LabsLookup
from mirage_model.review.batch.naming import record_pdf_names, rel_path
from mirage_model.review.batch.outputs import lock_file_of
from mirage_model.review.batch.row_stamps import is_stamps_file, stamps_file_of
from mirage_model.review.batch.own_files import own_outputs_text, written_by_mirage
from mirage_model.words import counted, first_few


def is_hidden(path) -> bool:
    """Whether an entry of ``BatchSummary.not_read`` is a hidden file or folder (a leading dot: not
    searched, ``records.folder.walk_files``), not a file that was looked at and is no record."""
    return Path(path).name.startswith(".")


def not_read_line(paths, why: str = "", names: str = "") -> str:
    """What a batch did not read (``BatchSummary.not_read``), in one line: the files, by extension,
    most first, then the hidden files and folders, which were not searched (a hidden folder's files
    are not looked at, so it counts as a folder, and a hidden file may be a record): "12 files not
    read: 7 .pdf, 4 .txt, 1 .docx; 2 hidden files and 1 hidden folder not searched (a leading dot)"
    ("without extension" for a name without one); "" when none. ``why`` is said of the files (``no
    ECG records``), ``names`` of the first part (where they are named)."""
    paths = [os.fspath(p) for p in paths]
    files = [Path(p) for p in paths if not is_hidden(p)]
    hidden = [p for p in paths if is_hidden(p)]
    parts: list[tuple[str, list[str]]] = []
    if files:
        by_ext: dict[str, int] = {}
        for p in files:
            ext = p.suffix.lower() or "without extension"
            by_ext[ext] = by_ext.get(ext, 0) + 1
        kinds = ", ".join(f"{n} {ext}" for ext, n in sorted(by_ext.items(), key=lambda kv: (-kv[1], kv[0])))
        parts.append((f"{counted(len(files), 'file')} not read: {kinds}", [why] if why else []))
    if hidden:
        folders = sum(p.endswith("/") for p in hidden)          # "sub/.git/" (``_not_read`` marks them)
        kinds = " and ".join(counted(n, f"hidden {noun}") for n, noun in
                             ((len(hidden) - folders, "file"), (folders, "folder")) if n)
        parts.append((f"{kinds} not searched", ["a leading dot"]))
    if parts and names:
        parts[0][1].append(names)
    return "; ".join(text + (f" ({'; '.join(notes)})" if notes else "") for text, notes in parts)


def _not_read(found, folder: Path, out_path: Path, labs, pdf_dir) -> tuple[list[str], list[str]]:
    """(not read, MIRAGE's own): the paths under ``folder`` of ``found.not_read`` (``inputs.FoundInputs``),
    less the labs table and this run's own outputs (the output file, and the PDFs it writes for its records
    in ``pdf_dir``: ``naming.record_pdf_names``; ``pdf_dir`` may be the scored folder itself), split into the
    files MIRAGE wrote (``own_files.written_by_mirage``: another run's results and PDFs) and the rest."""
    files = list(getattr(found, "not_read", ()) or ())
    if not files:
        return [], []
    source = getattr(labs, "source", None) if isinstance(labs, LabsLookup) else labs
    given = [Path(p) for p in (out_path, source) if isinstance(p, (str, os.PathLike))]
    given.append(lock_file_of(out_path))    # a hidden file, left by a killed run
    given.append(stamps_file_of(out_path))  # a hidden file beside it, its records' stamps
    if pdf_dir is not None:
        # named among the run's records, as score_folder's iter_rows names them (name_pdfs_among)
        given += [Path(pdf_dir) / name for name in record_pdf_names(folder, found[0]).values()]
    own = {os.path.realpath(p) for p in given}
    # realpath only for a file of such a name, as given or as it resolves (20,000 files: 1.2 s -> 0.14 s)
    names = {p.name for p in given} | {os.path.basename(p) for p in own}
    rest = [p for p in files if not (Path(p).name in names and os.path.realpath(p) in own)]
    return split_own(rest, folder)


def split_own(paths, folder) -> tuple[list[str], list[str]]:
    """(not read, MIRAGE's own): the files ``paths`` under ``folder`` as ``not_read_entry`` names them, those
    MIRAGE wrote (``own_files.written_by_mirage``: another run's results and PDFs, a killed run's lock) apart."""
    paths = [p for p in paths if not is_stamps_file(p)]        # part of its output, said with it
    mirage = {p for p in paths if written_by_mirage(p) and os.path.isfile(p)}
    return ([not_read_entry(p, folder) for p in paths if p not in mirage],
            [not_read_entry(p, folder) for p in paths if p in mirage])


def no_records_line(folder, not_read, own_files, not_ecg=()) -> str:
    """Why a batch of ``folder`` has nothing to score, saying what the folder holds, in one line (``mirage
    score``'s error, the batch dialog's end text): "no ECG records (.hea headers or clinical ECG files) found
    under DIR: it holds only MIRAGE's own outputs (results.csv, 3 PDF reports, 1 lock file)"; its other files
    counted as ``not_read_line`` counts them, MIRAGE's after them. MIRAGE's own files had been counted among
    the files not read ("4 files not read: 3 .pdf, 1 .csv (no ECG records)"), as though a record were among them.

    Args:
        not_read, own_files: the folder's files that are no record, and those of them MIRAGE wrote, by their
            path under it (``split_own``, ``BatchSummary``).
        not_ecg: the files with an ECG format's extension that are no ECG MIRAGE reads (paths).
    """
    line = f"no ECG records (.hea headers or clinical ECG files) found under {folder}"
    own = own_outputs_text(own_files)
    if own and not not_read and not not_ecg:
        return f"{line}: it holds only MIRAGE's own outputs ({own})"
    if not_ecg:
        line += (f"; {len(not_ecg)} file(s) with an ECG extension are no ECG MIRAGE reads: "
                 + first_few(not_ecg, fmt=lambda p: printable(Path(p).name), more=" ..."))
    if not_read:
        line += f"; {not_read_line(not_read, 'no ECG records')}"
    if own:
        line += f"; MIRAGE's own outputs: {own}"
    return line


def nothing_to_score(folder, found, unreadable=(), not_read: list | None = None) -> str:
    """Why a batch of ``folder`` is not run, in one line, when ``found`` (``find_inputs``) holds no record and no
    signal file to give a row: its folders could not be listed ("1 folder could not be read: ...: no records
    could be listed under DIR"), or ``no_records_line`` of what it holds; "" when there is something to score.
    ``mirage score`` refuses such a folder with it and the batch dialog says it, neither writing an output (the
    dialog had written a results CSV of its header line alone). ``not_read``, a list given, is filled with the
    folder's files that are no record, MIRAGE's own apart (``split_own``), for the dialog's tooltip: the dialog had
    split them again."""
    headers, orphans, not_ecg = found
    if headers or orphans:
        return ""
    other, own = split_own(getattr(found, "not_read", ()) or (), folder)
    if not_read is not None:
        not_read.extend(other)
    if unreadable:     # not "no records": none could be looked for
        return f"{unreadable_line(unreadable)}: no records could be listed under {folder}"
    return no_records_line(folder, other, own, not_ecg)


def not_read_entry(path, folder) -> str:
    """A file of ``FoundInputs.not_read`` as ``BatchSummary.not_read`` names it: its path under
    ``folder``; a hidden folder's (not searched: its files are not looked at) with a trailing "/"
    ("sub/.git/")."""
    return rel_path(Path(path), Path(folder)) + ("/" if is_hidden(path) and os.path.isdir(path) else "")
