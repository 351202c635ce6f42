"""``mirage score`` and ``mirage report``: exit codes, formats, resume, clear messages."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from helpers_batch import sample_folder
from training_cli.main import main
from training_cli.commands.report import parse_lab

from test_batch import BAD, make_mixed_folder


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


@pytest.fixture()
def mixed(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    return folder, make_mixed_folder(folder)


@pytest.fixture()
def no_default_model(tmp_path, monkeypatch):
    """Point the resources at an empty folder: no default model ships."""
    empty = tmp_path / "resources"
    (empty / "models").mkdir(parents=True)
    monkeypatch.setenv("MIRAGE_RESOURCES", str(empty))


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:     # the batch CSV starts with a BOM
        return list(csv.DictReader(fh))


def test_score_exit_codes(mixed, checkpoint, tmp_path, capsys):
    folder, good = mixed
    out = tmp_path / "results.csv"
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress"])
    assert rc == 1                                               # some records failed
    captured = capsys.readouterr()
    for bad in BAD:
        assert f"failed: {bad}:" in captured.err
    assert f"scored {len(good)}, failed {len(BAD)}" in captured.out and "records/s" in captured.out
    assert len(_rows(out)) == len(good) + len(BAD)

    # only good records: exit 0; --resume skips what is done
    for bad in BAD:
        (folder / bad).unlink()
    (folder / "bad" / "00417_lr.dat").unlink()       # else it is a signal file without a header
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--resume"])
    assert rc == 0
    assert f"scored 0, failed 0, {len(good)} already done (skipped)" in capsys.readouterr().out
    rows = _rows(out)
    assert len(rows) == len(good) and {r["status"] for r in rows} == {"ok"}


def test_a_resumed_run_that_scored_nothing_gives_no_speed(mixed, checkpoint, tmp_path, capsys):
    """A resumed run that only tried its failed records again said "scored 0, failed 3 ... (0.7
    records/s)": a rate of records it could not score. It says what it did, and no rate."""
    folder, good = mixed
    out = tmp_path / "results.csv"
    argv = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress"]
    assert main(argv) == 1
    assert "records/s" in capsys.readouterr().out          # a run that scored records gives its speed
    assert main(argv + ["--resume"]) == 1                    # the failed ones tried again, and failed again
    said = capsys.readouterr().out
    assert f"scored 0, failed {len(BAD)}, {len(good)} already done (skipped) in " in said
    assert "records/s" not in said


def test_score_jsonl_from_suffix(mixed, checkpoint, tmp_path):
    folder, good = mixed
    out = tmp_path / "results.jsonl"
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--no-measure", "--workers", "1"])
    assert rc == 1
    objs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(objs) == len(good) + len(BAD) and "heart_rate_bpm" not in objs[0]


