"""The over-read store (``review.store``), Qt-free: an over-read kept and taken back whole (decisions, the reviewer's
statements, comment, signature and the statements it was signed over); a record found by its content, so the same
files copied elsewhere find it and a changed sample or another patient ID finds none; a damaged, locked or
unwritable store raises a ``StoreError`` that names its file. Records: LUDB 1 (bundled, 500 Hz) and PTB-XL 00417_lr
(bundled, 100 Hz, patient 4938 in the bundled database table)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
from datetime import datetime, timezone
from types import SimpleNamespace

import numpy as np
import pytest

from mirage_model.paths import resources_dir
from mirage_model.records.load import load_record
from mirage_model.records.record import ExtraLead
from mirage_model.review.amendment import keep_signatures
from mirage_model.review.overread import CONFIRMED, STRUCK, OverRead
from mirage_model.review.store import OverReadStore, StoreConflict, StoreError, loose_identity, overread_key
from mirage_model.review.store_words import kept_text, not_kept

LUDB = resources_dir() / "samples" / "ludb" / "1.hea"
PTBXL = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
pytestmark = pytest.mark.skipif(not (LUDB.is_file() and PTBXL.is_file()), reason="bundled samples not present")


def _st(source, code, text):
    return SimpleNamespace(source=source, code=code, rule_id=None, text=text)


SINUS, LAD, LVH = _st("rules", "SR", "Sinus rhythm, 60 bpm"), _st("rules", "LAD", "Left axis deviation"), \
    _st("model", "LVH", "Left ventricular hypertrophy")
IT = SimpleNamespace(statements=[SINUS, LAD, LVH])
SIGNED = datetime(2026, 12, 6, 7, 10, 42, tzinfo=timezone.utc)


def _signed() -> OverRead:
    ov = OverRead()
    ov.confirm(SINUS)
    ov.strike(LVH, "voltage only")
    ov.add("Early repolarisation, inferior leads", "repolarisation")
    ov.set_comment("Compare with the prior")
    ov.sign(IT, "Dr A. Reader", now=SIGNED)
    return ov


def _copy(src, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for f in src.parent.glob(src.stem + ".*"):
        shutil.copy(f, folder / f.name)
    return folder / src.name


def test_round_trip_keeps_decisions_statements_comment_and_signature(tmp_path):
    store = OverReadStore(tmp_path / "data" / "overreads.sqlite")      # its folder is made on the first save
    store.save("k1", _signed().state(), record="1")
    back = OverRead()
    state, saved_at = store.load("k1")
    said = back.restore(state, saved_at)
    assert said == "Signed by Dr A. Reader on 2026-12-06 07:10 UTC, restored"
    assert back.decision(SINUS).verdict == CONFIRMED and back.decision(LAD) is None
    assert back.decision(LVH).verdict == STRUCK and back.decision(LVH).reason == "voltage only"
    assert [(a.text, a.group) for a in back.added] == [("Early repolarisation, inferior leads", "repolarisation")]
    assert back.comment == "Compare with the prior"
    assert back.reader == "Dr A. Reader" and back.signed_at == SIGNED and back.signed_for(IT)
    assert back.status(IT).startswith("Over-read by Dr A. Reader, 2026-12-06 07:10 UTC")
    # signed over these three statements: an interpretation that says a fourth is not signed for
    assert not back.signed_for(SimpleNamespace(statements=[SINUS, LAD, LVH, _st("rules", "1AVB", "PR 224 ms")]))
    assert store.load("another") is None


def test_a_draft_is_restored_unsigned_and_an_empty_one_is_forgotten(tmp_path):
    store = OverReadStore(tmp_path / "overreads.sqlite")
    ov = OverRead()
    ov.confirm(LAD)
    store.save("k", ov.state(), now=datetime(2026, 12, 5, 18, 3, tzinfo=timezone.utc))
    back = OverRead()
    assert back.restore(*store.load("k")) == "Draft from 2026-12-05 18:03 UTC restored"
    assert back.signed_at is None and back.decision(LAD).verdict == CONFIRMED and not back.signed_for(IT)
    assert store.forget("k") and store.load("k") is None and not store.forget("k")


def test_restoring_is_not_an_edit_and_an_edit_after_it_un_signs(tmp_path):
    events = []
    ov = OverRead(events.append)
    ov.restore(_signed().state())
    assert events == ["restored"] and ov.signed_for(IT) and ov.note == ""
    ov.confirm(LAD)
    assert not ov.signed_for(IT) and ov.restored == "" and ov.note.startswith("Un-signed")


def test_the_same_files_copied_elsewhere_find_it(tmp_path):
    here, there = load_record(LUDB), load_record(_copy(LUDB, tmp_path / "elsewhere" / "ludb"))
    assert there.path != here.path
    assert overread_key(here) == overread_key(there)
    store = OverReadStore(tmp_path / "s.sqlite")
    store.save(overread_key(here), _signed().state())
    assert store.load(overread_key(there)) is not None


def test_one_sample_changed_finds_none(tmp_path):
    copy = _copy(LUDB, tmp_path / "changed")
    dat = copy.with_suffix(".dat")
    raw = bytearray(dat.read_bytes())
    raw[2000] ^= 0x01           # one sample of a 16-bit lead one count (5 uV at LUDB's 200 counts/mV) off
    dat.write_bytes(bytes(raw))
    assert overread_key(load_record(copy)) != overread_key(load_record(LUDB))


def test_another_patient_id_finds_none():
    rec = load_record(PTBXL)
    assert rec.meta["ptbxl"]["patient_id"] is not None          # the bundled table names patient 4938
    other = dataclasses.replace(rec, meta={**rec.meta, "ptbxl": {**rec.meta["ptbxl"], "patient_id": 4939.0}})
    assert overread_key(other) != overread_key(rec)
    named = dataclasses.replace(rec, meta={**rec.meta, "patient": {"name": "JOHN DOE"}})
    assert overread_key(named) != overread_key(rec)
    assert overread_key(dataclasses.replace(rec, fs=rec.fs * 2)) != overread_key(rec)


def test_the_same_samples_of_another_day_or_with_other_extra_leads_find_none():
    """Two flat recordings (leads off) of the same length are the same samples: a file naming no patient told them
    apart by nothing, and one's signed over-read was the other's. The day it was recorded tells them apart; so do the
    leads outside the 12 (a V4R the over-read may rest on). The same recording keeps its key."""
    rec = load_record(LUDB)
    flat = np.zeros_like(rec.signal)
    monday = dataclasses.replace(rec, signal=flat, meta={**rec.meta, "acquired": "2026-11-30 08:00:00"})
    tuesday = dataclasses.replace(rec, signal=flat.copy(), meta={**rec.meta, "acquired": "2026-12-01 09:30:00"})
    assert overread_key(monday) != overread_key(tuesday)
    assert overread_key(monday) == overread_key(dataclasses.replace(monday, signal=flat.copy()))
    woman = dataclasses.replace(monday, sex="F" if monday.sex == "M" else "M")          # the file names another
    older = dataclasses.replace(monday, age=(monday.age or 40) + 30)
    assert len({overread_key(r) for r in (monday, woman, older)}) == 3
    v4r = dataclasses.replace(rec, extra_leads=(ExtraLead("V4R", rec.signal[8].copy()),))
    inverted = dataclasses.replace(rec, extra_leads=(ExtraLead("V4R", -rec.signal[8]),))
    v8 = dataclasses.replace(rec, extra_leads=(ExtraLead("V8", rec.signal[8].copy()),))
    assert len({overread_key(r) for r in (rec, v4r, inverted, v8)}) == 4
    assert overread_key(v4r) == overread_key(dataclasses.replace(rec, extra_leads=(ExtraLead("V4R", rec.signal[8]),)))


def test_a_damaged_store_says_so_naming_its_file(tmp_path):
    path = tmp_path / "overreads.sqlite"
    path.write_bytes(b"not a database, a text file saved over it " * 100)
    store = OverReadStore(path)
    for call in (lambda: store.load("k"), lambda: store.save("k", _signed().state())):
        with pytest.raises(StoreError) as err:
            call()
        assert str(path) in str(err.value) and "damaged" in str(err.value)
    assert path.read_bytes().startswith(b"not a database")      # left as it was


def test_a_locked_store_says_so_and_keeps_what_it_held(tmp_path):
    path = tmp_path / "overreads.sqlite"
    store = OverReadStore(path)
    store.save("k", {"draft": 1})
    other = sqlite3.connect(path)
    other.execute("BEGIN EXCLUSIVE")         # another MIRAGE Review writing
    try:
        with pytest.raises(StoreError) as err:
            store.save("k", _signed().state())
        assert str(path) in str(err.value) and "locked" in str(err.value)
    finally:
        other.rollback()
        other.close()
    assert store.load("k")[0] == {"draft": 1}


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes a read-only folder")
def test_a_read_only_folder_says_so(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError) as err:
            OverReadStore(folder / "overreads.sqlite").save("k", _signed().state())
        assert str(folder / "overreads.sqlite") in str(err.value)
    finally:
        folder.chmod(0o700)


def test_a_folder_that_cannot_be_made_says_so(tmp_path):
    (tmp_path / "data").write_text("a file where the store's folder should be")
    path = tmp_path / "data" / "overreads.sqlite"
    with pytest.raises(StoreError) as err:
        OverReadStore(path).save("k", _signed().state())
    assert str(path) in str(err.value) and "could not be written" in str(err.value)
    assert OverReadStore(path).load("k") is None        # nothing there to read: none kept


def test_a_named_store_whose_folder_is_not_there_says_so_and_makes_none(tmp_path):
    """A store named in the settings on a shared folder not mounted (its folder not there): reading and writing say
    so naming the folder, and no folder is made (it had made one, keeping over-reads where no colleague sees them, and
    read "none" of a store that may hold signatures); the app's own store beside its settings is still made."""
    path = tmp_path / "share" / "cardiology" / "overreads.sqlite"
    store = OverReadStore(path, make_folder=False)
    for call, doing in ((lambda: store.load("k"), "could not be read"), (lambda: store.signatures("k"), "could not be "
                        "read"), (lambda: store.save("k", _signed().state()), "could not be written")):
        with pytest.raises(StoreError) as err:
            call()
        assert str(err.value).startswith(f"The over-read store {path} {doing}: its folder {path.parent} is not there "
                                         "(a shared folder not mounted?)")
    assert not (tmp_path / "share").exists()
    (tmp_path / "share" / "cardiology").mkdir(parents=True)        # mounted: a store not made yet is none, then made
    assert store.load("k") is None
    store.save("k", _signed().state())
    assert store.load("k")[0]["reader"] == "Dr A. Reader"


