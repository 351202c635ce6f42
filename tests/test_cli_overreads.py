"""``mirage overreads`` (the over-read store listed, and as CSV) and ``mirage report``'s over-read: the record's signed
over-read the store keeps is printed, as MIRAGE Review's Export prints it, never a draft; ``--overreads`` names another
store, ``--no-overreads`` none. Stores written here by hand (``review.store``); record: LUDB 1 (bundled)."""

from __future__ import annotations

import csv
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir
from mirage_model.records.load import load_record
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.opening import session_from_file
from mirage_model.review.overread import statement_key
from mirage_model.review.store import OverReadStore, overread_key
from training_cli.main import main

LUDB1 = resources_dir() / "samples" / "ludb" / "1.hea"
pytestmark = pytest.mark.skipif(not LUDB1.is_file(), reason="bundled samples not present")


def _state(comment, reader="", signed_at=None, over=()):
    return {"decisions": [], "added": [], "comment": comment, "reader": reader, "signed_at": signed_at,
            "signed_over": [list(k) for k in over]}


def _at(h, m):
    return datetime(2026, 12, 6, h, m, tzinfo=timezone.utc)


def test_overreads_lists_the_store_and_writes_its_rows_as_csv(tmp_path, capsys):
    store = OverReadStore(tmp_path / "shared.sqlite")
    store.save("k1", _state("first", "Dr A", "2026-12-06T08:00:00+00:00"), record="1", now=_at(8, 0))
    store.save("k1", _state("amending"), record="1", now=_at(9, 30))       # edited after signing: a draft
    store.save("k2", _state("", "Dr B", "2026-12-06T08:00:00+01:00"), record="=cmd", now=_at(7, 0))
    store.save("k3", _state("unfinished"), record="14", now=_at(6, 0))
    assert main(["overreads", "--store", str(store.path), "--csv", str(tmp_path / "list.csv")]) == 0
    out = capsys.readouterr().out
    # the draft is no one's yet: Dr A signed what it amends, and is named as the last signer, not as its author;
    # the times as the app's status line and the PDF say them (08:00+01:00 is 07:00 UTC), the CSV's ISO 8601
    assert "1: draft, saved 2026-12-06 09:30 UTC; last signed by Dr A on 2026-12-06 08:00 UTC; 1 signature" in out
    assert "=cmd: signed by Dr B on 2026-12-06 07:00 UTC, saved 2026-12-06 07:00 UTC; 1 signature" in out
    assert "14: draft, saved 2026-12-06 06:00 UTC; 0 signatures" in out
    assert "+00:00" not in out
    with open(tmp_path / "list.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    # the draft amending Dr A's signature: what it changed so far, as the app's panel says it
    so_far = "Changes so far to the over-read signed by Dr A on 2026-12-06 08:00 UTC: comment changed (was: first)"
    assert rows == [["record", "state", "signer", "signed_at", "saved_at", "signatures", "key", "changes"],
                    ["1", "draft", "Dr A", "2026-12-06T08:00:00+00:00", "2026-12-06T09:30:00+00:00", "1", "k1",
                     so_far],
                    ["14", "draft", "", "", "2026-12-06T06:00:00+00:00", "0", "k3", ""],
                    ["'=cmd", "signed", "Dr B", "2026-12-06T08:00:00+01:00", "2026-12-06T07:00:00+00:00", "1", "k2",
                     ""]]


def test_overreads_says_what_each_amendment_changed_under_its_line(tmp_path, capsys):
    """Record 5 signed by Dr A (atrial fibrillation confirmed, the infarct left undecided, a comment), amended and
    signed by Dr B (the fibrillation struck, the infarct confirmed, a statement added, the comment removed): its
    line is followed by the four changes in ``mirage report``'s words, worded by hand here; record 6, signed once,
    amends nothing and gets no such line; record 7's over-read is damaged, said on its line alone, the rest listed."""
    af, mi = ("rhythm", "AFIB", "Atrial fibrillation, 92 bpm"), ("infarct", "IMI", "Inferior infarct")
    store = OverReadStore(tmp_path / "shared.sqlite")
    first = _state("Check the old ECG", "Dr A", "2026-12-06T08:00:00+00:00", over=(af, mi))
    first["decisions"] = [[*af, "confirmed", ""]]
    store.save("k5", first, record="5", now=_at(8, 0))
    amended = _state("", "Dr B", "2026-12-06T10:20:00+00:00", over=(af, mi))
    amended["decisions"] = [[*af, "struck", "flutter waves in II"], [*mi, "confirmed", ""]]
    amended["added"] = [["Atrial flutter", "rhythm"]]
    store.save("k5", amended, record="5", now=_at(10, 20))
    store.save("k6", _state("", "Dr A", "2026-12-06T08:30:00+00:00", over=(af,)), record="6", now=_at(8, 30))
    store.save("k7", {"decisions": "none", "added": [], "comment": ""}, record="7", now=_at(9, 0))
    assert main(["overreads", "--store", str(store.path), "--csv", str(tmp_path / "list.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    changed = ("Changes to the over-read signed by Dr A on 2026-12-06 08:00 UTC: Atrial fibrillation, 92 bpm: was "
               "confirmed, now struck (flutter waves in II); Inferior infarct: was undecided, now confirmed; added: "
               "Atrial flutter; comment removed (was: Check the old ECG)")
    i = out.index("  5: signed by Dr B on 2026-12-06 10:20 UTC, saved 2026-12-06 10:20 UTC; 2 signatures")
    assert out[i + 1] == f"    {changed}"
    j = out.index("  6: signed by Dr A on 2026-12-06 08:30 UTC, saved 2026-12-06 08:30 UTC; 1 signature")
    assert out[j + 1].startswith("  7: draft")
    assert out[j + 2].startswith("    what it amended could not be read: its over-read is damaged"), out
    with open(tmp_path / "list.csv", newline="", encoding="utf-8") as f:
        rows = {r["record"]: r["changes"] for r in csv.DictReader(f)}
    assert rows["5"] == changed and rows["6"] == ""


def test_overreads_shows_a_time_without_offset_as_utc_and_a_text_that_is_no_time_as_it_is():
    from training_cli.commands.overreads import shown_time
    assert shown_time("2026-12-06T23:30:00-02:00") == "2026-12-07 01:30 UTC"
    assert shown_time("2026-12-06T13:10:45") == "2026-12-06 13:10 UTC"
    assert shown_time("not a time") == "not a time"


def test_overreads_names_a_forgotten_over_reads_last_signer_as_its_signer_not_who_forgot_it(tmp_path, capsys):
    store = OverReadStore(tmp_path / "shared.sqlite")
    store.save("k1", _state("first", "Dr A", "2026-12-06T08:00:00+00:00"), record="2", now=_at(8, 0))
    store.save("k1", _state("again", "Dr B", "2026-12-06T09:00:00+00:00"), record="2", now=_at(9, 0))
    assert store.forget("k1")       # File > Forget this record's over-read...: no name is asked, none is kept
    assert main(["overreads", "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "2: forgotten; last signed by Dr B on 2026-12-06 09:00 UTC; 2 signatures" in out
    assert "forgotten by" not in out


def test_overreads_says_a_damaged_store_in_one_line(tmp_path, capsys):
    bad = tmp_path / "overreads.sqlite"
    bad.write_bytes(b"this is no database" * 100)
    assert main(["overreads", "--store", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(bad) in err and "damaged" in err and "Traceback" not in err
    # a command that only reads: not the app's "Over-reads are not kept there until it can be."
    assert "not kept" not in err and err.endswith("; nothing listed.")


def test_overreads_csv_never_replaces_the_store_and_asks_before_another_file(tmp_path, capsys):
    """``--csv`` naming the store itself had truncated it (every over-read and signature lost), and any other file was
    replaced without a word: the store is refused whatever --overwrite says, an existing file without it."""
    store = OverReadStore(tmp_path / "overreads.sqlite")
    store.save("k1", _state("", "Dr A", "2026-12-06T08:00:00+00:00"), record="1", now=_at(8, 0))
    for more in ([], ["--overwrite"]):
        assert main(["overreads", "--store", str(store.path), "--csv", str(store.path), *more]) == 2
        err = capsys.readouterr().err
        assert "--csv" in err and "never replaced" in err and "Traceback" not in err
    assert [r["signatures"] for r in store.listing()] == [1]            # the store as it was, its signature kept
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,troponin_t\n1,52\n")
    assert main(["overreads", "--store", str(store.path), "--csv", str(labs)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert labs.read_text() == "record_id,troponin_t\n1,52\n"
    assert main(["overreads", "--store", str(store.path), "--csv", str(labs), "--overwrite"]) == 0
    assert labs.read_text(encoding="utf-8").splitlines()[1].startswith("1,signed,Dr A,")
    assert main(["overreads", "--store", str(store.path), "--csv", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def _rules_statements():
    return [statement_key(s) for s in session_interpretation(session_from_file(LUDB1, None)).statements]


def _report(tmp_path, *more):
    from test_app_cli import pdf_text
    out = tmp_path / f"r{len(list(tmp_path.glob('r*.pdf')))}.pdf"
    rc = main(["report", str(LUDB1), "--out", str(out), "--no-model", "--statements-model", "none", *map(str, more)])
    return rc, " ".join(pdf_text(out).split()) if out.is_file() else ""


def test_report_prints_the_signed_over_read_the_store_keeps_and_never_a_draft(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))     # MIRAGE Review's store: beside its settings
    over = _rules_statements()
    key = overread_key(load_record(LUDB1))
    own = OverReadStore(tmp_path / "cfg" / "MIRAGE" / "overreads.sqlite")
    own.save(key, _state("Only a draft"), record="1")
    rc, text = _report(tmp_path)
    assert rc == 0 and "Only a draft" not in text and "Not over-read: machine statements unconfirmed" in text

    own.save(key, _state("Signed words", "Dr Stored", "2026-12-06T08:00:00+00:00", over), record="1")
    own.save(key, _state("Amendment half typed"), record="1")        # a draft amending it: the signed one printed
    rc, text = _report(tmp_path)
    assert rc == 0 and "Over-read by Dr Stored, 2026-12-06 08:00 UTC" in text
    assert "Reviewer's comment: Signed words" in text and "half typed" not in text

    shared = OverReadStore(tmp_path / "shared.sqlite")               # --overreads: a department's copy
    shared.save(key, _state("Shared words", "Dr First", "2026-12-06T07:00:00+00:00", over), record="1")
    shared.save(key, _state("Shared words, amended", "Dr Second", "2026-12-06T09:15:00+00:00", over), record="1")
    rc, text = _report(tmp_path, "--overreads", shared.path)
    assert rc == 0 and "Over-read by Dr Second, 2026-12-06 09:15 UTC" in text and "Dr Stored" not in text
    assert "amends the over-read signed by Dr First on 2026-12-06 07:00 UTC" in text

    rc, text = _report(tmp_path, "--no-overreads")
    assert rc == 0 and "Dr Stored" not in text and "Not over-read" in text
    capsys.readouterr()
    assert _report(tmp_path, "--reviewer", "Dr Other")[0] == 2         # one reviewer per report
    assert "signed by Dr Stored" in capsys.readouterr().err
    assert _report(tmp_path, "--overreads", tmp_path / "none.sqlite")[0] == 2


def _locked_and_damaged(path):
    """A store held by another program (an exclusive transaction open: reads wait, then fail), then one of bytes
    that are no SQLite file; yields the word the store's message gives for each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    OverReadStore(path).save("k0", _state("Other record's draft"), record="0")
    con = sqlite3.connect(path)
    con.execute("BEGIN EXCLUSIVE")
    try:
        yield "locked"
    finally:
        con.rollback()
        con.close()
    path.write_bytes(bytes(range(256)) * 8)
    yield "damaged"


def test_report_refuses_a_record_whose_store_cannot_be_read(tmp_path, monkeypatch, capsys):
    """MIRAGE Review's own store locked or damaged: the report had warned on stderr alone and printed "Not over-read"
    of a record that may be signed (a batch script saw rc 0); it is refused as --overreads' is, naming the store and
    --no-overreads. A store not made yet is none: the report is written."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    own = tmp_path / "cfg" / "MIRAGE" / "overreads.sqlite"
    rc, text = _report(tmp_path)
    assert rc == 0 and "Not over-read" in text and not own.exists()
    capsys.readouterr()
    for word in _locked_and_damaged(own):
        for more in ([], ["--overreads", own]):
            rc, text = _report(tmp_path, *more)
            err = capsys.readouterr().err
            assert (rc, text) == (2, ""), (word, more)
            assert str(own) in err and word in err and "--no-overreads" in err and "Traceback" not in err
    rc, text = _report(tmp_path, "--no-overreads")
    assert rc == 0 and "Not over-read" in text


def test_report_never_replaces_the_store(tmp_path, monkeypatch, capsys):
    """``--out`` naming the store (its own or --overreads') is refused, --overwrite or not: every signature kept."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    own = OverReadStore(tmp_path / "cfg" / "MIRAGE" / "overreads.sqlite")
    shared = OverReadStore(tmp_path / "shared.sqlite")
    for store, more in ((own, []), (shared, ["--overreads", str(shared.path)])):
        store.save("k1", _state("", "Dr A", "2026-12-06T08:00:00+00:00"), record="1", now=_at(8, 0))
        before = store.path.read_bytes()
        rc = main(["report", str(LUDB1), "--out", str(store.path), "--overwrite", "--no-model", "--statements-model",
                   "none", *more])
        assert rc == 2 and "Traceback" not in capsys.readouterr().err
        assert store.path.read_bytes() == before and [r["signatures"] for r in store.listing()] == [1]


def test_report_tells_of_an_over_read_kept_for_another_file_in_the_apps_words(tmp_path, monkeypatch, capsys):
    """A changed copy of PTB-XL 00417_lr (one sample one count off; the bundled folder's table names its patient and
    date) whose over-read the store keeps: the report prints none and says, on stderr, the sentence the app's panel
    says (test_app_overread_elsewhere); it had said nothing of it."""
    import shutil

    from mirage_model.review.store import loose_identity

    ptbxl = resources_dir() / "samples" / "ptbxl"
    original = ptbxl / "records100" / "00000" / "00417_lr.hea"
    shutil.copytree(ptbxl, tmp_path / "copy")
    changed = tmp_path / "copy" / original.relative_to(ptbxl)
    raw = bytearray(changed.with_suffix(".dat").read_bytes())
    raw[2000] ^= 0x01
    changed.with_suffix(".dat").write_bytes(bytes(raw))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    own = OverReadStore(tmp_path / "cfg" / "MIRAGE" / "overreads.sqlite")
    rec = load_record(original)
    own.save(overread_key(rec), _state("Seen", "Dr Kept", "2026-12-06T10:38:00+00:00"), record="00417_lr",
             loose=loose_identity(rec))
    capsys.readouterr()
    out = tmp_path / "r.pdf"
    assert main(["report", str(changed), "--out", str(out), "--no-model", "--statements-model", "none"]) == 0
    err = capsys.readouterr().err
    assert (f"note: {own.path}: An over-read of a record named 00417_lr, patient ID PTB-XL patient 4938, recorded "
            "1987-01-29 16:51:21, signed by Dr Kept on 2026-12-06 10:38 UTC is kept, but this file's samples differ: "
            "not restored\n") in err, err
    from test_app_cli import pdf_text
    text = " ".join(pdf_text(out).split())
    assert "Not over-read" in text and "Dr Kept" not in text and "samples differ" not in text


def test_report_says_what_an_amendment_changed(tmp_path, capsys):
    """LUDB 1 (no model: one statement, "Rhythm not classified, 45 bpm"), signed by Dr First with it left undecided
    and a comment, amended by Dr Second: confirmed, a statement added, the comment changed. The note on stderr and
    the PDF's page 3 say the three changes, worded by hand here; before, only who signed first."""
    over = _rules_statements()
    assert [k[-1] for k in over] == ["Rhythm not classified, 45 bpm"]
    key = overread_key(load_record(LUDB1))
    store = OverReadStore(tmp_path / "shared.sqlite")
    store.save(key, _state("Signed words", "Dr First", "2026-12-06T07:00:00+00:00", over), record="1")
    second = _state("Signed words; QT checked", "Dr Second", "2026-12-06T09:15:00+00:00", over)
    second["decisions"] = [[*over[0], "confirmed", ""]]
    second["added"] = [["Sinus bradycardia", "rhythm"]]
    store.save(key, second, record="1")
    capsys.readouterr()
    rc, text = _report(tmp_path, "--overreads", store.path)
    changed = ("Changes: Rhythm not classified, "
               "45 bpm: was undecided, now confirmed; added: Sinus bradycardia; comment changed (was: Signed words)")
    assert rc == 0 and changed in text, text
    assert f"note: {changed}" in capsys.readouterr().err


def test_a_store_the_settings_name_on_a_share_not_mounted_is_an_error_not_none(tmp_path, monkeypatch, capsys):
    """MIRAGE Review's settings name the store on a shared folder that is not mounted (its folder not there): ``mirage
    report`` refuses the record, naming the folder, where it had printed "Not over-read" of a record that may be signed
    there (rc 0), and ``mirage overreads`` lists nothing, saying why (it had listed "0 records"); no folder is made."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    store = tmp_path / "mnt" / "cardiology" / "overreads.sqlite"
    (tmp_path / "cfg" / "MIRAGE").mkdir(parents=True)
    (tmp_path / "cfg" / "MIRAGE" / "MIRAGE Review.ini").write_text(f"[overread]\nstore={store}\n", encoding="utf-8")
    said = f"its folder {store.parent} is not there (a shared folder not mounted?)"
    assert _report(tmp_path) == (2, "")
    err = capsys.readouterr().err
    assert f"error: The over-read store {store} could not be read: {said}; no report written" in err
    assert main(["overreads"]) == 1
    assert f"error: The over-read store {store} could not be read: {said}; nothing listed." in capsys.readouterr().err
    assert not (tmp_path / "mnt").exists()


def test_a_store_an_admin_names_for_every_user_is_the_one_the_commands_read(tmp_path, monkeypatch, capsys):
    """The admin names the reading room's store for every user in the system-wide settings (/etc/xdg/MIRAGE/MIRAGE
    Review.ini, $XDG_CONFIG_DIRS), which the app reads after the user's own, as Qt does: ``mirage overreads`` and
    ``mirage report`` read that store too (they had read the user's own, listing none of the room's signatures); a
    user's own key still comes first."""
    from mirage_model.review.store_location import store_choice

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{tmp_path / 'none'}:{tmp_path / 'sys'}")
    room = OverReadStore(tmp_path / "room" / "overreads.sqlite")
    room.save("k1", _state("", "Dr A", "2026-12-06T08:00:00+00:00"), record="1", now=_at(8, 0))
    (tmp_path / "sys" / "MIRAGE").mkdir(parents=True)
    (tmp_path / "sys" / "MIRAGE" / "MIRAGE Review.ini").write_text(f"[overread]\nstore={room.path}\n",
                                                                   encoding="utf-8")
    assert store_choice().path == room.path
    assert main(["overreads"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{room.path}: 1 record") and "1: signed by Dr A on 2026-12-06 08:00 UTC" in out
    (tmp_path / "user" / "MIRAGE").mkdir(parents=True, exist_ok=True)     # what the store held is remembered there
    (tmp_path / "user" / "MIRAGE" / "MIRAGE Review.ini").write_text("[overread]\nstore=/srv/own.sqlite\n",
                                                                    encoding="utf-8")
    assert store_choice().path == Path("/srv/own.sqlite")
