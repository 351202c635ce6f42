"""The model card (MODEL_CARD.md) that ``mirage export`` writes beside a shipped model, from what the checkpoint
records of itself (Mitchell et al. 2019, "Model Cards for Model Reporting"): the model, its inputs (its labels in
their words, where its data gave them), calibration and thresholds; the training data, recipe, hardware and time;
validation and test metrics with bootstrap intervals, the commands behind them and how often the test split was
scored (``looks``); intended use and limits, with the research-use notice.
"""

from __future__ import annotations

from mirage_model.checkpoint.format import trained_on_ptbxl
from mirage_model.outputs import MIN_CALLED_P
from mirage_model.review.labels import label_name
from mirage_model.review.report.model_info import SCORED_HOW, macro_auroc_text, undefined_auroc
from mirage_model.stacking import TREE_KINDS
from training_cli.engine.card_limits import outside_labels, paced_words
from training_cli.engine.card_training import command_lines, training_records_lines, wall_time
from training_cli.engine.left_out import left_out_lines, records_line, sampling_rates_lines
from training_cli.engine.looks import looks_of, looks_text
from training_cli.engine.metrics import (calibration_maps_words, enough_words, fallback_words, intervals_words,
                                         no_interval_why, threshold_fallbacks)
from training_cli.engine.ptbxl import PTBXL_SUPERCLASSES


def _fmt_ci(metrics: dict, key: str, cls: str | None = None) -> str:
    value = metrics["macro"][key] if cls is None else metrics["per_class"][cls][key]
    if not isinstance(value, (int, float)):
        return "undefined"              # no positive or no negative record of the class in the split
    boot = metrics.get("bootstrap", {})
    ci = boot.get("macro", {}).get(key) if cls is None else boot.get("per_class", {}).get(cls, {}).get(key)
    return f"{value:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")


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


def _class_count_lines(prov: dict, labels) -> list[str]:
    """Records of each class per split, as ``mirage train`` counted them ([] for a checkpoint that
    records none, e.g. an ensemble)."""
    counts = prov.get("class_counts") or {}
    splits = [s for s in ("train", "val", "test") if s in counts]
    if not splits:
        return []
    return ["- Records per class (" + "/".join(splits) + "): "
            + ", ".join(f"{c} " + "/".join(str(counts[s].get(c, 0)) for s in splits) for c in labels)]


def _trained_ranges(schema) -> str:
    """"; a value beyond the training data's range, age 2-90 years, ..., is read at its edge" for the
    features whose range ``ClinicalSchema.fit`` kept; "" for none."""
    ranges = [f"{f.name} {f.trained[0]:g}-{f.trained[1]:g} {f.unit}".rstrip()
              for f in getattr(schema, "features", ()) if getattr(f, "trained", None) is not None]
    return f"; a value beyond the training data's range, {', '.join(ranges)}, is read at its edge" if ranges else ""


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
        censored = coverage.get("censored") or {}
        line += (f"; given for, of the {n} training records: "
                 + ", ".join(f"{name} {count}" + (f" ({censored[name]} of them censored, read as their limit)"
                                                  if censored.get(name) else "") for name, count in present.items()))
    return [line]


def _calibration_lines(loaded, test: dict | None) -> list[str]:
    cal = getattr(loaded, "calibration", None)
    if cal is None:
        return ["- Probabilities: not calibrated (the model's sigmoid/softmax outputs as they are)"]
    prov = loaded.provenance or {}
    command = prov.get("calibration_command")
    date = f", {prov['calibration_date']}" if prov.get("calibration_date") else ""
    lines = [f"- Probabilities: calibrated on the {cal.fitted_on or 'validation split'} "
             f"({calibration_maps_words(cal, loaded.labels)}; "
             f"`{command or 'mirage calibrate'}`{date}); thresholds chosen after calibration"]
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


NOISE_MARKS = "Noise marks"      # the card's words for a checkpoint's noise spread (``mirage_model.noise_spread``)


