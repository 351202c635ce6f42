"""Ensembles: the mean-probability model, its checkpoint, explanations and ``mirage ensemble``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from helpers_training import make_folder, train_argv
from mirage_model.models import build_model, config_dict, reads_image
from mirage_model.models.config import preset_config

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _members(task="multilabel", k=3, c=2, seeds=(0, 1)):
    nets = []
    for s in seeds:
        torch.manual_seed(s)
        nets.append(build_model("mirage", preset_config("tiny", num_classes=k, task=task, n_clinical=c)).eval())
    return nets


def _ensemble(nets):
    cfg = {"members": [{"model_type": "mirage", "config": config_dict(n)} for n in nets],
           "num_classes": nets[0].config.num_classes, "task": nets[0].config.task,
           "n_clinical": nets[0].config.n_clinical}
    ens = build_model("ensemble", cfg)
    for dst, src in zip(ens.members, nets):
        dst.load_state_dict(src.state_dict())
    return ens.eval()


def _inputs(b=4, c=2):
    g = torch.Generator().manual_seed(5)
    return (torch.randn(b, 12, 1000, generator=g), torch.rand(b, 1, 224, 224, generator=g),
            torch.randn(b, c, generator=g), torch.ones(b, c))


@pytest.mark.parametrize("task", ["multilabel", "multiclass"])
def test_probability_is_the_members_mean(task):
    nets = _members(task)
    ens = _ensemble(nets)
    x = _inputs()
    with torch.no_grad():
        member_logits = [n(*x).logits.double() for n in nets]
        got = ens(*x).logits.double()
    if task == "multiclass":
        want = torch.stack([torch.softmax(m, -1) for m in member_logits]).mean(0)
        np.testing.assert_allclose(torch.softmax(got, -1).numpy(), want.numpy(), atol=1e-6)
    else:
        want = torch.stack([torch.sigmoid(m) for m in member_logits]).mean(0)
        np.testing.assert_allclose(torch.sigmoid(got).numpy(), want.numpy(), atol=1e-6)
    assert reads_image("ensemble", ens.config) and ens.config.patch_size == nets[0].config.patch_size


def test_members_must_agree():
    a = config_dict(_members(k=3)[0])
    b = config_dict(_members(k=4)[0])
    with pytest.raises(ValueError, match="member 1"):
        build_model("ensemble", {"members": [{"model_type": "mirage", "config": a},
                                             {"model_type": "mirage", "config": b}], "num_classes": 3,
                                "n_clinical": 2})
    with pytest.raises(ValueError, match="at least one"):
        build_model("ensemble", {"members": []})
    with pytest.raises(ValueError, match="itself an ensemble"):
        build_model("ensemble", {"members": [{"model_type": "ensemble", "config": {}}]})


def test_checkpoint_round_trip_and_explanation(tmp_path):
    from mirage_model.checkpoint import load_checkpoint, save_checkpoint
    from mirage_model.clinical import default_schema
    from mirage_model.explain import explain_window
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.render import RenderConfig

    nets = _members(c=2)
    ens = _ensemble(nets)
    schema = default_schema(["age", "sex"])
    path = save_checkpoint(tmp_path / "ens", ens, model_type="ensemble", task="multilabel", labels=["A", "B", "C"],
                           schema=schema, preprocess=PreprocessConfig(), render=RenderConfig(), half=True)
    loaded = load_checkpoint(path)
    assert loaded.model_type == "ensemble" and len(loaded.model.members) == 2
    x = _inputs()
    with torch.no_grad():
        np.testing.assert_allclose(torch.sigmoid(loaded.model(*x).logits).numpy(),
                                   torch.sigmoid(ens(*x).logits).numpy(), atol=3e-3)    # fp16 weights
    ex = explain_window(loaded.model, x[0][:1], x[1][:1], x[2][:1], x[3][:1]).explanation
    want_bias = np.mean([m.lead_bias.detach().numpy().mean(0) for m in loaded.model.members], axis=0)
    np.testing.assert_allclose(ex.lead_bias, want_bias, atol=1e-6)
    assert ex.lead_importance.shape == (12,) and ex.patch_gradient is not None and ex.patch_rollout is not None


def test_mirage_ensemble_of_two_checkpoints(tmp_path):
    """The fast end-to-end run: two untrained checkpoints of the data's labels into one ensemble."""
    from helpers_models import make_tiny_checkpoint

    from mirage_model.checkpoint import load_checkpoint
    from training_cli import main as cli

    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    names = ["CD", "HYP", "MI", "NORM"]
    members = [make_tiny_checkpoint(tmp_path / f"m{s}", labels=names, clinical=(), seed=s) for s in (0, 1)]
    assert cli.main(["ensemble", *map(str, members), "--out", str(tmp_path / "ens"), "--data", f"folder:{root}",
                     "--labels", str(labels), "--cache-dir", str(tmp_path / "cache"), "--no-progress",
                     "--workers", "1", "--threads", "1"]) == 0
    loaded = load_checkpoint(tmp_path / "ens")
    assert loaded.model_type == "ensemble" and len(loaded.model.members) == 2 and loaded.labels == names
    assert len(loaded.thresholds) == 4 and loaded.metrics["records"]["val"] == 4
    assert [m["path"] for m in loaded.metrics["members"]] == [str(m) for m in members]


