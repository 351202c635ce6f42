"""The outputs of an earlier run that ``mirage train --overwrite`` replaces, kept until the new run
has a model of its own: set aside in OUT/``ASIDE`` as the run starts, put back where they were if
it ends (an exception, Ctrl-C, a bad record found late) before its first epoch has written its
model and resume state, removed once it has. Removing them at the start had left a run that failed
in its first minutes with neither the earlier model nor one of its own.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from mirage_model.checkpoint import CONFIG_NAME, WEIGHTS_NAME
from training_cli.engine.errors import ConfigError
from training_cli.engine.evaluation import output_files

logger = logging.getLogger(__name__)

# what ``mirage train`` writes in OUT: the run's configuration, its selected model and resume state,
# then what it writes at some epoch's end, at its end, or only sometimes (skipped.csv when records
# were skipped, test/ unless --no-test)
RUN_FOLDERS = ("model", "last")
RESULTS = ("config.json", "summary.json", "skipped.csv", "log.csv", "log.jsonl", "curves.png")
# the folder in OUT that holds them meanwhile (no name a run writes)
ASIDE = "earlier_run.set_aside"


def run_outputs(out: Path) -> list[Path]:
    """Every path in ``out`` a training run writes (files and the model/ and last/ folders)."""
    return ([out / name for name in RUN_FOLDERS] + [out / name for name in RESULTS]
            + output_files(out / "test"))


def refuse_unusable_out(out: Path) -> None:
    """Refuse an --out that no run may go over, --overwrite or not: one holding an earlier run's outputs that a
    killed --overwrite run set aside (``ASIDE``), or a model's own folder (RUN/model given for RUN), whose
    config.json a run had replaced by its own, leaving the weights without what rebuilds them.

    Raises:
        ConfigError: naming --out and what to do.
    """
    if (out / ASIDE).exists():
        raise ConfigError(f"error: --out {out}: {out / ASIDE} holds the outputs of an earlier run that a run with "
                          "--overwrite set aside and could not put back (it was stopped before it could); move "
                          f"them back into {out} to keep that run, or remove the folder, then run again")
    if (out / WEIGHTS_NAME).is_file():
        raise ConfigError(f"error: mirage train --out {out}: holds a model ({CONFIG_NAME}, {WEIGHTS_NAME}), not a "
                          f"training run's folder: the run would write its own {CONFIG_NAME} over the model's. It is "
                          "never replaced, --overwrite or not: give the run's folder (its model is written in "
                          "OUT/model) or another --out")


def aside_folder(out: Path) -> Path:
    return Path(out) / ASIDE


class EarlierRun:
    """An earlier run's outputs set aside in ``out``/``ASIDE`` (``set_aside``); ``put_back`` restores
    them, ``discard`` removes them (each at most once, and neither after the other)."""

    def __init__(self, out: Path, moved: list[str]):
        self.out = Path(out)
        self.moved = moved           # paths relative to out, in the order they were moved
        self.done = False

    @classmethod
    def set_aside(cls, out: Path) -> "EarlierRun":
        """Move the outputs an earlier run left in ``out`` into ``out``/``ASIDE``.

        Raises:
            OSError: one could not be moved (those moved before it are put back first).
        """
        out = Path(out)
        aside = aside_folder(out)
        moved: list[str] = []
        earlier = cls(out, moved)
        try:
            for path in run_outputs(out):
                if not (path.is_file() or path.is_dir()):
                    continue
                rel = path.relative_to(out).as_posix()
                (aside / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, aside / rel)    # same file system: a rename, nothing copied
                moved.append(rel)
        except OSError:
            earlier.put_back()
            raise
        if (out / "test").is_dir() and not any((out / "test").iterdir()):
            (out / "test").rmdir()
        if moved:
            logger.info("--overwrite: the earlier run's %s set aside in %s until this run's first epoch has "
                        "written its model (put back if it ends before)", ", ".join(moved), aside)
        elif aside.is_dir():
            aside.rmdir()
        return earlier

    def put_back(self) -> None:
        """Restore the earlier run's outputs, removing what this run wrote under their names (and
        under the other names a run writes: the folder is left as the earlier run left it). A file
        that cannot be put back is named in the log; the rest are put back all the same."""
        if self.done or not self.moved:
            self.done = True
            return
        self.done = True
        aside = aside_folder(self.out)
        failed = []
        for path in run_outputs(self.out):
            try:
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
            except OSError as err:
                failed.append(f"{path}: {err.strerror or err}")
        for rel in self.moved:
            try:
                (self.out / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(aside / rel, self.out / rel)
            except OSError as err:
                failed.append(f"{aside / rel}: {err.strerror or err}")
        if failed:
            logger.error("could not put back all of the earlier run's outputs (%s); what is left of them is "
                         "in %s", "; ".join(failed), aside)
            return
        shutil.rmtree(aside, ignore_errors=True)
        logger.warning("the run ended before its first epoch wrote a model: the earlier run's outputs are back "
                       "in %s as they were", self.out)

    def discard(self) -> None:
        """Remove the earlier run's outputs: this run has a model and resume state of its own."""
        if self.done:
            return
        self.done = True
        if self.moved:
            shutil.rmtree(aside_folder(self.out), ignore_errors=True)
            logger.info("--overwrite: removed the earlier run's %s (this run's first model is written)",
                        ", ".join(self.moved))
