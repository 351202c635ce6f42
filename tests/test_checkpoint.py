"""Checkpoint format: bit-exact round trips, fp16, single-file form, and clear errors for bad files."""

from __future__ import annotations

import json
import os
import pickle
from dataclasses import asdict

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from mirage_model.checkpoint import (FORMAT_VERSION, CheckpointError, load_checkpoint,
                                     read_checkpoint_config, save_checkpoint)
from mirage_model.clinical import default_schema
from mirage_model.models.config import preset_config
from mirage_model.models.mirage import Mirage
from mirage_model.preprocess import PreprocessConfig
from mirage_model.render import RenderConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LABELS = ["NORM", "MI", "STTC", "CD", "HYP"]
CLINICAL = ["age", "sex", "troponin_t", "potassium"]


def make_model(seed=0, **overrides) -> Mirage:
    torch.manual_seed(seed)
    model = Mirage(preset_config("tiny", num_classes=len(LABELS), n_clinical=len(CLINICAL), **overrides))
    # move the BatchNorm running statistics away from their defaults so they are checked too
    model.train()
    with torch.no_grad():
        model(*inputs(B=4, seed=seed + 7))
    return model.eval()


def inputs(B=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    mask = torch.tensor([[1.0, 1.0, 0.0, 1.0]]).expand(B, 4)
    return (torch.randn(B, 12, 1000, generator=g), torch.rand(B, 1, 224, 224, generator=g),
            torch.randn(B, 4, generator=g) * mask, mask)


def save(path, model, **kw):
    schema = default_schema(CLINICAL).fit([{"age": 50, "potassium": 4.0}, {"age": 70, "potassium": 4.6}])
    args = dict(model_type="mirage", task="multilabel", labels=LABELS, schema=schema,
                preprocess=PreprocessConfig(), render=RenderConfig(), thresholds=[0.5, 0.4, 0.3, 0.2, 0.1],
                provenance={"data": "PTB-XL folds 1-8", "command": "mirage train", "hardware": "cpu"},
                metrics={"macro_auroc": 0.91, "per_class": {"MI": float("nan")}}, name="unit-test")
    args.update(kw)
    return save_checkpoint(path, model, **args)


@pytest.fixture()
def saved(tmp_path):
    model = make_model()
    return save(tmp_path / "ckpt", model), model


def test_round_trip_is_bit_exact(saved):
    path, model = saved
    assert sorted(os.listdir(path)) == ["config.json", "model.safetensors"]
    loaded = load_checkpoint(path)
    assert isinstance(loaded.model, Mirage) and not loaded.model.training
    assert loaded.model.config == model.config
    ref, got = model.state_dict(), loaded.model.state_dict()
    assert ref.keys() == got.keys()
    for key in ref:
        assert got[key].dtype == ref[key].dtype and torch.equal(got[key], ref[key]), key
    x = inputs()
    with torch.no_grad():
        assert torch.equal(model(*x).logits, loaded.model(*x).logits)
    assert loaded.labels == LABELS and loaded.task == "multilabel" and loaded.model_type == "mirage"
    assert loaded.thresholds == [0.5, 0.4, 0.3, 0.2, 0.1]
    assert loaded.schema.names == CLINICAL and loaded.schema["age"].mean == pytest.approx(60.0)
    assert loaded.preprocess == PreprocessConfig() and loaded.render == RenderConfig()
    assert loaded.metrics == {"macro_auroc": 0.91, "per_class": {"MI": None}}   # NaN written as null
    prov = loaded.provenance
    assert prov["data"] == "PTB-XL folds 1-8" and prov["command"] == "mirage train"
    assert {"date", "code_version"} <= set(prov)
    assert loaded.name == "unit-test" and loaded.path == path and loaded.model_card is None


def test_config_json_contents(saved):
    path, _ = saved
    doc = json.loads((path / "config.json").read_text())
    assert doc["format_version"] == FORMAT_VERSION
    assert doc["model_config"] == asdict(preset_config("tiny", num_classes=5, n_clinical=4))
    assert doc["clinical"]["features"][0]["name"] == "age"
    assert read_checkpoint_config(path) == doc
    # also loadable through either of its files
    assert load_checkpoint(path / "config.json").labels == LABELS
    assert load_checkpoint(path / "model.safetensors").labels == LABELS


def test_half_stores_fp16_and_loads_fp32(tmp_path):
    model = make_model()
    path = save(tmp_path / "half", model, half=True)
    with safe_open(str(path / "model.safetensors"), framework="pt") as fh:
        dtypes = {fh.get_tensor(k).dtype for k in fh.keys()}
    assert torch.float16 in dtypes and torch.float32 not in dtypes
    loaded = load_checkpoint(path)
    for key, t in loaded.model.state_dict().items():
        ref = model.state_dict()[key]
        assert t.dtype == ref.dtype
        assert torch.allclose(t, ref, rtol=1e-3, atol=1e-4), key
    x = inputs()
    with torch.no_grad():
        assert torch.allclose(loaded.model(*x).logits, model(*x).logits, atol=1e-3)
    full = (tmp_path / "full")
    save(full, model)
    assert (path / "model.safetensors").stat().st_size < 0.6 * (full / "model.safetensors").stat().st_size


def test_single_file_form_and_model_card(tmp_path):
    model = make_model()
    card = "# Tiny test model\nResearch use only.\n"
    f = save(tmp_path / "model.safetensors", model, model_card=card)
    assert f.is_file() and os.listdir(tmp_path) == ["model.safetensors"]
    loaded = load_checkpoint(f)
    assert loaded.model_card == card and loaded.labels == LABELS and loaded.path == f
    for key, t in model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[key], t)
    folder = save(tmp_path / "folder", model, model_card=card)
    assert (folder / "MODEL_CARD.md").read_text() == card
    assert load_checkpoint(folder).model_card == card


