"""The shipped model cards give their training recipe in the card writer's words.

``mirage export``'s card had printed the checkpoint's recipe as a Python dict ("Recipe: {'epochs': 30, 'lr':
0.0005, ...}"); the writer was mended (``engine/card_training.recipe_words``) but the shipped cards kept the dict
until their recipe lines were written again with it. Each checkpoint's own config.json is the source.
"""
from __future__ import annotations

import json

import pytest

from mirage_model.paths import resources_dir
from training_cli.engine.card_training import command_lines

SHIPPED = sorted(p.parent for p in (resources_dir() / "models").glob("*/MODEL_CARD.md"))


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_card_says_its_recipe_in_words(folder):
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "{'" not in card, [line for line in card.splitlines() if "{'" in line]
    config = folder / "config.json"
    if not config.exists():         # the delineator: a U-Net of its own, no mirage train recipe
        return
    cfg = json.loads(config.read_text(encoding="utf-8"))
    written = [line for line in command_lines(cfg["model_type"], cfg.get("provenance") or {}, cfg.get("metrics") or {})
               if "ecipe" in line]
    assert written and all(line in card.splitlines() for line in written), written


def test_the_mi_cards_recipe_reads_as_its_training_command():
    """Written out by hand from the MI model's command (--epochs 6 --lr 5e-4 --augment --noise --ema 0.999
    --init-from resources/models/mi; batch size, weight decay and warm-up the base preset's)."""
    card = (resources_dir() / "models" / "mi" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert ("- Recipe: epochs 6, lr 0.0005, batch size 64, weight decay 0.05, warm-up 0.13; augmentation on, "
            "fault noise on, EMA 0.999; initialised from resources/models/mi; best epoch 6") in card.splitlines()
