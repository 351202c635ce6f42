"""A normal install (``pip install .``, or a wheel someone built) carries the shipped resources.

The models, sample records, reversal detector and icons live in resources/ at the top of the
checkout, beside the packages, not inside one; pyproject.toml maps that folder onto a data
package. Without it an installed MIRAGE Review opens no model and no record. These tests build
the real wheel from a copy of the project (no network, no build isolation: the setuptools that
runs the tests builds it) and compare it with the checkout, and check that
``paths.resources_dir()`` finds the installed copy where no resources/ sits beside the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("mirage_model", "app", "training_cli")
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
DEV_ONLY = {"training_cli/README.md"}     # notes for developers, not needed by an installed copy

# what an installed app cannot do without (named, beyond "every file of resources/")
NEEDED = ("models/default/model.safetensors", "models/default/config.json",
          "models/default/MODEL_CARD.md", "models/delineator/unet.safetensors",
          "models/delineator/unet.json", "quality/reversal.json", "samples/ATTRIBUTION.md",
          "samples/ptbxl/records100/00000/00417_lr.hea", "samples/ptbxl/records100/00000/00417_lr.dat",
          "samples/ludb/1.hea", "samples/ludb/1.dat", "icons/mirage.svg")

# run in a fresh interpreter whose only first-party code is the installed copy
PROBE = """
import mirage_model, mirage_model.paths as p
from mirage_model.quality.reversal import default_reversal_path
from mirage_model.measure.learned import default_path as delineator_path
print(mirage_model.__file__)
print(p.resources_dir())
print(p.default_model_path())
print(p.default_sample())
print(default_reversal_path())
print(delineator_path())
"""


def _files(folder: Path) -> set[str]:
    """Every file under ``folder``, as POSIX paths relative to it (caches left out)."""
    return {f.relative_to(folder).as_posix() for f in folder.rglob("*")
            if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"}


def _probe(site: Path, cwd: Path) -> list[Path]:
    """PROBE's lines, run with ``site`` as the only place first-party code is imported from."""
    env = {k: v for k, v in os.environ.items() if k != "MIRAGE_RESOURCES"}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [Path(line) for line in proc.stdout.splitlines()]


def _check_installed(site: Path, probed: list[Path]) -> None:
    """``probed``: PROBE's lines (``_probe``) for the installed copy in ``site``."""
    module, res, model, sample, reversal, delineator = probed
    assert module.is_relative_to(site), f"imported {module}, not the installed copy"
    assert not (site / "resources").exists()        # nothing beside the package to fall back on
    assert (res / "models" / "default").is_dir(), f"resources_dir() is {res}, which holds no default model"
    assert res.is_relative_to(site), f"resources_dir() is {res}, outside the installed package"
    assert _files(res) == _files(ROOT / "resources")
    assert model == res / "models" / "default" and (model / "model.safetensors").is_file()
    assert sample == res / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
    assert reversal.is_file() and reversal.is_relative_to(res)
    assert delineator.is_file() and delineator.is_relative_to(res)


def test_resources_found_inside_an_installed_package(tmp_path):
    """The package laid out as pyproject.toml says a wheel installs it, with no resources/ beside
    it (as in site-packages): resources_dir() finds the shipped models and samples."""
    try:
        import tomllib
    except ImportError:                 # Python 3.10
        tomllib = pytest.importorskip("tomli")
    setuptools_cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapped = [pkg for pkg, folder in setuptools_cfg.get("package-dir", {}).items()
              if Path(folder) == Path("resources")]
    assert len(mapped) == 1, "pyproject.toml maps no package onto resources/: a wheel lacks them"
    site = tmp_path / "site"
    shutil.copytree(ROOT / "mirage_model", site / "mirage_model", ignore=JUNK)
    shutil.copytree(ROOT / "resources", site.joinpath(*mapped[0].split(".")), ignore=JUNK)
    _check_installed(site, _probe(site, cwd=tmp_path))


def test_wheel_carries_the_resources(tmp_path):
    """The wheel built from the project holds every file of the three packages (their modules and
    data: icons, fonts, label maps) and of resources/, and once installed (``pip install --target``)
    resources_dir() finds them."""
    pytest.importorskip("setuptools")
    src = tmp_path / "src"             # a copy: the build writes build/ and *.egg-info into its source
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    for name in (*PACKAGES, "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=JUNK)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    dist = tmp_path / "dist"
    build = subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", str(dist), str(src)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("mirage_review-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())

    site = tmp_path / "site"
    install = subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(site),
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    probed = _probe(site, cwd=tmp_path)
    res = probed[1]
    assert (res / "models" / "default" / "config.json").is_file(), \
        f"installed from {wheel.name}, resources_dir() is {res}, which holds no default model"
    assert res.is_relative_to(site / "mirage_model"), \
        f"resources_dir() is {res}: not inside the installed library (a top-level 'resources' clashes)"
    prefix = res.relative_to(site).as_posix()

    missing = [f"{prefix}/{n}" for n in NEEDED if f"{prefix}/{n}" not in names]
    assert not missing, f"{wheel.name} lacks {missing}"
    expected = {f"{prefix}/{f}" for f in _files(ROOT / "resources")}
    expected |= {f"{pkg}/{f}" for pkg in PACKAGES for f in _files(ROOT / pkg)} - DEV_ONLY   # data too
    assert not expected - names, f"{wheel.name} lacks {sorted(expected - names)}"
    _check_installed(site, probed)


def test_a_library_whose_private_names_we_read_is_pinned_to_its_minor_version():
    """The vendor readers subclass ecgdatakit's parsers and import its private helpers, the WFDB
    reader wfdb's ``_signal`` (names with a leading underscore), which a new minor version may
    rename: a fresh install must get a version they were written against, so each such requirement
    is bounded above (``<X.Y``)."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]
    for path in (ROOT / "mirage_model").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for lib in set(re.findall(r"from (\w+)[\w.]* import \(?\s*_[a-zA-Z]", text)) - {"mirage_model", "__future__"}:
            spec = next((d for d in requirements if re.match(rf"{lib}\b", d)), None)
            assert spec is not None and re.search(r"<\s*\d+\.\d+", spec), \
                f"{path.name} reads private names of {lib}, whose requirement is {spec!r}: pin its minor version"
