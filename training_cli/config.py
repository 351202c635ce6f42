"""Config files as parser defaults (timm's train.py): a first parse finds ``--config FILE``, the file's
values become the parser's defaults and the command line is parsed again, so a value given on the
command line always wins. The resolved configuration is written beside a run's outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from training_cli.engine.errors import ConfigError


def load_config_file(path: str | Path) -> dict:
    """A JSON config file of argument defaults (keys are long option names, '-' or '_')."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config ({err.strerror})") from err
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: not valid JSON (line {err.lineno}: {err.msg})") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file holds one JSON object")
    return {k.replace("-", "_"): v for k, v in data.items()}


def _orig_defaults(parser) -> dict:
    return getattr(parser, "_mirage_orig_defaults", {})


def remember_defaults(parser) -> None:
    """Record the parser's built-in defaults and make it remember the argv it parsed (``args._argv``),
    so that ``apply_config`` can parse again with a config file's values as the defaults."""
    parser._mirage_orig_defaults = {a.dest: a.default for a in parser._actions}
    parse = parser.parse_known_args

    def recording(args=None, namespace=None):
        ns, extras = parse(args, namespace)
        ns._argv = list(sys.argv[1:] if args is None else args)
        return ns, extras

    parser.parse_known_args = recording


def apply_config(parser, args) -> None:
    """Fill ``args`` from ``args.config``: the file's values become the parser's defaults and the
    command line is parsed again (timm's train.py), so a value given on the command line always wins,
    also when it equals the built-in default (``--seed 0`` beats a config's seed 5)."""
    if not getattr(args, "config", None):
        return
    cfg = load_config_file(args.config)
    orig = _orig_defaults(parser)
    known = set(orig) or {a.dest for a in parser._actions}
    unknown = sorted(set(cfg) - known)
    if unknown:
        raise ConfigError(f"{args.config}: unknown option(s) {', '.join(unknown)}")
    argv = getattr(args, "_argv", None)
    if argv is None:      # parsed by a parser without remember_defaults: only defaults can be told apart
        for key, value in cfg.items():
            if getattr(args, key, None) == orig.get(key):
                setattr(args, key, value)
        return
    parser.set_defaults(**cfg)
    fresh, _ = parser.parse_known_args(argv)
    for key, value in vars(fresh).items():
        if not key.startswith("_") and key != "func":
            setattr(args, key, value)
