"""``mirage-review FOLDER --export-pdf DIR`` without ``--labs`` says in the terminal which labs it masks.

Session 55's own-data walk: a folder exported with a model that reads laboratory values printed nothing of them,
though each PDF's page 3 said they were masked and ``mirage score`` prints the note before its run. The export now
prints ``mirage score``'s note (``review.labs_table.labs_not_given_note``) once, before its first PDF. Truth: the
features written into the tiny checkpoint (age, crp: crp is no header's value; LUDB's headers give age and sex).
"""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6")

from test_app_labs_table import LUDB, _review  # noqa: E402


def test_an_export_without_a_labs_table_notes_the_labs_it_masks_once(tmp_path):
    from helpers_models import make_tiny_checkpoint

    rec = tmp_path / "rec"
    rec.mkdir()
    for f in [*LUDB.glob("1.*"), *LUDB.glob("14.*")]:
        shutil.copy(f, rec / f.name)
    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "crp"), name="tiny-crp")
    proc = _review(tmp_path, rec, "--model", tiny, "--export-pdf", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note: tiny-crp reads")]
    assert notes == ["note: tiny-crp reads crp; without --labs they are masked as missing"], proc.stderr[-3000:]
    (tmp_path / "labs.csv").write_text("record_id,crp [mg/L]\n1,3.5\n")
    proc = _review(tmp_path, rec, "--model", tiny, "--export-pdf", tmp_path / "out2", "--labs", tmp_path / "labs.csv")
    assert proc.returncode == 0 and "masked as missing" not in proc.stderr, proc.stderr[-3000:]
