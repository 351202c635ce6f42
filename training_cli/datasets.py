"""Datasets for training and evaluation: PTB-XL, PhysioNet/CinC Challenge 2020/2021 and plain folders.

A dataset is named by a spec string ``KIND:ROOT``:

- ``ptbxl:ROOT``: the standard PTB-XL layout (ptbxl_database.csv, scp_statements.csv, records100/).
  Labels are aggregated as the PTB-XL benchmark does (Strodthoff et al. 2020,
  helme/ecg_ptbxl_benchmarking): every scp code is kept whatever its likelihood, codes map to
  classes through scp_statements.csv, records with no label for the task are dropped; the official
  folds give the splits (1-8 train, 9 val, 10 test).
- ``challenge:ROOT``: PhysioNet/CinC 2020/2021 folders (.hea + .mat, ``#Dx`` SNOMED-CT codes),
  searched recursively. Codes map to classes through a label map CSV (default: the 2021 scored
  classes with the challenge's equivalent codes merged, ``labelmaps/cinc2021_scored.csv``).
  Splits by seed or a split file.
- ``folder:ROOT``: any WFDB/Challenge records under ROOT, with ``--labels labels.csv`` and optionally
  ``--labs labs.csv`` (the way a hospital group brings ECGs plus laboratory results). Splits by a
  ``split`` column in labels.csv, a split file, or a seed.

Every dataset resolves to a :class:`Dataset`: an ordered list of :class:`Item` (record path,
labels, clinical values, split) plus the class list, so the cache, training and evaluation never
care where the records came from.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
PTBXL_TASKS = ("superdiagnostic", "subdiagnostic", "diagnostic", "form", "rhythm", "all", "mi")
# the superclasses in the order the PTB-XL paper lists them (shown in this order everywhere)
PTBXL_SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")
LABELMAP_DIR = Path(__file__).resolve().parent / "labelmaps"
DEFAULT_CHALLENGE_LABELMAP = LABELMAP_DIR / "cinc2021_scored.csv"


class DatasetError(ValueError):
    """A dataset that cannot be opened; ``str()`` names the file and the problem."""


@dataclass
class Item:
    """One record of a dataset.

    Attributes:
        record_id: unique id inside the dataset (PTB-XL: ecg_id as text; others: path stem
            relative to ROOT, e.g. "G12EC/E00009").
        path: the header (.hea) path or the record stem that ``io.load_record`` accepts.
        labels: class names this record carries (a subset of ``Dataset.classes``).
        clinical: name -> value for the clinical schema (None = missing); "sex" is "M"/"F".
        split: "train", "val" or "test".
    """

    record_id: str
    path: Path
    labels: tuple[str, ...]
    clinical: dict = field(default_factory=dict)
    split: str = "train"


@dataclass
class Dataset:
    """A resolved dataset: items in a fixed order and the class list.

    Attributes:
        spec: the spec it was opened from, e.g. "ptbxl:/data/ptbxl".
        kind: "ptbxl", "challenge" or "folder".
        root: the dataset folder.
        task: task name ("superdiagnostic", "labels", ...).
        task_type: "multilabel" (sigmoid) or "multiclass" (one label per record, softmax).
        classes: the K class names, in output order.
        items: the records, in a fixed order.
        clinical_names: the clinical features present in ``Item.clinical``.
        identity: what the cache hashes to know the records (kind, resolved root, options).
    """

    spec: str
    kind: str
    root: Path
    task: str
    task_type: str
    classes: list[str]
    items: list[Item]
    clinical_names: list[str]
    identity: dict = field(default_factory=dict)

    def split_indices(self, split: str) -> np.ndarray:
        """Indices (into ``items``) of one split, in order. (N_split,) int64."""
        if split not in SPLITS:
            raise DatasetError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
        return np.array([i for i, it in enumerate(self.items) if it.split == split], dtype=np.int64)

    def targets(self) -> np.ndarray:
        """multilabel: float32 (N, K) in {0, 1}; multiclass: int64 (N,) class index."""
        index = {c: k for k, c in enumerate(self.classes)}
        if self.task_type == "multiclass":
            return np.array([index[it.labels[0]] for it in self.items], dtype=np.int64)
        y = np.zeros((len(self.items), len(self.classes)), dtype=np.float32)
        for i, it in enumerate(self.items):
            for lab in it.labels:
                y[i, index[lab]] = 1.0
        return y

    def limit(self, n: int | None) -> "Dataset":
        """A copy with at most the first ``n`` records of each split (debug runs)."""
        if not n:
            return self
        seen = {s: 0 for s in SPLITS}
        kept = []
        for it in self.items:
            if seen[it.split] < n:
                seen[it.split] += 1
                kept.append(it)
        return Dataset(self.spec, self.kind, self.root, self.task, self.task_type, list(self.classes),
                       kept, list(self.clinical_names), dict(self.identity, limit=n))

    def drop(self, record_ids: set[str]) -> "Dataset":
        """A copy without the given records (those that failed to load)."""
        if not record_ids:
            return self
        kept = [it for it in self.items if it.record_id not in record_ids]
        return Dataset(self.spec, self.kind, self.root, self.task, self.task_type, list(self.classes),
                       kept, list(self.clinical_names), dict(self.identity))

    def summary(self) -> str:
        counts = {s: int((np.array([it.split for it in self.items]) == s).sum()) for s in SPLITS}
        return (f"{self.kind} {self.task} ({self.task_type}, {len(self.classes)} classes): "
                f"{len(self.items)} records, train {counts['train']} / val {counts['val']} / test {counts['test']}")


# --------------------------------------------------------------------------- spec parsing

def parse_spec(spec: str) -> tuple[str, Path]:
    """"KIND:ROOT" -> (kind, root). Raises DatasetError with the accepted forms."""
    kind, sep, root = spec.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in ("ptbxl", "challenge", "folder") or not root:
        raise DatasetError(f"dataset {spec!r}: expected ptbxl:ROOT, challenge:ROOT or folder:ROOT")
    path = Path(root).expanduser()
    if not path.is_dir():
        raise DatasetError(f"{path}: dataset folder does not exist")
    return kind, path


def open_dataset(spec: str, task: str | None = None, *, labels: str | Path | None = None,
                 labs: str | Path | None = None, label_map: str | Path | None = None,
                 split_file: str | Path | None = None, seed: int = 0, val_frac: float = 0.1,
                 test_frac: float = 0.1) -> Dataset:
    """Open a dataset from its spec.

    Args:
        spec: "ptbxl:ROOT", "challenge:ROOT" or "folder:ROOT".
        task: PTB-XL task (one of PTBXL_TASKS; default superdiagnostic); for challenge/folder
            datasets "multilabel" (default) or "multiclass".
        labels: folder datasets: CSV with a record id column and either a ``labels`` column
            (classes separated by ``;`` or ``|``) or one 0/1 column per class; an optional
            ``split`` column (train/val/test).
        labs: folder datasets: CSV of laboratory results per record id, read with
            ``clinical.read_labs_table`` (units in the header or a units row).
        label_map: challenge datasets: CSV ``snomed_ct,class[,description]`` (default: the 2021
            scored classes).
        split_file: CSV ``record_id,split`` (train/val/test) overriding seeded splits.
        seed, val_frac, test_frac: seeded random split (challenge/folder without a split).

    Raises:
        DatasetError: missing files, unknown task, no labelled records (message names the file).
    """
    kind, root = parse_spec(spec)
    if kind == "ptbxl":
        ds = _open_ptbxl(spec, root, task or "superdiagnostic")
    elif kind == "challenge":
        ds = _open_challenge(spec, root, task or "multilabel", label_map, split_file, seed, val_frac, test_frac)
    else:
        if labels is None:
            raise DatasetError(f"{spec}: a folder dataset needs --labels labels.csv")
        ds = _open_folder(spec, root, task or "multilabel", Path(labels), labs, split_file, seed,
                          val_frac, test_frac)
    if not ds.items:
        raise DatasetError(f"{spec}: no labelled records for task {ds.task!r}")
    logger.info("dataset %s", ds.summary())
    return ds


# --------------------------------------------------------------------------- PTB-XL

def ptbxl_class_map(scp_statements: Path, task: str) -> dict[str, str]:
    """scp code -> class name for a PTB-XL task, from scp_statements.csv (benchmark aggregation)."""
    import pandas as pd

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


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _open_ptbxl(spec: str, root: Path, task: str) -> Dataset:
    import pandas as pd

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
        age = _num(cols["age"][n])
        if age is not None and age >= 300:      # PTB-XL codes ages over 89 as 300
            age = 90.0
        sex = _num(cols["sex"][n])              # PTB-XL: 0 = male, 1 = female
        clinical = {
            "age": age,
            "sex": None if sex is None else ("F" if sex == 1 else "M"),
            "height": _num(cols["height"][n]),
            "weight": _num(cols["weight"][n]),
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


# --------------------------------------------------------------------------- Challenge

def read_label_map(path: str | Path) -> dict[str, str]:
    """Label map CSV -> {snomed_ct code: class name}. Columns: snomed_ct, class (others ignored)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: label map not found")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        cols = {c.lower().strip(): c for c in reader.fieldnames or []}
        code_col = cols.get("snomed_ct") or cols.get("snomedctcode") or cols.get("code")
        class_col = cols.get("class") or cols.get("abbreviation")
        if not code_col or not class_col:
            raise DatasetError(f"{path}: expected columns snomed_ct,class (found {reader.fieldnames})")
        out = {}
        for row in reader:
            code, cls = (row[code_col] or "").strip(), (row[class_col] or "").strip()
            if code and cls:
                out[code] = cls
    if not out:
        raise DatasetError(f"{path}: label map is empty")
    return out


