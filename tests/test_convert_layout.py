"""``mirage convert`` of a folder keeps its layout: FOLDER/siteA/1.hea is written to OUT/siteA/1.edf, so
that a labs table keyed by the records' paths in the folder (``siteA/1``, README: "A labs table's record
ids") names the converted records too. It had written every output into OUT itself: a second ``1`` became
``1_2``, with no word of where it came from, and the table's rows fitted none of them. Truth: the files
each test puts in its input folder, read by MIRAGE's readers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from mirage_model.clinical.labs_ids import labs_record_id, match_labs_rows
from mirage_model.records import load_record
from training_cli.main import main

pytest.importorskip("ecgdatakit")
pytest.importorskip("edfio")

DATA = Path(__file__).parent / "data"
FORMATS = DATA / "formats"


def _site_folder(root: Path) -> Path:
    """A research export: two sites that both hold a record "1" (a MUSE XML, an SCP-ECG), LUDB 65 one folder
    deeper, and a folder of broken files."""
    src = root / "in"
    for sub in ("siteA", "siteB/2", "broken"):
        (src / sub).mkdir(parents=True)
    shutil.copy(FORMATS / "muse-sinus.xml", src / "siteA" / "1.xml")
    shutil.copy(FORMATS / "Example.scp", src / "siteB" / "1.scp")
    for ext in ("hea", "dat"):
        shutil.copy(DATA / "ludb" / f"65.{ext}", src / "siteB" / "2" / f"65.{ext}")
    (src / "broken" / "empty.hea").write_bytes(b"")
    (src / "broken" / "garbage.dcm").write_bytes(bytes(range(256)) * 8)
    return src


def _within_edf_resolution(written: Path, source: Path) -> None:
    want = load_record(source).signal
    span = max(1.0, float(np.nanmax(np.abs(want))) * 1.001)
    np.testing.assert_allclose(load_record(written).signal, want, atol=span / 65535 + 1e-6)


def test_a_folder_keeps_its_layout_and_its_labs_ids(tmp_path, capsys):
    src = _site_folder(tmp_path)
    out = tmp_path / "out"
    assert main(["convert", str(src), "--to", "edf", str(out)]) == 1          # empty.hea fails, the rest carry on
    std = capsys.readouterr()
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["siteA/1.edf", "siteB/1.edf", "siteB/2/65.edf"]
    _within_edf_resolution(out / "siteA" / "1.edf", FORMATS / "muse-sinus.xml")
    _within_edf_resolution(out / "siteB" / "1.edf", FORMATS / "Example.scp")
    _within_edf_resolution(out / "siteB" / "2" / "65.edf", DATA / "ludb" / "65.hea")
    # the labs table of the input folder fits the converted folder's records, row by row
    rows = ["siteA/1", "siteB/1", "siteB/2/65"]
    match = match_labs_rows(rows, [labs_record_id(out / w, out) for w in written])
    assert match.rows == {r: r for r in rows} and not match.ambiguous and not match.unmatched
    # what went where, one line each; the broken files named, no empty folder left for them
    assert f"{src / 'siteA' / '1.xml'} (GE MUSE XML) -> {out / 'siteA' / '1.edf'}" in std.out
    assert f"-> {out / 'siteB' / '2' / '65.edf'}" in std.out
    assert f"error: {src / 'broken' / 'empty.hea'}: header file is empty" in std.err
    assert f"not an ECG: {src / 'broken' / 'garbage.dcm'}: not an ECG file" in std.err
    assert not (out / "broken").exists()


def test_two_inputs_of_one_name_in_one_folder_say_which_kept_the_name(tmp_path, capsys):
    src = tmp_path / "in" / "v"
    src.mkdir(parents=True)
    shutil.copy(FORMATS / "Example.scp", src / "a.scp")
    shutil.copy(FORMATS / "muse-sinus.xml", src / "a.xml")
    out = tmp_path / "out"
    assert main(["convert", str(tmp_path / "in"), "--to", "wfdb", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(p.name for p in (out / "v").glob("*.hea")) == ["a.hea", "a_2.hea"]
    line = next(x for x in lines if x.startswith(str(src / "a.xml")))
    assert f"-> {out / 'v' / 'a_2.hea'} (numbered: a is {src / 'a.scp'}'s)" in line
    np.testing.assert_allclose(load_record(out / "v" / "a_2.hea").signal,
                               load_record(FORMATS / "muse-sinus.xml").signal, atol=0.0005 + 1e-6)


def test_several_folders_each_under_its_name(tmp_path, capsys):
    src = _site_folder(tmp_path)
    out = tmp_path / "out"
    assert main(["convert", str(src / "siteA"), str(src / "siteB"), str(FORMATS / "waveform_ecg.dcm"),
                 "--to", "wfdb", str(out)]) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.hea"))
    assert written == ["siteA/1.hea", "siteB/1.hea", "siteB/2/65.hea", "waveform_ecg.hea"]


@pytest.mark.parametrize("inside", ["converted", "", "a/b"])
def test_an_output_folder_inside_the_input_folder_is_refused(tmp_path, capsys, inside):
    src = _site_folder(tmp_path)
    out = src / inside if inside else src
    before = sorted(src.rglob("*"))
    assert main(["convert", str(src), "--to", "edf", str(out)]) == 2
    assert f"OUT_DIR {out} is inside the input folder {src}" in capsys.readouterr().err
    assert sorted(src.rglob("*")) == before                  # nothing written, no folder made


def test_an_earlier_runs_outputs_in_the_layout_are_kept_unless_overwrite(tmp_path, capsys):
    src = _site_folder(tmp_path)
    shutil.rmtree(src / "broken")
    out = tmp_path / "out"
    assert main(["convert", str(src), "--to", "edf", str(out)]) == 0
    kept = out / "siteA" / "1.edf"
    kept.write_bytes(kept.read_bytes()[:256])                   # someone's edit of an earlier output
    capsys.readouterr()
    assert main(["convert", str(src), "--to", "edf", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"skipped: {src / 'siteA' / '1.xml'}: 1.edf already in {out / 'siteA'}" in err
    assert "3 of 3 inputs skipped" in err and len(kept.read_bytes()) == 256
    assert main(["convert", str(src), "--to", "edf", str(out), "--overwrite"]) == 0
    _within_edf_resolution(kept, FORMATS / "muse-sinus.xml")
    # a file where an output folder goes fails that input, named, and not the others
    shutil.rmtree(out / "siteB")
    (out / "siteB").write_text("not a folder")
    capsys.readouterr()
    assert main(["convert", str(src), "--to", "edf", str(out), "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert f"error: {src / 'siteB' / '1.scp'}: cannot make its output folder {out / 'siteB'}" in err
    assert "2 of 3 inputs not converted" in err and (out / "siteB").read_text() == "not a folder"


def test_anonymised_outputs_stay_numbered_in_the_output_folder(tmp_path, capsys):
    """A folder's name may be the patient's ("MUELLER_HANS/"): anonymised, no output is put under it."""
    src = _site_folder(tmp_path)
    os.rename(src / "siteA", src / "MUELLER_HANS")
    out = tmp_path / "out"
    main(["convert", str(src), "--to", "edf", str(out), "--anonymise"])
    assert sorted(p.name for p in out.iterdir()) == ["ecg_0001.edf", "ecg_0002.edf", "ecg_0003.edf"]


def test_the_usage_names_one_output_folder_after_the_inputs(capsys):
    """The usage line had read "IN... OUT_DIR [IN... OUT_DIR ...]", as if each input took an output folder of
    its own; the README's synopsis and the command take the inputs, then one OUT_DIR."""
    with pytest.raises(SystemExit):
        main(["convert", "--help"])
    usage = " ".join(capsys.readouterr().out.split("\n\n")[0].split())
    assert usage == ("usage: mirage convert [-h] [-v] --to {wfdb,edf} [--anonymise [--keep-dates]] [--overwrite] "
                     "IN [IN ...] OUT_DIR")
