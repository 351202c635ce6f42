"""Two folders scored into one output: site B's records resumed onto site A's output, with the
same names. The re-scoring check compared one kept record, the first: where that one is the same
file in both folders, the run kept A's rows for B's other records of the same names and scored
nothing, B's rows holding A's results. It now compares records spread over the output.

Truth: which files this test copied where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import BatchError, score_folder

LUDB = mm.resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled LUDB samples not present")


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def _site(folder: Path, stems: list[str]) -> Path:
    """Records 1, 2, 3 ... copied from the LUDB records ``stems``."""
    folder.mkdir(parents=True)
    for k, stem in enumerate(stems, 1):
        lines = (LUDB / f"{stem}.hea").read_text().splitlines()
        lines = [f"{k}.dat" + ln[len(f"{stem}.dat"):] if ln.startswith(f"{stem}.dat") else ln for ln in lines]
        (folder / f"{k}.hea").write_text("\n".join(lines) + "\n")
        shutil.copy(LUDB / f"{stem}.dat", folder / f"{k}.dat")
    return folder


def test_resuming_another_folders_output_is_refused(tmp_path, predictor):
    a = _site(tmp_path / "siteA", ["1", "1", "14"])
    b = _site(tmp_path / "siteB", ["1", "1", "1"])       # its 1.hea is A's 1.hea; its 3.hea is not A's
    out = tmp_path / "scores.csv"
    score_folder(a, predictor, out, measure=False)
    before = out.read_bytes()
    with pytest.raises(BatchError, match="another folder with records of the same names"):
        score_folder(b, predictor, out, measure=False, resume=True)
    assert out.read_bytes() == before


def test_resuming_its_own_output_still_works(tmp_path, predictor):
    a = _site(tmp_path / "siteA", ["1", "14", "1"])
    out = tmp_path / "scores.csv"
    first = score_folder(a, predictor, out, measure=False)
    assert first.scored == 3
    again = score_folder(a, predictor, out, measure=False, resume=True)
    assert again.skipped == 3 and again.scored == 0
