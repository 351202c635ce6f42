"""``mirage export``: turn a trained checkpoint into a shippable model folder with its model card.

Writes the library's checkpoint format (safetensors + config.json, fp16 weights with ``--half``),
merges the test-split metrics from ``mirage evaluate`` into the checkpoint's metrics, strips
machine paths from the provenance (a shipped file names no path of the machine that trained it)
and writes MODEL_CARD.md: training data, task, labels, clinical inputs, metrics with the commands
that produced them, hardware and time, intended use and the research-use notice. An --out that
holds a model already (a shipped model's folder) is replaced only with ``--overwrite``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import time
from pathlib import Path

from mirage_model.checkpoint import load_checkpoint, save_checkpoint
from mirage_model.review.report.model_info import SCORED_HOW, macro_auroc_text, undefined_auroc
from mirage_model.stacking import TREE_KINDS
from training_cli.engine.checkpoints import model_path, refuse_earlier_checkpoint
from training_cli.engine.errors import ConfigError
from training_cli.engine.evaluation import look_record
from training_cli.engine.ptbxl import PTBXL_SUPERCLASSES
from training_cli.options import add_overwrite_arg, command_parser

log = logging.getLogger(__name__)

_ABS_PATH = re.compile(r"(?<![\w.])/(?:[\w.+-]+/)*([\w.+-]+)")


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
                   help="the command that produced --test-metrics, quoted on the card (none given: none quoted)")
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


# a run started as ``python -m training_cli.main train ...`` records argv[0] "main.py": it is the `mirage` command
_ENTRY = re.compile(r"^(?:main\.py|mirage)(?= )")


def scrub_paths(value):
    """Replace absolute paths in strings (recursively) by their last component: ``/a/b/c`` -> ``c``;
    a command recorded as ``main.py train ...`` reads ``mirage train ...``."""
    if isinstance(value, str):
        return _ENTRY.sub("mirage", _ABS_PATH.sub(lambda m: m.group(1), value))
    if isinstance(value, dict):
        return {k: scrub_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_paths(v) for v in value]
    return value


def _fmt_ci(metrics: dict, key: str, cls: str | None = None) -> str:
    value = metrics["macro"][key] if cls is None else metrics["per_class"][cls][key]
    if not isinstance(value, (int, float)):
        return "undefined"              # no positive or no negative record of the class in the split
    boot = metrics.get("bootstrap", {})
    ci = boot.get("macro", {}).get(key) if cls is None else boot.get("per_class", {}).get(cls, {}).get(key)
    text = f"{value:.3f}"
    if ci:
        text += f" ({ci[0]:.3f}-{ci[1]:.3f})"
    return text


def _describe(model_type: str, cfg: dict, preset: str = "") -> str:
    if model_type != "mirage":
        return model_type
    return (f"mirage ({preset} preset: {cfg.get('lead_encoder')} lead tokens, "
            f"signal {cfg.get('sig_width')}x{cfg.get('sig_depth')}, "
            f"image ViT {cfg.get('img_width')}x{cfg.get('img_depth')} with {cfg.get('patch_size')} px patches, "
            f"fusion {cfg.get('fusion_width')}x{cfg.get('fusion_depth')}, FFN {cfg.get('fusion_ffn')}; "
            f"lambda_con {cfg.get('lambda_con')}, tau {cfg.get('tau')})")


def _architecture(model_type: str, cfg: dict, prov: dict, metrics: dict) -> list[str]:
    if model_type != "ensemble":
        return [f"- Architecture: {_describe(model_type, cfg, prov.get('preset', ''))}"]
    members = cfg.get("members", [])
    mprov = prov.get("members") or [{}] * len(members)
    mval = metrics.get("members") or [{}] * len(members)
    partial = any(m.get("classes") is not None for m in members)
    lines = [f"- Architecture: an ensemble of {len(members)} models; its probability is the mean of theirs"
             + (", each label's over the members that predict it" if partial else "")]
    for i, (m, p, v) in enumerate(zip(members, mprov, mval), 1):
        # its own validation split, in the card's words (over how many of its classes, where some had none)
        val = {"macro": {"auroc": v.get("val_macro_auroc")},
               "per_class": {c: {"auroc": a} for c, a in (v.get("val_auroc") or {}).items()}}
        own = v.get("labels") if isinstance(v.get("labels"), list) else None
        used = [k for k in m.get("classes") or [] if k is not None]
        lines.append(f"  - member {i}: {_describe(m['model_type'], m['config'], (p or {}).get('preset', ''))}"
                     + (f"; validation {macro_auroc_text(val)}" if "val_macro_auroc" in v else "")
                     + (f" over its {len(own)} label{'s' * (len(own) != 1)}"
                        if own is not None and not undefined_auroc(val) else "")
                     + (f"; gives {len(used)} of the ensemble's labels" if m.get("classes") is not None else "")
                     + ("; its clinical normalisation (fitted on its own training records) re-applied"
                        if m.get("clinical") is not None else ""))
    return lines


def _commands(model_type: str, prov: dict, metrics: dict) -> list[str]:
    if model_type != "ensemble":
        return [f"- Command: `{prov.get('command', '?')}`",
                f"- Recipe: {prov.get('recipe', '?')}; best epoch {metrics.get('best_epoch', '?')}"]
    lines = []
    for i, p in enumerate(prov.get("members") or [], 1):
        lines.append(f"- Member {i}: `{p.get('command', '?')}`; recipe {p.get('recipe', '?')}; "
                     f"{float(p.get('duration_s') or 0) / 60:.0f} min on {p.get('hardware', '?')}")
    lines.append(f"- Ensemble (thresholds on the validation split): `{prov.get('command', '?')}`")
    return lines


def _class_count_lines(prov: dict, labels) -> list[str]:
    """Records of each class per split, as ``mirage train`` counted them ([] for a checkpoint that
    records none, e.g. an ensemble)."""
    counts = prov.get("class_counts") or {}
    splits = [s for s in ("train", "val", "test") if s in counts]
    if not splits:
        return []
    return ["- Records per class (" + "/".join(splits) + "): "
            + ", ".join(f"{c} " + "/".join(str(counts[s].get(c, 0)) for s in splits) for c in labels)]


def _clinical_source_lines(prov: dict) -> list[str]:
    """Where the clinical values came from and how many training records gave each (the rest were
    masked): a model trained on a labs table for half its records reads otherwise than one trained on
    complete rows. [] for a checkpoint that records neither."""
    coverage = prov.get("clinical_coverage") or {}
    present = coverage.get("present") or {}
    source = (f"the labs table {prov['labs_file']} (a record's own row), age and sex from the record's "
              "header where the table gives none" if prov.get("labs_file") else "")
    if not present and not source:
        return []
    line = "- Clinical values: " + (source or "from the records' headers or the dataset's table")
    if present:
        n = coverage.get("train_records", "?")
        line += (f"; given for, of the {n} training records: "
                 + ", ".join(f"{name} {count}" for name, count in present.items()))
    return [line]


def _calibration_lines(loaded, test: dict | None) -> list[str]:
    cal = getattr(loaded, "calibration", None)
    if cal is None:
        return ["- Probabilities: not calibrated (the model's sigmoid/softmax outputs as they are)"]
    command = (loaded.provenance or {}).get("calibration_command")
    lines = [f"- Probabilities: calibrated on the {cal.fitted_on or 'validation split'} "
             f"({', '.join(f'{lab} {m}' for lab, m in zip(loaded.labels, cal.methods))}; "
             f"`{command or 'mirage calibrate'}`); thresholds chosen after calibration"]
    ece = (test or {}).get("calibration", {}).get("ece")
    chance = (test or {}).get("calibration", {}).get("chance") or {}
    if ece:
        lines.append("- Expected calibration error on the test split (10 bins): "
                     + ", ".join(f"{c} {v:.3f}" for c, v in ece.items()))
    if ece and chance:
        lines.append("- The same records scored by a perfectly calibrated model would show, by chance alone "
                     "(mean / 95th percentile of outcomes drawn from the probabilities): "
                     + ", ".join(f"{c} {v['chance_mean']:.3f} / {v['chance_p95']:.3f}" for c, v in chance.items()))
    return lines


def _stage_lines(loaded) -> list[str]:
    """The card's line on a measured stage (``mirage_model.stacking``), if the checkpoint has one."""
    stage = getattr(loaded, "measured_stack", None)
    if stage is None:
        return []
    if stage.kind in TREE_KINDS:
        trees = (stage.metrics or {}).get("trees", {})
        how = (f"gradient-boosted trees over {len(stage.features)} measured features "
               f"(`mirage_model/measure/features.py`, measured at 100 Hz), trained on "
               f"{trees.get('trained_on', 'the training split')}")
    else:
        how = f"{len(stage.features)} measured rhythm features"
    return [f"- Measured stage ({stage.kind}): {len(stage.labels)} labels ({', '.join(stage.labels)}) "
            f"re-estimated from the calibrated probability and {how}; each kept only where its cross-validated "
            f"AUROC gained at least 0.003 on {stage.fitted_on or 'the validation split'} "
            "(`mirage calibrate --measured-stage`); those labels' thresholds were chosen on its out-of-fold "
            "probabilities"]


