"""metrics.md's line on classes without a bootstrap interval points to the row of the other classes'
macro only where that row is there.

A 20-record test split of an own 3-class model (no class with 20 positives) had written "the row below
it is the macro of the other classes" above a table with no such row: every class was without one.
"""

from __future__ import annotations

from training_cli.engine.evaluation import markdown_summary


def metrics(no_interval, enough):
    per = {c: {"auroc": 0.6, "auprc": 0.4, "f1": 0.3, "accuracy": 0.5, "positives": 5} for c in ("A", "B")}
    none = {"auroc": None, "auprc": None, "f1": None, "accuracy": None}
    boot = {"n_boot": 100, "resamples": 100, "draws": 100, "seed": 0, "level": 0.95, "min_records": 20,
            "no_interval": no_interval, "macro": none, "per_class": {c: none for c in per},
            "macro_enough": enough}
    return {"n": 20, "split": "test", "macro": {"auroc": 0.6, "auprc": 0.4, "f1": 0.3, "accuracy": 0.5},
            "per_class": per, "bootstrap": boot}


def test_no_row_of_the_other_classes_when_every_class_lacks_an_interval():
    md = markdown_summary(metrics(["A", "B"], None))
    assert "no interval (2 of 2: A, B)" in md
    assert "row below" not in md
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert [row.split("|")[1].strip() for row in table[2:]] == ["**macro**", "A (n+=5)", "B (n+=5)"]


def test_the_row_of_the_other_classes_is_pointed_to_where_it_is():
    enough = {"classes": ["B"], "point": {k: 0.7 for k in ("auroc", "auprc", "f1", "accuracy")},
              "ci": {k: (0.6, 0.8) for k in ("auroc", "auprc", "f1", "accuracy")}}
    md = markdown_summary(metrics(["A"], enough))
    assert "the row below it is the macro of the other classes" in md
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert table[3].split("|")[2].strip() == "0.700 (0.600-0.800)"
