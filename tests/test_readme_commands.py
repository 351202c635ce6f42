"""Every ``mirage ...`` and ``mirage-review ...`` command README.md and the other docs show names a command and
options that exist, and their Python examples run.

A new user copies these lines; a subcommand or an option renamed in the code, or mistyped in the README, has to
fail here rather than in their terminal. The commands are the README's fenced shell lines, its indented code
lines that start with a command and its inline code spans (a span may wrap over two lines); each one's options
are looked up, by their exact names, in the parsers
the programs build themselves: ``training_cli.main.get_args_parser`` (``mirage``) and
``app.main.get_args_parser`` (``mirage-review``).
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
OTHER_DOCS = ("training_cli/README.md", "DEVELOPERS.md", "docs/long_records.md", "docs/measurements.md",
              "docs/models.md")
SHELL_FENCES = ("", "bash", "sh", "shell", "console")
PROGRAMS = ("mirage", "mirage-review")


def readme_commands(text: str) -> list[tuple[int, str]]:
    """(line number, command text) of each command line in ``text``: the lines of its fenced shell blocks
    (a trailing ``# comment`` dropped), its lines indented as code (4 blanks) that start with ``mirage`` or
    ``mirage-review`` and its inline code spans outside fences, whitespace collapsed."""
    commands, prose, fence = [], [], None
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fence = None if fence is not None else line.lstrip()[3:].strip().lower()
            prose.append("")
        elif fence is not None:
            prose.append("")       # keeps the prose's line numbers
            if fence in SHELL_FENCES and line.strip():
                commands.append((number, re.split(r"\s#\s", line)[0].strip()))
        else:
            prose.append(line)
            if line.startswith("    ") and (line.split() or [""])[0] in PROGRAMS:
                commands.append((number, line.strip()))
    prose_text = "\n".join(prose)
    for span in re.finditer(r"`([^`]+)`", prose_text):
        commands.append((prose_text.count("\n", 0, span.start()) + 1, " ".join(span.group(1).split())))
    return sorted(commands, key=lambda c: c[0])


def program_calls(command: str) -> list[tuple[str, list[str]]]:
    """(program, its arguments) for each ``mirage`` / ``mirage-review`` call in a shell command line: the
    pieces between ``&&``, ``||``, ``|`` and ``;``, each after any ``VAR=value`` assignments. The README's
    notation is read as a user reads it: ``[--flag X]`` is ``--flag X``, ``...`` is left out."""
    try:
        tokens = shlex.split(command)
    except ValueError:          # an unbalanced quote: the words as written
        tokens = command.split()
    calls, piece = [], []
    for token in tokens + [";"]:
        if token in ("&&", "||", "|", ";") or token.endswith(";"):
            if token.endswith(";") and token != ";":
                piece.append(token[:-1])
            while piece and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", piece[0]):
                piece.pop(0)
            if piece and piece[0] in PROGRAMS:
                args = [t.strip("[]") for t in piece[1:]]
                calls.append((piece[0], [a for a in args if a and a.strip(".")]))
            piece = []
        else:
            piece.append(token)
    return calls


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for action in parser._actions for o in action.option_strings}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _is_option(arg: str) -> bool:
    return arg.startswith("-") and len(arg) > 1 and not re.fullmatch(r"-[\d.]+", arg)


def problems(commands: list[tuple[int, str]], mirage: argparse.ArgumentParser,
             review: argparse.ArgumentParser, doc: str = "README.md") -> list[str]:
    """What is wrong with each command of ``commands`` (from the file ``doc``): a ``mirage`` subcommand or an
    option that the parser does not have (options before the subcommand are ``mirage``'s own)."""
    found = []
    for number, command in commands:
        for program, args in program_calls(command):
            if program == "mirage-review":
                parser, options = review, args
            else:
                words = [a for a in args if not _is_option(a)]
                if not words:        # `mirage` alone, or `mirage --help`
                    parser, options = mirage, args
                else:
                    name = words[0]
                    if name not in _subcommands(mirage):
                        found.append(f"{doc}:{number}: `{command}`: mirage has no command {name!r}")
                        continue
                    before, after = args[:args.index(name)], args[args.index(name) + 1:]
                    found += [f"{doc}:{number}: `{command}`: mirage has no option {o}"
                              for o in before if _is_option(o) and o.split("=")[0] not in _options(mirage)]
                    parser, options = _subcommands(mirage)[name], after
                    program = f"mirage {name}"
            known = _options(parser)
            found += [f"{doc}:{number}: `{command}`: {program} has no option {o.split('=')[0]}"
                      for o in options if _is_option(o) and o.split("=")[0] not in known]
    return found


@pytest.fixture(scope="module")
def parsers():
    from app.main import get_args_parser as review_parser
    from training_cli.main import get_args_parser

    return get_args_parser(), review_parser()


def test_every_readme_command_names_a_real_command_and_real_options(parsers):
    commands = readme_commands(README.read_text(encoding="utf-8"))
    calls = [c for _, command in commands for c in program_calls(command)]
    # the extraction sees the commands: the README's command-line block alone has 16 with options
    assert sum(p == "mirage" and len(a) > 3 for p, a in calls) >= 16
    assert any(p == "mirage-review" and "--export-pdf" in a for p, a in calls)
    found = problems(commands, *parsers)
    assert not found, "\n".join(found)


def test_every_mirage_command_is_shown_in_the_readme(parsers):
    shown = {next((a for a in args if not _is_option(a)), None)
             for _, command in readme_commands(README.read_text(encoding="utf-8"))
             for program, args in program_calls(command) if program == "mirage"}
    missing = sorted(set(_subcommands(parsers[0])) - shown)
    assert not missing, f"mirage commands README.md never shows: {', '.join(missing)}"


@pytest.mark.parametrize("doc", OTHER_DOCS)
def test_every_command_of_the_other_docs_names_a_real_command_and_real_options(parsers, doc):
    found = problems(readme_commands((ROOT / doc).read_text(encoding="utf-8")), *parsers, doc=doc)
    assert not found, "\n".join(found)


def test_the_own_data_walkthrough_is_read():
    """training_cli/README.md's walkthrough is an indented block of eight commands, train to the app."""
    calls = [c for _, command in readme_commands((ROOT / "training_cli/README.md").read_text(encoding="utf-8"))
             for c in program_calls(command)]
    walked = [(p, a[0]) for p, a in calls if "/own" in " ".join(a)]
    assert walked == [("mirage", "train"), ("mirage", "calibrate"), ("mirage", "evaluate"), ("mirage", "export"),
                      ("mirage", "info"), ("mirage", "score"), ("mirage", "interpretation"),
                      ("mirage-review", "--model")]


def test_an_indented_command_line_is_read(parsers):
    text = ("Then, in order:\n\n    mydata/1.hea    the records\n    mirage train --data folder:mydata --epoch 1\n"
            "    \n  mirage info --all\n")
    assert problems(readme_commands(text), *parsers, doc="x.md") == [
        "x.md:4: `mirage train --data folder:mydata --epoch 1`: mirage train has no option --epoch"]


@pytest.mark.parametrize("doc", ["README.md", "docs/measurements.md"])
def test_the_python_examples_run(doc, monkeypatch):
    """Each ```python block runs as written from the repository's root (its paths are the bundled samples')."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert blocks
    monkeypatch.chdir(ROOT)
    for block in blocks:
        exec(compile(block, doc, "exec"), {})


def test_a_wrong_command_or_option_is_named_with_its_line(parsers):
    text = ("Intro.\n\n```bash\nmirage score FOLDER --out r.csv [--pdf-dir pdfs]   # fine\n"
            "mirage score FOLDER --out r.csv [--pdf-folder pdfs]   # --pdf-folder: no such option\n```\n\n"
            "Then `mirage scores\nFOLDER` and `QT_QPA_PLATFORM=offscreen mirage-review --screenshot out.png --shot x`;"
            " `mirage -v bench --out b.json --n 3`, `mirage --quiet info`, `mirage convert A.hea --to edf OUT`.\n")
    assert problems(readme_commands(text), *parsers) == [
        "README.md:5: `mirage score FOLDER --out r.csv [--pdf-folder pdfs]`: mirage score has no option --pdf-folder",
        "README.md:8: `mirage scores FOLDER`: mirage has no command 'scores'",
        "README.md:9: `QT_QPA_PLATFORM=offscreen mirage-review --screenshot out.png --shot x`: "
        "mirage-review has no option --shot",
        "README.md:9: `mirage --quiet info`: mirage has no option --quiet",
    ]


def test_shell_pieces_and_the_readme_notation():
    assert program_calls('python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[formats]" && '
                         "mirage-review") == [("mirage-review", [])]
    assert program_calls("mirage report RECORD --out report.pdf [--lab troponin_t=52ng/L ...] [--prior PRIOR]") == [
        ("mirage", ["report", "RECORD", "--out", "report.pdf", "--lab", "troponin_t=52ng/L", "--prior", "PRIOR"])]
    assert program_calls('mirage robustness --perturbations "muscle noise 0.05 mV"; mirage info') == [
        ("mirage", ["robustness", "--perturbations", "muscle noise 0.05 mV"]), ("mirage", ["info"])]
    assert program_calls("mirage_model.measure") == [] and program_calls("python scripts/bench_app.py") == []
