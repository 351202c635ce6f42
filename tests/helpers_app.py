"""Fixtures and a window builder shared by the app's test modules (import them into a module to use
them there; the module sets QT_QPA_PLATFORM before it does)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app import workers
from helpers_models import make_tiny_checkpoint
from mirage_model.paths import resources_dir

WAIT_MS = 60000
# the two bundled PTB-XL records (a normal ECG and an infarct), header and data each
PTBXL_PAIR = tuple(resources_dir() / "samples" / "ptbxl" / "records100" / p
                   for p in ("00000/00417_lr.hea", "11000/11125_lr.hea"))


def clean_and_scaled(tmp_path, factor: float, name: str) -> tuple[Path, Path]:
    """(clean, scaled): the headers of ``PTBXL_PAIR[0]`` (00417_lr) written as WFDB as it is, in ``tmp_path/clean``,
    and with its samples times ``factor`` (a gain wrong in the file), in ``tmp_path/name``; both named "r"."""
    import dataclasses

    import numpy as np

    from mirage_model.formats.write import write_record
    from mirage_model.records import load_record

    rec = load_record(PTBXL_PAIR[0])
    scaled = dataclasses.replace(rec, signal=(rec.signal * factor).astype(np.float32))
    return (write_record(rec, tmp_path / "clean", "wfdb", name="r"),
            write_record(scaled, tmp_path / name, "wfdb", name="r"))


def two_record_folder(tmp_path) -> Path:
    """``tmp_path/records`` holding ``PTBXL_PAIR`` (headers and data), for a batch to score."""
    folder = tmp_path / "records"
    folder.mkdir()
    for hea in PTBXL_PAIR:
        shutil.copy(hea, folder)
        shutil.copy(hea.with_suffix(".dat"), folder)
    return folder


def with_a_header(folder) -> Path:
    """``folder`` holding one WFDB header, r0.hea, so that the batch dialog starts the batch its test stands in for:
    a folder of no record is not scored (``batch.run.nothing_to_score``)."""
    folder = Path(folder)
    (folder / "r0.hea").write_text("r0 1 500 5000\nr0.dat 16 200 16 0 0 0 0 I\n")
    return folder


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Every test gets its own empty QSettings store (INI files under tmp_path); workers end with it."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield
    workers.cancel_all_and_wait(30000)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A tiny random checkpoint that reads age, sex, height and weight."""
    return make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "tiny",
                                clinical=("age", "sex", "height", "weight"))


def shown_window(qtbot, model=None, size: tuple[int, int] | None = (1400, 900)):
    """A shown MainWindow with empty settings (no model chosen), ``size`` px (None: as it opens);
    with ``model``, that checkpoint loaded before it returns."""
    from app.main_window import MainWindow
    from app.settings import Settings

    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings)
    if size is not None:
        window.resize(*size)
    qtbot.addWidget(window)
    window.show()
    if model is not None:
        window.load_model(str(model))
        qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    return window


def hold_scoring(monkeypatch):
    """The model runs started from here wait in their worker until released: (entered, release), two
    ``threading.Event``; ``jobs.score_job`` sets ``entered`` and waits for ``release`` (60 s at most)."""
    import threading

    from app import jobs

    entered, release = threading.Event(), threading.Event()
    real = jobs.score_job

    def held(*args, **kwargs):
        entered.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "score_job", held)
    return entered, release