def read_header_comments(header: Path) -> dict[str, str]:
    """The ``#Key: value`` comment fields of a WFDB header (Challenge style), keys lower-case."""
    out = {}
    try:
        text = header.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise DatasetError(f"{header}: cannot read header ({err.strerror})") from err
    for line in text.splitlines():
        m = re.match(r"#\s*([A-Za-z ]+?)\s*:\s*(.*)$", line.strip())
        if m:
            out[m.group(1).lower()] = m.group(2).strip()
    return out


def _sex(value: str | None) -> str | None:
    v = (value or "").strip().lower()
    return "M" if v in ("m", "male") else "F" if v in ("f", "female") else None


def _record_id(root: Path, header: Path) -> str:
    return header.relative_to(root).with_suffix("").as_posix()


def _find_headers(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.hea") if p.is_file())


def _open_challenge(spec, root, task, label_map, split_file, seed, val_frac, test_frac) -> Dataset:
    if task not in ("multilabel", "multiclass"):
        raise DatasetError(f"challenge datasets take task multilabel or multiclass, not {task!r}")
    lmap_path = Path(label_map) if label_map else DEFAULT_CHALLENGE_LABELMAP
    lmap = read_label_map(lmap_path)
    items = []
    for hea in _find_headers(root):
        try:
            meta = read_header_comments(hea)
        except DatasetError as err:
            logger.warning("skipping %s", err)
            continue
        codes = [c.strip() for c in meta.get("dx", "").split(",") if c.strip()]
        labs = tuple(sorted({lmap[c] for c in codes if c in lmap}))
        if not labs:
            continue
        if task == "multiclass" and len(labs) != 1:
            continue
        age = _num(meta.get("age"))
        items.append(Item(_record_id(root, hea), hea, labs, {"age": age, "sex": _sex(meta.get("sex"))}))
    classes = sorted({c for it in items for c in it.labels})
    _assign_splits(items, split_file, seed, val_frac, test_frac)
    lmap_hash = hashlib.sha256(lmap_path.read_bytes()).hexdigest()[:16]
    return Dataset(spec, "challenge", root, task, task, classes, items, ["age", "sex"],
                   identity={"kind": "challenge", "root": str(root.resolve()), "labelmap": lmap_hash})


# --------------------------------------------------------------------------- folder

def _read_table(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    with open(path, newline="", encoding="utf-8-sig") as f:
        sample = f.read(4096)
        f.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = list(csv.DictReader(f, dialect=dialect))
    if not rows:
        raise DatasetError(f"{path}: no rows")
    return rows


def _id_column(path: Path, columns) -> str:
    for c in columns:
        if c.strip().lower() in ("record_id", "record", "id", "ecg_id", "filename", "file"):
            return c
    raise DatasetError(f"{path}: no record id column (name one record_id); columns are {list(columns)}")


def _open_folder(spec, root, task, labels_path, labs_path, split_file, seed, val_frac, test_frac) -> Dataset:
    if task not in ("multilabel", "multiclass"):
        raise DatasetError(f"folder datasets take task multilabel or multiclass, not {task!r}")
    rows = _read_table(labels_path)
    id_col = _id_column(labels_path, rows[0].keys())
    lower = {c.strip().lower(): c for c in rows[0].keys()}
    label_col = lower.get("labels") or lower.get("label")
    split_col = lower.get("split")
    class_cols = [c for c in rows[0].keys() if c not in (id_col, label_col, split_col)] if not label_col else []
    headers = _find_headers(root)
    by_id: dict[str, Path] = {}
    for hea in headers:
        rid = _record_id(root, hea)
        by_id.setdefault(rid, hea)
        by_id.setdefault(hea.stem, hea)
    labels_by_id: dict[str, tuple[str, ...]] = {}
    split_by_id: dict[str, str] = {}
    for n, row in enumerate(rows, start=2):
        rid = Path((row[id_col] or "").strip()).with_suffix("").as_posix() if (row[id_col] or "").strip().endswith(
            (".hea", ".mat", ".dat")) else (row[id_col] or "").strip()
        if not rid:
            continue
        if label_col:
            labs = tuple(sorted({s.strip() for s in re.split(r"[;|]", row[label_col] or "") if s.strip()}))
        else:
            labs = []
            for c in class_cols:
                v = (row[c] or "").strip()
                if v not in ("", "0", "1", "0.0", "1.0"):
                    raise DatasetError(f"{labels_path}, line {n}: column {c} must be 0 or 1, found {v!r}")
                if v in ("1", "1.0"):
                    labs.append(c.strip())
            labs = tuple(labs)
        labels_by_id[rid] = labs
        if split_col and (row[split_col] or "").strip():
            s = row[split_col].strip().lower()
            s = {"validation": "val", "valid": "val", "dev": "val"}.get(s, s)
            if s not in SPLITS:
                raise DatasetError(f"{labels_path}, line {n}: split must be train, val or test, found {s!r}")
            split_by_id[rid] = s
    lab_values: dict[str, dict] = {}
    clinical_names: list[str] = []
    if labs_path:
        lab_values, clinical_names = _read_labs(Path(labs_path))
    items = []
    missing_files = []
    header_fields: set[str] = set()
    for rid, labs in labels_by_id.items():
        if not labs:
            continue
        if task == "multiclass" and len(labs) != 1:
            raise DatasetError(f"{labels_path}: record {rid} has {len(labs)} labels; multiclass needs exactly one")
        hea = by_id.get(rid)
        if hea is None:
            missing_files.append(rid)
            continue
        clin = dict(lab_values.get(rid) or lab_values.get(Path(rid).name) or {})
        try:                     # Challenge-style headers carry #Age / #Sex; the labs table wins
            meta = read_header_comments(hea)
        except DatasetError:
            meta = {}
        if "age" in meta and "age" not in clin:
            clin["age"] = _num(meta["age"])
            header_fields.add("age")
        if "sex" in meta and "sex" not in clin:
            clin["sex"] = _sex(meta["sex"])
            header_fields.add("sex")
        items.append(Item(rid, hea, labs, clin, split_by_id.get(rid, "")))
    if missing_files:
        logger.warning("%s: %d labelled records have no header under %s (first: %s)", labels_path,
                       len(missing_files), root, ", ".join(missing_files[:5]))
    if split_by_id and all(it.split for it in items):
        pass
    else:
        _assign_splits(items, split_file, seed, val_frac, test_frac, keep_existing=bool(split_by_id))
    classes = sorted({c for it in items for c in it.labels})
    clinical_names = [n for n in ("age", "sex") if n in header_fields and n not in clinical_names] + clinical_names
    ident = {"kind": "folder", "root": str(root.resolve()),
             "labels": hashlib.sha256(labels_path.read_bytes()).hexdigest()[:16]}
    return Dataset(spec, "folder", root, task, task, classes, items, clinical_names, identity=ident)


def _read_labs(path: Path) -> tuple[dict[str, dict], list[str]]:
    """labs.csv -> ({record id: {feature: value or (value, unit)}}, feature names).

    Uses ``clinical.read_labs_table`` (the one reader of lab tables) when the library has it.
    """
    from mirage_model import clinical

    reader = getattr(clinical, "read_labs_table", None)
    if reader is None:
        raise DatasetError(f"{path}: this version of mirage_model cannot read lab tables (no read_labs_table)")
    try:
        table = reader(path)
    except clinical.ClinicalError as err:
        raise DatasetError(f"{path}: {err}") from err
    except (OSError, ValueError) as err:
        raise DatasetError(f"{path}: {err}") from err
    # accepted return forms: dict id -> dict, or (dict, names), or an object with .rows/.names
    names: list[str] = []
    if isinstance(table, tuple) and len(table) == 2:
        table, names = table
    if hasattr(table, "rows"):
        names = list(getattr(table, "names", []) or getattr(table, "features", []))
        table = table.rows
    if not isinstance(table, dict):
        raise DatasetError(f"{path}: read_labs_table returned {type(table).__name__}, expected a mapping")
    if not names:
        seen = []
        for v in table.values():
            for k in v:
                if k not in seen:
                    seen.append(k)
        names = seen
    return {str(k): dict(v) for k, v in table.items()}, list(names)


# --------------------------------------------------------------------------- splits

def read_split_file(path: str | Path) -> dict[str, str]:
    """CSV ``record_id,split`` -> {record id: split}."""
    path = Path(path)
    rows = _read_table(path)
    id_col = _id_column(path, rows[0].keys())
    lower = {c.strip().lower(): c for c in rows[0].keys()}
    if "split" not in lower:
        raise DatasetError(f"{path}: needs a split column (train/val/test)")
    out = {}
    for n, row in enumerate(rows, start=2):
        s = (row[lower["split"]] or "").strip().lower()
        s = {"validation": "val", "valid": "val"}.get(s, s)
        if s not in SPLITS:
            raise DatasetError(f"{path}, line {n}: split must be train, val or test, found {s!r}")
        out[(row[id_col] or "").strip()] = s
    return out


def _assign_splits(items: list[Item], split_file, seed: int, val_frac: float, test_frac: float,
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