def _noise_mark_lines(loaded) -> list[str]:
    """The card's line on the checkpoint's noise spread, if it has one: the calls it marks and what it names as
    what the noise may hide (one line: ``drop_noise_marks`` takes both away with the spread)."""
    spread = getattr(loaded, "noise_spread", None)
    if spread is None:
        return []
    bands = spread.bands_mv
    return [f"- {NOISE_MARKS}: at a noise load of {bands[0]:g}-{bands[-1]:g} mV a call whose logit lies within the "
            f"model's spread under noise of its threshold's is marked \"(?) noise in LEADS may change this call\"; "
            f"the spread (the {spread.quantile * 100:g}th percentile of |delta logit| per label and band) measured on "
            f"{spread.fitted_on or 'records with noise added'} (`python scripts/noise_spread.py measure`, `fit`) for "
            "these probabilities: a new calibration leaves it behind. At that level the labels not called whose "
            "logit lies within that spread of their threshold's are named once, nearest first, as what the noise "
            "may hide (\"Noise in LEADS may hide: ...\", `noise_spread.may_hide`; never as calls, the normal class "
            "never; `python scripts/noise_spread.py check` counts the calls lost it names)"]


def drop_noise_marks(card: str | None, why: str) -> str | None:
    """The model card of a checkpoint written without the noise spread its source had (``why``: in a few words):
    its "## Noise marks" section and "- Noise marks:" line give way to "- Noise marks: none; WHY", put after its
    "- Probabilities:" line (the calibration's), else where the first of them stood; a card that says none of
    them is returned as it is, None as None."""
    if not card:
        return card
    lines, kept, at, section = card.split("\n"), [], None, False
    for line in lines:
        if line.startswith("## "):
            section = line.strip() == f"## {NOISE_MARKS}"
        if section or line.startswith(f"- {NOISE_MARKS}:"):
            at = len(kept) if at is None else at
            continue
        kept.append(line)
    said = f"- {NOISE_MARKS}: none; {why}"
    calibration = next((k + 1 for k, line in enumerate(kept) if line.startswith("- Probabilities:")), None)
    where = calibration if calibration is not None else at
    if where is None:
        return card
    return "\n".join(kept[:where] + [said] + ([""] if calibration is None and kept[where:where + 1] != [""] else [])
                     + kept[where:])


CALIBRATION_SECTION = "Calibration of this checkpoint"     # the section ``recalibrated_card`` writes
CALIBRATION_AT_TOP = f"{CALIBRATION_SECTION} (replaces what the card says below)"
SUPERSEDED = "> Superseded for this checkpoint:"          # the line it puts under the sections it supersedes
# the "## Model" lines of an exported card (``model_card``) that say its calibration, and the one of its thresholds
_CALIBRATION_LINES = ("- Scoring:", "- Probabilities:", "- Expected calibration error on the test split",
                      "- The same records scored by a perfectly calibrated model", "- Measured stage (")
_THRESHOLDS_LINE = "- Thresholds ("
_CALLS_LINE = "- Calls:"
_SAYS_CALIBRATION = ("calibrat", "threshold", "test split (")     # what a section that needs the line says


def _blocks(lines: list[str]) -> list[list[str]]:
    """The card's lines cut before each "## " heading: the text above the first heading, then one block per
    section (its heading first); an earlier re-calibration's section and lines are left out."""
    blocks, skip, after_note = [[]], False, False
    for line in lines:
        if line.startswith("## "):
            skip = line.startswith(f"## {CALIBRATION_SECTION}")
            if not skip:
                blocks.append([])
        if skip or line.startswith(SUPERSEDED) or (after_note and line == ""):
            after_note = line.startswith(SUPERSEDED)
            continue
        after_note = False
        blocks[-1].append(line)
    return blocks


