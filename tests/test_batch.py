"""Batch scoring: a folder mixing real and broken records, resume, cancel, Ctrl-C, JSON lines,
labs, loader processes and atomic output."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.clinical import record_values
from mirage_model.measure import SCALAR_KEYS
from mirage_model.review.batch import BatchError, columns, read_rows, score_folder
from mirage_model.review.interpret import doubted_calls

BAD = {
    "bad/00417_lr.hea": "truncated",      # .dat cut short
    "garbage.hea": "header",              # not a WFDB header
    "empty.hea": "empty",                 # 0 bytes
    "photo.hea": "header",                # binary, not an ECG at all
    "lonely.dat": "without a header",     # signal file with no header
}


def make_mixed_folder(root: Path) -> list[str]:
    """Copy the bundled sample records into ``root`` and add broken ones; returns the good paths."""
    samples = mm.sample_records()
    if len(samples) < 3:
        pytest.skip("bundled sample records not present")
    base = mm.resources_dir() / "samples"
    good = []
    for hea in samples:
        rel = hea.relative_to(base)
        for f in hea.parent.glob(hea.stem + ".*"):
            (root / rel.parent).mkdir(parents=True, exist_ok=True)
            shutil.copy(f, root / rel.parent / f.name)
        good.append(rel.as_posix())
    ptbxl_db = base / "ptbxl" / "ptbxl_database.csv"
    if ptbxl_db.is_file():
        shutil.copy(ptbxl_db, root / "ptbxl" / "ptbxl_database.csv")
    donor = next((h for h in samples if h.stem == "00417_lr"), None)
    if donor is None:
        pytest.skip("bundled PTB-XL sample 00417_lr not present")
    (root / "bad").mkdir()
    shutil.copy(donor, root / "bad" / "00417_lr.hea")
    data = donor.with_suffix(".dat").read_bytes()
    (root / "bad" / "00417_lr.dat").write_bytes(data[: len(data) // 3])
    (root / "garbage.hea").write_text("this is not a header\n")
    (root / "empty.hea").write_bytes(b"")
    (root / "photo.hea").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (root / "lonely.dat").write_bytes(b"\x00\x01" * 500)
    (root / "notes.txt").write_text("not a record; must be ignored\n")
    return sorted(good)


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


@pytest.fixture()
def mixed(tmp_path) -> tuple[Path, list[str]]:
    folder = tmp_path / "records"
    folder.mkdir()
    return folder, make_mixed_folder(folder)


def _csv_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:     # the batch CSV starts with a BOM (Excel)
        return list(csv.DictReader(fh))


def test_mixed_folder(mixed, predictor, tmp_path):
    folder, good = mixed
    out = tmp_path / "out" / "results.csv"
    seen = []
    summary = score_folder(folder, predictor, out, progress=lambda d, t, r: seen.append((d, t)))
    rows = _csv_rows(out)
    by_path = {r["record_path"]: r for r in rows}
    assert sorted(by_path) == sorted(good + list(BAD))          # notes.txt is not a record
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in out.parent.iterdir()) == [".results.csv.stamps", "results.csv"]   # no temp file
    assert summary.scored == len(good) and summary.failed == len(BAD) and summary.skipped == 0
    assert summary.exit_code == 1
    assert seen[-1] == (len(rows), len(rows)) and [d for d, _ in seen] == list(range(1, len(rows) + 1))
    for path, word in BAD.items():
        assert by_path[path]["status"] == "error"
        assert word in by_path[path]["error"], (path, by_path[path]["error"])
        assert by_path[path]["prob_NORM"] == ""
    assert {p for p, _ in summary.errors} == set(BAD)
    # good rows: probabilities as predict() gives them one record at a time, positives by threshold
    assert list(rows[0]) == columns(predictor.labels)
    for rel in good:
        row = by_path[rel]
        assert row["status"] == "ok" and row["error"] == ""
        record = mm.load_record(folder / rel)
        # its own name, unless another record of the folder bears it too (bad/00417_lr.hea): then its path
        shared = sum(Path(p).stem == record.record_id for p in by_path) > 1
        assert row["record_id"] == (Path(rel).with_suffix("").as_posix() if shared else record.record_id)
        pred = predictor.predict(record, record_values(record), explain=False)
        got = np.array([float(row[f"prob_{lab}"]) for lab in predictor.labels])
        np.testing.assert_allclose(got, pred.probabilities, atol=2e-5)
        # a call in doubt marked "(?)" (LUDB's amplitudes are not in mV: "amplitude_scaled", HYP marked)
        doubted = doubted_calls(pred)
        assert row["positive"] == ";".join(f"{lab} (?)" if lab in doubted else lab for lab in pred.positive)
        assert row["model"] == predictor.name
        hr = row["heart_rate_bpm"]
        assert hr == "" or 20 < float(hr) < 250


def test_measure_columns_match_measure(mixed, predictor, tmp_path):
    from mirage_model.measure import measure

    folder, good = mixed
    out = tmp_path / "r.csv"
    score_folder(folder, predictor, out)
    row = next(r for r in _csv_rows(out) if r["record_path"].endswith("00417_lr.hea") and r["status"] == "ok")
    expected = measure(mm.load_record(folder / row["record_path"])).as_dict()
    for key in SCALAR_KEYS:
        if expected[key] is None:
            assert row[key] == ""
        else:
            assert float(row[key]) == pytest.approx(expected[key], abs=0.051)
    out2 = tmp_path / "nomeasure.csv"
    score_folder(folder, predictor, out2, measure=False)
    assert not set(SCALAR_KEYS) & set(_csv_rows(out2)[0])


def test_cancel_then_resume(mixed, predictor, tmp_path):
    folder, good = mixed
    out = tmp_path / "results.csv"
    done = []
    summary = score_folder(folder, predictor, out, chunk_size=2,
                           progress=lambda d, t, r: done.append(r["record_path"]),
                           cancel=lambda: len(done) >= 3)
    assert summary.cancelled and summary.exit_code == 1
    rows = _csv_rows(out)                                 # a valid CSV of what was done
    assert [r["record_path"] for r in rows] == done and 3 <= len(rows) < len(good) + len(BAD)
    ok_before = {r["record_path"] for r in rows if r["status"] == "ok"}

    again = []
    summary2 = score_folder(folder, predictor, out, resume=True, chunk_size=2,
                            progress=lambda d, t, r: again.append(r["record_path"]))
    assert summary2.skipped == len(ok_before)
    assert not ok_before & set(again)                     # done records are not scored twice
    rows2 = _csv_rows(out)
    paths = [r["record_path"] for r in rows2]
    assert len(paths) == len(set(paths)) == len(good) + len(BAD)
    assert summary2.scored + summary2.skipped == len(good)
    # resuming a finished file skips every good record and retries only the bad ones
    summary3 = score_folder(folder, predictor, out, resume=True)
    assert summary3.skipped == len(good) and summary3.scored == 0 and summary3.failed == len(BAD)


def test_ctrl_c_leaves_valid_csv(mixed, predictor, tmp_path):
    folder, good = mixed
    out = tmp_path / "results.csv"
    count = []

    def progress(done, total, row):
        count.append(row["record_path"])
        if len(count) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_folder(folder, predictor, out, chunk_size=3, progress=progress)
    rows = _csv_rows(out)
    assert [r["record_path"] for r in rows] == count
    assert [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_csv_is_utf8_with_a_bom_and_non_ascii_paths_round_trip(predictor, tmp_path):
    """A record in "Ärztin/ЭКГ 1/Patientin Ö/": the CSV was UTF-8 without a byte order mark, which
    Excel opens in the ANSI code page ("Ã„rztin/Ð­ÐšÐ“ 1"); it now starts with the UTF-8 BOM, and
    Python's csv (utf-8-sig), pandas and resume read the paths back as written. JSON lines get none.
    Truth: the folder names this test made, and the PDF files on disk."""
    import pandas as pd

    donor = next((h for h in mm.sample_records() if h.stem == "00417_lr"), None)
    if donor is None:
        pytest.skip("bundled PTB-XL sample 00417_lr not present")
    root = tmp_path / "Ärztin" / "ЭКГ 1"
    sub = root / "Patientin Ö"
    sub.mkdir(parents=True)
    for f in donor.parent.glob(donor.stem + ".*"):
        shutil.copy(f, sub / f.name)
    out, pdfs = tmp_path / "Ärztin" / "Ergebnisse ü.csv", tmp_path / "Ärztin" / "PDF ü"
    summary = score_folder(root, predictor, out, measure=False, pdf_dir=pdfs)
    assert summary.scored == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfrecord_path,")          # the BOM, then the header
    assert "Patientin Ö/00417_lr.hea".encode() in raw
    rows = _csv_rows(out)
    assert [r["record_path"] for r in rows] == ["Patientin Ö/00417_lr.hea"] and rows[0]["status"] == "ok"
    assert (pdfs / rows[0]["pdf"]).is_file() and (pdfs / "Patientin Ö" / "00417_lr.pdf").is_file()
    frame = pd.read_csv(out)
    assert list(frame.columns)[0] == "record_path" and frame["record_path"].tolist() == ["Patientin Ö/00417_lr.hea"]
    cols, back = read_rows(out)
    assert cols[0] == "record_path" and back[0]["record_path"] == "Patientin Ö/00417_lr.hea"
    assert score_folder(root, predictor, out, measure=False, pdf_dir=pdfs, resume=True).skipped == 1   # resume reads it
    jl = tmp_path / "Ärztin" / "Ergebnisse ü.jsonl"
    score_folder(root, predictor, jl, measure=False, fmt="jsonl")
    assert json.loads(jl.read_bytes().decode("utf-8").splitlines()[0])["record_path"] == "Patientin Ö/00417_lr.hea"


def test_jsonl_format(mixed, predictor, tmp_path):
    folder, good = mixed
    out = tmp_path / "results.jsonl"
    summary = score_folder(folder, predictor, out, fmt="jsonl", measure=False)
    lines = out.read_text().splitlines()
    assert len(lines) == len(good) + len(BAD)
    objs = [json.loads(line) for line in lines]
    assert all(list(o) == columns(predictor.labels, measure=False) for o in objs)
    ok = [o for o in objs if o["status"] == "ok"]
    assert len(ok) == summary.scored and all(0.0 <= o["prob_MI"] <= 1.0 for o in ok)
    assert all(o["prob_MI"] is None and o["error"] for o in objs if o["status"] == "error")
    cols, rows = read_rows(out)
    assert len(rows) == len(objs)
    with pytest.raises(BatchError, match="unknown output format"):
        score_folder(folder, predictor, out, fmt="xlsx")


def test_resume_refuses_other_columns(mixed, predictor, tmp_path):
    folder, _ = mixed
    out = tmp_path / "r.csv"
    out.write_text("record_path,record_id,status,error,prob_X\nbad.hea,bad,ok,,0.5\n")
    with pytest.raises(BatchError, match="cannot resume"):
        score_folder(folder, predictor, out, resume=True)
    assert out.read_text().startswith("record_path,record_id,status,error,prob_X")   # untouched


def test_bad_clinical_value_fails_only_its_record(mixed, predictor, tmp_path):
    folder, good = mixed
    out = tmp_path / "r.csv"
    # age 500 is impossible: that record gets an error, its chunk-mates are still scored
    # keyed by its path in the folder: "00417_lr" alone would also fit the truncated copy bad/00417_lr
    labs = {"ptbxl/records100/00000/00417_lr": {"age": (500.0, None)}}
    summary = score_folder(folder, predictor, out, labs=labs, measure=False, chunk_size=64)
    rows = {r["record_path"]: r for r in _csv_rows(out)}
    bad = rows["ptbxl/records100/00000/00417_lr.hea"]
    assert bad["status"] == "error" and "age" in bad["error"]
    assert summary.scored == len(good) - 1


def test_missing_folder(predictor, tmp_path):
    with pytest.raises(BatchError, match="not found"):
        score_folder(tmp_path / "nope", predictor, tmp_path / "r.csv")


def test_pdfs_in_process(tmp_path, predictor):
    """One PDF per scored record, named after the record's path; errors get no PDF."""
    pypdf = pytest.importorskip("pypdf")
    samples = [h for h in mm.sample_records() if h.stem in ("00417_lr", "1")]
    if len(samples) < 2:
        pytest.skip("bundled sample records not present")
    folder = tmp_path / "recs"
    for h in samples:
        (folder / h.parent.name).mkdir(parents=True)
        for f in h.parent.glob(h.stem + ".*"):
            shutil.copy(f, folder / h.parent.name / f.name)
    (folder / "empty.hea").write_bytes(b"")
    pdfs = tmp_path / "pdfs"
    summary = score_folder(folder, predictor, tmp_path / "r.csv", measure=False, pdf_dir=pdfs)
    rows = _csv_rows(tmp_path / "r.csv")
    assert summary.pdfs == 2 and summary.failed == 1
    for row in rows:
        if row["status"] == "ok":
            assert row["pdf"] == str(Path(row["record_path"]).with_suffix(".pdf").as_posix())
            text = pypdf.PdfReader(str(pdfs / row["pdf"])).pages[0].extract_text()
            assert f"record {row['record_id']}" in text and mm.RESEARCH_USE_NOTICE in text
        else:
            assert row["pdf"] == ""
    assert not list(pdfs.rglob("*.tmp"))


