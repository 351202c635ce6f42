"""The train/val/test split of a Challenge or folder dataset: a split file (``record_id,split``) or a
seeded random split, stable on any machine for one seed. (A folder dataset's ``split`` column is read
with its labels table, ``folder``; PTB-XL keeps its official folds, ``ptbxl``.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training_cli.engine.dataset import SPLITS, DatasetError, Item
from training_cli.engine.tables import id_column, read_table, table_record_id

# how people write the splits ("Validation", "training")
SPLIT_SPELLINGS = {"validation": "val", "valid": "val", "dev": "val", "training": "train", "testing": "test"}


def read_split_file(path: str | Path) -> dict[str, str]:
    """CSV ``record_id,split`` -> {record id: split}."""
    path = Path(path)
    rows = read_table(path)
    id_col = id_column(path, rows[0].keys())
    lower = {c.strip().lower(): c for c in rows[0].keys()}
    if "split" not in lower:
        raise DatasetError(f"{path}: needs a split column (train/val/test)")
    out = {}
    line_of: dict[str, int] = {}
    for n, row in zip(rows.lines, rows):
        s = (row[lower["split"]] or "").strip().lower()
        s = SPLIT_SPELLINGS.get(s, s)
        if s not in SPLITS:
            raise DatasetError(f"{path}, line {n}: split must be train, val or test, found {s!r}")
        rid = table_record_id(row[id_col])
        if rid in out:
            raise DatasetError(f"{path}, line {n}: record {rid!r} appears twice (also on line {line_of[rid]})")
        line_of[rid] = n
        out[rid] = s
    return out


def assign_splits(items: list[Item], split_file, seed: int, val_frac: float, test_frac: float,
                   keep_existing: bool = False) -> None:
    if split_file:
        table = read_split_file(split_file)
        for it in items:
            s = table.get(it.record_id) or table.get(Path(it.record_id).name)
            if s is None:
                raise DatasetError(f"{split_file}: no split for record {it.record_id}")
            it.split = s
        return
    todo = [it for it in items if not (keep_existing and it.split)]
    # seeded split on a stable order, so the same seed gives the same split on any machine
    order = sorted(range(len(todo)), key=lambda i: todo[i].record_id)
    perm = np.random.default_rng(seed).permutation(len(order))
    n = len(order)
    n_test = int(round(n * test_frac))
    n_val = int(round(n * val_frac))
    if n >= 3:
        n_test, n_val = max(n_test, 1), max(n_val, 1)
    for rank, p in enumerate(perm):
        it = todo[order[p]]
        it.split = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