def _threshold_line(loaded, val: dict) -> str:
    """The card's thresholds, each one chosen on no positive record marked as the 0.5 fallback it is."""
    per = val.get("per_class") or {}
    fallback = [lab for lab in loaded.labels if (per.get(lab) or {}).get("positives") == 0]
    return "- Thresholds (max F1 on the validation split): " + ", ".join(
        f"{lab} {t:.3f}" + (" (a fallback, not measured: no validation positives)" if lab in fallback else "")
        for lab, t in zip(loaded.labels, loaded.thresholds))


def _trained_on_ptbxl(prov: dict) -> bool:
    """Whether the provenance is a PTB-XL run's (``data_kind``; a checkpoint older than that field: its
    PTB-XL fold splits or ``ptbxl:`` data spec)."""
    if prov.get("data_kind"):
        return prov["data_kind"] == "ptbxl"
    return str(prov.get("splits", "")).startswith("PTB-XL strat_fold") or str(prov.get("data", "")).startswith("ptbxl:")


def _trained_on(prov: dict, ptbxl: bool) -> str:
    """The card's sentence on the training data, from what the checkpoint records of its own training."""
    if ptbxl:
        return "Trained on one German hospital's archive (PTB-XL, 1989-1996)"
    kind = prov.get("data_kind")
    data = prov.get("data") or "?"
    if kind == "folder":
        labels = f", labelled by {prov['labels_file']}" if prov.get("labels_file") else ""
        if labels and prov.get("label_map_file"):
            labels += f" with its codes named by {prov['label_map_file']}"
        return f"Trained on one folder of records only ({data}{labels})"
    if kind == "challenge":
        return f"Trained on one PhysioNet Challenge-format dataset only ({data})"
    return f"Trained on {data} only"


