"""``mirage robustness``: the benchmark's counts against a model whose answer is known, and the CLI."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import pytest

from mirage_model.records import load_record
from mirage_model.paths import resources_dir
from training_cli.commands import robustness
from training_cli.main import main

SAMPLES = resources_dir() / "samples"


@dataclass
class _Pred:
    model_positive: tuple          # the benchmark reads the model's own calls (before the quality gate)


class LeadIPolarity:
    """A stand-in model with a known rule: "UP" when lead I's largest deflection is positive,
    "FLAT_II" when lead II is all zero."""

    labels = ("UP", "FLAT_II")
    name = "lead-I-polarity"

    def predict_batch(self, records, clinicals=None, explain=False):
        out = []
        for r in records:
            x = np.nan_to_num(r.signal)
            pos = []
            if x[0].max() > -x[0].min():
                pos.append("UP")
            if not np.any(x[1]):
                pos.append("FLAT_II")
            out.append(_Pred(tuple(pos)))
        return out


@pytest.fixture(scope="module")
def records():
    return [load_record(p) for p in sorted(SAMPLES.rglob("*.hea"))]


def test_benchmark_counts_against_known_rule(records):
    names = ["reversal LA/RA", "lead II zeroed", "gain x2 all leads"]
    res = robustness.benchmark(LeadIPolarity(), records, names, seed=0, chunk=4)
    n = len(records)
    assert res["n"] == n
    rows = {r["name"]: r for r in res["rows"]}
    # LA/RA inverts lead I: "UP" flips on every record whose lead I is not symmetric
    ups = sum(r.signal[0].max() > -r.signal[0].min() for r in records)
    assert rows["reversal LA/RA"]["changed_n"] == n
    assert rows["reversal LA/RA"]["added"].get("UP", 0) == n - ups
    assert rows["reversal LA/RA"]["removed"].get("UP", 0) == ups
    # zeroing lead II adds FLAT_II everywhere, and quality finds the missing lead every time
    assert rows["lead II zeroed"]["added"] == {"FLAT_II": n}
    assert rows["lead II zeroed"]["findings"]["lead_missing"] == 1.0
    assert rows["lead II zeroed"]["gated"] == 1.0
    # a global gain changes neither the rule's answer nor the limb-lead identities
    assert rows["gain x2 all leads"]["changed_n"] == 0
    assert "limb_inconsistent" not in rows["gain x2 all leads"]["findings"]
    md = robustness.to_markdown(res, "m", "samples")
    assert "| reversal LA/RA | 100% (" in md and "lead_missing 100%" in md


class LeadISign:
    """A stand-in model: "POS" when the sum of lead I's samples is above zero (never on a zero record;
    about half the time once noise is added)."""

    labels = ("POS",)
    name = "lead-I-sign"

    def predict_batch(self, records, clinicals=None, explain=False):
        return [_Pred(("POS",) if float(np.nansum(r.signal[0])) > 0 else ()) for r in records]


def test_benchmark_draws_seeded_perturbations_and_counts_each_draw():
    from mirage_model import perturb
    from mirage_model.records import EcgRecord

    zeros = [EcgRecord(signal=np.zeros((12, 1000), np.float32), fs=500.0, record_id=f"z{i}") for i in range(12)]
    names = ["muscle noise 0.05 mV", "gain x2 all leads"]
    res = robustness.benchmark(LeadISign(), zeros, names, seed=7, chunk=5, draws=3)
    rows = {r["name"]: r for r in res["rows"]}
    noise = rows["muscle noise 0.05 mV"]
    assert noise["seeds"] == [7, 1007, 2007]
    # independent count: the same seeds applied here, the rule evaluated by hand
    want = [sum(float(perturb.apply(r, names[0], base + i).signal[0].sum()) > 0 for i, r in enumerate(zeros))
            for base in (7, 1007, 2007)]
    assert noise["changed_draws"] == want and len(set(want)) > 1
    assert noise["changed_n"] == pytest.approx(sum(want) / 3)
    assert noise["changed"] == pytest.approx(sum(want) / 36)
    assert noise["added"] == {"POS": pytest.approx(sum(want) / 3)} and noise["removed"] == {}
    # a global gain is the same copy for every seed: drawn once, and it leaves a zero record at zero
    assert rows["gain x2 all leads"]["seeds"] == [7] and rows["gain x2 all leads"]["changed_draws"] == [0]
    md = robustness.to_markdown(res, "m", "zeros")
    assert "3 noise draws (base seeds 7, 1007, 2007)" in md
    assert f"| muscle noise 0.05 mV | {sum(want) / 36:.1%} ({want[0]}, {want[1]}, {want[2]} of 12) |" in md
    # which it says: a row of records left as they were measures no fault
    assert "| gain x2 all leads (records left unchanged: below) | 0% (0/12) |" in md
    assert md.endswith("\ngain x2 all leads left 12 of 12 records as they were (at 500 Hz): its row measures no fault "
                       "on them\n")
    assert robustness.draw_seeds(0, 3, 2500) == [0, 3000, 6000]


def test_cli_writes_table(tmp_path, capsys):
    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "rob" / "table.md"
    rc = main(["robustness", "--model", str(ckpt), "--data", str(SAMPLES / "ptbxl"), "--fold", "10",
               "--limit", "3", "--perturbations", "lead II zeroed,reversal LA/RA", "--out", str(out),
               "--no-progress"])
    assert rc == 0
    text = out.read_text()
    assert "Records: 3 (ptbxl fold 10)" in text and "| lead II zeroed |" in text
    with out.with_suffix(".csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["perturbation"] for r in rows] == ["lead II zeroed", "reversal LA/RA"]
    assert all(r["records"] == "3" and r["draws"] == "1" for r in rows)
    assert float(rows[0]["finding_lead_missing"]) == 1.0


def test_cli_says_the_labs_a_model_reads_are_masked(tmp_path, caplog):
    """A model trained with a labs table had been benchmarked with every lab masked (robustness reads no
    table) and its table said nothing: the calls were not the ones the model makes with its labs. The
    run warns before it starts and the table says so; a model of the header's values only gets neither."""
    from helpers_models import make_tiny_checkpoint

    argv = ["robustness", "--data", str(SAMPLES / "ptbxl"), "--fold", "10", "--limit", "2",
            "--perturbations", "lead II zeroed", "--no-progress"]
    labs = make_tiny_checkpoint(tmp_path / "labs", clinical=["age", "sex", "troponin_t", "crp"], name="own")
    with caplog.at_level("WARNING"):
        assert main([*argv, "--model", str(labs), "--out", str(tmp_path / "labs.md")]) == 0
    said = "own reads troponin_t, crp; without --labs they are masked as missing"
    assert any(said in r.getMessage() for r in caplog.records)
    assert f"Labs: {said}, on the clean and on every perturbed copy." in (tmp_path / "labs.md").read_text()
    caplog.clear()
    header = make_tiny_checkpoint(tmp_path / "header", clinical=["age", "sex"], name="header")
    with caplog.at_level("WARNING"):
        assert main([*argv, "--model", str(header), "--out", str(tmp_path / "header.md")]) == 0
    assert not any("masked" in r.getMessage() for r in caplog.records)
    assert "Labs:" not in (tmp_path / "header.md").read_text()


