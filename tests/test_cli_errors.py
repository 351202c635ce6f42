"""What a user reads when an option names a file that cannot be used: one line naming the option or
the file and the problem, never an internal exception's name or a hidden temporary file."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from mirage_model.paths import OutputError, atomic_write_text, resources_dir
from training_cli.main import main

SAMPLES = resources_dir() / "samples"
# an internal exception's name as main()'s catch-all prints it ("error: IndexError: ...")
INTERNAL = re.compile(r"\b\w+(Error|Exception)\b:")
PDF_BYTES = b"%PDF-1.4\n%\x93\x8c\x8b\x9e\n1 0 obj\n<<>>\nendobj\n"


def _one_clean_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(("INFO ", "DEBUG "))]
    assert len(lines) == 1, err
    assert not INTERNAL.search(lines[0]) and "Traceback" not in err, err
    assert ".tmp" not in lines[0], err
    return lines[0]


def _predictions(path: Path) -> Path:
    rows = [["record_id", "p_A", "y_A"]] + [[str(i), f"{i / 10:.1f}", str(i % 2)] for i in range(10)]
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize("n", ["0", "-5"])
def test_compare_refuses_a_bootstrap_without_resamples(tmp_path, capsys, n):
    p = _predictions(tmp_path / "p.csv")
    assert main(["compare", str(p), str(p), "--bootstrap", n]) == 2
    assert f"--bootstrap {n}" in _one_clean_line(capsys.readouterr().err)


def test_compare_names_a_file_that_is_no_text(tmp_path, capsys):
    pdf = tmp_path / "r1.pdf"
    pdf.write_bytes(PDF_BYTES)
    p = _predictions(tmp_path / "p.csv")
    assert main(["compare", str(pdf), str(p)]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert str(pdf) in line and "not a predictions.csv" in line


def test_evaluate_refuses_a_negative_bootstrap_before_any_work(tmp_path, capsys):
    out = tmp_path / "ev"
    rc = main(["evaluate", "--model", str(tmp_path / "no_model"), "--data", f"ptbxl:{SAMPLES / 'ptbxl'}",
               "--out", str(out), "--bootstrap", "-1"])
    assert rc == 1
    assert "--bootstrap -1" in _one_clean_line(capsys.readouterr().err)
    assert not out.exists()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("export") / "model")


def test_export_names_the_option_of_a_file_it_cannot_use(tmp_path, capsys, tiny):
    pdf = tmp_path / "r1.pdf"
    pdf.write_bytes(PDF_BYTES)
    table = tmp_path / "samples.csv"
    table.write_text("record_id,age\n1,50\n")
    folder_metrics = tmp_path / "runs" / "a" / "test" / "metrics.json"
    folder_metrics.parent.mkdir(parents=True)
    folder_metrics.write_text(json.dumps({"n": 3, "macro": {"auroc": 0.5}}))
    cases = [
        (["--test-metrics", str(pdf)], ["--test-metrics", str(pdf), "not a text file"]),
        (["--test-metrics", str(table)], ["--test-metrics", str(table), "not JSON"]),
        (["--test-metrics", str(tmp_path / "nonexist.json")], ["--test-metrics", "file not found"]),
        (["--card-append", str(tmp_path / "nonexist.md")], ["--card-append", "nonexist.md", "file not found"]),
        (["--baseline-metrics", str(folder_metrics)], ["--baseline-metrics", "NAME=metrics.json"]),
        (["--test-metrics", str(tmp_path)], ["--test-metrics", "is a folder"]),
    ]
    for extra, wanted in cases:
        out = tmp_path / "shipped"
        assert main(["export", "--model", str(tiny), "--out", str(out), *extra]) == 1, extra
        line = _one_clean_line(capsys.readouterr().err)
        assert all(w in line for w in wanted), (extra, line)
        assert not out.exists()


def test_commands_refuse_an_output_they_cannot_write_before_working(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("hello")
    record = str(SAMPLES / "ptbxl")
    cases = [
        (["convert", record, "--to", "wfdb", str(afile)], "OUT_DIR", str(afile), "is a file, not a folder"),
        (["interpretation", "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--label", "AFIB", "--out", str(afile)],
         "--out", str(afile), "is a file, not a folder"),
        (["robustness", "--data", record, "--out", str(afile / "r.md")], "--out", str(afile / "r.md"),
         f"{afile} is a file, not a folder"),
        (["bench", "--out", str(afile / "b.json")], "--out", str(afile / "b.json"),
         f"{afile} is a file, not a folder"),
        (["compare", str(afile), str(afile), "--out", str(afile / "c.json")], "--out", str(afile / "c.json"),
         "is a file, not a folder"),
        # evaluate had done all its work, then said "error: AFILE: File exists"
        (["evaluate", "--model", str(tmp_path / "m"), "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--out", str(afile)],
         "--out", str(afile), "is a file, not a folder"),
        (["evaluate", "--model", str(tmp_path / "m"), "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--out",
          str(afile / "m.json")], "--out", str(afile / "m.json"), f"{afile} is a file, not a folder"),
    ]
    for argv, option, path, why in cases:
        assert main(argv) == 2, argv
        line = _one_clean_line(capsys.readouterr().err)
        assert f"{option} {path}" in line and why in line, (argv, line)
    assert afile.read_text() == "hello"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_output_on_a_file_system_that_takes_no_files(capsys):
    assert main(["bench", "--out", "/proc/mirage_x.json"]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert line.startswith("error: cannot write --out /proc/mirage_x.json: ")


def test_atomic_write_names_the_target_not_the_temporary_file(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(OutputError, match=re.escape(f"cannot write {afile / 'out.json'}: {afile} is a file")):
        atomic_write_text(afile / "out.json", "{}")
    with pytest.raises(OSError) as info:       # still an OSError for callers that catch those
        atomic_write_text(tmp_path, "x")       # a folder where the file should go
    assert str(info.value) == f"cannot write {tmp_path}: Is a directory"


def test_main_prints_an_os_error_as_file_and_reason(monkeypatch, capsys):
    import training_cli.commands.info as info

    def boom(args):
        raise FileNotFoundError(2, "No such file or directory", "/nonexist/table.csv")

    monkeypatch.setattr(info, "run", boom)
    assert main(["info"]) == 1
    assert _one_clean_line(capsys.readouterr().err) == "error: /nonexist/table.csv: No such file or directory"


def test_train_refuses_a_negative_bootstrap_before_training():
    from training_cli.engine.errors import ConfigError
    from training_cli.engine.recipes import TrainConfig, resolve

    with pytest.raises(ConfigError, match="--bootstrap -1"):
        resolve(TrainConfig(data="ptbxl:x", out="y", bootstrap=-1))
    assert resolve(TrainConfig(data="ptbxl:x", out="y", bootstrap=0)).bootstrap == 0


def test_a_full_disk_names_the_output(tmp_path):
    """write() on a full disk raises ENOSPC without a file name; before, the error went out as it was
    ("report PDF not written: OSError: [Errno 28] No space left on device", no file named)."""
    import errno

    from mirage_model.paths import atomic_output

    out = tmp_path / "r.pdf"
    with pytest.raises(OutputError, match=re.escape(f"cannot write {out}: No space left on device")):
        with atomic_output(out) as tmp:
            tmp.write_bytes(b"%PDF")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    from mirage_model.review.batch.rows import error_message     # a batch row's PDF error says the same
    assert error_message(OutputError(f"cannot write {out}: No space left on device")) == \
        f"cannot write {out}: No space left on device"


def test_score_output_that_cannot_be_written_midway(tmp_path, monkeypatch, capsys):
    """An output that becomes unwritable during a batch: one "cannot write OUT", and what to do
    (before: "error: cannot write OUT: cannot write OUT: ...", and nothing about the rows)."""
    import training_cli.commands.score as score

    folder = tmp_path / "records"
    folder.mkdir()
    for f in (resources_dir() / "samples" / "ludb").glob("1.*"):
        (folder / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "out.csv"

    def full(*args, **kwargs):
        raise OutputError(f"cannot write {out}: No space left on device")

    monkeypatch.setattr(score, "score_folder", full)
    monkeypatch.setattr(score, "load_predictor", lambda *a: object())
    monkeypatch.setattr(score, "load_statements_predictor", lambda *a: None)
    rc = main(["score", str(folder), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("cannot write") == 1 and f"cannot write {out}: No space left" in err
    assert "--resume" in err


def test_calibrate_and_ensemble_refuse_their_options_before_reading_the_model(tmp_path, capsys):
    """calibrate had read the model and scored the validation split before refusing --tree-faults without
    --measured-stage, or an --out that is a file; without --data it ended on "AttributeError: 'NoneType'
    object has no attribute 'partition'"."""
    afile = tmp_path / "afile"
    afile.write_text("hello")
    model, data = str(tmp_path / "no_model"), f"ptbxl:{SAMPLES / 'ptbxl'}"
    cases = [
        (["calibrate", "--model", model, "--out", str(tmp_path / "c")], 1, "mirage calibrate: --data is required"),
        (["calibrate", "--model", model, "--data", data, "--out", str(tmp_path / "c"), "--tree-faults"], 1,
         "error: --tree-faults goes with --measured-stage"),
        (["calibrate", "--model", model, "--data", data, "--out", str(afile)], 2,
         f"error: mirage calibrate --out {afile}: a file, not a folder; the model is written as a folder"),
        (["ensemble", model, model, "--data", data, "--out", str(afile)], 2,
         f"error: mirage ensemble --out {afile}: a file, not a folder; the model is written as a folder"),
    ]
    for argv, rc, wanted in cases:
        assert main(argv) == rc, argv
        assert _one_clean_line(capsys.readouterr().err).startswith(wanted), argv
    assert afile.read_text() == "hello" and not (tmp_path / "c").exists()