def test_another_programs_database_is_said_and_left_as_it_was(tmp_path):
    """The settings name another program's SQLite file by mistake: reading and writing say so, naming the file and
    its tables, and the file is left as it was (it had been given the store's three tables, and read as holding no
    over-read). An empty file (zero bytes: SQLite's empty database) is a store not written yet."""
    path = tmp_path / "places.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE moz_places (id INTEGER, url TEXT)")
    con.execute("INSERT INTO moz_places VALUES (1, 'https://example.org')")
    con.commit()
    con.close()
    before = path.read_bytes()
    store = OverReadStore(path)
    for call, doing in ((lambda: store.load("k"), "read"), (lambda: store.save("k", _signed().state()), "written"),
                        (lambda: store.listing(), "read")):
        with pytest.raises(StoreError) as err:
            call()
        assert str(err.value).startswith(f"The over-read store {path} could not be {doing}: it is another program's "
                                         "database, not an over-read store (its tables: moz_places): name another file")
    assert path.read_bytes() == before
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    assert OverReadStore(empty).load("k") is None
    OverReadStore(empty).save("k", _signed().state())
    assert OverReadStore(empty).load("k")[0]["reader"] == "Dr A. Reader"


def test_a_damaged_entry_is_refused_and_nothing_restored():
    ov = OverRead()
    ov.confirm(SINUS)
    for bad in ({}, {**_signed().state(), "decisions": [["rules", "SR", "x", "maybe", ""]]},
                {**_signed().state(), "signed_at": "2026-12-06T07:10:42"}):
        with pytest.raises(ValueError):
            ov.restore(bad)
        assert ov.decision(SINUS).verdict == CONFIRMED and ov.signed_at is None