def test_cli_errors(tmp_path, capsys):
    assert main(["robustness", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "t.md")]) == 2
    assert "folder not found" in capsys.readouterr().err
    assert main(["robustness", "--data", str(SAMPLES), "--perturbations", "mains 42 Hz",
                 "--out", str(tmp_path / "t.md")]) == 2
    assert "unknown perturbation" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["robustness", "--data", str(empty), "--out", str(tmp_path / "t.md")]) == 2
    assert "no readable records" in capsys.readouterr().err


def test_cli_rate_resamples_before_perturbing(tmp_path):
    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "rob.md"
    rc = main(["robustness", "--model", str(ckpt), "--data", str(SAMPLES / "ptbxl"), "--fold", "10",
               "--limit", "2", "--rate", "500", "--perturbations", "muscle noise 0.05 mV", "--out", str(out),
               "--no-progress"])
    assert rc == 0
    assert "Records: 2 (ptbxl fold 10, resampled to 500 Hz before perturbing)" in out.read_text()
    for bad in ("0", "-5", "nan"):
        assert main(["robustness", "--data", str(SAMPLES), "--rate", bad, "--out", str(tmp_path / "t.md")]) == 2
    for bad in ("0", "101"):
        assert main(["robustness", "--data", str(SAMPLES), "--draws", bad, "--out", str(tmp_path / "t.md")]) == 2


