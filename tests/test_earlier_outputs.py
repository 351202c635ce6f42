"""The commands that write to ``--out`` refuse, before any work, to replace what an earlier run left
there unless ``--overwrite`` (as train, calibrate, ensemble, convert and evaluate do): robustness,
compare, interpretation and bench had replaced it at their end, without a word."""

from __future__ import annotations

import json

import pytest

from mirage_model.paths import resources_dir
from training_cli.main import main

SAMPLES = resources_dir() / "samples"


def _earlier(folder, names):
    """An earlier run's files in ``folder`` -> their bytes by name."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(f"an earlier run's {name}\n")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _refused(argv, folder, before, names, capsys, given_is_folder=False):
    """``argv`` is refused with exit 2 naming the folder, the files and --overwrite; nothing changed."""
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "give --overwrite to replace" in err and "another --out" in err, err
    assert str(folder if given_is_folder else folder.resolve()) in err, err
    assert "holds an earlier run's " + ", ".join(names) in err, err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_compare(tmp_path, capsys):
    from test_compare import synthetic, write_predictions

    y, good, weak = synthetic(n=60)
    ids = [str(i) for i in range(60)]
    a = write_predictions(tmp_path / "a.csv", ids, good, y)
    b = write_predictions(tmp_path / "b.csv", ids, weak, y)
    out = tmp_path / "cmp" / "result.json"
    before = _earlier(out.parent, ["result.json"])
    argv = ["compare", str(a), str(b), "--bootstrap", "20", "--out", str(out)]
    _refused(argv, out.parent, before, ["result.json"], capsys)
    assert main(argv + ["--overwrite"]) == 0
    assert "macro" in json.loads(out.read_text())


def test_robustness(tmp_path, capsys):
    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "rob" / "table.md"
    before = _earlier(out.parent, ["table.md", "table.csv"])
    argv = ["robustness", "--model", str(ckpt), "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--limit", "1",
            "--perturbations", "lead II zeroed", "--out", str(out), "--no-progress"]
    _refused(argv, out.parent, before, ["table.md", "table.csv"], capsys)
    # only the CSV there: still refused, and only it named
    (out.parent / "table.md").unlink()
    _refused(argv, out.parent, {"table.csv": before["table.csv"]}, ["table.csv"], capsys)
    assert main(argv + ["--overwrite"]) == 0
    assert "Records: 1" in out.read_text() and "an earlier run" not in (out.parent / "table.csv").read_text()


def test_interpretation(tmp_path, capsys):
    out = tmp_path / "interp"
    before = _earlier(out, ["rows.csv", "summary.json"])
    argv = ["interpretation", "--data", f"folder:{tmp_path / 'no_data'}", "--task", "multilabel", "--label", "AFIB",
            "--out", str(out)]
    _refused(argv, out, before, ["rows.csv", "summary.json"], capsys, given_is_folder=True)
    assert main(argv + ["--overwrite"]) != 0             # goes on to the data, which is not there
    assert "earlier run" not in capsys.readouterr().err


@pytest.mark.parametrize("default", [False, True])
def test_bench(tmp_path, capsys, monkeypatch, default):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "bench.json"
    out.write_text('{"machine": {}, "model": "an earlier run\'s", "models": []}')     # a bench output: its keys
    before = _earlier(tmp_path, [])
    argv = ["bench", "--records", str(tmp_path / "no_records")] + ([] if default else ["--out", str(out)])
    _refused(argv, tmp_path, before, ["bench.json"], capsys)
    assert main(argv + ["--overwrite"]) == 2              # goes on to the records, which are not there
    assert "earlier run" not in capsys.readouterr().err


def test_report(tmp_path, capsys):
    pypdf = pytest.importorskip("pypdf")
    record = SAMPLES / "ludb" / "1.hea"
    out = tmp_path / "pdfs" / "r.pdf"
    before = _earlier(out.parent, ["r.pdf"])
    argv = ["report", str(record), "--no-model", "--no-measure", "--out", str(out)]
    _refused(argv, out.parent, before, ["r.pdf"], capsys)
    assert main(argv + ["--overwrite"]) == 0
    assert len(pypdf.PdfReader(str(out)).pages) >= 1


def test_export(tmp_path, capsys):
    """As calibrate and ensemble: an --out holding a model (a shipped one, say) is kept unless --overwrite."""
    from helpers_models import make_tiny_checkpoint

    model = make_tiny_checkpoint(tmp_path / "run" / "model")
    out = tmp_path / "shipped"
    assert main(["export", "--model", str(model), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main(["export", "--model", str(model), "--out", str(out), "--name", "renamed"]) == 1
    err = capsys.readouterr().err
    assert f"error: mirage export --out {out}: holds a model already" in err and "--overwrite" in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert main(["export", "--model", str(model), "--out", str(out), "--name", "renamed", "--overwrite"]) == 0
    assert json.loads((out / "config.json").read_text())["name"] == "renamed"
