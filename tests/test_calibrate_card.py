"""The model card ``mirage calibrate`` writes: it had copied its source's card word for word, so a re-calibrated
checkpoint's card named the old calibration's methods, thresholds and figures. It now says the new one (per label
the map, the threshold, the validation figures the command printed, the command and its date) where the old one
stood, or, where the old card's calibration lines cannot be found, in a section at its top; every other section
that speaks of the old calibration says it is superseded.

Truth: the calibrated checkpoint's config.json (its "calibration" methods, "thresholds" and "provenance") read back
with ``json``, the command's own stdout, and the date from the clock.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import time

import pytest
from helpers_models import make_tiny_checkpoint
from helpers_training import PTBXL_LABELS, make_folder

pytestmark = [pytest.mark.skipif(not PTBXL_LABELS, reason="bundled samples not present"),
              pytest.mark.usefixtures("one_torch_thread")]
TOP = "## Calibration of this checkpoint (replaces what the card says below)"
NOTE = "> Superseded for this checkpoint: it was re-calibrated"

# an exported card (``model_card``'s lines) of a checkpoint calibrated before: methods and thresholds of its own
EXPORTED = """# Model card: tiny

**Research use only, not a diagnosis.** Outputs are unconfirmed and must be read by a qualified clinician.

## Model
- Parameters: 1,000
- Scoring: each window's probability is the mean of 8 copies with 0.03 mV in-band noise (seed 0) (noise-averaged \
scoring, `mirage_model.averaging`; calibration and thresholds fitted on it)
- Probabilities: calibrated on the ptbxl superdiagnostic val split, 2146 records (NORM temperature, MI temperature, \
STTC temperature, CD temperature, HYP temperature; `mirage calibrate`); thresholds chosen after calibration
- Expected calibration error on the test split (10 bins): NORM 0.017, MI 0.013, STTC 0.017, CD 0.013, HYP 0.011
- The same records scored by a perfectly calibrated model would show, by chance alone (mean / 95th percentile of \
outcomes drawn from the probabilities): NORM 0.016 / 0.022
- Thresholds (max F1 on the validation split): NORM 0.777, MI 0.777, STTC 0.777, CD 0.777, HYP 0.777
- Calls: at or above the threshold and at least 20 % (`outputs.MIN_CALLED_P`); 3 of the 5 thresholds are below \
20 %: those labels are called from 20 %

## Training
- Command: `mirage train --task superdiagnostic`

## Metrics
Test split (test, n=2158, evaluated once), with percentile bootstrap 95% intervals

| **macro** | 0.937 |

## Intended use and limits
- Research and education.

## How this model was made
2. `mirage calibrate --model runs/x --out runs/y`
   - **Calibration**: temperature scaling per class.
"""

# a card written by hand: its calibration is prose, not the exported lines
BY_HAND = """# Model card: tiny

A small model. Temperature scaling, thresholds 0.777.

## Results
F1 at the thresholds above: 0.5.

## Licence
CC BY 4.0.
"""


def _calibrate(tmp_path, src, out, capsys, monkeypatch) -> tuple[str, dict, str]:
    """Run ``mirage calibrate`` on the folder data; its card, config.json and stdout."""
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    argv = ["calibrate", "--model", str(src), "--data", f"folder:{root}", "--labels", str(labels), "--cache-dir",
            str(tmp_path / "cache"), "--workers", "1", "--no-progress", "--threads", "1", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", ["mirage", *argv])
    capsys.readouterr()
    assert main(argv) == 0
    return ((out / "MODEL_CARD.md").read_text(), json.loads((out / "config.json").read_text()),
            capsys.readouterr().out)


def _command_on_card(src: str, out: str) -> str:
    """``_calibrate``'s command as the card should quote it: each path of this machine by its last component
    (as ``mirage export``'s card quotes the training's), the folder data's spec and all."""
    return (f"mirage calibrate --model {src} --data folder:data --labels labels.csv --cache-dir cache --workers 1 "
            f"--no-progress --threads 1 --out {out}")


def _truth(config: dict, labels_csv=None) -> tuple[str, list[str]]:
    """The methods as the card's "- Probabilities:" line should name them, and each label's threshold as its
    "- Thresholds" line should (a fallback threshold is followed by why), from config.json; with ``labels_csv`` each
    method is followed by its label's positive/negative records among the table's val rows ("NORM platt 1/3"), and
    the maps fitted on fewer than 10 of one are named rough."""
    labels, methods = config["labels"], config["calibration"]["methods"]
    thresholds = [f"{lab} {t:.3f}" for lab, t in zip(labels, config["thresholds"])]
    if labels_csv is None:
        return ", ".join(f"{lab} {m}" for lab, m in zip(labels, methods)), thresholds
    with open(labels_csv, newline="") as f:
        val = [set(r["labels"].split(";")) for r in csv.DictReader(f) if r["split"] == "val"]
    counts = {lab: (sum(lab in r for r in val), sum(lab not in r for r in val)) for lab in labels}
    rough = [lab for lab, m in zip(labels, methods) if m != "identity" and min(counts[lab]) < 10]
    return ("each label's map, then its positive/negative records there: "
            + ", ".join(f"{lab} {m} {counts[lab][0]}/{counts[lab][1]}" for lab, m in zip(labels, methods))
            + (f"; fitted on fewer than 10 positive or negative records, a rough map: {', '.join(rough)}"
               if rough else "")), thresholds


