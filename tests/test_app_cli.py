"""``mirage-review`` as a script (--export-pdf, --screenshot options): every run ends, on its own, with
one line saying what went wrong and a non-zero status, or with the PDFs it was asked for.

Each case runs the real command in a subprocess with a timeout, so a run that hangs fails its test
instead of hanging the suite. Truth: the records shipped in resources/samples/ludb (1 and 14, both
readable, wfdb reads them) and files this test breaks itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
from helpers_models import make_tiny_checkpoint  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LUDB = resources_dir() / "samples" / "ludb"
TIMEOUT_S = 120     # a run that has not ended by then hangs


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "tiny", clinical=("age", "sex"))


def review(tmp_path, *args) -> subprocess.CompletedProcess:
    """``mirage-review ARGS`` offscreen, with its own settings and home; fails on a hang."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               HOME=str(tmp_path / "home"), MIRAGE_STATEMENTS_MODEL="none", PYTHONPATH=str(ROOT))
    try:
        return subprocess.run([sys.executable, "-m", "app.main", *map(str, args)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"mirage-review {' '.join(map(str, args))} did not exit within {TIMEOUT_S} s; "
                    f"stderr: {(err.stderr or b'')[-2000:]!r}")


def error_lines(proc) -> list[str]:
    """The lines of stderr that are neither Qt's offscreen notice nor a log line."""
    return [line for line in proc.stderr.splitlines()
            if line.strip() and "propagateSizeHints" not in line and " WARNING " not in line]


def pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages)


