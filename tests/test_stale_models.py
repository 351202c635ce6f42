"""The models read from files beside the classifier (the electrode-reversal detector, ``quality.reversal``; the learned
delineator, ``measure.learned``) follow a file retrained in place: a researcher writes new weights into the same file
while the app or a batch keeps running. The truth: the values the test wrote into the file."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from mirage_model import quality


def test_a_reversal_detector_rewritten_in_place_is_read_again(tmp_path):
    shipped = quality.load_reversal_model()
    assert shipped is not None
    path = tmp_path / "reversal.json"
    data = shipped.to_json()
    path.write_text(json.dumps(data))
    first = quality.load_reversal_model(str(path))
    assert first.coef[0, 0] == pytest.approx(shipped.coef[0, 0])
    data["coef"][0][0] = 123.25          # "retrained": one weight the test knows
    time.sleep(0.02)                     # past the coarse clock's tick
    path.write_text(json.dumps(data))
    again = quality.load_reversal_model(str(path))
    assert again.coef[0, 0] == 123.25
    assert quality.load_reversal_model(str(path)) is again       # unchanged: read once


def test_a_delineator_rewritten_in_place_is_read_again(tmp_path):
    ln = pytest.importorskip("mirage_model.measure.learned")
    import torch

    path = tmp_path / "d.safetensors"
    nets = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        nets.append(ln.UNet1d(ln.DelineatorConfig(width=4, depth=2)).eval())
    ln.save(nets[0], path, {"note": "first"})
    first = ln.load(str(path))
    time.sleep(0.02)
    ln.save(nets[1], path, {"note": "retrained"})
    again = ln.load(str(path))
    for name, value in nets[1].state_dict().items():
        assert torch.equal(again.state_dict()[name], value), name
    assert not all(torch.equal(first.state_dict()[k], v) for k, v in again.state_dict().items())
    assert ln.load(str(path)) is again
    x = np.random.default_rng(0).standard_normal((2, 600)).astype(np.float32)
    assert np.array_equal(ln.segment(again, x), ln.segment(nets[1], x))
