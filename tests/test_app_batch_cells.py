"""The batch dialog's results table: a cell cut short by its column ("Sinus rhythm, 83 bpm; ...", a file's
diagnoses, the quality warnings) is read whole on hover, as the error and serial comparison cells are.

Truth: the output CSV read back with Python's csv module, and the table's own font and column widths."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model, two_record_folder  # noqa: E402,F401 - fixtures
from helpers_batch import run_batch_dialog  # noqa: E402


def test_a_cell_cut_by_its_column_is_read_whole_on_hover(qtbot, tiny_model, tmp_path):
    """The two bundled PTB-XL records scored: their interpretation ("Sinus rhythm, 83 bpm; ..."), the model's
    name and the quality codes were cut at the column's 100 px with no way to read them in the dialog (the
    table's tooltip said only "double-click a row"). Each cell whose words are wider than its column now has
    them whole as its tooltip, the CSV's words exactly."""
    folder = two_record_folder(tmp_path)
    out = tmp_path / "scores.csv"
    dlg = run_batch_dialog(qtbot, tiny_model, folder, out)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        written = {r["record_id"]: r for r in csv.DictReader(fh)}

    table, fm = dlg.table, dlg.table.fontMetrics()
    ids = [table.item(r, dlg.columns.index("record_id")).text() for r in range(table.rowCount())]
    cut = []
    for c, key in enumerate(dlg.columns):
        for r, rid in enumerate(ids):
            item = table.item(r, c)
            if item is not None and fm.horizontalAdvance(item.text()) > table.columnWidth(c):
                cut.append((rid, key))
                assert item.toolTip() == written[rid][key], (rid, key, item.toolTip())
    assert ("00417_lr", "interpretation") in cut and ("11125_lr", "interpretation") in cut, cut
