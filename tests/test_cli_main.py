"""The ``mirage`` entry point: ``info`` and a reader that goes away."""

from __future__ import annotations

import os
import sys

import pytest

from helpers_models import make_tiny_checkpoint
from training_cli.main import main


def test_info_lists_shipped_models(tmp_path, monkeypatch, capsys):
    res = tmp_path / "res"
    make_tiny_checkpoint(res / "models" / "default")
    make_tiny_checkpoint(res / "models" / "mi", labels=("MI",))
    monkeypatch.setenv("MIRAGE_RESOURCES", str(res))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "shipped models (--model NAME): default, mi" in out
    assert "  default (NORM, MI, STTC, CD, HYP): " in out and "  mi (MI): " in out
    assert "Research use only" in out


class ClosedPipe:
    """stdout whose reader has gone away: every write raises BrokenPipeError."""

    def __init__(self, fd: int):
        self._fd = fd

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        pass

    def fileno(self) -> int:
        return self._fd


def test_closed_pipe_ends_quietly(tmp_path, monkeypatch):
    """``mirage info | head -1``: exit status 141 and no traceback when the reader stops early."""
    fd = os.open(tmp_path / "stdout", os.O_WRONLY | os.O_CREAT)
    try:
        monkeypatch.setattr(sys, "stdout", ClosedPipe(fd))
        assert main(["info"]) == 141
    finally:
        os.close(fd)


def test_command_line_value_equal_to_the_default_beats_the_config_file(tmp_path):
    # --seed 0 and --grad-clip 1.0 are train's built-in defaults; given on the command line they
    # must win over a config file's 5 and 0.5 (the config only supplies what the line leaves out).
    import json

    from training_cli import main as cli
    from training_cli.commands.train import config_from_args, train_command_parser

    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"seed": 5, "grad-clip": 0.5, "epochs": 7}))
    argv = ["train", "--config", str(cfg), "--data", "x", "--out", str(tmp_path / "o"), "--seed", "0",
            "--grad-clip", "1.0"]
    args = cli.get_args_parser().parse_args(argv)
    args = config_from_args(args)
    assert (args.seed, args.grad_clip, args.epochs) == (0, 1.0, 7)
    direct = config_from_args(train_command_parser().parse_args(argv[1:]))
    assert (direct.seed, direct.grad_clip, direct.epochs) == (0, 1.0, 7)
    bare = config_from_args(train_command_parser().parse_args(["--config", str(cfg), "--data", "x", "--out", "y"]))
    assert (bare.seed, bare.grad_clip, bare.epochs) == (5, 0.5, 7)


def test_evaluate_export_ensemble_take_a_shipped_model_name(tmp_path, capsys):
    # every --model takes "default" / "mi" as well as a folder (export runs whole: it is cheap)
    import json

    from mirage_model.paths import shipped_models

    from training_cli import main as cli
    from training_cli.engine.checkpoints import model_path
    from training_cli.engine.errors import ConfigError

    assert model_path("default") == shipped_models()["default"]
    with pytest.raises(ConfigError, match="no such checkpoint"):
        model_path("no_such_model")
    assert cli.main(["export", "--model", "mi", "--out", str(tmp_path / "mi")]) == 0
    assert json.loads((tmp_path / "mi" / "config.json").read_text())["labels"] == ["MI"]
    # ensemble resolves the names too: both load; mi's one label is a subset of default's, so the pair is
    # accepted up to the (missing) data, and the other way round default's other labels are refused
    assert cli.main(["ensemble", "default", "mi", "--data", "folder:nowhere", "--out", str(tmp_path / "e")]) == 1
    assert "nowhere: dataset folder does not exist" in capsys.readouterr().err
    assert cli.main(["ensemble", "mi", "default", "--data", "folder:nowhere", "--out", str(tmp_path / "e")]) == 1
    assert "labels differ" in capsys.readouterr().err