def test_score_usage_errors(mixed, checkpoint, tmp_path, capsys, no_default_model):
    folder, _ = mixed
    out = tmp_path / "r.csv"
    assert main(["score", str(folder), "--out", str(out)]) == 2
    assert "no trained model ships" in capsys.readouterr().err
    assert main(["score", str(folder), "--model", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "missing"), "--model", str(checkpoint), "--out", str(out)]) == 2
    assert "folder not found" in capsys.readouterr().err
    one = next(folder.rglob("*.hea"))      # one record given: what to do instead, and no output
    assert main(["score", str(one), "--model", str(checkpoint), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{one}: a file, not a folder" in err and "mirage report FILE" in err and not out.exists()
    bad_labs = tmp_path / "labs.csv"
    bad_labs.write_text("record_id,no_such_lab\n00417_lr,3\n")
    assert main(["score", str(folder), "--model", str(checkpoint), "--out", str(out),
                 "--labs", str(bad_labs), "--no-progress"]) == 2
    assert "labs.csv" in capsys.readouterr().err
    assert not out.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["score", str(empty), "--model", str(checkpoint), "--out", str(out)]) == 2
    assert "no ECG records" in capsys.readouterr().err
    assert main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--format", "xml"])


def test_score_with_labs_table(mixed, checkpoint, tmp_path, capsys):
    folder, good = mixed
    labs = tmp_path / "labs.csv"
    out = tmp_path / "r.csv"
    # age 999 is impossible (300 is PTB-XL's "older than 89": 90); the record is named by its path in the
    # folder ("00417_lr" alone would also fit the truncated copy bad/00417_lr, and is refused as ambiguous)
    rid = "ptbxl/records100/00000/00417_lr"
    labs.write_text(f"record_id,age,troponin_t [ng/L]\n{rid},999,12\n")
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--labs", str(labs), "--no-measure"])
    assert rc == 1                      # that record's row is refused; the batch goes on
    err = capsys.readouterr().err
    assert "labs.csv" in err and "age" in err
    rows = {Path(r["record_path"]).stem: r for r in _rows(out)}
    assert rows["00417_lr"]["status"] == "error" and "labs row refused" in rows["00417_lr"]["error"]
    assert sum(r["status"] == "ok" for r in rows.values()) == len(good) - 1
    labs.write_text(f"record_id,age,troponin_t [ng/L]\n{rid},61,12\n")
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--labs", str(labs), "--no-measure", "--overwrite"])
    assert rc == 1 and sum(r["status"] == "ok" for r in _rows(out)) == len(good)
    # the tiny model reads age, sex, height, weight: troponin is kept, marked and counted as unused
    assert "labs.csv: 1 of 2 values not used by this model (troponin_t 1)" in capsys.readouterr().out
    # bad/00417_lr.hea bears its name too: the two rows' record_id are their paths (rows.record_ids)
    row = next(r for r in _rows(out) if r["record_id"] == "ptbxl/records100/00000/00417_lr" and r["status"] == "ok")
    assert row["values_not_used"] == "troponin_t"
    assert float(row["age_used"]) == 61.0 and row["sex_used"] == "F"     # the table's age over the file's 75


def test_parse_lab():
    assert parse_lab("troponin_t=14ng/L") == ("troponin_t", (14.0, "ng/L"))
    assert parse_lab("crp = 5.5 mg/L") == ("crp", (5.5, "mg/L"))
    assert parse_lab("age=63") == ("age", (63.0, None))
    assert parse_lab("sex=f") == ("sex", "F")
    # the sex words labs tables and headers read (clinical.parse_sex) are read here too; the option had
    # taken A-Z letters only and said "sex must be M or F" to "sex=weiblich"
    assert parse_lab("sex=weiblich") == ("sex", "F") and parse_lab("sex = Männlich") == ("sex", "M")
    with pytest.raises(ValueError, match="'v' is ambiguous"):
        parse_lab("sex=v")
    for bad, word in [("troponin_t", "expected name=value"), ("nope=3", "unknown feature"),
                      ("troponin_t=14 furlongs", "furlongs"), ("age=-5", "age"), ("sex=X", "M or F"),
                      # a decimal comma or a thousands separator had read as the number's first digits and
                      # an "unknown unit ',2 mg/dL'"
                      ("crp=1,2 mg/dL", "not one number: write a decimal with a point"),
                      ("nt_probnp=1,200 pg/mL", "1,200 is not one number"), ("potassium=4,5", "not one number")]:
        with pytest.raises(ValueError, match=word):
            parse_lab(bad)


def _sample(stem: str) -> Path:
    for path in mm.sample_records():
        if path.stem == stem:
            return path
    pytest.skip(f"bundled sample {stem} not present")


def test_report_command(checkpoint, tmp_path, capsys):
    pypdf = pytest.importorskip("pypdf")
    rec = _sample("00417_lr")
    out = tmp_path / "report.pdf"
    rc = main(["report", str(rec), "--model", str(checkpoint), "--lab", "troponin_t=0.05ng/mL",
               "--lab", "potassium=4.1", "--page", "Letter", "--reviewer", "Dr. Who", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    reader = pypdf.PdfReader(str(out))
    assert float(reader.pages[0].mediabox.width) == pytest.approx(792.0, abs=0.01)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "hs-Troponin T" in text and "0.05" in text and "ng/mL" in text
    assert "Reviewer: Dr. Who" in text and "tiny-random-mirage-multilabel" in text
    assert "Explanations" in text and "Interval measurements" in text


@pytest.fixture()
def ludb_sample() -> Path:
    return _sample("1")


def test_report_without_model(tmp_path, capsys, ludb_sample, no_default_model):
    pypdf = pytest.importorskip("pypdf")
    rec = ludb_sample
    out = tmp_path / "r.pdf"
    assert main(["report", str(rec), "--out", str(out), "--no-measure"]) == 0
    assert "no model" in capsys.readouterr().err
    assert "no model result" in pypdf.PdfReader(str(out)).pages[0].extract_text().lower()


def test_report_errors(tmp_path, checkpoint, capsys):
    bad = tmp_path / "x.hea"
    bad.write_text("garbage\n")
    assert main(["report", str(bad), "--no-model", "--out", str(tmp_path / "r.pdf")]) == 2
    assert "x.hea" in capsys.readouterr().err
    rec = _sample("00417_lr")
    assert main(["report", str(rec), "--no-model", "--lab", "troponin_t=abc",
                 "--out", str(tmp_path / "r.pdf")]) == 2
    assert "expected name=value" in capsys.readouterr().err
    assert main(["report", str(rec), "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "r.pdf")]) == 2
    assert not (tmp_path / "r.pdf").exists()


def test_score_pdfs_with_explanations_of_a_baseline(tmp_path, capsys):
    """A signal-only baseline gives lead importance only: the PDFs say what is not available."""
    pypdf = pytest.importorskip("pypdf")
    import shutil

    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(tmp_path / "wang", model_type="resnet1d_wang")
    rec = _sample("00417_lr")
    folder = tmp_path / "records"
    folder.mkdir()
    for suffix in (".hea", ".dat"):
        shutil.copy(rec.with_suffix(suffix), folder / rec.with_suffix(suffix).name)
    rc = main(["score", str(folder), "--out", str(tmp_path / "out.csv"), "--model", str(ckpt),
               "--pdf-dir", str(tmp_path / "pdf"), "--explain", "--no-progress", "--no-measure"])
    assert rc == 0, capsys.readouterr().err
    (pdf,) = (tmp_path / "pdf").rglob("*.pdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages).split())
    assert "Lead importance (sums to 1)" in text
    assert "Not available for this model (resnet1d_wang)" in text
    assert "Explanations were not computed" not in text


def test_report_with_reviewer_edits(tmp_path, capsys):
    pypdf = pytest.importorskip("pypdf")
    rec = _sample("00417_lr")
    out = tmp_path / "r.pdf"
    assert main(["report", str(rec), "--no-model", "--edit", "qt_ms=420", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages).split())
    assert "QT interval 420 (edited) ms" in text
    for bad, message in (("qt=420", "names no measurement"), ("qt_ms", "expected KEY=VALUE"),
                         ("qt_ms=long", "not a number")):
        assert main(["report", str(rec), "--no-model", "--edit", bad, "--out", str(tmp_path / "b.pdf")]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "b.pdf").exists()


def test_score_refuses_an_output_another_run_writes(mixed, checkpoint, tmp_path, capsys):
    from mirage_model.review.batch.outputs import lock_output

    folder, _ = mixed
    out = tmp_path / "r.csv"
    held = lock_output(out)       # as a running `mirage score` holds it
    try:
        rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
                   "--no-measure"])
    finally:
        held.close()
    err = capsys.readouterr().err
    assert rc == 2 and f"another 'mirage score' run (process {os.getpid()}) is writing" in err
    assert str(tmp_path / ".r.csv.lock") in err and "Traceback" not in err
    assert not out.exists()
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--no-measure"])
    assert rc == 1 and out.exists() and not (tmp_path / ".r.csv.lock").exists()


def test_score_time_limit_option(mixed, checkpoint, tmp_path, capsys):
    folder, _ = mixed
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"),
               "--time-limit", "nan"])
    assert rc == 2 and "--time-limit" in capsys.readouterr().err


def test_cli_turns_unforeseen_errors_into_one_line(monkeypatch, capsys):
    import training_cli.commands.info as info

    def boom(args):
        raise ZeroDivisionError("deep inside")

    monkeypatch.setattr(info, "run", boom)
    rc = main(["info"])
    err = capsys.readouterr().err
    assert rc == 1 and "ZeroDivisionError: deep inside" in err and "Traceback" not in err


def test_score_lists_files_that_are_no_ecg(mixed, checkpoint, tmp_path, capsys):
    folder, _ = mixed
    (folder / "notes.xml").write_text("<notes><n>ward list</n></notes>")
    out = tmp_path / "s.csv"
    main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert "1 not ECG file (status 'not_ecg')" in captured.out      # one file: not "1 not ECG files"
    assert "not an ECG: notes.xml: an XML file, but not an ECG MIRAGE reads (root element <notes>" in captured.err
    rows = {Path(r["record_path"]).name: r for r in _rows(out)}
    assert rows["notes.xml"]["status"] == "not_ecg"
    # a folder with nothing but such files: the usage error names them
    only = tmp_path / "only"
    only.mkdir()
    (only / "notes.xml").write_text("<notes/>")
    assert main(["score", str(only), "--model", str(checkpoint), "--out", str(tmp_path / "o.csv")]) == 2
    assert "no ECG MIRAGE reads: notes.xml" in capsys.readouterr().err


def test_score_checks_pdf_dir_before_scoring(tmp_path, checkpoint, capsys):
    """A --pdf-dir that is a file (or cannot be created) had let every record be scored and then
    marked every row 'error'; it is refused up front, as --out is, and nothing is written."""
    folder = tmp_path / "records"
    folder.mkdir()
    from mirage_model.paths import resources_dir

    src = next((resources_dir() / "samples" / "ptbxl").rglob("*.hea"))
    for f in src.parent.glob(src.stem + ".*"):
        (folder / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "x.csv"
    afile = tmp_path / "pdfs"
    afile.write_text("not a folder")
    cases = [(afile, f"--pdf-dir {afile} is a file, not a folder"),
             (afile / "sub", f"cannot write --pdf-dir {afile / 'sub'}: {afile} is a file, not a folder")]
    if Path("/proc/self").is_dir():
        cases.append((Path("/proc/mirage_pdfs"), "cannot write --pdf-dir /proc/mirage_pdfs: "))
    for pdf_dir, message in cases:
        assert main(["score", str(folder), "--model", str(checkpoint), "--out", str(out),
                     "--pdf-dir", str(pdf_dir), "--no-progress", "--no-measure"]) == 2
        err = capsys.readouterr().err
        assert message in err and "Error" not in err, err
        assert not out.exists()


def test_report_labs_table_uses_only_the_records_row(tmp_path, capsys, ludb_sample):
    """Another patient's bad value (record 14's age "abc", line 3) had stopped `mirage report 1 --labs`, though
    record 1's row is valid; `mirage score` refuses only that record, and so does report now. (A bad value
    no model reads: tests/test_labs_cell_not_read.py.)"""
    pypdf = pytest.importorskip("pypdf")
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,troponin_t [ng/L],age\n1,52,51\n14,52,abc\n")
    out = tmp_path / "r.pdf"
    assert main(["report", str(ludb_sample), "--no-model", "--no-measure", "--labs", str(labs),
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 other record(s)' row(s) unreadable and ignored (records 14)" in err
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages)
    assert "hs-Troponin T" in text and "52" in text
    # the record's own bad row still stops it, naming the line and the column
    labs.write_text("record_id,troponin_t [ng/L],age\n14,52,50\n1,52,abc\n")
    out.unlink()
    assert main(["report", str(ludb_sample), "--no-model", "--no-measure", "--labs", str(labs),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "'age'" in err and "'abc' is not a number" in err
    assert not out.exists()


def test_score_console_lines_escape_control_characters_in_names(checkpoint, tmp_path, capsys):
    """A failed record's name with a newline (or a terminal escape) in it is printed escaped on
    its own "failed:" line: it can neither break that line nor forge one of another record."""
    folder = tmp_path / "records"
    folder.mkdir()
    sample = mm.resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
    shutil.copy(sample, folder)
    shutil.copy(sample.with_suffix(".dat"), folder)
    evil = "x\nfailed: 00417_lr.hea: forged\x1b[2K.hea"
    (folder / evil).write_text("not a header\n")
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "o.csv"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    assert "\x1b" not in err and not any(line.startswith("failed: 00417_lr.hea") for line in failed)
    assert len(failed) == 1 and failed[0].startswith(r"failed: x\x0afailed: 00417_lr.hea: forged\x1b[2K.hea: ")
    from mirage_model.csvsafe import printable

    assert printable("a\r\nb\u2028c\udce9") == r"a\x0d\x0ab\u2028c\xe9"


def test_score_summary_names_a_folder_it_could_not_read(checkpoint, tmp_path, capsys, locked_folders):
    """A folder the search cannot list is said in the end summary, not only logged: its records
    are missing from the output and the user must know which; the run exits 1 (had exited 0)."""
    folder = tmp_path / "records"
    sample = mm.resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
    for sub in ("ok", "locked"):
        (folder / sub).mkdir(parents=True)
        shutil.copy(sample, folder / sub)
        shutil.copy(sample.with_suffix(".dat"), folder / sub)
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "o.csv"), "--no-progress"])
    out = capsys.readouterr().out
    assert "scored 1, failed 0" in out
    assert (f"1 folder could not be read: {folder / 'locked'} (Permission denied); "
            f"the records in them are not in {tmp_path / 'o.csv'}") in out
    # the output is incomplete: a script that runs the batch must not take it as done (exit 1, as a failed record)
    assert rc == 1


def test_score_searches_the_folder_once(mixed, checkpoint, tmp_path, monkeypatch, capsys):
    """mirage score walks the input folder once: it searched it, then the batch searched it again
    (and the batch's search walked it twice: records, then signal files without a header)."""
    import mirage_model.formats as formats
    import mirage_model.review.batch.inputs as inputs

    folder, good = mixed
    out = tmp_path / "o.csv"
    walks = []
    for module in (formats, inputs):
        real = module.walk_files
        monkeypatch.setattr(module, "walk_files", lambda *a, real=real, **k: walks.append(a[0]) or real(*a, **k))
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress"])
    assert rc == 1 and f"scored {len(good)}, failed {len(BAD)}" in capsys.readouterr().out
    assert sorted(r["record_path"] for r in _rows(out)) == sorted(good + list(BAD))
    assert walks == [folder]


def _two_records(folder: Path) -> Path:
    """Two bundled samples copied under ``folder`` (ludb/1, ptbxl/records100/00000/00417_lr)."""
    base = mm.resources_dir() / "samples"
    for rel in ("ludb/1", "ptbxl/records100/00000/00417_lr"):
        src = base / (rel + ".hea")
        if not src.is_file():
            pytest.skip(f"bundled sample {rel} not present")
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        for f in src.parent.glob(src.stem + ".*"):
            shutil.copy(f, (folder / rel).parent / f.name)
    return folder


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_score_rows_name_the_labs_values_used(checkpoint, tmp_path, suffix):
    """A scored row had age_used and sex_used but nothing saying which values of the labs table it
    was scored with; ``labs_used`` lists them in the schema's canonical units ("" without a row),
    the same in CSV and JSON lines."""
    folder = _two_records(tmp_path / "records")
    labs = tmp_path / "labs.csv"
    # CRP 0.5 mg/dL is 5 mg/L, troponin T 0.012 ng/mL is 12 ng/L, creatinine 1.1 mg/dL is 97.24 umol/L
    labs.write_text("record_id,crp [mg/dL],troponin_t [ng/mL],sex,creatinine [mg/dL]\n"
                    "ludb/1,0.5,0.012,female,\n"
                    "00417_lr,,,,1.1\n")
    out = tmp_path / ("r" + suffix)
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--labs", str(labs), "--no-measure", "--statements-model", "none"])
    assert rc == 0
    if suffix == ".csv":
        rows = _rows(out)
    else:
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    got = {r["record_path"]: r["labs_used"] for r in rows}
    assert got == {"ludb/1.hea": "crp=5 mg/L; sex=F; troponin_t=12 ng/L",
                   "ptbxl/records100/00000/00417_lr.hea": "creatinine=97.24 umol/L"}, got


def test_score_rows_without_labs_table_say_none_used(checkpoint, tmp_path):
    base = mm.resources_dir() / "samples"
    src = base / "ludb" / "1.hea"
    if not src.is_file():
        pytest.skip("bundled sample ludb/1 not present")
    folder = tmp_path / "records"
    folder.mkdir()
    for f in src.parent.glob("1.*"):
        shutil.copy(f, folder / f.name)
    out = tmp_path / "r.jsonl"
    assert main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
                 "--no-measure", "--statements-model", "none"]) == 0
    assert [json.loads(line)["labs_used"] for line in out.read_text().splitlines()] == [""]


def test_score_says_when_every_labs_row_was_refused(checkpoint, tmp_path, capsys):
    """The summary line counted the values of the rows it could read: with every row refused it
    read "labs.csv: 0 of 0 values not used by this model", as if the table had been fine."""
    folder = _two_records(tmp_path / "records")
    labs = tmp_path / "labs.csv"
    # age 999 impossible, and age is read by the model (a CRP of -2 alone, which it does not read, is left out)
    labs.write_text("record_id,age,crp [mg/L]\nludb/1,999,5\n00417_lr,999,-2\n")
    out = tmp_path / "r.csv"
    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
            "--labs", str(labs), "--no-measure", "--statements-model", "none"]
    assert main(args) == 1
    said = capsys.readouterr().out
    assert "every row of labs.csv was refused (2 rows): see their records' error rows" in said, said
    assert "0 of 0" not in said
    assert [r["status"] for r in _rows(out)] == ["error", "error"]

    # one row read, one refused: the count of values is the read row's, and the refusal is said
    labs.write_text("record_id,age,crp [mg/L]\nludb/1,999,5\n00417_lr,40,3\n")
    assert main(args + ["--overwrite"]) == 1
    said = capsys.readouterr().out
    assert "labs.csv: 1 of 2 values not used by this model (crp 1); 1 of 2 rows refused" in said, said


