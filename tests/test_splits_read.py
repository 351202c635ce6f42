"""A command reads only the splits it uses: ``mirage evaluate --split val`` never opens a test record,
``mirage train --no-test`` neither, and the caches they build are shared (one per split)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_training import make_mini_ptbxl, train_argv

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "resources" / "models" / "default"


def _ptbxl_with_missing_test_records(dst: Path) -> tuple[Path, set[str], set[str]]:
    """The four shipped PTB-XL records twice in the training folds (1-8) and once in fold 9; the
    fold-10 rows name records that do not exist (a file opened there is counted, and fails).

    Returns: (root, the fold-9 record stems, the fold-10 record stems).
    """
    import pandas as pd

    root = make_mini_ptbxl(dst)
    db = pd.read_csv(root / "ptbxl_database.csv")
    parts = []
    for fold in (1, 5, 9, 10):
        part = db.copy()
        part["strat_fold"] = fold
        parts.append(part)
    db = pd.concat(parts, ignore_index=True)
    db["ecg_id"] = range(1, len(db) + 1)
    test = db["strat_fold"] == 10
    db.loc[test, "filename_lr"] = [f"records100/90000/{90000 + i}_lr" for i in range(int(test.sum()))]
    db.to_csv(root / "ptbxl_database.csv", index=False)
    val = {Path(f).name for f in db.loc[db["strat_fold"] == 9, "filename_lr"]}
    return root, val, {Path(f).name for f in db.loc[test, "filename_lr"]}


def test_rows_of_several_caches_read_as_one_array():
    import numpy as np

    from training_cli.engine.cache import RowStack

    rng = np.random.default_rng(0)
    whole = rng.standard_normal((9, 3, 4)).astype(np.float32)
    split = np.array([0, 1, 0, 2, 1, 0, 2, 2, 1])          # the split of each row, interleaved
    parts = [whole[split == k] for k in range(3)]
    local = np.array([int((split[:i] == split[i]).sum()) for i in range(len(split))])
    stack = RowStack(parts, split, local)
    rows = np.array([8, 0, 3, 3, 5])
    np.testing.assert_array_equal(stack[rows], whole[rows])
    np.testing.assert_array_equal(stack[4], whole[4])
    assert stack.shape == whole.shape and len(stack) == 9


@pytest.fixture
def opened(monkeypatch):
    """The names of the dataset's record files the input cache opens, in order (not the shipped sample
    that the cache's transform fingerprint reads)."""
    from training_cli.engine import cache

    seen: list[str] = []
    real = cache.load_record

    def counting(path, *args, **kwargs):
        if "ptbxl" in Path(path).parts[-4:-2]:       # ROOT/records100/NNNNN/name: ROOT is tmp_path/ptbxl
            seen.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(cache, "load_record", counting)
    return seen


def test_evaluate_on_val_opens_no_test_record_and_reuses_the_val_cache(tmp_path, opened, capsys):
    from training_cli.main import main

    root, val, test = _ptbxl_with_missing_test_records(tmp_path / "ptbxl")
    cache = tmp_path / "cache"
    argv = ["evaluate", "--model", str(DEFAULT_MODEL), "--data", f"ptbxl:{root}", "--split", "val",
            "--cache-dir", str(cache), "--bootstrap", "20", "--no-progress", "--threads", "1", "--workers", "1"]
    assert main([*argv, "--out", str(tmp_path / "e1")]) == 0
    assert set(opened) == val and len(opened) == len(val)      # the 4 validation records, once each
    assert not set(opened) & test
    out = capsys.readouterr().out
    # 4 records: no class has 20 positive and 20 negative records, so none has an interval; the line names
    # the task's four (the mini scp_statements.csv has no STTC statement)
    assert "classes with fewer than 20 positive or negative records: no interval (4 of 4: " in out
    for c in ("NORM", "MI", "CD", "HYP"):
        assert c in out.split("no interval", 1)[1]
    # which and why, once, in the model card's words (before: "..., nor has the macro of all classes", no why)
    line = next(t for t in out.splitlines() if t.startswith("val: "))
    assert line.count("no interval") == 1 and line.count("20 positive") == 1, line
    assert line.endswith("no interval (4 of 4: NORM, MI, CD, HYP): with so few, the bootstrap cannot tell how far "
                         "their figures would move on other records, so the macro of all classes has none either"), line
    opened.clear()
    assert main([*argv, "--out", str(tmp_path / "e2")]) == 0
    assert opened == []                                          # the validation cache is reused


@pytest.mark.slow
def test_train_without_test_opens_no_test_record_and_shares_its_caches(tmp_path, opened, capsys):
    from training_cli.commands.train import config_from_args, train_command_parser
    from training_cli.engine.loop import train
    from training_cli.main import main

    root, val, test = _ptbxl_with_missing_test_records(tmp_path / "ptbxl")
    cache, run = tmp_path / "cache", tmp_path / "run"
    args = train_command_parser().parse_args(train_argv(f"ptbxl:{root}", run, cache, "--epochs", "1", "--no-test"))
    train(config_from_args(args))
    assert len(opened) == 12 and not set(opened) & test          # folds 1, 5 and 9: 4 records each
    opened.clear()
    rc = main(["evaluate", "--model", str(run / "model"), "--data", f"ptbxl:{root}", "--split", "val",
               "--cache-dir", str(cache), "--bootstrap", "0", "--no-progress", "--out", str(tmp_path / "e")])
    assert rc == 0 and opened == []                              # the run's validation cache serves it
    # the test split, asked for, is read alone: its records do not exist, so nothing is scored
    rc = main(["evaluate", "--model", str(run / "model"), "--data", f"ptbxl:{root}", "--split", "test",
               "--cache-dir", str(cache), "--bootstrap", "0", "--no-progress", "--out", str(tmp_path / "t")])
    assert rc != 0 and set(opened) == test
    assert "the test split has no records that loaded" in capsys.readouterr().err


@pytest.mark.slow
def test_a_run_stopped_early_opens_no_test_record(tmp_path, opened):
    """--stop-after never evaluates the test split (the run is cut short): it reads it no more than
    --no-test does. Before, its 4 test records were opened (and, missing here, skipped)."""
    import json

    from training_cli.commands.train import config_from_args, train_command_parser
    from training_cli.engine.loop import train

    root, val, test = _ptbxl_with_missing_test_records(tmp_path / "ptbxl")
    run = tmp_path / "run"
    args = train_command_parser().parse_args(train_argv(f"ptbxl:{root}", run, tmp_path / "cache", "--stop-after", "1"))
    train(config_from_args(args))
    assert len(opened) == 12 and not set(opened) & test          # folds 1, 5 and 9: 4 records each
    assert not (run / "test").exists()
    assert "test_macro_auroc" not in json.loads((run / "summary.json").read_text())
