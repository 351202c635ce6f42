"""The public API of ``mirage_model``: every name the type stub declares resolves at run time to the
object of the module the stub names, and the stub, ``__all__`` and ``dir()`` agree."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

import mirage_model

STUB = Path(mirage_model.__file__).with_name("__init__.pyi")
# The product layer moves under mirage_model/review/ on a branch of its own; until it is there
# these two names cannot resolve (the stub already names where they will live).
PRODUCT = {"build_report": "mirage_model.review.report", "score_folder": "mirage_model.review.batch"}


def _stub_names() -> dict[str, str | None]:
    """name -> module it is imported from in the stub (None: declared there, e.g. __version__)."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    out: dict[str, str | None] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mirage_model"):
            for alias in node.names:
                assert alias.asname == alias.name, f"{alias.name}: re-export it as 'X as X'"
                out[alias.name] = node.module
        elif isinstance(node, ast.AnnAssign):
            out[node.target.id] = None
    return out


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def test_stub_matches_all():
    names = _stub_names()
    assert sorted(names) == sorted(mirage_model.__all__)
    assert len(set(mirage_model.__all__)) == len(mirage_model.__all__)
    assert set(mirage_model.__all__) <= set(dir(mirage_model))
    stub_all = next(n for n in ast.parse(STUB.read_text()).body
                    if isinstance(n, ast.Assign) and n.targets[0].id == "__all__")
    assert sorted(ast.literal_eval(stub_all.value)) == sorted(mirage_model.__all__)


@pytest.mark.parametrize("name", sorted(_stub_names()))
def test_every_public_name_resolves_to_the_stubs_object(name):
    module = _stub_names()[name]
    if name in PRODUCT and not _available(PRODUCT[name]):
        pytest.skip(f"{PRODUCT[name]} is not on this branch yet")
    value = getattr(mirage_model, name)
    if module is None:
        assert isinstance(value, str) and value
    else:
        assert value is getattr(importlib.import_module(module), name)


def test_errors_of_predict_are_exported():
    # what Predictor.predict (and building a Predictor) can raise, each importable from the top
    for name in ("RecordError", "UnscorableRecordError", "ClinicalError", "PreprocessError",
                 "CheckpointError", "ModelNotFoundError", "DeviceError"):
        assert issubclass(getattr(mirage_model, name), Exception)
    assert issubclass(mirage_model.UnscorableRecordError, mirage_model.RecordError)


def test_unknown_names_and_legacy_exports_are_absent():
    for name in ("preprocess_signal", "preprocess_record", "no_such_name"):
        with pytest.raises(AttributeError):
            getattr(mirage_model, name)
