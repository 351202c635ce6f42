"""The run log: provenance (code version, hardware, time), atomic JSON, the per-epoch log, the
learning curves and the list of records that failed to load."""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

import mirage_model
from mirage_model.paths import atomic_output, atomic_write_json, atomic_write_text


def code_version() -> str:
    """Package version plus the git commit when run from a checkout of the project: "0.1.0+g55fd887", with
    ".dirty" where a tracked file differs from that commit. An installed copy (site-packages inside some other
    git repository: a venv kept in a researcher's own project) is no checkout: its version alone, where that
    repository's commit and its edits had been recorded as the code's."""
    version = mirage_model.__version__
    try:
        root = Path(mirage_model.__file__).resolve().parent.parent
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=5).stdout.strip()
        if not top or Path(top).resolve() != root:
            return version
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        if commit:
            version += f"+g{commit}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def hardware() -> str:
    cpu = platform.processor() or platform.machine()
    desc = f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}"
    if torch.cuda.is_available():
        desc += f", {torch.cuda.device_count()}x {torch.cuda.get_device_name(0)}"
    return desc


def command_line() -> str:
    """This process's ``mirage`` command line as a model card quotes it: shell-quoted, so that it runs
    again as written (a folder "ECG export" stays one argument)."""
    return shlex.join(["mirage", *sys.argv[1:]])


# a path of this machine: "/" not after a word character or a dot (a ratio "1/2", "./x" stay), up to its last component
_ABS_PATH = re.compile(r"(?<![\w.])/(?:[\w.+-]+/)*([\w.+-]+)")
# a run started as ``python -m training_cli.main train ...`` records argv[0] "main.py": it is the `mirage` command
_ENTRY = re.compile(r"^(?:main\.py|mirage)(?= )")


def scrub_paths(value):
    """Replace absolute paths in strings (recursively) by their last component: ``/a/b/c`` -> ``c``;
    a command recorded as ``main.py train ...`` reads ``mirage train ...``. A model card (``mirage export``'s,
    ``mirage calibrate``'s) names no path of the machine that wrote it."""
    if isinstance(value, str):
        return _ENTRY.sub("mirage", _ABS_PATH.sub(lambda m: m.group(1), value))
    if isinstance(value, dict):
        return {k: scrub_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_paths(v) for v in value]
    return value


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_json(path: Path, data) -> None:
    """Write JSON atomically (``paths.atomic_write_json``), numpy values and paths included."""
    atomic_write_json(path, data, indent=2, default=json_default)


def json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_epoch_log(out: Path, history: list[dict]) -> None:
    keys = []
    for row in history:
        for k in row:
            if k not in keys:
                keys.append(k)
    with atomic_output(out / "log.csv") as tmp, open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for row in history:
            w.writerow(row)
    atomic_write_text(out / "log.jsonl", "".join(json.dumps(row, default=json_default) + "\n" for row in history))


def plot_curves(path: Path, history: list[dict], classes: list[str]) -> None:
    import matplotlib   # only for plots (seconds to import); Agg must be chosen before pyplot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ep = [h["epoch"] for h in history]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    axes[0].plot(ep, [h["train_loss"] for h in history], "o-", label="train")
    axes[0].plot(ep, [h.get("val_loss") for h in history], "o-", label="val")
    axes[0].set_title("loss")
    axes[0].legend()
    axes[1].plot(ep, [h.get("val_macro_auroc") for h in history], "o-", color="k", label="macro")
    for c in classes:
        axes[1].plot(ep, [h.get(f"val_auroc_{c}") for h in history], "-", alpha=0.6, label=c)
    axes[1].set_title("validation AUROC")
    if len(classes) <= 12:
        axes[1].legend(fontsize=7)
    axes[2].plot(ep, [h["lr"] for h in history], "o-")
    axes[2].set_title("learning rate (end of epoch)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def write_skipped(path: Path, dataset, skipped: dict) -> None:
    if not skipped:
        return
    by_id = {it.record_id: it for it in dataset.items}
    with atomic_output(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "path", "reason"])
        for rid, reason in skipped.items():
            it = by_id.get(rid)
            w.writerow([rid, str(it.path) if it else "", reason])
