"""The epoch's progress bar draws the count of steps done beside the running loss. Its loss was set with a redraw at
every step while the count, which tqdm's iterator keeps to itself between its 5 s redraws, stayed at the last one
drawn: a real run's log read "epoch 1/4: 0%| 0/8 [00:06<?, ?it/s, loss=2.9178]" after three steps of eight, and an
epoch shorter than 5 s sat at "0/29" with its loss changing to the end."""
import re

import pytest

from helpers_training import make_folder, train_argv
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_no_frame_of_the_epoch_bar_shows_a_loss_beside_no_step_done(tmp_path, capsys):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=4, split_column=True)
    argv = [a for a in train_argv(f"folder:{root}", tmp_path / "out", tmp_path / "cache", labels=labels)
            if a != "--no-progress"]
    assert main(["train", *argv]) == 0
    frames = re.split(r"[\r\n]", capsys.readouterr().err)
    epoch = [f for f in frames if f.startswith("epoch ") and "|" in f]
    assert epoch, "no epoch bar drawn"
    assert not [f for f in epoch if re.search(r"\b0/\d+ .*loss=", f)], epoch
