"""The "Batch score folder" dialog's option "Compare each record with the patient's earlier ECG in the folder"
(off by default) is ``mirage score --compare-prior``: its output CSV gets the same serial columns, and the
results table shows them once every record is scored (the rows arrive before the comparison is made).

Truth: the patient IDs and recording dates the records were written with here (a1 then a2 of patient A-1, b1
of B-2 between them, z1 / z2 two people under the placeholder ID "0"), and the output read back with Python's
csv module."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, tiny_model  # noqa: E402,F401 - fixtures

# name: (patient ID, sex, recording date)
SPECS = {"a2": ("A-1", "M", "2021-06-01 10:00:00"), "a1": ("A-1", "M", "2020-01-01 10:00:00"),
         "b1": ("B-2", "F", "2020-06-01 10:00:00"), "z1": ("0", "M", "2019-01-01 10:00:00"),
         "z2": ("0", "F", "2020-01-01 10:00:00")}


@pytest.fixture
def dialog(qtbot, tiny_model, tmp_path):
    from helpers_models import synthetic_record

    from app.dialogs.batch import BatchDialog
    from mirage_model.formats.write import write_record
    from mirage_model.inference import Predictor

    folder = tmp_path / "records"
    for k, (name, (pid, sex, when)) in enumerate(SPECS.items()):
        r = synthetic_record(seed=k, record_id=name)
        r.sex, r.age = sex, 60
        r.meta.update(patient={"id": pid}, acquired=when)
        write_record(r, folder, "wfdb")
    dlg = BatchDialog(None, predictor=Predictor(tiny_model, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    return dlg


def _run(qtbot, dlg, out: Path) -> dict[str, dict]:
    dlg.output.setText(str(out))
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        return {Path(r["record_path"]).stem: r for r in csv.DictReader(fh)}


def test_the_option_writes_the_serial_columns_and_the_table_shows_them(qtbot, dialog, tmp_path):
    from mirage_model.review.batch.priors import FIRST
    from mirage_model.review.batch.rows import SERIAL_COLUMNS

    dlg = dialog
    assert not dlg.compare_prior.isChecked()              # off by default
    plain = _run(qtbot, dlg, tmp_path / "plain.csv")
    assert not set(SERIAL_COLUMNS) & set(next(iter(plain.values())))
    assert "serial_changes" not in dlg.columns

    dlg.compare_prior.setChecked(True)
    rows = _run(qtbot, dlg, tmp_path / "compared.csv")
    assert all(r["status"] == "ok" for r in rows.values()), dlg.status.text()
    # the CSV: the CLI's columns, each record paired with its own patient's earlier ECG only
    assert {k: r["prior_file"] for k, r in rows.items()} == {"a1": "", "a2": "a1.hea", "b1": "", "z1": "", "z2": ""}
    assert rows["a1"]["serial_changes"] == FIRST and rows["a2"]["prior_date"] == "2020-01-01 10:00:00"
    assert "placeholder" in rows["z2"]["serial_changes"]
    # the table: the same words in its serial_changes column, in the row of each record
    assert "serial_changes" in dlg.columns and "prior_file" in dlg.columns
    shown = {}
    for r in range(dlg.table.rowCount()):
        ids = dlg.table.item(r, dlg.columns.index("record_id")).text()
        shown[ids] = {c: dlg.table.item(r, dlg.columns.index(c)).text() for c in SERIAL_COLUMNS}
    assert shown == {k: {c: r[c] for c in SERIAL_COLUMNS} for k, r in rows.items()}
    assert shown["a2"]["serial_changes"] and not shown["a2"]["serial_changes"].startswith("not compared")
    item = dlg.table.item([row["record_id"] for row in dlg.rows].index("a2"), dlg.columns.index("serial_changes"))
    assert item.toolTip() == rows["a2"]["serial_changes"]
    assert "Serial comparison: 1 record compared" in dlg.status.text(), dlg.status.text()


def test_a_resumed_run_says_it_scores_the_kept_records_again(qtbot, dialog, tmp_path):
    """Resumed with the comparison, the dialog scores the records the earlier run kept again after its last row, at
    "N / N records" (132 PTB-XL records: 145 s with nothing said): a note says so, naming how many."""
    from mirage_model.review.batch import score_folder

    out = tmp_path / "out.csv"
    done = []
    stopped = score_folder(Path(dialog.folder.text()), dialog.predictor, out, compare_prior=True, chunk_size=1,
                           progress=lambda n, total, row: done.append(n), cancel=lambda: len(done) >= 2)
    assert stopped.cancelled
    dialog.compare_prior.setChecked(True)
    dialog.resume.setChecked(True)
    rows = _run(qtbot, dialog, out)
    assert len(rows) == len(SPECS) and rows["a2"]["prior_file"] == "a1.hea"
    assert ("Note: serial comparison: scoring again the 2 records kept from the earlier run (the comparison needs "
            "them; their rows stay as they are), about as long as scoring them took.") in dialog._notes, dialog._notes
