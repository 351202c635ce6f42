"""Give a shipped model trained on PTB-XL the fingerprints of its training and validation records
(``provenance["training_records"]``, ``mirage_model.records.fingerprint``), which ``mirage train`` keeps since
session 56 but the shipped models (default, mi, statements), trained before, did not: a PTB-XL record of folds 1-9
scored by them was not marked as one they were trained or selected on.

The records are those the training read, rebuilt from the model's own provenance as ``mirage train`` builds them:
the dataset index of PTB-XL (``training_cli.engine.data.open_index``) for the model's task, whose records without a
label for the task are left out as training left them out, cut to the training and validation splits
(``Dataset.only(SPLITS)``: strat_fold 1-8 and 9). The test split (fold 10) is never opened: its records' files are
not read, not fingerprinted. An ensemble (the default model) keeps what ``mirage ensemble`` keeps
(``fingerprint.merged_entry``): its members were trained on folds 1-8 of the same task and its thresholds chosen on
fold 9, so the same two splits. Every record of the shipped models' splits loaded in their training (their cards:
"skipped (failed to load): 0"), so no record is left out for failing to load; a record whose files cannot be read
here is refused (the entry would otherwise miss it).

Only ``provenance["training_records"]`` is added (or replaced) in config.json, the other keys and their order as
they were, the file written as ``save_checkpoint`` writes it (``json.dumps(indent=2)``) with the shipped files'
final newline; the weights and the model card are not touched.

    python scripts/ship_training_records.py --ptbxl ROOT resources/models/default resources/models/mi \
        resources/models/statements [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mirage_model.checkpoint import CONFIG_NAME
from mirage_model.paths import atomic_output
from mirage_model.records.fingerprint import SPLITS, fingerprints_entry
from training_cli.engine.data import DataOptions, open_index

DATA = "PTB-XL 1.0.3, 100 Hz records"        # how the shipped models' provenance names their data
SPLIT_WORDS = "PTB-XL strat_fold 1-8 train, 9 val, 10 test"


def split_paths(provenance: dict, ptbxl: Path) -> dict[str, list[Path]]:
    """The paths of the records of the training and validation splits ({"train": [...], "val": [...]}) of a model
    trained on PTB-XL 1.0.3's 100 Hz records with its folds, ``provenance`` its config.json's; fold 10 left out
    unread.

    Raises:
        SystemExit: the provenance names other data or splits (a model this script cannot rebuild the split of).
    """
    if not str(provenance.get("data", "")).startswith(DATA) or provenance.get("splits") != SPLIT_WORDS:
        raise SystemExit(f"the model's provenance names data {provenance.get('data')!r}, splits "
                         f"{provenance.get('splits')!r}: only {DATA!r} with {SPLIT_WORDS!r} is rebuilt here")
    ds = open_index(DataOptions(data=f"ptbxl:{ptbxl}", task=provenance["task"])).only(SPLITS)
    return {s: [ds.items[i].path for i in ds.split_indices(s)] for s in SPLITS}


def write_training_records(folder: Path, entry: dict) -> None:
    """Set config.json's ``provenance["training_records"]`` of the checkpoint ``folder`` to ``entry``, the rest of
    the file as it was. Atomic."""
    path = Path(folder) / CONFIG_NAME
    config = json.loads(path.read_text(encoding="utf-8"))
    config["provenance"]["training_records"] = entry
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(config, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", type=Path, help="shipped model folders (config.json)")
    ap.add_argument("--ptbxl", type=Path, required=True, help="PTB-XL 1.0.3 root (ptbxl_database.csv, records100/)")
    ap.add_argument("--dry-run", action="store_true", help="count and time, write nothing")
    args = ap.parse_args(argv)
    for folder in args.models:
        path = folder / CONFIG_NAME
        before = path.stat().st_size
        provenance = json.loads(path.read_text(encoding="utf-8"))["provenance"]
        t0 = time.perf_counter()
        entry = fingerprints_entry(split_paths(provenance, args.ptbxl))
        if any(entry["unread"].values()):
            raise SystemExit(f"{folder}: records whose files could not be read: {entry['unread']}; nothing written")
        if not args.dry_run:
            write_training_records(folder, entry)
        print(f"{folder}: task {provenance['task']}, records {entry['counts']}, {time.perf_counter() - t0:.1f} s, "
              f"config.json {before} -> {path.stat().st_size} bytes" + (" (dry run)" if args.dry_run else ""))


if __name__ == "__main__":
    main()