def test_score_progress_bar_counts_failures_as_the_summary_does(mixed, checkpoint, tmp_path, capsys):
    """The progress bar's 'N failed' counted a file that is no ECG (status 'not_ecg') as a failure,
    so the bar ended at '6 failed' over a summary of 'failed 5, 1 not ECG files'. Truth: the broken
    records that make_mixed_folder wrote (BAD)."""
    folder, _ = mixed
    (folder / "notes.xml").write_text("<notes><n>ward list</n></notes>")
    out = tmp_path / "s.csv"
    main(["score", str(folder), "--model", str(checkpoint), "--out", str(out)])
    captured = capsys.readouterr()
    n_failed = len(BAD)
    rows = _rows(out)
    assert sum(r["status"] in ("error", "unscorable") for r in rows) == n_failed
    assert f"failed {n_failed}, 1 not ECG file " in captured.out
    last = captured.err.replace("\r", "\n").split("scoring:")[-1]
    assert f"{n_failed} failed" in last and "1 not ECG" in last


def test_every_score_column_is_in_the_readme_column_table():
    """The README named some of mirage score's columns in passing and never record_path,
    record_id, quality_flags, notes or the measurement columns (heart_rate_bpm ...), so a reader
    of a results file could not look them up. Truth: the columns the batch writes (``columns``
    with every option on), each found as a `name` in the README's table of them."""
    from mirage_model.review.batch import columns

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.find("**The columns of a `mirage score` output**")
    assert start != -1
    table = readme[start:readme.find("\n\n", readme.find("| column |", start))]
    for col in columns(["NORM", "MI"], measure=True, pdf=True, statements=["AFIB"]):
        name = "prob_<label>" if col.startswith("prob_") else "stmt_<CODE>" if col.startswith("stmt_") else col
        assert f"`{name}`" in table, col


