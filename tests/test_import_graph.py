"""The dependency rules of the three packages, read from the source (AST), not from what happens
to be imported at run time:

1. ``mirage_model`` imports neither Qt (PySide6, pyqtgraph) nor ``app`` nor ``training_cli``,
   at module level or inside functions.
2. ``app`` and ``training_cli`` never import each other.
3. The module-level imports of the first-party packages form no cycle.
4. The core of ``mirage_model`` (every module outside ``mirage_model/review/``) never imports the
   product layer ``mirage_model.review``, at module level or inside functions; the product layer
   may use all of the core. The package root ``mirage_model/__init__.py`` is the public face, not
   the core: it may name the product layer's entry points (lazily, so that importing a core module
   does not import the product layer).
5. In ``training_cli``: no command imports another command, the engine imports neither the commands
   nor the command line (main, options, config), and first-party code is imported at module level.
6. No module of ``training_cli`` is over 500 lines (DEVELOPERS.md: one job per module), nor of the
   interpretation (``mirage_model/review/interpret/``) over 600, nor of the serial comparison
   (``mirage_model/review/serial/``) or the batch (``mirage_model/review/batch/``) over 500, nor of the
   measurement (``mirage_model/measure/``) or of its table (``mirage_model/review/measurements/``) over 500, nor the
   batch dialog's (``app/dialogs/batch*.py``) or the ECG plot's (``app/views/ecg_plot.py``, ``plot_*.py``), nor of
   the inference (``mirage_model/inference/``) or the preprocessing (``mirage_model/preprocess/``), nor of the
   quality check (``mirage_model/quality/``), the clinical values (``mirage_model/clinical/``), the formats
   (``mirage_model/formats/``), the PDF report (``mirage_model/review/report/``) or the review session
   (``mirage_model/review/session*.py``), nor of the app's own modules (``app/*.py``), its views (``app/views/``) or
   the window's jobs (``app/window/``).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("mirage_model", "app", "training_cli")
QT = ("PySide6", "pyqtgraph", "shiboken6")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, module_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    pkg = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    if module_level_only:   # also the bodies of module-level if/try (optional imports)
        extra = []
        for n in tree.body:
            if isinstance(n, (ast.If, ast.Try)):
                extra += list(ast.walk(n))
        nodes = list(nodes) + extra
    out = set()
    for n in nodes:
        if isinstance(n, ast.Import):
            out |= {a.name for a in n.names}
        elif isinstance(n, ast.ImportFrom):
            if n.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (n.level - 1)]
                mod = ".".join(base + ([n.module] if n.module else []))
            else:
                mod = n.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in n.names}
    return out


def _files():
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_library_imports_no_qt_and_no_app_or_cli():
    bad = {}
    for f in (ROOT / "mirage_model").rglob("*.py"):
        hits = {m for m in _imports(f, False) if m.split(".")[0] in QT + ("app", "training_cli")}
        if hits:
            bad[str(f.relative_to(ROOT))] = sorted(hits)
    assert not bad, bad


def _core_imports_of_the_product_layer() -> dict[str, list[str]]:
    """core module file -> the ``mirage_model.review`` modules it imports (rule 4)."""
    lib = ROOT / "mirage_model"
    bad = {}
    for f in sorted(lib.rglob("*.py")):
        rel = f.relative_to(lib)
        if rel.parts[0] == "review" or rel == Path("__init__.py"):
            continue
        hits = {m for m in _imports(f, False) if m == "mirage_model.review" or m.startswith("mirage_model.review.")}
        if hits:
            bad[str(f.relative_to(ROOT))] = sorted(hits)
    return bad


def test_the_core_never_imports_the_product_layer():
    bad = _core_imports_of_the_product_layer()
    assert not bad, bad


def test_the_product_layer_rule_finds_a_core_import(tmp_path, monkeypatch):
    # rule 4 can fail: a core module that reaches into review/ (absolute, relative, in a function)
    lib = tmp_path / "mirage_model"
    (lib / "review").mkdir(parents=True)
    (lib / "measure").mkdir()
    for init in (lib, lib / "review", lib / "measure"):
        (init / "__init__.py").write_text("from mirage_model.review import session\n" if init == lib else "")
    (lib / "review" / "session.py").write_text("from mirage_model import render\n")
    (lib / "render.py").write_text("from mirage_model.review.session import ReviewSession\n")
    (lib / "measure" / "table.py").write_text("def rows():\n    from ..review import measurements\n")
    (lib / "clinical.py").write_text("from mirage_model import review\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    bad = _core_imports_of_the_product_layer()
    assert set(bad) == {"mirage_model/render.py", "mirage_model/measure/table.py", "mirage_model/clinical.py"}
    assert bad["mirage_model/measure/table.py"] == ["mirage_model.review", "mirage_model.review.measurements"]


def test_app_and_cli_do_not_import_each_other():
    bad = {}
    for pkg, other in (("app", "training_cli"), ("training_cli", "app")):
        for f in (ROOT / pkg).rglob("*.py"):
            hits = {m for m in _imports(f, False) if m.split(".")[0] == other}
            if hits:
                bad[str(f.relative_to(ROOT))] = sorted(hits)
    assert not bad, bad


def test_no_module_level_import_cycle():
    modules = {_module_name(f): f for f in _files()}
    graph = {}
    for name, f in modules.items():
        deps = set()
        for m in _imports(f, True):
            # the longest first-party module the import names
            parts = m.split(".")
            for k in range(len(parts), 0, -1):
                cand = ".".join(parts[:k])
                if cand in modules and cand != name:
                    deps.add(cand)
                    break
        graph[name] = deps
    # package __init__ modules import their submodules by design; a cycle through an __init__ and
    # its own submodule is how Python packages work, so edges child -> parent package are dropped
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    state, stack, cycles = {}, [], []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    assert not cycles, cycles[:5]


def test_the_reader_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    # the rules above are only as good as the reader: a Qt import hidden in a function and a
    # relative import must both be found
    pkg = tmp_path / "mirage_model"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    f = pkg / "x.py"
    f.write_text("from . import y\n\ndef f():\n    from PySide6.QtCore import QTimer\n    import app.workers\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    found = _imports(f, False)
    assert {"mirage_model.y", "PySide6.QtCore", "app.workers"} <= found
    assert "PySide6.QtCore" not in _imports(f, True) and "mirage_model.y" in _imports(f, True)


def _cli_edges(package: str):
    """(module, first-party module it imports anywhere) for every module under ``training_cli/<package>``."""
    for f in sorted((ROOT / "training_cli" / package).rglob("*.py")):
        name = _module_name(f)
        for m in _imports(f, False):
            if m.startswith("training_cli."):
                yield name, m


def test_no_command_imports_another_command():
    # commands share the engine (training_cli.engine) and the option groups (training_cli.options),
    # never each other's code: a helper two commands need belongs in one of those
    bad = sorted({(name, m) for name, m in _cli_edges("commands")
                  if m.startswith("training_cli.commands.") and not m.startswith(name + ".")
                  and m.split(".")[2] != name.split(".")[2]})
    assert not bad, bad


def test_engine_never_imports_commands_or_the_command_line():
    # the engine takes typed parameters: it knows nothing of commands, parsers or main()
    front = ("training_cli.commands", "training_cli.main", "training_cli.options", "training_cli.config")
    bad = sorted({(name, m) for name, m in _cli_edges("engine") if m.startswith(front)})
    assert not bad, bad


def _function_level_imports(path: Path) -> set[str]:
    """Modules imported inside a function or method of ``path`` (absolute names, as ``_imports`` gives)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for n in ast.walk(fn):
                if isinstance(n, ast.Import):
                    out |= {a.name for a in n.names}
                elif isinstance(n, ast.ImportFrom):
                    out.add("." * n.level + (n.module or ""))
    return out