def _looks_of(metrics: dict, test: dict | None) -> tuple[list[dict], int | None]:
    """``_all_looks`` of the looks ``metrics`` (a checkpoint's) records."""
    return _all_looks(list(metrics.get("test_looks") or []), test)


def _same_look(a: dict, b: dict) -> bool:
    """Whether two recorded looks at a split are one scoring (its metrics.json's look id; older files: the
    date, then the size)."""
    if a.get("split", "test") != b.get("split", "test"):
        return False
    if a.get("look_id") and b.get("look_id"):
        return a["look_id"] == b["look_id"]
    if a.get("date") and b.get("date"):
        return a["date"] == b["date"]
    return a.get("n") == b.get("n")


def _all_looks(recorded: list[dict], test: dict | None) -> tuple[list[dict], int | None]:
    """The looks at the test split a checkpoint records, with the one behind ``test`` (--test-metrics)
    added unless it is one of them -> (all looks, index of ``test``'s; None without ``test``)."""
    looks = [dict(look) for look in recorded]
    if test is None:
        return looks, None
    mine = look_record(test, "--test-metrics")
    for i, look in enumerate(looks):
        if _same_look(look, mine):
            return looks, i
    return looks + [mine], len(looks)


def _recorded_looks(metrics: dict, folder: Path) -> list[dict]:
    """The looks at the test split that a checkpoint records: its "test_looks"; a checkpoint older than
    that field, the test metrics an earlier export merged in, or the run's own OUT/test/metrics.json
    beside OUT/model (written by `mirage train` when it scored the test split)."""
    if metrics.get("test_looks"):
        return list(metrics["test_looks"])
    if isinstance(metrics.get("test"), dict):
        return [look_record(metrics["test"], "an earlier export's evaluation")]
    run_test = folder.parent / "test" / "metrics.json"
    if folder.name == "model" and (folder.parent / "summary.json").is_file() and run_test.is_file():
        try:
            return [look_record(json.loads(run_test.read_text(encoding="utf-8")), "mirage train")]
        except (OSError, ValueError):
            return []
    return []


def _looks_text(looks: list[dict], mine: int | None, stated: int | None) -> str:
    """How often the test split was scored, as the card says it beside the figures."""
    if stated is not None:             # the user's count (--test-looks)
        return "evaluated once" if stated == 1 else \
            f"scored {stated} times for this model: the figures are the last look's"
    if len(looks) <= 1:
        return "evaluated once"
    who = ", then ".join("by `mirage train` at the end of training" if look.get("by") == "mirage train"
                         else "by the evaluation these figures come from" if i == mine
                         else f"by {look.get('by') or 'another evaluation'}" for i, look in enumerate(looks))
    which = "the last look's" if mine == len(looks) - 1 else f"look {mine + 1}'s"
    return f"scored {len(looks)} times for this model ({who}): the figures are {which}"


