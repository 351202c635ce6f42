"""A results file made read-only by its owner (``chmod a-w results.csv``, to keep it) is never replaced:
a resumed or overwriting run had replaced it all the same (a rename replaces a file whatever its mode,
when its folder is writable) and left the new one writable. Truth: the file's bytes and mode, as written
here, after each face's refusal."""

from __future__ import annotations

import os
import stat

import pytest

from mirage_model.review.batch import BatchError, score_folder
from training_cli.main import main

EARLIER = "record_path,record_id,status\n1.hea,1,ok\n"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes as POSIX has them")


def _read_only(path):
    path.write_text(EARLIER, encoding="utf-8")
    path.chmod(0o444)
    return path


def _kept(path):
    return path.read_text(encoding="utf-8") == EARLIER and stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.parametrize("how", [{"resume": True}, {"overwrite": True}])
def test_score_folder_keeps_a_read_only_output(tmp_path, ludb1_copy, how):
    """The library's refusal, which the app's batch dialog shows (resumed or not)."""
    out = _read_only(tmp_path / "results.csv")
    with pytest.raises(BatchError) as refused:      # refused before any model is asked for anything
        score_folder(ludb1_copy, None, out, measure=False, **how)
    assert str(refused.value) == (f"{out}: read-only (no one may write it); it is left as it is: make it writable "
                                  "to resume or replace it, or choose another output file")
    assert _kept(out) and not (tmp_path / ".results.csv.lock").exists()


@pytest.mark.parametrize("option", ["--resume", "--overwrite"])
def test_mirage_score_refuses_a_read_only_out_before_the_model_loads(tmp_path, ludb1_copy, capsys, option):
    out = _read_only(tmp_path / "results.csv")
    # a model that is not there: the refusal comes first, before any model is looked for
    assert main(["score", str(ludb1_copy), "--out", str(out), "--model", str(tmp_path / "none"), option]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"error: {out}: read-only (no one may write it); it is left as it is: make it writable to "
                   "resume or replace it, or choose another output file"), err
    assert _kept(out)