def test_cli_out_ending_in_csv_keeps_table_and_csv_apart(tmp_path, capsys):
    """--out r.csv had written the Markdown table to r.csv and then the CSV over it ("wrote r.csv and r.csv")."""
    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "r.csv"
    rc = main(["robustness", "--model", str(ckpt), "--data", str(SAMPLES / "ptbxl"), "--limit", "1",
               "--perturbations", "lead II zeroed", "--out", str(out), "--no-progress"])
    assert rc == 0
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["perturbation"] for r in rows] == ["lead II zeroed"]
    table = tmp_path / "r.md"
    assert "| lead II zeroed |" in table.read_text()
    assert f"wrote {table} (Markdown table) and {out} (CSV)" in capsys.readouterr().out


def test_cli_takes_the_ptbxl_prefix_and_refuses_a_fold_ptbxl_lacks(tmp_path, capsys):
    """--data ptbxl:ROOT (as every other command takes it) had said "folder not found", and --fold 11
    "no readable records" instead of naming the fold."""
    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "rob.md"
    rc = main(["robustness", "--model", str(ckpt), "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--limit", "1",
               "--perturbations", "lead II zeroed", "--out", str(out), "--no-progress"])
    assert rc == 0
    assert "Records: 1 (ptbxl fold 10)" in out.read_text()
    # the shipped PTB-XL sample's table: its strat_fold column holds the folds, read independently here
    with (SAMPLES / "ptbxl" / "ptbxl_database.csv").open(newline="") as fh:
        folds = sorted({int(r["strat_fold"]) for r in csv.DictReader(fh)})
    absent = max(folds) + 1
    assert main(["robustness", "--data", f"ptbxl:{SAMPLES / 'ptbxl'}", "--fold", str(absent),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--fold {absent}: no such fold" in err and "no readable records" not in err
    assert main(["robustness", "--data", f"ptbxl:{SAMPLES / 'ludb'}", "--out", str(out)]) == 2
    assert "no ptbxl_database.csv" in capsys.readouterr().err
    assert main(["robustness", "--data", f"ptbxl:{tmp_path / 'nope'}", "--out", str(out)]) == 2
    assert "folder not found" in capsys.readouterr().err


def test_cli_names_the_ptbxl_folds_of_a_full_root(tmp_path, capsys, ptbxl_root):
    root = ptbxl_root
    assert main(["robustness", "--data", f"ptbxl:{root}", "--fold", "11", "--out", str(tmp_path / "r.md")]) == 2
    assert "--fold 11: no such fold; " + str(root) + " has PTB-XL folds 1-10" in capsys.readouterr().err


def test_cli_names_the_records_the_model_was_trained_on(tmp_path, caplog, capsys):
    """`mirage robustness --data folder:OWN` had scored a model's own training records without a word, its help
    saying "records the model never trained on", then with a warning: they are now left out unless
    --include-trained asks for them (warned then). The model's split is made again as `evaluate` makes it.
    Truth: make_folder's split column, copy 0 (4 records) train, copy 1 val, copy 2 test: 8 of the 12 seen."""
    import json

    from helpers_models import make_tiny_checkpoint
    from helpers_training import make_folder

    root, _ = make_folder(tmp_path / "own" / "ecgs", n_copies=3, split_column=True)
    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    doc = json.loads((ckpt / "config.json").read_text())
    doc["provenance"].update({"data": f"folder:{root}", "task": "multilabel", "labels_file": "labels.csv",
                              "splits": "the split column of labels.csv", "data_kind": "folder", "seed": 0})
    (ckpt / "config.json").write_text(json.dumps(doc))
    argv = ["robustness", "--model", str(ckpt), "--perturbations", "lead II zeroed", "--no-progress"]
    said = "8 of the 12 records of ecgs are in the model's training or validation split"
    with caplog.at_level("WARNING"):
        assert main([*argv, "--data", f"folder:{root}", "--out", str(tmp_path / "own.md"), "--include-trained"]) == 0
    assert any(said in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert f"Records: 12 (ecgs; WARNING: {said}" in (tmp_path / "own.md").read_text()
    # by default they are left out, saying how many and why: the 4 test records alone are scored, and --limit
    # counts those (the first 2 of them), not the records left out
    left = "8 of the 12 records of ecgs left out: the model's training or validation split (--include-trained"
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert main([*argv, "--data", f"folder:{root}", "--out", str(tmp_path / "held.md")]) == 0
    assert any(left in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert f"Records: 4 (ecgs; {left}" in (tmp_path / "held.md").read_text()
    assert "WARNING" not in (tmp_path / "held.md").read_text()
    assert main([*argv, "--data", f"folder:{root}", "--out", str(tmp_path / "two.md"), "--limit", "2"]) == 0
    assert f"Records: 2 (ecgs; {left}" in (tmp_path / "two.md").read_text()
    # a folder of training and validation records alone: nothing left to score, said in one line, no table
    seen_all, _ = make_folder(tmp_path / "seen" / "ecgs", n_copies=2, split_column=True)
    doc["provenance"]["data"] = f"folder:{seen_all}"
    (ckpt / "config.json").write_text(json.dumps(doc))
    assert main([*argv, "--data", f"folder:{seen_all}", "--out", str(tmp_path / "none.md")]) == 2
    err = capsys.readouterr().err
    assert f"error: no records left to score under {seen_all}; 8 of the 8 records of ecgs left out" in err, err
    assert "Traceback" not in err and not (tmp_path / "none.md").exists()
    # other records than its own: no word
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert main([*argv, "--data", str(SAMPLES / "ptbxl"), "--fold", "10", "--out", str(tmp_path / "ptb.md")]) == 0
    assert not any("training or validation split" in r.getMessage() for r in caplog.records)


def test_cli_reads_labs_as_score_does(tmp_path, caplog, capsys):
    """Robustness had no --labs: a model trained with labs was scored with every lab masked. Each record's row is
    found as mirage score --labs finds it. Truth: a table written by hand for the first two records of fold 10."""
    from helpers_models import make_tiny_checkpoint

    folder = SAMPLES / "ptbxl"
    paths = robustness._record_paths(folder, 10)[:2]
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,hs-TnT [ng/L],CRP [mg/L]\n" + f"{paths[0].stem},52,3.5\n")
    records, failed, clinical = robustness.load_records([folder], 10, 2, labs)
    assert len(records) == 2 and not failed
    assert {k: v for k, v in clinical[0].items() if k in ("troponin_t", "crp")} == {
        "troponin_t": (52.0, "ng/L"), "crp": (3.5, "mg/L")}, clinical[0]
    assert "troponin_t" not in clinical[1]                          # no row: masked, as score masks it
    ckpt = make_tiny_checkpoint(tmp_path / "labs_model", clinical=["age", "sex", "troponin_t", "crp"], name="own")
    argv = ["robustness", "--model", str(ckpt), "--data", str(folder), "--fold", "10", "--limit", "2",
            "--perturbations", "lead II zeroed", "--no-progress"]
    with caplog.at_level("WARNING"):
        assert main([*argv, "--labs", str(labs), "--out", str(tmp_path / "r.md")]) == 0
    assert not any("masked" in r.getMessage() for r in caplog.records)
    assert "Labs:" not in (tmp_path / "r.md").read_text()
    assert main([*argv, "--labs", str(tmp_path / "none.csv"), "--out", str(tmp_path / "n.md")]) == 2
    assert f"{tmp_path / 'none.csv'}: labs table not found" in capsys.readouterr().err
    assert not (tmp_path / "n.md").exists()
