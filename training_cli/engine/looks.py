"""How often a model's test split was scored (its "looks"), as ``mirage export`` merges them into the
checkpoint's metrics and the model card states them beside the test figures: each look as
``evaluation.look_record`` writes it, one scoring counted once however many files quote it.
"""

from __future__ import annotations

import json
from pathlib import Path

from training_cli.engine.evaluation import look_record

# what a checkpoint's config.json keeps of a scoring of its test split (``metrics.test``, which the model card and the
# app's model line read): the figures, the thresholds and floor its F1 and accuracy were computed at (a card written
# after the thresholds were chosen again says the figures are the earlier ones'), and the command that scored it
KEPT_TEST_KEYS = ("n", "macro", "per_class", "bootstrap", "split", "date", "look_id", "thresholds", "min_called_p",
                  "command")


def kept_test(test: dict, by: str = "") -> dict:
    """``metrics.test`` of a scoring's metrics (``evaluate_checkpoint``'s): its ``KEPT_TEST_KEYS``, and ``by``
    ("mirage train") where the figures are not an export's ``--test-metrics``."""
    return {**{k: test[k] for k in KEPT_TEST_KEYS if k in test}, **({"by": by} if by else {})}


def looks_of(metrics: dict, test: dict | None) -> tuple[list[dict], int | None]:
    """``all_looks`` of the looks ``metrics`` (a checkpoint's) records."""
    return all_looks(list(metrics.get("test_looks") or []), test)


def _same_look(a: dict, b: dict) -> bool:
    """Whether two recorded looks at a split are one scoring (its metrics.json's look id; older files: the
    date, then the size)."""
    if a.get("split", "test") != b.get("split", "test"):
        return False
    if a.get("look_id") and b.get("look_id"):
        return a["look_id"] == b["look_id"]
    if a.get("date") and b.get("date"):
        return a["date"] == b["date"]
    return a.get("n") == b.get("n")


def all_looks(recorded: list[dict], test: dict | None) -> tuple[list[dict], int | None]:
    """The looks at the test split a checkpoint records, with the one behind ``test`` (--test-metrics)
    added unless it is one of them -> (all looks, index of ``test``'s; None without ``test``)."""
    looks = [dict(look) for look in recorded]
    if test is None:
        return looks, None
    # earlier scorings of this model that the metrics.json replaced in place (evaluate --overwrite)
    for earlier in test.get("earlier_looks") or []:
        if not any(_same_look(look, earlier) for look in looks):
            looks.append(dict(earlier))
    mine = look_record(test, "--test-metrics")
    for i, look in enumerate(looks):
        if _same_look(look, mine):
            return looks, i
    return looks + [mine], len(looks)


def recorded_looks(metrics: dict, folder: Path) -> list[dict]:
    """The looks at the test split that a checkpoint records: its "test_looks"; a checkpoint older than
    that field, the test metrics an earlier export merged in, or the run's own OUT/test/metrics.json
    beside OUT/model (written by `mirage train` when it scored the test split)."""
    if metrics.get("test_looks"):
        return list(metrics["test_looks"])
    if isinstance(metrics.get("test"), dict):
        return [look_record(metrics["test"], "an earlier export's evaluation")]
    run_test = folder.parent / "test" / "metrics.json"
    if folder.name == "model" and (folder.parent / "summary.json").is_file() and run_test.is_file():
        try:
            return [look_record(json.loads(run_test.read_text(encoding="utf-8")), "mirage train")]
        except (OSError, ValueError):
            return []
    return []


def looks_text(looks: list[dict], mine: int | None, stated: int | None) -> str:
    """How often the test split was scored, as the card says it beside the figures."""
    if stated is not None:             # the user's count (--test-looks)
        return "evaluated once" if stated == 1 else \
            f"scored {stated} times for this model: the figures are the last look's"
    if len(looks) <= 1:
        return "evaluated once"
    who = ", then ".join("by `mirage train` at the end of training" if look.get("by") == "mirage train"
                         else "by the evaluation these figures come from" if i == mine
                         else f"by {look.get('by') or 'another evaluation'}" for i, look in enumerate(looks))
    which = "the last look's" if mine == len(looks) - 1 else f"look {mine + 1}'s"
    return f"scored {len(looks)} times for this model ({who}): the figures are {which}"
