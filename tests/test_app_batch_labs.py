"""The "Batch score folder" dialog names the labs-table rows that fit no record when the run
starts: the batch matches the table's rows to the folder's records once, before any record is
scored, but the dialog named them only in its end-of-run notes (hours later on a large folder, and
never for a run cancelled before its end). The end-of-run notes keep the line, once, with the
case / leading-zero hint.

Truth: the table's ids this test wrote ('00417_LR' is the record 00417_lr in other case, '99999'
is none of the folder's two records)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, tiny_model, two_record_folder  # noqa: E402,F401 - fixtures
from helpers_batch import run_batch_dialog  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

SAMPLES = resources_dir() / "samples" / "ptbxl" / "records100"
SAMPLE = SAMPLES / "00000" / "00417_lr.hea"
pytestmark = pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample records not present")
LINE = "2 rows of labs.csv fit no record in this folder and were not used ('00417_LR', '99999')"
HINT = "'00417_LR' differs from the record '00417_lr' only in case or leading zeros"


@pytest.fixture
def folder_and_labs(tmp_path):
    """Two PTB-XL records and a labs table of which two rows fit neither."""
    folder = two_record_folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\n00417_LR,40\n99999,50\n11125_lr,60\n")
    return folder, labs


def test_the_rows_that_fit_no_record_are_named_before_the_first_row(qtbot, tiny_model, tmp_path, folder_and_labs):
    seen: list[str] = []          # the notes when each record's row arrived
    folder, labs = folder_and_labs

    def listen(dlg, worker):
        worker.signals.progress.connect(lambda _d, _t, row: seen.append(dlg.notes.text())
                                        if isinstance(row, dict) else None)

    dlg = run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv", labs=labs, listen=listen)
    assert len(seen) == 2 and LINE in seen[0] and HINT in seen[0], (seen, dlg.status.text())
    assert "2 scored" in dlg.status.text(), dlg.status.text()
    notes = dlg.notes.text()                      # the end-of-run notes as before, the line once
    assert notes.count(LINE) == 1 and HINT in notes, notes
    # the example of a row's id is the folder's own records', as mirage score's warning gives it: the dialog had
    # given a made-up 'siteA/1'
    assert "e.g. '00417_lr' or '11125_lr' (records of the folder)" in notes and "siteA" not in notes, notes
    assert dlg.notes.isVisibleTo(dlg) and "Traceback" not in notes
    assert "00417_LR" in dlg.notes.toolTip() and "99999" in dlg.notes.toolTip()
    r = [row["record_id"] for row in dlg.rows].index("11125_lr")     # the row that fits is used
    assert dlg.rows[r]["age_used"] == 60


def test_a_run_cancelled_before_its_first_row_has_named_them(qtbot, tiny_model, tmp_path, folder_and_labs):
    """Cancelled at its first signal (the labs match, before any record is scored): the run ends
    with no summary, and the notes still name the rows."""
    folder, labs = folder_and_labs

    def listen(dlg, worker):
        # cancelled in the job's own thread as it sends the match (a queued slot ran after the GUI thread got
        # to it, and under load the tiny model had scored a record by then), connected before the job starts
        # (connected after, under load the job had sent the match first and was cancelled at its first row)
        worker.signals.progress.connect(lambda *_a: worker.cancel(), Qt.ConnectionType.DirectConnection)

    dlg = run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv", labs=labs, listen=listen)
    assert dlg.summary is None and dlg.table.rowCount() == 0, dlg.status.text()
    assert "Cancelled" in dlg.status.text(), dlg.status.text()
    assert LINE in dlg.notes.text() and HINT in dlg.notes.text(), dlg.notes.text()


LUDB = resources_dir() / "samples" / "ludb"


@pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")
def test_the_labs_warnings_reach_the_dialog_and_the_window(qtbot, tiny_model, tmp_path):
    """What reading a labs table warns of (censored values read as their limit) and a record whose
    row gives another sex than its ECG header (another patient's row?) went to the CLI's log only: a
    research user batch-scoring from the app saw "Done: 2 scored" and nothing else, and the record
    opened from its row showed the table's troponin "<0,3" as 0.3 with no word on the sex. Now the
    dialog's notes say both (details in the tooltip, the record's id marked), and the window opened
    from the row shows "<0.3" and the warning in the lab form and the message bar.

    Truth: LUDB record 1's header says "#<sex>: F"; the table (';', decimal commas) says M."""
    import re
    import shutil

    from helpers_app import shown_window

    folder = tmp_path / "records"
    folder.mkdir()
    for f in list(LUDB.glob("1.*")) + list(LUDB.glob("14.*")):
        shutil.copy(f, folder / f.name)
    sex = re.search(r"^#<sex>:\s*(\S+)", (LUDB / "1.hea").read_text(), re.M).group(1)
    other = {"F": "M", "M": "F"}[sex]
    labs = tmp_path / "labs.csv"
    # a censored weight, which the tiny model reads, and a censored troponin, which it does not (not said)
    labs.write_text(f"record_id;sex;weight [kg];troponin_t [ng/L]\n1;{other};<40,5;<0,3\n", encoding="utf-8")
    dlg = run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv", labs=labs)
    assert "2 scored" in dlg.status.text(), dlg.status.text()
    notes, tip = dlg.notes.text(), dlg.notes.toolTip()
    assert "labs.csv: 1 censored value read as its limit by the model (line 2, weight [kg]: " \
           "'<40,5' read as 40.5)" in notes, notes
    differs = f"sex {other} in the labs table, {sex} in the header"
    assert (f"labs.csv: 1 record's labs row differs from its ECG header in age or sex and may be another "
            f"patient's; the table's values are used (1.hea: {differs})") in notes, notes
    assert f"1.hea: labs row differs from the ECG header ({differs})" in tip, tip
    r = [row["record_id"] for row in dlg.rows].index("1")
    assert differs in dlg.table.item(r, dlg.columns.index("record_id")).toolTip()
    assert "labs row differs" not in dlg.table.item(1 - r, dlg.columns.index("record_id")).toolTip()

    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(dlg.record_path(r), values=dlg.record_values(r))
    form = window.lab_form
    assert form.raw_values()["troponin_t"] == ("<0.3", "ng/L")
    assert window.session.values["troponin_t"].canonical == pytest.approx(0.3)    # the model's limit
    assert form.warning.isVisibleTo(form) and differs in form.warning.text(), form.warning.text()
    assert differs in window.message_bar.text(), window.message_bar.text()
    # the reviewer corrects the sex to the header's: the warning has nothing left to say
    form.set_value("sex", sex)
    assert window.session.labs_notes == () and not form.warning.isVisibleTo(form)


def test_a_labs_value_left_out_is_said_in_the_dialog(qtbot, tiny_model, tmp_path):
    """A bad value in a column no model of the run reads ('high' for a troponin) is left out of its record's
    row and the record scored: mirage score says so on stderr ("1 labs value left out, no model of the run
    reads it (...)"), but the dialog said nothing of it (only the row's notes held it). Truth: the table this
    test wrote, whose only row gives record 00417_lr a troponin of 'high' (no number); the tiny model reads
    age, sex, height and weight, not troponin."""
    folder = two_record_folder(tmp_path)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age,troponin_t [ng/L]\n00417_lr,40,high\n")
    dlg = run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv", labs=labs)
    assert "2 scored" in dlg.status.text(), dlg.status.text()
    notes = dlg.notes.text()
    assert (f"Warning: 1 labs value left out, no model of the run reads it ({labs}, line 2, column "
            "'troponin_t [ng/L]': troponin_t: 'high' is not a number).") in notes, notes
    assert notes.count("labs value left out") == 1
