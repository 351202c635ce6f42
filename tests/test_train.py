"""``mirage train`` end to end on tiny data: artefacts, resume, corrupt records, config files, cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers_training import make_folder, make_mini_ptbxl, train_argv
from mirage_model.checkpoint import load_checkpoint
from training_cli.commands.train import config_from_args, train_command_parser
from training_cli.engine.data import class_weights
from training_cli.engine.errors import ConfigError, DataError
from training_cli.engine.loop import train
from training_cli.engine.recipes import TrainConfig, init_weights_from, param_groups, warmup_cosine
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_train(argv: list[str]) -> int:
    return train(config_from_args(train_command_parser().parse_args(argv)))


def weights(folder: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


@pytest.fixture(scope="module")
def folder_data(tmp_path_factory):
    root, labels = make_folder(tmp_path_factory.mktemp("folder") / "ecgs", n_copies=4, split_column=True)
    return root, labels, tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def full_run(folder_data, tmp_path_factory):
    """One uninterrupted 2-epoch tiny run (shared by the artefact and resume tests)."""
    root, labels, cache = folder_data
    out = tmp_path_factory.mktemp("runs") / "full"
    assert main(["train", *train_argv(f"folder:{root}", out, cache, labels=labels)]) == 0   # through the CLI
    return out


def test_artefacts(full_run):
    from mirage_model.checkpoint import load_checkpoint

    out = full_run
    for name in ("config.json", "log.csv", "log.jsonl", "curves.png", "summary.json", "model/config.json",
                 "model/model.safetensors", "last/state.json", "test/metrics.json", "test/metrics.md",
                 "test/roc.png", "test/pr.png"):
        assert (out / name).is_file(), name
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["lr"] == 1e-3 and cfg["epochs"] == 2 and cfg["preset"] == "tiny"     # recipe resolved
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert {"train_loss", "val_macro_auroc", "lr", "epoch_s", "val_auroc_NORM"} <= set(rows[0])
    loaded = load_checkpoint(out / "model")
    assert loaded.labels == ["CD", "HYP", "MI", "NORM"] and len(loaded.thresholds) == 4
    prov = loaded.provenance
    assert prov["data"].startswith("folder:") and prov["code_version"] and prov["hardware"]
    assert "val" in loaded.metrics and loaded.metrics["records"]["train"] == 8
    assert loaded.schema.names == []          # folder data without --labs: no clinical features
    summary = json.loads((out / "summary.json").read_text())
    assert summary["skipped"] == 0 and summary["epochs_run"] == 2
    assert 0.0 <= summary["test_macro_auroc"] <= 1.0


def test_help_names_every_output_of_a_run(full_run, capsys):
    """`mirage train --help` lists the outputs of --out DIR; it had left out summary.json."""
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    listed = capsys.readouterr().out.split("Outputs in")[1].split("Multi-GPU")[0]
    written = sorted(p.name + ("/" if p.is_dir() else "") for p in full_run.iterdir())
    assert written and all(name in listed for name in written), (written, listed)


@pytest.mark.slow
def test_resume_equals_uninterrupted(full_run, folder_data, tmp_path):
    """Train 1 epoch, stop, resume to 2: the weights equal the uninterrupted 2-epoch run's."""
    root, labels, cache = folder_data
    out = tmp_path / "resumed"
    run_train(train_argv(f"folder:{root}", out, cache, "--stop-after", "1", labels=labels))
    state = json.loads((out / "last" / "state.json").read_text())
    assert state["epoch"] == 1
    one_epoch = weights(out / "last")
    run_train(train_argv(f"folder:{root}", out, cache, "--resume", labels=labels))
    state = json.loads((out / "last" / "state.json").read_text())
    assert state["epoch"] == 2 and [h["epoch"] for h in state["history"]] == [1, 2]
    # the clock goes on across the resume: epoch 2's elapsed time includes epoch 1's, and so does the duration
    e1, e2 = (h["elapsed_s"] for h in state["history"])
    assert e2 >= e1 + state["history"][1]["epoch_s"] - 0.1      # rounding to 0.1 s
    assert load_checkpoint(out / "model").provenance["duration_s"] >= e1
    resumed, uninterrupted = weights(out / "last"), weights(full_run / "last")
    assert resumed.keys() == uninterrupted.keys()
    assert any(not np.array_equal(one_epoch[k], resumed[k]) for k in resumed)       # it did train on
    for k in resumed:
        np.testing.assert_array_equal(resumed[k], uninterrupted[k], err_msg=k)