@pytest.mark.parametrize("method", [
    "fork",                                                     # fast: the pool logic itself
    pytest.param("forkserver", marks=pytest.mark.slow),         # the default (imports torch per server)
])
def test_loader_processes_give_the_same_rows(mixed, predictor, tmp_path, method):
    folder, good = mixed
    one = tmp_path / "one.csv"
    score_folder(folder, predictor, one, measure=False)
    two = tmp_path / "two.csv"
    summary = score_folder(folder, predictor, two, measure=False, workers=2, chunk_size=2,
                           mp_context=method)
    rows_one, rows_two = _csv_rows(one), _csv_rows(two)
    assert rows_one == rows_two
    assert summary.scored == len(good) and summary.failed == len(BAD)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_file_name_that_is_not_utf8(predictor, tmp_path, fmt):
    """A record whose file name holds a Latin-1 byte (an archive unpacked from another system):
    before, writing its row raised UnicodeEncodeError at the first checkpoint and the run ended with
    an output holding no rows at all. Now its path is written with the byte as \\xNN, and a resumed
    run recognises it (no second row)."""
    donor = mm.resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy(donor, folder / donor.name)
    shutil.copy(donor.with_suffix(".dat"), folder / "00417_lr.dat")
    shutil.copy(donor, os.path.join(os.fsencode(folder), b"caf\xe9.hea"))   # names 00417_lr.dat too
    out = tmp_path / f"out.{fmt}"
    summary = score_folder(folder, predictor, out, fmt=fmt)
    cols, rows = read_rows(out, fmt)
    assert summary.scored == 2 and sorted(r["record_path"] for r in rows) == ["00417_lr.hea", "caf\\xe9.hea"]
    out.read_text(encoding="utf-8")     # the whole output is UTF-8
    again = score_folder(folder, predictor, out, fmt=fmt, resume=True)
    assert again.skipped == 2 and again.scored == 0 and len(read_rows(out, fmt)[1]) == 2