def test_an_ensemble_keeps_every_members_training_records(tmp_path):
    """An ensemble's probability rests on each member's: a record any member was trained or selected on is marked for
    it, and so is one of the validation split its thresholds are chosen on (``records.fingerprint.merged_entry``).
    Truth: the records whose fingerprints are written into each member here (member 0: train ecg000, val ecg004;
    member 1: train ecg001, val ecg000, member 0's training record) and labels.csv's split column; with a member
    that keeps none, the ensemble keeps none."""
    import json

    from helpers_models import make_tiny_checkpoint

    from mirage_model.checkpoint import load_checkpoint
    from mirage_model.records.fingerprint import TrainingRecords, fingerprints_entry, record_fingerprint
    from training_cli import main as cli

    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    for k in range(12):             # make_folder's copies share their samples: each record its own (one sample)
        dat = root / f"ecg{k:03d}.dat"
        data = bytearray(dat.read_bytes())
        data[0] = (data[0] + 1 + k) % 256
        dat.write_bytes(bytes(data))
    names = ["CD", "HYP", "MI", "NORM"]
    members = [make_tiny_checkpoint(tmp_path / f"m{s}", labels=names, clinical=(), seed=s) for s in (0, 1, 2)]
    for member, train, val in ((members[0], ["ecg000"], ["ecg004"]), (members[1], ["ecg001"], ["ecg000"])):
        doc = json.loads((member / "config.json").read_text())
        doc["provenance"]["training_records"] = fingerprints_entry(
            {"train": [root / f"{r}.hea" for r in train], "val": [root / f"{r}.hea" for r in val]})
        (member / "config.json").write_text(json.dumps(doc))
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(tmp_path / "cache"),
            "--no-progress", "--workers", "1", "--threads", "1"]
    assert cli.main(["ensemble", str(members[0]), str(members[1]), "--out", str(tmp_path / "ens"), *data]) == 0
    kept = TrainingRecords.of(load_checkpoint(tmp_path / "ens").provenance)
    assert kept is not None
    assert kept.train == {record_fingerprint(root / "ecg000.hea"), record_fingerprint(root / "ecg001.hea")}
    # and the ensemble's own validation split (its thresholds chosen there): labels.csv's copy 1, ecg004-ecg007
    assert kept.val == {record_fingerprint(root / f"ecg{k:03d}.hea") for k in (4, 5, 6, 7)}
    assert cli.main(["ensemble", str(members[0]), str(members[2]), "--out", str(tmp_path / "ens2"), *data]) == 0
    assert "training_records" not in load_checkpoint(tmp_path / "ens2").provenance