def test_resume_needs_state(folder_data, tmp_path):
    root, labels, cache = folder_data
    with pytest.raises(ConfigError, match="no resume state"):
        run_train(train_argv(f"folder:{root}", tmp_path / "x", cache, "--resume", labels=labels))


def test_corrupt_record_is_skipped_and_named(folder_data, tmp_path, caplog):
    import shutil

    root, labels, cache = folder_data
    data = tmp_path / "data"
    shutil.copytree(root, data)
    dat = data / "ecg005.dat"
    dat.write_bytes(dat.read_bytes()[:1000])             # truncated signal file
    out = tmp_path / "run"
    with caplog.at_level("WARNING"):
        run_train(train_argv(f"folder:{data}", out, cache, "--epochs", "1", "--no-test", labels=data / "labels.csv"))
    skipped = (out / "skipped.csv").read_text().splitlines()
    assert len(skipped) == 2 and skipped[1].startswith("ecg005,") and "ecg005" in skipped[1].split(",")[1]
    assert json.loads((out / "summary.json").read_text())["skipped"] == 1
    assert any("ecg005" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_config_file_and_command_line_precedence(folder_data, tmp_path, capsys):
    root, labels, cache = folder_data
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"data": f"folder:{root}", "labels": str(labels), "epochs": 1, "lr": 0.002,
                               "preset": "tiny", "cache-dir": str(cache), "no_test": True}))
    out = tmp_path / "run"
    rc = main(["train", "--config", str(cfg), "--out", str(out), "--lr", "0.003", "--batch-size", "4",
               "--no-progress", "--threads", "1"])
    assert rc == 0
    resolved = json.loads((out / "config.json").read_text())
    assert resolved["epochs"] == 1 and resolved["lr"] == 0.003 and resolved["data"] == f"folder:{root}"
    bad = tmp_path / "bad.json"
    bad.write_text('{"epochz": 3}')
    assert main(["train", "--config", str(bad), "--out", str(out)]) == 1
    assert "epochz" in capsys.readouterr().err


@pytest.mark.slow
def test_ptbxl_form_and_baseline(tmp_path):
    """A PTB-XL root (shipped records) trains the 1D ResNet baseline; clinical from the metadata."""
    from mirage_model.checkpoint import load_checkpoint

    root = make_mini_ptbxl(tmp_path / "ptbxl")
    out = tmp_path / "run"
    run_train(train_argv(f"ptbxl:{root}", out, tmp_path / "cache", "--model", "resnet1d_wang", "--epochs", "1",
                         "--preset", "paper"))
    loaded = load_checkpoint(out / "model")
    assert loaded.model_type == "resnet1d_wang" and loaded.labels == ["NORM", "MI", "CD", "HYP"]
    assert loaded.schema.names == ["age", "sex", "height", "weight"]
    assert json.loads((out / "config.json").read_text())["lr"] == 1e-3        # the baseline's recipe


def test_cache_is_reused_and_keyed(folder_data, tmp_path):
    from training_cli.engine import cache as C
    from training_cli.engine.datasets import open_dataset

    root, labels, _ = folder_data
    ds = open_dataset(f"folder:{root}", labels=labels)
    c1 = C.build_or_load(ds, cache_dir=tmp_path, workers=1, progress=False)
    assert not c1.reused and c1.ok.all() and c1.signal.shape == (len(ds.items), 12, 1000)
    assert c1.image.shape == (len(ds.items), 224, 224) and c1.image.dtype == np.uint8
    c2 = C.build_or_load(ds, cache_dir=tmp_path, workers=1, progress=False)
    assert c2.reused and c2.path == c1.path and isinstance(c2.signal, np.memmap)
    # the cached rows are what the one preprocessing path gives for that record
    from mirage_model.records import load_record
    from mirage_model.preprocess import model_inputs

    rec = load_record(ds.items[3].path)
    mi = model_inputs(rec.signal, rec.fs)
    np.testing.assert_array_equal(c2.signal[3], mi.signal[0])
    np.testing.assert_array_equal(c2.image[3], mi.image[0])
    c3 = C.build_or_load(ds.limit(2), cache_dir=tmp_path, workers=1, progress=False)    # other records: other key
    assert c3.path != c1.path
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.render import RenderConfig

    assert C.cache_key(ds, PreprocessConfig(high_hz=40.0), RenderConfig()) != C.cache_key(
        ds, PreprocessConfig(), RenderConfig())
    assert not any(p.name.endswith(".lock") or ".tmp-" in p.name for p in tmp_path.iterdir())


