"""``mirage export``: turn a trained checkpoint into a shippable model folder with its model card.

Writes the library's checkpoint format (safetensors + config.json, fp16 weights with ``--half``),
merges the test-split metrics from ``mirage evaluate`` into the checkpoint's metrics, strips
machine paths from the provenance (a shipped file names no path of the machine that trained it)
and writes MODEL_CARD.md: training data, task, labels, clinical inputs, metrics with the commands
that produced them, hardware and time, intended use and the research-use notice. An --out that
holds a model already (a shipped model's folder) is replaced only with ``--overwrite``. The calibration,
measured stage, noise averaging and noise spread go with it as they are (the same probabilities).

The card's text is ``engine.model_card``; the test split's looks it counts, ``engine.looks``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from mirage_model.checkpoint import load_checkpoint, save_checkpoint
from training_cli.engine.checkpoints import read_model_path, refuse_earlier_checkpoint
from training_cli.engine.errors import ConfigError
from training_cli.engine.looks import all_looks, kept_test, recorded_looks
from training_cli.engine.model_card import model_card
from training_cli.engine.runlog import scrub_paths
from training_cli.options import add_overwrite_arg, command_parser

log = logging.getLogger(__name__)

def export_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage export`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "export")
    p.add_argument("--model", required=True, help="checkpoint folder to export (e.g. RUN/model)")
    p.add_argument("--out", required=True, help="destination folder (e.g. resources/models/default)")
    add_overwrite_arg(p, "the model (a shipped one included)")
    p.add_argument("--test-metrics", help="metrics.json of `mirage evaluate` on the test split")
    p.add_argument("--baseline-metrics", action="append", default=[],
                   help="NAME=metrics.json of a baseline evaluated on the same split (repeatable)")
    p.add_argument("--evaluate-command", default="",
                   help="the command that produced --test-metrics, quoted on the card (default: the command "
                   "`mirage evaluate` recorded in it; none recorded and none given: none quoted); only "
                   "with --test-metrics")
    p.add_argument("--test-looks", type=int, default=None, metavar="N",
                   help="how many times the test split has been scored for this model, 1 or more (default: the "
                   "looks the checkpoint records, e.g. mirage train's own test evaluation, and --test-metrics "
                   "if it is another one); the card says so beside the figures")
    p.add_argument("--card-append", action="append", default=[],
                   help="Markdown file appended to the model card (e.g. the ablation table); repeatable")
    p.add_argument("--name", help="model name (default: the checkpoint's)")
    p.add_argument("--data-name", help="training data as people should read it, e.g. "
                   "'PTB-XL 1.0.3, 100 Hz records' (default: the --data spec of the training run)")
    p.add_argument("--half", action="store_true", help="store fp16 weights (loaded back as fp32)")
    p.set_defaults(func=run)
    return p


def _evaluate_command(given: str, test: dict | None) -> str:
    """The command the card quotes beside the test figures: the one given, else the one `mirage
    evaluate` recorded in the metrics.json; a given one that is not the recorded one is said."""
    recorded = (test or {}).get("command") or ""
    if given and recorded and given.split() != recorded.split():
        log.warning("--evaluate-command %r is not the command that wrote --test-metrics (%r); the card quotes "
                    "the one given", given, recorded)
    return given or recorded


def _read_text(path, option: str) -> str:
    """The text of a file an option names; one line naming the option and the file when it cannot be read."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"mirage export: {option} {path} is a folder; give a file")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"mirage export: {option} {path}: file not found") from None
    except OSError as err:
        raise ConfigError(f"mirage export: {option} {path}: cannot read ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"mirage export: {option} {path}: not a text file") from None


def read_metrics(path, option: str) -> dict:
    """A metrics.json of ``mirage evaluate`` named by ``option``.

    Raises:
        ConfigError: the file is missing, unreadable, not JSON or not a metrics.json (no "macro" entry).
    """
    text = _read_text(path, option)
    try:
        metrics = json.loads(text)
    except ValueError:
        raise ConfigError(f"mirage export: {option} {path}: not JSON (give the metrics.json of "
                          "`mirage evaluate`)") from None
    if not isinstance(metrics, dict) or not isinstance(metrics.get("macro"), dict):
        raise ConfigError(f"mirage export: {option} {path}: not a metrics.json of `mirage evaluate` "
                          "(no 'macro' metrics)")
    return metrics


def stored_test(metrics: dict, provenance: dict) -> tuple[dict | None, str]:
    """The test split's figures the checkpoint's config.json holds (``metrics.test``: merged in by an earlier
    export, or written by ``mirage train``'s scoring of the test split) and where they came from, in words for
    the card; (None, "") when it holds none. An export without ``--test-metrics`` had written a card without
    them although config.json kept them."""
    test = metrics.get("test")
    if not isinstance(test, dict) or not isinstance(test.get("macro"), dict) or "n" not in test:
        return None, ""
    by = ("written by `mirage train`, which scored the test split at the end of training"
          if test.get("by") == "mirage train" else "merged in by an earlier `mirage export`")
    words = f"figures from this checkpoint's config.json (`metrics.test`, {by})"
    calibrated, date = provenance.get("calibration_date"), test.get("date")
    if calibrated and (not date or str(calibrated) > str(date)):
        words += (f", scored {'before' if date else 'at a date not recorded, perhaps before'} `mirage calibrate` "
                  f"re-calibrated this checkpoint ({calibrated}): `mirage evaluate` scores it as it is now")
    return test, words


def check_test_metrics(loaded, test: dict, path) -> None:
    """Refuse a --test-metrics that scored another model: its figures would stand in this model's
    card as its own (an ensemble exported with a member's metrics.json, a calibrated checkpoint with
    the uncalibrated one's). The metrics.json names the model type, the labels scored and the
    thresholds they were scored at (``evaluate_checkpoint``); each must be this checkpoint's. A file
    that lacks them (an older one) is taken as it is.

    Raises:
        ConfigError: naming the file, the model it scored and what differs.
    """
    differs = []
    if test.get("model_type") and test["model_type"] != loaded.model_type:
        differs.append(f"model type {test['model_type']}, this checkpoint's {loaded.model_type}")
    labels = list(loaded.labels)
    scored = test.get("labels")
    if isinstance(scored, list) and not set(scored) <= set(labels):
        differs.append(f"labels {', '.join(map(str, scored))}, this model's {', '.join(labels)}")
    thresholds = test.get("thresholds")
    if not differs and isinstance(scored, list) and isinstance(thresholds, list) and len(thresholds) == len(scored):
        own = dict(zip(labels, loaded.thresholds or [0.5] * len(labels)))
        off = [(c, t, own[c]) for c, t in zip(scored, thresholds)
               if not isinstance(t, (int, float)) or abs(float(t) - float(own[c])) > 1e-6]
        if off:
            differs.append("thresholds " + ", ".join(f"{c} {t:.3f}" if isinstance(t, (int, float)) else f"{c} {t}"
                                                     for c, t, _ in off[:4])
                           + ", this model's " + ", ".join(f"{c} {o:.3f}" for c, _, o in off[:4]))
    if differs:
        who = test.get("model_name") or test.get("model") or "another model"
        raise ConfigError(f"mirage export: --test-metrics {path} scored {who}, not this checkpoint "
                          f"({'; '.join(differs)}); give the metrics.json of `mirage evaluate --model` "
                          "this checkpoint")


def run(args) -> int:
    refuse_earlier_checkpoint(args.out, args.overwrite, "mirage export", reads=[("--model", args.model)])
    if args.evaluate_command and not args.test_metrics:
        raise ConfigError("mirage export: --evaluate-command quotes the command that wrote --test-metrics, and none "
                          "was given; without --test-metrics the card quotes the command the checkpoint records "
                          "beside its stored figures: give --test-metrics too, or leave --evaluate-command out")
    if args.test_looks is not None and args.test_looks < 1:
        raise ConfigError(f"mirage export: --test-looks {args.test_looks}: give how many times the test split "
                          "was scored for this model (1 or more)")
    baseline_paths = {}
    for item in args.baseline_metrics:
        name, eq, path = item.partition("=")
        if not eq or not name.strip() or not path:
            raise ConfigError(f"mirage export: --baseline-metrics {item}: give NAME=metrics.json "
                              "(e.g. resnet1d_wang=runs/a/test/metrics.json)")
        baseline_paths[name.strip()] = path
    test = read_metrics(args.test_metrics, "--test-metrics") if args.test_metrics else None
    baselines = {name: read_metrics(path, f"--baseline-metrics {name}=")
                 for name, path in baseline_paths.items()}
    appendix = [_read_text(p, "--card-append") for p in args.card_append]
    folder = read_model_path(args.model, "mirage export")
    loaded = load_checkpoint(folder)      # a CheckpointError reaches main(): exit 2
    if test:
        check_test_metrics(loaded, test, args.test_metrics)
    if args.name:
        loaded.name = args.name
    metrics = dict(loaded.metrics or {})
    metrics.pop("cache", None)
    metrics["test_looks"], _ = all_looks(recorded_looks(metrics, folder), test)
    if not metrics["test_looks"]:
        del metrics["test_looks"]
    if test:
        metrics["test"] = kept_test(test)
    for name, m in baselines.items():
        metrics.setdefault("baselines", {})[name] = {"macro": m["macro"], "bootstrap": m.get("bootstrap", {}).get("macro")}
    loaded.provenance = scrub_paths(loaded.provenance or {})
    if args.data_name:
        loaded.provenance["data"] = args.data_name
    loaded.metrics = scrub_paths(metrics)
    stored, test_from = (None, "") if test else stored_test(loaded.metrics, loaded.provenance)
    card = model_card(loaded, test or stored, baselines,
                      scrub_paths(_evaluate_command(args.evaluate_command, test or stored)),
                      appendix, args.test_looks, test_from)
    t0 = time.perf_counter()
    out = save_checkpoint(
        args.out, loaded.model, model_type=loaded.model_type, task=loaded.task, labels=loaded.labels,
        schema=loaded.schema, preprocess=loaded.preprocess, render=loaded.render,
        thresholds=loaded.thresholds, provenance=loaded.provenance, metrics=loaded.metrics,
        name=loaded.name, half=args.half, extra=loaded.extra, model_card=card, calibration=loaded.calibration,
        measured_stack=loaded.measured_stack, noise_average=loaded.noise_average, noise_spread=loaded.noise_spread,
        label_descriptions=loaded.label_descriptions)
    size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    print(f"exported {loaded.name} to {out} ({size / 1e6:.2f} MB, {'fp16' if args.half else 'fp32'}) "
          f"in {time.perf_counter() - t0:.2f} s")
    return 0
