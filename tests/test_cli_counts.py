"""Counts a user types (--workers, --threads): a value the command cannot use is refused before any
work, naming the option and the value, with nothing written; before, a negative --workers reached
torch's DataLoader ("error: ValueError: num_workers option should be non-negative ...") after train and
ablate had written their config.json."""

from __future__ import annotations

import pytest

from helpers_training import make_folder
from test_cli_errors import _one_clean_line
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("counts") / "data"
    return make_folder(root, n_copies=2)


@pytest.mark.parametrize("command", ["train", "ablate"])
def test_a_negative_workers_count_is_refused_before_any_work(tmp_path, capsys, folder, command):
    root, labels = folder
    out = tmp_path / "run"
    rc = main([command, "--data", f"folder:{root}", "--labels", str(labels), "--preset", "tiny", "--epochs", "1",
               "--workers", "-1", "--out", str(out)])
    line = _one_clean_line(capsys.readouterr().err)
    assert rc == 1 and "--workers" in line and "(got -1)" in line, line
    assert not out.exists()