def assert_one_line_error(proc, *words):
    """Ended with status 2 and one line naming what is wrong, no traceback, nothing opened."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = error_lines(proc)
    assert len(lines) == 1 and lines[0].startswith("mirage-review: error: "), proc.stderr[-2000:]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "opening" not in proc.stderr and "wrote" not in proc.stdout      # checked before anything loads


# -------------------------------------------------------------------------- 1: a folder of records
def test_export_pdf_of_a_folder_writes_one_pdf_per_record(tmp_path, tiny):
    """The folder of LUDB records 1 and 14: 1.pdf and 14.pdf, each about its own record (had written
    nothing and never ended: a folder opened the browser, and no analysis ever finished)."""
    out = tmp_path / "pdfs"
    proc = review(tmp_path, LUDB, "--model", tiny, "--export-pdf", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["1.pdf", "14.pdf"]
    for rid in ("1", "14"):
        assert f"record {rid} (" in pdf_text(out / f"{rid}.pdf")


def test_export_pdf_of_a_folder_with_broken_records_names_each_and_exits_1(tmp_path, tiny):
    """Good record 1, a garbage header, record 14 with its .dat cut short, and a note (no ECG): 1.pdf is
    written, each broken record is named as failed, the run ends with status 1."""
    mix = tmp_path / "mix"
    mix.mkdir()
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB / f"1{suffix}", mix / f"1{suffix}")
    shutil.copy(LUDB / "14.hea", mix / "14.hea")
    (mix / "14.dat").write_bytes((LUDB / "14.dat").read_bytes()[:5000])
    (mix / "bad.hea").write_text("garbage header\n")
    (mix / "notes.csv").write_text("a,b\n1,2\n")
    out = tmp_path / "pdfs"
    proc = review(tmp_path, mix, "--model", tiny, "--export-pdf", out)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["1.pdf"]
    failed = sorted(line.split(": ")[1] for line in proc.stderr.splitlines() if line.startswith("failed: "))
    assert failed == [str(mix / "14.hea"), str(mix / "bad.hea")]
    assert "Traceback" not in proc.stderr


def test_export_pdf_says_each_failure_once_and_a_file_that_is_no_ecg_as_mirage_score_does(tmp_path, tiny):
    """Good record 1, record 14 with its .dat cut short and an empty x.xml: the cut record had been said three
    times (the load job's log line, the window's message, then "failed: ...: Could not open 14.hea: ..."), and
    x.xml as "skipped ...: not an ECG this app reads" where mirage score says "not an ECG: x.xml: the file is
    empty". Now one line each, naming the file and the problem in score's words. Truth: the files this test
    broke (14.dat: 12 leads of format 16, 24 bytes a sample: its first 5000 bytes hold 208 of its 5000 samples;
    x.xml holds nothing)."""
    mix = tmp_path / "mix"
    mix.mkdir()
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB / f"1{suffix}", mix / f"1{suffix}")
    shutil.copy(LUDB / "14.hea", mix / "14.hea")
    (mix / "14.dat").write_bytes((LUDB / "14.dat").read_bytes()[:5000])
    (mix / "x.xml").write_bytes(b"")
    proc = review(tmp_path, mix, "--model", tiny, "--export-pdf", tmp_path / "pdfs")
    assert proc.returncode == 1, proc.stderr[-3000:]
    said = [line for line in proc.stderr.splitlines() if "truncated" in line]
    assert said == [f"failed: {mix / '14.hea'}: 14.dat: signal file is truncated (expected 5000 samples per lead, "
                    "found 208)"], proc.stderr[-3000:]
    assert f"not an ECG: {mix / 'x.xml'}: the file is empty" in proc.stderr.splitlines()
    # the last line counts them, as mirage score's does (a run of 39 files had ended on its last "wrote" line,
    # the failures scattered among the "opening" lines above)
    assert proc.stdout.splitlines()[-1] == (f"1 PDF in {tmp_path / 'pdfs'}, failed 1 (each said above), "
                                            "1 not ECG file (said above)")


def test_export_pdf_never_replaces_a_pdf_unasked(tmp_path, tiny):
    """DIR already holds 1.pdf (a report someone annotated and sent): the export had replaced it without a
    word. Now, as mirage score --pdf-dir, the run is refused before anything loads (status 2), naming the
    PDF, which is left as it was; --overwrite replaces it. Truth: the bytes the test wrote in 1.pdf."""
    out = tmp_path / "pdfs"
    out.mkdir()
    (out / "1.pdf").write_bytes(b"annotated by the reviewer")
    proc = review(tmp_path, LUDB, "--model", tiny, "--export-pdf", out)
    assert_one_line_error(proc, f"--export-pdf {out}: it holds 1 PDF an earlier run wrote for these records (1.pdf); "
                          "give --overwrite to replace it, or another DIR")
    assert sorted(p.name for p in out.iterdir()) == ["1.pdf"]
    assert (out / "1.pdf").read_bytes() == b"annotated by the reviewer"
    proc = review(tmp_path, LUDB, "--model", tiny, "--export-pdf", out, "--overwrite")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["1.pdf", "14.pdf"]
    assert "record 1 (" in pdf_text(out / "1.pdf")


def test_export_pdf_of_a_folder_names_its_pdfs_as_mirage_score_does(tmp_path, tiny):
    """A folder holding 1.hea and a sub-folder with another 1.hea (another recording) and 14.hea: the PDFs
    had all gone into DIR, the second 1 as "1_2.pdf", which says nothing of which record it is, where
    mirage score --pdf-dir and the batch dialog write sub/1.pdf. Now the same names: 1.pdf, sub/1.pdf,
    sub/14.pdf. Truth: each PDF's footer names the file it was read from ("file sub/1.hea"), and the
    recordings the test put there (LUDB 1 at the top, LUDB 14 under both names in sub/)."""
    mix = tmp_path / "mix"
    (mix / "sub").mkdir(parents=True)
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB / f"1{suffix}", mix / f"1{suffix}")
        shutil.copy(LUDB / f"14{suffix}", mix / "sub" / f"14{suffix}")
    shutil.copy(LUDB / "14.dat", mix / "sub" / "1.dat")
    lines = (LUDB / "14.hea").read_text().splitlines()
    renamed = ["1" + lines[0][2:]] + [line.replace("14.dat", "1.dat", 1) for line in lines[1:]]
    (mix / "sub" / "1.hea").write_text("\n".join(renamed) + "\n")
    out = tmp_path / "pdfs"
    proc = review(tmp_path, mix, "--model", tiny, "--export-pdf", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == ["1.pdf", "sub/1.pdf", "sub/14.pdf"]
    assert "file mix/1.hea" in pdf_text(out / "1.pdf")
    assert "file sub/1.hea" in pdf_text(out / "sub" / "1.pdf")
    assert "file sub/14.hea" in pdf_text(out / "sub" / "14.pdf")
    assert f"wrote {out / 'sub' / '1.pdf'}" in proc.stdout


# os.scandir refuses folders named "locked" (root's chmod 000 does not stop a listing), then the app runs
REFUSE_LOCKED = """
import os, sys
from pathlib import Path
real = os.scandir
def scandir(path="."):
    if Path(path).name == "locked":
        raise PermissionError(13, "Permission denied", str(path))
    return real(path)
os.scandir = scandir
from app.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_export_pdf_of_a_folder_with_one_it_cannot_read_says_so_and_exits_1(tmp_path, tiny):
    """Record 1 in ok/, record 14 in locked/ (cannot be listed): 1.pdf is written, the last line names
    locked/ and says its records are not exported, and the run ends with status 1 (had ended 0,
    saying nothing: a script took the export as complete)."""
    folder = tmp_path / "records"
    for sub, rid in (("ok", "1"), ("locked", "14")):
        (folder / sub).mkdir(parents=True)
        for suffix in (".hea", ".dat"):
            shutil.copy(LUDB / f"{rid}{suffix}", folder / sub / f"{rid}{suffix}")
    out = tmp_path / "pdfs"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               HOME=str(tmp_path / "home"), MIRAGE_STATEMENTS_MODEL="none", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", REFUSE_LOCKED, str(folder), "--model", str(tiny),
                           "--export-pdf", str(out)], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert proc.returncode == 1, proc.stderr[-3000:]
    # in its sub-folder, as mirage score --pdf-dir writes it
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == ["ok/1.pdf"]
    assert error_lines(proc)[-1] == (f"1 folder could not be read: {folder / 'locked'} (Permission denied); "
                                     f"the records in them are not exported to {out}")
    assert "Traceback" not in proc.stderr


