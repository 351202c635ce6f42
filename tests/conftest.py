"""Shared fixtures. Qt runs offscreen; ../shared/datasets is optional (tests using it skip)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
def ptbxl_root() -> Path:
    if not (PTBXL_ROOT / "records100").is_dir():
        pytest.skip("full PTB-XL records not installed (see README: Data)")
    return PTBXL_ROOT


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA
