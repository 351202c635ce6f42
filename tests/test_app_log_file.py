"""The app's log file (``app.run_logging.setup_logging``, kept for support) never holds a patient's folder, a file's
name (clinical exports name files after the patient) or the text a damaged file's error quotes from it: real vendor
files (tests/data/formats) in a folder named after a planted patient (ZELDA QUIXOTEWORTH, ID PQX7733191, born
1931-07-04), her name written into each and each damaged, are opened by the app's worker; the log file names each by
its tag (``file-3f2a9c1b.xml``) and says its problem, text quoted from the file left out
(``review.log_words.log_file_text``), while the message on screen still names the file in full."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from mirage_model.records import load_record  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
LUDB = Path(__file__).parents[1] / "resources" / "samples" / "ludb"
HER = re.compile(r"quixote|zelda|PQX7733191|19310704|1931-07-04", re.IGNORECASE)
FOLDER = "Quixoteworth Zelda PQX7733191"


def _damaged(folder: Path) -> dict[str, str]:
    """Each damaged file's name and the words of its problem the log must keep (with its quotes left out)."""
    folder.mkdir()
    muse = (DATA / "muse-sinus.xml").read_text(encoding="latin-1").replace("081486213", "PQX7733191")
    muse = muse.replace(">JOHN<", ">ZELDA<").replace(">DOE<", ">&QUIXOTEWORTH;<")     # an undefined entity
    (folder / "muse.xml").write_text(muse, encoding="latin-1")
    aecg = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8").replace("subject1", "PQX7733191")
    aecg = re.sub(r"<family>[^<]*</family>", "<family>QUIXOTEWORTH</family>", aecg)
    aecg = re.sub(r"(<digits>)\s*[-\d]", r"\1 QUIXOTEWORTH ", aecg, count=1)          # her name for a sample
    (folder / "aecg.xml").write_text(aecg, encoding="utf-8")
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "QUIXOTEWORTH^ZELDA", "PQX7733191", "19310704"
    ds.save_as(folder / "whole.dcm")
    whole = (folder / "whole.dcm").read_bytes()
    (folder / "whole.dcm").unlink()
    (folder / "dicom.dcm").write_bytes(whole[: len(whole) // 2])
    scp = (DATA / "Example.scp").read_bytes()
    (folder / "scp.scp").write_bytes(scp[: len(scp) // 3])
    # EDF: the EDF+ patient field of the MUSE record ("PQX7733191 M 08-JUL-1979 ZELDA_DOE"), its count of data
    # records (bytes 236-243) overwritten by her name
    from mirage_model.formats.edf_write import write_edf

    shutil.copy(DATA / "muse-sinus.xml", folder / "m.xml")
    rec = load_record(folder / "m.xml")
    rec.meta["patient"] = {**rec.meta.get("patient", {}), "id": "PQX7733191", "name": "ZELDA QUIXOTEWORTH"}
    edf = bytearray(Path(write_edf(rec, folder / "e.edf")).read_bytes())
    (folder / "m.xml").unlink()
    (folder / "e.edf").unlink()
    edf[236:244] = b"ZELDA   "
    (folder / "edf.edf").write_bytes(bytes(edf))
    return {"muse.xml": "is not well formed (undefined entity &[12 characters left out];: line 14",
            "aecg.xml": "invalid digits in lead MDC_ECG_LEAD_I: '[12 characters left out]' is not a number",
            "dicom.dcm": "the file cannot be parsed",
            "scp.scp": "the record declares 34144 bytes but the file has 11381",
            "edf.edf": "the number of data records '[5 characters left out]' is not a whole number"}


@pytest.fixture()
def log_file(tmp_path, monkeypatch):
    """The app's own log set up (``setup_logging``), its file in ``tmp_path``; its handlers taken away after."""
    from app import run_logging

    path = tmp_path / "log" / "mirage-review.log"
    path.parent.mkdir()
    monkeypatch.setattr(run_logging, "log_path", lambda: path)
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    assert run_logging.setup_logging() == path
    yield path
    for h in root.handlers[:]:
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


def _open(qtbot, path: Path) -> str:
    """The app's worker loading ``path`` (as File > Open does); the message on screen."""
    from app import workers

    w = workers.Worker(lambda ctx: load_record(path), name="load")
    with qtbot.waitSignal(w.signals.error, timeout=20000) as said:
        w.start()
    return said.args[0]


def _tagged(name: str) -> str:
    """The log file's tag of the file ``name``, as a pattern: "file-" and 8 hex digits, then its extension."""
    return r"file-[0-9a-f]{8}" + re.escape(Path(name).suffix)


def test_the_log_file_names_a_damaged_file_by_its_tag_never_its_patient(qtbot, tmp_path, log_file):
    folder = tmp_path / FOLDER
    problems = _damaged(folder)
    for name in problems:
        assert str(folder / name) in _open(qtbot, folder / name)        # on screen: the file in full
    logged = log_file.read_text(encoding="utf-8")
    tags = set()
    for name, problem in problems.items():
        line = next((ln for ln in logged.splitlines() if problem in ln), "")
        tag = re.search(rf"job load: ({_tagged(name)}): ", line)
        assert tag, (name, line)
        tags.add(tag.group(1))
        assert name not in logged, name
    assert len(tags) == len(problems)           # one tag a file
    assert not HER.findall(logged), logged


def test_the_log_file_tags_a_file_named_after_its_patient(qtbot, tmp_path, log_file):
    """Clinical exports name files after the patient: the MUSE sample, its patient JANE DOE, ID 123456, in
    "DOE_JANE_123456.xml", opened in the window and saved as WFDB under her name, then a damaged copy of it
    ("Doe Jane 654321.xml": a name with blanks, which the window's message names whole) opened. The screen names
    each file; the log file names each by its tag, the same on each of one file's lines (the damaged file's load and
    the window's message), and holds neither her name nor her ID."""
    from helpers_app import shown_window

    folder = tmp_path / "Doe Jane"
    folder.mkdir()
    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    text = text.replace(">JOHN<", ">JANE<").replace(">081486213<", ">123456<")
    (folder / "DOE_JANE_123456.xml").write_text(text, encoding="latin-1")
    (folder / "Doe Jane 654321.xml").write_text(text[: len(text) // 2], encoding="latin-1")
    window = shown_window(qtbot)
    window.open_record(str(folder / "DOE_JANE_123456.xml"))
    qtbot.waitUntil(lambda: getattr(getattr(window.session, "record", None), "record_id", "") == "DOE_JANE_123456",
                    timeout=20000)
    assert window.save_record_as(folder / "DOE_JANE_123456_copy.hea", "wfdb") is not None
    assert "DOE_JANE_123456_copy.hea" in window.status_label.text()          # on screen: the name in full
    window.open_record(str(folder / "Doe Jane 654321.xml"))
    qtbot.waitUntil(lambda: "Could not open Doe Jane 654321.xml" in window.status_label.text(), timeout=20000)
    logged = log_file.read_text(encoding="utf-8")
    cut = [re.search(rf"{what} ({_tagged('x.xml')}): read as GE MUSE XML", logged) for what in ("job load:",
                                                                                          "Could not open")]
    assert all(cut) and cut[0].group(1) == cut[1].group(1), logged
    assert re.search(rf"Saved {_tagged('x.hea')}; ", logged), logged
    assert not re.findall(r"doe|jane|123456|654321", logged, re.IGNORECASE), logged


def test_the_log_file_keeps_cardiosofts_placeholder_dates(qtbot, log_file):
    """The bundled GE CardioSoft export (tests/data/formats/cardiosoft-example1.xml) writes 0001-01-01 01:01:01 for
    its acquisition time (<ObservationDateTime>, each field 1) and 0001-01-01 for its birth date (<BirthDateTime>):
    the window's message on them, in the log file, says the acquisition time it read, not a birth date in its place
    (it had read 'reads [birth date of cardiosoft-example1] 01:01:01'); the patient's ID (001) and name
    (Name Surname) in the file are still left out."""
    from helpers_app import shown_window

    window = shown_window(qtbot)
    window.open_record(str(DATA / "cardiosoft-example1.xml"))
    qtbot.waitUntil(lambda: "placeholder" in log_file.read_text(encoding="utf-8"), timeout=20000)
    logged = log_file.read_text(encoding="utf-8")
    assert "<ObservationDateTime> reads 0001-01-01 01:01:01, a placeholder" in logged, logged
    assert "birth date 0001-01-01 looks like a placeholder" in logged, logged
    assert "[birth date of" not in logged, logged
    assert "surname" not in logged.lower(), logged


def test_a_readers_traceback_in_the_log_file_keeps_the_code_not_the_folder(qtbot, tmp_path, log_file, monkeypatch):
    """A bug of MIRAGE's WFDB reader (test_reader_faults): its traceback, in the log file, names MIRAGE's source
    file and line in full and the record by its file name; an unexpected error's (the excepthook's) alike."""
    from app.run_logging import log
    from mirage_model.records import wfdb_header

    folder = tmp_path / FOLDER
    folder.mkdir()
    for name in ("1.hea", "1.dat"):
        shutil.copy(LUDB / name, folder / name)
    monkeypatch.setattr(wfdb_header, "_RX_UINT", None)
    assert str(folder / "1.hea") in _open(qtbot, folder / "1.hea")
    try:
        open(folder / "missing.hea")
    except OSError:
        log.error("unexpected error", exc_info=True)
    logged = log_file.read_text(encoding="utf-8")
    assert f'File "{Path(wfdb_header.__file__)}", line' in logged and "Traceback" in logged
    assert re.search(rf"MIRAGE could not read {_tagged('1.hea')}: an error in MIRAGE's WFDB reader", logged)
    assert re.search(rf"No such file or directory: '{_tagged('missing.hea')}'", logged)
    assert not HER.findall(logged), logged


def test_the_tags_key_is_kept_beside_the_log_for_its_owner_alone(tmp_path):
    """The tags' key (``run_logging.log_key``): 16 bytes in ``mirage-review.log-key`` beside the log, readable by its
    owner alone (mode 0600), the same the next run reads (a file keeps its tag); where it cannot be written, a key for
    the run all the same."""
    from app.run_logging import log_key

    path = tmp_path / "mirage-review.log"
    key = log_key(path)
    kept = tmp_path / "mirage-review.log-key"
    assert len(key) == 16 and kept.read_bytes() == key
    assert kept.stat().st_mode & 0o777 == 0o600
    assert log_key(path) == key
    assert len(log_key(tmp_path / "no such folder" / "mirage-review.log")) == 16
