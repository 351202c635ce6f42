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

import csv
import hashlib
import io
import logging
import re
from pathlib import Path

import numpy as np

from mirage_model import clinical
from mirage_model.clinical import (RECORD_FEATURES, header_disagreement, labs_record_id, match_labs_rows,
                                   record_values)
from mirage_model.clinical.labs import near_miss_text
from mirage_model.records import RecordError, load_header
from training_cli.engine.dataset import SPLITS, Dataset, DatasetError, Item
from training_cli.engine.ptbxl import open_ptbxl

logger = logging.getLogger(__name__)

LABELMAP_DIR = Path(__file__).resolve().parents[1] / "labelmaps"
DEFAULT_CHALLENGE_LABELMAP = LABELMAP_DIR / "cinc2021_scored.csv"


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
    _refuse_options_of_other_kinds(spec, kind, labels=labels, labs=labs, label_map=label_map)
    if kind == "ptbxl":
        ds = open_ptbxl(spec, root, task or "superdiagnostic")
    elif kind == "challenge":
        ds = _open_challenge(spec, root, task or "multilabel", label_map, split_file, seed, val_frac, test_frac)
    else:
        if labels is None:
            raise DatasetError(f"{spec}: a folder dataset needs --labels labels.csv")
        ds = _open_folder(spec, root, task or "multilabel", Path(labels), labs, split_file, seed,
                          val_frac, test_frac, label_map)
    if not ds.items:
        raise DatasetError(f"{spec}: no labelled records for task {ds.task!r}")
    logger.info("dataset %s", ds.summary())
    return ds


def _refuse_options_of_other_kinds(spec: str, kind: str, **given) -> None:
    """Refuse a table the dataset's kind does not read. ``challenge:ROOT --labs labs.csv`` had trained
    and shipped a model without a lab value, saying nothing (the Challenge reader takes age and sex
    from the headers only), and ``--labels`` or ``--label-map`` given to a kind that does not read
    them were dropped the same way."""
    reads = {"ptbxl": (), "challenge": ("label_map",), "folder": ("labels", "labs", "label_map")}[kind]
    unread = [name for name, value in given.items() if value is not None and name not in reads]
    if not unread:
        return
    flags = " and ".join("--" + name.replace("_", "-") for name in unread)
    how = {"ptbxl": "PTB-XL's labels come from its ptbxl_database.csv and scp_statements.csv",
           "challenge": "a Challenge dataset's labels are the headers' #Dx codes and its clinical values "
                        "their #Age and #Sex"}[kind]
    raise DatasetError(f"{spec}: {flags} {'is' if len(unread) == 1 else 'are'} not read for a {kind} dataset "
                       f"({how}); to train on your own labels or labs table, give the records as "
                       f"folder:ROOT --labels labels.csv [--labs labs.csv]")


# --------------------------------------------------------------------------- Challenge

