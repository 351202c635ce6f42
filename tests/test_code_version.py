"""What a checkpoint and the report say of the code that made a model. ``runlog.code_version`` records the version
and, from a checkout of the project, its commit, ".dirty" where a tracked file had been changed; an installed copy
inside some other git repository (a venv kept in a researcher's own project) had recorded that repository's commit
and edits as the code's. The PDF printed the record bare under "Version" ("0.1.0+g55fd887.dirty", the shipped
default model's), read as the program's version: it says "Made with: MIRAGE 0.1.0, commit 55fd887, with changes
not committed"; the program's own version is in every page's footer."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

import mirage_model


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          capture_output=True, text=True, check=True).stdout.strip()


def _repo(root: Path, tracked: str) -> str:
    """A git repository at ``root`` with the file ``tracked`` committed; its short commit."""
    (root / tracked).parent.mkdir(parents=True, exist_ok=True)
    (root / tracked).write_text("x = 1\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "one")
    return _git(root, "rev-parse", "--short", "HEAD")


@pytest.fixture
def package_at(monkeypatch):
    """Makes ``runlog.code_version`` find the package at the given folder."""
    def place(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setattr(mirage_model, "__file__", str(folder / "__init__.py"))
    return place


def test_a_clean_checkout_records_its_commit_and_a_changed_one_says_so(tmp_path, package_at):
    from training_cli.engine.runlog import code_version

    commit = _repo(tmp_path / "clone", "mirage_model/__init__.py")
    package_at(tmp_path / "clone" / "mirage_model")
    assert code_version() == f"{mirage_model.__version__}+g{commit}"
    (tmp_path / "clone" / "mirage_model" / "__init__.py").write_text("x = 2\n")      # a tracked file changed
    assert code_version() == f"{mirage_model.__version__}+g{commit}.dirty"


def test_an_install_inside_another_repository_records_the_version_alone(tmp_path, package_at):
    from training_cli.engine.runlog import code_version

    _repo(tmp_path / "project", "analysis.py")
    (tmp_path / "project" / "analysis.py").write_text("x = 2\n")       # the researcher's own edits
    package_at(tmp_path / "project" / ".venv" / "lib" / "site-packages" / "mirage_model")
    assert code_version() == mirage_model.__version__


def test_the_pdf_says_what_made_the_model_in_words(tmp_path):
    from reportlab.platypus import Paragraph

    from helpers_models import make_tiny_checkpoint, synthetic_record
    from mirage_model.inference import Predictor
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles

    pred = Predictor(make_tiny_checkpoint(tmp_path / "m"), quality=False).predict(synthetic_record())

    def model_lines(version: str) -> str:
        flow = result_flowables(SimpleNamespace(prediction=pred, record=None, session=None), styles(),
                                {"name": "m", "version": version})
        return next(f.text for f in flow if isinstance(f, Paragraph) and "<b>Name</b>" in f.text)

    assert "<b>Made with</b>: MIRAGE 0.1.0, commit 55fd887, with changes not committed" in \
        model_lines("0.1.0+g55fd887.dirty")
    clean = model_lines("0.1.0+g2e0de95")
    assert "<b>Made with</b>: MIRAGE 0.1.0, commit 2e0de95<br/>" in clean and "Version" not in clean
    assert "<b>Made with</b>: MIRAGE 0.1.0<br/>" in model_lines("0.1.0")