def test_checkpoints_wait_ten_times_as_long_as_the_last_rewrite_took(mixed, predictor, tmp_path, monkeypatch):
    """The whole output is rewritten at each checkpoint, so a rewrite's cost grows with the rows: the
    wait after one is at least CHECKPOINT_COST times its duration. A clock that moves only while
    the output is written (1 s a rewrite), checkpoint_s=0: before, every row rewrote the file (one
    rewrite per row, quadratic in the rows); now the first rewrite's 1 s defers the next by 10 s,
    so only the final write follows (before: [0, 1, 2, ..., n, n])."""
    from mirage_model.review.batch import run, saving

    assert run.checkpoint_wait(5.0, 0.1) == 5.0 and run.checkpoint_wait(5.0, 1.7) == pytest.approx(17.0)
    clock = [0.0]
    writes = []
    real_write = run.write_atomic

    def slow_write(path, cols, rows, fmt, *dialect):
        clock[0] += 1.0
        writes.append(len(rows))
        real_write(path, cols, rows, fmt, *dialect)

    monkeypatch.setattr(run, "write_atomic", slow_write)       # the empty file at the start
    monkeypatch.setattr(saving, "write_atomic", slow_write)    # the checkpoints and the end (RowSaver)
    monkeypatch.setattr(run.time, "perf_counter", lambda: clock[0])
    folder, _ = mixed
    out = tmp_path / "scores.csv"
    summary = run.score_folder(folder, predictor, out, checkpoint_s=0.0)
    n = summary.handled
    assert n >= 4 and len(_csv_rows(out)) == n
    assert writes == [0, 1, n], writes     # the empty file at the start, one checkpoint, the end


