"""``mirage compare A B`` names its columns by what tells the two paths apart.

Found: the names were the folder two levels above each file, so that the predictions of
``mirage evaluate --out runs/own_test`` and ``--out runs/base_test`` both read "runs", and the table
could not say which column was which model.
"""

from __future__ import annotations

import json

import pytest

from test_compare import synthetic, write_predictions
from training_cli.commands.compare import default_names
from training_cli.main import main


@pytest.mark.parametrize("a, b, names", [
    ("runs/own_test/predictions.csv", "runs/base_test/predictions.csv", ("own_test", "base_test")),   # evaluate --out
    ("runs/A/test/predictions.csv", "runs/B/test/predictions.csv", ("A", "B")),                      # train's RUN/test
    ("runs/A/test/predictions.csv", "runs/B/val/predictions.csv", ("A/test", "B/val")),
    ("x/a.csv", "x/b.csv", ("a", "b")),                                                              # the files' stems
    ("x/predictions.csv", "x/y/predictions.csv", ("x", "y")),
    ("x/predictions.csv", "x/./predictions.csv", ("A", "B")),                                        # one file twice
])
def test_default_names_tell_the_paths_apart(tmp_path, a, b, names):
    assert default_names(tmp_path / a, tmp_path / b) == names


def test_two_evaluations_under_runs_are_named_by_their_folders(tmp_path, capsys):
    y, good, weak = synthetic(n=60)
    ids = [str(i) for i in range(60)]
    paths = []
    for name, p in (("own_test", good), ("base_test", weak)):
        (tmp_path / "runs" / name).mkdir(parents=True)
        paths.append(str(write_predictions(tmp_path / "runs" / name / "predictions.csv", ids, p, y)))
    out = tmp_path / "cmp.json"
    assert main(["compare", *paths, "--bootstrap", "20", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("| AUROC, n=60 | own_test | base_test | difference")
    assert json.loads(out.read_text())["names"] == ["own_test", "base_test"]