def recalibrated_card(card: str | None, loaded, printed: list[str]) -> str | None:
    """The model card of a checkpoint that ``mirage calibrate`` re-calibrated: ``card`` is its source's, ``loaded``
    the new checkpoint (its calibration, thresholds, metrics, measured stage, averaging and provenance, with the
    calibration's command and date), ``printed`` the lines the command printed of each label's map, expected
    calibration error before and after it and threshold on the validation split.

    An exported card's "## Model" lines on the calibration and thresholds (``model_card``'s: "- Probabilities:",
    "- Thresholds (...):" and those beside them) are replaced by the new ones, and a section "## Calibration of this
    checkpoint" with the printed figures follows that section; a card without them gets that section, headed
    "(replaces what the card says below)" and holding those lines, at its top. Either way every other section
    that speaks of calibration, thresholds or the test split's figures gets a line saying it is superseded. An
    earlier re-calibration's section and lines give way. None (no card) stays None."""
    if not card:
        return card
    prov = loaded.provenance or {}
    command, date = prov.get("calibration_command") or "mirage calibrate", prov.get("calibration_date") or "?"
    val = (loaded.metrics or {}).get("val_calibrated") or (loaded.metrics or {}).get("val") or {}
    head = [*([f"- Scoring: each window's probability is the {loaded.noise_average.describe()} "
               "(noise-averaged scoring, `mirage_model.averaging`; calibration and thresholds fitted on it)"]
              if getattr(loaded, "noise_average", None) is not None else []),
            *_calibration_lines(loaded, None), *_stage_lines(loaded)]
    thresholds = [_threshold_line(loaded, val), *_calls_lines(loaded)]
    figures = [f"Re-calibrated by `{command}` on {date}. Per label, as the command printed them: the map chosen on "
               f"the {loaded.calibration.fitted_on or 'validation split'} (`mirage_model.calibration`; identity: the "
               "model's own probabilities kept), the expected calibration error there before and after it, and the "
               "threshold chosen after it. The test split was not read: `mirage evaluate` scores this checkpoint.",
               "", "```", *printed, "```", ""]
    blocks = _blocks(card.rstrip("\n").split("\n"))
    model = next((k for k, b in enumerate(blocks) if k and b[0].strip() == "## Model"), None)
    found = model is not None and all(any(line.startswith(start) for line in blocks[model])
                                      for start in ("- Probabilities:", _THRESHOLDS_LINE))
    if found:
        said, placed = [], False
        for line in blocks[model]:
            if line.startswith(_CALIBRATION_LINES):
                said += [] if placed else head
                placed = True
            elif line.startswith(_THRESHOLDS_LINE):
                said += thresholds
            elif not line.startswith(_CALLS_LINE):       # the source's, of its own thresholds: given way
                said.append(line)
        blocks[model] = said + ([""] if said[-1] != "" else [])
        at, section = model + 1, [f"## {CALIBRATION_SECTION}", *figures]
    else:
        at, section = 1, [f"## {CALIBRATION_AT_TOP}", *head, *thresholds, "", *figures]
        if blocks[0] and blocks[0][-1] != "":
            blocks[0].append("")
    note = (f"{SUPERSEDED} it was re-calibrated (`{command}`, {date}); what this section says of the calibration, "
            "the thresholds and the figures that depend on them is the checkpoint's it was re-calibrated from. "
            f'This one\'s: "{CALIBRATION_SECTION}" above.')
    for k, block in enumerate(blocks):
        if k and not (found and k == model) and any(w in "\n".join(block[1:]).lower() for w in _SAYS_CALIBRATION):
            blocks[k] = [block[0], note, "", *block[1:]]
    blocks.insert(at, section)
    return "\n".join(line for block in blocks for line in block).rstrip("\n") + "\n"


def _threshold_line(loaded, val: dict) -> str:
    """The card's thresholds, each one chosen on no positive, or no negative, record marked as the 0.5
    fallback it is (``metrics.threshold_fallbacks``)."""
    per = val.get("per_class") or {}
    fallback = threshold_fallbacks([(per.get(lab) or {}).get("positives") for lab in loaded.labels],
                                   val.get("n"), loaded.labels)
    return "- Thresholds (max F1 on the validation split): " + ", ".join(
        f"{lab} {t:.3f}" + (f" ({fallback_words(fallback[lab])})" if lab in fallback else "")
        for lab, t in zip(loaded.labels, loaded.thresholds))


