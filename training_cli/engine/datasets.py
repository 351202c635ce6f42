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
- ``folder:ROOT``: any records under ROOT that ``mirage score`` reads (WFDB, Challenge, clinical
  formats), with ``--labels labels.csv`` and optionally ``--labs labs.csv`` (the way a hospital
  group brings ECGs plus laboratory results). Splits by a ``split`` column in labels.csv, a split
  file, or a seed.

Every dataset resolves to a :class:`Dataset`: an ordered list of :class:`Item` (record path,
labels, clinical values, split) plus the class list, so the cache, training and evaluation never
care where the records came from.

(The kinds are opened by ``ptbxl``, ``challenge`` and ``folder``; the tables a user brings are read by
``tables``, the splits made by ``splits``, record headers read by ``headers``.)
"""

from __future__ import annotations

import logging
from pathlib import Path

from training_cli.engine.challenge import DEFAULT_CHALLENGE_LABELMAP, LABELMAP_DIR, open_challenge
from training_cli.engine.dataset import SPLITS, Dataset, DatasetError, Item
from training_cli.engine.folder import open_folder
from training_cli.engine.headers import header_values, read_header_comments
from training_cli.engine.ptbxl import open_ptbxl
from training_cli.engine.splits import SPLIT_SPELLINGS, read_split_file
from training_cli.engine.tables import read_label_map, table_record_id

# what callers import from here, wherever it is defined
__all__ = ["DEFAULT_CHALLENGE_LABELMAP", "LABELMAP_DIR", "SPLITS", "SPLIT_SPELLINGS", "Dataset", "DatasetError",
           "Item", "header_values", "open_dataset", "parse_spec", "read_header_comments", "read_label_map",
           "read_split_file", "table_record_id"]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- spec parsing

def parse_spec(spec: str) -> tuple[str, Path]:
    """"KIND:ROOT" -> (kind, root). Raises DatasetError with the accepted forms."""
    if not spec:
        raise DatasetError("no --data given: expected ptbxl:ROOT, challenge:ROOT or folder:ROOT")
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
                 test_frac: float = 0.1, group_by: str | None = None, split_method: str = "stratified") -> Dataset:
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
        split_file: CSV ``record_id,split`` (train/val/test) instead of the seeded split (folder
            datasets: for the records the labels table's split column leaves without one).
        seed, val_frac, test_frac: the seeded split (challenge/folder records without a split).
        group_by: folder datasets: the column of patient ids, in the labels table or else the labs
            table (default: the first of ``splits.PATIENT_COLUMNS`` found; "record": split by record).
        split_method: "stratified" (``splits.iterative_stratification``, by patient) or "random"
            (the split of runs made before it).

    Raises:
        DatasetError: missing files, unknown task, no labelled records (message names the file).
    """
    kind, root = parse_spec(spec)
    _refuse_options_of_other_kinds(spec, kind, labels=labels, labs=labs, label_map=label_map)
    if kind == "ptbxl":
        ds = open_ptbxl(spec, root, task or "superdiagnostic")
    elif kind == "challenge":
        ds = open_challenge(spec, root, task or "multilabel", label_map, split_file, seed, val_frac, test_frac,
                            split_method)
    else:
        if labels is None:
            # a researcher whose classes are in the headers' comments (LUDB's #Rhythm) had been told no more
            raise DatasetError(f"{spec}: a folder dataset needs --labels labels.csv (record_id,labels: a row per "
                               "record, its classes separated by ';'); its classes are read from that table only, "
                               "never from the records' headers: write one from them, or give records whose "
                               "headers carry #Dx codes as challenge:ROOT")
        ds = open_folder(spec, root, task or "multilabel", Path(labels), labs, split_file, seed,
                         val_frac, test_frac, label_map, group_by, split_method)
    if not ds.items:
        raise DatasetError(f"{spec}: no labelled records for task {ds.task!r}")
    logger.info("dataset %s", ds.summary())
    if ds.split_info is not None:
        logger.info("split: %s", ds.split_info.describe())
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
