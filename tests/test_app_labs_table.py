"""File > Open labs table... (and ``mirage-review RECORD --labs TABLE``): each record opened gets its
row of the table, read and matched as ``mirage score --labs`` reads it, with the source "table".

Had been: a labs table reached the review window only through the Batch dialog; every lab value of a
record opened on its own, or stepped to with Ctrl+PgDown, was typed by hand.

Truth: the table each test writes (its rows' values, its bad cell on line 2), and the bundled records'
own headers read as text (the PTB-XL samples give no age or sex; LUDB 1's header says 51 and F).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from helpers_lab_form import type_over  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

PTBXL = resources_dir() / "samples" / "ptbxl" / "records100"
LUDB = resources_dir() / "samples" / "ludb"
A, B, C = "00417_lr", "04016_lr", "10388_lr"
# A's row has a bad CRP (line 2); B's is whole; C has none
TABLE = "record_id,age,sex,weight [kg],crp [mg/L]\n00417_lr,63,F,71,abc\n04016_lr,45,M,88,3.5\n"
pytestmark = pytest.mark.skipif(not (PTBXL / "00000" / f"{A}.hea").is_file(), reason="bundled samples not present")


@pytest.fixture
def folder(tmp_path) -> Path:
    """``tmp_path/records``: the PTB-XL samples A, B and C (headers of no age or sex), and ``tmp_path/labs.csv``."""
    out = tmp_path / "records"
    out.mkdir()
    for hea in PTBXL.glob("*/*.hea"):
        if hea.stem in (A, B, C):
            shutil.copy(hea, out)
            shutil.copy(hea.with_suffix(".dat"), out)
    for hea in out.glob("*.hea"):
        assert "#" not in hea.read_text()          # no age, sex or other value of the file's own
    (tmp_path / "labs.csv").write_text(TABLE)
    return out


def _open(qtbot, window, path) -> None:
    window.open_record(path)
    qtbot.waitUntil(lambda: window.session.record is not None, timeout=WAIT_MS)


def _open_table(qtbot, window, path) -> None:
    """File > Open labs table's job, waited for."""
    window.open_labs_table(path)
    qtbot.waitUntil(lambda: window.labs_worker is None, timeout=WAIT_MS)


def _shown(window) -> dict:
    """name -> (the field's text, its From column) for every row of the lab form that shows a value."""
    form = window.lab_form
    return {n: (form.raw_values()[n][0], form._rows[n].source.text()) for n in form.raw_values()}


def test_the_table_finds_each_records_row_as_a_batch_does(folder):
    from mirage_model.review.labs_table import LabsTable

    table = LabsTable.read(folder.parent / "labs.csv")
    a = table.row_for(folder / f"{A}.hea")
    assert a.values == {"age": (63.0, None), "sex": (0.0, None), "weight": (71.0, "kg")}
    assert a.line == f"row '{A}' of labs.csv"
    # the bad cell left out, named as the batch names it: the file, its line and column, the problem
    assert len(a.notes) == 1 and "labs.csv, line 2, column 'crp [mg/L]'" in a.notes[0] \
        and "'abc' is not a number" in a.notes[0], a.notes
    b = table.row_for(folder / f"{B}.hea")
    assert b.values["crp"] == (3.5, "mg/L") and b.values["age"] == (45.0, None) and not b.notes
    c = table.row_for(folder / f"{C}.hea")
    assert c.values == {} and c.line == f"no row for record {C} in labs.csv" and not c.notes


def test_a_stem_row_that_fits_two_records_of_the_folder_fits_neither(tmp_path):
    """siteA/1 and siteB/1 under the folder the browser lists: the row "1" is either's, so neither gets it."""
    from mirage_model.review.labs_table import LabsTable

    records = []
    for site in ("siteA", "siteB"):
        (tmp_path / site).mkdir()
        for suffix in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{suffix}", tmp_path / site / f"1{suffix}")
        records.append(tmp_path / site / "1.hea")
    (tmp_path / "labs.csv").write_text("record_id,weight\n1,70\n")
    row = LabsTable.read(tmp_path / "labs.csv").row_for(records[0], tmp_path, records)
    assert row.values == {} and "fits 2 records" in row.notes[0], row