def test_cli_imports_first_party_code_at_module_level():
    # a first-party import inside a function hides a dependency (and once hid a cycle) from this test;
    # only heavy optional third-party packages may be imported late (matplotlib, pandas)
    bad = {}
    for f in (ROOT / "training_cli").rglob("*.py"):
        hits = {m for m in _function_level_imports(f) if m.startswith(".") or m.split(".")[0] in PACKAGES}
        if hits:
            bad[str(f.relative_to(ROOT))] = sorted(hits)
    assert not bad, bad


def test_every_command_module_is_registered():
    # main imports a command's module by name from the registry (training_cli.commands.COMMANDS):
    # the registry is the command line's explicit list, so it names every module and no other
    from training_cli.commands import COMMANDS

    modules = {p.stem for p in (ROOT / "training_cli" / "commands").glob("*.py") if p.stem != "__init__"}
    assert modules == set(COMMANDS)
    for name in COMMANDS:
        text = (ROOT / "training_cli" / "commands" / f"{name}.py").read_text(encoding="utf-8")
        assert f"def {name}_command_parser(subparsers=None)" in text and "\ndef run(args" in text, name


def test_no_cli_module_is_over_500_lines():
    # a module past about 500 lines holds more than one job (datasets.py held every dataset kind and
    # every table reader, 636 lines; loop.py the epoch and the checkpoint's provenance; export.py the
    # model card): split it where the jobs part, as DEVELOPERS.md's module map names them
    long = {str(f.relative_to(ROOT)): n for f in sorted((ROOT / "training_cli").rglob("*.py"))
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long, long


def test_no_interpretation_module_is_over_600_lines():
    # the interpretation was one module of 2,328 lines (its statement table, every rule with the figures that chose it,
    # the assembly, the prediction and session faces): one module per job, each under about 600 lines
    review = ROOT / "mirage_model" / "review"
    files = sorted([*review.glob("interpret*.py"), *(review / "interpret").glob("*.py")])
    long = {str(f.relative_to(ROOT)): n for f in files if (n := len(f.read_text(encoding="utf-8").splitlines())) > 600}
    assert files and not long, long


def test_no_serial_comparison_or_batch_module_is_over_500_lines():
    # the serial comparison (809 lines: the patient's identity, each measurement's change, the statements, what a
    # side cannot carry, the comparison) and the batch's rows (688) and run (797) were split by job, each under 500
    review = ROOT / "mirage_model" / "review"
    files = sorted([*(review / "serial").glob("*.py"), *(review / "batch").glob("*.py")])
    long = {str(f.relative_to(ROOT)): n for f in files if (n := len(f.read_text(encoding="utf-8").splitlines())) > 500}
    assert len(files) > 15 and not long, long


def _over_500(files) -> dict[str, int]:
    """path -> lines of each of ``files`` over 500 lines."""
    return {str(f.relative_to(ROOT)): n for f in files if (n := len(f.read_text(encoding="utf-8").splitlines())) > 500}


def test_no_measurement_module_is_over_500_lines():
    # the measurement's pipeline (621 lines: the record's checks, mains, gaps and rate; the median beat's measurement)
    # was split by job: pipeline (measure), gaps (missing samples), median_beat; so was the measurement table
    # (review/measurements.py, 690 lines): edits, ranges, doubts, table; each under 500
    review = ROOT / "mirage_model" / "review"
    files = sorted([*(ROOT / "mirage_model" / "measure").glob("*.py"), *review.glob("measurements*.py"),
                    *(review / "measurements").glob("*.py")])
    assert len(files) > 10 and not _over_500(files), _over_500(files)


def test_no_batch_dialog_module_is_over_500_lines():
    # the batch dialog (807 lines: its form and run, its table of results, its notes, what a finished run says) was
    # split by job into parts of one class (batch, batch_start, batch_table, batch_notes, batch_outcome), each under
    # 500
    files = sorted((ROOT / "app" / "dialogs").glob("batch*.py"))
    assert len(files) > 3 and not _over_500(files), _over_500(files)


def test_no_ecg_plot_module_is_over_500_lines():
    # the ECG plot (757 lines: its scale and zoom, its display filters, the paper and traces) was split by job into
    # mixins of EcgPlot (plot_scale, plot_filters), beside plot_overlays and calipers; each under 500
    views = ROOT / "app" / "views"
    files = [views / name for name in ("ecg_plot.py", "plot_scale.py", "plot_filters.py") if (views / name).exists()]
    assert files and not _over_500(files), _over_500(files)


def test_no_inference_or_preprocessing_module_is_over_500_lines():
    # inference.py (795 lines: the Prediction, a record's preparation and quality reports, the measured stage's
    # features, the Predictor, the windows' aggregation) and preprocess.py (799: the settings, the mains, the filters
    # and resampling, the windows and model_inputs) were split by job into the packages inference/ and preprocess/;
    # each under 500
    lib = ROOT / "mirage_model"
    files = sorted([*(lib / "inference").glob("*.py"), *(lib / "preprocess").glob("*.py")])
    assert len(files) > 8 and not _over_500(files), _over_500(files)


def test_no_quality_clinical_or_edf_module_is_over_500_lines():
    # quality/indices.py (574 lines: the beats and noise indices, the pacing stimuli, a lead's ECG lost part-way)
    # was split by job into indices, pacing and lost_ecg, clinical/labs.py (791: the header cells and numbers,
    # the reader, the rows matched to records) into labs_columns, labs and labs_ids, and formats/edf.py (921: the
    # reader, the fixed header's check and EDF+D's data records, the writer) into edf, edf_records and edf_write;
    # each under 500
    lib = ROOT / "mirage_model"
    files = sorted([*(lib / "quality").glob("*.py"), *(lib / "clinical").glob("*.py"),
                    *(lib / "formats").glob("edf*.py")])
    assert len(files) > 18 and not _over_500(files), _over_500(files)


def test_no_formats_report_or_session_module_is_over_500_lines():
    # formats/vendor.py (585 lines: the XML's checks, a lead's scale, the device's own analysis, the path through the
    # parsers) and formats/dicom.py (611: the file's checks and parser, the multiplex groups, their samples' checks)
    # were split by job, as were review/report/summary_band.py (602: the measurement block, the model line, the
    # interpretation) and review/session.py (678: the parts' states and events, the clinical values, the session);
    # each under 500
    lib = ROOT / "mirage_model"
    files = sorted([*(lib / "formats").glob("*.py"), *(lib / "review" / "report").glob("*.py"),
                    *(lib / "review").glob("session*.py")])
    assert len(files) > 45 and not _over_500(files), _over_500(files)


def test_no_app_view_or_worker_module_is_over_500_lines():
    # views/explain.py (649 lines: the probability bars beside the model image and the lead heat maps),
    # views/lab_form.py (667: the form and its rows' widgets) and workers.py (571: the QRunnable and every job it
    # runs) were split by job: probability_bars, lab_row, jobs; each under 500. Held for the app's own modules and
    # its views. So were main.py (794: the options, the --export-pdf run, the log and the error hook, the process's
    # end: export_run, run_logging, process_end) and main_window.py (746: the views, the menus and toolbar, the
    # window on the screen, Esc and closing: the window's jobs menus, screen_fit, work); held for the window's jobs too
    app = ROOT / "app"
    files = sorted([*app.glob("*.py"), *(app / "views").glob("*.py"), *(app / "window").glob("*.py")])
    assert len(files) > 40 and {"app/workers.py", "app/jobs.py", "app/main.py", "app/main_window.py",
                                "app/window/records.py"} <= {str(f.relative_to(ROOT)) for f in files}
    assert not _over_500(files), _over_500(files)


# what mirage_model/formats may import from the rest of the library (DEVELOPERS.md, Layout)
FORMATS_USES = {"mirage_model.records.record", "mirage_model.records.leads", "mirage_model.records.extra_leads",
                "mirage_model.records.flags",
                "mirage_model.records.metadata", "mirage_model.records.folder", "mirage_model.records.wfdb_header",
                "mirage_model.records.age",
                "mirage_model.limits", "mirage_model.clinical", "mirage_model.words"}


def _formats_imports(root: Path) -> dict[str, list[str]]:
    """The first-party modules outside mirage_model.formats that each file of it imports (anywhere in the file)."""
    out = {}
    for path in sorted((root / "mirage_model" / "formats").rglob("*.py")):
        mods = set()
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(n, ast.Import):
                mods |= {a.name for a in n.names}
            elif isinstance(n, ast.ImportFrom):
                mods.add("mirage_model.formats" if n.level else n.module or "")
        mods = {m for m in mods if m.startswith("mirage_model") and not m.startswith("mirage_model.formats")}
        if mods:
            out[path.name] = sorted(mods)
    return out


def test_formats_uses_only_what_developers_md_names():
    used = _formats_imports(ROOT)
    assert used, "the rule reads no import at all"
    bad = {name: [m for m in mods if m not in FORMATS_USES] for name, mods in used.items()}
    assert not any(bad.values()), bad
    developers = (ROOT / "DEVELOPERS.md").read_text(encoding="utf-8")
    assert all(f"`{m.rpartition('.')[2]}`" in developers for m in FORMATS_USES)


def test_the_window_module_and_a_checkpoint_config_import_no_torch():
    """The app draws its window before torch is imported (a worker loads the model meanwhile): importing
    torch on the GUI thread took the cold start from 1.7 to 3.4 s (session 35, scripts/bench_app.py),
    through the shipped-models menu's ``checkpoint.label_summary``. Reading a checkpoint's config needs
    no torch; loading one imports it when asked for."""
    import subprocess
    import sys

    code = ("import sys, app.main_window\n"
            "from mirage_model.checkpoint import label_summary, read_checkpoint_config\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n"
            "assert 'reportlab' not in sys.modules, 'reportlab imported'\n"   # the PDF's: imported when one is written
            "from mirage_model.checkpoint import load_checkpoint\n"
            "assert 'torch' in sys.modules and callable(load_checkpoint)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-2000:]
