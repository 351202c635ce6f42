"""An output named as one of the command's own inputs is refused, ``--overwrite`` or not: ``mirage report
REC.hea --out REC.hea --overwrite`` had written the PDF over the recording, and ``mirage compare A B --out A
--overwrite`` its JSON over the predictions it compared."""

from __future__ import annotations

import pytest

from mirage_model.paths import resources_dir
from test_cli_errors import _one_clean_line, _predictions
from training_cli.main import main

LUDB = resources_dir() / "samples" / "ludb"


@pytest.mark.parametrize("name, why", [("1.hea", "that is the record being read"),
                                       ("1.dat", "that is a file of the record")])
def test_report_keeps_the_record_it_reads(ludb1_copy, capsys, name, why):
    out = ludb1_copy / name
    assert main(["report", str(ludb1_copy / "1.hea"), "--out", str(out), "--overwrite", "--no-model"]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert f"--out {out}: {why}" in line and "give another --out" in line, line
    assert out.read_bytes() == (LUDB / name).read_bytes()


def test_report_refuses_a_folder_as_its_pdf(ludb1_copy, capsys):
    assert main(["report", str(ludb1_copy / "1.hea"), "--out", str(ludb1_copy), "--no-model"]) == 2
    assert _one_clean_line(capsys.readouterr().err) == f"error: --out {ludb1_copy} is a folder; give a file name"


def test_compare_keeps_the_predictions_it_reads(tmp_path, capsys):
    a = _predictions(tmp_path / "a.csv")
    b = _predictions(tmp_path / "b.csv")
    before = a.read_bytes()
    assert main(["compare", str(a), str(b), "--out", str(a), "--overwrite"]) == 2
    assert "that is an input of this command" in _one_clean_line(capsys.readouterr().err)
    assert a.read_bytes() == before


def test_robustness_keeps_the_records_it_reads(ludb1_copy, capsys):
    out = ludb1_copy / "1.hea"
    assert main(["robustness", "--data", str(ludb1_copy), "--out", str(out), "--overwrite"]) == 2
    assert f"that is a file of the records under {ludb1_copy}" in _one_clean_line(capsys.readouterr().err)
    assert out.read_bytes() == (LUDB / "1.hea").read_bytes()


def _model_files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("command", ["export", "calibrate", "ensemble"])
@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_a_command_that_writes_a_model_keeps_the_model_it_reads(tmp_path, capsys, command, overwrite):
    """``mirage calibrate --model X --out X --overwrite`` replaced the model it read at its end (warned only
    without --overwrite, as "holds a model already (an earlier run's, or the model being read)"), and
    ``mirage export`` and ``mirage ensemble`` likewise: an --out that is a model the command reads is
    refused, --overwrite or not, before any work, in the words of the other commands' inputs."""
    from helpers_models import make_tiny_checkpoint

    model = make_tiny_checkpoint(tmp_path / "run" / "model")
    other = make_tiny_checkpoint(tmp_path / "other", seed=1)
    before = _model_files(model)
    data = ["--data", f"ptbxl:{tmp_path / 'nowhere'}"]      # refused before the data are looked for
    argv = {"export": ["export", "--model", str(model)],
            "calibrate": ["calibrate", "--model", str(model), *data],
            "ensemble": ["ensemble", str(other), f"{model}", *data]}[command]
    given = tmp_path / "run" / "." / "model"                # the same folder, spelt otherwise
    assert main([*argv, "--out", str(given), *overwrite]) == 1
    line = _one_clean_line(capsys.readouterr().err)
    named = f"--model {model}" if command != "ensemble" else str(model)
    assert line == (f"error: mirage {command} --out {given}: that is the model being read ({named}); it is never "
                    "replaced, --overwrite or not: give another --out"), line
    assert _model_files(model) == before


def test_export_says_whose_out_is_a_file_and_which_model_is_missing(tmp_path, capsys):
    """``mirage export``'s --out that is a file had said "error: --out F is a file, not a folder" (no
    command, nothing to give), and a missing --model "error: M: no such checkpoint (...)" (no option)."""
    from helpers_models import make_tiny_checkpoint

    model = make_tiny_checkpoint(tmp_path / "model")
    afile = tmp_path / "afile"
    afile.write_text("hello")
    assert main(["export", "--model", str(model), "--out", str(afile)]) == 2
    assert _one_clean_line(capsys.readouterr().err) == (
        f"error: mirage export --out {afile}: a file, not a folder; the model is written as a folder "
        "(config.json, model.safetensors): give a folder's name")
    assert afile.read_text() == "hello"
    missing = tmp_path / "modle"
    assert main(["export", "--model", str(missing), "--out", str(tmp_path / "out")]) == 1
    line = _one_clean_line(capsys.readouterr().err)
    assert line.startswith(f"error: mirage export --model {missing}: no such checkpoint (expected a folder with "
                           "config.json and model.safetensors"), line
    assert not (tmp_path / "out").exists()


def test_train_keeps_the_model_it_starts_from(tmp_path, capsys):
    """``mirage train --init-from OUT/model --out OUT --overwrite`` set OUT/model aside before reading it
    (then "no such checkpoint" of the model the user named): refused as the other commands' inputs are."""
    from helpers_models import make_tiny_checkpoint

    out = tmp_path / "run"
    model = make_tiny_checkpoint(out / "model")
    before = _model_files(model)
    assert main(["train", "--data", f"ptbxl:{tmp_path / 'nowhere'}", "--out", str(out), "--init-from", str(model),
                 "--overwrite"]) == 1
    line = _one_clean_line(capsys.readouterr().err)
    assert line == (f"error: mirage train --out {out}: {model} is the model being read (--init-from {model}); it "
                    "is never replaced, --overwrite or not: give another --out, or copy the model elsewhere first")
    assert _model_files(model) == before and sorted(p.name for p in out.iterdir()) == ["model"]


@pytest.mark.parametrize("init_from", [False, True])
@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_train_refuses_a_model_folder_as_its_run_folder(tmp_path, capsys, init_from, overwrite):
    """``mirage train --out RUN/model`` (the model's folder given for the run's) wrote the run's config.json
    over the model's, leaving model.safetensors without the config that rebuilds it: the model was lost
    without a word, and with ``--init-from RUN/model`` too ("--init-from RUN/model/config.json: missing
    fields" once it was gone). Refused, --overwrite or not, before any data is read."""
    from helpers_models import make_tiny_checkpoint

    model = make_tiny_checkpoint(tmp_path / "run" / "model")
    before = _model_files(model)
    argv = ["train", "--data", f"ptbxl:{tmp_path / 'nowhere'}", "--out", str(model), *overwrite]
    assert main([*argv, *(["--init-from", str(model)] if init_from else [])]) == 1
    assert _one_clean_line(capsys.readouterr().err) == (
        f"error: mirage train --out {model}: holds a model (config.json, model.safetensors), not a training run's "
        "folder: the run would write its own config.json over the model's. It is never replaced, --overwrite or "
        "not: give the run's folder (its model is written in OUT/model) or another --out")
    assert _model_files(model) == before