def test_score_progress_bar_total_counts_files_that_are_no_ecg(mixed, checkpoint, tmp_path, capsys):
    """The bar started at '0/N' without the files that are no ECG (each gets a row) and jumped to
    N+1 at the first record. Truth: the rows of the output."""
    folder, _ = mixed
    (folder / "notes.xml").write_text("<notes><n>ward list</n></notes>")
    out = tmp_path / "s.csv"
    main(["score", str(folder), "--model", str(checkpoint), "--out", str(out)])
    err = capsys.readouterr().err.replace("\r", "\n")
    totals = {int(t) for t in re.findall(r"\| *\d+/(\d+) \[", err)}
    assert totals == {len(_rows(out))}, totals


def test_score_of_a_folder_that_cannot_be_listed_says_so(checkpoint, tmp_path, capsys, locked_folders):
    """'mirage score' of a folder without read permission said 'no ECG records (.hea headers or
    clinical ECG files) found under it', as if it had been searched and were empty. Truth: the
    folder this test locks holds a record."""
    locked = tmp_path / "locked"
    locked.mkdir()
    donor = next(h for h in mm.sample_records() if h.stem == "14")
    for f in donor.parent.glob("14.*"):
        shutil.copy(f, locked / f.name)
    out = tmp_path / "r.csv"
    assert main(["score", str(locked), "--model", str(checkpoint), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"1 folder could not be read: {locked} (Permission denied): no records could be listed" in err
    assert "no ECG records" not in err and not out.exists()


def test_score_refuses_to_replace_an_earlier_runs_pdfs(checkpoint, tmp_path, capsys):
    """A second `mirage score --pdf-dir DIR` (without --resume) replaced the PDFs the first run wrote
    there, one by one, without a word. Refused now before any record is scored (the CSV untouched
    too), naming the folder and how many PDFs; --resume of that run still skips its finished
    records and their PDFs; --overwrite replaces them."""
    folder = _two_records(tmp_path / "records")
    out, pdfs = tmp_path / "results.csv", tmp_path / "pdfs"
    argv = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--pdf-dir", str(pdfs),
            "--no-progress", "--no-measure", "--statements-model", "none"]
    assert main(argv) == 0
    written = sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf"))
    assert written == ["ludb/1.pdf", "ptbxl/records100/00000/00417_lr.pdf"]

    def state():
        return {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
                for p in [out, *pdfs.rglob("*")] if p.is_file()}

    first = state()
    capsys.readouterr()
    assert main(argv) == 2              # the same --out: its rows are refused first
    assert f"error: mirage score --out {out} holds the rows of an earlier run" in capsys.readouterr().err
    assert state() == first
    for again in (["--out", str(tmp_path / "other.csv")], ["--resume", "--out", str(tmp_path / "new.csv")]):
        assert main(argv + again) == 2, again
        err = capsys.readouterr().err
        assert f"error: mirage score --pdf-dir {pdfs}: it holds 2 PDFs an earlier run wrote for these records " \
               "(ludb/1.pdf, ptbxl/records100/00000/00417_lr.pdf); give --overwrite to replace them, --resume " \
               "with that run's --out" in err, err
        assert state() == first and not (tmp_path / "other.csv").exists() and not (tmp_path / "new.csv").exists()
    assert main(argv + ["--resume"]) == 0                       # the run continued: its records skipped
    assert "2 already done (skipped)" in capsys.readouterr().out
    assert {p: v for p, v in state().items() if p != out} == {p: v for p, v in first.items() if p != out}
    assert main(argv + ["--overwrite"]) == 0
    assert "scored 2, failed 0" in capsys.readouterr().out
    now = state()
    assert sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf")) == written
    assert all(now[p][1:] != first[p][1:] for p in first if p.suffix == ".pdf")     # each one written anew


def test_a_resumed_score_refuses_pdfs_another_run_wrote(checkpoint, tmp_path, capsys):
    """`mirage score --resume --pdf-dir D` never looked into D: resumed onto an output another run
    wrote (another model, into another PDF folder), it replaced, one by one and without a word, the
    PDFs an earlier run of the first model had written in D for the records it had left. Refused
    now as a run without --resume is, before any record is scored, the output and D untouched;
    --overwrite replaces them."""
    from helpers_models import make_tiny_checkpoint

    folder = _two_records(tmp_path / "records")
    other_model = make_tiny_checkpoint(tmp_path / "other", seed=1, name="other-tiny")
    pdfs, elsewhere = tmp_path / "pdfs", tmp_path / "elsewhere"
    common = [str(folder), "--no-progress", "--no-measure", "--statements-model", "none"]
    assert main(["score", *common, "--model", str(checkpoint), "--out", str(tmp_path / "a.csv"),
                 "--pdf-dir", str(pdfs)]) == 0
    out = tmp_path / "b.csv"
    assert main(["score", *common, "--model", str(other_model), "--out", str(out), "--pdf-dir", str(elsewhere)]) == 0
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:2]))            # stopped after its first record: one row
    (kept,) = _rows(out)
    assert kept["record_path"] == "ludb/1.hea" and kept["model"] != _rows(tmp_path / "a.csv")[0]["model"]

    def state():
        return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in [out, *pdfs.rglob("*")] if p.is_file()}

    before = state()
    capsys.readouterr()
    resume = ["score", *common, "--model", str(other_model), "--out", str(out), "--pdf-dir", str(pdfs), "--resume"]
    assert main(resume) == 2
    err = capsys.readouterr().err
    assert f"error: mirage score --pdf-dir {pdfs}: it holds 1 PDF of records this resumed run would score " \
           f"(ptbxl/records100/00000/00417_lr.pdf) that {out} has no finished row of" in err, err
    assert "give --overwrite to replace it, or another --pdf-dir" in err
    assert state() == before
    # the output's own record is not counted: its PDF (here the earlier run's, in D) stays untouched
    assert main([*resume, "--overwrite"]) == 0
    assert "scored 1, failed 0, 1 already done (skipped)" in capsys.readouterr().out
    now = state()
    assert now[pdfs / "ludb" / "1.pdf"] == before[pdfs / "ludb" / "1.pdf"]
    replaced = pdfs / "ptbxl" / "records100" / "00000" / "00417_lr.pdf"
    assert now[replaced][1] != before[replaced][1]


