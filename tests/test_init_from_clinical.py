"""``mirage train --init-from`` a model of other clinical features than the run's. A researcher's model of age,
sex, crp and troponin_t, taken as the start of a run on data of age and sex, had been refused as "the architecture
differs (2 tensors, e.g. img_encoder.encoder.films.0.fc1.weight)"; beside data of age, sex, height and weight (as many
features) it had been taken in silence, its crp and troponin weights reading the height and the weight."""
import pytest
import torch

from helpers_models import make_tiny_checkpoint
from mirage_model.checkpoint import load_checkpoint
from mirage_model.models import build_model
from training_cli.engine.errors import ConfigError
from training_cli.engine.recipes import init_weights_from

LABS = ("age", "sex", "crp", "troponin_t")


@pytest.mark.parametrize("run", [["age", "sex"], ["age", "sex", "height", "weight"],
                                 ["age", "sex", "troponin_t", "crp"]])
def test_other_clinical_features_are_refused_naming_the_option_that_gives_the_checkpoints(tmp_path, run):
    src = make_tiny_checkpoint(tmp_path / "own", clinical=LABS)
    config = load_checkpoint(src).model_config
    fresh = build_model("mirage", {**config, "n_clinical": len(run)})
    with pytest.raises(ConfigError) as info:
        init_weights_from(fresh, str(src), run)
    assert str(info.value) == (
        f"error: --init-from {src}: it reads the clinical features age, sex, crp, troponin_t, this run "
        f"{', '.join(run)}; give --clinical age,sex,crp,troponin_t for the same inputs (a feature the data gives no "
        "value of is masked as missing), or train without --init-from")


def test_the_same_clinical_features_are_taken(tmp_path):
    src = make_tiny_checkpoint(tmp_path / "own", clinical=LABS, seed=4)
    ref = load_checkpoint(src)
    fresh = build_model("mirage", ref.model_config)
    init_weights_from(fresh, str(src), list(LABS))
    for (k, v), (_, w) in zip(fresh.state_dict().items(), ref.model.state_dict().items()):
        assert torch.equal(v, w), k