def model_card(loaded, test: dict | None, baselines: dict[str, dict], evaluate_command: str,
               appendix: list[str], test_looks: int | None = None) -> str:
    """The Markdown model card of an exported model (``test_looks``: times the test split was scored, 1 or
    more, None: the looks ``loaded.metrics["test_looks"]`` records, which include ``test``'s;
    ``evaluate_command``: the command behind ``test``, "" when unknown: the card then names none)."""
    if test_looks is not None and test_looks < 1:
        raise ValueError(f"test_looks must be at least 1 (got {test_looks})")
    prov = loaded.provenance or {}
    metrics = loaded.metrics or {}
    val = metrics.get("val", {})
    cfg = loaded.model_config
    lines = [
        f"# Model card: {loaded.name}",
        "",
        "**Research use only, not a diagnosis.** Outputs are unconfirmed and must be read by a "
        "qualified clinician.",
        "",
        "## Model",
        *_architecture(loaded.model_type, cfg, prov, metrics),
        f"- Parameters: {sum(p.numel() for p in loaded.model.parameters()):,}",
        f"- Task: {prov.get('task', loaded.task)} ({loaded.task}); labels: {', '.join(loaded.labels)}",
        f"- Clinical inputs: {', '.join(loaded.schema.names) or 'none'} (missing values are masked)",
        *_clinical_source_lines(prov),
        f"- Input: 12 leads, band-pass {loaded.preprocess.low_hz}-{loaded.preprocess.high_hz} Hz at the native rate"
        + (f", mains ({'/'.join(f'{f:g}' for f in loaded.preprocess.mains_hz)} Hz and harmonics) subtracted"
           if loaded.preprocess.mains_hz else "")
        + f", resampled to {loaded.preprocess.target_fs:g} Hz"
        + (f", zero-phase low-pass at {loaded.preprocess.model_lowpass_hz:g} Hz" if loaded.preprocess.model_lowpass_hz
           else "")
        + f", {loaded.preprocess.window_s:g} s windows "
        f"(longer records: mean over windows), per-lead instance normalisation, plus the 224x224 rendering",
        *([f"- Scoring: each window's probability is the {loaded.noise_average.describe()} "
            "(noise-averaged scoring, `mirage_model.averaging`; calibration and thresholds fitted on it)"]
          if getattr(loaded, "noise_average", None) is not None else []),
        *_calibration_lines(loaded, test),
        *_stage_lines(loaded),
        _threshold_line(loaded, metrics.get("val_calibrated") or val),
        "",
        "## Training",
        f"- Data: {prov.get('data', '?')}; splits: {prov.get('splits', '?')}",
        "- Records: " + ", ".join(f"{k} {v}" for k, v in (metrics.get("records") or {}).items())
        + f"; skipped (failed to load): {metrics.get('skipped', 0)}",
        *_class_count_lines(prov, loaded.labels),
        *_commands(loaded.model_type, prov, metrics),
        f"- Hardware: {prov.get('hardware', '?')}; wall time "
        f"{'of all members to their selected epochs' if loaded.model_type == 'ensemble' else 'to the selected epoch'} "
        f"{prov.get('duration_s', 0) / 60:.0f} min; "
        f"date {prov.get('date', '?')}; code {prov.get('code_version', '?')}",
        "",
        "## Metrics",
    ]
    ptbxl = _trained_on_ptbxl(prov)
    if val:
        where = "fold 9" if ptbxl else f"the val split, n={val['n']}" if "n" in val else "the val split"
        line = f"Validation ({where}, model selection), {macro_auroc_text(val)}"
        scored = (metrics.get("val_calibrated") or {}).get("macro", {}).get("auroc")
        if isinstance(scored, (int, float)) and isinstance(val["macro"].get("auroc"), (int, float)) \
                and abs(scored - val["macro"]["auroc"]) >= 0.0005:
            line += f"; as the checkpoint scores it ({SCORED_HOW}), {scored:.3f}"
        lines.append(line + ".")
        lines.append("")
    if test:
        lines += [
            f"Test split ({test.get('split', 'test')}, n={test['n']}, "
            + _looks_text(*_looks_of(metrics, test), test_looks)
            + "), with percentile bootstrap 95% intervals"
            + (f"; command: `{evaluate_command}`" if evaluate_command else ""),
            "",
            "| | AUROC | AUPRC | F1 | accuracy |",
            "|---|---|---|---|---|",
            f"| **macro** | {_fmt_ci(test, 'auroc')} | {_fmt_ci(test, 'auprc')} | {_fmt_ci(test, 'f1')} "
            f"| {_fmt_ci(test, 'accuracy')} |",
        ]
        for cls in loaded.labels:
            lines.append(f"| {cls} | {_fmt_ci(test, 'auroc', cls)} | {_fmt_ci(test, 'auprc', cls)} | "
                         f"{_fmt_ci(test, 'f1', cls)} | {_fmt_ci(test, 'accuracy', cls)} |")
        lines.append("")
        if undefined_auroc(test):
            lines += [f"The test split's {macro_auroc_text(test)}.", ""]
    if baselines:
        lines += ["Baselines on the same split:", "", "| model | macro AUROC |", "|---|---|"]
        if test:
            lines.append(f"| {loaded.name} (this model) | {_fmt_ci(test, 'auroc')} |")
        for name, m in baselines.items():
            lines.append(f"| {name} | {_fmt_ci(m, 'auroc')} |")
        lines.append("")
        # the published figure is quoted only on cards of models for that task
        if tuple(loaded.labels) == PTBXL_SUPERCLASSES and prov.get("task", "superdiagnostic") == "superdiagnostic":
            lines += ["Published best for PTB-XL superdiagnostic (resnet1d_wang, Strodthoff et al. 2020): "
                      "macro AUROC 0.930.", ""]
    lines += [
        "## Intended use and limits",
        "- Research and education: triage of research cohorts, exploring what a multimodal model attends to.",
        "- Not a medical device. Not validated prospectively. " + _trained_on(prov, ptbxl)
        + ": performance on other populations, devices and sampling rates is unknown.",
        "- Records the model was not trained for or whose signal cannot carry a finding (paced rhythm, a "
        "lead missing, electrode reversal, poor signal: `mirage_model.quality`) get their calls withheld, "
        "with the reason; the probabilities are still shown, for reference. A paced rhythm is found by its "
        "pacemaker spikes, or, where the spikes are too small or the rate too low to find them, by the "
        "statements model's own paced-rhythm call (`mirage_model.review.paced`). "
        + _outside_labels(loaded.labels),
        "",
    ]
    lines += appendix
    return "\n".join(lines).rstrip() + "\n"