def test_a_store_path_that_cannot_be_looked_at_says_so(tmp_path):
    """A store named by a path the system refuses to look at (a name too long for the file system here; a folder the
    reader may not enter, on a shared drive) is said naming the file, as for one that cannot be written: no
    OSError out of ``load`` (the app's record then opened with a traceback) or ``forget``."""
    path = tmp_path / ("x" * 300) / "overreads.sqlite"        # 300 bytes: above every usual file system's 255
    store = OverReadStore(path)
    for call, doing in ((lambda: store.load("k"), "could not be read"),
                        (lambda: store.forget("k"), "could not be read"),
                        (lambda: store.save("k", _signed().state()), "could not be written")):
        with pytest.raises(StoreError) as err:
            call()
        assert str(path) in str(err.value) and doing in str(err.value)


def test_an_unnamed_signer_is_said_in_the_same_words_everywhere():
    """A signature without a name: the status line, the restored over-read's line and a report's refusal of a
    second reviewer all say "a reviewer who gave no name" (one rule: ``overread.signer_name``)."""
    from mirage_model.review.report import ReportSettings
    from mirage_model.review.report.overread import take_settings_review

    ov = OverRead()
    ov.confirm(SINUS)
    ov.sign(IT, "", now=SIGNED)
    assert ov.status(IT).startswith("Over-read by a reviewer who gave no name, 2026-12-06 07:10 UTC")
    back = OverRead()
    assert back.restore(ov.state()) == "Signed by a reviewer who gave no name on 2026-12-06 07:10 UTC, restored"
    with pytest.raises(ValueError, match="signed by a reviewer who gave no name: a report names one reviewer"):
        take_settings_review(back.copy(), ReportSettings(reviewer="Dr B"))


