"""``resume``: the rows of an earlier run's output that a new run keeps (its scored records are
skipped; records that failed are tried again)."""

from __future__ import annotations

from pathlib import Path

from mirage_model.review.batch.errors import BatchError
from mirage_model.review.batch.outputs import read_rows


def kept_rows(out_path: Path, fmt: str, cols: list[str]) -> list[dict]:
    """The ok rows of ``out_path`` (one per record path, the first), or [] when it does not exist.

    Raises:
        BatchError: the output cannot be read, or was written with other columns (another
            model, or --no-measure/--pdf-dir/--all-statements changed).
    """
    if not out_path.exists():
        return []
    old_cols, old_rows = read_rows(out_path, fmt)
    if old_rows and old_cols != cols:
        raise BatchError(
            f"{out_path}: cannot resume: its columns differ from this run's (another model, "
            "or --no-measure/--pdf-dir/--all-statements changed, or written by an older version); "
            "write to a new output file")
    kept, done = [], set()
    for row in old_rows:
        key = str(row.get("record_path"))
        if row.get("status") == "ok" and key not in done:   # exact path: one row each
            kept.append(row)
            done.add(key)
    return kept
