"""PTB-XL as a training set (``ptbxl:ROOT``, the standard layout: ptbxl_database.csv,
scp_statements.csv, records100/).

Labels are aggregated as the PTB-XL benchmark does (Strodthoff et al. 2020,
helme/ecg_ptbxl_benchmarking): every scp code is kept whatever its likelihood, codes map to
classes through scp_statements.csv, records with no label for the task are dropped; the official
folds give the splits (1-8 train, 9 val, 10 test). Each class is recorded with its words (``labels.ptbxl_words``,
which the app and the PDF fall back to for a checkpoint that records none): the project's plain words of PTB-XL's
statements (``interpret.STATEMENTS``, from scp_statements.csv), which the interpretation says, and the
superclasses' names (``labels.LABEL_NAMES``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from mirage_model.checkpoint.format import trained_on_ptbxl
from mirage_model.records.ptbxl import decode_age, decode_number, decode_scp_codes, decode_sex, read_database
from mirage_model.review.labels import ptbxl_words
from training_cli.engine.dataset import Dataset, DatasetError, Item

# the official folds, as a PTB-XL model's provenance "splits" (and its card) names them
PTBXL_SPLITS = "PTB-XL strat_fold 1-8 train, 9 val, 10 test"
PTBXL_TASKS = ("superdiagnostic", "subdiagnostic", "diagnostic", "form", "rhythm", "all", "mi")
# the superclasses in the order the PTB-XL paper lists them (shown in this order everywhere)
PTBXL_SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")


def fold_split(fold: int) -> str:
    """The split of PTB-XL's ``strat_fold`` ``fold`` (``PTBXL_SPLITS``): 1-8 "train", 9 "val", 10 "test"."""
    return "test" if fold == 10 else "val" if fold == 9 else "train"


def fitted_split_warning(loaded, split: str, where: str) -> str:
    """What a command says that scores ``split`` ("train", "val") of PTB-XL (``where``: "PTB-XL fold 9") with
    ``loaded``, a model trained on PTB-XL's official folds (``checkpoint.trained_on_ptbxl``): that it trained on
    those records, or that its model, thresholds and calibration were chosen on them (its provenance "splits" and
    ``calibration.fitted_on``, as its card says them), so that its figures there are no test; "" for the test
    split (fold 10) or a model of other data.

    Shapes: none (words)."""
    prov = getattr(loaded, "provenance", None) or {}
    if split not in ("train", "val") or not trained_on_ptbxl(prov):
        return ""
    name = getattr(loaded, "name", "") or "the model"
    card = prov.get("splits") or PTBXL_SPLITS
    if split == "train":
        return (f"{where} is among the folds {name} was trained on ({card}, its card says): its calls there are "
                "not those of records it never saw")
    fitted = getattr(getattr(loaded, "calibration", None), "fitted_on", "")
    chosen = f"its calibration was fitted there ({fitted}), and " if fitted else ""
    return (f"{where} is the validation fold of {name} ({card}, its card says): {chosen}its weights and thresholds "
            "were chosen there, so its figures there are optimistic, not those of records it never saw "
            "(fold 10, its test fold, is)")


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


def class_words(classes, task: str) -> dict[str, str]:
    """class -> its words, as the app, the PDF and the model card show a PTB-XL model's labels
    (``labels.ptbxl_words``): a superclass ("superdiagnostic", "mi") by its name ("MI" -> "Myocardial infarction"),
    a statement by the words the interpretation says it in ("SR" -> "Sinus rhythm", "NDT" -> "Nonspecific T wave
    abnormality"); a class that is neither (a subclass such as "LAFB/LPFB") is left out: it is shown as its label."""
    return ptbxl_words(classes, task)


def _ptbxl_labels(scp_codes: str, class_map: dict[str, str], task: str) -> tuple[str, ...]:
    codes = decode_scp_codes(scp_codes)
    classes = {class_map[c] for c in codes if c in class_map}   # every code, whatever its likelihood
    if task == "mi":
        if not classes:
            return ()
        return ("MI",) if "MI" in classes else ("not_MI",)
    return tuple(sorted(classes))


def open_ptbxl(spec: str, root: Path, task: str) -> Dataset:
    """The PTB-XL training set of ``task``: records with a label for it, the official folds as splits.

    Raises:
        DatasetError: an unknown task, a missing table or column (the message names the file).
    """
    if task not in PTBXL_TASKS:
        raise DatasetError(f"unknown PTB-XL task {task!r}; use one of {', '.join(PTBXL_TASKS)}")
    db_path, scp_path = root / "ptbxl_database.csv", root / "scp_statements.csv"
    for p in (db_path, scp_path):
        if not p.is_file():
            raise DatasetError(f"{p}: missing (is {root} a PTB-XL folder?)")
    with open(db_path, newline="", encoding="utf-8", errors="replace") as f:
        columns = next(csv.reader(f), [])
    missing = {"scp_codes", "strat_fold", "filename_lr"} - set(columns)
    if missing:
        raise DatasetError(f"{db_path}: missing columns {sorted(missing)}")
    class_map = ptbxl_class_map(scp_path, task)
    items = []
    parsed: dict[str, tuple[str, ...]] = {}      # scp_codes parsed once per distinct string
    for row in read_database(db_path):          # the library's one reader of the table (records.ptbxl)
        labs = parsed.get(row.scp_codes)
        if labs is None:
            labs = parsed[row.scp_codes] = _ptbxl_labels(row.scp_codes, class_map, task)
        if not labs:
            continue
        fold = decode_number(row.strat_fold)
        if fold is None:
            raise DatasetError(f"{db_path}: ecg_id {row.ecg_id} has no strat_fold")
        split = fold_split(fold)
        age, _ = decode_age(row.age)            # 300 ("older than 89") -> 90
        clinical = {
            "age": age,
            "sex": decode_sex(row.sex),         # PTB-XL: 0 = male, 1 = female
            "height": decode_number(row.height),
            "weight": decode_number(row.weight),
        }
        items.append(Item(row.ecg_id, root / row.filename_lr, labs, clinical, split))
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
                   identity={"kind": "ptbxl", "root": str(root.resolve()), "task": task},
                   descriptions=class_words(classes, task))