def test_the_key_of_a_long_record_does_not_copy_its_samples():
    """An hour of 12 leads at 500 Hz (86.4 MB of float32) is digested from its own buffer: overread_key runs on the GUI
    thread at each record opened, and ``tobytes()`` had copied the whole signal first (a peak of 86.4 MB more)."""
    import tracemalloc

    rec = load_record(LUDB)
    long = dataclasses.replace(rec, signal=np.ascontiguousarray(np.tile(rec.signal, (1, 360))))     # (12, 1.8 M)
    assert long.signal.nbytes == 12 * 1_800_000 * 4
    tracemalloc.start()
    try:
        overread_key(long)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < long.signal.nbytes / 100


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")
def test_the_store_file_is_readable_by_its_user_alone(tmp_path):
    """The store holds reviewers' comments and names and the records' names: made with mode 0600 (it had been made
    with the umask's 0644, readable by every user of the machine), and so its SQLite journal."""
    import stat

    path = tmp_path / "cfg" / "overreads.sqlite"
    OverReadStore(path).save("k" * 40, _signed().state())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert OverReadStore(path).load("k" * 40) is not None



def test_two_reviewers_at_one_record_the_later_is_refused_and_told_who_signed(tmp_path):
    """Two MIRAGE Reviews on one file, both opened the record before either saved (both read none): Dr A signs, then
    Dr B's save is refused, naming Dr A's signature, and the file keeps Dr A's over-read and signature alone (it had
    replaced Dr A's over-read with Dr B's, unsaid). Each one's own saves follow on from each other, and Dr B, having
    read Dr A's, amends it."""
    store = OverReadStore(tmp_path / "overreads.sqlite")
    seen_a = store.load("k")
    seen_b = store.load("k")
    assert seen_a is seen_b is None
    a = _signed()                                                   # Dr A. Reader, 2026-12-06 07:10:42 UTC
    seen_a = store.save("k", a.state(), record="00417_lr", since=seen_a)
    b = OverRead()
    b.strike(SINUS, "not sinus")
    for state in (b.state(), None):                                 # a draft, or forgetting: neither replaces it
        with pytest.raises(StoreConflict) as err:
            store.save("k", state, record="00417_lr", since=seen_b)
        assert str(err.value).startswith(f"The over-read of 00417_lr in {store.path} was changed by another MIRAGE "
                                         "Review since it was opened here (it is signed by Dr A. Reader on "
                                         "2026-12-06 07:10 UTC): yours is not kept")
    assert store.load("k")[0] == json.loads(json.dumps(a.state()))
    assert [who for who, _, _ in store.signatures("k")] == ["Dr A. Reader"]
    a.set_comment("Compare with the prior; QT long")               # Dr A's own next save: no conflict with itself
    seen_a = store.save("k", a.state(), record="00417_lr", since=seen_a)
    assert seen_a == store.load("k")
    seen_b = store.load("k")                                        # Dr B opens the record again: reads Dr A's draft
    b.restore(*seen_b)
    b.strike(SINUS, "not sinus")
    b.sign(IT, "Dr B", now=datetime(2026, 12, 6, 10, 38, 5, tzinfo=timezone.utc))
    store.save("k", b.state(), record="00417_lr", since=seen_b)
    with pytest.raises(StoreConflict, match=r"\(it is signed by Dr B on 2026-12-06 10:38 UTC\)"):
        store.save("k", a.state(), record="00417_lr", since=seen_a)     # Dr A, still on the draft Dr B amended
    assert [who for who, _, _ in store.signatures("k")] == ["Dr A. Reader", "Dr B"]
    store.save("k", a.state(), record="00417_lr")                  # no ``since``: replaced, as before
    assert store.load("k")[0]["comment"] == "Compare with the prior; QT long"