def _cancelled_after(folder, predictor, out, n, **kwargs):
    """A run of ``folder`` cancelled once ``n`` rows were written."""
    done = []
    score_folder(folder, predictor, out, chunk_size=2, progress=lambda d, t, r: done.append(r),
                 cancel=lambda: len(done) >= n, **kwargs)
    return done


def test_resume_writes_what_an_uninterrupted_run_writes(mixed, predictor, tmp_path):
    """A run stopped after a failed record, then resumed, put the retried failure after the rows
    it had kept (bad/00417_lr.hea, first in the folder, came last), so the file differed from an
    uninterrupted run's. Truth: an uninterrupted run of the same folder, row for row."""
    folder, good = mixed
    whole = tmp_path / "whole.csv"
    score_folder(folder, predictor, whole)
    out = tmp_path / "resumed.csv"
    first = _cancelled_after(folder, predictor, out, 4)
    assert any(r["status"] == "error" for r in first) and any(r["status"] == "ok" for r in first)
    score_folder(folder, predictor, out, resume=True)
    assert _csv_rows(out) == _csv_rows(whole)


def _two_models_same_name(tmp_path):
    from helpers_models import make_tiny_checkpoint

    a = mm.Predictor(make_tiny_checkpoint(tmp_path / "a", seed=0, name="site-model"), device="cpu")
    b = mm.Predictor(make_tiny_checkpoint(tmp_path / "b", seed=1, name="site-model"), device="cpu")
    return a, b