def read_label_map(path: str | Path) -> dict[str, str]:
    """Label map CSV -> {snomed_ct code: class name}. Columns: snomed_ct, class (others ignored)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: label map not found")
    with io.StringIO(_table_text(path), newline="") as f:
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


def header_values(hea: Path) -> dict:
    """The clinical values a record's header carries, read as ``mirage score``, ``mirage report`` and
    the app read them from the loaded record (``clinical.record_values`` of ``records.load_header``:
    Challenge ``#Age``/``#Sex``, LUDB ``#<age>``/``#<sex>``, PTB-XL's table), so that a model meets
    the same inputs in training as in use. {} when the header cannot be read (the cache then skips
    the record, naming why)."""
    try:
        return record_values(load_header(hea))
    except RecordError:
        return {}


def _record_id(root: Path, header: Path) -> str:
    return labs_record_id(header, root)


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
        own = header_values(hea)
        items.append(Item(_record_id(root, hea), hea, labs, {"age": own.get("age"), "sex": own.get("sex")}))
    classes = sorted({c for it in items for c in it.labels})
    _assign_splits(items, split_file, seed, val_frac, test_frac)
    lmap_hash = hashlib.sha256(lmap_path.read_bytes()).hexdigest()[:16]
    return Dataset(spec, "challenge", root, task, task, classes, items, ["age", "sex"],
                   identity={"kind": "challenge", "root": str(root.resolve()), "labelmap": lmap_hash})


# --------------------------------------------------------------------------- folder

def _table_text(path: Path) -> str:
    """A user's CSV table as text (``clinical.read_table_text``: UTF-8, a non-UTF-8 file refused
    naming its line)."""
    try:
        return clinical.read_table_text(path)
    except clinical.LabsTableError as err:
        raise DatasetError(str(err)) from None


class _Rows(list):
    """A table's data rows (dicts by column name), with ``lines``: the file's line of each."""

    lines: list[int]


def _read_table(path: Path) -> _Rows:
    """A labels table or a split file as rows of {column: cell}; ``rows.lines`` holds each row's line
    in the file (a first line "sep=;", Excel's separator declaration, is honoured and counted).

    Raises:
        DatasetError: no such file, not UTF-8, no rows, or a row with more cells than the header has
            columns (naming its line).
    """
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    text = _table_text(path)
    first, _, rest = text.partition("\n")
    top, sep = clinical.separator_line(first.rstrip("\r"))
    if top:
        text = rest
    try:
        # the header line says the separator best: a row with a stray cell, or "NORM;MI" cells in a
        # comma-separated table, had misled a sniff over the whole text
        dialect = csv.Sniffer().sniff(text.partition("\n")[0], delimiters=",;\t")
    except csv.Error:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
    if sep:
        dialect = type("_Declared", (csv.excel,), {"delimiter": sep})
    f = io.StringIO(text, newline="")
    reader = csv.reader(f, dialect)
    header = next(reader, [])
    # columns without a name (a spreadsheet's trailing "record_id,AF,,") each keep their own key,
    # blank as their name ("", " ", ...: strip() gives ""), so a cell in one is not hidden by the next
    names = [h if h.strip() else " " * j for j, h in enumerate(header)]
    rows = _Rows()
    rows.lines = []
    for cells in reader:
        line = reader.line_num + top
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
            # the cells past the header had gone under a key None, and the run ended on an AttributeError
            raise DatasetError(f"{path}, line {line}: {len(cells)} cells but the header has {len(names)} "
                               f"columns ({', '.join(repr(h) for h in header)})")
        if not cells:
            continue
        rows.append(dict(zip(names, cells + [""] * (len(names) - len(cells)))))
        rows.lines.append(line)
    if not rows:
        raise DatasetError(f"{path}: no rows")
    return rows


def _trailing_parts(record_id: str) -> list[str]:
    """"siteA/1" -> ["siteA/1", "1"]: the ids a labels row may name the record by."""
    parts = record_id.split("/")
    return ["/".join(parts[k:]) for k in range(len(parts))]


def table_record_id(cell: str | None) -> str:
    """A record id as a labels table or a split file writes it -> the id records are named by
    (``labs_record_id``): blanks around dropped, Windows' backslashes read as "/" (``siteA\\1``, as a
    table written on Windows names ``siteA/1``; every row had fitted no record), and a WFDB or
    Challenge file's extension dropped (``1.hea`` -> ``1``)."""
    rid = (cell or "").strip().replace("\\", "/")
    return Path(rid).with_suffix("").as_posix() if rid.endswith((".hea", ".mat", ".dat")) else rid


# how people write the splits ("Validation", "training")
SPLIT_SPELLINGS = {"validation": "val", "valid": "val", "dev": "val", "training": "train", "testing": "test"}