def test_help_lists_every_command_without_loading_them(tmp_path):
    """`mirage --help` and a mistyped command answer without importing torch or any command module;
    the command that runs is built in full (its own --help lists its options)."""
    import subprocess

    from training_cli.commands import COMMANDS

    probe = ("import sys\nfrom training_cli.main import main\n"
             "for argv in (['--help'], ['scroe']):\n"
             "    try:\n        main(argv)\n    except SystemExit as e:\n        print('exit', e.code)\n"
             "cmds = sorted(m for m in sys.modules if m.startswith('training_cli.commands.'))\n"
             "print('loaded', 'torch' in sys.modules, cmds)\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    out = run.stdout
    assert "exit 0" in out and "exit 2" in out and "invalid choice: 'scroe'" in run.stderr
    assert "loaded False []" in out
    assert all(name in out for name in COMMANDS) and "batch-score every record under a folder" in out
    run = subprocess.run([sys.executable, "-m", "training_cli.main", "score", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and "--statements-model" in run.stdout


def test_the_library_errors_main_turns_into_exit_2_share_one_base():
    from mirage_model.checkpoint import CheckpointError
    from mirage_model.clinical import ClinicalError
    from mirage_model.errors import MirageInputError
    from mirage_model.inference import UnscorableRecordError
    from mirage_model.preprocess import PreprocessError
    from mirage_model.records import RecordError
    from mirage_model.review.batch import BatchError

    for cls in (RecordError, UnscorableRecordError, CheckpointError, ClinicalError, BatchError, PreprocessError):
        assert issubclass(cls, MirageInputError), cls
    assert issubclass(ClinicalError, ValueError) and issubclass(PreprocessError, ValueError)   # as before


def test_a_record_that_cannot_be_read_is_one_error_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "bad.hea").write_text("not a header\n")
    rc = main(["report", str(tmp_path / "bad.hea"), "--out", str(tmp_path / "r.pdf"), "--model", "none"])
    err = capsys.readouterr().err
    assert rc == 2 and "bad.hea" in err and "Traceback" not in err


@pytest.mark.parametrize("package, prog, option", [("app", "mirage-review", "--export-pdf"),
                                                   ("training_cli", "mirage", "score")])
def test_python_dash_m_runs_the_packages_like_their_commands(package, prog, option):
    """`python -m app` and `python -m training_cli` are what a user without the console scripts on PATH
    types; they answer --help as `mirage-review` and `mirage` do (they said "No module named
    app.__main__")."""
    import subprocess

    run = subprocess.run([sys.executable, "-m", package, "--help"], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"usage: {prog}") and option in run.stdout


@pytest.mark.parametrize("name", ["info", "compare", "export"])
def test_every_command_s_help_says_what_it_does(name, capsys):
    """`mirage export --help`, `compare --help` and `info --help` had printed only their options; and
    `mirage --help` had said export writes fp16 weights, which it does only with --half."""
    from training_cli.commands import COMMANDS

    with pytest.raises(SystemExit) as stop:
        main([name, "--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    above_options = " ".join(out.split("options:")[0].split())     # the description, wrapped by argparse
    assert COMMANDS[name][1:] in above_options
    assert "--half: fp16" in COMMANDS["export"] and "(fp16 weights," not in COMMANDS["export"]


def test_report_help_says_it_reads_clinical_files(capsys):
    """`mirage report --help` named only WFDB and Challenge files, though the command reads every
    format load_record does (README: Clinical ECG formats)."""
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(name in text for name in ("GE MUSE", "Philips", "DICOM", "SCP-ECG", "EDF"))


@pytest.mark.parametrize("argv,verbose", [
    (["report", "x.hea", "--out", "x.pdf", "--verbose"], True),     # where "run with --verbose" leads
    (["-v", "report", "x.hea", "--out", "x.pdf"], True),
    (["report", "x.hea", "--out", "x.pdf"], False),
])
def test_verbose_is_taken_after_the_command_too(argv, verbose):
    """An unexpected error ends "(run with --verbose for details)"; `mirage report ... --verbose` had
    then been refused as "unrecognized arguments: --verbose" (only `mirage --verbose report ...` was)."""
    from training_cli.main import get_args_parser

    args, extra = get_args_parser(argv).parse_known_args(argv)
    assert extra == [] and args.verbose is verbose and args.command == "report"


@pytest.mark.parametrize("name", ["score", "report", "robustness"])
def test_model_help_names_every_shipped_model(name, capsys):
    """`--model` took a shipped model by name, and the help of score, report and robustness named
    "default, mi", leaving out the statements model that ships beside them (resources/models)."""
    from mirage_model.paths import shipped_models

    with pytest.raises(SystemExit):
        main([name, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    shipped = sorted(shipped_models())
    assert "statements" in shipped
    said = text.split("shipped model by name:")[1].split("(default")[0]
    assert sorted(n.strip() for n in said.split(",")) == shipped


def test_score_help_says_it_reads_clinical_files(capsys):
    """`mirage score --help` said it scores "WFDB .hea/.dat and PhysioNet Challenge .hea/.mat"
    under FOLDER, though a folder of clinical exports is scored (README: Clinical ECG formats)."""
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(name in text for name in ("GE MUSE", "Philips", "DICOM", "SCP-ECG", "EDF"))


def test_cache_dir_help_names_the_folder_used(tmp_path, monkeypatch, capsys):
    """`--cache-dir`'s help put ~/.cache/mirage before $MIRAGE_CACHE, which wins when set: the help
    now names them in the order `default_cache_dir` chooses, checked against what it chooses."""
    from training_cli.engine.cache import default_cache_dir

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    said = text.split("--cache-dir CACHE_DIR")[-1].split(" --")[0]
    assert said.index("$MIRAGE_CACHE") < said.index("~/.cache/mirage")
    monkeypatch.setenv("MIRAGE_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("MIRAGE_CACHE")
    assert default_cache_dir().parts[-2:] == (".cache", "mirage")


def test_ctrl_c_while_the_command_is_imported_is_one_line(monkeypatch, capsys):
    """Ctrl-C in the first seconds of a command (torch being imported, the line parsed) had ended in a
    traceback into importlib and a death by SIGINT; it is "interrupted while starting: nothing was written" and
    exit status 130, as during the command's run ("interrupted" there)."""
    from training_cli import main as cli

    def interrupted(name):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.importlib, "import_module", interrupted)
    assert main(["score", "somewhere", "--out", "x.csv"]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted while starting: nothing was written"


def test_every_option_of_every_command_says_what_it_takes():
    """`mirage COMMAND --help` had listed --epochs, --lr, --batch-size, --threads, --device, --split ... of
    train, evaluate, calibrate, ensemble, ablate, compare and interpretation with no word on them."""
    import argparse

    from training_cli.main import get_args_parser

    sub = next(a for a in get_args_parser()._actions if isinstance(a, argparse._SubParsersAction))
    silent = {name: [a.option_strings[0] if a.option_strings else a.dest for a in parser._actions if not a.help]
              for name, parser in sub.choices.items()}
    assert {name: opts for name, opts in silent.items() if opts} == {}


# a Python that holds the import of the module named first (``training_cli.engine.errors``: as a loaded disk holds
# the first imports of a command), says so, then runs the command line as ``python -m training_cli`` (runpy) or as
# the ``mirage`` script pip writes (the entry point's import, then main()) does
_HELD_IMPORT = """
import importlib.abc, sys, time
held, way, sys.argv = sys.argv[1], sys.argv[2], ["mirage", *sys.argv[3:]]
class Held(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == held:
            print("importing", file=sys.stderr, flush=True)
            time.sleep(60)
        return None
sys.meta_path.insert(0, Held())
if way == "-m":
    import runpy
    runpy.run_module("training_cli", run_name="__main__", alter_sys=True)
else:
    from training_cli.main import main
    sys.exit(main())
"""


def stopped_while_importing(tmp_path, held: str, way: str, sig) -> tuple[int, str, str]:
    """``mirage score somewhere --out x.csv`` run in ``tmp_path`` by ``way`` ("-m" or "script") in a Python that holds
    the import of ``held`` (``_HELD_IMPORT``), sent ``sig`` once it says so: its exit status, stdout and stderr.
    SIGINT at its default, as a terminal's foreground process has it (test_score_interrupted)."""
    import signal
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", _HELD_IMPORT, held, way, "score", "somewhere", "--out", "x.csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = proc.stderr.readline()
        assert line.strip() == "importing", line
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, stdout, stderr


@pytest.mark.skipif(os.name != "posix", reason="SIGINT as a terminal sends it")
@pytest.mark.parametrize("way", ["-m", "script"])
def test_ctrl_c_while_the_command_line_is_imported_exits_130_either_way(tmp_path, way):
    """Ctrl-C in the first tenth of a second, while ``training_cli.main``'s own imports load (before
    ``main`` runs and could catch it), had ended ``python -m training_cli`` with a traceback and a death by
    SIGINT (exit status -2), and the ``mirage`` script likewise; now both say "interrupted while starting: nothing
    was written" and exit 130, as later. Truth: the child's exit status and stderr."""
    import signal

    returncode, stdout, stderr = stopped_while_importing(tmp_path, "training_cli.engine.errors", way, signal.SIGINT)
    assert (returncode, stderr.strip()) == (130, "interrupted while starting: nothing was written")  # before: -2
    assert stdout == "" and not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("name", ["train", "bench", "score", "calibrate"])
def test_help_has_no_restructuredtext_marks(name, capsys):
    """A command's --help is written from its module docstring and its options' help, in the docstrings'
    words: it had printed every name between two backticks ("``mirage bench``: latency ...")."""
    with pytest.raises(SystemExit) as stop:
        main([name, "--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0 and "options:" in out
    assert "``" not in out
    assert f"mirage {name}" in out


def test_info_describes_a_researcher_s_own_model(tmp_path, capsys):
    """`mirage info` listed the shipped models only: a researcher who had trained and exported their own (the README's
    own-data path) could not see its labels, thresholds, inputs, data or figures but by opening its config.json.
    Truth: the values written into the checkpoint's config.json here."""
    import json

    own = make_tiny_checkpoint(tmp_path / "own", labels=("AF", "SR"), clinical=("age", "sex", "troponin_t"),
                               thresholds=(0.22, 0.506), name="own-af")
    doc = json.loads((own / "config.json").read_text())
    doc["provenance"].update(data="folder:mydata", labels_file="labels.csv", labs_file="labs.csv")
    doc["metrics"] = {"val": {"n": 8, "macro": {"auroc": 0.464}, "per_class": {}},
                      "test": {"n": 7, "macro": {"auroc": 0.8875}, "per_class": {}}}
    (own / "config.json").write_text(json.dumps(doc))
    assert main(["info", "--model", str(own)]) == 0
    out = capsys.readouterr().out
    assert f"model own-af (--model {own}):" in out
    assert "  task multilabel; labels AF, SR; thresholds AF 0.220, SR 0.506" in out
    assert "  clinical inputs: age, sex, troponin_t (trained with the labs table labs.csv)" in out
    assert "  trained on folder:mydata (labels.csv)" in out
    # the validation figure is the selection split's (the checkpoint was chosen on it), apart from the held-out test's
    assert ("  validation, the selection split (n=8; the checkpoint and its thresholds were chosen on it, not held "
            "out): macro AUROC 0.464; test, held out (n=7): macro AUROC 0.887") in out
    assert main(["info", "--model", str(tmp_path / "nothing")]) == 2
    assert "nothing" in capsys.readouterr().err