def test_a_record_on_two_rows_gets_neither_and_the_form_says_why(tmp_path):
    """A repeated draw (two rows of one id, lines 2 and 3): as in a batch, the record's row is refused, naming both."""
    from mirage_model.review.labs_table import LabsTable

    (tmp_path / "labs.csv").write_text("record_id,weight\n1,70\n1,80\n14,90\n")
    table = LabsTable.read(tmp_path / "labs.csv")
    row = table.row_for(LUDB / "1.hea")
    assert row.values == {} and row.line == "row '1' of labs.csv refused", row
    assert row.notes == ("labs row refused: labs.csv, line 3, column 'record_id': record id '1' appears twice "
                         "(also on line 2)",)
    assert table.row_for(LUDB / "14.hea").values == {"weight": (90.0, None)}


def test_next_record_gets_its_own_row_and_one_without_a_row_an_empty_form(qtbot, folder):
    window = shown_window(qtbot)
    _open_table(qtbot, window, folder.parent / "labs.csv")
    assert "Close labs &table labs.csv" == window.close_labs_action.text() and window.close_labs_action.isEnabled()
    window.open_folder(folder)
    qtbot.waitUntil(lambda: len(window.browser.paths) == 3, timeout=WAIT_MS)
    _open(qtbot, window, folder / f"{A}.hea")
    assert _shown(window) == {"age": ("63", "table"), "sex": ("F", "table"), "weight": ("71", "table")}
    assert window.lab_form.table_line.text() == f"Labs table: row '{A}' of labs.csv."
    warning = window.lab_form.warning.text()
    assert "line 2, column 'crp [mg/L]'" in warning and "'abc' is not a number" in warning, warning
    assert "line 2, column 'crp [mg/L]'" in window.message_bar.text()

    assert window.step_record(1)                   # Ctrl+PgDown
    qtbot.waitUntil(lambda: window.session.record is not None and window.session.record_id == B, timeout=WAIT_MS)
    assert _shown(window) == {"age": ("45", "table"), "sex": ("M", "table"), "weight": ("88", "table"),
                              "crp": ("3.5", "table")}
    assert window.lab_form.table_line.text() == f"Labs table: row '{B}' of labs.csv."
    assert not window.lab_form.warning.isVisibleTo(window.lab_form)     # A's bad cell is not B's

    assert window.step_record(1)
    qtbot.waitUntil(lambda: window.session.record is not None and window.session.record_id == C, timeout=WAIT_MS)
    assert _shown(window) == {} and window.session.values == {}
    assert window.lab_form.table_line.text() == f"Labs table: no row for record {C} in labs.csv."


def test_a_record_without_a_row_after_one_with_keeps_nothing_of_it(qtbot, folder):
    """Patient safety: A's row on screen, then C (no row) opened directly: not one of A's values stays."""
    window = shown_window(qtbot)
    _open_table(qtbot, window, folder.parent / "labs.csv")
    _open(qtbot, window, folder / f"{A}.hea")
    assert window.lab_form.editor("age").text() == "63"
    _open(qtbot, window, folder / f"{C}.hea")
    form = window.lab_form
    assert form.raw_values() == {} and window.session.values == {}
    assert all(not form._rows[n].source.text() for n in form.features())
    assert not form.warning.isVisibleTo(form) and form.table_line.text().startswith("Labs table: no row for record")


def test_a_typed_value_wins_and_stays_with_its_own_record(qtbot, folder):
    window = shown_window(qtbot)
    _open_table(qtbot, window, folder.parent / "labs.csv")
    _open(qtbot, window, folder / f"{A}.hea")
    type_over(qtbot, window.lab_form.editor("weight"), "75")
    assert window.session.values["weight"].canonical == 75 and window.session.source("weight") == "user"
    assert window.lab_form._rows["weight"].source.text() == "user"
    _open(qtbot, window, folder / f"{B}.hea")
    assert _shown(window)["weight"] == ("88", "table")
    _open(qtbot, window, folder / f"{A}.hea")         # A again: its row, the 75 typed before is gone with its review
    assert _shown(window)["weight"] == ("71", "table")


def test_a_table_opened_over_a_record_fills_it_but_leaves_what_was_typed(qtbot, folder):
    window = shown_window(qtbot)
    _open(qtbot, window, folder / f"{B}.hea")
    type_over(qtbot, window.lab_form.editor("age"), "50")
    _open_table(qtbot, window, folder.parent / "labs.csv")
    shown = _shown(window)
    assert shown["age"] == ("50", "user") and shown["crp"] == ("3.5", "table") and shown["sex"] == ("M", "table")
    assert window.session.labs_table == f"row '{B}' of labs.csv"


