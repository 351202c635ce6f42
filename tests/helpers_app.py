"""Fixtures shared by the app's test modules (import them into a module to use them there)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app import workers
from helpers_models import make_tiny_checkpoint


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