@pytest.mark.slow
def test_mirage_ensemble_cli(tmp_path, caplog):
    from training_cli import main as cli
    from training_cli.commands.train import config_from_args, train_command_parser
    from training_cli.engine.loop import train

    root, labels = make_folder(tmp_path / "ecgs", n_copies=4, split_column=True)
    cache = tmp_path / "cache"
    runs = []
    for seed in (0, 1):
        out = tmp_path / f"run{seed}"
        args = train_command_parser().parse_args(train_argv(f"folder:{root}", out, cache, "--seed", str(seed),
                                                             "--no-test", labels=labels))
        assert train(config_from_args(args)) == 0
        runs.append(out / "model")
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(cache), "--no-progress",
            "--workers", "1"]
    with caplog.at_level("INFO", logger="training_cli.commands.ensemble"):
        assert cli.main(["ensemble", *map(str, runs), "--out", str(tmp_path / "ens"), *data]) == 0
    # the two members share their recipe's name: the log tells them apart by their checkpoints
    for run in runs:
        assert sum(f"member mirage-folder-multilabel-tiny ({run}): val macro AUROC" in r.getMessage()
                   for r in caplog.records) == 1
    doc = json.loads((tmp_path / "ens" / "config.json").read_text())
    assert doc["model_type"] == "ensemble" and len(doc["model_config"]["members"]) == 2
    assert [m["path"] for m in doc["metrics"]["members"]] == [str(r) for r in runs]
    assert len(doc["provenance"]["members"]) == 2 and doc["provenance"]["command"].startswith("mirage")

    # independent truth: the ensemble's validation predictions are the mean of its members'
    for name, model in (("a", runs[0]), ("b", runs[1]), ("e", tmp_path / "ens")):
        assert cli.main(["evaluate", "--model", str(model), "--split", "val", "--bootstrap", "0",
                         "--out", str(tmp_path / f"val_{name}"), *data]) == 0
    import pandas as pd

    pa, pb, pe = (pd.read_csv(tmp_path / f"val_{n}" / "predictions.csv") for n in "abe")
    cols = [c for c in pe.columns if c.startswith("p_")]
    np.testing.assert_allclose(pe[cols].values, (pa[cols].values + pb[cols].values) / 2, atol=2e-6)
    assert doc["metrics"]["val"]["macro"]["auroc"] == pytest.approx(
        json.loads((tmp_path / "val_e" / "metrics.json").read_text())["macro"]["auroc"])

    assert cli.main(["export", "--model", str(tmp_path / "ens"), "--out", str(tmp_path / "shipped"), "--half",
                     "--test-metrics", str(tmp_path / "val_e" / "metrics.json")]) == 0
    card = (tmp_path / "shipped" / "MODEL_CARD.md").read_text()
    assert "an ensemble of 2 models" in card and "  - member 2: mirage (tiny preset" in card
    assert card.count("- Member ") == 2 and "validation macro AUROC" in card and str(tmp_path) not in card
    # each member's wall time as its run recorded it: seconds under a minute, where it had read "0 min"
    for i, run in enumerate(runs, 1):
        seconds = json.loads((run / "config.json").read_text())["provenance"]["duration_s"]
        assert seconds < 59.5
        member = next(line for line in card.splitlines() if line.startswith(f"- Member {i}: "))
        assert f"; {seconds:.0f} s on " in member, member


def test_mirage_ensemble_refuses_mismatched_members(tmp_path, capsys):
    from mirage_model.checkpoint import save_checkpoint
    from mirage_model.clinical import default_schema
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.render import RenderConfig
    from training_cli import main as cli

    paths = []
    for i, labels in enumerate((["A", "B", "C"], ["A", "B", "X"])):
        net = _members(c=0, seeds=(i,))[0]
        paths.append(save_checkpoint(tmp_path / f"m{i}", net, model_type="mirage", task="multilabel", labels=labels,
                                     schema=default_schema([]), preprocess=PreprocessConfig(), render=RenderConfig()))
    assert cli.main(["ensemble", *map(str, paths), "--out", str(tmp_path / "e"), "--data", "folder:nowhere"]) == 1
    assert "m1: its labels differ" in capsys.readouterr().err
    assert cli.main(["ensemble", str(paths[0]), "--out", str(tmp_path / "e"), "--data", "folder:nowhere"]) == 1
    assert "at least two" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    assert cli.main(["ensemble", str(paths[0]), str(tmp_path / "bad"), "--out", str(tmp_path / "e"),
                     "--data", "folder:nowhere"]) == 1
    assert "bad" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()
    # an --out holding a model (here the first member itself) is refused before any work, untouched
    before = (paths[0] / "model.safetensors").read_bytes()
    assert cli.main(["ensemble", *map(str, paths), "--out", str(paths[0]), "--data", "folder:nowhere"]) == 1
    err = capsys.readouterr().err
    assert f"--out {paths[0]}: that is the model being read ({paths[0]}); it is never replaced" in err, err
    assert (paths[0] / "model.safetensors").read_bytes() == before