def test_closing_the_table_takes_its_values_and_gives_the_files_back(qtbot, tmp_path):
    """LUDB 1's header says age 51, sex F; the table 60 and weight 64. Closed: 51 from the file, no weight,
    and the next record opened gets nothing of the table."""
    for rid in ("1", "14"):
        for suffix in (".hea", ".dat"):
            shutil.copy(LUDB / f"{rid}{suffix}", tmp_path / f"{rid}{suffix}")
    header = (tmp_path / "1.hea").read_text()
    assert "#<age>: 51" in header and "#<sex>: F" in header
    (tmp_path / "labs.csv").write_text("record_id,age,weight\n1,60,64\n14,40,90\n")
    window = shown_window(qtbot)
    _open_table(qtbot, window, tmp_path / "labs.csv")
    _open(qtbot, window, tmp_path / "1.hea")
    assert _shown(window) == {"age": ("60", "table"), "sex": ("F", "file"), "weight": ("64", "table")}
    window.close_labs_action.trigger()
    assert _shown(window) == {"age": ("51", "file"), "sex": ("F", "file")}
    assert not window.lab_form.table_line.isVisibleTo(window.lab_form) and not window.close_labs_action.isEnabled()
    _open(qtbot, window, tmp_path / "14.hea")
    assert {n: s for n, (_, s) in _shown(window).items()} == {"age": "file", "sex": "file"}


def test_a_table_that_cannot_be_read_is_said_and_the_open_one_stays(qtbot, folder, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,troponine\n1,5\n")
    window = shown_window(qtbot)
    _open_table(qtbot, window, folder.parent / "labs.csv")
    _open_table(qtbot, window, bad)
    text = window.message_bar.text()
    assert text.startswith("Labs table not opened: ") and "bad.csv" in text and "troponine" in text, text
    assert window.labs_table.name == "labs.csv"


def test_the_command_line_flag_names_the_table():
    from app.main import get_args_parser

    args = get_args_parser().parse_args(["rec.hea", "--labs", "labs.csv"])
    assert args.labs == Path("labs.csv")


def _review(tmp_path, *args):
    """``mirage-review ARGS`` offscreen in a subprocess, with its own settings and home (as test_app_cli runs it)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               HOME=str(tmp_path / "home"), MIRAGE_STATEMENTS_MODEL="none", PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-m", "app.main", *map(str, args)], env=env, cwd=root,
                          capture_output=True, text=True, timeout=240)


def test_the_command_line_table_gives_each_exported_record_its_row(tmp_path):
    """``mirage-review LUDB --export-pdf out --labs labs.csv``: 1.pdf's labs block names the row and prints its
    weight from the table; 14.pdf says the table has no row for it and prints no weight."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint

    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "weight"))
    (tmp_path / "labs.csv").write_text("record_id,weight [kg]\n1,64\n")
    proc = _review(tmp_path, LUDB, "--model", tiny, "--export-pdf", tmp_path / "out", "--labs", tmp_path / "labs.csv")
    assert proc.returncode == 0, proc.stderr[-3000:]

    def text(rid):
        return " ".join(" ".join((p.extract_text() or "").split())
                        for p in pypdf.PdfReader(str(tmp_path / "out" / f"{rid}.pdf")).pages)

    one, fourteen = text("1"), text("14")
    assert "Labs table: row '1' of labs.csv." in one and "Weight 64 kg" in one, one
    # record 14 has no row: none of record 1's weight; the model's weight named as not given, masked
    assert "Labs table: no row for record 14 in labs.csv." in fourteen and "64 kg" not in fourteen, fourteen
    assert "Read by this model but not given (masked as missing): Weight." in fourteen, fourteen


def test_a_command_line_table_that_cannot_be_read_ends_the_run_in_one_line(tmp_path):
    (tmp_path / "labs.csv").write_text("record_id,troponine\n1,5\n")      # a feature's name mistyped: the table refused
    proc = _review(tmp_path, LUDB / "1.hea", "--labs", tmp_path / "labs.csv")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mirage-review: error: --labs: "), lines
    assert "labs.csv, line 1, column 'troponine'" in lines[0] and "did you mean troponin_t" in lines[0], lines