def _thresholds_said(card: str) -> list[str]:
    """The card's "- Thresholds" line's items, each without the words on a fallback."""
    line = next(x for x in card.splitlines() if x.startswith("- Thresholds (max F1 on the validation split): "))
    return re.findall(r"\b[A-Z]+ \d\.\d{3}\b", re.sub(r" \([^)]*\)", "", line.split(": ", 1)[1]))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "tiny")


def test_an_exported_cards_calibration_lines_are_replaced(tmp_path, tiny, capsys, monkeypatch):
    src = tmp_path / "src"
    shutil.copytree(tiny, src)
    (src / "MODEL_CARD.md").write_text(EXPORTED)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    card, config, said = _calibrate(tmp_path, src, tmp_path / "cal", capsys, monkeypatch)
    methods, thresholds = _truth(config, tmp_path / "data" / "labels.csv")
    assert re.search(r"NORM \w+ 1/3, ", methods) and re.search(r"STTC \w+ 0/4, ", methods)   # 4 val rows, no STTC
    lines = card.splitlines()
    model = lines[lines.index("## Model") + 1:lines.index("## Training")]
    # the floor of every call (outputs.MIN_CALLED_P), said where a new threshold lies below it; the source's
    # line on its own thresholds gives way
    below = sum(t < 0.20 for t in config["thresholds"])
    calls = [f"- Calls: at or above the threshold and at least 20 % (`outputs.MIN_CALLED_P`); {below} of the "
             f"{len(config['thresholds'])} thresholds {'is' if below == 1 else 'are'} below 20 %: those labels are "
             "called from 20 %"] * (below > 0)
    assert model == [
        "- Parameters: 1,000",
        f"- Probabilities: calibrated on the {config['calibration']['fitted_on']} ({methods}; "
        f"`{_command_on_card('src', 'cal')}`, {config['provenance']['calibration_date']}); "
        "thresholds chosen after calibration",
        model[2],
        *calls,
        "",
        "## Calibration of this checkpoint",
        *model[5 + len(calls):]]
    assert "3 of the 5 thresholds" not in card
    assert _thresholds_said(card) == thresholds
    assert config["provenance"]["calibration_date"].startswith(today) and "mirage calibrate --model" in card
    # the old calibration's methods, thresholds, test figures and averaging are gone
    for old in ("temperature, MI", "0.777", "2146 records", "on the test split (10 bins)", "by chance alone",
                "- Scoring:"):
        assert old not in card
    # the figures the command printed, each label's line and the validation AUROC
    printed = [line for line in said.splitlines() if line.strip().split(":")[0] in config["labels"]]
    assert len(printed) == len(config["labels"]) and all(f"\n{line}\n" in card for line in printed)
    assert said.splitlines()[-1].split(": ", 1)[1] in card          # "val macro AUROC ..."
    # the sections that speak of the old calibration say they are superseded, the others do not
    for heading in ("## Metrics", "## How this model was made"):
        assert lines[lines.index(heading) + 1].startswith(NOTE)
    for heading in ("## Training", "## Intended use and limits"):
        assert not lines[lines.index(heading) + 1].startswith(">")
    assert TOP not in card

    # calibrated again: one section, the second calibration's, and one note per section
    again, config2, _ = _calibrate(tmp_path, tmp_path / "cal", tmp_path / "again", capsys, monkeypatch)
    assert again.count("## Calibration of this checkpoint") == 1 and again.count(NOTE) == 2
    assert f"`{_command_on_card('cal', 'again')}`" in again and str(tmp_path) not in again
    # config.json keeps the command as it ran, paths and all
    assert config2["provenance"]["calibration_command"].startswith(f"mirage calibrate --model {tmp_path / 'cal'} ")
    assert _thresholds_said(again) == _truth(config2)[1]


def test_a_card_without_those_lines_gets_a_section_at_its_top(tmp_path, tiny, capsys, monkeypatch):
    src = tmp_path / "src"
    shutil.copytree(tiny, src)
    (src / "MODEL_CARD.md").write_text(BY_HAND)
    card, config, _ = _calibrate(tmp_path, src, tmp_path / "cal", capsys, monkeypatch)
    methods, thresholds = _truth(config, tmp_path / "data" / "labels.csv")
    lines = card.splitlines()
    assert lines[:4] == ["# Model card: tiny", "", "A small model. Temperature scaling, thresholds 0.777.", ""]
    assert lines[4] == TOP and lines.index("## Results") > 4
    top = "\n".join(lines[4:lines.index("## Results")])
    assert f"({methods}; `" in top and _thresholds_said(top) == thresholds
    assert lines[lines.index("## Results") + 1].startswith(NOTE)
    assert lines[lines.index("## Licence") + 1] == "CC BY 4.0."
    # calibrated again: the section is the new one's, still one, still at the top
    again, config2, _ = _calibrate(tmp_path, tmp_path / "cal", tmp_path / "again", capsys, monkeypatch)
    assert again.count(TOP) == 1 and again.splitlines()[4] == TOP and again.count(NOTE) == 1
    assert _thresholds_said(again) == _truth(config2)[1]


def test_a_checkpoint_without_a_card_gets_none(tmp_path, tiny, capsys, monkeypatch):
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    assert main(["calibrate", "--model", str(tiny), "--data", f"folder:{root}", "--labels", str(labels),
                 "--cache-dir", str(tmp_path / "cache"), "--workers", "1", "--no-progress", "--threads", "1",
                 "--out", str(tmp_path / "cal")]) == 0
    assert not (tmp_path / "cal" / "MODEL_CARD.md").exists()
