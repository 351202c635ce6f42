"""The model cards say what the noise may hide (``noise_spread.may_hide``: the labels not called within the noise
spread of their threshold, named, never called), beside the calls the spread marks: the card ``mirage export``
writes (its "Noise marks" line, which ``mirage calibrate`` takes away with the spread) and the shipped models'
cards, with the fold-9 figures measured when the line was made (commit "Figures of the "may hide" line":
default 22 of 41 lost calls named, statements 116 of 163, MI 6 of 7; the line of the two on 65.8 % of 544
conditions, 138 of its 711 names calls lost).
"""

from __future__ import annotations

import json

import pytest
from test_noise_marks import PTBXL, model  # noqa: F401 - fixture

from mirage_model.paths import resources_dir

pytestmark = pytest.mark.skipif(not PTBXL, reason="bundled samples not present")
FOLD_9 = {"default": ["named 22 of the 41 calls the noise took away", "65.8 %", "138 were calls lost (19.4 %)"],
          "statements": ["named 116 of the 163 calls the noise took away", "65.8 %", "138 were calls lost (19.4 %)"],
          "mi": ["named 6 of the 7 calls the noise took away"]}


def test_the_exported_card_says_what_the_noise_may_hide(tmp_path, model):  # noqa: F811
    from training_cli.main import main

    assert main(["export", "--model", str(model), "--out", str(tmp_path / "out")]) == 0
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    line = next(x for x in card.splitlines() if x.startswith("- Noise marks: at a noise load"))
    assert "may change this call" in line and "named once, nearest first, as what the noise may hide" in line
    assert "never as calls" in line


@pytest.mark.parametrize("name", sorted(FOLD_9))
def test_the_shipped_cards_say_it_with_their_fold_9_figures(name):
    folder = resources_dir() / "models" / name
    assert "noise_spread" in json.loads((folder / "config.json").read_text())
    card = (folder / "MODEL_CARD.md").read_text()
    section = card.split("## Noise marks", 1)[1].split("\n## ", 1)[0]
    paragraph = " ".join(section.split("What the noise may hide:", 1)[1].split())
    assert "never as calls" in paragraph
    for figure in FOLD_9[name]:
        assert figure in paragraph, (name, figure)
