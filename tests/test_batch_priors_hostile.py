"""``mirage score --compare-prior`` on hostile folders: another patient's ECG is never taken as the prior.

The files are written here with the formats' writers (EDF+ carries the patient ID, name, sex and birth date in
its patient field and the start date and time; WFDB carries them in its header's comments and record line) and
read back by the batch. Truth: who each file was written for, and when.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from datetime import datetime
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.formats.write import write_record
from mirage_model.records import load_record
from mirage_model.review.batch import score_folder
from mirage_model.review.batch.priors import FIRST
from mirage_model.review.serial import placeholder_identity, same_patient

# what carts write in the ID field for a patient they do not know
PLACEHOLDER_IDS = ("0", "00000000", "unknown", "N/A", "none", "-", "anonymous", "test", "123456", "", "   ",
                   "UNKNOWN", "n.a.", "999999", "Test Patient", "?")


def _written(tmp_path, fmt, stem, *, seed=0, sex=None, age=None, when=None, **patient) -> Path:
    from helpers_models import synthetic_record

    r = synthetic_record(seed=seed, record_id=stem)
    r = dataclasses.replace(r, sex=sex, age=age)
    r.meta["patient"] = {k: v for k, v in patient.items() if v is not None}
    if when:
        r.meta["acquired"] = when
    return write_record(r, tmp_path, fmt)


@pytest.mark.parametrize("fmt", ["edf", "wfdb"])
def test_a_placeholder_id_on_two_peoples_files_does_not_make_them_one_patient(tmp_path, fmt):
    for k, pid in enumerate(PLACEHOLDER_IDS):
        a = load_record(_written(tmp_path / f"{k}a", fmt, "a", sex="M", age=30, id=pid, name="Alan Smith"))
        b = load_record(_written(tmp_path / f"{k}b", fmt, "b", seed=1, sex="F", age=70, id=pid, name="Betty Jones"))
        assert same_patient(a, b)[0] is False, pid            # their sexes differ: two people
        b_m = load_record(_written(tmp_path / f"{k}c", fmt, "c", seed=2, sex="M", age=71, id=pid, name="Carl Berg"))
        assert same_patient(a, b_m)[0] is not True, pid       # nothing identifies either
    # real IDs, a single digit among them, still identify; case and spaces around them are the file's spelling
    for pid in ("7", "P001", "081486213", "1235", "A-1"):
        a = load_record(_written(tmp_path / f"r{pid}a", fmt, "a", sex="M", id=pid))
        b = load_record(_written(tmp_path / f"r{pid}b", fmt, "b", seed=1, sex="M", id=f" {pid.lower()} "))
        assert same_patient(a, b) == (True, ""), pid


def test_placeholders_and_ids():
    assert all(placeholder_identity(x) for x in PLACEHOLDER_IDS + ("X", "xxx", "1234567890", "987654", "no id"))
    assert not any(placeholder_identity(x) for x in ("7", "P001", "0815", "1235", "Jane Roe", "A-1", "10"))


def test_one_id_on_files_of_another_sex_or_birth_date_is_not_one_patient(tmp_path):
    a = load_record(_written(tmp_path, "edf", "a", sex="M", id="P-9", birth_date="1950-01-02"))
    b = load_record(_written(tmp_path, "edf", "b", seed=1, sex="F", id="P-9", birth_date="1950-01-02"))
    c = load_record(_written(tmp_path, "wfdb", "c", seed=2, sex="M", id="P-9", birth_date="1961-07-07"))
    d = load_record(_written(tmp_path, "wfdb", "d", seed=3, sex="M", id="P-9", birth_date="1900-01-01"))
    same, words = same_patient(a, b)
    assert same is False and "different sexes (M in the prior, F in this one)" in words
    same, words = same_patient(a, c)
    assert same is False and "birth dates (1950-01-02 in the prior, 1961-07-07 in this one)" in words
    # a placeholder birth date is no birth date: the ID decides
    assert same_patient(a, d) == (True, "")


# the hostile folder: name -> (format, patient ID, sex, recording date (None: written without one)), each its own
# signal. Patient P-1 spells its ID three ways; P-2's files dated 1900, 1970 and 2099 date nothing; P-3's two
# ECGs share a time; P-4 has one ID but two sexes; placeholders ph*; e* / f* set their dates in the header below.
HOSTILE = {
    "p1a": ("edf", "P001", "M", "2019-05-01 10:00:00"),
    "p1b": ("wfdb", "p001 ", "M", "2020-05-01 10:00:00"),
    "p1c": ("edf", " P001", "M", "2021-05-01 10:00:00"),
    "p2a": ("wfdb", "P-2", "F", "2018-01-01 09:00:00"),
    "p2b": ("wfdb", "P-2", "F", "1900-01-01 00:00:00"),
    "p2c": ("wfdb", "P-2", "F", "1970-01-01 00:00:00"),
    "p2d": ("wfdb", "P-2", "F", "2099-01-01 12:00:00"),
    "p2e": ("wfdb", "P-2", "F", "2019-01-01 09:00:00"),
    "p3a": ("wfdb", "P-3", "M", "2020-02-02 08:00:00"),
    "p3b": ("edf", "P-3", "M", "2020-02-02 08:00:00"),
    "p4a": ("wfdb", "P-4", "M", "2017-01-01 08:00:00"),
    "p4b": ("edf", "P-4", "F", "2018-01-01 08:00:00"),
    "ph0a": ("edf", "0", "M", "2020-01-01 08:00:00"),
    "ph0b": ("wfdb", "0", "F", "2021-01-01 08:00:00"),
    "ph1a": ("wfdb", "unknown", "M", "2020-01-01 08:00:00"),
    "ph1b": ("edf", "UNKNOWN", "M", "2021-01-01 08:00:00"),
    "ph2a": ("edf", "123456", "F", "2020-01-01 08:00:00"),
    "ph2b": ("edf", "123456", "F", "2021-01-01 08:00:00"),
    "ph3a": ("wfdb", "N/A", "M", "2020-01-01 08:00:00"),
    "ph3b": ("edf", "   ", "F", "2021-01-01 08:00:00"),
    "e1": ("wfdb", "E-1", "M", None),
    "e2": ("wfdb", "E-1", "M", None),
    "e3": ("wfdb", "E-1", "M", None),
}
# WFDB header comments that give a date without a time of day, or one that is no date (read as PTB's "ECG date")
ECG_DATE = {"e1": "03/03/2020", "e2": "31/02/2020", "e3": "04/03/2020"}


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for k, (name, (fmt, pid, sex, when)) in enumerate(HOSTILE.items()):
        path = _written(folder, fmt, name, seed=k, sex=sex, age=50, id=pid, when=when)
        if name in ECG_DATE:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"# ECG date: {ECG_DATE[name]}\n")
    # p1c again: a hard link and a symbolic link (scored once), and a WFDB copy (another format, one time)
    os.link(folder / "p1c.edf", folder / "p1c_link.edf")
    os.symlink("p1c.edf", folder / "p1c_sym.edf")
    write_record(load_record(folder / "p1c.edf"), folder, "wfdb", name="p1c_copy")
    return folder


def _rows(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {Path(r["record_path"]).stem: r for r in csv.DictReader(fh)}


@pytest.mark.slow
def test_a_hostile_folder_pairs_only_one_patients_dated_ecgs(hostile, predictor, tmp_path):
    out = tmp_path / "out.csv"
    summary = score_folder(hostile, predictor, out, measure=False, compare_prior=True)
    rows = _rows(out)
    assert all(r["status"] == "ok" for r in rows.values()), {k: r["error"] for k, r in rows.items()}
    prior = {k: Path(r["prior_file"]).stem if r["prior_file"] else "" for k, r in rows.items()}
    changes = {k: r["serial_changes"] for k, r in rows.items()}
    warnings = {k: r["serial_warnings"] for k, r in rows.items()}
    # the truth: the pairs the folder's patients give, and no other
    assert {k: v for k, v in prior.items() if v} == {"p1b": "p1a", "p1c": "p1b", "p1c_copy": "p1b", "p2e": "p2a",
                                                      "e3": "e1"}, prior
    # an ID's case and spaces are spelling; a copy (another format, links) is not an earlier ECG
    assert "p1c_copy.hea" in warnings["p1c"] and "of the same time" in warnings["p1c"]
    assert not {"p1c_link", "p1c_sym"} & set(rows)          # one recording, scored once
    # dates that date nothing: said, never ordered
    assert "1900-01-01 00:00:00 is a placeholder" in changes["p2b"]
    assert "1970-01-01 00:00:00 is a placeholder" in changes["p2c"]
    assert "2099-01-01 12:00:00 lies in the future" in changes["p2d"]
    assert "is no date" in changes["e2"]
    # one time for two of P-3's ECGs: neither is the earlier
    assert changes["p3a"] == changes["p3b"] == FIRST
    assert "p3b.edf" in warnings["p3a"] and "of the same time" in warnings["p3a"]
    # one ID, two sexes: not taken as the patient's, and named
    assert prior["p4b"] == "" and "p4a.hea" in warnings["p4b"] and "Not taken as this patient's" in warnings["p4b"]
    for k in ("ph0a", "ph0b", "ph1a", "ph1b", "ph2a", "ph2b", "ph3a"):
        assert prior[k] == "" and "is a placeholder that identifies no one" in changes[k], (k, changes[k])
    assert summary.serial.compared == 5


def test_a_date_without_a_time_of_day_is_not_ordered_against_one_with_it(tmp_path):
    from mirage_model.review.batch.priors import PriorComparer
    from mirage_model.review.serial import recording_time

    day = load_record(_written(tmp_path, "wfdb", "day", id="Q-1", sex="M"))
    day.meta["ecg_date"] = "03/03/2020"
    timed = load_record(_written(tmp_path, "wfdb", "timed", seed=1, id="Q-1", sex="M", when="2020-03-03 08:00:00"))
    assert recording_time(day)[:2] == (datetime(2020, 3, 3), False)
    comparer = PriorComparer(tmp_path)
    for rel, r in (("day.hea", day), ("timed.hea", timed)):
        comparer.add({"record_path": rel}, type("Item", (), {"record": r})(), ("args",), None)
    cells, counts = comparer.results({"day.hea", "timed.hea"})
    assert cells["timed.hea"]["serial_changes"] == FIRST and "day.hea" in cells["timed.hea"]["serial_warnings"]
    assert cells["day.hea"]["serial_changes"] == FIRST and counts.compared == 0


def test_pairing_one_patients_10000_ecgs_is_not_quadratic(tmp_path, monkeypatch):
    """10,000 ECGs of one patient ID: each is paired with the one before it by date, and the identity rule is
    asked about each record a few times, not about every other record (it had been 10,000 x 10,000)."""
    import numpy as np

    from mirage_model.records.record import EcgRecord
    from mirage_model.review.batch import priors

    n = 10_000
    calls = []
    real = priors.same_identity
    monkeypatch.setattr(priors, "same_identity", lambda a, b: calls.append(1) or real(a, b))
    stub = type("X", (), {"summary": "Compared with x: no change.", "prior_label": "x", "warnings": (), "notes": (),
                          "significant": (), "new_statements": (), "gone_statements": (), "possibly_new": (),
                          "possibly_gone": (), "rhythm_words": ""})
    monkeypatch.setattr(priors, "compare", lambda a, b: stub)
    comparer = priors.PriorComparer(tmp_path, now=datetime(2030, 1, 1))
    monkeypatch.setattr(comparer, "session", lambda e: None)
    signal = np.zeros((12, 10), np.float32)
    order = np.random.default_rng(0).permutation(n)       # the files' order is not the dates'
    for k in order:
        r = EcgRecord(signal, 500.0, f"r{k}", meta={"patient": {"id": "Z-1"}, "acquired": _date(k)})
        comparer.add({"record_path": f"r{k}.hea"}, type("Item", (), {"record": r})(), ("args",), None)
    cells, counts = comparer.results({f"r{k}.hea" for k in range(n)})
    assert counts.compared == n - 1 and counts.first == 1
    assert all(cells[f"r{k}.hea"]["prior_file"] == f"r{k - 1}.hea" for k in range(1, n))
    assert len(calls) <= 3 * n, len(calls)


def _date(k: int) -> str:
    """The k-th of one patient's ECGs, one every 6 hours from 2000."""
    from datetime import timedelta

    return (datetime(2000, 1, 1) + timedelta(hours=6 * int(k))).isoformat(sep=" ")


