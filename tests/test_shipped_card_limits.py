"""The shipped model cards' limits line says what ``mirage export``'s card writer says of the model now.

The writer stopped calling paced records ones a model "was not trained for" (``card_limits.paced_words``: the clinical
reason their calls are withheld and the training records labelled paced, else "not recorded") and names rhythm among
the label systems outside a model's classes only where none of them is one (``card_limits.outside_labels``); the
shipped MODEL_CARD.md files, written before and edited by hand since, kept the old line. Each checkpoint's own
config.json is the source, so a card cannot drift from the writer unseen.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from mirage_model.paths import resources_dir
from training_cli.engine.card_limits import outside_labels, paced_words

MODELS = resources_dir() / "models"
SHIPPED = sorted(p.parent for p in MODELS.glob("*/MODEL_CARD.md") if (p.parent / "config.json").exists())
LIMITS = "- Records whose signal cannot carry a finding ("
# written out by hand from each config.json's labels: 5 superclasses, MI alone, PTB-XL's 71 statements
OUTSIDE = {"default": "Other label systems (rhythm, other cohorts' codes) are outside these 5 classes.",
           "mi": "Other label systems (rhythm, other cohorts' codes) are outside its one class (MI).",
           "statements": "Other cohorts' codes are outside these labels."}
NOT_RECORDED = "whether any of its training records was paced is not recorded"
PTBXL_PACED = "its training data, PTB-XL, hold records labelled paced (the PACE statement)"


def _shipped(folder):
    """The card's limits line and the checkpoint as its config.json records it (labels, words, provenance)."""
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    loaded = SimpleNamespace(labels=cfg["labels"], label_descriptions=cfg.get("label_descriptions") or {},
                             provenance=cfg.get("provenance") or {})
    lines = [line for line in card.splitlines() if line.startswith(LIMITS)]
    return card, loaded, lines


def test_every_shipped_classifier_has_a_card_with_a_config():
    assert {p.name for p in SHIPPED} == set(OUTSIDE)


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_the_shipped_cards_limits_line_is_the_card_writers(folder):
    card, loaded, lines = _shipped(folder)
    assert "not trained for" not in card
    assert len(lines) == 1, lines
    assert "(a paced rhythm, " + paced_words(loaded) + "; a lead missing, " in lines[0]
    assert lines[0].endswith(" " + outside_labels(loaded.labels, loaded.label_descriptions))


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_the_shipped_cards_say_what_their_configs_record(folder):
    """No shipped config.json records its training class counts, so no card counts paced training records; each
    was trained on PTB-XL, whose statements include PACE (ptbxl_database.csv: records of folds 1-8 carry it), so
    none says that it is not known whether its training data held paced records."""
    _, loaded, lines = _shipped(folder)
    assert "class_counts" not in loaded.provenance
    assert len(lines) == 1 and f"; {PTBXL_PACED}; " in lines[0] and NOT_RECORDED not in lines[0]
    assert lines[0].endswith(" " + OUTSIDE[folder.name])