def test_export_pdf_of_an_empty_folder_is_one_line_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.csv").write_text("a,b\n")
    out = tmp_path / "pdfs"
    proc = review(tmp_path, empty, "--export-pdf", out)
    assert_one_line_error(proc, str(empty), "no ECG records")
    assert not out.exists()


# -------------------------------------------------------------------------- 2: the output folder
def test_export_pdf_to_an_existing_file_is_one_line_error(tmp_path):
    """Had raised FileExistsError in a slot (a traceback in the log) and never ended."""
    target = tmp_path / "r1.pdf"
    target.write_bytes(b"%PDF-1.4 someone else's\n")
    proc = review(tmp_path, LUDB / "1.hea", "--export-pdf", target)
    assert_one_line_error(proc, str(target), "not a folder")
    assert target.read_bytes() == b"%PDF-1.4 someone else's\n"


def test_export_pdf_to_a_folder_that_cannot_be_made_is_one_line_error(tmp_path):
    """A folder under a file cannot be created (as /proc/app5: FileNotFoundError, had hung too)."""
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    target = a_file / "sub"
    proc = review(tmp_path, LUDB / "1.hea", "--export-pdf", target)
    assert_one_line_error(proc, str(target), "cannot create")


# -------------------------------------------------------------------------- 3: bad options
@pytest.mark.parametrize("size", ["abc", "100x", "0x100", "12x-4"])
def test_bad_size_is_a_usage_error(tmp_path, size):
    """Had printed a raw ValueError traceback."""
    proc = review(tmp_path, LUDB / "1.hea", "--size", size, "--screenshot", tmp_path / "s.png")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "argument --size" in proc.stderr.splitlines()[-1] and "WIDTHxHEIGHT" in proc.stderr
    assert not (tmp_path / "s.png").exists()