def test_a_record_filed_by_id_and_by_name_walks_each_list_of_its_own(tmp_path, monkeypatch):
    """An ECG with an ID, a name and a birth date is looked for among its ID's records and among those of its name
    and birth date without an ID: each list walked back from its date. Every walk had read the last list (a
    generator bound late to the loop's variable), so ID Z-1's second ECG walked its ID's two records in the one
    record of the name without an ID, and a lone ECG carrying all three (as GE MUSE and SCP-ECG files do) walked its
    ID's in the empty list of its name without an ID: the batch's comparison ended in "IndexError: list index out of
    range", no record compared."""
    import numpy as np

    from mirage_model.records.record import EcgRecord
    from mirage_model.review.batch import priors

    stub = type("X", (), {"summary": "Compared with x: no change.", "prior_label": "x", "warnings": (), "notes": (),
                          "significant": (), "new_statements": (), "gone_statements": (), "possibly_new": (),
                          "possibly_gone": (), "rhythm_words": ""})
    monkeypatch.setattr(priors, "compare", lambda a, b: stub)
    comparer = priors.PriorComparer(tmp_path, now=datetime(2030, 1, 1))
    monkeypatch.setattr(comparer, "session", lambda e: None)
    doe = {"name": "DOE^JOHN", "birth_date": "1950-01-02"}
    roe = {"id": "Q-9", "name": "ROE^JANE", "birth_date": "1960-03-04"}
    for rel, patient, when in (("noid.hea", doe, "2001-01-01"), ("a.hea", {**doe, "id": "Z-1"}, "2002-01-01"),
                               ("b.hea", {**doe, "id": "Z-1"}, "2003-01-01"),
                               ("lone.hea", roe, "2002-06-01")):
        r = EcgRecord(np.zeros((12, 10), np.float32), 500.0, rel[:-4], meta={"patient": patient, "acquired": when})
        comparer.add({"record_path": rel}, type("Item", (), {"record": r})(), ("args",), None)
    cells, counts = comparer.results({"noid.hea", "a.hea", "b.hea", "lone.hea"})
    assert {rel: cells[rel]["prior_file"] for rel in ("a.hea", "b.hea")} == {"a.hea": "noid.hea", "b.hea": "a.hea"}
    assert cells["lone.hea"]["serial_changes"] == FIRST
    assert counts.compared == 2 and counts.first == 2