def test_an_exported_folders_records_get_the_rows_a_batch_of_it_gives(tmp_path):
    """``mirage-review amb --export-pdf out --labs labs.csv`` with LUDB 1 at amb/1 and a copy at amb/sub/1: a batch of
    amb (``labs_lookup``) gives 1 the row "1" and sub/1 none (its id is "sub/1", the row is 1's), so the PDFs do;
    sub/1.pdf had been printed with row 1's weight, another record's, its own folder being searched alone.

    Row "1" fits sub/1 too: ``mirage score`` writes sub/1 an error row naming that, and so the export fails sub/1,
    in the same words, with no PDF (it had printed one scored without labs, the warning in its labs block)."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch.inputs import labs_lookup

    amb = tmp_path / "amb"
    (amb / "sub").mkdir(parents=True)
    for where in (amb, amb / "sub"):
        for suffix in (".hea", ".dat"):
            shutil.copy(LUDB / f"1{suffix}", where / f"1{suffix}")
    # the table in amb: row "1" is amb/1's path there; above amb it would be amb/1's trailing part alone, which
    # amb/sub/1's fits too, and neither would get it (test_labs_tree)
    (amb / "labs.csv").write_text("record_id,weight [kg]\n1,64\n")
    batch = labs_lookup(amb / "labs.csv", amb)
    assert batch.row_id(amb / "1.hea") == "1" and batch.values(amb / "1.hea") == {"weight": (64.0, "kg")}
    sub_hea = amb / "sub" / "1.hea"
    assert batch.record_id(sub_hea) == "sub/1" and batch.row_id(sub_hea) is None and batch.values(sub_hea) == {}
    why = batch.ambiguous(sub_hea)
    assert why.startswith("labs row '1' fits 2 records"), why
    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "weight"))
    proc = _review(tmp_path, amb, "--model", tiny, "--export-pdf", tmp_path / "out", "--labs", amb / "labs.csv")
    assert proc.returncode == 1, proc.stderr[-3000:]            # one record failed, as mirage score's exit says

    def text(rel):
        return " ".join(" ".join((p.extract_text() or "").split())
                        for p in pypdf.PdfReader(str(tmp_path / "out" / f"{rel}.pdf")).pages)

    one = text("1")
    assert "Labs table: row '1' of labs.csv." in one and "Weight 64 kg" in one, one
    assert not (tmp_path / "out" / "sub" / "1.pdf").exists()
    failed = [line for line in proc.stderr.splitlines() if line.startswith("failed: ")]
    assert failed == [f"failed: {sub_hea}: {why}"], proc.stderr[-3000:]
    assert proc.stdout.splitlines()[-1] == f"1 PDF in {tmp_path / 'out'}, failed 1 (each said above)", proc.stdout

    # mirage score of the same folder and table: the same record refused in the same words, the other scored
    import csv

    from training_cli.main import main

    assert main(["score", str(amb), "--model", str(tiny), "--out", str(tmp_path / "r.csv"), "--no-progress",
                 "--labs", str(amb / "labs.csv"), "--statements-model", "none", "--no-measure"]) == 1
    with open(tmp_path / "r.csv", newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_path"]: (r["status"], r["error"]) for r in csv.DictReader(fh)}
    assert rows == {"1.hea": ("ok", ""), "sub/1.hea": ("error", why)}, rows


BAD_AGE = "record_id,age,sex,weight [kg],crp [mg/L]\n1,abc,F,71,xyz\n14,40,M,90,xyz\n"


@pytest.mark.parametrize("reads", [frozenset(), frozenset({"weight"}), frozenset({"crp"}), None])
def test_a_bad_value_refuses_the_row_or_is_left_out_as_mirage_score_decides(tmp_path, reads):
    """Row 1's age is bad: refused whatever the models read (the measurements read the age); row 14's CRP is bad:
    refused where a model reads the CRP (or every feature counts, None), else left out with mirage score's words.
    The app had left out every bad cell and used the rest: row 1's sex and weight, the file's age beside them."""
    from mirage_model.review.batch.inputs import labs_lookup
    from mirage_model.review.labs_table import LabsTable

    (tmp_path / "labs.csv").write_text(BAD_AGE)
    table = LabsTable.read(tmp_path / "labs.csv")
    batch = labs_lookup(tmp_path / "labs.csv", LUDB)
    batch.reads = reads
    for rid in ("1", "14"):
        path = LUDB / f"{rid}.hea"
        row = table.row_for(path, reads=reads)
        assert row.values == batch.values(path), (rid, row)
        why = batch.refused(path)
        if why:
            assert row.line == f"row '{rid}' of labs.csv refused" and row.values == {}
            assert row.notes == (f"labs row refused: {why.replace(str(tmp_path / 'labs.csv'), 'labs.csv')}",)
        else:
            assert row.line == f"row '{rid}' of labs.csv"
            assert row.notes == tuple(n.replace(str(tmp_path / "labs.csv"), "labs.csv") for n in batch.left_out(path))
    # by hand: row 1 is refused for its age whatever is read; row 14 only where the CRP is read
    one, fourteen = table.row_for(LUDB / "1.hea", reads=reads), table.row_for(LUDB / "14.hea", reads=reads)
    assert one.values == {} and "column 'age'" in one.notes[0] and "'abc' is not a number" in one.notes[0], one
    if reads is None or "crp" in reads:
        assert fourteen.values == {} and "column 'crp [mg/L]'" in fourteen.notes[0], fourteen
    else:
        assert fourteen.values == {"age": (40.0, None), "sex": (1.0, None), "weight": (90.0, "kg")}, fourteen
        assert fourteen.notes[0].startswith("labs value left out, no model of the run reads it: labs.csv, line 3, "
                                            "column 'crp [mg/L]'"), fourteen


def test_a_row_with_a_bad_age_is_shown_refused_and_the_files_age_kept(qtbot, tmp_path):
    """LUDB 1's header: age 51, sex F. Its row's age is bad: none of the row is used (the sex and weight had been,
    beside the file's age), the form naming the row refused and why."""
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB / f"1{suffix}", tmp_path / f"1{suffix}")
    (tmp_path / "labs.csv").write_text(BAD_AGE)
    window = shown_window(qtbot)
    _open_table(qtbot, window, tmp_path / "labs.csv")
    _open(qtbot, window, tmp_path / "1.hea")
    assert _shown(window) == {"age": ("51", "file"), "sex": ("F", "file")}
    assert window.lab_form.table_line.text() == "Labs table: row '1' of labs.csv refused."
    warning = window.lab_form.warning.text()
    assert "labs row refused: labs.csv, line 2, column 'age'" in warning and "'abc' is not a number" in warning, warning