def test_bad_arguments(folder_data, tmp_path):
    root, labels, cache = folder_data
    with pytest.raises(ConfigError, match="--data is required"):
        run_train(["--out", str(tmp_path)])
    with pytest.raises(ConfigError, match="ablation switches"):
        run_train(train_argv(f"folder:{root}", tmp_path / "o", cache, "--model", "resnet1d_wang", "--no-image",
                             labels=labels))
    with pytest.raises(DataError, match="does not exist"):
        run_train(train_argv(f"folder:{tmp_path / 'nope'}", tmp_path / "o", cache, labels=labels))


def test_class_weights_and_schedule():
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 0]], dtype=np.float32)
    np.testing.assert_allclose(class_weights(y, "multilabel", 2), [2 / 2, 3 / 1])
    yc = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(class_weights(yc, "multiclass", 2), [4 / (2 * 3), 4 / (2 * 1)])
    f = warmup_cosine(100, 0.13)
    assert f(0) == pytest.approx(1 / 13) and f(12) == pytest.approx(1.0)
    assert f(13) == pytest.approx(1.0) and f(99) < 0.01 and f(56) == pytest.approx(0.5, abs=0.02)


@pytest.mark.slow
def test_augment_and_ema_resume_and_save(folder_data, tmp_path):
    """--augment --ema: resuming reproduces the uninterrupted run (weights, average, draws), and the
    saved model holds the weight average, not the raw weights."""
    from safetensors.numpy import load_file

    root, labels, cache = folder_data
    extra = ("--augment", "--ema", "0.9")
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    assert run_train(train_argv(f"folder:{root}", full, cache, *extra, labels=labels)) == 0
    run_train(train_argv(f"folder:{root}", resumed, cache, *extra, "--stop-after", "1", labels=labels))

    # after epoch 1 the selected model is epoch 1's average: compare with the resume state's copy
    state = load_file(str(resumed / "last" / "state.safetensors"))
    average = {k[len("ema.module."):]: v for k, v in state.items() if k.startswith("ema.module.")}
    saved, raw = weights(resumed / "model"), weights(resumed / "last")
    assert saved.keys() == raw.keys() and set(average) >= set(saved)
    for k in saved:
        np.testing.assert_allclose(saved[k], average[k].astype(saved[k].dtype), err_msg=k)
    assert any(not np.allclose(saved[k], raw[k]) for k in saved if saved[k].dtype.kind == "f")
    cfg = json.loads((resumed / "model" / "config.json").read_text())
    assert cfg["provenance"]["recipe"]["augment"] is True and cfg["provenance"]["recipe"]["ema"] == 0.9

    run_train(train_argv(f"folder:{root}", resumed, cache, *extra, "--resume", labels=labels))
    a, b = load_file(str(full / "last" / "state.safetensors")), load_file(str(resumed / "last" / "state.safetensors"))
    for k in (k for k in a if k.startswith("ema.")):
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    for k, v in weights(full / "last").items():
        np.testing.assert_array_equal(v, weights(resumed / "last")[k], err_msg=k)


def test_noise_with_consistency_trains_and_is_recorded(folder_data, tmp_path):
    root, labels, cache = folder_data
    with pytest.raises(ConfigError, match="--consistency needs --noise"):
        run_train(train_argv(f"folder:{root}", tmp_path / "x", cache, "--consistency", "1", labels=labels))
    out = tmp_path / "stab"
    assert run_train(train_argv(f"folder:{root}", out, cache, "--noise", "--consistency", "0.5", labels=labels)) == 0
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert all(np.isfinite(r["train_stab"]) and r["train_stab"] >= 0 for r in log)
    cfg = json.loads((out / "model" / "config.json").read_text())
    assert cfg["provenance"]["recipe"]["consistency"] == 0.5 and cfg["provenance"]["recipe"]["noise"] is True
    assert cfg["provenance"]["recipe"]["consistency_faults"] == "preserving"
    out = tmp_path / "stab_all"
    assert run_train(train_argv(f"folder:{root}", out, cache, "--noise", "--consistency", "0.5",
                                "--consistency-faults", "all", labels=labels)) == 0
    cfg = json.loads((out / "model" / "config.json").read_text())
    assert cfg["provenance"]["recipe"]["consistency_faults"] == "all"
    out = tmp_path / "stab_noise"
    assert run_train(train_argv(f"folder:{root}", out, cache, "--noise", "--consistency", "0.5",
                                "--consistency-faults", "noise", labels=labels)) == 0
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert all(np.isfinite(r["train_stab"]) and r["train_stab"] > 0 for r in log)