def test_loading_never_unpickles(saved, monkeypatch):
    path, _ = saved

    def forbidden(*a, **k):
        raise AssertionError("pickle/torch.load used while loading a checkpoint")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    assert load_checkpoint(path).labels == LABELS


def test_save_replaces_atomically(tmp_path):
    path = save(tmp_path / "ckpt", make_model(seed=0))
    second = make_model(seed=1)
    save(path, second)
    loaded = load_checkpoint(path)
    assert torch.equal(loaded.model.head.weight, second.head.weight)
    assert sorted(os.listdir(tmp_path)) == ["ckpt"]             # no temp or backup left behind
    # never deletes a folder that is not a checkpoint
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(CheckpointError, match="not a MIRAGE checkpoint"):
        save(other, second)
    assert (other / "cat.jpg").exists()


def test_save_checks_arguments(tmp_path):
    model = make_model()
    with pytest.raises(CheckpointError, match="4 labels"):
        save(tmp_path / "a", model, labels=LABELS[:4])
    with pytest.raises(CheckpointError, match="thresholds"):
        save(tmp_path / "b", model, thresholds=[0.5])
    with pytest.raises(CheckpointError, match="n_clinical"):
        save(tmp_path / "c", model, schema=default_schema(["age"]))
    with pytest.raises(CheckpointError, match="task"):
        save(tmp_path / "d", model, task="multiclass")
    with pytest.raises(CheckpointError, match="unknown model type"):
        save(tmp_path / "e", model, model_type="gpt")
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------------------------------------
# bad files: every problem is a CheckpointError naming the file

def edit_config(path, fn):
    doc = json.loads((path / "config.json").read_text())
    fn(doc)
    (path / "config.json").write_text(json.dumps(doc))


def test_truncated_weights(saved):
    path, _ = saved
    w = path / "model.safetensors"
    data = w.read_bytes()
    w.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="model.safetensors") as info:
        load_checkpoint(path)
    assert str(w) in str(info.value)


def test_garbage_weights(saved):
    path, _ = saved
    (path / "model.safetensors").write_bytes(b"not a safetensors file at all" * 10)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(path)


def test_missing_files(saved, tmp_path):
    path, _ = saved
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "nope")
    (path / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="missing weights"):
        load_checkpoint(path)
    (path / "config.json").unlink()
    with pytest.raises(CheckpointError, match="config.json"):
        load_checkpoint(path)
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "x.txt")


