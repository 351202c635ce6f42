"""An output named as one of the command's own inputs is refused, ``--overwrite`` or not: ``mirage report
REC.hea --out REC.hea --overwrite`` had written the PDF over the recording, and ``mirage compare A B --out A
--overwrite`` its JSON over the predictions it compared."""

from __future__ import annotations

import shutil

import pytest

from mirage_model.paths import resources_dir
from test_cli_errors import _one_clean_line, _predictions
from training_cli.main import main

LUDB = resources_dir() / "samples" / "ludb"


@pytest.fixture
def records(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    return folder


@pytest.mark.parametrize("name, why", [("1.hea", "that is the record being read"),
                                       ("1.dat", "that is a file of the record")])
def test_report_keeps_the_record_it_reads(records, capsys, name, why):
    out = records / name
    assert main(["report", str(records / "1.hea"), "--out", str(out), "--overwrite", "--no-model"]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert f"--out {out}: {why}" in line and "give another --out" in line, line
    assert out.read_bytes() == (LUDB / name).read_bytes()


def test_report_refuses_a_folder_as_its_pdf(records, capsys):
    assert main(["report", str(records / "1.hea"), "--out", str(records), "--no-model"]) == 2
    assert _one_clean_line(capsys.readouterr().err) == f"error: --out {records} is a folder; give a file name"


def test_compare_keeps_the_predictions_it_reads(tmp_path, capsys):
    a = _predictions(tmp_path / "a.csv")
    b = _predictions(tmp_path / "b.csv")
    before = a.read_bytes()
    assert main(["compare", str(a), str(b), "--out", str(a), "--overwrite"]) == 2
    assert "that is an input of this command" in _one_clean_line(capsys.readouterr().err)
    assert a.read_bytes() == before


def test_robustness_keeps_the_records_it_reads(records, capsys):
    out = records / "1.hea"
    assert main(["robustness", "--data", str(records), "--out", str(out), "--overwrite"]) == 2
    assert f"that is a file of the records under {records}" in _one_clean_line(capsys.readouterr().err)
    assert out.read_bytes() == (LUDB / "1.hea").read_bytes()