def test_mirage_ensemble_takes_an_ensembles_members(tmp_path, capsys):
    """An ensemble named as a model joins member by member (``NAME#N``: member N only), with its
    members' own weights; a member that does not exist, or ``#N`` on a single model, is refused."""
    from helpers_models import make_tiny_checkpoint

    from mirage_model.checkpoint import load_checkpoint
    from training_cli import main as cli

    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    names = ["CD", "HYP", "MI", "NORM"]
    singles = [make_tiny_checkpoint(tmp_path / f"m{s}", labels=names, clinical=(), seed=s) for s in (0, 1, 2)]
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(tmp_path / "cache"),
            "--no-progress", "--workers", "1", "--threads", "1"]
    assert cli.main(["ensemble", str(singles[0]), str(singles[1]), "--out", str(tmp_path / "e01"), *data]) == 0
    assert cli.main(["ensemble", str(tmp_path / "e01"), str(singles[2]), "--out", str(tmp_path / "e012"), *data]) == 0
    assert cli.main(["ensemble", f"{tmp_path / 'e01'}#1", str(singles[2]), "--out", str(tmp_path / "e12"), *data]) == 0

    def weights(path):
        return load_checkpoint(path).model.state_dict()

    for out, parts in (("e012", singles), ("e12", singles[1:])):
        got = load_checkpoint(tmp_path / out)
        assert len(got.model.members) == len(parts)
        for i, part in enumerate(parts):
            theirs = weights(part)
            for key, value in got.model.members[i].state_dict().items():
                torch.testing.assert_close(value, theirs[key], msg=f"{out} member {i}: {key}")
    doc = json.loads((tmp_path / "e12" / "config.json").read_text())
    assert [m["path"] for m in doc["metrics"]["members"]] == [f"{tmp_path / 'e01'}#1", str(singles[2])]

    for bad, says in ((f"{tmp_path / 'e01'}#2", "has 2 members (#0 to #1), not '2'"),
                      (f"{singles[0]}#0", "is a single model, not an ensemble")):
        assert cli.main(["ensemble", bad, str(singles[2]), "--out", str(tmp_path / "x"), *data]) == 1
        assert says in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def _subset_ensemble(nets, classes, rescale=None):
    """An ensemble of 3 classes from ``nets`` with the given per-member "classes" (None: all) and
    "clinical" rescaling (None: none)."""
    entries = []
    for i, n in enumerate(nets):
        e = {"model_type": "mirage", "config": config_dict(n)}
        if classes[i] is not None:
            e["classes"] = classes[i]
        if rescale and rescale[i] is not None:
            e["clinical"] = rescale[i]
        entries.append(e)
    ens = build_model("ensemble", {"members": entries, "num_classes": 3, "task": "multilabel", "n_clinical": 2})
    for dst, src in zip(ens.members, nets):
        dst.load_state_dict(src.state_dict())
    return ens.eval()


