"""A file a record's header names as one of its signal files is that record's, whatever its extension: PTB
Diagnostic's headers name ``s0010_re.xyz`` as the signal file of the Frank leads vx, vy, vz, and a batch of
PTB had said "3 files not read: 3 .xyz", as though records had been passed over. A .xyz that no header names
stays among the files not read, in ``mirage score`` and the batch dialog alike.

Truth: PTB's own record (tests/data/ptbdb, from PhysioNet), whose header's last three signal lines name
s0010_re.xyz, as wfdb's own reader reads it; the files each test wrote."""

from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest

from helpers_batch import batch_dialog_status, checkpoint, score_listing_not_read  # noqa: F401 - a fixture
from mirage_model.review.batch.inputs import find_inputs

PTB = Path(__file__).resolve().parent / "data" / "ptbdb"
pytestmark = pytest.mark.skipif(not (PTB / "s0010_re.xyz").is_file(), reason="PTB test data not present")


def _rows(text: str) -> int:
    """How many records got a row, scored or failed (``mirage score``'s "scored N, failed M" or the dialog's "Done: N
    scored, M failed"): the records here are short or synthetic, which the quality check may read unscorable."""
    m = re.search(r"scored (\d+), failed (\d+)", text) or re.search(r"Done: (\d+) scored(?:, (\d+) failed)?", text)
    return int(m.group(1)) + int(m.group(2) or 0)


def _folder(root: Path) -> Path:
    """``root`` holding PTB's record s0010_re (.hea, .dat, .xyz), a stray.xyz that no header names, and a
    record of another stem whose header names "frank.xyz" for its Frank leads (``x.hea``)."""
    root.mkdir()
    for f in PTB.glob("s0010_re.*"):
        shutil.copy(f, root / f.name)
    (root / "stray.xyz").write_bytes((PTB / "s0010_re.xyz").read_bytes())
    lines = (PTB / "s0010_re.hea").read_text().splitlines()
    x = [lines[0].replace("s0010_re", "x", 1)]
    x += [ln.replace("s0010_re.dat", "x.dat").replace("s0010_re.xyz", "frank.xyz") for ln in lines[1:]]
    (root / "x.hea").write_text("\n".join(x) + "\n")
    shutil.copy(PTB / "s0010_re.dat", root / "x.dat")
    shutil.copy(PTB / "s0010_re.xyz", root / "frank.xyz")
    return root


def test_wfdb_reads_the_xyz_files_as_their_records_signals(tmp_path):
    wfdb = pytest.importorskip("wfdb")
    folder = _folder(tmp_path / "ptb")
    for name in ("s0010_re", "x"):
        rec = wfdb.rdrecord(str(folder / name))
        assert rec.sig_name[-3:] == ["vx", "vy", "vz"] and rec.p_signal.shape[1] == 15, name
    assert wfdb.rdheader(str(folder / "x")).file_name[-1] == "frank.xyz"


def test_a_file_a_header_names_is_not_counted_as_not_read(tmp_path):
    folder = _folder(tmp_path / "ptb")
    found = find_inputs(folder)
    assert [p.name for p in found[0]] == ["s0010_re.hea", "x.hea"]
    assert found[1] == [] and found[2] == []
    assert [p.name for p in found.not_read] == ["stray.xyz"]
    assert found.annotations == []


def test_one_of_its_stem_that_its_header_does_not_name_is_not_read(tmp_path):
    """The record's header with the Frank leads' lines taken out (and its signal count 15 made 12): its .xyz
    beside it is then no file of the record."""
    folder = tmp_path / "ptb"
    folder.mkdir()
    lines = (PTB / "s0010_re.hea").read_text().splitlines()
    kept = [lines[0].replace(" 15 ", " 12 ", 1)] + [ln for ln in lines[1:] if not ln.startswith("s0010_re.xyz")]
    (folder / "s0010_re.hea").write_text("\n".join(kept) + "\n")
    for ext in (".dat", ".xyz"):
        shutil.copy(PTB / f"s0010_re{ext}", folder)
    found = find_inputs(folder)
    assert [p.name for p in found[0]] == ["s0010_re.hea"]
    assert [p.name for p in found.not_read] == ["s0010_re.xyz"]


def test_mirage_score_counts_only_the_stray_one(tmp_path, checkpoint, capsys):
    out, named = score_listing_not_read(_folder(tmp_path / "ptb"), checkpoint, tmp_path / "scores.csv", capsys,
                                       codes=(0, 1))
    assert _rows(out) == 2, out
    assert "1 file not read: 1 .xyz (no ECG records; named above)" in out, out
    assert named == ["stray.xyz"]


def test_the_batch_dialog_counts_only_the_stray_one(qtbot, tmp_path, checkpoint):
    text, tip = batch_dialog_status(qtbot, _folder(tmp_path / "ptb"), checkpoint, tmp_path / "scores.csv")
    assert _rows(text) == 2 and "1 file not read: 1 .xyz (no ECG records)." in text, text
    assert tip == "Files not read:\nstray.xyz"
