"""``mirage convert``: any ECG file MIRAGE reads (GE MUSE, Philips, HL7 aECG, DICOM, SCP-ECG, EDF,
WFDB ...) to WFDB or EDF+, optionally anonymised. A thin face over
:func:`mirage_model.formats.write_record`.

With ``--anonymise`` the records follow HIPAA's Safe Harbor rule (``formats.safe_harbor``: dates to the year, ages
over 89 as 90, the site and free text dropped; ``--keep-dates`` keeps the dates, and the files then say they are
not Safe-Harbor de-identified) and the outputs are numbered (ecg_0001, ecg_0002, ... after any already in the
output folder) instead of named after their inputs, whose names often are the patient's name or ID;
the "input -> output" line printed for each file is the only link back, left on the user's terminal.

Each input's line names the leads with missing samples and how they were written (WFDB's invalid
sample; EDF has none: the digital minimum, named in the header, which MIRAGE reads back as missing).
What was read of an input that its output does not hold (the device's median beats, channels that are
no 12-lead ECG lead: ``formats.write.left_out``) is named on the line after it, "left out: ...".

A folder keeps its layout: FOLDER/siteA/1.hea is written to OUT_DIR/siteA/1.edf, so that the ids a labs table
names records by (``siteA/1``, their paths in the folder) name the converted records too; given several inputs,
each folder's records go under its name (OUT_DIR/FOLDER/siteA/1.edf), and files given one by one into OUT_DIR.
Anonymised, every output is numbered in OUT_DIR itself: a folder's name, too, may be the patient's. Two inputs
that would write one file (``1.hea`` and ``1.xml`` of one folder) never do: the second is numbered (``1_2``) and
its line names the input the name went to. An OUT_DIR inside an input folder is refused: a later run over the
folder would take the converted records for inputs. Files with an ECG format's extension that hold no ECG, and
folders that cannot be listed, are named ("not an ECG: ...").

A record written under another name than its input's (``Müller.xml`` as the WFDB record ``Muller``, whose name
holds only ASCII letters, digits, '-' and '_'; a second ``1`` numbered ``1_2``) is listed in OUT_DIR/renamed_records.csv
(its input file, the id its input's name gave it, the id it has now; rows of earlier runs kept), which the
summary names (``clinical.renamed``): kept in the folder, it lets a labs table keyed by the inputs' names fit, as
``mirage score`` and training give the record Muller the row "Müller" by it; a numbered record's row must name
it as written (``1_2``): without one, a row ``1`` that names another record as written may be either's, and is
refused. Not when anonymised: the terminal's lines stay the only link back.

An output file already in OUT_DIR (a record an earlier run wrote, of the same name) is never replaced
unasked: that input is skipped with a line naming the file, the others are converted, and the
summary counts the skipped; ``--overwrite`` replaces them.

Exit code: 0 all converted (or skipped, their outputs already there), 1 some inputs could not be
read or written, 2 usage (no inputs).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from mirage_model.csvsafe import printable
from mirage_model.formats import OutputExistsError, anonymous_names, find_ecg_files, write_record
from mirage_model.formats.edf import EDF_MISSING
from mirage_model.clinical.renamed import write_renamed
from mirage_model.formats.write import anonymous_name_for, left_out_line, output_name
from mirage_model.records import STANDARD_LEADS, RecordError, load_record
from mirage_model.records.folder import unreadable_line
from mirage_model.review.batch.loading import not_ecg_reason
from mirage_model.review.batch.rows import not_ecg_line
from mirage_model.review.file_info import reader_notes
from mirage_model.words import counted, first_few
from training_cli.engine.errors import UsageError
from training_cli.options import command_parser
from training_cli.outputs import check_output_folder

log = logging.getLogger(__name__)

def convert_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage convert`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(
        subparsers, "convert",
        description="Convert ECG records of any format MIRAGE reads to WFDB (.hea + .dat) or EDF+ "
        "(.edf): 12 leads in the standard order, in mV, with age, sex, acquisition time, device "
        "and the device's own statements in the header. A folder is searched recursively and keeps its "
        "layout under OUT_DIR (FOLDER/siteA/1.hea -> OUT_DIR/siteA/1.edf; with several inputs under each "
        "folder's name), so that a labs table keyed by the records' paths fits the converted folder too.",
        # argparse wrote the positionals' metavar twice, "IN... OUT_DIR [IN... OUT_DIR ...]": several OUT_DIRs
        usage="%(prog)s [-h] [-v] --to {wfdb,edf} [--anonymise [--keep-dates]] [--overwrite] IN [IN ...] "
              "OUT_DIR")
    p.add_argument("paths", nargs="+", type=Path, metavar="IN... OUT_DIR",
                   help="files or folders to convert, then the folder for the written records (the "
                   "options may come anywhere, as in 'mirage convert a.xml b.dcm --to wfdb out')")
    p.add_argument("--to", choices=("wfdb", "edf"), required=True, help="output format")
    p.add_argument("--anonymise", "--anonymize", action="store_true",
                   help="de-identify by HIPAA Safe Harbor (45 CFR 164.514(b)(2)): drop the patient's name, ID "
                   "and birth date, the site and free text (the device's statements are kept, but those naming "
                   "a person or place, their dates as years), keep the recording's year only (no day, month "
                   "or time) and write ages over 89 as 90 (sex is kept); the header says the record was "
                   "anonymised and by which rule, the outputs are numbered ecg_0001, ... "
                   "(the input -> output lines printed are the only link back to the inputs)")
    p.add_argument("--keep-dates", action="store_true",
                   help="with --anonymise: keep the recording's date and time and the dates in the device's "
                   "statements (for intervals between one patient's ECGs); the output is then NOT "
                   "de-identified by HIPAA Safe Harbor, and its header says so")
    p.add_argument("--overwrite", action="store_true",
                   help="replace output files already in OUT_DIR (by default an input whose output "
                   "exists, e.g. from an earlier run, is skipped with a message and the others converted)")
    p.set_defaults(func=run, positionals_anywhere=True)
    return p


def _inputs(paths: list[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Each input file with the folder, under OUT_DIR, its output goes to: a folder's records keep their
    place in it (``siteA/1.hea`` -> ``siteA``), under the folder's own name when several inputs are given
    (two folders' ``1.hea`` stay apart); a file given by itself goes to OUT_DIR. Also the lines naming
    what a folder holds that is no record (a ``.dcm`` that is no ECG, an empty ``.xml``) and the
    folders that could not be listed."""
    out, notes = [], []
    for path in paths:
        if not path.is_dir():
            out.append((path, Path()))
            continue
        top = Path(path.resolve().name) if len(paths) > 1 else Path()
        passed_over: list[Path] = []
        unreadable: list[tuple[str, str]] = []
        out.extend((p, top / p.parent.relative_to(path)) for p in find_ecg_files(path, passed_over,
                                                                               unreadable=unreadable))
        notes.extend(not_ecg_line(str(p), not_ecg_reason(p)) for p in passed_over)
        if unreadable:
            notes.append(f"{unreadable_line(unreadable)}; the records in them are not converted")
    return out, notes


