"""Shared fixtures. Qt runs offscreen; ../shared/datasets is optional (tests using it skip)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# no statements model beside the loaded one unless a test asks for it (paths.statements_model_path):
# the tests of other things keep their one model; test_statements_companion sets it per test
os.environ.setdefault("MIRAGE_STATEMENTS_MODEL", "none")
# a reviewer's own store named for the shell the tests run in is never written by them: each test that wants one sets it
os.environ.pop("MIRAGE_OVERREAD_STORE", None)
# what each over-read store held when last read is remembered beside the settings (``review.store_memory``): the
# tests' stores, made anew at the same paths run after run, are remembered in a folder of this run's, never in the home
# of the user who runs them (nor is a default store beside their settings read or written)
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mirage-tests-config-")


HEAVY_LIST = Path(__file__).resolve().parent / "heavy_tests.txt"


def pytest_collection_modifyitems(config, items):
    """Marks ``heavy`` the tests ``heavy_tests.txt`` names (a test function, all its parametrised cases): those that
    take half a second or more on the reference machine (2 CPU cores), measured and listed by ``scripts/heavy_tests.py``
    from a run's ``--durations=0``. The README's test command leaves them out (``-m "not slow and not heavy"``: a
    few minutes); ``.ci/run`` runs them after it (``-m "heavy and not slow"``): CI runs every test but the slow ones."""
    names = {ln.strip() for ln in HEAVY_LIST.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")} if HEAVY_LIST.is_file() else set()
    for item in items:
        if item.nodeid.split("[", 1)[0] in names:
            item.add_marker(pytest.mark.heavy)


@pytest.fixture(scope="session", autouse=True)
def _decimal_point_locale():
    """Qt's default locale pinned to US English for the tests: the batch dialog writes its CSV in the dialect of the
    system's locale (';' and decimal commas where it writes them), and the app's tests read its CSVs with ','; a test
    of another locale sets it and restores this one (test_app_batch_csv_dialect)."""
    try:
        from PySide6.QtCore import QLocale
    except ImportError:         # the library's tests run without the app's extras
        yield
        return
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
    yield
    QLocale.setDefault(before)


@pytest.fixture(autouse=True)
def _cycles_collected_in_the_gui_thread(request):
    """A test of the app's window (``qtbot``) runs with Python's automatic cycle collector off and collects after it
    in the main thread (its youngest generation: a full collection after each test had made the suite much slower), as
    the app does from its GUI thread (pyqtgraph's ``GarbageCollector``, run by ``app.main``): a collection that
    happened to run in a worker thread had destroyed a dialog off its thread (a segmentation fault in
    test_app_panels_current, once in a full run)."""
    import gc

    if "qtbot" not in request.fixturenames or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)       # the test's own objects, all in the youngest generation with the collector off: cheap


@pytest.fixture
def locale():
    """Sets Qt's default locale for one test (``locale(QLocale.German, QLocale.Germany)``: what ``QLocale()`` and a
    new widget's ``locale()`` give the app); the one before (the session's US English) restored after."""
    from PySide6.QtCore import QLocale

    before = QLocale()

    def use(language, country):
        QLocale.setDefault(QLocale(language, country))

    yield use
    QLocale.setDefault(before)

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("MIRAGE_SHARED_DATASETS", ROOT.parent / "shared" / "datasets"))
PTBXL_ROOT = Path(os.environ.get("MIRAGE_PTBXL", Path.home() / "data" / "ptbxl"))


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/datasets not present")
    return SHARED


@pytest.fixture(scope="session")
def ludb_data(shared_datasets) -> Path:
    """LUDB's records folder in the shared datasets (the test skipped where it is absent)."""
    data = shared_datasets / "ludb" / "data"
    if not (data / "1.hea").is_file():
        pytest.skip("LUDB not present")
    return data