def _scored_at(loaded, test: dict | None) -> dict[str, float]:
    """{label: threshold} the test split's F1 and accuracy were computed at, as its metrics record them
    ("thresholds", of its "labels" or, lacking them, of its per-class figures in order); {} where none is
    recorded (an older metrics.json, or a record of it that kept none)."""
    thresholds = (test or {}).get("thresholds")
    labels = (test or {}).get("labels")
    labels = labels if isinstance(labels, list) else list((test or {}).get("per_class") or {})
    if not isinstance(thresholds, list) or len(thresholds) != len(labels) or not set(labels) <= set(loaded.labels):
        return {}
    return {lab: float(t) for lab, t in zip(labels, thresholds) if isinstance(t, (int, float))}


def _calls_lines(loaded, test: dict | None = None) -> list[str]:
    """The card's line on how a label is called (``outputs.is_called``), where a threshold lies below the floor
    ``outputs.MIN_CALLED_P`` (those labels are called from the floor, not from their threshold), or where the test
    split's F1 and accuracy were computed at other thresholds than the card's (``test``'s "thresholds": a record
    of figures scored before the thresholds were chosen again; the card must not give them as these thresholds').
    ``test``: the test split's figures; scored before ``mirage evaluate`` called by the floor (no "min_called_p"),
    the line says so."""
    own = dict(zip(loaded.labels, loaded.thresholds or []))
    below = sum(t < MIN_CALLED_P for t in own.values())
    scored = _scored_at(loaded, test)
    earlier = [lab for lab, t in scored.items() if lab in own and abs(t - own[lab]) > 1e-6]
    if not below and not earlier:
        return []
    floor = f"{MIN_CALLED_P * 100:g} %"
    line = f"{_CALLS_LINE} at or above the threshold and at least {floor} (`outputs.MIN_CALLED_P`); " + (
        f"{below} of the {len(own)} thresholds {'is' if below == 1 else 'are'} below {floor}: those labels are "
        f"called from {floor}" if below else f"every threshold is at least {floor}")
    before_floor = bool(test) and test.get("min_called_p") is None
    if earlier:
        alone = before_floor and any(t < MIN_CALLED_P for t in scored.values())
        line += ("; the test split's F1 and accuracy below were computed at the earlier thresholds"
                 + (" alone, before the floor" if alone else "")
                 + f" (config.json `metrics.test.thresholds`; {len(earlier)} of the {len(own)} "
                 + f"{'differs' if len(earlier) == 1 else 'differ'} from these); "
                 "its AUROC and AUPRC take no threshold")
    elif before_floor:
        line += "; the test split's F1 and accuracy below were computed at the thresholds alone, before the floor"
    return [line]


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