def test_a_data_spec_that_cannot_be_opened_leaves_no_output_folder(tmp_path, capsys):
    """ablate wrote OUT/config.json and interpretation created OUT before opening --data; ablate said
    "error: AFILE: File exists" of an --out that is a file, interpretation printed the data error without
    its "error:"."""
    afile = tmp_path / "afile"
    afile.write_text("hello")
    missing = tmp_path / "nonexistent"
    out = tmp_path / "out"
    cases = [
        (["ablate", "--data", "ptbxl:", "--out", str(out)], 1, "error: dataset 'ptbxl:': expected ptbxl:ROOT"),
        (["ablate", "--data", f"ptbxl:{missing}", "--out", str(out)], 1,
         f"error: {missing}: dataset folder does not exist"),
        (["ablate", "--data", f"folder:{tmp_path}", "--out", str(out)], 1,
         f"error: folder:{tmp_path}: a folder dataset needs --labels labels.csv"),
        (["ablate", "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--task", "zzz", "--out", str(out)], 1,
         "error: unknown PTB-XL task 'zzz'"),
        (["ablate", "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--out", str(afile)], 2,
         f"error: --out {afile} is a file, not a folder"),
        (["interpretation", "--data", f"ptbxl:{missing}", "--label", "AFIB", "--out", str(out)], 1,
         f"error: {missing}: dataset folder does not exist"),
        (["interpretation", "--data", f"folder:{tmp_path}", "--label", "AFIB", "--out", str(out)], 1,
         f"error: folder:{tmp_path}: a folder dataset needs --labels labels.csv"),
    ]
    for argv, rc, wanted in cases:
        assert main(argv) == rc, argv
        assert _one_clean_line(capsys.readouterr().err).startswith(wanted), argv
        assert not out.exists(), argv
    assert afile.read_text() == "hello"