def test_resume_refuses_rows_of_another_model(mixed, tmp_path):
    """Resuming with another checkpoint of the same labels (and, as retrained runs are, the same
    name) kept the first model's rows and added the second's, in one file, silently. Truth: the
    two checkpoints give the sample record different probabilities."""
    folder, _ = mixed
    a, b = _two_models_same_name(tmp_path)
    rec = mm.load_record(folder / "ptbxl/records100/00000/00417_lr.hea")
    assert a.predict(rec).probabilities != pytest.approx(b.predict(rec).probabilities, abs=1e-3)
    out = tmp_path / "r.csv"
    _cancelled_after(folder, a, out, 6)
    before = out.read_bytes()
    assert any(r["status"] == "ok" for r in _csv_rows(out))
    with pytest.raises(BatchError, match="cannot resume: .* scores prob_"):
        score_folder(folder, b, out, resume=True)
    assert out.read_bytes() == before                      # untouched
    renamed = mm.Predictor(tmp_path / "a", device="cpu")
    renamed.name = "another-name"
    with pytest.raises(BatchError, match="cannot resume: its rows were scored with the model 'site-model'"):
        score_folder(folder, renamed, out, resume=True)
    score_folder(folder, a, out, resume=True)              # the same model carries on


def test_resume_refuses_other_labs_values(mixed, predictor, tmp_path):
    """Resuming with a changed labs table kept rows scored with the old values beside rows scored
    with the new. Truth: the two tables give the kept record different ages."""
    folder, _ = mixed
    rid = "cinc2021/A0003"
    out = tmp_path / "r.csv"
    first = _cancelled_after(folder, predictor, out, 4, labs={rid: {"age": (40.0, None)}})
    assert any(r["record_path"] == rid + ".hea" and r["status"] == "ok" for r in first)
    with pytest.raises(BatchError, match=f"cannot resume: the labs-table values differ: {rid}.hea"):
        score_folder(folder, predictor, out, resume=True, labs={rid: {"age": (70.0, None)}})
    with pytest.raises(BatchError, match="labs-table values differ"):
        score_folder(folder, predictor, out, resume=True)  # no table now
    score_folder(folder, predictor, out, resume=True, labs={rid: {"age": (40.0, None)}})
    assert {r["status"] for r in _csv_rows(out) if r["record_path"] == rid + ".hea"} == {"ok"}