def test_an_export_refuses_the_row_whose_bad_value_its_model_reads(tmp_path):
    """``mirage-review rec --export-pdf out --labs labs.csv --model M``, M reading the CRP and row 14's CRP bad:
    mirage score with M refuses the row (``LabsLookup.refused``) and writes 14 an error row, so the export fails 14 in
    the same words, with no PDF, exit 1 (it had printed a PDF scored without labs, "refused" in its labs block, exit
    0); 1, which has no row, is scored without labs by both. The record opens before M has loaded, and its row had
    been given by the rule of no model (the CRP left out, the weight used)."""
    import csv

    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    rec = tmp_path / "rec"
    rec.mkdir()
    for f in [*LUDB.glob("1.*"), *LUDB.glob("14.*")]:
        shutil.copy(f, rec / f.name)
    (tmp_path / "labs.csv").write_text("record_id,weight [kg],crp [mg/L]\n14,90,xyz\n")
    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "weight", "crp"))
    proc = _review(tmp_path, rec, "--model", tiny, "--export-pdf", tmp_path / "out", "--labs", tmp_path / "labs.csv")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert (tmp_path / "out" / "1.pdf").is_file() and not (tmp_path / "out" / "14.pdf").exists()
    failed = [line for line in proc.stderr.splitlines() if line.startswith("failed: ")]
    # by hand: the table's line 2, its CRP column, the cell 'xyz'
    assert len(failed) == 1 and failed[0].startswith(f"failed: {rec / '14.hea'}: labs row refused: "), failed
    assert f"{tmp_path / 'labs.csv'}, line 2, column 'crp [mg/L]'" in failed[0], failed
    assert "'xyz' is not a number" in failed[0], failed

    # mirage score of the same folder, table and model: the same record refused in the same words, the other scored
    assert main(["score", str(rec), "--model", str(tiny), "--out", str(tmp_path / "r.csv"), "--no-progress",
                 "--labs", str(tmp_path / "labs.csv"), "--statements-model", "none", "--no-measure"]) == 1
    with open(tmp_path / "r.csv", newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_path"]: (r["status"], r["error"]) for r in csv.DictReader(fh)}
    assert rows == {"1.hea": ("ok", ""), "14.hea": ("error", failed[0].split(": ", 2)[2])}, rows


def test_a_command_line_tables_warnings_reach_the_log_file_and_the_terminal_once(tmp_path):
    """A weight column without a unit: mirage score warns "no unit given for weight"; mirage-review --labs had said it
    on the terminal only, read before the log was set up, so the log file (where the window's messages go) lacked it."""
    (tmp_path / "labs.csv").write_text("record_id,weight\n14,90\n")
    proc = _review(tmp_path, LUDB / "14.hea", "--export-pdf", tmp_path / "out", "--labs", tmp_path / "labs.csv")
    assert proc.returncode == 0 and (tmp_path / "out" / "14.pdf").is_file(), proc.stderr[-3000:]
    assert proc.stderr.count("no unit given for weight") == 1, proc.stderr
    logs = list((tmp_path / "home").rglob("mirage-review.log"))
    assert len(logs) == 1 and "no unit given for weight" in logs[0].read_text(), logs


def test_a_command_line_table_that_cannot_be_read_leaves_no_export_folder_behind(tmp_path):
    (tmp_path / "labs.csv").write_text("record_id,troponine\n1,5\n")
    out = tmp_path / "new" / "out"
    proc = _review(tmp_path, LUDB / "1.hea", "--export-pdf", out, "--labs", tmp_path / "labs.csv")
    assert proc.returncode == 2 and "--labs: " in proc.stderr and "troponine" in proc.stderr, proc.stderr[-2000:]
    assert not out.exists() and not out.parent.exists()


def test_a_batch_row_stays_when_a_table_is_opened_while_its_record_is_still_read(qtbot, tmp_path):
    """The batch dialog opens LUDB 1 with the row the batch scored it with (weight 64); a labs table giving it 90 is
    opened before the record has been read: the 64 stays (the guard had looked at the values, none yet)."""
    from mirage_model.review.labs_table import LabsTable

    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB / f"1{suffix}", tmp_path / f"1{suffix}")
    (tmp_path / "labs.csv").write_text("record_id,weight [kg]\n1,90\n")
    table = LabsTable.read(tmp_path / "labs.csv")
    window = shown_window(qtbot)
    window.open_record(tmp_path / "1.hea", values={"weight": (64.0, "kg")})
    assert window.session.record is None
    window.set_labs_table(table)
    qtbot.waitUntil(lambda: window.session.record is not None, timeout=WAIT_MS)
    assert _shown(window)["weight"] == ("64", "table"), _shown(window)
    window.set_labs_table(None)          # closing a table leaves the batch's row too, as before
    assert _shown(window)["weight"] == ("64", "table"), _shown(window)


