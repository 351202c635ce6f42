"""PTB-XL as a training set (``ptbxl:ROOT``, the standard layout: ptbxl_database.csv,
scp_statements.csv, records100/).

Labels are aggregated as the PTB-XL benchmark does (Strodthoff et al. 2020,
helme/ecg_ptbxl_benchmarking): every scp code is kept whatever its likelihood, codes map to
classes through scp_statements.csv, records with no label for the task are dropped; the official
folds give the splits (1-8 train, 9 val, 10 test).
"""

from __future__ import annotations

import ast
from pathlib import Path

from training_cli.engine.dataset import Dataset, DatasetError, Item, num_or_none

PTBXL_TASKS = ("superdiagnostic", "subdiagnostic", "diagnostic", "form", "rhythm", "all", "mi")
# the superclasses in the order the PTB-XL paper lists them (shown in this order everywhere)
PTBXL_SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")


def ptbxl_class_map(scp_statements: Path, task: str) -> dict[str, str]:
    """scp code -> class name for a PTB-XL task, from scp_statements.csv (benchmark aggregation)."""
    import pandas as pd   # pandas: a second or more to import, only PTB-XL needs it

    agg = pd.read_csv(scp_statements, index_col=0)
    out: dict[str, str] = {}
    for code, row in agg.iterrows():
        if task in ("superdiagnostic", "mi"):
            if row.get("diagnostic") == 1 and isinstance(row.get("diagnostic_class"), str):
                out[code] = row["diagnostic_class"]
        elif task == "subdiagnostic":
            if row.get("diagnostic") == 1 and isinstance(row.get("diagnostic_subclass"), str):
                out[code] = row["diagnostic_subclass"]
        elif task == "diagnostic":
            if row.get("diagnostic") == 1:
                out[code] = code
        elif task == "form":
            if row.get("form") == 1:
                out[code] = code
        elif task == "rhythm":
            if row.get("rhythm") == 1:
                out[code] = code
        elif task == "all":
            out[code] = code
    return out


def _ptbxl_labels(scp_codes: str, class_map: dict[str, str], task: str) -> tuple[str, ...]:
    codes = ast.literal_eval(scp_codes) if isinstance(scp_codes, str) else {}
    classes = {class_map[c] for c in codes if c in class_map}   # every code, whatever its likelihood
    if task == "mi":
        if not classes:
            return ()
        return ("MI",) if "MI" in classes else ("not_MI",)
    return tuple(sorted(classes))


def open_ptbxl(spec: str, root: Path, task: str) -> Dataset:
    import pandas as pd   # pandas: a second or more to import, only PTB-XL needs it

    if task not in PTBXL_TASKS:
        raise DatasetError(f"unknown PTB-XL task {task!r}; use one of {', '.join(PTBXL_TASKS)}")
    db_path, scp_path = root / "ptbxl_database.csv", root / "scp_statements.csv"
    for p in (db_path, scp_path):
        if not p.is_file():
            raise DatasetError(f"{p}: missing (is {root} a PTB-XL folder?)")
    db = pd.read_csv(db_path, index_col="ecg_id")
    missing = {"scp_codes", "strat_fold", "filename_lr"} - set(db.columns)
    if missing:
        raise DatasetError(f"{db_path}: missing columns {sorted(missing)}")
    class_map = ptbxl_class_map(scp_path, task)
    items = []
    # column-wise (iterrows is slow on 21,799 rows); scp_codes parsed once per distinct string
    parsed: dict[str, tuple[str, ...]] = {}
    cols = {c: db[c].tolist() if c in db.columns else [None] * len(db) for c in
            ("scp_codes", "strat_fold", "filename_lr", "age", "sex", "height", "weight")}
    for n, ecg_id in enumerate(db.index.tolist()):
        codes = cols["scp_codes"][n]
        labs = parsed.get(codes)
        if labs is None:
            labs = parsed[codes] = _ptbxl_labels(codes, class_map, task)
        if not labs:
            continue
        fold = int(cols["strat_fold"][n])
        split = "test" if fold == 10 else "val" if fold == 9 else "train"
        age = num_or_none(cols["age"][n])
        if age is not None and age >= 300:      # PTB-XL codes ages over 89 as 300
            age = 90.0
        sex = num_or_none(cols["sex"][n])              # PTB-XL: 0 = male, 1 = female
        clinical = {
            "age": age,
            "sex": None if sex is None else ("F" if sex == 1 else "M"),
            "height": num_or_none(cols["height"][n]),
            "weight": num_or_none(cols["weight"][n]),
        }
        items.append(Item(str(ecg_id), root / cols["filename_lr"][n], labs, clinical, split))
    if task == "mi":
        classes, task_type = ["MI"], "multilabel"
        for it in items:     # MI vs not: one sigmoid output
            it.labels = ("MI",) if it.labels == ("MI",) else ()
    else:
        present = {c for it in items for c in it.labels}
        if task == "superdiagnostic":
            classes = [c for c in PTBXL_SUPERCLASSES if c in present]
        else:
            classes = sorted(present)
        task_type = "multilabel"
    return Dataset(spec, "ptbxl", root, task, task_type, classes, items, ["age", "sex", "height", "weight"],
                   identity={"kind": "ptbxl", "root": str(root.resolve()), "task": task})
