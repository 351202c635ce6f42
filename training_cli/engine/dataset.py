"""What a training set is: an ordered list of :class:`Item` (record path, labels, clinical values,
split) plus the class list, so the cache, training and evaluation never care where the records came
from (``engine.datasets`` opens them from PTB-XL, Challenge or folder layouts)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from training_cli.engine.errors import DataError


SPLITS = ("train", "val", "test")


class DatasetError(DataError, ValueError):
    """A dataset that cannot be opened; ``str()`` names the file and the problem."""


def refuse_ambiguous(path, kind: str, why: dict[str, str]) -> None:
    """Refuse a ``kind`` table ("labels", "labs") whose rows are ambiguous for some records (``why``: {record id:
    why}), naming the first three: "labs.csv: 1 record's labs row is ambiguous (1: labs row '1' fits ...)".

    Raises:
        DatasetError: where ``why`` names a record.
    """
    if why:
        one = len(why) == 1
        whose = f"1 record's {kind} row is" if one else f"{len(why)} records' {kind} rows are"
        said = "; ".join(f"{rid}: {w}" for rid, w in list(why.items())[:3])
        raise DatasetError(f"{path}: {whose} ambiguous ({'' if one else 'first: '}{said})")


@dataclass
class Item:
    """One record of a dataset.

    Attributes:
        record_id: unique id inside the dataset (PTB-XL: ecg_id as text; others: path stem
            relative to ROOT, e.g. "G12EC/E00009").
        path: the header (.hea) path, the record stem or a clinical-format file that ``io.load_record`` accepts.
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
        split_info: how the splits were made (``splits.SplitInfo``; None for PTB-XL's folds).
        left_out: what a folder dataset's tables and records, or a Challenge dataset's labels, left out
            (``left_out.kinds_left_out``), for the model card: {kind: {"count": n, "first": [up to 3 ids or
            names]}}; {} for PTB-XL.
        labs_rows: a folder dataset's labs table as read ({row id: {feature: (value, unit)}}; a reading that
            refuses the table for any bad row or cell), for a command that finds each record's row itself as
            mirage score does (mirage interpretation: ``batch.labs_lookup``) without reading the table again.
        labs_patient_first: the header of the labs table's first column when it names patients
            (``clinical.read_labs_table``'s ``patient_first``), else None.
        descriptions: class -> the words the data gives it (a label map's ``description``: "QAb" -> "qwave
            abnormal"), recorded in the checkpoint for the app, PDF and CLI; {} where it gives none.
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
    split_info: object = None
    left_out: dict = field(default_factory=dict)
    labs_rows: dict = field(default_factory=dict)
    labs_patient_first: str | None = None
    descriptions: dict = field(default_factory=dict)

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
        return replace(self, classes=list(self.classes), items=kept, clinical_names=list(self.clinical_names),
                       identity=dict(self.identity, limit=n))

    def only(self, splits) -> "Dataset":
        """A copy holding the records of ``splits`` alone, in the same order (what a command reads:
        ``evaluate --split val`` never opens a test record)."""
        splits = tuple(splits)
        if all(it.split in splits for it in self.items):
            return self
        kept = [it for it in self.items if it.split in splits]
        return replace(self, classes=list(self.classes), items=kept, clinical_names=list(self.clinical_names),
                       identity=dict(self.identity))

    def drop(self, record_ids: set[str]) -> "Dataset":
        """A copy without the given records (those that failed to load)."""
        if not record_ids:
            return self
        kept = [it for it in self.items if it.record_id not in record_ids]
        return replace(self, classes=list(self.classes), items=kept, clinical_names=list(self.clinical_names),
                       identity=dict(self.identity))

    def summary(self) -> str:
        counts = {s: int((np.array([it.split for it in self.items]) == s).sum()) for s in SPLITS}
        return (f"{self.kind} {self.task} ({self.task_type}, {len(self.classes)} classes): "
                f"{len(self.items)} records, train {counts['train']} / val {counts['val']} / test {counts['test']}")
