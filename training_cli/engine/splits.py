"""The train/val/test split of a Challenge or folder dataset: a split file (``record_id,split``) or a
seeded split, the same on any machine for one seed. (A folder dataset's ``split`` column is read with
its labels table, ``folder``; PTB-XL keeps its official folds, ``ptbxl``.)

The seeded split is iterative stratification (Sechidis, Tsoumakas and Vlahavas 2011, "On the
stratification of multi-label data", ECML PKDD), the method behind PTB-XL's ``strat_fold``, applied
to patients rather than records where the labels table names them (``PATIENT_COLUMNS``,
``--group-by``): every record of a patient lands in one split, and each split gets its share of
every class's positive patients. Two additions to the paper, for small data: a class with at least as
many positive patients as there are splits asks the validation and test splits for one positive at
least (with 3 positives the paper's quotas, 0.3 each, gave all three to training), and where the
greedy deal still leaves such a class without a validation or test positive, one of its training
patients moves there (``_repair``). The split before stratification
(``split_method="random"``, a seeded permutation of the records) is kept for runs and models made
with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mirage_model.clinical.labs import PATIENT_COLUMNS, folded_column
from training_cli.engine.dataset import SPLITS, DatasetError, Item
from training_cli.engine.tables import id_column, read_table, table_record_id

# how people write the splits ("Validation", "training")
SPLIT_SPELLINGS = {"validation": "val", "valid": "val", "dev": "val", "training": "train", "testing": "test"}

# PATIENT_COLUMNS (imported from clinical.labs: a labs table may carry one too) are the columns read
# as the patient's id, compared without case, blanks, '-', '_' or '.' ("Patient ID", "patient-id",
# "PatientID" are one); a table with two of them is refused (--group-by).

# --group-by's value for a split by record whatever columns the table has
BY_RECORD = "record"
SPLIT_METHODS = ("stratified", "random")


def patient_column(columns, path: Path, group_by: str | None = None, taken=(), required: bool = True) -> str | None:
    """The column of ``columns`` (a labels or labs table's header) that names each record's patient.

    Args:
        columns: the table's column names. path: the table, for messages.
        group_by: ``--group-by``: a column's name (matched as ``PATIENT_COLUMNS`` are), ``"record"``
            for none, or None to look for ``PATIENT_COLUMNS``.
        taken: columns that are something else (the record id, the labels, the split).
        required: False: None where ``group_by`` names no column of this table (another table may
            have it).

    Raises:
        DatasetError: ``group_by`` names no column (``required``), or two columns are patient columns.
    """
    every = [c for c in columns if c is not None and c.strip()]
    columns = [c for c in every if c not in taken]
    if group_by is not None and folded_column(group_by) == BY_RECORD:
        return None
    if group_by is not None:
        found = [c for c in columns if folded_column(c) == folded_column(group_by)]
        if not found and any(folded_column(c) == folded_column(group_by) for c in every):
            raise DatasetError(f"{path}: --group-by {group_by}: that column is the record id, the labels or the "
                               "split; name the column of patient ids")
        if not found and not required:
            return None
        if not found:
            raise DatasetError(f"{path}: --group-by {group_by}: no such column (columns: {', '.join(every)}); "
                               f"name the column of patient ids, or --group-by {BY_RECORD} to split by record")
        return found[0]
    known = [folded_column(n) for n in PATIENT_COLUMNS]
    found = [c for c in columns if folded_column(c) in known]
    if len(found) > 1:
        raise DatasetError(f"{path}: columns {' and '.join(repr(c) for c in found)} both read as patient ids; "
                           f"name the one to split by with --group-by")
    return found[0] if found else None


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


@dataclass
class SplitInfo:
    """How a dataset was split, for the run log and the model card (``describe``).

    Attributes:
        method: "split file", "stratified", "random" (the split before stratification), "column"
            (a labels table's split column for every record) or "ptbxl".
        seed: the seed of a seeded split.
        group_column: the column read as the patient id (None: split by record).
        table: the labels table's file name. groups: patients (or records) split.
        most_per_group: the most records of one patient.
        sparse: classes with fewer positive patients than there are splits -> their number.
        missing: classes without a positive record in validation or test -> those splits.
        across: patients whose records lie in more than one split (a split file or column put them so).
        looked_for: whether a patient column was looked for and none found.
        split_table: the table whose split column gave splits ("" when none did).
    """

    method: str
    seed: int = 0
    group_column: str | None = None
    table: str = ""
    groups: int = 0
    most_per_group: int = 1
    sparse: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    across: int = 0
    looked_for: bool = False
    split_table: str = ""

    def _per_patient(self) -> str:
        """"at most 3 records each"; "1 record each" where no patient has two (it had read "at most 1 records
        each" in the log and the model card)."""
        if self.most_per_group == 1:
            return "1 record each"
        return f"at most {self.most_per_group} records each"

    def describe(self, with_column: bool = True) -> str:
        """The split in words, with ``notes`` (the checkpoint's provenance "splits" ends with it); a
        split column that left records to the seed or a split file is named first (``with_column``)."""
        if self.method == "random":
            text = f"seeded random split (seed {self.seed})"
        elif self.method == "stratified":
            if self.group_column:
                text = (f"stratified split by patient (seed {self.seed}; column {self.group_column} of {self.table}: "
                        f"{self.groups} patients, {self._per_patient()})")
            else:
                text = f"stratified split by record (seed {self.seed})"
        else:
            text = {"column": f"the split column of {Path(self.split_table).name or self.table or 'the labels table'}",
                    "split file": "the split file"}.get(self.method, self.method)
        if with_column and self.split_table and self.method != "column":
            text = f"the split column of {Path(self.split_table).name}; records without one: {text}"
        return text + self.notes()

    def notes(self) -> str:
        """What a reader of the figures should know of the split: no patient column, patients in two
        splits, classes without a validation or test positive ("" when nothing)."""
        text = ""
        if self.looked_for and not self.group_column and self.method in SPLIT_METHODS:
            text += (f"; no patient column in {self.table or 'the labels table'} (looked for "
                     f"{', '.join(PATIENT_COLUMNS[:4])} ..., or --group-by): records of one patient may lie in "
                     "different splits")
        if self.across:
            text += f"; {self.across} patients have records in more than one split"
        if self.missing:
            who = "patient" if self.group_column else "record"

            def few(c):
                n = self.sparse.get(c)
                return "" if n is None else f" (only {n} positive {who}{'' if n == 1 else 's'})"

            text += "; no positive " + ", ".join(f"{c} in {' or '.join(s)}{few(c)}" for c, s in self.missing.items())
        return text


def iterative_stratification(groups: list[str], labels: list[tuple[str, ...]], seed: int,
                             fractions: dict[str, float]) -> dict[str, str]:
    """Split groups of records so that each split holds its fraction of the records and of every
    class's positive groups (Sechidis et al. 2011, Algorithm 1, on groups: a group's size is its
    number of records; it is a positive of every class one of its records carries).

    Deterministic for a seed on any machine: groups and classes are visited in sorted order, ties
    drawn from ``numpy.random.default_rng(seed)``; no set or dict order is used.

    Args:
        groups: each record's group (patient) id. labels: each record's classes.
        seed: the seed of the tie draws. fractions: split -> fraction of the records.

    Returns:
        group id -> split.
    """
    names = list(fractions)                                       # the splits, in a fixed order
    keys = sorted(set(groups))
    gi = {k: i for i, k in enumerate(keys)}
    classes = sorted({c for ls in labels for c in ls})
    ci = {c: i for i, c in enumerate(classes)}
    G, K, S = len(keys), len(classes), len(names)
    counts = np.zeros((G, K), dtype=np.int64)                     # (G, K) records of each class per group
    size = np.zeros(G, dtype=np.int64)                            # (G,) records per group
    for g, ls in zip(groups, labels):
        size[gi[g]] += 1
        for c in ls:
            counts[gi[g], ci[c]] += 1
    # a class's quotas count patients, not records: in records, a patient with 5 records of a class
    # filled the training split's quota alone and the rest followed it there (a class of 5 positive
    # patients, 15 records, had no validation positive in 15 of 20 seeds)
    counts = (counts > 0).astype(np.int64)                        # (G, K) 1: the group has the class
    frac = np.array([fractions[s] for s in names], dtype=np.float64)
    want = frac * size.sum()                                      # (S,) records each split still wants
    want_c = np.outer(frac, counts.sum(0))                        # (S, K) positive groups each split still wants
    enough = counts.sum(0) >= S
    small = [j for j, s in enumerate(names) if s != "train"]
    if small and "train" in names:
        # a class with a positive patient per split asks each small split for one at least
        want_c[np.ix_(small, np.flatnonzero(enough))] = np.maximum(want_c[np.ix_(small, np.flatnonzero(enough))], 1.0)
        want_c[names.index("train")] = counts.sum(0) - want_c[small].sum(0)
    rng = np.random.default_rng(seed)
    order = rng.permutation(G)                                    # the order groups are dealt in
    left = np.ones(G, dtype=bool)
    out = np.full(G, -1, dtype=np.int64)
    while left.any():
        remaining = counts[left].sum(0)                           # (K,) positives not yet dealt
        live = np.flatnonzero(remaining > 0)
        label = live[np.argmin(remaining[live])] if live.size else None   # the rarest class (ties: first by name)
        for g in order:
            if not left[g] or (label is not None and counts[g, label] == 0):
                continue
            best = np.arange(S) if label is None else np.flatnonzero(want_c[:, label] == want_c[:, label].max())
            if len(best) > 1:
                best = best[want[best] == want[best].max()]
            j = int(best[0] if len(best) == 1 else rng.choice(best))
            out[g], left[g] = j, False
            want[j] -= size[g]
            want_c[j] -= counts[g]
    if "train" in names:
        _repair(out, counts, size, names.index("train"), small)
    if G >= S:
        # a split left without a group (no class had a positive per split): the smallest group of the
        # largest split moves there, so that no split is empty
        for j in range(S):
            if not (out == j).any():
                donor = int(np.argmax([(out == k).sum() for k in range(S)]))
                pool = np.flatnonzero(out == donor)
                out[pool[np.argmin(size[pool])]] = j
    return {k: names[out[i]] for i, k in enumerate(keys)}


def _repair(out: np.ndarray, counts: np.ndarray, size: np.ndarray, train: int, small: list[int]) -> None:
    """Give each small split a positive of every class that has a positive group per split, where the
    greedy deal left it none: one of the class's training groups moves there (the smallest, whose
    classes keep a positive in training). With few patients that each carry several classes, the
    deal had placed all of a class's groups while serving rarer classes, before its own turn.

    Args:
        out: (G,) each group's split index, changed in place. counts: (G, K) 0/1 classes per group.
        size: (G,) records per group. train: the training split's index. small: the other splits'.
    """
    S = len(small) + 1
    for k in np.argsort(counts.sum(0), kind="stable"):            # the rarest class first
        if counts[:, k].sum() < S:
            continue
        for j in small:
            if (counts[out == j, k] > 0).any():
                continue
            in_train = counts[out == train].sum(0)                 # (K,) positive groups left in training
            pool = [g for g in np.flatnonzero((out == train) & (counts[:, k] > 0))
                    if (in_train[counts[g] > 0] >= 2).all()]
            if pool:
                out[min(pool, key=lambda g: (size[g], g))] = j


def random_split(items: list[Item], seed: int, val_frac: float, test_frac: float) -> None:
    """The split of runs made before stratification: a seeded permutation of the records in id order."""
    order = sorted(range(len(items)), key=lambda i: items[i].record_id)
    perm = np.random.default_rng(seed).permutation(len(order))
    n = len(order)
    n_test = int(round(n * test_frac))
    n_val = int(round(n * val_frac))
    if n >= 3:
        n_test, n_val = max(n_test, 1), max(n_val, 1)
    for rank, p in enumerate(perm):
        it = items[order[p]]
        it.split = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"


def assign_splits(items: list[Item], split_file, seed: int, val_frac: float, test_frac: float,
                  keep_existing: bool = False, patients: dict[str, str] | None = None,
                  method: str = "stratified", group_column: str | None = None, table: str = "",
                  looked_for: bool = False, split_table: str = "") -> SplitInfo:
    """Give each item its split: from ``split_file``, else seeded (``method``), keeping an item's
    own split with ``keep_existing`` (a labels table's split column: it comes first, and the split
    file or the seed decide only the items it leaves without one).

    Args:
        patients: record id -> patient id (records missing from it are a patient of their own).
        method: "stratified" (iterative stratification by patient) or "random" (the earlier split).
        group_column, table, looked_for: for ``SplitInfo``.
        split_table: the table of the split column (``keep_existing``), for messages.

    Returns:
        How the split was made.

    Raises:
        DatasetError: the split file gives an item another split than its own (``keep_existing``), or
            leaves items without a split (counting them).
    """
    patients = patients or {}
    group = {it.record_id: patients.get(it.record_id) or f"\0{it.record_id}" for it in items}
    info = SplitInfo("split file" if split_file else method, seed, group_column, table, looked_for=looked_for,
                     split_table=split_table if keep_existing else "")
    if split_file:
        table_splits = read_split_file(split_file)
        none: list[str] = []
        kept = 0
        for it in items:
            s = table_splits.get(it.record_id) or table_splits.get(Path(it.record_id).name)
            if keep_existing and it.split:
                # the split column comes first; a file that moves the record elsewhere had overridden
                # it in silence (or been ignored in silence, where the column gave every record one)
                if s is not None and s != it.split:
                    raise DatasetError(f"{split_file}: record {it.record_id!r} is {s!r} there but {it.split!r} in "
                                       f"the split column of {split_table or 'the labels table'}; give each record "
                                       "one split (empty the column's cells or leave the record out of the file)")
                kept += 1
                continue
            if s is None:
                none.append(it.record_id)
            else:
                it.split = s
        if none:
            column = f" nor in the split column of {split_table or 'the labels table'}" if keep_existing else ""
            raise DatasetError(f"{split_file}: {len(none)} of {len(items)} records have no split there{column} "
                               f"(first: {', '.join(none[:5])}); give every record a split")
        if kept == len(items):
            info.method = "column"
    elif method == "column":
        pass                                       # every record has its split from the labels table
    elif method == "random":
        random_split([it for it in items if not (keep_existing and it.split)], seed, val_frac, test_frac)
    elif method == "stratified":
        fixed: dict[str, set[str]] = {}
        for it in items:
            if keep_existing and it.split:
                fixed.setdefault(group[it.record_id], set()).add(it.split)
        todo = [it for it in items if not (keep_existing and it.split)]
        for it in todo:
            # a patient some of whose records the split column places: the rest go with them
            known = fixed.get(group[it.record_id], set())
            it.split = next(iter(known)) if len(known) == 1 else ""
        todo = [it for it in todo if not it.split]
        dealt = iterative_stratification([group[it.record_id] for it in todo], [it.labels for it in todo], seed,
                                         {"test": test_frac, "val": val_frac, "train": 1.0 - val_frac - test_frac})
        for it in todo:
            it.split = dealt[group[it.record_id]]
    else:
        raise DatasetError(f"split method {method!r}: use one of {', '.join(SPLIT_METHODS)}")
    per_group: dict[str, list[Item]] = {}
    for it in items:
        per_group.setdefault(group[it.record_id], []).append(it)
    info.groups = len(per_group)
    info.most_per_group = max((len(v) for v in per_group.values()), default=0)
    info.across = sum(len({it.split for it in v}) > 1 for v in per_group.values()) if group_column else 0
    classes = sorted({c for it in items for c in it.labels})
    for c in classes:
        owners = {g for g, v in per_group.items() if any(c in it.labels for it in v)}
        if len(owners) < len(SPLITS):
            info.sparse[c] = len(owners)
        lacking = [s for s in ("val", "test") if not any(c in it.labels and it.split == s for it in items)]
        if lacking:
            info.missing[c] = lacking
    return info


def split_digest(items: list[Item]) -> str:
    """A short hash of every record's split (in record id order): what a resumed run checks."""
    text = "\n".join(f"{it.record_id}\t{it.split}" for it in sorted(items, key=lambda it: it.record_id))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