def test_denoise_is_the_checkpoints_preprocessing(folder_data, tmp_path):
    # --denoise trains on the shrunk records and stores the setting, so loading the model applies it
    from mirage_model.checkpoint import load_checkpoint

    root, labels, cache = folder_data
    out = tmp_path / "den"
    assert run_train(train_argv(f"folder:{root}", out, cache, "--noise", "--denoise", "3.7", "--denoise-floor", "0.02",
                                labels=labels)) == 0
    loaded = load_checkpoint(out / "model")
    assert loaded.preprocess.denoise_k == 3.7 and loaded.preprocess.denoise_floor_mv == 0.02


def test_ema_resume_needs_average_and_bounds(full_run, folder_data, tmp_path):
    root, labels, cache = folder_data
    with pytest.raises(ConfigError, match="between 0 and 1"):
        run_train(train_argv(f"folder:{root}", tmp_path / "x", cache, "--ema", "1.5", labels=labels))
    import shutil

    out = tmp_path / "plain"
    shutil.copytree(full_run / "last", out / "last")
    with pytest.raises(ConfigError, match=r"--ema 0.0 \(this command: 0.9\)"):
        run_train(train_argv(f"folder:{root}", out, cache, "--ema", "0.9", "--resume", labels=labels))
    state = json.loads((out / "last" / "state.json").read_text())
    del state["args"]                  # a run stopped before its state kept its options
    (out / "last" / "state.json").write_text(json.dumps(state))
    with pytest.raises(ConfigError, match="no weight average"):
        run_train(train_argv(f"folder:{root}", out, cache, "--ema", "0.9", "--resume", labels=labels))


def test_weight_decay_spares_the_lead_bias_biases_norms_and_embeddings():
    from mirage_model.models.config import preset_config
    from mirage_model.models.mirage import Mirage

    model = Mirage(preset_config("small", num_classes=5, task="multilabel", n_clinical=4))
    decay, spared = param_groups(model, 0.05)
    assert decay["weight_decay"] == 0.05 and spared["weight_decay"] == 0.0
    ids = {id(p) for p in spared["params"]}
    names = dict(model.named_parameters())
    for name in ("sig_encoder.lead_bias", "sig_encoder.cls_token", "img_encoder.pos_embed", "head.bias"):
        assert id(names[name]) in ids
    assert id(names["head.weight"]) not in ids
    norms = [n for n, p in names.items() if "norm" in n]
    assert norms and all(id(names[n]) in ids for n in norms)
    assert len(decay["params"]) + len(spared["params"]) == len(names)


def test_init_from_loads_a_checkpoint_or_an_ensemble_member(tmp_path):
    import torch
    from helpers_models import make_tiny_checkpoint

    from mirage_model.checkpoint import load_checkpoint
    from mirage_model.models import build_model

    src = make_tiny_checkpoint(tmp_path / "a", seed=3)
    ref = load_checkpoint(src)
    fresh = build_model("mirage", ref.model_config)
    init_weights_from(fresh, str(src))
    for (k, v), (_, w) in zip(fresh.state_dict().items(), ref.model.state_dict().items()):
        assert torch.equal(v, w), k
    with pytest.raises(ConfigError, match="no member"):
        init_weights_from(fresh, f"{src}#0")
    # another label set: the encoders are taken, the head stays fresh
    two = build_model("mirage", {**ref.model_config, "num_classes": 2})
    head = two.head.weight.detach().clone()
    init_weights_from(two, str(src))
    assert torch.equal(two.head.weight, head)
    assert torch.equal(two.state_dict()["sig_encoder.lead_bias"], ref.model.state_dict()["sig_encoder.lead_bias"])
    other = make_tiny_checkpoint(tmp_path / "b", preset="small")
    with pytest.raises(ConfigError, match="architecture differs"):
        init_weights_from(fresh, str(other))
    with pytest.raises(ConfigError, match="no such checkpoint"):
        init_weights_from(fresh, "no-such-model#0")


def test_init_from_takes_a_shipped_models_name():
    """``--init-from default#1`` (as the model card writes it) is the shipped default's second member."""
    import torch

    from mirage_model.checkpoint import load_checkpoint
    from mirage_model.models import build_model
    from mirage_model.paths import shipped_models

    shipped = load_checkpoint(shipped_models()["default"])
    member = shipped.model.members[1]
    spec = shipped.model_config["members"][1]
    fresh = build_model(spec["model_type"], spec["config"])
    init_weights_from(fresh, "default#1")
    for k, v in member.state_dict().items():
        assert torch.equal(fresh.state_dict()[k], v), k
    with pytest.raises(ConfigError, match=r"an ensemble of 2 models; name one member \(default#0 ... default#1\)"):
        init_weights_from(fresh, "default")