def test_sign_edit_sign_keeps_both_signatures_and_the_draft_names_the_first(tmp_path):
    """Signed by Dr A, edited (un-signed: saved as a draft over it), signed by Dr B: the file keeps both signatures,
    oldest first, each with what it signed; the draft between them said whom it amends."""
    store = OverReadStore(tmp_path / "overreads.sqlite")
    ov = _signed()                                                   # Dr A. Reader, 07:10:42
    store.save("k", ov.state(), record="1")
    keep_signatures(ov, store.signatures("k"))
    ov.set_comment("Compare with the prior; QT long")                # un-signs: the current one is now a draft
    store.save("k", ov.state(), record="1")
    assert store.load("k")[0]["signed_at"] is None
    assert ov.amends() == "Amends the over-read signed by Dr A. Reader on 2026-12-06 07:10 UTC"
    ov.sign(IT, "Dr B. Second", now=datetime(2026, 12, 6, 10, 38, 5, tzinfo=timezone.utc))
    store.save("k", ov.state(), record="1")
    store.save("k", ov.state(), record="1")                          # the same signature saved again: kept once
    kept = store.signatures("k")
    assert [(who, when.isoformat()) for who, when, _ in kept] == [("Dr A. Reader", "2026-12-06T07:10:42+00:00"),
                                                                  ("Dr B. Second", "2026-12-06T10:38:05+00:00")]
    assert kept[0][2]["comment"] == "Compare with the prior"
    assert kept[1][2]["comment"] == "Compare with the prior; QT long"
    keep_signatures(ov, kept)
    assert ov.amends() == ""
    assert ov.status(IT) == ("Over-read by Dr B. Second, 2026-12-06 10:38 UTC ("
                             + f"{datetime(2026, 12, 6, 10, 38, tzinfo=timezone.utc).astimezone():%H:%M} local); "
                             "amends the over-read signed by Dr A. Reader on 2026-12-06 07:10 UTC; 1 machine statement "
                             "neither confirmed nor struck")


def test_forgetting_removes_the_current_over_read_and_keeps_its_signatures(tmp_path):
    store = OverReadStore(tmp_path / "overreads.sqlite")
    store.save("k", _signed().state(), record="1")
    assert store.forget("k") and store.load("k") is None
    assert [who for who, _, _ in store.signatures("k")] == ["Dr A. Reader"]
    # what a report prints: nothing (withdrawn; it had printed the signature the window no longer shows)
    assert store.signed("k") is None
    assert store.listing() == [{"record": "1", "state": "forgotten", "signer": "Dr A. Reader",
                                "signed_at": "2026-12-06T07:10:42+00:00", "saved_at": "", "signatures": 1,
                                "key": "k"}]


