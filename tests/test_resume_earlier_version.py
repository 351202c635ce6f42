"""``mirage score --resume`` carries on an output an earlier version wrote, before the columns added since
(``resume.ADDED_SINCE``: in_training ...): its kept rows stay, empty in those columns, their notes and the summary
saying so; a column of another kind (one over, or one lacking that is not among them) or another model is refused
as before. Before, any output lacking a column was refused: a batch started before an upgrade was scored again.

Truth: the output written here by this version with the column taken out (as the earlier version wrote it, and
without the stamps file that version did not write); the model's training records set here (two of the three
records, by their files), so that a new row's in_training is known and a kept row's is not.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from helpers_models import make_tiny_checkpoint
from mirage_model.records.fingerprint import fingerprints_entry
from mirage_model.review.batch.row_stamps import stamps_file_of
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PTBXL = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ptbxl" / "records100"
FIRST, SECOND, LATER = "00417_lr", "04016_lr", "10388_lr"     # LATER is added after the first run


def _copy(folder: Path, stem: str) -> Path:
    folder.mkdir(exist_ok=True)
    for suffix in (".hea", ".dat"):
        shutil.copy(next(PTBXL.rglob(stem + suffix)), folder / (stem + suffix))
    return folder / f"{stem}.hea"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """(a tiny model that keeps FIRST and LATER as its training records, another model, the records' folder)."""
    base = tmp_path_factory.mktemp("resume_earlier")
    keep = base / "keep"
    trained = make_tiny_checkpoint(base / "trained", name="tiny-trained")
    config = json.loads((trained / "config.json").read_text())
    config["provenance"]["training_records"] = fingerprints_entry(
        {"train": [_copy(keep, FIRST), _copy(keep, LATER)], "val": []})
    (trained / "config.json").write_text(json.dumps(config))
    return trained, make_tiny_checkpoint(base / "other", name="tiny-other", seed=1)


def _run(folder, model, out, *extra) -> int:
    return main(["score", str(folder), "--model", str(model), "--out", str(out), "--no-progress", "--no-measure",
                 "--statements-model", "none", *extra])


def _read(out: Path, fmt: str) -> tuple[list[str], list[dict]]:
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        return list(rows[0]), rows
    text = out.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(text.splitlines(), delimiter=";" if text.startswith("record_path;") else ",")
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _as_earlier(out: Path, fmt: str, drop=("in_training",), add: str = "") -> None:
    """``out`` as a version before ``drop`` were written: those columns taken out (``add``: a column put in after
    record_id), its stamps file gone (that version wrote none)."""
    cols, rows = _read(out, fmt)
    cols = [c for c in cols if c not in drop]
    if add:
        cols.insert(2, add)
    if fmt == "jsonl":
        out.write_text("".join(json.dumps({c: r.get(c, "x") for c in cols}) + "\n" for r in rows), encoding="utf-8")
    else:
        text = out.read_text(encoding="utf-8-sig")
        sep = ";" if text.startswith("record_path;") else ","
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.DictWriter(fh, cols, delimiter=sep, extrasaction="ignore", restval="x")
            writer.writeheader()
            writer.writerows(rows)
    stamps_file_of(out).unlink()


def _scored_before(tmp_path, model, fmt, *extra) -> tuple[Path, Path]:
    folder = tmp_path / "records"
    _copy(folder, FIRST)
    _copy(folder, SECOND)
    out = tmp_path / f"scores.{fmt}"
    assert _run(folder, model, out, *extra) == 0
    return folder, out


@pytest.mark.parametrize("fmt, extra", [("csv", ()), ("csv", ("--csv-dialect", "excel-eu")),
                                        ("jsonl", ("--format", "jsonl"))])
def test_an_output_without_in_training_is_resumed_and_says_so(models, tmp_path, capsys, fmt, extra):
    trained, _ = models
    folder, out = _scored_before(tmp_path, trained, fmt, *extra)
    _, first = _read(out, fmt)
    empty = None if fmt == "jsonl" else ""
    assert {r["record_id"]: r["in_training"] for r in first} == {FIRST: "train", SECOND: empty}
    _as_earlier(out, fmt)
    _copy(folder, LATER)
    capsys.readouterr()
    assert _run(folder, trained, out, "--resume", *extra) == 0
    cols, rows = _read(out, fmt)
    assert cols.index("in_training") == cols.index("model") + 1             # the output has it now
    by_id = {r["record_id"]: r for r in rows}
    assert sorted(by_id) == [FIRST, SECOND, LATER] and all(r["status"] == "ok" for r in rows)
    # the kept rows: no value, though FIRST is a training record; the new row's is known
    assert [by_id[k]["in_training"] for k in (FIRST, SECOND, LATER)] == [empty, empty, "train"]
    for k in (FIRST, SECOND):
        assert by_id[k]["notes"].endswith("kept from an earlier version: no in_training value"), by_id[k]["notes"]
    assert "kept from an earlier version" not in str(by_id[LATER]["notes"] or "")
    err = capsys.readouterr().err
    assert ("note: 2 kept rows from an earlier version have no in_training value (a column added since: empty "
            "there is not known") in err, err
    # resumed again, the rows say it still (the output now has the column)
    assert _run(folder, trained, out, "--resume", *extra) == 0
    assert "2 kept rows from an earlier version have no in_training value" in capsys.readouterr().err


def test_a_model_that_keeps_no_fingerprints_marks_no_kept_row(models, tmp_path, capsys):
    _, other = models
    folder, out = _scored_before(tmp_path, other, "csv")
    _as_earlier(out, "csv")
    _copy(folder, LATER)
    capsys.readouterr()
    assert _run(folder, other, out, "--resume") == 0
    _, rows = _read(out, "csv")
    assert len(rows) == 3 and all(r["in_training"] == "" for r in rows)   # empty in every row: nothing unknown
    assert not any("earlier version" in r["notes"] for r in rows)
    assert "earlier version" not in capsys.readouterr().err


@pytest.mark.parametrize("fmt, extra", [("csv", ()), ("jsonl", ("--format", "jsonl"))])
def test_an_unknown_column_or_another_model_is_still_refused(models, tmp_path, capsys, fmt, extra):
    trained, other = models
    folder, out = _scored_before(tmp_path, trained, fmt, *extra)
    _as_earlier(out, fmt, add="ward")
    before = out.read_bytes()
    capsys.readouterr()
    assert _run(folder, trained, out, "--resume", *extra) != 0
    err = capsys.readouterr().err
    assert ("cannot resume: it lacks the column in_training, which this run writes; it has the column ward, which "
            "this run does not write") in err, err
    assert out.read_bytes() == before
    # without the unknown column: the columns of an earlier version, but another model's rows
    (tmp_path / "b").mkdir()
    folder, out = _scored_before(tmp_path / "b", other, fmt, *extra)
    _as_earlier(out, fmt)
    before = out.read_bytes()
    assert _run(folder, trained, out, "--resume", *extra) != 0
    err = capsys.readouterr().err
    assert "cannot resume: its rows were scored with the model 'tiny-other'" in err, err
    assert out.read_bytes() == before