def test_train_config_defaults_are_the_parsers():
    """The engine's TrainConfig and ``mirage train``'s parser name the same options with the same
    defaults, so a run configured in code (``mirage ablate``) is the run the command line gives."""
    from dataclasses import asdict

    parsed = vars(train_command_parser().parse_args([]))
    fields = asdict(TrainConfig())
    assert set(fields) <= set(parsed)
    assert {k: parsed[k] for k in fields} == fields
    assert {k for k in parsed if not k.startswith("_") and k != "func"} == set(fields)


def test_an_output_it_could_not_save_into_is_refused_before_any_work(tmp_path, capsys):
    """OUT/model that holds someone's files (not a checkpoint) is refused at once: no cache built, no
    epoch run, nothing written, the user's file untouched (it used to fail after the first epoch)."""
    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    out, cache = tmp_path / "run", tmp_path / "cache"
    (out / "model").mkdir(parents=True)
    (out / "model" / "notes.txt").write_text("mine")
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", labels=labels)]) == 1
    err = capsys.readouterr().err
    assert "exists and is not a MIRAGE checkpoint folder" in err and str(out / "model") in err
    assert not cache.exists()                                    # no preprocessing
    assert sorted(p.name for p in out.iterdir()) == ["model"]    # no config.json, log.csv, last/
    assert [p.name for p in (out / "model").iterdir()] == ["notes.txt"]
    assert (out / "model" / "notes.txt").read_text() == "mine"
    (tmp_path / "afile").write_text("x")
    assert main(["train", *train_argv(f"folder:{root}", tmp_path / "afile", cache, labels=labels)]) == 1
    assert "is not a folder" in capsys.readouterr().err and not cache.exists()


def test_epoch_log_says_over_how_many_classes_the_macro_auroc_is(folder_data, tmp_path, caplog):
    """A validation split without a positive of one class (truth: its one HYP record relabelled NORM
    here) gives a macro AUROC over 3 of the 4 classes; the epoch lines and the last line said a bare
    number, as if over all four."""
    root, labels, cache = folder_data
    rows = labels.read_text().splitlines()
    val_hyp = [i for i, r in enumerate(rows) if r.endswith(",val") and r.split(",")[1] == "HYP"]
    assert len(val_hyp) == 1
    i = val_hyp[0]
    rows[i] = rows[i].replace(",HYP,", ",NORM,")
    relabelled = tmp_path / "labels.csv"
    relabelled.write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    with caplog.at_level("INFO"):
        assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", "--no-test",
                                          labels=relabelled)]) == 0
    said = [r.getMessage() for r in caplog.records]
    epoch = next(m for m in said if m.startswith("epoch 1/1:"))
    assert "val macro AUROC" in epoch and "over 3 of 4 classes" in epoch, epoch
    assert any(m.startswith("done in") and "over 3 of 4 classes" in m for m in said), said[-3:]


def test_the_epoch_log_gives_the_learning_rate_its_steps_used(full_run, folder_data, tmp_path, caplog):
    """The log's lr was the optimiser's after the epoch, the next step's: 0 after a run's last step ("lr
    0.00e+00" on a 1-epoch run). It is the mean rate of the epoch's steps. Truth by hand: 8 training records
    in batches of 4, 2 steps an epoch, 13% warm-up (1 step) then cosine to 0 (recipes.warmup_cosine), lr 1e-3.
    One epoch, 2 steps: multipliers 1, 1 -> 1e-3. Two epochs, 4 steps: 1, 1 | cos over 3 steps: 0.75, 0.25
    -> 1e-3, then 5e-4."""
    rows = [json.loads(line) for line in (full_run / "log.jsonl").read_text().splitlines()]
    assert [r["lr"] for r in rows] == pytest.approx([1e-3, 5e-4])
    root, labels, cache = folder_data
    with caplog.at_level("INFO"):
        assert main(["train", *train_argv(f"folder:{root}", tmp_path / "run", cache, "--epochs", "1", "--no-test",
                                          labels=labels)]) == 0
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("epoch 1/1:") and "lr 1.00e-03" in m for m in said), said


