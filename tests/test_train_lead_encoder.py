"""``mirage train --lead-encoder`` and the config key ``lead_encoder``: the paper preset builds the
paper's linear lead tokens, the CPU presets keep their CNNs, any encoder can be asked for, and the
choice is recorded in the run's config.json and in the checkpoint."""

from __future__ import annotations

import json

import pytest

from helpers_training import make_folder, train_argv
from mirage_model.models.config import LEAD_ENCODERS
from mirage_model.models.graph_encoder import ConvLeadEncoder, LinearLeadEncoder, ResLeadEncoder
from training_cli.commands.train import config_from_args, train_command_parser
from training_cli.engine.errors import ConfigError
from training_cli.engine.loop import train
from training_cli.engine.recipes import build_model_for

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _args(*argv: str):
    return config_from_args(train_command_parser().parse_args(list(argv)))


def _built(args):
    """(model, model_config dict) as ``mirage train`` builds them (5 classes, 4 clinical features)."""
    model, _, cfg = build_model_for(args, 5, "multilabel", 4)
    return model, cfg


def test_the_flag_offers_the_models_lead_encoders():
    action = next(a for a in train_command_parser()._actions if a.dest == "lead_encoder")
    assert tuple(action.choices) == LEAD_ENCODERS and action.default is None


def test_each_preset_builds_its_lead_encoder_and_the_flag_overrides_it(tmp_path):
    model, cfg = _built(_args("--data", "x", "--out", str(tmp_path)))        # --preset paper by default
    assert cfg["lead_encoder"] == "linear" and isinstance(model.sig_encoder.tokenizer, LinearLeadEncoder)
    for preset, expected in (("base", "resnet"), ("small", "conv"), ("tiny", "conv")):
        assert _built(_args("--data", "x", "--out", str(tmp_path), "--preset", preset))[1]["lead_encoder"] == expected
    model, cfg = _built(_args("--data", "x", "--out", str(tmp_path), "--preset", "tiny", "--lead-encoder", "resnet"))
    assert cfg["lead_encoder"] == "resnet" and isinstance(model.sig_encoder.tokenizer, ResLeadEncoder)


def test_the_config_key_is_accepted_and_the_command_line_wins(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"preset": "tiny", "lead_encoder": "resnet"}))
    args = _args("--config", str(cfg), "--data", "x", "--out", "y")
    assert args.lead_encoder == "resnet" and args.to_dict()["lead_encoder"] == "resnet"
    assert isinstance(_built(args)[0].sig_encoder.tokenizer, ResLeadEncoder)
    args = _args("--config", str(cfg), "--data", "x", "--out", "y", "--lead-encoder", "conv")
    assert isinstance(_built(args)[0].sig_encoder.tokenizer, ConvLeadEncoder)


def test_a_baseline_rejects_the_flag():
    with pytest.raises(ConfigError, match="lead-encoder"):
        _args("--data", "x", "--out", "y", "--model", "resnet1d_wang", "--lead-encoder", "conv")


@pytest.mark.slow     # a whole tiny run (2-8 s); the tests above check the same records without one
def test_a_run_records_its_lead_encoder(tmp_path):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    out = tmp_path / "run"
    argv = train_argv(f"folder:{root}", out, tmp_path / "cache", "--lead-encoder", "linear", "--epochs", "1",
                      "--no-test", labels=labels)
    assert train(_args(*argv)) == 0
    assert json.loads((out / "config.json").read_text())["lead_encoder"] == "linear"
    assert json.loads((out / "model" / "config.json").read_text())["model_config"]["lead_encoder"] == "linear"