def test_the_same_table_opened_again_leaves_the_result_current(qtbot, tmp_path):
    """LUDB 1 scored with its row's weight 64 by a model reading the weight; the same table opened again gives the
    same row: the result stays current and the model is not run again (it had been marked out of date and run)."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.labs_table import LabsTable
    from mirage_model.review.session import READY, STALE

    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB / f"1{suffix}", tmp_path / f"1{suffix}")
    (tmp_path / "labs.csv").write_text("record_id,weight [kg]\n1,64\n")
    window = shown_window(qtbot, model=make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "weight")))
    window.set_labs_table(LabsTable.read(tmp_path / "labs.csv"))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(tmp_path / "1.hea")
    session = window.session
    assert session.state["prediction"] == READY and session.model_values()["weight"] == 64
    result = session.result
    window.set_labs_table(LabsTable.read(tmp_path / "labs.csv"))
    assert session.state["prediction"] == READY and window.predict_worker is None and session.result is result
    assert _shown(window)["weight"] == ("64", "table")
    (tmp_path / "labs.csv").write_text("record_id,weight [kg]\n1,80\n")       # another weight: out of date
    window.set_labs_table(LabsTable.read(tmp_path / "labs.csv"))
    assert session.state["prediction"] == STALE and _shown(window)["weight"] == ("80", "table")
