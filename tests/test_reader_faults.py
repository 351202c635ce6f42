"""A bug of MIRAGE's own reader is said as one, not blamed on the file: an AttributeError, TypeError or
NameError raised in mirage_model's code reads "MIRAGE could not read FILE: an error in MIRAGE's FORMAT
reader (please report it, with the file if you can): ...", its traceback in the log (not on screen); the
same exception raised in a library's parser on a damaged file, and a damaged file's own errors (a field
missing, data cut short), are still the file's damage, as before."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from mirage_model.records import RecordError, load_record
from mirage_model.records.record import ReaderFaultError

DATA = Path(__file__).parent / "data" / "formats"
LUDB = Path(__file__).parents[1] / "resources" / "samples" / "ludb"
REPORT = "(please report it, with the file if you can): "


def test_a_bug_in_the_cardiosoft_reader_is_said_as_mirages_not_the_files(tmp_path, monkeypatch, caplog):
    """Before: "read as GE CardioSoft XML: a part the format requires is missing or damaged", of a file
    that the same reader reads (the sample, unchanged) once its bug is gone."""
    pytest.importorskip("ecgdatakit")
    from mirage_model.formats import cardiosoft

    path = tmp_path / "exam.xml"
    shutil.copy(DATA / "cardiosoft-example1.xml", path)
    assert load_record(path).signal.shape[0] == 12        # the file is sound
    monkeypatch.setattr(cardiosoft, "WHOLE", None)          # a bug: the reader's pattern undefined
    caplog.set_level(logging.DEBUG, logger="mirage_model")
    with pytest.raises(ReaderFaultError) as caught:
        load_record(path)
    msg = str(caught.value)
    assert msg.startswith(f"MIRAGE could not read {path}: an error in MIRAGE's GE CardioSoft XML reader {REPORT}"), msg
    assert "'NoneType' object has no attribute 'fullmatch' (cardiosoft.py, line " in msg, msg
    assert "missing or damaged" not in msg and "Traceback" not in msg
    assert caught.value.path == path and isinstance(caught.value, RecordError)
    logged = [r for r in caplog.records if r.exc_info and "GE CardioSoft XML reader" in r.getMessage()]
    assert logged and logged[0].levelno == logging.DEBUG
    assert "cardiosoft.py" in caplog.text and "Traceback" in caplog.text   # the traceback, for the report


def test_a_bug_in_the_wfdb_header_reader_is_said_as_mirages(tmp_path, monkeypatch):
    from mirage_model.records import wfdb_header

    for name in ("1.hea", "1.dat"):
        shutil.copy(LUDB / name, tmp_path / name)
    monkeypatch.setattr(wfdb_header, "_RX_UINT", None)
    with pytest.raises(ReaderFaultError) as caught:
        load_record(tmp_path / "1.hea")
    msg = str(caught.value)
    assert msg.startswith(f"MIRAGE could not read {tmp_path / '1.hea'}: an error in MIRAGE's WFDB reader {REPORT}")
    assert "wfdb_header.py, line " in msg, msg


def test_the_same_exception_from_a_librarys_parser_is_still_the_files_damage(tmp_path, monkeypatch):
    """ecgdatakit's MUSE parser failing with an AttributeError of its own (on a damaged file: a part it
    needs is absent) is not MIRAGE's bug: said as before."""
    pytest.importorskip("ecgdatakit")
    from ecgdatakit.parsing.parsers import ge_muse_xml

    path = tmp_path / "exam.xml"
    shutil.copy(DATA / "muse-sinus.xml", path)
    exec(compile("def _broken(self, *a, **k):\n    return None.text\n", str(Path(ge_muse_xml.__file__)), "exec"),
         ns := {})                                          # raised in a frame of the library's file
    monkeypatch.setattr(ge_muse_xml.GEMuseXMLParser, "parse", ns["_broken"])
    with pytest.raises(RecordError) as caught:
        load_record(path)
    assert not isinstance(caught.value, ReaderFaultError)
    assert str(caught.value) == f"{path}: read as GE MUSE XML: a part the format requires is missing or damaged"


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_damaged_files_errors_are_still_the_files(tmp_path, cut):
    """A file cut short, a field emptied: refused as damaged, never as MIRAGE's bug."""
    pytest.importorskip("ecgdatakit")
    path = tmp_path / "exam.xml"
    data = (DATA / "cardiosoft-example1.xml").read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(RecordError) as caught:
        load_record(path)
    assert not isinstance(caught.value, ReaderFaultError)
    assert str(caught.value).startswith(f"{path}: read as GE CardioSoft XML: ")


def test_the_cli_says_the_bug_in_one_line_and_the_traceback_only_with_verbose(tmp_path, monkeypatch, capsys):
    from mirage_model.records import wfdb_header
    from training_cli.main import main

    for name in ("1.hea", "1.dat"):
        shutil.copy(LUDB / name, tmp_path / name)
    monkeypatch.setattr(wfdb_header, "_RX_UINT", None)
    for root in (logging.getLogger(),):
        monkeypatch.setattr(root, "handlers", [])           # basicConfig takes effect in this process
    assert main(["convert", str(tmp_path / "1.hea"), "--to", "edf", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"error: MIRAGE could not read {tmp_path / '1.hea'}: an error in MIRAGE's WFDB reader {REPORT}" in err
    assert "Traceback" not in err and "missing or damaged" not in err


def test_the_app_logs_the_readers_traceback_to_its_log_file_not_the_terminal(qtbot, tmp_path, monkeypatch, caplog):
    """The app's terminal shows WARNING and above, its log file INFO (app.main.setup_logging): the bug's
    one line is a warning, its traceback an INFO record."""
    from app import workers
    from mirage_model.records import wfdb_header

    for name in ("1.hea", "1.dat"):
        shutil.copy(LUDB / name, tmp_path / name)
    monkeypatch.setattr(wfdb_header, "_RX_UINT", None)
    caplog.set_level(logging.INFO, logger="app")
    w = workers.Worker(lambda ctx: load_record(tmp_path / "1.hea"), name="load")
    with qtbot.waitSignal(w.signals.error, timeout=10000) as said:
        w.start()
    assert said.args[0].startswith(f"MIRAGE could not read {tmp_path / '1.hea'}: an error in MIRAGE's WFDB reader")
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert with_traceback and all(r.levelno == logging.INFO for r in with_traceback)
    assert "wfdb_header.py" in caplog.text and "Traceback" in caplog.text


def test_the_window_names_the_file_once_for_a_readers_bug(tmp_path):
    from app.window.records import _reason

    path = tmp_path / "1.hea"
    msg = str(ReaderFaultError(path, "WFDB", NameError("name 'x' is not defined")))
    assert _reason(msg, path) == f"an error in MIRAGE's WFDB reader {REPORT}name 'x' is not defined"