def test_malformed_json(saved):
    path, _ = saved
    (path / "config.json").write_text('{"format_version": 1, "labels": [')
    with pytest.raises(CheckpointError, match="malformed JSON") as info:
        load_checkpoint(path)
    assert "config.json" in str(info.value)
    (path / "config.json").write_text("[1, 2]")
    with pytest.raises(CheckpointError, match="JSON object"):
        load_checkpoint(path)


@pytest.mark.parametrize("edit,message", [
    (lambda d: d.update(format_version=99), "format_version 99"),
    (lambda d: d.pop("labels"), "missing fields"),
    (lambda d: d.update(model_type="transformer9000"), "unknown model_type"),
    (lambda d: d["model_config"].update(sig_width=32), "shape"),                 # config/weights mismatch
    (lambda d: d["model_config"].update(use_image=False), "do not match"),       # keys missing/unexpected
    (lambda d: d["model_config"].update(nonsense=1), "unknown fields"),
    (lambda d: d["model_config"].update(task="regression"), "cannot build"),
    (lambda d: d.update(labels=["A", "B"]), "labels must be"),
    (lambda d: d.update(thresholds=[0.5] * 4), "thresholds"),
    (lambda d: d.update(task="multiclass"), "task"),
    (lambda d: d["clinical"]["features"].pop(), "n_clinical"),
    (lambda d: d["clinical"]["features"][0].update(std=-1), "clinical schema"),
    (lambda d: d["preprocess"].update(notch=50), "preprocess/render"),
])
def test_mismatched_config(saved, edit, message):
    path, _ = saved
    edit_config(path, edit)
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)


def test_tampered_weights(saved):
    path, _ = saved
    w = path / "model.safetensors"
    tensors = load_file(str(w))
    key = "head.weight"
    # wrong shape
    bad = dict(tensors, **{key: torch.zeros(3, 3)})
    save_file(bad, str(w))
    with pytest.raises(CheckpointError, match=f"{key} has shape"):
        load_checkpoint(path)
    # missing key
    bad = {k: v for k, v in tensors.items() if k != key}
    save_file(bad, str(w))
    with pytest.raises(CheckpointError, match="1 missing"):
        load_checkpoint(path)
    # NaN weights
    bad = dict(tensors, **{key: torch.full_like(tensors[key], float("nan"))})
    save_file(bad, str(w))
    with pytest.raises(CheckpointError, match="NaN"):
        load_checkpoint(path)
    # wrong dtype for an integer buffer
    int_keys = [k for k, v in tensors.items() if not v.is_floating_point()]
    assert int_keys                                 # BatchNorm num_batches_tracked
    bad = dict(tensors, **{int_keys[0]: tensors[int_keys[0]].float()})
    save_file(bad, str(w))
    with pytest.raises(CheckpointError, match="dtype"):
        load_checkpoint(path)


def test_single_file_without_config(tmp_path):
    f = tmp_path / "weights.safetensors"
    save_file({"a": torch.zeros(2)}, str(f))
    with pytest.raises(CheckpointError, match="no config.json"):
        load_checkpoint(f)


@pytest.mark.parametrize("overrides", [dict(use_image=False), dict(shared_encoder=True),
                                       dict(lead_encoder="linear", use_fusion=False, late_concat=True)])
def test_variants_round_trip(tmp_path, overrides):
    model = make_model(**overrides)
    loaded = load_checkpoint(save(tmp_path / "v", model))
    x = inputs()
    with torch.no_grad():
        assert torch.equal(model(*x).logits, loaded.model(*x).logits)


# --------------------------------------------------------------------------------------------
# hostile configs (issue 19): refused before anything is allocated, quickly, as CheckpointError