def test_a_folder_without_labels_says_where_its_classes_come_from(tmp_path, capsys):
    """A researcher who gave LUDB's folder alone (its classes in the headers' '#Rhythm:' comments) was told only that
    --labels was needed: the message now gives the table's form and that headers are never read for classes."""
    assert main(["train", "--data", f"folder:{tmp_path}", "--out", str(tmp_path / "out")]) == 1
    said = _one_clean_line(capsys.readouterr().err)
    assert said == (f"error: folder:{tmp_path}: a folder dataset needs --labels labels.csv (record_id,labels: a row "
                    "per record, its classes separated by ';'); its classes are read from that table only, never "
                    "from the records' headers: write one from them, or give records whose headers carry #Dx codes "
                    "as challenge:ROOT")
    assert not (tmp_path / "out").exists()


def test_train_refuses_a_resume_without_state_and_a_cache_dir_that_is_a_file_before_writing(tmp_path, capsys):
    """Both had come after train wrote OUT/config.json: "--resume: no resume state in OUT/last" (no
    "error:") and "error: AFILE: File exists" (no --cache-dir), each leaving OUT behind."""
    from helpers_training import make_folder

    root, labels = make_folder(tmp_path / "data", n_copies=2)
    afile = tmp_path / "afile"
    afile.write_text("hello")
    out = tmp_path / "run"
    base = ["train", "--data", f"folder:{root}", "--labels", str(labels), "--preset", "tiny", "--epochs", "1",
            "--out", str(out), "--no-progress"]
    cases = [(["--resume", "--cache-dir", str(tmp_path / "cache")], 1,
              f"error: --resume: no resume state in {out / 'last'}"),
             (["--cache-dir", str(afile)], 2, f"error: --cache-dir {afile} is a file, not a folder"),
             (["--cache-dir", str(afile / "sub")], 2,
              f"error: cannot write --cache-dir {afile / 'sub'}: {afile} is a file")]
    for extra, rc, wanted in cases:
        assert main(base + extra) == rc, extra
        assert _one_clean_line(capsys.readouterr().err).startswith(wanted), extra
        assert not out.exists(), extra
    assert afile.read_text() == "hello"


