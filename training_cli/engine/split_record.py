"""What a checkpoint records of the split its own data was made with, checked when the data is opened
for it again (``engine.data.open_index``): a model scored on the records it was trained on looks good for
that reason alone. Its seed, its label map and its split file (by name and by a digest of the file's content).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from training_cli.engine.errors import ConfigError


# a seeded split in a checkpoint's provenance "splits": stratified (by patient or record) or, in models
# made before stratification, random
_SEEDED = re.compile(r"(?:seeded random split|stratified split by \w+) \(seed (-?[0-9]+)[);]")



# the provenance keys that describe the data a model was trained on and how it was split: what an ensemble of
# models keeps from its first member (``commands.ensemble``) and what a member taken out of an ensemble gets back
# (``checkpoints``), so that evaluate and the other commands split the data again as trained (``split_record``)
DATA_KEYS = ("data", "task", "splits", "split_file", "split_file_digest", "data_kind", "data_root", "labels_file",
             "label_map_file", "labs_file", "split_method", "group_by", "group_by_labs")


def same_root(spec: str, ds) -> bool:
    """Whether a checkpoint's recorded data spec ("folder:ROOT", ROOT as typed at training) names
    the folder of ``ds``: the same resolved folder, or, for a spec typed relative to another working
    folder, the same folder name."""
    kind, _, root = str(spec).partition(":")
    if kind.strip().lower() != ds.kind or not root:
        return False
    given = Path(root).expanduser()
    try:
        if given.is_absolute():
            return given.resolve() == Path(ds.root).resolve()
    except OSError:
        return False
    return given.name == Path(ds.root).resolve().name


def check_split_seed(provenance, options, ds, model: str = "the model") -> None:
    """Refuse to split a model's own data with another seed than the one it was trained with.

    A seeded split (Challenge and folder datasets) depends on ``--seed``: a model trained with
    ``--seed 5`` and evaluated or calibrated with the default 0 on the same folder gets a "test" or
    "val" split made mostly of its own training records, and its figures look good for that reason
    alone. PTB-XL's folds, a split file and a labels table's ``split`` column do not depend on it.

    Args:
        provenance: the checkpoint's provenance (``splits`` says where its split came from, ``data``
            the dataset it was trained on).
        options: this run's data options. ds: the opened dataset. model: the model's name, for the message.

    Raises:
        ConfigError: the same data, split by seed, with another seed (the message gives the seed to use).
    """
    prov = provenance or {}
    found = _SEEDED.search(str(prov.get("splits", "")))
    if ds.kind == "ptbxl" or options.split_file or found is None or not same_root(prov.get("data", ""), ds):
        return
    seed = int(found.group(1))
    if seed != options.seed:
        raise ConfigError(f"error: {model} was trained on a seeded split of {prov.get('data')} "
                          f"(seed {seed}); --seed {options.seed} splits these records otherwise, so its val "
                          f"and test splits would hold records the model was trained on: give --seed {seed}")


def check_label_map(provenance, options, ds, model: str = "the model") -> None:
    """Refuse to score a model on its own data without the label map it was trained with.

    A model trained with ``--label-map codes.csv`` (a folder labels table's SNOMED-CT codes named
    through it) and evaluated or calibrated without it reads the records labelled by code as
    negatives of every class: its figures fell (test macro AUROC 0.506 -> 0.322 on the same records),
    with warnings only.

    Raises:
        ConfigError: the checkpoint records a label map, and this run on the same data gives none.
    """
    used = (provenance or {}).get("label_map_file")
    if not used or options.label_map or not same_root((provenance or {}).get("data", ""), ds):
        return
    raise ConfigError(f"error: {model} was trained on {provenance.get('data')} with --label-map {used} (its "
                      f"classes are named through it); give --label-map {used} here too, or the records "
                      "labelled by code count as negatives of every class")


def recorded_split(provenance) -> tuple[str, str | None] | None:
    """How a checkpoint's own data was split when the split was seeded: (method, patient column or
    None), ``("random", None)`` for a model made before stratification, None when its split came from
    PTB-XL's folds, a split file or a split column alone."""
    prov = provenance or {}
    if prov.get("split_method"):
        return prov["split_method"], prov.get("group_by")
    if "seeded random split (seed" in str(prov.get("splits", "")):
        return "random", None
    return None


# a split file in a checkpoint's provenance "splits" (models made before "split_file" was recorded): the
# path as given at training, up to the notes that follow it ("; 2 patients have records ...")
_SPLIT_FILE = re.compile(r"\bsplit file (.+?)(?:; |$)")


def split_file_digest(path) -> str:
    """A short hash of a split file's content (bytes): the same file, wherever it lies or is named."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def check_split_file(provenance, options, ds, model: str = "the model") -> None:
    """Refuse to split a model's own data otherwise than by the split file it was trained with.

    Without ``--split-file`` the records are split by seed: a model trained with ``--split-file`` had
    a "test" split holding records it was trained on (17 of 20 test records, 200 PTB-XL records as a folder).
    Another split file (its content's digest differs from the one the checkpoint records) is refused
    too; a checkpoint made before the digest was recorded is checked for the file alone.

    Args:
        provenance: the checkpoint's provenance (``split_file`` and ``split_file_digest``, or for an
            older model the "split file FILE" of ``splits``; ``data`` the dataset it was trained on).
        options: this run's data options. ds: the opened dataset. model: the model's name, for the message.

    Raises:
        ConfigError: the same data, without the split file or with another (the message names the file).
    """
    prov = provenance or {}
    found = _SPLIT_FILE.search(str(prov.get("splits", "")))
    used = prov.get("split_file") or (found.group(1) if found else None)
    if ds.kind == "ptbxl" or not used or not same_root(prov.get("data", ""), ds):
        return
    if not options.split_file:
        raise ConfigError(f"error: {model} was trained on {prov.get('data')} split by the split file {used}; "
                          "without --split-file these records are split by seed, so its val and test splits would "
                          f"hold records the model was trained on: give --split-file {used}")
    digest = prov.get("split_file_digest")
    try:
        given = split_file_digest(options.split_file) if digest else digest
    except OSError:
        return          # opening the dataset has read it: a file gone since then is not this check's to name
    if given != digest:
        raise ConfigError(f"error: {model} was trained on {prov.get('data')} split by the split file {used} "
                          f"(content digest {digest}); {options.split_file} is another file (digest {given}), "
                          "so its val and test splits may hold records the model was trained on: give the split "
                          f"file it was trained with (--split-file {used})")