def test_a_score_stopped_by_ctrl_c_leaves_no_pdf_without_its_row(checkpoint, tmp_path, capsys, monkeypatch):
    """A run stopped (Ctrl-C) leaves no PDF whose row it did not save: its resumed run finds no PDF it
    cannot account for, and is not refused. A row is handed on as its PDF is written (``pipeline``):
    the first record's row and PDF are saved when the second is stopped (they had both been dropped, the
    PDF removed); a PDF written whose row was not handed on (a loader pool's) is removed."""
    from mirage_model.review.batch.rows import Scorer

    folder = _two_records(tmp_path / "records")
    out, pdfs = tmp_path / "results.csv", tmp_path / "pdfs"
    argv = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--pdf-dir", str(pdfs),
            "--no-progress", "--no-measure", "--statements-model", "none"]
    real, calls = Scorer.ok_row, []

    def second_interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:             # the first record's PDF is written and its row handed on
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Scorer, "ok_row", second_interrupted)
    assert main(argv) == 130
    assert [(r["record_path"], r["pdf"]) for r in _rows(out)] == [("ludb/1.hea", "ludb/1.pdf")]
    assert [p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf")] == ["ludb/1.pdf"]
    monkeypatch.setattr(Scorer, "ok_row", real)
    capsys.readouterr()
    assert main(argv + ["--resume"]) == 0
    assert "scored 1, failed 0, 1 already done (skipped)" in capsys.readouterr().out
    assert sorted(p.relative_to(pdfs).as_posix() for p in pdfs.rglob("*.pdf")) == \
        ["ludb/1.pdf", "ptbxl/records100/00000/00417_lr.pdf"]


def test_score_never_replaces_an_earlier_output_or_an_input_without_being_told(checkpoint, tmp_path, capsys):
    """A second `mirage score` onto the same --out replaced the first run's rows without a word
    (hours of scoring gone to a rerun with a typo), and an --out naming an existing file that is no
    output at all was written over: `--out FOLDER/1.dat` replaced the record's signal file with a
    CSV, `--out labs.csv` the labs table. Now an earlier run's rows are refused, before the model
    loads, unless --resume (kept) or --overwrite (replaced); a file that is no output of mirage
    score is refused whatever the options, each byte left as it was."""
    folder = _two_records(tmp_path / "records")
    signal = folder / "ludb" / "1.dat"
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\nludb/1,60\n")
    before = {p: p.read_bytes() for p in (signal, labs)}
    common = [str(folder), "--model", str(checkpoint), "--no-progress", "--no-measure", "--statements-model", "none"]
    for target in (signal, labs):
        for extra in ([], ["--overwrite"], ["--resume"]):
            assert main(["score", *common, "--out", str(target), *extra]) == 2, (target, extra)
            err = capsys.readouterr().err
            assert f"error: {target}: exists and is no output of mirage score" in err, err
            assert "it is left as it is: choose another output file" in err
            assert target.read_bytes() == before[target]
    assert main(["score", *common, "--out", str(signal)]) == 2
    assert "(it holds binary data: a signal file?)" in capsys.readouterr().err

    out = tmp_path / "r.csv"
    assert main(["score", *common, "--out", str(out)]) == 0
    first = out.read_bytes()
    assert len(_rows(out)) == 2
    capsys.readouterr()
    assert main(["score", *common, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: mirage score --out {out} holds the rows of an earlier run, which this run would replace: " \
           "give --resume to keep them and score only the other records, --overwrite to replace them, or " \
           "another --out" in err, err
    assert out.read_bytes() == first
    assert main(["score", *common, "--out", str(out), "--resume"]) == 0
    assert "2 already done (skipped)" in capsys.readouterr().out
    assert main(["score", *common, "--out", str(out), "--overwrite"]) == 0
    assert "scored 2, failed 0" in capsys.readouterr().out
    # an output holding its header alone (a run stopped before its first row) has no rows to lose
    out.write_text(out.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8-sig")
    assert main(["score", *common, "--out", str(out)]) == 0
    # the library refuses it too, under the output's lock, for a caller that did not check first
    from mirage_model.review.batch import BatchError, score_folder

    with pytest.raises(BatchError, match="holds the rows of an earlier run"):
        score_folder(folder, mm.Predictor(checkpoint), out, overwrite=False, measure=False)
    with pytest.raises(BatchError, match="is no output of mirage score"):
        score_folder(folder, mm.Predictor(checkpoint), signal, measure=False)
    assert signal.read_bytes() == before[signal]


def test_a_labs_table_that_is_a_folder_or_a_pipe_is_named_as_such(mixed, checkpoint, tmp_path, capsys):
    """`--labs DIR` said "labs table not found" of a folder that is there."""
    import os

    from training_cli.main import main

    folder, _ = mixed
    (tmp_path / "labs").mkdir()
    os.mkfifo(tmp_path / "pipe.csv")
    for labs, said in ((tmp_path / "labs", "a folder, not a labs table"),
                       (tmp_path / "pipe.csv", "not a regular file"), (tmp_path / "gone.csv", "labs table not found")):
        assert main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "o.csv"),
                     "--labs", str(labs)]) == 2
        assert f"{labs}: {said}" in capsys.readouterr().err


def test_the_labs_count_leaves_out_rows_that_fit_no_record(checkpoint, tmp_path, capsys):
    """A labs table whose row names no record of the folder: "labs.csv: all 4 values used by this
    model" counted that row's values too, beside the warning that the same row was not used. Of
    the two rows, one fits the record: its two values are the ones used."""
    folder = sample_folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age,weight [kg]\n00417_lr,61,70\n99999_lr,70,80\n")
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"),
               "--no-progress", "--labs", str(labs), "--no-measure"])
    captured = capsys.readouterr()
    assert rc == 0
    assert "labs.csv: all 2 values used by this model" in captured.out
    assert "1 row(s) fit no record" in captured.err and "'99999_lr'" in captured.err