@pytest.fixture
def ludb1_copy(tmp_path) -> Path:
    """A folder of its own (tmp_path/records) holding a copy of the bundled LUDB record 1 (.hea, .dat)."""
    import shutil

    from mirage_model.paths import resources_dir

    folder = tmp_path / "records"
    folder.mkdir()
    for f in (resources_dir() / "samples" / "ludb").glob("1.*"):
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture
def hard_linked(tmp_path) -> Path:
    """A folder (tmp_path/hard) of the bundled LUDB records 1 and 14 where 1.hea has two more names by hard links
    only (no symbolic link): copy.hea beside it, and sub/1.hea with its sub/1.dat."""
    import shutil

    from mirage_model.paths import resources_dir

    ludb = resources_dir() / "samples" / "ludb"
    records = tmp_path / "hard"
    (records / "sub").mkdir(parents=True)
    for rid in ("1", "14"):
        for ext in (".hea", ".dat"):
            shutil.copy(ludb / f"{rid}{ext}", records / f"{rid}{ext}")
    os.link(records / "1.hea", records / "copy.hea")
    for ext in (".hea", ".dat"):
        os.link(records / f"1{ext}", records / "sub" / f"1{ext}")
    assert not any(p.is_symlink() for p in records.rglob("*"))
    return records


@pytest.fixture(scope="session")
def ptbxl_root() -> Path:
    if not (PTBXL_ROOT / "records100").is_dir():
        pytest.skip("full PTB-XL records not installed (see README: Data)")
    return PTBXL_ROOT


@pytest.fixture(scope="session")
def cinc_samples(shared_datasets) -> list[Path]:
    """The PhysioNet/CinC Challenge samples' headers (cinc/, every source, sorted) less PTB-XL's records of fold
    10 or of a fold that cannot be told: with PTB-XL's table here (``PTBXL_ROOT``), HR00009; without it, every
    HR record (``ptbxl.headers_outside_test_fold``). Skipped where the samples are absent."""
    from mirage_model.records.ptbxl import DATABASE_NAME, headers_outside_test_fold

    table = PTBXL_ROOT / DATABASE_NAME
    headers = headers_outside_test_fold(shared_datasets / "cinc", table if table.is_file() else None)
    if not headers:
        pytest.skip("CinC samples not present")
    return headers


@pytest.fixture
def cinc_folder(cinc_samples, shared_datasets, tmp_path) -> Path:
    """A folder (tmp_path/cinc) of the ``cinc_samples`` headers only, in their own sub-folders, for a reader of
    a whole folder that needs no signal (the records left out are not there)."""
    import shutil

    src, dst = shared_datasets / "cinc", tmp_path / "cinc"
    for hea in cinc_samples:
        (dst / hea.parent.relative_to(src)).mkdir(parents=True, exist_ok=True)
        shutil.copy(hea, dst / hea.relative_to(src))
    return dst


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="module")
def record():
    """The bundled PTB-XL sample 00417_lr, loaded (skips when the samples are not there)."""
    import mirage_model as mm

    path = next((p for p in mm.sample_records() if p.stem == "00417_lr"), None)
    if path is None:
        pytest.skip("bundled PTB-XL sample 00417_lr not present")
    return mm.load_record(path)


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op torch thread for a test module (``pytestmark = usefixtures(...)``).

    On a shared 2-core machine 2+ OpenMP threads spin and run a small training loop 10-20x slower.
    """
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def locked_folders(monkeypatch):
    """``os.scandir`` refuses every folder named "locked" with a PermissionError, as an unreadable
    folder does (as root, chmod 000 does not stop a listing, so the refusal is simulated)."""
    real = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.fixture
def text_scale(qapp):
    """The application's font made larger by a factor, the screen's pixels as they are (Windows' "Make text
    bigger": the text alone grows); restored after (test_app_hidpi, test_app_text_off_traces)."""
    font = qapp.font()

    def scale(factor: float) -> None:
        f = qapp.font()
        f.setPointSizeF(font.pointSizeF() * factor)
        qapp.setFont(f)

    yield scale
    qapp.setFont(font)
