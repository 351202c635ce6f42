"""A 500 Hz record scores as it would at the models' training rate (100 Hz, where no mains is
subtracted): the stacked models' features fit only the mains lines a record carries
(``measure.features.at_feature_rate``). Fitting every frequency had moved bundled LUDB 14 by 0.0155."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script():
    return load_script("rate_agreement")


def test_a_500_hz_record_scores_as_at_100_hz(tmp_path, capsys):
    import json

    import numpy as np

    out = tmp_path / "p.json"
    assert _script().main([str(ROOT / "resources" / "samples" / "ludb"), "14", "--json", str(out)]) == 0
    native, at100 = (np.asarray(p) for p in json.loads(out.read_text(encoding="utf-8"))["14"])
    assert native.shape == at100.shape and native.size >= 2
    assert float(np.abs(native - at100).max()) <= 0.01
    assert "14\t500 Hz\tlargest difference" in capsys.readouterr().out