def test_an_empty_validation_split_is_refused_before_any_work(tmp_path, capsys):
    """A folder dataset whose split column names no record 'val' was refused only after the input
    cache had been built and config.json written; now at once, naming the split and the fix."""
    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    labels.write_text(labels.read_text().replace(",val\n", ",train\n"))     # copy 1 trains instead
    assert ",val" not in labels.read_text()
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", labels=labels)]) == 1
    err = capsys.readouterr().err
    assert "the validation split ('val') holds no record (train 8, val 0, test 4)" in err, err
    assert f"mark some records 'val' in the split column of {labels}" in err, err
    assert not cache.exists() and not out.exists()              # no preprocessing, nothing written


def test_an_earlier_runs_model_is_not_replaced_without_overwrite(full_run, folder_data, tmp_path, capsys):
    """The same command run twice replaced the first run's trained model at the second run's first
    epoch, without a word. It is refused now, before any work, naming --resume and --overwrite."""
    import shutil

    root, labels, _ = folder_data
    out, cache = tmp_path / "run", tmp_path / "cache"
    shutil.copytree(full_run, out)
    before = {p.name: p.read_bytes() for p in (out / "model").iterdir()}
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", "--seed", "5",
                                      labels=labels)]) == 1
    err = capsys.readouterr().err
    assert f"{out / 'model'} holds the model of an earlier run" in err
    assert "--resume" in err and "--overwrite" in err
    assert {p.name: p.read_bytes() for p in (out / "model").iterdir()} == before   # untouched
    assert not cache.exists()                                                     # no preprocessing
    # --overwrite trains anew in its place
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", "--seed", "5", "--overwrite",
                                      labels=labels)]) == 0
    assert (out / "model" / "model.safetensors").read_bytes() != before["model.safetensors"]
    assert json.loads((out / "summary.json").read_text())["epochs_run"] == 1


def test_overwrite_leaves_none_of_the_earlier_runs_results(full_run, folder_data, tmp_path):
    """`mirage train --overwrite --no-test` kept the earlier run's test/ (its metrics, predictions and
    plots) and skipped.csv beside the new model, as if they were the new model's. An --overwrite run
    removes the earlier run's results as it starts; what it writes is its own."""
    import shutil

    root, labels, _ = folder_data
    out, cache = tmp_path / "run", tmp_path / "cache"
    shutil.copytree(full_run, out)
    (out / "skipped.csv").write_text("record_id,path,reason\nr9,x,unreadable\n")   # the earlier run skipped one
    earlier = json.loads((out / "test" / "metrics.json").read_text())
    assert earlier["look_id"]
    assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", "--seed", "5", "--overwrite",
                                      "--no-test", labels=labels)]) == 0
    assert not (out / "test").exists()
    assert not (out / "skipped.csv").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["epochs_run"] == 1 and "test_macro_auroc" not in summary
    assert [json.loads(line)["epoch"] for line in (out / "log.jsonl").read_text().splitlines()] == [1]