def test_poor_leads_column_names_the_leads_zeroed(predictor, tmp_path):
    """The output had no column naming the poor leads (QualityReport.as_columns had them): a
    research user filtering a large run could not find the records whose V3 was off. Truth: the
    leads this test zeroes in a record whose leads are all fine as recorded."""
    from mirage_model.formats import write_record

    donor = next((h for h in mm.sample_records() if h.stem == "14"), None)
    if donor is None:
        pytest.skip("bundled LUDB sample 14 not present")
    folder = tmp_path / "records"
    rec = mm.load_record(donor)
    write_record(rec, folder, "wfdb", name="intact")
    rec.signal = rec.signal.copy()
    rec.signal[[1, 8]] = 0.0                                   # II and V3 flat
    write_record(rec, folder, "wfdb", name="two_off")
    out = tmp_path / "r.csv"
    score_folder(folder, predictor, out, measure=False)
    rows = {r["record_path"]: r for r in _csv_rows(out)}
    assert "poor_leads" in columns(predictor.labels)
    assert rows["two_off.hea"]["poor_leads"] == "II;V3"
    assert rows["intact.hea"]["poor_leads"] == ""
    jsonl = tmp_path / "r.jsonl"
    score_folder(folder, predictor, jsonl, fmt="jsonl", measure=False)
    got = {r["record_path"]: r["poor_leads"] for r in map(json.loads, jsonl.read_text().splitlines())}
    assert got == {"intact.hea": None, "two_off.hea": "II;V3"}


def test_resume_of_an_output_without_poor_leads_says_so(mixed, predictor, tmp_path):
    """An output of the version before the poor_leads column: resuming it must not mix rows with
    and without the column; the refusal names the column, and the file stays as it was."""
    folder, _ = mixed
    out = tmp_path / "old.csv"
    score_folder(folder, predictor, out, measure=False)
    cols, rows = read_rows(out)
    old_cols = [c for c in cols if c != "poor_leads"]
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, old_cols, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    before = out.read_bytes()
    with pytest.raises(BatchError, match="cannot resume: it lacks the column poor_leads, which this run writes"):
        score_folder(folder, predictor, out, resume=True, measure=False)
    assert out.read_bytes() == before