def test_the_labs_count_names_the_columns_not_read(checkpoint, tmp_path, capsys):
    """A labs table from a German laboratory (';', decimal commas) with urea and sodium columns ("Harnstoff",
    "Natrium") beside a smoker flag: none is a feature MIRAGE knows, so none was read (one warning
    said so before the records were scored), but the run's last line said "labs.csv: all 2 values used
    by this model", as if the table had been read whole. It now names the columns not read."""
    folder = sample_folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_bytes("\ufeffECG;Harnstoff;Natrium (mmol/L);weight [kg];Raucher\r\n00417_lr;30;140;70;ja\r\n"
                     .encode())
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"),
               "--no-progress", "--labs", str(labs), "--no-measure"])
    out = capsys.readouterr().out
    assert rc == 0
    # the table's five cells after the id: weight read (1 value), three columns of no feature
    assert ("labs.csv: 1 value used by this model; 3 columns not read, of no feature MIRAGE knows: "
            "'Harnstoff', 'Natrium (mmol/L)', 'Raucher'\n") in out, out


def test_score_says_a_3_lead_holter_record_cannot_be_scored(checkpoint, tmp_path, capsys):
    """A 3-lead Holter record (II, V1, V5) failed with "has 3 of the 12 standard leads (II, V1, V5); missing
    ...", which left its user to guess whether MIRAGE reads fewer leads; the line now says what it means."""
    import numpy as np
    import wfdb

    t = np.arange(2500) / 250
    sig = np.stack([np.sin(2 * np.pi * 1.2 * t) * a for a in (1.0, 0.8, 1.2)], axis=1)      # (T, 3) mV
    (tmp_path / "holter").mkdir()
    wfdb.wrsamp("holter", fs=250, units=["mV"] * 3, sig_name=["II", "V1", "V5"], p_signal=sig,
                fmt=["16"] * 3, write_dir=str(tmp_path / "holter"))
    rc = main(["score", str(tmp_path / "holter"), "--model", str(checkpoint), "--out", str(tmp_path / "r.csv"),
               "--no-progress"])
    assert rc == 1
    err = capsys.readouterr().err
    assert ("not enough ECG leads: has 3 of the 12 standard leads (II, V1, V5); missing I, III, aVR, aVL, aVF, V2, "
            "V3, V4, V6; MIRAGE's models read the 12 leads, at least 8 of them given (the others blank), so a record "
            "of fewer (a 3-lead Holter's, a monitor's) "
            "cannot be scored by them") in err, err


def test_score_counts_one_pdf_as_one(checkpoint, tmp_path, capsys):
    """One record with --pdf-dir: the summary said "1 PDFs in pdfs". Truth: the one LUDB record copied here."""
    ludb = mm.resources_dir() / "samples" / "ludb"
    if not (ludb / "1.hea").is_file():
        pytest.skip("bundled LUDB samples not present")
    folder = tmp_path / "one"
    folder.mkdir()
    for f in ludb.glob("1.*"):
        shutil.copy(f, folder / f.name)
    pdfs = tmp_path / "pdfs"
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(tmp_path / "s.csv"), "--no-progress",
               "--no-measure", "--pdf-dir", str(pdfs)])
    assert rc == 0 and [p.name for p in pdfs.iterdir()] == ["1.pdf"]
    out = capsys.readouterr().out
    assert f", 1 PDF in {pdfs}" in out and "1 PDFs" not in out, out