def test_a_member_of_some_labels_joins_only_their_means():
    """Member 0 predicts A, B, C; member 1 predicts (C, A) in its own order, its output for B left
    out (null): A and C are the two members' mean, B member 0's alone."""
    full = _members(k=3, seeds=(0,))[0]
    part = _members(k=3, seeds=(1,))[0]       # three outputs: C, (left out), A
    ens = _subset_ensemble([full, part], [None, [2, None, 0]])
    x = _inputs()
    with torch.no_grad():
        pf, pp = torch.sigmoid(full(*x).logits.double()), torch.sigmoid(part(*x).logits.double())
        got = torch.sigmoid(ens(*x).logits.double())
    np.testing.assert_allclose(got[:, 0].numpy(), ((pf[:, 0] + pp[:, 2]) / 2).numpy(), atol=1e-6)
    np.testing.assert_allclose(got[:, 1].numpy(), pf[:, 1].numpy(), atol=1e-6)
    np.testing.assert_allclose(got[:, 2].numpy(), ((pf[:, 2] + pp[:, 0]) / 2).numpy(), atol=1e-6)


def test_a_member_normalised_on_other_records_gets_its_own_inputs():
    """x_member = (a x + b) * mask: the member sees exactly what it would see alone, missing values 0."""
    nets = _members(k=3, seeds=(0, 1))
    a_b = [[2.0, 0.5], [0.5, -1.0]]
    ens = _subset_ensemble(nets, [None, None], [None, a_b])
    sig, img, clin, _ = _inputs()
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    clin = clin * mask
    mine = (clin * torch.tensor([2.0, 0.5]) + torch.tensor([0.5, -1.0])) * mask
    with torch.no_grad():
        want = (torch.sigmoid(nets[0](sig, img, clin, mask).logits.double())
                + torch.sigmoid(nets[1](sig, img, mine, mask).logits.double())) / 2
        got = torch.sigmoid(ens(sig, img, clin, mask).logits.double())
        unscaled = (torch.sigmoid(nets[0](sig, img, clin, mask).logits.double())
                    + torch.sigmoid(nets[1](sig, img, clin, mask).logits.double())) / 2
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)
    assert not np.allclose(want.numpy(), unscaled.numpy(), atol=1e-4)   # the rescaling matters


@pytest.mark.parametrize("classes, rescale, says", [
    ([None, [0, 1]], None, "predicts 3"),                 # 3 outputs, 2 classes named
    ([None, [0, 0, 1]], None, "distinct"),
    ([None, [0, 1, 3]], None, "distinct class indices in 0..2"),
    ([None, [None, None, None]], None, "one at least"),
    ([[0, None, 1], [1, None, 0]], None, "classes \\[2\\] of the ensemble are predicted by no member"),
    ([None, None], [None, [[1.0, 0.0]]], "2 pairs"),
    ([None, None], [None, [[1.0, float("nan")], [1.0, 0.0]]], "finite"),
])
def test_subset_and_rescale_entries_are_checked(classes, rescale, says):
    with pytest.raises(ValueError, match=says):
        _subset_ensemble(_members(k=3, seeds=(0, 1)), classes, rescale)


def test_a_multiclass_ensemble_takes_no_subset():
    nets = _members(task="multiclass", k=3, seeds=(0, 1))
    entries = [{"model_type": "mirage", "config": config_dict(n)} for n in nets]
    entries[1]["classes"] = [2, 1, 0]
    with pytest.raises(ValueError, match="multi-class"):
        build_model("ensemble", {"members": entries, "num_classes": 3, "task": "multiclass", "n_clinical": 2})


def test_subset_member_checkpoint_round_trip_and_hostile_entries(tmp_path):
    from mirage_model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
    from mirage_model.clinical import default_schema
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.render import RenderConfig

    nets = _members(k=3, seeds=(0, 1))
    ens = _subset_ensemble(nets, [None, [2, None, 0]], [None, [[2.0, 0.5], [0.5, -1.0]]])
    path = save_checkpoint(tmp_path / "ens", ens, model_type="ensemble", task="multilabel", labels=["A", "B", "C"],
                           schema=default_schema(["age", "sex"]), preprocess=PreprocessConfig(), render=RenderConfig())
    loaded = load_checkpoint(path)
    x = _inputs()
    with torch.no_grad():
        np.testing.assert_allclose(loaded.model(*x).logits.numpy(), ens(*x).logits.numpy(), atol=1e-5)
    doc = json.loads((path / "config.json").read_text())
    assert doc["model_config"]["members"][1]["classes"] == [2, None, 0]
    for bad in ({"classes": "all"}, {"classes": [0, True, 1]}, {"clinical": [[1.0, "x"], [1.0, 0.0]]},
                {"clinical": [[1.0], [1.0, 0.0]]}, {"weights": 2}):
        broken = json.loads(json.dumps(doc))
        broken["model_config"]["members"][1].update(bad)
        (path / "config.json").write_text(json.dumps(broken))
        with pytest.raises(CheckpointError):
            load_checkpoint(path)


