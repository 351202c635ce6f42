"""The results panel's model line shows the model's held-out test figure beside its name.

The line looked for metric keys ("macro_auroc", "test_macro_auroc", "auroc") at the top of the
checkpoint's metrics; none of the shipped config.json files has them (their test figure is
``metrics.test.macro.auroc``, measured on PTB-XL's strat_fold 10), so the line showed no figure at all.
Truth: the shipped config.json files read here with json.
"""
import json
from pathlib import Path

import pytest

MODELS = Path(__file__).parents[1] / "resources" / "models"


def _shipped_test_auroc(name: str) -> str:
    config = json.loads((MODELS / name / "config.json").read_text(encoding="utf-8"))
    assert config["provenance"]["splits"] == "PTB-XL strat_fold 1-8 train, 9 val, 10 test"
    assert config["metrics"]["test"]["split"] == "test"
    return f"{config['metrics']['test']['macro']['auroc']:.3f}"


@pytest.fixture(scope="module")
def shipped():
    from mirage_model.inference import Predictor

    return {name: Predictor(MODELS / name, device="cpu", quality=False) for name in ("default", "mi", "statements")}


def test_the_model_line_gives_each_shipped_models_fold_10_macro_auroc(qtbot, shipped):
    from app.views.results import ResultsPanel

    assert [_shipped_test_auroc(n) for n in ("default", "mi", "statements")] == ["0.936", "0.937", "0.939"]
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    for name in ("default", "mi"):
        panel.set_model(shipped[name])
        text = panel.model_label.text()
        line = text.split("<br>")[0]
        assert f"<b>{shipped[name].name}</b> (" in line
        assert line.endswith(f", fold-10 macro AUROC {_shipped_test_auroc(name)})")
    panel.set_model(shipped["default"], shipped["statements"])
    line = next(x for x in panel.model_label.text().split("<br>") if "Interpretation statements" in x)
    assert line.endswith(f"PTB-XL statements, fold-10 macro AUROC {_shipped_test_auroc('statements')})</small>")


def test_no_figure_where_the_checkpoint_has_no_test_split():
    from mirage_model.review.report.model_info import held_out_figure

    config = json.loads((MODELS / "mi" / "config.json").read_text(encoding="utf-8"))
    metrics, prov = dict(config["metrics"]), config["provenance"]
    assert held_out_figure(metrics, prov) == "fold-10 macro AUROC 0.937"
    del metrics["test"]
    assert held_out_figure(metrics, prov) == ""          # only a validation figure: nothing said
    assert held_out_figure({}, {}) == ""
    nan = {"test": {"split": "test", "macro": {"auroc": float("nan")}}}
    assert held_out_figure(nan, prov) == ""
    own = {"test": {"split": "test", "macro": {"auroc": 0.9123}, "per_class": {"A": {"auroc": 0.9123}}}}
    assert held_out_figure(own, {"splits": "seeded random split (seed 0)"}) == "test-split macro AUROC 0.912"