def test_export_pdf_on_a_gpu_this_machine_lacks_is_a_usage_error(tmp_path, tiny):
    """``--device cuda`` without a GPU: had printed DeviceError's traceback, then written a model-less
    PDF and exited 0. Now the line ``mirage report --device cuda`` prints, status 2, nothing written."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    out = tmp_path / "pdfs"
    proc = review(tmp_path, LUDB / "1.hea", "--model", tiny, "--device", "cuda", "--export-pdf", out)
    assert_one_line_error(proc, "--device cuda", "no CUDA GPU")
    assert not out.exists()


def test_an_unexpected_error_in_a_scripted_run_ends_it_with_one_line():
    """The excepthook of the headless modes: one line to ``on_fatal`` (which ends the run), no dialog."""
    from app.main import install_excepthook

    said = []
    saved = sys.excepthook
    try:
        install_excepthook(on_fatal=said.append)
        try:
            raise KeyError("boom")
        except KeyError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = saved
    assert said == ["unexpected error: 'boom' (KeyError)"]


def test_a_missing_gpu_is_a_users_error_not_a_bug():
    """The interactive app (no up-front check) logs the DeviceError as a message, no traceback."""
    from app.workers import user_message
    from mirage_model.runtime import DeviceError

    err = DeviceError("cuda", "no CUDA GPU is available on this machine; use 'cpu' or 'auto'")
    assert user_message(err) == "device 'cuda': no CUDA GPU is available on this machine; use 'cpu' or 'auto'"


# -------------------------------------------------------------------------- 4: the model named
def test_export_pdf_with_a_model_that_does_not_exist_is_an_error(tmp_path):
    """Had exited 0 with a PDF saying "no model result"; ``mirage report --model nosuch`` exits 2."""
    out = tmp_path / "pdfs"
    proc = review(tmp_path, LUDB / "1.hea", "--model", "nosuch", "--export-pdf", out)
    assert_one_line_error(proc, "nosuch", "no such checkpoint")
    assert not out.exists()


def test_export_pdf_with_a_statements_model_that_does_not_exist_is_an_error(tmp_path):
    """Had written the PDF with a note that the statements model is missing; ``mirage report
    --statements-model nosuch`` exits 2."""
    out = tmp_path / "pdfs"
    proc = review(tmp_path, LUDB / "1.hea", "--statements-model", "nosuch", "--export-pdf", out)
    assert_one_line_error(proc, "nosuch", "no such checkpoint")
    assert not out.exists()


def test_export_pdf_with_a_model_that_cannot_be_loaded_writes_nothing(tmp_path):
    """A checkpoint folder that exists but is corrupt fails only when loaded: status 2, the line names it,
    no PDF of either record, and the output folder the run made is gone again."""
    bad = tmp_path / "bad_model"
    bad.mkdir()
    (bad / "config.json").write_text("{garbage")
    (bad / "model.safetensors").write_bytes(b"x")
    out = tmp_path / "new" / "pdfs"
    proc = review(tmp_path, LUDB / "1.hea", LUDB / "14.hea", "--model", bad, "--export-pdf", out)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    lines = [line for line in error_lines(proc) if line.startswith("mirage-review: error: ")]
    assert len(lines) == 1 and str(bad) in lines[0] and "config.json" in lines[0]
    assert "wrote" not in proc.stdout and not (tmp_path / "new").exists()


# the window, started with a --model it cannot use: prints the message bar once the model loaded instead
# has loaded (or after 90 s), then quits; the QApplication is made first so that the poll can start
WATCH_MESSAGE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from app.main import main
def poll():
    for w in app.topLevelWidgets():
        if type(w).__name__ == "MainWindow" and "--model" in w.message_bar.text() and not w._model_loading:
            print("BAR:", w.message_bar.text())
            print("LOADED:", w.loaded_model_path)
            app.quit()
timer = QTimer(); timer.timeout.connect(poll); timer.start(100)
QTimer.singleShot(90000, app.quit)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("kind", ["missing", "empty folder", "file"])
def test_a_window_started_with_a_model_that_is_no_model_says_so_and_loads_the_default(tmp_path, kind):
    """``mirage-review --model DIR`` with DIR missing had logged a warning and gone on with no model
    (exit 0, nothing on the terminal a person would read as the cause); a folder or a file that is
    no model alike. The terminal and the window's message bar name the path and the problem, and
    the bundled default model is loaded instead."""
    from mirage_model.paths import default_model_path

    if default_model_path() is None:
        pytest.skip("no bundled default model")
    bad = {"missing": tmp_path / "no" / "such", "empty folder": tmp_path / "empty",
           "file": LUDB / "1.hea"}[kind]
    if kind == "empty folder":
        bad.mkdir()
    why = {"missing": "no such checkpoint", "empty folder": "not a model folder (no config.json and no "
           "model.safetensors in it)", "file": "a file, not a model"}[kind]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               HOME=str(tmp_path / "home"), MIRAGE_STATEMENTS_MODEL="none", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", WATCH_MESSAGE, str(LUDB / "1.hea"), "--model", str(bad)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    said = f"--model {bad}: {why}"
    terminal = [line for line in proc.stderr.splitlines() if line.startswith("mirage-review: ")]
    assert terminal and said in terminal[0] and "the default model is loaded instead" in terminal[0], proc.stderr
    bar = next(line for line in proc.stdout.splitlines() if line.startswith("BAR: "))
    assert said in bar and "the default model is loaded instead" in bar, bar
    loaded = next(line for line in proc.stdout.splitlines() if line.startswith("LOADED: "))
    assert Path(loaded.removeprefix("LOADED: ")).resolve() == default_model_path().resolve()


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_screenshot_or_export_with_a_model_that_is_no_model_is_an_error(tmp_path, kind):
    """A scripted run (--screenshot had gone on without the model and exited 0; --export-pdf with a
    file for --model had failed only once the model was loaded) ends before anything loads, 2."""
    bad = tmp_path / "no_such" if kind == "missing" else LUDB / "1.hea"
    why = "no such checkpoint" if kind == "missing" else "a file, not a model"
    proc = review(tmp_path, LUDB / "1.hea", "--model", bad, "--screenshot", tmp_path / "s.png")
    assert_one_line_error(proc, str(bad), why)
    assert not (tmp_path / "s.png").exists()
    proc = review(tmp_path, LUDB / "1.hea", "--model", bad, "--export-pdf", tmp_path / "pdfs")
    assert_one_line_error(proc, str(bad), why)
    assert not (tmp_path / "pdfs").exists()


def test_export_targets_name_files_of_one_stem_as_a_batch_does(tmp_path):
    """a.hea and a.xml given as files: a batch names their PDFs a_hea.pdf and a_xml.pdf (``batch.rows.pdf_names``);
    --export-pdf had named them a.pdf and a_2.pdf. Two files of one name in two folders still get _2."""
    from app.main import export_targets

    out = tmp_path / "out"
    assert export_targets([Path("x/a.hea"), Path("x/a.xml")], out) == [out / "a_hea.pdf", out / "a_xml.pdf"]
    assert export_targets([Path("x/1.hea"), Path("y/1.hea")], out) == [out / "1.pdf", out / "1_2.pdf"]
    assert export_targets([Path("x/a.hea")], out) == [out / "a.pdf"]