def model_card(loaded, test: dict | None, baselines: dict[str, dict], evaluate_command: str,
               appendix: list[str], test_looks: int | None = None, test_from: str = "") -> str:
    """The Markdown model card of an exported model (``test_looks``: times the test split was scored, 1 or more, None:
    the looks ``loaded.metrics["test_looks"]`` records, which include ``test``'s; ``evaluate_command``: the command
    behind ``test``, "" when unknown: none named; ``test_from``: where ``test`` came from if not --test-metrics)."""
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
        f"- Task: {task if (task := prov.get('task', loaded.task)) == loaded.task else f'{task} ({loaded.task})'}; "
        f"labels: {', '.join(label_name(c, False, loaded.label_descriptions) for c in loaded.labels)}",
        f"- Clinical inputs: {', '.join(loaded.schema.names) or 'none'} (missing values are masked"
        + _trained_ranges(loaded.schema) + ")",
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
        *_noise_mark_lines(loaded),
        _threshold_line(loaded, metrics.get("val_calibrated") or val),
        *_calls_lines(loaded, test),
        "",
        "## Training",
        f"- Data: {prov.get('data', '?')}; splits: {prov.get('splits', '?')}",
        records_line(metrics, prov), *training_records_lines(prov),
        *left_out_lines(prov), *sampling_rates_lines(metrics, loaded.preprocess.target_fs),
        *_class_count_lines(prov, loaded.labels),
        *command_lines(loaded.model_type, prov, metrics),
        f"- Hardware: {prov.get('hardware', '?')}; wall time "
        f"{'of all members to their selected epochs' if loaded.model_type == 'ensemble' else 'to the selected epoch'} "
        f"{wall_time(prov.get('duration_s', 0))}; "
        f"date {prov.get('date', '?')}; code {prov.get('code_version', '?')}",
        "",
        "## Metrics",
    ]
    ptbxl = trained_on_ptbxl(prov) is True
    if val:
        where = ("fold 9" if ptbxl else "the val split") + (f", n={val['n']}" if "n" in val else "")
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
            + looks_text(*looks_of(metrics, test), test_looks)
            + "), " + intervals_words(test)
            + (f"; command: `{evaluate_command}`" if evaluate_command else "")
            + (f"; {test_from}" if test_from else ""),
            "",
            "| | AUROC | AUPRC | F1 | accuracy |",
            "|---|---|---|---|---|",
            f"| **macro** | {_fmt_ci(test, 'auroc')} | {_fmt_ci(test, 'auprc')} | {_fmt_ci(test, 'f1')} "
            f"| {_fmt_ci(test, 'accuracy')} |",
        ]
        if enough := test.get("bootstrap", {}).get("macro_enough"):
            pt, ci = enough["point"], enough["ci"]
            lines.append(f"| {enough_words(len(enough['classes']), len(test.get('per_class', {})))} | "
                         + " | ".join(f"{pt[k]:.3f} ({ci[k][0]:.3f}-{ci[k][1]:.3f})" if ci.get(k) else f"{pt[k]:.3f}"
                                      for k in ("auroc", "auprc", "f1", "accuracy")) + " |")
        # a model scored on a task that holds some of its labels (evaluate_checkpoint scores those):
        # the others have no figure, and the table had looked them up ("KeyError: 'STTC'")
        unscored = [cls for cls in loaded.labels if cls not in test.get("per_class", {})]
        for cls in loaded.labels:
            if cls not in unscored:
                lines.append(f"| {cls} | {_fmt_ci(test, 'auroc', cls)} | {_fmt_ci(test, 'auprc', cls)} | "
                             f"{_fmt_ci(test, 'f1', cls)} | {_fmt_ci(test, 'accuracy', cls)} |")
        lines.append("")
        if unscored:
            lines += [f"Not scored on the {test.get('split', 'test')} split: {', '.join(unscored)} "
                      "(not a label of the data evaluated).", ""]
        if undefined_auroc(test):
            lines += [f"The test split's {macro_auroc_text(test)}.", ""]
        no_interval = test.get("bootstrap", {}).get("no_interval")
        if no_interval:
            words = no_interval_why(no_interval, len(test.get("per_class", {})))
            lines += [f"{words[0].upper()}{words[1:]}.", ""]
    else:
        lines += ["No test-split figures are recorded for this model (`mirage evaluate --split test` scores it; "
                  "`mirage export --test-metrics` puts its figures here).", ""]
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
        "- Records whose signal cannot carry a finding (a paced rhythm, " + paced_words(loaded) + "; a lead missing, "
        "electrode reversal, poor signal: `mirage_model.quality`) get their calls withheld, with the reason; the "
        "probabilities are still shown, for reference. A paced rhythm is found by its pacemaker spikes, or, where "
        "the spikes are too small or the rate too low to find them, by the statements model's own paced-rhythm "
        "call (`mirage_model.review.paced`). "
        + outside_labels(loaded.labels, loaded.label_descriptions),
        "",
    ]
    lines += appendix
    return "\n".join(lines).rstrip() + "\n"