def test_mirage_ensemble_of_a_subset_member(tmp_path, capsys):
    """``mirage ensemble`` with a member of 2 of the 4 labels, fitted on other records (its own age
    normalisation), one of its labels kept out with --member-labels: the saved ensemble's validation
    probabilities are each label's mean over the members that give it (independent truth: the members'
    own evaluate runs), and its members come back with their own labels."""
    import dataclasses

    import pandas as pd

    from helpers_models import make_tiny_checkpoint

    from mirage_model.checkpoint import load_checkpoint, save_checkpoint
    from training_cli import main as cli
    from training_cli.engine.checkpoints import load_members
    from training_cli.engine.errors import ConfigError

    root, labels = make_folder(tmp_path / "ecgs", n_copies=3, split_column=True)
    names = ["CD", "HYP", "MI", "NORM"]
    full = make_tiny_checkpoint(tmp_path / "full", labels=names, clinical=("age", "sex"), seed=0)
    part = make_tiny_checkpoint(tmp_path / "part", labels=["NORM", "MI"], clinical=("age", "sex"), seed=1)
    lp = load_checkpoint(part)               # fitted on other records: another age mean and std
    lp.schema.features[0] = dataclasses.replace(lp.schema.features[0], mean=71.0, std=9.0)
    save_checkpoint(part, lp.model, model_type="mirage", task="multilabel", labels=lp.labels, schema=lp.schema,
                    preprocess=lp.preprocess, render=lp.render)
    data = ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(tmp_path / "cache"),
            "--no-progress", "--workers", "1", "--threads", "1"]
    assert cli.main(["ensemble", str(full), str(part), "--out", str(tmp_path / "e"), *data]) == 0
    assert cli.main(["ensemble", str(full), str(part), "--member-labels", "1:MI", "--out", str(tmp_path / "e_mi"),
                     *data]) == 0
    doc = json.loads((tmp_path / "e" / "config.json").read_text())
    m1 = doc["model_config"]["members"][1]
    assert m1["classes"] == [3, 2] and "classes" not in doc["model_config"]["members"][0]
    full_age = load_checkpoint(full).schema.features[0]
    assert m1["clinical"][0] == pytest.approx([full_age.std / 9.0, (full_age.mean - 71.0) / 9.0])
    assert m1["clinical"][1] == [1.0, 0.0]
    assert json.loads((tmp_path / "e_mi" / "config.json").read_text())["model_config"]["members"][1]["classes"] \
        == [None, 2]

    clin = tmp_path / "labs.csv"        # ages for every record, so the normalisation matters
    ids = pd.read_csv(labels)["record_id"]
    clin.write_text("record_id,age,sex\n" + "".join(f"{r},{40 + 3 * i},{i % 2}\n" for i, r in enumerate(ids)))
    for name, model in (("full", full), ("part", part), ("e", tmp_path / "e"), ("e_mi", tmp_path / "e_mi")):
        assert cli.main(["evaluate", "--model", str(model), "--split", "val", "--bootstrap", "0", "--labs", str(clin),
                         "--out", str(tmp_path / f"val_{name}"), *data]) == 0
    pf, pp, pe, pm = (pd.read_csv(tmp_path / f"val_{n}" / "predictions.csv") for n in ("full", "part", "e", "e_mi"))
    for c in ("p_CD", "p_HYP"):
        np.testing.assert_allclose(pe[c], pf[c], atol=2e-6)
        np.testing.assert_allclose(pm[c], pf[c], atol=2e-6)
    for c in ("p_MI", "p_NORM"):
        np.testing.assert_allclose(pe[c], (pf[c] + pp[c]) / 2, atol=2e-6)
    np.testing.assert_allclose(pm["p_MI"], (pf["p_MI"] + pp["p_MI"]) / 2, atol=2e-6)
    np.testing.assert_allclose(pm["p_NORM"], pf["p_NORM"], atol=2e-6)

    members = load_members(str(tmp_path / "e"))
    assert [m.labels for m in members] == [names, ["NORM", "MI"]]
    # the member comes back with its own normalisation (age 71 +- 9), the other with the first's
    assert members[1].schema.features[0].mean == pytest.approx(71.0)
    assert members[1].schema.features[0].std == pytest.approx(9.0)
    assert members[0].schema.to_dict() == load_checkpoint(full).schema.to_dict()
    assert members[1].schema.features[1].mean == pytest.approx(lp.schema.features[1].mean)
    with pytest.raises(ConfigError, match="member 1 of .* leaves some of its outputs out"):
        load_members(str(tmp_path / "e_mi"))
    assert cli.main(["export", "--model", str(tmp_path / "e_mi"), "--out", str(tmp_path / "shipped")]) == 0
    card = (tmp_path / "shipped" / "MODEL_CARD.md").read_text()
    assert "each label's over the members that predict it" in card
    assert "over its 1 label; gives 1 of the ensemble's labels; its clinical normalisation" in card

    for bad, says in ((["--member-labels", "1:HYP"], "member 1 ("),
                      (["--member-labels", "2:MI"], "there are 2 members"),
                      (["--member-labels", "one:MI"], "expected N:LABEL"),
                      (["--member-labels", "0:CD"], "leaves HYP to no member")):
        assert cli.main(["ensemble", str(full), str(part), *bad, "--out", str(tmp_path / "x"), *data]) == 1
        assert says in capsys.readouterr().err
    assert cli.main(["ensemble", str(part), str(full), "--out", str(tmp_path / "x"), *data]) == 1
    assert "it predicts CD, HYP, which" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_mirage_ensemble_says_which_trained_ranges_differ(tmp_path, capsys):
    """Two members whose clinical values were trained over other ranges (one trained on a subset: age 25-86
    against PTB-XL's 2-90): refused, as before, but naming the ranges (it had said "its clinical features differ",
    which the members' features do not), and "its preprocessing differs" in the right number."""
    import dataclasses

    from mirage_model.checkpoint import save_checkpoint
    from mirage_model.clinical import default_schema
    from mirage_model.preprocess import PreprocessConfig
    from mirage_model.render import RenderConfig
    from training_cli import main as cli

    base = default_schema(["age"])
    paths = []
    specs = (((2.0, 90.0), PreprocessConfig()), ((25.0, 86.0), PreprocessConfig()),
             ((2.0, 90.0), dataclasses.replace(PreprocessConfig(), model_lowpass_hz=30.0)))
    for i, (ranged, pcfg) in enumerate(specs):
        schema = dataclasses.replace(base, features=[dataclasses.replace(f, trained=ranged) for f in base.features])
        net = _members(c=len(schema.features), seeds=(i,))[0]
        paths.append(save_checkpoint(tmp_path / f"m{i}", net, model_type="mirage", task="multilabel",
                                     labels=["A", "B", "C"], schema=schema, preprocess=pcfg, render=RenderConfig()))
    assert cli.main(["ensemble", str(paths[0]), str(paths[1]), "--out", str(tmp_path / "e"),
                     "--data", "folder:nowhere"]) == 1
    err = capsys.readouterr().err
    assert f"{paths[1]}: its clinical values were trained over other ranges than {paths[0]}'s (age 25-86 against " \
           "2-90)" in err, err
    assert cli.main(["ensemble", str(paths[0]), str(paths[2]), "--out", str(tmp_path / "e"),
                     "--data", "folder:nowhere"]) == 1
    assert "its preprocessing differs from" in capsys.readouterr().err