def test_a_device_that_cannot_be_used_is_named_as_the_option(tmp_path, capsys):
    """score, report, robustness and interpretation had said "cannot load the default model: device 'gpu':
    unknown device", as if the model were at fault."""
    record = SAMPLES / "ludb" / "1.hea"
    cases = [(["score", str(SAMPLES / "ludb"), "--out", str(tmp_path / "s.csv"), "--device", "gpu"], 2),
             (["report", str(record), "--out", str(tmp_path / "r.pdf"), "--device", "gpu"], 2),
             (["evaluate", "--model", "default", "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--out", str(tmp_path / "e"),
               "--device", "gpu"], 1)]
    for argv, rc in cases:
        assert main(argv) == rc, argv
        assert _one_clean_line(capsys.readouterr().err) == \
            "error: --device 'gpu': unknown device; use 'auto', 'cpu' or 'cuda'", argv
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, named", [("x.txt", "x.pdf"), ("report", "report.pdf")])
def test_report_refuses_an_out_name_that_is_no_pdf(tmp_path, capsys, name, named):
    """``mirage report --out x.txt`` had written a PDF named x.txt (an editor opens it): the name must end in .pdf,
    as every PDF mirage score --pdf-dir and the app's Export name does; refused with exit 2, nothing written."""
    out = tmp_path / name
    assert main(["report", str(SAMPLES / "ludb" / "1.hea"), "--out", str(out), "--no-model"]) == 2
    assert _one_clean_line(capsys.readouterr().err) == \
        f"error: --out {out}: the report is a PDF; give a name ending in .pdf, e.g. {tmp_path / named}"
    assert list(tmp_path.iterdir()) == []