def _renamed_away(folder: Path, name: str, donor: Path, dat_name: str | None) -> None:
    """``name.hea``: the donor's header renamed to record ``name``; its .dat beside it as ``dat_name``
    (None: no .dat)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = donor.read_text().splitlines()
    lines = [ln.replace(donor.stem, name, 1) if k == 0 or ln.startswith(donor.stem + ".") else ln
             for k, ln in enumerate(lines)]
    (folder / f"{name}.hea").write_text("\n".join(lines) + "\n")
    if dat_name is not None:
        shutil.copy(donor.with_suffix(".dat"), folder / dat_name)


def test_a_dat_renamed_away_from_its_header_gets_two_rows_that_name_each_other(predictor, tmp_path):
    """001.hea with its 001.dat renamed 001_old.dat gave 'signal file 001.dat not found' and, apart,
    '001_old.dat: signal file without a header': two rows, neither saying the other is the likely
    fix. Both rows stay (every file has its row) and each names the other; a rename is suggested
    only where the pair is the folder's only one. Truth: the files this test renamed."""
    donor = next((h for h in mm.sample_records() if h.stem == "14"), None)
    if donor is None:
        pytest.skip("bundled LUDB sample 14 not present")
    folder = tmp_path / "records"
    _renamed_away(folder / "one", "001", donor, "001_old.dat")
    _renamed_away(folder / "two", "001", donor, "001_old.dat")     # two headers lack their files here
    _renamed_away(folder / "two", "002", donor, None)
    _renamed_away(folder / "ok", "003", donor, "003.dat")
    out = tmp_path / "r.csv"
    score_folder(folder, predictor, out, measure=False)
    rows = {r["record_path"]: r for r in _csv_rows(out)}
    assert sorted(rows) == ["ok/003.hea", "one/001.hea", "one/001_old.dat", "two/001.hea", "two/001_old.dat",
                            "two/002.hea"]
    assert rows["ok/003.hea"]["status"] == "ok"
    head, loose = rows["one/001.hea"], rows["one/001_old.dat"]
    assert head["status"] == loose["status"] == "error"
    assert head["error"].startswith("signal file 001.dat not found (named in 001.hea)")
    assert "001_old.dat in the same folder has no header" in head["error"] and "rename it 001.dat" in head["error"]
    assert loose["error"].startswith("signal file without a header")
    assert "001.hea in the same folder names 001.dat, which is missing" in loose["error"]
    for rel in ("two/001.hea", "two/002.hea"):
        assert rows[rel]["error"].endswith("signal files in the same folder without a header: 001_old.dat")
    assert rows["two/001_old.dat"]["error"].endswith(
        "headers in the same folder whose signal files are missing: 001.hea (001.dat), 002.hea (002.dat)")
    assert "rename" not in rows["two/001.hea"]["error"] + rows["two/001_old.dat"]["error"]


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_loader_processes_end_when_the_batch_is_killed(tmp_path):
    """A batch killed outright (kill -9, the out-of-memory killer) left its loader processes (about
    400 MB each once they had measured a record) and the fork server running for ever: they hold
    the pool's queues themselves, so nothing told them. Truth: the process table, 15 s after."""
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see the loader processes")
    samples = [str(p) for p in mm.sample_records()[:3]]
    if len(samples) < 3:
        pytest.skip("bundled sample records not present")
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from mirage_model.review.batch.loading import RecordLoader

        loader = RecordLoader([Path(p) for p in {samples!r}], set(), workers=2, do_measure=False, ahead=4,
                              timeout_s=None, mp_context=None)
        assert loader.next_item().record is not None
        print(" ".join(str(p) for p in loader.pool._processes), flush=True)
        time.sleep(600)
    """)
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    pids = []
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2 and all(_running(p) for p in pids)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 15
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in pids if _running(p)]
    for p in left:                         # never leave them behind, even when the test fails
        os.kill(p, signal.SIGKILL)
    assert not left


def test_a_folder_that_cannot_be_listed_has_its_row_in_the_output(mixed, predictor, tmp_path, locked_folders):
    """A sub-folder that could not be listed was named only in the run's summary (stderr, the
    dialog's status line): the CSV itself, what a research user keeps and filters, held no trace
    that its records were missing. It now has a row, 'sub/locked/' with status error and the
    reason, in the folder's order; a resumed run writes it again while the folder stays locked.
    Truth: the folder this test locks (its record would otherwise be scored)."""
    folder, good = mixed
    locked = folder / "sub" / "locked"
    copy = next(h for h in mm.sample_records() if h.stem == "14")
    locked.mkdir(parents=True)
    for f in copy.parent.glob("14.*"):
        shutil.copy(f, locked / f.name)
    out = tmp_path / "r.csv"
    summary = score_folder(folder, predictor, out, measure=False)
    rows = _csv_rows(out)
    paths = [r["record_path"] for r in rows]
    assert "sub/locked/14.hea" not in paths and summary.failed == len(BAD)
    row = next(r for r in rows if r["record_path"] == "sub/locked/")
    assert row["status"] == "error" and row["error"].startswith("folder cannot be read (Permission denied)")
    assert row["prob_NORM"] == ""
    assert paths == sorted(paths, key=lambda p: Path(p.rstrip("/")).parts)       # in the folder's order
    score_folder(folder, predictor, out, measure=False, resume=True)
    assert [r["record_path"] for r in _csv_rows(out)] == paths


def test_an_error_in_a_records_other_file_names_that_file(mixed, predictor, tmp_path):
    """A header's row said 'signal file is truncated (...)' or 'not a MATLAB v4/v5 file that holds
    the record's samples' without naming the file: the error's file (RecordError.path: the .dat or
    .mat) was dropped, and a record's signal file need not share its header's name. Truth: the
    files this test breaks."""
    folder, _ = mixed
    a3 = next(h for h in mm.sample_records() if h.stem == "A0003")
    (folder / "mat").mkdir()
    (folder / "mat" / "A0003.hea").write_text(a3.read_text())
    (folder / "mat" / "A0003.mat").write_bytes(b"\x00" * 100)
    out = tmp_path / "r.csv"
    score_folder(folder, predictor, out, measure=False)
    rows = {r["record_path"]: r for r in _csv_rows(out)}
    assert rows["bad/00417_lr.hea"]["error"].startswith("00417_lr.dat: signal file is truncated")
    assert rows["mat/A0003.hea"]["error"].startswith("A0003.mat: ")
    assert rows["garbage.hea"]["error"].startswith("header cannot be parsed")        # its own file: not repeated


def test_labs_line_when_the_model_reads_every_value():
    """`mirage score` printed "labs.csv: 0 of 377 values not used by this model" when the model
    read every value of the table: it says they were all used."""
    from mirage_model.review.batch.run import BatchSummary

    summary = BatchSummary(scored=2, skipped=0, seconds=1.0, records_per_s=2.0, out_path=Path("r.csv"),
                           labs_rows=2, labs_values={"age": 2, "sex": 2})
    assert summary.labs_line("labs.csv", ["age", "sex", "height"]) == "labs.csv: all 4 values used by this model"
    summary.labs_refused = 1
    assert summary.labs_line("labs.csv", ["age", "sex"]) == (
        "labs.csv: all 4 values used by this model; 1 of 3 rows refused: see their records' error rows")
    # some left out: counted as before
    assert summary.labs_line("labs.csv", ["age"]).startswith("labs.csv: 2 of 4 values not used by this model (sex 2)")


def test_labs_line_when_no_value_reached_a_record():
    """A labs table whose 70 rows all named records of another folder made `mirage score` end on "labs.csv: all 0
    values used by this model" under the warning that no row fit: no value was used, and the line says why."""
    from mirage_model.review.batch.run import BatchSummary

    ids = [f"siteA/{i}" for i in range(70)]
    summary = BatchSummary(scored=4, skipped=0, seconds=1.0, records_per_s=4.0, out_path=Path("r.csv"),
                           labs_rows=70, labs_values={}, labs_unmatched=ids)
    assert summary.labs_line("labs.csv", ["age", "sex"]) == (
        "labs.csv: no value used: no row of it fits a record scored (70 rows)")
    # rows that fit records but hold no value (every cell empty)
    summary.labs_unmatched = ids[2:]
    assert summary.labs_line("labs.csv", ["age", "sex"]) == (
        "labs.csv: no value used: the 2 rows that fit a record scored hold none")
