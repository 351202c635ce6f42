"""One order for a batch's rows: the CSV, the rows as they arrive, the app's batch dialog and the
folder dock all put records in natural order (1, 2, 10, 11: numbers by value), names alike but for
case or a number's leading zeros ("a01", "a1") in text order. The library wrote 1, 10, 11, 2 while
the dialog showed 1, 2, 10, 11. A resumed run onto an output written in the old order keeps its rows
and writes every row in the new one. Truth: the order written out by hand."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.batch import score_folder

LUDB = mm.resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")

NATURAL = ["1.hea", "2.hea", "10.hea", "11.hea", "a01.hea", "a1.hea", "sub2/1.hea", "sub10/1.hea"]
TEXT = sorted(NATURAL)                  # the order the library wrote: 1, 10, 11, 2 ...


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny"), device="cpu")


@pytest.fixture()
def folder(tmp_path) -> Path:
    root = tmp_path / "records"
    text = (LUDB / "1.hea").read_text()
    for rel in NATURAL:
        hea = root / rel
        hea.parent.mkdir(parents=True, exist_ok=True)
        stem = hea.stem
        hea.write_text(f"{stem} " + text.split(" ", 1)[1].replace("1.dat", f"{stem}.dat"))
        shutil.copy(LUDB / "1.dat", hea.with_suffix(".dat"))
    return root


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_rows_are_written_and_handed_on_in_natural_order(folder, predictor, tmp_path):
    assert TEXT[:4] == ["1.hea", "10.hea", "11.hea", "2.hea"]
    out = tmp_path / "out.csv"
    arrived: list[str] = []
    score_folder(folder, predictor, out, measure=False, chunk_size=2,
                 progress=lambda done, total, row: arrived.append(row["record_path"]))
    assert [r["record_path"] for r in _rows(out)] == NATURAL        # before: TEXT
    assert arrived == NATURAL


def test_a_resumed_output_written_in_the_old_order_is_carried_on(folder, predictor, tmp_path):
    """An output of the old order, stopped after its first three records (1, 10, 11): the resumed
    run keeps those rows as they were, scores the other five, and writes all eight in natural order."""
    full = tmp_path / "full.csv"
    score_folder(folder, predictor, full, measure=False)
    by_path = {r["record_path"]: r for r in _rows(full)}
    out = tmp_path / "out.csv"
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.DictWriter(fh, fieldnames=list(_rows(full)[0]))
        w.writeheader()
        w.writerows(by_path[p] for p in TEXT[:3])
    scored: list[str] = []
    summary = score_folder(folder, predictor, out, measure=False, resume=True,
                           progress=lambda done, total, row: scored.append(row["record_path"]))
    assert summary.skipped == 3 and scored == [p for p in NATURAL if p not in TEXT[:3]]
    rows = _rows(out)
    assert [r["record_path"] for r in rows] == NATURAL
    assert [r for r in rows if r["record_path"] in TEXT[:3]] == [by_path[p] for p in NATURAL if p in TEXT[:3]]


def test_the_dialog_shows_rows_in_the_order_of_the_output(qtbot):
    """Rows arriving in any order (a resumed run's table is the file's, then this run's) take the
    output's places; "a01" and "a1", equal by number, had kept their arrival order."""
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None)
    qtbot.addWidget(dlg)
    for rel in reversed(NATURAL):
        dlg._add_row({"record_path": rel, "record_id": Path(rel).stem, "status": "ok"})
    assert [r["record_path"] for r in dlg.rows] == NATURAL
    col = dlg.columns.index("record_path")
    assert [dlg.table.item(r, col).text() for r in range(dlg.table.rowCount())] == NATURAL


def test_pdf_names_are_numbered_in_the_same_order():
    """Names still taken after keeping the suffix get _2, _3 in that order (case aside: a PDF folder
    may be case-insensitive)."""
    from mirage_model.review.batch.rows import pdf_names

    got = pdf_names([Path("x/R10.hea"), Path("x/r10.hea"), Path("x/r9.hea"), Path("x/R9.hea")])
    assert {str(k): str(v) for k, v in got.items()} == {
        "x/R9.hea": "x/R9_hea.pdf", "x/r9.hea": "x/r9_hea_2.pdf",
        "x/R10.hea": "x/R10_hea.pdf", "x/r10.hea": "x/r10_hea_2.pdf"}


def test_a_folder_that_cannot_be_read_has_its_place_in_the_same_order(folder, predictor, tmp_path, qtbot,
                                                                     locked_folders):
    """A folder "sub2/locked/" that cannot be listed (its row ends in "/") and a record "sub2/locked.hea":
    the output and the dialog put them alike (the output sorted the folder by its path without "/")."""
    from app.dialogs.batch import BatchDialog

    text = (LUDB / "1.hea").read_text()
    (folder / "sub2" / "locked.hea").write_text("locked " + text.split(" ", 1)[1].replace("1.dat", "locked.dat"))
    shutil.copy(LUDB / "1.dat", folder / "sub2" / "locked.dat")
    (folder / "sub2" / "locked").mkdir()
    out = tmp_path / "out.csv"
    score_folder(folder, predictor, out, measure=False)
    written = [r["record_path"] for r in _rows(out)]
    assert written.index("sub2/locked.hea") + 1 == written.index("sub2/locked/"), written
    dlg = BatchDialog(None)
    qtbot.addWidget(dlg)
    for row in reversed(_rows(out)):
        dlg._add_row(row)
    assert [r["record_path"] for r in dlg.rows] == written