def _id_column(path: Path, columns) -> str:
    """The record id column: one named record_id, record, id, ecg_id, filename or file, else the first
    column, as a labs table reads it ("ECG-Nr", "Patient ID": a spreadsheet's own name had been refused
    in a labels table while the labs table beside it took it), unless that one is the labels or split."""
    columns = list(columns)
    for c in columns:
        if c.strip().lower() in ("record_id", "record", "id", "ecg_id", "filename", "file"):
            return c
    if columns and columns[0].strip() and columns[0].strip().lower() not in ("labels", "label", "split"):
        return columns[0]
    raise DatasetError(f"{path}: no record id column (name the first column record_id); columns are {columns}")


def _open_folder(spec, root, task, labels_path, labs_path, split_file, seed, val_frac, test_frac,
                 label_map=None) -> Dataset:
    if task not in ("multilabel", "multiclass"):
        raise DatasetError(f"folder datasets take task multilabel or multiclass, not {task!r}")
    # a labels table written with SNOMED-CT codes ("426783006"), or with codes and names mixed: the
    # map names the codes, so that "426783006" and "Sinus rhythm" train as one class
    lmap = read_label_map(label_map) if label_map else {}
    rows = _read_table(labels_path)
    id_col = _id_column(labels_path, rows[0].keys())
    lower = {c.strip().lower(): c for c in rows[0].keys()}
    label_col = lower.get("labels") or lower.get("label")
    split_col = lower.get("split")
    # a column without a name is a spreadsheet's trailing empty column ("record_id,AF,,"), not a class
    class_cols = [c for c in rows[0].keys() if c not in (id_col, label_col, split_col) and c is not None
                  and c.strip()] if not label_col else []
    headers = _find_headers(root)
    by_id: dict[str, Path] = {}
    stems: dict[str, list[str]] = {}
    for hea in headers:
        rid = _record_id(root, hea)
        by_id.setdefault(rid, hea)
        by_id.setdefault(hea.stem, hea)
        stems.setdefault(hea.stem, []).append(rid)
    labels_by_id: dict[str, tuple[str, ...]] = {}
    split_by_id: dict[str, str] = {}
    line_of: dict[str, int] = {}
    spelled: dict[str, tuple[str, int]] = {}       # a class name in lower case -> (as first written, line)
    for n, row in zip(rows.lines, rows):
        rid = table_record_id(row[id_col])
        if not rid:
            continue
        if rid in line_of:
            # a second row for one record had silently replaced the first (its labels and its split:
            # a record moved from train to test); which row is right is not ours to guess
            raise DatasetError(f"{labels_path}, line {n}: record {rid!r} appears twice (also on line "
                               f"{line_of[rid]}); give each record one row")
        line_of[rid] = n
        if label_col:
            labs = tuple(sorted({s.strip() for s in re.split(r"[;|]", row[label_col] or "") if s.strip()}))
            comma = next((c for c in labs if "," in c), None)
            if comma is not None:
                # "AF, LVH" (a quoted cell of a comma-separated file) had become one class "AF, LVH";
                # a class name may hold a comma, so which was meant is not ours to guess. In a table
                # whose columns are separated by ';' (a spreadsheet's export in a decimal-comma
                # locale) a ';' inside the cell would split the row: '|' there
                sep = "|" if ";" in _table_text(labels_path).partition("\n")[0] else ";"
                raise DatasetError(f"{labels_path}, line {n}: class {comma!r} holds a comma; separate "
                                   f"classes with {sep!r} ({sep.join(c.strip() for c in comma.split(','))}), "
                                   "or name the class without a comma")
        else:
            stray = [c for c in row if c is not None and not c.strip() and (row[c] or "").strip()]
            if stray:
                raise DatasetError(f"{labels_path}, line {n}: {row[stray[0]].strip()!r} stands in a column "
                                   "without a name; name the column (its class) or empty it")
            labs = []
            for c in class_cols:
                v = (row[c] or "").strip()
                if v not in ("", "0", "1", "0.0", "1.0"):
                    # a column of class names under another name ("Diagnosis") had read as a 0/1 class
                    # column, and the message said only that it must be 0 or 1
                    hint = ("" if re.fullmatch(r"[0-9.,+-]+", v) else
                            "; a column of class names must be named 'labels' (without one, every column "
                            "but the record id and 'split' is a class of 0/1 cells: leave other columns out)")
                    raise DatasetError(f"{labels_path}, line {n}: column {c} must be 0 or 1, found {v!r}{hint}")
                if v in ("1", "1.0"):
                    labs.append(c.strip())
            labs = tuple(labs)
        labs = tuple(sorted({lmap.get(c, c) for c in labs}))
        for c in labs:
            first = spelled.setdefault(" ".join(c.split()).casefold(), (c, n))
            if first[0] != c:
                # 'NORM' and 'norm' had become two classes, each learnt from part of its records; so had
                # 'Sinus rhythm' and 'Sinus  rhythm' (two blanks, as free text typed in a spreadsheet)
                raise DatasetError(f"{labels_path}, line {n}: class {c!r} differs from {first[0]!r} (line "
                                   f"{first[1]}) only in case or blanks; write each class one way")
        labels_by_id[rid] = labs
        if split_col and (row[split_col] or "").strip():
            s = row[split_col].strip().lower()
            s = SPLIT_SPELLINGS.get(s, s)
            if s not in SPLITS:
                raise DatasetError(f"{labels_path}, line {n}: split must be train, val or test, found {s!r}")
            split_by_id[rid] = s
    lab_values: dict[str, dict] = {}
    clinical_names: list[str] = []
    labs_match = None
    if labs_path:
        lab_values, clinical_names = _read_labs(Path(labs_path))
        # a record's row as mirage score and mirage report find it: by its path in the folder
        # ("siteA/1"), else by a shorter trailing part ("1") that fits no other record
        labs_match = match_labs_rows(lab_values, (_record_id(root, h) for h in headers))
    items = []
    missing_files = []
    ambiguous: list[str] = []
    unlabelled: list[str] = []
    header_fields: set[str] = set()
    labelled: dict[str, str] = {}                 # record's path id -> the id of the row that labelled it
    no_row: list[str] = []                        # labelled records the labs table has no row for
    disagree: list[str] = []                      # records whose labs row and header differ in age or sex
    for rid, labs in labels_by_id.items():
        # a row of 0/1 columns that are all 0 is a labelled negative (no AF, no BRADY), kept in a
        # multilabel task; it had been left out, silently, so that a one-column table (AF 0/1)
        # trained on its positives alone. An empty `labels` cell, or a multiclass row with no
        # class, says nothing: such rows are left out, and counted
        if not labs and (label_col or task == "multiclass"):
            unlabelled.append(rid)
            continue
        if task == "multiclass" and len(labs) != 1:
            raise DatasetError(f"{labels_path}: record {rid} has {len(labs)} labels; multiclass needs exactly one")
        hea = by_id.get(rid)
        if hea is None:
            missing_files.append(rid)
            continue
        if _record_id(root, hea) != rid and len(stems.get(rid, ())) > 1:
            # a row keyed by a file name that two records of the folder share (siteA/1, siteB/1): it had
            # labelled the first found and left the other out, silently; as labs rows, it labels neither
            raise DatasetError(f"{labels_path}: row {rid!r} fits {len(stems[rid])} records "
                               f"({', '.join(stems[rid][:5])}); name each record by its path in the folder "
                               f"(e.g. {stems[rid][0]!r})")
        path_id = _record_id(root, hea)
        if path_id in labelled:
            # one record named two ways ('siteA/1' and '1'): it had become two items, which could
            # fall into different splits (the same ECG in training and in test)
            other = labelled[path_id]
            raise DatasetError(f"{labels_path}, line {line_of[rid]}: row {rid!r} names the record {path_id!r} "
                               f"that line {line_of[other]} ({other!r}) names already; give each record one row")
        labelled[path_id] = rid
        clin = {}
        if labs_match is not None:
            if path_id in labs_match.ambiguous:
                ambiguous.append(f"{path_id}: {labs_match.ambiguous[path_id]}")
            elif labs_match.row_id(path_id) is not None:
                clin = dict(lab_values[labs_match.row_id(path_id)])
            else:
                no_row.append(path_id)
        differs = []
        for name, value in header_values(hea).items():     # the labs table wins
            if name not in clin:
                clin[name] = value
                header_fields.add(name)
            elif differ := header_disagreement(name, value, clin[name]):
                differs.append(differ)
        if differs:
            disagree.append(f"{path_id}: {', '.join(differs)}")
        items.append(Item(rid, hea, labs, clin, split_by_id.get(rid, "")))
    if missing_files and not items and headers:
        # every row named no record: the run had ended on "no labelled records for task 'multilabel'",
        # which said nothing of the ids
        raise DatasetError(f"{labels_path}: none of its {len(missing_files)} rows names a record under {root} "
                           f"(ids such as {', '.join(repr(r) for r in missing_files[:3])}); name each record by "
                           f"its path in the folder without the extension, e.g. "
                           f"{_record_id(root, headers[0])!r}"
                           f"{near_miss_text(missing_files, (_record_id(root, h) for h in headers))}")
    if missing_files:
        logger.warning("%s: %d labelled records have no header under %s (first: %s)%s", labels_path,
                       len(missing_files), root, ", ".join(missing_files[:5]),
                       near_miss_text(missing_files, (_record_id(root, h) for h in headers)))
    # records in the folder that no row of the table names: they had been left out in silence (a
    # researcher's 70 ECGs trained as 65, nothing said which or why)
    rowless = [rid for rid in (_record_id(root, h) for h in headers)
               if rid not in labelled and not any(t in labels_by_id for t in _trailing_parts(rid))]
    if rowless:
        logger.warning("%s: %d of %d records under %s have no row in it and are not used (first: %s)",
                       labels_path, len(rowless), len(headers), root, ", ".join(rowless[:5]))
    if disagree:
        # the table's value is used; a sex or an age that differs from the ECG's own header may be
        # another patient's row (a mix-up), which had gone unsaid
        logger.warning("%s: %d records' rows differ from their headers in age or sex; the table's "
                       "values are used (first: %s)", labs_path, len(disagree), "; ".join(disagree[:3]))
    if unlabelled:
        what = f"an empty {label_col!r} cell" if label_col else "no class column set to 1 (multiclass needs one)"
        logger.warning("%s: %d rows have %s and are left out (first: %s)", labels_path, len(unlabelled),
                       what, ", ".join(unlabelled[:5]))
    if ambiguous:
        raise DatasetError(f"{labs_path}: {len(ambiguous)} records' labs rows are ambiguous (first: "
                           f"{'; '.join(ambiguous[:3])})")
    if split_by_id and all(it.split for it in items):
        pass
    else:
        _assign_splits(items, split_file, seed, val_frac, test_frac, keep_existing=bool(split_by_id))
    classes = sorted({c for it in items for c in it.labels})
    if items and not classes:
        raise DatasetError(f"{labels_path}: no record found under {root} carries a class (every class "
                           "column is 0 or empty)")
    never = [c.strip() for c in class_cols if lmap.get(c.strip(), c.strip()) not in classes]
    if never:
        logger.warning("%s: class column(s) %s have no 1 in any record found and are not trained",
                       labels_path, ", ".join(never))
    if labs_match is not None:
        _check_labs(Path(labs_path), lab_values, labs_match, clinical_names, items, no_row,
                    [_record_id(root, h) for h in headers])
    clinical_names = [n for n in RECORD_FEATURES if n in header_fields and n not in clinical_names] + clinical_names
    _warn_codes(labels_path, classes, label_map)
    ident = {"kind": "folder", "root": str(root.resolve()),
             "labels": hashlib.sha256(labels_path.read_bytes()).hexdigest()[:16],
             **({"labelmap": hashlib.sha256(Path(label_map).read_bytes()).hexdigest()[:16]} if label_map else {})}
    return Dataset(spec, "folder", root, task, task, classes, items, clinical_names, identity=ident)


