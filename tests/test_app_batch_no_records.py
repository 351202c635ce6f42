"""The batch dialog run on a folder holding no record, only what MIRAGE wrote there: it had ended "Done: 0
scored. Results in ... 5 files MIRAGE wrote (0.pdf, 1.pdf, 2.pdf, .results.csv.lock ...) not scored.", as though
the folder had been scored; it now says what ``mirage score`` says of it (tests/test_batch_no_records.py), and,
as mirage score, writes no output (it had written a results CSV of its header line alone).

Truth: the files the test wrote."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from helpers_batch import run_batch_dialog  # noqa: E402
from test_batch_no_records import mirage_outputs  # noqa: E402


def _end_text(qtbot, model, folder, out) -> str:
    return run_batch_dialog(qtbot, model, folder, out).status.text()


def test_the_dialog_says_the_folder_holds_only_mirages_outputs(qtbot, tiny_model, tmp_path):
    folder = mirage_outputs(tmp_path / "f")
    assert _end_text(qtbot, tiny_model, folder, tmp_path / "scores.csv") == (
        f"No ECG records (.hea headers or clinical ECG files) found under {folder}: it holds only MIRAGE's own "
        "outputs (results.csv, 3 PDF reports, 1 lock file).")


def test_the_dialog_counts_the_other_files_apart(qtbot, tiny_model, tmp_path):
    folder = mirage_outputs(tmp_path / "f")
    (folder / "ward.txt").write_text("not an ECG")
    assert _end_text(qtbot, tiny_model, folder, tmp_path / "scores.csv") == (
        f"No ECG records (.hea headers or clinical ECG files) found under {folder}; 1 file not read: 1 .txt (no ECG "
        "records); MIRAGE's own outputs: results.csv, 3 PDF reports, 1 lock file.")


# what mirage score says of each folder (tests/test_batch_no_records.py), worked out from the files written
NO_RECORDS = "No ECG records (.hea headers or clinical ECG files) found under {}"


@pytest.mark.parametrize("files, said, tip", [
    ({}, "", ""),
    # LUDB's annotation files without their record: no record beside them, so files not read
    ({"1.i": b"\x01\x08\x00\x00", "1.ii": b"\x01\x08\x00\x00"}, "; 2 files not read: 1 .i, 1 .ii (no ECG records)",
     "Files not read:\n1.i\n1.ii"),
    ({"bill.xml": b'<?xml version="1.0"?><invoice><total>3</total></invoice>'},
     "; 1 file(s) with an ECG extension are no ECG MIRAGE reads: bill.xml", ""),
])
def test_a_folder_of_no_records_writes_no_output(qtbot, tiny_model, tmp_path, files, said, tip):
    """The dialog had written a results CSV of its header line alone (and of a not-ECG row) where ``mirage score``
    writes nothing and says why; now it writes nothing either, and says what mirage score says."""
    folder = tmp_path / "f"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    out = tmp_path / "scores.csv"
    dlg = run_batch_dialog(qtbot, tiny_model, folder, out)
    assert dlg.status.text() == NO_RECORDS.format(folder) + said + "."
    assert dlg.status.toolTip() == tip
    assert not out.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(files)


def test_the_only_mirage_outputs_folder_gets_no_output_either(qtbot, tiny_model, tmp_path):
    folder = mirage_outputs(tmp_path / "f")
    _end_text(qtbot, tiny_model, folder, tmp_path / "scores.csv")
    assert not (tmp_path / "scores.csv").exists()