@pytest.mark.parametrize("edit,message", [
    (lambda d: d["model_config"].update(sig_depth=1_000_000), "sig_depth"),
    (lambda d: d["model_config"].update(sig_width=0), "sig_width"),
    (lambda d: d["model_config"].update(fusion_ffn=10**9), "fusion_ffn"),
    (lambda d: d["model_config"].update(sig_width=16384, fusion_ffn=16384, fusion_width=16384), "parameters"),
    (lambda d: d["model_config"].update(sig_heads="4"), "whole number"),
    (lambda d: d["model_config"].update(sig_heads=4.0), "whole number"),
    (lambda d: d["model_config"].update(use_labs=1), "true/false"),
    (lambda d: d["model_config"].update(dropout=float("nan")), "dropout"),
    (lambda d: d["model_config"].update(dropout=1.5), "dropout"),
    (lambda d: d["model_config"].update(n_samples=10**7), "n_samples"),
    (lambda d: d["model_config"].update(img_size=4096), "img_size"),
    (lambda d: d.update(thresholds=[float("nan")] * 5), "strictly between 0 and 1"),
    (lambda d: d.update(thresholds=[float("inf")] * 5), "strictly between 0 and 1"),
    (lambda d: d.update(thresholds=[-1] * 5), "strictly between 0 and 1"),
    (lambda d: d.update(thresholds=[0.0] * 5), "strictly between 0 and 1"),
    (lambda d: d.update(labels=["HYP"] * 5), "unique"),
    (lambda d: d.update(labels=["=cmd()"] + [" MI"] + d["labels"][2:]), "surrounding spaces"),
    (lambda d: d["preprocess"].update(target_fs=1e-9), "target_fs"),
    (lambda d: d["preprocess"].update(max_windows=10**6), "max_windows"),
    (lambda d: d["render"].update(width=10**6), "width"),
    (lambda d: d.update(name=["x"]), "name"),
])
def test_hostile_config_values_are_refused_before_building(saved, edit, message, monkeypatch):
    import time

    import mirage_model.checkpoint.load as ckpt   # where load_checkpoint looks the reader up

    path, _ = saved
    edit_config(path, edit)     # json.dumps writes NaN/Infinity, which json.loads reads back
    built = []
    monkeypatch.setattr(ckpt, "_read_tensors", lambda w: built.append(w) or {})
    t0 = time.perf_counter()
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(path)
    assert time.perf_counter() - t0 < 5
    assert str(path) in str(info.value)
    assert not built        # weights never read for a config that cannot be right


def test_deeply_nested_json_is_refused(saved):
    path, _ = saved
    (path / "config.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(CheckpointError, match="nested deeper"):
        load_checkpoint(path)


def test_weights_from_a_fifo_do_not_hang(saved, tmp_path):
    import threading

    path, _ = saved
    (path / "model.safetensors").unlink()
    os.mkfifo(path / "model.safetensors")
    result = []

    def load():
        try:
            load_checkpoint(path)
        except CheckpointError as err:
            result.append(str(err))

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():     # unblock the reader so the test process can end, then fail
        with open(path / "model.safetensors", "wb"):
            pass
        pytest.fail("loading a checkpoint whose weights are a FIFO hangs")
    assert result and "not a regular file" in result[0]


def test_config_json_fifo_does_not_hang(saved):
    import threading

    path, _ = saved
    (path / "config.json").unlink()
    os.mkfifo(path / "config.json")
    result = []
    t = threading.Thread(target=lambda: _catch(result, path), daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():
        with open(path / "config.json", "w"):
            pass
        pytest.fail("reading a config.json FIFO hangs")
    assert result and ("not a regular file" in result[0] or "missing" in result[0])


def _catch(result, path):
    try:
        load_checkpoint(path)
    except CheckpointError as err:
        result.append(str(err))


def test_save_clips_thresholds_into_the_open_interval(tmp_path):
    path = save(tmp_path / "c", make_model(), thresholds=[0.0, 1.0, 0.5, 0.5, 0.5])
    assert load_checkpoint(path).thresholds[:2] == pytest.approx([1e-6, 1 - 1e-6])
    with pytest.raises(CheckpointError, match="finite"):
        save(tmp_path / "d", make_model(), thresholds=[float("nan")] * 5)


def test_label_summary_from_the_config_alone(tmp_path):
    from helpers_models import make_tiny_checkpoint
    from mirage_model.checkpoint import label_summary

    assert label_summary(make_tiny_checkpoint(tmp_path / "five")) == "NORM, MI, STTC, CD, HYP"
    assert label_summary(make_tiny_checkpoint(tmp_path / "one", labels=("MI",))) == "MI"
    many = tuple(f"C{i}" for i in range(7))
    assert label_summary(make_tiny_checkpoint(tmp_path / "many", labels=many)) == "7 labels"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    assert label_summary(broken) == "" and label_summary(tmp_path / "absent") == ""