def _warn_codes(labels_path: Path, classes: list[str], label_map) -> None:
    """Warn of classes written as codes beside classes written as names (or codes a label map does not
    name): "426783006" and "Sinus rhythm" had trained as two classes, each on part of its records."""
    codes = [c for c in classes if re.fullmatch(r"[0-9]{6,18}", c)]
    if not codes or (len(codes) == len(classes) and not label_map):
        return
    shown = ", ".join(codes[:5]) + (" ..." if len(codes) > 5 else "")
    if label_map:
        logger.warning("%s: %d classes look like SNOMED-CT codes that %s does not name (%s); each trains "
                       "as a class of its own", labels_path, len(codes), Path(label_map).name, shown)
    else:
        logger.warning("%s: %d of %d classes look like SNOMED-CT codes (%s) beside classes written as names; "
                       "each trains as a class of its own: --label-map FILE.csv (columns snomed_ct,class; "
                       "a row such as '426783006,Sinus rhythm') names them", labels_path, len(codes),
                       len(classes), shown)


def _check_labs(path: Path, lab_values: dict, match, names: list[str], items: list[Item],
                no_row: list[str] = (), record_ids=()) -> None:
    """Say what a labs table gives the training split. A table without rows, or none of whose rows
    fits a record (ids as "1.hea" or "ecg_1"), is an error: --labs would then train a "labs" model on no lab
    value at all. Rows that fit no record, labelled records without a row (``no_row``: their labs
    are masked as missing; a table cut short or half its ids misspelt had said nothing), and a lab
    feature with no value in the training split (the model cannot learn it; the checkpoint keeps
    its prior statistics), are warnings: a lab measured for a few records only may be left in on
    purpose.

    Raises:
        DatasetError: the table has no row, or none that fits a record under the dataset's folder.
    """
    if not lab_values:
        raise DatasetError(f"{path}: no rows under its header: --labs would train a labs model without a "
                           "lab value; give the table's rows or leave --labs out")
    if len(match.unmatched) == len(lab_values):
        raise DatasetError(f"{path}: none of its {len(lab_values)} rows fits a record (ids such as "
                           f"{', '.join(repr(r) for r in match.unmatched[:3])}); name each record by "
                           "its path in the folder without the extension, e.g. 'siteA/1' or '1'"
                           f"{near_miss_text(match.unmatched, record_ids)}")
    if match.unmatched:
        logger.warning("%s: %d of %d rows fit no record and are not used (first: %s)%s", path,
                       len(match.unmatched), len(lab_values), ", ".join(match.unmatched[:5]),
                       near_miss_text(match.unmatched, record_ids))
    if no_row:
        logger.warning("%s: %d of %d labelled records have no row: every lab of theirs is masked as "
                       "missing (first: %s)", path, len(no_row), len(items), ", ".join(no_row[:5]))
    train = [it for it in items if it.split == "train"]
    if not train:
        return
    empty = [n for n in names if not any(it.clinical.get(n) is not None for it in train)]
    for name in empty:
        logger.warning("%s: %s has no value in the training split (%d records); the model cannot "
                       "learn it", path, name, len(train))


def _read_labs(path: Path) -> tuple[dict[str, dict], list[str]]:
    """labs.csv -> ({record id: {feature: value or (value, unit)}}, feature names).

    Uses ``clinical.read_labs_table`` (the one reader of lab tables) when the library has it.
    """
    reader = getattr(clinical, "read_labs_table", None)
    if reader is None:
        raise DatasetError(f"{path}: this version of mirage_model cannot read lab tables (no read_labs_table)")
    try:
        table = reader(path)
    except clinical.LabsTableError as err:       # already "FILE, line N, column C: ..."
        raise DatasetError(str(err)) from err
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
