"""``challenge:ROOT``: PhysioNet/CinC 2020/2021 folders (.hea + .mat, ``#Dx`` SNOMED-CT codes), searched
recursively. Codes map to classes through a label map CSV (default: the 2021 scored classes with the
challenge's equivalent codes merged, ``labelmaps/cinc2021_scored.csv``); age and sex come from the
headers. Splits by seed or a split file (Perez Alday et al. 2020, Reyna et al. 2021)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from mirage_model.words import counted
from training_cli.engine.dataset import Dataset, DatasetError, Item
from training_cli.engine.headers import find_headers, header_values, read_header_comments, record_id_of
from training_cli.engine.left_out import kinds_left_out
from training_cli.engine.splits import assign_splits
from training_cli.engine.tables import read_label_descriptions, read_label_map

logger = logging.getLogger(__name__)

LABELMAP_DIR = Path(__file__).resolve().parents[1] / "labelmaps"
DEFAULT_CHALLENGE_LABELMAP = LABELMAP_DIR / "cinc2021_scored.csv"


def open_challenge(spec, root, task, label_map, split_file, seed, val_frac, test_frac,
                   split_method: str = "stratified") -> Dataset:
    if task not in ("multilabel", "multiclass"):
        raise DatasetError(f"challenge datasets take task multilabel or multiclass, not {task!r}")
    lmap_path = Path(label_map) if label_map else DEFAULT_CHALLENGE_LABELMAP
    lmap = read_label_map(lmap_path)
    items = []
    unscored: list[str] = []        # "id (its codes)" of the records with no code of the map's classes
    several: list[str] = []         # multiclass: "id (its classes)" of the records with more than one
    headers = find_headers(root)
    for hea in headers:
        try:
            meta = read_header_comments(hea)
        except DatasetError as err:
            logger.warning("skipping %s", err)
            continue
        codes = [c.strip() for c in meta.get("dx", "").split(",") if c.strip()]
        labs = tuple(sorted({lmap[c] for c in codes if c in lmap}))
        if not labs:
            unscored.append(f"{record_id_of(root, hea)} ({', '.join(codes) or 'no #Dx'})")
            continue
        if task == "multiclass" and len(labs) != 1:
            several.append(f"{record_id_of(root, hea)} ({', '.join(labs)})")
            continue
        own = header_values(hea)
        items.append(Item(record_id_of(root, hea), hea, labs, {"age": own.get("age"), "sex": own.get("sex")}))
    _warn_left_out(unscored, several, len(headers), lmap_path, label_map is None)
    classes = sorted({c for it in items for c in it.labels})
    # a Challenge header names no patient: the records are split one by one
    info = assign_splits(items, split_file, seed, val_frac, test_frac, method=split_method)
    lmap_hash = hashlib.sha256(lmap_path.read_bytes()).hexdigest()[:16]
    return Dataset(spec, "challenge", root, task, task, classes, items, ["age", "sex"],
                   identity={"kind": "challenge", "root": str(root.resolve()), "labelmap": lmap_hash}, split_info=info,
                   left_out=kinds_left_out(no_scored_class=unscored, not_one_class=several),
                   descriptions={c: w for c, w in read_label_descriptions(lmap_path).items() if c in classes})


def _warn_left_out(unscored: list[str], several: list[str], total: int, lmap_path: Path, default_map: bool) -> None:
    """Say which records the labels left out ("id (codes)" each), counted of ``total`` headers, with what to do:
    a record none of whose #Dx codes the label map names has no class to learn (a tester's 95 CinC records
    trained as 70, and nothing said so)."""
    if unscored:
        hint = (" (the 2021 Challenge's scored classes; give --label-map FILE.csv, snomed_ct,class, to train on "
                "other codes)" if default_map else "")
        logger.warning("%s of %s not used: no #Dx code of a class of %s%s: %s%s", counted(len(unscored), "record"),
                       counted(total, "header"), lmap_path.name, hint, "; ".join(unscored[:3]),
                       "; ..." if len(unscored) > 3 else "")
    if several:
        logger.warning("%s of %s not used: more than one class, in a multiclass task (--task multilabel "
                       "uses them): %s%s", counted(len(several), "record"), counted(total, "header"),
                       "; ".join(several[:3]), "; ..." if len(several) > 3 else "")
