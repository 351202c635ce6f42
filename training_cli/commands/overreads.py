"""``mirage overreads``: what an over-read store (``review.store``) holds, one line per record: its name, the state of
its over-read (signed, draft, or forgotten with its signatures kept), who signed and when, when it was last saved, and
how many signatures it was given (each signed over-read stays: an amendment never erases one); its times as MIRAGE
Review and its PDF say them ("2026-12-06 13:10 UTC"). Under an amendment's line, what it changed of the signature it
amends, as ``mirage report`` and the PDF's page 3 say it, naming that signature (``review.amendment.changes_line``:
"Changes to the over-read signed by Dr A on ...: ...", a draft's "Changes so far to ..."). ``--csv FILE`` writes the
same rows as CSV (that line in its ``changes`` column), their times ISO 8601 for the programs that read it (an
existing FILE only with ``--overwrite``; the store itself never); ``--store PATH`` reads another file than MIRAGE
Review's own (a department's shared copy). ``--accept`` takes a store that MIRAGE Review refuses for holding less
than when it last read it (``review.store_memory``: emptied, an older copy or another store in its place, removed) as
it now is, the user having chosen so.

Exit code: 0 listed, 1 the store cannot be read (damaged, locked: one line naming it), 2 usage. Research use only, not
a diagnosis.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime, timezone
from pathlib import Path

from mirage_model.csvsafe import encodable, neutralise, printable
from mirage_model.paths import atomic_output
from mirage_model.review.amendment import changes_line, keep_signatures
from mirage_model.review.overread import OverRead, signer_name
from mirage_model.review.store import OverReadStore, StoreError
from mirage_model.review.store_location import ENV_STORE, store_choice
from training_cli.engine.errors import UsageError
from training_cli.options import command_parser
from training_cli.outputs import check_output_file, refuse_earlier_outputs

COLUMNS = ("record", "state", "signer", "signed_at", "saved_at", "signatures", "key", "changes")


def overreads_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage overreads`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(
        subparsers, "overreads",
        description="List the over-reads a MIRAGE Review store holds: each record's name, its over-read's state "
        "(signed, draft, or forgotten with its signatures kept), who signed it and when, when it was saved and how "
        "many signatures it was given; under an amendment, what it changed. Research use only, not a diagnosis.")
    p.add_argument("--store", type=Path, default=None, metavar="PATH",
                   help=f"the store to read; default: MIRAGE Review's own (${ENV_STORE} where set, else the file "
                   "its Settings name, else overreads.sqlite beside its settings file)")
    p.add_argument("--csv", type=Path, default=None, metavar="FILE", help="also write the rows as CSV to FILE")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a file already at --csv (without it such a file is refused; the store never is)")
    p.add_argument("--accept", action="store_true",
                   help="take the store as it is now where MIRAGE Review refuses it for holding less than when it "
                   "last read it (emptied, an older copy or another store put in its place, removed): only once the "
                   "right file is known to be lost")
    p.set_defaults(func=run)
    return p


def shown_time(iso: str) -> str:
    """A stored ISO 8601 time as the app's status line and the PDF say it ("2026-12-06 13:10 UTC"; a time without
    an offset is UTC, as the store writes it); a text that is no time is shown as it is, never dropped."""
    try:
        when = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    return f"{when:%Y-%m-%d %H:%M} UTC"


def amendment_words(store: OverReadStore, row: dict) -> str:
    """What the over-read of ``row`` (a ``listing`` row) changed of the signature it amends, in the one wording of
    ``amendment.changes_line``, naming that signature; "" where it amends none, a draft has changed nothing yet, or it
    was forgotten (no over-read stands). One that cannot be read says so in a phrase, for its line alone: the listing
    goes on."""
    if row["state"] == "forgotten":
        return ""
    try:
        kept, signatures = store.printed(row["key"], drafts=True)
        if kept is None:
            return ""
        overread = OverRead()
        keep_signatures(overread, signatures)
        overread.restore(*kept)
    except StoreError as err:
        return f"what it amended could not be read: {err.problem}"
    except ValueError as err:
        return f"what it amended could not be read: its over-read is damaged ({err})"
    return changes_line(overread, named=True)       # its line names the last signer, not the one amended


def run(args) -> int:
    store = store_choice(args.store).store()
    if args.accept:
        try:
            facts = store.accept()
        except StoreError as err:
            print(f"error: {printable(err.problem)}; not taken.", file=sys.stderr)
            return 1
        print(printable(f"{store.path}: taken as it is now (" + (
            "not there: a new one is made on the next save" if facts is None else
            f"{facts['overreads']} over-reads, {facts['signatures']} signatures") + ")"))
        if facts is None:
            return 0
    if args.store is not None and not store.path.is_file():
        raise UsageError(f"error: --store {args.store}: no such file")
    if args.csv is not None:      # the store named as --csv had been truncated: every signature it kept lost
        check_output_file(args.csv, "--csv")
        refuse_earlier_outputs("mirage overreads", args.csv, [args.csv.expanduser()], args.overwrite, option="--csv",
                               inputs=(store.path,))
    try:
        rows = store.listing()
    except StoreError as err:
        print(f"error: {printable(err.problem)}; nothing listed.", file=sys.stderr)     # it only reads: no "not kept"
        return 1
    print(f"{store.path}: {len(rows)} record{'' if len(rows) == 1 else 's'}")
    for r in rows:
        r["changes"] = amendment_words(store, r)
        who = f"{signer_name(r['signer'])} on {shown_time(r['signed_at'])}"
        saved = f", saved {shown_time(r['saved_at'])}" if r["saved_at"] else ""
        if r["state"] == "signed":
            line = f"signed by {who}{saved}"
        else:       # a draft or a forgotten one names the last signature as such: its signer wrote neither
            line = f"{r['state']}{saved}" + (f"; last signed by {who}" if r["signed_at"] else "")
        print(printable(f"  {r['record'] or '(no name)'}: {line}; {r['signatures']} signature"
                        f"{'' if r['signatures'] == 1 else 's'}"))
        if r["changes"]:
            print(printable(f"    {r['changes']}"))
    if args.csv is not None:
        try:
            with atomic_output(args.csv.expanduser()) as tmp, open(tmp, "x", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow(COLUMNS)
                for r in rows:
                    out.writerow([neutralise(encodable(str(r[c]))) for c in COLUMNS])
        except OSError as err:
            raise UsageError(f"error: cannot write {args.csv}: {err.strerror or err}") from None
        print(f"wrote {printable(args.csv)}")
    return 0