def _outside_labels(labels) -> str:
    """The card's sentence on what the model does not answer: "these 5 classes", "its one class (MI)"."""
    if len(labels) == 1:
        return f"Other label systems (rhythm, other cohorts' codes) are outside its one class ({labels[0]})."
    if len(labels) < 12:
        return f"Other label systems (rhythm, other cohorts' codes) are outside these {len(labels)} classes."
    return "Other cohorts' codes are outside these labels."


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
    refuse_earlier_checkpoint(args.out, args.overwrite, "mirage export")
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
    folder = Path(model_path(args.model))
    loaded = load_checkpoint(folder)      # a CheckpointError reaches main(): exit 2
    if test:
        check_test_metrics(loaded, test, args.test_metrics)
    if args.name:
        loaded.name = args.name
    metrics = dict(loaded.metrics or {})
    metrics.pop("cache", None)
    metrics["test_looks"], _ = _all_looks(_recorded_looks(metrics, folder), test)
    if not metrics["test_looks"]:
        del metrics["test_looks"]
    if test:
        metrics["test"] = {k: test[k] for k in ("n", "macro", "per_class", "bootstrap", "split", "date", "look_id")
                           if k in test}
    for name, m in baselines.items():
        metrics.setdefault("baselines", {})[name] = {"macro": m["macro"], "bootstrap": m.get("bootstrap", {}).get("macro")}
    loaded.provenance = scrub_paths(loaded.provenance or {})
    if args.data_name:
        loaded.provenance["data"] = args.data_name
    loaded.metrics = scrub_paths(metrics)
    card = model_card(loaded, test, baselines, scrub_paths(args.evaluate_command), appendix, args.test_looks)
    t0 = time.perf_counter()
    out = save_checkpoint(
        args.out, loaded.model, model_type=loaded.model_type, task=loaded.task, labels=loaded.labels,
        schema=loaded.schema, preprocess=loaded.preprocess, render=loaded.render,
        thresholds=loaded.thresholds, provenance=loaded.provenance, metrics=loaded.metrics,
        name=loaded.name, half=args.half, extra=loaded.extra, model_card=card, calibration=loaded.calibration,
        measured_stack=loaded.measured_stack, noise_average=loaded.noise_average)
    size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    print(f"exported {loaded.name} to {out} ({size / 1e6:.2f} MB, {'fp16' if args.half else 'fp32'}) "
          f"in {time.perf_counter() - t0:.2f} s")
    return 0