def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("stop", [RuntimeError("a record that cannot be read, found late"), KeyboardInterrupt()])
def test_an_overwrite_run_that_fails_before_its_first_model_keeps_the_earlier_run(full_run, folder_data, tmp_path,
                                                                                 monkeypatch, stop):
    """`mirage train --overwrite` removed the earlier run's summary, test metrics and skipped list as
    it started and wrote its own config.json over the earlier one: a run that then failed (Ctrl-C,
    an exception in the first epoch) left the folder without the earlier model's results. They are
    set aside now and put back, byte for byte, when the run ends before its first model is written."""
    import shutil

    from training_cli.engine import loop

    root, labels, cache = folder_data
    out = tmp_path / "run"
    shutil.copytree(full_run, out)
    (out / "skipped.csv").write_text("record_id,path,reason\nr9,x,unreadable\n")
    (out / "notes.txt").write_text("the researcher's own file")
    before = _files(out)
    assert {"model/model.safetensors", "last/state.json", "summary.json", "test/metrics.json",
            "config.json"} <= set(before)

    def fail(*args, **kwargs):
        raise stop

    monkeypatch.setattr(loop, "train_epoch", fail)
    with pytest.raises(type(stop)):
        run_train(train_argv(f"folder:{root}", out, cache, "--epochs", "1", "--seed", "5", "--overwrite",
                             labels=labels))
    assert _files(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted({k.split("/")[0] for k in before})   # nothing else left


def test_an_overwrite_run_replaces_the_earlier_run_once_its_first_model_is_written(full_run, folder_data, tmp_path,
                                                                                  monkeypatch):
    """A run that fails after its first epoch has a model and a resume state of its own (--resume
    continues it): the earlier run's outputs are gone then, none of them left beside the new ones."""
    import shutil

    from training_cli.engine import loop

    root, labels, cache = folder_data
    out = tmp_path / "run"
    shutil.copytree(full_run, out)
    earlier = _files(out)
    real, epochs = loop.train_epoch, []

    def second_fails(step, loader, epoch, cfg, progress):
        epochs.append(epoch)
        if epoch == 1:
            raise KeyboardInterrupt
        return real(step, loader, epoch, cfg, progress)

    monkeypatch.setattr(loop, "train_epoch", second_fails)
    with pytest.raises(KeyboardInterrupt):
        run_train(train_argv(f"folder:{root}", out, cache, "--epochs", "2", "--seed", "5", "--overwrite",
                             labels=labels))
    assert epochs == [0, 1]
    now = _files(out)
    assert json.loads(now["last/state.json"])["epoch"] == 1
    assert now["model/model.safetensors"] != earlier["model/model.safetensors"]
    assert json.loads(now["config.json"])["seed"] == 5
    assert not {"summary.json", "test/metrics.json"} & set(now)           # the earlier run's results: gone
    assert sorted(p.name for p in out.iterdir()) == sorted(["config.json", "curves.png", "last", "log.csv",
                                                             "log.jsonl", "model"])


def test_outputs_an_overwrite_run_could_not_put_back_are_refused(full_run, folder_data, tmp_path, capsys):
    """A run killed (SIGKILL, power cut) while the earlier run's outputs were set aside leaves them in
    OUT/earlier_run.set_aside: the next run is refused, naming that folder, and moves nothing."""
    import shutil

    from training_cli.engine.earlier_run import ASIDE

    root, labels, _ = folder_data
    out, cache = tmp_path / "run", tmp_path / "cache"
    (out / ASIDE).mkdir(parents=True)
    shutil.copytree(full_run / "model", out / ASIDE / "model")
    before = _files(out)
    for extra in ([], ["--overwrite"]):
        assert main(["train", *train_argv(f"folder:{root}", out, cache, "--epochs", "1", *extra,
                                          labels=labels)]) == 1
        err = capsys.readouterr().err
        assert f"{out / ASIDE} holds the outputs of an earlier run" in err and "move them back" in err, err
        assert _files(out) == before and not cache.exists()


def test_a_class_the_training_split_cannot_teach_is_warned_about(folder_data, tmp_path, caplog):
    """MI only in the validation and test splits (and NORM on every training record) trained without
    a word: the loss pushes MI one way only, and the run's MI figures looked like a model's."""
    from training_cli.engine.data import unlearnable_classes

    root, _, cache = folder_data
    labels = tmp_path / "labels.csv"
    rows = ["record_id,labels,split"]
    for k in range(16):                     # ecg000 ... ecg015 (make_folder's four records, four times)
        split = ["train", "val", "test", "train"][k // 4]
        rows.append(f"ecg{k:03d},{'MI;NORM' if split != 'train' and k % 2 else 'NORM'},{split}")
    labels.write_text("\n".join(rows) + "\n")
    with caplog.at_level("WARNING", logger="training_cli.engine.loop"):
        assert run_train(train_argv(f"folder:{root}", tmp_path / "run", cache, "--epochs", "1", "--no-test",
                                    labels=labels)) == 0
    said = [r.getMessage() for r in caplog.records]
    assert ("the training split (8 records) has no positive record of MI: the model cannot learn it; put some of "
            "its records in the training split") in said, said
    assert any("has no negative record of NORM (every record is NORM)" in m for m in said), said
    # multi-class: a class with no training record; classes with both say nothing
    assert unlearnable_classes(np.array([0, 0, 2]), "multiclass", ["A", "B", "C"]) == [
        "no record of B: the model cannot learn it; put some of its records in the training split"]
    assert unlearnable_classes(np.array([[1, 0], [0, 1]]), "multilabel", ["A", "B"]) == []


def test_a_class_with_few_positives_in_a_split_is_warned_about_naming_its_counts():
    """A label with 3 positive records, one in each split, trained without a word (mirage calibrate warned later).
    Truth: targets written by hand; A has 1/1/1 positives, B 6/5/5, C none in training (said as unlearnable)."""
    from training_cli.engine.data import split_warnings

    def col(*ones, n):
        return [1 if i in ones else 0 for i in range(n)]
    # 10 train, 8 val, 7 test records
    y = np.array([col(0, n=3)] + [col(1, n=3)] * 6 + [col(n=3)] * 3           # train: A 1, B 6, C 0
                 + [col(0, 2, n=3)] + [col(1, n=3)] * 5 + [col(n=3)] * 2      # val: A 1, B 5, C 1
                 + [col(0, n=3)] + [col(1, 2, n=3)] * 5 + [col(n=3)])         # test: A 1, B 5, C 5
    splits = {"train": np.arange(10), "val": np.arange(10, 18), "test": np.arange(18, 25)}
    said = split_warnings(y, splits, "multilabel", ["A", "B", "C"])
    assert said[0] == ("the training split (10 records) has no positive record of C: the model cannot learn it; "
                       "put some of its records in the training split")
    assert len(said) == 2 and said[1].startswith("1 class has fewer than 5 positive records in a split "
                                                 "(A: 1 train, 1 val, 1 test): "), said
    assert "leave the class out of the labels table" in said[1]
    # multi-class, no test split: B has 4 validation records, A and C 5 or more in both splits
    yc = np.array([0] * 5 + [1] * 6 + [2] * 5 + [0] * 5 + [1] * 4 + [2] * 6)
    said = split_warnings(yc, {"train": np.arange(16), "val": np.arange(16, 31), "test": np.arange(0)},
                          "multiclass", ["A", "B", "C"])
    assert said == [said[0]] and "(B: 6 train, 4 val)" in said[0], said
    # --no-test had read "what is learnt of it, the threshold chosen on validation rest on those few records"
    assert "what is learnt of it and the threshold chosen on validation rest on those few records" in said[0]
    assert split_warnings(np.array([[1, 0]] * 5 + [[0, 1]] * 5), {"train": np.arange(10), "val": np.arange(0)},
                          "multilabel", ["A", "B"]) == []


def test_ptbxl_s_fixed_folds_get_advice_that_fits_them():
    """mirage train --data ptbxl:... --limit 60 had told the user to "put some of its records in the training split"
    and to "leave the class out of the labels table": PTB-XL's folds fix the splits and it has no labels table.
    Truth: targets written by hand; A has no training positive, B 1 train, 5 val, 5 test."""
    from training_cli.engine.data import split_warnings

    y = np.array([[0, 1]] + [[0, 0]] * 5 + [[1, 1]] * 5 + [[1, 1]] * 5)     # 6 train, 5 val, 5 test
    splits = {"train": np.arange(6), "val": np.arange(6, 11), "test": np.arange(11, 16)}
    said = split_warnings(y, splits, "multilabel", ["A", "B"], "ptbxl", 60)
    folds = "give a larger --limit than 60 (PTB-XL's folds fix the splits: 1-8 train, 9 val, 10 test)"
    assert said[0] == f"the training split (6 records) has no positive record of A: the model cannot learn it; {folds}"
    assert said[1].startswith("1 class has fewer than 5 positive records in a split (B: 1 train, 5 val, 5 test)")
    assert said[1].endswith(f"rest on those few records; {folds}"), said
    assert not any("labels table" in m or "put some" in m for m in said), said
    whole = split_warnings(y, splits, "multilabel", ["A", "B"], "ptbxl", 0)      # no --limit: nothing to enlarge
    assert "--limit" not in " ".join(whole) and whole[1].endswith("10 test, and hold no more"), whole
    # a folder's splits are the user's: the advice as before
    assert split_warnings(y, splits, "multilabel", ["A", "B"], "folder", 60)[1].endswith(
        "or leave the class out of the labels table")


def test_a_run_says_which_class_has_few_positives_in_a_split(folder_data, tmp_path, caplog):
    """mirage train itself says it, before the first epoch: MI on three records (ecg001 train, ecg005 val,
    ecg009 test), NORM on the rest (a split of four records each has fewer than 5 NORMs too). --no-test: the
    test split is not read, nor counted."""
    root, _, cache = folder_data
    labels = tmp_path / "labels.csv"
    rows = ["record_id,labels,split"]
    for k in range(16):
        split = ["train", "val", "test", "train"][k // 4]
        rows.append(f"ecg{k:03d},{'MI' if k in (1, 5, 9) else 'NORM'},{split}")
    labels.write_text("\n".join(rows) + "\n")
    with caplog.at_level("WARNING", logger="training_cli.engine.loop"):
        assert run_train(train_argv(f"folder:{root}", tmp_path / "run", cache, "--epochs", "1", "--no-test",
                                    labels=labels)) == 0
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("2 classes have fewer than 5 positive records in a split (MI: 1 train, 1 val; "
                            "NORM: 7 train, 3 val)") for m in said), said