def _refuse_output_inside(inputs: list[Path], out_dir: Path) -> None:
    """Refuse an OUT_DIR that is one of the input folders or inside one: the converted records would
    sit among the inputs, and a later run over the folder (or ``mirage score`` of it) would take them
    for records of their own."""
    out = out_dir.expanduser().resolve()
    for path in inputs:
        folder = path.expanduser().resolve()
        if path.is_dir() and (out == folder or folder in out.parents):
            raise UsageError(f"error: OUT_DIR {printable(out_dir)} is inside the input folder {printable(path)}: "
                             "the converted records would be taken for inputs by a later run over the folder "
                             "(and by mirage score); choose an output folder outside it")


def _make_folder(folder: Path, made: list[Path]) -> None:
    """Make ``folder`` (and its parents), adding those it made to ``made``."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    made.extend(missing)


def _gaps_note(record, fmt: str) -> str:
    """"; missing samples in V2 (...)" naming the leads with missing samples (NaN), or ""."""
    leads = [lead for lead, row in zip(STANDARD_LEADS, record.signal) if np.isnan(row).any()]
    if not leads:
        return ""
    how = ("the invalid sample -32768, as WFDB marks it" if fmt == "wfdb" else
           f"digital {EDF_MISSING}, named in the header; other EDF readers show them at the lead's negative limit")
    return f"; missing samples in {', '.join(leads)} (written as {how})"


def run(args: argparse.Namespace) -> int:
    if len(args.paths) < 2:
        raise UsageError("error: give the inputs and then the output folder: mirage convert IN... --to "
                         "wfdb|edf OUT_DIR")
    if args.keep_dates and not args.anonymise:
        raise UsageError("error: --keep-dates is an option of --anonymise (a record not anonymised keeps its "
                         "dates)")
    args.inputs, args.out_dir = list(args.paths[:-1]), Path(args.paths[-1])
    _refuse_output_inside(args.inputs, args.out_dir)
    try:
        paths, not_ecg = _inputs(args.inputs)
    except RecordError as err:
        raise UsageError(f"error: {err}")
    for line in not_ecg:
        print(line, file=sys.stderr)
    if not paths:
        raise UsageError("error: no ECG records found in the inputs")
    # the folders this run makes: taken away again where no record was written in them (nothing half-made left)
    made = [p for p in (args.out_dir, *args.out_dir.parents) if not p.exists()]
    check_output_folder(args.out_dir, "OUT_DIR")
    failed, skipped, used = 0, 0, {}
    written: list[tuple[str, str, str]] = []      # (input, the id its name gave it, the id written), in OUT_DIR
    numbered_ids, not_listed = set(), False
    numbered = anonymous_names(len(paths), args.out_dir) if args.anonymise else None
    for path, sub in paths:
        # anonymised: numbered in OUT_DIR itself, never under the input's folders (a folder may be the patient's)
        folder, renamed = (args.out_dir if numbered is not None else args.out_dir / sub), ""
        try:
            record = load_record(path)
            if numbered is not None:  # never the input's name: it is often the patient's
                name = anonymous_name_for(record, numbered)
            else:
                # the name as written (a WFDB name in ASCII): two inputs whose stems write alike
                # (a.xml, a.dcm; "Müller Ωmega", "Muller_Omega") must not land in one file
                stem = output_name(record, args.to)
                name, k = stem, 1
                while (sub / name).as_posix().lower() in used:
                    k += 1
                    name = f"{stem}_{k}"
                if k > 1:
                    renamed = f" (numbered: {stem} is {printable(used[(sub / stem).as_posix().lower()])}'s)"
                    numbered_ids.add((sub / name).as_posix())
                used[(sub / name).as_posix().lower()] = path
            try:
                _make_folder(folder, made)
            except OSError as err:
                raise RecordError(path, f"cannot make its output folder {folder}: {err.strerror or err}") from None
            out = write_record(record, folder, args.to, anonymise=args.anonymise, name=name,
                               overwrite=args.overwrite, keep_dates=args.keep_dates)
        except OutputExistsError as err:
            skipped += 1
            names = " and ".join(printable(p.name) for p in err.existing)
            print(f"skipped: {printable(path)}: {names} already in {printable(folder)} (not replaced; "
                  "--overwrite replaces)", file=sys.stderr)
            continue
        except RecordError as err:
            failed += 1
            print(f"error: {printable(err)}", file=sys.stderr)
            continue
        if numbered is None:
            written.append((str(path), (sub / path.stem).as_posix(), (sub / name).as_posix()))
        fmt = record.meta.get("format_name") or record.meta.get("format", "WFDB")
        print(f"{printable(path)} ({fmt}) -> {printable(out)}" + (" (anonymised)" if args.anonymise else "")
              + renamed + _gaps_note(record, args.to))
        lost = left_out_line(record, args.anonymise)     # what the output does not hold: said, never dropped silently
        if lost:
            print(f"  {printable(lost)}")
        for note in reader_notes(record):
            print(f"  {printable(note)}")
    renamed = [(source, record) for _, source, record in written if source != record]
    listed, why = write_renamed(args.out_dir, written)
    if why:
        not_listed = True
        print(f"error: {why}; it would list the {counted(len(renamed), 'record')} written under another name than "
              "their input's", file=sys.stderr)
    elif renamed:
        shown = ", ".join(f"{printable(a)} -> {printable(b)}" for a, b in renamed[:3])
        line = (f"{len(renamed)} of {counted(len(written), 'record')} written under another name than their "
                f"input's ({shown}{' ...' if len(renamed) > 3 else ''}): {printable(listed)} lists them")
        if plain := [(a, b) for a, b in renamed if b not in numbered_ids]:
            line += (f"; kept in the folder, it lets a labs table keyed by the inputs' names fit them (a row "
                     f"{printable(plain[0][0])!r} is the record {printable(plain[0][1])!r})")
        if twins := sorted((b, a) for a, b in renamed if b in numbered_ids):
            # the advice a labs table so keyed is matched by (``labs_ids.renamed_rows``), no other
            (b, a) = twins[0]
            if len(twins) > 1:      # how many, and the list that names each (the line names the first three)
                line += (f"; {len(twins)} records were numbered ({first_few((t for t, _ in twins), 3, printable)}: "
                         f"{listed.name} names all {len(twins)})")
            line += (f"; a numbered record's row must name it as written ({printable(b)!r}): where it has none, a row "
                     f"{printable(a)!r} that names another record as written is refused, as it may be either's")
        print(line)
    if skipped:
        print(f"{skipped} of {len(paths)} inputs skipped: their output files were already in "
              f"{printable(args.out_dir)} (--overwrite replaces them)", file=sys.stderr)
    if failed:
        print(f"{failed} of {len(paths)} inputs not converted", file=sys.stderr)
    for folder in sorted(made, key=lambda p: len(p.parts), reverse=True):      # the deepest first
        try:
            folder.rmdir()   # only an empty one
        except OSError:
            pass
    return 1 if failed or not_listed else 0