def test_a_signed_report_is_printed_over_a_draft_amending_it_and_a_draft_alone_never(tmp_path):
    store = OverReadStore(tmp_path / "overreads.sqlite")
    ov = _signed()
    store.save("k", ov.state(), record="1")
    ov.set_comment("half typed")
    store.save("k", ov.state(), record="1")
    assert store.signed("k")[0]["comment"] == "Compare with the prior"
    draft = OverRead()
    draft.set_comment("no one signed")
    store.save("d", draft.state(), record="2")
    assert store.signed("d") is None


def test_a_store_of_the_one_table_version_gains_the_signatures_and_loses_nothing(tmp_path):
    """A file written by the store before signatures were kept (one table, written here as that version wrote it):
    read as before; its first write adds the table, copies its signed over-read in, and an edit after that no longer
    erases the signature."""
    path = tmp_path / "overreads.sqlite"
    draft = OverRead()
    draft.set_comment("draft of 2")
    with sqlite3.connect(path) as con:      # the one table, as the store of session 47 wrote it
        con.execute("CREATE TABLE overread (key TEXT PRIMARY KEY, record TEXT, saved_at TEXT, state TEXT)")
        for key, record, state in (("k1", "1", _signed().state()), ("k2", "2", draft.state())):
            con.execute("INSERT INTO overread VALUES (?, ?, ?, ?)",
                        (key, record, "2026-12-06T10:00:00+00:00", json.dumps(state, ensure_ascii=False)))
    con.close()
    with sqlite3.connect(path) as con:
        assert [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["overread"]
    store = OverReadStore(path)
    assert store.load("k1")[0]["reader"] == "Dr A. Reader" and store.signatures("k1") == []    # read-only: as it was
    assert [r["record"] for r in store.listing()] == ["1", "2"]
    ov = OverRead()
    ov.restore(*store.load("k1"))
    ov.set_comment("edited after the upgrade")
    store.save("k1", ov.state(), record="1")        # the first write: the table made, the signature copied first
    assert store.load("k1")[0]["signed_at"] is None
    assert [(who, when) for who, when, _ in store.signatures("k1")] == [("Dr A. Reader", SIGNED)]
    assert store.signatures("k1")[0][2]["comment"] == "Compare with the prior"
    assert store.load("k2")[0]["comment"] == "draft of 2" and store.signatures("k2") == []


def _named_ludb(folder, patient_id):
    """LUDB 1's files copied, its header naming a patient ID and when it was recorded (LUDB's name neither)."""
    hea = _copy(LUDB, folder)
    lines = hea.read_text().splitlines()
    lines[0] += " 10:11:12 03/04/2020"
    lines.insert(lines.index("#<sex>: F") + 1, f"#Patient ID: {patient_id}")     # before LUDB's diagnoses
    hea.write_text("\n".join(lines) + "\n")
    return load_record(hea)


def test_a_changed_file_of_a_kept_record_is_told_of_it_never_given_it(tmp_path):
    """The same record, one lead 1 uV off (a re-export rounding otherwise): its key finds nothing, its looser
    identity finds the over-read kept, said as another file's; another patient's record of the same name, rate and
    length finds none; a file naming no patient and no recording time has no loose identity."""
    kept = _named_ludb(tmp_path / "kept", "P-4711")
    signal = kept.signal.copy()
    signal[1] += np.float32(0.001)                                      # lead II, 1 uV
    changed = dataclasses.replace(kept, signal=signal, sig_name=tuple(n.lower() for n in kept.sig_name))
    other = _named_ludb(tmp_path / "other", "P-4712")
    assert overread_key(changed) != overread_key(kept) and loose_identity(changed) == loose_identity(kept)
    assert loose_identity(other) != loose_identity(kept) and other.signal.shape == kept.signal.shape
    assert loose_identity(load_record(LUDB)) is None                    # LUDB as published: no ID, no date
    store = OverReadStore(tmp_path / "s.sqlite")
    store.save(overread_key(kept), _signed().state(), record="1", loose=loose_identity(kept))
    assert store.load(overread_key(changed)) is None and store.signatures(overread_key(changed)) == []
    name, state, when = store.elsewhere(overread_key(changed), loose_identity(changed))
    assert name == "1" and state["reader"] == "Dr A. Reader" and when == SIGNED
    assert store.elsewhere(overread_key(kept), loose_identity(kept)) is None          # its own: not "another's"
    assert store.elsewhere(overread_key(other), loose_identity(other)) is None
    assert store.elsewhere(overread_key(other), None) is None
    # File > Show the over-read kept for another file...: all of it, the statement signed over undecided too (it had
    # been left out: the other file's reviewer read it and decided neither)
    assert kept_text(state, when).splitlines() == [
        "Signed by Dr A. Reader on 2026-12-06 07:10 UTC", "Confirmed: Sinus rhythm, 60 bpm",
        "Struck: Left ventricular hypertrophy (voltage only)", "Neither confirmed nor struck: Left axis deviation",
        "Added (repolarisation): Early repolarisation, inferior leads", "Comment: Compare with the prior"]
    draft = OverRead()
    draft.strike(LAD)
    assert kept_text(draft.state(), SIGNED).splitlines() == ["A draft, not signed, saved 2026-12-06 07:10 UTC",
                                                              "Struck: Left axis deviation"]
    store.forget(overread_key(kept))                                    # forgotten: withdrawn, offered no more
    assert store.elsewhere(overread_key(changed), loose_identity(changed)) is None


def _ludb_saying(folder, patient_id="", recorded=""):
    """LUDB 1's files copied, its header naming the patient ID and the recording time given ("" neither)."""
    hea = _copy(LUDB, folder)
    lines = hea.read_text().splitlines()
    lines[0] += f" {recorded}" if recorded else ""
    if patient_id:
        lines.insert(lines.index("#<sex>: F") + 1, f"#Patient ID: {patient_id}")
    hea.write_text("\n".join(lines) + "\n")
    return load_record(hea)


def test_a_loose_match_needs_both_the_patient_and_when_recorded(tmp_path):
    """Without a recording time, two recordings of one record name and length matched on the patient ID alone: one
    patient's ECGs of two days, or two patients' files under an anonymised export's one ID ("ANONYMOUS"), the app
    saying of one "an over-read of a record named 1, patient ID ANONYMOUS ... is kept" and offering the other's to
    redo. Without a patient, the same name and recording time alone. A loose identity needs both."""
    a, b = _ludb_saying(tmp_path / "a", "ANONYMOUS"), _ludb_saying(tmp_path / "b", "ANONYMOUS")
    b = dataclasses.replace(b, signal=b.signal[:, ::-1].copy())           # another recording: other samples
    assert overread_key(a) != overread_key(b)
    assert loose_identity(a) is None and loose_identity(b) is None
    assert loose_identity(_ludb_saying(tmp_path / "c", recorded="10:11:12 03/04/2020")) is None
    assert loose_identity(_ludb_saying(tmp_path / "d", "P-4711", "10:11:12 03/04/2020")) is not None


def _one_table_store(path):
    """``path`` written as a store of the one-table version (before signatures and loose identities were kept), with
    the signed over-read of ``_signed`` under the key k0; the path."""
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE overread (key TEXT PRIMARY KEY, record TEXT, saved_at TEXT, state TEXT)")
        con.execute("INSERT INTO overread VALUES ('k0', '1', '2026-12-06T07:10:42+00:00', ?)",
                    (json.dumps(_signed().state()),))
    con.close()
    return path


def test_a_store_of_an_earlier_version_finds_no_loose_match(tmp_path):
    path = _one_table_store(tmp_path / "old.sqlite")
    store = OverReadStore(path)
    assert store.elsewhere("k1", "a" * 40) is None and store.load("k0") is not None


def test_an_over_read_kept_without_a_loose_identity_gains_it_once(tmp_path):
    """``keep_loose`` on a store of the one-table version (built here as it was written): the over-read under k0
    gains its loose identity, and a changed file (k1) of the same identity is told of it; once, not again; none for a
    key nothing is kept under."""
    path = _one_table_store(tmp_path / "old.sqlite")
    store, loose = OverReadStore(path), "a" * 40
    assert store.keep_loose("k9", loose) is False and store.keep_loose("k0", None) is False
    assert store.elsewhere("k1", loose) is None
    assert store.keep_loose("k0", loose) is True
    name, state, when = store.elsewhere("k1", loose)
    assert (name, state["reader"], state["comment"]) == ("1", "Dr A. Reader", "Compare with the prior")
    assert when == SIGNED
    assert store.keep_loose("k0", "b" * 40) is False and store.elsewhere("k1", "b" * 40) is None
    assert [(who, at) for who, at, _ in store.signatures("k0")] == [("Dr A. Reader", SIGNED)]   # the upgrade's


def test_a_read_failure_names_the_file_without_the_apps_words_for_a_reader(tmp_path):
    bad = tmp_path / "overreads.sqlite"
    bad.write_bytes(b"garbage " * 200)
    with pytest.raises(StoreError) as err:
        OverReadStore(bad).listing()
    assert str(err.value).endswith("Over-reads are not kept there until it can be.")       # the app's message
    assert err.value.problem.startswith(f"The over-read store {bad} could not be read: file is not a database")
    assert "not kept" not in err.value.problem


def test_keeping_a_loose_identity_reads_the_file_once(tmp_path, monkeypatch):
    """``keep_loose`` asks whether the key's loose identity is kept, and whether an over-read or a signature is kept
    under it, in one read of the file (and one write where it keeps it): it had opened the file for each table, three
    times for a record whose signatures alone are kept (File > Forget) and twice for one with its over-read, at every
    opening of the record. Counted at sqlite3.connect: a read is a connection opened read-only."""
    path = _one_table_store(tmp_path / "old.sqlite")
    store, loose = OverReadStore(path), "a" * 40
    store.save("k5", _signed().state(), "5")
    store.save("k5", None)                        # forgotten: its signature stays, under k5 alone
    assert store.load("k5") is None and store.signatures("k5")
    real, opened = sqlite3.connect, []

    def connect(target, *args, **kwargs):
        opened.append("read" if str(target).endswith("?mode=ro") else "write")
        return real(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    for key, kept, connections in (("k5", True, ["read", "write"]), ("k0", True, ["read", "write"]),
                                   ("k0", False, ["read"]), ("k9", False, ["read"])):
        opened.clear()
        assert store.keep_loose(key, loose) is kept, key
        assert opened == connections, (key, opened)
    monkeypatch.setattr(sqlite3, "connect", real)
    assert store.elsewhere("k1", loose)[0] in ("1", "5")


def test_not_kept_says_what_the_store_holds_or_why_it_was_not_written():
    """The app's panel line over an over-read its save did not keep, for each thing another MIRAGE Review may have
    left in the file (truth: worded by hand from each state) and for a file that could not be written."""
    keeps = "(the one below is this window's alone: File > Export PDF report keeps it)"
    signed = {"reader": "Dr A", "signed_at": "2026-12-06T10:38:00+00:00"}
    assert not_kept(signed) == ("Not kept: the store holds the over-read signed by Dr A on 2026-12-06 10:38 UTC in "
                                f"another MIRAGE Review {keeps}")
    assert not_kept({"reader": "", "signed_at": None}) == \
        f"Not kept: the store holds a draft saved in another MIRAGE Review {keeps}"
    assert not_kept(None) == f"Not kept: another MIRAGE Review forgot this record's over-read in the store {keeps}"
    assert not_kept("damaged") == \
        f"Not kept: the store's over-read of this record, changed in another MIRAGE Review, is damaged {keeps}"
    assert not_kept(problem="The over-read store /s/o.sqlite could not be written: database is locked.") == \
        f"Not kept: the over-read store /s/o.sqlite could not be written: database is locked {keeps}"
