"""``mirage score --resume`` (and the batch dialog's Resume) keeps the rows an earlier run wrote: not those of a
record rewritten on disk since (LUDB 1's files given LUDB 14's content in place, sizes and times kept), whose row is
of what it held then. The resume is refused, naming it; without a change it goes on. The check that re-scores a
few kept records (the first, the last, the middle: ``resume.check_kept``) had caught it only where the record was one
of them. Truth: the output's own rows (LUDB 1: 51, F) against the file's header now (LUDB 14's: 50, M)."""

from __future__ import annotations

import csv
import os
import time

import pytest

import mirage_model as mm
from helpers_stale import LUDB, fourteen_over_one, ludb_pair
from mirage_model.review.batch.row_stamps import stamps_file_of
from mirage_model.review.batch import BatchError, score_folder


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


def _rows(path) -> dict:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return {r["record_path"]: r for r in csv.DictReader(fh)}


def _copies(folder, names) -> None:
    """LUDB 14 under each of ``names`` in ``folder`` (its header's record and signal file renamed)."""
    lines = (LUDB / "14.hea").read_text().splitlines()
    for name in names:
        head = [f"{name} " + lines[0].split(" ", 1)[1]]
        head += [line.replace("14.dat", f"{name}.dat", 1) for line in lines[1:]]
        (folder / f"{name}.hea").write_text("\n".join(head) + "\n")
        (folder / f"{name}.dat").write_bytes((LUDB / "14.dat").read_bytes())


def test_a_resume_is_refused_where_a_kept_record_was_rewritten_since(predictor, tmp_path):
    folder = ludb_pair(tmp_path / "records")
    _copies(folder, ("0", "20", "21"))          # 0, 1, 14, 20, 21: 1 is none of the records the check re-scores
    out = tmp_path / "out.csv"
    score_folder(folder, predictor, out, measure=False)
    assert _rows(out)["1.hea"]["age_used"] == "51.0"
    again = score_folder(folder, predictor, out, measure=False, resume=True)     # nothing changed: resumed
    assert again.skipped == 5 and again.scored == 0
    time.sleep(0.02)
    fourteen_over_one(folder)
    with pytest.raises(BatchError) as err:
        score_folder(folder, predictor, out, measure=False, resume=True)
    assert str(err.value).startswith(f"{out}: cannot resume: 1 of the records it holds rows of changed on disk since "
                                     "their rows were scored (1.hea), and a resumed run would keep their rows"), \
        str(err.value)
    assert _rows(out)["1.hea"]["age_used"] == "51.0"                                # the output left as it was
    score_folder(folder, predictor, out, measure=False, overwrite=True)
    assert _rows(out)["1.hea"]["age_used"] == "50.0" and _rows(out)["1.hea"]["sex_used"] == "M"


def test_a_record_rewritten_after_its_row_but_before_the_last_save_is_found(predictor, tmp_path):
    """LUDB 1 rewritten in place (LUDB 14's content) while the run goes on, once its row (51, F) is made: the output's
    last save comes after the rewrite, so the files' times are earlier than the output's, and only the stamps taken
    as the run started tell."""
    folder = ludb_pair(tmp_path / "records")
    _copies(folder, ("0", "20", "21"))
    out = tmp_path / "out.csv"

    def progress(done, total, row):
        if row.get("record_path") == "1.hea":
            fourteen_over_one(folder)

    score_folder(folder, predictor, out, measure=False, progress=progress)
    assert _rows(out)["1.hea"]["age_used"] == "51.0"
    assert os.stat(out).st_mtime_ns >= os.stat(folder / "1.dat").st_ctime_ns       # saved after the rewrite
    with pytest.raises(BatchError) as err:
        score_folder(folder, predictor, out, measure=False, resume=True)
    assert "1 of the records it holds rows of changed on disk since their rows were scored (1.hea)" in str(err.value)


def test_an_output_whose_times_say_otherwise_resumes_when_nothing_changed(predictor, tmp_path):
    """The records on a share whose clock runs an hour ahead (their modification times later than the output's), the
    output's own time set back to 2020 and forward to 2040 (``touch``), made read-only and writable again (``chmod``):
    nothing was rewritten, so the resume keeps all 5 rows. An output without its stamps file (an older version's) is
    checked as before: by the output's modification time."""
    folder = ludb_pair(tmp_path / "records")
    _copies(folder, ("0", "20", "21"))
    ahead = time.time_ns() + 3600 * 10**9
    for f in folder.iterdir():
        os.utime(f, ns=(ahead, ahead))
    out = tmp_path / "out.csv"
    score_folder(folder, predictor, out, measure=False)
    for when in (1_577_836_800 * 10**9, 2_208_988_800 * 10**9):          # 2020-01-01, 2040-01-01
        os.utime(out, ns=(when, when))
        os.chmod(out, 0o444)
        os.chmod(out, 0o644)
        again = score_folder(folder, predictor, out, measure=False, resume=True)
        assert again.skipped == 5 and again.scored == 0
    os.remove(stamps_file_of(out))
    with pytest.raises(BatchError, match="changed on disk since it was written"):   # as before: times ahead
        score_folder(folder, predictor, out, measure=False, resume=True)
